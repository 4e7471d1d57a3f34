/*
 * check_hashpool: verifications on the pool's threads, the in-flight cap
 * (past it: -1 at once, nothing verified), the places reserved for
 * recent credentials, and the threads' priority.
 */
#include "config.h"
#include "check_common.h"

#include <sys/resource.h>

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "defaults.h"
#include "hashpool.h"
#include "monoclock.h"

#define PW	"correct horse"
/* Slow enough that a second submission lands while the first runs. */
#define SLOW_OPS	3
#define SLOW_MEM	(32U * 1024 * 1024)

static char fast_hash[crypto_pwhash_STRBYTES];
static char slow_hash[crypto_pwhash_STRBYTES];
static char scrypt_hash[crypto_pwhash_scryptsalsa208sha256_STRBYTES];

static void
make_hashes(void)
{
	if (fast_hash[0] != '\0')
		return;
	ck_assert_int_eq(crypto_pwhash_str_alg(fast_hash, PW, strlen(PW), 1,
	    8192 * 1024, crypto_pwhash_ALG_ARGON2ID13), 0);
	ck_assert_int_eq(crypto_pwhash_str_alg(slow_hash, PW, strlen(PW),
	    SLOW_OPS, SLOW_MEM, crypto_pwhash_ALG_ARGON2ID13), 0);
	ck_assert_int_eq(crypto_pwhash_scryptsalsa208sha256_str(scrypt_hash, PW,
	    strlen(PW), crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN,
	    crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN), 0);
}

/* Ten times slow_hash's work, for one that must outlast another. */
static void
make_slower_hash(char out[crypto_pwhash_STRBYTES])
{
	ck_assert_int_eq(crypto_pwhash_str_alg(out, PW, strlen(PW),
	    SLOW_OPS * 10, SLOW_MEM, crypto_pwhash_ALG_ARGON2ID13), 0);
}

static const struct {
	const char	*pw;
	int		 want;
} verify_cases[] = {
	{ PW, 1 },
	{ "correct horsE", 0 },
	{ "", 0 },
	{ "correct horse ", 0 },
	{ "correct", 0 },
};

/*
 * How long the verification itself ran: more than nothing, and no more
 * than the whole call took around it (which also waited for a thread).
 */
START_TEST(test_hashpool_ran_ns)
{
	struct hashpool	*hp;
	uint64_t	 before, after, ran = 0;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	before = monoclock_ns();
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, verify_cases[_i].pw,
	    strlen(verify_cases[_i].pw), &ran), verify_cases[_i].want);
	after = monoclock_ns();
	ck_assert_uint_gt(ran, 0);
	ck_assert_uint_le(ran, after - before);
	hashpool_free(hp);
}
END_TEST

START_TEST(test_hashpool_verify)
{
	struct hashpool *hp;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(2, 2));
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, verify_cases[_i].pw,
	    strlen(verify_cases[_i].pw), NULL), verify_cases[_i].want);
	ck_assert_int_eq(hashpool_verify(hp, scrypt_hash, verify_cases[_i].pw,
	    strlen(verify_cases[_i].pw), NULL), verify_cases[_i].want);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	hashpool_free(hp);
}
END_TEST

/* Fail closed on strings that are not hashes. */
static const char *const bad_hashes[] = {
	"",
	"$argon2id$",
	"$argon2id$v=19$m=8192,t=1,p=1$",
	"$2y$10$abcdefghijklmnopqrstuu",
	"$7$",
	"plaintext",
};

START_TEST(test_hashpool_bad_hash)
{
	struct hashpool *hp;

	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	ck_assert_int_eq(hashpool_verify(hp, bad_hashes[_i], PW, strlen(PW), NULL),
	    0);
	hashpool_free(hp);
}
END_TEST

struct slow_arg {
	struct hashpool	*sa_hp;
	const char	*sa_pw;	/* NULL: PW */
	int		 sa_rc;
};

static void *
slow_verify(void *arg)
{
	struct slow_arg *sa = arg;
	const char	*pw = sa->sa_pw != NULL ? sa->sa_pw : PW;

	sa->sa_rc = hashpool_verify(sa->sa_hp, slow_hash, pw, strlen(pw), NULL);
	return NULL;
}

static void
wait_inflight(struct hashpool *hp, unsigned n)
{
	struct timespec ts = { 0, 1000 * 1000 };
	int		i;

	for (i = 0; i < 5000 && hashpool_inflight(hp) < n; i++)
		nanosleep(&ts, NULL);
	ck_assert_uint_ge(hashpool_inflight(hp), n);
}

/* Past max_inflight a verification is refused at once, whatever else
 * is going on, and the pool recovers when the others finish. */
START_TEST(test_hashpool_full)
{
	struct hashpool	*hp;
	struct slow_arg	 a = { NULL, NULL, -2 }, b = { NULL, "wrong", -2 };
	pthread_t	 ta, tb;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	a.sa_hp = b.sa_hp = hp;
	ck_assert_int_eq(pthread_create(&ta, NULL, slow_verify, &a), 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, slow_verify, &b), 0);
	wait_inflight(hp, 2);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL), -1);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, "x", 1, NULL), -1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.sa_rc, 1);
	ck_assert_int_eq(b.sa_rc, 0);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL), 1);
	hashpool_free(hp);
}
END_TEST

/* A cap of one: the second concurrent verification is refused. */
START_TEST(test_hashpool_cap_one)
{
	struct hashpool	*hp;
	struct slow_arg	 a = { NULL, NULL, -2 };
	pthread_t	 ta;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	a.sa_hp = hp;
	ck_assert_int_eq(pthread_create(&ta, NULL, slow_verify, &a), 0);
	wait_inflight(hp, 1);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL), -1);
	pthread_join(ta, NULL);
	ck_assert_int_eq(a.sa_rc, 1);
	hashpool_free(hp);
}
END_TEST

/*
 * The same credentials verified by many requests at once (a page's
 * parallel requests, an expired cache entry) share one verification: no
 * -1 for them, one slot used, the same answer for all.
 */
START_TEST(test_hashpool_shared)
{
	struct hashpool	*hp;
	struct slow_arg	 a[4];
	pthread_t	 t[4];
	int		 i;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	for (i = 0; i < 4; i++) {
		a[i].sa_hp = hp;
		a[i].sa_pw = i == 3 ? "wrong" : NULL;
		a[i].sa_rc = -2;
	}
	ck_assert_int_eq(pthread_create(&t[0], NULL, slow_verify, &a[0]), 0);
	wait_inflight(hp, 1);
	for (i = 1; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, slow_verify,
		    &a[i]), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(a[0].sa_rc, 1);
	ck_assert_int_eq(a[1].sa_rc, 1);
	ck_assert_int_eq(a[2].sa_rc, 1);
	/* Different credentials take a slot of their own: none was free. */
	ck_assert(a[3].sa_rc == -1 || a[3].sa_rc == 0);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	hashpool_free(hp);
}
END_TEST

/* The wait hooks' calls: begins and ends, and those under way. */
static atomic_int	hook_begins, hook_ends, hook_now;

static void
hook_begin(void *arg)
{
	ck_assert_ptr_eq(arg, &hook_begins);
	atomic_fetch_add(&hook_begins, 1);
	atomic_fetch_add(&hook_now, 1);
}

static void
hook_end(void *arg)
{
	ck_assert_ptr_eq(arg, &hook_begins);
	atomic_fetch_add(&hook_ends, 1);
	atomic_fetch_sub(&hook_now, 1);
}

/*
 * Every request that waits, for its own verification or for one it
 * shares, says so before and after (crew.h gives its place away
 * meanwhile); a refused one does not.  The slow verification's two
 * sharers most likely come while it runs; if not, they wait for runs of
 * their own, and say so all the same.
 */
START_TEST(test_hashpool_wait_hooks)
{
	struct hashpool	*hp;
	struct slow_arg	 a[3];
	pthread_t	 t[3];
	int		 i;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	hashpool_set_wait_hooks(hp, hook_begin, hook_end, &hook_begins);
	for (i = 0; i < 3; i++) {
		a[i].sa_hp = hp;
		a[i].sa_pw = NULL;
		a[i].sa_rc = -2;
	}
	ck_assert_int_eq(pthread_create(&t[0], NULL, slow_verify, &a[0]), 0);
	wait_inflight(hp, 1);
	for (i = 1; i < 3; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, slow_verify,
		    &a[i]), 0);
	/* Refused: the one place is taken, by other credentials. */
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, "x", 1, NULL), -1);
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(a[i].sa_rc, 1);
	}
	ck_assert_int_eq(atomic_load(&hook_begins), 3);
	ck_assert_int_eq(atomic_load(&hook_ends), 3);
	ck_assert_int_eq(atomic_load(&hook_now), 0);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL), 1);
	ck_assert_int_eq(atomic_load(&hook_begins), 4);
	ck_assert_int_eq(atomic_load(&hook_ends), 4);
	hashpool_free(hp);
}
END_TEST

/* What a renewal's done callback saw: its result and its turn. */
struct renewal_seen {
	int	rs_result;	/* -2: not called yet */
	int	rs_calls;
	int	rs_seq;
};

static pthread_mutex_t	seen_lock = PTHREAD_MUTEX_INITIALIZER;
static int		seen_seq;

static void
renewal_done(void *arg, int result)
{
	struct renewal_seen *rs = arg;

	pthread_mutex_lock(&seen_lock);
	rs->rs_result = result;
	rs->rs_calls++;
	rs->rs_seq = seen_seq++;
	pthread_mutex_unlock(&seen_lock);
}

static int
renewal_calls(const struct renewal_seen *rs, int n)
{
	int i, calls = 0;

	pthread_mutex_lock(&seen_lock);
	for (i = 0; i < n; i++)
		calls += rs[i].rs_calls;
	pthread_mutex_unlock(&seen_lock);
	return calls;
}

/* A verification on a thread of its own, reserved or not, and its turn. */
struct turn_arg {
	struct hashpool	*ta_hp;
	const char	*ta_hash;
	const char	*ta_pw;
	int		 ta_reserved;
	int		 ta_rc;
	int		 ta_seq;
};

static void *
turn_verify(void *arg)
{
	struct turn_arg *ta = arg;

	if (ta->ta_reserved)
		ta->ta_rc = hashpool_verify_reserved(ta->ta_hp, ta->ta_hash,
		    ta->ta_pw, strlen(ta->ta_pw), NULL);
	else
		ta->ta_rc = hashpool_verify(ta->ta_hp, ta->ta_hash, ta->ta_pw,
		    strlen(ta->ta_pw), NULL);
	pthread_mutex_lock(&seen_lock);
	ta->ta_seq = seen_seq++;
	pthread_mutex_unlock(&seen_lock);
	return NULL;
}

/*
 * Every place among max_inflight taken (one running, one queued, on one
 * thread): a verification is refused, but a reserved one is taken,
 * verified in full (the right password 1, a wrong one 0: the place buys
 * a turn, never an answer), and run before the verification queued
 * ahead of it.  HASHPOOL_RESERVED(2) is one: a second reserved one,
 * for other credentials, is refused while the first holds its place.
 */
START_TEST(test_hashpool_reserved)
{
	static const char *const pws[] = { PW, "wrong" };
	struct hashpool	*hp;
	struct turn_arg	 a, b, c;
	pthread_t	 ta, tb, tc;

	make_hashes();
	ck_assert_uint_eq(HASHPOOL_RESERVED(2), 1);
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	memset(&a, 0, sizeof(a));
	a.ta_hp = hp;
	a.ta_hash = slow_hash;
	b = c = a;
	a.ta_pw = "first";
	b.ta_pw = "second";
	c.ta_hash = fast_hash;
	c.ta_pw = pws[_i];
	c.ta_reserved = 1;
	ck_assert_int_eq(pthread_create(&ta, NULL, turn_verify, &a), 0);
	wait_inflight(hp, 1);
	ck_assert_int_eq(pthread_create(&tb, NULL, turn_verify, &b), 0);
	wait_inflight(hp, 2);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL),
	    -1);
	ck_assert_int_eq(pthread_create(&tc, NULL, turn_verify, &c), 0);
	wait_inflight(hp, 3);
	ck_assert_int_eq(hashpool_verify_reserved(hp, fast_hash, "other", 5,
	    NULL), -1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	ck_assert_int_eq(a.ta_rc, 0);
	ck_assert_int_eq(b.ta_rc, 0);
	ck_assert_int_eq(c.ta_rc, _i == 0 ? 1 : 0);
	ck_assert_msg(c.ta_seq < b.ta_seq, "the reserved verification ran "
	    "after one queued before it (%d, %d)", c.ta_seq, b.ta_seq);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	hashpool_free(hp);
}
END_TEST

/*
 * A reserved verification takes a free place among max_inflight when
 * there is one, and leaves the reserved place to the next: with a slow
 * verification in the first of two places, two reserved ones for other
 * credentials both get in; then every place is taken.
 */
START_TEST(test_hashpool_reserved_takes_free_place)
{
	struct hashpool	*hp;
	struct turn_arg	 a, b, c;
	pthread_t	 ta, tb, tc;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(2, 2));
	memset(&a, 0, sizeof(a));
	a.ta_hp = hp;
	a.ta_hash = slow_hash;
	a.ta_pw = "first";
	b = c = a;
	b.ta_reserved = c.ta_reserved = 1;
	b.ta_pw = "second";
	c.ta_pw = PW;
	ck_assert_int_eq(pthread_create(&ta, NULL, turn_verify, &a), 0);
	wait_inflight(hp, 1);
	ck_assert_int_eq(pthread_create(&tb, NULL, turn_verify, &b), 0);
	wait_inflight(hp, 2);
	ck_assert_int_eq(pthread_create(&tc, NULL, turn_verify, &c), 0);
	wait_inflight(hp, 3);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL),
	    -1);
	ck_assert_int_eq(hashpool_verify_reserved(hp, fast_hash, PW,
	    strlen(PW), NULL), -1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_join(tc, NULL);
	ck_assert_int_eq(a.ta_rc, 0);
	ck_assert_int_eq(b.ta_rc, 0);
	ck_assert_int_eq(c.ta_rc, 1);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	hashpool_free(hp);
}
END_TEST

/*
 * Waits for n callbacks in all, at least 240 s: the pool's threads run at
 * nice 19, and on a busy machine 64 cheap verifications took more than
 * the 10 s this allowed.  The "limits" case has the time for it.
 */
static void
wait_renewals(const struct renewal_seen *rs, int n)
{
	struct timespec ts = { 0, 1000 * 1000 };
	int		i;

	for (i = 0; i < 240000 && renewal_calls(rs, n) < n; i++)
		nanosleep(&ts, NULL);
	ck_assert_int_eq(renewal_calls(rs, n), n);
}

/*
 * A renewal's callback gets the verification's result, once, and the
 * load counts it by that result.
 */
START_TEST(test_hashpool_renew_result)
{
	struct hashpool		*hp;
	struct renewal_seen	 rs[2] = { { -2, 0, 0 }, { -2, 0, 0 } };
	struct hashpool_load	 hl;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	ck_assert_int_eq(hashpool_renew(hp, fast_hash, PW, strlen(PW),
	    renewal_done, &rs[0]), 0);
	ck_assert_int_eq(hashpool_renew(hp, fast_hash, "wrong", 5,
	    renewal_done, &rs[1]), 0);
	wait_renewals(rs, 2);
	ck_assert_int_eq(rs[0].rs_result, 1);
	ck_assert_int_eq(rs[1].rs_result, 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_renewed, 1);
	ck_assert_uint_eq(hl.hl_renewals_refused, 1);
	ck_assert_uint_eq(hl.hl_renewals_dropped, 0);
	hashpool_free(hp);
	ck_assert_int_eq(rs[0].rs_calls + rs[1].rs_calls, 2);
}
END_TEST

struct seq_arg {
	struct hashpool	*qa_hp;
	int		 qa_rc;
	int		 qa_seq;
};

static void *
fast_verify_seq(void *arg)
{
	struct seq_arg *qa = arg;

	qa->qa_rc = hashpool_verify(qa->qa_hp, fast_hash, PW, strlen(PW), NULL);
	pthread_mutex_lock(&seen_lock);
	qa->qa_seq = seen_seq++;
	pthread_mutex_unlock(&seen_lock);
	return NULL;
}

/*
 * A renewal takes no place among max_inflight, and runs before the
 * verifications queued ahead of it: a flood that fills the pool cannot
 * keep a good user's entry from being renewed.
 */
START_TEST(test_hashpool_renew_first)
{
	struct hashpool		*hp;
	struct slow_arg		 a = { NULL, NULL, -2 };
	struct seq_arg		 b = { NULL, -2, -1 };
	struct renewal_seen	 rs = { -2, 0, 0 };
	pthread_t		 ta, tb;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	a.sa_hp = b.qa_hp = hp;
	ck_assert_int_eq(pthread_create(&ta, NULL, slow_verify, &a), 0);
	wait_inflight(hp, 1);
	ck_assert_int_eq(pthread_create(&tb, NULL, fast_verify_seq, &b), 0);
	wait_inflight(hp, 2);
	/* Full: a verification is refused, a renewal is not. */
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, "x", 1, NULL), -1);
	ck_assert_int_eq(hashpool_renew(hp, fast_hash, PW, strlen(PW),
	    renewal_done, &rs), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	wait_renewals(&rs, 1);
	ck_assert_int_eq(rs.rs_result, 1);
	ck_assert_int_eq(b.qa_rc, 1);
	ck_assert_msg(rs.rs_seq < b.qa_seq, "the renewal ran after a "
	    "verification queued before it (%d, %d)", rs.rs_seq, b.qa_seq);
	hashpool_free(hp);
}
END_TEST

/*
 * At most HASHPOOL_RENEWALS_MAX at once; past that, -1 and no callback,
 * counted as dropped.
 */
START_TEST(test_hashpool_renew_max)
{
	struct hashpool		*hp;
	struct slow_arg		 a = { NULL, NULL, -2 };
	struct renewal_seen	 rs[HASHPOOL_RENEWALS_MAX + 1];
	struct hashpool_load	 hl;
	pthread_t		 ta;
	int			 i;

	make_hashes();
	memset(rs, 0, sizeof(rs));
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	a.sa_hp = hp;
	ck_assert_int_eq(pthread_create(&ta, NULL, slow_verify, &a), 0);
	wait_inflight(hp, 1);
	for (i = 0; i < HASHPOOL_RENEWALS_MAX; i++)
		ck_assert_int_eq(hashpool_renew(hp, fast_hash, PW, strlen(PW),
		    renewal_done, &rs[i]), 0);
	ck_assert_int_eq(hashpool_renew(hp, fast_hash, PW, strlen(PW),
	    renewal_done, &rs[i]), -1);
	pthread_join(ta, NULL);
	wait_renewals(rs, HASHPOOL_RENEWALS_MAX);
	ck_assert_int_eq(rs[HASHPOOL_RENEWALS_MAX].rs_calls, 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_renewed, HASHPOOL_RENEWALS_MAX);
	ck_assert_uint_eq(hl.hl_renewals_dropped, 1);
	/* Room again. */
	ck_assert_int_eq(hashpool_renew(hp, fast_hash, PW, strlen(PW),
	    renewal_done, &rs[HASHPOOL_RENEWALS_MAX]), 0);
	wait_renewals(rs, HASHPOOL_RENEWALS_MAX + 1);
	hashpool_free(hp);
}
END_TEST

/* Stopping drops queued renewals: each callback still runs, with -1. */
START_TEST(test_hashpool_renew_dropped)
{
	struct hashpool		*hp;
	struct renewal_seen	 rs[6];
	int			 i, dropped = 0;

	make_hashes();
	memset(rs, 0, sizeof(rs));
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(hashpool_renew(hp, slow_hash, PW, strlen(PW),
		    renewal_done, &rs[i]), 0);
	hashpool_free(hp);
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(rs[i].rs_calls, 1);
		ck_assert(rs[i].rs_result == 1 || rs[i].rs_result == -1);
		dropped += rs[i].rs_result == -1;
	}
	ck_assert_int_ge(dropped, 1);
}
END_TEST

/* Waits up to 5 s for the pool to show running and queued. */
static void
wait_load(struct hashpool *hp, unsigned running, unsigned queued)
{
	struct timespec		ts = { 0, 1000 * 1000 };
	struct hashpool_load	hl;
	int			i;

	for (i = 0; i < 5000; i++) {
		hashpool_get_load(hp, &hl);
		if (hl.hl_running == running && hl.hl_queued == queued)
			break;
		nanosleep(&ts, NULL);
	}
	ck_assert_uint_eq(hl.hl_running, running);
	ck_assert_uint_eq(hl.hl_queued, queued);
}

/*
 * Of two hashing threads one is kept for renewals and reserved
 * verifications (HASHPOOL_KEPT_THREADS): while the other runs a slow
 * verification, a second one waits in the queue rather than take the
 * kept thread, and a reserved one runs there at once, ending before
 * the slow one.
 */
START_TEST(test_hashpool_kept_thread)
{
	static char	 slower_hash[crypto_pwhash_STRBYTES];
	struct hashpool	*hp;
	struct turn_arg	 a, b, c;
	pthread_t	 ta, tb, tc;

	make_hashes();
	/* The reserved one must end first even if a busy machine holds
	 * this thread up between two lines. */
	make_slower_hash(slower_hash);
	ck_assert_uint_eq(HASHPOOL_KEPT_THREADS(1), 0);
	ck_assert_uint_eq(HASHPOOL_KEPT_THREADS(2), 1);
	ck_assert_ptr_nonnull(hp = hashpool_new(2, 2));
	memset(&a, 0, sizeof(a));
	a.ta_hp = hp;
	a.ta_hash = slower_hash;
	a.ta_pw = "first";
	b = c = a;
	b.ta_hash = slow_hash;
	b.ta_pw = "second";
	c.ta_hash = fast_hash;
	c.ta_pw = PW;
	c.ta_reserved = 1;
	ck_assert_int_eq(pthread_create(&ta, NULL, turn_verify, &a), 0);
	wait_load(hp, 1, 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, turn_verify, &b), 0);
	wait_load(hp, 1, 1);
	ck_assert_int_eq(pthread_create(&tc, NULL, turn_verify, &c), 0);
	pthread_join(tc, NULL);
	ck_assert_int_eq(c.ta_rc, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.ta_rc, 0);
	ck_assert_int_eq(b.ta_rc, 0);
	ck_assert_msg(c.ta_seq < a.ta_seq, "the reserved verification "
	    "waited for the slow one (%d, %d)", c.ta_seq, a.ta_seq);
	hashpool_free(hp);
}
END_TEST

/* A slow verification of the password pw on a thread of its own. */
static void
start_turn(struct hashpool *hp, struct turn_arg *ta, pthread_t *t,
    const char *hash, const char *pw, int reserved)
{
	memset(ta, 0, sizeof(*ta));
	ta->ta_hp = hp;
	ta->ta_hash = hash;
	ta->ta_pw = pw;
	ta->ta_reserved = reserved;
	ta->ta_rc = -2;
	ck_assert_int_eq(pthread_create(t, NULL, turn_verify, ta), 0);
}

/*
 * A request for a credential whose renewal is on its way waits for that
 * renewal instead of hashing again (a cache entry that expired while it
 * was being renewed): with one thread busy, the renewal queued and the
 * request sharing it, two verifications run, not three, and both the
 * request and the renewal's callback get the match.
 */
START_TEST(test_hashpool_renewal_shared)
{
	static char		 slower_hash[crypto_pwhash_STRBYTES];
	struct hashpool		*hp;
	struct hashpool_load	 hl;
	struct renewal_seen	 rs = { -2, 0, 0 };
	struct turn_arg		 a, b;
	pthread_t		 ta, tb;

	make_hashes();
	/* Long enough that the request comes while the first one runs. */
	make_slower_hash(slower_hash);
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	start_turn(hp, &a, &ta, slower_hash, "first", 0);
	wait_load(hp, 1, 0);
	ck_assert_int_eq(hashpool_renew(hp, slow_hash, PW, strlen(PW),
	    renewal_done, &rs), 0);
	wait_load(hp, 1, 1);
	start_turn(hp, &b, &tb, slow_hash, PW, 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	wait_renewals(&rs, 1);
	ck_assert_int_eq(a.ta_rc, 0);
	ck_assert_int_eq(b.ta_rc, 1);
	ck_assert_int_eq(rs.rs_result, 1);
	hashpool_get_load(hp, &hl);
	ck_assert_msg(hl.hl_runs == 2, "%llu verifications ran, not 2: the "
	    "request did not share the renewal",
	    (unsigned long long)hl.hl_runs);
	hashpool_free(hp);
}
END_TEST

/*
 * Under a flood the pool rests (HASHPOOL_REST_RATIO): anyone's
 * verification ran while a third was refused, so once it ends, the one
 * queued behind it waits with the thread idle; a reserved one runs
 * meanwhile; the queued one runs once the rest ends (here, the ratio set
 * to 0; at 1,000 the rest would last minutes).
 */
START_TEST(test_hashpool_rest)
{
	struct hashpool		*hp;
	struct hashpool_load	 hl;
	struct turn_arg		 a, b;
	pthread_t		 ta, tb;

	make_hashes();
	ck_assert_uint_ge(HASHPOOL_REST_RATIO, 1);
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	hashpool_set_rest_ratio(hp, 1000);
	start_turn(hp, &a, &ta, slow_hash, "first", 0);
	wait_load(hp, 1, 0);
	start_turn(hp, &b, &tb, slow_hash, "second", 0);
	wait_load(hp, 1, 1);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, "third", 5, NULL), -1);
	pthread_join(ta, NULL);
	ck_assert_int_eq(a.ta_rc, 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_refusals, 1);
	ck_assert_uint_eq(hl.hl_rests, 1);
	ck_assert_uint_eq(hl.hl_running, 0);
	ck_assert_uint_eq(hl.hl_queued, 1);
	ck_assert_int_eq(hashpool_verify_reserved(hp, fast_hash, PW,
	    strlen(PW), NULL), 1);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_running, 0);
	ck_assert_uint_eq(hl.hl_queued, 1);
	ck_assert_int_eq(b.ta_rc, -2);
	hashpool_set_rest_ratio(hp, 0);
	pthread_join(tb, NULL);
	ck_assert_int_eq(b.ta_rc, 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_rests, 1);
	hashpool_free(hp);
}
END_TEST

/*
 * No rest without a refusal (a pool that keeps up), nor after a reserved
 * verification (a credential that succeeded recently is not the flood),
 * even with a refusal while it ran.
 */
START_TEST(test_hashpool_no_rest)
{
	struct hashpool		*hp;
	struct hashpool_load	 hl;
	struct turn_arg		 a, b;
	pthread_t		 ta, tb;
	int			 reserved = _i;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	hashpool_set_rest_ratio(hp, 1000);
	start_turn(hp, &a, &ta, slow_hash, PW, reserved);
	wait_load(hp, 1, 0);
	start_turn(hp, &b, &tb, slow_hash, "second", 0);
	wait_load(hp, 1, 1);
	if (reserved)
		ck_assert_int_eq(hashpool_verify(hp, fast_hash, "third", 5,
		    NULL), -1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.ta_rc, 1);
	ck_assert_int_eq(b.ta_rc, 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_refusals, reserved ? 1 : 0);
	ck_assert_uint_eq(hl.hl_rests, 0);
	hashpool_free(hp);
}
END_TEST

/*
 * The load metrics show: one thread busy, a verification and a renewal
 * waiting behind it, and nothing once they are done.
 */
START_TEST(test_hashpool_load)
{
	struct hashpool		*hp;
	struct hashpool_load	 hl;
	struct slow_arg		 a = { NULL, NULL, -2 };
	struct slow_arg		 b = { NULL, "wrong", -2 };
	struct renewal_seen	 rs = { -2, 0, 0 };
	pthread_t		 ta, tb;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 2));
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_threads, 1);
	ck_assert_uint_eq(hl.hl_running, 0);
	ck_assert_uint_eq(hl.hl_queued, 0);
	a.sa_hp = b.sa_hp = hp;
	ck_assert_int_eq(pthread_create(&ta, NULL, slow_verify, &a), 0);
	wait_load(hp, 1, 0);
	ck_assert_int_eq(pthread_create(&tb, NULL, slow_verify, &b), 0);
	wait_load(hp, 1, 1);
	ck_assert_int_eq(hashpool_renew(hp, slow_hash, PW, strlen(PW),
	    renewal_done, &rs), 0);
	hashpool_get_load(hp, &hl);
	ck_assert_uint_eq(hl.hl_running, 1);
	ck_assert_uint_eq(hl.hl_queued, 2);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	wait_renewals(&rs, 1);
	wait_load(hp, 0, 0);
	hashpool_free(hp);
}
END_TEST

/* Threads of this process at that nice value, the calling one aside. */
static int
count_threads_at(int nice)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir("/proc/self/task"));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == (int)gettid())
			continue;
		if (getpriority(PRIO_PROCESS, (id_t)atoi(de->d_name)) == nice)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * Every pool thread runs at nice 19 but the one kept for renewals and
 * reserved verifications (HASHPOOL_KEPT_THREADS), at
 * AUTHZ_KEPT_HASH_NICE; the caller's priority is kept.  The threads set
 * their priority as they start, whenever the scheduler runs them: poll
 * for it, up to 30 s.
 */
START_TEST(test_hashpool_priority)
{
	struct hashpool	*hp;
	int		 low, kept = 0, tries;

	ck_assert_int_eq(getpriority(PRIO_PROCESS, 0), 0);
	ck_assert_ptr_nonnull(hp = hashpool_new(3, 3));
	make_hashes();
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW), NULL), 1);
	for (tries = 0; ((low = count_threads_at(19)) < 2 ||
	    (kept = count_threads_at(AUTHZ_KEPT_HASH_NICE)) < 1) &&
	    tries < 3000; tries++)
		usleep(10 * 1000);
	ck_assert_int_eq(low, 3 - HASHPOOL_KEPT_THREADS(3));
	ck_assert_int_eq(kept, HASHPOOL_KEPT_THREADS(3));
	ck_assert_int_eq(getpriority(PRIO_PROCESS, 0), 0);
	hashpool_free(hp);
}
END_TEST

START_TEST(test_hashpool_new_refuses)
{
	ck_assert_ptr_null(hashpool_new(0, 1));
	ck_assert_ptr_null(hashpool_new(1, 0));
	hashpool_free(NULL);
}
END_TEST

static Suite *
hashpool_suite(void)
{
	Suite	*s = suite_create("hashpool");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashpool_ran_ns, 0,
	    NITEMS(verify_cases));
	tcase_add_loop_test(tc, test_hashpool_verify, 0,
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	tcase_add_test(tc, test_hashpool_priority);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 300);	/* wait_renewals */
	tcase_add_test(tc, test_hashpool_full);
	tcase_add_test(tc, test_hashpool_cap_one);
	tcase_add_test(tc, test_hashpool_shared);
	tcase_add_test(tc, test_hashpool_wait_hooks);
	tcase_add_loop_test(tc, test_hashpool_reserved, 0, 2);
	tcase_add_test(tc, test_hashpool_reserved_takes_free_place);
	tcase_add_test(tc, test_hashpool_renew_result);
	tcase_add_test(tc, test_hashpool_renew_first);
	tcase_add_test(tc, test_hashpool_renew_max);
	tcase_add_test(tc, test_hashpool_renew_dropped);
	tcase_add_test(tc, test_hashpool_load);
	tcase_add_test(tc, test_hashpool_kept_thread);
	tcase_add_test(tc, test_hashpool_rest);
	tcase_add_test(tc, test_hashpool_renewal_shared);
	tcase_add_loop_test(tc, test_hashpool_no_rest, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashpool_bad_hash, 0,
	    sizeof(bad_hashes) / sizeof(bad_hashes[0]));
	tcase_add_test(tc, test_hashpool_new_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(hashpool_suite());
}
