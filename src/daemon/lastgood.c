/*
 * The supervisor's last good configuration (lastgood.h).  One load at a
 * time, on a short-lived thread; the main thread looks at it once a tick.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "defaults.h"
#include "errlist.h"
#include "lastgood.h"
#include "proc.h"
#include "watch.h"

struct lastgood {
	struct conf		*lg_conf;	/* the copy */
	const char		*lg_path;
	struct conf_trust	 lg_trust;	/* as at start (conf.h) */
	struct watch		 lg_watch;
	/* The load under way, if lg_running. */
	int			 lg_running;
	int			 lg_again;	/* SIGHUP while it ran */
	pthread_t		 lg_thread;
	atomic_int		 lg_done;
	struct conf_files	 lg_tried;	/* the files it was started on */
	struct conf		*lg_fresh;	/* its result; NULL: not good */
};

struct lastgood *
lastgood_new(struct conf *cf, const char *conf_path)
{
	struct lastgood *lg;

	if ((lg = calloc(1, sizeof(*lg))) == NULL)
		return NULL;
	lg->lg_conf = cf;
	lg->lg_path = conf_path;
	lg->lg_trust = cf->cf_trust;
	watch_init(&lg->lg_watch);
	atomic_init(&lg->lg_done, 0);
	return lg;
}

struct conf *
lastgood_conf(const struct lastgood *lg)
{
	return lg->lg_conf;
}

static void *
lastgood_load(void *arg)
{
	struct lastgood	*lg = arg;
	struct errlist	 errs;

	/* This thread only (Linux: per-thread nice). */
	(void)proc_thread_nice(AUTHZ_RELOAD_NICE);
	proc_thread_name("authzd-lastgood");
	errlist_init(&errs);
	/* Settings only: a worker started from it makes its services
	 * (services.h). */
	lg->lg_fresh = conf_load_trusted(lg->lg_path, 0,
	    &lg->lg_trust, &errs, NULL);
	errlist_free(&errs);	/* the worker logs the same errors */
	atomic_store(&lg->lg_done, 1);
	return NULL;
}

static void
lastgood_start(struct lastgood *lg, const struct conf_files *tried)
{
	lg->lg_tried = *tried;
	lg->lg_fresh = NULL;
	atomic_store(&lg->lg_done, 0);
	if (pthread_create(&lg->lg_thread, NULL, lastgood_load, lg) != 0) {
		/* Tried and failed: the watch tries again at the next change. */
		watch_done(&lg->lg_watch, tried, 0);
		return;
	}
	lg->lg_running = 1;
}

/* Joins a finished load; a good result becomes the copy. */
static void
lastgood_collect(struct lastgood *lg)
{
	int good;

	pthread_join(lg->lg_thread, NULL);
	lg->lg_running = 0;
	if ((good = lg->lg_fresh != NULL)) {
		conf_free(lg->lg_conf);
		lg->lg_conf = lg->lg_fresh;
		lg->lg_fresh = NULL;
	}
	watch_done(&lg->lg_watch, &lg->lg_tried, good);
}

void
lastgood_tick(struct lastgood *lg, int signalled)
{
	struct conf_files now;

	if (lg->lg_running) {
		if (!atomic_load(&lg->lg_done)) {
			lg->lg_again |= signalled;
			return;
		}
		lastgood_collect(lg);
		signalled |= lg->lg_again;
		lg->lg_again = 0;
	}
	if (signalled) {
		watch_files_stat(lg->lg_conf, &now);
		lastgood_start(lg, &now);
	} else if (watch_is_due(&lg->lg_watch, lg->lg_conf, &now, NULL))
		lastgood_start(lg, &now);
}

void
lastgood_free(struct lastgood *lg)
{
	if (lg == NULL)
		return;
	if (lg->lg_running) {
		pthread_join(lg->lg_thread, NULL);
		conf_free(lg->lg_fresh);
	}
	conf_free(lg->lg_conf);
	free(lg);
}
