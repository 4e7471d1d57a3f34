/*
 * "explain": what the daemon would answer to one request, and why in
 * words.  The verdict is the daemon's own authz_decide() on the loaded
 * configuration, not a second implementation of it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "authz.h"
#include "conf.h"
#include "ctl.h"
#include "defaults.h"
#include "errlist.h"
#include "monoclock.h"
#include "netaddr.h"
#include "rules.h"
#include "services.h"
#include "strbuf.h"
#include "users.h"

/* What "explain" was asked. */
struct ctl_explain_req {
	const char	*ce_user;
	const char	*ce_from;
	const char	*ce_method;
	const char	*ce_path;
	int		 ce_pw_stdin;
	int		 ce_tok_stdin;
};

/* A name for a message: as it is if the daemon accepts it as a name,
 * else escaped (ctl_quote) into buf. */
static const char *
ctl_explain_who(const char *name, char *buf, size_t bufsz)
{
	if (users_name_is_valid(name, strlen(name)))
		return name;
	return ctl_quote(name, buf, bufsz);
}

/* The rule a verdict names (av_rule points at its ru_name), or NULL for
 * the default. */
static const struct rule *
ctl_explain_rule(const struct conf *cf, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cf->cf_nrules; i++)
		if (cf->cf_rules[i].ru_name == name)
			return &cf->cf_rules[i];
	return NULL;
}

/* What a restricted rule asks for: "roles admin, editor or users root". */
static void
ctl_explain_wants(const struct rule *ru, char *buf, size_t bufsz)
{
	struct strbuf	sb;
	size_t		i;

	strbuf_init(&sb, buf, bufsz);
	if (ru->ru_nroles > 0) {
		strbuf_appendf(&sb, "role%s ", ru->ru_nroles > 1 ? "s" : "");
		for (i = 0; i < ru->ru_nroles; i++)
			strbuf_appendf(&sb, "%s%s", i > 0 ? ", " : "",
			    ru->ru_roles[i]);
	}
	if (ru->ru_nusers > 0) {
		strbuf_appendf(&sb, "%suser%s ", sb.sb_len > 0 ? " or " : "",
		    ru->ru_nusers > 1 ? "s" : "");
		for (i = 0; i < ru->ru_nusers; i++)
			strbuf_appendf(&sb, "%s%s", i > 0 ? ", " : "",
			    ru->ru_users[i]);
	}
	if (sb.sb_len == 0)
		strbuf_append(&sb, "nobody");
}

/* One line, in words, for the verdict's reason. */
static void
ctl_explain_why(const struct conf *cf, const struct authz_verdict *v,
    const char *u, int token, char *buf, size_t bufsz)
{
	const struct rule	*ru = ctl_explain_rule(cf, v->av_rule);
	char			 rn[128], wants[512];

	if (ru != NULL)
		snprintf(rn, sizeof(rn), "rule \"%s\"", ru->ru_name);
	else
		snprintf(rn, sizeof(rn), "the default (no rule matched; "
		    "default = %s)", cf->cf_default == CONF_DEFAULT_DENY ?
		    "deny" : "authenticate");
	switch (v->av_reason) {
	case AUTHZ_R_OK:
		if (ru == NULL || ru->ru_access == RULE_AUTHENTICATED)
			snprintf(buf, bufsz, "%s lets any authenticated user "
			    "in, and %s is one", rn, u);
		else {
			ctl_explain_wants(ru, wants, sizeof(wants));
			snprintf(buf, bufsz, "%s asks for %s, and %s has it",
			    rn, wants, u);
		}
		break;
	case AUTHZ_R_PUBLIC:
		snprintf(buf, bufsz, "%s is public: no credentials needed",
		    rn);
		break;
	case AUTHZ_R_NO_CREDENTIALS:
		snprintf(buf, bufsz, "%s needs a login, and the request "
		    "carries no credentials", rn);
		break;
	case AUTHZ_R_MALFORMED:
		snprintf(buf, bufsz, "the credentials are malformed (not "
		    "well-formed Basic or Bearer, or control characters or "
		    "invalid UTF-8)");
		break;
	case AUTHZ_R_UNKNOWN_USER:
		snprintf(buf, bufsz, "there is no user \"%s\" in the users "
		    "file", u);
		break;
	case AUTHZ_R_BAD_PASSWORD:
		snprintf(buf, bufsz, "the password of \"%s\" is wrong", u);
		break;
	case AUTHZ_R_DISABLED:
		snprintf(buf, bufsz, "the account \"%s\" is disabled", u);
		break;
	case AUTHZ_R_EXPIRED:
		snprintf(buf, bufsz, token ? "the token, or the account "
		    "\"%s\" it acts for, has expired" :
		    "the account \"%s\" has expired", u);
		break;
	case AUTHZ_R_BAD_TOKEN:
		snprintf(buf, bufsz, "no token matches: unknown or revoked");
		break;
	case AUTHZ_R_ROLE:
		if (ru != NULL) {
			ctl_explain_wants(ru, wants, sizeof(wants));
			snprintf(buf, bufsz, "%s asks for %s, and %s%s has "
			    "none of them", rn, wants, u,
			    token ? " (through this token)" : "");
		} else
			snprintf(buf, bufsz, "%s refuses %s", rn, u);
		break;
	case AUTHZ_R_NETWORK:
		snprintf(buf, bufsz, "%s is not in the networks of %s",
		    v->av_addr[0] != '\0' ? v->av_addr : "the address", rn);
		break;
	case AUTHZ_R_DENY_RULE:
		if (ru != NULL)
			snprintf(buf, bufsz, "%s denies access", rn);
		else
			snprintf(buf, bufsz, "no rule matched, and default = "
			    "deny");
		break;
	case AUTHZ_R_THROTTLED:
		snprintf(buf, bufsz, "too many failed attempts from this "
		    "address or for this user");
		break;
	case AUTHZ_R_BUSY:
		snprintf(buf, bufsz, "every hashing slot is taken: the "
		    "server sheds this verification; try again");
		break;
	case AUTHZ_R_BAD_PATH:
		snprintf(buf, bufsz, "the path or method cannot be used (a "
		    "bad %%-escape, an encoded / or NUL, .. above the root, "
		    "or too long)");
		break;
	case AUTHZ_R_INTERNAL:
	default:
		snprintf(buf, bufsz, "internal failure: %s",
		    v->av_detail != NULL ? v->av_detail : "unknown");
		break;
	}
}

static void
ctl_explain_print(const struct conf *cf, const struct authz_facts *f,
    const struct authz_verdict *v, const char *roles, int token)
{
	const char	*who;
	char		 why[4096], q[AUTHZ_URI_MAX * 4 + 8];
	char		 user[AUTHZ_CRED_USER_MAX * 4 + 8];

	who = v->av_user[0] == '\0' ? "-" :
	    ctl_explain_who(v->av_user, user, sizeof(user));
	ctl_explain_why(cf, v, who, token, why, sizeof(why));
	printf("decision: %s\n", v->av_status == 200 ? "allow" : "deny");
	printf("status: %d\n", v->av_status);
	printf("reason: %s\n", authz_reason_name(v->av_reason));
	printf("rule: %s\n", v->av_rule != NULL ? v->av_rule : "-");
	printf("method: %s\n", ctl_quote(f->af_method, q, sizeof(q)));
	printf("path: %s\n", v->av_path[0] != '\0' ?
	    ctl_quote(v->av_path, q, sizeof(q)) : "-");
	printf("from: %s\n", v->av_addr[0] != '\0' ? v->av_addr : "-");
	printf("user: %s\n", who);
	printf("roles: %s\n", roles != NULL && roles[0] != '\0' ? roles : "-");
	printf("why: %s\n", why);
}

static void
ctl_explain_args(int argc, char **argv, struct ctl_explain_req *ce)
{
	static const struct ctl_opt opts[] = {
		{ "user", 1, CTL_O_USER },
		{ "password-stdin", 0, CTL_O_PWSTDIN },
		{ "token-stdin", 0, CTL_O_TOKEN_STDIN },
		{ "from", 1, CTL_O_FROM },
		{ NULL, 0, 0 }
	};
	struct ctl_args	 a;
	struct netaddr	 na;
	const char	*v;
	char		 q[64];
	int		 id;

	memset(ce, 0, sizeof(*ce));
	ce->ce_from = "127.0.0.1";
	ctl_args_init(&a, argc, argv, "explain");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_USER)
			ce->ce_user = v;
		else if (id == CTL_O_PWSTDIN)
			ce->ce_pw_stdin = 1;
		else if (id == CTL_O_TOKEN_STDIN)
			ce->ce_tok_stdin = 1;
		else if (id == CTL_O_FROM)
			ce->ce_from = v;
		else if (ce->ce_method == NULL)
			ce->ce_method = v;
		else if (ce->ce_path == NULL)
			ce->ce_path = v;
		else
			ctl_usage_error("explain: too many arguments");
	}
	if (ce->ce_method == NULL || ce->ce_path == NULL)
		ctl_usage_error("explain: METHOD and PATH needed");
	if (ce->ce_user != NULL && ce->ce_tok_stdin)
		ctl_usage_error("explain: --user and --token-stdin exclude "
		    "each other");
	if (ce->ce_pw_stdin && ce->ce_user == NULL)
		ctl_usage_error("explain: --password-stdin needs --user");
	if (ce->ce_user != NULL && (ce->ce_user[0] == '\0' ||
	    strlen(ce->ce_user) > AUTHZ_CRED_USER_MAX))
		ctl_usage_error("explain: --user: 1 to %d bytes",
		    AUTHZ_CRED_USER_MAX);
	if (netaddr_parse(ce->ce_from, &na) == -1)
		ctl_usage_error("explain: --from: \"%s\" is not an IPv4 or "
		    "IPv6 address", ctl_quote(ce->ce_from, q, sizeof(q)));
}

/*
 * The credentials of the request, as a web server would pass them:
 * REMOTE_USER and REMOTE_PASSWD (Apache), REMOTE_USER alone (Apache's
 * AUTHORIZER phase: already authenticated), or "Bearer <token>".  The
 * secrets are read into sec and bearer.  0 or -1 (printed).
 */
static int
ctl_explain_credentials(const struct ctl_explain_req *ce,
    struct authz_facts *f, struct ctl_secret *sec, struct ctl_secret *bearer)
{
	if (ce->ce_pw_stdin) {
		if (ctl_secret_password(1, 0, NULL, sec) == -1)
			return -1;
		f->af_remote_user = ce->ce_user;
		f->af_remote_passwd = sec->sc_buf;
	} else if (ce->ce_user != NULL) {
		f->af_phase = AUTHZ_PHASE_AUTHORIZER;
		f->af_remote_user = ce->ce_user;
	} else if (ce->ce_tok_stdin) {
		if (ctl_secret_from_stdin(sec, AUTHZ_TOKEN_MAX, "token") == -1)
			return -1;
		memcpy(bearer->sc_buf, "Bearer ", 7);
		memcpy(bearer->sc_buf + 7, sec->sc_buf, sec->sc_len + 1);
		f->af_authorization = bearer->sc_buf;
	}
	return 0;
}

/*
 * The roles to show: those the request was granted with; after a role
 * refusal, those the user or token holds (a lookup for the reader, not
 * part of the decision).
 */
static const char *
ctl_explain_roles(const struct users *u, const struct authz_verdict *v,
    const struct ctl_secret *token)
{
	const struct user	*us;
	const struct token	*tk;
	uint8_t			 digest[AUTHZ_TOKEN_DIGEST_LEN];

	if (v->av_status == 200 || v->av_reason != AUTHZ_R_ROLE)
		return v->av_roles;
	if (token != NULL) {
		crypto_generichash(digest, sizeof(digest),
		    (const unsigned char *)token->sc_buf, token->sc_len, NULL,
		    0);
		tk = users_find_token(u, digest);
		sodium_memzero(digest, sizeof(digest));
		return tk != NULL ? tk->tk_roles_joined : NULL;
	}
	us = users_find(u, v->av_user, strlen(v->av_user));
	return us != NULL ? us->us_roles_joined : NULL;
}

/* With --user alone, the password was taken as right: say so. */
static void
ctl_explain_note(const struct users *u, const char *user)
{
	char q[AUTHZ_CRED_USER_MAX * 4 + 8];

	printf("note: password not checked: this is what %s gets once "
	    "authenticated%s\n", ctl_explain_who(user, q, sizeof(q)),
	    users_find(u, user, strlen(user)) == NULL ?
	    " (not in the users file: no roles)" : "");
}

/*
 * What the daemon decides with besides the files (services.h), but no
 * throttle table: explaining must not count failures.  0 or -1
 * (printed).
 */
static int
ctl_explain_services(const struct ctl_view *vw, struct authz_services *svc)
{
	struct errlist	errs;
	int		rc;

	errlist_init(&errs);
	rc = services_prepare(svc, vw->vw_conf, NULL, NULL, &errs);
	errlist_print(&errs, stderr);
	errlist_free(&errs);
	return rc;
}

int
ctl_explain_request(struct ctl *c, int argc, char **argv)
{
	struct ctl_explain_req	 ce;
	struct ctl_view		 vw;
	struct ctl_secret	 sec, bearer;
	struct authz_facts	 f;
	struct authz_verdict	 verdict;
	struct authz_services	 svc;
	int			 rc = CTL_NO;

	ctl_explain_args(argc, argv, &ce);
	if (c->c_conf_path == NULL)
		ctl_usage_error("explain: needs the configuration (-c), not "
		    "-u: the rules are there");
	ctl_secret_init(&sec);
	ctl_secret_init(&bearer);
	memset(&f, 0, sizeof(f));
	memset(&verdict, 0, sizeof(verdict));
	memset(&svc, 0, sizeof(svc));
	if (ctl_view_load(c, &vw) == -1 ||
	    ctl_explain_services(&vw, &svc) == -1)
		goto done;
	f.af_role = AUTHZ_ROLE_AUTHORIZER;
	f.af_phase = AUTHZ_PHASE_NONE;
	f.af_method = ce.ce_method;
	f.af_uri = ce.ce_path;
	f.af_remote_addr = ce.ce_from;
	f.af_now = time(NULL);
	f.af_mono = monoclock_now();
	if (ctl_explain_credentials(&ce, &f, &sec, &bearer) == -1)
		goto done;
	/* The daemon's decision, not a second implementation of it. */
	authz_decide(vw.vw_conf, &svc, &f, &verdict);
	ctl_explain_print(vw.vw_conf, &f, &verdict,
	    ctl_explain_roles(vw.vw_users, &verdict,
	    ce.ce_tok_stdin ? &sec : NULL), ce.ce_tok_stdin);
	if (ce.ce_user != NULL && !ce.ce_pw_stdin)
		ctl_explain_note(vw.vw_users, ce.ce_user);
	rc = verdict.av_status == 200 ? CTL_OK : CTL_NO;
done:
	services_free(&svc);
	ctl_view_free(&vw);
	sodium_memzero(&f, sizeof(f));
	sodium_memzero(&verdict, sizeof(verdict));
	ctl_secret_wipe(&sec);
	ctl_secret_wipe(&bearer);
	return rc;
}
