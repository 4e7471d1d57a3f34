/*
 * Fuzz target: the Authorization header (httpauth_parse) and the
 * credentials Apache decoded itself (httpauth_from_apache).
 *
 * The input up to its first NUL is the header value.  For Apache it is
 * split at its first NUL: REMOTE_USER before, REMOTE_PASSWD after (up to
 * a second NUL); without a NUL, REMOTE_PASSWD is absent.
 *
 * Properties (httpauth.h):
 *   - any result but HTTPAUTH_OK leaves *cred all zero, and
 *     httpauth_cred_wipe() does after HTTPAUTH_OK;
 *   - on HTTPAUTH_OK the fields are NUL-terminated at their lengths, hold
 *     no NUL, stay within their caps, are clean UTF-8 (checked against a
 *     decoder written here), and a Basic user-id is not empty and has no
 *     ':';
 *   - Basic: the token68 is exactly the padded base64 of "user:password";
 *     Bearer: the token is exactly the token68 sent;
 *   - Apache's pair is accepted exactly when the same pair sent as Basic
 *     is, and gives the same credentials.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "httpauth.h"
#include "text.h"
#include "fuzz.h"

#define FUZZ_PAT	0xa5	/* pre-fill, to see what was left behind */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

static int
cred_is_zero(const struct httpauth_cred *cred)
{
	static const struct httpauth_cred zero;

	return memcmp(cred, &zero, sizeof(zero)) == 0;
}

/*
 * RFC 3629 by decoding each code point, rather than by byte ranges as
 * httpauth.c does, plus RFC 5234's CTL and DEL: two ways to the same set.
 */
static int
ref_is_clean_utf8(const unsigned char *s, size_t len)
{
	uint32_t	cp, min;
	size_t		i = 0, n, k;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* A field of n bytes plus its NUL, with nothing else in it. */
static void
check_field(const char *field, size_t size, size_t len, size_t max)
{
	FUZZ_ASSERT(len <= max && len < size);
	FUZZ_ASSERT(strnlen(field, size) == len);
	FUZZ_ASSERT(ref_is_clean_utf8((const unsigned char *)field, len));
}

static void
check_basic_cred(const struct httpauth_cred *cred)
{
	FUZZ_ASSERT(cred->hc_scheme == HTTPAUTH_BASIC);
	check_field(cred->hc_user, sizeof(cred->hc_user), cred->hc_user_len,
	    AUTHZ_CRED_USER_MAX);
	FUZZ_ASSERT(cred->hc_user_len > 0);
	FUZZ_ASSERT(memchr(cred->hc_user, ':', cred->hc_user_len) == NULL);
	check_field(cred->hc_password, sizeof(cred->hc_password),
	    cred->hc_password_len, AUTHZ_PASSWORD_MAX);
	FUZZ_ASSERT(cred->hc_token_len == 0 && cred->hc_token[0] == '\0');
}

/* The base64 the client must have sent for these credentials. */
static char *
basic_b64(const struct httpauth_cred *cred)
{
	unsigned char	 bin[AUTHZ_CRED_USER_MAX + 1 + AUTHZ_PASSWORD_MAX];
	size_t		 n, b64len;
	char		*b64;

	n = cred->hc_user_len + 1 + cred->hc_password_len;
	memcpy(bin, cred->hc_user, cred->hc_user_len);
	bin[cred->hc_user_len] = ':';
	memcpy(bin + cred->hc_user_len + 1, cred->hc_password,
	    cred->hc_password_len);
	b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		abort();
	sodium_bin2base64(b64, b64len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(bin, sizeof(bin));
	return b64;
}

/* ASCII case-insensitive, as RFC 9110 11.1 matches the scheme. */
static int
scheme_is(const char *s, size_t len, const char *name)
{
	size_t	i;

	if (strlen(name) != len)
		return 0;
	for (i = 0; i < len; i++)
		if ((s[i] | 0x20) != name[i])
			return 0;
	return 1;
}

static void
check_ok(const char *value, const struct httpauth_cred *cred)
{
	const char	*sp, *tok;
	char		*b64;
	size_t		 scheme_len;

	/* scheme 1*SP token68, the token68 running to the end */
	FUZZ_ASSERT((sp = strchr(value, ' ')) != NULL);
	scheme_len = (size_t)(sp - value);
	for (tok = sp; *tok == ' '; tok++)
		continue;
	FUZZ_ASSERT(*tok != '\0');
	if (scheme_is(value, scheme_len, "basic")) {
		check_basic_cred(cred);
		b64 = basic_b64(cred);
		FUZZ_ASSERT(strcmp(b64, tok) == 0);
		free(b64);
	} else {
		FUZZ_ASSERT(scheme_is(value, scheme_len, "bearer"));
		FUZZ_ASSERT(cred->hc_scheme == HTTPAUTH_BEARER);
		check_field(cred->hc_token, sizeof(cred->hc_token),
		    cred->hc_token_len, AUTHZ_TOKEN_MAX);
		FUZZ_ASSERT(strcmp(cred->hc_token, tok) == 0);
		FUZZ_ASSERT(cred->hc_user_len == 0 && cred->hc_user[0] == '\0');
		FUZZ_ASSERT(cred->hc_password_len == 0 &&
		    cred->hc_password[0] == '\0');
	}
}

static enum httpauth_result
check_parse(const char *value, struct httpauth_cred *cred)
{
	enum httpauth_result	rc;
	size_t			len = strlen(value);

	memset(cred, FUZZ_PAT, sizeof(*cred));
	rc = httpauth_parse(value, cred);
	FUZZ_ASSERT(rc == HTTPAUTH_OK || rc == HTTPAUTH_ABSENT ||
	    rc == HTTPAUTH_OTHER_SCHEME || rc == HTTPAUTH_MALFORMED);
	FUZZ_ASSERT((rc == HTTPAUTH_ABSENT) == (len == 0));
	if (len > AUTHZ_AUTH_HEADER_MAX)
		FUZZ_ASSERT(rc == HTTPAUTH_MALFORMED);
	if (rc == HTTPAUTH_OK)
		check_ok(value, cred);
	else
		FUZZ_ASSERT(cred_is_zero(cred));
	return rc;
}

/* "Basic " and the base64 of user ":" password, malloc'd. */
static char *
basic_header(const char *user, const char *password)
{
	size_t	 ul = strlen(user), pl = strlen(password), n, b64len;
	char	*bin, *hdr;

	n = ul + 1 + pl;
	b64len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	if ((bin = malloc(n)) == NULL || (hdr = malloc(6 + b64len)) == NULL)
		abort();
	memcpy(bin, user, ul);
	bin[ul] = ':';
	memcpy(bin + ul + 1, password, pl);
	memcpy(hdr, "Basic ", 6);
	sodium_bin2base64(hdr + 6, b64len, (const unsigned char *)bin, n,
	    sodium_base64_VARIANT_ORIGINAL);
	free(bin);
	return hdr;
}

/*
 * Apache's decoded pair goes through the same checks as Basic: the same
 * pair, encoded, must be accepted or refused alike.  A user with a ':'
 * is the exception, since Basic would split it differently.
 */
static void
check_apache(const char *user, const char *password)
{
	struct httpauth_cred	 cred, via_basic;
	enum httpauth_result	 rc, rc_basic;
	char			*hdr;

	memset(&cred, FUZZ_PAT, sizeof(cred));
	rc = httpauth_from_apache(user, password, &cred);
	FUZZ_ASSERT(rc == HTTPAUTH_OK || rc == HTTPAUTH_MALFORMED);
	if (rc != HTTPAUTH_OK) {
		FUZZ_ASSERT(cred_is_zero(&cred));
		if (password == NULL || strchr(user, ':') != NULL)
			return;
	} else {
		FUZZ_ASSERT(password != NULL);
		check_basic_cred(&cred);
		FUZZ_ASSERT(strcmp(cred.hc_user, user) == 0);
		FUZZ_ASSERT(strcmp(cred.hc_password, password) == 0);
	}

	hdr = basic_header(user, password);
	rc_basic = check_parse(hdr, &via_basic);
	FUZZ_ASSERT((rc == HTTPAUTH_OK) == (rc_basic == HTTPAUTH_OK));
	if (rc == HTTPAUTH_OK)
		FUZZ_ASSERT(memcmp(&cred, &via_basic, sizeof(cred)) == 0);
	httpauth_cred_wipe(&via_basic);
	httpauth_cred_wipe(&cred);
	FUZZ_ASSERT(cred_is_zero(&cred));
	free(hdr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct httpauth_cred	 cred;
	const uint8_t		*nul;
	char			*s;

	/* The byte-range checker against the decoder, on the raw bytes. */
	FUZZ_ASSERT(text_is_clean_utf8((const char *)data, size) ==
	    ref_is_clean_utf8(data, size));

	s = fuzz_strndup(data, size);
	if (check_parse(s, &cred) == HTTPAUTH_OK) {
		httpauth_cred_wipe(&cred);
		FUZZ_ASSERT(cred_is_zero(&cred));
	}

	/* s holds the whole input: its first NUL ends REMOTE_USER. */
	nul = memchr(data, '\0', size);
	check_apache(s, nul != NULL ? s + (nul - data) + 1 : NULL);
	free(s);
	return 0;
}
