/*
 * The request threads' places.  `workers` threads at a time take
 * requests.  A thread that must wait (for a hash, for a verification
 * another request started, for a refusal's delay) gives its place up
 * first: to a thread parked for one, else to a thread started for it,
 * up to a cap.  Waits then never leave fewer than `workers` threads free
 * to answer cached and public requests, however many requests wait on
 * one popular credential whose cache entry expired.  A thread whose wait
 * is over finishes its request without a place, then parks until one is
 * free.  Past the cap, a waiting thread keeps its place, as if there
 * were no crew.
 *
 * Which thread holds a place is the thread's own business (thread-local
 * state), so the waits can be marked deep inside the code that waits
 * (hashpool.h's wait hooks) without passing the worker down.
 */
#ifndef AUTHZ_CREW_H
#define AUTHZ_CREW_H

struct crew;

/*
 * Starts one more thread, which calls crew_enter like the others.
 * 0, or -1 (nothing started).  Called from a waiting thread, without the
 * crew's lock.
 */
typedef int	(*crew_start_fn)(void *arg);

/*
 * places threads take requests at once; besides the threads started
 * for them, up to extra more are started by crew_wait_begin.  The
 * caller starts the first places threads itself.  NULL when out of
 * memory.
 */
struct crew	*crew_new(unsigned places, unsigned extra, crew_start_fn start,
		    void *arg);
/* Nothing may use it any more. */
void		 crew_free(struct crew *);

/*
 * Gives the calling thread a place, waiting for one if it has none.
 * Once the crew is stopped it returns at once, place or not: every
 * thread then helps answer the requests already whole, until the loop
 * says there are none (connloop_take).
 */
void		 crew_enter(struct crew *);
/* A thread that returns lets its place go (parked ones may go on). */
void		 crew_leave(struct crew *);

/*
 * The calling thread is about to wait: its place goes to a parked
 * thread, or to a new one.  Nothing for a thread that holds no place of
 * this crew.  crew_wait_end when the wait is over.  arg is a crew, so
 * that both fit hashpool_set_wait_hooks.
 */
void		 crew_wait_begin(void *crew);
void		 crew_wait_end(void *crew);

/* Wakes every parked thread; crew_enter waits no more. */
void		 crew_stop(struct crew *);

/* For metrics. */
struct crew_counts {
	unsigned	cc_threads;	/* started, the first places ones too */
	unsigned	cc_waiting;	/* gave their place up and wait */
	unsigned	cc_parked;	/* wait for a place */
	unsigned	cc_capped;	/* waits that kept their place, ever */
};
void		 crew_get_counts(struct crew *, struct crew_counts *);

#endif
