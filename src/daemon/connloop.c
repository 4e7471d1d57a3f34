/*
 * The event loop of the FastCGI connections (connloop.h).
 *
 * Every connection is on exactly one list, that of its state, under
 * lp_lock: reading (a request on its way), ready (whole, for a request
 * thread), busy (with one), idle (kept between requests), closing
 * (answered, drained) and dead (closed, freed by the loop's thread after
 * the events it is handling, which may still name it).  The reading,
 * idle and closing lists each have one timeout for all their members, so
 * a connection appended at the tail has the latest deadline and every
 * list stays in deadline order: expiry looks at heads only, and the
 * oldest idle connection, the first to go when max_connections is
 * reached, is the head of its list.
 *
 * A connection in the epoll set is armed with EPOLLONESHOT: one event
 * disarms it until whoever owns it next re-arms it, so no event ever
 * arrives for a connection a request thread holds.  A request thread
 * that gives a connection back re-arms it itself, under lp_lock, after
 * putting it on its list: the loop's thread finds it there when the
 * event comes.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "connloop.h"
#include "defaults.h"
#include "fcgiscan.h"
#include "log.h"
#include "monoclock.h"
#include "proc.h"

/*
 * After its answer a connection is shut down for sending and read until
 * the web server closes it, so that bytes it still sends do not make the
 * close reset the connection and lose the answer; libfcgi's OS_IpcClose
 * does the same, for 2 s.  A connection with nothing left unread (the
 * usual case: the web server sent its request and waits) is closed at
 * once instead: its close sends a FIN, and the loop is spared the drain.
 */
#define CONNLOOP_DRAIN_MS	2000
/*
 * libfcgi reads a request in reads of up to this many bytes (fcgiapp.c:
 * FCGX_Accept_r's NewReader, FillBuffProc).  A request that was all in
 * its socket when handed on, up to the empty FCGI_STDIN record that ends
 * it and no further, in no more bytes than that, leaves the socket with
 * the first read: nothing is left unread to look for before the close
 * (conn_has_unread), and a syscall a request is spared.
 */
#define CONNLOOP_LIBFCGI_READ	8192
#define CONNLOOP_EVENTS		64	/* per epoll_wait(2) */
#define CONNLOOP_ACCEPT_TRIES	8	/* past aborted connections */
#define CONNLOOP_DRAIN_READS	16	/* reads of a closing one per event */
/* Out of descriptors with nothing to close: the listening socket rests. */
#define CONNLOOP_FULL_PAUSE_MS	100
#define CONNLOOP_NS_PER_MS	1000000ULL

enum conn_state {
	CONN_READING,
	CONN_READY,
	CONN_BUSY,
	CONN_IDLE,
	CONN_CLOSING,
	CONN_DEAD,
	CONN_NSTATES
};

struct conn {
	int		 c_fd;		/* -1 once closed */
	enum conn_state	 c_state;
	int		 c_in_epoll;	/* added: re-armed with EPOLL_CTL_MOD */
	size_t		 c_need;	/* peek again once this many are in */
	int		 c_read_whole;	/* libfcgi's first read takes it all */
	int		 c_input_ended;	/* its empty FCGI_STDIN was there */
	uint64_t	 c_deadline;	/* monoclock_ns(); 0 for none */
	TAILQ_ENTRY(conn) c_link;	/* on lp_lists[c_state] */
};

TAILQ_HEAD(connq, conn);
STAILQ_HEAD(connloop_taskq, connloop_task);

/* A listening socket, and whether epoll watches it now. */
struct connloop_listener {
	int		 li_fd;
	int		 li_watched;
	int		 li_gone;	/* failed or shut down: never again */
};

struct connloop {
	struct connloop_listener lp_listen[AUTHZ_LISTEN_MAX];
	size_t		 lp_nlisten;
	int		 lp_epoll;
	int		 lp_wake;	/* eventfd: connloop_stop() */
	struct connloop_limits lp_limits;
	pthread_t	 lp_thread;
	int		 lp_running;	/* started, not yet joined */
	atomic_int	 lp_quit;
	/* The loop's thread only. */
	unsigned char	*lp_peek;	/* FCGISCAN_BYTES_MAX */
	uint64_t	 lp_listen_resume; /* after EMFILE; 0: not paused */
	int		 lp_full_logged; /* EMFILE said once */
	/* At most a line a second of each kind (connloop_say). */
	struct connloop_said {
		uint64_t	 ls_sec;	/* of the last line */
		unsigned	 ls_quiet;	/* since, not logged */
	}		 lp_said_refused, lp_said_late;
	/* Under lp_lock. */
	pthread_mutex_t	 lp_lock;
	pthread_cond_t	 lp_ready_cv;
	struct connq	 lp_lists[CONN_NSTATES];
	unsigned	 lp_count[CONN_NSTATES];
	unsigned	 lp_waiting;	/* request threads in connloop_take */
	struct connloop_taskq lp_tasks;	/* posted, not yet taken */
	unsigned	 lp_ntasks;
	int		 lp_task_turn;	/* a task goes first next time */
	int		 lp_stopping;
	unsigned long	 lp_accepted, lp_timed_out, lp_refused, lp_evicted;
};

/* Tags in epoll_event.data.ptr besides connections (and listeners). */
#define CONNLOOP_TAG_WAKE(lp)	((void *)&(lp)->lp_wake)

/* Moves c to the tail of the list of state; lp_lock held. */
static void
conn_move(struct connloop *lp, struct conn *c, enum conn_state state,
    uint64_t deadline)
{
	TAILQ_REMOVE(&lp->lp_lists[c->c_state], c, c_link);
	lp->lp_count[c->c_state]--;
	c->c_state = state;
	c->c_deadline = deadline;
	TAILQ_INSERT_TAIL(&lp->lp_lists[state], c, c_link);
	lp->lp_count[state]++;
}

/* Closes c; the loop's thread frees it later.  lp_lock held. */
static void
conn_close(struct connloop *lp, struct conn *c)
{
	if (c->c_fd != -1)
		(void)close(c->c_fd);	/* also leaves the epoll set */
	c->c_fd = -1;
	conn_move(lp, c, CONN_DEAD, 0);
}

static void
conn_close_locking(struct connloop *lp, struct conn *c)
{
	pthread_mutex_lock(&lp->lp_lock);
	conn_close(lp, c);
	pthread_mutex_unlock(&lp->lp_lock);
}

/*
 * Asks for one event when c has something to read or its peer has gone;
 * lp_lock held, and c already on the list its event will be handled by.
 * A connection the epoll set cannot take is closed.
 */
static void
conn_arm(struct connloop *lp, struct conn *c)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
	ev.data.ptr = c;
	if (epoll_ctl(lp->lp_epoll, c->c_in_epoll ? EPOLL_CTL_MOD :
	    EPOLL_CTL_ADD, c->c_fd, &ev) == -1) {
		log_warn("epoll_ctl: closing a connection");
		conn_close(lp, c);
		return;
	}
	c->c_in_epoll = 1;
}

static void
conn_free_all(struct connq *q)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, c, c_link);
		free(c);
	}
}

/*
 * A whole request is in c's socket: to the first free request thread,
 * woken after the unlock, so that it does not wake only to wait for the
 * lock.
 */
static void
connloop_hand_on(struct connloop *lp, struct conn *c)
{
	int wake;

	pthread_mutex_lock(&lp->lp_lock);
	conn_move(lp, c, CONN_READY, 0);
	wake = lp->lp_waiting > 0;
	pthread_mutex_unlock(&lp->lp_lock);
	if (wake)
		pthread_cond_signal(&lp->lp_ready_cv);
}

/*
 * Whether a line of this kind may be logged now: at most one a second,
 * so that a hostile peer cannot flood the log (the metrics count them
 * all).  *quiet: how many were not logged since the last one.
 */
static int
connloop_say(struct connloop_said *ls, unsigned n, unsigned *quiet)
{
	uint64_t sec = monoclock_ns() / (1000 * CONNLOOP_NS_PER_MS);

	if (sec == ls->ls_sec) {
		ls->ls_quiet += n;
		return 0;
	}
	*quiet = ls->ls_quiet;
	ls->ls_sec = sec;
	ls->ls_quiet = 0;
	return 1;
}

static void
connloop_refuse(struct connloop *lp, struct conn *c, const char *why)
{
	unsigned quiet;

	pthread_mutex_lock(&lp->lp_lock);
	lp->lp_refused++;
	conn_close(lp, c);
	pthread_mutex_unlock(&lp->lp_lock);
	if (!connloop_say(&lp->lp_said_refused, 1, &quiet))
		return;
	if (quiet > 0)
		log_warnx("closed a FastCGI connection: %s (and %u before it "
		    "not logged)", why, quiet);
	else
		log_warnx("closed a FastCGI connection: %s", why);
}

/* Connections closed for missing request_timeout, in a line a second. */
static void
connloop_say_late(struct connloop *lp, unsigned late)
{
	unsigned quiet;

	if (late == 0 || !connloop_say(&lp->lp_said_late, late, &quiet))
		return;
	late += quiet;
	log_warnx("closed %u FastCGI connection%s that sent no whole request "
	    "within request_timeout (%u s)", late, late == 1 ? "" : "s",
	    lp->lp_limits.cl_request_ms / 1000);
}

/* Whether a ready request leaves its socket with libfcgi's first read. */
static int
conn_read_whole(const struct fcgiscan *fs)
{
	return fs->fs_whole_len != 0 &&
	    fs->fs_whole_len <= CONNLOOP_LIBFCGI_READ;
}

/*
 * Peeks at what fd's peer sent and judges it (fcgiscan.h).  The bytes
 * stay in the socket for libfcgi; the copy holds the request's
 * credentials, so it is wiped at once.  0, or -1 when the peer has gone
 * (or the socket failed).
 */
static int
connloop_peek(struct connloop *lp, int fd, struct fcgiscan *fs)
{
	ssize_t n;

	n = recv(fd, lp->lp_peek, FCGISCAN_BYTES_MAX, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		n = 0;
	else if (n <= 0)
		return -1;
	fcgiscan_request(lp->lp_peek, (size_t)n, fs);
	sodium_memzero(lp->lp_peek, (size_t)n);
	return 0;
}

/*
 * What a look at c found: hand it on, refuse it, or wait for more (never,
 * if ended: the peer will send nothing more).
 */
static void
connloop_judge(struct connloop *lp, struct conn *c, const struct fcgiscan *fs,
    int ended)
{
	switch (fs->fs_verdict) {
	case FCGISCAN_READY:
		c->c_read_whole = conn_read_whole(fs);
		c->c_input_ended = fs->fs_whole_len != 0;
		connloop_hand_on(lp, c);
		return;
	case FCGISCAN_REFUSE:
		connloop_refuse(lp, c, fs->fs_why);
		return;
	case FCGISCAN_MORE:
		break;
	}
	pthread_mutex_lock(&lp->lp_lock);
	if (ended)
		conn_close(lp, c);	/* can never be whole */
	else {
		c->c_need = fs->fs_need;
		conn_arm(lp, c);
	}
	pthread_mutex_unlock(&lp->lp_lock);
}

/* Looks at c again (connloop_peek, connloop_judge). */
static void
connloop_scan(struct connloop *lp, struct conn *c, int ended)
{
	struct fcgiscan fs;

	if (connloop_peek(lp, c->c_fd, &fs) == -1)
		conn_close_locking(lp, c);
	else
		connloop_judge(lp, c, &fs, ended);
}

/*
 * An event on a connection with a request on its way: peeks again only
 * once fcgiscan's c_need bytes are in, so that a peer dripping a byte at
 * a time costs an ioctl per event, not a copy of its request.
 */
static void
connloop_on_request_bytes(struct connloop *lp, struct conn *c,
    uint32_t events)
{
	int	avail = 0;
	int	ended = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;

	if (ioctl(c->c_fd, FIONREAD, &avail) == -1) {
		conn_close_locking(lp, c);
		return;
	}
	if (avail > 0 && (size_t)avail >= c->c_need) {
		connloop_scan(lp, c, ended);
		return;
	}
	pthread_mutex_lock(&lp->lp_lock);
	if (ended)
		conn_close(lp, c);
	else
		conn_arm(lp, c);
	pthread_mutex_unlock(&lp->lp_lock);
}

/* Reads and drops what an answered connection still sends, until EOF. */
static void
connloop_on_closing(struct connloop *lp, struct conn *c)
{
	ssize_t	n = 0;
	int	i;

	for (i = 0; i < CONNLOOP_DRAIN_READS; i++) {
		n = recv(c->c_fd, lp->lp_peek, FCGISCAN_BYTES_MAX,
		    MSG_DONTWAIT);
		if (n <= 0)
			break;
		/* A pipelined request's credentials, perhaps. */
		sodium_memzero(lp->lp_peek, (size_t)n);
	}
	pthread_mutex_lock(&lp->lp_lock);
	if (n > 0 || (n == -1 && (errno == EAGAIN || errno == EINTR)))
		conn_arm(lp, c);
	else
		conn_close(lp, c);
	pthread_mutex_unlock(&lp->lp_lock);
}

static void
connloop_on_conn(struct connloop *lp, struct conn *c, uint32_t events,
    uint64_t now)
{
	enum conn_state state;

	pthread_mutex_lock(&lp->lp_lock);
	state = c->c_state;
	/* A kept connection's next request: request_timeout from its
	 * first bytes. */
	if (state == CONN_IDLE) {
		c->c_need = 0;
		conn_move(lp, c, CONN_READING,
		    now + lp->lp_limits.cl_request_ms * CONNLOOP_NS_PER_MS);
		state = CONN_READING;
	}
	pthread_mutex_unlock(&lp->lp_lock);
	if (state == CONN_READING)
		connloop_on_request_bytes(lp, c, events);
	else if (state == CONN_CLOSING)
		connloop_on_closing(lp, c);
	/* CONN_DEAD: closed earlier in this round of events. */
}

/*
 * Closes the connection that matters least, to make room: one answered
 * and draining, else the oldest kept idle, else the oldest still on its
 * way.  Never one that is ready or busy.  1 if one was closed.  lp_lock
 * held.
 */
static int
connloop_evict_locked(struct connloop *lp)
{
	static const enum conn_state order[] = {
		CONN_CLOSING, CONN_IDLE, CONN_READING
	};
	struct conn	*c;
	size_t		 i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if ((c = TAILQ_FIRST(&lp->lp_lists[order[i]])) != NULL) {
			conn_close(lp, c);
			lp->lp_evicted++;
			return 1;
		}
	}
	return 0;
}

static int
connloop_evict(struct connloop *lp)
{
	int done;

	pthread_mutex_lock(&lp->lp_lock);
	done = connloop_evict_locked(lp);
	pthread_mutex_unlock(&lp->lp_lock);
	return done;
}

/* Connections open, in every state but dead; lp_lock held. */
static unsigned
connloop_open_count(const struct connloop *lp)
{
	return lp->lp_count[CONN_READING] + lp->lp_count[CONN_READY] +
	    lp->lp_count[CONN_BUSY] + lp->lp_count[CONN_IDLE] +
	    lp->lp_count[CONN_CLOSING];
}

/*
 * A new connection: within max_connections, and looked at before it is
 * listed, since a web server has usually written its whole request by
 * the time it is accepted; such a one goes straight to the ready list,
 * under one lock.  One whose peer has already gone is closed without
 * making room for it.
 */
static void
connloop_admit(struct connloop *lp, int fd, uint64_t now)
{
	struct fcgiscan	 fs;
	struct conn	*c = NULL;
	int		 gone, wake = 0;

	gone = connloop_peek(lp, fd, &fs) == -1;
	if (!gone && (c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return;
	}
	pthread_mutex_lock(&lp->lp_lock);
	if (c != NULL && connloop_open_count(lp) >=
	    lp->lp_limits.cl_max_conns && !connloop_evict_locked(lp)) {
		lp->lp_evicted++;
		free(c);
		c = NULL;
	} else
		lp->lp_accepted++;
	if (c != NULL) {
		c->c_fd = fd;
		if (fs.fs_verdict == FCGISCAN_READY) {
			c->c_state = CONN_READY;
			c->c_read_whole = conn_read_whole(&fs);
			c->c_input_ended = fs.fs_whole_len != 0;
		} else {
			c->c_state = CONN_READING;
			c->c_deadline = now +
			    lp->lp_limits.cl_request_ms * CONNLOOP_NS_PER_MS;
		}
		TAILQ_INSERT_TAIL(&lp->lp_lists[c->c_state], c, c_link);
		lp->lp_count[c->c_state]++;
		wake = c->c_state == CONN_READY && lp->lp_waiting > 0;
	}
	pthread_mutex_unlock(&lp->lp_lock);
	if (c == NULL)
		(void)close(fd);	/* gone, or no room */
	else if (wake)
		pthread_cond_signal(&lp->lp_ready_cv);
	else if (c->c_state == CONN_READING)
		connloop_judge(lp, c, &fs, 0);
}

static void
connloop_watch_listen(struct connloop *lp, struct connloop_listener *li,
    int on)
{
	struct epoll_event ev;

	if (li->li_watched == on || (on && li->li_gone))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = li;
	if (epoll_ctl(lp->lp_epoll, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
	    li->li_fd, &ev) == 0)
		li->li_watched = on;
	else
		log_warn("epoll_ctl on a listening socket");
}

static void
connloop_watch_listeners(struct connloop *lp, int on)
{
	size_t i;

	for (i = 0; i < lp->lp_nlisten; i++)
		connloop_watch_listen(lp, &lp->lp_listen[i], on);
}

/* The listener an event's tag names, or NULL for another tag. */
static struct connloop_listener *
connloop_listener_of(struct connloop *lp, void *tag)
{
	size_t i;

	for (i = 0; i < lp->lp_nlisten; i++)
		if (tag == &lp->lp_listen[i])
			return &lp->lp_listen[i];
	return NULL;
}

/*
 * Out of descriptors (or kernel memory) with nothing idle to close: the
 * listening sockets stay readable, so they leave the epoll set for a
 * moment rather than wake the loop again at once.  Connections wait in
 * the backlogs meanwhile.
 */
static void
connloop_pause_listen(struct connloop *lp, uint64_t now)
{
	if (!lp->lp_full_logged)
		log_warn("accept: cannot take more connections for now "
		    "(logged once; see max_connections in fcgi-authz.ini(5))");
	lp->lp_full_logged = 1;
	connloop_watch_listeners(lp, 0);
	lp->lp_listen_resume = now + CONNLOOP_FULL_PAUSE_MS *
	    CONNLOOP_NS_PER_MS;
}

/* A listening socket that failed or was shut down is watched no more. */
static void
connloop_drop_listen(struct connloop *lp, struct connloop_listener *li)
{
	connloop_watch_listen(lp, li, 0);
	li->li_gone = 1;
}

/*
 * One accept an event: the listening socket is level-triggered, so the
 * next epoll_wait(2) reports it again at once if more are waiting, and a
 * web server that connects once per request costs no accept(2) that
 * fails with EAGAIN.
 */
static void
connloop_on_listen(struct connloop *lp, struct connloop_listener *li,
    uint32_t events, uint64_t now)
{
	int fd, i;

	for (i = 0; i < CONNLOOP_ACCEPT_TRIES; i++) {
		fd = accept4(li->li_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd != -1) {
			connloop_admit(lp, fd, now);
			break;
		}
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			if (connloop_evict(lp))
				continue;
			connloop_pause_listen(lp, now);
			return;
		}
		if (errno != EAGAIN) {
			log_warn("accept: no longer accepting on fd %d",
			    li->li_fd);
			connloop_drop_listen(lp, li);
		}
		break;
	}
	/* Shut down under us (the supervisor has gone: server.c): what
	 * was queued is accepted above, and nothing more comes. */
	if (li->li_watched && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		connloop_drop_listen(lp, li);
}

/*
 * The loop's round of housekeeping, under one lock: closes what has had
 * its time, takes the closed connections to free (dead), and returns the
 * milliseconds until the next deadline, at most a tick (deadlines that
 * request threads set while the loop waits are met within a tick).
 * *late: the requests that missed request_timeout.
 */
static int
connloop_tend(struct connloop *lp, uint64_t now, struct connq *dead,
    unsigned *late)
{
	static const enum conn_state timed[] = {
		CONN_READING, CONN_IDLE, CONN_CLOSING
	};
	uint64_t	 next = now + AUTHZ_WATCH_TICK_MS * CONNLOOP_NS_PER_MS;
	struct conn	*c;
	size_t		 i;

	*late = 0;
	pthread_mutex_lock(&lp->lp_lock);
	for (i = 0; i < sizeof(timed) / sizeof(timed[0]); i++) {
		while ((c = TAILQ_FIRST(&lp->lp_lists[timed[i]])) != NULL &&
		    c->c_deadline <= now) {
			if (timed[i] == CONN_READING)
				(*late)++;
			conn_close(lp, c);
		}
		if (c != NULL && c->c_deadline < next)
			next = c->c_deadline;
	}
	lp->lp_timed_out += *late;
	TAILQ_CONCAT(dead, &lp->lp_lists[CONN_DEAD], c_link);
	lp->lp_count[CONN_DEAD] = 0;
	pthread_mutex_unlock(&lp->lp_lock);
	if (lp->lp_listen_resume != 0 && lp->lp_listen_resume < next)
		next = lp->lp_listen_resume;
	if (next <= now)
		return 0;
	return (int)((next - now + CONNLOOP_NS_PER_MS - 1) / CONNLOOP_NS_PER_MS);
}

static void
connloop_handle(struct connloop *lp, struct epoll_event *ev, int n,
    uint64_t now)
{
	struct connloop_listener *li;
	uint64_t	 junk;
	int		 i;

	for (i = 0; i < n; i++) {
		if ((li = connloop_listener_of(lp, ev[i].data.ptr)) != NULL)
			connloop_on_listen(lp, li, ev[i].events, now);
		else if (ev[i].data.ptr == CONNLOOP_TAG_WAKE(lp)) {
			if (read(lp->lp_wake, &junk, sizeof(junk)) == -1)
				continue;	/* EAGAIN: read already */
		}
		else
			connloop_on_conn(lp, ev[i].data.ptr, ev[i].events, now);
	}
}

static void *
connloop_run(void *arg)
{
	struct connloop		*lp = arg;
	struct epoll_event	 ev[CONNLOOP_EVENTS];
	struct connq		 dead;
	uint64_t		 now;
	unsigned		 late;
	int			 n, wait_ms;

	proc_thread_name("authzd-loop");
	TAILQ_INIT(&dead);
	while (!atomic_load(&lp->lp_quit)) {
		now = monoclock_ns();
		if (lp->lp_listen_resume != 0 && now >= lp->lp_listen_resume) {
			lp->lp_listen_resume = 0;
			connloop_watch_listeners(lp, 1);
		}
		/* Freed only here: the events just handled may name them. */
		wait_ms = connloop_tend(lp, now, &dead, &late);
		conn_free_all(&dead);
		connloop_say_late(lp, late);
		n = epoll_wait(lp->lp_epoll, ev, CONNLOOP_EVENTS, wait_ms);
		if (n > 0)
			connloop_handle(lp, ev, n, monoclock_ns());
	}
	return NULL;
}

static int
connloop_open_fds(struct connloop *lp)
{
	struct connloop_listener *li;
	struct epoll_event	 ev;
	size_t			 i;
	int			 fl;

	if ((lp->lp_epoll = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (lp->lp_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		log_warn("cannot start the event loop");
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = CONNLOOP_TAG_WAKE(lp);
	if (epoll_ctl(lp->lp_epoll, EPOLL_CTL_ADD, lp->lp_wake, &ev) == -1) {
		log_warn("epoll_ctl");
		return -1;
	}
	/* Shared with the supervisor, and with other processes on the same
	 * socket: each accepts without blocking, whoever wins.  None: tasks
	 * only (connloop_post). */
	for (i = 0; i < lp->lp_nlisten; i++) {
		li = &lp->lp_listen[i];
		if ((fl = fcntl(li->li_fd, F_GETFL)) == -1 ||
		    fcntl(li->li_fd, F_SETFL, fl | O_NONBLOCK) == -1) {
			log_warn("listening socket fd %d", li->li_fd);
			return -1;
		}
		connloop_watch_listen(lp, li, 1);
		if (!li->li_watched)
			return -1;
	}
	return 0;
}

struct connloop *
connloop_new(const int *fds, size_t nfds,
    const struct connloop_limits *limits)
{
	struct connloop		*lp;
	pthread_mutexattr_t	 ma;
	size_t			 j;
	int			 i;

	if (nfds > AUTHZ_LISTEN_MAX) {
		log_warnx("more than %d listening sockets", AUTHZ_LISTEN_MAX);
		return NULL;
	}
	if ((lp = calloc(1, sizeof(*lp))) == NULL) {
		log_warnx("out of memory");
		return NULL;
	}
	for (j = 0; j < nfds; j++)
		lp->lp_listen[j].li_fd = fds[j];
	lp->lp_nlisten = nfds;
	lp->lp_epoll = lp->lp_wake = -1;
	lp->lp_limits = *limits;
	atomic_init(&lp->lp_quit, 0);
	/* Held for a list move and at most one epoll_ctl(2): spinning a
	 * moment costs less than sleeping on it. */
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
	pthread_mutex_init(&lp->lp_lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_cond_init(&lp->lp_ready_cv, NULL);
	for (i = 0; i < CONN_NSTATES; i++)
		TAILQ_INIT(&lp->lp_lists[i]);
	STAILQ_INIT(&lp->lp_tasks);
	if ((lp->lp_peek = malloc(FCGISCAN_BYTES_MAX)) == NULL) {
		log_warnx("out of memory");
		connloop_free(lp);
		return NULL;
	}
	if (connloop_open_fds(lp) == -1) {
		connloop_free(lp);
		return NULL;
	}
	return lp;
}

int
connloop_start(struct connloop *lp)
{
	sigset_t	all, old;
	int		rc;

	/* Signals are the main thread's (server.c). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&lp->lp_thread, NULL, connloop_run, lp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		log_warnx("cannot start the event loop thread");
		return -1;
	}
	lp->lp_running = 1;
	return 0;
}

/*
 * Ready connections and posted tasks are taken in turn, a connection
 * first: neither kind can starve the other.
 */
struct conn *
connloop_take(struct connloop *lp, struct connloop_task **task)
{
	struct conn		*c;
	struct connloop_task	*t = NULL;

	pthread_mutex_lock(&lp->lp_lock);
	while ((c = TAILQ_FIRST(&lp->lp_lists[CONN_READY])) == NULL &&
	    (t = STAILQ_FIRST(&lp->lp_tasks)) == NULL && !lp->lp_stopping) {
		lp->lp_waiting++;
		pthread_cond_wait(&lp->lp_ready_cv, &lp->lp_lock);
		lp->lp_waiting--;
	}
	if (c != NULL && lp->lp_task_turn &&
	    (t = STAILQ_FIRST(&lp->lp_tasks)) != NULL)
		c = NULL;
	if (c != NULL) {
		conn_move(lp, c, CONN_BUSY, 0);
		t = NULL;
	} else if (t != NULL) {
		STAILQ_REMOVE_HEAD(&lp->lp_tasks, ct_link);
		lp->lp_ntasks--;
	}
	lp->lp_task_turn = c != NULL;
	pthread_mutex_unlock(&lp->lp_lock);
	*task = t;
	return c;
}

int
connloop_post(struct connloop *lp, struct connloop_task *t)
{
	int wake;

	pthread_mutex_lock(&lp->lp_lock);
	if (lp->lp_stopping) {
		pthread_mutex_unlock(&lp->lp_lock);
		return -1;
	}
	STAILQ_INSERT_TAIL(&lp->lp_tasks, t, ct_link);
	lp->lp_ntasks++;
	wake = lp->lp_waiting > 0;
	pthread_mutex_unlock(&lp->lp_lock);
	if (wake)
		pthread_cond_signal(&lp->lp_ready_cv);
	return 0;
}

int
connloop_fd(const struct conn *c)
{
	return c->c_fd;
}

/*
 * Whether the web server may have sent bytes that nobody read, or may
 * still send some: closing such a connection would reset it, not end
 * it, and the answer could be lost, or the web server's own write of the
 * rest fail (CONNLOOP_DRAIN_MS).  A request read whole
 * (CONNLOOP_LIBFCGI_READ) needs no look: what a web server might send
 * after the end of its input is an FCGI_ABORT_REQUEST, which a reset
 * loses nothing of.  One whose input had not ended when it was handed on
 * may get its empty FCGI_STDIN record any time: Caddy's FastCGI transport
 * writes it after the params, and a close in between made its write fail
 * (502) a few times in a thousand under load.
 */
static int
conn_has_unread(const struct conn *c)
{
	int n;

	if (c->c_read_whole)
		return 0;
	if (!c->c_input_ended)
		return 1;
	return ioctl(c->c_fd, FIONREAD, &n) == -1 || n != 0;
}

void
connloop_give_back(struct connloop *lp, struct conn *c,
    enum connloop_after after)
{
	uint64_t now = monoclock_ns();

	/* Outside the lock, so the loop is not held up by the close. */
	if (after == CONNLOOP_CLOSE && !conn_has_unread(c)) {
		(void)close(c->c_fd);	/* also leaves the epoll set */
		after = CONNLOOP_GONE;
	}
	if (after == CONNLOOP_GONE)
		c->c_fd = -1;
	else if (after == CONNLOOP_CLOSE)
		(void)shutdown(c->c_fd, SHUT_WR);
	pthread_mutex_lock(&lp->lp_lock);
	if (after == CONNLOOP_GONE || lp->lp_stopping)
		conn_close(lp, c);
	else if (after == CONNLOOP_KEEP) {
		conn_move(lp, c, CONN_IDLE,
		    now + lp->lp_limits.cl_idle_ms * CONNLOOP_NS_PER_MS);
		conn_arm(lp, c);
	} else {
		conn_move(lp, c, CONN_CLOSING,
		    now + CONNLOOP_DRAIN_MS * CONNLOOP_NS_PER_MS);
		conn_arm(lp, c);
	}
	pthread_mutex_unlock(&lp->lp_lock);
}

void
connloop_stop(struct connloop *lp)
{
	uint64_t one = 1;

	pthread_mutex_lock(&lp->lp_lock);
	lp->lp_stopping = 1;
	pthread_cond_broadcast(&lp->lp_ready_cv);
	pthread_mutex_unlock(&lp->lp_lock);
	atomic_store(&lp->lp_quit, 1);
	/* Cannot fail short of a bug: the counter is far from full. */
	if (write(lp->lp_wake, &one, sizeof(one)) == -1)
		log_warn("eventfd");
	if (lp->lp_running)
		pthread_join(lp->lp_thread, NULL);
	lp->lp_running = 0;
}

void
connloop_free(struct connloop *lp)
{
	struct conn	*c;
	int		 i;

	if (lp == NULL)
		return;
	for (i = 0; i < CONN_NSTATES; i++) {
		while ((c = TAILQ_FIRST(&lp->lp_lists[i])) != NULL) {
			TAILQ_REMOVE(&lp->lp_lists[i], c, c_link);
			if (c->c_fd != -1)
				(void)close(c->c_fd);
			free(c);
		}
	}
	if (lp->lp_epoll != -1)
		(void)close(lp->lp_epoll);
	if (lp->lp_wake != -1)
		(void)close(lp->lp_wake);
	free(lp->lp_peek);
	pthread_cond_destroy(&lp->lp_ready_cv);
	pthread_mutex_destroy(&lp->lp_lock);
	free(lp);
}

void
connloop_get_stats(struct connloop *lp, struct connloop_stats *cs)
{
	memset(cs, 0, sizeof(*cs));
	pthread_mutex_lock(&lp->lp_lock);
	cs->cs_reading = lp->lp_count[CONN_READING];
	cs->cs_ready = lp->lp_count[CONN_READY];
	cs->cs_busy = lp->lp_count[CONN_BUSY];
	cs->cs_idle = lp->lp_count[CONN_IDLE];
	cs->cs_closing = lp->lp_count[CONN_CLOSING];
	cs->cs_accepted = lp->lp_accepted;
	cs->cs_timed_out = lp->lp_timed_out;
	cs->cs_refused = lp->lp_refused;
	cs->cs_evicted = lp->lp_evicted;
	cs->cs_tasks = lp->lp_ntasks;
	pthread_mutex_unlock(&lp->lp_lock);
	cs->cs_open = cs->cs_reading + cs->cs_ready + cs->cs_busy +
	    cs->cs_idle + cs->cs_closing;
}
