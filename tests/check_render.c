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
 * answers"), from hand-built verdicts: the decision that leads to each
 * one is check_authz.c's.  render_verdict() reads only the realm and
 * whether tokens exist from the snapshot, so the tests build a struct
 * conf with those two and a users file loaded from a mkdtemp()
 * directory.
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

static Suite *
render_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("render");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_ok);
	tcase_add_test(tc, test_render_challenges);
	tcase_add_test(tc, test_render_same_401);
	tcase_add_test(tc, test_render_retry_after);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_render_tiny);
	tcase_add_test(tc, test_render_internal);
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
