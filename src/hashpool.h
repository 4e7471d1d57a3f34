/*
 * Password hashing off the request threads.  A fixed set of threads, at
 * the lowest CPU priority (but one: HASHPOOL_KEPT_THREADS), runs the
 * verifications; request threads hand one over and wait.  Two things
 * follow: a flood of wrong passwords gets little of the CPU that
 * answering cached credentials needs (and less still once the pool
 * refuses work: HASHPOOL_REST_RATIO), and at most max_inflight
 * verifications that anyone may ask for are under way, running or
 * queued.  Past that, a verification is refused at once (the caller
 * answers 429): RFC 6585 section 7.2 lets a server under attack shed
 * load rather than queue it.  Requests that share one verification take
 * no place of their own.  Waiting takes no request thread from the
 * requests being answered: a waiting thread gives its place among them
 * to another meanwhile (hashpool_set_wait_hooks, crew.h).
 * A few more places are kept for passwords that verified recently, which
 * a flood cannot take (hashpool_verify_reserved).
 */
#ifndef AUTHZ_HASHPOOL_H
#define AUTHZ_HASHPOOL_H

#include <stddef.h>
#include <stdint.h>

struct hashpool;

/*
 * Starts threads hashing threads (each may take a hash's memory: this is
 * [hashing] max_concurrent) and accepts at most max_inflight
 * verifications at once, running or queued, and besides them
 * HASHPOOL_RESERVED(max_inflight) for credentials that verified recently
 * (hashpool_verify_reserved).  NULL on failure.
 */
struct hashpool	*hashpool_new(unsigned threads, unsigned max_inflight);

/*
 * Places kept for hashpool_verify_reserved beside max_inflight: half as
 * many again, at least one.  A flood cannot take them, and a request
 * thread waits in one only for a password that verified recently, so
 * more than half the request threads wait for hashes only when that
 * many real users need one at once.
 */
#define HASHPOOL_RESERVED(max_inflight)	(((max_inflight) + 1) / 2)

/*
 * Hashing threads kept for renewals and reserved verifications: one when
 * there are two or more, so that neither waits for a thread that a flood
 * keeps busy, at nice AUTHZ_KEPT_HASH_NICE (0) instead of 19, so that a
 * machine busy answering cached requests does not starve them either.
 * The others run those first too, then any verification.  Memory stays
 * threads x a hash's: no thread is added.
 */
#define HASHPOOL_KEPT_THREADS(threads)	((threads) >= 2 ? 1 : 0)

/*
 * A pool that refuses verifications is asked for more than it can hash:
 * a flood, most likely.  Then each thread, after anyone's verification
 * (not a renewal, not a reserved one) that ran while a refusal happened,
 * takes no other such one for this many times as long as it ran; it
 * still runs renewals and reserved verifications meanwhile.  A low
 * priority alone does not keep hashing to the CPU that answering leaves
 * over: on a machine of few cores, a thread hashing beside the answering
 * ones slows them whatever its nice value (docs/architecture.md,
 * "Processes and threads").  So under a flood anyone's hashing runs at
 * most 1 / (1 + ratio) of the time.  A pool that keeps up never rests.
 */
#define HASHPOOL_REST_RATIO	2

/*
 * begin(arg) runs on a request thread that is about to wait for a
 * verification, its own or one it shares, and end(arg) once it has the
 * result (crew.h: its place goes to another thread meanwhile).  Neither
 * runs for a refusal.  Set before any verification.
 */
void	hashpool_set_wait_hooks(struct hashpool *, void (*begin)(void *),
	    void (*end)(void *), void *arg);

/* Another ratio, for the rests under way too (0: none); for tests. */
void	hashpool_set_rest_ratio(struct hashpool *, unsigned ratio);
/* Stops and joins the threads; nothing may be waiting. */
void		 hashpool_free(struct hashpool *);

/*
 * Verifies password against a stored hash (hashfmt.h) on a pool thread
 * and waits for the answer.  Returns 1 if it matches, 0 if not, -1 if
 * max_inflight verifications are already under way (nothing was done).
 * ran_ns, if not NULL, gets how long the verification itself ran, in
 * nanoseconds, without the wait for a thread.
 */
int	hashpool_verify(struct hashpool *, const char *hash,
	    const char *password, size_t len, uint64_t *ran_ns)
	    __attribute__((warn_unused_result));

/*
 * hashpool_verify for a credential that verified recently (recent.h): it
 * takes a free place among max_inflight, else one of the reserved
 * places, and goes before every queued verification (after renewals).
 * The caller vouches for the credential; the pool verifies it in full
 * all the same.  -1 only when both kinds of places are taken.
 */
int	hashpool_verify_reserved(struct hashpool *, const char *hash,
	    const char *password, size_t len, uint64_t *ran_ns)
	    __attribute__((warn_unused_result));

/*
 * Renewals of credentials known to be good (authcache.h): they go before
 * every queued verification, take no request thread and no place among
 * max_inflight, and at most this many are queued or running.  Each costs
 * a hashing thread's time, never more memory than max_concurrent allows.
 */
#define HASHPOOL_RENEWALS_MAX	64

/*
 * Verifies password against hash on a pool thread, with nobody waiting
 * but requests for the same credential that come meanwhile, which share
 * its result (hashpool_verify): done(arg, result) runs there when it ends, with 1 (match), 0 (no match)
 * or -1 (dropped: the pool was stopping).  hash and password are copied,
 * the copies wiped after.  Returns 0, or -1 (done not called) when
 * HASHPOOL_RENEWALS_MAX are under way or memory ran out.
 */
int	hashpool_renew(struct hashpool *, const char *hash,
	    const char *password, size_t len, void (*done)(void *, int),
	    void *arg) __attribute__((warn_unused_result));

/* Verifications running and queued now, in either kind of place (for
 * metrics). */
unsigned hashpool_inflight(struct hashpool *);

/*
 * For metrics: how many threads are hashing now, how many verifications
 * and renewals wait for one, and the refusals, rests and renewals so far.
 * Requests that share a verification (hashpool_verify) count as one.
 */
struct hashpool_load {
	unsigned	hl_threads;
	unsigned	hl_running;
	unsigned	hl_queued;
	unsigned	hl_reserved;	/* reserved places taken */
	uint64_t	hl_runs;	/* verifications run, renewals too */
	uint64_t	hl_refusals;	/* verifications refused, ever */
	uint64_t	hl_rests;	/* rests begun, ever (HASHPOOL_REST_RATIO) */
	/* Renewals ended, ever: verified again, no longer matching, and
	 * dropped unrun (the renewals were full, or the pool stopping). */
	uint64_t	hl_renewed;
	uint64_t	hl_renewals_refused;
	uint64_t	hl_renewals_dropped;
};

void	hashpool_get_load(struct hashpool *, struct hashpool_load *);

#endif
