/*
 * The edges: request threads answering on the FastCGI socket and for the
 * HTTP forward-auth listener (httpfront.h),
 * the configuration snapshot they share, reload on SIGHUP, a watchdog for
 * connections that hold a worker too long and for log lines a worker
 * holds back (log.h, log_buf), and a clean stop on SIGTERM.
 * The only module that links libfcgi.
 */
#ifndef AUTHZ_SERVER_H
#define AUTHZ_SERVER_H

struct conf;
struct listen_set;
struct throttle;

/*
 * Serves FastCGI on ls's FastCGI sockets and HTTP forward auth on its
 * HTTP one (one at least), with conf (ownership passes to the server)
 * until SIGTERM or SIGINT; SIGHUP reloads conf_path.  Every snapshot
 * borrows throttle (NULL: none), the table opened at start-up.  Returns
 * the exit status.
 */
int	server_run(const struct listen_set *ls, struct conf *conf,
	    const char *conf_path, struct throttle *throttle);

#endif
