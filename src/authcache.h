/*
 * Remembers credentials verified within the last ttl seconds, so that
 * Basic auth, which resends the password on every request, costs one slow
 * hash per ttl and not one per request.  Entries are keyed BLAKE2b
 * digests (random key per process) of user name, stored hash and
 * password, never the password: a changed password misses, and a reload
 * starts a new cache.  Fixed size, 4-way set associative, locked in
 * shards.
 */
#ifndef AUTHZ_AUTHCACHE_H
#define AUTHZ_AUTHCACHE_H

#include <stddef.h>
#include <stdint.h>

#define AUTHCACHE_KEYLEN 32

struct authcache;

/* entries is rounded up to a power of two; returns NULL on failure. */
struct authcache *authcache_new(size_t entries, unsigned ttl);
void	authcache_free(struct authcache *);	/* wipes */

/* Computes the cache key of one credential. */
void	authcache_key(const struct authcache *, const char *user,
	    const char *stored_hash, const char *password, size_t len,
	    uint8_t key[AUTHCACHE_KEYLEN]);
/* Returns 1 if key was stored less than ttl seconds before now. */
int	authcache_lookup(struct authcache *, const uint8_t key[AUTHCACHE_KEYLEN],
	    uint64_t now);
void	authcache_insert(struct authcache *, const uint8_t key[AUTHCACHE_KEYLEN],
	    uint64_t now);
/* Monotonic seconds, the clock lookups and inserts expect. */
uint64_t authcache_now(void);

#endif
