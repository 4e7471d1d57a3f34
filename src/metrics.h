/*
 * Metrics in the Prometheus text exposition format (0.0.4), written to a
 * file for node_exporter's textfile collector ([metrics] textfile).
 * The counters are the worker process's own: any thread counts with a
 * relaxed atomic increment, and nothing is locked on the request path.
 * The main thread renders them, with the gauges it gathers itself, and
 * writes the file (server.c).  A worker started again after a crash
 * counts from zero, which Prometheus takes for a counter reset.
 * No metric names a user, an address or a path.
 */
#ifndef AUTHZ_METRICS_H
#define AUTHZ_METRICS_H

#include <stddef.h>
#include <time.h>

struct authz_verdict;

/* Room for every series with the largest values (tests/check_metrics.c). */
#define METRICS_TEXT_MAX	16384

/* Counts one decided request: its status, reason and cache use. */
void	metrics_count_verdict(const struct authz_verdict *);
/* Counts one reload; ok: the new configuration is in use. */
void	metrics_count_reload(int ok);
/* Sets every counter back to its value at start (for the tests). */
void	metrics_reset(void);

/* The FastCGI connections, from the daemon's event loop. */
struct metrics_conns {
	unsigned	 mc_max;		/* max_connections */
	unsigned	 mc_reading;		/* a request on its way */
	unsigned	 mc_ready;		/* whole, for a request thread */
	unsigned	 mc_busy;		/* with a request thread */
	unsigned	 mc_idle;		/* kept between requests */
	unsigned	 mc_closing;		/* answered, being drained */
	unsigned long	 mc_accepted;		/* counters from here */
	unsigned long	 mc_timed_out;
	unsigned long	 mc_refused;
	unsigned long	 mc_evicted;
	unsigned	 mc_threads;		/* request threads started */
	unsigned	 mc_threads_waiting;	/* gave their place up (crew.h) */
};

/* What the main thread gathers for one rendering. */
struct metrics_gauges {
	const char	*mg_version;		/* fcgi_authz_info's label */
	time_t		 mg_start_time;		/* seconds since the epoch */
	size_t		 mg_users;
	unsigned	 mg_hash_threads;
	unsigned	 mg_hash_running;
	unsigned	 mg_hash_queued;
	unsigned	 mg_hash_reserved;	/* reserved places taken */
	uint64_t	 mg_hash_rests;	/* hashpool_load's hl_rests */
	uint64_t	 mg_renewed;	/* and its renewals by result */
	uint64_t	 mg_renewals_refused;
	uint64_t	 mg_renewals_dropped;
	int		 mg_have_throttle;	/* 0: no bans series */
	unsigned	 mg_throttle_bans;
	int		 mg_have_conns;		/* 0: no connections series */
	struct metrics_conns mg_conns;
	int		 mg_have_http;		/* 0: no HTTP listener */
	unsigned	 mg_http_conns;		/* its connections open */
	unsigned	 mg_http_queued;	/* its requests for a thread */
};

/*
 * Renders every metric, each with its # HELP and # TYPE lines, into buf
 * and NUL-terminates it.  A decisions series appears once its first
 * request is counted.  Returns the length, or 0 if bufsz is too small.
 */
size_t	metrics_render(const struct metrics_gauges *, char *buf, size_t bufsz);

/*
 * Replaces the file at path with len bytes of text so that a reader sees
 * the old file or the new one, never part of one: written to a temporary
 * file next to it (path.tmp-XXXXXX, which the textfile collector skips:
 * it reads *.prom only), made mode 0644, renamed over path.  Returns 0,
 * or -1 with errno set and no temporary file left.
 */
int	metrics_write_file(const char *path, const char *text, size_t len)
	    __attribute__((warn_unused_result));

#endif
