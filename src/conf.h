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
#include "netaddr.h"
#include "rules.h"

struct users;
struct stat;

enum conf_default {
	CONF_DEFAULT_DENY,
	CONF_DEFAULT_AUTHENTICATE
};

enum conf_log {
	CONF_LOG_STDERR,
	CONF_LOG_SYSLOG
};

/*
 * What a file was when it was read, from its stat(2): a file replaced by
 * rename(2) has another inode, one written in place another size, mtime
 * or ctime.  When stat failed (the file is gone), fi_errno holds why and
 * the other fields are zero.
 */
struct conf_fileid {
	dev_t		 fi_dev;
	ino_t		 fi_ino;
	off_t		 fi_size;
	struct timespec	 fi_mtim;
	struct timespec	 fi_ctim;
	int		 fi_errno;
};

/* The two files a snapshot is read from. */
struct conf_files {
	struct conf_fileid cfs_conf;		/* the config file */
	struct conf_fileid cfs_users;		/* the users file it names */
};

/*
 * Whose files a load trusts (filetrust.h), besides root.  The config
 * file says which user the daemon becomes and which socket it opens
 * first: only whoever starts the daemon may be able to change it.  The
 * users file is the daemon's own: the user it runs as may.
 */
struct conf_trust {
	struct filetrust_ids ct_conf;		/* for the config file */
	struct filetrust_ids ct_users;		/* for the users file */
};

struct conf {
	char		*cf_path;		/* the config file */
	/* [server] */
	char		*cf_listen;		/* NULL: not set */
	char		*cf_users_path;		/* resolved against cf_path */
	unsigned	 cf_workers;
	char		*cf_realm;
	enum conf_default cf_default;
	int		 cf_authz_failure;	/* 403 or 401 */
	struct netcidr	*cf_trusted_proxies;
	size_t		 cf_ntrusted_proxies;
	enum conf_log	 cf_log;
	unsigned	 cf_request_timeout;	/* seconds */
	char		*cf_user;		/* NULL: keep the current user */
	char		*cf_group;
	mode_t		 cf_socket_mode;	/* unix socket mode */
	/* [hashing] */
	unsigned	 cf_hash_max_concurrent;
	unsigned long long cf_hash_max_memory;	/* bytes */
	unsigned long long cf_hash_opslimit;	/* for new hashes */
	size_t		 cf_hash_memlimit;	/* bytes, for new hashes */
	/* [cache] */
	unsigned	 cf_cache_ttl;		/* seconds; 0 = off */
	size_t		 cf_cache_entries;
	/* [throttle] */
	unsigned	 cf_throttle_max_failures;
	unsigned	 cf_throttle_window;
	unsigned	 cf_throttle_ban;
	char		*cf_throttle_state;	/* NULL: conf_throttle_path() */
	/* [metrics] */
	char		*cf_metrics_textfile;	/* NULL: off */

	struct rule	*cf_rules;
	size_t		 cf_nrules;
	struct rules_index *cf_rules_index;	/* over cf_rules */

	struct users	*cf_users;		/* from cf_users_path */

	struct conf_files cf_files;		/* as they were read */
	struct conf_trust cf_trust;		/* what conf_load_trusted()
						   checked them against */
};

enum conf_load_flags {
	CONF_LOAD_NO_PWCHECK = 1,	/* no effect: a load makes no
					 * services (services.h) */
	CONF_LOAD_NO_USERS = 2		/* settings and rules only (the CLI
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

#endif
