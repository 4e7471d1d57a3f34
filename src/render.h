/*
 * A verdict to the FastCGI answer.  Pure, as facts.h is on the way in.
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

#endif
