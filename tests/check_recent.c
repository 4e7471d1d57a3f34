/*
 * check_recent: the recent successes (recent.h): a tag matches its own
 * credential only, for its lifetime; a user's tags are dropped together;
 * the set holds no more than its size, the oldest giving way.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "recent.h"

#define LIFE		480		/* seconds a tag counts */
#define T0		1000		/* "now" of the first insert */
#define HASH		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA"
#define HASH2		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$b3RoZXI"

static struct recent	*rc;

static void
setup(void)
{
	ck_assert_ptr_nonnull(rc = recent_new(1024));
}

static void
teardown(void)
{
	recent_free(rc);
	rc = NULL;
}

static void
key_of(const struct recent *r, const char *user, const char *hash,
    const char *pw, struct recent_key *rk)
{
	recent_key(r, user, hash, pw, strlen(pw), rk);
}

static int
lookup(const char *user, const char *hash, const char *pw, uint64_t now)
{
	struct recent_key rk;

	key_of(rc, user, hash, pw, &rk);
	return recent_lookup(rc, &rk, now, LIFE);
}

static void
insert(const char *user, const char *hash, const char *pw, uint64_t now)
{
	struct recent_key rk;

	key_of(rc, user, hash, pw, &rk);
	recent_insert(rc, &rk, now);
}

/*
 * A success is found again; nothing else is: not a wrong password, not
 * the same password for another user or under another stored hash (a
 * changed password), not an empty password.
 */
static const struct {
	const char	*user, *hash, *pw;
	int		 want;
} match_cases[] = {
	{ "alice",	HASH,	"secret",	1 },
	{ "alice",	HASH,	"secreT",	0 },
	{ "alice",	HASH,	"secret ",	0 },
	{ "alice",	HASH,	"",		0 },
	{ "alice",	HASH2,	"secret",	0 },
	{ "bob",	HASH,	"secret",	0 },
	{ "alicesecret", HASH,	"",		0 },	/* no shifted bytes */
	{ "Alice",	HASH,	"secret",	0 },
};

START_TEST(test_recent_match)
{
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0), 0);
	insert("alice", HASH, "secret", T0);
	ck_assert_msg(lookup(match_cases[_i].user, match_cases[_i].hash,
	    match_cases[_i].pw, T0 + 1) == match_cases[_i].want,
	    "%s/%s: want %d", match_cases[_i].user, match_cases[_i].pw,
	    match_cases[_i].want);
	/* A lookup, hit or miss, changes nothing. */
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0 + 2), 1);
	ck_assert_uint_eq(recent_count(rc, T0 + 2, LIFE), 1);
}
END_TEST

/* The key depends on its input only, and only len bytes of password. */
START_TEST(test_recent_key_stable)
{
	struct recent_key a, b;

	key_of(rc, "alice", HASH, "secret", &a);
	key_of(rc, "alice", HASH, "secret", &b);
	ck_assert_mem_eq(a.rk_tag, b.rk_tag, RECENT_TAGLEN);
	ck_assert_uint_eq(a.rk_user, b.rk_user);
	recent_key(rc, "alice", HASH, "secretXYZ", 6, &b);
	ck_assert_mem_eq(a.rk_tag, b.rk_tag, RECENT_TAGLEN);
	/* The user's digest does not depend on the password. */
	key_of(rc, "alice", HASH2, "other", &b);
	ck_assert_uint_eq(a.rk_user, b.rk_user);
	ck_assert_mem_ne(a.rk_tag, b.rk_tag, RECENT_TAGLEN);
}
END_TEST

/* Each set has keys of its own: its tags say nothing of another's. */
START_TEST(test_recent_keyed)
{
	struct recent		*other;
	struct recent_key	 a, b;

	ck_assert_ptr_nonnull(other = recent_new(1024));
	key_of(rc, "alice", HASH, "secret", &a);
	key_of(other, "alice", HASH, "secret", &b);
	ck_assert_mem_ne(a.rk_tag, b.rk_tag, RECENT_TAGLEN);
	ck_assert_uint_ne(a.rk_user, b.rk_user);
	recent_insert(rc, &a, T0);
	ck_assert_int_eq(recent_lookup(other, &b, T0, LIFE), 0);
	recent_free(other);
}
END_TEST

/* Lookups at T0 + offset after an insert at T0, lifetime LIFE. */
static const struct {
	int64_t	offset;
	int	want;
} life_cases[] = {
	{ 0,		1 },
	{ 1,		1 },
	{ LIFE - 1,	1 },
	{ LIFE,		0 },
	{ LIFE + 1,	0 },
	{ 86400,	0 },
	{ -1,		0 },		/* before the insert */
};

START_TEST(test_recent_lifetime)
{
	struct recent_key rk;

	key_of(rc, "alice", HASH, "secret", &rk);
	recent_insert(rc, &rk, T0);
	ck_assert_msg(recent_lookup(rc, &rk,
	    (uint64_t)(T0 + life_cases[_i].offset), LIFE) ==
	    life_cases[_i].want, "lookup at %+lld: want %d",
	    (long long)life_cases[_i].offset, life_cases[_i].want);
}
END_TEST

/* Inserting again restarts the lifetime, in the same place. */
START_TEST(test_recent_insert_again)
{
	insert("alice", HASH, "secret", T0);
	insert("alice", HASH, "secret", T0 + LIFE - 1);
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0 + LIFE), 1);
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0 + 2 * LIFE - 2),
	    1);
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0 + 2 * LIFE - 1),
	    0);
	ck_assert_uint_eq(recent_count(rc, T0 + LIFE, LIFE), 1);
}
END_TEST

/*
 * recent_forget drops one credential's tag; recent_forget_user drops
 * every tag of one user (here under two stored hashes, as before and
 * after a change of password) and no one else's.
 */
START_TEST(test_recent_forget)
{
	struct recent_key rk;

	insert("alice", HASH, "secret", T0);
	insert("alice", HASH2, "new secret", T0);
	insert("bob", HASH, "secret", T0);
	insert("alice2", HASH, "secret", T0);
	ck_assert_uint_eq(recent_count(rc, T0, LIFE), 4);
	key_of(rc, "bob", HASH, "secret", &rk);
	recent_forget(rc, &rk);
	ck_assert_int_eq(lookup("bob", HASH, "secret", T0), 0);
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0), 1);
	recent_forget_user(rc, "alice", 5);
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0), 0);
	ck_assert_int_eq(lookup("alice", HASH2, "new secret", T0), 0);
	ck_assert_int_eq(lookup("alice2", HASH, "secret", T0), 1);
	ck_assert_uint_eq(recent_count(rc, T0, LIFE), 1);
	/* Nothing to drop is fine. */
	recent_forget_user(rc, "nobody", 6);
	recent_forget(rc, &rk);
	ck_assert_uint_eq(recent_count(rc, T0, LIFE), 1);
}
END_TEST

/*
 * Bounded: the smallest set holds four tags; a fifth success takes the
 * place of the oldest, and the others stay.
 */
START_TEST(test_recent_evicts_oldest)
{
	char	user[16];
	int	i;

	recent_free(rc);
	ck_assert_ptr_nonnull(rc = recent_new(1));
	for (i = 0; i < 5; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		insert(user, HASH, "secret", T0 + i);
		ck_assert_uint_eq(recent_count(rc, T0 + i, LIFE),
		    i < 4 ? (size_t)i + 1 : 4);
	}
	ck_assert_int_eq(lookup("user0", HASH, "secret", T0 + 5), 0);
	for (i = 1; i < 5; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		ck_assert_msg(lookup(user, HASH, "secret", T0 + 5) == 1,
		    "%s was evicted", user);
	}
	/* A success again is no new tag: not even the oldest gives way. */
	insert("user3", HASH, "secret", T0 + 6);
	for (i = 1; i < 5; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		ck_assert_msg(lookup(user, HASH, "secret", T0 + 6) == 1,
		    "%s was evicted", user);
	}
}
END_TEST

/* However many succeed, the set holds at most its size, rounded up. */
START_TEST(test_recent_bounded)
{
	struct recent_key	 rk;
	char			 user[32];
	size_t			 i, n;

	recent_free(rc);
	ck_assert_ptr_nonnull(rc = recent_new(1000));
	for (i = 0; i < 20000; i++) {
		snprintf(user, sizeof(user), "user%zu", i);
		key_of(rc, user, HASH, "secret", &rk);
		recent_insert(rc, &rk, T0);
	}
	n = recent_count(rc, T0, LIFE);
	ck_assert_uint_le(n, 1024);
	/* Spread over the sets: most places are taken. */
	ck_assert_uint_ge(n, 900);
	/* The last one is there. */
	ck_assert_int_eq(recent_lookup(rc, &rk, T0, LIFE), 1);
}
END_TEST

/* A reference keeps the set; the last free wipes it; NULL is fine. */
START_TEST(test_recent_refs)
{
	struct recent *r2;

	ck_assert_ptr_null(recent_ref(NULL));
	recent_free(NULL);
	insert("alice", HASH, "secret", T0);
	ck_assert_ptr_eq(r2 = recent_ref(rc), rc);
	recent_free(rc);
	rc = r2;
	ck_assert_int_eq(lookup("alice", HASH, "secret", T0), 1);
}
END_TEST

static Suite *
recent_suite(void)
{
	Suite	*s = suite_create("recent");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_recent_match, 0, NITEMS(match_cases));
	tcase_add_test(tc, test_recent_key_stable);
	tcase_add_test(tc, test_recent_keyed);
	tcase_add_loop_test(tc, test_recent_lifetime, 0, NITEMS(life_cases));
	tcase_add_test(tc, test_recent_insert_again);
	tcase_add_test(tc, test_recent_forget);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_recent_evicts_oldest);
	tcase_add_test(tc, test_recent_bounded);
	tcase_add_test(tc, test_recent_refs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(recent_suite());
}
