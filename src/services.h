/*
 * The runtime parts of a snapshot: cache and password hashing.
 */
#ifndef AUTHZ_SERVICES_H
#define AUTHZ_SERVICES_H

struct conf;
struct errlist;

/*
 * Sets up what answering requests needs beyond the files: the
 * verification cache and password hashing, whose dummy hash costs one
 * slow hash.  conf_load() does it unless CONF_LOAD_NO_PWCHECK; the
 * supervisor's spare copy skips it until a worker is started from it, and
 * a reload does it after the load, from the running snapshot prev: it
 * goes on with prev's cache when [cache] entries and ttl did not change
 * (safe: a cache key covers the stored hash, and removed, disabled or
 * expired users are refused before the cache is asked) and with prev's
 * dummy hash when the users' typical cost did not.  prev may be NULL.
 * Returns 0, or -1 with an error in errs.
 */
int		 conf_prepare_serving(struct conf *, const struct conf *prev,
		    struct errlist *errs);

#endif
