#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "httpauth.h"

#define PAT		0xa5	/* pre-fill, to see what was written */

/* One Authorization value and what httpauth_parse() must make of it. */
struct parse_case {
	const char		*in;
	enum httpauth_result	 want;
	enum httpauth_scheme	 scheme;
	const char		*user;		/* Basic */
	const char		*password;	/* Basic */
	const char		*token;		/* Bearer */
};

#define BASIC(in, u, p)	{ in, HTTPAUTH_OK, HTTPAUTH_BASIC, u, p, NULL }
#define BEARER(in, t)	{ in, HTTPAUTH_OK, HTTPAUTH_BEARER, NULL, NULL, t }
#define RESULT(in, r)	{ in, r, HTTPAUTH_NONE, NULL, NULL, NULL }
#define BAD(in)		RESULT(in, HTTPAUTH_MALFORMED)

static const struct parse_case parse_core_cases[] = {
	/* RFC 7617 section 2 and 2.1 examples. */
	BASIC("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Aladdin", "open sesame"),
	BASIC("Basic dGVzdDoxMjPCow==", "test", "123\xc2\xa3"),
	/* RFC 9110 section 11.1: the scheme is case-insensitive. */
	BASIC("basic dTpw", "u", "p"),
	BASIC("BASIC dTpw", "u", "p"),
	BASIC("bAsIc dTpw", "u", "p"),
	/* 1*SP */
	BASIC("Basic  dTpw", "u", "p"),
	/* RFC 7617 section 2: split at the first colon. */
	BASIC("Basic YWxpY2U6cGE6c3M=", "alice", "pa:ss"),
	BASIC("Basic YTo6", "a", ":"),
	BASIC("Basic YWxpY2U6", "alice", ""),
	BASIC("Basic asO8cmdlbjp4", "j\xc3\xbcrgen", "x"),
	BASIC("Basic YSBiOmMgZA==", "a b", "c d"),
	/* RFC 6750 section 2.1: b64token, i.e. the token68 alphabet. */
	BEARER("Bearer abc", "abc"),
	BEARER("bearer abc.DEF-123_~+/==", "abc.DEF-123_~+/=="),
	BEARER("BEARER  x", "x"),
	/* Not there at all. */
	RESULT(NULL, HTTPAUTH_ABSENT),
	RESULT("", HTTPAUTH_ABSENT),
	/* Well-formed schemes we do not speak. */
	RESULT("Digest username=\"a\", realm=\"b\"", HTTPAUTH_OTHER_SCHEME),
	RESULT("Negotiate YIIB", HTTPAUTH_OTHER_SCHEME),
	RESULT("Negotiate", HTTPAUTH_OTHER_SCHEME),
	RESULT("NTLM TlRMTVNTUAAB", HTTPAUTH_OTHER_SCHEME),
	RESULT("Basicx dTpw", HTTPAUTH_OTHER_SCHEME),
	RESULT("Bear abc", HTTPAUTH_OTHER_SCHEME),
};

static const struct parse_case parse_malformed_cases[] = {
	/* sodium_base642bin() with b64_end NULL (docs/security.md). */
	BAD("Basic dTpw=="),		/* extra padding */
	BAD("Basic YTpiYw==="),
	BAD("Basic ="),
	BAD("Basic YTpi YQ=="),
	BAD("Basic YTpi\tYQ=="),
	BAD("Basic YTpi-_=="),		/* URL-safe alphabet */
	BAD("Basic YTpiYw==\r\n"),
	BAD("Basic YWxh ZGRp"),
	BAD("Basic YTpiYw"),		/* missing padding */
	BAD("Basic YTpiYw="),
	BAD("Basic YTpiYx=="),		/* non-zero trailing bits */
	BAD("Basic \x80mFuOmphb"),
	BAD("Basic ===="),
	BAD("Basic YTpi=YQ=="),
	BAD("Basic YTpi;"),
	BAD("Basic \"YTpi\""),
	BAD("Basic YT.i"),
	/* Duplicate headers as Apache and lighttpd merge them. */
	BAD("Basic YTpi, Basic YzpE"),
	BAD("Basic YTpi,Basic YzpE"),
	BAD("Basic YTpi, Bearer abc"),
	/* Whitespace in the wrong place. */
	BAD(" Basic dTpw"),
	BAD("\tBasic dTpw"),
	BAD("Basic dTpw "),
	BAD("Basic dTpw\n"),
	BAD("Basic\tdTpw"),
	BAD(" "),
	BAD("\t"),
	/* A scheme without credentials, or a broken scheme. */
	BAD("Basic"),
	BAD("Basic "),
	BAD("basic   "),
	BAD("Basic:dTpw"),
	BAD("Basic,dTpw"),
	BAD("(Basic) dTpw"),
	BAD("Bas/ic dTpw"),
	BAD("\xc3\xa9 abc"),
	BAD("Negotiate\tabc"),
	BAD("=Basic dTpw"),
	/* RFC 7617 section 2: user-pass = user-id ":" password. */
	BAD("Basic bm9jb2xvbg=="),	/* "nocolon" */
	BAD("Basic OnB3"),		/* ":pw", empty user-id */
	BAD("Basic Og=="),		/* ":" */
	/* CTL (RFC 5234 B.1) in the decoded bytes. */
	BAD("Basic YQA6Yg=="),		/* "a\0:b" */
	BAD("Basic YTpiAGM="),		/* "a:b\0c" */
	BAD("Basic YTpiCmM="),		/* LF in the password */
	BAD("Basic YTpiDQ=="),		/* CR in the password */
	BAD("Basic YQliOmM="),		/* TAB in the user-id */
	BAD("Basic YTpifw=="),		/* DEL in the password */
	BAD("Basic YX86Yg=="),		/* DEL in the user-id */
	/* Invalid UTF-8 (RFC 3629) in the decoded bytes. */
	BAD("Basic YTr/"),		/* FF */
	BAD("Basic wIA6Yg=="),		/* C0 80, overlong NUL */
	BAD("Basic YTrtoIA="),		/* ED A0 80, surrogate */
	BAD("Basic YTrggIA="),		/* E0 80 80, overlong */
	BAD("Basic YTr0kICA"),		/* F4 90 80 80, above U+10FFFF */
	BAD("Basic YTrD"),		/* C3, truncated */
	BAD("Basic YTqA"),		/* 80, stray continuation */
	/* Bearer: a token68 and nothing else. */
	BAD("Bearer"),
	BAD("Bearer "),
	BAD("Bearer a b"),
	BAD("Bearer a,b"),
	BAD("Bearer abc=d"),
	BAD("Bearer =abc"),
	BAD("Bearer ==="),
	BAD("Bearer\tabc"),
	BAD("Bearer abc "),
	BAD("Bearer ab\"c"),
	BAD("Bearer ab%2Fc"),
	BAD("Bearer ab\xc3\xa9"),
	BAD("Bearer abc\r\n"),
	BAD("Bearer abc, Bearer def"),
};

/* Credentials as Apache hands them over (REMOTE_USER, REMOTE_PASSWD). */
struct apache_case {
	const char		*user;
	const char		*password;
	enum httpauth_result	 want;
};

static const struct apache_case apache_core_cases[] = {
	{ "alice", "secret", HTTPAUTH_OK },
	{ "alice", "", HTTPAUTH_OK },
	{ "alice", "pa:ss", HTTPAUTH_OK },	/* as Apache splits it */
	{ "j\xc3\xbcrgen", "x", HTTPAUTH_OK },
	{ "nocolon", "", HTTPAUTH_OK },		/* Apache's "no colon" */
	{ "a b", "c d", HTTPAUTH_OK },
};

static const struct apache_case apache_malformed_cases[] = {
	{ NULL, "x", HTTPAUTH_MALFORMED },
	{ "alice", NULL, HTTPAUTH_MALFORMED },
	{ NULL, NULL, HTTPAUTH_MALFORMED },
	{ "", "x", HTTPAUTH_MALFORMED },
	{ "", "", HTTPAUTH_MALFORMED },	/* Apache on invalid base64 */
	{ "a:b", "c", HTTPAUTH_MALFORMED },
	{ "a\tb", "c", HTTPAUTH_MALFORMED },
	{ "a", "b\r\n", HTTPAUTH_MALFORMED },
	{ "a", "\x7f", HTTPAUTH_MALFORMED },
	{ "a\x1b[31m", "x", HTTPAUTH_MALFORMED },
	{ "\xff", "x", HTTPAUTH_MALFORMED },
	{ "\xc0\xaf", "x", HTTPAUTH_MALFORMED },
	{ "a", "\xed\xa0\x80", HTTPAUTH_MALFORMED },
	{ "a", "\xf4\x90\x80\x80", HTTPAUTH_MALFORMED },
};

/* Header lengths around AUTHZ_AUTH_HEADER_MAX and AUTHZ_TOKEN_MAX. */
struct header_len_case {
	const char		*prefix;
	size_t			 total;		/* bytes, prefix included */
	enum httpauth_result	 want;
};

static const struct header_len_case header_len_cases[] = {
	{ "Negotiate ", AUTHZ_AUTH_HEADER_MAX, HTTPAUTH_OTHER_SCHEME },
	{ "Negotiate ", AUTHZ_AUTH_HEADER_MAX + 1, HTTPAUTH_MALFORMED },
	{ "Basic ", AUTHZ_AUTH_HEADER_MAX, HTTPAUTH_MALFORMED },
	{ "Basic ", AUTHZ_AUTH_HEADER_MAX + 1, HTTPAUTH_MALFORMED },
	{ "Basic ", 1024 * 1024, HTTPAUTH_MALFORMED },
	{ "Bearer ", 7 + 1, HTTPAUTH_OK },
	{ "Bearer ", 7 + AUTHZ_TOKEN_MAX, HTTPAUTH_OK },
	{ "Bearer ", 7 + AUTHZ_TOKEN_MAX + 1, HTTPAUTH_MALFORMED },
	{ "Bearer ", AUTHZ_AUTH_HEADER_MAX, HTTPAUTH_MALFORMED },
	{ "Bearer ", AUTHZ_AUTH_HEADER_MAX + 1, HTTPAUTH_MALFORMED },
};

/*
 * user-id and password lengths around their caps.  Each row runs twice:
 * base64-encoded through httpauth_parse() and as Apache would pass it
 * through httpauth_from_apache(), which must agree.
 */
struct cred_len_case {
	size_t			 user_len;
	size_t			 password_len;
	enum httpauth_result	 want;
};

static const struct cred_len_case cred_len_cases[] = {
	{ 1, 0, HTTPAUTH_OK },
	{ AUTHZ_CRED_USER_MAX, 0, HTTPAUTH_OK },
	{ AUTHZ_CRED_USER_MAX + 1, 0, HTTPAUTH_MALFORMED },
	{ 1, AUTHZ_PASSWORD_MAX, HTTPAUTH_OK },
	{ 1, AUTHZ_PASSWORD_MAX + 1, HTTPAUTH_MALFORMED },
	{ AUTHZ_CRED_USER_MAX, AUTHZ_PASSWORD_MAX, HTTPAUTH_OK },
	{ AUTHZ_CRED_USER_MAX + 1, AUTHZ_PASSWORD_MAX, HTTPAUTH_MALFORMED },
	{ AUTHZ_CRED_USER_MAX, AUTHZ_PASSWORD_MAX + 1, HTTPAUTH_MALFORMED },
	{ 0, 10, HTTPAUTH_MALFORMED },
	{ 1, 2000, HTTPAUTH_MALFORMED },	/* over the base64 cap */
	{ 1, 4000, HTTPAUTH_MALFORMED },	/* over the header cap */
};

static void
check_wiped(const struct httpauth_cred *cred)
{
	const unsigned char	*p = (const unsigned char *)cred;
	size_t			 i;

	for (i = 0; i < sizeof(*cred); i++)
		ck_assert_msg(p[i] == 0, "cred byte %zu not wiped", i);
}

static void
check_basic(const struct httpauth_cred *cred, const char *user,
    const char *password)
{
	ck_assert_int_eq(cred->hc_scheme, HTTPAUTH_BASIC);
	ck_assert_uint_eq(cred->hc_user_len, strlen(user));
	ck_assert_mem_eq(cred->hc_user, user, strlen(user) + 1);
	ck_assert_uint_eq(cred->hc_password_len, strlen(password));
	ck_assert_mem_eq(cred->hc_password, password, strlen(password) + 1);
	ck_assert_uint_eq(cred->hc_token_len, 0);
	ck_assert_int_eq(cred->hc_token[0], '\0');
}

static void
check_bearer(const struct httpauth_cred *cred, const char *token)
{
	ck_assert_int_eq(cred->hc_scheme, HTTPAUTH_BEARER);
	ck_assert_uint_eq(cred->hc_token_len, strlen(token));
	ck_assert_mem_eq(cred->hc_token, token, strlen(token) + 1);
	ck_assert_uint_eq(cred->hc_user_len, 0);
	ck_assert_int_eq(cred->hc_user[0], '\0');
	ck_assert_uint_eq(cred->hc_password_len, 0);
	ck_assert_int_eq(cred->hc_password[0], '\0');
}

static void
run_parse_case(const struct parse_case *c)
{
	struct httpauth_cred	cred;
	enum httpauth_result	rc;

	memset(&cred, PAT, sizeof(cred));
	rc = httpauth_parse(c->in, &cred);
	ck_assert_msg(rc == c->want, "\"%s\": got %d, want %d",
	    c->in ? c->in : "(null)", rc, c->want);
	if (rc != HTTPAUTH_OK)
		check_wiped(&cred);
	else if (c->scheme == HTTPAUTH_BASIC)
		check_basic(&cred, c->user, c->password);
	else
		check_bearer(&cred, c->token);
	httpauth_cred_wipe(&cred);
}

static void
run_apache_case(const struct apache_case *c)
{
	struct httpauth_cred	cred;
	enum httpauth_result	rc;

	memset(&cred, PAT, sizeof(cred));
	rc = httpauth_from_apache(c->user, c->password, &cred);
	ck_assert_msg(rc == c->want, "\"%s\":\"%s\": got %d, want %d",
	    c->user ? c->user : "(null)",
	    c->password ? c->password : "(null)", rc, c->want);
	if (rc == HTTPAUTH_OK)
		check_basic(&cred, c->user, c->password);
	else
		check_wiped(&cred);
	httpauth_cred_wipe(&cred);
}

/* Returns a malloc'ed "uuu...:ppp..." (no NUL), or fails the test. */
static char *
make_userpass(const struct cred_len_case *c, size_t *lenp)
{
	char	*s;
	size_t	 len;

	len = c->user_len + 1 + c->password_len;
	ck_assert_ptr_nonnull(s = malloc(len));
	memset(s, 'u', c->user_len);
	s[c->user_len] = ':';
	/* Colons in the password too: only the first one splits. */
	memset(s + c->user_len + 1, 'p', c->password_len);
	if (c->password_len > 2)
		s[c->user_len + 2] = ':';
	*lenp = len;
	return s;
}

START_TEST(test_parse_core)
{
	run_parse_case(&parse_core_cases[_i]);
}
END_TEST

START_TEST(test_parse_malformed)
{
	run_parse_case(&parse_malformed_cases[_i]);
}
END_TEST

START_TEST(test_apache_core)
{
	run_apache_case(&apache_core_cases[_i]);
}
END_TEST

START_TEST(test_apache_malformed)
{
	run_apache_case(&apache_malformed_cases[_i]);
}
END_TEST

START_TEST(test_cred_wipe)
{
	struct httpauth_cred	cred;

	ck_assert_int_eq(httpauth_parse("Basic dTpw", &cred), HTTPAUTH_OK);
	httpauth_cred_wipe(&cred);
	check_wiped(&cred);
	httpauth_cred_wipe(NULL);
}
END_TEST

/* A failed parse leaves nothing behind from an earlier good one. */
START_TEST(test_reuse_after_ok)
{
	struct httpauth_cred	cred;

	ck_assert_int_eq(httpauth_parse("Basic dTpw", &cred), HTTPAUTH_OK);
	ck_assert_int_eq(httpauth_parse("Basic dTpw==", &cred),
	    HTTPAUTH_MALFORMED);
	check_wiped(&cred);
	ck_assert_int_eq(httpauth_from_apache("u", "p", &cred), HTTPAUTH_OK);
	ck_assert_int_eq(httpauth_from_apache("", "p", &cred),
	    HTTPAUTH_MALFORMED);
	check_wiped(&cred);
}
END_TEST

START_TEST(test_header_len)
{
	const struct header_len_case	*c = &header_len_cases[_i];
	struct httpauth_cred		 cred;
	enum httpauth_result		 rc;
	size_t				 plen;
	char				*s;

	plen = strlen(c->prefix);
	ck_assert_uint_gt(c->total, plen);
	ck_assert_ptr_nonnull(s = malloc(c->total + 1));
	memcpy(s, c->prefix, plen);
	memset(s + plen, 'A', c->total - plen);
	s[c->total] = '\0';

	memset(&cred, PAT, sizeof(cred));
	rc = httpauth_parse(s, &cred);
	ck_assert_msg(rc == c->want, "%s+%zu: got %d, want %d",
	    c->prefix, c->total - plen, rc, c->want);
	if (rc == HTTPAUTH_OK) {
		ck_assert_int_eq(cred.hc_scheme, HTTPAUTH_BEARER);
		ck_assert_uint_eq(cred.hc_token_len, c->total - plen);
		ck_assert_mem_eq(cred.hc_token, s + plen, c->total - plen + 1);
	} else
		check_wiped(&cred);
	httpauth_cred_wipe(&cred);
	free(s);
}
END_TEST

START_TEST(test_cred_len_basic)
{
	const struct cred_len_case	*c = &cred_len_cases[_i];
	struct httpauth_cred		 cred;
	enum httpauth_result		 rc;
	size_t				 len, b64_cap, hdr_len;
	char				*up, *hdr;

	up = make_userpass(c, &len);
	b64_cap = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	ck_assert_ptr_nonnull(hdr = malloc(6 + b64_cap));
	memcpy(hdr, "Basic ", 6);
	sodium_bin2base64(hdr + 6, b64_cap, (const unsigned char *)up, len,
	    sodium_base64_VARIANT_ORIGINAL);
	hdr_len = strlen(hdr);

	memset(&cred, PAT, sizeof(cred));
	rc = httpauth_parse(hdr, &cred);
	ck_assert_msg(rc == c->want, "user %zu, password %zu (header %zu): "
	    "got %d, want %d", c->user_len, c->password_len, hdr_len, rc,
	    c->want);
	if (rc == HTTPAUTH_OK) {
		ck_assert_int_eq(cred.hc_scheme, HTTPAUTH_BASIC);
		ck_assert_uint_eq(cred.hc_user_len, c->user_len);
		ck_assert_mem_eq(cred.hc_user, up, c->user_len);
		ck_assert_int_eq(cred.hc_user[c->user_len], '\0');
		ck_assert_uint_eq(cred.hc_password_len, c->password_len);
		ck_assert_mem_eq(cred.hc_password, up + c->user_len + 1,
		    c->password_len);
		ck_assert_int_eq(cred.hc_password[c->password_len], '\0');
	} else
		check_wiped(&cred);
	httpauth_cred_wipe(&cred);
	free(hdr);
	free(up);
}
END_TEST

START_TEST(test_cred_len_apache)
{
	const struct cred_len_case	*c = &cred_len_cases[_i];
	struct httpauth_cred		 cred;
	enum httpauth_result		 rc;
	size_t				 len;
	char				*up, *user, *password;

	up = make_userpass(c, &len);
	ck_assert_ptr_nonnull(user = strndup(up, c->user_len));
	ck_assert_ptr_nonnull(password = strndup(up + c->user_len + 1,
	    c->password_len));

	memset(&cred, PAT, sizeof(cred));
	rc = httpauth_from_apache(user, password, &cred);
	ck_assert_msg(rc == c->want, "user %zu, password %zu: got %d, want %d",
	    c->user_len, c->password_len, rc, c->want);
	if (rc == HTTPAUTH_OK)
		check_basic(&cred, user, password);
	else
		check_wiped(&cred);
	httpauth_cred_wipe(&cred);
	free(password);
	free(user);
	free(up);
}
END_TEST

static Suite *
httpauth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("httpauth");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_parse_core, 0,
	    (int)NITEMS(parse_core_cases));
	tcase_add_loop_test(tc, test_apache_core, 0,
	    (int)NITEMS(apache_core_cases));
	tcase_add_test(tc, test_cred_wipe);
	tcase_add_test(tc, test_reuse_after_ok);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_header_len, 0,
	    (int)NITEMS(header_len_cases));
	tcase_add_loop_test(tc, test_cred_len_basic, 0,
	    (int)NITEMS(cred_len_cases));
	tcase_add_loop_test(tc, test_cred_len_apache, 0,
	    (int)NITEMS(cred_len_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_parse_malformed, 0,
	    (int)NITEMS(parse_malformed_cases));
	tcase_add_loop_test(tc, test_apache_malformed, 0,
	    (int)NITEMS(apache_malformed_cases));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(httpauth_suite());
}
