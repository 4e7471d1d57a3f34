/*
 * The monotonic clock: in whole seconds, the one clock of the
 * verification cache (authcache.h) and the throttle table (throttle.h),
 * which a request reads once, into its facts (authz.h, af_mono); in
 * nanoseconds, for timing a verification and holding back an answer
 * until a deadline (pwcheck.h).
 */
#ifndef AUTHZ_MONOCLOCK_H
#define AUTHZ_MONOCLOCK_H

#include <stdint.h>

/*
 * CLOCK_MONOTONIC seconds plus one: never 0, which marks an empty cache
 * entry or a throttle slot never used.  Any thread.
 */
uint64_t	monoclock_now(void);

/* CLOCK_MONOTONIC in nanoseconds.  Any thread. */
uint64_t	monoclock_ns(void);

/*
 * Sleeps until monoclock_ns() reaches deadline (at once if it has, or
 * if deadline is 0).  A signal does not cut it short.
 */
void		monoclock_sleep_until(uint64_t deadline);

#endif
