/*
 * The runtime parts that serve beside a snapshot (struct authz_services,
 * authz.h): the verification cache, the recent successes and password
 * hashing, made for the snapshot or handed on from the one it replaces.
 * The throttle table is the server's, opened once at start-up: the
 * caller lends it.
 */
#ifndef AUTHZ_SERVICES_H
#define AUTHZ_SERVICES_H

#include "authz.h"

struct conf;
struct errlist;

/*
 * Sets up sv (zeroed by the caller) for cf: the verification cache and
 * password hashing, whose dummy hash costs one slow hash.  A reload
 * passes the running snapshot, prev_cf with its services prev: sv goes
 * on with prev's cache when [cache] entries and ttl did not change
 * (safe: a cache key covers the stored hash, and removed, disabled or
 * expired users are refused before the cache is asked) and with prev's
 * dummy hash when the users' typical cost did not.  With a cache, sv
 * also goes on with prev's recent successes (recent.h) whatever [cache]
 * says, less the tags of every user of prev_cf that cf changed, disabled
 * or removed; without one it has none.  prev_cf and prev may be NULL,
 * and prev may have no cache or hashing (then sv makes its own).  An sv
 * set up already is left as it is.  as_throttle is not touched.  Returns
 * 0, or -1 with an error in errs (sv then holds what was made:
 * services_free() it).  Main thread; prev must not be freed meanwhile.
 */
int	services_prepare(struct authz_services *sv, const struct conf *cf,
	    const struct conf *prev_cf, const struct authz_services *prev,
	    struct errlist *errs);
/*
 * Lets go of sv's cache and recent successes (references: a later
 * snapshot may hold them too) and frees its hashing; the throttle table
 * is borrowed and stays.
 * Zeroes sv.  NULL is fine.
 */
void	services_free(struct authz_services *sv);

#endif
