/*
 * The monotonic clock in whole seconds, the one clock of the
 * verification cache (authcache.h) and the throttle table (throttle.h).
 * A request reads it once, into its facts (authz.h, af_mono).
 */
#ifndef AUTHZ_MONOCLOCK_H
#define AUTHZ_MONOCLOCK_H

#include <stdint.h>

/*
 * CLOCK_MONOTONIC seconds plus one: never 0, which marks an empty cache
 * entry or a throttle slot never used.  Any thread.
 */
uint64_t	monoclock_now(void);

#endif
