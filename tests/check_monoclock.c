#include "config.h"

#include <sys/time.h>

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "check_common.h"
#include "monoclock.h"

/*
 * The one monotonic clock of the cache and the throttle table: whole
 * CLOCK_MONOTONIC seconds, shifted by one so that it is never 0; and the
 * same in nanoseconds, with a sleep until a deadline, for holding an
 * answer back.
 */

START_TEST(test_monoclock_seconds)
{
	struct timespec	before, after;
	uint64_t	now;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &before), 0);
	now = monoclock_now();
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &after), 0);
	ck_assert_uint_ge(now, (uint64_t)before.tv_sec + 1);
	ck_assert_uint_le(now, (uint64_t)after.tv_sec + 1);
}
END_TEST

/* Never 0 (an empty cache entry, a throttle slot never used), never
 * going back. */
START_TEST(test_monoclock_never_zero)
{
	uint64_t	prev, now;
	int		i;

	prev = monoclock_now();
	ck_assert_uint_gt(prev, 0);
	for (i = 0; i < 100000; i++) {
		now = monoclock_now();
		ck_assert_uint_ge(now, prev);
		prev = now;
	}
}
END_TEST

/* Nanoseconds: the same clock, finer. */
START_TEST(test_monoclock_ns)
{
	struct timespec	before, after;
	uint64_t	now;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &before), 0);
	now = monoclock_ns();
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &after), 0);
	ck_assert_uint_ge(now, (uint64_t)before.tv_sec * 1000000000ULL +
	    (uint64_t)before.tv_nsec);
	ck_assert_uint_le(now, (uint64_t)after.tv_sec * 1000000000ULL +
	    (uint64_t)after.tv_nsec);
}
END_TEST

/*
 * A sleep until a deadline ends at it or later, however long the machine
 * takes; one in the past, or 0, ends at once (no clock is read after it,
 * so nothing here depends on the machine's speed).
 */
START_TEST(test_monoclock_sleep_until)
{
	uint64_t deadline;

	deadline = monoclock_ns() + 20000000ULL;	/* 20 ms */
	monoclock_sleep_until(deadline);
	ck_assert_uint_ge(monoclock_ns(), deadline);
	monoclock_sleep_until(0);
	monoclock_sleep_until(1);
	monoclock_sleep_until(monoclock_ns() - 1);
}
END_TEST

static void
monoclock_wake(int sig)
{
	(void)sig;
}

/* A signal in the middle does not end the sleep early. */
START_TEST(test_monoclock_sleep_signal)
{
	struct sigaction	sa;
	struct itimerval	it;
	uint64_t		deadline;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = monoclock_wake;
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 10000;	/* a signal every 10 ms */
	it.it_interval.tv_usec = 10000;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	deadline = monoclock_ns() + 100000000ULL;	/* 100 ms */
	monoclock_sleep_until(deadline);
	ck_assert_uint_ge(monoclock_ns(), deadline);
	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}
END_TEST

static Suite *
monoclock_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("monoclock");
	tc = tcase_create("core");
	tcase_add_test(tc, test_monoclock_seconds);
	tcase_add_test(tc, test_monoclock_ns);
	tcase_add_test(tc, test_monoclock_sleep_until);
	tcase_add_test(tc, test_monoclock_sleep_signal);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_monoclock_never_zero);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(monoclock_suite());
}
