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
 * caller calls conf_watch_is_due() every tick (about 250 ms): one stat(2)
 * per file, nothing per request.  A change is reported once the files
 * have kept the same identity for CONF_WATCH_SETTLE_MS, so that a file
 * written in place is not read half written (a file renamed into place
 * is complete anyway); and a state of the files that failed to load is
 * not tried again, nor logged again, until the files change once more.
 */
#define CONF_WATCH_SETTLE_MS	200

struct conf_watch {
	struct conf_files cw_seen;	/* changed, settling since cw_seen_at */
	struct timespec	 cw_seen_at;	/* CLOCK_MONOTONIC */
	int		 cw_have_seen;
	struct conf_files cw_failed;	/* a load of these failed */
	int		 cw_have_failed;
};

void	conf_watch_init(struct conf_watch *);
/* Stats the config file and the users file cf was read from into now. */
void	conf_files_stat(const struct conf *cf, struct conf_files *now);
/*
 * Returns 1 when the files are no longer those cf was read from, have
 * settled, and are not a state that already failed to load: the caller
 * then reloads and reports with conf_watch_done().  Fills now with what
 * stat(2) says, and *changed with the path that changed (the users file
 * first).  Returns 0 otherwise.
 */
int	conf_watch_is_due(struct conf_watch *, const struct conf *cf,
	    struct conf_files *now, const char **changed);
/*
 * Records the outcome of a load tried on the files as they were in
 * tried (from conf_files_stat() before the load): on failure that state
 * is not reported due again.
 */
void	conf_watch_done(struct conf_watch *, const struct conf_files *tried,
	    int ok);

#endif
