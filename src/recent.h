/*
 * Credentials that verified recently, remembered for longer than the
 * verification cache remembers them, for one purpose: when a flood of
 * wrong passwords fills the hashing pool, a real user whose cache entry
 * has just expired is not turned away with 429 like an attacker, but
 * verified in a place the flood cannot take (hashpool_verify_reserved).
 * A tag never allows anything: the password is verified in full again.
 *
 * A tag is a keyed BLAKE2b digest (random key per set) of user name,
 * stored hash and password, never the password: guessing one takes the
 * password, and a changed password has another.  The set is fixed in
 * size, 4-way set associative; the set of a tag is chosen by a keyed
 * SipHash of the user name alone, so that a reload can drop every tag
 * of a user it changes, disables or removes (recent_forget_user)
 * without knowing the password.  The oldest tag of a full set gives way.
 * Shared by reference count (a reload hands the set on).  Every now
 * below is monoclock_now()'s seconds (monoclock.h).
 */
#ifndef AUTHZ_RECENT_H
#define AUTHZ_RECENT_H

#include <stddef.h>
#include <stdint.h>

/* 128 bits: nobody sees a tag, so a guess can only be checked by
 * presenting the credential, which costs a slow hash when wrong. */
#define RECENT_TAGLEN	16

/* One credential's tag and its user's digest (recent_key). */
struct recent_key {
	uint8_t		rk_tag[RECENT_TAGLEN];
	uint64_t	rk_user;
};

struct recent;

/*
 * A set of at least entries tags (rounded up to a power of two, at
 * least 4); NULL on failure.  The caller holds the one reference.
 */
struct recent	*recent_new(size_t entries);
/* Another reference, for another owner; NULL stays NULL. */
struct recent	*recent_ref(struct recent *);
/* Drops one reference; the last one wipes and frees.  NULL is fine. */
void		 recent_free(struct recent *);

/* The key of one credential, in *rk (the caller wipes it after use). */
void	recent_key(const struct recent *, const char *user,
	    const char *stored_hash, const char *password, size_t len,
	    struct recent_key *rk);
/*
 * Returns 1 if rk's credential was stored (recent_insert) less than
 * lifetime seconds before now.  The tags of rk's set are all compared,
 * in constant time.
 */
int	recent_lookup(struct recent *, const struct recent_key *rk,
	    uint64_t now, unsigned lifetime);
/* Stores rk's credential as verified at now (again: now is kept). */
void	recent_insert(struct recent *, const struct recent_key *rk,
	    uint64_t now);
/* Drops rk's tag, if any. */
void	recent_forget(struct recent *, const struct recent_key *rk);
/* Drops every tag of the user name (len bytes). */
void	recent_forget_user(struct recent *, const char *user, size_t len);
/* Tags stored less than lifetime seconds before now (tests, metrics). */
size_t	recent_count(struct recent *, uint64_t now, unsigned lifetime);

#endif
