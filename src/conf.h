/*
 * The configuration snapshot: settings, rules and users, loaded and
 * validated whole, then shared read-only by every request that started
 * with it.  A reload builds a new snapshot and swaps the pointer; the old
 * one is freed when its last request lets go of it.  Settings only,
 * immutable once loaded: the cache, hashing and throttle table that
 * serve beside it are struct authz_services (authz.h, services.h).
 */
#ifndef AUTHZ_CONF_H
#define AUTHZ_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "errlist.h"
#include "filetrust.h"
#include "settings.h"

struct stat;

enum conf_load_flags {
	CONF_LOAD_NO_USERS = 1		/* settings and rules only (the CLI
					 * edits a users file that may be
					 * broken) */
};

/*
 * Loads the config file and the users file it names, and validates both.
 * Every error is added to errs as "FILE:LINE: message".  Returns the new
 * snapshot, or NULL when there was any error.  Whoever owns the files:
 * the daemon uses conf_load_trusted().
 */
struct conf	*conf_load(const char *path, int flags, struct errlist *errs);
/* The same, adding warnings (roles or users no one has) to warnings. */
struct conf	*conf_load_warn(const char *path, int flags,
		    struct errlist *errs, struct errlist *warnings);
/*
 * conf_load_warn() for the daemon and the checks that stand for it
 * ("fcgi-authzd -t", "fcgi-authz check"): a file that someone but root
 * and trust's ids could change is an error, and a users file that every
 * user may read a warning (filetrust.h).  With trust NULL, the ids of
 * the daemon being started by this process: the config file is trusted
 * as this process is (effective ids), the users file as the user the
 * daemon runs as, [server] user and group when this process is root
 * (a user unknown here is an error), this process's otherwise.  A reload
 * passes the running snapshot's cf_trust, so that after the privilege
 * drop it trusts what the start did.
 */
struct conf	*conf_load_trusted(const char *path, int flags,
		    const struct conf_trust *trust, struct errlist *errs,
		    struct errlist *warnings);
void		 conf_free(struct conf *);
/*
 * The ids the daemon runs as once started, whose users file it is: those
 * of [server] user (and group, else the user's own) when this process is
 * root, this process's otherwise.  Returns 0; or -1 with *unknown set to
 * "user" or "group", the key whose name this system does not know.
 */
int		 conf_daemon_ids(const struct conf *, struct filetrust_ids *,
		    const char **unknown);
/*
 * Where the throttle table is: [throttle] state, else a file of this
 * user's and this configuration file's, so that every process started
 * with the same file shares it, in systemd's RuntimeDirectory= when the
 * daemon runs under one (RUNTIME_DIRECTORY), else in /dev/shm.  Writes at
 * most bufsz bytes.
 */
void		 conf_throttle_path(const struct conf *, char *buf, size_t bufsz);
/* Fills id from what stat(2) said of a file. */
void		 conf_fileid_from_stat(const struct stat *, struct conf_fileid *);
/* Returns 1 if a and b are the same file, as read: every field alike. */
int		 conf_fileid_equal(const struct conf_fileid *a,
		    const struct conf_fileid *b);

#endif
