#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authcache.h"
#include "monoclock.h"

#define NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

#define TTL		60
#define T0		1000		/* "now" of the first insert */
#define HASH		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA"

static struct authcache	*cache;

static void
setup(void)
{
	ck_assert_ptr_nonnull(cache = authcache_new(1024, TTL));
}

static void
teardown(void)
{
	authcache_free(cache);
	cache = NULL;
}

static void
key_of(const struct authcache *ac, const char *user, const char *hash,
    const char *pw, uint8_t key[AUTHCACHE_KEYLEN])
{
	authcache_key(ac, user, hash, pw, strlen(pw), key);
}

/* A key per number, for filling the cache. */
static void
key_nth(const struct authcache *ac, const char *tag, size_t n,
    uint8_t key[AUTHCACHE_KEYLEN])
{
	char user[64];

	snprintf(user, sizeof(user), "%s-%zu", tag, n);
	key_of(ac, user, HASH, "secret", key);
}

START_TEST(test_authcache_insert_lookup)
{
	uint8_t key[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", key);
	ck_assert_int_eq(authcache_lookup(cache, key, T0), 0);
	authcache_insert(cache, key, T0);
	ck_assert_int_eq(authcache_lookup(cache, key, T0), 1);
	/* A lookup does not consume the entry. */
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + 1), 1);
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + 1), 1);
}
END_TEST

/* The key is a function of its input within one cache. */
START_TEST(test_authcache_key_stable)
{
	uint8_t a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", a);
	key_of(cache, "alice", HASH, "secret", b);
	ck_assert_mem_eq(a, b, AUTHCACHE_KEYLEN);
	/* Only len bytes of the password count. */
	authcache_key(cache, "alice", HASH, "secretXYZ", 6, b);
	ck_assert_mem_eq(a, b, AUTHCACHE_KEYLEN);
}
END_TEST

/* Lookups at T0 + offset after an insert at T0 with a ttl of TTL. */
static const struct {
	int64_t	offset;
	int	want;
} ttl_cases[] = {
	{ 0,		1 },
	{ 1,		1 },
	{ TTL / 2,	1 },
	{ TTL - 1,	1 },
	{ TTL,		0 },
	{ TTL + 1,	0 },
	{ 2 * TTL,	0 },
	{ 86400,	0 },
	{ -1,		0 },		/* before the insert */
	{ -T0 + 1,	0 },
};

START_TEST(test_authcache_ttl)
{
	uint8_t key[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", key);
	authcache_insert(cache, key, T0);
	ck_assert_msg(authcache_lookup(cache, key,
	    (uint64_t)(T0 + ttl_cases[_i].offset)) == ttl_cases[_i].want,
	    "lookup at +%lld: want %d", (long long)ttl_cases[_i].offset,
	    ttl_cases[_i].want);
}
END_TEST

/* Inserting again restarts the ttl. */
START_TEST(test_authcache_refresh)
{
	uint8_t key[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", key);
	authcache_insert(cache, key, T0);
	authcache_insert(cache, key, T0 + TTL - 1);
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + TTL), 1);
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + 2 * TTL - 2), 1);
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + 2 * TTL - 1), 0);
}
END_TEST

/*
 * From 3/4 of the ttl on, one hit asks its caller to verify again; the
 * others are answered meanwhile, another asks an eighth ttl later if no
 * insert came, and an insert starts the count again.
 */
#define REFRESH_AT	(TTL * 3 / 4)
#define RETRY		(TTL / 8)
START_TEST(test_authcache_refresh_ahead)
{
	uint8_t	key[AUTHCACHE_KEYLEN];
	int	refresh = -1;

	key_of(cache, "alice", HASH, "secret", key);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key, T0, &refresh), 0);
	ck_assert_int_eq(refresh, 0);
	authcache_insert(cache, key, T0);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + REFRESH_AT - 1, &refresh), 1);
	ck_assert_int_eq(refresh, 0);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key, T0 + REFRESH_AT,
	    &refresh), 1);
	ck_assert_int_eq(refresh, 1);
	/* Claimed: the others are answered from the entry. */
	ck_assert_int_eq(authcache_lookup_refresh(cache, key, T0 + REFRESH_AT,
	    &refresh), 1);
	ck_assert_int_eq(refresh, 0);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + REFRESH_AT + RETRY - 1, &refresh), 1);
	ck_assert_int_eq(refresh, 0);
	/* No insert came (a busy pool): another caller tries. */
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + REFRESH_AT + RETRY, &refresh), 1);
	ck_assert_int_eq(refresh, 1);
	/* The refresh lands: a new ttl, and quiet until its half. */
	authcache_insert(cache, key, T0 + TTL - 1);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + TTL - 1 + REFRESH_AT - 1, &refresh), 1);
	ck_assert_int_eq(refresh, 0);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + TTL - 1 + REFRESH_AT, &refresh), 1);
	ck_assert_int_eq(refresh, 1);
	/* Never past the ttl, refresh or not. */
	ck_assert_int_eq(authcache_lookup_refresh(cache, key,
	    T0 + 2 * TTL - 1, &refresh), 0);
	ck_assert_int_eq(refresh, 0);
	/* A plain lookup never claims. */
	authcache_insert(cache, key, T0);
	ck_assert_int_eq(authcache_lookup(cache, key, T0 + REFRESH_AT), 1);
	ck_assert_int_eq(authcache_lookup_refresh(cache, key, T0 + REFRESH_AT,
	    &refresh), 1);
	ck_assert_int_eq(refresh, 1);
}
END_TEST

/* A one-second ttl has no second half to refresh in. */
START_TEST(test_authcache_refresh_short_ttl)
{
	struct authcache	*ac;
	uint8_t			 key[AUTHCACHE_KEYLEN];
	int			 refresh = -1;

	ck_assert_ptr_nonnull(ac = authcache_new(16, 1));
	key_of(ac, "alice", HASH, "secret", key);
	authcache_insert(ac, key, T0);
	ck_assert_int_eq(authcache_lookup_refresh(ac, key, T0, &refresh), 1);
	ck_assert_int_eq(refresh, 0);
	ck_assert_int_eq(authcache_lookup_refresh(ac, key, T0 + 1, &refresh),
	    0);
	authcache_free(ac);
}
END_TEST

/* Forgetting drops that entry only. */
START_TEST(test_authcache_forget)
{
	uint8_t a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", a);
	key_of(cache, "bob", HASH, "secret", b);
	authcache_forget(cache, a);		/* not there: nothing */
	authcache_insert(cache, a, T0);
	authcache_insert(cache, b, T0);
	authcache_forget(cache, a);
	ck_assert_int_eq(authcache_lookup(cache, a, T0), 0);
	ck_assert_int_eq(authcache_lookup(cache, b, T0), 1);
	authcache_insert(cache, a, T0);
	ck_assert_int_eq(authcache_lookup(cache, a, T0), 1);
}
END_TEST

/*
 * Change one part of the credential: another key, and a miss, so a new
 * password, another user or a rehashed entry never rides on an old
 * success.
 */
static const struct {
	const char	*user;
	const char	*hash;
	const char	*pw;
} other_cases[] = {
	{ "bob",	HASH,	"secret" },
	{ "Alice",	HASH,	"secret" },
	{ "alice ",	HASH,	"secret" },
	{ "alic",	HASH,	"secret" },
	{ "",		HASH,	"secret" },
	{ "alice",	HASH "x",	"secret" },
	{ "alice",	"$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA",
	    "secret" },
	{ "alice",	"",	"secret" },
	{ "alice",	HASH,	"Secret" },
	{ "alice",	HASH,	"secret " },
	{ "alice",	HASH,	"secre" },
	{ "alice",	HASH,	"" },
	{ "alice",	HASH,	"secretsecret" },
};

START_TEST(test_authcache_other_credential)
{
	uint8_t base[AUTHCACHE_KEYLEN], other[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", base);
	authcache_insert(cache, base, T0);
	key_of(cache, other_cases[_i].user, other_cases[_i].hash,
	    other_cases[_i].pw, other);
	ck_assert_msg(memcmp(base, other, AUTHCACHE_KEYLEN) != 0,
	    "(%s, %s, %s) has alice's key", other_cases[_i].user,
	    other_cases[_i].hash, other_cases[_i].pw);
	ck_assert_int_eq(authcache_lookup(cache, other, T0), 0);
	ck_assert_int_eq(authcache_lookup(cache, base, T0), 1);
}
END_TEST

/* Each cache draws its own hash key: keys from one mean nothing to
 * another. */
START_TEST(test_authcache_per_cache_key)
{
	struct authcache	*other;
	uint8_t			 a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];

	ck_assert_ptr_nonnull(other = authcache_new(1024, TTL));
	key_of(cache, "alice", HASH, "secret", a);
	key_of(other, "alice", HASH, "secret", b);
	ck_assert(memcmp(a, b, AUTHCACHE_KEYLEN) != 0);
	authcache_insert(cache, a, T0);
	ck_assert_int_eq(authcache_lookup(other, b, T0), 0);
	ck_assert_int_eq(authcache_lookup(other, a, T0), 0);
	authcache_free(other);
}
END_TEST

START_TEST(test_authcache_free_null)
{
	authcache_free(NULL);
	ck_assert_ptr_null(authcache_ref(NULL));
}
END_TEST

/*
 * Two owners (two snapshots across a reload): the same cache, the same
 * hash key, so entries made through one are found through the other, and
 * after the first lets go the second still has them all.  Under ASan a
 * cache freed by the first free is a use after free here.
 */
START_TEST(test_authcache_ref_two_owners)
{
	struct authcache	*second;
	uint8_t			 a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];

	ck_assert_ptr_eq(second = authcache_ref(cache), cache);
	key_of(cache, "alice", HASH, "secret", a);
	key_of(second, "alice", HASH, "secret", b);
	ck_assert_mem_eq(a, b, AUTHCACHE_KEYLEN);
	authcache_insert(cache, a, T0);
	ck_assert_int_eq(authcache_lookup(second, b, T0 + 1), 1);

	authcache_free(cache);		/* the old snapshot goes */
	cache = second;			/* teardown drops the last one */
	ck_assert_int_eq(authcache_lookup(second, a, T0 + 2), 1);
	key_of(second, "bob", HASH, "secret", b);
	ck_assert_int_eq(authcache_lookup(second, b, T0 + 2), 0);
	authcache_insert(second, b, T0 + 2);
	ck_assert_int_eq(authcache_lookup(second, b, T0 + 3), 1);
	/* Sharing changes nothing about the ttl. */
	ck_assert_int_eq(authcache_lookup(second, a, T0 + TTL), 0);
}
END_TEST

/*
 * Many references, dropped in any order: each free but the last leaves a
 * working cache; the last one releases it (LeakSanitizer reports a count
 * that never reaches zero, ASan a free that comes too early).
 */
START_TEST(test_authcache_ref_many)
{
	struct authcache	*ac, *refs[8];
	uint8_t			 key[AUTHCACHE_KEYLEN];
	size_t			 i;

	ck_assert_ptr_nonnull(ac = authcache_new(64, TTL));
	key_of(ac, "alice", HASH, "secret", key);
	authcache_insert(ac, key, T0);
	for (i = 0; i < 8; i++)
		ck_assert_ptr_eq(refs[i] = authcache_ref(ac), ac);
	authcache_free(ac);		/* the creator first */
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(authcache_lookup(refs[i], key, T0), 1);
		authcache_free(refs[i]);
	}
}
END_TEST

/* A size whose set count would overflow is refused, not looped on. */
START_TEST(test_authcache_absurd_size)
{
	ck_assert_ptr_null(authcache_new(SIZE_MAX, TTL));
}
END_TEST

/* The monotonic clock never gives 0, which marks an empty entry. */
START_TEST(test_authcache_now)
{
	uint64_t	a, b;
	uint8_t		key[AUTHCACHE_KEYLEN];

	a = monoclock_now();
	b = monoclock_now();
	ck_assert_uint_gt(a, 0);
	ck_assert_uint_ge(b, a);
	key_of(cache, "alice", HASH, "secret", key);
	authcache_insert(cache, key, a);
	ck_assert_int_eq(authcache_lookup(cache, key, monoclock_now()), 1);
}
END_TEST

/*
 * Four times more keys than entries: no crash, never more hits than
 * entries, and the last key in is found (4-way sets evict the oldest).
 */
START_TEST(test_authcache_overfill)
{
	static const size_t	 sizes[] = { 0, 1, 4, 5, 64, 1000, 4096 };
	struct authcache	*ac;
	uint8_t			 key[AUTHCACHE_KEYLEN];
	size_t			 entries = sizes[_i], cap, n, i, hits = 0;

	ck_assert_ptr_nonnull(ac = authcache_new(entries, TTL));
	/* Rounded up to a power of two, and at least one 4-way set. */
	for (cap = 4; cap < entries; cap <<= 1)
		continue;
	n = 4 * cap;
	for (i = 0; i < n; i++) {
		key_nth(ac, "fill", i, key);
		authcache_insert(ac, key, T0 + i / 16);
	}
	ck_assert_int_eq(authcache_lookup(ac, key, T0 + n / 16), 1);
	for (i = 0; i < n; i++) {
		key_nth(ac, "fill", i, key);
		hits += (size_t)authcache_lookup(ac, key, T0 + n / 16);
	}
	ck_assert_uint_le(hits, cap);
	ck_assert_uint_gt(hits, 0);
	/* None of another run of keys is found. */
	for (i = 0; i < n; i++) {
		key_nth(ac, "never", i, key);
		ck_assert_int_eq(authcache_lookup(ac, key, T0 + n / 16), 0);
	}
	authcache_free(ac);
}
END_TEST

/* One set of four ways: four keys fit, a fifth evicts the oldest. */
START_TEST(test_authcache_one_set)
{
	struct authcache	*ac;
	uint8_t			 k[6][AUTHCACHE_KEYLEN];
	size_t			 i;

	ck_assert_ptr_nonnull(ac = authcache_new(4, TTL));
	for (i = 0; i < 6; i++)
		key_nth(ac, "set", i, k[i]);
	for (i = 0; i < 4; i++)
		authcache_insert(ac, k[i], T0 + i);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(authcache_lookup(ac, k[i], T0 + 4), 1);
	/* k0 refreshed, so k1 is now the oldest. */
	authcache_insert(ac, k[0], T0 + 4);
	authcache_insert(ac, k[4], T0 + 5);
	ck_assert_int_eq(authcache_lookup(ac, k[0], T0 + 5), 1);
	ck_assert_int_eq(authcache_lookup(ac, k[1], T0 + 5), 0);
	ck_assert_int_eq(authcache_lookup(ac, k[2], T0 + 5), 1);
	ck_assert_int_eq(authcache_lookup(ac, k[3], T0 + 5), 1);
	ck_assert_int_eq(authcache_lookup(ac, k[4], T0 + 5), 1);
	ck_assert_int_eq(authcache_lookup(ac, k[5], T0 + 5), 0);
	authcache_free(ac);
}
END_TEST

/* ttl 0 turns the cache off: nothing is ever found. */
START_TEST(test_authcache_ttl_zero)
{
	struct authcache	*ac;
	uint8_t			 key[AUTHCACHE_KEYLEN];

	ck_assert_ptr_nonnull(ac = authcache_new(1024, 0));
	key_of(ac, "alice", HASH, "secret", key);
	authcache_insert(ac, key, T0);
	ck_assert_int_eq(authcache_lookup(ac, key, T0), 0);
	ck_assert_int_eq(authcache_lookup(ac, key, T0 + 1), 0);
	authcache_free(ac);
}
END_TEST

/* Clock values near the top of the range: no overflow in the ttl test. */
START_TEST(test_authcache_clock_edges)
{
	uint8_t		key[AUTHCACHE_KEYLEN];
	uint64_t	top = UINT64_MAX - 10;

	key_of(cache, "alice", HASH, "secret", key);
	authcache_insert(cache, key, top);
	ck_assert_int_eq(authcache_lookup(cache, key, top), 1);
	ck_assert_int_eq(authcache_lookup(cache, key, UINT64_MAX), 1);
	ck_assert_int_eq(authcache_lookup(cache, key, top - 1), 0);
	ck_assert_int_eq(authcache_lookup(cache, key, top - TTL), 0);
}
END_TEST

/* Long credentials hash like short ones. */
START_TEST(test_authcache_long_input)
{
	char	*big;
	uint8_t	 a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];
	size_t	 n = 1 << 16;

	ck_assert_ptr_nonnull(big = malloc(n + 1));
	memset(big, 'x', n);
	big[n] = '\0';
	authcache_key(cache, big, big, big, n, a);
	authcache_insert(cache, a, T0);
	ck_assert_int_eq(authcache_lookup(cache, a, T0), 1);
	big[n - 1] = 'y';
	authcache_key(cache, big, big, big, n, b);
	ck_assert(memcmp(a, b, AUTHCACHE_KEYLEN) != 0);
	ck_assert_int_eq(authcache_lookup(cache, b, T0), 0);
	free(big);
}
END_TEST

/*
 * The parts are separated: moving a byte across a boundary makes another
 * key, so "ab" + "c" never stands for "a" + "bc".
 */
static const struct {
	const char	*u1, *h1, *p1;
	size_t		 l1;
	const char	*u2, *h2, *p2;
	size_t		 l2;
} split_cases[] = {
	{ "ab", "c", "pw", 2,		"a", "bc", "pw", 2 },
	{ "u", "hx", "y", 1,		"u", "h", "xy", 2 },
	{ "a", "", "b", 1,		"", "a", "b", 1 },
	{ "", "", "ab", 2,		"a", "", "b", 1 },
	{ "", "", "ab", 2,		"", "a", "b", 1 },
	{ "alice", HASH, "pw", 2,	"alice" HASH, "", "pw", 2 },
	{ "u", "h", "a\0b", 3,		"u", "h", "a", 1 },
	{ "u", "h", "a\0", 2,		"u", "h", "a", 1 },
	{ "u", "h", "\0", 1,		"u", "h", "", 0 },
	{ "u", "h\0", "", 0,		"u", "h", "\0", 1 },
};

START_TEST(test_authcache_separator)
{
	uint8_t a[AUTHCACHE_KEYLEN], b[AUTHCACHE_KEYLEN];

	authcache_key(cache, split_cases[_i].u1, split_cases[_i].h1,
	    split_cases[_i].p1, split_cases[_i].l1, a);
	authcache_key(cache, split_cases[_i].u2, split_cases[_i].h2,
	    split_cases[_i].p2, split_cases[_i].l2, b);
	ck_assert(memcmp(a, b, AUTHCACHE_KEYLEN) != 0);
	authcache_insert(cache, a, T0);
	ck_assert_int_eq(authcache_lookup(cache, b, T0), 0);
}
END_TEST

/*
 * Keys never inserted miss in a fresh cache, including the all-zero key
 * that empty entries hold and the all-ones key.
 */
START_TEST(test_authcache_empty_cache)
{
	uint8_t	key[AUTHCACHE_KEYLEN];
	int	i;

	memset(key, 0, sizeof(key));
	ck_assert_int_eq(authcache_lookup(cache, key, T0), 0);
	ck_assert_int_eq(authcache_lookup(cache, key, 1), 0);
	ck_assert_int_eq(authcache_lookup(cache, key, UINT64_MAX), 0);
	memset(key, 0xff, sizeof(key));
	ck_assert_int_eq(authcache_lookup(cache, key, T0), 0);
	for (i = 0; i < 1000; i++) {
		randombytes_buf(key, sizeof(key));
		ck_assert_int_eq(authcache_lookup(cache, key, T0), 0);
	}
}
END_TEST

/* A key that differs from a stored one in a single bit misses. */
START_TEST(test_authcache_one_bit)
{
	uint8_t key[AUTHCACHE_KEYLEN], flipped[AUTHCACHE_KEYLEN];

	key_of(cache, "alice", HASH, "secret", key);
	authcache_insert(cache, key, T0);
	memcpy(flipped, key, sizeof(key));
	flipped[_i / 8] ^= (uint8_t)(1u << (_i % 8));
	ck_assert_int_eq(authcache_lookup(cache, flipped, T0), 0);
	ck_assert_int_eq(authcache_lookup(cache, key, T0), 1);
}
END_TEST

#define THREADS		4
#define THREAD_OPS	10000

struct worker {
	struct authcache	*w_cache;
	int			 w_id;
	size_t			 w_hits;
	size_t			 w_false_hits;
};

/* Insert a key and look it up again; look up one that was never in. */
static void *
worker_run(void *arg)
{
	struct worker	*w = arg;
	uint8_t		 key[AUTHCACHE_KEYLEN];
	char		 tag[32];
	size_t		 i;
	uint64_t	 now;

	for (i = 0; i < THREAD_OPS; i++) {
		now = T0 + i / 100;
		snprintf(tag, sizeof(tag), "in%d", w->w_id);
		key_nth(w->w_cache, tag, i, key);
		authcache_insert(w->w_cache, key, now);
		w->w_hits += (size_t)authcache_lookup(w->w_cache, key, now);
		snprintf(tag, sizeof(tag), "out%d", w->w_id);
		key_nth(w->w_cache, tag, i, key);
		w->w_false_hits += (size_t)authcache_lookup(w->w_cache, key,
		    now);
	}
	return NULL;
}

/*
 * The creator lets go while threads still use the cache, each through
 * its own reference, as request threads hold an old snapshot after a
 * reload: the last thread to finish frees it.
 */
static void *
worker_run_release(void *arg)
{
	struct worker *w = arg;

	worker_run(w);
	authcache_free(w->w_cache);
	return NULL;
}

START_TEST(test_authcache_ref_threads)
{
	struct authcache	*ac;
	struct worker		 w[THREADS];
	pthread_t		 tid[THREADS];
	int			 i;

	ck_assert_ptr_nonnull(ac = authcache_new(65536, TTL));
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].w_cache = authcache_ref(ac);
		w[i].w_id = i;
	}
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&tid[i], NULL,
		    worker_run_release, &w[i]), 0);
	authcache_free(ac);
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
	for (i = 0; i < THREADS; i++) {
		ck_assert_uint_eq(w[i].w_false_hits, 0);
		ck_assert_uint_ge(w[i].w_hits, THREAD_OPS * 99 / 100);
	}
}
END_TEST

START_TEST(test_authcache_threads)
{
	struct authcache	*ac;
	struct worker		 w[THREADS];
	pthread_t		 tid[THREADS];
	uint8_t			 key[AUTHCACHE_KEYLEN];
	char			 tag[32];
	int			 i;

	ck_assert_ptr_nonnull(ac = authcache_new(65536, TTL));
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].w_cache = ac;
		w[i].w_id = i;
		ck_assert_int_eq(pthread_create(&tid[i], NULL, worker_run,
		    &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
	for (i = 0; i < THREADS; i++) {
		ck_assert_uint_eq(w[i].w_false_hits, 0);
		/*
		 * Another thread can evict a key between its insert and
		 * lookup only by filling that set in the meantime: rare,
		 * so nearly every lookup hits.
		 */
		ck_assert_uint_ge(w[i].w_hits, THREAD_OPS * 99 / 100);
		snprintf(tag, sizeof(tag), "in%d", i);
		key_nth(ac, tag, THREAD_OPS - 1, key);
		ck_assert_int_eq(authcache_lookup(ac, key,
		    T0 + (THREAD_OPS - 1) / 100), 1);
	}
	authcache_free(ac);
}
END_TEST

static Suite *
authcache_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("authcache");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_authcache_insert_lookup);
	tcase_add_test(tc, test_authcache_key_stable);
	tcase_add_loop_test(tc, test_authcache_ttl, 0, NITEMS(ttl_cases));
	tcase_add_test(tc, test_authcache_refresh);
	tcase_add_test(tc, test_authcache_refresh_ahead);
	tcase_add_test(tc, test_authcache_refresh_short_ttl);
	tcase_add_test(tc, test_authcache_forget);
	tcase_add_loop_test(tc, test_authcache_other_credential, 0,
	    NITEMS(other_cases));
	tcase_add_test(tc, test_authcache_per_cache_key);
	tcase_add_test(tc, test_authcache_free_null);
	tcase_add_test(tc, test_authcache_ref_two_owners);
	tcase_add_test(tc, test_authcache_ref_many);
	tcase_add_test(tc, test_authcache_absurd_size);
	tcase_add_test(tc, test_authcache_now);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_authcache_overfill, 0, 7);
	tcase_add_test(tc, test_authcache_one_set);
	tcase_add_test(tc, test_authcache_ttl_zero);
	tcase_add_test(tc, test_authcache_clock_edges);
	tcase_add_test(tc, test_authcache_long_input);
	tcase_add_test(tc, test_authcache_threads);
	tcase_add_test(tc, test_authcache_ref_threads);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_authcache_separator, 0,
	    NITEMS(split_cases));
	tcase_add_test(tc, test_authcache_empty_cache);
	tcase_add_loop_test(tc, test_authcache_one_bit, 0,
	    AUTHCACHE_KEYLEN * 8);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(authcache_suite());
}
