#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authz.h"
#include "defaults.h"
#include "log.h"

#define LINE_MAX_TEST	4096	/* log_decision's own buffer */
#define GUARD		64
#define GUARD_BYTE	0x5a
#define STAMP_LEN	20	/* "YYYY-MM-DDTHH:MM:SSZ" */
#define IDENT		"x"

static struct authz_verdict	v;

static void
setup(void)
{
	memset(&v, 0, sizeof(v));
	log_init(0, IDENT);
}

static void
teardown(void)
{
	memset(&v, 0, sizeof(v));
}

/* NULL leaves a field empty (the verdict's "absent"). */
static void
verdict(int status, enum authz_reason reason, const char *user,
    const char *addr, const char *method, const char *path, const char *rule)
{
	memset(&v, 0, sizeof(v));
	v.av_status = status;
	v.av_reason = reason;
	v.av_rule = rule;
	if (user != NULL)
		ck_assert_uint_lt(strlen(user), sizeof(v.av_user));
	if (addr != NULL)
		ck_assert_uint_lt(strlen(addr), sizeof(v.av_addr));
	if (method != NULL)
		ck_assert_uint_lt(strlen(method), sizeof(v.av_method));
	if (path != NULL)
		ck_assert_uint_lt(strlen(path), sizeof(v.av_path));
	snprintf(v.av_user, sizeof(v.av_user), "%s", user ? user : "");
	snprintf(v.av_addr, sizeof(v.av_addr), "%s", addr ? addr : "");
	snprintf(v.av_method, sizeof(v.av_method), "%s", method ? method : "");
	snprintf(v.av_path, sizeof(v.av_path), "%s", path ? path : "");
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * The line is the fixed keys in order, one space apart, then an optional
 * cache and an optional detail.  A quoted value ends at its first '"',
 * and a backslash in it only starts \xHH: nothing inside a value can
 * close it or add a key.
 */
static void
check_structure(const char *line)
{
	static const char *const keys[] = { "decision", "status", "reason",
	    "user", "addr", "method", "path", "rule", "cache", "detail" };
	const unsigned char	*u;
	const char		*p = line, *q;
	size_t			 k, kl;

	for (u = (const unsigned char *)line; *u != '\0'; u++)
		ck_assert_msg(*u >= 0x20 && *u < 0x7f,
		    "byte 0x%02x at %td in \"%s\"", *u,
		    (const char *)u - line, line);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		kl = strlen(keys[k]);
		if (k >= 8 && *p == '\0')
			break;		/* no cache, no detail */
		if (k == 8 && strncmp(p, "cache=", 6) != 0)
			continue;	/* no cache */
		if (k == 8)
			ck_assert_msg(strncmp(p, "cache=hit", 9) == 0 ||
			    strncmp(p, "cache=miss", 10) == 0,
			    "cache is not hit or miss in \"%s\"", line);
		ck_assert_msg(strncmp(p, keys[k], kl) == 0 && p[kl] == '=',
		    "want %s= at \"%s\" in \"%s\"", keys[k], p, line);
		p += kl + 1;
		if (*p == '"') {
			for (q = p + 1; *q != '"' && *q != '\0'; q++)
				if (*q == '\\' && k != 8)
					ck_assert_msg(q[1] == 'x' &&
					    is_hex(q[2]) && is_hex(q[3]),
					    "bad escape in \"%s\"", line);
			ck_assert_msg(*q == '"', "unclosed quote in \"%s\"",
			    line);
			p = q + 1;
		} else {
			q = p + strcspn(p, " \"=\\");
			ck_assert_msg(q > p, "empty bare %s in \"%s\"",
			    keys[k], line);
			p = q;
		}
		if (*p == ' ' && k < 9)
			p++;
		else
			ck_assert_msg(*p == '\0', "junk after %s: \"%s\"",
			    keys[k], p);
	}
	ck_assert_msg(*p == '\0', "junk at end: \"%s\"", p);
}

/* Formats v into a buffer with a guard after bufsz bytes. */
static void
format_guarded(char *buf, size_t bufsz)
{
	size_t i;

	memset(buf, GUARD_BYTE, bufsz + GUARD);
	log_format_decision(&v, buf, bufsz);
	for (i = 0; i < GUARD; i++)
		ck_assert_msg((unsigned char)buf[bufsz + i] == GUARD_BYTE,
		    "wrote past %zu bytes (guard byte %zu)", bufsz, i);
	if (bufsz > 0)
		ck_assert_ptr_nonnull(memchr(buf, '\0', bufsz));
}

/*
 * Runs fn with fd 2 sent to a temporary file; returns what it wrote.
 */
static void
capture_stderr(void (*fn)(void), char *out, size_t outsz)
{
	FILE	*f;
	int	 saved;
	ssize_t	 n;

	ck_assert_ptr_nonnull(f = tmpfile());
	ck_assert_int_ne(saved = dup(STDERR_FILENO), -1);
	ck_assert_int_ne(dup2(fileno(f), STDERR_FILENO), -1);
	fn();
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	ck_assert_int_eq(lseek(fileno(f), 0, SEEK_SET), 0);
	n = read(fileno(f), out, outsz - 1);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	fclose(f);
}

/*
 * "YYYY-MM-DDTHH:MM:SSZ x[PID]: " + msg + "\n", with the time between
 * t0 and t1.
 */
static void
check_stderr_line(const char *got, time_t t0, time_t t1, const char *msg)
{
	char		want[4096], stamp[32];
	struct tm	tm;
	time_t		t;
	int		ok = 0;

	snprintf(want, sizeof(want), " " IDENT "[%ld]: %s\n", (long)getpid(),
	    msg);
	ck_assert_uint_ge(strlen(got), STAMP_LEN);
	ck_assert_str_eq(got + STAMP_LEN, want);
	for (t = t0; t <= t1 && !ok; t++) {
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ok = strncmp(got, stamp, STAMP_LEN) == 0;
	}
	ck_assert_msg(ok, "timestamp \"%.*s\" is not now (UTC)", STAMP_LEN,
	    got);
}

/*
 * fd 2 as a SOCK_SEQPACKET socket: each write(2) arrives as one message,
 * so a test sees how many writes made the output, not only the bytes.
 */
static int	wcap_fd = -1, wcap_saved = -1;

static void
wcap_start(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_ne(wcap_saved = dup(STDERR_FILENO), -1);
	ck_assert_int_ne(dup2(sv[1], STDERR_FILENO), -1);
	close(sv[1]);
	wcap_fd = sv[0];
}

static void
wcap_stop(void)
{
	if (wcap_saved != -1) {
		(void)dup2(wcap_saved, STDERR_FILENO);
		close(wcap_saved);
	}
	if (wcap_fd != -1)
		close(wcap_fd);
	wcap_fd = wcap_saved = -1;
}

/* The next write(2) made so far, NUL-terminated; its length, or -1. */
static ssize_t
wcap_next(char *out, size_t outsz)
{
	ssize_t	n;

	n = recv(wcap_fd, out, outsz - 1, MSG_DONTWAIT | MSG_TRUNC);
	if (n == -1) {
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK,
		    "recv: %s", strerror(errno));
		return -1;
	}
	ck_assert_msg((size_t)n < outsz, "a write of %zd bytes", n);
	out[n] = '\0';
	return n;
}

static void
wcap_none(void)
{
	char	out[2 * LINE_MAX_TEST];
	ssize_t	n;

	n = wcap_next(out, sizeof(out));
	ck_assert_msg(n == -1, "unexpected write of %zd bytes: %.300s", n,
	    out);
}

static struct log_buf	lb;

static void
buf_setup(void)
{
	setup();
	log_buf_init(&lb);
	wcap_start();
}

static void
buf_teardown(void)
{
	wcap_stop();
	pthread_mutex_destroy(&lb.lb_lock);
	teardown();
}

/* A verdict for path, status 200 or a denial. */
static void
verdict_path(int status, const char *path)
{
	verdict(status, status == 200 ? AUTHZ_R_OK : AUTHZ_R_BAD_PASSWORD,
	    "alice", "203.0.113.9", "GET", path, "site");
}

/* Checks that *p starts with v's stamped line; moves *p past it. */
static void
check_next_line(const char **p, time_t t0, time_t t1)
{
	char		 line[LINE_MAX_TEST], got[LINE_MAX_TEST + 256];
	const char	*nl;

	log_format_decision(&v, line, sizeof(line));
	ck_assert_ptr_nonnull(nl = strchr(*p, '\n'));
	ck_assert_uint_lt((size_t)(nl - *p) + 1, sizeof(got));
	memcpy(got, *p, (size_t)(nl - *p) + 1);
	got[nl - *p + 1] = '\0';
	check_stderr_line(got, t0, t1, line);
	*p = nl + 1;
}

/*
 * core
 */

static const struct {
	int			 status;
	enum authz_reason	 reason;
	const char		*user, *addr, *method, *path, *rule, *detail;
	const char		*want;
} line_cases[] = {
	{ 200, AUTHZ_R_OK, "alice", "127.0.0.1", "GET", "/admin", "admin",
	    NULL, "decision=allow status=200 reason=ok user=\"alice\" "
	    "addr=127.0.0.1 method=GET path=\"/admin\" rule=admin" },
	/* The example in fcgi-authzd(8), LOGGING. */
	{ 401, AUTHZ_R_BAD_PASSWORD, "alice", "203.0.113.9", "GET", "/admin",
	    "admin", NULL, "decision=deny status=401 reason=bad_password "
	    "user=\"alice\" addr=203.0.113.9 method=GET path=\"/admin\" "
	    "rule=admin" },
	{ 401, AUTHZ_R_NO_CREDENTIALS, "", "192.0.2.1", "GET", "/", "site",
	    NULL, "decision=deny status=401 reason=no_credentials user=\"\" "
	    "addr=192.0.2.1 method=GET path=\"/\" rule=site" },
	{ 403, AUTHZ_R_NETWORK, NULL, NULL, "POST", "/admin/x", "admin",
	    NULL, "decision=deny status=403 reason=network user=\"\" addr=- "
	    "method=POST path=\"/admin/x\" rule=admin" },
	{ 403, AUTHZ_R_ROLE, "bob", "2001:db8::1", "DELETE", "/a b",
	    "(default)", NULL, "decision=deny status=403 reason=role "
	    "user=\"bob\" addr=2001:db8::1 method=DELETE path=\"/a b\" "
	    "rule=(default)" },
	{ 200, AUTHZ_R_PUBLIC, "", "::1", "HEAD", "/healthz", "health", NULL,
	    "decision=allow status=200 reason=public user=\"\" addr=::1 "
	    "method=HEAD path=\"/healthz\" rule=health" },
	{ 429, AUTHZ_R_THROTTLED, "mallory", "198.51.100.7", "M-SEARCH", "/x",
	    "site", NULL, "decision=deny status=429 reason=throttled "
	    "user=\"mallory\" addr=198.51.100.7 method=M-SEARCH path=\"/x\" "
	    "rule=site" },
	{ 400, AUTHZ_R_BAD_PATH, NULL, "10.0.0.1", "get_2", NULL, NULL, NULL,
	    "decision=deny status=400 reason=bad_path user=\"\" "
	    "addr=10.0.0.1 method=get_2 path=\"\" rule=-" },
	{ 500, AUTHZ_R_INTERNAL, NULL, NULL, NULL, NULL, NULL,
	    "no configuration loaded", "decision=deny status=500 "
	    "reason=internal user=\"\" addr=- method=\"\" path=\"\" rule=- "
	    "detail=\"no configuration loaded\"" },
	{ 500, AUTHZ_R_INTERNAL, "", "127.0.0.1", "GET", "/", "site",
	    "no REQUEST_URI param", "decision=deny status=500 "
	    "reason=internal user=\"\" addr=127.0.0.1 method=GET path=\"/\" "
	    "rule=site detail=\"no REQUEST_URI param\"" },
};

START_TEST(test_log_line)
{
	char buf[LINE_MAX_TEST];

	verdict(line_cases[_i].status, line_cases[_i].reason,
	    line_cases[_i].user, line_cases[_i].addr, line_cases[_i].method,
	    line_cases[_i].path, line_cases[_i].rule);
	v.av_detail = line_cases[_i].detail;
	log_format_decision(&v, buf, sizeof(buf));
	ck_assert_str_eq(buf, line_cases[_i].want);
	check_structure(buf);
}
END_TEST

/* What the verification cache did: after the rule, before a detail. */
static const struct {
	enum authz_cache	 cache;
	const char		*detail;
	const char		*tail;
} cache_cases[] = {
	{ AUTHZ_CACHE_UNUSED, NULL, " rule=site" },
	{ AUTHZ_CACHE_HIT, NULL, " rule=site cache=hit" },
	{ AUTHZ_CACHE_MISS, NULL, " rule=site cache=miss" },
	{ AUTHZ_CACHE_MISS, "x", " rule=site cache=miss detail=\"x\"" },
	{ AUTHZ_CACHE_UNUSED, "x", " rule=site detail=\"x\"" },
};

START_TEST(test_log_cache)
{
	char	buf[LINE_MAX_TEST];
	size_t	n, t;

	verdict(200, AUTHZ_R_OK, "alice", "127.0.0.1", "GET", "/", "site");
	v.av_cache = cache_cases[_i].cache;
	v.av_detail = cache_cases[_i].detail;
	log_format_decision(&v, buf, sizeof(buf));
	n = strlen(buf);
	t = strlen(cache_cases[_i].tail);
	ck_assert_uint_ge(n, t);
	ck_assert_str_eq(buf + n - t, cache_cases[_i].tail);
	check_structure(buf);
}
END_TEST

/* The reasons of fcgi-authzd(8), LOGGING, in enum order. */
static const char *const reason_names[] = {
	"ok", "public", "no_credentials", "malformed", "unknown_user",
	"bad_password", "disabled", "expired", "bad_token", "role", "network",
	"deny_rule", "throttled", "busy", "bad_path", "internal",
};

START_TEST(test_log_reason)
{
	char buf[LINE_MAX_TEST], want[64];

	ck_assert_int_eq(NITEMS(reason_names), AUTHZ_R_INTERNAL + 1);
	ck_assert_str_eq(authz_reason_name((enum authz_reason)_i),
	    reason_names[_i]);
	verdict(_i <= AUTHZ_R_PUBLIC ? 200 : 403, (enum authz_reason)_i,
	    "alice", "127.0.0.1", "GET", "/", "site");
	log_format_decision(&v, buf, sizeof(buf));
	snprintf(want, sizeof(want), " reason=%s user=", reason_names[_i]);
	ck_assert_ptr_nonnull(strstr(buf, want));
	check_structure(buf);
}
END_TEST

/* Whatever the status, only 200 is "allow". */
static const int deny_statuses[] = { 0, 201, 204, 302, 400, 401, 403, 429,
    500, -200 };

START_TEST(test_log_only_200_allows)
{
	char buf[LINE_MAX_TEST];

	verdict(deny_statuses[_i], AUTHZ_R_OK, "alice", "127.0.0.1", "GET",
	    "/", "site");
	log_format_decision(&v, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "decision=deny ", 14) == 0, "%s", buf);
}
END_TEST

static const char	*emit_msg;

static void
emit_info(void)
{
	log_info("%s", emit_msg);
}

static void
emit_warnx(void)
{
	log_warnx("%s", emit_msg);
}

static void
emit_warn_enoent(void)
{
	errno = ENOENT;
	log_warn("%s", emit_msg);
	ck_assert_int_eq(errno, ENOENT);	/* errno is kept */
}

static void
emit_decision(void)
{
	log_decision(&v);
}

START_TEST(test_log_stderr_info)
{
	char	out[4096];
	time_t	t0, t1;

	emit_msg = "serving with 4 workers";
	t0 = time(NULL);
	capture_stderr(emit_info, out, sizeof(out));
	t1 = time(NULL);
	check_stderr_line(out, t0, t1, "serving with 4 workers");
}
END_TEST

START_TEST(test_log_stderr_warnx)
{
	char	out[4096];
	time_t	t0, t1;

	emit_msg = "reload failed";
	t0 = time(NULL);
	capture_stderr(emit_warnx, out, sizeof(out));
	t1 = time(NULL);
	check_stderr_line(out, t0, t1, "reload failed");
}
END_TEST

START_TEST(test_log_stderr_warn)
{
	char	out[4096], msg[256];
	time_t	t0, t1;

	emit_msg = "open /nonexistent";
	snprintf(msg, sizeof(msg), "open /nonexistent: %s", strerror(ENOENT));
	t0 = time(NULL);
	capture_stderr(emit_warn_enoent, out, sizeof(out));
	t1 = time(NULL);
	check_stderr_line(out, t0, t1, msg);
}
END_TEST

/* log_decision writes log_format_decision's line, stamped. */
START_TEST(test_log_stderr_decision)
{
	char	out[LINE_MAX_TEST + 256], line[LINE_MAX_TEST];
	time_t	t0, t1;

	verdict(401, AUTHZ_R_BAD_PASSWORD, "alice", "203.0.113.9", "GET",
	    "/admin", "admin");
	log_format_decision(&v, line, sizeof(line));
	t0 = time(NULL);
	capture_stderr(emit_decision, out, sizeof(out));
	t1 = time(NULL);
	check_stderr_line(out, t0, t1, line);
}
END_TEST

/* The ident is kept until changed. */
START_TEST(test_log_ident)
{
	char	out[4096], want[64];

	log_init(0, NULL);
	emit_msg = "m";
	capture_stderr(emit_info, out, sizeof(out));
	snprintf(want, sizeof(want), " " IDENT "[%ld]: m\n", (long)getpid());
	ck_assert_str_eq(out + STAMP_LEN, want);

	log_init(0, "other");
	capture_stderr(emit_info, out, sizeof(out));
	snprintf(want, sizeof(want), " other[%ld]: m\n", (long)getpid());
	ck_assert_str_eq(out + STAMP_LEN, want);
	log_init(0, IDENT);
}
END_TEST


/*
 * log_buf: a grant waits until flushed; what is written is log_decision's
 * line, byte for byte.
 */
START_TEST(test_log_buf_grant_waits)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	time_t		 t0, t1;

	t0 = time(NULL);
	verdict_path(200, "/a");
	log_decision_buffered(&lb, &v);
	wcap_none();
	log_flush(&lb);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
	wcap_none();
	log_flush(&lb);		/* nothing left */
	wcap_none();
}
END_TEST

/* Any status but 200 goes out at once, behind the grants, in one write. */
START_TEST(test_log_buf_denial_flushes)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	time_t		 t0, t1;

	t0 = time(NULL);
	verdict_path(200, "/g1");
	log_decision_buffered(&lb, &v);
	verdict_path(200, "/g2");
	log_decision_buffered(&lb, &v);
	wcap_none();
	verdict_path(deny_statuses[_i], "/d");
	log_decision_buffered(&lb, &v);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	wcap_none();		/* one write */
	verdict_path(200, "/g1");
	check_next_line(&p, t0, t1);
	verdict_path(200, "/g2");
	check_next_line(&p, t0, t1);
	verdict_path(deny_statuses[_i], "/d");
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
	log_flush(&lb);
	wcap_none();
}
END_TEST

/* Buffered or not, the same bytes after the stamp, grant or denial. */
START_TEST(test_log_buf_same_as_unbuffered)
{
	char	a[2 * LINE_MAX_TEST], b[2 * LINE_MAX_TEST];
	char	line[LINE_MAX_TEST];
	time_t	t0, t1;

	verdict(line_cases[_i].status, line_cases[_i].reason,
	    line_cases[_i].user, line_cases[_i].addr, line_cases[_i].method,
	    line_cases[_i].path, line_cases[_i].rule);
	v.av_detail = line_cases[_i].detail;
	log_format_decision(&v, line, sizeof(line));
	t0 = time(NULL);
	log_decision(&v);
	ck_assert_int_gt(wcap_next(a, sizeof(a)), 0);
	log_decision_buffered(&lb, &v);
	if (v.av_status == 200) {
		wcap_none();
		log_flush(&lb);
	}
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(b, sizeof(b)), 0);
	wcap_none();
	check_stderr_line(a, t0, t1, line);
	check_stderr_line(b, t0, t1, line);
	ck_assert_str_eq(a + STAMP_LEN, b + STAMP_LEN);
}
END_TEST

/*
 * A grant written when the first one waiting is LOG_BUF_MAX_AGE_MS old:
 * a busy thread does not depend on a flusher.
 */
START_TEST(test_log_buf_age)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	struct timespec	 ts = { 0, (LOG_BUF_MAX_AGE_MS + 50) * 1000000L };
	time_t		 t0, t1;

	t0 = time(NULL);
	verdict_path(200, "/old");
	log_decision_buffered(&lb, &v);
	verdict_path(200, "/young");
	log_decision_buffered(&lb, &v);
	wcap_none();
	nanosleep(&ts, NULL);
	verdict_path(200, "/late");
	log_decision_buffered(&lb, &v);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	wcap_none();
	verdict_path(200, "/old");
	check_next_line(&p, t0, t1);
	verdict_path(200, "/young");
	check_next_line(&p, t0, t1);
	verdict_path(200, "/late");
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
}
END_TEST

/* log_buf_finish writes what is left. */
START_TEST(test_log_buf_finish)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	struct log_buf	 own;
	time_t		 t0, t1;

	log_buf_init(&own);
	t0 = time(NULL);
	verdict_path(200, "/last");
	log_decision_buffered(&own, &v);
	wcap_none();
	log_buf_finish(&own);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
}
END_TEST

/*
 * limits
 */

/* An 8 KiB path is cut inside its quotes; the rest of the line stays. */
static const unsigned char long_bytes[] = { 'a', '"', 0xff, '\n' };

START_TEST(test_log_long_path)
{
	char	buf[LINE_MAX_TEST + GUARD];
	char	*path;
	size_t	len;

	verdict(403, AUTHZ_R_ROLE, "alice", "127.0.0.1", "GET", NULL,
	    "admin");
	path = v.av_path;
	path[0] = '/';
	memset(path + 1, long_bytes[_i], AUTHZ_URI_MAX - 1);
	path[AUTHZ_URI_MAX] = '\0';
	format_guarded(buf, LINE_MAX_TEST);
	len = strlen(buf);
	ck_assert_uint_lt(len, LINE_MAX_TEST);
	ck_assert_msg(len < AUTHZ_URI_MAX, "path not cut: %zu bytes", len);
	ck_assert_ptr_nonnull(strstr(buf, " path=\"/"));
	ck_assert_str_eq(buf + len - 11, " rule=admin");
	check_structure(buf);
}
END_TEST

/* Buffers too small for the line: cut, terminated, never overrun. */
static const size_t small_sizes[] = { 0, 1, 2, 9, 16, 40, 80, 100, 120 };

START_TEST(test_log_small_buffer)
{
	char	full[LINE_MAX_TEST], buf[128 + GUARD];
	size_t	bufsz = small_sizes[_i], want;

	verdict(401, AUTHZ_R_BAD_PASSWORD, "alice", "203.0.113.9", "GET",
	    "/admin", "admin");
	log_format_decision(&v, full, sizeof(full));
	format_guarded(buf, bufsz);
	if (bufsz == 0)
		return;
	want = strlen(full) < bufsz - 1 ? strlen(full) : bufsz - 1;
	ck_assert_uint_eq(strlen(buf), want);
	ck_assert_int_eq(strncmp(buf, full, want), 0);
}
END_TEST

/* The longest user and method, every byte escaped: nothing is cut. */
START_TEST(test_log_long_user_method)
{
	char	buf[LINE_MAX_TEST + GUARD];
	char	want[AUTHZ_CRED_USER_MAX * 4 + 16];
	size_t	i;

	verdict(401, AUTHZ_R_UNKNOWN_USER, NULL, "127.0.0.1", NULL, "/",
	    "site");
	memset(v.av_user, 0x80, AUTHZ_CRED_USER_MAX);
	v.av_user[AUTHZ_CRED_USER_MAX] = '\0';
	memset(v.av_method, '"', AUTHZ_METHOD_MAX);
	v.av_method[AUTHZ_METHOD_MAX] = '\0';
	format_guarded(buf, LINE_MAX_TEST);
	check_structure(buf);

	strcpy(want, " user=\"");
	for (i = 0; i < AUTHZ_CRED_USER_MAX; i++)
		strcat(want, "\\x80");
	strcat(want, "\" ");
	ck_assert_ptr_nonnull(strstr(buf, want));
	strcpy(want, " method=\"");
	for (i = 0; i < AUTHZ_METHOD_MAX; i++)
		strcat(want, "\\x22");
	strcat(want, "\" ");
	ck_assert_ptr_nonnull(strstr(buf, want));
}
END_TEST

/* A bare method of the longest length. */
START_TEST(test_log_long_bare_method)
{
	char	buf[LINE_MAX_TEST + GUARD], want[AUTHZ_METHOD_MAX + 16];

	verdict(403, AUTHZ_R_ROLE, "alice", "127.0.0.1", NULL, "/", "site");
	memset(v.av_method, 'X', AUTHZ_METHOD_MAX);
	v.av_method[AUTHZ_METHOD_MAX] = '\0';
	format_guarded(buf, LINE_MAX_TEST);
	snprintf(want, sizeof(want), " method=%s ", v.av_method);
	ck_assert_ptr_nonnull(strstr(buf, want));
	check_structure(buf);
}
END_TEST

/*
 * On stderr, the longest decision line is still one whole line: cut
 * inside the path at worst, never losing "rule=" or the closing quote.
 */
START_TEST(test_log_stderr_long_decision)
{
	char	out[2 * LINE_MAX_TEST], line[LINE_MAX_TEST];
	size_t	len;

	verdict(403, AUTHZ_R_ROLE, NULL, "2001:db8:ffff:ffff:ffff:ffff:ffff:1",
	    NULL, NULL, "admin");
	memset(v.av_user, 0xc3, AUTHZ_CRED_USER_MAX);
	memset(v.av_method, '"', AUTHZ_METHOD_MAX);
	v.av_path[0] = '/';
	memset(v.av_path + 1, 0xff, AUTHZ_URI_MAX - 1);
	log_format_decision(&v, line, sizeof(line));
	capture_stderr(emit_decision, out, sizeof(out));
	len = strlen(out);
	ck_assert_uint_gt(len, STAMP_LEN + 1);
	ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1);
	out[len - 1] = '\0';
	ck_assert_msg(len - 1 >= 11 &&
	    strcmp(out + len - 1 - 11, " rule=admin") == 0,
	    "decision line of %zu bytes lost its end: ...%s", len,
	    out + (len > 40 ? len - 40 : 0));
	ck_assert_ptr_nonnull(strstr(out, line));
}
END_TEST

/* A long message is cut, but stays one line. */
START_TEST(test_log_stderr_long_message)
{
	char	out[8192], *msg;
	size_t	len;

	ck_assert_ptr_nonnull(msg = malloc(6000));
	memset(msg, 'm', 5999);
	msg[5999] = '\0';
	emit_msg = msg;
	capture_stderr(emit_warn_enoent, out, sizeof(out));
	len = strlen(out);
	ck_assert_uint_le(len, 2048);
	ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1);
	free(msg);
}
END_TEST


/* The length of v's stamped line, as log_decision writes it. */
static size_t
stamped_len(void)
{
	char	out[2 * LINE_MAX_TEST];
	ssize_t	n;

	log_decision(&v);
	ck_assert_int_gt(n = wcap_next(out, sizeof(out)), 0);
	wcap_none();
	return (size_t)n;
}

/*
 * The grants that fit go out in one write when the next would overflow
 * LOG_BUF_SIZE; the next stays.
 */
START_TEST(test_log_buf_overflow)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	size_t		 len, k, i;
	time_t		 t0, t1;

	verdict_path(200, "/fill");
	len = stamped_len();
	k = LOG_BUF_SIZE / len;
	ck_assert_uint_gt(k, 1);
	t0 = time(NULL);
	for (i = 0; i < k; i++)
		log_decision_buffered(&lb, &v);
	wcap_none();
	log_decision_buffered(&lb, &v);
	t1 = time(NULL);
	ck_assert_uint_eq((size_t)wcap_next(out, sizeof(out)), k * len);
	wcap_none();
	for (i = 0; i < k; i++)
		check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
	log_flush(&lb);
	ck_assert_uint_eq((size_t)wcap_next(out, sizeof(out)), len);
	wcap_none();
}
END_TEST

/*
 * A denial that would overflow the buffer: the grants in one write, the
 * denial in the next, at once; no write above LOG_BUF_SIZE.
 */
START_TEST(test_log_buf_overflow_denial)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p;
	size_t		 len, k, i;
	ssize_t		 n;
	time_t		 t0, t1;

	verdict_path(200, "/fill");
	len = stamped_len();
	k = LOG_BUF_SIZE / len;
	t0 = time(NULL);
	for (i = 0; i < k; i++)
		log_decision_buffered(&lb, &v);
	verdict_path(403, "/fill");
	ck_assert_uint_gt(k * len + stamped_len(), LOG_BUF_SIZE);
	log_decision_buffered(&lb, &v);
	t1 = time(NULL);
	n = wcap_next(out, sizeof(out));
	ck_assert_uint_eq((size_t)n, k * len);
	verdict_path(200, "/fill");
	for (p = out, i = 0; i < k; i++)
		check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
	ck_assert_int_gt(n = wcap_next(out, sizeof(out)), 0);
	ck_assert_uint_le((size_t)n, LOG_BUF_SIZE);
	verdict_path(403, "/fill");
	p = out;
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
	wcap_none();
	log_flush(&lb);
	wcap_none();
}
END_TEST

/* The longest verdict fields: the longest line. */
static void
verdict_longest(int status)
{
	verdict(status, AUTHZ_R_BAD_PASSWORD, NULL,
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:1", NULL, NULL, "admin");
	memset(v.av_user, 0xc3, AUTHZ_CRED_USER_MAX);
	memset(v.av_method, '"', AUTHZ_METHOD_MAX);
	v.av_path[0] = '/';
	memset(v.av_path + 1, 0xff, AUTHZ_URI_MAX - 1);
	v.av_cache = AUTHZ_CACHE_MISS;
}

/* The longest decision line waits in the buffer like any other. */
START_TEST(test_log_buf_longest_fits)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	time_t		 t0, t1;

	verdict_longest(200);
	ck_assert_uint_le(stamped_len(), LOG_BUF_SIZE);
	t0 = time(NULL);
	log_decision_buffered(&lb, &v);
	wcap_none();
	log_flush(&lb);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
}
END_TEST

/*
 * A long ident is cut to 64 bytes in the prefix, so that even the longest
 * decision line fits a buffer, and "[PID]: " stays for parsers.
 */
START_TEST(test_log_buf_long_ident)
{
	char		 out[3 * LINE_MAX_TEST], ident[1500], want[128];
	ssize_t		 n;

	memset(ident, 'i', sizeof(ident) - 1);
	ident[sizeof(ident) - 1] = '\0';
	log_init(0, ident);
	verdict_longest(200);
	log_decision_buffered(&lb, &v);
	wcap_none();
	log_flush(&lb);
	ck_assert_int_gt(n = wcap_next(out, sizeof(out)), 0);
	ck_assert_uint_le((size_t)n, LOG_BUF_SIZE);
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
	snprintf(want, sizeof(want), " %.64s[%ld]: decision=allow ", ident,
	    (long)getpid());
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_null(strstr(out, " iiii" "iiii" "iiii" "iiii" "iiii"
	    "iiii" "iiii" "iiii" "iiii" "iiii" "iiii" "iiii" "iiii" "iiii"
	    "iiii" "iiii" "i"));
	log_init(0, IDENT);
}
END_TEST

/* Each thread's prefix follows log_init and fork(2) at once. */
START_TEST(test_log_prefix_follows)
{
	char	out[3 * LINE_MAX_TEST], want[128];
	pid_t	pid;
	int	status;

	log_warnx("first");
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	log_init(0, "other-ident");
	log_warnx("second");
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	snprintf(want, sizeof(want), " other-ident[%ld]: second\n",
	    (long)getpid());
	ck_assert_ptr_nonnull(strstr(out, want));
	log_init(0, IDENT);
	log_warnx("third");
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	if ((pid = fork()) == 0) {
		log_warnx("in the child");
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	snprintf(want, sizeof(want), " %s[%ld]: in the child\n", IDENT,
	    (long)pid);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
}
END_TEST

#define CONC_LINES	1000
#define CONC_DENY_EVERY	50

static atomic_int	conc_stop;
static char		*conc_out;
static size_t		 conc_len, conc_writes;
static int		 conc_split;	/* a write not ending a line */

static void *
conc_flusher(void *arg)
{
	(void)arg;
	while (!atomic_load(&conc_stop))
		log_flush(&lb);
	return NULL;
}

/* Reads every write until the last writer closes fd 2. */
static void *
conc_reader(void *arg)
{
	char	msg[LOG_BUF_SIZE + 1];
	ssize_t	n;

	(void)arg;
	while ((n = recv(wcap_fd, msg, sizeof(msg), 0)) > 0) {
		if (msg[n - 1] != '\n')
			conc_split = 1;
		memcpy(conc_out + conc_len, msg, (size_t)n);
		conc_len += (size_t)n;
		conc_writes++;
	}
	return NULL;
}

/*
 * A thread flushing in a loop while the owner logs: every line once, in
 * order, whole in each write.
 */
START_TEST(test_log_buf_concurrent_flush)
{
	pthread_t	 fl, rd;
	char		 path[32], want[64];
	const char	*p;
	int		 i;

	ck_assert_ptr_nonnull(conc_out = calloc(CONC_LINES, 512));
	atomic_init(&conc_stop, 0);
	ck_assert_int_eq(pthread_create(&rd, NULL, conc_reader, NULL), 0);
	ck_assert_int_eq(pthread_create(&fl, NULL, conc_flusher, NULL), 0);
	for (i = 0; i < CONC_LINES; i++) {
		snprintf(path, sizeof(path), "/n/%d", i);
		verdict_path(i % CONC_DENY_EVERY == 0 ? 401 : 200, path);
		log_decision_buffered(&lb, &v);
	}
	atomic_store(&conc_stop, 1);
	ck_assert_int_eq(pthread_join(fl, NULL), 0);
	log_flush(&lb);
	/* The last write end goes: the reader sees the end. */
	ck_assert_int_ne(dup2(wcap_saved, STDERR_FILENO), -1);
	ck_assert_int_eq(pthread_join(rd, NULL), 0);
	ck_assert_int_eq(conc_split, 0);
	ck_assert_uint_gt(conc_writes, 0);
	conc_out[conc_len] = '\0';
	for (p = conc_out, i = 0; i < CONC_LINES; i++) {
		snprintf(want, sizeof(want), " path=\"/n/%d\" ", i);
		ck_assert_ptr_nonnull(p = strchr(p, ']'));
		ck_assert_msg(strncmp(strchr(p, '\n') - strlen(" rule=site"),
		    " rule=site", 10) == 0, "line %d cut", i);
		ck_assert_msg(strstr(p, want) != NULL &&
		    strstr(p, want) < strchr(p, '\n'),
		    "line %d: want%s in %.200s", i, want, p);
		p = strchr(p, '\n') + 1;
	}
	ck_assert_str_eq(p, "");
	free(conc_out);
}
END_TEST

/*
 * malformed
 */

enum field { F_USER, F_PATH, F_METHOD };

/* Hostile bytes in each field, and how the line must show them. */
static const struct {
	enum field	 field;
	const char	*in;
	const char	*want;
} escape_cases[] = {
	{ F_USER,   "a\"b",		" user=\"a\\x22b\" " },
	{ F_USER,   "a\\b",		" user=\"a\\x5cb\" " },
	{ F_USER,   "a\nb",		" user=\"a\\x0ab\" " },
	{ F_USER,   "a\rb",		" user=\"a\\x0db\" " },
	{ F_USER,   "a\tb",		" user=\"a\\x09b\" " },
	{ F_USER,   "\x1b[31mred",	" user=\"\\x1b[31mred\" " },
	{ F_USER,   "a\x7f",		" user=\"a\\x7f\" " },
	{ F_USER,   "\x01\x1f",		" user=\"\\x01\\x1f\" " },
	{ F_USER,   "j\xc3\xbcrgen",	" user=\"j\\xc3\\xbcrgen\" " },
	{ F_USER,   "\xff\xfe",		" user=\"\\xff\\xfe\" " },
	{ F_USER,   "a b=c",		" user=\"a b=c\" " },
	{ F_USER,   "alice\" addr=10.0.0.1 decision=allow x=\"",
	    " user=\"alice\\x22 addr=10.0.0.1 decision=allow x=\\x22\" " },
	{ F_USER,   "x\n2024-01-01T00:00:00Z fcgi-authzd[1]: decision=allow",
	    " user=\"x\\x0a2024-01-01T00:00:00Z fcgi-authzd[1]: "
	    "decision=allow\" " },
	{ F_USER,   "\\x22",		" user=\"\\x5cx22\" " },
	{ F_PATH,   "/a\"b",		" path=\"/a\\x22b\" " },
	{ F_PATH,   "/a\\b",		" path=\"/a\\x5cb\" " },
	{ F_PATH,   "/a\nb",		" path=\"/a\\x0ab\" " },
	{ F_PATH,   "/a\rb",		" path=\"/a\\x0db\" " },
	{ F_PATH,   "/a\tb",		" path=\"/a\\x09b\" " },
	{ F_PATH,   "/\x1b]0;x\x07",	" path=\"/\\x1b]0;x\\x07\" " },
	{ F_PATH,   "/\x7f",		" path=\"/\\x7f\" " },
	{ F_PATH,   "/j\xc3\xbcrgen",	" path=\"/j\\xc3\\xbcrgen\" " },
	{ F_PATH,   "/x\" rule=public",
	    " path=\"/x\\x22 rule=public\" " },
	{ F_PATH,   "/%0a%22",		" path=\"/%0a%22\" " },
	{ F_METHOD, "GET /x",		" method=\"GET /x\" " },
	{ F_METHOD, "G\"T",		" method=\"G\\x22T\" " },
	{ F_METHOD, "GET\n",		" method=\"GET\\x0a\" " },
	{ F_METHOD, "GET\r\n",		" method=\"GET\\x0d\\x0a\" " },
	{ F_METHOD, "G\\T",		" method=\"G\\x5cT\" " },
	{ F_METHOD, "G=T",		" method=\"G=T\" " },
	{ F_METHOD, "GET;",		" method=\"GET;\" " },
	{ F_METHOD, "G\xc3\x89T",	" method=\"G\\xc3\\x89T\" " },
	{ F_METHOD, "GET path=\"/x\"",
	    " method=\"GET path=\\x22/x\\x22\" " },
	{ F_METHOD, " ",		" method=\" \" " },
};

START_TEST(test_log_escape)
{
	char	buf[LINE_MAX_TEST];

	verdict(401, AUTHZ_R_BAD_PASSWORD,
	    escape_cases[_i].field == F_USER ? escape_cases[_i].in : "alice",
	    "127.0.0.1",
	    escape_cases[_i].field == F_METHOD ? escape_cases[_i].in : "GET",
	    escape_cases[_i].field == F_PATH ? escape_cases[_i].in : "/",
	    "site");
	log_format_decision(&v, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, escape_cases[_i].want) != NULL,
	    "want '%s' in '%s'", escape_cases[_i].want, buf);
	ck_assert_ptr_null(strchr(buf, '\n'));
	ck_assert_ptr_null(strchr(buf, '\r'));
	check_structure(buf);
}
END_TEST

/* All three hostile at once, and on stderr: still one line. */
START_TEST(test_log_escape_stderr)
{
	char	out[2 * LINE_MAX_TEST];
	size_t	len;

	verdict(401, AUTHZ_R_BAD_PASSWORD, escape_cases[_i].in, "127.0.0.1",
	    "GET", escape_cases[_i].in, "site");
	/* Cut to the method's size, as the edge does. */
	snprintf(v.av_method, sizeof(v.av_method), "%s", escape_cases[_i].in);
	capture_stderr(emit_decision, out, sizeof(out));
	len = strlen(out);
	ck_assert_uint_gt(len, STAMP_LEN);
	ck_assert_ptr_eq(strchr(out, '\n'), out + len - 1);
	ck_assert_ptr_null(strchr(out, '\r'));
	out[len - 1] = '\0';
	ck_assert_ptr_nonnull(strstr(out, "]: decision="));
	check_structure(strstr(out, "]: decision=") + 3);
}
END_TEST

/* Hostile bytes come out of the buffer as log_format_decision made them. */
START_TEST(test_log_buf_escape)
{
	char		 out[2 * LINE_MAX_TEST];
	const char	*p = out;
	time_t		 t0, t1;

	verdict(200, AUTHZ_R_OK, escape_cases[_i].in, "127.0.0.1", "GET",
	    escape_cases[_i].in, "site");
	snprintf(v.av_method, sizeof(v.av_method), "%s", escape_cases[_i].in);
	t0 = time(NULL);
	log_decision_buffered(&lb, &v);
	log_decision_buffered(&lb, &v);
	wcap_none();
	log_flush(&lb);
	t1 = time(NULL);
	ck_assert_int_gt(wcap_next(out, sizeof(out)), 0);
	check_next_line(&p, t0, t1);
	check_next_line(&p, t0, t1);
	ck_assert_str_eq(p, "");
}
END_TEST

/* Unknown reason values log as "internal", never as junk. */
static const int bad_reasons[] = { AUTHZ_R_INTERNAL + 1, 99, -1, 0x7fffffff };

START_TEST(test_log_bad_reason)
{
	char buf[LINE_MAX_TEST];

	ck_assert_str_eq(authz_reason_name((enum authz_reason)bad_reasons[_i]),
	    "internal");
	verdict(500, (enum authz_reason)bad_reasons[_i], "", "", "GET", "/",
	    NULL);
	log_format_decision(&v, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, " reason=internal "));
	check_structure(buf);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("log");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_log_line, 0, NITEMS(line_cases));
	tcase_add_loop_test(tc, test_log_reason, 0, NITEMS(reason_names));
	tcase_add_loop_test(tc, test_log_cache, 0, NITEMS(cache_cases));
	tcase_add_test(tc, test_log_stderr_info);
	tcase_add_test(tc, test_log_stderr_warnx);
	tcase_add_test(tc, test_log_stderr_warn);
	tcase_add_test(tc, test_log_stderr_decision);
	tcase_add_test(tc, test_log_ident);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_checked_fixture(tc, buf_setup, buf_teardown);
	tcase_add_test(tc, test_log_buf_grant_waits);
	tcase_add_loop_test(tc, test_log_buf_denial_flushes, 0,
	    NITEMS(deny_statuses));
	tcase_add_loop_test(tc, test_log_buf_same_as_unbuffered, 0,
	    NITEMS(line_cases));
	tcase_add_test(tc, test_log_buf_age);
	tcase_add_test(tc, test_log_buf_finish);
	tcase_add_test(tc, test_log_buf_overflow);
	tcase_add_test(tc, test_log_buf_overflow_denial);
	tcase_add_test(tc, test_log_buf_longest_fits);
	tcase_add_test(tc, test_log_buf_long_ident);
	tcase_add_test(tc, test_log_prefix_follows);
	tcase_add_test(tc, test_log_buf_concurrent_flush);
	tcase_add_loop_test(tc, test_log_buf_escape, 0, NITEMS(escape_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_log_long_path, 0, NITEMS(long_bytes));
	tcase_add_loop_test(tc, test_log_small_buffer, 0,
	    NITEMS(small_sizes));
	tcase_add_test(tc, test_log_long_user_method);
	tcase_add_test(tc, test_log_long_bare_method);
	tcase_add_test(tc, test_log_stderr_long_decision);
	tcase_add_test(tc, test_log_stderr_long_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_log_escape, 0, NITEMS(escape_cases));
	tcase_add_loop_test(tc, test_log_escape_stderr, 0,
	    NITEMS(escape_cases));
	tcase_add_loop_test(tc, test_log_only_200_allows, 0,
	    NITEMS(deny_statuses));
	tcase_add_loop_test(tc, test_log_bad_reason, 0, NITEMS(bad_reasons));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(log_suite());
}
