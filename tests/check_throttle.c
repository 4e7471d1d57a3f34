/*
 * check_throttle: the shared failure table (throttle.h): counting and
 * bans, the window, /64 grouping, the same credential counted once, the
 * victim's clean address, eviction that spares bans, sharing across
 * handles and processes, and the file's safety checks.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "throttle.h"

#define T0	1000	/* "now" of the first failure */
#define MAXF	5
#define WINDOW	60
#define BAN	300

static const struct throttle_limits lim = { MAXF, WINDOW, BAN };
static char		 dir[PATH_MAX], path[PATH_MAX + 16];
static struct throttle	*th;

static void
setup(void)
{
	const char *err = NULL;

	check_tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/table", dir);
	th = throttle_open(path, &err);
	ck_assert_msg(th != NULL, "throttle_open: %s", err);
}

static void
teardown(void)
{
	throttle_close(th);
	th = NULL;
	check_tmpdir_remove(dir);
}

static struct netaddr
addr_of(const char *text)
{
	struct netaddr a;

	ck_assert_int_eq(netaddr_parse(text, &a), 0);
	return a;
}

/* A failure of user (NULL: a token) from text (NULL: unknown) with cred. */
static void
fail_as(struct throttle *t, const char *text, const char *user,
    const char *cred, uint64_t now)
{
	struct netaddr a;

	if (text != NULL)
		a = addr_of(text);
	throttle_fail(t, &lim, text != NULL ? &a : NULL, user,
	    user != NULL ? strlen(user) : 0, cred, strlen(cred), now);
}

static unsigned
check_as(struct throttle *t, const char *text, const char *user,
    uint64_t now)
{
	struct netaddr a;

	if (text != NULL)
		a = addr_of(text);
	return throttle_check(t, &lim, text != NULL ? &a : NULL, user,
	    user != NULL ? strlen(user) : 0, now);
}

/* n different wrong passwords. */
static void
guesses(struct throttle *t, const char *text, const char *user, int n,
    uint64_t now)
{
	char	cred[32];
	int	i;

	for (i = 0; i < n; i++) {
		snprintf(cred, sizeof(cred), "guess-%d", i);
		fail_as(t, text, user, cred, now);
	}
}

/* max_failures from one address: banned, with the ban's seconds left. */
START_TEST(test_throttle_bans_at_max)
{
	guesses(th, "203.0.113.9", "alice", MAXF - 1, T0);
	ck_assert_uint_eq(check_as(th, "203.0.113.9", "alice", T0), 0);
	guesses(th, "203.0.113.9", "bob", 1, T0 + 1);
	ck_assert_uint_eq(check_as(th, "203.0.113.9", "carol", T0 + 1), BAN);
	ck_assert_uint_eq(check_as(th, "203.0.113.9", NULL, T0 + 10),
	    BAN - 9);
	/* Another address is not concerned. */
	ck_assert_uint_eq(check_as(th, "203.0.113.10", "carol", T0 + 1), 0);
	ck_assert_uint_eq(throttle_active_bans(th, T0 + 1), 1);
	/* The ban ends. */
	ck_assert_uint_eq(check_as(th, "203.0.113.9", "carol",
	    T0 + 1 + BAN - 1), 1);
	ck_assert_uint_eq(check_as(th, "203.0.113.9", "carol", T0 + 1 + BAN),
	    0);
	ck_assert_uint_eq(throttle_active_bans(th, T0 + 1 + BAN), 0);
}
END_TEST

/* Failures further apart than the window do not add up. */
START_TEST(test_throttle_window)
{
	int i;

	for (i = 0; i < 3 * MAXF; i++) {
		char cred[16];

		snprintf(cred, sizeof(cred), "g%d", i);
		/* One per window: never MAXF in one. */
		fail_as(th, "198.51.100.7", "alice", cred,
		    T0 + (uint64_t)i * WINDOW);
		ck_assert_uint_eq(check_as(th, "198.51.100.7", "zed",
		    T0 + (uint64_t)i * WINDOW), 0);
	}
	/* MAXF within one window, starting late in a window: counted. */
	guesses(th, "198.51.100.8", "alice", MAXF, T0 + WINDOW - 1);
	ck_assert_uint_gt(check_as(th, "198.51.100.8", "zed",
	    T0 + WINDOW - 1), 0);
}
END_TEST

/* The same wrong credential again counts once; another one counts. */
START_TEST(test_throttle_same_credential_once)
{
	int i;

	for (i = 0; i < 10 * MAXF; i++)
		fail_as(th, "192.0.2.1", "alice", "the-same-wrong-one", T0);
	ck_assert_uint_eq(check_as(th, "192.0.2.1", "alice", T0), 0);
	guesses(th, "192.0.2.1", "alice", MAXF - 2, T0);
	ck_assert_uint_eq(check_as(th, "192.0.2.1", "alice", T0), 0);
	guesses(th, "192.0.2.1", "alice", MAXF - 1, T0);	/* 1 new */
	ck_assert_uint_eq(check_as(th, "192.0.2.1", "alice", T0), BAN);
}
END_TEST

/* The same credential for another user, or from another address,
 * counts: each is another guess. */
START_TEST(test_throttle_same_credential_elsewhere)
{
	char	user[16];
	int	i;

	for (i = 0; i < MAXF; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		fail_as(th, "192.0.2.2", user, "Summer2026!", T0);
	}
	ck_assert_uint_eq(check_as(th, "192.0.2.2", "x", T0), BAN);
}
END_TEST

/* IPv6 counts by /64; IPv4 by the whole address. */
static const struct {
	const char	*a, *b;
	int		 same;
} group_cases[] = {
	{ "2001:db8::1",		"2001:db8::2",			1 },
	{ "2001:db8::1",		"2001:db8::ffff:ffff:ffff:1",	1 },
	{ "2001:db8:0:0:1::1",		"2001:db8::1",			1 },
	{ "2001:db8:0:1::1",		"2001:db8::1",			0 },
	{ "2001:db9::1",		"2001:db8::1",			0 },
	{ "10.0.0.1",			"10.0.0.2",			0 },
	{ "10.0.0.1",			"::ffff:10.0.0.1",		1 },
	{ "::1",			"::2",				1 },
};

START_TEST(test_throttle_grouping)
{
	guesses(th, group_cases[_i].a, "alice", MAXF, T0);
	ck_assert_uint_eq(check_as(th, group_cases[_i].b, "bob", T0) != 0,
	    group_cases[_i].same);
}
END_TEST

/*
 * A user guessed at from many addresses (none reaching max_failures on
 * its own) is under attack: refused to every address that failed on it,
 * not to a clean one, nor to other users from those addresses.
 */
START_TEST(test_throttle_victim_clean_address)
{
	char	a[32];
	int	i;

	for (i = 0; i < MAXF; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 10 + i);
		fail_as(th, a, "alice", "guess", T0);
	}
	for (i = 0; i < MAXF; i++) {
		snprintf(a, sizeof(a), "198.51.100.%d", 10 + i);
		ck_assert_uint_eq(check_as(th, a, "alice", T0 + 1), BAN - 1);
		ck_assert_uint_eq(check_as(th, a, "bob", T0 + 1), 0);
	}
	ck_assert_uint_eq(check_as(th, "203.0.113.77", "alice", T0 + 1), 0);
	/* A new attacker address gets one guess, then is refused too. */
	fail_as(th, "203.0.113.78", "alice", "guess2", T0 + 2);
	ck_assert_uint_eq(check_as(th, "203.0.113.78", "alice", T0 + 2),
	    BAN - 2);
	/* Without an address there is no telling: refused. */
	ck_assert_uint_gt(check_as(th, NULL, "alice", T0 + 2), 0);
	ck_assert_uint_eq(check_as(th, NULL, "bob", T0 + 2), 0);
}
END_TEST

/* A Bearer token names no user: the address counts it. */
START_TEST(test_throttle_tokens)
{
	guesses(th, "192.0.2.50", NULL, MAXF, T0);
	ck_assert_uint_eq(check_as(th, "192.0.2.50", NULL, T0), BAN);
	ck_assert_uint_eq(check_as(th, "192.0.2.51", NULL, T0), 0);
}
END_TEST

/* max_failures = 0 turns throttling off. */
START_TEST(test_throttle_off)
{
	static const struct throttle_limits off = { 0, WINDOW, BAN };
	struct netaddr	a = addr_of("192.0.2.60");
	int		i;

	for (i = 0; i < 100; i++)
		throttle_fail(th, &off, &a, "alice", 5, &i, sizeof(i), T0);
	ck_assert_uint_eq(throttle_check(th, &off, &a, "alice", 5, T0), 0);
	ck_assert_uint_eq(throttle_check(th, &lim, &a, "alice", 5, T0), 0);
}
END_TEST

/*
 * Many more clients than slots: the table stays bounded and working, and
 * a ban made first is still there at the end (never evicted).
 */
START_TEST(test_throttle_eviction_spares_bans)
{
	struct netaddr	a;
	unsigned	i;
	uint8_t		*b = a.na_addr;

	guesses(th, "203.0.113.200", "alice", MAXF, T0);
	ck_assert_uint_eq(check_as(th, "203.0.113.200", "x", T0), BAN);
	memset(&a, 0, sizeof(a));
	b[0] = 0x20;
	b[1] = 0x01;
	for (i = 0; i < 150000; i++) {
		memcpy(b + 4, &i, sizeof(i));	/* a /64 each */
		throttle_fail(th, &lim, &a, "u", 1, &i, sizeof(i), T0 + 1);
	}
	ck_assert_uint_eq(check_as(th, "203.0.113.200", "x", T0 + 2),
	    BAN - 2);
	/* The newest are counted. */
	for (i = 150000; i < 150000 + MAXF; i++)
		throttle_fail(th, &lim, &a, "u", 1, &i, sizeof(i), T0 + 3);
	ck_assert_uint_gt(throttle_check(th, &lim, &a, "v", 1, T0 + 3), 0);
}
END_TEST

/* Two handles on one file see one table, as two processes would. */
START_TEST(test_throttle_shared_handles)
{
	struct throttle	*other;
	const char	*err = NULL;

	ck_assert_ptr_nonnull(other = throttle_open(path, &err));
	guesses(th, "192.0.2.70", "alice", MAXF - 1, T0);
	guesses(other, "192.0.2.70", "bob", 1, T0);
	ck_assert_uint_eq(check_as(th, "192.0.2.70", "x", T0), BAN);
	throttle_close(other);
	/* Closed and opened again (a restart): the ban is still there. */
	throttle_close(th);
	ck_assert_ptr_nonnull(th = throttle_open(path, &err));
	ck_assert_uint_eq(check_as(th, "192.0.2.70", "x", T0 + 5), BAN - 5);
}
END_TEST

/* Counts made in another process are seen here. */
START_TEST(test_throttle_shared_processes)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0) {
		const char	*err;
		struct throttle	*t = throttle_open(path, &err);

		if (t == NULL)
			_exit(2);
		guesses(t, "192.0.2.80", "alice", MAXF, T0);
		throttle_close(t);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(check_as(th, "192.0.2.80", "x", T0), BAN);
}
END_TEST

/* What the table file may not be. */
START_TEST(test_throttle_unsafe_files)
{
	char		 p[PATH_MAX + 16];
	const char	*err = NULL;
	int		 fd;

	snprintf(p, sizeof(p), "%s/link", dir);
	ck_assert_int_eq(symlink(path, p), 0);
	ck_assert_ptr_null(throttle_open(p, &err));
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(unlink(p), 0);

	snprintf(p, sizeof(p), "%s/open", dir);
	ck_assert_int_ge(fd = open(p, O_CREAT | O_WRONLY, 0600), 0);
	ck_assert_int_eq(fchmod(fd, 0644), 0);
	close(fd);
	err = NULL;
	ck_assert_ptr_null(throttle_open(p, &err));
	ck_assert_ptr_nonnull(strstr(err, "others"));
	ck_assert_int_eq(chmod(p, 0600), 0);
	ck_assert_int_eq(truncate(p, 12345), 0);
	ck_assert_ptr_null(throttle_open(p, &err));
	ck_assert_ptr_nonnull(strstr(err, "version"));
	ck_assert_int_eq(unlink(p), 0);

	snprintf(p, sizeof(p), "%s", dir);
	ck_assert_ptr_null(throttle_open(p, &err));
	snprintf(p, sizeof(p), "%s/no/such/dir", dir);
	ck_assert_ptr_null(throttle_open(p, &err));
	/* Made 0600. */
	{
		struct stat st;

		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0600);
	}
}
END_TEST

/* A table left half made (its magic not written) is made again. */
START_TEST(test_throttle_half_made)
{
	const char	*err = NULL;
	int		 fd;
	char		 zero[8] = { 0 };

	guesses(th, "192.0.2.90", "alice", MAXF, T0);
	throttle_close(th);
	ck_assert_int_ge(fd = open(path, O_WRONLY), 0);
	ck_assert_int_eq(pwrite(fd, zero, sizeof(zero), 0), (ssize_t)sizeof(zero));
	close(fd);
	ck_assert_ptr_nonnull(th = throttle_open(path, &err));
	ck_assert_uint_eq(check_as(th, "192.0.2.90", "x", T0), 0);
	guesses(th, "192.0.2.90", "alice", MAXF, T0);
	ck_assert_uint_eq(check_as(th, "192.0.2.90", "x", T0), BAN);
}
END_TEST

static Suite *
throttle_suite(void)
{
	Suite	*s = suite_create("throttle");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_throttle_bans_at_max);
	tcase_add_test(tc, test_throttle_window);
	tcase_add_test(tc, test_throttle_same_credential_once);
	tcase_add_test(tc, test_throttle_same_credential_elsewhere);
	tcase_add_loop_test(tc, test_throttle_grouping, 0,
	    (int)(sizeof(group_cases) / sizeof(group_cases[0])));
	tcase_add_test(tc, test_throttle_victim_clean_address);
	tcase_add_test(tc, test_throttle_tokens);
	tcase_add_test(tc, test_throttle_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("shared");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_throttle_eviction_spares_bans);
	tcase_add_test(tc, test_throttle_shared_handles);
	tcase_add_test(tc, test_throttle_shared_processes);
	tcase_add_test(tc, test_throttle_unsafe_files);
	tcase_add_test(tc, test_throttle_half_made);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(throttle_suite());
}
