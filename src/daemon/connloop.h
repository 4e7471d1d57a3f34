/*
 * The connections of the FastCGI socket, in one event loop (epoll(7)),
 * so that a connection costs memory and not a thread
 * (docs/architecture.md, Connections).  The loop's thread accepts,
 * peeks at what each connection sent (fcgiscan.h) and hands a connection
 * to a request thread only once a whole request is there to be read; a
 * request thread gives it back when it has answered: to wait for the
 * next request when the web server keeps it (FCGI_KEEP_CONN), or to be
 * shut down, drained and closed.  Silent, dripping and idle connections
 * wait in the loop, each with its deadline.
 * No libfcgi here: the request threads read and answer with it.
 */
#ifndef AUTHZ_CONNLOOP_H
#define AUTHZ_CONNLOOP_H

#include <sys/queue.h>

#include <stdint.h>

struct connloop;
struct conn;

struct connloop_limits {
	unsigned	cl_request_ms;	/* a whole request arrives within */
	unsigned	cl_idle_ms;	/* a kept connection waits at most */
	unsigned	cl_max_conns;	/* open at once, in every state */
};

/* Gauges (now) and counters (since the start), for the metrics. */
struct connloop_stats {
	unsigned	cs_open;	/* every state below */
	unsigned	cs_reading;	/* a request on its way */
	unsigned	cs_ready;	/* whole, waiting for a request thread */
	unsigned	cs_busy;	/* with a request thread */
	unsigned	cs_idle;	/* kept, between requests */
	unsigned	cs_closing;	/* answered, being drained */
	unsigned long	cs_accepted;
	unsigned long	cs_timed_out;	/* no whole request in time */
	unsigned long	cs_refused;	/* bytes libfcgi would not read */
	unsigned long	cs_evicted;	/* closed for max_connections */
	unsigned	cs_tasks;	/* posted, waiting for a thread */
};

/*
 * Work for the same request threads that is not a FastCGI connection: a
 * request of the HTTP forward-auth listener (httpfront.h).  The caller
 * embeds it in its own and owns it; a request thread gets it back from
 * connloop_take.
 */
struct connloop_task {
	STAILQ_ENTRY(connloop_task) ct_link;
};

/* What a request thread does with a connection it has answered on. */
enum connloop_after {
	CONNLOOP_KEEP,		/* the web server keeps it: wait for more */
	CONNLOOP_CLOSE,		/* done: closed at once if all was read,
				   else shut down, drained and closed */
	CONNLOOP_GONE		/* libfcgi closed it already */
};

/*
 * A loop over the nfds listening sockets fds (at most AUTHZ_LISTEN_MAX),
 * which it makes non-blocking and does not own; none: no FastCGI socket,
 * tasks only.  NULL (logged) on failure.
 */
struct connloop	*connloop_new(const int *fds, size_t nfds,
		    const struct connloop_limits *);
/* Starts the loop's thread.  0, or -1 (logged). */
int		 connloop_start(struct connloop *);
/*
 * A request thread: waits for a connection with a whole request in its
 * socket, which it owns until connloop_give_back(), or for a task
 * (returns NULL with *task set).  NULL with *task NULL once
 * connloop_stop() has been called and nothing ready is left.
 */
struct conn	*connloop_take(struct connloop *, struct connloop_task **task);
/*
 * Hands a task on to the first free request thread.  0, or -1 once
 * connloop_stop() has been called: the task was not taken.
 */
int		 connloop_post(struct connloop *, struct connloop_task *);
int		 connloop_fd(const struct conn *);
void		 connloop_give_back(struct connloop *, struct conn *,
		    enum connloop_after);
/*
 * Stops accepting and joins the loop's thread; connections already
 * whole and tasks already posted are still handed out, then
 * connloop_take() returns NULL.
 */
void		 connloop_stop(struct connloop *);
/* After connloop_stop() and once no thread holds a connection. */
void		 connloop_free(struct connloop *);
void		 connloop_get_stats(struct connloop *, struct connloop_stats *);

#endif
