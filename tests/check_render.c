#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authz.h"
#include "conf.h"
#include "errlist.h"
#include "render.h"
#include "users.h"

/*
 * The FastCGI answer for a verdict (docs/servers.md, "What the daemon
 * answers"), and the HTTP forward-auth one (render_http_*), from
 * hand-built verdicts: the decision that leads to each one is
 * check_authz.c's.  The renders read only the realm and whether tokens
 * exist from the snapshot, so the tests build a struct conf with those
 * two and a users file loaded from a mkdtemp() directory.
 */


#define TREALM		"Test realm"
#define TOKEN		"ci-Zk3q9vTb0xR7mW2pLs4n"

/* Built once in main(), before the runner forks. */
static char	users_text[2][1024];	/* [0]: no tokens, [1]: a token */

/* Per test (checked fixture): [0] without tokens, [1] with one. */
static char		 tdir[64];
static struct users	*tusers[2];
static struct conf	 tconfs[2];

enum { T_NOTOKENS, T_TOKENS };

static void
setup(void)
{
	static char	 realm[] = TREALM;
	struct hashfmt_limits lim = HASHFMT_LIMITS_DEFAULT;
	struct errlist	 errs;
	char		 path[128];
	size_t		 i, len;
	int		 fd;

	check_tmpdir_make(tdir, sizeof(tdir));
	snprintf(path, sizeof(path), "%s/users.ini", tdir);
	for (i = 0; i < NITEMS(tusers); i++) {
		len = strlen(users_text[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
		ck_assert(write(fd, users_text[i], len) == (ssize_t)len);
		ck_assert_int_eq(close(fd), 0);
		errlist_init(&errs);
		tusers[i] = users_load(path, &lim, &errs);
		if (tusers[i] == NULL)
			errlist_print(&errs, stderr);
		errlist_free(&errs);
		ck_assert_ptr_nonnull(tusers[i]);
		memset(&tconfs[i], 0, sizeof(tconfs[i]));
		tconfs[i].cf_realm = realm;
		tconfs[i].cf_users = tusers[i];
	}
	check_tmpdir_remove(tdir);
	ck_assert_uint_eq(users_token_count(tusers[T_TOKENS]), 1);
	ck_assert_uint_eq(users_token_count(tusers[T_NOTOKENS]), 0);
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < NITEMS(tusers); i++) {
		users_free(tusers[i]);
		tusers[i] = NULL;
	}
}

/* A verdict as authz_decide() leaves it, and the snapshot it renders
 * with. */
struct rcase {
	const char	*name;
	int		 conf;		/* T_TOKENS (0 in the table) or not */
	int		 status;
	enum authz_reason reason;
	enum authz_challenge ch;
	const char	*rule;
	const char	*user;		/* NULL: "" */
	const char	*roles;
	const char	*type;
	unsigned	 retry;
};

static const struct rcase r_ok = { .name = "ok", .status = 200,
    .reason = AUTHZ_R_OK, .rule = "admin", .user = "alice",
    .roles = "admin,editor", .type = "Basic" };
static const struct rcase r_deny = { .name = "deny", .status = 401,
    .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
    .rule = "site" };

/* Fills v as c says; the other fields as authz_decide() resets them. */
static struct conf *
tverdict(const struct rcase *c, struct authz_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->av_status = c->status;
	v->av_reason = c->reason;
	v->av_challenge = c->ch;
	v->av_rule = c->rule;
	v->av_roles = c->roles;
	v->av_auth_type = c->type;
	v->av_retry_after = c->retry;
	snprintf(v->av_user, sizeof(v->av_user), "%s",
	    c->user != NULL ? c->user : "");
	return &tconfs[c->conf == 0 ? T_TOKENS : T_NOTOKENS];
}

/* Renders c's verdict into buf. */
static size_t
trender(const struct rcase *c, struct authz_verdict *v, char *buf,
    size_t bufsz)
{
	struct conf	*cf = tverdict(c, v);
	size_t		 n;

	n = render_verdict(cf, v, buf, bufsz);
	ck_assert_msg(n > 0, "%s: render failed", c->name);
	return n;
}

START_TEST(test_render_ok)
{
	static const char want[] =
	    "Status: 200 OK\r\n"
	    "Variable-REMOTE_USER: alice\r\n"
	    "Variable-AUTHZ_ROLES: admin,editor\r\n"
	    "Variable-AUTH_TYPE: Basic\r\n"
	    "Variable-AUTHZ_RULE: admin\r\n"
	    "\r\n";
	static const struct rcase pub = { .name = "public", .status = 200,
	    .reason = AUTHZ_R_PUBLIC, .rule = "health" };
	static const struct rcase tok = { .name = "token", .status = 200,
	    .reason = AUTHZ_R_OK, .rule = "site", .user = "alice",
	    .roles = "editor", .type = "Bearer" };
	struct authz_verdict	v;
	char			buf[4096];
	size_t			n;

	n = trender(&r_ok, &v, buf, sizeof(buf));
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(buf, want);

	n = trender(&pub, &v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Status: 200 OK\r\n"
	    "Variable-AUTHZ_RULE: health\r\n\r\n");

	n = trender(&tok, &v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Status: 200 OK\r\n"
	    "Variable-REMOTE_USER: alice\r\n"
	    "Variable-AUTHZ_ROLES: editor\r\n"
	    "Variable-AUTH_TYPE: Bearer\r\n"
	    "Variable-AUTHZ_RULE: site\r\n\r\n");
}
END_TEST

/*
 * In the RESPONDER role a 200 carries Remote-User, Remote-Groups and
 * Remote-Rule beside the Variable-* lines, empty on a public path:
 * Caddy's forward_auth over FastCGI copies them.  A refusal does not.
 */
START_TEST(test_render_responder)
{
	static const struct rcase pub = { .name = "public", .status = 200,
	    .reason = AUTHZ_R_PUBLIC, .rule = "health" };
	struct authz_verdict	v;
	struct conf		*cf;
	char			buf[4096];

	cf = tverdict(&r_ok, &v);
	v.av_role = AUTHZ_ROLE_RESPONDER;
	ck_assert_uint_gt(render_verdict(cf, &v, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Status: 200 OK\r\n"
	    "Variable-REMOTE_USER: alice\r\n"
	    "Variable-AUTHZ_ROLES: admin,editor\r\n"
	    "Variable-AUTH_TYPE: Basic\r\n"
	    "Variable-AUTHZ_RULE: admin\r\n"
	    "Remote-User: alice\r\n"
	    "Remote-Groups: admin,editor\r\n"
	    "Remote-Rule: admin\r\n\r\n");
	cf = tverdict(&pub, &v);
	v.av_role = AUTHZ_ROLE_RESPONDER;
	ck_assert_uint_gt(render_verdict(cf, &v, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Status: 200 OK\r\n"
	    "Variable-AUTHZ_RULE: health\r\n"
	    "Remote-User: \r\n"
	    "Remote-Groups: \r\n"
	    "Remote-Rule: health\r\n\r\n");
	cf = tverdict(&r_deny, &v);
	v.av_role = AUTHZ_ROLE_RESPONDER;
	ck_assert_uint_gt(render_verdict(cf, &v, buf, sizeof(buf)), 0);
	ck_assert_ptr_null(strstr(buf, "Remote-"));
}
END_TEST

START_TEST(test_render_challenges)
{
	static const char basic[] = "WWW-Authenticate: Basic realm=\""
	    TREALM "\", charset=\"UTF-8\"\r\n";
	static const char bearer[] = "WWW-Authenticate: Bearer realm=\""
	    TREALM "\"\r\n";
	static const struct rcase none = { .name = "none", .status = 401,
	    .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
	    .rule = "site" };
	static const struct rcase none_nt = { .name = "none, no tokens",
	    .conf = 1, .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	    .ch = AUTHZ_CH_LOGIN, .rule = "site" };
	static const struct rcase badtok = { .name = "bad token",
	    .status = 401, .reason = AUTHZ_R_BAD_TOKEN,
	    .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .type = "Bearer" };
	static const struct rcase scope = { .name = "scope", .status = 403,
	    .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_SCOPE, .rule = "admin",
	    .user = "alice", .type = "Bearer" };
	static const struct rcase role = { .name = "role", .status = 403,
	    .reason = AUTHZ_R_ROLE, .rule = "admin", .user = "carol",
	    .type = "Basic" };
	static const struct rcase net = { .name = "network", .status = 403,
	    .reason = AUTHZ_R_NETWORK, .rule = "internal" };
	static const struct rcase badpath = { .name = "bad path",
	    .status = 400, .reason = AUTHZ_R_BAD_PATH };
	struct authz_verdict	v;
	char			buf[4096];

	trender(&none, &v, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "Status: 401 Unauthorized\r\n", 26) == 0,
	    "%s", buf);
	ck_assert_int_eq(check_hdr_count(buf, basic), 1);
	ck_assert_int_eq(check_hdr_count(buf, bearer), 1);
	ck_assert_int_eq(check_hdr_count(buf, "WWW-Authenticate"), 2);
	ck_assert_int_eq(check_hdr_count(buf, "error="), 0);

	/* Tokens are not enabled: Basic only. */
	trender(&none_nt, &v, buf, sizeof(buf));
	ck_assert_int_eq(check_hdr_count(buf, basic), 1);
	ck_assert_int_eq(check_hdr_count(buf, "WWW-Authenticate"), 1);
	ck_assert_ptr_null(strstr(buf, "Bearer"));

	trender(&badtok, &v, buf, sizeof(buf));
	ck_assert_int_eq(v.av_status, 401);
	ck_assert_int_eq(check_hdr_count(buf,
	    "WWW-Authenticate: Bearer realm=\"" TREALM "\", "
	    "error=\"invalid_token\"\r\n"), 1);
	ck_assert_int_eq(check_hdr_count(buf, basic), 1);
	/* nginx passes on only the first WWW-Authenticate: Bearer's. */
	ck_assert(strstr(buf, "error=\"invalid_token\"") < strstr(buf, basic));

	trender(&scope, &v, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "Status: 403 Forbidden\r\n", 23) == 0,
	    "%s", buf);
	ck_assert_int_eq(check_hdr_count(buf,
	    "WWW-Authenticate: Bearer realm=\"" TREALM "\", "
	    "error=\"insufficient_scope\"\r\n"), 1);
	ck_assert_int_eq(check_hdr_count(buf, "WWW-Authenticate"), 1);

	/* 403 for a password user, a network or a bad path: no challenge. */
	trender(&role, &v, buf, sizeof(buf));
	ck_assert_int_eq(v.av_status, 403);
	ck_assert_ptr_null(strstr(buf, "WWW-Authenticate"));
	trender(&net, &v, buf, sizeof(buf));
	ck_assert_int_eq(v.av_status, 403);
	ck_assert_ptr_null(strstr(buf, "WWW-Authenticate"));
	trender(&badpath, &v, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "Status: 400 Bad Request\r\n", 25) == 0,
	    "%s", buf);
	ck_assert_ptr_null(strstr(buf, "WWW-Authenticate"));
}
END_TEST

/*
 * docs/security.md, User enumeration: unknown user, wrong password,
 * disabled and expired accounts get the same 401.  The renders must be
 * byte for byte the same, whatever the reason and user in the verdict.
 */
START_TEST(test_render_same_401)
{
	static const struct rcase cases[] = {
		{ .name = "unknown", .status = 401,
		  .reason = AUTHZ_R_UNKNOWN_USER, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site", .user = "nobody", .type = "Basic" },
		{ .name = "wrong", .status = 401,
		  .reason = AUTHZ_R_BAD_PASSWORD, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site", .user = "alice", .type = "Basic" },
		{ .name = "disabled", .status = 401,
		  .reason = AUTHZ_R_DISABLED, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site", .user = "dave", .type = "Basic" },
		{ .name = "expired", .status = 401,
		  .reason = AUTHZ_R_EXPIRED, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site", .user = "erin", .type = "Basic" },
		{ .name = "none", .status = 401,
		  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site" },
	};
	struct authz_verdict	v;
	char			first[4096], buf[4096];
	size_t			i, n0, n;

	n0 = trender(&cases[0], &v, first, sizeof(first));
	ck_assert_int_eq(v.av_reason, AUTHZ_R_UNKNOWN_USER);
	for (i = 1; i < NITEMS(cases); i++) {
		n = trender(&cases[i], &v, buf, sizeof(buf));
		ck_assert_int_eq(v.av_status, 401);
		ck_assert_msg(n == n0 && memcmp(buf, first, n) == 0,
		    "%s differs from unknown:\n%s\n%s", cases[i].name, buf,
		    first);
	}
}
END_TEST

/* 429: Retry-After with the verdict's seconds (RFC 6585 4). */
START_TEST(test_render_retry_after)
{
	static const struct rcase busy = { .name = "busy", .status = 429,
	    .reason = AUTHZ_R_BUSY, .rule = "site", .retry = 7 };
	struct authz_verdict	v;
	char			buf[4096];

	trender(&busy, &v, buf, sizeof(buf));
	ck_assert_msg(strncmp(buf, "Status: 429 Too Many Requests\r\n",
	    31) == 0, "%s", buf);
	ck_assert_int_eq(check_hdr_count(buf, "\r\nRetry-After: 7\r\n"), 1);
	ck_assert_int_eq(check_hdr_count(buf, "WWW-Authenticate"), 0);
	ck_assert_ptr_null(strstr(buf, "Variable-"));
}
END_TEST

START_TEST(test_render_internal)
{
	struct authz_verdict	v;
	struct authz_facts	f;
	char			buf[4096];

	memset(&f, 0, sizeof(f));
	f.af_method = "GET";
	f.af_uri = "/";
	authz_decide(NULL, NULL, &f, &v);
	ck_assert_int_eq(v.av_status, 500);
	ck_assert_uint_gt(render_verdict(NULL, &v, buf, sizeof(buf)), 0);
	ck_assert_msg(strncmp(buf, "Status: 500 Internal Server Error\r\n",
	    35) == 0, "%s", buf);
	ck_assert_ptr_null(strstr(buf, "Variable-"));
	ck_assert_ptr_null(strstr(buf, "WWW-Authenticate"));
}
END_TEST

/* Too small a buffer: 0, whatever the verdict, never a cut response. */
START_TEST(test_render_tiny)
{
	struct authz_verdict	v;
	char			buf[4096], small[4096];
	size_t			n, sz;
	const struct rcase	*cs[2] = { &r_ok, &r_deny };
	const struct conf	*cf = &tconfs[T_TOKENS];
	size_t			i;

	for (i = 0; i < 2; i++) {
		n = trender(cs[i], &v, buf, sizeof(buf));
		ck_assert_uint_eq(render_verdict(cf, &v, small, 0), 0);
		for (sz = 1; sz <= n; sz++)
			ck_assert_msg(render_verdict(cf, &v, small, sz) == 0,
			    "%s: %zu bytes of %zu", cs[i]->name, sz, n);
		ck_assert_uint_eq(render_verdict(cf, &v, small, n + 1), n);
		ck_assert_int_eq(memcmp(small, buf, n), 0);
	}
}
END_TEST

/*
 * A render_put_fn that writes "Name: value\n" for each header, in order,
 * and fails the one numbered fail_at (from 0; -1: none).
 */
struct hdrs {
	char	h_text[4096];
	size_t	h_len;
	int	h_n;		/* puts seen, the failed one included */
	int	h_fail_at;
};

static int
hdrs_put(void *arg, const char *name, const char *value)
{
	struct hdrs	*h = arg;
	int		 n;

	if (h->h_n++ == h->h_fail_at)
		return -1;
	n = snprintf(h->h_text + h->h_len, sizeof(h->h_text) - h->h_len,
	    "%s: %s\n", name, value);
	ck_assert(n > 0 && (size_t)n < sizeof(h->h_text) - h->h_len);
	h->h_len += (size_t)n;
	return 0;
}

/* How many times needle occurs in s. */
static int
count_of(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* The HTTP headers of c's verdict, each put succeeding, into *h. */
static void
thttp(const struct rcase *c, struct authz_verdict *v, struct hdrs *h)
{
	struct conf *cf = tverdict(c, v);

	memset(h, 0, sizeof(*h));
	h->h_fail_at = -1;
	ck_assert_msg(render_http_headers(cf, v, hdrs_put, h) == 0,
	    "%s: render failed", c->name);
}

#define H_PLAIN		"Content-Type: text/plain; charset=utf-8\n" \
			"Cache-Control: no-store\n"
#define H_BASIC		"WWW-Authenticate: Basic realm=\"" TREALM "\", " \
			"charset=\"UTF-8\"\n"

/* A 200: who, which roles and which rule, and never cached. */
START_TEST(test_render_http_ok)
{
	static const struct rcase tok = { .name = "token", .status = 200,
	    .reason = AUTHZ_R_OK, .rule = "site", .user = "alice",
	    .roles = "editor", .type = "Bearer" };
	struct authz_verdict	v;
	struct hdrs		h;
	char			body[64];

	thttp(&r_ok, &v, &h);
	ck_assert_int_eq(render_http_status(&v), 200);
	ck_assert_str_eq(h.h_text,
	    "Remote-User: alice\n"
	    "Remote-Groups: admin,editor\n"
	    "Remote-Rule: admin\n"
	    "Cache-Control: no-store\n");
	ck_assert_int_eq(h.h_n, 4);
	/* A 200 has no body. */
	memset(body, 'x', sizeof(body));
	ck_assert_uint_eq(render_http_body(&v, body, sizeof(body)), 0);
	ck_assert_str_eq(body, "");

	thttp(&tok, &v, &h);
	ck_assert_str_eq(h.h_text,
	    "Remote-User: alice\n"
	    "Remote-Groups: editor\n"
	    "Remote-Rule: site\n"
	    "Cache-Control: no-store\n");
}
END_TEST

/*
 * A 200 with nothing to say still carries the three Remote-* headers,
 * empty, so that a proxy copying them never passes a client's own on.
 */
START_TEST(test_render_http_public)
{
	static const struct rcase cases[] = {
		{ .name = "public", .status = 200, .reason = AUTHZ_R_PUBLIC,
		  .rule = "health" },
		{ .name = "no rule", .status = 200, .reason = AUTHZ_R_OK },
		/* Roles without a user are nobody's. */
		{ .name = "roles, no user", .status = 200,
		  .reason = AUTHZ_R_PUBLIC, .rule = "health",
		  .roles = "admin" },
		{ .name = "user, no roles", .status = 200,
		  .reason = AUTHZ_R_OK, .rule = "site", .user = "carol" },
	};
	static const char *const want[] = {
		"Remote-User: \nRemote-Groups: \nRemote-Rule: health\n"
		"Cache-Control: no-store\n",
		"Remote-User: \nRemote-Groups: \nRemote-Rule: \n"
		"Cache-Control: no-store\n",
		"Remote-User: \nRemote-Groups: \nRemote-Rule: health\n"
		"Cache-Control: no-store\n",
		"Remote-User: carol\nRemote-Groups: \nRemote-Rule: site\n"
		"Cache-Control: no-store\n",
	};
	struct authz_verdict	v;
	struct hdrs		h;
	size_t			i;

	for (i = 0; i < NITEMS(cases); i++) {
		thttp(&cases[i], &v, &h);
		ck_assert_msg(strcmp(h.h_text, want[i]) == 0,
		    "%s:\n%s", cases[i].name, h.h_text);
	}
}
END_TEST

/* The challenges of the FastCGI answer, as headers of their own. */
START_TEST(test_render_http_challenges)
{
	static const struct rcase cases[] = {
		{ .name = "login", .status = 401,
		  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site" },
		{ .name = "login, no tokens", .conf = 1, .status = 401,
		  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
		  .rule = "site" },
		{ .name = "bad token", .status = 401,
		  .reason = AUTHZ_R_BAD_TOKEN, .ch = AUTHZ_CH_BAD_TOKEN,
		  .rule = "site", .type = "Bearer" },
		{ .name = "bad token, no tokens", .conf = 1, .status = 401,
		  .reason = AUTHZ_R_BAD_TOKEN, .ch = AUTHZ_CH_BAD_TOKEN,
		  .rule = "site", .type = "Bearer" },
		{ .name = "scope", .status = 403, .reason = AUTHZ_R_ROLE,
		  .ch = AUTHZ_CH_SCOPE, .rule = "admin", .user = "alice",
		  .type = "Bearer" },
		{ .name = "role", .status = 403, .reason = AUTHZ_R_ROLE,
		  .rule = "admin", .user = "carol", .type = "Basic" },
		{ .name = "network", .status = 403,
		  .reason = AUTHZ_R_NETWORK, .rule = "internal" },
		{ .name = "bad path", .status = 400,
		  .reason = AUTHZ_R_BAD_PATH },
		{ .name = "role, authz_failure 401", .status = 401,
		  .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_LOGIN,
		  .rule = "admin", .user = "bob", .type = "Basic" },
	};
	static const char *const want[] = {
		H_BASIC "WWW-Authenticate: Bearer realm=\"" TREALM "\"\n"
		H_PLAIN,
		H_BASIC H_PLAIN,
		/* nginx passes on only the first: Bearer's. */
		"WWW-Authenticate: Bearer realm=\"" TREALM "\", "
		"error=\"invalid_token\"\n" H_BASIC H_PLAIN,
		H_BASIC H_PLAIN,
		"WWW-Authenticate: Bearer realm=\"" TREALM "\", "
		"error=\"insufficient_scope\"\n" H_PLAIN,
		H_PLAIN,
		H_PLAIN,
		H_PLAIN,
		H_BASIC "WWW-Authenticate: Bearer realm=\"" TREALM "\"\n"
		H_PLAIN,
	};
	struct authz_verdict	 v;
	struct hdrs		 h;
	char			 buf[4096], *p, *q, *w;
	size_t			 i;

	for (i = 0; i < NITEMS(cases); i++) {
		thttp(&cases[i], &v, &h);
		ck_assert_msg(strcmp(h.h_text, want[i]) == 0,
		    "%s:\n%s", cases[i].name, h.h_text);
		ck_assert_int_eq(render_http_status(&v), cases[i].status);
		/* The FastCGI answer's WWW-Authenticate lines, the same. */
		ck_assert_uint_gt(trender(&cases[i], &v, buf, sizeof(buf)),
		    0);
		w = h.h_text;
		for (p = buf; (p = strstr(p, "WWW-Authenticate: ")) != NULL;
		    p = q + 2) {
			q = strstr(p, "\r\n");
			ck_assert_int_eq(strncmp(w, p, (size_t)(q - p)), 0);
			w += q - p;
			ck_assert_int_eq(*w++, '\n');
		}
		ck_assert_int_eq(strncmp(w, "Content-Type", 12), 0);
	}
}
END_TEST

/* 429: Retry-After with the verdict's seconds, before the rest. */
START_TEST(test_render_http_retry_after)
{
	static const struct rcase busy = { .name = "busy", .status = 429,
	    .reason = AUTHZ_R_BUSY, .rule = "site", .retry = 7 };
	static const struct rcase far = { .name = "far", .status = 429,
	    .reason = AUTHZ_R_THROTTLED, .retry = 4294967295U };
	struct authz_verdict	v;
	struct hdrs		h;

	thttp(&busy, &v, &h);
	ck_assert_int_eq(render_http_status(&v), 429);
	ck_assert_str_eq(h.h_text, "Retry-After: 7\n" H_PLAIN);
	thttp(&far, &v, &h);
	ck_assert_str_eq(h.h_text, "Retry-After: 4294967295\n" H_PLAIN);
}
END_TEST

/* The status HTTP has a word for, else 500. */
static const struct {
	int	status;
	int	want;
	const char *body;
} status_cases[] = {
	{ 200, 200, "" },
	{ 400, 400, "400 Bad Request\n" },
	{ 401, 401, "401 Unauthorized\n" },
	{ 403, 403, "403 Forbidden\n" },
	{ 429, 429, "429 Too Many Requests\n" },
	{ 500, 500, "500 Internal Server Error\n" },
	{ 0, 500, "500 Internal Server Error\n" },
	{ 302, 500, "500 Internal Server Error\n" },
	{ 404, 500, "500 Internal Server Error\n" },
	{ 503, 500, "500 Internal Server Error\n" },
	{ -1, 500, "500 Internal Server Error\n" },
};

START_TEST(test_render_http_status)
{
	struct authz_verdict	v;
	struct hdrs		h;
	char			buf[64];

	memset(&v, 0, sizeof(v));
	v.av_status = status_cases[_i].status;
	ck_assert_int_eq(render_http_status(&v), status_cases[_i].want);
	ck_assert_uint_eq(render_http_body(&v, buf, sizeof(buf)),
	    strlen(status_cases[_i].body));
	ck_assert_str_eq(buf, status_cases[_i].body);
	/* No snapshot (nothing loaded): the plain refusal. */
	if (status_cases[_i].want != 200) {
		memset(&h, 0, sizeof(h));
		h.h_fail_at = -1;
		ck_assert_int_eq(render_http_headers(NULL, &v, hdrs_put, &h),
		    0);
		ck_assert_str_eq(h.h_text, v.av_status == 429 ?
		    "Retry-After: 0\n" H_PLAIN : H_PLAIN);
	}
}
END_TEST

/* Too small a buffer for the body: 0, never a cut body. */
START_TEST(test_render_http_body_tiny)
{
	struct authz_verdict	v;
	char			buf[64];
	size_t			n, sz;

	(void)tverdict(&r_deny, &v);
	n = render_http_body(&v, buf, sizeof(buf));
	ck_assert_uint_eq(n, 17);
	ck_assert_str_eq(buf, "401 Unauthorized\n");
	ck_assert_uint_eq(render_http_body(&v, NULL, 0), 0);
	for (sz = 1; sz <= n; sz++)
		ck_assert_msg(render_http_body(&v, buf, sz) == 0,
		    "%zu bytes of %zu", sz, n);
	ck_assert_uint_eq(render_http_body(&v, buf, n + 1), n);
	ck_assert_str_eq(buf, "401 Unauthorized\n");
}
END_TEST

/* A put that fails: -1 at once, whichever header it was. */
START_TEST(test_render_http_put_fails)
{
	static const struct rcase busy = { .name = "busy", .status = 429,
	    .reason = AUTHZ_R_BUSY, .rule = "site", .retry = 7 };
	static const struct rcase badtok = { .name = "bad token",
	    .status = 401, .reason = AUTHZ_R_BAD_TOKEN,
	    .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .type = "Bearer" };
	const struct rcase	*cs[] = { &r_ok, &r_deny, &busy, &badtok };
	struct authz_verdict	 v;
	struct hdrs		 h;
	struct conf		*cf;
	size_t			 i;
	int			 k, all;

	for (i = 0; i < NITEMS(cs); i++) {
		thttp(cs[i], &v, &h);
		all = h.h_n;
		ck_assert_int_ge(all, 3);
		for (k = 0; k < all; k++) {
			cf = tverdict(cs[i], &v);
			memset(&h, 0, sizeof(h));
			h.h_fail_at = k;
			ck_assert_msg(render_http_headers(cf, &v, hdrs_put,
			    &h) == -1, "%s: put %d failed unseen",
			    cs[i]->name, k);
			ck_assert_msg(h.h_n == k + 1, "%s: %d puts after "
			    "put %d failed", cs[i]->name, h.h_n - k - 1, k);
		}
	}
}
END_TEST

/* A realm at its longest: every challenge whole. */
START_TEST(test_render_http_long_realm)
{
	static const struct rcase scope = { .name = "scope", .status = 403,
	    .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_SCOPE, .rule = "admin" };
	static char		 realm[AUTHZ_REALM_MAX + 1];
	static const enum authz_challenge chs[] = {
		AUTHZ_CH_LOGIN, AUTHZ_CH_BAD_TOKEN, AUTHZ_CH_SCOPE
	};
	struct authz_verdict	 v;
	struct hdrs		 h;
	struct conf		*cf;
	size_t			 i;

	memset(realm, 'r', AUTHZ_REALM_MAX);
	for (i = 0; i < NITEMS(chs); i++) {
		cf = tverdict(&scope, &v);
		cf->cf_realm = realm;
		v.av_challenge = chs[i];
		memset(&h, 0, sizeof(h));
		h.h_fail_at = -1;
		ck_assert_int_eq(render_http_headers(cf, &v, hdrs_put, &h),
		    0);
		ck_assert_int_eq(count_of(h.h_text, realm), i == 2 ? 1 : 2);
		ck_assert_int_eq(count_of(h.h_text, "WWW-Authenticate: "),
		    i == 2 ? 1 : 2);
		ck_assert_int_eq(strncmp(h.h_text, "WWW-Authenticate: ",
		    18), 0);
	}
}
END_TEST

static Suite *
render_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("render");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_ok);
	tcase_add_test(tc, test_render_responder);
	tcase_add_test(tc, test_render_challenges);
	tcase_add_test(tc, test_render_same_401);
	tcase_add_test(tc, test_render_retry_after);
	tcase_add_test(tc, test_render_http_ok);
	tcase_add_test(tc, test_render_http_public);
	tcase_add_test(tc, test_render_http_challenges);
	tcase_add_test(tc, test_render_http_retry_after);
	tcase_add_loop_test(tc, test_render_http_status, 0,
	    NITEMS(status_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_tiny);
	tcase_add_test(tc, test_render_internal);
	tcase_add_test(tc, test_render_http_body_tiny);
	tcase_add_test(tc, test_render_http_put_fails);
	tcase_add_test(tc, test_render_http_long_realm);
	suite_add_tcase(s, tc);

	return s;
}

/* One user, and the same with a token (the users file holds its
 * BLAKE2b-256). */
static int
tusers_build(void)
{
	char		 hash[crypto_pwhash_STRBYTES];
	unsigned char	 digest[32];
	char		 hex[65];
	int		 n;

	if (crypto_pwhash_str_alg(hash, "alice-pw", 8, 1, 8192UL * 1024,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	n = snprintf(users_text[0], sizeof(users_text[0]),
	    "[user:alice]\npassword = %s\nroles = admin, editor\n", hash);
	if (n < 0 || (size_t)n >= sizeof(users_text[0]))
		return -1;
	crypto_generichash(digest, sizeof(digest),
	    (const unsigned char *)TOKEN, strlen(TOKEN), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	n = snprintf(users_text[1], sizeof(users_text[1]),
	    "%s\n[token:ci]\nuser = alice\nroles = editor\n"
	    "hash = blake2b:%s\n", users_text[0], hex);
	if (n < 0 || (size_t)n >= sizeof(users_text[1]))
		return -1;
	return 0;
}

int
main(void)
{
	return check_run_prepared(tusers_build, render_suite);
}
