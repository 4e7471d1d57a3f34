/*
 * Recent successes (see recent.h).  Sets of four entries, chosen by the
 * keyed SipHash of the user name: uniformly spread because it is keyed,
 * and known without the password, so that one user's tags can be found
 * and dropped.  One lock: the set is asked only before a slow hash (a
 * cache miss) and told after one, a few thousand times a second at most.
 * The reference count is atomic, as the cache's: the owners are
 * snapshots, let go of by any request thread.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "recent.h"
#include "refcount.h"

#define RECENT_WAYS	4

struct recent_entry {
	uint8_t		re_tag[RECENT_TAGLEN];
	uint64_t	re_user;	/* SipHash of the user name */
	uint64_t	re_stored;	/* monotonic seconds; 0: empty */
};

struct recent {
	struct recent_entry	*rc_entries;
	size_t			 rc_sets;	/* power of two */
	pthread_mutex_t		 rc_lock;
	unsigned char		 rc_tagkey[crypto_generichash_KEYBYTES];
	unsigned char		 rc_userkey[crypto_shorthash_KEYBYTES];
	refcount		 rc_refs;
};

struct recent *
recent_new(size_t entries)
{
	struct recent	*rc;
	size_t		 sets = 1;

	while (sets * RECENT_WAYS < entries) {
		if (sets > SIZE_MAX / (2 * RECENT_WAYS))
			return NULL;
		sets <<= 1;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return NULL;
	if ((rc->rc_entries = calloc(sets * RECENT_WAYS,
	    sizeof(*rc->rc_entries))) == NULL) {
		free(rc);
		return NULL;
	}
	rc->rc_sets = sets;
	pthread_mutex_init(&rc->rc_lock, NULL);
	crypto_generichash_keygen(rc->rc_tagkey);
	crypto_shorthash_keygen(rc->rc_userkey);
	refcount_init(&rc->rc_refs);
	return rc;
}

struct recent *
recent_ref(struct recent *rc)
{
	if (rc != NULL)
		refcount_take(&rc->rc_refs);
	return rc;
}

void
recent_free(struct recent *rc)
{
	if (rc == NULL)
		return;
	/* Every owner's inserts happen before the wipe (refcount.h). */
	if (!refcount_drop(&rc->rc_refs))
		return;
	pthread_mutex_destroy(&rc->rc_lock);
	sodium_memzero(rc->rc_entries,
	    rc->rc_sets * RECENT_WAYS * sizeof(*rc->rc_entries));
	free(rc->rc_entries);
	sodium_memzero(rc, sizeof(*rc));
	free(rc);
}

static uint64_t
recent_user(const struct recent *rc, const char *user, size_t len)
{
	unsigned char	h[crypto_shorthash_BYTES];
	uint64_t	v;

	crypto_shorthash(h, (const unsigned char *)user, len, rc->rc_userkey);
	memcpy(&v, h, sizeof(v));
	return v;
}

void
recent_key(const struct recent *rc, const char *user,
    const char *stored_hash, const char *password, size_t len,
    struct recent_key *rk)
{
	crypto_generichash_state	st;
	static const unsigned char	sep = 0;

	/* As authcache_key: NUL separators, since user and hash hold no
	 * NUL; a key of its own, so that a tag says nothing of a cache
	 * key and the other way round. */
	crypto_generichash_init(&st, rc->rc_tagkey, sizeof(rc->rc_tagkey),
	    RECENT_TAGLEN);
	crypto_generichash_update(&st, (const unsigned char *)user,
	    strlen(user));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)stored_hash,
	    strlen(stored_hash));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const unsigned char *)password, len);
	crypto_generichash_final(&st, rk->rk_tag, RECENT_TAGLEN);
	sodium_memzero(&st, sizeof(st));
	rk->rk_user = recent_user(rc, user, strlen(user));
}

static struct recent_entry *
recent_set(const struct recent *rc, uint64_t user)
{
	return &rc->rc_entries[(user & (rc->rc_sets - 1)) * RECENT_WAYS];
}

/* Whether e holds a tag stored less than lifetime seconds before now. */
static int
recent_live(const struct recent_entry *e, uint64_t now, unsigned lifetime)
{
	return e->re_stored != 0 && now >= e->re_stored &&
	    now - e->re_stored < lifetime;
}

int
recent_lookup(struct recent *rc, const struct recent_key *rk, uint64_t now,
    unsigned lifetime)
{
	struct recent_entry	*e = recent_set(rc, rk->rk_user);
	size_t			 i;
	int			 hit = 0;

	pthread_mutex_lock(&rc->rc_lock);
	/* Every way compared, live or not: how long this takes depends on
	 * nothing but the set's size. */
	for (i = 0; i < RECENT_WAYS; i++)
		hit |= (sodium_memcmp(e[i].re_tag, rk->rk_tag,
		    RECENT_TAGLEN) == 0) & recent_live(&e[i], now, lifetime);
	pthread_mutex_unlock(&rc->rc_lock);
	return hit;
}

void
recent_insert(struct recent *rc, const struct recent_key *rk, uint64_t now)
{
	struct recent_entry	*e = recent_set(rc, rk->rk_user);
	size_t			 i, victim = 0;

	pthread_mutex_lock(&rc->rc_lock);
	/* The same tag again, else an empty way or the oldest. */
	for (i = 0; i < RECENT_WAYS; i++) {
		if (e[i].re_stored != 0 && sodium_memcmp(e[i].re_tag,
		    rk->rk_tag, RECENT_TAGLEN) == 0) {
			victim = i;
			break;
		}
		if (e[i].re_stored < e[victim].re_stored)
			victim = i;
	}
	memcpy(e[victim].re_tag, rk->rk_tag, RECENT_TAGLEN);
	e[victim].re_user = rk->rk_user;
	e[victim].re_stored = now;
	pthread_mutex_unlock(&rc->rc_lock);
}

void
recent_forget(struct recent *rc, const struct recent_key *rk)
{
	struct recent_entry	*e = recent_set(rc, rk->rk_user);
	size_t			 i;

	pthread_mutex_lock(&rc->rc_lock);
	for (i = 0; i < RECENT_WAYS; i++)
		if (e[i].re_stored != 0 && sodium_memcmp(e[i].re_tag,
		    rk->rk_tag, RECENT_TAGLEN) == 0)
			sodium_memzero(&e[i], sizeof(e[i]));
	pthread_mutex_unlock(&rc->rc_lock);
}

void
recent_forget_user(struct recent *rc, const char *user, size_t len)
{
	uint64_t		 u = recent_user(rc, user, len);
	struct recent_entry	*e = recent_set(rc, u);
	size_t			 i;

	pthread_mutex_lock(&rc->rc_lock);
	for (i = 0; i < RECENT_WAYS; i++)
		if (e[i].re_stored != 0 && e[i].re_user == u)
			sodium_memzero(&e[i], sizeof(e[i]));
	pthread_mutex_unlock(&rc->rc_lock);
}

size_t
recent_count(struct recent *rc, uint64_t now, unsigned lifetime)
{
	size_t i, n = 0;

	pthread_mutex_lock(&rc->rc_lock);
	for (i = 0; i < rc->rc_sets * RECENT_WAYS; i++)
		n += recent_live(&rc->rc_entries[i], now, lifetime);
	pthread_mutex_unlock(&rc->rc_lock);
	return n;
}
