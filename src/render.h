/*
 * A verdict to the FastCGI answer, or to the HTTP forward-auth answer.
 * Pure, as facts.h and fwdauth.h are on the way in.
 */
#ifndef AUTHZ_RENDER_H
#define AUTHZ_RENDER_H

#include <stddef.h>

#include "authz.h"

struct conf;

/*
 * Writes the FastCGI response (header block and a short body) for the
 * verdict into buf.  The first line is always "Status: <code> <reason>";
 * a 200 carries only Status and Variable-* lines (docs/servers.md, How
 * every server talks).  Returns the length, or 0 if buf is too small (the
 * caller then answers a plain 500).
 */
size_t	render_verdict(const struct conf *, const struct authz_verdict *,
	    char *buf, size_t bufsz);

/* Takes one header of an answer.  0, or -1 when it could not. */
typedef int	(*render_put_fn)(void *arg, const char *name,
		    const char *value);

/*
 * The HTTP forward-auth answer (docs/servers.md, HTTP forward auth): its
 * status (that of the verdict; 500 for one HTTP has no word for), its
 * headers, each given to put in order, and its body.  A 200 carries
 * Remote-User, Remote-Groups (the roles, comma-separated) and
 * Remote-Rule, empty when there is nothing to say, so that a proxy that
 * copies the headers it receives never passes on a client's own; a
 * refusal carries what the FastCGI answer does (the challenge,
 * Retry-After).  render_http_headers returns -1 if put failed;
 * render_http_body returns the length, or 0 if buf is too small.
 */
int	render_http_status(const struct authz_verdict *);
int	render_http_headers(const struct conf *, const struct authz_verdict *,
	    render_put_fn put, void *arg);
size_t	render_http_body(const struct authz_verdict *, char *buf,
	    size_t bufsz);

#endif
