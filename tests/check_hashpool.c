/*
 * check_hashpool: verifications on the pool's threads, the in-flight cap
 * (past it: -1 at once, nothing verified), and the threads' priority.
 */
#include "config.h"

#include <sys/resource.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "hashpool.h"

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

START_TEST(test_hashpool_verify)
{
	struct hashpool *hp;

	make_hashes();
	ck_assert_ptr_nonnull(hp = hashpool_new(2, 2));
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, verify_cases[_i].pw,
	    strlen(verify_cases[_i].pw)), verify_cases[_i].want);
	ck_assert_int_eq(hashpool_verify(hp, scrypt_hash, verify_cases[_i].pw,
	    strlen(verify_cases[_i].pw)), verify_cases[_i].want);
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
	ck_assert_int_eq(hashpool_verify(hp, bad_hashes[_i], PW, strlen(PW)),
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

	sa->sa_rc = hashpool_verify(sa->sa_hp, slow_hash, pw, strlen(pw));
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
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW)), -1);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, "x", 1), -1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ck_assert_int_eq(a.sa_rc, 1);
	ck_assert_int_eq(b.sa_rc, 0);
	ck_assert_uint_eq(hashpool_inflight(hp), 0);
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW)), 1);
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
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW)), -1);
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

/* Every pool thread runs at nice 19; the caller's priority is kept. */
START_TEST(test_hashpool_priority)
{
	struct hashpool	*hp;
	DIR		*d;
	struct dirent	*de;
	int		 low = 0, self_prio;

	ck_assert_ptr_nonnull(hp = hashpool_new(3, 3));
	/* The threads set their priority as they start: give them a moment
	 * by running one verification through each. */
	make_hashes();
	ck_assert_int_eq(hashpool_verify(hp, fast_hash, PW, strlen(PW)), 1);
	usleep(100 * 1000);
	ck_assert_ptr_nonnull(d = opendir("/proc/self/task"));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (getpriority(PRIO_PROCESS, (id_t)atoi(de->d_name)) == 19)
			low++;
	}
	closedir(d);
	ck_assert_int_eq(low, 3);
	self_prio = getpriority(PRIO_PROCESS, 0);
	ck_assert_int_ne(self_prio, 19);
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
	tcase_add_loop_test(tc, test_hashpool_verify, 0,
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	tcase_add_test(tc, test_hashpool_priority);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hashpool_full);
	tcase_add_test(tc, test_hashpool_cap_one);
	tcase_add_test(tc, test_hashpool_shared);
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
	SRunner	*sr;
	int	 failed;

	if (sodium_init() < 0)
		return 99;
	sr = srunner_create(hashpool_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
