/*
 * A verdict turned into the bytes of the FastCGI answer: the header block
 * and a short body (docs/servers.md, How every server talks).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "conf.h"
#include "render.h"
#include "users.h"

/* Appends to the response; sets *ok to 0 when it does not fit. */
static void
render_out(char *buf, size_t bufsz, size_t *len, int *ok, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
render_out(char *buf, size_t bufsz, size_t *len, int *ok, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (!*ok)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, bufsz - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz - *len) {
		*ok = 0;
		return;
	}
	*len += (size_t)n;
}

/* Appends "name: value\r\n"; *ok as for render_out(). */
static void
render_put_header(char *buf, size_t bufsz, size_t *len, int *ok,
    const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);

	if (!*ok || nlen + vlen + 4 >= bufsz - *len) {
		*ok = 0;
		return;
	}
	memcpy(buf + *len, name, nlen);
	memcpy(buf + *len + nlen, ": ", 2);
	memcpy(buf + *len + nlen + 2, value, vlen);
	memcpy(buf + *len + nlen + 2 + vlen, "\r\n", 3);
	*len += nlen + vlen + 4;
}

/*
 * FastCGI 6.3: only Variable-* headers count on a 200.  Copies, not
 * printf: this is every granted request's answer.
 */
static size_t
render_granted(const struct authz_verdict *v, char *buf, size_t bufsz)
{
	size_t	len = 0;
	int	ok = 1;

	render_put_header(buf, bufsz, &len, &ok, "Status", "200 OK");
	if (v->av_user[0] != '\0') {
		render_put_header(buf, bufsz, &len, &ok, "Variable-REMOTE_USER",
		    v->av_user);
		render_put_header(buf, bufsz, &len, &ok, "Variable-AUTHZ_ROLES",
		    v->av_roles != NULL ? v->av_roles : "");
		render_put_header(buf, bufsz, &len, &ok, "Variable-AUTH_TYPE",
		    v->av_auth_type != NULL ? v->av_auth_type : "");
	}
	if (v->av_rule != NULL)
		render_put_header(buf, bufsz, &len, &ok, "Variable-AUTHZ_RULE",
		    v->av_rule);
	if (!ok || bufsz - len < 3)
		return 0;
	memcpy(buf + len, "\r\n", 3);	/* the blank line, and a NUL */
	return len + 2;
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
    char *buf, size_t bufsz, size_t *len, int *ok)
{
	int tokens = users_token_count(cf->cf_users) > 0;

	switch (v->av_challenge) {
	case AUTHZ_CH_NONE:
		break;
	case AUTHZ_CH_BAD_TOKEN:
		if (tokens)
			render_out(buf, bufsz, len, ok, "WWW-Authenticate: "
			    "Bearer realm=\"%s\", error=\"invalid_token\"\r\n",
			    cf->cf_realm);
		render_out(buf, bufsz, len, ok, "WWW-Authenticate: Basic "
		    "realm=\"%s\", charset=\"UTF-8\"\r\n", cf->cf_realm);
		break;
	case AUTHZ_CH_LOGIN:
		render_out(buf, bufsz, len, ok, "WWW-Authenticate: Basic "
		    "realm=\"%s\", charset=\"UTF-8\"\r\n", cf->cf_realm);
		if (tokens)
			render_out(buf, bufsz, len, ok, "WWW-Authenticate: "
			    "Bearer realm=\"%s\"\r\n", cf->cf_realm);
		break;
	case AUTHZ_CH_SCOPE:
		render_out(buf, bufsz, len, ok, "WWW-Authenticate: Bearer "
		    "realm=\"%s\", error=\"insufficient_scope\"\r\n",
		    cf->cf_realm);
		break;
	}
}

size_t
render_verdict(const struct conf *cf, const struct authz_verdict *v,
    char *buf, size_t bufsz)
{
	size_t		len = 0;
	int		ok = 1;
	const char	*text = render_status_text(v->av_status);

	/* Status first, always with a reason phrase (docs/servers.md). */
	if (v->av_status == 200)
		return render_granted(v, buf, bufsz);
	render_out(buf, bufsz, &len, &ok, "Status: %d %s\r\n", v->av_status,
	    text);
	if (cf != NULL)
		render_challenge(cf, v, buf, bufsz, &len, &ok);
	if (v->av_status == 429)
		render_out(buf, bufsz, &len, &ok, "Retry-After: %u\r\n",
		    v->av_retry_after);
	render_out(buf, bufsz, &len, &ok, "Content-Type: text/plain; "
	    "charset=utf-8\r\nCache-Control: no-store\r\n\r\n%d %s\n",
	    v->av_status, text);
	return ok ? len : 0;
}
