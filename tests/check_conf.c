#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "conf.h"
#include "defaults.h"
#include "errlist.h"
#include "netaddr.h"
#include "rules.h"
#include "text.h"
#include "users.h"

#define MIB		(1024ULL * 1024)

/* The tokens whose BLAKE2b-256 digests good-users.ini stores. */
#define TOK_CI		"ci-deploy-token-" \
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define TOK_ALL		"all-roles-token-" \
			"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define TOK_NARROW	"narrow-token-" \
			"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define TOK_NONE	"none-token-" \
			"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"

/* alice's hash in good-users.ini (password "alice-pw"); cheap to verify. */
#define ALICE_HASH	"$argon2id$v=19$m=8192,t=1,p=1" \
			"$4UWxwpZJKErpGqJfs2Aj8Q" \
			"$zNQpE706Z8OoJfsMLBkRHEigCF4i4+sXS5HFWlZfx3M"

/* 2027-06-30 and 2027-01-01, each valid through the whole day (UTC). */
#define T_2027_07_01	((time_t)1814400000)
#define T_2027_01_02	((time_t)1798848000)

static const struct hashfmt_limits default_limits = HASHFMT_LIMITS_DEFAULT;

/* "$TEST_SRCDIR/tests/data/conf/NAME" */
static void
fixture(char *buf, size_t size, const char *name)
{
	check_srcpath(buf, size, "tests/data/conf", name);
}

/* "/FILE:LINE: ", or "/FILE: " for a message about the whole file. */
static void
where(char *buf, size_t size, const char *file, int line)
{
	if (line > 0)
		snprintf(buf, size, "/%s:%d: ", file, line);
	else
		snprintf(buf, size, "/%s: ", file);
}

static struct conf *
load_ok(const char *name, int flags)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;
	struct conf	*cf;

	fixture(path, sizeof(path), name);
	errlist_init(&errs);
	cf = conf_load(path, flags, &errs);
	if (cf == NULL || errlist_count(&errs) != 0)
		errlist_print(&errs, stderr);
	ck_assert_msg(cf != NULL, "%s did not load", name);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
	return cf;
}

static struct users *
users_ok(const char *name, const struct hashfmt_limits *lim)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;
	struct users	*u;

	fixture(path, sizeof(path), name);
	errlist_init(&errs);
	u = users_load(path, lim, &errs);
	if (u == NULL || errlist_count(&errs) != 0)
		errlist_print(&errs, stderr);
	ck_assert_msg(u != NULL, "%s did not load", name);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
	return u;
}

static int
cidrs_contain(const struct netcidr *c, size_t n, const char *addr)
{
	struct netaddr	na;
	size_t		i;

	ck_assert_int_eq(netaddr_parse(addr, &na), 0);
	for (i = 0; i < n; i++)
		if (netcidr_contains(&c[i], &na))
			return 1;
	return 0;
}

static const struct token *
find_token(const struct users *u, const char *token)
{
	uint8_t	digest[AUTHZ_TOKEN_DIGEST_LEN];

	crypto_generichash(digest, sizeof(digest),
	    (const unsigned char *)token, strlen(token), NULL, 0);
	return users_find_token(u, digest);
}

static const struct user *
find_user(const struct users *u, const char *name)
{
	return users_find(u, name, strlen(name));
}

/* --- a temporary directory for files written at run time --------------- */

static char	tmpdir[PATH_MAX];

static void
tmp_setup(void)
{
	check_tmpdir_make(tmpdir, sizeof(tmpdir));
}

static void
tmp_teardown(void)
{
	check_tmpdir_remove(tmpdir);
}

static FILE *
tmp_open(char *path, size_t size, const char *name)
{
	FILE	*fp;

	ck_assert_uint_lt((size_t)snprintf(path, size, "%s/%s", tmpdir,
	    name), size);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	return fp;
}

/* --- core: files that load, with the values they hold ------------------ */

START_TEST(test_conf_good)
{
	char			 path[PATH_MAX];
	struct conf		*cf;
	const struct rule	*ru;
	static const char *const get[] = { "GET", NULL };
	static const char *const get_post_put[] = { "GET", "POST", "PUT",
	    NULL };
	static const char *const admin[] = { "admin", NULL };
	static const char *const carol[] = { "carol", NULL };
	static const char *const editor_admin[] = { "editor", "admin", NULL };
	static const char *const none[] = { NULL };

	cf = load_ok("good.ini", 0);
	fixture(path, sizeof(path), "good.ini");
	ck_assert_str_eq(cf->cf_path, path);
	/* [server] */
	ck_assert_str_eq(cf->cf_listen, "127.0.0.1:9000");
	fixture(path, sizeof(path), "good-users.ini");
	ck_assert_str_eq(cf->cf_users_path, path);
	ck_assert_uint_eq(cf->cf_workers, 8);
	ck_assert_str_eq(cf->cf_realm, "Staff area");
	ck_assert_int_eq(cf->cf_default, CONF_DEFAULT_AUTHENTICATE);
	ck_assert_int_eq(cf->cf_authz_failure, 401);
	ck_assert_uint_eq(cf->cf_ntrusted_proxies, 3);
	ck_assert(cidrs_contain(cf->cf_trusted_proxies, 3, "127.0.0.1"));
	ck_assert(cidrs_contain(cf->cf_trusted_proxies, 3, "::1"));
	ck_assert(cidrs_contain(cf->cf_trusted_proxies, 3, "10.1.200.3"));
	ck_assert(!cidrs_contain(cf->cf_trusted_proxies, 3, "10.2.0.1"));
	ck_assert(!cidrs_contain(cf->cf_trusted_proxies, 3, "127.0.0.2"));
	ck_assert_int_eq(cf->cf_log, CONF_LOG_SYSLOG);
	ck_assert_uint_eq(cf->cf_request_timeout, 20);
	ck_assert_str_eq(cf->cf_user, "www-authz");
	ck_assert_str_eq(cf->cf_group, "www-data");
	ck_assert_uint_eq(cf->cf_socket_mode, 0600);
	/* [hashing] */
	ck_assert_uint_eq(cf->cf_hash_max_concurrent, 3);
	ck_assert_uint_eq(cf->cf_hash_limits.hfl_max_memory, 128 * MIB);
	ck_assert_uint_eq(cf->cf_hash_opslimit, 3);
	ck_assert_uint_eq(cf->cf_hash_memlimit, 32 * MIB);
	/* [cache], [throttle], [metrics] */
	ck_assert_uint_eq(cf->cf_cache_ttl, 60);
	ck_assert_uint_eq(cf->cf_cache_entries, 1024);
	ck_assert_uint_eq(cf->cf_throttle_max_failures, 5);
	ck_assert_uint_eq(cf->cf_throttle_window, 30);
	ck_assert_uint_eq(cf->cf_throttle_ban, 600);
	ck_assert_str_eq(cf->cf_metrics_textfile,
	    "/var/lib/prometheus/node-exporter/fcgi-authz.prom");

	/* The rules, in file order. */
	ck_assert_uint_eq(cf->cf_nrules, 5);
	ru = &cf->cf_rules[0];
	ck_assert_str_eq(ru->ru_name, "health");
	ck_assert_int_eq(ru->ru_line, 34);
	ck_assert_int_eq(ru->ru_pathkind, RULE_PATH_EXACT);
	ck_assert_str_eq(ru->ru_path, "/healthz");
	check_assert_list(ru->ru_methods, ru->ru_nmethods, get);
	ck_assert_int_eq(ru->ru_access, RULE_PUBLIC);
	check_assert_list(ru->ru_roles, ru->ru_nroles, none);
	check_assert_list(ru->ru_users, ru->ru_nusers, none);
	ck_assert_uint_eq(ru->ru_nnetworks, 0);
	ck_assert_ptr_null(ru->ru_networks);

	ru = &cf->cf_rules[1];
	ck_assert_str_eq(ru->ru_name, "admin");
	ck_assert_int_eq(ru->ru_line, 39);
	ck_assert_int_eq(ru->ru_pathkind, RULE_PATH_PREFIX);
	ck_assert_str_eq(ru->ru_path, "/admin");
	ck_assert_ptr_null(ru->ru_methods);
	ck_assert_uint_eq(ru->ru_nmethods, 0);
	ck_assert_int_eq(ru->ru_access, RULE_RESTRICTED);
	check_assert_list(ru->ru_roles, ru->ru_nroles, admin);
	check_assert_list(ru->ru_users, ru->ru_nusers, carol);
	ck_assert_uint_eq(ru->ru_nnetworks, 3);
	ck_assert(cidrs_contain(ru->ru_networks, 3, "10.9.9.9"));
	ck_assert(cidrs_contain(ru->ru_networks, 3, "192.168.1.1"));
	ck_assert(cidrs_contain(ru->ru_networks, 3, "::1"));
	ck_assert(!cidrs_contain(ru->ru_networks, 3, "172.16.0.1"));
	ck_assert(!cidrs_contain(ru->ru_networks, 3, "::2"));

	ru = &cf->cf_rules[2];
	ck_assert_str_eq(ru->ru_name, "api");
	ck_assert_int_eq(ru->ru_line, 45);
	ck_assert_int_eq(ru->ru_pathkind, RULE_PATH_GLOB);
	ck_assert_str_eq(ru->ru_path, "/api/**/edit");
	check_assert_list(ru->ru_methods, ru->ru_nmethods, get_post_put);
	check_assert_list(ru->ru_roles, ru->ru_nroles, editor_admin);
	ck_assert_int_eq(ru->ru_access, RULE_RESTRICTED);

	ru = &cf->cf_rules[3];
	ck_assert_str_eq(ru->ru_name, "old");
	ck_assert_int_eq(ru->ru_line, 50);
	ck_assert_str_eq(ru->ru_path, "/old");
	ck_assert_int_eq(ru->ru_access, RULE_DENY);

	ru = &cf->cf_rules[4];
	ck_assert_str_eq(ru->ru_name, "site");
	ck_assert_int_eq(ru->ru_line, 54);
	ck_assert_str_eq(ru->ru_path, "/");
	ck_assert_int_eq(ru->ru_access, RULE_AUTHENTICATED);

	/* The users file came along. */
	ck_assert_uint_eq(users_count(cf->cf_users), 5);
	ck_assert_uint_eq(users_token_count(cf->cf_users), 4);
	conf_free(cf);
}
END_TEST

/* The full example: every section and key, each with its comment. */
START_TEST(test_conf_design)
{
	struct conf		*cf;
	static const char *const root[] = { "root", NULL };

	cf = load_ok("design.ini", 0);
	ck_assert_str_eq(cf->cf_listen, "unix:/run/fcgi-authz/fcgi-authz.sock");
	ck_assert_uint_eq(cf->cf_workers, 4);
	ck_assert_str_eq(cf->cf_realm, "Restricted area");
	ck_assert_int_eq(cf->cf_default, CONF_DEFAULT_DENY);
	ck_assert_int_eq(cf->cf_authz_failure, 403);
	ck_assert_uint_eq(cf->cf_ntrusted_proxies, 0);
	ck_assert_ptr_null(cf->cf_trusted_proxies);
	ck_assert_int_eq(cf->cf_log, CONF_LOG_STDERR);
	ck_assert_uint_eq(cf->cf_request_timeout, 10);
	ck_assert_str_eq(cf->cf_user, "fcgi-authz");
	ck_assert_str_eq(cf->cf_group, "fcgi-authz");
	ck_assert_uint_eq(cf->cf_hash_max_concurrent, 2);
	ck_assert_uint_eq(cf->cf_hash_limits.hfl_max_memory, 256 * MIB);
	ck_assert_uint_eq(cf->cf_hash_opslimit,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE);
	ck_assert_uint_eq(cf->cf_hash_memlimit,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	ck_assert_uint_eq(cf->cf_cache_ttl, 300);
	ck_assert_uint_eq(cf->cf_cache_entries, 65536);
	ck_assert_uint_eq(cf->cf_throttle_max_failures, 10);
	ck_assert_uint_eq(cf->cf_throttle_window, 60);
	ck_assert_uint_eq(cf->cf_throttle_ban, 300);
	ck_assert_ptr_null(cf->cf_metrics_textfile);
	ck_assert_uint_eq(cf->cf_nrules, 3);
	ck_assert_str_eq(cf->cf_rules[0].ru_name, "health");
	ck_assert_int_eq(cf->cf_rules[0].ru_line, 32);
	ck_assert_str_eq(cf->cf_rules[0].ru_path, "/healthz");
	ck_assert_int_eq(cf->cf_rules[0].ru_access, RULE_PUBLIC);
	ck_assert_str_eq(cf->cf_rules[1].ru_name, "admin");
	check_assert_list(cf->cf_rules[1].ru_users, cf->cf_rules[1].ru_nusers,
	    root);
	ck_assert_uint_eq(cf->cf_rules[1].ru_nnetworks, 3);
	ck_assert_str_eq(cf->cf_rules[2].ru_name, "site");
	ck_assert_int_eq(cf->cf_rules[2].ru_access, RULE_AUTHENTICATED);
	conf_free(cf);
}
END_TEST

START_TEST(test_conf_defaults)
{
	struct conf	*cf;

	cf = load_ok("defaults.ini", 0);
	ck_assert_ptr_null(cf->cf_listen);
	/* No HTTP listener; loopback would be trusted on one. */
	ck_assert_ptr_null(cf->cf_http);
	ck_assert_int_eq(cf->cf_http_trusted_set, 0);
	ck_assert_uint_eq(cf->cf_nhttp_trusted, 2);
	ck_assert(cidrs_contain(cf->cf_http_trusted, 2, "127.0.0.1"));
	ck_assert(cidrs_contain(cf->cf_http_trusted, 2, "127.255.0.9"));
	ck_assert(cidrs_contain(cf->cf_http_trusted, 2, "::1"));
	ck_assert(!cidrs_contain(cf->cf_http_trusted, 2, "10.0.0.1"));
	ck_assert_uint_eq(cf->cf_workers, AUTHZ_WORKERS);
	ck_assert_str_eq(cf->cf_realm, AUTHZ_REALM);
	ck_assert_int_eq(cf->cf_default, CONF_DEFAULT_DENY);
	ck_assert_int_eq(cf->cf_authz_failure, 403);
	ck_assert_uint_eq(cf->cf_ntrusted_proxies, 0);
	ck_assert_int_eq(cf->cf_log, CONF_LOG_STDERR);
	ck_assert_uint_eq(cf->cf_request_timeout, AUTHZ_REQUEST_TIMEOUT_SEC);
	ck_assert_ptr_null(cf->cf_user);
	ck_assert_ptr_null(cf->cf_group);
	ck_assert_uint_eq(cf->cf_socket_mode, 0660);
	ck_assert_uint_eq(cf->cf_hash_max_concurrent,
	    AUTHZ_HASH_MAX_CONCURRENT);
	ck_assert_uint_eq(cf->cf_hash_limits.hfl_max_memory, AUTHZ_HASH_MAX_MEMORY);
	ck_assert_uint_eq(cf->cf_hash_opslimit,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE);
	ck_assert_uint_eq(cf->cf_hash_memlimit,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	ck_assert_uint_eq(cf->cf_cache_ttl, AUTHZ_CACHE_TTL_SEC);
	ck_assert_uint_eq(cf->cf_cache_entries, AUTHZ_CACHE_ENTRIES);
	ck_assert_uint_eq(cf->cf_throttle_max_failures,
	    AUTHZ_THROTTLE_MAX_FAILURES);
	ck_assert_uint_eq(cf->cf_throttle_window, AUTHZ_THROTTLE_WINDOW_SEC);
	ck_assert_uint_eq(cf->cf_throttle_ban, AUTHZ_THROTTLE_BAN_SEC);
	ck_assert_ptr_null(cf->cf_metrics_textfile);
	ck_assert_uint_eq(cf->cf_nrules, 0);
	ck_assert_ptr_nonnull(cf->cf_users);
	conf_free(cf);
}
END_TEST

/* "users = ../conf/./good-users.ini" is taken from the config's directory. */
/* [server] http and http_trusted: a list replaces the default; empty,
 * no address is trusted. */
START_TEST(test_conf_http)
{
	struct conf	*cf;

	cf = load_ok("http.ini", 0);
	ck_assert_str_eq(cf->cf_http, "unix:/run/fcgi-authz/http.sock");
	ck_assert_int_eq(cf->cf_http_trusted_set, 1);
	ck_assert_uint_eq(cf->cf_nhttp_trusted, 1);
	ck_assert(cidrs_contain(cf->cf_http_trusted, 1, "10.9.8.7"));
	ck_assert(!cidrs_contain(cf->cf_http_trusted, 1, "127.0.0.1"));
	conf_free(cf);
	cf = load_ok("http-none.ini", 0);
	ck_assert_int_eq(cf->cf_http_trusted_set, 1);
	ck_assert_uint_eq(cf->cf_nhttp_trusted, 0);
	ck_assert_ptr_null(cf->cf_http_trusted);
	conf_free(cf);
}
END_TEST

START_TEST(test_conf_relative_users)
{
	char		 want[PATH_MAX];
	struct conf	*cf;

	cf = load_ok("relative.ini", 0);
	fixture(want, sizeof(want), "../conf/./good-users.ini");
	ck_assert_str_eq(cf->cf_users_path, want);
	ck_assert_uint_eq(users_count(cf->cf_users), 5);
	conf_free(cf);
}
END_TEST

/* A config path without a '/': the users path stays relative to ".". */
START_TEST(test_conf_relative_cwd)
{
	char		 dir[PATH_MAX];
	struct errlist	 errs;
	struct conf	*cf;
	int		 here;

	fixture(dir, sizeof(dir), "");
	ck_assert_int_ne(here = open(".", O_RDONLY | O_DIRECTORY), -1);
	ck_assert_int_eq(chdir(dir), 0);
	errlist_init(&errs);
	cf = conf_load("defaults.ini", 0, &errs);
	ck_assert_int_eq(fchdir(here), 0);
	close(here);
	if (cf == NULL)
		errlist_print(&errs, stderr);
	ck_assert_ptr_nonnull(cf);
	ck_assert_str_eq(cf->cf_users_path, "good-users.ini");
	ck_assert_uint_eq(users_count(cf->cf_users), 5);
	conf_free(cf);
	errlist_free(&errs);
}
END_TEST

/*
 * A rule naming a role no user holds, or a user who does not exist,
 * still loads (deleting the last admin must reload), with a warning.
 */
START_TEST(test_conf_warnings)
{
	char		 path[PATH_MAX];
	struct errlist	 errs, warns;
	struct conf	*cf;

	fixture(path, sizeof(path), "warn.ini");
	errlist_init(&errs);
	errlist_init(&warns);
	cf = conf_load_warn(path, 0, &errs, &warns);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	ck_assert_uint_eq(errlist_count(&warns), 2);
	check_assert_msg(&warns, "/warn.ini:5: warning: ",
	    "no user holds role \"operator\"");
	check_assert_msg(&warns, "/warn.ini:5: warning: ", "no user \"ghost\"");
	ck_assert(!check_has_msg(&warns, "warn.ini", "\"admin\""));
	ck_assert(!check_has_msg(&warns, "warn.ini", "\"root\""));
	conf_free(cf);
	errlist_free(&warns);

	/* Without a warnings list it loads the same. */
	cf = conf_load(path, 0, &errs);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	conf_free(cf);

	/* Every role and user good.ini names exists: no warning. */
	fixture(path, sizeof(path), "good.ini");
	errlist_init(&warns);
	cf = conf_load_warn(path, 0, &errs, &warns);
	ck_assert_ptr_nonnull(cf);
	if (errlist_count(&warns) != 0)
		errlist_print(&warns, stderr);
	ck_assert_uint_eq(errlist_count(&warns), 0);
	conf_free(cf);
	errlist_free(&warns);
	errlist_free(&errs);
}
END_TEST

/*
 * Where the throttle table is: [throttle] state, else /dev/shm, one file
 * per user and configuration file.
 */
START_TEST(test_conf_throttle_path)
{
	struct conf	*a, *b;
	char		 pa[PATH_MAX], pb[PATH_MAX], want[64];

	a = load_ok("good.ini", 0);
	b = load_ok("defaults.ini", 0);
	conf_throttle_path(a, pa, sizeof(pa));
	conf_throttle_path(b, pb, sizeof(pb));
	snprintf(want, sizeof(want), "/dev/shm/fcgi-authz-%lu-",
	    (unsigned long)geteuid());
	ck_assert_int_eq(strncmp(pa, want, strlen(want)), 0);
	ck_assert_uint_eq(strlen(pa), strlen(want) + 16);
	ck_assert_str_ne(pa, pb);
	conf_free(b);
	b = load_ok("good.ini", 0);
	conf_throttle_path(b, pb, sizeof(pb));
	ck_assert_str_eq(pa, pb);
	/* Under systemd's RuntimeDirectory=: there (its first). */
	ck_assert_int_eq(setenv("RUNTIME_DIRECTORY", "/run/fa:/run/other", 1),
	    0);
	conf_throttle_path(b, pb, sizeof(pb));
	ck_assert_int_eq(strncmp(pb, "/run/fa/fcgi-authz-", 19), 0);
	ck_assert_str_eq(pb + 8, pa + 9);
	ck_assert_int_eq(setenv("RUNTIME_DIRECTORY", "relative", 1), 0);
	conf_throttle_path(b, pb, sizeof(pb));
	ck_assert_str_eq(pb, pa);
	ck_assert_int_eq(unsetenv("RUNTIME_DIRECTORY"), 0);
	free(b->cf_throttle_state);
	ck_assert_ptr_nonnull(b->cf_throttle_state = strdup("/run/x/t"));
	conf_throttle_path(b, pb, sizeof(pb));
	ck_assert_str_eq(pb, "/run/x/t");
	conf_free(a);
	conf_free(b);
}
END_TEST

/* Messages already in the list do not make a good file fail. */
START_TEST(test_conf_earlier_errors)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;
	struct conf	*cf;

	fixture(path, sizeof(path), "defaults.ini");
	errlist_init(&errs);
	errlist_add(&errs, "elsewhere", 1, "an earlier error");
	cf = conf_load(path, 0, &errs);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&errs), 1);
	conf_free(cf);
	errlist_free(&errs);
}
END_TEST

START_TEST(test_users_good)
{
	struct users		*u;
	const struct user	*us;
	const char		*typical;
	static const char *const admin_editor[] = { "admin", "editor", NULL };
	static const char *const editor_viewer[] = { "editor", "viewer",
	    NULL };
	static const char *const none[] = { NULL };

	u = users_ok("good-users.ini", &default_limits);
	ck_assert_uint_eq(users_count(u), 5);
	ck_assert_uint_eq(users_token_count(u), 4);

	ck_assert_ptr_nonnull(us = find_user(u, "alice"));
	ck_assert_ptr_eq(us, users_at(u, 0));
	ck_assert_str_eq(us->us_name, "alice");
	ck_assert_uint_eq(us->us_name_len, 5);
	ck_assert_str_eq(us->us_hash, ALICE_HASH);
	check_assert_list(us->us_roles, us->us_nroles, admin_editor);
	ck_assert_str_eq(us->us_roles_joined, "admin,editor");
	ck_assert_int_eq(us->us_expires, T_2027_07_01);
	ck_assert_int_eq(us->us_disabled, 0);
	ck_assert_int_eq(us->us_line, 2);

	ck_assert_ptr_nonnull(us = find_user(u, "bob"));
	ck_assert_int_eq(us->us_line, 8);
	ck_assert_int_eq(strncmp(us->us_hash, "$argon2i$", 9), 0);
	check_assert_list(us->us_roles, us->us_nroles, editor_viewer);
	ck_assert_str_eq(us->us_roles_joined, "editor,viewer");
	ck_assert_int_eq(us->us_disabled, 1);
	ck_assert_int_eq(us->us_expires, 0);

	ck_assert_ptr_nonnull(us = find_user(u, "carol"));
	ck_assert_int_eq(strncmp(us->us_hash, "$7$", 3), 0);
	check_assert_list(us->us_roles, us->us_nroles, none);
	ck_assert_str_eq(us->us_roles_joined, "");
	ck_assert_int_eq(us->us_expires, 0);		/* never */
	ck_assert_int_eq(us->us_disabled, 0);

	ck_assert_ptr_nonnull(us = find_user(u, "root"));
	ck_assert_int_eq(us->us_disabled, 0);		/* false */
	ck_assert_ptr_nonnull(us = find_user(u, "zo\xc3\xab"));
	ck_assert_int_eq(us->us_disabled, 1);		/* true */
	ck_assert_ptr_eq(us, users_at(u, 4));

	/* Three users share argon2id m=8192,t=1,p=1: the dummy's model. */
	ck_assert_ptr_nonnull(typical = users_typical_hash(u));
	ck_assert_int_eq(strncmp(typical, "$argon2id$v=19$m=8192,t=1,p=1$",
	    30), 0);
	users_free(u);
}
END_TEST

/*
 * A token acts as its user with the roles both hold; no roles key means
 * all of the user's roles.
 */
START_TEST(test_users_tokens)
{
	struct users		*u;
	const struct token	*tk;
	uint8_t			 zero[AUTHZ_TOKEN_DIGEST_LEN];
	static const char *const editor[] = { "editor", NULL };
	static const char *const admin_editor[] = { "admin", "editor", NULL };
	static const char *const none[] = { NULL };

	u = users_ok("good-users.ini", &default_limits);

	ck_assert_ptr_nonnull(tk = find_token(u, TOK_CI));
	ck_assert_str_eq(tk->tk_name, "ci-deploy");
	ck_assert_str_eq(tk->tk_user_name, "alice");
	ck_assert_ptr_eq(tk->tk_user, find_user(u, "alice"));
	check_assert_list(tk->tk_roles, tk->tk_nroles, editor);
	ck_assert_str_eq(tk->tk_roles_joined, "editor");
	ck_assert_int_eq(tk->tk_expires, T_2027_01_02);
	ck_assert_int_eq(tk->tk_line, 27);

	ck_assert_ptr_nonnull(tk = find_token(u, TOK_ALL));
	ck_assert_str_eq(tk->tk_name, "all-roles");
	check_assert_list(tk->tk_roles, tk->tk_nroles, admin_editor);
	ck_assert_str_eq(tk->tk_roles_joined, "admin,editor");
	ck_assert_int_eq(tk->tk_expires, 0);

	/* bob does not hold admin: the token cannot grant it. */
	ck_assert_ptr_nonnull(tk = find_token(u, TOK_NARROW));
	ck_assert_str_eq(tk->tk_name, "narrow");
	ck_assert_ptr_eq(tk->tk_user, find_user(u, "bob"));
	check_assert_list(tk->tk_roles, tk->tk_nroles, editor);

	/* alice does not hold viewer: no roles at all. */
	ck_assert_ptr_nonnull(tk = find_token(u, TOK_NONE));
	ck_assert_str_eq(tk->tk_name, "none");
	check_assert_list(tk->tk_roles, tk->tk_nroles, none);
	ck_assert_str_eq(tk->tk_roles_joined, "");

	/* Anything else matches nothing. */
	ck_assert_ptr_null(find_token(u, ""));
	ck_assert_ptr_null(find_token(u, "ci-deploy"));
	ck_assert_ptr_null(find_token(u,
	    "ci-deploy-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"));
	memset(zero, 0, sizeof(zero));
	ck_assert_ptr_null(users_find_token(u, zero));
	users_free(u);
}
END_TEST

START_TEST(test_users_find_case)
{
	struct users	*u;

	u = users_ok("good-users.ini", &default_limits);
	ck_assert_ptr_nonnull(find_user(u, "alice"));
	ck_assert_ptr_null(find_user(u, "Alice"));
	ck_assert_ptr_null(find_user(u, "ALICE"));
	ck_assert_ptr_null(find_user(u, "alic"));
	ck_assert_ptr_null(find_user(u, "alice "));
	ck_assert_ptr_null(find_user(u, "zoe"));
	ck_assert_ptr_null(find_user(u, "Zo\xc3\xab"));
	ck_assert_ptr_null(find_user(u, "ghost"));
	ck_assert_ptr_null(find_user(u, ""));
	/* The length given counts, not a NUL. */
	ck_assert_ptr_eq(users_find(u, "alicex", 5), find_user(u, "alice"));
	ck_assert_ptr_null(users_find(u, "alice", 4));
	users_free(u);
}
END_TEST

/* --- limits ------------------------------------------------------------ */

/* Valid through the whole day: expired from the next midnight UTC on. */
START_TEST(test_parse_date_day_end)
{
	struct tm	tm;
	time_t		t, want;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2027 - 1900;
	tm.tm_mon = 7 - 1;
	tm.tm_mday = 1;
	want = timegm(&tm);
	ck_assert_int_eq(text_parse_date("2027-06-30", &t), 0);
	ck_assert_int_eq((long long)t, (long long)want);
	ck_assert_int_eq(users_is_expired(t, want - 1), 0);
	ck_assert_int_eq(users_is_expired(t, want), 1);
	ck_assert_int_eq(users_is_expired(0, want), 0);	/* never */
}
END_TEST

static const char *const name_good[] = {
	"alice",
	"Alice",
	"zo\xc3\xab",
	"\xe2\x98\x95",
	"a.b-c_d@example.org",
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",		/* 44 */
};

START_TEST(test_name_good)
{
	const char	*s = name_good[_i];

	ck_assert_msg(users_name_is_valid(s, strlen(s)) == 1,
	    "\"%s\" refused", s);
}
END_TEST

/* 44 bytes is the longest name: "[user:" + 44 fits inih's 49 bytes. */
START_TEST(test_users_name_44)
{
	struct users	*u;
	char		 name[AUTHZ_USER_MAX + 2];

	u = users_ok("u-name-44.ini", &default_limits);
	memset(name, 'u', AUTHZ_USER_MAX);
	name[AUTHZ_USER_MAX] = '\0';
	ck_assert_ptr_nonnull(find_user(u, name));
	name[AUTHZ_USER_MAX] = 'u';
	name[AUTHZ_USER_MAX + 1] = '\0';
	ck_assert_ptr_null(find_user(u, name));
	users_free(u);
}
END_TEST

/* Exactly 256 MiB, 32 passes and parallelism 16 are still allowed. */
START_TEST(test_users_hash_at_limits)
{
	struct users	*u;

	u = users_ok("u-limits-ok.ini", &default_limits);
	ck_assert_uint_eq(users_count(u), 3);
	users_free(u);
}
END_TEST

/* The limit is the caller's: 512 MiB loads when 1 GiB is allowed. */
START_TEST(test_users_limit_is_callers)
{
	struct hashfmt_limits lim = default_limits;
	struct users		*u;

	lim.hfl_max_memory = 1024 * MIB;
	u = users_ok("u-hash-memory.ini", &lim);
	ck_assert_uint_eq(users_count(u), 1);
	users_free(u);
}
END_TEST

/*
 * Two reads of one file are the same file only while every field of
 * its stat(2) is: another inode (a rename), size, mtime or ctime (a
 * write in place) is another file, and so is a file that was gone.
 */
START_TEST(test_conf_fileid_equal)
{
	struct conf_fileid	a, b;
	struct stat		st;
	char			path[PATH_MAX];

	check_srcpath(path, sizeof(path), "tests/data/conf", "good.ini");
	ck_assert_int_eq(stat(path, &st), 0);
	conf_fileid_from_stat(&st, &a);
	conf_fileid_from_stat(&st, &b);
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 1);
	b.fi_ino++;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
	conf_fileid_from_stat(&st, &b);
	b.fi_size++;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
	conf_fileid_from_stat(&st, &b);
	b.fi_mtim.tv_nsec ^= 1;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
	conf_fileid_from_stat(&st, &b);
	b.fi_ctim.tv_sec++;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
	conf_fileid_from_stat(&st, &b);
	b.fi_dev++;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.fi_errno = b.fi_errno = 2;
	ck_assert_int_eq(conf_fileid_equal(&a, &b), 0);
}
END_TEST

START_TEST(test_null_safe)
{
	uint8_t	digest[AUTHZ_TOKEN_DIGEST_LEN];

	memset(digest, 0, sizeof(digest));
	conf_free(NULL);
	users_free(NULL);
	ck_assert_uint_eq(users_count(NULL), 0);
	ck_assert_uint_eq(users_token_count(NULL), 0);
	ck_assert_ptr_null(users_find(NULL, "alice", 5));
	ck_assert_ptr_null(users_find_token(NULL, digest));
	ck_assert_ptr_null(users_typical_hash(NULL));
}
END_TEST

/* A hundred users, written at run time, each found by its exact name. */
START_TEST(test_users_many)
{
	char			 path[PATH_MAX], name[32], flip[32];
	char			 roles[16];
	FILE			*fp;
	struct errlist		 errs;
	struct conf		*cf;
	const struct user	*us;
	int			 i;

	fp = tmp_open(path, sizeof(path), "users.ini");
	fprintf(fp, "; generated by check_conf\n");
	for (i = 0; i < 100; i++)
		fprintf(fp, "[user:%s%03d]\npassword = %s\nroles = r%d\n\n",
		    i % 2 ? "USER" : "user", i, ALICE_HASH, i);
	ck_assert_int_eq(fclose(fp), 0);
	fp = tmp_open(path, sizeof(path), "fcgi-authz.ini");
	fprintf(fp, "[server]\nusers = users.ini\n");
	ck_assert_int_eq(fclose(fp), 0);

	errlist_init(&errs);
	cf = conf_load(path, 0, &errs);
	if (cf == NULL)
		errlist_print(&errs, stderr);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(users_count(cf->cf_users), 100);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "%s%03d", i % 2 ? "USER" : "user",
		    i);
		snprintf(flip, sizeof(flip), "%s%03d", i % 2 ? "user" : "USER",
		    i);
		snprintf(roles, sizeof(roles), "r%d", i);
		us = find_user(cf->cf_users, name);
		ck_assert_msg(us != NULL, "%s not found", name);
		ck_assert_ptr_eq(us, users_at(cf->cf_users, (size_t)i));
		ck_assert_str_eq(us->us_name, name);
		ck_assert_int_eq(us->us_line, 2 + 4 * i);
		ck_assert_str_eq(us->us_roles_joined, roles);
		ck_assert_msg(find_user(cf->cf_users, flip) == NULL,
		    "%s found", flip);
	}
	ck_assert_ptr_null(find_user(cf->cf_users, "user100"));
	ck_assert_ptr_null(find_user(cf->cf_users, "user00"));
	conf_free(cf);
	errlist_free(&errs);
}
END_TEST

/* An absolute users path is used as it is. */
START_TEST(test_conf_absolute_users)
{
	char		 path[PATH_MAX], rel[PATH_MAX], abs[PATH_MAX];
	FILE		*fp;
	struct errlist	 errs;
	struct conf	*cf;

	fixture(rel, sizeof(rel), "good-users.ini");
	ck_assert_ptr_nonnull(realpath(rel, abs));
	/* A line inih would cut is refused; that is not this test. */
	if (strlen(abs) > AUTHZ_INI_LINE_MAX - 10)
		return;
	fp = tmp_open(path, sizeof(path), "abs.ini");
	fprintf(fp, "[server]\nusers = %s\n", abs);
	ck_assert_int_eq(fclose(fp), 0);
	errlist_init(&errs);
	cf = conf_load(path, 0, &errs);
	if (cf == NULL)
		errlist_print(&errs, stderr);
	ck_assert_ptr_nonnull(cf);
	ck_assert_str_eq(cf->cf_users_path, abs);
	ck_assert_uint_eq(users_count(cf->cf_users), 5);
	conf_free(cf);
	errlist_free(&errs);
}
END_TEST

/* --- malformed: every bad value, with the file and line it is on ------- */

static const struct bad_case {
	const char	*file;		/* loaded */
	const char	*err_file;	/* the error is in; NULL: file */
	int		 line;		/* 0: about the whole file */
	int		 alt_line;	/* also right; 0: none */
	const char	*text;
} bad_confs[] = {
	/* [server] */
	{ "c-workers-0.ini", NULL, 4, 0,
	    "workers: expected a whole number from 1 to 256, got \"0\"" },
	{ "c-workers-300.ini", NULL, 4, 0, "workers: expected" },
	{ "c-workers-4x.ini", NULL, 4, 0, "got \"4x\"" },
	{ "c-workers-04.ini", NULL, 4, 0, "got \"04\"" },
	{ "c-workers-neg.ini", NULL, 4, 0, "got \"-4\"" },
	{ "c-default-maybe.ini", NULL, 4, 0,
	    "default: expected \"deny\" or \"authenticate\", got \"maybe\"" },
	{ "c-authz-failure-404.ini", NULL, 4, 0,
	    "authz_failure: expected 403 or 401, got \"404\"" },
	{ "c-log-file.ini", NULL, 4, 0,
	    "log: expected \"stderr\" or \"syslog\", got \"file\"" },
	{ "c-request-timeout-0.ini", NULL, 4, 0,
	    "request_timeout: expected a whole number from 1 to 3600" },
	{ "c-realm-quote.ini", NULL, 4, 0, "realm: 1 to 128 printable" },
	{ "c-realm-backslash.ini", NULL, 4, 0, "realm: 1 to 128 printable" },
	{ "c-realm-empty.ini", NULL, 4, 0, "realm: 1 to 128 printable" },
	{ "c-socket-mode-sign.ini", NULL, 4, 0, "socket_mode: expected an octal" },
	{ "c-socket-mode.ini", NULL, 4, 0,
	    "socket_mode: expected an octal mode" },
	{ "c-server-unknown-key.ini", NULL, 4, 0,
	    "unknown key \"colour\" in [server]" },
	{ "c-trusted-proxies-garbage.ini", NULL, 4, 0,
	    "trusted_proxies: \"proxy.example\": not an IP address" },
	{ "c-trusted-proxies-host-bits.ini", NULL, 4, 0,
	    "trusted_proxies: \"10.1.2.3/8\": host bits set" },
	{ "c-trusted-proxies-empty-item.ini", NULL, 4, 0,
	    "trusted_proxies: expected a comma-separated list" },
	{ "c-dup-key.ini", NULL, 5, 0,
	    "duplicate key 'workers' (first at line 4)" },
	{ "c-users-empty.ini", NULL, 3, 0,
	    "users: a path to the users file is required" },
	{ "c-users-missing.ini", NULL, 0, 0, "[server] users is required" },
	{ "c-users-file-missing.ini", "no-such-users.ini", 0, 0,
	    "No such file or directory" },
	/* [hashing] */
	{ "c-max-concurrent-0.ini", NULL, 6, 0,
	    "max_concurrent: expected a whole number from 1 to 1024" },
	{ "c-max-memory-abc.ini", NULL, 6, 0,
	    "max_memory: expected a size such as 256M, got \"abc\"" },
	{ "c-opslimit-huge.ini", NULL, 6, 0,
	    "opslimit: expected interactive, moderate or a number" },
	{ "c-opslimit-33.ini", NULL, 6, 0,
	    "[hashing] opslimit (33) is above max_passes (32)" },
	{ "c-memlimit-1k.ini", NULL, 6, 0,
	    "memlimit: expected interactive, moderate or a size" },
	{ "c-hashing-unknown-key.ini", NULL, 6, 0,
	    "unknown key \"threads\" in [hashing]" },
	{ "c-memlimit-above-max.ini", NULL, 7, 0,
	    "[hashing] memlimit (67108864 bytes) is above max_memory "
	    "(33554432 bytes)" },
	{ "c-max-memory-small.ini", "good-users.ini", 3, 0,
	    "above [hashing] max_memory (4194304)" },
	/* [cache], [throttle], [metrics] */
	{ "c-ttl-neg.ini", NULL, 6, 0,
	    "ttl: expected a whole number from 0 to 86400, got \"-1\"" },
	{ "c-ttl-big.ini", NULL, 6, 0, "got \"86401\"" },
	{ "c-entries-1.ini", NULL, 6, 0,
	    "entries: expected a whole number from 16 to" },
	{ "c-cache-unknown-key.ini", NULL, 6, 0,
	    "unknown key \"size\" in [cache]" },
	{ "c-max-failures-0.ini", NULL, 6, 0, "max_failures: expected" },
	{ "c-ban-0.ini", NULL, 6, 0, "ban: expected" },
	{ "c-window-0.ini", NULL, 6, 0,
	    "window: expected a whole number from 1 to 86400" },
	{ "c-throttle-unknown-key.ini", NULL, 6, 0,
	    "unknown key \"burst\" in [throttle]" },
	{ "c-textfile-relative.ini", NULL, 6, 0,
	    "textfile: expected an absolute path" },
	{ "c-throttle-state-relative.ini", NULL, 6, 0,
	    "state: expected an absolute path" },
	{ "c-metrics-unknown-key.ini", NULL, 6, 0,
	    "unknown key \"port\" in [metrics]" },
	/* Sections */
	{ "c-unknown-section.ini", NULL, 5, 6, "unknown section [sever]" },
	{ "c-unknown-section-empty.ini", NULL, 5, 0,
	    "unknown section [sever]" },
	/* [rule:NAME] */
	{ "c-rule-no-path.ini", NULL, 5, 0, "[rule:x] has no path" },
	{ "c-rule-no-access.ini", NULL, 5, 0,
	    "[rule:x] needs access, roles or users" },
	{ "c-rule-public-roles.ini", NULL, 5, 0,
	    "access = public cannot be combined with roles or users" },
	{ "c-rule-deny-users.ini", NULL, 5, 0,
	    "access = deny cannot be combined with roles or users" },
	{ "c-rule-bad-path.ini", NULL, 6, 0,
	    "path: \"admin\": a path must start with '/'" },
	{ "c-rule-path-dotdot.ini", NULL, 6, 0, "a path must be canonical" },
	{ "c-rule-path-glob.ini", NULL, 6, 0,
	    "'**' must be a whole path segment" },
	{ "c-rule-networks-host-bits.ini", NULL, 8, 0,
	    "networks: \"10.0.0.1/8\": host bits set below the prefix" },
	{ "c-rule-networks-garbage.ini", NULL, 8, 0,
	    "networks: \"intranet\": not an IP address" },
	{ "c-rule-networks-prefix.ini", NULL, 8, 0,
	    "networks: \"10.0.0.0/33\": bad prefix length" },
	{ "c-rule-networks-empty.ini", NULL, 8, 0, "networks: empty" },
	{ "c-rule-bad-method.ini", NULL, 7, 0,
	    "methods: \"PO ST\" is not a valid method" },
	{ "c-rule-roles-empty-item.ini", NULL, 7, 0,
	    "roles: expected a comma-separated list without empty items" },
	{ "c-rule-users-bad-name.ini", NULL, 7, 0,
	    "users: \"ro:ot\" is not a valid name" },
	{ "c-rule-access-maybe.ini", NULL, 7, 0,
	    "access: expected public, authenticated or deny, got \"maybe\"" },
	{ "c-rule-unknown-key.ini", NULL, 7, 0,
	    "unknown key \"role\" in [rule:x]" },
	{ "c-rule-bad-name.ini", NULL, 5, 0,
	    "[rule:]: a rule name must be non-empty" },
	{ "c-rule-dup.ini", NULL, 9, 0,
	    "duplicate section [rule:a] (first at line 5)" },
	{ "c-http-trusted-garbage.ini", NULL, 5, 0,
	    "http_trusted: \"proxy.example\": not an IP address" },
};

START_TEST(test_bad_conf)
{
	const struct bad_case	*c = &bad_confs[_i];
	char			 path[PATH_MAX], at[PATH_MAX];
	char			 alt[PATH_MAX];
	struct errlist		 errs;
	struct conf		*cf;
	const char		*ef = c->err_file != NULL ? c->err_file :
	    c->file;

	fixture(path, sizeof(path), c->file);
	where(at, sizeof(at), ef, c->line);
	errlist_init(&errs);
	cf = conf_load(path, 0, &errs);
	ck_assert_msg(cf == NULL, "%s loaded", c->file);
	ck_assert_uint_gt(errlist_count(&errs), 0);
	if (c->alt_line != 0 && !check_has_msg(&errs, at, c->text)) {
		where(alt, sizeof(alt), ef, c->alt_line);
		check_assert_msg(&errs, alt, c->text);
	} else
		check_assert_msg(&errs, at, c->text);
	errlist_free(&errs);
}
END_TEST

static const struct bad_case bad_users[] = {
	{ "u-no-password.ini", NULL, 2, 0, "[user:nopw] has no password" },
	{ "u-name-45.ini", NULL, 2, 0, "section name is 50 bytes" },
	{ "u-name-colon.ini", NULL, 2, 0, "a user name is 1 to 44 bytes" },
	{ "u-name-space.ini", NULL, 2, 0, "a user name is 1 to 44 bytes" },
	{ "u-name-equals.ini", NULL, 2, 0, "a user name is 1 to 44 bytes" },
	{ "u-name-nbsp.ini", NULL, 2, 0, "a user name is 1 to 44 bytes" },
	{ "t-dup-hash.ini", NULL, 9, 0,
	    "[token:two] has the same hash as [token:one]" },
	{ "u-name-empty.ini", NULL, 2, 0, "a user name is 1 to 44 bytes" },
	{ "u-roles-empty-item.ini", NULL, 4, 0,
	    "roles: expected a comma-separated list without empty items" },
	{ "u-roles-bad-name.ini", NULL, 4, 0,
	    "roles: \"power user\" is not a valid role name" },
	{ "u-expires-feb30.ini", NULL, 4, 0,
	    "expires: expected YYYY-MM-DD or never, got \"2027-02-30\"" },
	{ "u-expires-feb29.ini", NULL, 4, 0, "got \"2027-02-29\"" },
	{ "u-expires-month13.ini", NULL, 4, 0, "got \"2027-13-01\"" },
	{ "u-expires-tomorrow.ini", NULL, 4, 0, "got \"tomorrow\"" },
	{ "u-expires-sign.ini", NULL, 4, 0, "got \"2027-+6-30\"" },
	{ "u-disabled-maybe.ini", NULL, 4, 0,
	    "disabled: expected yes or no, got \"maybe\"" },
	{ "u-unknown-key.ini", NULL, 4, 0,
	    "unknown key \"role\" in [user:alice]" },
	{ "u-hash-memory.ini", NULL, 3, 0,
	    "asks for 536870912 bytes of memory, above [hashing] max_memory" },
	{ "u-hash-t33.ini", NULL, 3, 0,
	    "asks for 33 passes, above [hashing] max_passes (32)" },
	{ "u-hash-p17.ini", NULL, 3, 0,
	    "asks for parallelism 17, above the limit of 16" },
	{ "u-hash-scrypt-memory.ini", NULL, 3, 0,
	    "above [hashing] max_memory" },
	{ "u-hash-garbage.ini", NULL, 3, 0,
	    "password: not a password hash (a plaintext password" },
	{ "u-hash-bcrypt.ini", NULL, 3, 0,
	    "password: bcrypt cost 15, above [hashing] max_bcrypt_cost (14)" },
	{ "u-hash-argon2d.ini", NULL, 3, 0,
	    "password: not a hash fcgi-authz can verify" },
	{ "u-hash-v16.ini", NULL, 3, 0, "password: a malformed hash" },
	{ "u-hash-empty.ini", NULL, 3, 0, "password: empty" },
	{ "u-unknown-section.ini", NULL, 4, 0,
	    "unknown section [group:admins]" },
	{ "u-dup-user.ini", NULL, 6, 0,
	    "duplicate section [user:alice] (first at line 2)" },
	/* Tokens */
	{ "t-no-user.ini", NULL, 6, 0, "[token:t] has no user" },
	{ "t-no-hash.ini", NULL, 6, 0, "[token:t] has no hash" },
	{ "t-hash-xyz.ini", NULL, 8, 0,
	    "hash: expected blake2b: and 64 hex digits" },
	{ "t-hash-short.ini", NULL, 8, 0, "hash: expected blake2b:" },
	{ "t-hash-long.ini", NULL, 8, 0, "hash: expected blake2b:" },
	{ "t-hash-nonhex.ini", NULL, 8, 0, "hash: expected blake2b:" },
	{ "t-hash-sha256.ini", NULL, 8, 0, "hash: expected blake2b:" },
	{ "t-hash-bare.ini", NULL, 8, 0, "hash: expected blake2b:" },
	{ "t-missing-user.ini", NULL, 6, 0, "[token:t]: no user \"ghost\"" },
	{ "t-bad-user.ini", NULL, 7, 0,
	    "user: \"gh ost\" is not a valid user name" },
	{ "t-expires-bad.ini", NULL, 9, 0,
	    "expires: expected YYYY-MM-DD or never, got \"2027-13-01\"" },
	{ "t-unknown-key.ini", NULL, 9, 0,
	    "unknown key \"scope\" in [token:t]" },
	{ "t-roles-empty-item.ini", NULL, 9, 0,
	    "roles: expected a comma-separated list without empty items" },
	{ "t-bad-name.ini", NULL, 5, 0, "a token name is 1 to 44 bytes" },
};

START_TEST(test_bad_users)
{
	const struct bad_case	*c = &bad_users[_i];
	char			 path[PATH_MAX], at[PATH_MAX];
	struct errlist		 errs;
	struct users		*u;

	fixture(path, sizeof(path), c->file);
	where(at, sizeof(at), c->file, c->line);
	errlist_init(&errs);
	u = users_load(path, &default_limits, &errs);
	ck_assert_msg(u == NULL, "%s loaded", c->file);
	ck_assert_uint_gt(errlist_count(&errs), 0);
	check_assert_msg(&errs, at, c->text);
	errlist_free(&errs);
}
END_TEST

/* Every error is reported, not only the first. */
START_TEST(test_conf_every_error)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;

	fixture(path, sizeof(path), "c-many-errors.ini");
	errlist_init(&errs);
	ck_assert_ptr_null(conf_load(path, 0, &errs));
	check_assert_msg(&errs, "/c-many-errors.ini:4: ", "workers:");
	check_assert_msg(&errs, "/c-many-errors.ini:5: ", "log:");
	check_assert_msg(&errs, "/c-many-errors.ini:8: ", "ttl:");
	check_assert_msg(&errs, "/c-many-errors.ini:10: ", "has no path");
	ck_assert_uint_eq(errlist_count(&errs), 4);
	errlist_free(&errs);
}
END_TEST

START_TEST(test_conf_missing_file)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;

	fixture(path, sizeof(path), "no-such-config.ini");
	errlist_init(&errs);
	ck_assert_ptr_null(conf_load(path, 0, &errs));
	check_assert_msg(&errs, "/no-such-config.ini: ", "No such file");
	errlist_free(&errs);
}
END_TEST

/* --- trusted: conf_load_trusted(), owners and modes (filetrust.h) ---- */

/*
 * Writes tmpdir/fcgi-authz.ini (server lines extra, then users =
 * users.ini) and tmpdir/users.ini with these modes; the config's path
 * goes to path.
 */
static void
tmp_pair(char *path, size_t size, const char *extra, mode_t conf_mode,
    mode_t users_mode)
{
	char	 upath[PATH_MAX];
	FILE	*fp;

	fp = tmp_open(upath, sizeof(upath), "users.ini");
	fprintf(fp, "[user:alice]\npassword = %s\n", ALICE_HASH);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(upath, users_mode), 0);
	fp = tmp_open(path, size, "fcgi-authz.ini");
	fprintf(fp, "[server]\n%susers = users.ini\n\n[rule:site]\n"
	    "path = /\naccess = authenticated\n", extra);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, conf_mode), 0);
}

static void
assert_ids(const struct filetrust_ids *ids, uid_t uid, gid_t gid)
{
	ck_assert_uint_eq(ids->fti_uid, uid);
	ck_assert_uint_eq(ids->fti_gid, gid);
}

/* Trusted as this process, no warning; the ids used are kept. */
START_TEST(test_conf_trusted_ok)
{
	char		 path[PATH_MAX];
	struct errlist	 errs, warns;
	struct conf	*cf;

	tmp_pair(path, sizeof(path), "", 0600, 0640);
	errlist_init(&errs);
	errlist_init(&warns);
	cf = conf_load_trusted(path, 0, NULL, &errs,
	    &warns);
	if (cf == NULL)
		errlist_print(&errs, stderr);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&warns), 0);
	assert_ids(&cf->cf_trust.ct_conf, geteuid(), getegid());
	assert_ids(&cf->cf_trust.ct_users, geteuid(), getegid());
	conf_free(cf);
	errlist_free(&errs);
	errlist_free(&warns);
}
END_TEST

/* A users file every user may read: a warning; a readable config: not. */
START_TEST(test_conf_trusted_readable)
{
	char		 path[PATH_MAX], upath[PATH_MAX];
	struct errlist	 errs, warns;
	struct conf	*cf;

	tmp_pair(path, sizeof(path), "", 0644, 0644);
	ck_assert_uint_lt((size_t)snprintf(upath, sizeof(upath),
	    "%s/users.ini", tmpdir), sizeof(upath));
	errlist_init(&errs);
	errlist_init(&warns);
	cf = conf_load_trusted(path, 0, NULL, &errs,
	    &warns);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&warns), 1);
	check_assert_msg(&warns, upath, ": warning: readable by every user");
	conf_free(cf);
	/* Nowhere to put it: it loads the same. */
	cf = conf_load_trusted(path, 0, NULL, &errs, NULL);
	ck_assert_ptr_nonnull(cf);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	conf_free(cf);
	errlist_free(&errs);
	errlist_free(&warns);
}
END_TEST

/* Writable by every user: refused, either file, naming it; unchecked
 * loads (tests, the CLI's own reads) take it. */
START_TEST(test_conf_trusted_refuses)
{
	char		 path[PATH_MAX], upath[PATH_MAX];
	struct errlist	 errs;
	struct conf	*cf;

	tmp_pair(path, sizeof(path), "", 0600, 0666);
	ck_assert_uint_lt((size_t)snprintf(upath, sizeof(upath),
	    "%s/users.ini", tmpdir), sizeof(upath));
	errlist_init(&errs);
	ck_assert_ptr_null(conf_load_trusted(path, 0, NULL,
	    &errs, NULL));
	check_assert_msg(&errs, upath, ": is writable by every user (mode "
	    "0666)");
	ck_assert_ptr_nonnull(cf = conf_load(path, 0,
	    &errs));
	conf_free(cf);
	errlist_free(&errs);

	ck_assert_int_eq(chmod(upath, 0600), 0);
	ck_assert_int_eq(chmod(path, 0662), 0);
	errlist_init(&errs);
	ck_assert_ptr_null(conf_load_trusted(path, 0, NULL,
	    &errs, NULL));
	check_assert_msg(&errs, path, ": is writable by every user (mode "
	    "0662)");
	errlist_free(&errs);
}
END_TEST

/*
 * Started as root, the users file is trusted as [server] user and group
 * (the drop goes to these ids), the config as root; an unknown user or
 * group is an error with its line.  Not as root: user is ignored.
 */
START_TEST(test_conf_trusted_daemon_user)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;
	struct conf	*cf;

	tmp_pair(path, sizeof(path), "user = nobody\ngroup = nogroup\n",
	    0600, 0600);
	errlist_init(&errs);
	cf = conf_load_trusted(path, 0, NULL, &errs, NULL);
	if (cf == NULL)
		errlist_print(&errs, stderr);
	ck_assert_ptr_nonnull(cf);
	assert_ids(&cf->cf_trust.ct_conf, geteuid(), getegid());
	if (geteuid() == 0)
		assert_ids(&cf->cf_trust.ct_users, 65534, 65534);
	else
		assert_ids(&cf->cf_trust.ct_users, geteuid(), getegid());
	conf_free(cf);
	if (geteuid() != 0) {
		errlist_free(&errs);
		return;
	}
	tmp_pair(path, sizeof(path), "user = no-such-user-fcgi-authz\n", 0600,
	    0600);
	ck_assert_ptr_null(conf_load_trusted(path, 0, NULL,
	    &errs, NULL));
	check_assert_msg(&errs, "/fcgi-authz.ini:2: ",
	    "user: no user \"no-such-user-fcgi-authz\" on this system");
	errlist_free(&errs);
	errlist_init(&errs);
	tmp_pair(path, sizeof(path), "user = nobody\ngroup = no-such-grp-x\n",
	    0600, 0600);
	ck_assert_ptr_null(conf_load_trusted(path, 0, NULL,
	    &errs, NULL));
	check_assert_msg(&errs, "/fcgi-authz.ini:3: ",
	    "group: no group \"no-such-grp-x\" on this system");
	errlist_free(&errs);
}
END_TEST

/*
 * A reload passes the ids the start used: a users file of nobody's is
 * fine for a daemon running as nobody, refused for one running as root
 * (root only: it chowns).
 */
START_TEST(test_conf_trusted_explicit)
{
	char			 path[PATH_MAX], upath[PATH_MAX];
	struct errlist		 errs;
	struct conf		*cf;
	struct conf_trust	 trust;

	if (geteuid() != 0) {
		fprintf(stderr, "check_conf: SKIP test_conf_trusted_explicit: "
		    "chown needs root\n");
		return;
	}
	tmp_pair(path, sizeof(path), "", 0600, 0600);
	ck_assert_uint_lt((size_t)snprintf(upath, sizeof(upath),
	    "%s/users.ini", tmpdir), sizeof(upath));
	ck_assert_int_eq(chown(upath, 65534, 65534), 0);
	memset(&trust, 0, sizeof(trust));
	trust.ct_users.fti_uid = 65534;
	trust.ct_users.fti_gid = 65534;
	errlist_init(&errs);
	cf = conf_load_trusted(path, 0, &trust, &errs,
	    NULL);
	ck_assert_ptr_nonnull(cf);
	assert_ids(&cf->cf_trust.ct_users, 65534, 65534);
	conf_free(cf);
	trust.ct_users.fti_uid = 0;
	trust.ct_users.fti_gid = 0;
	ck_assert_ptr_null(conf_load_trusted(path, 0,
	    &trust, &errs, NULL));
	check_assert_msg(&errs, upath, ": is owned by uid 65534, not by root");
	errlist_free(&errs);
}
END_TEST

/*
 * What "fcgi-authzd -t" (0) accepts, the daemon (flags
 * 0) must start with: a hash whose parameters libsodium refuses to make
 * a dummy from is refused at load, with its line, or works for both.
 */
static const struct agree_case {
	const char	*conf;
	const char	*users;
	int		 line;
} agree_cases[] = {
	{ "c-argon2i-t1.ini",	"u-argon2i-t1.ini",	3 },
	{ "c-argon2-m4.ini",	"u-argon2-m4.ini",	3 },
};

START_TEST(test_conf_check_agrees)
{
	const struct agree_case	*c = &agree_cases[_i];
	char			 path[PATH_MAX], at[PATH_MAX];
	struct errlist		 e1, e2;
	struct conf		*cf1, *cf2;

	fixture(path, sizeof(path), c->conf);
	errlist_init(&e1);
	errlist_init(&e2);
	cf1 = conf_load(path, 0, &e1);
	cf2 = conf_load(path, 0, &e2);
	if ((cf1 == NULL) != (cf2 == NULL)) {
		errlist_print(&e1, stderr);
		errlist_print(&e2, stderr);
	}
	ck_assert_msg((cf1 == NULL) == (cf2 == NULL),
	    "%s: -t says %s, the daemon says %s", c->conf,
	    cf1 != NULL ? "valid" : "invalid",
	    cf2 != NULL ? "valid" : "invalid");
	if (cf1 == NULL) {
		where(at, sizeof(at), c->users, c->line);
		check_assert_msg(&e1, at, "password: ");
		check_assert_msg(&e2, at, "password: ");
	}
	conf_free(cf1);
	conf_free(cf2);
	errlist_free(&e1);
	errlist_free(&e2);
}
END_TEST

static const char *const name_bad[] = {
	"",
	"uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",	/* 45 */
	"a:b",
	"a b",
	"a=b",
	"a\tb",
	"a\x01" "b",
	"a\x7f",
	"\xff",
	"\xc0\xaf",		/* overlong '/' */
	"zo\xc3",		/* truncated */
	"a[b",
	"a]b",
	"a;b",
	"#a",
	"a,b",
	"a\"b",
};

START_TEST(test_name_bad)
{
	const char	*s = name_bad[_i];

	ck_assert_msg(users_name_is_valid(s, strlen(s)) == 0,
	    "\"%s\" accepted", s);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("conf");

	tc = tcase_create("core");
	tcase_add_test(tc, test_conf_good);
	tcase_add_test(tc, test_conf_design);
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_http);
	tcase_add_test(tc, test_conf_relative_users);
	tcase_add_test(tc, test_conf_relative_cwd);
	tcase_add_test(tc, test_conf_warnings);
	tcase_add_test(tc, test_conf_throttle_path);
	tcase_add_test(tc, test_conf_earlier_errors);
	tcase_add_test(tc, test_users_good);
	tcase_add_test(tc, test_users_tokens);
	tcase_add_test(tc, test_users_find_case);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_parse_date_day_end);
	tcase_add_loop_test(tc, test_name_good, 0, NITEMS(name_good));
	tcase_add_test(tc, test_users_name_44);
	tcase_add_test(tc, test_users_hash_at_limits);
	tcase_add_test(tc, test_users_limit_is_callers);
	tcase_add_test(tc, test_null_safe);
	tcase_add_test(tc, test_conf_fileid_equal);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_users_many);
	tcase_add_test(tc, test_conf_absolute_users);
	tcase_add_test(tc, test_conf_trusted_ok);
	tcase_add_test(tc, test_conf_trusted_readable);
	tcase_add_test(tc, test_conf_trusted_refuses);
	tcase_add_test(tc, test_conf_trusted_daemon_user);
	tcase_add_test(tc, test_conf_trusted_explicit);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_conf, 0, NITEMS(bad_confs));
	tcase_add_loop_test(tc, test_bad_users, 0, NITEMS(bad_users));
	tcase_add_test(tc, test_conf_every_error);
	tcase_add_test(tc, test_conf_missing_file);
	tcase_add_loop_test(tc, test_conf_check_agrees, 0,
	    NITEMS(agree_cases));
	tcase_add_loop_test(tc, test_name_bad, 0, NITEMS(name_bad));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(conf_suite());
}
