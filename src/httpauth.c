/*
 * The Authorization header (httpauth.h): the grammar of RFC 9110 section
 * 11 spelled out byte by byte (no locale), every cap checked before any
 * decoding, and Basic decoded into one stack buffer that is wiped.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include <sodium.h>

#include "httpauth.h"
#include "text.h"

/*
 * Basic credentials decode into one stack buffer: user-id ":" password
 * (RFC 7617 section 2).  The longest acceptable pair fills it exactly, so
 * anything that does not fit is over a cap anyway.
 */
#define HTTPAUTH_BASIC_BIN_MAX	(AUTHZ_CRED_USER_MAX + 1 + AUTHZ_PASSWORD_MAX)

/* Padded base64 length of HTTPAUTH_BASIC_BIN_MAX bytes (RFC 4648 section 4). */
#define HTTPAUTH_BASIC_B64_MAX	(((HTTPAUTH_BASIC_BIN_MAX + 2) / 3) * 4)

static int	httpauth_is_tchar(unsigned char);
static int	httpauth_is_t68char(unsigned char);
static size_t	httpauth_token_len(const char *, size_t);
static int	httpauth_is_token68(const char *, size_t);
static int	httpauth_scheme_is(const char *, size_t, const char *);
static enum httpauth_result httpauth_set_userpass(struct httpauth_cred *,
		    const char *, size_t, const char *, size_t);
static enum httpauth_result httpauth_basic(struct httpauth_cred *,
		    const char *, size_t);
static enum httpauth_result httpauth_bearer(struct httpauth_cred *,
		    const char *, size_t);

/*
 * RFC 9110 section 5.6.2: tchar.  Spelled out rather than taken from
 * <ctype.h> so that no locale can widen the set.
 */
static int
httpauth_is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9110 section 11.2: the token68 characters before any "=". */
static int
httpauth_is_t68char(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
	    c == '/';
}

/* Returns the length of the token that starts s[0..len), 0 if none. */
static size_t
httpauth_token_len(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && httpauth_is_tchar((unsigned char)s[i]); i++)
		continue;
	return i;
}

/*
 * RFC 9110 section 11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" /
 * "~" / "+" / "/" ) *"=".  The whole of s[0..len) must match: a comma, a
 * space or a CR after the token means a merged or smuggled header.
 */
static int
httpauth_is_token68(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && httpauth_is_t68char((unsigned char)s[i]); i++)
		continue;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

/*
 * RFC 9110 section 11.1: the auth-scheme is case-insensitive.  ASCII
 * folding by hand, because strncasecmp() follows the locale.
 */
static int
httpauth_scheme_is(const char *s, size_t len, const char *name)
{
	size_t		i;
	unsigned char	a, b;

	if (strlen(name) != len)
		return 0;
	for (i = 0; i < len; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)name[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return 0;
	}
	return 1;
}

/*
 * The checks shared by Basic and by Apache's REMOTE_USER/REMOTE_PASSWD.
 * The user-id must not be empty and, as RFC 7617 section 2 says, cannot
 * hold a colon; the password may be empty.  Fills in cred only when
 * everything passed.
 */
static enum httpauth_result
httpauth_set_userpass(struct httpauth_cred *cred, const char *user,
    size_t user_len, const char *password, size_t password_len)
{
	if (user_len == 0 || user_len > AUTHZ_CRED_USER_MAX ||
	    password_len > AUTHZ_PASSWORD_MAX)
		return HTTPAUTH_MALFORMED;
	if (memchr(user, ':', user_len) != NULL)
		return HTTPAUTH_MALFORMED;
	if (!text_is_clean_utf8(user, user_len) ||
	    !text_is_clean_utf8(password, password_len))
		return HTTPAUTH_MALFORMED;

	cred->hc_scheme = HTTPAUTH_BASIC;
	memcpy(cred->hc_user, user, user_len);
	cred->hc_user[user_len] = '\0';
	cred->hc_user_len = user_len;
	memcpy(cred->hc_password, password, password_len);
	cred->hc_password[password_len] = '\0';
	cred->hc_password_len = password_len;
	return HTTPAUTH_OK;
}

/*
 * RFC 7617 section 2: b64 is a token68 already.  The length is capped
 * before decoding; sodium_base642bin() gets no ignore set and a NULL
 * b64_end so that it fails unless the whole input is strict, padded
 * base64 with zero trailing bits.  It may leave a partial decode behind
 * when it fails, so the buffer is wiped on every path.
 */
static enum httpauth_result
httpauth_basic(struct httpauth_cred *cred, const char *b64, size_t b64_len)
{
	enum httpauth_result	 rc = HTTPAUTH_MALFORMED;
	unsigned char		 bin[HTTPAUTH_BASIC_BIN_MAX];
	const unsigned char	*colon;
	size_t			 bin_len = 0, user_len;

	if (b64_len > HTTPAUTH_BASIC_B64_MAX)
		goto done;
	if (sodium_base642bin(bin, sizeof(bin), b64, b64_len, NULL, &bin_len,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		goto done;

	/* "text after the first colon is part of the password" */
	if ((colon = memchr(bin, ':', bin_len)) == NULL)
		goto done;
	user_len = (size_t)(colon - bin);
	rc = httpauth_set_userpass(cred, (const char *)bin, user_len,
	    (const char *)colon + 1, bin_len - user_len - 1);

done:
	sodium_memzero(bin, sizeof(bin));
	return rc;
}

/* RFC 6750 section 2.1: b6token is a token68, checked by the caller. */
static enum httpauth_result
httpauth_bearer(struct httpauth_cred *cred, const char *tok, size_t tok_len)
{
	if (tok_len > AUTHZ_TOKEN_MAX)
		return HTTPAUTH_MALFORMED;
	cred->hc_scheme = HTTPAUTH_BEARER;
	memcpy(cred->hc_token, tok, tok_len);
	cred->hc_token[tok_len] = '\0';
	cred->hc_token_len = tok_len;
	return HTTPAUTH_OK;
}

/*
 * RFC 9110 section 11.4: credentials = auth-scheme [ 1*SP ( token68 /
 * #auth-param ) ].  Basic and Bearer must carry a token68 and nothing
 * else; for other schemes only the scheme token is checked, since they
 * are refused whatever they carry.
 */
enum httpauth_result
httpauth_parse(const char *value, struct httpauth_cred *cred)
{
	enum httpauth_result	 rc = HTTPAUTH_MALFORMED;
	const char		*p, *end;
	size_t			 len, scheme_len;

	sodium_memzero(cred, sizeof(*cred));
	if (value == NULL || value[0] == '\0') {
		rc = HTTPAUTH_ABSENT;
		goto done;
	}

	/* Bounded before anything else looks at it: libfcgi sets no limit. */
	len = strnlen(value, AUTHZ_AUTH_HEADER_MAX + 1);
	if (len > AUTHZ_AUTH_HEADER_MAX)
		goto done;
	end = value + len;

	/* An empty scheme covers leading whitespace and stray separators. */
	scheme_len = httpauth_token_len(value, len);
	if (scheme_len == 0)
		goto done;
	p = value + scheme_len;
	if (p != end && *p != ' ')
		goto done;
	if (!httpauth_scheme_is(value, scheme_len, "Basic") &&
	    !httpauth_scheme_is(value, scheme_len, "Bearer")) {
		rc = HTTPAUTH_OTHER_SCHEME;
		goto done;
	}

	/* 1*SP, then a token68 that runs to the end of the value. */
	if (p == end)
		goto done;
	while (p != end && *p == ' ')
		p++;
	if (!httpauth_is_token68(p, (size_t)(end - p)))
		goto done;

	if (httpauth_scheme_is(value, scheme_len, "Basic"))
		rc = httpauth_basic(cred, p, (size_t)(end - p));
	else
		rc = httpauth_bearer(cred, p, (size_t)(end - p));

done:
	if (rc != HTTPAUTH_OK)
		sodium_memzero(cred, sizeof(*cred));
	return rc;
}

/*
 * mod_authnz_fcgi passes what Apache decoded from Basic.  For base64 it
 * cannot decode, Apache still calls us with both variables present and
 * empty, which the empty user-id check turns into HTTPAUTH_MALFORMED.
 */
enum httpauth_result
httpauth_from_apache(const char *user, const char *password,
    struct httpauth_cred *cred)
{
	enum httpauth_result	rc = HTTPAUTH_MALFORMED;
	size_t			user_len, password_len;

	sodium_memzero(cred, sizeof(*cred));
	if (user == NULL || password == NULL)
		goto done;

	/* strnlen: one byte past each cap is enough to know it is over. */
	user_len = strnlen(user, AUTHZ_CRED_USER_MAX + 1);
	password_len = strnlen(password, AUTHZ_PASSWORD_MAX + 1);
	rc = httpauth_set_userpass(cred, user, user_len, password,
	    password_len);

done:
	if (rc != HTTPAUTH_OK)
		sodium_memzero(cred, sizeof(*cred));
	return rc;
}

void
httpauth_cred_wipe(struct httpauth_cred *cred)
{
	if (cred != NULL)
		sodium_memzero(cred, sizeof(*cred));
}
