/*
 * The supervisor's copy of the last good configuration, which a worker
 * restarted after a crash serves: not the start-up one (that would undo a
 * password change), nor what is on disk (it may be half edited).  It
 * follows the files as the worker does, but loads them on a thread at
 * AUTHZ_RELOAD_NICE: the main thread keeps nice 0 for the workers it forks.
 * A worker restarted during a load gets the copy from before it, and
 * reloads the files itself.  Main thread only.
 */
#ifndef AUTHZ_LASTGOOD_H
#define AUTHZ_LASTGOOD_H

struct conf;
struct lastgood;

/* Takes cf, loaded from conf_path.  NULL when out of memory. */
struct lastgood	*lastgood_new(struct conf *cf, const char *conf_path);
/* The copy now. */
struct conf	*lastgood_conf(const struct lastgood *);
/*
 * Takes a finished load (a good one replaces the copy), then starts
 * another if the files changed on disk, or, with signalled, at once (as
 * soon as the one running has finished).
 */
void		 lastgood_tick(struct lastgood *, int signalled);
/* Waits for a load that is running, then frees it all. */
void		 lastgood_free(struct lastgood *);

#endif
