/*
 * The Authorization header: Basic (RFC 7617) and Bearer (RFC 6750).
 * Syntax only; no policy and no lookups here.
 */
#ifndef AUTHZ_HTTPAUTH_H
#define AUTHZ_HTTPAUTH_H

#include <stddef.h>

#include "defaults.h"

enum httpauth_result {
	HTTPAUTH_OK,		/* cred filled in */
	HTTPAUTH_ABSENT,	/* no header, or an empty one */
	HTTPAUTH_OTHER_SCHEME,	/* a well-formed scheme we do not speak */
	HTTPAUTH_MALFORMED	/* anything else: answered with 401 */
};

enum httpauth_scheme {
	HTTPAUTH_NONE,
	HTTPAUTH_BASIC,
	HTTPAUTH_BEARER
};

/*
 * Decoded credentials, in fixed buffers so that they can be wiped.  The
 * strings are NUL-terminated and hold no NUL, no control character (CTL,
 * DEL) and only valid UTF-8 (no overlong forms, no surrogates).
 */
struct httpauth_cred {
	enum httpauth_scheme	hc_scheme;
	char			hc_user[AUTHZ_CRED_USER_MAX + 1];
	size_t			hc_user_len;
	char			hc_password[AUTHZ_PASSWORD_MAX + 1];
	size_t			hc_password_len;
	char			hc_token[AUTHZ_TOKEN_MAX + 1];
	size_t			hc_token_len;
};

/*
 * Parses the value of an Authorization header (NULL means absent).
 *   - The scheme is matched case-insensitively, then exactly one or more
 *     SP, then a token68 ("Basic a, Basic b", as servers merge duplicate
 *     headers, is MALFORMED, as is trailing whitespace).
 *   - The value is capped at AUTHZ_AUTH_HEADER_MAX before any decoding.
 *   - Basic: strict base64 (sodium_base642bin, VARIANT_ORIGINAL, with the
 *     whole input consumed), split at the first ':'; the user-id must not
 *     be empty; user-id and password within their caps, no CTL, valid
 *     UTF-8.
 *   - Bearer: token68 alphabet, within AUTHZ_TOKEN_MAX.
 * Every intermediate buffer is wiped.  On any result other than
 * HTTPAUTH_OK, *cred is wiped.  The caller wipes it with
 * httpauth_cred_wipe() when done.
 */
enum httpauth_result	httpauth_parse(const char *value,
			    struct httpauth_cred *cred)
			    __attribute__((warn_unused_result));

/*
 * Takes credentials Apache decoded itself (REMOTE_USER, REMOTE_PASSWD),
 * with the same checks as for Basic.  Returns HTTPAUTH_OK or
 * HTTPAUTH_MALFORMED (an empty user-id included).
 */
enum httpauth_result	httpauth_from_apache(const char *user,
			    const char *password, struct httpauth_cred *cred)
			    __attribute__((warn_unused_result));

void	httpauth_cred_wipe(struct httpauth_cred *);

#endif
