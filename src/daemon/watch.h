/*
 * Noticing that the config file or the users file changed on disk
 * (fcgi-authzd only).
 */
#ifndef AUTHZ_WATCH_H
#define AUTHZ_WATCH_H

#include <time.h>

#include "conf.h"

/*
 * Noticing, without a signal, that the files of the running snapshot
 * changed on disk, so that the daemon reloads them as on SIGHUP.  The
 * caller calls watch_is_due() every tick (about 250 ms): one stat(2)
 * per file, nothing per request.  A change is reported once the files
 * have kept the same identity for WATCH_SETTLE_MS, so that a file
 * written in place is not read half written (a file renamed into place
 * is complete anyway); and a state of the files that failed to load is
 * not tried again, nor logged again, until the files change once more.
 */
#define WATCH_SETTLE_MS	200

struct watch {
	struct conf_files wt_seen;	/* changed, settling since wt_seen_at */
	struct timespec	 wt_seen_at;	/* CLOCK_MONOTONIC */
	int		 wt_have_seen;
	struct conf_files wt_failed;	/* a load of these failed */
	int		 wt_have_failed;
};

void	watch_init(struct watch *);
/* Stats the config file and the users file cf was read from into now. */
void	watch_files_stat(const struct conf *cf, struct conf_files *now);
/*
 * Returns 1 when the files are no longer those cf was read from, have
 * settled, and are not a state that already failed to load: the caller
 * then reloads and reports with watch_done().  Fills now with what
 * stat(2) says, and *changed with the path that changed (the users file
 * first).  Returns 0 otherwise.
 */
int	watch_is_due(struct watch *, const struct conf *cf,
	    struct conf_files *now, const char **changed);
/*
 * Records the outcome of a load tried on the files as they were in
 * tried (from watch_files_stat() before the load): on failure that state
 * is not reported due again.
 */
void	watch_done(struct watch *, const struct conf_files *tried,
	    int ok);

#endif
