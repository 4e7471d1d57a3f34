/*
 * The monotonic clock (monoclock.h).
 */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "monoclock.h"

uint64_t
monoclock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: 0 marks an empty entry or "never". */
	return (uint64_t)ts.tv_sec + 1;
}

uint64_t
monoclock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void
monoclock_sleep_until(uint64_t deadline)
{
	struct timespec ts;

	if (deadline == 0)
		return;
	ts.tv_sec = (time_t)(deadline / 1000000000ULL);
	ts.tv_nsec = (long)(deadline % 1000000000ULL);
	/* An absolute deadline: an interrupted sleep resumes where it was. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}
