/*
 * An event loop (connloop.h) accepts connections and hands each to a
 * worker thread once a whole request has arrived; the worker reads it
 * with libfcgi, answers, and gives the connection back.  The main thread
 * waits for signals.  Requests take a reference on the
 * snapshot they start with, so a reload never changes the rules under a
 * request, and the old snapshot is freed by whoever lets go last.
 * The main thread also watches the config and users files and reloads
 * them when they change on disk, as on SIGHUP, and writes the metrics
 * file ([metrics] textfile).
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "authz.h"
#include "conf.h"
#include "connloop.h"
#include "crew.h"
#include "defaults.h"
#include "facts.h"
#include "fcgiscan.h"
#include "fwdauth.h"
#include "hashpool.h"
#include "httpfront.h"
#include "listen.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "monoclock.h"
#include "pwcheck.h"
#include "render.h"
#include "server.h"
#include "services.h"
#include "throttle.h"
#include "users.h"
#include "watch.h"

#define SERVER_RESPONSE_MAX	2048
/* How often a stop looks whether every worker has returned. */
#define SERVER_STOP_POLL_MS	50

/* server_log_tick bounds how long a grant waits in a worker's log_buf. */
_Static_assert(AUTHZ_WATCH_TICK_MS <= LOG_BUF_MAX_AGE_MS,
    "the watchdog must flush the log buffers at least as often");
_Static_assert(AUTHZ_WATCH_TICK_MS < 1000, "the tick is a tv_nsec");

/* A configuration and what serves beside it (services.h). */
struct snapshot {
	struct conf	*sn_conf;
	struct authz_services sn_svc;	/* its own, the throttle lent */
	unsigned	 sn_refs;	/* under server.sv_lock */
	struct snapshot	*sn_next;	/* on sv_retired */
};

struct worker {
	struct server	*wk_server;
	pthread_t	 wk_thread;
	int		 wk_running;	/* started and not yet joined */
	FCGX_Request	 wk_req;
	atomic_ulong	 wk_accepted;	/* requests taken so far */
	atomic_int	 wk_busy;	/* inside our own handler */
	struct log_buf	 wk_log;	/* its grant lines; flushed by others too */
	/* Watchdog's view, touched by the watchdog thread only. */
	int		 wk_seen_fd;
	unsigned long	 wk_seen_accepted;
	unsigned	 wk_stuck_ms;
};

struct server {
	const struct listen_set *sv_listen;	/* the sockets */
	struct httpfront *sv_http;
	struct httpfront_limits sv_http_limits;
	int		 sv_dead_fd;	/* a socket that cannot accept */
	struct connloop	*sv_loop;
	struct connloop_limits sv_limits;
	const char	*sv_conf_path;
	pthread_mutex_t	 sv_lock;
	struct snapshot	*sv_current;
	struct snapshot	*sv_retired;	/* let go of by all, to be freed */
	atomic_int	 sv_stopping;
	unsigned	 sv_nworkers;	/* [server] workers: the crew's places */
	unsigned	 sv_nslots;	/* and AUTHZ_WAITING_THREADS_MAX more */
	struct worker	*sv_workers;	/* sv_nslots of them */
	atomic_uint	 sv_nstarted;	/* the first ones started */
	pthread_mutex_t	 sv_start_lock;	/* one start at a time */
	struct crew	*sv_crew;
	unsigned long	 sv_capped_seen; /* main thread only */
	unsigned	 sv_timeout_ms;
	struct watch sv_watch;	/* main thread only */
	struct hashpool	*sv_pool;	/* hashing off the request threads */
	struct throttle	*sv_throttle;	/* lent to every snapshot */
	/* [metrics], main thread only. */
	time_t		 sv_started;	/* wall clock, for the metrics */
	time_t		 sv_metrics_due; /* CLOCK_MONOTONIC seconds */
	int		 sv_metrics_failing; /* logged; quiet until it works */
};

static struct snapshot *
server_acquire(struct server *sv)
{
	struct snapshot *sn;

	pthread_mutex_lock(&sv->sv_lock);
	sn = sv->sv_current;
	sn->sn_refs++;
	pthread_mutex_unlock(&sv->sv_lock);
	return sn;
}

/*
 * The last one to let go of a snapshot does not free it: freeing 100,000
 * users takes some 15 ms, which a request thread would add to its
 * answer.  It goes on sv_retired for the main thread
 * (server_free_retired).
 */
static void
server_release(struct server *sv, struct snapshot *sn)
{
	pthread_mutex_lock(&sv->sv_lock);
	if (--sn->sn_refs == 0) {
		sn->sn_next = sv->sv_retired;
		sv->sv_retired = sn;
	}
	pthread_mutex_unlock(&sv->sv_lock);
}

/* Main thread: frees the snapshots nobody uses any more. */
static void
server_free_retired(struct server *sv)
{
	struct snapshot *sn, *next;

	pthread_mutex_lock(&sv->sv_lock);
	sn = sv->sv_retired;
	sv->sv_retired = NULL;
	pthread_mutex_unlock(&sv->sv_lock);
	for (; sn != NULL; sn = next) {
		next = sn->sn_next;
		services_free(&sn->sn_svc);
		conf_free(sn->sn_conf);
		free(sn);
	}
}

/*
 * A snapshot of cf, which it owns once made, with its services: from
 * prev's when there is one (services.h: verified credentials stay
 * verified, no miss storm).  NULL with errs filled; cf is the caller's
 * then.
 */
static struct snapshot *
server_snapshot_new(struct server *sv, struct conf *cf,
    const struct snapshot *prev, struct errlist *errs)
{
	struct snapshot *sn;

	if ((sn = calloc(1, sizeof(*sn))) == NULL) {
		errlist_add(errs, cf->cf_path, 0, "out of memory");
		return NULL;
	}
	if (services_prepare(&sn->sn_svc, cf, prev != NULL ? prev->sn_conf :
	    NULL, prev != NULL ? &prev->sn_svc : NULL, errs) == -1) {
		services_free(&sn->sn_svc);
		free(sn);
		return NULL;
	}
	pwcheck_attach_pool(sn->sn_svc.as_pwcheck, sv->sv_pool);
	sn->sn_svc.as_throttle = sv->sv_throttle;
	sn->sn_conf = cf;
	sn->sn_refs = 1;	/* the server's own reference */
	return sn;
}

/* errlist_each() callback: one error or warning a log line. */
static void
server_warn_line(void *arg, const char *text)
{
	(void)arg;
	log_warnx("%s", text);
}

/* The first snapshot, its services made from nothing; errors logged. */
static struct snapshot *
server_snapshot_first(struct server *sv, struct conf *cf)
{
	struct errlist	 errs;
	struct snapshot	*sn;

	errlist_init(&errs);
	if ((sn = server_snapshot_new(sv, cf, NULL, &errs)) == NULL)
		errlist_each(&errs, server_warn_line, NULL);
	errlist_free(&errs);
	return sn;
}

/*
 * A refusal after a hash cheaper than the dummy waits out the dummy's
 * time (authz.h, av_not_before), on this thread and not on a hashing
 * thread; its place goes to another meanwhile (crew.h), as it does while
 * a hash is awaited.
 */
static void
server_hold_back(struct worker *wk, const struct authz_verdict *v)
{
	if (v->av_not_before != 0 && v->av_not_before > monoclock_ns()) {
		crew_wait_begin(wk->wk_server->sv_crew);
		monoclock_sleep_until(v->av_not_before);
		crew_wait_end(wk->wk_server->sv_crew);
	}
}

static void
server_answer(struct worker *wk)
{
	FCGX_Request		*req = &wk->wk_req;
	struct snapshot		*sn = server_acquire(wk->wk_server);
	struct authz_facts	 facts;
	struct authz_verdict	 v;
	char			 out[SERVER_RESPONSE_MAX];
	size_t			 len;
	static const char	 fallback[] = "Status: 500 Internal Server Error"
	    "\r\nContent-Type: text/plain\r\n\r\n500 Internal Server Error\n";

	facts_from_params(req->envp, req->role, time(NULL), &facts);
	facts.af_mono = monoclock_now();
	authz_decide(sn->sn_conf, &sn->sn_svc, &facts, &v);
	metrics_count_verdict(&v);
	/* Secrets out of libfcgi's param storage before FCGX_Finish_r frees
	 * it unwiped (docs/security.md, Secrets). */
	facts_wipe_secrets(req->envp);
	len = render_verdict(sn->sn_conf, &v, out, sizeof(out));
	server_hold_back(wk, &v);
	/* Never read FCGI_STDIN; answer now (docs/servers.md). */
	if (len == 0)
		FCGX_PutStr(fallback, (int)sizeof(fallback) - 1, req->out);
	else
		FCGX_PutStr(out, (int)len, req->out);
	/* Before FCGX_Finish_r sends the answer: a denial is in the log by
	 * the time the client has it. */
	log_decision_buffered(&wk->wk_log, &v);
	server_release(wk->wk_server, sn);
}

/*
 * A request of the HTTP listener (httpfront.h): the same decision, log
 * and metrics as over FastCGI; the answer goes back to the listener.
 */
static void
server_answer_http(struct worker *wk, struct httpfront_req *rq)
{
	struct snapshot		*sn = server_acquire(wk->wk_server);
	struct fwdauth_buf	 fb;
	struct authz_facts	 facts;
	struct authz_verdict	 v;

	atomic_fetch_add(&wk->wk_accepted, 1);
	httpfront_facts(rq, sn->sn_conf, time(NULL), &fb, &facts);
	facts.af_mono = monoclock_now();
	authz_decide(sn->sn_conf, &sn->sn_svc, &facts, &v);
	metrics_count_verdict(&v);
	server_hold_back(wk, &v);
	log_decision_buffered(&wk->wk_log, &v);
	httpfront_answer(rq, sn->sn_conf, &v);
	server_release(wk->wk_server, sn);
}

/*
 * libfcgi reads from a request's open ipcFd instead of accepting
 * (fcgiapp.c, FCGX_Accept_r).  Kept and detached, the descriptor is
 * neither closed nor drained for 2 s in this thread when the request is
 * finished; it goes back to the loop.  A request libfcgi cannot read
 * after all (connloop.h says it is whole) makes FCGX_Accept_r close the
 * descriptor and try to accept on sv_dead_fd, which fails at once.
 */
static void
server_serve_conn(struct worker *wk, struct conn *c)
{
	FCGX_Request		*req = &wk->wk_req;
	enum connloop_after	 after;
	int			 keep;

	__atomic_store_n(&req->ipcFd, connloop_fd(c), __ATOMIC_RELAXED);
	req->keepConnection = 1;
	req->detached = 1;
	if (FCGX_Accept_r(req) != 0) {
		req->ipcFd = -1;
		connloop_give_back(wk->wk_server->sv_loop, c, CONNLOOP_GONE);
		return;
	}
	/* Params cut short by a stream error are handed on as if whole
	 * (fcgiapp.c, ReadParams): not a request; nothing is answered. */
	if (FCGX_GetError(req->in) != 0) {
		FCGX_Free(req, 0);
		(void)close(req->ipcFd);
		req->ipcFd = -1;
		connloop_give_back(wk->wk_server->sv_loop, c, CONNLOOP_GONE);
		return;
	}
	keep = req->keepConnection;	/* FCGI_KEEP_CONN */
	atomic_fetch_add(&wk->wk_accepted, 1);
	atomic_store(&wk->wk_busy, 1);
	server_answer(wk);
	atomic_store(&wk->wk_busy, 0);
	req->keepConnection = 1;
	req->detached = 1;
	FCGX_Finish_r(req);
	/* A failed write made libfcgi close it. */
	after = req->ipcFd == -1 ? CONNLOOP_GONE :
	    keep ? CONNLOOP_KEEP : CONNLOOP_CLOSE;
	__atomic_store_n(&req->ipcFd, -1, __ATOMIC_RELAXED);
	connloop_give_back(wk->wk_server->sv_loop, c, after);
}

/*
 * A thread takes requests only while it holds a place (crew.h); once
 * stopping, every thread answers what is already whole, then returns.
 */
static void *
server_worker(void *arg)
{
	struct worker	*wk = arg;
	struct server		*sv = wk->wk_server;
	struct conn		*c;
	struct connloop_task	*t;

	proc_thread_name("authzd-request");
	for (;;) {
		crew_enter(sv->sv_crew);
		if ((c = connloop_take(sv->sv_loop, &t)) != NULL)
			server_serve_conn(wk, c);
		else if (t != NULL)
			server_answer_http(wk, httpfront_req_of(t));
		else
			break;
	}
	crew_leave(sv->sv_crew);
	FCGX_Free(&wk->wk_req, 0);
	return NULL;
}

/* The workers started so far; those below it are readable. */
static unsigned
server_started(struct server *sv)
{
	return atomic_load_explicit(&sv->sv_nstarted, memory_order_acquire);
}

/*
 * A worker reads a request only once it has all arrived (connloop.h),
 * but libfcgi's reads and writes block, and a web server that stops
 * reading its answers could hold a worker in a write.  A connection that
 * holds a worker in libfcgi longer than request_timeout is shut down,
 * which ends its reads and writes (docs/security.md, Hostile FastCGI
 * input).
 */
static void
server_watchdog_tick(struct server *sv)
{
	unsigned	 i;
	struct worker	*wk;
	int		 fd;
	unsigned long	 acc;

	for (i = 0; i < server_started(sv); i++) {
		wk = &sv->sv_workers[i];
		fd = __atomic_load_n(&wk->wk_req.ipcFd, __ATOMIC_RELAXED);
		acc = atomic_load(&wk->wk_accepted);
		if (fd < 0 || atomic_load(&wk->wk_busy) ||
		    fd != wk->wk_seen_fd || acc != wk->wk_seen_accepted) {
			wk->wk_seen_fd = fd;
			wk->wk_seen_accepted = acc;
			wk->wk_stuck_ms = 0;
			continue;
		}
		wk->wk_stuck_ms += AUTHZ_WATCH_TICK_MS;
		if (wk->wk_stuck_ms >= sv->sv_timeout_ms) {
			log_warnx("a connection held worker %u in libfcgi for "
			    "more than %u s; closing it", i,
			    sv->sv_timeout_ms / 1000);
			(void)shutdown(fd, SHUT_RDWR);
			wk->wk_stuck_ms = 0;
		}
	}
}

/*
 * Says once that every thread the crew may start was busy and a wait
 * kept its place: cached requests may have waited too.
 */
static void
server_crew_tick(struct server *sv)
{
	struct crew_counts cc;

	crew_get_counts(sv->sv_crew, &cc);
	if (cc.cc_capped > 0 && sv->sv_capped_seen == 0)
		log_warnx("all %u request threads were busy and a request "
		    "that waits for a hash kept its place (logged once; see "
		    "fcgi-authzd(8), HASHING)", sv->sv_nslots);
	sv->sv_capped_seen = cc.cc_capped;
}

/*
 * A worker writes its buffered grants when the buffer fills, on a denial
 * and when the oldest is LOG_BUF_MAX_AGE_MS old at its next decision; one
 * left waiting in accept(2) comes back to none of these, so the main
 * thread writes every worker's buffer each tick.  The buffer's mutex is
 * the worker's own and is taken here a few times a second: almost never
 * contended.  A reload holds the main thread up (a large users file
 * takes a while to read): a busy worker's own age check still writes its
 * grants meanwhile, but one that goes idle waits for the reload's end.
 */
static void
server_log_tick(struct server *sv)
{
	unsigned i;

	for (i = 0; i < server_started(sv); i++)
		log_flush(&sv->sv_workers[i].wk_log);
}

/*
 * What a reload cannot change in a running process: the table is mapped
 * at start-up, and the hashing pool sized then.  Says so, rather than
 * seeming to take it.
 */
static void
server_warn_restart_only(const struct conf *old, const struct conf *cf)
{
	char was[PATH_MAX], now[PATH_MAX];

	conf_throttle_path(old, was, sizeof(was));
	conf_throttle_path(cf, now, sizeof(now));
	if (strcmp(was, now) != 0)
		log_warnx("[throttle] state changed to %s: still using %s "
		    "until a restart", now, was);
	if (old->cf_workers != cf->cf_workers ||
	    old->cf_hash_max_concurrent != cf->cf_hash_max_concurrent)
		log_warnx("[server] workers and [hashing] max_concurrent "
		    "change at a restart only");
	if (old->cf_request_timeout != cf->cf_request_timeout ||
	    old->cf_idle_timeout != cf->cf_idle_timeout ||
	    old->cf_max_connections != cf->cf_max_connections)
		log_warnx("[server] request_timeout, idle_timeout and "
		    "max_connections change at a restart only");
	if ((old->cf_http == NULL) != (cf->cf_http == NULL) ||
	    (old->cf_http != NULL && strcmp(old->cf_http, cf->cf_http) != 0))
		log_warnx("[server] http changes at a restart only");
}

/*
 * Loads, validates and swaps in a new snapshot (docs/architecture.md,
 * Reloads), except that the verification cache is not cleared: the new
 * snapshot goes on with the running one's unless [cache] changed, and with
 * its dummy hash (services.h).  tried is what the files were just before
 * the load, so that the watcher does not try (and log) the same failure
 * again.
 * Main thread only: it is the only writer of sv_current, so it reads it
 * without the lock.
 */
static void
server_reload(struct server *sv, const struct conf_files *tried)
{
	struct errlist	 errs, warns;
	struct conf	*cf;
	struct snapshot	*sn = NULL, *old;
	int		 ok = 0;

	errlist_init(&errs);
	errlist_init(&warns);
	/* As the start did, though this process no longer runs as root. */
	cf = conf_load_trusted(sv->sv_conf_path, 0,
	    &sv->sv_current->sn_conf->cf_trust, &errs, &warns);
	if (cf != NULL && (sn = server_snapshot_new(sv, cf, sv->sv_current,
	    &errs)) == NULL) {
		conf_free(cf);
		cf = NULL;
	}
	errlist_each(&warns, server_warn_line, NULL);
	if (cf == NULL) {
		errlist_each(&errs, server_warn_line, NULL);
		log_warnx("reload failed; still running the previous "
		    "configuration");
		goto done;
	}
	server_warn_restart_only(sv->sv_current->sn_conf, cf);
	pthread_mutex_lock(&sv->sv_lock);
	old = sv->sv_current;
	sv->sv_current = sn;
	pthread_mutex_unlock(&sv->sv_lock);
	server_release(sv, old);
	server_free_retired(sv);	/* old, unless requests still hold it */
	log_info("reloaded %s (%zu users)", sv->sv_conf_path,
	    users_count(cf->cf_users));
	ok = 1;
	/* A fixed file, or another path, gets its own message. */
	sv->sv_metrics_failing = 0;
done:
	metrics_count_reload(ok);
	watch_done(&sv->sv_watch, tried, ok);
	errlist_free(&errs);
	errlist_free(&warns);
}

static void
server_reload_on_signal(struct server *sv)
{
	struct conf_files now;

	watch_files_stat(sv->sv_current->sn_conf, &now);
	server_reload(sv, &now);
}

/*
 * One stat(2) per file per tick: a changed config or users file is
 * reloaded without a signal once it has settled, and a file that fails
 * to load is logged once, not every tick (watch.h).
 */
static void
server_watch_tick(struct server *sv)
{
	struct conf_files now;
	const char	*changed = NULL;

	if (!watch_is_due(&sv->sv_watch, sv->sv_current->sn_conf, &now,
	    &changed))
		return;
	log_info("%s changed on disk; reloading", changed);
	server_reload(sv, &now);
}

static void
server_conn_gauges(struct server *sv, struct metrics_gauges *mg)
{
	struct connloop_stats	 cs;
	struct crew_counts	 cc;
	struct metrics_conns	*mc = &mg->mg_conns;

	if (sv->sv_loop == NULL)
		return;
	connloop_get_stats(sv->sv_loop, &cs);
	mg->mg_have_conns = 1;
	mc->mc_max = sv->sv_limits.cl_max_conns;
	mc->mc_reading = cs.cs_reading;
	mc->mc_ready = cs.cs_ready;
	mc->mc_busy = cs.cs_busy;
	mc->mc_idle = cs.cs_idle;
	mc->mc_closing = cs.cs_closing;
	mc->mc_accepted = cs.cs_accepted;
	mc->mc_timed_out = cs.cs_timed_out;
	mc->mc_refused = cs.cs_refused;
	mc->mc_evicted = cs.cs_evicted;
	crew_get_counts(sv->sv_crew, &cc);
	mc->mc_threads = cc.cc_threads;
	mc->mc_threads_waiting = cc.cc_waiting;
	if (sv->sv_http != NULL) {
		mg->mg_have_http = 1;
		mg->mg_http_conns = httpfront_connections(sv->sv_http);
		mg->mg_http_queued = cs.cs_tasks;
	}
}

/*
 * Writes the metrics file of the running snapshot.  A failure is logged
 * once, not every few seconds, and never stops serving; the next write
 * that works says so.
 */
static void
server_metrics_write(struct server *sv, const char *path)
{
	struct metrics_gauges	mg;
	struct hashpool_load	hl;
	char			text[METRICS_TEXT_MAX];
	size_t			len;

	memset(&mg, 0, sizeof(mg));
	mg.mg_version = PACKAGE_VERSION;
	mg.mg_start_time = sv->sv_started;
	mg.mg_users = users_count(sv->sv_current->sn_conf->cf_users);
	hashpool_get_load(sv->sv_pool, &hl);
	mg.mg_hash_threads = hl.hl_threads;
	mg.mg_hash_running = hl.hl_running;
	mg.mg_hash_queued = hl.hl_queued;
	mg.mg_hash_reserved = hl.hl_reserved;
	mg.mg_hash_rests = hl.hl_rests;
	mg.mg_renewed = hl.hl_renewed;
	mg.mg_renewals_refused = hl.hl_renewals_refused;
	mg.mg_renewals_dropped = hl.hl_renewals_dropped;
	server_conn_gauges(sv, &mg);
	/* A scan of the whole table: every few seconds, not per request. */
	if (sv->sv_throttle != NULL) {
		mg.mg_have_throttle = 1;
		mg.mg_throttle_bans = throttle_active_bans(sv->sv_throttle,
		    monoclock_now());
	}
	if ((len = metrics_render(&mg, text, sizeof(text))) == 0) {
		errno = ENOBUFS;
		goto fail;
	}
	if (metrics_write_file(path, text, len) == -1)
		goto fail;
	if (sv->sv_metrics_failing)
		log_info("[metrics] textfile %s: written again", path);
	sv->sv_metrics_failing = 0;
	return;
fail:
	if (!sv->sv_metrics_failing)
		log_warn("[metrics] textfile %s: cannot write it (logged "
		    "once)", path);
	sv->sv_metrics_failing = 1;
}

/*
 * Every AUTHZ_METRICS_INTERVAL_SEC, and at once when now is set (a clean
 * stop).  The path is the running snapshot's: a reload may change it.
 */
static void
server_metrics_tick(struct server *sv, int now)
{
	const char	*path = sv->sv_current->sn_conf->cf_metrics_textfile;
	struct timespec	 ts;

	if (path == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!now && ts.tv_sec < sv->sv_metrics_due)
		return;
	sv->sv_metrics_due = ts.tv_sec + AUTHZ_METRICS_INTERVAL_SEC;
	server_metrics_write(sv, path);
}

/*
 * Starts the worker in the next slot, with every signal blocked: they
 * are the main thread's.  From the main thread, and from a worker about
 * to wait (crew.h).  0, or -1 when no slot is left or no thread started.
 */
static int
server_start_worker(struct server *sv)
{
	struct worker	*wk;
	sigset_t	 all, old;
	unsigned	 i;
	int		 rc = -1;

	pthread_mutex_lock(&sv->sv_start_lock);
	if ((i = server_started(sv)) >= sv->sv_nslots)
		goto out;
	wk = &sv->sv_workers[i];
	wk->wk_server = sv;
	wk->wk_seen_fd = -1;
	atomic_init(&wk->wk_accepted, 0);
	atomic_init(&wk->wk_busy, 0);
	if (FCGX_InitRequest(&wk->wk_req, sv->sv_dead_fd, 0) != 0)
		goto out;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&wk->wk_thread, NULL, server_worker, wk) == 0) {
		wk->wk_running = 1;
		atomic_store_explicit(&sv->sv_nstarted, i + 1,
		    memory_order_release);
		rc = 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	pthread_mutex_unlock(&sv->sv_start_lock);
	return rc;
}

/* crew.h's start: a thread for the place of one about to wait. */
static int
server_crew_start(void *arg)
{
	static atomic_int	 warned;

	if (server_start_worker(arg) == 0)
		return 0;
	if (atomic_exchange(&warned, 1) == 0)
		log_warnx("cannot start another request thread (logged once)");
	return -1;
}

static int
server_start_workers(struct server *sv)
{
	unsigned i;

	for (i = 0; i < sv->sv_nworkers; i++)
		if (server_start_worker(sv) == -1)
			return -1;
	return 0;
}

/*
 * Stops the loop, so that workers return once the requests already whole
 * are answered, and waits for every one; flushes the log buffers
 * meanwhile, since a worker finishing a slow request may hold the others
 * up for up to request_timeout.
 */
static void
server_stop_workers(struct server *sv)
{
	unsigned	i, n, done;
	struct timespec	ts = { 0, SERVER_STOP_POLL_MS * 1000 * 1000 };

	atomic_store(&sv->sv_stopping, 1);
	/* Kept HTTP connections may still ask until the loop stops. */
	httpfront_quiesce(sv->sv_http);
	if (sv->sv_crew != NULL)
		crew_stop(sv->sv_crew);
	if (sv->sv_loop != NULL)
		connloop_stop(sv->sv_loop);
	for (;;) {
		/* A worker may start another until it returns: the count is
		 * read again once they are joined. */
		n = server_started(sv);
		for (i = 0, done = 0; i < n; i++) {
			struct worker *wk = &sv->sv_workers[i];

			if (wk->wk_running &&
			    pthread_tryjoin_np(wk->wk_thread, NULL) == 0)
				wk->wk_running = 0;
			if (!wk->wk_running)
				done++;
		}
		if (done == n && server_started(sv) == n)
			break;
		server_log_tick(sv);
		nanosleep(&ts, NULL);
	}
	/* Every request it posted has been answered and resumed. */
	httpfront_stop(sv->sv_http);
	sv->sv_http = NULL;
}

/*
 * A web server that spawned us on fd 0 starts a new daemon when the
 * supervisor dies; but lighttpd first connects to the old socket, and if
 * that still accepts it keeps it and never restarts us (503 from then on;
 * fcgi-authzd(8), PROCESSES).  So the supervisor's death stops the
 * listening in the signal handler, to come before lighttpd's handling of
 * SIGCHLD, and the stop goes on as on SIGTERM.  fd 0 only: a socket from
 * systemd or -l is shared with the supervisor, which must keep listening.
 */
static pid_t	server_supervisor;	/* read by the signal handler */

static void
server_orphaned(int sig)
{
	int	saved = errno;

	(void)sig;
	if (getppid() != server_supervisor) {
		(void)shutdown(0, SHUT_RD);
		(void)kill(getpid(), SIGTERM);
	}
	errno = saved;
}

static void
server_watch_supervisor(int spawned)
{
	struct sigaction	sa;

	if (!spawned)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = server_orphaned;
	sigaction(SIGUSR1, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGUSR1);
	/* The supervisor may have gone before the line above. */
	if (getppid() != server_supervisor)
		(void)raise(SIGUSR1);
}

static int
server_wait_signals(struct server *sv)
{
	sigset_t	 set;
	struct timespec	 tick = { 0, AUTHZ_WATCH_TICK_MS * 1000 * 1000 };
	int		 sig;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &tick);
		server_log_tick(sv);
		server_free_retired(sv);
		if (sig == SIGHUP)
			server_reload_on_signal(sv);
		else if (sig == SIGTERM || sig == SIGINT)
			return sig;
		server_watchdog_tick(sv);
		server_crew_tick(sv);
		server_watch_tick(sv);
		server_metrics_tick(sv, 0);
	}
}

/*
 * max_connections, or by default what the open-files limit leaves once
 * the daemon's own files are counted (authzd.c raised the limit first).
 * A configured value above that is lowered to it: each connection is a
 * descriptor, and running out of them refuses connections at random
 * instead of closing the oldest idle one.
 */
static unsigned
server_max_connections(const struct conf *cf)
{
	struct rlimit	rl;
	rlim_t		fit = AUTHZ_MAX_CONNECTIONS_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur !=
	    RLIM_INFINITY && rl.rlim_cur < fit + AUTHZ_FD_RESERVE)
		fit = rl.rlim_cur > AUTHZ_FD_RESERVE + AUTHZ_MAX_CONNECTIONS_MIN ?
		    rl.rlim_cur - AUTHZ_FD_RESERVE : AUTHZ_MAX_CONNECTIONS_MIN;
	if (cf->cf_max_connections == 0)
		return (unsigned)fit;
	if (cf->cf_max_connections > fit) {
		log_warnx("[server] max_connections %u is more than the "
		    "open-files limit leaves room for; using %u (raise "
		    "LimitNOFILE or ulimit -n)", cf->cf_max_connections,
		    (unsigned)fit);
		return (unsigned)fit;
	}
	return cf->cf_max_connections;
}

/* Everything but the pool, the snapshot and the workers (server_open). */
static void
server_init(struct server *sv, const struct listen_set *ls,
    const struct conf *cf, const char *conf_path, struct throttle *throttle)
{
	memset(sv, 0, sizeof(*sv));
	sv->sv_listen = ls;
	server_supervisor = getppid();
	sv->sv_conf_path = conf_path;
	sv->sv_throttle = throttle;
	sv->sv_nworkers = cf->cf_workers;
	sv->sv_timeout_ms = cf->cf_request_timeout * 1000;
	sv->sv_limits.cl_request_ms = cf->cf_request_timeout * 1000;
	sv->sv_limits.cl_idle_ms = cf->cf_idle_timeout * 1000;
	sv->sv_limits.cl_max_conns = server_max_connections(cf);
	sv->sv_http_limits.hl_max_conns = sv->sv_limits.cl_max_conns;
	sv->sv_http_limits.hl_idle_sec = cf->cf_idle_timeout;
	sv->sv_dead_fd = -1;
	sv->sv_started = time(NULL);
	pthread_mutex_init(&sv->sv_lock, NULL);
	pthread_mutex_init(&sv->sv_start_lock, NULL);
	atomic_init(&sv->sv_stopping, 0);
	atomic_init(&sv->sv_nstarted, 0);
	sv->sv_nslots = sv->sv_nworkers + AUTHZ_WAITING_THREADS_MAX;
	watch_init(&sv->sv_watch);
}

/*
 * The hashing pool, the first snapshot (it takes cf) and the workers'
 * slots.  0, or -1 (logged); server_teardown frees what was made.
 */
static int
server_open(struct server *sv, struct conf *cf)
{
	unsigned inflight, i;

	/*
	 * Half the request threads at most wait for a hash; the others stay
	 * free for cached credentials whatever arrives.  The pool is sized
	 * once: changed [hashing] max_concurrent or workers need a restart.
	 */
	inflight = sv->sv_nworkers / 2 > 0 ? sv->sv_nworkers / 2 : 1;
	if ((sv->sv_pool = hashpool_new(cf->cf_hash_max_concurrent < inflight ?
	    cf->cf_hash_max_concurrent : inflight, inflight)) == NULL) {
		log_warnx("cannot start the hashing threads");
		return -1;
	}
	if ((sv->sv_current = server_snapshot_first(sv, cf)) == NULL)
		return -1;
	if ((sv->sv_workers = calloc(sv->sv_nslots,
	    sizeof(*sv->sv_workers))) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	for (i = 0; i < sv->sv_nslots; i++)
		log_buf_init(&sv->sv_workers[i].wk_log);
	if ((sv->sv_crew = crew_new(sv->sv_nworkers, sv->sv_nslots -
	    sv->sv_nworkers, server_crew_start, sv)) == NULL) {
		log_warnx("out of memory");
		return -1;
	}
	hashpool_set_wait_hooks(sv->sv_pool, crew_wait_begin, crew_wait_end,
	    sv->sv_crew);
	/* Never bound, never listening: accept(2) on it fails at once. */
	if ((sv->sv_dead_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if ((sv->sv_loop = connloop_new(sv->sv_listen->ls_fcgi,
	    sv->sv_listen->ls_nfcgi, &sv->sv_limits)) == NULL)
		return -1;
	return 0;
}

/* The process's signals, before any worker thread starts. */
static void
server_take_signals(int spawned)
{
	sigset_t set;

	/* nginx drops the connection when its client goes (docs/servers.md,
	 * How every server talks). */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	server_watch_supervisor(spawned);
}

/*
 * Accepted TCP sockets inherit these (unix ones do not: the watchdog
 * bounds those): one read or write cannot block longer than
 * request_timeout.  The receive buffer holds a whole request of
 * FCGISCAN_BYTES_MAX, since the loop only peeks until a request is whole
 * and a TCP peer stops sending once the buffer is full.
 */
static void
server_set_socket_options(int listen_fd, unsigned timeout_sec)
{
	struct timeval	tv;
	int		rcvbuf = 2 * FCGISCAN_BYTES_MAX;

	tv.tv_sec = timeout_sec;
	tv.tv_usec = 0;
	(void)setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(listen_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(listen_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf));
}

/*
 * Starts the workers, and serves until SIGTERM or SIGINT; returns once
 * every worker has returned.  0, or 1 when they could not start (logged).
 */
static int
server_serve(struct server *sv)
{
	if (FCGX_Init() != 0) {
		log_warnx("FCGX_Init failed");
		return 1;
	}
	if (server_start_workers(sv) == -1 || connloop_start(sv->sv_loop) ==
	    -1) {
		log_warnx("cannot start worker threads");
		server_stop_workers(sv);
		return 1;
	}
	if (sv->sv_listen->ls_http != -1 && (sv->sv_http = httpfront_start(
	    sv->sv_listen->ls_http, sv->sv_loop, &sv->sv_http_limits)) == NULL) {
		server_stop_workers(sv);
		return 1;
	}
	log_info("serving with %u workers, up to %u connections%s%s",
	    sv->sv_nworkers, sv->sv_limits.cl_max_conns,
	    sv->sv_listen->ls_nfcgi > 0 ? ", FastCGI" : "",
	    sv->sv_http != NULL ? ", HTTP forward auth" : "");
	/*
	 * From here this thread only watches the files, reloads them and
	 * flushes logs.  The threads started above keep their nice value:
	 * a reload of a large users file yields to answering requests.
	 */
	(void)proc_thread_nice(AUTHZ_RELOAD_NICE);
	(void)server_wait_signals(sv);
	if (getppid() != server_supervisor)
		log_warnx("the supervisor has gone; stopping");
	log_info("stopping: finishing requests in progress");
	server_stop_workers(sv);
	/* Every request is counted now: the file ends with all of them. */
	server_metrics_tick(sv, 1);
	return 0;
}

/* Frees what server_open made, and cf if no snapshot took it. */
static void
server_teardown(struct server *sv, struct conf *cf)
{
	unsigned i;

	if (sv->sv_current != NULL)
		server_release(sv, sv->sv_current);
	else
		conf_free(cf);
	server_free_retired(sv);
	/* Last: every request, and so every wait for a hash, has ended. */
	hashpool_free(sv->sv_pool);
	/* Every worker has returned: no grant is lost on a clean stop. */
	for (i = 0; sv->sv_workers != NULL && i < sv->sv_nslots; i++)
		log_buf_finish(&sv->sv_workers[i].wk_log);
	free(sv->sv_workers);
	crew_free(sv->sv_crew);
	pthread_mutex_destroy(&sv->sv_start_lock);
	connloop_free(sv->sv_loop);
	if (sv->sv_dead_fd != -1)
		(void)close(sv->sv_dead_fd);
	pthread_mutex_destroy(&sv->sv_lock);
}

int
server_run(const struct listen_set *ls, struct conf *cf,
    const char *conf_path, struct throttle *throttle)
{
	struct server	sv;
	size_t		i;
	int		rc = 1;

	server_init(&sv, ls, cf, conf_path, throttle);
	if (server_open(&sv, cf) == 0) {
		server_take_signals(ls->ls_spawned);
		for (i = 0; i < ls->ls_nfcgi; i++)
			server_set_socket_options(ls->ls_fcgi[i],
			    cf->cf_request_timeout);
		rc = server_serve(&sv);
	}
	server_teardown(&sv, cf);
	return rc;
}
