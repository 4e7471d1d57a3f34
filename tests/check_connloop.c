/*
 * connloop.c: the event loop of the FastCGI connections, on a real
 * listening socket (an abstract unix address) with real clients.
 * connloop.c is the daemon's, not libauthz's: this suite compiles it in.
 * Deadlines here are generous: the facts are observed (a connection
 * handed out, closed, counted), never how soon.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "daemon/connloop.h"

#define WAIT_MS		10000	/* for anything that should happen */
#define BEGIN		1
#define PARAMS		4
#define STDIN		5
#define AUTHORIZER	2
#define KEEP_CONN	1

static int		 listen_fd = -1;
static struct sockaddr_un addr;
static socklen_t	 addr_len;
static struct connloop	*lp;
static unsigned char	 wire[4096];
static size_t		 wlen;

static void
rec(unsigned type, unsigned id, const unsigned char *body, size_t len)
{
	unsigned char *h = wire + wlen;

	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = h[7] = 0;
	if (len > 0)
		memcpy(h + 8, body, len);
	wlen += 8 + len;
}

/* A whole request, id and flags as given: begin, one param, end. */
static void
request(unsigned id, unsigned flags)
{
	unsigned char begin[8] = { 0, AUTHORIZER, (unsigned char)flags };
	unsigned char param[] = { 3, 3, 'U', 'R', 'I', '/', 'a', 'b' };

	wlen = 0;
	rec(BEGIN, id, begin, sizeof(begin));
	rec(PARAMS, id, param, sizeof(param));
	rec(PARAMS, id, NULL, 0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
client(void)
{
	int fd;

	ck_assert_int_ne(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    -1);
	ck_assert_msg(connect(fd, (struct sockaddr *)&addr, addr_len) == 0,
	    "connect: %s", strerror(errno));
	return fd;
}

static void
send_all(int fd, const void *buf, size_t len)
{
	ck_assert_int_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* 1 once the peer of fd has closed it (EOF or reset), 0 after WAIT_MS. */
static int
sees_close(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[256];
	ssize_t		n;

	for (;;) {
		if (poll(&pfd, 1, WAIT_MS) != 1)
			return 0;
		if ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) <= 0)
			return n == 0 || errno != EAGAIN;
	}
}

struct taker {
	struct conn	*tk_conn;
	pthread_t	 tk_thread;
};

static void *
take_thread(void *arg)
{
	struct taker		*tk = arg;
	struct connloop_task	*t;

	tk->tk_conn = connloop_take(lp, &t);
	ck_assert_ptr_null(t);
	return NULL;
}

/*
 * connloop_take() with a deadline: NULL if nothing was handed out within
 * WAIT_MS (the loop is then stopped, to free the thread).
 */
static struct conn *
take(void)
{
	struct taker	tk = { NULL, 0 };
	struct timespec	until;

	ck_assert_int_eq(pthread_create(&tk.tk_thread, NULL, take_thread,
	    &tk), 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_MS / 1000;
	if (pthread_timedjoin_np(tk.tk_thread, NULL, &until) != 0) {
		connloop_stop(lp);
		pthread_join(tk.tk_thread, NULL);
	}
	return tk.tk_conn;
}

/* The request id of the request in c's socket (a peek, left there). */
static unsigned
peek_id(struct conn *c)
{
	unsigned char h[8];

	ck_assert_int_eq(recv(connloop_fd(c), h, sizeof(h), MSG_PEEK), 8);
	return (unsigned)h[2] << 8 | h[3];
}

static struct connloop_stats
stats(void)
{
	struct connloop_stats cs;

	connloop_get_stats(lp, &cs);
	return cs;
}

/* Waits until field of the stats equals want; 1 if it did. */
#define STATS_REACH(field, want) stats_reach(offsetof(		\
	struct connloop_stats, field), sizeof(((struct connloop_stats *)0)->field), (want))

static int
stats_reach(size_t off, size_t size, unsigned long want)
{
	struct connloop_stats	cs;
	unsigned long		v;
	int			i;

	for (i = 0; i < WAIT_MS / 10; i++) {
		connloop_get_stats(lp, &cs);
		v = size == sizeof(unsigned) ? *(unsigned *)((char *)&cs +
		    off) : *(unsigned long *)((char *)&cs + off);
		if (v == want)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

static void
start(unsigned request_ms, unsigned idle_ms, unsigned max)
{
	struct connloop_limits lim = { request_ms, idle_ms, max };

	ck_assert_ptr_nonnull(lp = connloop_new(&listen_fd, 1, &lim));
	ck_assert_int_eq(connloop_start(lp), 0);
}

/*
 * A listening socket on the abstract address "check_connloop.PID" +
 * suffix, into *a and *len: no file to clean up; the pid keeps suites
 * apart.
 */
static int
listen_abstract(const char *suffix, struct sockaddr_un *a, socklen_t *len)
{
	int fd;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1,
	    "check_connloop.%ld%s", (long)getpid(), suffix);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(a->sun_path + 1));
	ck_assert_int_ne(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)a, *len), 0);
	ck_assert_int_eq(listen(fd, 1024), 0);
	return fd;
}

static void
setup(void)
{
	listen_fd = listen_abstract("", &addr, &addr_len);
	lp = NULL;
}

static void
teardown(void)
{
	if (lp != NULL) {
		connloop_stop(lp);
		connloop_free(lp);
	}
	lp = NULL;
	close(listen_fd);
}

START_TEST(test_connloop_whole_request_handed_out)
{
	struct conn	*c;
	int		 fd;

	start(10000, 10000, 100);
	fd = client();
	request(7, 0);
	send_all(fd, wire, wlen);
	ck_assert_ptr_nonnull(c = take());
	ck_assert_uint_eq(peek_id(c), 7);
	ck_assert_uint_eq(stats().cs_busy, 1);
	ck_assert_uint_eq(stats().cs_accepted, 1);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);
	/* Left unread (a request thread would have read it): shut down for
	 * sending, drained, then closed once the client closes. */
	ck_assert_uint_eq(stats().cs_closing, 1);
	ck_assert(sees_close(fd));
	close(fd);
	ck_assert(STATS_REACH(cs_open, 0));
}
END_TEST

/*
 * Several listening sockets (systemd passes a unix one and a loopback TCP
 * one: fcgi-authzd(8)): a request on either is handed out, and the
 * second is watched even while the first is quiet.
 */
START_TEST(test_connloop_two_listeners)
{
	struct connloop_limits	 lim = { 10000, 10000, 100 };
	struct sockaddr_un	 a2;
	socklen_t		 a2_len;
	struct conn		*c[2];
	int			 fds[2], l2, fd1, fd2;

	l2 = listen_abstract(".2", &a2, &a2_len);
	fds[0] = listen_fd;
	fds[1] = l2;
	ck_assert_ptr_nonnull(lp = connloop_new(fds, 2, &lim));
	ck_assert_int_eq(connloop_start(lp), 0);

	ck_assert_int_ne(fd2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    -1);
	ck_assert_int_eq(connect(fd2, (struct sockaddr *)&a2, a2_len), 0);
	request(8, 0);
	send_all(fd2, wire, wlen);
	ck_assert_ptr_nonnull(c[0] = take());
	ck_assert_uint_eq(peek_id(c[0]), 8);

	fd1 = client();
	request(7, 0);
	send_all(fd1, wire, wlen);
	ck_assert_ptr_nonnull(c[1] = take());
	ck_assert_uint_eq(peek_id(c[1]), 7);
	ck_assert_uint_eq(stats().cs_accepted, 2);
	connloop_give_back(lp, c[0], CONNLOOP_CLOSE);
	connloop_give_back(lp, c[1], CONNLOOP_CLOSE);
	close(fd1);
	close(fd2);
	ck_assert(STATS_REACH(cs_open, 0));
	connloop_stop(lp);
	connloop_free(lp);
	lp = NULL;
	close(l2);
}
END_TEST

/*
 * A request read to its last byte, as libfcgi reads lighttpd's and
 * Apache's: the connection is closed at once, without a drain, and the
 * client sees the end while it still holds its side open.
 */
/*
 * A request whose input has not ended (no empty FCGI_STDIN yet) is shut
 * down and drained, not closed, even with nothing unread: the web
 * server's late FCGI_STDIN lands in the drain, and its write succeeds.
 */
START_TEST(test_connloop_input_not_ended_drained)
{
	struct conn	*c;
	char		 buf[sizeof(wire)];
	int		 fd;

	start(10000, 10000, 100);
	fd = client();
	request(8, 0);
	send_all(fd, wire, wlen);
	ck_assert_ptr_nonnull(c = take());
	ck_assert_int_eq(recv(connloop_fd(c), buf, wlen, MSG_WAITALL),
	    (ssize_t)wlen);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);
	ck_assert_uint_eq(stats().cs_closing, 1);
	ck_assert_uint_eq(stats().cs_busy, 0);
	ck_assert(sees_close(fd));	/* the answer's end: shut down */
	wlen = 0;
	rec(STDIN, 8, NULL, 0);
	ck_assert_int_eq(send(fd, wire, wlen, MSG_NOSIGNAL), (ssize_t)wlen);
	close(fd);
	ck_assert(STATS_REACH(cs_open, 0));
}
END_TEST

START_TEST(test_connloop_whole_request_no_look)
{
	struct conn	*c;
	int		 fd, extra;

	start(10000, 10000, 100);
	for (extra = 0; extra < 2; extra++) {
		fd = client();
		request(9, 0);
		rec(STDIN, 9, NULL, 0);
		if (extra)
			wire[wlen++] = 0;
		send_all(fd, wire, wlen);
		ck_assert_ptr_nonnull(c = take());
		connloop_give_back(lp, c, CONNLOOP_CLOSE);
		ck_assert_uint_eq(stats().cs_closing, (unsigned)extra);
		ck_assert(sees_close(fd));
		close(fd);
		ck_assert(STATS_REACH(cs_open, 0));
	}
}
END_TEST

/*
 * Silent and half-sent connections wait in the loop: a whole request
 * that comes after them is handed out while they are all still open.
 */
START_TEST(test_connloop_slow_peers_wait_in_the_loop)
{
	int		 silent[50], half[20], fd, i;
	struct conn	*c;

	start(60000, 60000, 1000);
	for (i = 0; i < NITEMS(silent); i++)
		silent[i] = client();
	request(1, 0);
	for (i = 0; i < NITEMS(half); i++) {
		half[i] = client();
		send_all(half[i], wire, wlen - 8 - (size_t)i % 5);
	}
	fd = client();
	request(99, 0);
	send_all(fd, wire, wlen);
	ck_assert_ptr_nonnull(c = take());
	ck_assert_uint_eq(peek_id(c), 99);
	ck_assert(STATS_REACH(cs_reading, NITEMS(silent) + NITEMS(half)));
	ck_assert_uint_eq(stats().cs_open, NITEMS(silent) + NITEMS(half) + 1);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);
	close(fd);
	for (i = 0; i < NITEMS(silent); i++)
		close(silent[i]);
	for (i = 0; i < NITEMS(half); i++)
		close(half[i]);
	/* Peers that go away mid-request are closed too. */
	ck_assert(STATS_REACH(cs_open, 0));
	ck_assert_uint_eq(stats().cs_timed_out, 0);
}
END_TEST

/* A request dripped a byte at a time is handed out once whole. */
START_TEST(test_connloop_dripped_request)
{
	struct conn	*c;
	size_t		 i;
	int		 fd;

	start(60000, 60000, 100);
	fd = client();
	request(5, 0);
	for (i = 0; i < wlen; i++) {
		send_all(fd, wire + i, 1);
		if (i % 4 == 0)
			sleep_ms(2);
	}
	ck_assert_ptr_nonnull(c = take());
	ck_assert_uint_eq(peek_id(c), 5);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);
	close(fd);
}
END_TEST

/* A request with one 400-byte param: long enough to drip for 4 s. */
static void
long_request(unsigned id)
{
	unsigned char	begin[8] = { 0, AUTHORIZER, 0 };
	unsigned char	param[2 + 4 + 3 + 400];

	param[0] = 3;
	param[1] = 0x80;
	param[2] = 0;
	param[3] = 400 >> 8;
	param[4] = 400 & 0xff;
	memcpy(param + 5, "URI", 3);
	memset(param + 8, 'x', 400);
	wlen = 0;
	rec(BEGIN, id, begin, sizeof(begin));
	rec(PARAMS, id, param, 8 + 400);
	rec(PARAMS, id, NULL, 0);
}

/*
 * request_timeout bounds the whole request, not one read: a peer that
 * sends a byte every 10 ms never lets 300 ms of silence pass, and is
 * closed all the same, long before its request could be whole.
 */
START_TEST(test_connloop_request_deadline)
{
	int	fd, drip;
	size_t	i;

	start(300, 60000, 100);
	fd = client();
	drip = client();
	long_request(1);
	for (i = 0; i + 1 < wlen; i++) {
		if (send(drip, wire + i, 1, MSG_NOSIGNAL) != 1)
			break;
		sleep_ms(10);
	}
	/* Closed 300 ms after the connection, so after some 30 bytes: half
	 * of them is 2.2 s at least, slack enough for a busy machine. */
	ck_assert_msg(i < wlen / 2, "a dripping peer was closed only after "
	    "%zu bytes of %zu", i, wlen);
	ck_assert(sees_close(fd));
	ck_assert(sees_close(drip));
	ck_assert(STATS_REACH(cs_timed_out, 2));
	ck_assert(STATS_REACH(cs_open, 0));
	close(fd);
	close(drip);
}
END_TEST

/*
 * A kept connection (FCGI_KEEP_CONN) waits idle for its next request,
 * which comes to a request thread on the same connection; an idle one
 * is closed at idle_timeout.
 */
START_TEST(test_connloop_kept_connection)
{
	struct conn	*c, *again;
	int		 fd;

	start(60000, 500, 100);
	fd = client();
	request(1, KEEP_CONN);
	send_all(fd, wire, wlen);
	ck_assert_ptr_nonnull(c = take());
	/* What libfcgi would have read. */
	ck_assert_int_eq(recv(connloop_fd(c), wire, wlen, 0), (ssize_t)wlen);
	connloop_give_back(lp, c, CONNLOOP_KEEP);
	ck_assert(STATS_REACH(cs_idle, 1));
	request(2, KEEP_CONN);
	send_all(fd, wire, wlen);
	ck_assert_ptr_nonnull(again = take());
	ck_assert_ptr_eq(again, c);
	ck_assert_uint_eq(peek_id(again), 2);
	ck_assert_int_eq(recv(connloop_fd(c), wire, wlen, 0), (ssize_t)wlen);
	connloop_give_back(lp, c, CONNLOOP_KEEP);
	ck_assert(sees_close(fd));	/* idle_timeout */
	ck_assert(STATS_REACH(cs_open, 0));
	ck_assert_uint_eq(stats().cs_timed_out, 0);	/* not a late request */
	close(fd);
}
END_TEST

/*
 * Above max_connections the oldest idle connection is closed first, and
 * one with a request on its way only when none is idle.
 */
START_TEST(test_connloop_limit_closes_oldest_idle)
{
	struct conn	*c;
	int		 kept[2], slow, fd, i;

	start(60000, 60000, 3);
	for (i = 0; i < 2; i++) {
		kept[i] = client();
		request(10 + (unsigned)i, KEEP_CONN);
		send_all(kept[i], wire, wlen);
		ck_assert_ptr_nonnull(c = take());
		ck_assert_int_eq(recv(connloop_fd(c), wire, wlen, 0),
		    (ssize_t)wlen);
		connloop_give_back(lp, c, CONNLOOP_KEEP);
		ck_assert(STATS_REACH(cs_idle, (unsigned)i + 1));
	}
	slow = client();	/* 3 open */
	ck_assert(STATS_REACH(cs_reading, 1));
	fd = client();		/* the 4th: the oldest idle goes */
	ck_assert(sees_close(kept[0]));
	ck_assert(STATS_REACH(cs_evicted, 1));
	ck_assert_uint_eq(stats().cs_idle, 1);
	close(fd);
	ck_assert(STATS_REACH(cs_open, 2));
	fd = client();
	ck_assert(STATS_REACH(cs_open, 3));
	fd = client();		/* kept[1] goes */
	ck_assert(sees_close(kept[1]));
	ck_assert(STATS_REACH(cs_evicted, 2));
	/*
	 * No idle one left: the oldest slow one.  The new client stays
	 * until then: one gone by the time it is accepted makes no room
	 * (connloop_admit looks first).
	 */
	i = client();
	ck_assert(sees_close(slow));
	ck_assert(STATS_REACH(cs_evicted, 3));
	close(i);
	close(kept[0]);
	close(kept[1]);
	close(slow);
	close(fd);
}
END_TEST

/* What libfcgi would abort on, or not read, is closed in the loop. */
START_TEST(test_connloop_refused)
{
	static const unsigned char abort_payload[] = {
		1, 1, 0, 1, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
		1, 4, 0, 1, 0, 8, 0, 0, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff,
		0xff, 0xfe
	};
	int fd;

	start(60000, 60000, 100);
	fd = client();
	send_all(fd, abort_payload, sizeof(abort_payload));
	ck_assert(sees_close(fd));
	ck_assert(STATS_REACH(cs_refused, 1));
	ck_assert(STATS_REACH(cs_open, 0));
	close(fd);
}
END_TEST

/* A stop still hands out what is whole, then NULL. */
START_TEST(test_connloop_stop)
{
	struct connloop_task	*t;
	struct conn		*c;
	int			 fd;

	start(60000, 60000, 100);
	fd = client();
	request(3, 0);
	send_all(fd, wire, wlen);
	ck_assert(STATS_REACH(cs_ready, 1));
	connloop_stop(lp);
	ck_assert_ptr_nonnull(c = connloop_take(lp, &t));
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(peek_id(c), 3);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);	/* closed at once */
	ck_assert(sees_close(fd));
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_null(t);
	close(fd);
}
END_TEST

/*
 * Tasks (an HTTP request's decision) go to the same threads: in the
 * order posted, in turn with ready connections, and still handed out
 * after a stop, which refuses new ones.
 */
START_TEST(test_connloop_tasks)
{
	struct connloop_task	 t1, t2, t3, *t;
	struct connloop_stats	 cs;
	struct conn		*c;
	int			 fd;

	start(60000, 60000, 100);
	ck_assert_int_eq(connloop_post(lp, &t1), 0);
	ck_assert_int_eq(connloop_post(lp, &t2), 0);
	connloop_get_stats(lp, &cs);
	ck_assert_uint_eq(cs.cs_tasks, 2);
	fd = client();
	request(5, 0);
	send_all(fd, wire, wlen);
	ck_assert(STATS_REACH(cs_ready, 1));
	/* A connection first, then a task, then the next task. */
	ck_assert_ptr_nonnull(c = connloop_take(lp, &t));
	ck_assert_ptr_null(t);
	ck_assert_uint_eq(peek_id(c), 5);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_eq(t, &t1);
	connloop_give_back(lp, c, CONNLOOP_CLOSE);
	ck_assert(sees_close(fd));
	ck_assert_int_eq(connloop_post(lp, &t3), 0);
	connloop_stop(lp);
	ck_assert_int_eq(connloop_post(lp, &t1), -1);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_eq(t, &t2);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_eq(t, &t3);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_null(t);
	connloop_get_stats(lp, &cs);
	ck_assert_uint_eq(cs.cs_tasks, 0);
	close(fd);
}
END_TEST

/* Without a FastCGI socket the loop serves tasks alone. */
START_TEST(test_connloop_tasks_only)
{
	struct connloop_limits	 lim = { 60000, 60000, 100 };
	struct connloop_task	 t1, *t;

	ck_assert_ptr_nonnull(lp = connloop_new(NULL, 0, &lim));
	ck_assert_int_eq(connloop_start(lp), 0);
	ck_assert_int_eq(connloop_post(lp, &t1), 0);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_eq(t, &t1);
	connloop_stop(lp);
	ck_assert_ptr_null(connloop_take(lp, &t));
	ck_assert_ptr_null(t);
}
END_TEST

static Suite *
connloop_suite(void)
{
	Suite	*s = suite_create("connloop");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_connloop_whole_request_handed_out);
	tcase_add_test(tc, test_connloop_two_listeners);
	tcase_add_test(tc, test_connloop_input_not_ended_drained);
	tcase_add_test(tc, test_connloop_whole_request_no_look);
	tcase_add_test(tc, test_connloop_slow_peers_wait_in_the_loop);
	tcase_add_test(tc, test_connloop_dripped_request);
	tcase_add_test(tc, test_connloop_request_deadline);
	tcase_add_test(tc, test_connloop_kept_connection);
	tcase_add_test(tc, test_connloop_limit_closes_oldest_idle);
	tcase_add_test(tc, test_connloop_refused);
	tcase_add_test(tc, test_connloop_stop);
	tcase_add_test(tc, test_connloop_tasks);
	tcase_add_test(tc, test_connloop_tasks_only);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(connloop_suite());
}
