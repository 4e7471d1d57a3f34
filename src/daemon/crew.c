/*
 * The request threads' places (crew.h).  One mutex, taken only around
 * waits, which are hashes or refusals' delays: a thread that keeps its
 * place takes the next request without it.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "crew.h"

struct crew {
	pthread_mutex_t	 cw_lock;
	pthread_cond_t	 cw_free;	/* a place went free, or stopping */
	unsigned	 cw_places_free;
	unsigned	 cw_parked;	/* threads in crew_enter, waiting */
	unsigned	 cw_threads;	/* started */
	unsigned	 cw_threads_max;
	unsigned	 cw_waiting;	/* gave their place up, still waiting */
	unsigned	 cw_capped;
	int		 cw_stopping;
	crew_start_fn	 cw_start;
	void		*cw_arg;
};

/* The crew whose place this thread holds, and the one it gave up. */
static __thread struct crew	*crew_held;
static __thread struct crew	*crew_given;

struct crew *
crew_new(unsigned places, unsigned extra, crew_start_fn start, void *arg)
{
	struct crew *cw;

	if ((cw = calloc(1, sizeof(*cw))) == NULL)
		return NULL;
	pthread_mutex_init(&cw->cw_lock, NULL);
	pthread_cond_init(&cw->cw_free, NULL);
	cw->cw_places_free = places;
	cw->cw_threads = places;
	cw->cw_threads_max = places + extra;
	cw->cw_start = start;
	cw->cw_arg = arg;
	return cw;
}

void
crew_free(struct crew *cw)
{
	if (cw == NULL)
		return;
	pthread_cond_destroy(&cw->cw_free);
	pthread_mutex_destroy(&cw->cw_lock);
	free(cw);
}

void
crew_enter(struct crew *cw)
{
	/* The common case, once a request: no lock for a thread that kept
	 * its place (only this thread changes crew_held). */
	if (crew_held == cw)
		return;
	pthread_mutex_lock(&cw->cw_lock);
	while (!cw->cw_stopping && cw->cw_places_free == 0) {
		cw->cw_parked++;
		pthread_cond_wait(&cw->cw_free, &cw->cw_lock);
		cw->cw_parked--;
	}
	if (!cw->cw_stopping) {
		cw->cw_places_free--;
		crew_held = cw;
	}
	pthread_mutex_unlock(&cw->cw_lock);
}

/* Called with the lock held. */
static void
crew_give_place(struct crew *cw)
{
	cw->cw_places_free++;
	crew_held = NULL;
	pthread_cond_signal(&cw->cw_free);
}

void
crew_leave(struct crew *cw)
{
	pthread_mutex_lock(&cw->cw_lock);
	if (crew_held == cw)
		crew_give_place(cw);
	pthread_mutex_unlock(&cw->cw_lock);
}

void
crew_wait_begin(void *arg)
{
	struct crew	*cw = arg;
	int		 start = 0;

	if (crew_held != cw)
		return;
	pthread_mutex_lock(&cw->cw_lock);
	if (cw->cw_stopping) {
		/* Every thread goes on anyway (crew_enter). */
		pthread_mutex_unlock(&cw->cw_lock);
		return;
	}
	if (cw->cw_parked == 0) {
		if (cw->cw_threads >= cw->cw_threads_max) {
			/* Nobody to take it: keep it. */
			cw->cw_capped++;
			pthread_mutex_unlock(&cw->cw_lock);
			return;
		}
		cw->cw_threads++;
		start = 1;
	}
	crew_give_place(cw);
	crew_given = cw;
	cw->cw_waiting++;
	pthread_mutex_unlock(&cw->cw_lock);
	/*
	 * Without the lock: starting a thread takes a while.  If it fails,
	 * the place stays free for whichever thread enters next, this one
	 * at the latest, once its wait is over.
	 */
	if (start && cw->cw_start(cw->cw_arg) == -1) {
		pthread_mutex_lock(&cw->cw_lock);
		cw->cw_threads--;
		pthread_mutex_unlock(&cw->cw_lock);
	}
}

void
crew_wait_end(void *arg)
{
	struct crew *cw = arg;

	if (crew_given != cw)
		return;
	pthread_mutex_lock(&cw->cw_lock);
	cw->cw_waiting--;
	crew_given = NULL;
	pthread_mutex_unlock(&cw->cw_lock);
}

void
crew_stop(struct crew *cw)
{
	pthread_mutex_lock(&cw->cw_lock);
	cw->cw_stopping = 1;
	pthread_cond_broadcast(&cw->cw_free);
	pthread_mutex_unlock(&cw->cw_lock);
}

void
crew_get_counts(struct crew *cw, struct crew_counts *cc)
{
	pthread_mutex_lock(&cw->cw_lock);
	cc->cc_threads = cw->cw_threads;
	cc->cc_waiting = cw->cw_waiting;
	cc->cc_parked = cw->cw_parked;
	cc->cc_capped = cw->cw_capped;
	pthread_mutex_unlock(&cw->cw_lock);
}
