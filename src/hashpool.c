/*
 * The hashing pool (hashpool.h): one mutex, two queues of jobs that live
 * on their requesters' stacks (the reserved one, for credentials that
 * verified recently, goes first), and a queue of renewals that own
 * copies of their inputs and go before both.  A job for a hash and
 * password already queued or running, as a job or as a renewal, waits for
 * that one's result (hashpool_share).
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "defaults.h"
#include "hashfmt.h"
#include "hashpool.h"
#include "monoclock.h"
#include "proc.h"

/* One verification, on the requesting thread's stack. */
struct hashjob {
	const char	*hj_hash;
	const char	*hj_password;
	size_t		 hj_len;
	int		 hj_result;
	uint64_t	 hj_ran_ns;	/* the verification alone */
	int		 hj_done;
	int		 hj_reserved;	/* holds a reserved place */
	unsigned	 hj_sharers;	/* others waiting for this result */
	struct hashjob	*hj_next;	/* in the queue */
	struct hashjob	*hj_active_next; /* queued or running */
};

/*
 * A renewal: a verification nobody waits for (hashpool_renew), except
 * requests for the same credential that find its job among the active
 * ones: a cache entry that expires while its renewal is on its way costs
 * no second hash.
 */
struct hashrenewal {
	struct hashjob	 hr_job;	/* in hp_active, for hashpool_share */
	char		*hr_hash;	/* copies: the snapshot may go first */
	char		*hr_password;	/* sodium_malloc'd, wiped by free */
	size_t		 hr_len;
	void		(*hr_done)(void *, int);
	void		*hr_arg;
	struct hashrenewal *hr_next;
};

struct hashpool {
	pthread_mutex_t	 hp_lock;
	pthread_cond_t	 hp_work;	/* a job was queued, or stop:
					   broadcast, since not every
					   thread takes every job */
	pthread_cond_t	 hp_done;	/* a job finished */
	struct hashjob	*hp_head, *hp_tail;
	struct hashjob	*hp_rjhead, *hp_rjtail;	/* reserved: before hp_head */
	struct hashjob	*hp_active;	/* every job queued or running */
	unsigned	 hp_inflight;	/* queued + running, in max_inflight */
	unsigned	 hp_max_inflight;
	unsigned	 hp_reserved;	/* queued + running, reserved places */
	unsigned	 hp_max_reserved;
	struct hashrenewal *hp_rhead, *hp_rtail;	/* run first */
	unsigned	 hp_nrenewals;	/* queued + running */
	unsigned	 hp_queued;	/* jobs and renewals on the queues */
	unsigned	 hp_running;	/* threads hashing */
	int		 hp_stopping;
	pthread_t	*hp_threads;
	unsigned	 hp_nthreads;
	unsigned	 hp_kept_threads; /* for renewals and reserved jobs
					    only (HASHPOOL_KEPT_THREADS) */
	unsigned	 hp_kept_started;
	uint64_t	 hp_runs;	/* verifications run, renewals too */
	uint64_t	 hp_refusals;	/* verifications refused, ever */
	uint64_t	 hp_rests;	/* rests begun, ever */
	uint64_t	 hp_renewed;	/* renewals by result, ever */
	uint64_t	 hp_renewals_refused;
	uint64_t	 hp_renewals_dropped;
	unsigned	 hp_rest_ratio;	/* HASHPOOL_REST_RATIO */
	/* hashpool_set_wait_hooks; set before any request. */
	void		(*hp_wait_begin)(void *);
	void		(*hp_wait_end)(void *);
	void		*hp_wait_arg;
};

static void	hashpool_unlink_active(struct hashpool *, struct hashjob *);

static void
hashpool_renewal_free(struct hashrenewal *r)
{
	if (r->hr_hash != NULL) {
		sodium_memzero(r->hr_hash, strlen(r->hr_hash));
		free(r->hr_hash);
	}
	sodium_free(r->hr_password);
	free(r);
}

/* Counts a renewal's result (hashpool_load); called with the lock. */
static void
hashpool_count_renewal(struct hashpool *hp, int result)
{
	if (result == 1)
		hp->hp_renewed++;
	else if (result == 0)
		hp->hp_renewals_refused++;
	else
		hp->hp_renewals_dropped++;
}

/*
 * Runs the first renewal, without the lock meanwhile; called and returns
 * with it held.  Once the pool is stopping, queued renewals are dropped:
 * their callers, and requests sharing them, learn it as result -1.
 */
static void
hashpool_run_renewal(struct hashpool *hp)
{
	struct hashrenewal	*r = hp->hp_rhead;
	uint64_t		 started = monoclock_ns();
	int			 stopping = hp->hp_stopping, result = -1;

	if ((hp->hp_rhead = r->hr_next) == NULL)
		hp->hp_rtail = NULL;
	hp->hp_queued--;
	hp->hp_running++;
	if (!stopping)
		hp->hp_runs++;
	pthread_mutex_unlock(&hp->hp_lock);
	if (!stopping)
		result = hashfmt_verify(r->hr_hash, r->hr_password,
		    r->hr_len);
	pthread_mutex_lock(&hp->hp_lock);
	r->hr_job.hj_result = result;
	r->hr_job.hj_ran_ns = monoclock_ns() - started;
	r->hr_job.hj_done = 1;
	pthread_cond_broadcast(&hp->hp_done);
	/* Requests sharing it read the result before it goes. */
	while (r->hr_job.hj_sharers > 0)
		pthread_cond_wait(&hp->hp_done, &hp->hp_lock);
	hashpool_unlink_active(hp, &r->hr_job);
	hp->hp_running--;
	hp->hp_nrenewals--;
	hashpool_count_renewal(hp, result);
	pthread_mutex_unlock(&hp->hp_lock);
	r->hr_done(r->hr_arg, result);
	hashpool_renewal_free(r);
	pthread_mutex_lock(&hp->hp_lock);
}

/*
 * Whether a thread has work it may take (reserved_only: renewals and
 * reserved jobs, for the kept thread or one resting).
 */
static int
hashpool_has_work(const struct hashpool *hp, int reserved_only)
{
	return hp->hp_rhead != NULL || hp->hp_rjhead != NULL ||
	    (!reserved_only && hp->hp_head != NULL);
}

/*
 * When a thread's rest ends (monoclock_ns; 0: it is not resting): it
 * began at rest_from, after a verification that ran for ran ns.  Read
 * with the lock held, so that another ratio applies at once.
 */
static uint64_t
hashpool_rest_end(const struct hashpool *hp, uint64_t rest_from, uint64_t ran)
{
	return rest_from == 0 ? 0 : rest_from + ran * hp->hp_rest_ratio;
}

/*
 * Waits, with the lock held, until the pool stops or there is work this
 * thread may take.  A resting thread may take only renewals and reserved
 * jobs, and wakes at the rest's end if anyone's jobs are waiting.
 * Returns whether the thread may take only those now (kept or resting).
 */
static int
hashpool_wait_work(struct hashpool *hp, int kept, uint64_t rest_from,
    uint64_t ran)
{
	struct timespec	ts;
	uint64_t	until;
	int		resting;

	for (;;) {
		until = hashpool_rest_end(hp, rest_from, ran);
		resting = !kept && monoclock_ns() < until;
		if (hp->hp_stopping || hashpool_has_work(hp, kept || resting))
			return kept || resting;
		if (!resting || hp->hp_head == NULL) {
			pthread_cond_wait(&hp->hp_work, &hp->hp_lock);
			continue;
		}
		ts.tv_sec = (time_t)(until / 1000000000ULL);
		ts.tv_nsec = (long)(until % 1000000000ULL);
		(void)pthread_cond_timedwait(&hp->hp_work, &hp->hp_lock, &ts);
	}
}

/*
 * Takes the next job a thread may run off its queue, the reserved one
 * first (reserved_only: only that one); NULL: none.
 */
static struct hashjob *
hashpool_next_job(struct hashpool *hp, int reserved_only)
{
	struct hashjob	**head = &hp->hp_head, **tail = &hp->hp_tail;
	struct hashjob	 *job;

	if (hp->hp_rjhead != NULL) {
		head = &hp->hp_rjhead;
		tail = &hp->hp_rjtail;
	} else if (reserved_only)
		return NULL;
	if ((job = *head) == NULL)
		return NULL;
	if ((*head = job->hj_next) == NULL)
		*tail = NULL;
	return job;
}

/*
 * After anyone's verification (not a renewal, not a reserved job) that
 * ran while the pool refused others, a thread rests: it takes no such job
 * for hp_rest_ratio times as long as that one ran (hashpool.h).  Called
 * with the lock held; returns when the rest began, or 0 for none.
 */
static uint64_t
hashpool_rest_from(struct hashpool *hp, uint64_t refusals_before)
{
	if (hp->hp_refusals == refusals_before || hp->hp_rest_ratio == 0)
		return 0;
	hp->hp_rests++;
	return monoclock_ns();
}

static void *
hashpool_thread(void *arg)
{
	struct hashpool	*hp = arg;
	struct hashjob	*job;
	uint64_t	 started, took, refusals, ran = 0, rest_from = 0;
	int		 result, kept = 0, reserved_only, anyones;

	pthread_mutex_lock(&hp->hp_lock);
	if (hp->hp_kept_started < hp->hp_kept_threads) {
		hp->hp_kept_started++;
		kept = 1;
	}
	/*
	 * For this thread only (Linux: per-thread nice): cached requests
	 * get the CPU first.  The lowest priority for what anyone may ask;
	 * the kept thread's work is for credentials known to be good, and
	 * must land in time (AUTHZ_KEPT_HASH_NICE).
	 */
	(void)proc_thread_nice(kept ? AUTHZ_KEPT_HASH_NICE : 19);
	proc_thread_name(kept ? "authzd-hashkept" : "authzd-hash");
	for (;;) {
		reserved_only = hashpool_wait_work(hp, kept, rest_from, ran);
		if (hp->hp_rhead != NULL) {
			hashpool_run_renewal(hp);
			continue;
		}
		anyones = !reserved_only && hp->hp_rjhead == NULL;
		if ((job = hashpool_next_job(hp, reserved_only)) == NULL)
			break;
		hp->hp_queued--;
		hp->hp_running++;
		hp->hp_runs++;
		refusals = hp->hp_refusals;
		pthread_mutex_unlock(&hp->hp_lock);
		started = monoclock_ns();
		result = hashfmt_verify(job->hj_hash, job->hj_password,
		    job->hj_len);
		took = monoclock_ns() - started;
		pthread_mutex_lock(&hp->hp_lock);
		hp->hp_running--;
		job->hj_result = result;
		job->hj_ran_ns = took;
		job->hj_done = 1;
		if (anyones) {		/* a rest is as long as this ran */
			ran = took;
			rest_from = hashpool_rest_from(hp, refusals);
		}
		pthread_cond_broadcast(&hp->hp_done);
	}
	pthread_mutex_unlock(&hp->hp_lock);
	return NULL;
}

struct hashpool *
hashpool_new(unsigned threads, unsigned max_inflight)
{
	struct hashpool		*hp;
	pthread_condattr_t	 ca;
	sigset_t		 all, old;

	if (threads == 0 || max_inflight == 0 ||
	    (hp = calloc(1, sizeof(*hp))) == NULL)
		return NULL;
	if ((hp->hp_threads = calloc(threads, sizeof(*hp->hp_threads))) ==
	    NULL) {
		free(hp);
		return NULL;
	}
	pthread_mutex_init(&hp->hp_lock, NULL);
	/* Rests end on the monotonic clock (hashpool_wait_work). */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&hp->hp_work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&hp->hp_done, NULL);
	hp->hp_max_inflight = max_inflight;
	hp->hp_max_reserved = HASHPOOL_RESERVED(max_inflight);
	hp->hp_kept_threads = HASHPOOL_KEPT_THREADS(threads);
	hp->hp_rest_ratio = HASHPOOL_REST_RATIO;
	/* The threads take no signals. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; hp->hp_nthreads < threads; hp->hp_nthreads++)
		if (pthread_create(&hp->hp_threads[hp->hp_nthreads], NULL,
		    hashpool_thread, hp) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (hp->hp_nthreads < threads) {
		hashpool_free(hp);
		return NULL;
	}
	return hp;
}

void
hashpool_free(struct hashpool *hp)
{
	unsigned i;

	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->hp_lock);
	hp->hp_stopping = 1;
	pthread_cond_broadcast(&hp->hp_work);
	pthread_mutex_unlock(&hp->hp_lock);
	for (i = 0; i < hp->hp_nthreads; i++)
		pthread_join(hp->hp_threads[i], NULL);
	pthread_cond_destroy(&hp->hp_work);
	pthread_cond_destroy(&hp->hp_done);
	pthread_mutex_destroy(&hp->hp_lock);
	free(hp->hp_threads);
	free(hp);
}

/* The job verifying the same password against the same hash, if any. */
static struct hashjob *
hashpool_find_same(struct hashpool *hp, const char *hash,
    const char *password, size_t len)
{
	struct hashjob *j;

	for (j = hp->hp_active; j != NULL; j = j->hj_active_next)
		if (j->hj_len == len && strcmp(j->hj_hash, hash) == 0 &&
		    sodium_memcmp(j->hj_password, password, len) == 0)
			return j;
	return NULL;
}

/*
 * A request thread is about to wait for a job: tells the hook, without
 * the lock (it may start a thread).  Called and returns with the lock
 * held; the job cannot go meanwhile, since its owner waits for its
 * sharers and a job of ours is ours.
 */
static void
hashpool_wait_begin(struct hashpool *hp)
{
	if (hp->hp_wait_begin == NULL)
		return;
	pthread_mutex_unlock(&hp->hp_lock);
	hp->hp_wait_begin(hp->hp_wait_arg);
	pthread_mutex_lock(&hp->hp_lock);
}

/*
 * Waits for a job someone else started: a burst of requests with the same
 * credentials (a page's parallel requests, or all of them once a cache
 * entry expires) costs one verification and one slot, not one each.
 */
static int
hashpool_share(struct hashpool *hp, struct hashjob *j, uint64_t *ran_ns)
{
	int result;

	j->hj_sharers++;
	hashpool_wait_begin(hp);
	while (!j->hj_done)
		pthread_cond_wait(&hp->hp_done, &hp->hp_lock);
	result = j->hj_result;
	if (ran_ns != NULL)
		*ran_ns = j->hj_ran_ns;
	/* The owner keeps the job (on its stack) until we have read it. */
	j->hj_sharers--;
	pthread_cond_broadcast(&hp->hp_done);
	pthread_mutex_unlock(&hp->hp_lock);
	if (hp->hp_wait_end != NULL)
		hp->hp_wait_end(hp->hp_wait_arg);
	return result;
}

static void
hashpool_unlink_active(struct hashpool *hp, struct hashjob *job)
{
	struct hashjob **jp;

	for (jp = &hp->hp_active; *jp != NULL; jp = &(*jp)->hj_active_next)
		if (*jp == job) {
			*jp = job->hj_active_next;
			return;
		}
}

/*
 * Takes a place for a new job: one among max_inflight, else, for a
 * credential that verified recently, a reserved one.  Returns 0 and sets
 * job->hj_reserved, or -1 when none is free.  Called with the lock held.
 */
static int
hashpool_take_place(struct hashpool *hp, struct hashjob *job, int recent)
{
	if (hp->hp_inflight < hp->hp_max_inflight) {
		hp->hp_inflight++;
		return 0;
	}
	if (recent && hp->hp_reserved < hp->hp_max_reserved) {
		hp->hp_reserved++;
		job->hj_reserved = 1;
		return 0;
	}
	return -1;
}

static void
hashpool_give_place(struct hashpool *hp, const struct hashjob *job)
{
	if (job->hj_reserved)
		hp->hp_reserved--;
	else
		hp->hp_inflight--;
}

/*
 * Queues job, a recent credential's before every other job, and lists it
 * among the active ones for others with the same credential to share.
 */
static void
hashpool_enqueue(struct hashpool *hp, struct hashjob *job, int recent)
{
	struct hashjob **head = &hp->hp_head, **tail = &hp->hp_tail;

	if (recent) {
		head = &hp->hp_rjhead;
		tail = &hp->hp_rjtail;
	}
	if (*tail != NULL)
		(*tail)->hj_next = job;
	else
		*head = job;
	*tail = job;
	job->hj_active_next = hp->hp_active;
	hp->hp_active = job;
	hp->hp_queued++;
}

/* hashpool_verify and hashpool_verify_reserved (recent: 1). */
static int
hashpool_submit(struct hashpool *hp, const char *hash, const char *password,
    size_t len, uint64_t *ran_ns, int recent)
{
	struct hashjob	 job, *same;

	memset(&job, 0, sizeof(job));
	job.hj_hash = hash;
	job.hj_password = password;
	job.hj_len = len;
	pthread_mutex_lock(&hp->hp_lock);
	if ((same = hashpool_find_same(hp, hash, password, len)) != NULL)
		return hashpool_share(hp, same, ran_ns);
	if (hashpool_take_place(hp, &job, recent) == -1) {
		hp->hp_refusals++;
		pthread_mutex_unlock(&hp->hp_lock);
		return -1;
	}
	/*
	 * The job lives on this stack: a pool thread takes it off the
	 * queue before it runs it, and this function returns only once the
	 * thread has marked it done and every sharer has read the result,
	 * so no pointer to it outlives the call.
	 */
	hashpool_enqueue(hp, &job, recent);
	pthread_cond_broadcast(&hp->hp_work);
	hashpool_wait_begin(hp);
	while (!job.hj_done)
		pthread_cond_wait(&hp->hp_done, &hp->hp_lock);
	hashpool_unlink_active(hp, &job);
	while (job.hj_sharers > 0)
		pthread_cond_wait(&hp->hp_done, &hp->hp_lock);
	hashpool_give_place(hp, &job);
	pthread_mutex_unlock(&hp->hp_lock);
	if (hp->hp_wait_end != NULL)
		hp->hp_wait_end(hp->hp_wait_arg);
	if (ran_ns != NULL)
		*ran_ns = job.hj_ran_ns;
	return job.hj_result;
}

int
hashpool_verify(struct hashpool *hp, const char *hash, const char *password,
    size_t len, uint64_t *ran_ns)
{
	return hashpool_submit(hp, hash, password, len, ran_ns, 0);
}

int
hashpool_verify_reserved(struct hashpool *hp, const char *hash,
    const char *password, size_t len, uint64_t *ran_ns)
{
	return hashpool_submit(hp, hash, password, len, ran_ns, 1);
}

int
hashpool_renew(struct hashpool *hp, const char *hash, const char *password,
    size_t len, void (*done)(void *, int), void *arg)
{
	struct hashrenewal *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->hr_hash = strdup(hash);
	r->hr_password = sodium_malloc(len + 1);
	if (r->hr_hash == NULL || r->hr_password == NULL) {
		hashpool_renewal_free(r);
		return -1;
	}
	memcpy(r->hr_password, password, len);
	r->hr_len = len;
	r->hr_done = done;
	r->hr_arg = arg;
	r->hr_job.hj_hash = r->hr_hash;
	r->hr_job.hj_password = r->hr_password;
	r->hr_job.hj_len = len;
	pthread_mutex_lock(&hp->hp_lock);
	if (hp->hp_stopping || hp->hp_nrenewals >= HASHPOOL_RENEWALS_MAX) {
		hashpool_count_renewal(hp, -1);
		pthread_mutex_unlock(&hp->hp_lock);
		hashpool_renewal_free(r);
		return -1;
	}
	hp->hp_nrenewals++;
	if (hp->hp_rtail != NULL)
		hp->hp_rtail->hr_next = r;
	else
		hp->hp_rhead = r;
	hp->hp_rtail = r;
	r->hr_job.hj_active_next = hp->hp_active;
	hp->hp_active = &r->hr_job;
	hp->hp_queued++;
	pthread_cond_broadcast(&hp->hp_work);
	pthread_mutex_unlock(&hp->hp_lock);
	return 0;
}

void
hashpool_set_wait_hooks(struct hashpool *hp, void (*begin)(void *),
    void (*end)(void *), void *arg)
{
	pthread_mutex_lock(&hp->hp_lock);
	hp->hp_wait_begin = begin;
	hp->hp_wait_end = end;
	hp->hp_wait_arg = arg;
	pthread_mutex_unlock(&hp->hp_lock);
}

void
hashpool_set_rest_ratio(struct hashpool *hp, unsigned ratio)
{
	pthread_mutex_lock(&hp->hp_lock);
	hp->hp_rest_ratio = ratio;
	pthread_cond_broadcast(&hp->hp_work);	/* rests may end now */
	pthread_mutex_unlock(&hp->hp_lock);
}

unsigned
hashpool_inflight(struct hashpool *hp)
{
	unsigned n;

	pthread_mutex_lock(&hp->hp_lock);
	n = hp->hp_inflight + hp->hp_reserved;
	pthread_mutex_unlock(&hp->hp_lock);
	return n;
}

void
hashpool_get_load(struct hashpool *hp, struct hashpool_load *hl)
{
	pthread_mutex_lock(&hp->hp_lock);
	hl->hl_threads = hp->hp_nthreads;
	hl->hl_running = hp->hp_running;
	hl->hl_queued = hp->hp_queued;
	hl->hl_reserved = hp->hp_reserved;
	hl->hl_runs = hp->hp_runs;
	hl->hl_refusals = hp->hp_refusals;
	hl->hl_rests = hp->hp_rests;
	hl->hl_renewed = hp->hp_renewed;
	hl->hl_renewals_refused = hp->hp_renewals_refused;
	hl->hl_renewals_dropped = hp->hp_renewals_dropped;
	pthread_mutex_unlock(&hp->hp_lock);
}
