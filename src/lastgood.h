/*
 * The supervisor's copy of the last good configuration: what a worker
 * started after a crash serves.  Not the one from start-up (that would
 * undo a password change), and not whatever is on disk at the crash (it
 * may be half edited).  It follows the files as the worker does (on
 * SIGHUP, and when they change on disk, with watch.h), but loads them
 * on a thread of its own at nice 10: a second load of a large users file
 * on every reload would otherwise take CPU from answering requests.  The
 * main thread stays at nice 0, for the worker it forks takes its nice
 * value, and free to restart a worker while a load runs; a worker started
 * meanwhile gets the copy before that load, and then reloads the files
 * itself as soon as it runs.  Main thread only.
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
