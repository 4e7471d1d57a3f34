/*
 * The settings a configuration snapshot holds (conf.h): struct conf and
 * its parts, as confparse.c reads them from fcgi-authz.ini and conf.c
 * completes them.  Types only, so that the reader of the keys and the
 * loader that calls it both depend on this header and not on each other.
 */
#ifndef AUTHZ_SETTINGS_H
#define AUTHZ_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "filetrust.h"
#include "hashfmt.h"
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
	char		*cf_http;		/* forward-auth; NULL: none */
	char		*cf_users_path;		/* resolved against cf_path */
	unsigned	 cf_workers;
	char		*cf_realm;
	enum conf_default cf_default;
	int		 cf_authz_failure;	/* 403 or 401 */
	struct netcidr	*cf_trusted_proxies;
	size_t		 cf_ntrusted_proxies;
	struct netcidr	*cf_http_trusted;	/* AUTHZ_HTTP_TRUSTED unless
						   set, maybe to nothing */
	size_t		 cf_nhttp_trusted;
	int		 cf_http_trusted_set;
	enum conf_log	 cf_log;
	unsigned	 cf_request_timeout;	/* seconds, a whole request */
	unsigned	 cf_idle_timeout;	/* seconds, a kept connection */
	unsigned	 cf_max_connections;	/* 0: from the open-files limit */
	char		*cf_user;		/* NULL: keep the current user */
	char		*cf_group;
	mode_t		 cf_socket_mode;	/* unix socket mode */
	/* [hashing] */
	unsigned	 cf_hash_max_concurrent;
	struct hashfmt_limits cf_hash_limits;	/* what the users file's
						   hashes may ask for */
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

#endif
