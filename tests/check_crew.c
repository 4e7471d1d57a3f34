/*
 * crew.c: the request threads' places.  Each actor is a thread of its
 * own, since a place belongs to the thread that holds it; the test sends
 * it steps one at a time.  A thread blocked for a place is seen in the
 * crew's parked count, never by how long it took: deadlines here only
 * bound what should happen.  crew.c is the daemon's, not libauthz's:
 * this suite compiles it in.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include <check.h>

#include "check_common.h"
#include "daemon/crew.h"

#define WAIT_MS		10000	/* for anything that should happen */

enum step { ENTER = 1, WAIT_BEGIN, WAIT_END, LEAVE, QUIT };

struct actor {
	pthread_t	 a_thread;
	struct crew	*a_crew;
	pthread_mutex_t	 a_lock;
	pthread_cond_t	 a_cond;
	enum step	 a_step;	/* to do; 0: none */
	unsigned	 a_done;	/* steps done */
};

static struct crew	*cw;
static atomic_uint	 starts;	/* calls of start_thread */
static atomic_int	 start_fails;	/* start_thread says -1 */
static struct actor	 started;	/* the thread start_thread makes */

static void *
actor_main(void *arg)
{
	struct actor	*a = arg;
	enum step	 step;

	for (;;) {
		pthread_mutex_lock(&a->a_lock);
		while (a->a_step == 0)
			pthread_cond_wait(&a->a_cond, &a->a_lock);
		step = a->a_step;
		pthread_mutex_unlock(&a->a_lock);
		switch (step) {
		case ENTER:
			crew_enter(a->a_crew);
			break;
		case WAIT_BEGIN:
			crew_wait_begin(a->a_crew);
			break;
		case WAIT_END:
			crew_wait_end(a->a_crew);
			break;
		case LEAVE:
			crew_leave(a->a_crew);
			break;
		case QUIT:
			break;
		}
		pthread_mutex_lock(&a->a_lock);
		a->a_step = 0;
		a->a_done++;
		pthread_cond_broadcast(&a->a_cond);
		pthread_mutex_unlock(&a->a_lock);
		if (step == QUIT)
			return NULL;
	}
}

static void
actor_start(struct actor *a)
{
	memset(a, 0, sizeof(*a));
	a->a_crew = cw;
	pthread_mutex_init(&a->a_lock, NULL);
	pthread_cond_init(&a->a_cond, NULL);
	ck_assert_int_eq(pthread_create(&a->a_thread, NULL, actor_main, a), 0);
}

/* Hands a step over; returns at once. */
static void
actor_send(struct actor *a, enum step step)
{
	pthread_mutex_lock(&a->a_lock);
	ck_assert_int_eq(a->a_step, 0);
	a->a_step = step;
	pthread_cond_broadcast(&a->a_cond);
	pthread_mutex_unlock(&a->a_lock);
}

/* Waits until the actor has done n steps in all; 0 if not by WAIT_MS. */
static int
actor_reached(struct actor *a, unsigned n)
{
	struct timespec	deadline;
	int		rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&a->a_lock);
	while (a->a_done < n && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&a->a_cond, &a->a_lock,
		    &deadline);
	rc = a->a_done >= n;
	pthread_mutex_unlock(&a->a_lock);
	return rc;
}

/* A step that must return. */
static void
actor_do(struct actor *a, enum step step)
{
	unsigned n;

	pthread_mutex_lock(&a->a_lock);
	n = a->a_done + 1;
	pthread_mutex_unlock(&a->a_lock);
	actor_send(a, step);
	ck_assert_msg(actor_reached(a, n), "step %d did not return", step);
}

static int
actor_done(struct actor *a)
{
	unsigned n;

	pthread_mutex_lock(&a->a_lock);
	n = a->a_done;
	pthread_mutex_unlock(&a->a_lock);
	return (int)n;
}

static void
actor_quit(struct actor *a)
{
	actor_do(a, QUIT);
	pthread_join(a->a_thread, NULL);
	pthread_cond_destroy(&a->a_cond);
	pthread_mutex_destroy(&a->a_lock);
}

static void
counts(struct crew_counts *cc)
{
	crew_get_counts(cw, cc);
}

/* Waits until n threads are parked for a place. */
static int
parked_reach(unsigned n)
{
	struct crew_counts	cc;
	struct timespec		ts = { 0, 1000000 };
	int			i;

	for (i = 0; i < WAIT_MS; i++) {
		counts(&cc);
		if (cc.cc_parked == n)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * a's wait is over: it holds no place, so its next ENTER parks until
 * holder lets go of the one it has, and then returns.
 */
static void
parks_until_left(struct actor *a, struct actor *holder)
{
	struct crew_counts	cc;
	int			n;

	actor_do(a, WAIT_END);
	counts(&cc);
	ck_assert_uint_eq(cc.cc_waiting, 0);
	n = actor_done(a);
	actor_send(a, ENTER);
	ck_assert(parked_reach(1));
	ck_assert_int_eq(actor_done(a), n);
	actor_do(holder, LEAVE);
	ck_assert(actor_reached(a, (unsigned)n + 1));
}

/* crew.h's start: one actor, which enters at once. */
static int
start_thread(void *arg)
{
	(void)arg;
	atomic_fetch_add(&starts, 1);
	if (atomic_load(&start_fails))
		return -1;
	actor_start(&started);
	actor_send(&started, ENTER);
	return 0;
}

static void
make(unsigned places, unsigned extra)
{
	atomic_store(&starts, 0);
	atomic_store(&start_fails, 0);
	ck_assert_ptr_nonnull(cw = crew_new(places, extra, start_thread,
	    NULL));
}

static void
teardown(void)
{
	crew_free(cw);
	cw = NULL;
}

/* A waiting thread's place goes to a parked one; it parks once done. */
START_TEST(test_crew_place_passes_to_parked)
{
	struct actor		a, b;
	struct crew_counts	cc;

	make(1, 0);
	actor_start(&a);
	actor_start(&b);
	actor_do(&a, ENTER);
	actor_send(&b, ENTER);
	ck_assert(parked_reach(1));
	ck_assert_int_eq(actor_done(&b), 0);

	actor_do(&a, WAIT_BEGIN);
	ck_assert(actor_reached(&b, 1));
	counts(&cc);
	ck_assert_uint_eq(cc.cc_waiting, 1);
	ck_assert_uint_eq(cc.cc_threads, 1);	/* none started */
	ck_assert_uint_eq(atomic_load(&starts), 0);

	/* Its wait over, a has no place: it parks until b lets go. */
	parks_until_left(&a, &b);
	actor_do(&a, LEAVE);
	actor_quit(&a);
	actor_quit(&b);
}
END_TEST

/* With nobody parked, a wait starts a thread for its place. */
START_TEST(test_crew_wait_starts_a_thread)
{
	struct actor		a;
	struct crew_counts	cc;

	make(1, 2);
	actor_start(&a);
	actor_do(&a, ENTER);
	actor_do(&a, WAIT_BEGIN);
	ck_assert_uint_eq(atomic_load(&starts), 1);
	ck_assert(actor_reached(&started, 1));
	counts(&cc);
	ck_assert_uint_eq(cc.cc_threads, 2);
	ck_assert_uint_eq(cc.cc_waiting, 1);

	/* Back from its wait, a parks: the new thread has the place. */
	parks_until_left(&a, &started);
	actor_do(&a, LEAVE);
	actor_quit(&started);
	actor_quit(&a);
}
END_TEST

/* Past the cap, a wait keeps its place, and says so. */
START_TEST(test_crew_capped_wait_keeps_its_place)
{
	struct actor		a, b;
	struct crew_counts	cc;

	make(1, 0);
	actor_start(&a);
	actor_start(&b);
	actor_do(&a, ENTER);
	actor_do(&a, WAIT_BEGIN);
	counts(&cc);
	ck_assert_uint_eq(cc.cc_capped, 1);
	ck_assert_uint_eq(cc.cc_waiting, 0);
	ck_assert_uint_eq(atomic_load(&starts), 0);
	actor_do(&a, WAIT_END);

	/* a still holds it: b parks, and a enters again without waiting. */
	actor_send(&b, ENTER);
	ck_assert(parked_reach(1));
	actor_do(&a, ENTER);
	ck_assert_int_eq(actor_done(&b), 0);
	actor_do(&a, LEAVE);
	ck_assert(actor_reached(&b, 1));
	actor_do(&b, LEAVE);
	actor_quit(&a);
	actor_quit(&b);
}
END_TEST

/* A thread that did not start leaves the place free for the next one. */
START_TEST(test_crew_failed_start_frees_the_place)
{
	struct actor		a, c;
	struct crew_counts	cc;

	make(1, 2);
	atomic_store(&start_fails, 1);
	actor_start(&a);
	actor_start(&c);
	actor_do(&a, ENTER);
	actor_do(&a, WAIT_BEGIN);
	ck_assert_uint_eq(atomic_load(&starts), 1);
	counts(&cc);
	ck_assert_uint_eq(cc.cc_threads, 1);
	actor_do(&c, ENTER);	/* at once: the place is free */
	parks_until_left(&a, &c);
	actor_do(&a, LEAVE);
	actor_quit(&a);
	actor_quit(&c);
}
END_TEST

/* A thread that holds no place waits without touching the crew. */
START_TEST(test_crew_outsider_wait_changes_nothing)
{
	struct actor		a;
	struct crew_counts	cc;

	make(1, 2);
	actor_start(&a);
	actor_do(&a, WAIT_BEGIN);
	actor_do(&a, WAIT_END);
	counts(&cc);
	ck_assert_uint_eq(cc.cc_threads, 1);
	ck_assert_uint_eq(cc.cc_waiting, 0);
	ck_assert_uint_eq(cc.cc_capped, 0);
	ck_assert_uint_eq(atomic_load(&starts), 0);
	actor_do(&a, ENTER);
	actor_do(&a, LEAVE);
	actor_quit(&a);
}
END_TEST

/*
 * A stop lets every thread go on at once, place or not, to answer what
 * is already whole (server.c asks the loop when to return).
 */
START_TEST(test_crew_stop_wakes_the_parked)
{
	struct actor		a, b, c;
	struct crew_counts	cc;

	make(1, 0);
	actor_start(&a);
	actor_start(&b);
	actor_start(&c);
	actor_do(&a, ENTER);
	actor_send(&b, ENTER);
	ck_assert(parked_reach(1));
	crew_stop(cw);
	ck_assert(actor_reached(&b, 1));
	counts(&cc);
	ck_assert_uint_eq(cc.cc_parked, 0);
	actor_do(&c, ENTER);	/* no place free, and no wait */
	actor_do(&a, ENTER);
	actor_do(&a, LEAVE);
	actor_do(&c, LEAVE);
	actor_quit(&c);
	actor_do(&b, LEAVE);
	actor_quit(&a);
	actor_quit(&b);
}
END_TEST

static Suite *
crew_suite(void)
{
	Suite	*s = suite_create("crew");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_crew_place_passes_to_parked);
	tcase_add_test(tc, test_crew_wait_starts_a_thread);
	tcase_add_test(tc, test_crew_capped_wait_keeps_its_place);
	tcase_add_test(tc, test_crew_failed_start_frees_the_place);
	tcase_add_test(tc, test_crew_outsider_wait_changes_nothing);
	tcase_add_test(tc, test_crew_stop_wakes_the_parked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(crew_suite());
}
