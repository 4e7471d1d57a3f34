/*
 * confparse.c: each key of fcgi-authz.ini through the inih handler, with
 * no file: its bounds, its names, its messages and the field it sets.
 * Whole files are check_conf's.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "conf.h"
#include "confparse.h"
#include "defaults.h"
#include "errlist.h"


static struct conf	*cf;
static struct confparse	 cp;
static struct errlist	 errs;

static void
setup(void)
{
	ck_assert_ptr_nonnull(cf = calloc(1, sizeof(*cf)));
	confparse_defaults(cf);
	errlist_init(&errs);
	memset(&cp, 0, sizeof(cp));
	cp.cp_conf = cf;
	cp.cp_errs = &errs;
	cp.cp_file = "t.ini";
}

static void
teardown(void)
{
	confparse_finish(&cp);
	free(cp.cp_users_raw);
	conf_free(cf);
	errlist_free(&errs);
}

/* One key in its section, at line 7: the handler's result. */
static int
set(const char *section, const char *key, const char *value)
{
	return confparse_handler(&cp, section, key, value, 7);
}

/* --- core -------------------------------------------------------------- */

START_TEST(test_defaults)
{
	ck_assert_uint_eq(cf->cf_workers, AUTHZ_WORKERS);
	ck_assert_int_eq(cf->cf_default, CONF_DEFAULT_DENY);
	ck_assert_int_eq(cf->cf_authz_failure, AUTHZ_FAILURE_STATUS);
	ck_assert_int_eq(cf->cf_log, CONF_LOG_STDERR);
	ck_assert_uint_eq(cf->cf_request_timeout, AUTHZ_REQUEST_TIMEOUT_SEC);
	ck_assert_uint_eq(cf->cf_socket_mode, AUTHZ_SOCKET_MODE);
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
	ck_assert_ptr_null(cf->cf_listen);
	ck_assert_ptr_null(cf->cf_user);
	ck_assert_ptr_null(cf->cf_throttle_state);
	ck_assert_ptr_null(cf->cf_metrics_textfile);
}
END_TEST

/* Every key of the fixed sections, and the field it sets. */
START_TEST(test_every_key)
{
	ck_assert_int_eq(set("server", "listen", "unix:/run/a.sock"), 1);
	ck_assert_int_eq(set("server", "users", "users.ini"), 1);
	ck_assert_int_eq(set("server", "workers", "8"), 1);
	ck_assert_int_eq(set("server", "realm", "Staff only"), 1);
	ck_assert_int_eq(set("server", "default", "authenticate"), 1);
	ck_assert_int_eq(set("server", "authz_failure", "401"), 1);
	ck_assert_int_eq(set("server", "trusted_proxies",
	    "10.0.0.0/8, ::1"), 1);
	ck_assert_int_eq(set("server", "log", "syslog"), 1);
	ck_assert_int_eq(set("server", "request_timeout", "30"), 1);
	ck_assert_int_eq(set("server", "user", "www-data"), 1);
	ck_assert_int_eq(set("server", "group", "www-data"), 1);
	ck_assert_int_eq(set("server", "socket_mode", "0600"), 1);
	ck_assert_int_eq(set("hashing", "max_concurrent", "3"), 1);
	ck_assert_int_eq(set("hashing", "max_memory", "512M"), 1);
	ck_assert_int_eq(set("hashing", "opslimit", "moderate"), 1);
	ck_assert_int_eq(set("hashing", "memlimit", "32M"), 1);
	ck_assert_int_eq(set("cache", "ttl", "0"), 1);
	ck_assert_int_eq(set("cache", "entries", "1024"), 1);
	ck_assert_int_eq(set("throttle", "max_failures", "5"), 1);
	ck_assert_int_eq(set("throttle", "window", "120"), 1);
	ck_assert_int_eq(set("throttle", "ban", "900"), 1);
	ck_assert_int_eq(set("throttle", "state", "/run/t"), 1);
	ck_assert_int_eq(set("metrics", "textfile", "/var/m.prom"), 1);
	ck_assert_uint_eq(errs.el_count, 0);

	ck_assert_str_eq(cf->cf_listen, "unix:/run/a.sock");
	ck_assert_str_eq(cp.cp_users_raw, "users.ini");
	ck_assert_uint_eq(cf->cf_workers, 8);
	ck_assert_str_eq(cf->cf_realm, "Staff only");
	ck_assert_int_eq(cf->cf_default, CONF_DEFAULT_AUTHENTICATE);
	ck_assert_int_eq(cf->cf_authz_failure, 401);
	ck_assert_uint_eq(cf->cf_ntrusted_proxies, 2);
	ck_assert_int_eq(cf->cf_log, CONF_LOG_SYSLOG);
	ck_assert_uint_eq(cf->cf_request_timeout, 30);
	ck_assert_str_eq(cf->cf_user, "www-data");
	ck_assert_str_eq(cf->cf_group, "www-data");
	ck_assert_uint_eq(cf->cf_socket_mode, 0600);
	ck_assert_uint_eq(cf->cf_hash_max_concurrent, 3);
	ck_assert_uint_eq(cf->cf_hash_limits.hfl_max_memory, 512ULL * 1024 * 1024);
	ck_assert_uint_eq(cf->cf_hash_opslimit,
	    crypto_pwhash_OPSLIMIT_MODERATE);
	ck_assert_uint_eq(cf->cf_hash_memlimit, 32 * 1024 * 1024);
	ck_assert_uint_eq(cf->cf_cache_ttl, 0);
	ck_assert_uint_eq(cf->cf_cache_entries, 1024);
	ck_assert_uint_eq(cf->cf_throttle_max_failures, 5);
	ck_assert_uint_eq(cf->cf_throttle_window, 120);
	ck_assert_uint_eq(cf->cf_throttle_ban, 900);
	ck_assert_str_eq(cf->cf_throttle_state, "/run/t");
	ck_assert_str_eq(cf->cf_metrics_textfile, "/var/m.prom");
}
END_TEST

/* The names some keys take instead of a number. */
static const struct name_case {
	const char		*section, *key, *value;
	unsigned long long	 want;
} name_cases[] = {
	{ "server", "default", "deny", CONF_DEFAULT_DENY },
	{ "server", "default", "authenticate", CONF_DEFAULT_AUTHENTICATE },
	{ "server", "authz_failure", "403", 403 },
	{ "server", "authz_failure", "401", 401 },
	{ "server", "log", "stderr", CONF_LOG_STDERR },
	{ "server", "log", "syslog", CONF_LOG_SYSLOG },
	{ "hashing", "opslimit", "interactive",
	  crypto_pwhash_OPSLIMIT_INTERACTIVE },
	{ "hashing", "opslimit", "moderate", crypto_pwhash_OPSLIMIT_MODERATE },
	{ "hashing", "memlimit", "interactive",
	  crypto_pwhash_MEMLIMIT_INTERACTIVE },
	{ "hashing", "memlimit", "moderate", crypto_pwhash_MEMLIMIT_MODERATE },
};

static unsigned long long
field_of(const char *key)
{
	if (strcmp(key, "default") == 0)
		return cf->cf_default;
	if (strcmp(key, "authz_failure") == 0)
		return (unsigned long long)cf->cf_authz_failure;
	if (strcmp(key, "log") == 0)
		return cf->cf_log;
	if (strcmp(key, "opslimit") == 0)
		return cf->cf_hash_opslimit;
	return cf->cf_hash_memlimit;
}

START_TEST(test_names)
{
	const struct name_case *c = &name_cases[_i];

	ck_assert_int_eq(set(c->section, c->key, c->value), 1);
	ck_assert_uint_eq(field_of(c->key), c->want);
}
END_TEST

/* The lines conf.c cites later are those of the keys. */
START_TEST(test_lines)
{
	ck_assert_int_eq(confparse_handler(&cp, "server", "users", "u.ini", 3),
	    1);
	ck_assert_int_eq(confparse_handler(&cp, "server", "user", "", 4), 1);
	ck_assert_int_eq(confparse_handler(&cp, "server", "group", "g", 5), 1);
	ck_assert_int_eq(confparse_handler(&cp, "hashing", "memlimit", "8K",
	    9), 1);
	ck_assert_int_eq(cp.cp_line[CONFPARSE_LINE_USERS], 3);
	ck_assert_int_eq(cp.cp_line[CONFPARSE_LINE_USER], 4);
	ck_assert_int_eq(cp.cp_line[CONFPARSE_LINE_GROUP], 5);
	ck_assert_int_eq(cp.cp_line[CONFPARSE_LINE_MEMLIMIT], 9);
	ck_assert_ptr_null(cf->cf_user);	/* empty: unset */
	/* A bad value records no line. */
	ck_assert_int_eq(confparse_handler(&cp, "hashing", "memlimit", "1K",
	    11), 0);
	ck_assert_int_eq(cp.cp_line[CONFPARSE_LINE_MEMLIMIT], 9);
}
END_TEST

/* --- limits ------------------------------------------------------------ */

/* The whole-number keys, at and beyond both ends. */
static const struct range_case {
	const char		*section, *key;
	unsigned long long	 min, max;
} range_cases[] = {
	{ "server", "workers", 1, AUTHZ_WORKERS_MAX },
	{ "server", "request_timeout", 1, AUTHZ_REQUEST_TIMEOUT_MAX_SEC },
	{ "hashing", "max_concurrent", 1, AUTHZ_HASH_CONCURRENT_MAX },
	{ "hashing", "opslimit", crypto_pwhash_OPSLIMIT_MIN,
	  AUTHZ_HASH_PASSES_MAX },
	{ "hashing", "max_passes", 1, AUTHZ_HASH_PASSES_MAX },
	{ "hashing", "max_bcrypt_cost", 4, 31 },
	{ "hashing", "max_sha_crypt_rounds", 1000, 999999999 },
	{ "cache", "ttl", 0, AUTHZ_CACHE_TTL_MAX_SEC },
	{ "cache", "entries", AUTHZ_CACHE_ENTRIES_MIN,
	  AUTHZ_CACHE_ENTRIES_MAX },
	{ "throttle", "max_failures", 1, AUTHZ_THROTTLE_FAILURES_MAX },
	{ "throttle", "window", 1, AUTHZ_THROTTLE_WINDOW_MAX_SEC },
	{ "throttle", "ban", 1, AUTHZ_THROTTLE_BAN_MAX_SEC },
};

START_TEST(test_range)
{
	const struct range_case	*c = &range_cases[_i];
	char			 v[32], want[128];

	snprintf(v, sizeof(v), "%llu", c->min);
	ck_assert_int_eq(set(c->section, c->key, v), 1);
	snprintf(v, sizeof(v), "%llu", c->max);
	ck_assert_int_eq(set(c->section, c->key, v), 1);
	ck_assert_uint_eq(errs.el_count, 0);
	snprintf(v, sizeof(v), "%llu", c->max + 1);
	ck_assert_int_eq(set(c->section, c->key, v), 0);
	snprintf(want, sizeof(want), "t.ini:7: %s: expected %s from %llu to "
	    "%llu, got \"%s\"", c->key, strcmp(c->key, "opslimit") == 0 ?
	    "interactive, moderate or a number" : "a whole number", c->min,
	    c->max, v);
	ck_assert_uint_eq(errs.el_count, 1);
	ck_assert_str_eq(errs.el_ents[0].ee_text, want);
	if (c->min > 0) {
		snprintf(v, sizeof(v), "%llu", c->min - 1);
		ck_assert_int_eq(set(c->section, c->key, v), 0);
		ck_assert_uint_eq(errs.el_count, 2);
	}
}
END_TEST

/* Sizes and the octal mode at their ends. */
static const struct size_case {
	const char	*section, *key, *value;
	int		 ok;
} size_cases[] = {
	{ "hashing", "max_memory", "8K", 1 },
	{ "hashing", "max_memory", "8191", 0 },
	{ "hashing", "max_memory", "18446744073709551615", 1 },
	{ "hashing", "memlimit", "8192", 1 },
	{ "hashing", "memlimit", "7K", 0 },
	{ "server", "socket_mode", "0", 1 },
	{ "server", "socket_mode", "0777", 1 },
	{ "server", "socket_mode", "777", 1 },
	{ "server", "socket_mode", "01000", 0 },
};

START_TEST(test_sizes)
{
	const struct size_case *c = &size_cases[_i];

	ck_assert_int_eq(set(c->section, c->key, c->value), c->ok);
}
END_TEST

/* 128 bytes of realm and no more. */
START_TEST(test_realm_len)
{
	char v[AUTHZ_REALM_MAX + 2];

	memset(v, 'r', AUTHZ_REALM_MAX);
	v[AUTHZ_REALM_MAX] = '\0';
	ck_assert_int_eq(set("server", "realm", v), 1);
	ck_assert_str_eq(cf->cf_realm, v);
	v[AUTHZ_REALM_MAX] = 'r';
	v[AUTHZ_REALM_MAX + 1] = '\0';
	ck_assert_int_eq(set("server", "realm", v), 0);
}
END_TEST

/* --- malformed --------------------------------------------------------- */

/* A bad value and its whole message, byte for byte. */
static const struct bad_case {
	const char	*section, *key, *value, *msg;
} bad_cases[] = {
	{ "server", "bogus", "1", "unknown key \"bogus\" in [server]" },
	{ "hashing", "bogus", "1", "unknown key \"bogus\" in [hashing]" },
	{ "cache", "bogus", "1", "unknown key \"bogus\" in [cache]" },
	{ "throttle", "bogus", "1", "unknown key \"bogus\" in [throttle]" },
	{ "metrics", "bogus", "1", "unknown key \"bogus\" in [metrics]" },
	{ "server", "users", "",
	  "users: a path to the users file is required" },
	{ "server", "workers", "4x",
	  "workers: expected a whole number from 1 to 256, got \"4x\"" },
	{ "server", "workers", "04",
	  "workers: expected a whole number from 1 to 256, got \"04\"" },
	{ "server", "realm", "a\"b", "realm: 1 to 128 printable characters "
	  "without '\"' or '\\' (and without quotes around it)" },
	{ "server", "realm", "", "realm: 1 to 128 printable characters "
	  "without '\"' or '\\' (and without quotes around it)" },
	{ "server", "default", "maybe",
	  "default: expected \"deny\" or \"authenticate\", got \"maybe\"" },
	{ "server", "authz_failure", "404",
	  "authz_failure: expected 403 or 401, got \"404\"" },
	{ "server", "log", "file",
	  "log: expected \"stderr\" or \"syslog\", got \"file\"" },
	{ "server", "trusted_proxies", "a,,b",
	  "trusted_proxies: expected a comma-separated list of networks" },
	{ "server", "socket_mode", "0800",
	  "socket_mode: expected an octal mode such as 0660, got \"0800\"" },
	{ "server", "socket_mode", "-1",
	  "socket_mode: expected an octal mode such as 0660, got \"-1\"" },
	{ "hashing", "max_memory", "abc",
	  "max_memory: expected a size such as 256M, got \"abc\"" },
	{ "hashing", "opslimit", "high", "opslimit: expected interactive, "
	  "moderate or a number from 1 to 1024, got \"high\"" },
	{ "hashing", "memlimit", "4K", "memlimit: expected interactive, "
	  "moderate or a size such as 64M (at least 8K), got \"4K\"" },
	{ "throttle", "state", "", "state: expected an absolute path" },
	{ "throttle", "state", "run/t", "state: expected an absolute path" },
	{ "metrics", "textfile", "m.prom",
	  "textfile: expected an absolute path" },
	{ "server", "default", "Deny",
	  "default: expected \"deny\" or \"authenticate\", got \"Deny\"" },
};

START_TEST(test_bad)
{
	const struct bad_case	*c = &bad_cases[_i];
	char			 want[256];

	ck_assert_int_eq(set(c->section, c->key, c->value), 0);
	snprintf(want, sizeof(want), "t.ini:7: %s", c->msg);
	ck_assert_uint_eq(errs.el_count, 1);
	ck_assert_str_eq(errs.el_ents[0].ee_text, want);
}
END_TEST

/* Sections: the fixed ones, rule:NAME, and no other. */
static const struct section_case {
	const char	*section;
	int		 ok;
} section_cases[] = {
	{ "server", 1 },
	{ "hashing", 1 },
	{ "cache", 1 },
	{ "throttle", 1 },
	{ "metrics", 1 },
	{ "rule:web", 1 },
	{ "rule:", 0 },
	{ "rule:a b", 0 },
	{ "Server", 0 },
	{ "user:alice", 0 },
	{ "", 0 },
};

START_TEST(test_sections)
{
	const struct section_case *c = &section_cases[_i];

	ck_assert_int_eq(confparse_handler(&cp, c->section, NULL, NULL, 2),
	    c->ok);
	ck_assert_uint_eq(errs.el_count, c->ok ? 0 : 1);
}
END_TEST

/* Empty values that leave a setting unset rather than fail. */
START_TEST(test_empty_unset)
{
	ck_assert_int_eq(set("server", "listen", ""), 1);
	ck_assert_int_eq(set("server", "group", ""), 1);
	ck_assert_int_eq(set("server", "trusted_proxies", ""), 1);
	ck_assert_int_eq(set("metrics", "textfile", ""), 1);
	ck_assert_ptr_null(cf->cf_listen);
	ck_assert_ptr_null(cf->cf_group);
	ck_assert_ptr_null(cf->cf_trusted_proxies);
	ck_assert_ptr_null(cf->cf_metrics_textfile);
	ck_assert_uint_eq(errs.el_count, 0);
}
END_TEST

static Suite *
confparse_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("confparse");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_loop_test(tc, test_names, 0, (int)NITEMS(name_cases));
	tcase_add_test(tc, test_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_range, 0, (int)NITEMS(range_cases));
	tcase_add_loop_test(tc, test_sizes, 0, (int)NITEMS(size_cases));
	tcase_add_test(tc, test_realm_len);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad, 0, (int)NITEMS(bad_cases));
	tcase_add_loop_test(tc, test_sections, 0,
	    (int)NITEMS(section_cases));
	tcase_add_test(tc, test_empty_unset);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(confparse_suite());
}
