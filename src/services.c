/*
 * What a snapshot needs to answer requests beyond its settings: the
 * verification cache and password hashing, made for it or handed on
 * from the snapshot it replaces.
 */
#include "config.h"

#include "authcache.h"
#include "conf.h"
#include "errlist.h"
#include "pwcheck.h"
#include "services.h"
#include "users.h"

/* Can to go on with from's cache?  The same [cache] entries and ttl. */
static int
conf_cache_compatible(const struct conf *to, const struct conf *from)
{
	/* The ttl is the cache's own (authcache_new), so it must match. */
	return from->cf_cache != NULL && to->cf_cache_ttl > 0 &&
	    to->cf_cache_ttl == from->cf_cache_ttl &&
	    to->cf_cache_entries == from->cf_cache_entries;
}

int
conf_prepare_serving(struct conf *cf, const struct conf *prev,
    struct errlist *errs)
{
	if (cf->cf_pwcheck != NULL)
		return 0;
	if (cf->cf_cache_ttl > 0 && cf->cf_cache == NULL) {
		if (prev != NULL && conf_cache_compatible(cf, prev))
			cf->cf_cache = authcache_ref(prev->cf_cache);
		else if ((cf->cf_cache = authcache_new(cf->cf_cache_entries,
		    cf->cf_cache_ttl)) == NULL) {
			errlist_add(errs, cf->cf_path, 0,
			    "cannot allocate the cache");
			return -1;
		}
	}
	cf->cf_pwcheck = pwcheck_new_like(prev != NULL ? prev->cf_pwcheck :
	    NULL, cf->cf_hash_max_concurrent, users_typical_hash(cf->cf_users),
	    cf->cf_hash_opslimit, cf->cf_hash_memlimit);
	if (cf->cf_pwcheck == NULL) {
		errlist_add(errs, cf->cf_path, 0,
		    "cannot set up password hashing (out of memory?)");
		return -1;
	}
	return 0;
}
