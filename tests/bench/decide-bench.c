/*
 * decide-bench: the decision alone, in process, for scripts/bench.
 *
 *   decide-bench decide [-R RUNS] -u USER -p PASSWORD -r URI LABEL=CONF...
 *	Loads every configuration with conf_load() and services_prepare(),
 *	and decides one request with USER's Basic credentials once in each
 *	(the one slow hash, which fills its cache).  Then RUNS rounds
 *	(default 9): in each, one run of about 30 ms of cached decisions
 *	per configuration, the configurations alternating.  Prints the median, fastest and slowest
 *	run in nanoseconds per decision:
 *	  "decide": authz_decide() alone;
 *	  "request": what fcgi-authzd's worker does per request besides the
 *	  FastCGI I/O: facts_from_params() over a lighttpd-like param list,
 *	  authz_decide(), render_verdict(), log_format_decision() and
 *	  facts_wipe_secrets().
 *	Every decision must be a 200, or it exits 1.
 *
 *   decide-bench load CONF
 *	The time and memory to load CONF and its users file, and to reload
 *	it: a second load while the first snapshot is alive (as
 *	fcgi-authzd does on SIGHUP), then the first one freed.  Memory
 *	is the resident set (/proc/self/statm) and its peak (getrusage
 *	ru_maxrss); the peak of a load includes the memory of the dummy
 *	hash that services_prepare() computes with the users' typical
 *	parameters.  The same load without services_prepare() shows how
 *	much of the time is parsing and how much that dummy hash.
 *
 * Output: one "key=value ..." line per measurement, for scripts/bench.
 * Not installed; built by scripts/bench against the build directory.
 */
#include "config.h"

#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "authz.h"
#include "conf.h"
#include "errlist.h"
#include "facts.h"
#include "log.h"
#include "monoclock.h"
#include "render.h"
#include "services.h"
#include "users.h"

#define BENCH_RUNS	9
#define BENCH_RUN_NS	30000000.0	/* target length of one run */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: decide-bench decide [-R RUNS] -u USER "
	    "-p PASSWORD -r URI LABEL=CONF...\n"
	    "       decide-bench load CONF\n");
	exit(2);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Resident set now, in KiB. */
static long
rss_kib(void)
{
	FILE	*f = fopen("/proc/self/statm", "r");
	long	 size, res = 0;

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak resident set so far, in KiB. */
static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Loads path, and with svc set its services too, as the daemon does. */
static struct conf *
load(const char *path, struct authz_services *svc)
{
	struct errlist	 errs;
	struct conf	*cf;

	errlist_init(&errs);
	cf = conf_load(path, 0, &errs);
	if (cf != NULL && svc != NULL &&
	    services_prepare(svc, cf, NULL, NULL, &errs) == -1) {
		services_free(svc);
		conf_free(cf);
		cf = NULL;
	}
	if (cf == NULL) {
		fprintf(stderr, "decide-bench: %s does not load:\n", path);
		errlist_print(&errs, stderr);
	}
	errlist_free(&errs);
	return cf;
}

/* What lighttpd 1.4.69 sends an authorizer (docs/servers.md, lighttpd); "@" is
 * replaced by the request URI, "%" by the Authorization value. */
static const char *const lighttpd_params[] = {
	"FCGI_ROLE=AUTHORIZER", "QUERY_STRING=", "REQUEST_URI=@",
	"REDIRECT_STATUS=200", "SCRIPT_FILENAME=/srv/www/bench/file.txt",
	"DOCUMENT_ROOT=/srv/www", "REQUEST_METHOD=GET",
	"SERVER_PROTOCOL=HTTP/1.1", "SERVER_SOFTWARE=lighttpd/1.4.69",
	"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_SCHEME=http", "SERVER_PORT=8080",
	"SERVER_ADDR=127.0.0.1", "SERVER_NAME=127.0.0.1",
	"REMOTE_ADDR=127.0.0.1", "REMOTE_PORT=45098",
	"HTTP_HOST=127.0.0.1:8080", "HTTP_AUTHORIZATION=%",
	"HTTP_USER_AGENT=wrk", "HTTP_ACCEPT=*/*", NULL
};

#define BENCH_NPARAMS	(sizeof(lighttpd_params) / sizeof(lighttpd_params[0]))

/* One configuration under test, and the request it decides. */
struct bench_req {
	const char	*br_label;
	struct conf	*br_cf;
	struct authz_services br_svc;
	struct authz_facts br_facts;
	char		*br_envp[BENCH_NPARAMS];	/* malloc'd, as libfcgi's */
	char		*br_authparam;		/* "HTTP_AUTHORIZATION=..." */
	const char	*br_auth_saved;		/* its value, restored */
	size_t		 br_auth_len;
	double		 br_first_ms;		/* the one slow hash */
	unsigned long	 br_iter[2];		/* per run: decide, request */
	double		*br_ns[2];		/* per run */
};

static int
decide_once(struct bench_req *br)
{
	struct authz_verdict v;

	/* The clock the decision read itself before af_mono: still timed. */
	br->br_facts.af_mono = monoclock_now();
	authz_decide(br->br_cf, &br->br_svc, &br->br_facts, &v);
	return v.av_status;
}

static int
request_once(struct bench_req *br)
{
	struct authz_facts	 f;
	struct authz_verdict	 v;
	char			 out[2048], line[4096];
	char			*eq = strchr(br->br_authparam, '=') + 1;

	facts_from_params(br->br_envp, FACTS_FCGI_AUTHORIZER,
	    br->br_facts.af_now, &f);
	f.af_mono = monoclock_now();	/* as fcgi-authzd's worker */
	authz_decide(br->br_cf, &br->br_svc, &f, &v);
	facts_wipe_secrets(br->br_envp);
	if (render_verdict(br->br_cf, &v, out, sizeof(out)) == 0)
		return 500;
	log_format_decision(&v, line, sizeof(line));
	/* Put the wiped credentials back for the next round. */
	memcpy(eq, br->br_auth_saved, br->br_auth_len);
	return v.av_status;
}

static int (*const bench_fn[2])(struct bench_req *) = {
	decide_once, request_once
};

/* Iterations for one run of about BENCH_RUN_NS; 0 if a call was not 200. */
static unsigned long
calibrate(struct bench_req *br, int kind)
{
	unsigned long	n = 100, i;
	double		t0, t1;
	int		bad = 0;

	for (;;) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			bad |= bench_fn[kind](br) != 200;
		t1 = now_ns();
		if (t1 - t0 > BENCH_RUN_NS / 10 || n > 100000000UL)
			break;
		n *= 4;
	}
	if (bad)
		return 0;
	n = (unsigned long)((double)n * BENCH_RUN_NS / (t1 - t0));
	return n < 10 ? 10 : n;
}

/* One timed run: nanoseconds per call, or -1 if a call was not 200. */
static double
time_run(struct bench_req *br, int kind)
{
	unsigned long	i, iter = br->br_iter[kind];
	double		t0;
	int		bad = 0;

	t0 = now_ns();
	for (i = 0; i < iter; i++)
		bad |= bench_fn[kind](br) != 200;
	return bad ? -1 : (now_ns() - t0) / (double)iter;
}

static int
req_init(struct bench_req *br, struct conf *cf, const char *uri,
    const char *auth)
{
	char	buf[2048];
	size_t	i;

	br->br_cf = cf;
	br->br_facts.af_role = AUTHZ_ROLE_AUTHORIZER;
	br->br_facts.af_phase = AUTHZ_PHASE_NONE;
	br->br_facts.af_method = "GET";
	br->br_facts.af_uri = uri;
	br->br_facts.af_remote_addr = "127.0.0.1";
	br->br_facts.af_authorization = auth;
	br->br_facts.af_now = time(NULL);
	br->br_auth_saved = auth;
	br->br_auth_len = strlen(auth);
	for (i = 0; lighttpd_params[i] != NULL; i++) {
		const char *p = lighttpd_params[i];
		size_t	    n = strlen(p);

		if (p[n - 1] == '@' || p[n - 1] == '%')
			snprintf(buf, sizeof(buf), "%.*s%s", (int)(n - 1), p,
			    p[n - 1] == '@' ? uri : auth);
		else
			snprintf(buf, sizeof(buf), "%s", p);
		if ((br->br_envp[i] = strdup(buf)) == NULL)
			return -1;
		if (p[n - 1] == '%')
			br->br_authparam = br->br_envp[i];
	}
	br->br_envp[i] = NULL;
	return 0;
}

static int
bench_decide(int argc, char *argv[])
{
	const char	*user = NULL, *password = NULL, *uri = NULL;
	int		 runs = BENCH_RUNS, ch, i, k, r, n;
	char		 cred[512], b64[1024], auth[1100];
	struct bench_req *reqs;
	double		 ns;

	while ((ch = getopt(argc, argv, "R:u:p:r:")) != -1) {
		switch (ch) {
		case 'R':
			runs = atoi(optarg);
			break;
		case 'u':
			user = optarg;
			break;
		case 'p':
			password = optarg;
			break;
		case 'r':
			uri = optarg;
			break;
		default:
			usage();
		}
	}
	if (user == NULL || password == NULL || uri == NULL || runs < 1 ||
	    optind >= argc)
		usage();
	snprintf(cred, sizeof(cred), "%s:%s", user, password);
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)cred,
	    strlen(cred), sodium_base64_VARIANT_ORIGINAL);
	snprintf(auth, sizeof(auth), "Basic %s", b64);
	n = argc - optind;
	if ((reqs = calloc((size_t)n, sizeof(*reqs))) == NULL)
		return 1;

	/* Every configuration loaded, and its cache filled, first. */
	for (i = 0; i < n; i++) {
		struct bench_req *br = &reqs[i];
		char		 *path = strchr(argv[optind + i], '=');
		struct conf	 *cf;
		double		  t0;

		if (path == NULL)
			usage();
		*path++ = '\0';
		br->br_label = argv[optind + i];
		if ((cf = load(path, &br->br_svc)) == NULL)
			return 1;
		if (req_init(br, cf, uri, auth) == -1)
			return 1;
		t0 = now_ns();
		k = decide_once(br);
		br->br_first_ms = (now_ns() - t0) / 1e6;
		if (k != 200) {
			fprintf(stderr, "decide-bench: %s: the first decision "
			    "was %d, not 200\n", br->br_label, k);
			return 1;
		}
		for (k = 0; k < 2; k++) {
			if ((br->br_iter[k] = calibrate(br, k)) == 0) {
				fprintf(stderr, "decide-bench: %s: a cached "
				    "decision was not 200\n", br->br_label);
				return 1;
			}
			if ((br->br_ns[k] = calloc((size_t)runs,
			    sizeof(double))) == NULL)
				return 1;
		}
	}
	/*
	 * Then the runs, alternating: run r of every configuration, then run
	 * r + 1, each round starting one configuration later, so that a
	 * change in what else the machine does touches them all alike.
	 */
	for (r = 0; r < runs; r++)
		for (k = 0; k < 2; k++)
			for (i = 0; i < n; i++) {
				struct bench_req *br = &reqs[(i + r) % n];

				if ((ns = time_run(br, k)) < 0) {
					fprintf(stderr, "decide-bench: %s: a "
					    "cached decision was not 200\n",
					    br->br_label);
					return 1;
				}
				br->br_ns[k][r] = ns;
			}
	for (i = 0; i < n; i++) {
		struct bench_req *br = &reqs[i];

		for (k = 0; k < 2; k++)
			qsort(br->br_ns[k], (size_t)runs, sizeof(double),
			    cmp_double);
		printf("decide label=%s rules=%zu users=%zu first_ms=%.1f "
		    "decide_ns=%.0f decide_min_ns=%.0f decide_max_ns=%.0f "
		    "request_ns=%.0f request_min_ns=%.0f request_max_ns=%.0f "
		    "runs=%d\n", br->br_label, br->br_cf->cf_nrules,
		    users_count(br->br_cf->cf_users), br->br_first_ms,
		    br->br_ns[0][runs / 2], br->br_ns[0][0],
		    br->br_ns[0][runs - 1], br->br_ns[1][runs / 2],
		    br->br_ns[1][0], br->br_ns[1][runs - 1], runs);
		services_free(&br->br_svc);
		conf_free(br->br_cf);
		free(br->br_ns[0]);
		free(br->br_ns[1]);
		for (k = 0; br->br_envp[k] != NULL; k++)
			free(br->br_envp[k]);
	}
	free(reqs);
	return 0;
}

static int
bench_load(int argc, char *argv[])
{
	struct conf	*cf1, *cf2, *cf3;
	struct authz_services sv1, sv2;
	const char	*path;
	double		 t0, load_ms, reload_ms, free_ms, parse_ms;
	long		 rss0, peak0, rss1, peak1, rss2, peak2, rss3;

	if (argc != 2)
		usage();
	path = argv[1];
	/* The caller reads the files first (page cache): the disk is not
	 * what is measured.  No load before this one, so that freed heap
	 * does not hide what the first load takes. */
	memset(&sv1, 0, sizeof(sv1));
	memset(&sv2, 0, sizeof(sv2));
	rss0 = rss_kib();
	peak0 = maxrss_kib();
	t0 = now_ns();
	if ((cf1 = load(path, &sv1)) == NULL)
		return 1;
	load_ms = (now_ns() - t0) / 1e6;
	rss1 = rss_kib();
	peak1 = maxrss_kib();

	/* A reload: the new snapshot is built while the old one serves. */
	t0 = now_ns();
	if ((cf2 = load(path, &sv2)) == NULL)
		return 1;
	reload_ms = (now_ns() - t0) / 1e6;
	rss2 = rss_kib();
	peak2 = maxrss_kib();
	t0 = now_ns();
	services_free(&sv1);
	conf_free(cf1);
	free_ms = (now_ns() - t0) / 1e6;
	rss3 = rss_kib();

	/* Parsing alone: no dummy hash, no hashing limiter. */
	t0 = now_ns();
	if ((cf3 = load(path, NULL)) == NULL)
		return 1;
	parse_ms = (now_ns() - t0) / 1e6;
	conf_free(cf3);

	printf("load users=%zu rules=%zu load_ms=%.1f parse_ms=%.1f "
	    "reload_ms=%.1f free_ms=%.1f rss_base_kib=%ld "
	    "load_rss_kib=%ld load_peak_kib=%ld "
	    "reload_rss_kib=%ld reload_peak_kib=%ld after_free_rss_kib=%ld\n",
	    users_count(cf2->cf_users), cf2->cf_nrules, load_ms, parse_ms,
	    reload_ms, free_ms, rss0,
	    rss1 - rss0, peak1 - peak0,
	    rss2 - rss1, peak2 - peak1, rss3 - rss0);
	services_free(&sv2);
	conf_free(cf2);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (sodium_init() < 0)
		return 1;
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "decide") == 0)
		return bench_decide(argc - 1, argv + 1);
	if (strcmp(argv[1], "load") == 0)
		return bench_load(argc - 1, argv + 1);
	usage();
}
