/*
 * The decision, step by step as docs/architecture.md, "One request":
 * path, rule, networks, public/deny, (throttle), authenticate, authorize.
 * Each step either settles the verdict or hands on to the next one.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "authcache.h"
#include "authz.h"
#include "canon.h"
#include "conf.h"
#include "httpauth.h"
#include "monoclock.h"
#include "pwcheck.h"
#include "recent.h"
#include "text.h"
#include "throttle.h"
#include "users.h"

static const char *const authz_reason_names[] = {
	[AUTHZ_R_OK] = "ok",
	[AUTHZ_R_PUBLIC] = "public",
	[AUTHZ_R_NO_CREDENTIALS] = "no_credentials",
	[AUTHZ_R_MALFORMED] = "malformed",
	[AUTHZ_R_UNKNOWN_USER] = "unknown_user",
	[AUTHZ_R_BAD_PASSWORD] = "bad_password",
	[AUTHZ_R_DISABLED] = "disabled",
	[AUTHZ_R_EXPIRED] = "expired",
	[AUTHZ_R_BAD_TOKEN] = "bad_token",
	[AUTHZ_R_ROLE] = "role",
	[AUTHZ_R_NETWORK] = "network",
	[AUTHZ_R_DENY_RULE] = "deny_rule",
	[AUTHZ_R_THROTTLED] = "throttled",
	[AUTHZ_R_BUSY] = "busy",
	[AUTHZ_R_BAD_PATH] = "bad_path",
	[AUTHZ_R_INTERNAL] = "internal",
};
_Static_assert(sizeof(authz_reason_names) / sizeof(authz_reason_names[0]) ==
    AUTHZ_R_COUNT, "a name for every reason");

/* The rule used when none matches; its name appears in logs. */
#define AUTHZ_DEFAULT_RULE	"(default)"

/* Who the request turned out to be, between authenticate and authorize. */
struct authz_principal {
	const char	*ap_name;
	const char	*ap_roles_joined;
	char *const	*ap_roles;
	size_t		 ap_nroles;
	int		 ap_is_token;
};

const char *
authz_reason_name(enum authz_reason r)
{
	if ((size_t)r >= sizeof(authz_reason_names) /
	    sizeof(authz_reason_names[0]) || authz_reason_names[r] == NULL)
		return "internal";
	return authz_reason_names[r];
}

static void
authz_set(struct authz_verdict *v, int status, enum authz_reason reason,
    enum authz_challenge ch)
{
	v->av_status = status;
	v->av_reason = reason;
	v->av_challenge = ch;
}

static void
authz_copy(char *dst, size_t dstsz, const char *src)
{
	size_t len = src != NULL ? strlen(src) : 0;

	if (len >= dstsz)
		len = dstsz - 1;
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Takes the right-most entry off the list buf[0..*len).  Returns 1 with
 * it in *addr, 0 if the list is empty, -1 if the entry is not an
 * address.
 */
static int
authz_pop_forwarded(char *buf, size_t *len, struct netaddr *addr)
{
	char *end = buf + *len, *start;

	while (end > buf && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == buf)
		return 0;
	*end = '\0';
	start = strrchr(buf, ',');
	*len = start != NULL ? (size_t)(start - buf) : 0;
	start = start != NULL ? start + 1 : buf;
	while (*start == ' ' || *start == '\t')
		start++;
	return netaddr_parse(start, addr) == -1 ? -1 : 1;
}

/*
 * Walks an X-Forwarded-For list from the right while the address in
 * hand is in trusted: the client is the first that is not (entries
 * further left are whatever the client chose to send), or, if they all
 * are, the left-most one.  The address in hand is *addr (the peer), or
 * with from_list the list's right-most entry.  Returns 1 with the client
 * in *addr, 0 if an entry is not an address, the list is too long, or
 * from_list and it is empty.
 */
static int
authz_walk_forwarded(const struct netcidr *trusted, size_t ntrusted,
    const char *xff, int from_list, struct netaddr *addr)
{
	char	buf[AUTHZ_XFF_MAX + 1];
	size_t	len;

	if ((len = strlen(xff)) > AUTHZ_XFF_MAX)
		return 0;
	memcpy(buf, xff, len + 1);
	if (from_list && authz_pop_forwarded(buf, &len, addr) != 1)
		return 0;
	while (netcidr_list_contains(trusted, ntrusted, addr)) {
		switch (authz_pop_forwarded(buf, &len, addr)) {
		case 0:
			return 1;	/* ran out: the last proxy is the client */
		case -1:
			return 0;	/* garbage where an address must be */
		}
	}
	return 1;
}

/*
 * The client.  Over FastCGI: REMOTE_ADDR, or with a trusted proxy in
 * front, the walk of X-Forwarded-For past trusted_proxies.  Over HTTP
 * the peer is always a proxy (fwdauth.h): the client is the walk of
 * X-Forwarded-For past http_trusted, and without one it is unknown, not
 * the proxy, so that no network rule takes the proxy for its clients.
 * Returns 1 if the address is known.
 */
static int
authz_client_addr(const struct conf *cf, const struct authz_facts *f,
    struct netaddr *addr)
{
	if (f->af_role == AUTHZ_ROLE_HTTP)
		return f->af_forwarded_for != NULL &&
		    authz_walk_forwarded(cf->cf_http_trusted,
		    cf->cf_nhttp_trusted, f->af_forwarded_for, 1, addr);
	if (f->af_remote_addr == NULL ||
	    netaddr_parse(f->af_remote_addr, addr) == -1)
		return 0;
	if (cf->cf_ntrusted_proxies == 0 || f->af_forwarded_for == NULL)
		return 1;
	return authz_walk_forwarded(cf->cf_trusted_proxies,
	    cf->cf_ntrusted_proxies, f->af_forwarded_for, 0, addr);
}

/*
 * Refuses a disabled or expired account with 401.  Returns 1 if it did.
 */
static int
authz_account_refused(const struct user *us, time_t now,
    enum authz_challenge ch, struct authz_verdict *v)
{
	if (us->us_disabled) {
		authz_set(v, 401, AUTHZ_R_DISABLED, ch);
		return 1;
	}
	if (users_is_expired(us->us_expires, now)) {
		authz_set(v, 401, AUTHZ_R_EXPIRED, ch);
		return 1;
	}
	return 0;
}

static void
authz_principal_user(struct authz_principal *who, const struct user *us)
{
	who->ap_name = us->us_name;
	who->ap_roles = us->us_roles;
	who->ap_nroles = us->us_nroles;
	who->ap_roles_joined = us->us_roles_joined;
}

/* Step 6 for a Bearer token. */
static void
authz_bearer(const struct conf *cf, const struct authz_facts *f,
    const struct httpauth_cred *cred, struct authz_verdict *v,
    struct authz_principal *who)
{
	uint8_t			 digest[AUTHZ_TOKEN_DIGEST_LEN];
	const struct token	*tk;

	v->av_auth_type = "Bearer";
	crypto_generichash(digest, sizeof(digest),
	    (const unsigned char *)cred->hc_token, cred->hc_token_len, NULL, 0);
	tk = users_find_token(cf->cf_users, digest);
	sodium_memzero(digest, sizeof(digest));
	if (tk == NULL) {
		authz_set(v, 401, AUTHZ_R_BAD_TOKEN, AUTHZ_CH_BAD_TOKEN);
		return;
	}
	authz_copy(v->av_user, sizeof(v->av_user), tk->tk_user->us_name);
	if (authz_account_refused(tk->tk_user, f->af_now, AUTHZ_CH_BAD_TOKEN,
	    v))
		return;
	if (users_is_expired(tk->tk_expires, f->af_now)) {
		authz_set(v, 401, AUTHZ_R_EXPIRED, AUTHZ_CH_BAD_TOKEN);
		return;
	}
	who->ap_name = tk->tk_user->us_name;
	who->ap_roles = tk->tk_roles;
	who->ap_nroles = tk->tk_nroles;
	who->ap_roles_joined = tk->tk_roles_joined;
	who->ap_is_token = 1;
	v->av_status = 0;
}

/* A renewal under way: where its result goes. */
struct authz_renewal {
	struct authcache	*ar_cache;	/* a reference of its own */
	uint8_t			 ar_key[AUTHCACHE_KEYLEN];
	struct recent		*ar_recent;	/* the same; NULL: none */
	struct recent_key	 ar_rkey;
};

/*
 * On a hashing thread: the password verified again (or not), which the
 * cache and the recent successes learn.  Not part of the decision, and
 * later than its request: it reads the clock itself.
 */
static void
authz_renewed(void *arg, int result)
{
	struct authz_renewal	*ar = arg;
	uint64_t		 now = monoclock_now();

	if (result == 1) {
		authcache_insert(ar->ar_cache, ar->ar_key, now);
		if (ar->ar_recent != NULL)
			recent_insert(ar->ar_recent, &ar->ar_rkey, now);
	} else if (result == 0) {	/* only a changed hash function could */
		authcache_forget(ar->ar_cache, ar->ar_key);
		if (ar->ar_recent != NULL)
			recent_forget(ar->ar_recent, &ar->ar_rkey);
	}
	authcache_free(ar->ar_cache);
	recent_free(ar->ar_recent);
	sodium_memzero(ar, sizeof(*ar));
	free(ar);
}

/*
 * The cache asked for its entry to be renewed (authcache.h): verify the
 * password again in the background, so that no request waits for it.
 * When the pool takes no more, the entry stays as it is and the cache
 * asks again later.
 */
static void
authz_renew(const struct authz_services *sv, const struct user *us,
    const struct httpauth_cred *cred, const uint8_t key[AUTHCACHE_KEYLEN])
{
	struct authz_renewal *ar;

	if ((ar = calloc(1, sizeof(*ar))) == NULL)
		return;
	ar->ar_cache = authcache_ref(sv->as_cache);
	memcpy(ar->ar_key, key, AUTHCACHE_KEYLEN);
	if ((ar->ar_recent = recent_ref(sv->as_recent)) != NULL)
		recent_key(ar->ar_recent, us->us_name, us->us_hash,
		    cred->hc_password, cred->hc_password_len, &ar->ar_rkey);
	if (pwcheck_renew(sv->as_pwcheck, us->us_hash, cred->hc_password,
	    cred->hc_password_len, authz_renewed, ar) == -1)
		authz_renewed(ar, -1);
}

/* How long a success keeps its tag (recent.h): several cache ttls. */
static unsigned
authz_recent_lifetime(const struct conf *cf)
{
	return cf->cf_cache_ttl * AUTHZ_RECENT_TTLS;
}

/*
 * Verifies a known user's password.  One that verified within the
 * recent successes' lifetime may take a reserved hashing place, which a
 * flood of wrong passwords cannot fill (recent.h); it is verified in full
 * all the same, and only a success stores (or renews) its tag.  Returns
 * as pwcheck_verify_timed.
 */
static int
authz_verify_known(const struct conf *cf, const struct authz_services *sv,
    const struct user *us, const struct httpauth_cred *cred, uint64_t now,
    struct pwcheck_timing *pt)
{
	struct recent_key	rk;
	int			recent = 0, ok;

	if (sv->as_recent == NULL)
		return pwcheck_verify_timed(sv->as_pwcheck, us->us_hash,
		    cred->hc_password, cred->hc_password_len, pt);
	recent_key(sv->as_recent, us->us_name, us->us_hash, cred->hc_password,
	    cred->hc_password_len, &rk);
	recent = recent_lookup(sv->as_recent, &rk, now,
	    authz_recent_lifetime(cf));
	if (recent)
		ok = pwcheck_verify_reserved(sv->as_pwcheck, us->us_hash,
		    cred->hc_password, cred->hc_password_len, pt);
	else
		ok = pwcheck_verify_timed(sv->as_pwcheck, us->us_hash,
		    cred->hc_password, cred->hc_password_len, pt);
	if (ok == 1)
		recent_insert(sv->as_recent, &rk, now);
	else if (ok == 0 && recent)	/* only a changed hash function could */
		recent_forget(sv->as_recent, &rk);
	sodium_memzero(&rk, sizeof(rk));
	return ok;
}

/*
 * Verifies a password, through the cache.  Returns 1 if it matches, 0 if
 * not, -1 if no verification could be started (pwcheck_verify).  Sets
 * *cache to what the cache did (authz.h).  now: the request's af_mono.
 */
static int
authz_password_ok(const struct conf *cf, const struct authz_services *sv,
    const struct user *us, const struct httpauth_cred *cred, uint64_t now,
    enum authz_cache *cache, struct pwcheck_timing *pt)
{
	uint8_t		key[AUTHCACHE_KEYLEN];
	int		ok, refresh = 0;

	if (sv->as_cache != NULL) {
		authcache_key(sv->as_cache, us->us_name, us->us_hash,
		    cred->hc_password, cred->hc_password_len, key);
		if (authcache_lookup_refresh(sv->as_cache, key, now,
		    &refresh)) {
			*cache = AUTHZ_CACHE_HIT;
			if (refresh)
				authz_renew(sv, us, cred, key);
			sodium_memzero(key, sizeof(key));
			return 1;
		}
		*cache = AUTHZ_CACHE_MISS;
	}
	ok = authz_verify_known(cf, sv, us, cred, now, pt);
	if (ok == 1 && sv->as_cache != NULL)
		authcache_insert(sv->as_cache, key, now);
	sodium_memzero(key, sizeof(key));
	return ok;
}

/*
 * Every hashing slot is taken (a flood of passwords that need hashing):
 * shed this one at once instead of tying up another request thread
 * (RFC 6585 7.2).  The same for known and unknown users.  Its own
 * reason, not "throttled": the server is overloaded, which is not this
 * client's fault, so nothing that bans clients may count it.
 */
static void
authz_busy(struct authz_verdict *v)
{
	authz_set(v, 429, AUTHZ_R_BUSY, AUTHZ_CH_NONE);
	v->av_retry_after = AUTHZ_BUSY_RETRY_SEC;
}

/*
 * Step 6 for a user name and password.  Unknown users are verified
 * against the dummy hash, and disabled or expired ones against their own
 * hash before they are refused, so that all of them take as long as a
 * wrong password; a refusal after a hash cheaper than the dummy is held
 * back to the dummy's time (av_not_before) (docs/security.md, User
 * enumeration).
 */
static void
authz_basic(const struct conf *cf, const struct authz_services *sv,
    const struct authz_facts *f,
    const struct httpauth_cred *cred, struct authz_verdict *v,
    struct authz_principal *who)
{
	const struct user	*us;
	struct pwcheck_timing	 pt;
	int			 refused, ok;

	v->av_auth_type = "Basic";
	authz_copy(v->av_user, sizeof(v->av_user), cred->hc_user);
	us = users_find(cf->cf_users, cred->hc_user, cred->hc_user_len);
	if (us == NULL) {
		if (pwcheck_verify_dummy(sv->as_pwcheck, cred->hc_password,
		    cred->hc_password_len) == -1)
			authz_busy(v);
		else
			authz_set(v, 401, AUTHZ_R_UNKNOWN_USER, AUTHZ_CH_LOGIN);
		return;
	}
	/*
	 * A refused account never uses the cache: answered from it, the
	 * right password would come back faster than a wrong one.
	 */
	refused = us->us_disabled ||
	    users_is_expired(us->us_expires, f->af_now);
	memset(&pt, 0, sizeof(pt));	/* a cache hit: no verification */
	if (refused)
		ok = pwcheck_verify_timed(sv->as_pwcheck, us->us_hash,
		    cred->hc_password, cred->hc_password_len, &pt);
	else
		ok = authz_password_ok(cf, sv, us, cred, f->af_mono,
		    &v->av_cache, &pt);
	if (ok == -1) {
		authz_busy(v);
		return;
	}
	if (!ok) {
		authz_set(v, 401, AUTHZ_R_BAD_PASSWORD, AUTHZ_CH_LOGIN);
		v->av_not_before = pt.pt_not_before;
		return;
	}
	if (authz_account_refused(us, f->af_now, AUTHZ_CH_LOGIN, v)) {
		v->av_not_before = pt.pt_not_before;
		return;
	}
	authz_principal_user(who, us);
	v->av_status = 0;
}

/*
 * Apache's AUTHORIZER phase: Apache authenticated REMOTE_USER already
 * (perhaps from another provider).  Roles come from our users file; a
 * user we do not know has none, and one we know as disabled or expired
 * is refused as in any other phase.
 */
static void
authz_apache_user(const struct conf *cf, const struct authz_facts *f,
    struct authz_verdict *v, struct authz_principal *who)
{
	const struct user	*us;
	const char		*name = f->af_remote_user;
	size_t			 len = name != NULL ? strlen(name) : 0;
	static char *const	 noroles[] = { NULL };

	if (len == 0) {
		authz_set(v, 401, AUTHZ_R_NO_CREDENTIALS, AUTHZ_CH_LOGIN);
		return;
	}
	if (len > AUTHZ_CRED_USER_MAX || !text_is_clean_utf8(name, len)) {
		authz_set(v, 401, AUTHZ_R_MALFORMED, AUTHZ_CH_LOGIN);
		return;
	}
	authz_copy(v->av_user, sizeof(v->av_user), name);
	v->av_auth_type = "Basic";
	who->ap_name = v->av_user;
	who->ap_roles = noroles;
	who->ap_nroles = 0;
	who->ap_roles_joined = "";
	if ((us = users_find(cf->cf_users, name, len)) != NULL) {
		if (authz_account_refused(us, f->af_now, AUTHZ_CH_LOGIN, v))
			return;
		authz_principal_user(who, us);
	}
	v->av_status = 0;
}

static struct throttle_limits
authz_throttle_limits(const struct conf *cf)
{
	struct throttle_limits lim;

	lim.tl_max_failures = cf->cf_throttle_max_failures;
	lim.tl_window = cf->cf_throttle_window;
	lim.tl_ban = cf->cf_throttle_ban;
	return lim;
}

/*
 * Step 5: a client throttled for the address it comes from, or for the
 * user it names after failing on it, gets 429 before any hashing.
 * Returns 1 if so.
 */
static int
authz_throttled(const struct conf *cf, const struct authz_services *sv,
    const struct netaddr *addr,
    const struct httpauth_cred *cred, uint64_t now, struct authz_verdict *v)
{
	struct throttle_limits	lim = authz_throttle_limits(cf);
	int			basic = cred->hc_scheme == HTTPAUTH_BASIC;
	unsigned		left;

	if (sv->as_throttle == NULL)
		return 0;
	left = throttle_check(sv->as_throttle, &lim, addr,
	    basic ? cred->hc_user : NULL, basic ? cred->hc_user_len : 0, now);
	if (left == 0)
		return 0;
	if (basic)
		authz_copy(v->av_user, sizeof(v->av_user), cred->hc_user);
	v->av_auth_type = basic ? "Basic" : "Bearer";
	authz_set(v, 429, AUTHZ_R_THROTTLED, AUTHZ_CH_NONE);
	v->av_retry_after = left;
	return 1;
}

/*
 * Counts a credential that did not authenticate, known user or not (the
 * throttle must not tell which names exist), with what was wrong, so that
 * the same one repeated counts once.
 */
static void
authz_count_failure(const struct conf *cf, const struct authz_services *sv,
    const struct netaddr *addr,
    const struct httpauth_cred *cred, uint64_t now,
    const struct authz_verdict *v)
{
	struct throttle_limits	lim = authz_throttle_limits(cf);
	int			basic = cred->hc_scheme == HTTPAUTH_BASIC;

	if (sv->as_throttle == NULL || v->av_status != 401)
		return;
	switch (v->av_reason) {
	case AUTHZ_R_UNKNOWN_USER:
	case AUTHZ_R_BAD_PASSWORD:
	case AUTHZ_R_DISABLED:
	case AUTHZ_R_EXPIRED:
	case AUTHZ_R_BAD_TOKEN:
		break;
	default:
		return;
	}
	throttle_fail(sv->as_throttle, &lim, addr,
	    basic ? cred->hc_user : NULL, basic ? cred->hc_user_len : 0,
	    basic ? (const void *)cred->hc_password : (const void *)cred->hc_token,
	    basic ? cred->hc_password_len : cred->hc_token_len, now);
}

/*
 * Step 6.  The Authorization header wins; Apache's pre-decoded
 * REMOTE_USER/REMOTE_PASSWD are used without it (no CGIPassAuth), and
 * only in the AUTHORIZER role: nginx sends an unverified REMOTE_USER.
 */
static void
authz_authenticate(const struct conf *cf, const struct authz_services *sv,
    const struct authz_facts *f,
    const struct netaddr *addr, struct authz_verdict *v,
    struct authz_principal *who)
{
	struct httpauth_cred	cred;
	enum httpauth_result	r;

	if (f->af_role == AUTHZ_ROLE_AUTHORIZER &&
	    f->af_phase == AUTHZ_PHASE_AUTHORIZER) {
		authz_apache_user(cf, f, v, who);
		return;
	}
	if (f->af_dup_authorization)
		r = HTTPAUTH_MALFORMED;
	else if (f->af_authorization != NULL)
		r = httpauth_parse(f->af_authorization, &cred);
	else if (f->af_role == AUTHZ_ROLE_AUTHORIZER &&
	    f->af_remote_user != NULL && f->af_remote_passwd != NULL)
		r = httpauth_from_apache(f->af_remote_user, f->af_remote_passwd,
		    &cred);
	else
		r = HTTPAUTH_ABSENT;
	switch (r) {
	case HTTPAUTH_OK:
		if (authz_throttled(cf, sv, addr, &cred, f->af_mono, v))
			break;
		if (cred.hc_scheme == HTTPAUTH_BEARER)
			authz_bearer(cf, f, &cred, v, who);
		else
			authz_basic(cf, sv, f, &cred, v, who);
		authz_count_failure(cf, sv, addr, &cred, f->af_mono, v);
		break;
	case HTTPAUTH_ABSENT:
	case HTTPAUTH_OTHER_SCHEME:
		authz_set(v, 401, AUTHZ_R_NO_CREDENTIALS, AUTHZ_CH_LOGIN);
		break;
	case HTTPAUTH_MALFORMED:
	default:
		authz_set(v, 401, AUTHZ_R_MALFORMED, AUTHZ_CH_LOGIN);
		break;
	}
	httpauth_cred_wipe(&cred);
}

/*
 * Step 4 for a public rule: 200.  Apache decoded Basic credentials for an
 * authenticator (REMOTE_PASSWD: mod_fcgid, mod_authnz_fcgi's providers)
 * and takes a 200 as "this password is right", with the name the client
 * typed as REMOTE_USER.  Verify them, then.
 */
static void
authz_public(const struct conf *cf, const struct authz_services *sv,
    const struct authz_facts *f,
    const struct netaddr *addr, struct authz_verdict *v,
    struct authz_principal *who)
{
	if (f->af_role == AUTHZ_ROLE_AUTHORIZER &&
	    (f->af_phase == AUTHZ_PHASE_AUTHENTICATOR ||
	    f->af_phase == AUTHZ_PHASE_NONE) &&
	    f->af_remote_passwd != NULL) {
		authz_authenticate(cf, sv, f, addr, v, who);
		if (v->av_status != 0)
			return;
		v->av_roles = who->ap_roles_joined;
	}
	authz_set(v, 200, AUTHZ_R_PUBLIC, AUTHZ_CH_NONE);
}

/* Step 7.  Returns 1 if the principal may pass the rule. */
static int
authz_grants(const struct rule *ru, const struct authz_principal *who)
{
	size_t i;

	if (ru == NULL || ru->ru_access == RULE_AUTHENTICATED)
		return 1;	/* NULL: default = authenticate */
	if (ru->ru_access != RULE_RESTRICTED)
		return 0;
	/* A token acts as its user, so it matches the user list too. */
	for (i = 0; i < ru->ru_nusers; i++)
		if (strcmp(ru->ru_users[i], who->ap_name) == 0)
			return 1;
	for (i = 0; i < ru->ru_nroles; i++)
		if (users_has_role(who->ap_roles, who->ap_nroles,
		    ru->ru_roles[i]))
			return 1;
	return 0;
}

/*
 * Empties a verdict field by field: a memset would clear the 8 KB path
 * buffer on every request, and only its first byte matters.  A field
 * added to struct authz_verdict must be added here.
 */
static void
authz_verdict_reset(struct authz_verdict *v)
{
	v->av_role = AUTHZ_ROLE_OTHER;
	v->av_status = 0;
	v->av_reason = AUTHZ_R_OK;
	v->av_challenge = AUTHZ_CH_NONE;
	v->av_rule = NULL;
	v->av_auth_type = NULL;
	v->av_roles = NULL;
	v->av_retry_after = 0;
	v->av_detail = NULL;
	v->av_cache = AUTHZ_CACHE_UNUSED;
	v->av_not_before = 0;
	v->av_user[0] = '\0';
	v->av_path[0] = '\0';
	v->av_addr[0] = '\0';
	v->av_method[0] = '\0';
}

/* The sanity checks of the request itself: method, URI and path. */
static int
authz_check_target(const struct authz_facts *f, struct authz_verdict *v)
{
	authz_copy(v->av_method, sizeof(v->av_method), f->af_method);
	if (f->af_bad_params || strlen(f->af_method) > AUTHZ_METHOD_MAX ||
	    strlen(f->af_uri) > AUTHZ_URI_MAX) {
		v->av_detail = f->af_bad_detail;
		authz_set(v, 400, AUTHZ_R_BAD_PATH, AUTHZ_CH_NONE);
		return -1;
	}
	if (canon_path(f->af_uri, v->av_path, sizeof(v->av_path)) == -1) {
		v->av_path[0] = '\0';
		authz_set(v, 400, AUTHZ_R_BAD_PATH, AUTHZ_CH_NONE);
		return -1;
	}
	return 0;
}

/*
 * An HTTP forward-auth request (fwdauth.h): from a peer that may describe
 * a client, else 403 (the peer's own address in the log); headers that
 * cannot be told apart, 400; no client's method and URI at all, 500
 * (fail closed: a proxy that sends neither is set up wrong).
 */
static int
authz_check_http(const struct authz_facts *f, struct authz_verdict *v)
{
	const char *why = NULL;

	if (f->af_untrusted_peer) {
		authz_copy(v->av_addr, sizeof(v->av_addr), f->af_remote_addr);
		v->av_detail = "peer not in [server] http_trusted";
		authz_set(v, 403, AUTHZ_R_NETWORK, AUTHZ_CH_NONE);
		return -1;
	}
	if (f->af_bad_params && f->af_method == NULL) {
		v->av_detail = f->af_bad_detail;
		authz_set(v, 400, AUTHZ_R_BAD_PATH, AUTHZ_CH_NONE);
		return -1;
	}
	if (f->af_method == NULL)
		why = "no X-Forwarded-Method or X-Original-Method header "
		    "(see docs/servers.md, HTTP forward auth)";
	else if (f->af_uri == NULL)
		why = "no X-Forwarded-Uri or X-Original-URI header "
		    "(see docs/servers.md, HTTP forward auth)";
	if (why != NULL) {
		v->av_detail = why;
		authz_set(v, 500, AUTHZ_R_INTERNAL, AUTHZ_CH_NONE);
		return -1;
	}
	return authz_check_target(f, v);
}

/* Steps 1 and the sanity checks before any rule is looked at. */
static int
authz_check_request(const struct conf *cf, const struct authz_services *sv,
    const struct authz_facts *f, struct authz_verdict *v)
{
	const char *why = NULL;

	if (cf == NULL || cf->cf_users == NULL || sv == NULL ||
	    sv->as_pwcheck == NULL)
		why = "no configuration loaded";
	else if (f->af_role == AUTHZ_ROLE_OTHER)
		why = "unsupported FastCGI role";
	else if (f->af_phase == AUTHZ_PHASE_UNKNOWN)
		why = "unknown FCGI_APACHE_ROLE";
	else if (f->af_role == AUTHZ_ROLE_HTTP)
		return authz_check_http(f, v);
	else if (f->af_method == NULL)
		why = f->af_role == AUTHZ_ROLE_RESPONDER ?
		    "no AUTHZ_ORIGINAL_METHOD param (see the nginx example)" :
		    "no REQUEST_METHOD param";
	else if (f->af_uri == NULL)
		why = "no REQUEST_URI param";
	if (why != NULL) {
		v->av_detail = why;
		authz_set(v, 500, AUTHZ_R_INTERNAL, AUTHZ_CH_NONE);
		return -1;
	}
	return authz_check_target(f, v);
}

void
authz_decide(const struct conf *cf, const struct authz_services *sv,
    const struct authz_facts *f, struct authz_verdict *v)
{
	const struct rule	*ru;
	struct netaddr		 addr;
	struct authz_principal	 who;
	int			 addr_known;

	authz_verdict_reset(v);
	v->av_role = f->af_role;
	memset(&who, 0, sizeof(who));
	if (authz_check_request(cf, sv, f, v) == -1) {
		/* A bad path is the client's doing: log who sent it (for
		 * fail2ban), as every other denial does. */
		if (v->av_status == 400 && authz_client_addr(cf, f, &addr))
			netaddr_format(&addr, v->av_addr, sizeof(v->av_addr));
		return;
	}
	if ((addr_known = authz_client_addr(cf, f, &addr)))
		netaddr_format(&addr, v->av_addr, sizeof(v->av_addr));

	/* 2: the first rule covering path and method, else the default. */
	ru = rules_index_find(cf->cf_rules_index, v->av_path, f->af_method);
	v->av_rule = ru != NULL ? ru->ru_name : AUTHZ_DEFAULT_RULE;

	/* 3: networks come before credentials are looked at. */
	if (ru != NULL && !rules_network_allows(ru, &addr, addr_known)) {
		authz_set(v, 403, AUTHZ_R_NETWORK, AUTHZ_CH_NONE);
		return;
	}
	/* 4 */
	if ((ru != NULL && ru->ru_access == RULE_DENY) ||
	    (ru == NULL && cf->cf_default == CONF_DEFAULT_DENY)) {
		authz_set(v, 403, AUTHZ_R_DENY_RULE, AUTHZ_CH_NONE);
		return;
	}
	if (ru != NULL && ru->ru_access == RULE_PUBLIC) {
		authz_public(cf, sv, f, addr_known ? &addr : NULL, v, &who);
		return;
	}
	/* Apache's access checker answers for the address only. */
	if (f->af_phase == AUTHZ_PHASE_ACCESS_CHECKER) {
		authz_set(v, 200, AUTHZ_R_OK, AUTHZ_CH_NONE);
		return;
	}
	/* 5 (throttling, once credentials are read) and 6: */
	authz_authenticate(cf, sv, f, addr_known ? &addr : NULL, v, &who);
	if (v->av_status != 0)
		return;
	/* 7 */
	if (!authz_grants(ru, &who)) {
		enum authz_challenge ch = AUTHZ_CH_NONE;

		if (cf->cf_authz_failure == 401)
			ch = AUTHZ_CH_LOGIN;
		else if (who.ap_is_token)
			ch = AUTHZ_CH_SCOPE;
		authz_set(v, cf->cf_authz_failure, AUTHZ_R_ROLE, ch);
		return;
	}
	v->av_roles = who.ap_roles_joined;
	authz_set(v, 200, AUTHZ_R_OK, AUTHZ_CH_NONE);
}
