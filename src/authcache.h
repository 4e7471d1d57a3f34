/*
 * Remembers credentials verified within the last ttl seconds, so that
 * Basic auth, which resends the password on every request, costs one slow
 * hash per ttl and not one per request.  Entries are keyed BLAKE2b
 * digests (random key per cache) of user name, stored hash and password,
 * never the password: a changed password misses, and authz.c refuses
 * removed, disabled and expired users before it asks the cache.  So an
 * entry stays true under a later users file, and a reload hands the
 * cache on to the new snapshot (services_prepare) instead of making every
 * client pay for one slow hash again.  Fixed size, 4-way set associative,
 * locked in shards; shared by reference count.  Every now below is
 * monoclock_now()'s seconds (monoclock.h).
 */
#ifndef AUTHZ_AUTHCACHE_H
#define AUTHZ_AUTHCACHE_H

#include <stddef.h>
#include <stdint.h>

#define AUTHCACHE_KEYLEN 32

struct authcache;

/*
 * entries is rounded up to a power of two; returns NULL on failure.  The
 * caller holds the one reference.
 */
struct authcache *authcache_new(size_t entries, unsigned ttl);
/*
 * Takes another reference for another owner (another snapshot) and
 * returns ac; NULL stays NULL.  Any thread, as long as the caller holds
 * a reference itself.
 */
struct authcache *authcache_ref(struct authcache *ac);
/* Drops one reference; the last one wipes and frees.  NULL is fine. */
void	authcache_free(struct authcache *);

/* Computes the cache key of one credential. */
void	authcache_key(const struct authcache *, const char *user,
	    const char *stored_hash, const char *password, size_t len,
	    uint8_t key[AUTHCACHE_KEYLEN]);
/* Returns 1 if key was stored less than ttl seconds before now. */
int	authcache_lookup(struct authcache *, const uint8_t key[AUTHCACHE_KEYLEN],
	    uint64_t now);
/*
 * authcache_lookup, and on a hit in the last quarter of the entry's ttl
 * sets *refresh for one caller (another one an eighth ttl later if no
 * insert came meanwhile): that caller has the password verified again
 * (authz.c: in the background, no request waits) and inserts it.  So a
 * credential in steady use never expires under a burst of its own
 * requests that would all wait for the same slow hash, or get 429 while
 * a flood holds the hashing slots.
 */
int	authcache_lookup_refresh(struct authcache *,
	    const uint8_t key[AUTHCACHE_KEYLEN], uint64_t now, int *refresh);
/* Drops key's entry, if any. */
void	authcache_forget(struct authcache *,
	    const uint8_t key[AUTHCACHE_KEYLEN]);
void	authcache_insert(struct authcache *, const uint8_t key[AUTHCACHE_KEYLEN],
	    uint64_t now);

#endif
