/*
 * The runtime parts that serve beside a snapshot (services.h): the
 * verification cache and password hashing, made for it or handed on
 * from the snapshot it replaces.
 */
#include "config.h"

#include <string.h>

#include "authcache.h"
#include "conf.h"
#include "errlist.h"
#include "pwcheck.h"
#include "services.h"
#include "users.h"

/* Can cf go on with prev's cache?  The same [cache] entries and ttl. */
static int
services_cache_compatible(const struct conf *cf, const struct conf *prev_cf,
    const struct authz_services *prev)
{
	/* The ttl is the cache's own (authcache_new), so it must match. */
	return prev->as_cache != NULL && cf->cf_cache_ttl > 0 &&
	    cf->cf_cache_ttl == prev_cf->cf_cache_ttl &&
	    cf->cf_cache_entries == prev_cf->cf_cache_entries;
}

int
services_prepare(struct authz_services *sv, const struct conf *cf,
    const struct conf *prev_cf, const struct authz_services *prev,
    struct errlist *errs)
{
	if (prev_cf == NULL)
		prev = NULL;
	if (sv->as_pwcheck != NULL)
		return 0;
	if (cf->cf_cache_ttl > 0 && sv->as_cache == NULL) {
		if (prev != NULL &&
		    services_cache_compatible(cf, prev_cf, prev))
			sv->as_cache = authcache_ref(prev->as_cache);
		else if ((sv->as_cache = authcache_new(cf->cf_cache_entries,
		    cf->cf_cache_ttl)) == NULL) {
			errlist_add(errs, cf->cf_path, 0,
			    "cannot allocate the cache");
			return -1;
		}
	}
	sv->as_pwcheck = pwcheck_new_like(prev != NULL ? prev->as_pwcheck :
	    NULL, cf->cf_hash_max_concurrent, users_typical_hash(cf->cf_users),
	    cf->cf_hash_opslimit, cf->cf_hash_memlimit);
	if (sv->as_pwcheck == NULL) {
		errlist_add(errs, cf->cf_path, 0,
		    "cannot set up password hashing (out of memory?)");
		return -1;
	}
	return 0;
}

void
services_free(struct authz_services *sv)
{
	if (sv == NULL)
		return;
	authcache_free(sv->as_cache);
	pwcheck_free(sv->as_pwcheck);
	memset(sv, 0, sizeof(*sv));
}
