/*
 * Logging: stderr (with a timestamp, whole lines per write) or syslog.  The
 * decision line has stable keys for people and fail2ban; it never holds
 * a password, hash, token or Authorization value.
 */
#ifndef AUTHZ_LOG_H
#define AUTHZ_LOG_H

#include <limits.h>
#include <pthread.h>
#include <time.h>

#include "authz.h"

void	log_init(int to_syslog, const char *ident);
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * One line: decision= status= reason= user= addr= method= path= rule=,
 * then cache=hit or cache=miss when the verification cache was asked,
 * then detail= for a 500.
 */
void	log_decision(const struct authz_verdict *);
/* Formats the decision line (without newline) into buf. */
void	log_format_decision(const struct authz_verdict *, char *buf,
	    size_t bufsz);

/*
 * A write(2) per decision line was 8% of a worker's CPU under load, so on
 * stderr a worker thread gathers its grants (status 200) in a buffer of its
 * own.  A denial is what fail2ban and admins watch: it is never held back,
 * and goes out in the same write(2) as the grants before it, so a thread's
 * lines stay in order.  The price: if the process crashes, the grants in
 * its buffers are lost, those of the last LOG_BUF_MAX_AGE_MS when
 * something calls log_flush at least that often (server.c's watchdog
 * does).  A clean stop loses nothing: log_buf_finish writes them.
 *
 * PIPE_BUF bytes, because a write(2) of at most that much to a pipe is
 * atomic: other threads' lines cannot land inside it even when the reader
 * lags and the pipe is full.  The longest decision line (about 3.4 KB)
 * fits; a longer one (only a very long ident makes one) is written alone.
 */
#define LOG_BUF_SIZE		PIPE_BUF
#define LOG_BUF_MAX_AGE_MS	250

struct log_buf {
	pthread_mutex_t	 lb_lock;	/* owner thread and any flusher */
	size_t		 lb_len;
	struct timespec	 lb_first;	/* CLOCK_MONOTONIC, first line in */
	char		 lb_data[LOG_BUF_SIZE];	/* whole stamped lines */
};

void	log_buf_init(struct log_buf *);
/* Writes what lb holds, then destroys it: no thread may use it any more. */
void	log_buf_finish(struct log_buf *);
/*
 * log_decision for a thread that owns lb.  On stderr, a grant is added to
 * lb, and lb is written when the grant would not fit or when its first
 * line is LOG_BUF_MAX_AGE_MS old; any other status is written at once,
 * with what lb holds before it, in one write(2) when both fit in
 * LOG_BUF_SIZE (else lb's, then the line's).  On syslog, as log_decision.
 */
void	log_decision_buffered(struct log_buf *, const struct authz_verdict *);
/* Writes what lb holds, if anything.  From any thread. */
void	log_flush(struct log_buf *);

#endif
