/*
 * Loading fcgi-authz.ini: defaults first, then every key through one
 * handler, then cross-checks, then the users file.  Every error is
 * collected as "FILE:LINE: message"; a snapshot with any error is thrown
 * away whole.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "authcache.h"
#include "conf.h"
#include "defaults.h"
#include "filetrust.h"
#include "inifile.h"
#include "pwcheck.h"
#include "text.h"
#include "users.h"

/* The lines later checks cite, of keys read earlier (conf_key_line). */
enum conf_line {
	CONF_LINE_NONE,
	CONF_LINE_USERS,		/* [server] users */
	CONF_LINE_USER,			/* [server] user */
	CONF_LINE_GROUP,		/* [server] group */
	CONF_LINE_MEMLIMIT,		/* [hashing] memlimit */
	CONF_NLINES
};

struct conf_parse {
	struct conf	*cp_conf;
	struct errlist	*cp_errs;
	const char	*cp_file;
	struct rule	*cp_rule;	/* the [rule:NAME] being read */
	int		 cp_rule_has_access;
	char		*cp_users_raw;
	int		 cp_line[CONF_NLINES];	/* 0: not set */
};

/*
 * The keys of [server], [hashing], [cache], [throttle] and [metrics], one
 * row each in conf_keys[].  A value that is one of ck_names stands for
 * its number; any other is read as ck_type says.
 */
enum conf_type {
	CONF_UINT,		/* decimal, in [ck_min, ck_max] */
	CONF_BYTES,		/* a size such as 256M, in [ck_min, ck_max] */
	CONF_OCTAL,		/* octal, at most ck_max */
	CONF_NAME,		/* one of ck_names */
	CONF_STRING,		/* copied; ck_flags CONF_EMPTY_UNSET, ... */
	CONF_CUSTOM		/* ck_set does it all */
};

#define CONF_EMPTY_UNSET 0x1	/* an empty value leaves the field NULL */
#define CONF_ABSOLUTE	 0x2	/* an absolute path */

/* The C type of the field a number goes to: CONF_STORE_OF(field). */
enum conf_store {
	CONF_UNSIGNED,
	CONF_ULONG,
	CONF_ULLONG,
	CONF_INT,
	CONF_CHARP		/* a string, through conf_set_string() */
};

/* An enum's compatible type is the compiler's: _Generic finds it. */
#define CONF_STORE_OF(f) _Generic(((struct conf *)0)->f,		\
	unsigned int: CONF_UNSIGNED, unsigned long: CONF_ULONG,		\
	unsigned long long: CONF_ULLONG, int: CONF_INT, char *: CONF_CHARP)

struct conf_name {
	const char		*cn_name;
	unsigned long long	 cn_value;
};

struct conf_key {
	const char		*ck_section;
	const char		*ck_key;
	enum conf_type		 ck_type;
	unsigned long long	 ck_min, ck_max;
	size_t			 ck_off;	/* offsetof(struct conf, ...) */
	enum conf_store		 ck_store;
	int			 ck_flags;
	const struct conf_name	*ck_names;	/* up to a NULL cn_name */
	const char		*ck_expect;	/* the error's "expected ..." */
	enum conf_line		 ck_line;	/* recorded in cp_line[] */
	int			(*ck_set)(struct conf_parse *,
				    const struct conf_key *, const char *, int);
};

static const struct conf_name conf_default_names[] = {
	{ "deny", CONF_DEFAULT_DENY },
	{ "authenticate", CONF_DEFAULT_AUTHENTICATE },
	{ NULL, 0 }
};
static const struct conf_name conf_failure_names[] = {
	{ "403", 403 }, { "401", 401 }, { NULL, 0 }
};
static const struct conf_name conf_log_names[] = {
	{ "stderr", CONF_LOG_STDERR }, { "syslog", CONF_LOG_SYSLOG },
	{ NULL, 0 }
};
static const struct conf_name conf_opslimit_names[] = {
	{ "interactive", crypto_pwhash_OPSLIMIT_INTERACTIVE },
	{ "moderate", crypto_pwhash_OPSLIMIT_MODERATE },
	{ NULL, 0 }
};
static const struct conf_name conf_memlimit_names[] = {
	{ "interactive", crypto_pwhash_MEMLIMIT_INTERACTIVE },
	{ "moderate", crypto_pwhash_MEMLIMIT_MODERATE },
	{ NULL, 0 }
};

static int
conf_set_string(struct conf_parse *cp, int line, char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL) {
		errlist_add(cp->cp_errs, cp->cp_file, line, "out of memory");
		return 0;
	}
	return 1;
}

static int
conf_set_cidrs(struct conf_parse *cp, int line, const char *key,
    const char *v, struct netcidr **out, size_t *nout)
{
	char		**items = NULL;
	size_t		  n = 0, i;
	struct netcidr	 *c = NULL;
	const char	 *errstr;
	int		  ok = 1;

	free(*out);
	*out = NULL;
	*nout = 0;
	if (*v == '\0')
		return 1;
	if (text_split_list(v, &items, &n) == -1) {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "%s: expected a comma-separated list of networks", key);
		return 0;
	}
	if ((c = calloc(n, sizeof(*c))) == NULL) {
		errlist_add(cp->cp_errs, cp->cp_file, line, "out of memory");
		ok = 0;
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (netcidr_parse(items[i], &c[i], &errstr) == -1) {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "%s: \"%s\": %s", key, items[i], errstr);
			ok = 0;
		}
	}
	if (ok) {
		*out = c;
		*nout = n;
		c = NULL;
	}
done:
	free(c);
	text_free_list(items, n);
	return ok;
}

/* The field of cp's conf that k names. */
static void *
conf_key_field(struct conf_parse *cp, const struct conf_key *k)
{
	return (char *)cp->cp_conf + k->ck_off;
}

static void
conf_key_store(struct conf_parse *cp, const struct conf_key *k,
    unsigned long long n)
{
	void *p = conf_key_field(cp, k);

	switch (k->ck_store) {
	case CONF_UNSIGNED:
		*(unsigned *)p = (unsigned)n;
		break;
	case CONF_ULONG:
		*(unsigned long *)p = (unsigned long)n;
		break;
	case CONF_ULLONG:
		*(unsigned long long *)p = n;
		break;
	case CONF_INT:
		*(int *)p = (int)n;
		break;
	case CONF_CHARP:
		break;
	}
}

/* Adds the error for a value k does not take; returns 0. */
static int
conf_key_bad(struct conf_parse *cp, const struct conf_key *k, const char *v,
    int line)
{
	if (k->ck_type == CONF_UINT && k->ck_names == NULL)
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "%s: expected a whole number from %llu to %llu, got \"%s\"",
		    k->ck_key, k->ck_min, k->ck_max, v);
	else if (k->ck_type == CONF_UINT)
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "%s: expected %s or a number from %llu to %llu, got \"%s\"",
		    k->ck_key, k->ck_expect, k->ck_min, k->ck_max, v);
	else
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "%s: expected %s, got \"%s\"", k->ck_key, k->ck_expect, v);
	return 0;
}

/* [server] users: kept raw, resolved against the config file later. */
static int
conf_set_users(struct conf_parse *cp, const struct conf_key *k,
    const char *v, int line)
{
	(void)k;
	if (*v == '\0') {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "users: a path to the users file is required");
		return 0;
	}
	return conf_set_string(cp, line, &cp->cp_users_raw, v);
}

/* [server] realm: text that ends up inside a quoted header parameter. */
static int
conf_set_realm(struct conf_parse *cp, const struct conf_key *k,
    const char *v, int line)
{
	const unsigned char *p;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			break;
	if (*v == '\0' || *p != '\0' || strlen(v) > AUTHZ_REALM_MAX) {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "realm: 1 to %d printable characters without '\"' "
		    "or '\\' (and without quotes around it)",
		    AUTHZ_REALM_MAX);
		return 0;
	}
	return conf_set_string(cp, line, conf_key_field(cp, k), v);
}

static int
conf_set_proxies(struct conf_parse *cp, const struct conf_key *k,
    const char *v, int line)
{
	struct conf *cf = cp->cp_conf;

	return conf_set_cidrs(cp, line, k->ck_key, v, &cf->cf_trusted_proxies,
	    &cf->cf_ntrusted_proxies);
}

#define KEY(s, k, t)	.ck_section = (s), .ck_key = (k), .ck_type = (t)
#define AT(f)		.ck_off = offsetof(struct conf, f), \
			.ck_store = CONF_STORE_OF(f)
#define RANGE(lo, hi)	.ck_min = (lo), .ck_max = (hi)

static const struct conf_key conf_keys[] = {
	{ KEY("server", "listen", CONF_STRING), AT(cf_listen),
	  .ck_flags = CONF_EMPTY_UNSET },
	{ KEY("server", "users", CONF_CUSTOM), .ck_set = conf_set_users,
	  .ck_line = CONF_LINE_USERS },
	{ KEY("server", "workers", CONF_UINT), AT(cf_workers),
	  RANGE(1, AUTHZ_WORKERS_MAX) },
	{ KEY("server", "realm", CONF_CUSTOM), AT(cf_realm),
	  .ck_set = conf_set_realm },
	{ KEY("server", "default", CONF_NAME), AT(cf_default),
	  .ck_names = conf_default_names,
	  .ck_expect = "\"deny\" or \"authenticate\"" },
	{ KEY("server", "authz_failure", CONF_NAME), AT(cf_authz_failure),
	  .ck_names = conf_failure_names, .ck_expect = "403 or 401" },
	{ KEY("server", "trusted_proxies", CONF_CUSTOM),
	  .ck_set = conf_set_proxies },
	{ KEY("server", "log", CONF_NAME), AT(cf_log),
	  .ck_names = conf_log_names, .ck_expect = "\"stderr\" or \"syslog\"" },
	{ KEY("server", "request_timeout", CONF_UINT), AT(cf_request_timeout),
	  RANGE(1, AUTHZ_REQUEST_TIMEOUT_MAX_SEC) },
	{ KEY("server", "user", CONF_STRING), AT(cf_user),
	  .ck_flags = CONF_EMPTY_UNSET, .ck_line = CONF_LINE_USER },
	{ KEY("server", "group", CONF_STRING), AT(cf_group),
	  .ck_flags = CONF_EMPTY_UNSET, .ck_line = CONF_LINE_GROUP },
	{ KEY("server", "socket_mode", CONF_OCTAL), AT(cf_socket_mode),
	  RANGE(0, 0777), .ck_expect = "an octal mode such as 0660" },

	{ KEY("hashing", "max_concurrent", CONF_UINT),
	  AT(cf_hash_max_concurrent), RANGE(1, AUTHZ_HASH_CONCURRENT_MAX) },
	{ KEY("hashing", "max_memory", CONF_BYTES), AT(cf_hash_max_memory),
	  RANGE(crypto_pwhash_MEMLIMIT_MIN, ULLONG_MAX),
	  .ck_expect = "a size such as 256M" },
	{ KEY("hashing", "opslimit", CONF_UINT), AT(cf_hash_opslimit),
	  RANGE(crypto_pwhash_OPSLIMIT_MIN, AUTHZ_HASH_MAX_OPSLIMIT),
	  .ck_names = conf_opslimit_names,
	  .ck_expect = "interactive, moderate" },
	{ KEY("hashing", "memlimit", CONF_BYTES), AT(cf_hash_memlimit),
	  RANGE(crypto_pwhash_MEMLIMIT_MIN, SIZE_MAX),
	  .ck_names = conf_memlimit_names, .ck_line = CONF_LINE_MEMLIMIT,
	  .ck_expect = "interactive, moderate or a size such as 64M "
	  "(at least 8K)" },

	{ KEY("cache", "ttl", CONF_UINT), AT(cf_cache_ttl),
	  RANGE(0, AUTHZ_CACHE_TTL_MAX_SEC) },
	{ KEY("cache", "entries", CONF_UINT), AT(cf_cache_entries),
	  RANGE(AUTHZ_CACHE_ENTRIES_MIN, AUTHZ_CACHE_ENTRIES_MAX) },

	{ KEY("throttle", "max_failures", CONF_UINT),
	  AT(cf_throttle_max_failures),
	  RANGE(1, AUTHZ_THROTTLE_FAILURES_MAX) },
	{ KEY("throttle", "window", CONF_UINT), AT(cf_throttle_window),
	  RANGE(1, AUTHZ_THROTTLE_WINDOW_MAX_SEC) },
	{ KEY("throttle", "ban", CONF_UINT), AT(cf_throttle_ban),
	  RANGE(1, AUTHZ_THROTTLE_BAN_MAX_SEC) },
	{ KEY("throttle", "state", CONF_STRING), AT(cf_throttle_state),
	  .ck_flags = CONF_ABSOLUTE },

	{ KEY("metrics", "textfile", CONF_STRING), AT(cf_metrics_textfile),
	  .ck_flags = CONF_EMPTY_UNSET | CONF_ABSOLUTE },
};

#define CONF_NKEYS	(sizeof(conf_keys) / sizeof(conf_keys[0]))

/* Reads v into what k names: 1, or 0 with the error added. */
static int
conf_key_set(struct conf_parse *cp, const struct conf_key *k, const char *v,
    int line)
{
	const struct conf_name	*nm;
	unsigned long long	 n;
	char			*end;

	for (nm = k->ck_names; nm != NULL && nm->cn_name != NULL; nm++)
		if (strcmp(v, nm->cn_name) == 0) {
			conf_key_store(cp, k, nm->cn_value);
			return 1;
		}
	switch (k->ck_type) {
	case CONF_UINT:
		if (text_parse_uint(v, k->ck_min, k->ck_max, &n) == -1)
			return conf_key_bad(cp, k, v, line);
		break;
	case CONF_BYTES:
		if (text_parse_size(v, &n) == -1 || n < k->ck_min ||
		    n > k->ck_max)
			return conf_key_bad(cp, k, v, line);
		break;
	case CONF_OCTAL:
		errno = 0;
		n = strtoull(v, &end, 8);
		if (!isdigit((unsigned char)*v) || *end != '\0' ||
		    errno != 0 || n > k->ck_max)
			return conf_key_bad(cp, k, v, line);
		break;
	case CONF_STRING:
		if (*v == '\0' && (k->ck_flags & CONF_EMPTY_UNSET))
			return 1;
		if ((k->ck_flags & CONF_ABSOLUTE) && *v != '/') {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "%s: expected an absolute path", k->ck_key);
			return 0;
		}
		return conf_set_string(cp, line, conf_key_field(cp, k), v);
	case CONF_CUSTOM:
		return k->ck_set(cp, k, v, line);
	case CONF_NAME:
	default:
		return conf_key_bad(cp, k, v, line);
	}
	conf_key_store(cp, k, n);
	return 1;
}

/* A key of one of the fixed sections, through conf_keys[]. */
static int
conf_key(struct conf_parse *cp, const char *section, const char *key,
    const char *v, int line)
{
	const struct conf_key	*k;
	size_t			 i;

	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if (strcmp(k->ck_section, section) != 0 ||
		    strcmp(k->ck_key, key) != 0)
			continue;
		if (!conf_key_set(cp, k, v, line))
			return 0;
		cp->cp_line[k->ck_line] = line;	/* [CONF_LINE_NONE]: unused */
		return 1;
	}
	errlist_add(cp->cp_errs, cp->cp_file, line,
	    "unknown key \"%s\" in [%s]", key, section);
	return 0;
}

/* RFC 9110 5.6.2 token characters, for method names. */
static int
conf_is_token(const char *s)
{
	if (*s == '\0' || strlen(s) > AUTHZ_METHOD_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s)
		    == NULL)
			return 0;
	return 1;
}

static int
conf_rule_list(struct conf_parse *cp, int line, const char *key,
    const char *v, char ***out, size_t *n)
{
	size_t i;

	text_free_list(*out, *n);
	*out = NULL;
	*n = 0;
	if (text_split_list(v, out, n) == -1) {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "%s: expected a comma-separated list without empty items",
		    key);
		return 0;
	}
	for (i = 0; i < *n; i++) {
		const char *item = (*out)[i];
		int ok = strcmp(key, "methods") == 0 ? conf_is_token(item) :
		    users_name_is_valid(item, strlen(item));

		if (!ok) {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "%s: \"%s\" is not a valid %s", key, item,
			    strcmp(key, "methods") == 0 ? "method" : "name");
			return 0;
		}
	}
	return 1;
}

static int
conf_rule_key(struct conf_parse *cp, const char *k, const char *v, int line)
{
	struct rule	*ru = cp->cp_rule;
	const char	*errstr;

	if (strcmp(k, "path") == 0) {
		if (rules_set_path(ru, v, &errstr) == -1) {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "path: \"%s\": %s", v, errstr);
			return 0;
		}
		return 1;
	}
	if (strcmp(k, "methods") == 0)
		return conf_rule_list(cp, line, k, v, &ru->ru_methods,
		    &ru->ru_nmethods);
	if (strcmp(k, "roles") == 0)
		return conf_rule_list(cp, line, k, v, &ru->ru_roles,
		    &ru->ru_nroles);
	if (strcmp(k, "users") == 0)
		return conf_rule_list(cp, line, k, v, &ru->ru_users,
		    &ru->ru_nusers);
	if (strcmp(k, "networks") == 0) {
		if (*v == '\0') {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "networks: empty (leave the key out to allow every "
			    "address)");
			return 0;
		}
		return conf_set_cidrs(cp, line, k, v, &ru->ru_networks,
		    &ru->ru_nnetworks);
	}
	if (strcmp(k, "access") == 0) {
		if (strcmp(v, "public") == 0)
			ru->ru_access = RULE_PUBLIC;
		else if (strcmp(v, "authenticated") == 0)
			ru->ru_access = RULE_AUTHENTICATED;
		else if (strcmp(v, "deny") == 0)
			ru->ru_access = RULE_DENY;
		else {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "access: expected public, authenticated or deny, "
			    "got \"%s\"", v);
			return 0;
		}
		cp->cp_rule_has_access = 1;
		return 1;
	}
	errlist_add(cp->cp_errs, cp->cp_file, line,
	    "unknown key \"%s\" in [rule:%s]", k, ru->ru_name);
	return 0;
}

/* Checks the rule just finished; called at the next section and at EOF. */
static void
conf_rule_finish(struct conf_parse *cp)
{
	struct rule *ru = cp->cp_rule;
	int	     restricted;

	if (ru == NULL)
		return;
	cp->cp_rule = NULL;
	restricted = ru->ru_nroles > 0 || ru->ru_nusers > 0;
	if (ru->ru_path == NULL)
		errlist_add(cp->cp_errs, cp->cp_file, ru->ru_line,
		    "[rule:%s] has no path", ru->ru_name);
	if (cp->cp_rule_has_access && restricted)
		errlist_add(cp->cp_errs, cp->cp_file, ru->ru_line,
		    "[rule:%s]: access = %s cannot be combined with roles or "
		    "users", ru->ru_name,
		    ru->ru_access == RULE_PUBLIC ? "public" :
		    ru->ru_access == RULE_DENY ? "deny" : "authenticated");
	else if (!cp->cp_rule_has_access && !restricted)
		errlist_add(cp->cp_errs, cp->cp_file, ru->ru_line,
		    "[rule:%s] needs access, roles or users", ru->ru_name);
	else if (!cp->cp_rule_has_access)
		ru->ru_access = RULE_RESTRICTED;
}

/* A section with keys in conf_keys[]. */
static int
conf_section_is_known(const char *section)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(section, conf_keys[i].ck_section) == 0)
			return 1;
	return 0;
}

static int
conf_new_section(struct conf_parse *cp, const char *section, int line)
{
	struct conf	*cf = cp->cp_conf;
	struct rule	*nr;
	const char	*name;

	conf_rule_finish(cp);
	if ((name = text_after_prefix(section, "rule:")) == NULL) {
		if (conf_section_is_known(section))
			return 1;
		/* Here, so that an empty unknown section is an error too. */
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "unknown section [%s] (expected server, hashing, cache, "
		    "throttle, metrics or rule:NAME)", section);
		return 0;
	}
	if (*name == '\0' || !users_name_is_valid(name, strlen(name))) {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "[%s]: a rule name must be non-empty, without spaces, ':' "
		    "or control characters", section);
		return 0;
	}
	if ((nr = realloc(cf->cf_rules, (cf->cf_nrules + 1) *
	    sizeof(*nr))) == NULL) {
		errlist_add(cp->cp_errs, cp->cp_file, line, "out of memory");
		return 0;
	}
	cf->cf_rules = nr;
	cp->cp_rule = &cf->cf_rules[cf->cf_nrules];
	memset(cp->cp_rule, 0, sizeof(*cp->cp_rule));
	cp->cp_rule->ru_line = line;
	cp->cp_rule_has_access = 0;
	if ((cp->cp_rule->ru_name = strdup(name)) == NULL) {
		errlist_add(cp->cp_errs, cp->cp_file, line, "out of memory");
		cp->cp_rule = NULL;
		return 0;
	}
	cf->cf_nrules++;
	return 1;
}

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct conf_parse *cp = user;

	if (name == NULL)
		return conf_new_section(cp, section, line);
	if (conf_section_is_known(section))
		return conf_key(cp, section, name, value, line);
	if (cp->cp_rule != NULL && text_after_prefix(section, "rule:") != NULL)
		return conf_rule_key(cp, name, value, line);
	return 0;	/* the bad section was reported at its header */
}

static void
conf_defaults(struct conf *cf)
{
	cf->cf_workers = AUTHZ_WORKERS;
	cf->cf_default = CONF_DEFAULT_DENY;
	cf->cf_authz_failure = AUTHZ_FAILURE_STATUS;
	cf->cf_log = CONF_LOG_STDERR;
	cf->cf_request_timeout = AUTHZ_REQUEST_TIMEOUT_SEC;
	cf->cf_socket_mode = AUTHZ_SOCKET_MODE;
	cf->cf_hash_max_concurrent = AUTHZ_HASH_MAX_CONCURRENT;
	cf->cf_hash_max_memory = AUTHZ_HASH_MAX_MEMORY;
	cf->cf_hash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	cf->cf_hash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	cf->cf_cache_ttl = AUTHZ_CACHE_TTL_SEC;
	cf->cf_cache_entries = AUTHZ_CACHE_ENTRIES;
	cf->cf_throttle_max_failures = AUTHZ_THROTTLE_MAX_FAILURES;
	cf->cf_throttle_window = AUTHZ_THROTTLE_WINDOW_SEC;
	cf->cf_throttle_ban = AUTHZ_THROTTLE_BAN_SEC;
}

/* A relative users path is relative to the config file's directory. */
static char *
conf_resolve_path(const char *conf_path, const char *p)
{
	const char	*slash;
	char		*out;

	if (p[0] == '/' || (slash = strrchr(conf_path, '/')) == NULL)
		return strdup(p);
	if (asprintf(&out, "%.*s/%s", (int)(slash - conf_path), conf_path,
	    p) == -1)
		return NULL;
	return out;
}

void
conf_fileid_from_stat(const struct stat *st, struct conf_fileid *id)
{
	memset(id, 0, sizeof(*id));
	id->fi_dev = st->st_dev;
	id->fi_ino = st->st_ino;
	id->fi_size = st->st_size;
	id->fi_mtim = st->st_mtim;
	id->fi_ctim = st->st_ctim;
}

/*
 * Cross-checks once everything is read.  A rule naming a role or user
 * that nobody has is only a warning: deleting the last holder of a role
 * must still reload (and then denies), not keep the old users running.
 */
static void
conf_validate(struct conf_parse *cp, struct errlist *warnings)
{
	struct conf	*cf = cp->cp_conf;
	const struct rule *ru;
	size_t		 i, j, u;
	int		 found;

	if (cf->cf_hash_memlimit > cf->cf_hash_max_memory)
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONF_LINE_MEMLIMIT],
		    "[hashing] memlimit (%zu bytes) is above max_memory "
		    "(%llu bytes): new hashes would be refused at load",
		    cf->cf_hash_memlimit, cf->cf_hash_max_memory);
	if (cp->cp_users_raw == NULL)
		errlist_add(cp->cp_errs, cp->cp_file, 0,
		    "[server] users is required");
	if (cf->cf_users == NULL || warnings == NULL)
		return;
	for (i = 0; i < cf->cf_nrules; i++) {
		ru = &cf->cf_rules[i];
		for (j = 0; j < ru->ru_nroles; j++) {
			found = 0;
			for (u = 0; u < users_count(cf->cf_users) && !found; u++) {
				const struct user *us = users_at(cf->cf_users, u);

				found = users_has_role(us->us_roles,
				    us->us_nroles, ru->ru_roles[j]);
			}
			if (!found)
				errlist_add(warnings, cp->cp_file, ru->ru_line,
				    "warning: [rule:%s]: no user holds role "
				    "\"%s\"", ru->ru_name, ru->ru_roles[j]);
		}
		for (j = 0; j < ru->ru_nusers; j++)
			if (users_find(cf->cf_users, ru->ru_users[j],
			    strlen(ru->ru_users[j])) == NULL)
				errlist_add(warnings, cp->cp_file, ru->ru_line,
				    "warning: [rule:%s]: no user \"%s\" in %s",
				    ru->ru_name, ru->ru_users[j],
				    cf->cf_users_path);
	}
}

/*
 * systemd's RuntimeDirectory= (RUNTIME_DIRECTORY, the first of a ':'
 * list), which the unit keeps across restarts; else /dev/shm.  Its length
 * goes to *len.
 */
static const char *
conf_throttle_dir(size_t *len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (dir == NULL || dir[0] != '/') {
		*len = strlen(AUTHZ_THROTTLE_DIR);
		return AUTHZ_THROTTLE_DIR;
	}
	*len = strcspn(dir, ":");
	return dir;
}

void
conf_throttle_path(const struct conf *cf, char *buf, size_t bufsz)
{
	unsigned char	 h[8];
	char		 hex[sizeof(h) * 2 + 1];
	const char	*dir;
	size_t		 dirlen;

	if (cf->cf_throttle_state != NULL) {
		snprintf(buf, bufsz, "%s", cf->cf_throttle_state);
		return;
	}
	crypto_generichash(h, sizeof(h), (const unsigned char *)cf->cf_path,
	    strlen(cf->cf_path), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	dir = conf_throttle_dir(&dirlen);
	snprintf(buf, bufsz, "%.*s/fcgi-authz-%lu-%s", (int)dirlen, dir,
	    (unsigned long)geteuid(), hex);
}

/* Can to go on with from's cache?  The same [cache] entries and ttl. */
static int
conf_cache_compatible(const struct conf *to, const struct conf *from)
{
	/* The ttl is the cache's own (authcache_new), so it must match. */
	return from->cf_cache != NULL && to->cf_cache_ttl > 0 &&
	    to->cf_cache_ttl == from->cf_cache_ttl &&
	    to->cf_cache_entries == from->cf_cache_entries;
}

int
conf_prepare_serving(struct conf *cf, const struct conf *prev,
    struct errlist *errs)
{
	if (cf->cf_pwcheck != NULL)
		return 0;
	if (cf->cf_cache_ttl > 0 && cf->cf_cache == NULL) {
		if (prev != NULL && conf_cache_compatible(cf, prev))
			cf->cf_cache = authcache_ref(prev->cf_cache);
		else if ((cf->cf_cache = authcache_new(cf->cf_cache_entries,
		    cf->cf_cache_ttl)) == NULL) {
			errlist_add(errs, cf->cf_path, 0,
			    "cannot allocate the cache");
			return -1;
		}
	}
	cf->cf_pwcheck = pwcheck_new_like(prev != NULL ? prev->cf_pwcheck :
	    NULL, cf->cf_hash_max_concurrent, users_typical_hash(cf->cf_users),
	    cf->cf_hash_opslimit, cf->cf_hash_memlimit);
	if (cf->cf_pwcheck == NULL) {
		errlist_add(errs, cf->cf_path, 0,
		    "cannot set up password hashing (out of memory?)");
		return -1;
	}
	return 0;
}

/*
 * Reads the config file into cp: through filetrust_open() when trust is
 * set, as it is otherwise.  Its stat goes to st.
 */
static void
conf_read(struct conf_parse *cp, const char *path,
    const struct conf_trust *trust, struct stat *st, struct errlist *errs)
{
	int	fd;

	if (trust == NULL) {
		(void)inifile_parse(path, 0, st, conf_handler, cp, errs);
		return;
	}
	if ((fd = filetrust_open(path, &trust->ct_conf, 0, st, errs,
	    NULL)) == -1)
		return;
	(void)inifile_parse_fd(path, fd, st, conf_handler, cp, errs);
	close(fd);
}

int
conf_daemon_ids(const struct conf *cf, struct filetrust_ids *ids,
    const char **unknown)
{
	struct passwd	*pw;
	struct group	*gr;

	filetrust_ids_self(ids);
	if (geteuid() != 0 || cf->cf_user == NULL)
		return 0;
	if ((pw = getpwnam(cf->cf_user)) == NULL) {
		*unknown = "user";
		return -1;
	}
	ids->fti_uid = pw->pw_uid;
	ids->fti_gid = pw->pw_gid;
	if (cf->cf_group == NULL)
		return 0;
	if ((gr = getgrnam(cf->cf_group)) == NULL) {
		*unknown = "group";
		return -1;
	}
	ids->fti_gid = gr->gr_gid;
	return 0;
}

/*
 * conf_daemon_ids(), with a name this system does not know an error at
 * its FILE:LINE (conf_load_trusted()): authzd.c drops to these very ids.
 */
static int
conf_trust_daemon(struct conf_parse *cp, struct filetrust_ids *ids)
{
	const struct conf	*cf = cp->cp_conf;
	const char		*unknown = NULL;

	if (conf_daemon_ids(cf, ids, &unknown) == 0)
		return 0;
	if (strcmp(unknown, "user") == 0)
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONF_LINE_USER],
		    "user: no user \"%s\" on this system", cf->cf_user);
	else
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONF_LINE_GROUP],
		    "group: no group \"%s\" on this system", cf->cf_group);
	return -1;
}

/*
 * Reads the users file the config named: through filetrust_open(), with
 * a warning if every user may read it, when trust is set.
 */
static struct users *
conf_read_users(const struct conf *cf, const struct users_hash_limits *lim,
    const struct conf_trust *trust, struct errlist *errs,
    struct errlist *warnings)
{
	struct users	*u;
	struct stat	 st;
	int		 fd;

	if (trust == NULL)
		return users_load(cf->cf_users_path, lim, errs);
	if ((fd = filetrust_open(cf->cf_users_path, &trust->ct_users,
	    FILETRUST_WARN_READABLE, &st, errs, warnings)) == -1)
		return NULL;
	u = users_load_fd(cf->cf_users_path, fd, lim, errs);
	close(fd);
	return u;
}

/*
 * conf_load_warn() and conf_load_trusted(): trust NULL checks nothing;
 * with derive, trust->ct_users is found once the config is read.
 */
static struct conf *
conf_load_common(const char *path, int flags, struct conf_trust *trust,
    int derive, struct errlist *errs, struct errlist *warnings)
{
	struct conf		*cf;
	struct conf_parse	 cp;
	struct users_hash_limits lim;
	struct stat		 st;
	size_t			 before = errlist_count(errs);

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		errlist_add(errs, path, 0, "out of memory");
		return NULL;
	}
	conf_defaults(cf);
	memset(&cp, 0, sizeof(cp));
	cp.cp_conf = cf;
	cp.cp_errs = errs;
	cp.cp_file = path;
	if ((cf->cf_path = strdup(path)) == NULL) {
		errlist_add(errs, path, 0, "out of memory");
		goto fail;
	}
	memset(&st, 0, sizeof(st));
	conf_read(&cp, path, trust, &st, errs);
	conf_fileid_from_stat(&st, &cf->cf_files.cfs_conf);
	conf_rule_finish(&cp);
	if (cf->cf_realm == NULL && (cf->cf_realm = strdup(AUTHZ_REALM)) == NULL)
		errlist_add(errs, path, 0, "out of memory");
	if (cp.cp_users_raw != NULL) {
		cf->cf_users_path = conf_resolve_path(path, cp.cp_users_raw);
		if (cf->cf_users_path == NULL)
			errlist_add(errs, path, cp.cp_line[CONF_LINE_USERS],
			    "out of memory");
	}
	/* Without the daemon's ids, the users file cannot be judged. */
	if (trust != NULL && derive &&
	    conf_trust_daemon(&cp, &trust->ct_users) == -1)
		flags |= CONF_LOAD_NO_USERS;
	if (cf->cf_users_path != NULL && !(flags & CONF_LOAD_NO_USERS)) {
		lim.uhl_max_memory = cf->cf_hash_max_memory;
		lim.uhl_max_opslimit = AUTHZ_HASH_MAX_OPSLIMIT;
		lim.uhl_max_parallel = AUTHZ_HASH_MAX_PARALLEL;
		cf->cf_users = conf_read_users(cf, &lim, trust, errs, warnings);
		if (cf->cf_users != NULL)
			conf_fileid_from_stat(users_file_stat(cf->cf_users),
			    &cf->cf_files.cfs_users);
	}
	if (trust != NULL)
		cf->cf_trust = *trust;
	conf_validate(&cp, warnings);
	if (errlist_count(errs) != before)
		goto fail;
	if ((cf->cf_rules_index = rules_index_new(cf->cf_rules,
	    cf->cf_nrules)) == NULL) {
		errlist_add(errs, path, 0, "out of memory (rules index)");
		goto fail;
	}
	if (!(flags & (CONF_LOAD_NO_PWCHECK | CONF_LOAD_NO_USERS)) &&
	    conf_prepare_serving(cf, NULL, errs) == -1)
		goto fail;
	free(cp.cp_users_raw);
	return cf;
fail:
	free(cp.cp_users_raw);
	conf_free(cf);
	return NULL;
}

struct conf *
conf_load_warn(const char *path, int flags, struct errlist *errs,
    struct errlist *warnings)
{
	return conf_load_common(path, flags, NULL, 0, errs, warnings);
}

struct conf *
conf_load_trusted(const char *path, int flags, const struct conf_trust *trust,
    struct errlist *errs, struct errlist *warnings)
{
	struct conf_trust t;

	if (trust != NULL) {
		t = *trust;
		return conf_load_common(path, flags, &t, 0, errs, warnings);
	}
	filetrust_ids_self(&t.ct_conf);
	return conf_load_common(path, flags, &t, 1, errs, warnings);
}

struct conf *
conf_load(const char *path, int flags, struct errlist *errs)
{
	return conf_load_warn(path, flags, errs, NULL);
}

void
conf_free(struct conf *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	free(cf->cf_path);
	free(cf->cf_listen);
	free(cf->cf_users_path);
	free(cf->cf_realm);
	free(cf->cf_trusted_proxies);
	free(cf->cf_user);
	free(cf->cf_group);
	free(cf->cf_metrics_textfile);
	free(cf->cf_throttle_state);
	rules_index_free(cf->cf_rules_index);
	for (i = 0; i < cf->cf_nrules; i++)
		rules_free(&cf->cf_rules[i]);
	free(cf->cf_rules);
	users_free(cf->cf_users);
	authcache_free(cf->cf_cache);
	pwcheck_free(cf->cf_pwcheck);
	free(cf);
}
