/*
 * The HTTP forward-auth listener ([server] http; docs/servers.md, HTTP
 * forward auth), on libmicrohttpd.  Its own thread polls every
 * connection (epoll) and reads the requests; a whole request is
 * suspended and posted to the request threads (connloop_post), which
 * decide it as they decide a FastCGI request and resume it with the
 * answer.  A connection costs memory, not a thread, and nothing is
 * hashed on the polling thread.
 */
#ifndef AUTHZ_HTTPFRONT_H
#define AUTHZ_HTTPFRONT_H

#include <time.h>

struct authz_facts;
struct authz_verdict;
struct conf;
struct connloop;
struct connloop_task;
struct fwdauth_buf;
struct httpfront;
struct httpfront_req;

struct httpfront_limits {
	unsigned	hl_max_conns;	/* open at once */
	unsigned	hl_idle_sec;	/* a connection quiet that long goes */
};

/*
 * Serves on listen_fd, which it makes non-blocking and leaves open when
 * it stops, and posts each request to loop.  NULL (logged) on failure.
 */
struct httpfront	*httpfront_start(int listen_fd, struct connloop *loop,
			    const struct httpfront_limits *);
/*
 * Accepts no more connections; requests on those open are still posted,
 * until the loop refuses them (then answered 503 at once).
 */
void			 httpfront_quiesce(struct httpfront *);
/* Once no request thread holds a request of it any more. */
void			 httpfront_stop(struct httpfront *);
/* Connections open now (for the metrics). */
unsigned		 httpfront_connections(struct httpfront *);

/* A task that connloop_take handed out: the request it is. */
struct httpfront_req	*httpfront_req_of(struct connloop_task *);
/*
 * On a request thread: the request's facts (fwdauth.h), the peer judged
 * against cf's http_trusted.  They point into the request and buf.
 */
void			 httpfront_facts(struct httpfront_req *,
			    const struct conf *, time_t now,
			    struct fwdauth_buf *, struct authz_facts *);
/*
 * On a request thread: answers with the verdict (render.h), wipes the
 * request's credentials and gives the request back to the listener's
 * thread.  The request is gone for the caller.
 */
void			 httpfront_answer(struct httpfront_req *,
			    const struct conf *, const struct authz_verdict *);

#endif
