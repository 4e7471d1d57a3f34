/*
 * Password verification: hashfmt_verify() behind a limit on how
 * many run at once (each one may take max_memory bytes), and a dummy
 * verification with realistic parameters for users that do not exist.
 */
#ifndef AUTHZ_PWCHECK_H
#define AUTHZ_PWCHECK_H

#include <stddef.h>
#include <stdint.h>

struct pwcheck;

/*
 * Creates a verifier allowing max_concurrent verifications at once.  The
 * dummy hash is made like typical_hash (the users' most common kind):
 * argon2 with its parameters, bcrypt, yescrypt or sha-crypt in its format
 * at its cost (hashfmt_make_like); else argon2id with opslimit/memlimit.
 * Returns NULL on failure.
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
 * What a verification took, and when an answer that refuses after it may
 * go out: a failure against a hash cheaper than the dummy must take as
 * long as an unknown user's, or its speed would tell that the user
 * exists (docs/security.md, User enumeration).  The caller holds the
 * answer back; the hashing slot is free meanwhile.
 */
struct pwcheck_timing {
	uint64_t	pt_ran_ns;	/* the verification itself */
	uint64_t	pt_done_ns;	/* monoclock_ns() when it ended */
	uint64_t	pt_not_before;	/* monoclock_ns() deadline: done plus
					   what ran lacks of one of the
					   dummy's run times; 0: no wait,
					   also for a hash that costs what
					   the dummy costs */
};

/* pwcheck_verify, and its timing in *pt (which may be NULL). */
int	pwcheck_verify_timed(struct pwcheck *, const char *hash,
	    const char *password, size_t len, struct pwcheck_timing *pt)
	    __attribute__((warn_unused_result));

/*
 * pwcheck_verify_timed for a credential that verified recently
 * (recent.h): on the pool it may take a reserved place and goes before
 * other verifications (hashpool_verify_reserved); verified in full all
 * the same.  Without a pool, as pwcheck_verify_timed.
 */
int	pwcheck_verify_reserved(struct pwcheck *, const char *hash,
	    const char *password, size_t len, struct pwcheck_timing *pt)
	    __attribute__((warn_unused_result));

/*
 * One of the dummy's last 20 run times (the first is the time it took to
 * make it), drawn at random, in nanoseconds: how long an unknown user's
 * verification takes.  Drawn, not the median, so that refusals held
 * back to it spread as unknown users' answers do.
 */
uint64_t pwcheck_dummy_time_ns(const struct pwcheck *);

/*
 * Counts ran_ns as a run time of the dummy, over the oldest of the 20, as
 * pwcheck_verify_dummy() does with what it measures (tests use it to
 * know the times).
 */
void	pwcheck_note_dummy_time(struct pwcheck *, uint64_t ran_ns);

/* The deadline of pwcheck_timing: 0 when ran_ns reached dummy_ns. */
uint64_t pwcheck_pad_until(uint64_t dummy_ns, uint64_t ran_ns,
	    uint64_t done_ns);

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
