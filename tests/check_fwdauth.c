#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authz.h"
#include "fwdauth.h"

/*
 * The headers of an HTTP forward-auth request to request facts
 * (fwdauth.h), from hand-built header lists: which headers are read, how
 * the two families of method and URI headers exclude each other, the
 * X-Forwarded-For join, and an untrusted peer whose headers are not read
 * at all.
 */

#define NOW		((time_t)1700000000)
#define TPEER		"127.0.0.1"
#define TBASIC		"Basic YWxpY2U6c2VjcmV0"

/* Facts from n headers, with *f first filled with garbage. */
static void
fa_of(const struct fwdauth_header *h, size_t n, const char *peer,
    int trusted, struct fwdauth_buf *buf, struct authz_facts *f)
{
	memset(f, 0xa5, sizeof(*f));
	memset(buf, 0x5a, sizeof(*buf));
	fwdauth_facts(h, n, peer, trusted, NOW, buf, f);
}

/* What every request gets: the role, no phase, the time, the peer. */
static void
fa_assert_base(const struct authz_facts *f, const char *peer)
{
	ck_assert_int_eq(f->af_role, AUTHZ_ROLE_HTTP);
	ck_assert_int_eq(f->af_phase, AUTHZ_PHASE_NONE);
	ck_assert_int_eq(f->af_now, NOW);
	ck_assert_ptr_eq(f->af_remote_addr, peer);
	/* Apache's decoded credentials have no HTTP counterpart. */
	ck_assert_ptr_null(f->af_remote_user);
	ck_assert_ptr_null(f->af_remote_passwd);
	ck_assert_uint_eq(f->af_mono, 0);
}

/* Caddy, Traefik, HAProxy: X-Forwarded-Method and -Uri, in place. */
START_TEST(test_fwdauth_forwarded)
{
	static const struct fwdauth_header h[] = {
		{ "Host", "auth.example" },
		{ "X-Forwarded-Method", "POST" },
		{ "X-Forwarded-Proto", "https" },
		{ "X-Forwarded-Host", "app.example" },
		{ "X-Forwarded-Uri", "/admin/x?q=1" },
		{ "X-Forwarded-For", "203.0.113.9" },
		{ "Authorization", TBASIC },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_ptr_eq(f.af_method, h[1].fh_value);
	ck_assert_ptr_eq(f.af_uri, h[4].fh_value);
	ck_assert_ptr_eq(f.af_authorization, h[6].fh_value);
	ck_assert_ptr_eq(f.af_forwarded_for, buf.fb_xff);
	ck_assert_str_eq(f.af_forwarded_for, "203.0.113.9");
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_ptr_null(f.af_bad_detail);
	ck_assert_int_eq(f.af_untrusted_peer, 0);
	ck_assert_int_eq(f.af_dup_authorization, 0);
}
END_TEST

/* nginx auth_request with proxy_pass: X-Original-Method and -URI. */
START_TEST(test_fwdauth_original)
{
	static const struct fwdauth_header h[] = {
		{ "X-Original-URI", "/upload/a" },
		{ "Authorization", "Bearer abc" },
		{ "X-Original-Method", "PUT" },
		{ "X-Real-IP", "192.0.2.50" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_ptr_eq(f.af_method, h[2].fh_value);
	ck_assert_ptr_eq(f.af_uri, h[0].fh_value);
	ck_assert_ptr_eq(f.af_authorization, h[1].fh_value);
	/* X-Real-IP is not X-Forwarded-For: no client address. */
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_ptr_null(f.af_bad_detail);
}
END_TEST

/* Field names in any case (RFC 9110 5.1); values as they came. */
static const struct {
	const char	*method;
	const char	*uri;
	const char	*xff;
	const char	*auth;
} case_cases[] = {
	{ "x-forwarded-method", "x-forwarded-uri", "x-forwarded-for",
	  "authorization" },
	{ "X-FORWARDED-METHOD", "X-FORWARDED-URI", "X-FORWARDED-FOR",
	  "AUTHORIZATION" },
	{ "x-Forwarded-mEthod", "X-Forwarded-URI", "X-Forwarded-For",
	  "aUTHORIZATION" },
	{ "x-original-method", "x-original-uri", "X-FORWARDED-for",
	  "Authorization" },
	{ "X-ORIGINAL-METHOD", "X-Original-Uri", "x-forwarded-FOR",
	  "authorizatioN" },
};

START_TEST(test_fwdauth_case)
{
	const struct fwdauth_header h[] = {
		{ case_cases[_i].method, "get" },
		{ case_cases[_i].uri, "/Site" },
		{ case_cases[_i].xff, "192.0.2.1" },
		{ case_cases[_i].auth, "basic x" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_ptr_eq(f.af_method, h[0].fh_value);
	ck_assert_ptr_eq(f.af_uri, h[1].fh_value);
	ck_assert_str_eq(f.af_forwarded_for, "192.0.2.1");
	ck_assert_ptr_eq(f.af_authorization, h[3].fh_value);
	ck_assert_int_eq(f.af_bad_params, 0);
}
END_TEST

/*
 * A header of each family: a proxy sets its own and passes the client's
 * others on, so which is the client's cannot be told.
 */
static const struct {
	const char	*a;
	const char	*b;
	const char	*c;		/* NULL: none */
} both_cases[] = {
	{ "X-Forwarded-Method", "X-Original-URI", NULL },
	{ "X-Original-Method", "X-Forwarded-Uri", NULL },
	{ "X-Forwarded-Method", "X-Original-Method", NULL },
	{ "X-Forwarded-Uri", "X-Original-URI", NULL },
	{ "X-Forwarded-Method", "X-Forwarded-Uri", "X-Original-URI" },
	{ "x-original-method", "x-original-uri", "x-forwarded-uri" },
	{ "X-Original-Method", "X-Original-URI", "X-Forwarded-Method" },
};

START_TEST(test_fwdauth_both_families)
{
	const struct fwdauth_header h[] = {
		{ "Authorization", TBASIC },
		{ both_cases[_i].a, "GET" },
		{ "X-Forwarded-For", "203.0.113.9" },
		{ both_cases[_i].b, "/admin" },
		{ both_cases[_i].c != NULL ? both_cases[_i].c : "Accept",
		  "/site" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_int_eq(f.af_bad_params, 1);
	ck_assert_ptr_nonnull(f.af_bad_detail);
	ck_assert_ptr_nonnull(strstr(f.af_bad_detail, "both"));
	/* Neither family's: authz.c answers 400, not a guess. */
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
	/* Still read: the 400 names the client in the log (fail2ban). */
	ck_assert_str_eq(f.af_forwarded_for, "203.0.113.9");
	ck_assert_int_eq(f.af_untrusted_peer, 0);
}
END_TEST

/* One of the four given twice, even with the same value. */
static const struct {
	const char	*name;
	const char	*again;
	const char	*other;		/* the other of its family */
} repeat_cases[] = {
	{ "X-Forwarded-Method", "X-Forwarded-Method", "X-Forwarded-Uri" },
	{ "X-Forwarded-Method", "x-forwarded-method", "X-Forwarded-Uri" },
	{ "X-Forwarded-Uri", "X-Forwarded-Uri", "X-Forwarded-Method" },
	{ "X-Forwarded-Uri", "X-FORWARDED-URI", "X-Forwarded-Method" },
	{ "X-Original-Method", "X-Original-Method", "X-Original-URI" },
	{ "X-Original-URI", "x-original-uri", "X-Original-Method" },
};

START_TEST(test_fwdauth_repeated)
{
	const struct fwdauth_header h[] = {
		{ repeat_cases[_i].name, "/admin" },
		{ repeat_cases[_i].other, "GET" },
		{ repeat_cases[_i].again, "/admin" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_int_eq(f.af_bad_params, 1);
	ck_assert_ptr_nonnull(f.af_bad_detail);
	ck_assert_ptr_nonnull(strstr(f.af_bad_detail, "repeated"));
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
}
END_TEST

/* X-Forwarded-For lines joined in order with ", " (RFC 9110 5.3). */
START_TEST(test_fwdauth_xff_join)
{
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-For", "203.0.113.9" },
		{ "X-Forwarded-Method", "GET" },
		{ "x-forwarded-for", "10.0.0.1, 10.0.0.2" },
		{ "X-Forwarded-Uri", "/" },
		{ "X-FORWARDED-FOR", "127.0.0.1" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	ck_assert_ptr_eq(f.af_forwarded_for, buf.fb_xff);
	ck_assert_str_eq(f.af_forwarded_for,
	    "203.0.113.9, 10.0.0.1, 10.0.0.2, 127.0.0.1");
	/* Joined in a copy: the headers themselves are left alone. */
	ck_assert_str_eq(h[0].fh_value, "203.0.113.9");
	ck_assert_str_eq(h[2].fh_value, "10.0.0.1, 10.0.0.2");
}
END_TEST

/* No X-Forwarded-For is NULL; an empty one is present, "". */
START_TEST(test_fwdauth_xff_empty)
{
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-Method", "GET" },
		{ "X-Forwarded-For", "" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, 1, TPEER, 1, &buf, &f);
	ck_assert_ptr_null(f.af_forwarded_for);
	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	ck_assert_ptr_eq(f.af_forwarded_for, buf.fb_xff);
	ck_assert_str_eq(f.af_forwarded_for, "");
}
END_TEST

/*
 * A joined list up to AUTHZ_XFF_MAX is whole; a longer one is cut but
 * stays longer than AUTHZ_XFF_MAX, so that authz.c does not believe it.
 * Entry i: the line lengths, the joined length that must come out
 * (AUTHZ_XFF_MAX + 1 for "too long").
 */
static const struct {
	size_t	a;
	size_t	b;		/* 0: one line only */
	size_t	want;
} long_cases[] = {
	{ AUTHZ_XFF_MAX, 0, AUTHZ_XFF_MAX },
	{ AUTHZ_XFF_MAX + 1, 0, AUTHZ_XFF_MAX + 1 },
	{ AUTHZ_XFF_MAX * 3, 0, AUTHZ_XFF_MAX + 1 },
	{ AUTHZ_XFF_MAX - 3, 1, AUTHZ_XFF_MAX },
	{ AUTHZ_XFF_MAX - 3, 2, AUTHZ_XFF_MAX + 1 },
	{ AUTHZ_XFF_MAX - 2, 1, AUTHZ_XFF_MAX + 1 },
	{ AUTHZ_XFF_MAX - 1, 1, AUTHZ_XFF_MAX + 1 },	/* all but the 2nd */
	{ AUTHZ_XFF_MAX, 1, AUTHZ_XFF_MAX + 1 },	/* cut in ", " */
	{ AUTHZ_XFF_MAX + 1, 5, AUTHZ_XFF_MAX + 1 },	/* nothing left */
	{ 1000, 1000, 2002 },
	{ 1500, 1500, AUTHZ_XFF_MAX + 1 },
};

START_TEST(test_fwdauth_xff_long)
{
	static char		a[AUTHZ_XFF_MAX * 3 + 1], b[AUTHZ_XFF_MAX + 1];
	const struct fwdauth_header h[] = {
		{ "X-Forwarded-For", a },
		{ "X-Forwarded-For", b },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;
	size_t			la = long_cases[_i].a, lb = long_cases[_i].b;

	memset(a, '1', la);
	a[la] = '\0';
	memset(b, '2', lb);
	b[lb] = '\0';
	fa_of(h, lb > 0 ? 2 : 1, TPEER, 1, &buf, &f);
	ck_assert_ptr_eq(f.af_forwarded_for, buf.fb_xff);
	ck_assert_uint_eq(strlen(f.af_forwarded_for), long_cases[_i].want);
	/* What is there is the join's beginning. */
	ck_assert_int_eq(strncmp(f.af_forwarded_for, a,
	    la < long_cases[_i].want ? la : long_cases[_i].want), 0);
	if (lb > 0 && la + 2 + lb <= AUTHZ_XFF_MAX)
		ck_assert_str_eq(f.af_forwarded_for + la + 2, b);
}
END_TEST

/* Many short lines: the join stops at the cap, every one read. */
START_TEST(test_fwdauth_xff_many)
{
	struct fwdauth_header	*h;
	struct fwdauth_buf	 buf;
	struct authz_facts	 f;
	size_t			 n = 5000, i;

	ck_assert_ptr_nonnull(h = calloc(n + 2, sizeof(*h)));
	for (i = 0; i < n; i++) {
		h[i].fh_name = "X-Forwarded-For";
		h[i].fh_value = "10.0.0.1";
	}
	h[n].fh_name = "X-Forwarded-Method";
	h[n].fh_value = "GET";
	h[n + 1].fh_name = "Authorization";
	h[n + 1].fh_value = "x";
	fa_of(h, n + 2, TPEER, 1, &buf, &f);
	ck_assert_uint_eq(strlen(f.af_forwarded_for), AUTHZ_XFF_MAX + 1);
	ck_assert_int_eq(strncmp(f.af_forwarded_for, "10.0.0.1, 10.0.0.1, ",
	    20), 0);
	ck_assert_str_eq(f.af_method, "GET");
	ck_assert_str_eq(f.af_authorization, "x");
	free(h);
}
END_TEST

/* Two Authorization lines: flagged, and the first one kept. */
static const struct {
	const char	*a;
	const char	*b;
} dup_cases[] = {
	{ "Basic x", "Basic y" },
	{ "Basic x", "Basic x" },
	{ "", "Basic y" },
	{ "Bearer t", "" },
};

START_TEST(test_fwdauth_dup_authorization)
{
	const struct fwdauth_header h[] = {
		{ "Authorization", dup_cases[_i].a },
		{ "X-Forwarded-Method", "GET" },
		{ _i % 2 ? "authorization" : "Authorization", dup_cases[_i].b },
		{ "X-Forwarded-Uri", "/" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	ck_assert_int_eq(f.af_dup_authorization, 1);
	ck_assert_ptr_eq(f.af_authorization, h[0].fh_value);
	/* Not a conflict of method or URI: those are read. */
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_str_eq(f.af_method, "GET");

	/* One is not a duplicate. */
	fa_of(h, 2, TPEER, 1, &buf, &f);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_ptr_eq(f.af_authorization, h[0].fh_value);
}
END_TEST

/*
 * A peer outside http_trusted: its headers are not read at all, not
 * even the ones that would be refused.
 */
START_TEST(test_fwdauth_untrusted)
{
	static const char peer[] = "198.51.100.7";
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-Method", "GET" },
		{ "X-Forwarded-Uri", "/admin" },
		{ "X-Original-URI", "/site" },
		{ "X-Forwarded-For", "10.0.0.5" },
		{ "Authorization", TBASIC },
		{ "Authorization", TBASIC },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), peer, 0, &buf, &f);
	fa_assert_base(&f, peer);
	ck_assert_int_eq(f.af_untrusted_peer, 1);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_ptr_null(f.af_authorization);
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_ptr_null(f.af_bad_detail);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_str_eq(buf.fb_xff, "");
}
END_TEST

/* A unix socket: no peer address, trusted (its permissions decide). */
START_TEST(test_fwdauth_unix)
{
	static const struct fwdauth_header h[] = {
		{ "X-Original-Method", "GET" },
		{ "X-Original-URI", "/site" },
		{ "X-Forwarded-For", "203.0.113.9" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), NULL, 1, &buf, &f);
	fa_assert_base(&f, NULL);
	ck_assert_int_eq(f.af_untrusted_peer, 0);
	ck_assert_str_eq(f.af_method, "GET");
	ck_assert_str_eq(f.af_uri, "/site");
	ck_assert_str_eq(f.af_forwarded_for, "203.0.113.9");
}
END_TEST

/*
 * Names that look like wanted ones, and what a client may send to be
 * passed on: none is read.  Remote-User above all is the answer's, never
 * the request's.
 */
START_TEST(test_fwdauth_other_headers)
{
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-Methods", "GET" },
		{ "X-Forwarded-Method ", "GET" },
		{ " X-Forwarded-Method", "GET" },
		{ "X-Forwarded-Metho", "GET" },
		{ "X-Forwarded-Url", "/a" },
		{ "X-Original-Url", "/b" },
		{ "X-Original-URIs", "/c" },
		{ "X-Forwarded-Uri:", "/d" },
		{ "X-Forwarded-Prefix", "/e" },
		{ "X-Forwarded-For-X", "10.0.0.1" },
		{ "Forwarded", "for=10.0.0.2" },
		{ "X-Real-IP", "10.0.0.3" },
		{ "Proxy-Authorization", "Basic x" },
		{ "Authorization2", "Basic y" },
		{ "WWW-Authenticate", "Basic z" },
		{ "Remote-User", "root" },
		{ "Remote-Groups", "admin" },
		{ "X-Forwarded-User", "root" },
		{ "", "" },
		{ "Cookie", "session=1" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_ptr_null(f.af_authorization);
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_ptr_null(f.af_bad_detail);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_int_eq(f.af_untrusted_peer, 0);
}
END_TEST

/* No headers: every fact absent, and not refused here (authz.c: 500). */
START_TEST(test_fwdauth_no_headers)
{
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(NULL, 0, TPEER, 1, &buf, &f);
	fa_assert_base(&f, TPEER);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_ptr_null(f.af_authorization);
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_int_eq(f.af_untrusted_peer, 0);
	ck_assert_int_eq(f.af_dup_authorization, 0);
}
END_TEST

/* Half a family: what is there is read; the rest is authz.c's 500. */
START_TEST(test_fwdauth_half)
{
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-Uri", "/site" },
		{ "X-Original-Method", "GET" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, 1, TPEER, 1, &buf, &f);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_eq(f.af_uri, h[0].fh_value);
	ck_assert_int_eq(f.af_bad_params, 0);
	fa_of(h + 1, 1, TPEER, 1, &buf, &f);
	ck_assert_ptr_eq(f.af_method, h[1].fh_value);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_int_eq(f.af_bad_params, 0);
}
END_TEST

/* An empty value is present (""), not absent (NULL). */
START_TEST(test_fwdauth_empty_values)
{
	static const struct fwdauth_header h[] = {
		{ "X-Forwarded-Method", "" },
		{ "X-Forwarded-Uri", "" },
		{ "Authorization", "" },
	};
	struct fwdauth_buf	buf;
	struct authz_facts	f;

	fa_of(h, NITEMS(h), TPEER, 1, &buf, &f);
	ck_assert_ptr_eq(f.af_method, h[0].fh_value);
	ck_assert_ptr_eq(f.af_uri, h[1].fh_value);
	ck_assert_ptr_eq(f.af_authorization, h[2].fh_value);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_int_eq(f.af_dup_authorization, 0);
}
END_TEST

static Suite *
fwdauth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fwdauth");

	tc = tcase_create("core");
	tcase_add_test(tc, test_fwdauth_forwarded);
	tcase_add_test(tc, test_fwdauth_original);
	tcase_add_loop_test(tc, test_fwdauth_case, 0, NITEMS(case_cases));
	tcase_add_test(tc, test_fwdauth_xff_join);
	tcase_add_test(tc, test_fwdauth_untrusted);
	tcase_add_test(tc, test_fwdauth_unix);
	tcase_add_test(tc, test_fwdauth_other_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_fwdauth_xff_long, 0, NITEMS(long_cases));
	tcase_add_test(tc, test_fwdauth_xff_many);
	tcase_add_test(tc, test_fwdauth_xff_empty);
	tcase_add_test(tc, test_fwdauth_no_headers);
	tcase_add_test(tc, test_fwdauth_empty_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_fwdauth_both_families, 0,
	    NITEMS(both_cases));
	tcase_add_loop_test(tc, test_fwdauth_repeated, 0,
	    NITEMS(repeat_cases));
	tcase_add_loop_test(tc, test_fwdauth_dup_authorization, 0,
	    NITEMS(dup_cases));
	tcase_add_test(tc, test_fwdauth_half);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(fwdauth_suite());
}
