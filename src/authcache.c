/*
 * The verification cache (see authcache.h).  Sets of four entries; a set
 * is chosen by the key's first bytes, which are uniformly random because
 * the key is a keyed hash.  One lock per shard of sets keeps threads from
 * queueing on a single mutex.  The reference count is atomic: the owners
 * are snapshots, and the last of them may be let go of by any request
 * thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "authcache.h"
#include "refcount.h"

#define AUTHCACHE_WAYS		4
#define AUTHCACHE_SHARDS	64

struct authcache_entry {
	uint8_t		ae_key[AUTHCACHE_KEYLEN];
	uint64_t	ae_stored;	/* monotonic seconds; 0: empty */
	uint64_t	ae_refresh_at;	/* a hit from then on asks a refresh */
};

struct authcache {
	struct authcache_entry	*ac_entries;
	size_t			 ac_sets;	/* power of two */
	unsigned		 ac_ttl;
	pthread_mutex_t		 ac_locks[AUTHCACHE_SHARDS];
	unsigned char		 ac_hashkey[crypto_generichash_KEYBYTES];
	refcount		 ac_refs;
};

struct authcache *
authcache_new(size_t entries, unsigned ttl)
{
	struct authcache	*ac;
	size_t			 sets = 1, i;

	while (sets * AUTHCACHE_WAYS < entries) {
		if (sets > SIZE_MAX / (2 * AUTHCACHE_WAYS))
			return NULL;
		sets <<= 1;
	}
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		return NULL;
	if ((ac->ac_entries = calloc(sets * AUTHCACHE_WAYS,
	    sizeof(*ac->ac_entries))) == NULL) {
		free(ac);
		return NULL;
	}
	ac->ac_sets = sets;
	ac->ac_ttl = ttl;
	for (i = 0; i < AUTHCACHE_SHARDS; i++)
		pthread_mutex_init(&ac->ac_locks[i], NULL);
	crypto_generichash_keygen(ac->ac_hashkey);
	refcount_init(&ac->ac_refs);
	return ac;
}

struct authcache *
authcache_ref(struct authcache *ac)
{
	if (ac != NULL)
		refcount_take(&ac->ac_refs);
	return ac;
}

void
authcache_free(struct authcache *ac)
{
	size_t i;

	if (ac == NULL)
		return;
	/* Every owner's last inserts happen before the wipe (refcount.h). */
	if (!refcount_drop(&ac->ac_refs))
		return;
	for (i = 0; i < AUTHCACHE_SHARDS; i++)
		pthread_mutex_destroy(&ac->ac_locks[i]);
	sodium_memzero(ac->ac_entries,
	    ac->ac_sets * AUTHCACHE_WAYS * sizeof(*ac->ac_entries));
	free(ac->ac_entries);
	sodium_memzero(ac, sizeof(*ac));
	free(ac);
}

void
authcache_key(const struct authcache *ac, const char *user,
    const char *stored_hash, const char *password, size_t len,
    uint8_t key[AUTHCACHE_KEYLEN])
{
	crypto_generichash_state	st;
	static const unsigned char	sep = 0;

	/* NUL separators: user and hash hold no NUL, so no two inputs
	 * give the same byte string. */
	crypto_generichash_init(&st, ac->ac_hashkey, sizeof(ac->ac_hashkey),
	    AUTHCACHE_KEYLEN);
	crypto_generichash_update(&st, (const unsigned char *)user,
	    strlen(user));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)stored_hash,
	    strlen(stored_hash));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)password, len);
	crypto_generichash_final(&st, key, AUTHCACHE_KEYLEN);
	sodium_memzero(&st, sizeof(st));
}

static size_t
authcache_set(const struct authcache *ac, const uint8_t key[AUTHCACHE_KEYLEN])
{
	uint64_t v;

	memcpy(&v, key, sizeof(v));
	return (size_t)(v & (ac->ac_sets - 1));
}

/*
 * When a hit asks its caller to have the password verified again: from
 * three quarters of the ttl on (a credential in steady use costs a hash
 * per 3/4 ttl instead of one per ttl, and the renewal, at the lowest
 * priority, has a quarter ttl to land), and then again every eighth ttl
 * (at least a second) as long as none has landed.  0: never (a ttl of
 * one second).
 */
static uint64_t
authcache_refresh_after(const struct authcache *ac)
{
	return ac->ac_ttl > 1 ? ac->ac_ttl * 3 / 4 : 0;
}

static uint64_t
authcache_refresh_retry(const struct authcache *ac)
{
	return ac->ac_ttl / 8 > 0 ? ac->ac_ttl / 8 : 1;
}

int
authcache_lookup_refresh(struct authcache *ac,
    const uint8_t key[AUTHCACHE_KEYLEN], uint64_t now, int *refresh)
{
	size_t			 set = authcache_set(ac, key), i;
	pthread_mutex_t		*lock = &ac->ac_locks[set % AUTHCACHE_SHARDS];
	struct authcache_entry	*e = &ac->ac_entries[set * AUTHCACHE_WAYS];
	int			 hit = 0;

	if (refresh != NULL)
		*refresh = 0;
	pthread_mutex_lock(lock);
	for (i = 0; i < AUTHCACHE_WAYS; i++) {
		if (e[i].ae_stored == 0 || now < e[i].ae_stored ||
		    now - e[i].ae_stored >= ac->ac_ttl)
			continue;
		if (sodium_memcmp(e[i].ae_key, key, AUTHCACHE_KEYLEN) != 0)
			continue;
		hit = 1;
		/* One caller at a time: the next may try a retry later. */
		if (refresh != NULL && e[i].ae_refresh_at != 0 &&
		    now >= e[i].ae_refresh_at) {
			*refresh = 1;
			e[i].ae_refresh_at = now + authcache_refresh_retry(ac);
		}
	}
	pthread_mutex_unlock(lock);
	return hit;
}

int
authcache_lookup(struct authcache *ac, const uint8_t key[AUTHCACHE_KEYLEN],
    uint64_t now)
{
	return authcache_lookup_refresh(ac, key, now, NULL);
}

void
authcache_forget(struct authcache *ac, const uint8_t key[AUTHCACHE_KEYLEN])
{
	size_t			 set = authcache_set(ac, key), i;
	pthread_mutex_t		*lock = &ac->ac_locks[set % AUTHCACHE_SHARDS];
	struct authcache_entry	*e = &ac->ac_entries[set * AUTHCACHE_WAYS];

	pthread_mutex_lock(lock);
	for (i = 0; i < AUTHCACHE_WAYS; i++)
		if (e[i].ae_stored != 0 &&
		    sodium_memcmp(e[i].ae_key, key, AUTHCACHE_KEYLEN) == 0)
			sodium_memzero(&e[i], sizeof(e[i]));
	pthread_mutex_unlock(lock);
}

void
authcache_insert(struct authcache *ac, const uint8_t key[AUTHCACHE_KEYLEN],
    uint64_t now)
{
	size_t			 set = authcache_set(ac, key), i, victim = 0;
	pthread_mutex_t		*lock = &ac->ac_locks[set % AUTHCACHE_SHARDS];
	struct authcache_entry	*e = &ac->ac_entries[set * AUTHCACHE_WAYS];

	pthread_mutex_lock(lock);
	/* Refresh the same key, else take an empty or the oldest way. */
	for (i = 0; i < AUTHCACHE_WAYS; i++) {
		if (e[i].ae_stored != 0 &&
		    sodium_memcmp(e[i].ae_key, key, AUTHCACHE_KEYLEN) == 0) {
			victim = i;
			break;
		}
		if (e[i].ae_stored < e[victim].ae_stored)
			victim = i;
	}
	memcpy(e[victim].ae_key, key, AUTHCACHE_KEYLEN);
	e[victim].ae_stored = now;
	e[victim].ae_refresh_at = authcache_refresh_after(ac) > 0 ?
	    now + authcache_refresh_after(ac) : 0;
	pthread_mutex_unlock(lock);
}
