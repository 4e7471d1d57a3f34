/*
 * check_metrics: the exact text for a known state (HELP and TYPE lines,
 * label escaping), counting from several threads at once, the buffer
 * bound, and the file write: a reader sees the old file or the new one,
 * mode 0644 whatever the umask, no temporary file left, and an error
 * (no crash, nothing left) where the file cannot be written.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "authz.h"
#include "check_common.h"
#include "metrics.h"

static char	tdir[64];

static void
setup(void)
{
	check_tmpdir_make(tdir, sizeof(tdir));
	metrics_reset();
}

static void
teardown(void)
{
	metrics_reset();
	check_tmpdir_remove(tdir);
}

/* The names in tdir, sorted, joined by spaces. */
static void
tdir_list(char *buf, size_t bufsz)
{
	struct dirent	**names;
	int		 n, i;
	size_t		 len = 0;

	n = scandir(tdir, &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			len += (size_t)snprintf(buf + len, bufsz - len, "%s%s",
			    len > 0 ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	ck_assert_uint_lt(len, bufsz);
}

static void
count(int status, enum authz_reason reason, enum authz_cache cache)
{
	struct authz_verdict v;

	memset(&v, 0, sizeof(v));
	v.av_status = status;
	v.av_reason = reason;
	v.av_cache = cache;
	metrics_count_verdict(&v);
}

static const struct metrics_gauges gauges = {
	.mg_version = "0.1.0",
	.mg_start_time = 1700000000,
	.mg_users = 42,
	.mg_hash_threads = 2,
	.mg_hash_running = 1,
	.mg_hash_queued = 3,
	.mg_hash_reserved = 1,
	.mg_hash_rests = 7,
	.mg_renewed = 2,
	.mg_renewals_refused = 1,
	.mg_renewals_dropped = 1,
	.mg_have_throttle = 1,
	.mg_throttle_bans = 5,
};

static const char want_known[] =
    "# HELP fcgi_authz_info The running fcgi-authzd, with its version as "
	"a label.\n"
    "# TYPE fcgi_authz_info gauge\n"
    "fcgi_authz_info{version=\"0.1.0\"} 1\n"
    "# HELP fcgi_authz_start_time_seconds When the worker process "
	"started, in seconds since the epoch.\n"
    "# TYPE fcgi_authz_start_time_seconds gauge\n"
    "fcgi_authz_start_time_seconds 1700000000\n"
    "# HELP fcgi_authz_decisions_total Requests decided, by the status "
	"answered and the reason logged.\n"
    "# TYPE fcgi_authz_decisions_total counter\n"
    "fcgi_authz_decisions_total{status=\"200\",reason=\"ok\"} 3\n"
    "fcgi_authz_decisions_total{status=\"200\",reason=\"public\"} 1\n"
    "fcgi_authz_decisions_total{status=\"401\",reason=\"no_credentials\"} 1\n"
    "fcgi_authz_decisions_total{status=\"401\",reason=\"bad_password\"} 2\n"
    "fcgi_authz_decisions_total{status=\"429\",reason=\"throttled\"} 1\n"
    "fcgi_authz_decisions_total{status=\"429\",reason=\"busy\"} 1\n"
    "# HELP fcgi_authz_cache_hits_total Passwords answered from the "
	"verification cache.\n"
    "# TYPE fcgi_authz_cache_hits_total counter\n"
    "fcgi_authz_cache_hits_total 2\n"
    "# HELP fcgi_authz_cache_misses_total Passwords not in the "
	"verification cache, so hashed.\n"
    "# TYPE fcgi_authz_cache_misses_total counter\n"
    "fcgi_authz_cache_misses_total 3\n"
    "# HELP fcgi_authz_cache_renewals_total Cached passwords verified "
	"again in the background, by result.\n"
    "# TYPE fcgi_authz_cache_renewals_total counter\n"
    "fcgi_authz_cache_renewals_total{result=\"renewed\"} 2\n"
    "fcgi_authz_cache_renewals_total{result=\"refused\"} 1\n"
    "fcgi_authz_cache_renewals_total{result=\"dropped\"} 1\n"
    "# HELP fcgi_authz_hashing_threads Threads that verify passwords.\n"
    "# TYPE fcgi_authz_hashing_threads gauge\n"
    "fcgi_authz_hashing_threads 2\n"
    "# HELP fcgi_authz_hashing_running Password verifications running.\n"
    "# TYPE fcgi_authz_hashing_running gauge\n"
    "fcgi_authz_hashing_running 1\n"
    "# HELP fcgi_authz_hashing_queued Password verifications waiting for "
	"a thread.\n"
    "# TYPE fcgi_authz_hashing_queued gauge\n"
    "fcgi_authz_hashing_queued 3\n"
    "# HELP fcgi_authz_hashing_reserved Places for recently verified "
	"passwords in use.\n"
    "# TYPE fcgi_authz_hashing_reserved gauge\n"
    "fcgi_authz_hashing_reserved 1\n"
    "# HELP fcgi_authz_hashing_rests_total Rests of hashing threads "
	"while verifications were refused.\n"
    "# TYPE fcgi_authz_hashing_rests_total counter\n"
    "fcgi_authz_hashing_rests_total 7\n"
    "# HELP fcgi_authz_throttle_bans Bans in force on addresses, user "
	"names and pairs, in the table every process shares.\n"
    "# TYPE fcgi_authz_throttle_bans gauge\n"
    "fcgi_authz_throttle_bans 5\n"
    "# HELP fcgi_authz_users Users in the running configuration.\n"
    "# TYPE fcgi_authz_users gauge\n"
    "fcgi_authz_users 42\n"
    "# HELP fcgi_authz_reloads_total Reloads of the configuration, by "
	"result.\n"
    "# TYPE fcgi_authz_reloads_total counter\n"
    "fcgi_authz_reloads_total{result=\"ok\"} 2\n"
    "fcgi_authz_reloads_total{result=\"error\"} 1\n"
    "# HELP fcgi_authz_last_reload_successful 0 if the last reload failed "
	"and the previous configuration is still in use, else 1.\n"
    "# TYPE fcgi_authz_last_reload_successful gauge\n"
    "fcgi_authz_last_reload_successful 0\n";

/* A known state, rendered exactly: series in status, then reason order. */
START_TEST(test_metrics_render_known)
{
	char	buf[METRICS_TEXT_MAX];
	size_t	n;

	count(429, AUTHZ_R_BUSY, AUTHZ_CACHE_UNUSED);
	count(429, AUTHZ_R_THROTTLED, AUTHZ_CACHE_UNUSED);
	count(200, AUTHZ_R_OK, AUTHZ_CACHE_MISS);
	count(200, AUTHZ_R_OK, AUTHZ_CACHE_HIT);
	count(200, AUTHZ_R_OK, AUTHZ_CACHE_HIT);
	count(401, AUTHZ_R_BAD_PASSWORD, AUTHZ_CACHE_MISS);
	count(401, AUTHZ_R_BAD_PASSWORD, AUTHZ_CACHE_MISS);
	count(401, AUTHZ_R_NO_CREDENTIALS, AUTHZ_CACHE_UNUSED);
	count(200, AUTHZ_R_PUBLIC, AUTHZ_CACHE_UNUSED);
	metrics_count_reload(1);
	metrics_count_reload(1);
	metrics_count_reload(0);
	n = metrics_render(&gauges, buf, sizeof(buf));
	ck_assert_str_eq(buf, want_known);
	ck_assert_uint_eq(n, strlen(want_known));
}
END_TEST

/* At start: no decisions series yet, every counter 0, last reload 1. */
START_TEST(test_metrics_render_fresh)
{
	struct metrics_gauges	mg = gauges;
	char			buf[METRICS_TEXT_MAX];

	mg.mg_have_throttle = 0;
	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_decisions_total counter\n"
	    "# HELP fcgi_authz_cache_hits_total "));
	ck_assert_ptr_null(strstr(buf, "fcgi_authz_decisions_total{"));
	ck_assert_ptr_nonnull(strstr(buf, "\nfcgi_authz_cache_hits_total 0\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_cache_misses_total 0\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_reloads_total{result=\"ok\"} 0\n"
	    "fcgi_authz_reloads_total{result=\"error\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_last_reload_successful 1\n"));
	/* Without a throttle table: no bans series, not even its HELP. */
	ck_assert_ptr_null(strstr(buf, "throttle"));
	/* A good reload after a failed one: 1 again. */
	metrics_count_reload(0);
	metrics_count_reload(1);
	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_last_reload_successful 1\n"));
}
END_TEST

/* The HTTP listener's gauges, only when there is one. */
START_TEST(test_metrics_render_http)
{
	struct metrics_gauges	mg = gauges;
	char			buf[METRICS_TEXT_MAX];

	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_null(strstr(buf, "fcgi_authz_http_"));
	mg.mg_have_http = 1;
	mg.mg_http_conns = 17;
	mg.mg_http_queued = 3;
	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_http_connections gauge\n"
	    "fcgi_authz_http_connections 17\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_http_queued gauge\n"
	    "fcgi_authz_http_queued 3\n"));
}
END_TEST

/* The daemon's connections: every state, the limit and the counters. */
START_TEST(test_metrics_render_conns)
{
	struct metrics_gauges	mg = gauges;
	char			buf[METRICS_TEXT_MAX];

	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_null(strstr(buf, "connections"));
	mg.mg_have_conns = 1;
	mg.mg_conns.mc_max = 65000;
	mg.mg_conns.mc_reading = 1;
	mg.mg_conns.mc_ready = 2;
	mg.mg_conns.mc_busy = 3;
	mg.mg_conns.mc_idle = 4;
	mg.mg_conns.mc_closing = 5;
	mg.mg_conns.mc_accepted = 600;
	mg.mg_conns.mc_timed_out = 7;
	mg.mg_conns.mc_refused = 8;
	mg.mg_conns.mc_evicted = 9;
	mg.mg_conns.mc_threads = 10;
	mg.mg_conns.mc_threads_waiting = 11;
	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_connections gauge\n"
	    "fcgi_authz_connections{state=\"reading\"} 1\n"
	    "fcgi_authz_connections{state=\"ready\"} 2\n"
	    "fcgi_authz_connections{state=\"busy\"} 3\n"
	    "fcgi_authz_connections{state=\"idle\"} 4\n"
	    "fcgi_authz_connections{state=\"closing\"} 5\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_connections_max 65000\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_connections_accepted_total 600\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_connections_closed_total{reason=\"timeout\"} 7\n"
	    "fcgi_authz_connections_closed_total{reason=\"refused\"} 8\n"
	    "fcgi_authz_connections_closed_total{reason=\"limit\"} 9\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_request_threads gauge\n"
	    "fcgi_authz_request_threads 10\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "# TYPE fcgi_authz_request_threads_waiting gauge\n"
	    "fcgi_authz_request_threads_waiting 11\n"));
}
END_TEST

/*
 * Every line is a comment with # HELP or # TYPE for the metric that
 * follows, or "name{labels} value" / "name value" (the shape the
 * textfile collector parses), and the text ends in a newline.
 */
START_TEST(test_metrics_render_shape)
{
	char		 buf[METRICS_TEXT_MAX], name[128], type[16];
	char		*line, *save = NULL;
	unsigned	 helps = 0, types = 0, samples = 0;
	size_t		 n;

	count(403, AUTHZ_R_ROLE, AUTHZ_CACHE_HIT);
	count(500, AUTHZ_R_INTERNAL, AUTHZ_CACHE_UNUSED);
	ck_assert_uint_gt(n = metrics_render(&gauges, buf, sizeof(buf)), 0);
	ck_assert_int_eq(buf[n - 1], '\n');
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert_int_eq(sscanf(line, "# HELP %127s", name), 1);
			helps++;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert_int_eq(sscanf(line, "# TYPE %127s %15s", name,
			    type), 2);
			ck_assert_msg(strcmp(type, "counter") == 0 ||
			    strcmp(type, "gauge") == 0, "type %s", type);
			ck_assert_msg((strcmp(type, "counter") == 0) ==
			    (strlen(name) > 6 &&
			    strcmp(name + strlen(name) - 6, "_total") == 0),
			    "%s: a counter's name ends in _total", name);
			types++;
			continue;
		}
		/* A sample of the metric of the last # TYPE line. */
		ck_assert_msg(strncmp(line, name, strlen(name)) == 0 &&
		    (line[strlen(name)] == ' ' || line[strlen(name)] == '{'),
		    "\"%s\" after # TYPE %s", line, name);
		ck_assert_msg(strspn(strrchr(line, ' ') + 1, "0123456789") ==
		    strlen(strrchr(line, ' ') + 1), "value in \"%s\"", line);
		samples++;
	}
	ck_assert_uint_eq(helps, types);
	ck_assert_uint_eq(types, 15);
	ck_assert_uint_eq(samples, 19);
}
END_TEST

struct counter_arg {
	int		ca_status;
	enum authz_reason ca_reason;
	enum authz_cache ca_cache;
};

#define COUNT_THREADS	8
#define COUNT_EACH	100000

/* All threads start counting together, so that they do overlap. */
static pthread_barrier_t count_start;

static void *
count_many(void *arg)
{
	const struct counter_arg	*ca = arg;
	int				 i;

	pthread_barrier_wait(&count_start);
	for (i = 0; i < COUNT_EACH; i++) {
		count(ca->ca_status, ca->ca_reason, ca->ca_cache);
		if (i % 1000 == 0)
			metrics_count_reload(1);
	}
	return NULL;
}

/* Threads counting the same series at once lose no increment. */
START_TEST(test_metrics_threads)
{
	struct counter_arg	 ca[COUNT_THREADS];
	pthread_t		 t[COUNT_THREADS];
	char			 buf[METRICS_TEXT_MAX], want[256];
	size_t			 i;

	ck_assert_int_eq(pthread_barrier_init(&count_start, NULL,
	    COUNT_THREADS), 0);
	for (i = 0; i < COUNT_THREADS; i++) {
		ca[i].ca_status = i % 2 == 0 ? 401 : 200;
		ca[i].ca_reason = i % 2 == 0 ? AUTHZ_R_BAD_PASSWORD :
		    AUTHZ_R_OK;
		ca[i].ca_cache = i % 4 < 2 ? AUTHZ_CACHE_MISS :
		    AUTHZ_CACHE_HIT;
		ck_assert_int_eq(pthread_create(&t[i], NULL, count_many,
		    &ca[i]), 0);
	}
	for (i = 0; i < COUNT_THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&count_start);
	ck_assert_uint_gt(metrics_render(&gauges, buf, sizeof(buf)), 0);
	snprintf(want, sizeof(want), "\nfcgi_authz_decisions_total{status="
	    "\"200\",reason=\"ok\"} %d\nfcgi_authz_decisions_total{status="
	    "\"401\",reason=\"bad_password\"} %d\n",
	    COUNT_THREADS / 2 * COUNT_EACH, COUNT_THREADS / 2 * COUNT_EACH);
	ck_assert_msg(strstr(buf, want) != NULL, "want%s in\n%s", want, buf);
	snprintf(want, sizeof(want), "\nfcgi_authz_cache_hits_total %d\n",
	    COUNT_THREADS / 2 * COUNT_EACH);
	ck_assert_msg(strstr(buf, want) != NULL, "want%s", want);
	snprintf(want, sizeof(want), "\nfcgi_authz_cache_misses_total %d\n",
	    COUNT_THREADS / 2 * COUNT_EACH);
	ck_assert_msg(strstr(buf, want) != NULL, "want%s", want);
	snprintf(want, sizeof(want), "\nfcgi_authz_reloads_total{result="
	    "\"ok\"} %d\n", COUNT_THREADS * (COUNT_EACH / 1000));
	ck_assert_msg(strstr(buf, want) != NULL, "want%s", want);
}
END_TEST

/* The file is the rendered text, mode 0644 under umask 077, alone. */
START_TEST(test_metrics_write)
{
	char		 path[PATH_MAX], buf[256], names[256];
	struct stat	 st;
	mode_t		 old;
	int		 fd;
	ssize_t		 n;

	snprintf(path, sizeof(path), "%s/fcgi-authz.prom", tdir);
	old = umask(077);
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), 0);
	umask(old);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(metrics_write_file(path, "b 22\n", 5), 0);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(memcmp(buf, "b 22\n", 5), 0);
	tdir_list(names, sizeof(names));
	ck_assert_str_eq(names, "fcgi-authz.prom");
}
END_TEST

#define ATOMIC_ROUNDS	2000
#define ATOMIC_BIG	20000
#define ATOMIC_SMALL	3000

struct reader_arg {
	const char	*ra_path;
	atomic_int	 ra_stop;
	unsigned	 ra_reads;
	unsigned	 ra_torn;
	char		 ra_buf[ATOMIC_BIG + 1];
};

/* 1 if buf holds exactly n copies of c. */
static int
all_of(const char *buf, size_t len, char c, size_t n)
{
	size_t i;

	if (len != n)
		return 0;
	for (i = 0; i < len; i++)
		if (buf[i] != c)
			return 0;
	return 1;
}

static void *
read_many(void *arg)
{
	struct reader_arg	*ra = arg;
	ssize_t			 n;
	size_t			 len;
	int			 fd;

	while (!atomic_load(&ra->ra_stop)) {
		if ((fd = open(ra->ra_path, O_RDONLY)) == -1)
			continue;
		len = 0;
		while (len < sizeof(ra->ra_buf) &&
		    (n = read(fd, ra->ra_buf + len,
		    sizeof(ra->ra_buf) - len)) > 0)
			len += (size_t)n;
		close(fd);
		ra->ra_reads++;
		if (!all_of(ra->ra_buf, len, 'a', ATOMIC_BIG) &&
		    !all_of(ra->ra_buf, len, 'b', ATOMIC_SMALL))
			ra->ra_torn++;
	}
	return NULL;
}

/*
 * A reader reading all along sees one whole file or the other, never an
 * empty, short or mixed one (what a write in place would show).
 */
START_TEST(test_metrics_write_atomic)
{
	static struct reader_arg	 ra;
	static char			 big[ATOMIC_BIG], small[ATOMIC_SMALL];
	char				 path[PATH_MAX];
	pthread_t			 t;
	int				 i;

	snprintf(path, sizeof(path), "%s/fcgi-authz.prom", tdir);
	memset(big, 'a', sizeof(big));
	memset(small, 'b', sizeof(small));
	ck_assert_int_eq(metrics_write_file(path, big, sizeof(big)), 0);
	memset(&ra, 0, sizeof(ra));
	ra.ra_path = path;
	atomic_init(&ra.ra_stop, 0);
	ck_assert_int_eq(pthread_create(&t, NULL, read_many, &ra), 0);
	for (i = 0; i < ATOMIC_ROUNDS; i++)
		ck_assert_int_eq(metrics_write_file(path,
		    i % 2 == 0 ? small : big,
		    i % 2 == 0 ? sizeof(small) : sizeof(big)), 0);
	atomic_store(&ra.ra_stop, 1);
	pthread_join(t, NULL);
	ck_assert_uint_gt(ra.ra_reads, 0);
	ck_assert_msg(ra.ra_torn == 0, "%u of %u reads saw a partial file",
	    ra.ra_torn, ra.ra_reads);
}
END_TEST

/* The largest text fits METRICS_TEXT_MAX: every series, 20-digit values. */
START_TEST(test_metrics_render_bound)
{
	struct metrics_gauges	 mg = gauges;
	char			 buf[METRICS_TEXT_MAX];
	char			 version[64];
	size_t			 n, st, r, worst;
	static const int	 statuses[] = { 200, 400, 401, 403, 429, 500 };

	mg.mg_have_conns = 1;
	mg.mg_have_http = 1;

	memset(version, 'v', sizeof(version) - 1);
	version[sizeof(version) - 1] = '\0';
	mg.mg_version = version;
	for (st = 0; st < NITEMS(statuses); st++)
		for (r = 0; r < AUTHZ_R_COUNT; r++)
			count(statuses[st], (enum authz_reason)r,
			    AUTHZ_CACHE_HIT);
	ck_assert_uint_gt(n = metrics_render(&mg, buf, sizeof(buf)), 0);
	/* Each of the 90 decisions series, the 11 other counters and the
	 * 16 gauges could have up to 19 digits more. */
	worst = n + (NITEMS(statuses) * AUTHZ_R_COUNT + 11 + 16) * 19;
	ck_assert_msg(worst < METRICS_TEXT_MAX, "worst case %zu bytes",
	    worst);
}
END_TEST

/* One byte short of the text: 0, and an empty string, at every size. */
START_TEST(test_metrics_render_small)
{
	char	buf[METRICS_TEXT_MAX], small[METRICS_TEXT_MAX];
	size_t	n, sz;

	count(401, AUTHZ_R_MALFORMED, AUTHZ_CACHE_UNUSED);
	ck_assert_uint_gt(n = metrics_render(&gauges, buf, sizeof(buf)), 0);
	for (sz = 0; sz <= n; sz += sz < 64 ? 1 : 97) {
		memset(small, 'x', sizeof(small));
		ck_assert_uint_eq(metrics_render(&gauges, small, sz), 0);
		if (sz > 0)
			ck_assert_int_eq(small[0], '\0');
		ck_assert_int_eq(small[sz], 'x');
	}
	ck_assert_uint_eq(metrics_render(&gauges, small, n), 0);
	ck_assert_uint_eq(metrics_render(&gauges, small, n + 1), n);
	ck_assert_str_eq(small, buf);
}
END_TEST

/* A label value is escaped as the format asks: \\, \" and \n. */
START_TEST(test_metrics_label_escape)
{
	struct metrics_gauges	mg = gauges;
	char			buf[METRICS_TEXT_MAX];

	mg.mg_version = "1.0\"x\\y\nz";
	ck_assert_uint_gt(metrics_render(&mg, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_info{version=\"1.0\\\"x\\\\y\\nz\"} 1\n"));
}
END_TEST

/* Statuses and reasons authz never gives are counted as its 500 and
 * "internal"; an unknown cache value counts as neither hit nor miss. */
START_TEST(test_metrics_out_of_range)
{
	char buf[METRICS_TEXT_MAX];

	count(418, AUTHZ_R_OK, (enum authz_cache)7);
	count(200, (enum authz_reason)1000, AUTHZ_CACHE_UNUSED);
	ck_assert_uint_gt(metrics_render(&gauges, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_decisions_total{status=\"200\",reason=\"internal\"} "
	    "1\nfcgi_authz_decisions_total{status=\"500\",reason=\"ok\"} 1\n"
	    "# HELP"));
	ck_assert_ptr_nonnull(strstr(buf, "\nfcgi_authz_cache_hits_total 0\n"));
	ck_assert_ptr_nonnull(strstr(buf,
	    "\nfcgi_authz_cache_misses_total 0\n"));
}
END_TEST

/*
 * Where the file cannot be written: -1 with errno, the old file (if any)
 * untouched, no temporary file left, and the next good write works.
 */
START_TEST(test_metrics_write_fails)
{
	char		 path[PATH_MAX], names[256], ro[128];
	char		 longpath[PATH_MAX + 16];

	/* No such directory. */
	snprintf(path, sizeof(path), "%s/missing/fcgi-authz.prom", tdir);
	errno = 0;
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The parent is a file. */
	snprintf(path, sizeof(path), "%s/plain", tdir);
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), 0);
	snprintf(path, sizeof(path), "%s/plain/fcgi-authz.prom", tdir);
	errno = 0;
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	/* The path is a directory: the temporary file is written, then
	 * cannot be renamed over it, and goes. */
	snprintf(path, sizeof(path), "%s/dir.prom", tdir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	errno = 0;
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), -1);
	ck_assert_int_eq(errno, EISDIR);
	/* Too long for a temporary name. */
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	errno = 0;
	ck_assert_int_eq(metrics_write_file(longpath, "a 1\n", 4), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	/* A directory the user may not write to (root may: not tested). */
	snprintf(ro, sizeof(ro), "%s/ro", tdir);
	ck_assert_int_eq(mkdir(ro, 0555), 0);
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/fcgi-authz.prom", ro);
		errno = 0;
		ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), -1);
		ck_assert_int_eq(errno, EACCES);
	}
	tdir_list(names, sizeof(names));
	ck_assert_str_eq(names, "dir.prom plain ro");
	/* And a good path still works afterwards. */
	snprintf(path, sizeof(path), "%s/fcgi-authz.prom", tdir);
	ck_assert_int_eq(metrics_write_file(path, "a 1\n", 4), 0);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metrics_render_known);
	tcase_add_test(tc, test_metrics_render_fresh);
	tcase_add_test(tc, test_metrics_render_conns);
	tcase_add_test(tc, test_metrics_render_http);
	tcase_add_test(tc, test_metrics_render_shape);
	tcase_add_test(tc, test_metrics_threads);
	tcase_add_test(tc, test_metrics_write);
	tcase_add_test(tc, test_metrics_write_atomic);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metrics_render_bound);
	tcase_add_test(tc, test_metrics_render_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_metrics_label_escape);
	tcase_add_test(tc, test_metrics_out_of_range);
	tcase_add_test(tc, test_metrics_write_fails);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(metrics_suite());
}
