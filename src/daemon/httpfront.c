/*
 * The HTTP forward-auth listener (httpfront.h).
 *
 * A request is the listener's until its handler suspends it and posts it
 * to the request threads; from then on it is the request thread's, which
 * the listener cannot disturb: libmicrohttpd neither reads nor times out
 * a suspended connection, so the header values gathered on the
 * listener's thread stay where they are.  The request thread's last act
 * is MHD_resume_connection(); the handler, called again, queues the
 * answer it left, and the completion callback frees the request.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "authz.h"
#include "conf.h"
#include "connloop.h"
#include "fwdauth.h"
#include "httpfront.h"
#include "log.h"
#include "netaddr.h"
#include "proc.h"
#include "render.h"

/*
 * Header lines kept per request, of the names fwdauth.c reads: a proxy
 * sends a handful; more is a flood, refused with 400.
 */
#define HTTPFRONT_HEADERS_MAX	32
/*
 * A connection's buffer for one request's line and headers: the client's
 * URI (up to AUTHZ_URI_MAX) and cookies come in headers, which proxies
 * pass on; nginx's own default limit is the same 32 KiB.  A request that
 * does not fit gets 431 from libmicrohttpd.  No more: libmicrohttpd
 * 0.9.75 takes a larger buffer from mmap(2) and gives it back with
 * munmap(2) for every connection, which cut nginx's requests through
 * proxy_pass (a connection each) from some 5,000 to 500 a second.
 */
#define HTTPFRONT_CONN_MEMORY	(32 * 1024)
#define HTTPFRONT_BODY_MAX	64

struct httpfront {
	struct MHD_Daemon	*hf_daemon;
	struct connloop		*hf_loop;
};

struct httpfront_req {
	struct connloop_task	 rq_task;	/* first: httpfront_req_of */
	struct MHD_Connection	*rq_conn;
	struct fwdauth_header	 rq_headers[HTTPFRONT_HEADERS_MAX];
	size_t			 rq_nheaders;
	int			 rq_too_many;	/* past HTTPFRONT_HEADERS_MAX */
	int			 rq_posted;	/* to the request threads */
	struct sockaddr_storage	 rq_peer;
	char			 rq_peer_text[NETADDR_STRLEN];
	/* Left by the request thread for the listener's thread. */
	struct MHD_Response	*rq_response;
	unsigned		 rq_status;
};

struct httpfront_req *
httpfront_req_of(struct connloop_task *t)
{
	return (struct httpfront_req *)(void *)t;
}

/* MHD_KeyValueIterator: keeps the lines fwdauth.c reads, in order. */
static enum MHD_Result
httpfront_keep_header(void *arg, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	struct httpfront_req *rq = arg;

	(void)kind;
	if (name == NULL || value == NULL || !fwdauth_reads(name))
		return MHD_YES;
	if (rq->rq_nheaders == HTTPFRONT_HEADERS_MAX) {
		rq->rq_too_many = 1;
		return MHD_NO;
	}
	rq->rq_headers[rq->rq_nheaders].fh_name = name;
	rq->rq_headers[rq->rq_nheaders].fh_value = value;
	rq->rq_nheaders++;
	return MHD_YES;
}

/*
 * The peer's address.  libmicrohttpd does not say how long it is: a unix
 * peer's is as long as accept(2) made it (2 bytes for an unnamed
 * client), so only its family is kept, which is all that is read.
 */
static void
httpfront_keep_peer(struct httpfront_req *rq, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*ci;

	rq->rq_peer.ss_family = AF_UNSPEC;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	switch (ci->client_addr->sa_family) {
	case AF_INET:
		memcpy(&rq->rq_peer, ci->client_addr,
		    sizeof(struct sockaddr_in));
		break;
	case AF_INET6:
		memcpy(&rq->rq_peer, ci->client_addr,
		    sizeof(struct sockaddr_in6));
		break;
	case AF_UNIX:
		rq->rq_peer.ss_family = AF_UNIX;
		break;
	}
}

/* An answer made on the listener's thread: no decision behind it. */
static enum MHD_Result
httpfront_reply_now(struct MHD_Connection *conn, unsigned status,
    const char *body, const char *allow)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 ret;

	if ((resp = MHD_create_response_from_buffer(strlen(body),
	    (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, "Content-Type",
	    "text/plain; charset=utf-8") == MHD_NO ||
	    MHD_add_response_header(resp, "Cache-Control", "no-store") ==
	    MHD_NO || (allow != NULL &&
	    MHD_add_response_header(resp, "Allow", allow) == MHD_NO)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * A whole request: its headers and peer noted, suspended, and posted to
 * the request threads.  Once they are stopping, 503 at once.
 */
static void
httpfront_post(struct httpfront *hf, struct httpfront_req *rq)
{
	struct MHD_Connection *conn = rq->rq_conn;

	rq->rq_posted = 1;
	(void)MHD_get_connection_values(conn, MHD_HEADER_KIND,
	    httpfront_keep_header, rq);
	httpfront_keep_peer(rq, conn);
	MHD_suspend_connection(conn);
	if (connloop_post(hf->hf_loop, &rq->rq_task) == -1) {
		rq->rq_status = MHD_HTTP_SERVICE_UNAVAILABLE;
		rq->rq_response = MHD_create_response_from_buffer(
		    sizeof("503 Service Unavailable\n") - 1,
		    (void *)(uintptr_t)"503 Service Unavailable\n",
		    MHD_RESPMEM_PERSISTENT);
		MHD_resume_connection(conn);
	}
}

/*
 * MHD_AccessHandlerCallback, called for a request until an answer is
 * queued: first with its headers, then with each piece of a body, then
 * once more when it has all arrived.  The request is posted only then:
 * libmicrohttpd 0.9.75 closes the connection after an answer queued
 * before that (a suspended first call counts too), and a proxy's kept
 * connection would be lost with every request.
 */
static enum MHD_Result
httpfront_handle(void *arg, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct httpfront	*hf = arg;
	struct httpfront_req	*rq = *req_cls;
	enum MHD_Result		 ret;

	(void)url;
	(void)version;
	(void)upload_data;
	if (rq == NULL) {
		/* Forward auth asks with GET (docs/servers.md). */
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return httpfront_reply_now(conn,
			    MHD_HTTP_METHOD_NOT_ALLOWED,
			    "405 Method Not Allowed\n", "GET, HEAD");
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;		/* closes the connection */
		rq->rq_conn = conn;
		*req_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;	/* a body: not read, not needed */
		return MHD_YES;
	}
	if (!rq->rq_posted) {
		httpfront_post(hf, rq);
		return MHD_YES;
	}
	if (rq->rq_response == NULL)
		return MHD_NO;		/* no answer could be made: close */
	ret = MHD_queue_response(conn, rq->rq_status, rq->rq_response);
	MHD_destroy_response(rq->rq_response);
	rq->rq_response = NULL;
	return ret;
}

/* MHD_RequestCompletedCallback: the request is done with, answered or not. */
static void
httpfront_completed(void *arg, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpfront_req *rq = *req_cls;

	(void)arg;
	(void)conn;
	(void)toe;
	if (rq == NULL)
		return;
	if (rq->rq_response != NULL)
		MHD_destroy_response(rq->rq_response);
	free(rq);
	*req_cls = NULL;
}

void
httpfront_facts(struct httpfront_req *rq, const struct conf *cf, time_t now,
    struct fwdauth_buf *buf, struct authz_facts *f)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const char			*peer = NULL;
	struct netaddr			 addr;
	int				 trusted = 0;

	rq->rq_peer_text[0] = '\0';
	switch (rq->rq_peer.ss_family) {
	case AF_UNIX:
		trusted = 1;	/* the socket's permissions decided */
		break;
	case AF_INET:
		sin = (const struct sockaddr_in *)&rq->rq_peer;
		peer = inet_ntop(AF_INET, &sin->sin_addr, rq->rq_peer_text,
		    sizeof(rq->rq_peer_text));
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)&rq->rq_peer;
		peer = inet_ntop(AF_INET6, &sin6->sin6_addr,
		    rq->rq_peer_text, sizeof(rq->rq_peer_text));
		break;
	}
	if (peer != NULL && netaddr_parse(peer, &addr) == 0 &&
	    netcidr_list_contains(cf->cf_http_trusted, cf->cf_nhttp_trusted,
	    &addr))
		trusted = 1;
	fwdauth_facts(rq->rq_headers, rq->rq_nheaders, peer, trusted, now,
	    buf, f);
	if (rq->rq_too_many && !f->af_untrusted_peer) {
		f->af_bad_params = 1;
		f->af_bad_detail = "too many X-Forwarded-*, X-Original-* or "
		    "Authorization header lines";
	}
}

/*
 * render_put_fn: a header of the answer.  libmicrohttpd 0.9.75 refuses
 * an empty value; a space is optional whitespace, which every parser
 * strips from a field value (RFC 9110 5.5), so the header arrives with
 * the empty value render.h asks for.
 */
static int
httpfront_put(void *arg, const char *name, const char *value)
{
	if (*value == '\0')
		value = " ";
	return MHD_add_response_header(arg, name, value) == MHD_YES ? 0 : -1;
}

/*
 * The answer for v; if it cannot be made, a bare 500 with no header that
 * could say more than the verdict did; NULL when not even that.
 */
static struct MHD_Response *
httpfront_response(const struct conf *cf, const struct authz_verdict *v,
    unsigned *status)
{
	struct MHD_Response	*resp;
	char			 body[HTTPFRONT_BODY_MAX];
	size_t			 len = render_http_body(v, body, sizeof(body));

	*status = (unsigned)render_http_status(v);
	resp = MHD_create_response_from_buffer(len, body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp != NULL && render_http_headers(cf, v, httpfront_put,
	    resp) == 0)
		return resp;
	if (resp != NULL)
		MHD_destroy_response(resp);
	*status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	return MHD_create_response_from_buffer(
	    sizeof("500 Internal Server Error\n") - 1,
	    (void *)(uintptr_t)"500 Internal Server Error\n",
	    MHD_RESPMEM_PERSISTENT);
}

void
httpfront_answer(struct httpfront_req *rq, const struct conf *cf,
    const struct authz_verdict *v)
{
	size_t i;

	rq->rq_response = httpfront_response(cf, v, &rq->rq_status);
	/* The credentials, where libmicrohttpd read them (docs/security.md,
	 * Secrets). */
	for (i = 0; i < rq->rq_nheaders; i++)
		if (fwdauth_is_secret(rq->rq_headers[i].fh_name))
			sodium_memzero((char *)(uintptr_t)
			    rq->rq_headers[i].fh_value,
			    strlen(rq->rq_headers[i].fh_value));
	MHD_resume_connection(rq->rq_conn);
}

struct httpfront *
httpfront_start(int listen_fd, struct connloop *loop,
    const struct httpfront_limits *lim)
{
	struct httpfront	*hf;
	int			 fl;

	if ((hf = calloc(1, sizeof(*hf))) == NULL) {
		log_warnx("out of memory");
		return NULL;
	}
	hf->hf_loop = loop;
	/* Shared with the supervisor, as the FastCGI socket is. */
	if ((fl = fcntl(listen_fd, F_GETFL)) == -1 ||
	    fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		log_warn("the HTTP listening socket");
		free(hf);
		return NULL;
	}
	/* The listener's thread takes its name from the thread that
	 * starts it. */
	proc_thread_name("authzd-http");
	hf->hf_daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL, httpfront_handle, hf,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)lim->hl_max_conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)lim->hl_idle_sec,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPFRONT_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, httpfront_completed, hf,
	    MHD_OPTION_END);
	proc_thread_name("fcgi-authzd");
	if (hf->hf_daemon == NULL) {
		log_warnx("cannot start the HTTP listener");
		free(hf);
		return NULL;
	}
	return hf;
}

void
httpfront_quiesce(struct httpfront *hf)
{
	if (hf != NULL)
		(void)MHD_quiesce_daemon(hf->hf_daemon);
}

void
httpfront_stop(struct httpfront *hf)
{
	if (hf == NULL)
		return;
	MHD_stop_daemon(hf->hf_daemon);
	free(hf);
}

unsigned
httpfront_connections(struct httpfront *hf)
{
	const union MHD_DaemonInfo *di;

	if (hf == NULL || (di = MHD_get_daemon_info(hf->hf_daemon,
	    MHD_DAEMON_INFO_CURRENT_CONNECTIONS)) == NULL)
		return 0;
	return di->num_connections;
}
