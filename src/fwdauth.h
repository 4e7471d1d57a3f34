/*
 * HTTP forward-auth request headers to request facts (docs/servers.md,
 * HTTP forward auth).  A proxy in front of the application (Caddy's
 * forward_auth, Traefik's forwardAuth, HAProxy, nginx's auth_request with
 * proxy_pass) asks with a request of its own and describes the client's
 * in headers.  Pure, as facts.h is for FastCGI params: no sockets, no
 * HTTP library, so that it can be tested and fuzzed alone.
 */
#ifndef AUTHZ_FWDAUTH_H
#define AUTHZ_FWDAUTH_H

#include <stddef.h>
#include <time.h>

#include "authz.h"
#include "defaults.h"

/* One header line as received: name (any case) and value. */
struct fwdauth_header {
	const char	*fh_name;
	const char	*fh_value;
};

/*
 * Room for the X-Forwarded-For lines joined into one list (RFC 9110
 * 5.3), and one byte past AUTHZ_XFF_MAX, so that a longer list stays
 * longer than that (the client's address is then unknown).
 */
struct fwdauth_buf {
	char	fb_xff[AUTHZ_XFF_MAX + 2];
};

/*
 * Whether fwdauth_facts() reads a header of this name (any case): an
 * HTTP front end keeps only those, however many others come.
 */
int	fwdauth_reads(const char *name);

/* Authorization, whose value a front end wipes once it is decided. */
int	fwdauth_is_secret(const char *name);

/*
 * Fills *f from the n headers of one request.  peer is the proxy's
 * address as text, NULL on a unix socket; peer_trusted says whether it
 * may describe a client: in [server] http_trusted, or on a unix socket,
 * whose permissions decide who connects.  An untrusted peer's headers
 * are not read at all (af_untrusted_peer).
 *
 * The client's request comes from X-Forwarded-Method and X-Forwarded-Uri
 * (Caddy, Traefik, the HAProxy recipe) or X-Original-Method and
 * X-Original-URI (nginx): one family, not both, since a proxy sets its
 * own and passes the client's others on (af_bad_params); none of them
 * repeated.  X-Forwarded-For lines are joined in order; a repeated
 * Authorization sets af_dup_authorization.
 * The pointers in *f point into the headers and into buf.
 */
void	fwdauth_facts(const struct fwdauth_header *, size_t n,
	    const char *peer, int peer_trusted, time_t now,
	    struct fwdauth_buf *buf, struct authz_facts *f);

#endif
