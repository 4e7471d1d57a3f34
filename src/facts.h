/*
 * FastCGI params to request facts.  Pure functions over a CGI-style
 * environment ("NAME=value" strings), so that they can be tested and
 * fuzzed without a socket.
 */
#ifndef AUTHZ_FACTS_H
#define AUTHZ_FACTS_H

#include "authz.h"

/* FastCGI roles as in the spec's BEGIN_REQUEST (FCGI_RESPONDER...). */
#define FACTS_FCGI_RESPONDER	1
#define FACTS_FCGI_AUTHORIZER	2

/*
 * Fills *f from envp (NULL-terminated).  fcgi_role is the role of the
 * BEGIN_REQUEST record.  A param given twice resolves to the first, as
 * libfcgi's FCGX_GetParam does (docs/servers.md, What the daemon reads),
 * except HTTP_AUTHORIZATION, which is refused when repeated.  In the
 * RESPONDER role (nginx auth_request) the method and URI come from
 * AUTHZ_ORIGINAL_METHOD and AUTHZ_ORIGINAL_URI, since nginx's own are those
 * of the subrequest.
 * The pointers in *f point into envp.
 */
void	facts_from_params(char *const *envp, int fcgi_role, time_t now,
	    struct authz_facts *f);

/* Overwrites the values of HTTP_AUTHORIZATION and REMOTE_PASSWD in envp
 * (every copy) with zeros. */
void	facts_wipe_secrets(char **envp);

#endif
