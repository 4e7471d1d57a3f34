/*
 * Many passwords hashed at once ("user import"): argon2id with the
 * policy's costs takes tens of milliseconds of one core a password, so
 * a thousand users take a minute on one core.  One thread per online
 * core takes the next password until none is left, each hash going to
 * its own slot; a terminal on standard error sees the progress on one
 * line.  Each thread needs the policy's memlimit: the RAM used is
 * cores x memlimit.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

/* How often the progress line is redrawn. */
#define CTL_HASHALL_TICK_MS	250

/* The work the threads share, under ja_mtx. */
struct ctl_hashall_job {
	const struct ctl	*ja_c;
	struct ctl_hashall_item	*ja_v;
	size_t			 ja_n;
	size_t			 ja_next;	/* the next item to take */
	size_t			 ja_done;
	size_t			 ja_failed;	/* the first failure, or ja_n */
	size_t			 ja_running;	/* threads not yet finished */
	pthread_mutex_t		 ja_mtx;
	pthread_cond_t		 ja_cond;	/* an item done, a thread out */
};

/* The next item to hash, or ja_n when there is none or one failed. */
static size_t
ctl_hashall_take(struct ctl_hashall_job *ja)
{
	size_t i = ja->ja_n;

	pthread_mutex_lock(&ja->ja_mtx);
	if (ja->ja_failed == ja->ja_n && ja->ja_next < ja->ja_n)
		i = ja->ja_next++;
	pthread_mutex_unlock(&ja->ja_mtx);
	return i;
}

static void *
ctl_hashall_thread(void *arg)
{
	struct ctl_hashall_job	*ja = arg;
	struct ctl_hashall_item	*it;
	size_t			 i;
	int			 ok;

	while ((i = ctl_hashall_take(ja)) < ja->ja_n) {
		it = &ja->ja_v[i];
		/* libsodium's functions are thread-safe after sodium_init(). */
		ok = crypto_pwhash_str_alg(it->ha_out, it->ha_pw, it->ha_len,
		    ja->ja_c->c_opslimit, ja->ja_c->c_memlimit,
		    crypto_pwhash_ALG_ARGON2ID13) == 0;
		pthread_mutex_lock(&ja->ja_mtx);
		ja->ja_done++;
		if (!ok && (ja->ja_failed == ja->ja_n || i < ja->ja_failed))
			ja->ja_failed = i;
		pthread_cond_signal(&ja->ja_cond);
		pthread_mutex_unlock(&ja->ja_mtx);
	}
	pthread_mutex_lock(&ja->ja_mtx);
	ja->ja_running--;
	pthread_cond_signal(&ja->ja_cond);
	pthread_mutex_unlock(&ja->ja_mtx);
	return NULL;
}

static double
ctl_hashall_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * "\rhashing: 12/50, 13.1/s, 3 s left" on standard error, padded over
 * what the last one left; *width is its length.
 */
static void
ctl_hashall_show(size_t done, size_t n, double secs, int *width)
{
	char	line[128];
	double	rate = secs > 0 ? (double)done / secs : 0;
	int	len;

	if (done == 0 || rate <= 0)
		len = snprintf(line, sizeof(line), "hashing: %zu/%zu", done, n);
	else
		len = snprintf(line, sizeof(line), "hashing: %zu/%zu, %.1f/s, "
		    "%.0f s left", done, n, rate, (double)(n - done) / rate);
	if (len < 0)
		return;
	fprintf(stderr, "\r%s%*s", line, *width > len ? *width - len : 0, "");
	*width = len;
}

/*
 * Waits until every thread is out, redrawing the progress line once a
 * tick when show is set.  Called with ja_mtx held.
 */
static void
ctl_hashall_wait(struct ctl_hashall_job *ja, int show)
{
	struct timespec	t0, until;
	int		width = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	until = t0;
	while (ja->ja_running > 0) {
		if (!show) {
			pthread_cond_wait(&ja->ja_cond, &ja->ja_mtx);
			continue;
		}
		if (pthread_cond_timedwait(&ja->ja_cond, &ja->ja_mtx,
		    &until) != ETIMEDOUT)
			continue;	/* an item done: shown at the tick */
		ctl_hashall_show(ja->ja_done, ja->ja_n,
		    ctl_hashall_since(&t0), &width);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += CTL_HASHALL_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	if (show) {
		ctl_hashall_show(ja->ja_done, ja->ja_n,
		    ctl_hashall_since(&t0), &width);
		fputc('\n', stderr);
	}
}

/* Threads for n items: one per online core, at most n. */
static size_t
ctl_hashall_nthreads(size_t n)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if (ncpu < 1)
		ncpu = 1;
	return (size_t)ncpu < n ? (size_t)ncpu : n;
}

/*
 * Hashes every item's password into its ha_out with the policy's costs,
 * on every core.  Returns 0, or -1 with *failed the index of the first
 * item that could not be hashed (-1 and *failed n: no thread started;
 * both printed by the caller, who knows the lines).  The hashes of the
 * other items are then not all made.
 */
int
ctl_hashall(const struct ctl *c, struct ctl_hashall_item *v, size_t n,
    size_t *failed)
{
	struct ctl_hashall_job	 ja;
	pthread_condattr_t	 ca;
	pthread_t		*tids;
	size_t			 nthreads, i, started = 0;

	*failed = n;
	if (n == 0)
		return 0;
	nthreads = ctl_hashall_nthreads(n);
	if ((tids = calloc(nthreads, sizeof(*tids))) == NULL)
		return -1;
	memset(&ja, 0, sizeof(ja));
	ja.ja_c = c;
	ja.ja_v = v;
	ja.ja_n = ja.ja_failed = n;
	pthread_mutex_init(&ja.ja_mtx, NULL);
	/* The progress ticks on the monotonic clock, as time left does. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ja.ja_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&ja.ja_mtx);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&tids[started], NULL, ctl_hashall_thread,
		    &ja) != 0)
			break;	/* fewer threads do the same work */
		started++;
		ja.ja_running++;
	}
	if (started > 0)
		ctl_hashall_wait(&ja, isatty(STDERR_FILENO));
	pthread_mutex_unlock(&ja.ja_mtx);
	for (i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	pthread_cond_destroy(&ja.ja_cond);
	pthread_mutex_destroy(&ja.ja_mtx);
	free(tids);
	*failed = ja.ja_failed;
	return started > 0 && ja.ja_failed == n ? 0 : -1;
}
