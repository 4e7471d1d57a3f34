/*
 * The counters (see metrics.h), the text exposition format and the
 * atomic file write.  Counters are 64-bit atomics updated relaxed: each
 * stands alone, and a rendering that misses an increment made at the
 * same moment shows it the next time.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "authz.h"
#include "metrics.h"
#include "strbuf.h"

/* Every status authz_decide() answers with, in the order rendered. */
static const int metrics_statuses[] = { 200, 400, 401, 403, 429, 500 };
#define METRICS_NSTATUS	(sizeof(metrics_statuses) / sizeof(metrics_statuses[0]))
#define METRICS_500	(METRICS_NSTATUS - 1)

static atomic_ullong	metrics_decisions[METRICS_NSTATUS][AUTHZ_R_COUNT];
static atomic_ullong	metrics_cache_hits;
static atomic_ullong	metrics_cache_misses;
static atomic_ullong	metrics_reloads_ok;
static atomic_ullong	metrics_reloads_error;
static atomic_int	metrics_last_reload_ok = 1;

static void
metrics_add(atomic_ullong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static unsigned long long
metrics_get(atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* An unknown status is sent as a 500 (render_verdict): counted so too. */
static size_t
metrics_status_index(int status)
{
	size_t i;

	for (i = 0; i < METRICS_NSTATUS; i++)
		if (metrics_statuses[i] == status)
			return i;
	return METRICS_500;
}

void
metrics_count_verdict(const struct authz_verdict *v)
{
	size_t r = (size_t)v->av_reason;

	/* Out of range: authz_reason_name() calls it "internal". */
	if (r >= AUTHZ_R_COUNT)
		r = AUTHZ_R_INTERNAL;
	metrics_add(&metrics_decisions[metrics_status_index(v->av_status)][r]);
	if (v->av_cache == AUTHZ_CACHE_HIT)
		metrics_add(&metrics_cache_hits);
	else if (v->av_cache == AUTHZ_CACHE_MISS)
		metrics_add(&metrics_cache_misses);
}

void
metrics_count_reload(int ok)
{
	metrics_add(ok ? &metrics_reloads_ok : &metrics_reloads_error);
	atomic_store_explicit(&metrics_last_reload_ok, ok != 0,
	    memory_order_relaxed);
}

void
metrics_reset(void)
{
	size_t s, r;

	for (s = 0; s < METRICS_NSTATUS; s++)
		for (r = 0; r < AUTHZ_R_COUNT; r++)
			atomic_store(&metrics_decisions[s][r], 0);
	atomic_store(&metrics_cache_hits, 0);
	atomic_store(&metrics_cache_misses, 0);
	atomic_store(&metrics_reloads_ok, 0);
	atomic_store(&metrics_reloads_error, 0);
	atomic_store(&metrics_last_reload_ok, 1);
}

/* The # HELP and # TYPE lines of one metric. */
static void
metrics_head(struct strbuf *sb, const char *name, const char *type,
    const char *help)
{
	strbuf_appendf(sb, "# HELP %s %s\n# TYPE %s %s\n",
	    name, help, name, type);
}

/* A label value, with \, " and newline escaped as the format asks. */
static void
metrics_label_value(struct strbuf *sb, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			strbuf_append(sb, "\\\\");
		else if (*s == '"')
			strbuf_append(sb, "\\\"");
		else if (*s == '\n')
			strbuf_append(sb, "\\n");
		else
			strbuf_appendn(sb, s, 1);
	}
}

static void
metrics_render_decisions(struct strbuf *sb)
{
	unsigned long long	n;
	size_t			s, r;

	metrics_head(sb, "fcgi_authz_decisions_total",
	    "counter", "Requests decided, by the status answered and the "
	    "reason logged.");
	for (s = 0; s < METRICS_NSTATUS; s++)
		for (r = 0; r < AUTHZ_R_COUNT; r++) {
			/* Most pairs never happen (200 bad_password):
			 * a series appears with its first request. */
			if ((n = metrics_get(&metrics_decisions[s][r])) == 0)
				continue;
			strbuf_appendf(sb,
			    "fcgi_authz_decisions_total{status=\"%d\","
			    "reason=\"%s\"} %llu\n", metrics_statuses[s],
			    authz_reason_name((enum authz_reason)r), n);
		}
}

static void
metrics_render_hashing(const struct metrics_gauges *mg, struct strbuf *sb)
{
	metrics_head(sb, "fcgi_authz_hashing_threads",
	    "gauge", "Threads that verify passwords.");
	strbuf_appendf(sb, "fcgi_authz_hashing_threads %u\n",
	    mg->mg_hash_threads);
	metrics_head(sb, "fcgi_authz_hashing_running",
	    "gauge", "Password verifications running.");
	strbuf_appendf(sb, "fcgi_authz_hashing_running %u\n",
	    mg->mg_hash_running);
	metrics_head(sb, "fcgi_authz_hashing_queued",
	    "gauge", "Password verifications waiting for a thread.");
	strbuf_appendf(sb, "fcgi_authz_hashing_queued %u\n",
	    mg->mg_hash_queued);
	metrics_head(sb, "fcgi_authz_hashing_reserved", "gauge",
	    "Places for recently verified passwords in use.");
	strbuf_appendf(sb, "fcgi_authz_hashing_reserved %u\n",
	    mg->mg_hash_reserved);
	metrics_head(sb, "fcgi_authz_hashing_rests_total", "counter",
	    "Rests of hashing threads while verifications were refused.");
	strbuf_appendf(sb, "fcgi_authz_hashing_rests_total %llu\n",
	    (unsigned long long)mg->mg_hash_rests);
}

static void
metrics_render_conns(const struct metrics_conns *mc, struct strbuf *sb)
{
	static const char *state[] = {
		"reading", "ready", "busy", "idle", "closing"
	};
	const unsigned	n[] = {
		mc->mc_reading, mc->mc_ready, mc->mc_busy, mc->mc_idle,
		mc->mc_closing
	};
	size_t		i;

	metrics_head(sb, "fcgi_authz_connections", "gauge",
	    "Open FastCGI connections, by state: a request on its way, "
	    "ready for a thread, with one, kept idle, being closed.");
	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		strbuf_appendf(sb, "fcgi_authz_connections{state=\"%s\"} "
		    "%u\n", state[i], n[i]);
	metrics_head(sb, "fcgi_authz_connections_max", "gauge",
	    "Open connections allowed ([server] max_connections).");
	strbuf_appendf(sb, "fcgi_authz_connections_max %u\n", mc->mc_max);
	metrics_head(sb, "fcgi_authz_connections_accepted_total", "counter",
	    "FastCGI connections accepted.");
	strbuf_appendf(sb, "fcgi_authz_connections_accepted_total %lu\n",
	    mc->mc_accepted);
	metrics_head(sb, "fcgi_authz_connections_closed_total", "counter",
	    "FastCGI connections closed by the daemon before a whole "
	    "request: too slow (request_timeout), unreadable, or to stay "
	    "within max_connections.");
	strbuf_appendf(sb,
	    "fcgi_authz_connections_closed_total{reason=\"timeout\"} %lu\n"
	    "fcgi_authz_connections_closed_total{reason=\"refused\"} %lu\n"
	    "fcgi_authz_connections_closed_total{reason=\"limit\"} %lu\n",
	    mc->mc_timed_out, mc->mc_refused, mc->mc_evicted);
	metrics_head(sb, "fcgi_authz_request_threads", "gauge",
	    "Request threads started: [server] workers, and those started "
	    "while others wait for a hash.");
	strbuf_appendf(sb, "fcgi_authz_request_threads %u\n", mc->mc_threads);
	metrics_head(sb, "fcgi_authz_request_threads_waiting", "gauge",
	    "Request threads waiting for a hash or a refusal's delay, "
	    "their place given to another.");
	strbuf_appendf(sb, "fcgi_authz_request_threads_waiting %u\n",
	    mc->mc_threads_waiting);
}

static void
metrics_render_reloads(struct strbuf *sb)
{
	metrics_head(sb, "fcgi_authz_reloads_total",
	    "counter", "Reloads of the configuration, by result.");
	strbuf_appendf(sb,
	    "fcgi_authz_reloads_total{result=\"ok\"} %llu\n"
	    "fcgi_authz_reloads_total{result=\"error\"} %llu\n",
	    metrics_get(&metrics_reloads_ok),
	    metrics_get(&metrics_reloads_error));
	metrics_head(sb, "fcgi_authz_last_reload_successful",
	    "gauge", "0 if the last reload failed and the previous "
	    "configuration is still in use, else 1.");
	strbuf_appendf(sb,
	    "fcgi_authz_last_reload_successful %d\n",
	    atomic_load_explicit(&metrics_last_reload_ok,
	    memory_order_relaxed));
}

/* The HTTP forward-auth listener, when there is one. */
static void
metrics_render_http(const struct metrics_gauges *mg, struct strbuf *sb)
{
	metrics_head(sb, "fcgi_authz_http_connections", "gauge",
	    "Open connections of the HTTP forward-auth listener.");
	strbuf_appendf(sb, "fcgi_authz_http_connections %u\n",
	    mg->mg_http_conns);
	metrics_head(sb, "fcgi_authz_http_queued", "gauge",
	    "HTTP forward-auth requests waiting for a request thread.");
	strbuf_appendf(sb, "fcgi_authz_http_queued %u\n", mg->mg_http_queued);
}

static void
metrics_render_renewals(const struct metrics_gauges *mg, struct strbuf *sb)
{
	metrics_head(sb, "fcgi_authz_cache_renewals_total", "counter",
	    "Cached passwords verified again in the background, by result.");
	strbuf_appendf(sb,
	    "fcgi_authz_cache_renewals_total{result=\"renewed\"} %llu\n"
	    "fcgi_authz_cache_renewals_total{result=\"refused\"} %llu\n"
	    "fcgi_authz_cache_renewals_total{result=\"dropped\"} %llu\n",
	    (unsigned long long)mg->mg_renewed,
	    (unsigned long long)mg->mg_renewals_refused,
	    (unsigned long long)mg->mg_renewals_dropped);
}

size_t
metrics_render(const struct metrics_gauges *mg, char *buf, size_t bufsz)
{
	struct strbuf sb;

	strbuf_init(&sb, buf, bufsz);

	metrics_head(&sb, "fcgi_authz_info", "gauge",
	    "The running fcgi-authzd, with its version as a label.");
	strbuf_appendf(&sb, "fcgi_authz_info{version=\"");
	metrics_label_value(&sb, mg->mg_version);
	strbuf_appendf(&sb, "\"} 1\n");
	metrics_head(&sb, "fcgi_authz_start_time_seconds",
	    "gauge", "When the worker process started, in seconds since "
	    "the epoch.");
	strbuf_appendf(&sb, "fcgi_authz_start_time_seconds "
	    "%lld\n", (long long)mg->mg_start_time);
	metrics_render_decisions(&sb);
	metrics_head(&sb, "fcgi_authz_cache_hits_total",
	    "counter", "Passwords answered from the verification cache.");
	strbuf_appendf(&sb, "fcgi_authz_cache_hits_total "
	    "%llu\n", metrics_get(&metrics_cache_hits));
	metrics_head(&sb, "fcgi_authz_cache_misses_total",
	    "counter", "Passwords not in the verification cache, so hashed.");
	strbuf_appendf(&sb, "fcgi_authz_cache_misses_total "
	    "%llu\n", metrics_get(&metrics_cache_misses));
	metrics_render_renewals(mg, &sb);
	metrics_render_hashing(mg, &sb);
	if (mg->mg_have_throttle) {
		metrics_head(&sb, "fcgi_authz_throttle_bans",
		    "gauge", "Bans in force on addresses, user names and "
		    "pairs, in the table every process shares.");
		strbuf_appendf(&sb,
		    "fcgi_authz_throttle_bans %u\n", mg->mg_throttle_bans);
	}
	if (mg->mg_have_conns)
		metrics_render_conns(&mg->mg_conns, &sb);
	if (mg->mg_have_http)
		metrics_render_http(mg, &sb);
	metrics_head(&sb, "fcgi_authz_users", "gauge",
	    "Users in the running configuration.");
	strbuf_appendf(&sb, "fcgi_authz_users %zu\n",
	    mg->mg_users);
	metrics_render_reloads(&sb);
	/* All or nothing: a cut file would be read as a whole one. */
	if (sb.sb_overflow) {
		if (bufsz > 0)
			buf[0] = '\0';
		return 0;
	}
	return sb.sb_len;
}

/*
 * No fsync(2): the rename is what makes the write atomic for a reader,
 * and the file is written again every few seconds.  After a crash of the
 * host its content would be out of date anyway; an fsync would only add
 * a disk flush every few seconds for as long as the daemon runs.
 */
int
metrics_write_file(const char *path, const char *text, size_t len)
{
	/* node_exporter runs as another user; nothing here is secret.
	 * The mode is set, not left to the umask. */
	return atomicfile_write(path, 0, text, len,
	    S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH, NULL);
}
