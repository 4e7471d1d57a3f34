/*
 * The monotonic clock in whole seconds (monoclock.h).
 */
#include "config.h"

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
