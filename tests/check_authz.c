#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authz.h"
#include "conf.h"
#include "errlist.h"
#include "hashfmt.h"
#include "hashpool.h"
#include "monoclock.h"
#include "pwcheck.h"
#include "recent.h"
#include "render.h"
#include "services.h"
#include "users.h"

/*
 * The whole decision table (docs/architecture.md, "One request", and
 * docs/servers.md, "What the daemon answers"), driven through
 * authz_decide() and render_verdict() with hand-built facts.  Config and
 * users files are written at run time into a mkdtemp() directory, loaded,
 * and removed again at once.  Hashes are argon2id with t=1, m=8M, and the
 * config asks for the same costs, so that the dummy hash of unknown users
 * is as cheap as a real one.
 */

#define TREALM		"Test realm"
#define TADDR_OUTSIDE	"203.0.113.9"	/* in no rule's networks */
#define TPROXY		"192.0.2.1"	/* trusted_proxies in CF_PROXY* */
#define THTTP_PEER	"127.0.0.1"	/* a forward-auth proxy, trusted */
#define THTTP_STRANGER	"198.51.100.7"	/* a peer not in http_trusted */
#define TBAD_DETAIL	"test: unusable headers"	/* af_bad_detail */

#define TH_OPSLIMIT	1ULL
#define TH_MEMLIMIT	(8192UL * 1024)

/* Basic credentials: "basic:" is encoded to "Basic <base64>". */
#define ALICE		"basic:alice:alice-pw"	/* admin, editor */
#define BOB		"basic:bob:bob-pw"	/* editor */
#define CAROL		"basic:carol:carol-pw"	/* no roles */
#define ROOT		"basic:root:root-pw"	/* no roles; admin's users */
#define DAVE		"basic:dave:dave-pw"	/* admin, disabled */
#define ERIN		"basic:erin:erin-pw"	/* admin, expired 2001-01-01 */
#define FRANK		"basic:frank:frank-pw"	/* editor, expires 2999-12-31 */
#define GINA_PW		"pa:ss w\xc3\xb6rd"
#define GINA		"basic:gina:" GINA_PW	/* editor */

/* Bearer tokens (the users file holds their BLAKE2b-256). */
#define TOK_CI		"ci-Zk3q9vTb0xR7mW2pLs4n"	/* alice, editor only */
#define TOK_OLD		"old-Hq8dN2cV5yJ1tK6aUe3r"	/* alice, expired */
#define TOK_DIS		"dis-Pm4wB7gZ0sX9fC2hQy5k"	/* dave (disabled) */
#define TOK_GONE	"gone-Tn6rE1jW8vA3bL0mYd7s"	/* erin (expired) */
#define TOK_BOB		"bob-Wx2cF5kR9pH4zN7gSa1v"	/* bob, every role */

/* Expiry "2001-01-01" is valid through that day, UTC. */
#define ERIN_LAST_SECOND	((time_t)978393599)

enum tconf_id {
	CF_MAIN,
	CF_NOTOKENS,	/* the same rules; users file without tokens */
	CF_LOOSE,	/* /admin roles = admin, then / authenticated */
	CF_AUTHN,	/* default = authenticate */
	CF_401,		/* authz_failure = 401 */
	CF_NOCACHE,	/* [cache] ttl = 0 */
	CF_PROXY,	/* trusted_proxies = TPROXY */
	CF_PROXY2,	/* trusted_proxies = TPROXY, 10.0.0.0/8 */
	CF_NOPW,	/* no services, as "fcgi-authzd -t" loads */
	CF_HTTP,	/* http_trusted = loopback, 10.0.0.0/8 */
	CF_HTTP_NONE,	/* http_trusted = (nothing) */
	CF_COUNT
};

static const char rules_main[] =
    "[rule:health]\n"
    "path = =/healthz\n"
    "methods = GET\n"
    "access = public\n"
    "\n"
    "[rule:lan-public]\n"
    "path = /lan\n"
    "access = public\n"
    "networks = 10.0.0.0/8\n"
    "\n"
    "[rule:blocked]\n"
    "path = /blocked\n"
    "access = deny\n"
    "\n"
    "[rule:admin]\n"
    "path = /admin\n"
    "roles = admin\n"
    "users = root\n"
    "\n"
    "[rule:internal]\n"
    "path = /internal\n"
    "access = authenticated\n"
    "networks = 10.0.0.0/8, ::1\n"
    "\n"
    "[rule:upload]\n"
    "path = /upload\n"
    "methods = POST, PUT\n"
    "roles = editor\n"
    "\n"
    "[rule:upload-read]\n"
    "path = /upload\n"
    "methods = GET\n"
    "access = public\n"
    "\n"
    "[rule:site]\n"
    "path = /site\n"
    "access = authenticated\n";

static const char rules_loose[] =
    "[rule:admin]\n"
    "path = /admin\n"
    "roles = admin\n"
    "\n"
    "[rule:root]\n"
    "path = /\n"
    "access = authenticated\n";

struct tconf_spec {
	const char	*server;	/* extra [server] lines */
	unsigned	 ttl;		/* [cache] ttl */
	const char	*rules;
	int		 tokens;	/* users file with [token:...] */
	int		 nosvc;		/* no services_prepare() */
};

static const struct tconf_spec tconf_specs[CF_COUNT] = {
	[CF_MAIN] = { "default = deny\nauthz_failure = 403\n", 300,
	    rules_main, 1, 0 },
	[CF_NOTOKENS] = { "", 300, rules_main, 0, 0 },
	[CF_LOOSE] = { "", 300, rules_loose, 1, 0 },
	[CF_AUTHN] = { "default = authenticate\n", 300, rules_main, 1, 0 },
	[CF_401] = { "authz_failure = 401\n", 300, rules_main, 1, 0 },
	[CF_NOCACHE] = { "", 0, rules_main, 1, 0 },
	[CF_PROXY] = { "trusted_proxies = " TPROXY "\n", 300, rules_main,
	    1, 0 },
	[CF_PROXY2] = { "trusted_proxies = " TPROXY ", 10.0.0.0/8\n", 300,
	    rules_main, 1, 0 },
	[CF_NOPW] = { "", 300, rules_main, 1, 1 },
	[CF_HTTP] = { "http_trusted = 127.0.0.0/8, ::1, 10.0.0.0/8\n", 300,
	    rules_main, 1, 0 },
	[CF_HTTP_NONE] = { "http_trusted =\n", 300, rules_main, 1, 0 },
};

/* Built once in main(), before the runner forks. */
static char	users_text[2][8192];	/* [0]: no tokens, [1]: tokens */
static char	alice_hash[crypto_pwhash_STRBYTES];

/* Per test (checked fixture). */
static char	tdir[64];
static struct conf *tconfs[CF_COUNT];
static struct authz_services tsvcs[CF_COUNT];

static void
tfile_write(const char *name, const char *text)
{
	char	path[128];
	size_t	len = strlen(text);
	int	fd;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_msg(fd != -1, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	ck_assert_int_eq(close(fd), 0);
}

static void
tfile_remove(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	(void)unlink(path);
}

/* Writes, loads and removes one configuration; the snapshot stays. */
static struct conf *
tconf(enum tconf_id id)
{
	const struct tconf_spec	*sp = &tconf_specs[id];
	struct errlist		 errs;
	char			 text[4096], path[128];

	if (tconfs[id] != NULL)
		return tconfs[id];
	snprintf(text, sizeof(text),
	    "[server]\n"
	    "users = users.ini\n"
	    "realm = " TREALM "\n"
	    "%s"
	    "\n"
	    "[hashing]\n"
	    "max_concurrent = 2\n"
	    "opslimit = 1\n"
	    "memlimit = 8M\n"
	    "\n"
	    "[cache]\n"
	    "ttl = %u\n"
	    "entries = 128\n"
	    "\n"
	    "%s", sp->server, sp->ttl, sp->rules);
	tfile_write("authz.ini", text);
	tfile_write("users.ini", users_text[sp->tokens]);
	snprintf(path, sizeof(path), "%s/authz.ini", tdir);
	errlist_init(&errs);
	tconfs[id] = conf_load(path, 0, &errs);
	if (tconfs[id] != NULL && !sp->nosvc &&
	    services_prepare(&tsvcs[id], tconfs[id], NULL, NULL, &errs) == -1) {
		services_free(&tsvcs[id]);
		conf_free(tconfs[id]);
		tconfs[id] = NULL;
	}
	if (tconfs[id] == NULL)
		errlist_print(&errs, stderr);
	errlist_free(&errs);
	tfile_remove("authz.ini");
	tfile_remove("users.ini");
	ck_assert_msg(tconfs[id] != NULL, "config %d did not load", id);
	return tconfs[id];
}

/* The services of one configuration (tconf). */
static struct authz_services *
tsvc(enum tconf_id id)
{
	(void)tconf(id);
	return &tsvcs[id];
}

static void
setup(void)
{
	check_tmpdir_make(tdir, sizeof(tdir));
	memset(tconfs, 0, sizeof(tconfs));
	memset(tsvcs, 0, sizeof(tsvcs));
}

static void
teardown(void)
{
	size_t i;

	for (i = 0; i < CF_COUNT; i++) {
		services_free(&tsvcs[i]);
		conf_free(tconfs[i]);
		tconfs[i] = NULL;
	}
	check_tmpdir_remove(tdir);
}

/* Facts that are not plain strings in the tables. */
#define F_NO_CONF	0x0001	/* authz_decide(NULL, ...) */
#define F_NO_METHOD	0x0002
#define F_NO_URI	0x0004
#define F_NO_ADDR	0x0008
#define F_BIG_URI	0x0010	/* AUTHZ_URI_MAX + 1 bytes */
#define F_MAX_URI	0x0020	/* AUTHZ_URI_MAX bytes */
#define F_BIG_METHOD	0x0040	/* AUTHZ_METHOD_MAX + 1 bytes */
#define F_MAX_METHOD	0x0080	/* AUTHZ_METHOD_MAX bytes */
#define F_BAD_PARAMS	0x0100	/* af_bad_params, with TBAD_DETAIL */
#define F_DUP		0x0200	/* af_dup_authorization */
#define F_BIG_AUTH	0x0400	/* Authorization over AUTHZ_AUTH_HEADER_MAX */
#define F_BIG_XFF	0x0800	/* X-Forwarded-For over AUTHZ_XFF_MAX */
#define F_UNTRUSTED	0x1000	/* af_untrusted_peer */

/* One request and the verdict it must get, every field of it. */
struct dcase {
	const char	*name;
	enum tconf_id	 cf;
	enum authz_role	 role;		/* default AUTHORIZER */
	enum authz_phase phase;		/* default NONE */
	const char	*method;	/* NULL: "GET" */
	const char	*uri;
	const char	*addr;		/* NULL: TADDR_OUTSIDE */
	const char	*xff;
	const char	*auth;		/* "basic:u:p", "lower:u:p", verbatim */
	const char	*ruser;		/* REMOTE_USER */
	const char	*rpass;		/* REMOTE_PASSWD */
	time_t		 now;		/* 0: time(NULL) */
	int		 flags;
	/* The verdict. */
	int		 status;
	enum authz_reason reason;
	enum authz_challenge ch;
	const char	*rule;		/* NULL: av_rule must be NULL */
	const char	*user;		/* NULL: "" */
	const char	*roles;		/* NULL: av_roles must be NULL */
	const char	*type;		/* NULL: av_auth_type must be NULL */
	const char	*client;	/* av_addr; NULL: not checked */
	const char	*detail;	/* in av_detail; NULL: not checked */
};

/* Turns "basic:user:password" into a Basic header value. */
static const char *
tauth(const char *spec, char *buf, size_t bufsz)
{
	const char	*scheme, *raw;
	size_t		 slen, len;

	if (spec == NULL)
		return NULL;
	if (strncmp(spec, "basic:", 6) == 0)
		scheme = "Basic ";
	else if (strncmp(spec, "lower:", 6) == 0)
		scheme = "basic ";
	else
		return spec;
	raw = spec + 6;
	len = strlen(raw);
	slen = strlen(scheme);
	ck_assert(slen + sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL) <= bufsz);
	memcpy(buf, scheme, slen);
	sodium_bin2base64(buf + slen, bufsz - slen,
	    (const unsigned char *)raw, len, sodium_base64_VARIANT_ORIGINAL);
	return buf;
}

static void
tfacts(const struct dcase *c, struct authz_facts *f)
{
	static char	authbuf[AUTHZ_AUTH_HEADER_MAX + 64];
	static char	uribuf[AUTHZ_URI_MAX + 2];
	static char	methodbuf[AUTHZ_METHOD_MAX + 2];
	static char	xffbuf[AUTHZ_XFF_MAX + 32];
	size_t		len;

	memset(f, 0, sizeof(*f));
	f->af_role = c->role;
	f->af_phase = c->phase;
	f->af_method = c->method != NULL ? c->method : "GET";
	f->af_uri = c->uri;
	f->af_remote_addr = c->addr != NULL ? c->addr : TADDR_OUTSIDE;
	f->af_forwarded_for = c->xff;
	f->af_authorization = tauth(c->auth, authbuf, sizeof(authbuf));
	f->af_remote_user = c->ruser;
	f->af_remote_passwd = c->rpass;
	f->af_now = c->now != 0 ? c->now : time(NULL);
	f->af_mono = monoclock_now();
	f->af_bad_params = (c->flags & F_BAD_PARAMS) != 0;
	f->af_bad_detail = f->af_bad_params ? TBAD_DETAIL : NULL;
	f->af_untrusted_peer = (c->flags & F_UNTRUSTED) != 0;
	f->af_dup_authorization = (c->flags & F_DUP) != 0;
	if (c->flags & F_NO_METHOD)
		f->af_method = NULL;
	if (c->flags & F_NO_URI)
		f->af_uri = NULL;
	if (c->flags & F_NO_ADDR)
		f->af_remote_addr = NULL;
	if (c->flags & (F_BIG_URI | F_MAX_URI)) {
		len = (c->flags & F_BIG_URI) ? AUTHZ_URI_MAX + 1 :
		    AUTHZ_URI_MAX;
		memset(uribuf, 'a', len);
		memcpy(uribuf, "/site/", 6);
		uribuf[len] = '\0';
		f->af_uri = uribuf;
	}
	if (c->flags & (F_BIG_METHOD | F_MAX_METHOD)) {
		len = (c->flags & F_BIG_METHOD) ? AUTHZ_METHOD_MAX + 1 :
		    AUTHZ_METHOD_MAX;
		memset(methodbuf, 'M', len);
		methodbuf[len] = '\0';
		f->af_method = methodbuf;
	}
	if (c->flags & F_BIG_AUTH) {
		memcpy(authbuf, "Basic ", 6);
		memset(authbuf + 6, 'A', AUTHZ_AUTH_HEADER_MAX);
		authbuf[6 + AUTHZ_AUTH_HEADER_MAX] = '\0';
		f->af_authorization = authbuf;
	}
	if (c->flags & F_BIG_XFF) {
		/* "10.0.0.5" is right-most: only the length is wrong. */
		for (len = 0; len < AUTHZ_XFF_MAX; len += 10)
			memcpy(xffbuf + len, "10.0.0.5, ", 10);
		memcpy(xffbuf + len, "10.0.0.5", 9);
		f->af_forwarded_for = xffbuf;
	}
}

static void
tstr_eq(const char *name, const char *what, const char *got,
    const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: %s is \"%s\", want NULL",
		    name, what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
		    "%s: %s is \"%s\", want \"%s\"", name, what,
		    got != NULL ? got : "(null)", want);
}

/*
 * The rendered answer must agree with the verdict: Status first; a 200
 * with only Variable-* lines; no Variable-* on a denial; the challenges
 * the verdict asks for.
 */
static void
tcheck_render(const char *name, const struct conf *cf,
    const struct authz_verdict *v)
{
	static char	 buf[16384];
	char		 want[512];
	const char	*line, *eol, *end;
	size_t		 n, len;
	int		 tokens, bearer;

	/* A Bearer challenge only when there are tokens (docs/servers.md). */
	tokens = cf != NULL && users_token_count(cf->cf_users) > 0;
	bearer = tokens && (v->av_challenge == AUTHZ_CH_BAD_TOKEN ||
	    v->av_challenge == AUTHZ_CH_SCOPE);
	n = render_verdict(cf, v, buf, sizeof(buf));
	ck_assert_msg(n > 0 && n < sizeof(buf), "%s: render failed", name);
	ck_assert_msg(strlen(buf) == n, "%s: length", name);
	snprintf(want, sizeof(want), "Status: %d ", v->av_status);
	ck_assert_msg(strncmp(buf, want, strlen(want)) == 0,
	    "%s: response starts \"%.20s\"", name, buf);
	end = strstr(buf, "\r\n\r\n");
	ck_assert_msg(end != NULL, "%s: no end of headers", name);
	line = strstr(buf, "\r\n") + 2;
	for (; line < end + 2; line = eol + 2) {
		eol = strstr(line, "\r\n");
		len = (size_t)(eol - line);
		ck_assert_msg(memchr(line, '\n', len) == NULL &&
		    memchr(line, '\r', len) == NULL,
		    "%s: bare CR or LF in a header", name);
		/* Caddy's forward_auth over FastCGI copies Remote-*. */
		if (v->av_status == 200)
			ck_assert_msg(strncmp(line, "Variable-", 9) == 0 ||
			    (v->av_role == AUTHZ_ROLE_RESPONDER &&
			    strncmp(line, "Remote-", 7) == 0),
			    "%s: 200 carries \"%.*s\"", name,
			    (int)(eol - line), line);
		else
			ck_assert_msg(strncmp(line, "Variable-", 9) != 0,
			    "%s: a denial carries \"%.*s\"", name,
			    (int)(eol - line), line);
	}
	if (v->av_status == 200) {
		ck_assert_msg(end + 4 == buf + n, "%s: 200 with a body", name);
		if (v->av_user[0] != '\0') {
			snprintf(want, sizeof(want),
			    "\r\nVariable-REMOTE_USER: %s\r\n", v->av_user);
			ck_assert_msg(strstr(buf, want) != NULL,
			    "%s: no %s", name, want + 2);
		} else
			ck_assert_msg(strstr(buf, "REMOTE_USER") == NULL,
			    "%s: REMOTE_USER without a user", name);
		return;
	}
	ck_assert_msg(check_hdr_count(buf, "WWW-Authenticate: Basic realm=\""
	    TREALM "\", charset=\"UTF-8\"\r\n") ==
	    (v->av_challenge == AUTHZ_CH_LOGIN ||
	    v->av_challenge == AUTHZ_CH_BAD_TOKEN),
	    "%s: Basic challenge", name);
	ck_assert_msg(check_hdr_count(buf, "error=\"invalid_token\"") ==
	    (bearer && v->av_challenge == AUTHZ_CH_BAD_TOKEN),
	    "%s: invalid_token", name);
	if (!tokens)
		ck_assert_msg(strstr(buf, "Bearer") == NULL,
		    "%s: Bearer challenge without tokens", name);
	else if (v->av_challenge == AUTHZ_CH_LOGIN)
		ck_assert_msg(check_hdr_count(buf,
		    "WWW-Authenticate: Bearer realm=\"" TREALM "\"\r\n") == 1,
		    "%s: no Bearer challenge", name);
	ck_assert_msg(check_hdr_count(buf, "error=\"insufficient_scope\"") ==
	    (v->av_challenge == AUTHZ_CH_SCOPE),
	    "%s: insufficient_scope", name);
	if (v->av_challenge == AUTHZ_CH_NONE)
		ck_assert_msg(check_hdr_count(buf, "WWW-Authenticate") == 0,
		    "%s: challenge without a reason", name);
	if (v->av_status == 401)
		ck_assert_msg(check_hdr_count(buf, "WWW-Authenticate") > 0,
		    "%s: 401 without a challenge", name);
}

static void
trun(const struct dcase *c)
{
	struct authz_facts	 f;
	struct authz_verdict	 v;
	const struct conf	*cf = NULL;
	const struct authz_services *sv = NULL;

	if (!(c->flags & F_NO_CONF)) {
		cf = tconf(c->cf);
		sv = tsvc(c->cf);
	}
	tfacts(c, &f);
	memset(&v, 0x5a, sizeof(v));
	authz_decide(cf, sv, &f, &v);

	ck_assert_msg(v.av_status == c->status,
	    "%s: status %d (%s), want %d (%s)", c->name, v.av_status,
	    authz_reason_name(v.av_reason), c->status,
	    authz_reason_name(c->reason));
	ck_assert_msg(v.av_reason == c->reason, "%s: reason %s, want %s",
	    c->name, authz_reason_name(v.av_reason),
	    authz_reason_name(c->reason));
	ck_assert_msg(v.av_challenge == c->ch, "%s: challenge %d, want %d",
	    c->name, (int)v.av_challenge, (int)c->ch);
	tstr_eq(c->name, "rule", v.av_rule, c->rule);
	tstr_eq(c->name, "user", v.av_user, c->user != NULL ? c->user : "");
	tstr_eq(c->name, "roles", v.av_roles, c->roles);
	tstr_eq(c->name, "auth type", v.av_auth_type, c->type);
	if (c->client != NULL)
		tstr_eq(c->name, "client address", v.av_addr, c->client);
	if (c->status == 500)
		ck_assert_msg(v.av_detail != NULL, "%s: 500 without detail",
		    c->name);
	if (c->detail != NULL)
		ck_assert_msg(v.av_detail != NULL &&
		    strstr(v.av_detail, c->detail) != NULL,
		    "%s: detail \"%s\", want \"%s\" in it", c->name,
		    v.av_detail != NULL ? v.av_detail : "(null)", c->detail);
	tcheck_render(c->name, cf, &v);
}

/* Allowed: 200, with who, which roles, which rule and how. */
static const struct dcase allow_cases[] = {
	{ .name = "basic role", .uri = "/admin/users", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "admin",
	  .user = "alice", .roles = "admin,editor", .type = "Basic" },
	{ .name = "HEAD by role", .method = "HEAD", .uri = "/admin",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK, .rule = "admin",
	  .user = "alice", .roles = "admin,editor", .type = "Basic" },
	{ .name = "user list", .uri = "/admin/", .auth = ROOT,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "admin",
	  .user = "root", .roles = "", .type = "Basic" },
	{ .name = "POST by role", .method = "POST", .uri = "/upload",
	  .auth = BOB, .status = 200, .reason = AUTHZ_R_OK, .rule = "upload",
	  .user = "bob", .roles = "editor", .type = "Basic" },
	{ .name = "PUT by role", .method = "PUT", .uri = "/upload/a/b",
	  .auth = BOB, .status = 200, .reason = AUTHZ_R_OK, .rule = "upload",
	  .user = "bob", .roles = "editor", .type = "Basic" },
	{ .name = "exact public", .uri = "/healthz",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health" },
	{ .name = "HEAD by GET rule", .method = "HEAD", .uri = "/healthz",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health" },
	{ .name = "public ignores bad password", .uri = "/healthz",
	  .auth = "basic:alice:wrong",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health" },
	{ .name = "public ignores garbage", .uri = "/healthz",
	  .auth = "Basic !!!", .flags = F_DUP,
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health" },
	{ .name = "method falls through to next rule", .uri = "/upload",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "upload-read" },
	{ .name = "HEAD falls through to GET rule", .method = "HEAD",
	  .uri = "/upload/x", .auth = CAROL,
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "upload-read" },
	{ .name = "public inside networks", .uri = "/lan/x",
	  .addr = "10.9.8.7",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "lan-public",
	  .client = "10.9.8.7" },
	{ .name = "networks allow v4", .uri = "/internal", .auth = ALICE,
	  .addr = "10.1.2.3", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "alice", .roles = "admin,editor",
	  .type = "Basic", .client = "10.1.2.3" },
	{ .name = "networks allow v6", .uri = "/internal", .auth = BOB,
	  .addr = "::1", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "bob", .roles = "editor",
	  .type = "Basic", .client = "::1" },
	{ .name = "networks allow v4-mapped", .uri = "/internal",
	  .auth = BOB, .addr = "::ffff:10.1.2.3", .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "internal", .user = "bob",
	  .roles = "editor", .type = "Basic", .client = "10.1.2.3" },
	{ .name = "authenticated, no roles", .uri = "/site", .auth = CAROL,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "carol", .roles = "", .type = "Basic" },
	{ .name = "expires in the future", .uri = "/site", .auth = FRANK,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "frank", .roles = "editor", .type = "Basic" },
	{ .name = "expires today, last second", .uri = "/site", .auth = ERIN,
	  .now = ERIN_LAST_SECOND, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "site", .user = "erin", .roles = "admin", .type = "Basic" },
	{ .name = "password with colon and UTF-8", .method = "POST",
	  .uri = "/upload", .auth = GINA, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "upload", .user = "gina",
	  .roles = "editor", .type = "Basic" },
	{ .name = "lowercase scheme", .uri = "/admin",
	  .auth = "lower:alice:alice-pw", .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "admin", .user = "alice",
	  .roles = "admin,editor", .type = "Basic" },
	{ .name = "bearer", .method = "POST", .uri = "/upload",
	  .auth = "Bearer " TOK_CI, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "upload", .user = "alice", .roles = "editor",
	  .type = "Bearer" },
	{ .name = "bearer, all the user's roles", .method = "PUT",
	  .uri = "/upload", .auth = "bearer " TOK_BOB, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "upload", .user = "bob",
	  .roles = "editor", .type = "Bearer" },
	{ .name = "bearer authenticated", .uri = "/site",
	  .auth = "Bearer " TOK_CI, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "site", .user = "alice", .roles = "editor",
	  .type = "Bearer" },
	{ .name = "absolute-form", .uri = "http://host.example/admin/x",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin", .user = "alice", .roles = "admin,editor",
	  .type = "Basic" },
	{ .name = "query cut", .uri = "/admin?next=%2Fsite", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "admin",
	  .user = "alice", .roles = "admin,editor", .type = "Basic" },
	{ .name = "default authenticate", .cf = CF_AUTHN, .uri = "/nowhere",
	  .auth = CAROL, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "(default)", .user = "carol", .roles = "",
	  .type = "Basic" },
	{ .name = "default authenticate, bearer", .cf = CF_AUTHN,
	  .method = "DELETE", .uri = "/upload", .auth = "Bearer " TOK_CI,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "(default)",
	  .user = "alice", .roles = "editor", .type = "Bearer" },
	{ .name = "cache off", .cf = CF_NOCACHE, .uri = "/admin",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin", .user = "alice", .roles = "admin,editor",
	  .type = "Basic" },
	{ .name = "authz_failure 401, allowed", .cf = CF_401, .uri = "/admin",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin", .user = "alice", .roles = "admin,editor",
	  .type = "Basic" },
	{ .name = "no tokens", .cf = CF_NOTOKENS, .uri = "/admin",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin", .user = "alice", .roles = "admin,editor",
	  .type = "Basic" },
	{ .name = "URI at the limit", .flags = F_MAX_URI, .auth = BOB,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "bob", .roles = "editor", .type = "Basic" },
	{ .name = "method at the limit", .flags = F_MAX_METHOD,
	  .uri = "/site", .auth = BOB, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "site", .user = "bob", .roles = "editor", .type = "Basic" },
};

/* 401: who are you? */
static const struct dcase unauth_cases[] = {
	{ .name = "no credentials", .uri = "/site",
	  .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "no credentials, role rule", .uri = "/admin",
	  .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "admin" },
	{ .name = "empty header", .uri = "/site", .auth = "",
	  .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "Digest", .uri = "/site", .auth = "Digest x",
	  .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "Negotiate", .uri = "/site", .auth = "Negotiate YIIB",
	  .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "bad base64", .uri = "/site", .auth = "Basic !!!notbase64",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "scheme only", .uri = "/site", .auth = "Basic",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "no colon", .uri = "/site", .auth = "basic:alice",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "empty user", .uri = "/site", .auth = "basic::alice-pw",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "control byte in user", .uri = "/site",
	  .auth = "basic:al\001ce:alice-pw",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "invalid UTF-8 password", .uri = "/site",
	  .auth = "basic:alice:\xff",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "merged headers", .uri = "/site",
	  .auth = "Basic YTpi, Basic Yzpk",
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "duplicated header", .uri = "/site", .auth = ALICE,
	  .flags = F_DUP, .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "oversized header", .uri = "/site", .flags = F_BIG_AUTH,
	  .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "bearer with a space", .uri = "/site",
	  .auth = "Bearer a b", .status = 401, .reason = AUTHZ_R_MALFORMED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "unknown user", .uri = "/site", .auth = "basic:nobody:x",
	  .status = 401, .reason = AUTHZ_R_UNKNOWN_USER,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "nobody",
	  .type = "Basic" },
	{ .name = "user names are case-sensitive", .uri = "/site",
	  .auth = "basic:Alice:alice-pw",
	  .status = 401, .reason = AUTHZ_R_UNKNOWN_USER,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "Alice",
	  .type = "Basic" },
	{ .name = "wrong password", .uri = "/admin",
	  .auth = "basic:alice:wrong",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "admin", .user = "alice",
	  .type = "Basic" },
	{ .name = "empty password", .uri = "/admin", .auth = "basic:alice:",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "admin", .user = "alice",
	  .type = "Basic" },
	{ .name = "password prefix", .uri = "/admin",
	  .auth = "basic:alice:alice-p",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "admin", .user = "alice",
	  .type = "Basic" },
	{ .name = "disabled, right password", .uri = "/site", .auth = DAVE,
	  .status = 401, .reason = AUTHZ_R_DISABLED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "dave",
	  .type = "Basic" },
	{ .name = "disabled, wrong password", .uri = "/site",
	  .auth = "basic:dave:nope",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "dave",
	  .type = "Basic" },
	{ .name = "expired", .uri = "/site", .auth = ERIN,
	  .status = 401, .reason = AUTHZ_R_EXPIRED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "erin",
	  .type = "Basic" },
	{ .name = "expired, first second after", .uri = "/site",
	  .auth = ERIN, .now = ERIN_LAST_SECOND + 1,
	  .status = 401, .reason = AUTHZ_R_EXPIRED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "erin",
	  .type = "Basic" },
	{ .name = "unknown token", .uri = "/site",
	  .auth = "Bearer not-a-known-token",
	  .status = 401, .reason = AUTHZ_R_BAD_TOKEN,
	  .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .type = "Bearer" },
	{ .name = "token with a changed case", .uri = "/site",
	  .auth = "Bearer CI-Zk3q9vTb0xR7mW2pLs4n",
	  .status = 401, .reason = AUTHZ_R_BAD_TOKEN,
	  .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .type = "Bearer" },
	{ .name = "expired token", .uri = "/site", .auth = "Bearer " TOK_OLD,
	  .status = 401, .reason = AUTHZ_R_EXPIRED,
	  .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .user = "alice",
	  .type = "Bearer" },
	{ .name = "token of a disabled user", .uri = "/site",
	  .auth = "Bearer " TOK_DIS,
	  .status = 401, .reason = AUTHZ_R_DISABLED,
	  .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .user = "dave",
	  .type = "Bearer" },
	{ .name = "token of an expired user", .uri = "/site",
	  .auth = "Bearer " TOK_GONE,
	  .status = 401, .reason = AUTHZ_R_EXPIRED,
	  .ch = AUTHZ_CH_BAD_TOKEN, .rule = "site", .user = "erin",
	  .type = "Bearer" },
	{ .name = "default authenticate, no credentials", .cf = CF_AUTHN,
	  .uri = "/nowhere", .status = 401,
	  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
	  .rule = "(default)" },
	{ .name = "no tokens: no credentials", .cf = CF_NOTOKENS,
	  .uri = "/site", .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "no tokens: bearer", .cf = CF_NOTOKENS, .uri = "/site",
	  .auth = "Bearer " TOK_CI, .status = 401,
	  .reason = AUTHZ_R_BAD_TOKEN, .ch = AUTHZ_CH_BAD_TOKEN,
	  .rule = "site", .type = "Bearer" },
	{ .name = "no tokens: wrong password", .cf = CF_NOTOKENS,
	  .uri = "/site", .auth = "basic:bob:alice-pw", .status = 401,
	  .reason = AUTHZ_R_BAD_PASSWORD, .ch = AUTHZ_CH_LOGIN,
	  .rule = "site", .user = "bob", .type = "Basic" },
};

/* 403 (or 401 with authz_failure = 401): known, or it does not matter. */
static const struct dcase forbid_cases[] = {
	{ .name = "no roles", .uri = "/admin", .auth = CAROL,
	  .status = 403, .reason = AUTHZ_R_ROLE, .rule = "admin",
	  .user = "carol", .type = "Basic" },
	{ .name = "other role", .uri = "/admin/x", .auth = BOB,
	  .status = 403, .reason = AUTHZ_R_ROLE, .rule = "admin",
	  .user = "bob", .type = "Basic" },
	{ .name = "role for the method", .method = "POST", .uri = "/upload",
	  .auth = CAROL, .status = 403, .reason = AUTHZ_R_ROLE,
	  .rule = "upload", .user = "carol", .type = "Basic" },
	{ .name = "authz_failure 401", .cf = CF_401, .uri = "/admin",
	  .auth = BOB, .status = 401, .reason = AUTHZ_R_ROLE,
	  .ch = AUTHZ_CH_LOGIN, .rule = "admin", .user = "bob",
	  .type = "Basic" },
	{ .name = "token scope", .uri = "/admin", .auth = "Bearer " TOK_CI,
	  .status = 403, .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_SCOPE,
	  .rule = "admin", .user = "alice", .type = "Bearer" },
	{ .name = "token scope, authz_failure 401", .cf = CF_401,
	  .uri = "/admin", .auth = "Bearer " TOK_CI, .status = 401,
	  .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_LOGIN, .rule = "admin",
	  .user = "alice", .type = "Bearer" },
	{ .name = "network, good credentials", .uri = "/internal",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = TADDR_OUTSIDE },
	{ .name = "network, no credentials", .uri = "/internal",
	  .status = 403, .reason = AUTHZ_R_NETWORK, .rule = "internal" },
	{ .name = "network, bad token", .uri = "/internal",
	  .auth = "Bearer nope", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal" },
	{ .name = "network, public rule", .uri = "/lan",
	  .status = 403, .reason = AUTHZ_R_NETWORK, .rule = "lan-public" },
	{ .name = "network, other v6", .uri = "/internal", .addr = "::2",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "::2" },
	{ .name = "network, no REMOTE_ADDR", .uri = "/lan",
	  .flags = F_NO_ADDR, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "lan-public", .client = "" },
	{ .name = "network, short-form address", .uri = "/lan",
	  .addr = "10.1", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "lan-public", .client = "" },
	{ .name = "network, trailing space", .uri = "/lan",
	  .addr = "10.0.0.1 ", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "lan-public", .client = "" },
	{ .name = "deny rule", .uri = "/blocked", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "blocked" },
	{ .name = "deny rule, no credentials", .uri = "/blocked/x",
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "blocked" },
	{ .name = "default deny", .uri = "/nowhere",
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	{ .name = "default deny, good credentials", .uri = "/", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	{ .name = "exact rule is not a prefix", .uri = "/healthz/x",
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	{ .name = "exact rule, other method", .method = "POST",
	  .uri = "/healthz", .status = 403, .reason = AUTHZ_R_DENY_RULE,
	  .rule = "(default)" },
	{ .name = "no rule for the method", .method = "DELETE",
	  .uri = "/upload", .auth = BOB, .status = 403,
	  .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	{ .name = "methods are case-sensitive", .method = "post",
	  .uri = "/upload", .auth = BOB, .status = 403,
	  .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	{ .name = "prefix on segment boundary", .uri = "/administrator",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_DENY_RULE,
	  .rule = "(default)" },
	{ .name = "paths are case-sensitive", .uri = "/ADMIN", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
};

/* 400: what cannot be decoded safely, whatever the credentials. */
static const struct dcase badpath_cases[] = {
	{ .name = "encoded slash dot-dot", .uri = "/x/..%2fadmin",
	  .auth = ALICE, .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "encoded dot-dot-slash", .uri = "/x/%2e%2e%2fadmin",
	  .auth = ALICE, .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "encoded NUL", .uri = "/%00", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "above the root", .uri = "/../etc", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "encoded slash", .uri = "/site%2Fx", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	/* "/admin" and "/x/admin" to a back end that decodes twice. */
	{ .name = "double-encoded a", .uri = "/%2561dmin/x", .auth = BOB,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "double-encoded slash", .uri = "/x%252Fadmin", .auth = BOB,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "encoded backslash", .uri = "/site%5cx", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "backslash", .uri = "/site\\x", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "bad escape", .uri = "/site/%zz", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "short escape", .uri = "/site/%4", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "control byte", .uri = "/site/\tx", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "path parameter traversal", .uri = "/x/..;/admin",
	  .auth = ALICE, .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "relative", .uri = "site", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "asterisk-form", .method = "OPTIONS", .uri = "*",
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "empty", .uri = "", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "oversized URI", .flags = F_BIG_URI, .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "oversized method", .flags = F_BIG_METHOD,
	  .uri = "/site", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "unusable params", .flags = F_BAD_PARAMS, .uri = "/site",
	  .auth = ALICE, .status = 400, .reason = AUTHZ_R_BAD_PATH },
	{ .name = "bad path on a public rule", .uri = "/healthz%00",
	  .status = 400, .reason = AUTHZ_R_BAD_PATH },
};

/* 500: fail closed, never 200. */
static const struct dcase internal_cases[] = {
	{ .name = "no configuration", .flags = F_NO_CONF, .uri = "/healthz",
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "no password checker", .cf = CF_NOPW, .uri = "/healthz",
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "FILTER role", .role = AUTHZ_ROLE_OTHER, .uri = "/healthz",
	  .auth = ALICE, .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "unknown Apache phase", .phase = AUTHZ_PHASE_UNKNOWN,
	  .uri = "/healthz", .auth = ALICE,
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "no method", .flags = F_NO_METHOD, .uri = "/healthz",
	  .auth = ALICE, .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "RESPONDER without method", .role = AUTHZ_ROLE_RESPONDER,
	  .flags = F_NO_METHOD, .uri = "/healthz", .auth = ALICE,
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "no URI", .flags = F_NO_URI, .auth = ALICE,
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
	{ .name = "RESPONDER without URI", .role = AUTHZ_ROLE_RESPONDER,
	  .flags = F_NO_URI, .auth = ALICE,
	  .status = 500, .reason = AUTHZ_R_INTERNAL },
};

/* Apache's phases (docs/servers.md, What the daemon reads). */
#define ACCESS	.phase = AUTHZ_PHASE_ACCESS_CHECKER
#define AUTHN	.phase = AUTHZ_PHASE_AUTHENTICATOR
#define AUTHZ	.phase = AUTHZ_PHASE_AUTHORIZER

static const struct dcase apache_cases[] = {
	/* ACCESS_CHECKER: networks, deny and public only. */
	{ .name = "access: restricted, no credentials", ACCESS,
	  .uri = "/admin", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin" },
	{ .name = "access: bad credentials not looked at", ACCESS,
	  .uri = "/admin", .auth = "basic:alice:wrong", .ruser = "alice",
	  .rpass = "wrong", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin" },
	{ .name = "access: network allows", ACCESS, .uri = "/internal",
	  .addr = "10.0.0.1", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .client = "10.0.0.1" },
	{ .name = "access: public", ACCESS, .uri = "/healthz",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health" },
	{ .name = "access: network refused", ACCESS, .uri = "/internal",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal" },
	{ .name = "access: deny rule", ACCESS, .uri = "/blocked",
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "blocked" },
	{ .name = "access: default deny", ACCESS, .uri = "/nowhere",
	  .status = 403, .reason = AUTHZ_R_DENY_RULE, .rule = "(default)" },
	/* AUTHORIZER: REMOTE_USER, authenticated by Apache already. */
	{ .name = "authz: roles from the users file", AUTHZ,
	  .uri = "/admin", .ruser = "alice", .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "admin", .user = "alice",
	  .roles = "admin,editor", .type = "Basic" },
	{ .name = "authz: user list", AUTHZ, .uri = "/admin",
	  .ruser = "root", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "admin", .user = "root", .roles = "", .type = "Basic" },
	{ .name = "authz: unknown user, authenticated rule", AUTHZ,
	  .uri = "/site", .ruser = "zed", .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "site", .user = "zed", .roles = "",
	  .type = "Basic" },
	{ .name = "authz: unknown user, role rule", AUTHZ, .uri = "/admin",
	  .ruser = "zed", .status = 403, .reason = AUTHZ_R_ROLE,
	  .rule = "admin", .user = "zed", .type = "Basic" },
	{ .name = "authz: other role", AUTHZ, .uri = "/admin",
	  .ruser = "bob", .status = 403, .reason = AUTHZ_R_ROLE,
	  .rule = "admin", .user = "bob", .type = "Basic" },
	{ .name = "authz: REMOTE_USER wins over the header", AUTHZ,
	  .uri = "/admin", .ruser = "carol", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_ROLE, .rule = "admin", .user = "carol",
	  .type = "Basic" },
	{ .name = "authz: disabled", AUTHZ, .uri = "/site",
	  .ruser = "dave", .status = 401, .reason = AUTHZ_R_DISABLED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "dave",
	  .type = "Basic" },
	{ .name = "authz: expired", AUTHZ, .uri = "/site",
	  .ruser = "erin", .status = 401, .reason = AUTHZ_R_EXPIRED,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site", .user = "erin",
	  .type = "Basic" },
	{ .name = "authz: no REMOTE_USER", AUTHZ, .uri = "/site",
	  .auth = ALICE, .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "authz: empty REMOTE_USER", AUTHZ, .uri = "/site",
	  .ruser = "", .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "authz: control byte in REMOTE_USER", AUTHZ,
	  .uri = "/site", .ruser = "a\nb", .status = 401,
	  .reason = AUTHZ_R_MALFORMED, .ch = AUTHZ_CH_LOGIN,
	  .rule = "site" },
	{ .name = "authz: network still refuses", AUTHZ, .uri = "/internal",
	  .ruser = "alice", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal" },
	/* AUTHENTICATOR, and the combined call without a phase. */
	{ .name = "authn: REMOTE_USER and REMOTE_PASSWD", AUTHN,
	  .uri = "/admin", .ruser = "alice", .rpass = "alice-pw",
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "admin",
	  .user = "alice", .roles = "admin,editor", .type = "Basic" },
	{ .name = "authn: wrong REMOTE_PASSWD", AUTHN, .uri = "/admin",
	  .ruser = "alice", .rpass = "wrong", .status = 401,
	  .reason = AUTHZ_R_BAD_PASSWORD, .ch = AUTHZ_CH_LOGIN,
	  .rule = "admin", .user = "alice", .type = "Basic" },
	{ .name = "authn: unknown REMOTE_USER", AUTHN, .uri = "/admin",
	  .ruser = "zed", .rpass = "x", .status = 401,
	  .reason = AUTHZ_R_UNKNOWN_USER, .ch = AUTHZ_CH_LOGIN,
	  .rule = "admin", .user = "zed", .type = "Basic" },
	{ .name = "authn: Apache's invalid base64", AUTHN, .uri = "/site",
	  .ruser = "", .rpass = "", .status = 401,
	  .reason = AUTHZ_R_MALFORMED, .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "authn: REMOTE_USER without REMOTE_PASSWD", AUTHN,
	  .uri = "/site", .ruser = "alice", .status = 401,
	  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
	  .rule = "site" },
	{ .name = "authn: the header wins", AUTHN, .uri = "/admin",
	  .auth = BOB, .ruser = "alice", .rpass = "alice-pw",
	  .status = 403, .reason = AUTHZ_R_ROLE, .rule = "admin",
	  .user = "bob", .type = "Basic" },
	{ .name = "authn: bearer (CGIPassAuth)", AUTHN, .method = "POST",
	  .uri = "/upload", .auth = "Bearer " TOK_CI, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "upload", .user = "alice",
	  .roles = "editor", .type = "Bearer" },
	{ .name = "authnz: no phase, REMOTE_PASSWD", .uri = "/site",
	  .ruser = "bob", .rpass = "bob-pw", .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "site", .user = "bob",
	  .roles = "editor", .type = "Basic" },
	/*
	 * Apache takes an authenticator's 200 as "the password is right"
	 * and serves with REMOTE_USER = the name the client typed: on a
	 * public rule, REMOTE_PASSWD is verified too.
	 */
	{ .name = "authn: public rule, right REMOTE_PASSWD", AUTHN,
	  .uri = "/healthz", .ruser = "alice", .rpass = "alice-pw",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "health",
	  .user = "alice", .roles = "admin,editor", .type = "Basic" },
	{ .name = "authn: public rule, wrong REMOTE_PASSWD", AUTHN,
	  .uri = "/healthz", .ruser = "alice", .rpass = "wrong",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "health", .user = "alice",
	  .type = "Basic" },
	{ .name = "authnz: public rule, wrong REMOTE_PASSWD",
	  .uri = "/healthz", .ruser = "alice", .rpass = "wrong",
	  .status = 401, .reason = AUTHZ_R_BAD_PASSWORD,
	  .ch = AUTHZ_CH_LOGIN, .rule = "health", .user = "alice",
	  .type = "Basic" },
	{ .name = "authn: public rule, no credentials", AUTHN,
	  .uri = "/healthz", .status = 200, .reason = AUTHZ_R_PUBLIC,
	  .rule = "health" },
	/* nginx: RESPONDER; its REMOTE_USER is unverified. */
	{ .name = "responder ignores REMOTE_USER/REMOTE_PASSWD",
	  .role = AUTHZ_ROLE_RESPONDER, .uri = "/site", .ruser = "alice",
	  .rpass = "alice-pw", .status = 401,
	  .reason = AUTHZ_R_NO_CREDENTIALS, .ch = AUTHZ_CH_LOGIN,
	  .rule = "site" },
	{ .name = "responder with the header",
	  .role = AUTHZ_ROLE_RESPONDER, .uri = "/site", .auth = ALICE,
	  .ruser = "bob", .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "site", .user = "alice", .roles = "admin,editor",
	  .type = "Basic" },
};

/*
 * docs/security.md, Path tricks: every spelling of /admin lands on rule
 * admin, never on the looser "/" after it; bob is authenticated but no admin.
 */
#define TRICK(u)	{ .name = u, .cf = CF_LOOSE, .uri = u, .auth = BOB, \
	.status = 403, .reason = AUTHZ_R_ROLE, .rule = "admin", \
	.user = "bob", .type = "Basic" }
#define LOOSE(u)	{ .name = u, .cf = CF_LOOSE, .uri = u, .auth = BOB, \
	.status = 200, .reason = AUTHZ_R_OK, .rule = "root", \
	.user = "bob", .roles = "editor", .type = "Basic" }

static const struct dcase trick_cases[] = {
	TRICK("/admin"),
	TRICK("/admin/"),
	TRICK("/admin/x"),
	TRICK("/%61dmin/x"),
	TRICK("/%61%64%6d%69%6e"),
	TRICK("/x/../admin/x"),
	TRICK("/x/%2e%2e/admin/x"),
	TRICK("/x/%2E%2E/admin"),
	TRICK("//admin/x"),
	TRICK("///admin//x"),
	TRICK("/./admin/./x"),
	TRICK("/admin/x/.."),
	TRICK("/admin?/x"),
	TRICK("http://host/%61dmin/x"),
	TRICK("https://host:8443//admin/x"),
	LOOSE("/administrator"),
	LOOSE("/ADMIN/x"),
	LOOSE("/x/admin"),
	LOOSE("/admin/../x"),
	LOOSE("/admin/x/../.."),
	LOOSE("/admin%20/x"),
};

/* trusted_proxies and X-Forwarded-For, seen through rule internal. */
static const struct dcase proxy_cases[] = {
	{ .name = "right-most untrusted entry", .cf = CF_PROXY,
	  .uri = "/internal", .addr = TPROXY, .xff = "1.2.3.4, 10.0.0.5",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "alice", .roles = "admin,editor",
	  .type = "Basic", .client = "10.0.0.5" },
	{ .name = "spaces around the entry", .cf = CF_PROXY,
	  .uri = "/internal", .addr = TPROXY, .xff = "\t 10.0.0.5 \t",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "alice", .roles = "admin,editor",
	  .type = "Basic", .client = "10.0.0.5" },
	{ .name = "IPv6 entry", .cf = CF_PROXY, .uri = "/site",
	  .addr = TPROXY, .xff = "2001:db8::1", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "alice", .roles = "admin,editor", .type = "Basic",
	  .client = "2001:db8::1" },
	{ .name = "garbage, rule without networks", .cf = CF_PROXY,
	  .uri = "/site", .addr = TPROXY, .xff = "bogus", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "alice", .roles = "admin,editor", .type = "Basic",
	  .client = "" },
	{ .name = "every entry trusted", .cf = CF_PROXY2, .uri = "/internal",
	  .addr = TPROXY, .xff = "10.0.0.5", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "internal", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "10.0.0.5" },
	{ .name = "trusted entries skipped", .cf = CF_PROXY2,
	  .uri = "/internal", .addr = TPROXY, .xff = "1.2.3.4, 10.0.0.5",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "1.2.3.4" },
	{ .name = "untrusted REMOTE_ADDR: XFF ignored", .cf = CF_PROXY,
	  .uri = "/internal", .addr = "203.0.113.7", .xff = "10.0.0.5",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "203.0.113.7" },
	{ .name = "no trusted_proxies: XFF ignored", .uri = "/internal",
	  .addr = TPROXY, .xff = "10.0.0.5", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = TPROXY },
	{ .name = "proxy without XFF is the client", .cf = CF_PROXY,
	  .uri = "/internal", .addr = TPROXY, .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = TPROXY },
	{ .name = "garbage", .cf = CF_PROXY, .uri = "/internal",
	  .addr = TPROXY, .xff = "bogus", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	{ .name = "garbage, public rule", .cf = CF_PROXY, .uri = "/lan",
	  .addr = TPROXY, .xff = "10.0.0.5:443", .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "lan-public", .client = "" },
	{ .name = "trailing comma", .cf = CF_PROXY, .uri = "/internal",
	  .addr = TPROXY, .xff = "10.0.0.5,", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	{ .name = "empty entry", .cf = CF_PROXY2, .uri = "/internal",
	  .addr = TPROXY, .xff = "1.2.3.4, , 10.0.0.5", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_NETWORK, .rule = "internal",
	  .client = "" },
	{ .name = "oversized", .cf = CF_PROXY, .uri = "/internal",
	  .addr = TPROXY, .flags = F_BIG_XFF, .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	/* http_trusted is the HTTP listener's: FastCGI walks past
	 * trusted_proxies only, whatever http_trusted says. */
	{ .name = "http_trusted: FastCGI XFF ignored", .cf = CF_HTTP,
	  .uri = "/internal", .addr = TPROXY, .xff = "10.0.0.5",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = TPROXY },
	{ .name = "http_trusted: FastCGI REMOTE_ADDR", .cf = CF_HTTP,
	  .uri = "/internal", .addr = "10.0.0.9", .xff = "203.0.113.9",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "alice", .roles = "admin,editor",
	  .type = "Basic", .client = "10.0.0.9" },
	{ .name = "responder: right-most untrusted entry", .cf = CF_PROXY,
	  .role = AUTHZ_ROLE_RESPONDER, .uri = "/internal", .addr = TPROXY,
	  .xff = "1.2.3.4, 10.0.0.5", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "internal", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "10.0.0.5" },
};

/*
 * HTTP forward auth (fwdauth.h): the peer is a proxy, never the client,
 * which comes from X-Forwarded-For walked past http_trusted, seen
 * through rule internal (networks 10.0.0.0/8, ::1) and site (none).
 */
#define HTTP	.role = AUTHZ_ROLE_HTTP

static const struct dcase http_cases[] = {
	/* Refused before anything the peer said is looked at. */
	{ .name = "http: untrusted peer", HTTP, .addr = THTTP_STRANGER,
	  .flags = F_UNTRUSTED, .uri = "/site", .auth = ALICE,
	  .xff = "10.0.0.5", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .client = THTTP_STRANGER, .detail = "http_trusted" },
	{ .name = "http: untrusted peer, no method", HTTP,
	  .addr = THTTP_STRANGER, .flags = F_UNTRUSTED | F_NO_METHOD |
	  F_NO_URI, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .client = THTTP_STRANGER, .detail = "http_trusted" },
	{ .name = "http: untrusted peer, public path", HTTP,
	  .addr = THTTP_STRANGER, .flags = F_UNTRUSTED, .uri = "/healthz",
	  .status = 403, .reason = AUTHZ_R_NETWORK,
	  .client = THTTP_STRANGER, .detail = "http_trusted" },
	{ .name = "http: untrusted v6 peer", HTTP, .addr = "2001:db8::7",
	  .flags = F_UNTRUSTED, .uri = "/site", .status = 403,
	  .reason = AUTHZ_R_NETWORK, .client = "2001:db8::7",
	  .detail = "http_trusted" },
	/* The proxy is set up wrong: fail closed, saying which header. */
	{ .name = "http: no method", HTTP, .addr = THTTP_PEER,
	  .flags = F_NO_METHOD, .uri = "/healthz", .status = 500,
	  .reason = AUTHZ_R_INTERNAL, .detail = "X-Forwarded-Method" },
	{ .name = "http: no URI", HTTP, .addr = THTTP_PEER,
	  .flags = F_NO_URI, .auth = ALICE, .status = 500,
	  .reason = AUTHZ_R_INTERNAL, .detail = "X-Forwarded-Uri" },
	{ .name = "http: neither", HTTP, .addr = THTTP_PEER,
	  .flags = F_NO_METHOD | F_NO_URI, .status = 500,
	  .reason = AUTHZ_R_INTERNAL, .detail = "X-Forwarded-Method" },
	/* Headers that cannot be told apart: 400, the client logged. */
	{ .name = "http: bad params", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .flags = F_BAD_PARAMS | F_NO_METHOD | F_NO_URI,
	  .xff = "203.0.113.9, 10.0.0.5", .auth = ALICE, .status = 400,
	  .reason = AUTHZ_R_BAD_PATH, .client = "203.0.113.9",
	  .detail = TBAD_DETAIL },
	{ .name = "http: bad params, no XFF", HTTP, .addr = THTTP_PEER,
	  .flags = F_BAD_PARAMS | F_NO_METHOD | F_NO_URI, .status = 400,
	  .reason = AUTHZ_R_BAD_PATH, .client = "", .detail = TBAD_DETAIL },
	{ .name = "http: bad path", HTTP, .cf = CF_HTTP, .addr = THTTP_PEER,
	  .uri = "/x/..%2fadmin", .xff = "203.0.113.9", .auth = ALICE,
	  .status = 400, .reason = AUTHZ_R_BAD_PATH,
	  .client = "203.0.113.9" },
	/* The client: the right-most entry not in http_trusted. */
	{ .name = "http: right-most untrusted entry", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/internal",
	  .xff = "203.0.113.9, 10.0.0.5", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal",
	  .client = "203.0.113.9" },
	{ .name = "http: right-most untrusted entry, no networks", HTTP,
	  .cf = CF_HTTP, .addr = THTTP_PEER, .uri = "/site",
	  .xff = "203.0.113.9, 10.0.0.5", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "site", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "203.0.113.9" },
	{ .name = "http: what the client sent is not believed", HTTP,
	  .cf = CF_HTTP, .addr = THTTP_PEER, .uri = "/internal",
	  .xff = "10.1.1.1, 203.0.113.9, 10.0.0.5", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_NETWORK, .rule = "internal",
	  .client = "203.0.113.9" },
	{ .name = "http: every entry trusted", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/internal",
	  .xff = "10.0.0.7, 127.0.0.1, 10.0.0.5", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "internal",
	  .user = "alice", .roles = "admin,editor", .type = "Basic",
	  .client = "10.0.0.7" },
	{ .name = "http: one trusted entry", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/lan", .xff = " 10.0.0.5 ",
	  .status = 200, .reason = AUTHZ_R_PUBLIC, .rule = "lan-public",
	  .client = "10.0.0.5" },
	{ .name = "http: default http_trusted", HTTP, .addr = THTTP_PEER,
	  .uri = "/internal", .xff = "203.0.113.9, 127.0.0.1",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "203.0.113.9" },
	{ .name = "http: default http_trusted, ::1", HTTP, .addr = "::1",
	  .uri = "/internal", .xff = "203.0.113.9, 10.0.0.5, ::1",
	  .auth = ALICE, .status = 200, .reason = AUTHZ_R_OK,
	  .rule = "internal", .user = "alice", .roles = "admin,editor",
	  .type = "Basic", .client = "10.0.0.5" },
	{ .name = "http: IPv6 entry", HTTP, .cf = CF_HTTP, .addr = "::1",
	  .uri = "/site", .xff = "2001:db8::1", .auth = BOB,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "bob", .roles = "editor", .type = "Basic",
	  .client = "2001:db8::1" },
	/* No X-Forwarded-For: unknown, never the proxy (::1 would pass). */
	{ .name = "http: no XFF, networks", HTTP, .cf = CF_HTTP,
	  .addr = "::1", .uri = "/internal", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	{ .name = "http: no XFF, public networks", HTTP, .addr = "::1",
	  .uri = "/lan", .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "lan-public", .client = "" },
	{ .name = "http: no XFF, no networks", HTTP, .addr = THTTP_PEER,
	  .uri = "/site", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "site", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "" },
	{ .name = "http: empty XFF", HTTP, .cf = CF_HTTP, .addr = "::1",
	  .uri = "/internal", .xff = "", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	/* An entry that is not an address where the walk needs one. */
	{ .name = "http: garbage", HTTP, .cf = CF_HTTP, .addr = THTTP_PEER,
	  .uri = "/internal", .xff = "bogus", .auth = ALICE,
	  .status = 403, .reason = AUTHZ_R_NETWORK, .rule = "internal",
	  .client = "" },
	{ .name = "http: garbage past a trusted entry", HTTP,
	  .cf = CF_HTTP, .addr = THTTP_PEER, .uri = "/internal",
	  .xff = "bogus, 10.0.0.5", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal", .client = "" },
	{ .name = "http: garbage with a port", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/internal", .xff = "10.0.0.5:443",
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "" },
	{ .name = "http: garbage, rule without networks", HTTP,
	  .cf = CF_HTTP, .addr = THTTP_PEER, .uri = "/site",
	  .xff = "bogus", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "site", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "" },
	{ .name = "http: garbage left of the client", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/site",
	  .xff = "bogus, 203.0.113.9, 10.0.0.5", .auth = ALICE,
	  .status = 200, .reason = AUTHZ_R_OK, .rule = "site",
	  .user = "alice", .roles = "admin,editor", .type = "Basic",
	  .client = "203.0.113.9" },
	{ .name = "http: oversized XFF", HTTP, .cf = CF_HTTP,
	  .addr = THTTP_PEER, .uri = "/internal", .flags = F_BIG_XFF,
	  .auth = ALICE, .status = 403, .reason = AUTHZ_R_NETWORK,
	  .rule = "internal", .client = "" },
	/* http_trusted set to nothing: on a unix socket, the right-most
	 * entry is the client, loopback or not. */
	{ .name = "http: no http_trusted, unix peer", HTTP,
	  .cf = CF_HTTP_NONE, .flags = F_NO_ADDR, .uri = "/internal",
	  .xff = "203.0.113.9, 10.0.0.5", .auth = ALICE, .status = 200,
	  .reason = AUTHZ_R_OK, .rule = "internal", .user = "alice",
	  .roles = "admin,editor", .type = "Basic", .client = "10.0.0.5" },
	{ .name = "http: no http_trusted, loopback entry", HTTP,
	  .cf = CF_HTTP_NONE, .flags = F_NO_ADDR, .uri = "/internal",
	  .xff = "10.0.0.5, 127.0.0.1", .auth = ALICE, .status = 403,
	  .reason = AUTHZ_R_NETWORK, .rule = "internal",
	  .client = "127.0.0.1" },
	/* The rest of the decision is the FastCGI one. */
	{ .name = "http: public", HTTP, .addr = THTTP_PEER,
	  .uri = "/healthz", .status = 200, .reason = AUTHZ_R_PUBLIC,
	  .rule = "health" },
	{ .name = "http: no credentials", HTTP, .addr = THTTP_PEER,
	  .uri = "/site", .status = 401, .reason = AUTHZ_R_NO_CREDENTIALS,
	  .ch = AUTHZ_CH_LOGIN, .rule = "site" },
	{ .name = "http: REMOTE_USER/REMOTE_PASSWD not taken", HTTP,
	  .addr = THTTP_PEER, .uri = "/healthz", .ruser = "alice",
	  .rpass = "wrong", .status = 200, .reason = AUTHZ_R_PUBLIC,
	  .rule = "health" },
	{ .name = "http: duplicated header", HTTP, .addr = THTTP_PEER,
	  .uri = "/site", .auth = ALICE, .flags = F_DUP, .status = 401,
	  .reason = AUTHZ_R_MALFORMED, .ch = AUTHZ_CH_LOGIN,
	  .rule = "site" },
	{ .name = "http: token scope", HTTP, .addr = THTTP_PEER,
	  .uri = "/admin", .auth = "Bearer " TOK_CI, .status = 403,
	  .reason = AUTHZ_R_ROLE, .ch = AUTHZ_CH_SCOPE, .rule = "admin",
	  .user = "alice", .type = "Bearer" },
};

START_TEST(test_authz_allow)
{
	trun(&allow_cases[_i]);
}
END_TEST

START_TEST(test_authz_unauth)
{
	trun(&unauth_cases[_i]);
}
END_TEST

START_TEST(test_authz_forbid)
{
	trun(&forbid_cases[_i]);
}
END_TEST

START_TEST(test_authz_bad_path)
{
	trun(&badpath_cases[_i]);
}
END_TEST

START_TEST(test_authz_internal)
{
	trun(&internal_cases[_i]);
}
END_TEST

START_TEST(test_authz_apache)
{
	trun(&apache_cases[_i]);
}
END_TEST

START_TEST(test_authz_path_tricks)
{
	trun(&trick_cases[_i]);
}
END_TEST

START_TEST(test_authz_proxy)
{
	trun(&proxy_cases[_i]);
}
END_TEST

START_TEST(test_authz_http)
{
	trun(&http_cases[_i]);
}
END_TEST

/* Decides c on conf id and renders the answer into buf. */
static size_t
tdecide_render(const struct dcase *c, struct authz_verdict *v, char *buf,
    size_t bufsz)
{
	struct authz_facts	f;
	size_t			n;

	tfacts(c, &f);
	authz_decide(tconf(c->cf), tsvc(c->cf), &f, v);
	n = render_verdict(tconf(c->cf), v, buf, bufsz);
	ck_assert_msg(n > 0, "%s: render failed", c->name);
	return n;
}

/*
 * A credential verified once is answered from the cache the second time;
 * the answer must not change, with or without the cache, and a wrong
 * password after a cached right one is still wrong.
 */
START_TEST(test_authz_cache)
{
	static const struct dcase good = { .name = "good", .uri = "/admin",
	    .auth = ALICE };
	static const struct dcase bad = { .name = "bad", .uri = "/admin",
	    .auth = "basic:alice:alice-pw2" };
	struct authz_verdict	v;
	char			buf[4096];
	enum tconf_id		ids[] = { CF_MAIN, CF_NOCACHE };
	struct dcase		c;
	size_t			i, k;

	ck_assert_ptr_nonnull(tsvc(CF_MAIN)->as_cache);
	ck_assert_ptr_null(tsvc(CF_NOCACHE)->as_cache);
	for (i = 0; i < NITEMS(ids); i++) {
		for (k = 0; k < 3; k++) {
			c = good;
			c.cf = ids[i];
			tdecide_render(&c, &v, buf, sizeof(buf));
			ck_assert_int_eq(v.av_status, 200);
			ck_assert_int_eq(v.av_reason, AUTHZ_R_OK);
			ck_assert_str_eq(v.av_user, "alice");
			ck_assert_str_eq(v.av_roles, "admin,editor");
			ck_assert_int_eq(v.av_cache, (ids[i] == CF_NOCACHE ?
			    AUTHZ_CACHE_UNUSED : k == 0 ? AUTHZ_CACHE_MISS :
			    AUTHZ_CACHE_HIT));
			c = bad;
			c.cf = ids[i];
			tdecide_render(&c, &v, buf, sizeof(buf));
			ck_assert_int_eq(v.av_status, 401);
			ck_assert_int_eq(v.av_reason, AUTHZ_R_BAD_PASSWORD);
			ck_assert_int_eq(v.av_cache, (ids[i] == CF_NOCACHE ?
			    AUTHZ_CACHE_UNUSED : AUTHZ_CACHE_MISS));
		}
	}
}
END_TEST

/*
 * What the verdict says the cache did (for the metrics): not asked when
 * no password is checked against it, for an unknown user (dummy hash)
 * or a refused one (never answered from it), nor for a token.
 */
static const struct {
	struct dcase		c;
	enum authz_cache	want;
} cache_use_cases[] = {
	{ { .name = "no credentials", .uri = "/admin" }, AUTHZ_CACHE_UNUSED },
	{ { .name = "public", .uri = "/healthz", .auth = ALICE },
	    AUTHZ_CACHE_UNUSED },
	{ { .name = "unknown user", .uri = "/admin",
	    .auth = "basic:nobody:alice-pw" }, AUTHZ_CACHE_UNUSED },
	{ { .name = "disabled", .uri = "/admin", .auth = DAVE },
	    AUTHZ_CACHE_UNUSED },
	{ { .name = "expired", .uri = "/admin", .auth = ERIN },
	    AUTHZ_CACHE_UNUSED },
	{ { .name = "token", .uri = "/site/x", .auth = "Bearer " TOK_CI },
	    AUTHZ_CACHE_UNUSED },
	{ { .name = "good", .uri = "/admin", .auth = ALICE },
	    AUTHZ_CACHE_MISS },
	{ { .name = "wrong", .uri = "/admin", .auth = "basic:bob:x" },
	    AUTHZ_CACHE_MISS },
};

START_TEST(test_authz_cache_use)
{
	struct authz_verdict	v;
	char			buf[4096];

	tdecide_render(&cache_use_cases[_i].c, &v, buf, sizeof(buf));
	ck_assert_msg(v.av_cache == cache_use_cases[_i].want,
	    "%s: av_cache %d, want %d", cache_use_cases[_i].c.name,
	    (int)v.av_cache, (int)cache_use_cases[_i].want);
}
END_TEST

/* The verdict is reset whole: nothing of an earlier one shows through. */
START_TEST(test_authz_verdict_reset)
{
	static const struct dcase first = { .name = "first", .uri = "/admin",
	    .auth = ALICE };
	static const struct dcase second = { .name = "second",
	    .uri = "/%00" };
	struct authz_verdict	v;
	char			buf[4096];

	tdecide_render(&first, &v, buf, sizeof(buf));
	ck_assert_int_eq(v.av_status, 200);
	tdecide_render(&second, &v, buf, sizeof(buf));
	ck_assert_int_eq(v.av_status, 400);
	ck_assert_str_eq(v.av_user, "");
	ck_assert_str_eq(v.av_path, "");
	ck_assert_ptr_null(v.av_rule);
	ck_assert_ptr_null(v.av_roles);
	ck_assert_ptr_null(v.av_auth_type);
	ck_assert_uint_eq(v.av_retry_after, 0);
	ck_assert_int_eq(v.av_cache, AUTHZ_CACHE_UNUSED);
}
END_TEST

START_TEST(test_authz_reason_names)
{
	static const struct {
		enum authz_reason	 r;
		const char		*name;
	} names[] = {
		{ AUTHZ_R_OK, "ok" },
		{ AUTHZ_R_PUBLIC, "public" },
		{ AUTHZ_R_NO_CREDENTIALS, "no_credentials" },
		{ AUTHZ_R_MALFORMED, "malformed" },
		{ AUTHZ_R_UNKNOWN_USER, "unknown_user" },
		{ AUTHZ_R_BAD_PASSWORD, "bad_password" },
		{ AUTHZ_R_DISABLED, "disabled" },
		{ AUTHZ_R_EXPIRED, "expired" },
		{ AUTHZ_R_BAD_TOKEN, "bad_token" },
		{ AUTHZ_R_ROLE, "role" },
		{ AUTHZ_R_NETWORK, "network" },
		{ AUTHZ_R_DENY_RULE, "deny_rule" },
		{ AUTHZ_R_THROTTLED, "throttled" },
		{ AUTHZ_R_BUSY, "busy" },
		{ AUTHZ_R_BAD_PATH, "bad_path" },
		{ AUTHZ_R_INTERNAL, "internal" },
	};
	size_t i;

	for (i = 0; i < NITEMS(names); i++)
		ck_assert_str_eq(authz_reason_name(names[i].r), names[i].name);
	ck_assert_str_eq(authz_reason_name((enum authz_reason)1000),
	    "internal");
}
END_TEST

/* One slow verification that holds the pool's only place. */
struct busy_hold {
	struct hashpool	*bh_pool;
	const char	*bh_hash;
};

static void *
busy_hold_run(void *arg)
{
	struct busy_hold *bh = arg;

	/* "x" is not the password: 0, or -1 if the pool was taken. */
	if (hashpool_verify(bh->bh_pool, bh->bh_hash, "x", 1, NULL) == 1)
		abort();
	return NULL;
}

/*
 * Decides c while the hold may run; returns 1 if the verdict is known to
 * have been made while the pool was full (a 429, or the hold still in
 * flight afterwards), 0 if the hold ended first and the trial says
 * nothing.
 */
static int
tdecide_busy(const struct dcase *c, struct hashpool *hp,
    struct authz_verdict *v)
{
	char buf[4096];

	tdecide_render(c, v, buf, sizeof(buf));
	if (v->av_status == 429)
		ck_assert_uint_eq(v->av_retry_after, AUTHZ_BUSY_RETRY_SEC);
	return v->av_status == 429 || hashpool_inflight(hp) > 0;
}

/*
 * Every hashing place taken: a password that needs a verification is
 * answered 429 at once with Retry-After and reason "busy", never
 * "throttled" (the server is overloaded, not the client at fault), for
 * a known user and an unknown one alike.  A cached password needs no
 * verification and is still answered.  The pool's fullness is observed,
 * not timed: a trial whose hold ended too soon is run again.
 */
START_TEST(test_authz_busy)
{
	static const struct {
		struct dcase	c;
		int		status;
		enum authz_reason reason;
	} cases[] = {
		/* A wrong password: never cached, whatever a trial did. */
		{ { .name = "known user, needs a hash", .uri = "/site",
		    .auth = "basic:bob:wrong" }, 429, AUTHZ_R_BUSY },
		{ { .name = "unknown user", .uri = "/site",
		    .auth = "basic:nobody:x" }, 429, AUTHZ_R_BUSY },
		{ { .name = "cached", .uri = "/admin", .auth = ALICE }, 200,
		    AUTHZ_R_OK },
	};
	char			 slow[crypto_pwhash_STRBYTES];
	struct authz_verdict	 v;
	struct busy_hold	 bh;
	struct hashpool		*hp;
	pthread_t		 th;
	size_t			 i;
	int			 trial, conclusive = 0, waited;

	ck_assert_int_eq(crypto_pwhash_str(slow, "slow", 4, 8,
	    64U << 20), 0);
	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	pwcheck_attach_pool(tsvc(CF_MAIN)->as_pwcheck, hp);
	/* Puts alice in the cache, through the free pool. */
	(void)tdecide_busy(&cases[2].c, hp, &v);
	ck_assert_int_eq(v.av_status, 200);
	bh.bh_pool = hp;
	bh.bh_hash = slow;
	for (trial = 0; trial < 5 && !conclusive; trial++) {
		ck_assert_int_eq(pthread_create(&th, NULL, busy_hold_run,
		    &bh), 0);
		for (waited = 0; hashpool_inflight(hp) == 0 &&
		    waited < 30000; waited++)
			usleep(1000);
		ck_assert_uint_eq(hashpool_inflight(hp), 1);
		conclusive = 1;
		for (i = 0; i < NITEMS(cases) && conclusive; i++) {
			conclusive = tdecide_busy(&cases[i].c, hp, &v);
			if (!conclusive)
				break;
			ck_assert_msg(v.av_status == cases[i].status,
			    "%s: status %d", cases[i].c.name, v.av_status);
			ck_assert_int_eq(v.av_reason, cases[i].reason);
		}
		if (conclusive) {
			/* The last verdict, alice's, came from the cache. */
			ck_assert_int_eq(v.av_cache, AUTHZ_CACHE_HIT);
		}
		pthread_join(th, NULL);
	}
	ck_assert_msg(conclusive, "the hold never outlasted the decisions");
	pwcheck_attach_pool(tsvc(CF_MAIN)->as_pwcheck, NULL);
	hashpool_free(hp);
}
END_TEST

/*
 * Decides c as if ahead seconds had passed on the monotonic clock, so
 * that cache entries and recent successes age without waiting.
 */
static void
tdecide_at(const struct dcase *c, uint64_t ahead, struct authz_verdict *v)
{
	struct authz_facts f;

	tfacts(c, &f);
	f.af_mono += ahead;
	authz_decide(tconf(c->cf), tsvc(c->cf), &f, v);
}

/*
 * A flood holds every hashing place anyone may take, and alice's cache
 * entry has expired (ttl 300).  Her password, which verified less than
 * AUTHZ_RECENT_TTLS ttls ago, still gets a reserved place and is
 * verified in full (one verification, a cache miss): 200, where a
 * wrong password for her, bob's right one (never verified before), and
 * hers once her success is older than the recent lifetime get 429.
 * Two hashing threads and one place among max_inflight: the hold keeps
 * its place and the other thread is free for the reserved verification,
 * so every verdict is made while the pool is full; a trial whose hold
 * ended too soon is run again, later on the clock.
 */
START_TEST(test_authz_recent)
{
	static const struct dcase alice = { .name = "alice", .uri = "/site",
	    .auth = ALICE };
	static const struct dcase alice_wrong = { .name = "alice, wrong",
	    .uri = "/site", .auth = "basic:alice:alice-pw2" };
	static const struct dcase bob = { .name = "bob", .uri = "/site",
	    .auth = BOB };
	const uint64_t		 ttl = 300, life = ttl * AUTHZ_RECENT_TTLS;
	struct pwcheck		*pw = tsvc(CF_MAIN)->as_pwcheck;
	char			 slow[crypto_pwhash_STRBYTES];
	struct authz_verdict	 v;
	struct busy_hold	 bh;
	struct hashpool		*hp;
	pthread_t		 th;
	unsigned long long	 before;
	uint64_t		 t0;
	int			 trial, conclusive = 0, waited;

	ck_assert_uint_eq(tconf(CF_MAIN)->cf_cache_ttl, ttl);
	ck_assert_int_eq(crypto_pwhash_str(slow, "slow", 4, 8,
	    64U << 20), 0);
	ck_assert_ptr_nonnull(hp = hashpool_new(2, 1));
	pwcheck_attach_pool(pw, hp);
	bh.bh_pool = hp;
	bh.bh_hash = slow;
	for (trial = 0; trial < 5 && !conclusive; trial++) {
		/* alice succeeds while the pool is free: a recent success. */
		t0 = (uint64_t)trial * 2 * (life + ttl);
		tdecide_at(&alice, t0, &v);
		ck_assert_int_eq(v.av_status, 200);
		ck_assert_int_eq(pthread_create(&th, NULL, busy_hold_run,
		    &bh), 0);
		for (waited = 0; hashpool_inflight(hp) == 0 &&
		    waited < 30000; waited++)
			usleep(1000);
		ck_assert_uint_eq(hashpool_inflight(hp), 1);
		/* Not a recent success: no place. */
		tdecide_at(&bob, t0 + ttl, &v);
		ck_assert_msg(v.av_status == 429 || hashpool_inflight(hp) == 0,
		    "bob: status %d", v.av_status);
		tdecide_at(&alice_wrong, t0 + ttl, &v);
		ck_assert_msg(v.av_status == 429 || hashpool_inflight(hp) == 0,
		    "alice, wrong password: status %d", v.av_status);
		ck_assert_int_eq(v.av_cache, AUTHZ_CACHE_MISS);
		/* Expired in the cache, recent all the same. */
		before = pwcheck_verified(pw);
		tdecide_at(&alice, t0 + ttl, &v);
		ck_assert_msg(v.av_status == 200, "alice: status %d",
		    v.av_status);
		ck_assert_int_eq(v.av_cache, AUTHZ_CACHE_MISS);
		ck_assert_uint_eq(pwcheck_verified(pw), before + 1);
		/* That success counts from now on: its lifetime later, no
		 * place again. */
		tdecide_at(&alice, t0 + ttl + life, &v);
		ck_assert_msg(v.av_status == 429 || hashpool_inflight(hp) == 0,
		    "alice, long after: status %d", v.av_status);
		conclusive = hashpool_inflight(hp) > 0;
		pthread_join(th, NULL);
	}
	ck_assert_msg(conclusive, "the hold never outlasted the decisions");
	pwcheck_attach_pool(pw, NULL);
	hashpool_free(hp);
}
END_TEST

/*
 * A renewal (authcache.h: a hit late in the entry's ttl has the password
 * verified again in the background) stores the recent success too, so
 * that a credential in steady use, which no request verifies any more,
 * keeps its tag.  Seen by dropping the tag first and waiting, up to 30 s,
 * for the renewal to bring it back.
 */
START_TEST(test_authz_recent_renewed)
{
	static const struct dcase alice = { .name = "alice", .uri = "/site",
	    .auth = ALICE };
	struct authz_services	*sv = tsvc(CF_MAIN);
	const struct user	*us;
	const unsigned		 ttl = 300, life = ttl * AUTHZ_RECENT_TTLS;
	struct recent_key	 rk;
	struct authz_verdict	 v;
	struct hashpool		*hp;
	int			 waited;

	ck_assert_ptr_nonnull(hp = hashpool_new(1, 1));
	pwcheck_attach_pool(sv->as_pwcheck, hp);
	tdecide_at(&alice, 0, &v);
	ck_assert_int_eq(v.av_status, 200);
	us = users_find(tconf(CF_MAIN)->cf_users, "alice", 5);
	recent_key(sv->as_recent, us->us_name, us->us_hash, "alice-pw", 8,
	    &rk);
	ck_assert_int_eq(recent_lookup(sv->as_recent, &rk, monoclock_now(),
	    life), 1);
	recent_forget(sv->as_recent, &rk);
	/* Late in the entry's ttl: a hit that asks for a renewal. */
	tdecide_at(&alice, ttl * 7 / 8, &v);
	ck_assert_int_eq(v.av_status, 200);
	ck_assert_int_eq(v.av_cache, AUTHZ_CACHE_HIT);
	for (waited = 0; recent_lookup(sv->as_recent, &rk, monoclock_now(),
	    life) == 0 && waited < 30000; waited++)
		usleep(1000);
	ck_assert_msg(recent_lookup(sv->as_recent, &rk, monoclock_now(),
	    life) == 1, "the renewal did not store the recent success");
	/* The renewal holds references of its own: it ended meanwhile. */
	pwcheck_attach_pool(sv->as_pwcheck, NULL);
	hashpool_free(hp);
}
END_TEST

/*
 * Unknown users, wrong passwords and refused accounts get the same 401
 * in the same time (docs/security.md, user enumeration): each runs
 * exactly one verification, and the dummy hash an unknown user is
 * verified against costs what the users' own hashes cost.  Observed
 * through the verifier's count and the hashes' parameters, not timed.
 */
START_TEST(test_authz_same_work)
{
	static const struct {
		struct dcase		c;
		enum authz_reason	reason;
	} cases[] = {
		{ { .name = "unknown", .uri = "/site",
		    .auth = "basic:nobody:alice-pw" }, AUTHZ_R_UNKNOWN_USER },
		{ { .name = "wrong", .uri = "/site",
		    .auth = "basic:alice:wrong" }, AUTHZ_R_BAD_PASSWORD },
		{ { .name = "disabled, wrong password", .uri = "/site",
		    .auth = "basic:dave:wrong" }, AUTHZ_R_BAD_PASSWORD },
		{ { .name = "disabled, right password", .uri = "/site",
		    .auth = DAVE }, AUTHZ_R_DISABLED },
		{ { .name = "expired, right password", .uri = "/site",
		    .auth = ERIN }, AUTHZ_R_EXPIRED },
	};
	struct pwcheck		*pw = tsvc(CF_MAIN)->as_pwcheck;
	struct hashfmt		 dummy, real;
	const char		*why;
	struct authz_facts	 f;
	struct authz_verdict	 v;
	unsigned long long	 before;
	size_t			 i;
	int			 k;

	ck_assert_int_eq(hashfmt_parse(pwcheck_dummy_hash(pw), &dummy, &why),
	    0);
	ck_assert_int_eq(hashfmt_parse(alice_hash, &real, &why), 0);
	ck_assert_int_eq(dummy.hf_kind, real.hf_kind);
	ck_assert_uint_eq(dummy.hf_memory, real.hf_memory);
	ck_assert_uint_eq(dummy.hf_passes, real.hf_passes);
	/* Three times each: none of them is ever answered from the cache. */
	for (k = 0; k < 3; k++) {
		for (i = 0; i < NITEMS(cases); i++) {
			tfacts(&cases[i].c, &f);
			before = pwcheck_verified(pw);
			authz_decide(tconf(CF_MAIN), tsvc(CF_MAIN), &f, &v);
			ck_assert_int_eq(v.av_status, 401);
			ck_assert_int_eq(v.av_reason, cases[i].reason);
			ck_assert_msg(pwcheck_verified(pw) == before + 1,
			    "%s: %llu verifications, not 1", cases[i].c.name,
			    pwcheck_verified(pw) - before);
		}
	}
}
END_TEST

/*
 * A refusal after a verification is held back to the dummy's time
 * (pwcheck.h, pwcheck_timing).  The users' hashes here are argon2id at
 * t=1, 8 MiB; against a dummy at t=2, 16 MiB they are the cheaper kind,
 * as an imported bcrypt-5 is.  With every dummy time set to an hour,
 * every such refusal gets a deadline most of an hour away; an allow, a
 * cache hit, a 403 and an unknown user (the dummy itself) get none.  With
 * times of 1 ns, no verification is shorter, and none is held back; and
 * against a dummy that costs what the users' hashes cost (the daemon's
 * own, made from the typical hash), none is either.
 */
#define HOUR_NS		3600000000000ULL

static const struct {
	struct dcase	c;
	int		held;	/* 1: av_not_before an hour away */
} padding_cases[] = {
	{ { .name = "wrong password", .uri = "/site",
	    .auth = "basic:alice:wrong" }, 1 },
	{ { .name = "disabled, wrong password", .uri = "/site",
	    .auth = "basic:dave:wrong" }, 1 },
	{ { .name = "disabled, right password", .uri = "/site",
	    .auth = DAVE }, 1 },
	{ { .name = "expired, right password", .uri = "/site",
	    .auth = ERIN }, 1 },
	{ { .name = "unknown user", .uri = "/site",
	    .auth = "basic:nobody:alice-pw" }, 0 },
	{ { .name = "right password", .uri = "/site", .auth = ALICE }, 0 },
	{ { .name = "right password, cached", .uri = "/site",
	    .auth = ALICE }, 0 },
	{ { .name = "right password, no role", .uri = "/admin",
	    .auth = BOB }, 0 },
};

static void
tdummy_time(struct pwcheck *pw, uint64_t ns)
{
	int i;

	for (i = 0; i < 20; i++)
		pwcheck_note_dummy_time(pw, ns);
	ck_assert_uint_eq(pwcheck_dummy_time_ns(pw), ns);
}

/* Decides every padding case; held: whether the first four are held. */
static void
tpadding(const struct authz_services *sv, struct pwcheck *pw, uint64_t ns,
    int held)
{
	struct authz_facts	 f;
	struct authz_verdict	 v;
	size_t			 i;

	for (i = 0; i < NITEMS(padding_cases); i++) {
		/* The unknown user's own run joins the samples: reset. */
		tdummy_time(pw, ns);
		tfacts(&padding_cases[i].c, &f);
		authz_decide(tconf(CF_MAIN), sv, &f, &v);
		if (held && padding_cases[i].held)
			ck_assert_msg(v.av_status == 401 &&
			    v.av_not_before > monoclock_ns() + HOUR_NS / 2,
			    "%s: status %d, held until %llu, now %llu",
			    padding_cases[i].c.name, v.av_status,
			    (unsigned long long)v.av_not_before,
			    (unsigned long long)monoclock_ns());
		else
			ck_assert_msg(v.av_not_before == 0, "%s: held back",
			    padding_cases[i].c.name);
	}
}

START_TEST(test_authz_padding)
{
	struct authz_services	 sv = *tsvc(CF_MAIN);
	struct pwcheck		*dear;

	ck_assert_ptr_nonnull(dear = pwcheck_new(1, NULL, 2, 2 * TH_MEMLIMIT));
	sv.as_pwcheck = dear;
	tpadding(&sv, dear, HOUR_NS, 1);
	tpadding(&sv, dear, 1, 0);
	pwcheck_free(dear);
	/* The daemon's dummy: the users' own cost. */
	tpadding(tsvc(CF_MAIN), tsvc(CF_MAIN)->as_pwcheck, HOUR_NS, 0);
}
END_TEST

static Suite *
authz_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("authz");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_authz_allow, 0, NITEMS(allow_cases));
	tcase_add_loop_test(tc, test_authz_forbid, 0, NITEMS(forbid_cases));
	tcase_add_loop_test(tc, test_authz_apache, 0, NITEMS(apache_cases));
	tcase_add_loop_test(tc, test_authz_path_tricks, 0,
	    NITEMS(trick_cases));
	tcase_add_loop_test(tc, test_authz_proxy, 0, NITEMS(proxy_cases));
	tcase_add_loop_test(tc, test_authz_http, 0, NITEMS(http_cases));
	tcase_add_test(tc, test_authz_cache);
	tcase_add_loop_test(tc, test_authz_cache_use, 0,
	    NITEMS(cache_use_cases));
	tcase_add_test(tc, test_authz_reason_names);
	tcase_add_test(tc, test_authz_padding);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_authz_verdict_reset);
	tcase_add_test(tc, test_authz_same_work);
	tcase_add_test(tc, test_authz_busy);
	tcase_add_test(tc, test_authz_recent);
	tcase_add_test(tc, test_authz_recent_renewed);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_authz_unauth, 0, NITEMS(unauth_cases));
	tcase_add_loop_test(tc, test_authz_bad_path, 0,
	    NITEMS(badpath_cases));
	tcase_add_loop_test(tc, test_authz_internal, 0,
	    NITEMS(internal_cases));
	suite_add_tcase(s, tc);

	return s;
}

/* Password hashes and token digests for the users files. */
static int
tusers_build(void)
{
	static const struct { const char *name, *pw, *extra; } us[] = {
		{ "alice", "alice-pw", "roles = admin, editor\n" },
		{ "bob", "bob-pw", "roles = editor\n" },
		{ "carol", "carol-pw", "" },
		{ "root", "root-pw", "" },
		{ "dave", "dave-pw", "roles = admin\ndisabled = yes\n" },
		{ "erin", "erin-pw", "roles = admin\nexpires = 2001-01-01\n" },
		{ "frank", "frank-pw",
		    "roles = editor\nexpires = 2999-12-31\n" },
		{ "gina", GINA_PW, "roles = editor\n" },
	};
	static const struct { const char *name, *tok, *extra; } tks[] = {
		{ "ci", TOK_CI, "user = alice\nroles = editor\n" },
		{ "old", TOK_OLD, "user = alice\nexpires = 2001-01-01\n" },
		{ "dis", TOK_DIS, "user = dave\n" },
		{ "gone", TOK_GONE, "user = erin\n" },
		{ "bobs", TOK_BOB, "user = bob\n" },
	};
	char		 hash[crypto_pwhash_STRBYTES];
	unsigned char	 digest[32];
	char		 hex[65], *p;
	size_t		 i, left;
	int		 n;

	p = users_text[0];
	left = sizeof(users_text[0]);
	for (i = 0; i < NITEMS(us); i++) {
		if (crypto_pwhash_str_alg(hash, us[i].pw, strlen(us[i].pw),
		    TH_OPSLIMIT, TH_MEMLIMIT,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			return -1;
		if (i == 0)
			memcpy(alice_hash, hash, sizeof(hash));
		n = snprintf(p, left, "[user:%s]\npassword = %s\n%s\n",
		    us[i].name, hash, us[i].extra);
		if (n < 0 || (size_t)n >= left)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	memcpy(users_text[1], users_text[0], sizeof(users_text[0]));
	p = users_text[1] + strlen(users_text[1]);
	left = sizeof(users_text[1]) - strlen(users_text[1]);
	for (i = 0; i < NITEMS(tks); i++) {
		crypto_generichash(digest, sizeof(digest),
		    (const unsigned char *)tks[i].tok, strlen(tks[i].tok),
		    NULL, 0);
		sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
		n = snprintf(p, left, "[token:%s]\n%shash = blake2b:%s\n\n",
		    tks[i].name, tks[i].extra, hex);
		if (n < 0 || (size_t)n >= left)
			return -1;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int
main(void)
{
	return check_run_prepared(tusers_build, authz_suite);
}
