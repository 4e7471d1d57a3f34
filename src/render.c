/*
 * A verdict turned into the bytes of the FastCGI answer: the header block
 * and a short body (docs/servers.md, How every server talks).
 */
#include "config.h"

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

/*
 * FastCGI 6.3: only Variable-* headers count on a 200.  Copies, not
 * printf: this is every granted request's answer.
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
 * nginx 1.22 passes on only the first WWW-Authenticate.
 */
static void
render_challenge(const struct conf *cf, const struct authz_verdict *v,
    struct strbuf *sb)
{
	int tokens = users_token_count(cf->cf_users) > 0;

	switch (v->av_challenge) {
	case AUTHZ_CH_NONE:
		break;
	case AUTHZ_CH_BAD_TOKEN:
		if (tokens)
			strbuf_appendf(sb, "WWW-Authenticate: "
			    "Bearer realm=\"%s\", error=\"invalid_token\"\r\n",
			    cf->cf_realm);
		strbuf_appendf(sb, "WWW-Authenticate: Basic "
		    "realm=\"%s\", charset=\"UTF-8\"\r\n", cf->cf_realm);
		break;
	case AUTHZ_CH_LOGIN:
		strbuf_appendf(sb, "WWW-Authenticate: Basic "
		    "realm=\"%s\", charset=\"UTF-8\"\r\n", cf->cf_realm);
		if (tokens)
			strbuf_appendf(sb, "WWW-Authenticate: "
			    "Bearer realm=\"%s\"\r\n", cf->cf_realm);
		break;
	case AUTHZ_CH_SCOPE:
		strbuf_appendf(sb, "WWW-Authenticate: Bearer "
		    "realm=\"%s\", error=\"insufficient_scope\"\r\n",
		    cf->cf_realm);
		break;
	}
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
	if (cf != NULL)
		render_challenge(cf, v, &sb);
	if (v->av_status == 429)
		strbuf_appendf(&sb, "Retry-After: %u\r\n", v->av_retry_after);
	strbuf_appendf(&sb, "Content-Type: text/plain; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n\r\n%d %s\n",
	    v->av_status, text);
	return sb.sb_overflow ? 0 : sb.sb_len;
}
