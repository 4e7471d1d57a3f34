/*
 * A verdict turned into the bytes of the FastCGI answer: the header block
 * and a short body (docs/servers.md, How every server talks).
 */
#include "config.h"

#include <stdio.h>

#include "authz.h"
#include "conf.h"
#include "render.h"
#include "strbuf.h"
#include "users.h"

/*
 * Appends "name: value\r\n".  An answer that overflowed is thrown away
 * whole (render_verdict), so a cut header is never sent.
 */
static void
render_put_header(struct strbuf *sb, const char *name, const char *value)
{
	strbuf_append(sb, name);
	strbuf_appendn(sb, ": ", 2);
	strbuf_append(sb, value);
	strbuf_appendn(sb, "\r\n", 2);
}

/* render_put_fn for the FastCGI answer: a line in a strbuf. */
static int
render_put_line(void *arg, const char *name, const char *value)
{
	render_put_header(arg, name, value);
	return 0;
}

/*
 * The identity of a 200 for a proxy (render.h): Remote-User,
 * Remote-Groups and Remote-Rule, empty when there is nothing to say.
 */
static int
render_identity(const struct authz_verdict *v, render_put_fn put, void *arg)
{
	return put(arg, "Remote-User", v->av_user) == -1 ||
	    put(arg, "Remote-Groups", v->av_user[0] != '\0' &&
	    v->av_roles != NULL ? v->av_roles : "") == -1 ||
	    put(arg, "Remote-Rule", v->av_rule != NULL ?
	    v->av_rule : "") == -1 ? -1 : 0;
}

/*
 * FastCGI 6.3: only Variable-* headers count on a 200.  In the RESPONDER
 * role (nginx's auth_request, Caddy's forward_auth with its FastCGI
 * transport) they are plain headers of the answer, and Caddy copies
 * Remote-* ones: those are there too.  Copies, not printf: this is every
 * granted request's answer.
 */
static size_t
render_granted(const struct authz_verdict *v, char *buf, size_t bufsz)
{
	struct strbuf sb;

	strbuf_init(&sb, buf, bufsz);
	render_put_header(&sb, "Status", "200 OK");
	if (v->av_user[0] != '\0') {
		render_put_header(&sb, "Variable-REMOTE_USER", v->av_user);
		render_put_header(&sb, "Variable-AUTHZ_ROLES",
		    v->av_roles != NULL ? v->av_roles : "");
		render_put_header(&sb, "Variable-AUTH_TYPE",
		    v->av_auth_type != NULL ? v->av_auth_type : "");
	}
	if (v->av_rule != NULL)
		render_put_header(&sb, "Variable-AUTHZ_RULE", v->av_rule);
	if (v->av_role == AUTHZ_ROLE_RESPONDER)
		(void)render_identity(v, render_put_line, &sb);
	strbuf_appendn(&sb, "\r\n", 2);	/* the blank line */
	return sb.sb_overflow ? 0 : sb.sb_len;
}

static const char *
render_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 429: return "Too Many Requests";
	default: return "Internal Server Error";
	}
}

/*
 * RFC 9110 11.6.1: every 401 carries a challenge; the Bearer one (RFC
 * 6750 3) only when tokens exist, and first when a token was refused, as
 * nginx 1.22 passes on only the first WWW-Authenticate.  Each goes to
 * put as a WWW-Authenticate value; -1 if put failed or one did not fit.
 */
static int
render_challenge(const struct conf *cf, const struct authz_verdict *v,
    render_put_fn put, void *arg)
{
	char		 basic[AUTHZ_REALM_MAX + 64], bearer[AUTHZ_REALM_MAX + 64];
	const char	*first = NULL, *second = NULL;
	int		 tokens = users_token_count(cf->cf_users) > 0, n;

	n = snprintf(basic, sizeof(basic), "Basic realm=\"%s\", "
	    "charset=\"UTF-8\"", cf->cf_realm);
	if (n < 0 || (size_t)n >= sizeof(basic))
		return -1;
	switch (v->av_challenge) {
	case AUTHZ_CH_NONE:
		return 0;
	case AUTHZ_CH_BAD_TOKEN:
		n = snprintf(bearer, sizeof(bearer), "Bearer realm=\"%s\", "
		    "error=\"invalid_token\"", cf->cf_realm);
		first = tokens ? bearer : NULL;
		second = basic;
		break;
	case AUTHZ_CH_LOGIN:
		n = snprintf(bearer, sizeof(bearer), "Bearer realm=\"%s\"",
		    cf->cf_realm);
		first = basic;
		second = tokens ? bearer : NULL;
		break;
	case AUTHZ_CH_SCOPE:
		n = snprintf(bearer, sizeof(bearer), "Bearer realm=\"%s\", "
		    "error=\"insufficient_scope\"", cf->cf_realm);
		first = bearer;
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(bearer))
		return -1;
	if (first != NULL && put(arg, "WWW-Authenticate", first) == -1)
		return -1;
	if (second != NULL && put(arg, "WWW-Authenticate", second) == -1)
		return -1;
	return 0;
}

size_t
render_verdict(const struct conf *cf, const struct authz_verdict *v,
    char *buf, size_t bufsz)
{
	struct strbuf	 sb;
	const char	*text = render_status_text(v->av_status);

	/* Status first, always with a reason phrase (docs/servers.md). */
	if (v->av_status == 200)
		return render_granted(v, buf, bufsz);
	strbuf_init(&sb, buf, bufsz);
	strbuf_appendf(&sb, "Status: %d %s\r\n", v->av_status, text);
	if (cf != NULL && render_challenge(cf, v, render_put_line, &sb) == -1)
		return 0;
	if (v->av_status == 429)
		strbuf_appendf(&sb, "Retry-After: %u\r\n", v->av_retry_after);
	strbuf_appendf(&sb, "Content-Type: text/plain; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n\r\n%d %s\n",
	    v->av_status, text);
	return sb.sb_overflow ? 0 : sb.sb_len;
}

/*
 * The forward-auth answer's headers (render.h).  Remote-* on every 200,
 * empty when there is nothing to say (a public path, no credentials).
 */
int
render_http_headers(const struct conf *cf, const struct authz_verdict *v,
    render_put_fn put, void *arg)
{
	char retry[16];

	if (v->av_status == 200)
		return render_identity(v, put, arg) == -1 ||
		    put(arg, "Cache-Control", "no-store") == -1 ? -1 : 0;
	if (cf != NULL && render_challenge(cf, v, put, arg) == -1)
		return -1;
	if (v->av_status == 429) {
		(void)snprintf(retry, sizeof(retry), "%u", v->av_retry_after);
		if (put(arg, "Retry-After", retry) == -1)
			return -1;
	}
	return put(arg, "Content-Type", "text/plain; charset=utf-8") == -1 ||
	    put(arg, "Cache-Control", "no-store") == -1 ? -1 : 0;
}

int
render_http_status(const struct authz_verdict *v)
{
	switch (v->av_status) {
	case 200: case 400: case 401: case 403: case 429:
		return v->av_status;
	default:
		return 500;
	}
}

size_t
render_http_body(const struct authz_verdict *v, char *buf, size_t bufsz)
{
	int status = render_http_status(v), n;

	if (status == 200)
		n = snprintf(buf, bufsz, "%s", "");
	else
		n = snprintf(buf, bufsz, "%d %s\n", status,
		    render_status_text(status));
	return n < 0 || (size_t)n >= bufsz ? 0 : (size_t)n;
}
