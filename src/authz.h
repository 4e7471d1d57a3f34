/*
 * The decision: request facts in, verdict out.  Pure: no sockets, no
 * libfcgi, no logging.  The daemon and "fcgi-authz explain" both call
 * authz_decide().
 */
#ifndef AUTHZ_AUTHZ_H
#define AUTHZ_AUTHZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "defaults.h"
#include "netaddr.h"

struct authcache;
struct conf;
struct pwcheck;
struct recent;
struct throttle;

enum authz_role {
	AUTHZ_ROLE_AUTHORIZER,	/* FastCGI AUTHORIZER: Apache, lighttpd */
	AUTHZ_ROLE_RESPONDER,	/* FastCGI RESPONDER: nginx auth_request */
	AUTHZ_ROLE_HTTP,	/* HTTP forward auth (fwdauth.h) */
	AUTHZ_ROLE_OTHER	/* FILTER or unknown: refused */
};

enum authz_phase {
	AUTHZ_PHASE_NONE,		/* no FCGI_APACHE_ROLE: whole decision */
	AUTHZ_PHASE_AUTHENTICATOR,
	AUTHZ_PHASE_AUTHORIZER,
	AUTHZ_PHASE_ACCESS_CHECKER,
	AUTHZ_PHASE_UNKNOWN		/* refused */
};

/* What the request says, as the FastCGI or HTTP edge found it.  NULL:
 * absent. */
struct authz_facts {
	enum authz_role	 af_role;
	enum authz_phase af_phase;
	const char	*af_method;
	const char	*af_uri;		/* raw request-target */
	const char	*af_remote_addr;
	const char	*af_forwarded_for;
	const char	*af_authorization;
	const char	*af_remote_user;
	const char	*af_remote_passwd;
	int		 af_bad_params;		/* oversized or unusable */
	const char	*af_bad_detail;		/* why, for the log; or NULL */
	int		 af_untrusted_peer;	/* HTTP: the peer is not in
						   http_trusted */
	int		 af_dup_authorization;	/* merged or repeated header */
	time_t		 af_now;		/* wall clock, for expiry */
	uint64_t	 af_mono;		/* monoclock_now(), for the
						   cache and the throttle */
};

enum authz_reason {
	AUTHZ_R_OK,
	AUTHZ_R_PUBLIC,
	AUTHZ_R_NO_CREDENTIALS,
	AUTHZ_R_MALFORMED,
	AUTHZ_R_UNKNOWN_USER,
	AUTHZ_R_BAD_PASSWORD,
	AUTHZ_R_DISABLED,
	AUTHZ_R_EXPIRED,
	AUTHZ_R_BAD_TOKEN,
	AUTHZ_R_ROLE,
	AUTHZ_R_NETWORK,
	AUTHZ_R_DENY_RULE,
	AUTHZ_R_THROTTLED,
	AUTHZ_R_BUSY,
	AUTHZ_R_BAD_PATH,
	AUTHZ_R_INTERNAL,
	AUTHZ_R_COUNT		/* not a reason: how many there are */
};

enum authz_challenge {
	AUTHZ_CH_NONE,
	AUTHZ_CH_LOGIN,		/* 401: Basic (and Bearer when tokens exist) */
	AUTHZ_CH_BAD_TOKEN,	/* 401: Bearer error="invalid_token" too */
	AUTHZ_CH_SCOPE		/* 403: Bearer error="insufficient_scope" */
};

/* What the verification cache did for a request (for metrics). */
enum authz_cache {
	AUTHZ_CACHE_UNUSED,	/* not asked: no password, cache off, or an
				 * unknown or refused user (authz.c) */
	AUTHZ_CACHE_HIT,	/* answered from it: nothing hashed */
	AUTHZ_CACHE_MISS	/* not in it: hashed (or 429: hashing full) */
};

/* authz_verdict_reset() in authz.c empties every field: add new ones there. */
struct authz_verdict {
	enum authz_role	 av_role;	/* who asked (af_role): how to answer */
	int		 av_status;	/* 200, 400, 401, 403, 429, 500 */
	enum authz_reason av_reason;
	enum authz_challenge av_challenge;
	const char	*av_rule;	/* rule name, "(default)" or NULL */
	const char	*av_auth_type;	/* "Basic", "Bearer" or NULL */
	const char	*av_roles;	/* joined roles, NULL: none */
	unsigned	 av_retry_after;	/* seconds, for 429 */
	const char	*av_detail;	/* why, for a 500; for the log only */
	enum authz_cache av_cache;
	uint64_t	 av_not_before;	/* monoclock_ns(): send a refusal
					   no sooner (pwcheck.h); 0: now */
	char		 av_user[AUTHZ_CRED_USER_MAX + 1]; /* "" if none */
	char		 av_path[AUTHZ_URI_MAX + 2];	/* canonical, or "" */
	char		 av_addr[NETADDR_STRLEN];	/* client, or "" */
	char		 av_method[AUTHZ_METHOD_MAX + 1];
};

/*
 * What a decision uses besides the settings: the runtime parts, which
 * services.c builds for a snapshot and keeps beside it.  authz_decide()
 * reads the pointers; the objects behind them are shared and
 * thread-safe.
 */
struct authz_services {
	struct authcache *as_cache;	/* NULL when [cache] ttl is 0 */
	struct recent	*as_recent;	/* recent successes, for reserved
					   hashing places; NULL with no
					   cache */
	struct pwcheck	*as_pwcheck;	/* dummy hash and limiter */
	struct throttle	*as_throttle;	/* borrowed from the server;
					   NULL: not throttled */
};

/*
 * Decides one request.  conf may be NULL (nothing loaded), and sv NULL or
 * without a pwcheck: 500.  The verdict's pointers point into conf and
 * stay valid while the caller holds conf.  Never fails: every failure is
 * a non-200 verdict.  Reads no clock: the caller sets af_now and
 * af_mono, once per request.
 */
void	authz_decide(const struct conf *, const struct authz_services *sv,
	    const struct authz_facts *, struct authz_verdict *);

/* "ok", "bad_password", ... as in the decision log. */
const char *authz_reason_name(enum authz_reason);

#endif
