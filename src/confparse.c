/*
 * Reading fcgi-authz.ini into a struct conf: the keys of the fixed
 * sections through one table, and the [rule:NAME] sections (confparse.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "confparse.h"
#include "defaults.h"
#include "errlist.h"
#include "netaddr.h"
#include "rules.h"
#include "settings.h"
#include "text.h"
#include "users.h"

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
	CONF_CHARP		/* a string, through confparse_set_string() */
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
	enum confparse_line	 ck_line;	/* recorded in cp_line[] */
	int			(*ck_set)(struct confparse *,
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
static const struct conf_name conf_legacy_names[] = {
	{ "accept", 0 }, { "refuse", 1 }, { NULL, 0 }
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
confparse_set_string(struct confparse *cp, int line, char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL) {
		errlist_add(cp->cp_errs, cp->cp_file, line, "out of memory");
		return 0;
	}
	return 1;
}

static int
confparse_set_cidrs(struct confparse *cp, int line, const char *key,
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
confparse_key_field(struct confparse *cp, const struct conf_key *k)
{
	return (char *)cp->cp_conf + k->ck_off;
}

static void
confparse_key_store(struct confparse *cp, const struct conf_key *k,
    unsigned long long n)
{
	void *p = confparse_key_field(cp, k);

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
confparse_key_bad(struct confparse *cp, const struct conf_key *k,
    const char *v, int line)
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
confparse_set_users(struct confparse *cp, const struct conf_key *k,
    const char *v, int line)
{
	(void)k;
	if (*v == '\0') {
		errlist_add(cp->cp_errs, cp->cp_file, line,
		    "users: a path to the users file is required");
		return 0;
	}
	return confparse_set_string(cp, line, &cp->cp_users_raw, v);
}

/* [server] realm: text that ends up inside a quoted header parameter. */
static int
confparse_set_realm(struct confparse *cp, const struct conf_key *k,
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
	return confparse_set_string(cp, line, confparse_key_field(cp, k), v);
}

static int
confparse_set_proxies(struct confparse *cp, const struct conf_key *k,
    const char *v, int line)
{
	struct conf *cf = cp->cp_conf;

	return confparse_set_cidrs(cp, line, k->ck_key, v,
	    &cf->cf_trusted_proxies, &cf->cf_ntrusted_proxies);
}

/* [server] http_trusted: set, even to nothing, it replaces the default. */
static int
confparse_set_http_trusted(struct confparse *cp, const struct conf_key *k,
    const char *v, int line)
{
	struct conf *cf = cp->cp_conf;

	cf->cf_http_trusted_set = 1;
	return confparse_set_cidrs(cp, line, k->ck_key, v,
	    &cf->cf_http_trusted, &cf->cf_nhttp_trusted);
}

/*
 * The default http_trusted (AUTHZ_HTTP_TRUSTED) when the file left it
 * unset; at the end of the file, since it is a list that takes memory.
 */
void
confparse_default_lists(struct confparse *cp)
{
	struct conf *cf = cp->cp_conf;

	if (!cf->cf_http_trusted_set)
		(void)confparse_set_cidrs(cp, 0, "http_trusted",
		    AUTHZ_HTTP_TRUSTED, &cf->cf_http_trusted,
		    &cf->cf_nhttp_trusted);
}

#define KEY(s, k, t)	.ck_section = (s), .ck_key = (k), .ck_type = (t)
#define AT(f)		.ck_off = offsetof(struct conf, f), \
			.ck_store = CONF_STORE_OF(f)
#define RANGE(lo, hi)	.ck_min = (lo), .ck_max = (hi)

static const struct conf_key conf_keys[] = {
	{ KEY("server", "listen", CONF_STRING), AT(cf_listen),
	  .ck_flags = CONF_EMPTY_UNSET },
	{ KEY("server", "http", CONF_STRING), AT(cf_http),
	  .ck_flags = CONF_EMPTY_UNSET },
	{ KEY("server", "http_trusted", CONF_CUSTOM),
	  .ck_set = confparse_set_http_trusted },
	{ KEY("server", "users", CONF_CUSTOM), .ck_set = confparse_set_users,
	  .ck_line = CONFPARSE_LINE_USERS },
	{ KEY("server", "workers", CONF_UINT), AT(cf_workers),
	  RANGE(1, AUTHZ_WORKERS_MAX) },
	{ KEY("server", "realm", CONF_CUSTOM), AT(cf_realm),
	  .ck_set = confparse_set_realm },
	{ KEY("server", "default", CONF_NAME), AT(cf_default),
	  .ck_names = conf_default_names,
	  .ck_expect = "\"deny\" or \"authenticate\"" },
	{ KEY("server", "authz_failure", CONF_NAME), AT(cf_authz_failure),
	  .ck_names = conf_failure_names, .ck_expect = "403 or 401" },
	{ KEY("server", "trusted_proxies", CONF_CUSTOM),
	  .ck_set = confparse_set_proxies },
	{ KEY("server", "log", CONF_NAME), AT(cf_log),
	  .ck_names = conf_log_names, .ck_expect = "\"stderr\" or \"syslog\"" },
	{ KEY("server", "request_timeout", CONF_UINT), AT(cf_request_timeout),
	  RANGE(1, AUTHZ_REQUEST_TIMEOUT_MAX_SEC) },
	{ KEY("server", "idle_timeout", CONF_UINT), AT(cf_idle_timeout),
	  RANGE(1, AUTHZ_IDLE_TIMEOUT_MAX_SEC) },
	{ KEY("server", "max_connections", CONF_UINT), AT(cf_max_connections),
	  RANGE(0, AUTHZ_MAX_CONNECTIONS_MAX) },
	{ KEY("server", "user", CONF_STRING), AT(cf_user),
	  .ck_flags = CONF_EMPTY_UNSET, .ck_line = CONFPARSE_LINE_USER },
	{ KEY("server", "group", CONF_STRING), AT(cf_group),
	  .ck_flags = CONF_EMPTY_UNSET, .ck_line = CONFPARSE_LINE_GROUP },
	{ KEY("server", "socket_mode", CONF_OCTAL), AT(cf_socket_mode),
	  RANGE(0, 0777), .ck_expect = "an octal mode such as 0660" },

	{ KEY("hashing", "max_concurrent", CONF_UINT),
	  AT(cf_hash_max_concurrent), RANGE(1, AUTHZ_HASH_CONCURRENT_MAX) },
	{ KEY("hashing", "max_memory", CONF_BYTES), AT(cf_hash_limits.hfl_max_memory),
	  RANGE(crypto_pwhash_MEMLIMIT_MIN, ULLONG_MAX),
	  .ck_expect = "a size such as 256M" },
	{ KEY("hashing", "max_passes", CONF_UINT),
	  AT(cf_hash_limits.hfl_max_passes), RANGE(1, AUTHZ_HASH_PASSES_MAX) },
	{ KEY("hashing", "max_bcrypt_cost", CONF_UINT),
	  AT(cf_hash_limits.hfl_max_bcrypt_cost), RANGE(4, 31) },
	{ KEY("hashing", "max_sha_crypt_rounds", CONF_UINT),
	  AT(cf_hash_limits.hfl_max_sha_rounds), RANGE(1000, 999999999) },
	{ KEY("hashing", "legacy", CONF_NAME),
	  AT(cf_hash_limits.hfl_refuse_legacy), .ck_names = conf_legacy_names,
	  .ck_expect = "\"accept\" or \"refuse\"" },
	{ KEY("hashing", "opslimit", CONF_UINT), AT(cf_hash_opslimit),
	  RANGE(crypto_pwhash_OPSLIMIT_MIN, AUTHZ_HASH_PASSES_MAX),
	  .ck_line = CONFPARSE_LINE_OPSLIMIT,
	  .ck_names = conf_opslimit_names,
	  .ck_expect = "interactive, moderate" },
	{ KEY("hashing", "memlimit", CONF_BYTES), AT(cf_hash_memlimit),
	  RANGE(crypto_pwhash_MEMLIMIT_MIN, SIZE_MAX),
	  .ck_names = conf_memlimit_names, .ck_line = CONFPARSE_LINE_MEMLIMIT,
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
confparse_key_set(struct confparse *cp, const struct conf_key *k,
    const char *v, int line)
{
	const struct conf_name	*nm;
	unsigned long long	 n;
	char			*end;

	for (nm = k->ck_names; nm != NULL && nm->cn_name != NULL; nm++)
		if (strcmp(v, nm->cn_name) == 0) {
			confparse_key_store(cp, k, nm->cn_value);
			return 1;
		}
	switch (k->ck_type) {
	case CONF_UINT:
		if (text_parse_uint(v, k->ck_min, k->ck_max, &n) == -1)
			return confparse_key_bad(cp, k, v, line);
		break;
	case CONF_BYTES:
		if (text_parse_size(v, &n) == -1 || n < k->ck_min ||
		    n > k->ck_max)
			return confparse_key_bad(cp, k, v, line);
		break;
	case CONF_OCTAL:
		errno = 0;
		n = strtoull(v, &end, 8);
		if (!isdigit((unsigned char)*v) || *end != '\0' ||
		    errno != 0 || n > k->ck_max)
			return confparse_key_bad(cp, k, v, line);
		break;
	case CONF_STRING:
		if (*v == '\0' && (k->ck_flags & CONF_EMPTY_UNSET))
			return 1;
		if ((k->ck_flags & CONF_ABSOLUTE) && *v != '/') {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "%s: expected an absolute path", k->ck_key);
			return 0;
		}
		return confparse_set_string(cp, line,
		    confparse_key_field(cp, k), v);
	case CONF_CUSTOM:
		return k->ck_set(cp, k, v, line);
	case CONF_NAME:
	default:
		return confparse_key_bad(cp, k, v, line);
	}
	confparse_key_store(cp, k, n);
	return 1;
}

/* A key of one of the fixed sections, through conf_keys[]. */
static int
confparse_key(struct confparse *cp, const char *section, const char *key,
    const char *v, int line)
{
	const struct conf_key	*k;
	size_t			 i;

	for (i = 0; i < CONF_NKEYS; i++) {
		k = &conf_keys[i];
		if (strcmp(k->ck_section, section) != 0 ||
		    strcmp(k->ck_key, key) != 0)
			continue;
		if (!confparse_key_set(cp, k, v, line))
			return 0;
		cp->cp_line[k->ck_line] = line;	/* [0]: not read */
		return 1;
	}
	errlist_add(cp->cp_errs, cp->cp_file, line,
	    "unknown key \"%s\" in [%s]", key, section);
	return 0;
}

/* RFC 9110 5.6.2 token characters, for method names. */
static int
confparse_is_token(const char *s)
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
confparse_rule_list(struct confparse *cp, int line, const char *key,
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
		int ok = strcmp(key, "methods") == 0 ?
		    confparse_is_token(item) :
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
confparse_rule_key(struct confparse *cp, const char *k, const char *v, int line)
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
		return confparse_rule_list(cp, line, k, v, &ru->ru_methods,
		    &ru->ru_nmethods);
	if (strcmp(k, "roles") == 0)
		return confparse_rule_list(cp, line, k, v, &ru->ru_roles,
		    &ru->ru_nroles);
	if (strcmp(k, "users") == 0)
		return confparse_rule_list(cp, line, k, v, &ru->ru_users,
		    &ru->ru_nusers);
	if (strcmp(k, "networks") == 0) {
		if (*v == '\0') {
			errlist_add(cp->cp_errs, cp->cp_file, line,
			    "networks: empty (leave the key out to allow every "
			    "address)");
			return 0;
		}
		return confparse_set_cidrs(cp, line, k, v, &ru->ru_networks,
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
void
confparse_finish(struct confparse *cp)
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
confparse_section_is_known(const char *section)
{
	size_t i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(section, conf_keys[i].ck_section) == 0)
			return 1;
	return 0;
}

static int
confparse_new_section(struct confparse *cp, const char *section, int line)
{
	struct conf	*cf = cp->cp_conf;
	struct rule	*nr;
	const char	*name;

	confparse_finish(cp);
	if ((name = text_after_prefix(section, "rule:")) == NULL) {
		if (confparse_section_is_known(section))
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

int
confparse_handler(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct confparse *cp = user;

	if (name == NULL)
		return confparse_new_section(cp, section, line);
	if (confparse_section_is_known(section))
		return confparse_key(cp, section, name, value, line);
	if (cp->cp_rule != NULL && text_after_prefix(section, "rule:") != NULL)
		return confparse_rule_key(cp, name, value, line);
	return 0;	/* the bad section was reported at its header */
}

void
confparse_defaults(struct conf *cf)
{
	cf->cf_workers = AUTHZ_WORKERS;
	cf->cf_default = CONF_DEFAULT_DENY;
	cf->cf_authz_failure = AUTHZ_FAILURE_STATUS;
	cf->cf_log = CONF_LOG_STDERR;
	cf->cf_request_timeout = AUTHZ_REQUEST_TIMEOUT_SEC;
	cf->cf_idle_timeout = AUTHZ_IDLE_TIMEOUT_SEC;
	cf->cf_socket_mode = AUTHZ_SOCKET_MODE;
	cf->cf_hash_max_concurrent = AUTHZ_HASH_MAX_CONCURRENT;
	hashfmt_limits_default(&cf->cf_hash_limits);
	cf->cf_hash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	cf->cf_hash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	cf->cf_cache_ttl = AUTHZ_CACHE_TTL_SEC;
	cf->cf_cache_entries = AUTHZ_CACHE_ENTRIES;
	cf->cf_throttle_max_failures = AUTHZ_THROTTLE_MAX_FAILURES;
	cf->cf_throttle_window = AUTHZ_THROTTLE_WINDOW_SEC;
	cf->cf_throttle_ban = AUTHZ_THROTTLE_BAN_SEC;
}
