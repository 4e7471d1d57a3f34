/*
 * The configuration snapshot: settings, rules and users, loaded and
 * validated whole, then shared read-only by every request that started
 * with it.  A reload builds a new snapshot and swaps the pointer; the old
 * one is freed when its last request lets go of it.
 */
#ifndef AUTHZ_CONF_H
#define AUTHZ_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "errlist.h"
#include "netaddr.h"
#include "rules.h"

struct users;
struct pwcheck;
struct authcache;

enum conf_default {
	CONF_DEFAULT_DENY,
	CONF_DEFAULT_AUTHENTICATE
};

enum conf_log {
	CONF_LOG_STDERR,
	CONF_LOG_SYSLOG
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
	/* [metrics] */
	char		*cf_metrics_textfile;	/* NULL: off */

	struct rule	*cf_rules;
	size_t		 cf_nrules;

	struct users	*cf_users;		/* from cf_users_path */
	struct authcache *cf_cache;		/* NULL when ttl is 0 */
	struct pwcheck	*cf_pwcheck;		/* dummy hash and limiter */
};

enum conf_load_flags {
	CONF_LOAD_NO_PWCHECK = 1,	/* -t/check: no dummy hash, no limiter */
	CONF_LOAD_NO_USERS = 2		/* settings and rules only (the CLI
					 * edits a users file that may be
					 * broken); implies NO_PWCHECK */
};

/*
 * Loads the config file and the users file it names, and validates both.
 * Every error is added to errs as "FILE:LINE: message".  Returns the new
 * snapshot, or NULL when there was any error.
 */
struct conf	*conf_load(const char *path, int flags, struct errlist *errs);
/* The same, adding warnings (roles or users no one has) to warnings. */
struct conf	*conf_load_warn(const char *path, int flags,
		    struct errlist *errs, struct errlist *warnings);
void		 conf_free(struct conf *);

/*
 * Parses a size such as "256M", "64K", "1G" or "1048576" (bytes) into
 * *out.  Returns 0 or -1.
 */
int	conf_parse_size(const char *, unsigned long long *out);
/* Parses a decimal unsigned number within [min, max]; 0 or -1. */
int	conf_parse_uint(const char *, unsigned long long min,
	    unsigned long long max, unsigned long long *out);
/* Parses YYYY-MM-DD into the first second (UTC) after that day; 0/-1. */
int	conf_parse_date(const char *, time_t *out);
/* Splits "a, b,c" into a NULL-terminated array of trimmed, non-empty
 * strings; returns 0 or -1 (an empty item is an error). */
int	conf_split_list(const char *, char ***out, size_t *n);
void	conf_free_list(char **, size_t);

#endif
