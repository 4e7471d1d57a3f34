/*
 * Logging (log.h): stderr with a per-thread prefix and whole lines per
 * write(2), or syslog(3); the decision line; and the per-worker buffers
 * of grant lines.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "strbuf.h"

/* Room for a decision line and the stamp, ident and pid before it. */
#define LOG_LINE_MAX	4096
/* The ident is cut to this, so that every decision line fits a log_buf. */
#define LOG_IDENT_MAX	64
/* A decision line shows at least this many bytes of the path, even when
 * every one is escaped; a longer path is cut (log_quote). */
#define LOG_PATH_SHOWN	512

static int	 log_syslog;
static const char *log_ident = "fcgi-authzd";

/*
 * The "STAMP IDENT[PID]: " that starts every line changes once a second:
 * each thread keeps its own, made again when the second changes or the
 * generation does (log_init, and fork(2), which gives a child the forking
 * thread's copy), rather than a gmtime_r, strftime, getpid and snprintf
 * per line.
 */
struct log_prefix {
	time_t		 lp_sec;
	unsigned	 lp_generation;
	size_t		 lp_len;	/* 0: not made yet */
	char		 lp_text[32 + LOG_IDENT_MAX + 32];
};

static _Thread_local struct log_prefix log_prefix;
static atomic_uint log_generation;

/* A new ident, or a new process: every thread's prefix is stale. */
static void
log_new_generation(void)
{
	atomic_fetch_add(&log_generation, 1);
}

static void
log_register_fork(void)
{
	(void)pthread_atfork(NULL, NULL, log_new_generation);
}

void
log_init(int to_syslog, const char *ident)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, log_register_fork);
	if (ident != NULL)
		log_ident = ident;
	log_new_generation();
	if (to_syslog && !log_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	else if (!to_syslog && log_syslog)
		closelog();
	log_syslog = to_syslog;
}

/* This thread's prefix for now. */
static const struct log_prefix *
log_current_prefix(void)
{
	struct log_prefix *lp = &log_prefix;
	char		 stamp[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	unsigned	 gen = atomic_load(&log_generation);
	int		 n;

	if (lp->lp_len > 0 && lp->lp_sec == now && lp->lp_generation == gen)
		return lp;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(lp->lp_text, sizeof(lp->lp_text), "%s %.*s[%ld]: ", stamp,
	    LOG_IDENT_MAX, log_ident, (long)getpid());
	lp->lp_sec = now;
	lp->lp_generation = gen;
	lp->lp_len = n > 0 && (size_t)n < sizeof(lp->lp_text) ? (size_t)n : 0;
	return lp;
}

/*
 * "STAMP IDENT[PID]: msg\n" into line, cut to stay one line; returns its
 * length, 0 on error.  The stamp is the time of the call, so a line that
 * waits in a log_buf keeps the time of its decision.
 */
static size_t
log_stamp(char *line, size_t linesz, const char *msg)
{
	const struct log_prefix *lp = log_current_prefix();
	size_t		 mlen = strlen(msg), n;

	if (linesz < lp->lp_len + 2)
		return 0;
	n = lp->lp_len + mlen + 1;
	if (n >= linesz) {
		mlen = linesz - 1 - lp->lp_len - 1;
		n = linesz - 1;
	}
	memcpy(line, lp->lp_text, lp->lp_len);
	memcpy(line + lp->lp_len, msg, mlen);
	line[n - 1] = '\n';
	line[n] = '\0';
	return n;
}

/*
 * Whole lines per write(2), so that threads and processes do not
 * interleave.  A short write or a signal (SIGUSR2 wakes workers at a stop)
 * must not drop the rest of a buffer of lines; any other error drops it,
 * as logging never holds up an answer.
 */
static void
log_write(const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(STDERR_FILENO, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
log_emit(int prio, const char *msg)
{
	char	line[LOG_LINE_MAX + 128];
	size_t	n;

	if (log_syslog) {
		syslog(prio, "%s", msg);
		return;
	}
	if ((n = log_stamp(line, sizeof(line), msg)) > 0)
		log_write(line, n);
}

static void
log_vemit(int prio, int with_errno, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
log_vemit(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	msg[1024];
	int	saved = errno;
	size_t	len;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	log_emit(prio, msg);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Quoted, with '"', '\\', control bytes and non-ASCII as \xHH. */
static size_t
log_quote(char *dst, size_t dstsz, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t		  o = 0;
	const unsigned char *s = (const unsigned char *)src;

	if (dstsz < 3)
		return 0;
	dst[o++] = '"';
	/* An escape, the closing quote and the NUL: 6 bytes. */
	for (; *s != '\0' && o + 6 <= dstsz; s++) {
		if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\') {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[*s >> 4];
			dst[o++] = hex[*s & 0xf];
		} else
			dst[o++] = (char)*s;
	}
	dst[o++] = '"';
	dst[o] = '\0';
	return o;
}

/* Writes s as it is when it is a plain token (GET, POST), else quoted. */
static void
log_token(char *dst, size_t dstsz, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			break;
	if (*s != '\0' && *p == '\0')
		snprintf(dst, dstsz, "%s", s);
	else
		log_quote(dst, dstsz, s);
}

/*
 * Copies, not snprintf: this is every request's line.  Each value is
 * quoted or a token, so no value can fake a key.
 */
void
log_format_decision(const struct authz_verdict *v, char *buf, size_t bufsz)
{
	/* Each byte escaped (\xHH: 4), the two quotes and the NUL. */
	char	user[AUTHZ_CRED_USER_MAX * 4 + 3];
	char	path[LOG_PATH_SHOWN * 4 + 3];
	char	method[AUTHZ_METHOD_MAX * 4 + 3];
	char	status[16];
	struct strbuf sb;

	/* Cut, not dropped, when too long: a cut line beats none. */
	strbuf_init(&sb, buf, bufsz);
	log_quote(user, sizeof(user), v->av_user);
	log_quote(path, sizeof(path), v->av_path);
	log_token(method, sizeof(method), v->av_method);
	snprintf(status, sizeof(status), "%d", v->av_status);
	strbuf_append(&sb, v->av_status == 200 ?
	    "decision=allow status=" : "decision=deny status=");
	strbuf_append(&sb, status);
	strbuf_append(&sb, " reason=");
	strbuf_append(&sb, authz_reason_name(v->av_reason));
	strbuf_append(&sb, " user=");
	strbuf_append(&sb, user);
	strbuf_append(&sb, " addr=");
	strbuf_append(&sb, v->av_addr[0] != '\0' ? v->av_addr : "-");
	strbuf_append(&sb, " method=");
	strbuf_append(&sb, method);
	strbuf_append(&sb, " path=");
	strbuf_append(&sb, path);
	strbuf_append(&sb, " rule=");
	strbuf_append(&sb, v->av_rule != NULL ? v->av_rule : "-");
	/*
	 * Whether the password came from the verification cache or was
	 * hashed: the line tells what the request cost, and the tests see
	 * it without timing the answer.  Absent when the cache was not
	 * asked (authz.h).
	 */
	if (v->av_cache == AUTHZ_CACHE_HIT)
		strbuf_append(&sb, " cache=hit");
	else if (v->av_cache == AUTHZ_CACHE_MISS)
		strbuf_append(&sb, " cache=miss");
	if (v->av_detail != NULL) {
		strbuf_append(&sb, " detail=\"");
		strbuf_append(&sb, v->av_detail);
		strbuf_append(&sb, "\"");
	}
}

void
log_decision(const struct authz_verdict *v)
{
	char line[LOG_LINE_MAX];

	log_format_decision(v, line, sizeof(line));
	log_emit(v->av_status == 200 ? LOG_INFO : LOG_NOTICE, line);
}

void
log_buf_init(struct log_buf *lb)
{
	pthread_mutex_init(&lb->lb_lock, NULL);
	lb->lb_len = 0;
}

void
log_buf_finish(struct log_buf *lb)
{
	log_flush(lb);
	pthread_mutex_destroy(&lb->lb_lock);
}

/* Caller holds lb_lock. */
static void
log_buf_write(struct log_buf *lb)
{
	if (lb->lb_len > 0)
		log_write(lb->lb_data, lb->lb_len);
	lb->lb_len = 0;
}

static long
log_ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000L +
	    (b->tv_nsec - a->tv_nsec) / 1000000L;
}

void
log_decision_buffered(struct log_buf *lb, const struct authz_verdict *v)
{
	char		 msg[LOG_LINE_MAX];
	char		 line[LOG_LINE_MAX + 128];
	struct timespec	 now;
	size_t		 n;

	if (log_syslog) {
		log_decision(v);
		return;
	}
	log_format_decision(v, msg, sizeof(msg));
	if ((n = log_stamp(line, sizeof(line), msg)) == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);

	/* Held across write(2): a flusher must not overtake our denial. */
	pthread_mutex_lock(&lb->lb_lock);
	if (lb->lb_len + n > sizeof(lb->lb_data))
		log_buf_write(lb);
	if (n > sizeof(lb->lb_data))
		log_write(line, n);	/* longer than any buffer: alone */
	else {
		if (lb->lb_len == 0)
			lb->lb_first = now;
		memcpy(lb->lb_data + lb->lb_len, line, n);
		lb->lb_len += n;
		if (v->av_status != 200 || log_ms_between(&lb->lb_first,
		    &now) >= LOG_BUF_MAX_AGE_MS)
			log_buf_write(lb);
	}
	pthread_mutex_unlock(&lb->lb_lock);
}

void
log_flush(struct log_buf *lb)
{
	pthread_mutex_lock(&lb->lb_lock);
	log_buf_write(lb);
	pthread_mutex_unlock(&lb->lb_lock);
}
