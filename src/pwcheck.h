/*
 * Password verification: hashfmt_verify() behind a limit on how
 * many run at once (each one may take max_memory bytes), and a dummy
 * verification with realistic parameters for users that do not exist.
 */
#ifndef AUTHZ_PWCHECK_H
#define AUTHZ_PWCHECK_H

#include <stddef.h>

struct pwcheck;

/*
 * Creates a verifier allowing max_concurrent verifications at once.  The
 * dummy hash is made from typical_hash's parameters when it is an argon2
 * string, else with opslimit/memlimit (argon2id).  Returns NULL on failure.
 */
struct pwcheck	*pwcheck_new(unsigned max_concurrent, const char *typical_hash,
		    unsigned long long opslimit, size_t memlimit);
/*
 * pwcheck_new, but the dummy hash is prev's when it would be made at the
 * same cost (prev may be NULL): a reload need not make it again.
 */
struct pwcheck	*pwcheck_new_like(const struct pwcheck *prev,
		    unsigned max_concurrent, const char *typical_hash,
		    unsigned long long opslimit, size_t memlimit);
/* The dummy hash unknown users are verified against (for tests). */
const char	*pwcheck_dummy_hash(const struct pwcheck *);
void		 pwcheck_free(struct pwcheck *);

/*
 * Hands verifications to a hashing pool (hashpool.h) instead of running
 * them on the caller's thread behind the semaphore.  The pool is
 * borrowed: it must outlive the pwcheck.
 */
struct hashpool;
void	pwcheck_attach_pool(struct pwcheck *, struct hashpool *);

/*
 * Verifies password against hash: on the pool when one is attached, else
 * here after waiting for a free slot.  Returns 1 if it matches, 0 if not
 * (or on any failure: fail closed), -1 if the pool is full and nothing
 * was verified (answer 429).
 */
int	pwcheck_verify(struct pwcheck *, const char *hash,
	    const char *password, size_t len)
	    __attribute__((warn_unused_result));

/*
 * Verifies again, in the background, a password known to be good
 * (hashpool_renew): done(arg, result) runs on a pool thread.  Returns 0,
 * or -1 (done not called) without a pool or when the pool takes no more.
 */
int	pwcheck_renew(struct pwcheck *, const char *hash, const char *password,
	    size_t len, void (*done)(void *, int), void *arg)
	    __attribute__((warn_unused_result));

/* Costs what a verification costs and never matches: returns 0, or -1
 * when the pool is full, as pwcheck_verify(). */
int	pwcheck_verify_dummy(struct pwcheck *, const char *password,
	    size_t len) __attribute__((warn_unused_result));

/*
 * Verifications pwcheck_verify and pwcheck_verify_dummy ran (not those
 * refused with -1): what a request cost, observed rather than timed.
 */
unsigned long long pwcheck_verified(struct pwcheck *);

/* Verifications running and waiting now (for metrics). */
unsigned pwcheck_running(struct pwcheck *);

#endif
