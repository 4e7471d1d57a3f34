#include "config.h"

#include <stdint.h>
#include <time.h>

#include <check.h>

#include "check_common.h"
#include "monoclock.h"

/*
 * The one monotonic clock of the cache and the throttle table: whole
 * CLOCK_MONOTONIC seconds, shifted by one so that it is never 0.
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

static Suite *
monoclock_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("monoclock");
	tc = tcase_create("core");
	tcase_add_test(tc, test_monoclock_seconds);
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
