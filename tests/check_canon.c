#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_common.h"
#include "canon.h"

struct canon_case {
	const char	*in;
	const char	*want;		/* NULL: canon_path() must fail */
};

/*
 * docs/security.md, Path tricks: the 25 rows in order.  A rule engine that
 * sees the "want" column cannot be walked around by any of them.
 */
static const struct canon_case canon_wire[] = {
	{ "/admin/secret.txt",			"/admin/secret.txt" },
	{ "/a%2Fb",				NULL },
	{ "/%61dmin/secret.txt",		"/admin/secret.txt" },
	{ "/admin/../x.txt",			"/x.txt" },
	{ "/x/../admin/secret.txt",		"/admin/secret.txt" },
	{ "//admin/secret.txt",			"/admin/secret.txt" },
	{ "/ADMIN/secret.txt",			"/ADMIN/secret.txt" },
	{ "/admin;x/secret.txt",		"/admin;x/secret.txt" },
	{ "/admin/secret.txt;x",		"/admin/secret.txt;x" },
	{ "/admin%00/secret.txt",		NULL },
	{ "/admin/./secret.txt",		"/admin/secret.txt" },
	{ "/admin/%2e%2e/x.txt",		"/x.txt" },
	{ "/x/%2e%2e/admin/secret.txt",		"/admin/secret.txt" },
	{ "/admin%2fsecret.txt",		NULL },
	{ "/admin/secret.txt?q=1&x=%2F&y=a%20b", "/admin/secret.txt" },
	{ "/admin/secret.txt/extra/path",	"/admin/secret.txt/extra/path" },
	{ "/admin/secret.txt%3Fq=1",		"/admin/secret.txt?q=1" },
	{ "/admin%5csecret.txt",		NULL },
	{ "/admin/secret%2etxt",		"/admin/secret.txt" },
	{ "/%2561dmin/secret.txt",		NULL },
	{ "http://HOST/%61dmin/secret.txt",	"/admin/secret.txt" },
	{ "/admin/..%2fx.txt",			NULL },
	{ "/x.txt/..;/admin/secret.txt",	NULL },
	{ "/x/..%2fadmin/secret.txt",		NULL },
	{ "/x/%2e%2e%2fadmin/secret.txt",	NULL },
};

static const struct canon_case canon_good[] = {
	{ "/",					"/" },
	{ "//",					"/" },
	{ "/./",				"/" },
	{ "/.",					"/" },
	{ "/a/..",				"/" },
	{ "/a/",				"/a/" },
	{ "/a/.",				"/a/" },
	{ "/a/b/..",				"/a/" },
	{ "/a/b/../",				"/a/" },
	{ "/a//b///",				"/a/b/" },
	{ "/a/b/../../c",			"/c" },
	{ "/a/%2E%2E",				"/" },
	{ "/a/%2e",				"/a/" },
	{ "/%41%42%63%4a%4A",			"/ABcJJ" },
	{ "/%25",				"/%" },
	{ "/%252F",				NULL },
	{ "/100%25",				"/100%" },
	{ "/%25zz",				"/%zz" },
	{ "/%25a/b",				"/%a/b" },
	{ "/%25/2F",				"/%/2F" },
	{ "/%23",				"/#" },
	{ "/a%20b",				"/a b" },
	{ "/a b",				"/a b" },
	{ "/a/.../b",				"/a/.../b" },
	{ "/a/..b/c",				"/a/..b/c" },
	{ "/a/b..;",				"/a/b..;" },
	{ "/a/;/b",				"/a/;/b" },
	{ "/.a/.b",				"/.a/.b" },
	{ "/\x80\xff",				"/\x80\xff" },
	{ "/%c3%a9",				"/\xc3\xa9" },
	{ "/a?",				"/a" },
	{ "/?",					"/" },
	{ "/a/..?x/../..",			"/" },
	{ "/a?x#y\\z",				"/a" },
	{ "/http://x/y",			"/http:/x/y" },
	{ "http://h",				"/" },
	{ "HTTPS://h:443",			"/" },
	{ "http://h?x/y",			"/" },
	{ "http:///a",				"/a" },
	{ "http://u@h:8080/a/../b?q",		"/b" },
	{ "git+ssh.x-y://h/p/",			"/p/" },
};

static const char *const canon_bad[] = {
	/* not a path */
	"", "a", "*", "admin/secret.txt", "?x", "%2Fa",
	"http:/a", "http//h/a", "1http://h/a", "ht_tp://h/a", "://h/a",
	"http:", "http://h#/a", "http://h\\x/a", "http://h/..",
	"http://h/%2F", "http://h\x01/a",
	/* bad escapes */
	"/%", "/%4", "/%G1", "/%1G", "/a%", "/a%2", "/%%41", "/%-1",
	"/% 1", "/%+1", "/%\x80\x80",
	/* encoded separators and NUL */
	"/%2F", "/%2f", "/a%2F..%2Fb", "/%00", "/a%00", "/%5C", "/%5c",
	/* double-encoded: a second decoding would see another path */
	"/%252F", "/%252f", "/%255C", "/%2500", "/%252E%252E/a", "/%2561",
	"/%25%32%46", "/%25%32F", "/%252%46", "/x%25410",
	/* raw bytes we refuse */
	"/a\\b", "/\\", "/a#b", "/#", "/a\tb", "/a\nb", "/a\rb", "/\x01",
	"/\x7f", "/\x1f", "/a?x\ny", "/a?\x7f",
	/* decoded control bytes */
	"/%01", "/%1f", "/%1F", "/%7f", "/%7F", "/%0a", "/%0d%0a", "/%09",
	/* above the root */
	"/..", "/../", "/../a", "/a/../..", "/%2e%2e", "/%2E%2E/a", "/./..",
	"/a/b/../../../c", "//..", "/..?x", "/a/../../b/../c",
	/* the ";" traversal trick */
	"/..;", "/..;x", "/.;", "/.;x", "/a/..;/b", "/a/b/..;",
	"/%2e%2e;", "/%2e;", "/.%3b", "/..%3Bx", "/%2e.;/a",
};

static char *
vis(const char *s)
{
	static char	buf[512];
	size_t		n = 0;

	for (; *s != '\0' && n + 5 < sizeof(buf); s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\\x%02x", (unsigned char)*s);
		else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return buf;
}

static void
check_case(const struct canon_case *c)
{
	char	out[256];
	int	rc;

	memset(out, 'Z', sizeof(out));
	rc = canon_path(c->in, out, sizeof(out));
	if (c->want == NULL) {
		ck_assert_msg(rc == -1, "\"%s\": want -1, got \"%s\"",
		    vis(c->in), out);
		ck_assert_msg(out[0] == '\0', "failure leaves out non-empty");
	} else {
		ck_assert_msg(rc == 0, "\"%s\": want \"%s\", got -1",
		    vis(c->in), c->want);
		ck_assert_msg(strcmp(out, c->want) == 0,
		    "\"%s\": want \"%s\", got \"%s\"", vis(c->in), c->want,
		    out);
	}
}

START_TEST(test_canon_wire_table)
{
	check_case(&canon_wire[_i]);
}
END_TEST

START_TEST(test_canon_good)
{
	check_case(&canon_good[_i]);
}
END_TEST

START_TEST(test_canon_bad)
{
	struct canon_case	c = { canon_bad[_i], NULL };

	check_case(&c);
}
END_TEST

/* Inputs whose results need exactly strlen(want) + 1 bytes. */
static const char *const canon_sized[] = {
	"/", "//////", "/a", "/a/", "/a/b/..", "/%61%62%63",
	"/a/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/..",
	"/a/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/../c",
	"http://host.example:8080", "http://h/x?yyyyyyyyyyyyyyyyyyyyyy",
	"/%2e%2e%2e", "/x/./y/./",
};

/*
 * Every buffer size from 0 up: success exactly when the result fits, and
 * not one byte written past outsz.  A segment that a later ".." removes
 * must not count against the buffer.
 */
START_TEST(test_canon_outsz)
{
	const char	*in = canon_sized[_i];
	char		 want[256], buf[300];
	size_t		 wlen, outsz, k;
	int		 rc;

	ck_assert_int_eq(canon_path(in, want, sizeof(want)), 0);
	wlen = strlen(want);
	ck_assert_uint_le(wlen, strlen(in));
	for (outsz = 0; outsz <= strlen(in) + 2; outsz++) {
		memset(buf, 0xa5, sizeof(buf));
		rc = canon_path(in, buf, outsz);
		for (k = outsz; k < sizeof(buf); k++)
			ck_assert_msg((unsigned char)buf[k] == 0xa5,
			    "\"%s\" outsz %zu: wrote byte %zu", in, outsz, k);
		if (outsz > wlen) {
			ck_assert_msg(rc == 0, "\"%s\" outsz %zu: -1", in,
			    outsz);
			ck_assert_str_eq(buf, want);
		} else {
			ck_assert_msg(rc == -1, "\"%s\" outsz %zu: fit?", in,
			    outsz);
			if (outsz > 0)
				ck_assert_int_eq(buf[0], '\0');
		}
	}
}
END_TEST

START_TEST(test_canon_null_args)
{
	char	out[16] = "x";

	ck_assert_int_eq(canon_path(NULL, out, sizeof(out)), -1);
	ck_assert_int_eq(out[0], '\0');
	ck_assert_int_eq(canon_path("/", NULL, 16), -1);
	ck_assert_int_eq(canon_path("/", out, 0), -1);
}
END_TEST

#define CANON_DEEP	20000

/* Long and deep paths: no recursion, no stack, no quadratic blowup. */
START_TEST(test_canon_deep)
{
	char	*in, *out;
	size_t	 i, n, sz = CANON_DEEP * 6 + 16;

	ck_assert_ptr_nonnull(in = malloc(sz));
	ck_assert_ptr_nonnull(out = malloc(sz));

	/* "/a" * N + "/.." * N is the root. */
	for (n = 0, i = 0; i < CANON_DEEP; i++)
		n += (size_t)snprintf(in + n, sz - n, "/a");
	for (i = 0; i < CANON_DEEP; i++)
		n += (size_t)snprintf(in + n, sz - n, "/..");
	ck_assert_int_eq(canon_path(in, out, sz), 0);
	ck_assert_str_eq(out, "/");
	/* One more ".." climbs out. */
	snprintf(in + n, sz - n, "/..");
	ck_assert_int_eq(canon_path(in, out, sz), -1);

	/* "/a" * N stays as it is, and needs strlen + 1 bytes. */
	for (n = 0, i = 0; i < CANON_DEEP; i++)
		n += (size_t)snprintf(in + n, sz - n, "/a");
	ck_assert_int_eq(canon_path(in, out, n + 1), 0);
	ck_assert_str_eq(out, in);
	ck_assert_int_eq(canon_path(in, out, n), -1);

	free(in);
	free(out);
}
END_TEST

static uint32_t
rnd(uint32_t *s)
{
	/* xorshift32: reproducible from the loop index, no libc state. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const char *const canon_tokens[] = {
	"/", "/", "/", ".", ".", "..", "a", "b", "%", "%2e", "%2E", "%2f",
	"%25", "%41", "%5c", "%00", "%3b", ";", "?", "#", "\\", "\x80",
	"\x01", " ", "%3F", "%23", "2", "e", "f", "5",
};

/*
 * Random inputs, built from tokens that matter and from raw bytes, in a
 * buffer of exactly their size so that ASan sees any overread.  Every
 * result is a clean absolute path.  Canonicalizing it again gives it back,
 * unless it holds a "%", "?" or "#" that decoding produced: "/%2561" is
 * "/%61", whose own canonical form is "/a", and that is the point of
 * decoding once.
 */
START_TEST(test_canon_random)
{
	char		 tmp[128], out[130], again[130], *in;
	uint32_t	 seed = 0x9e3779b9u ^ (uint32_t)(_i * 7919 + 1);
	size_t		 n, len, k, iter;
	const char	*tok;
	int		 rc;

	for (iter = 0; iter < 4000; iter++) {
		n = 0;
		if (rnd(&seed) % 8 == 0)
			n = (size_t)snprintf(tmp, sizeof(tmp), "http://h");
		else if (rnd(&seed) % 16 != 0)
			tmp[n++] = '/';
		len = rnd(&seed) % 24;
		for (k = 0; k < len; k++) {
			if (rnd(&seed) % 4 == 0) {
				tmp[n] = (char)(rnd(&seed) % 255 + 1);
				n++;
				continue;
			}
			tok = canon_tokens[rnd(&seed) %
			    (sizeof(canon_tokens) / sizeof(canon_tokens[0]))];
			if (n + strlen(tok) >= sizeof(tmp))
				break;
			memcpy(tmp + n, tok, strlen(tok));
			n += strlen(tok);
		}
		tmp[n] = '\0';
		ck_assert_ptr_nonnull(in = malloc(n + 1));
		memcpy(in, tmp, n + 1);

		rc = canon_path(in, out, strlen(in) + 2);
		if (rc == 0) {
			ck_assert_msg(out[0] == '/', "%s", vis(in));
			ck_assert_msg(strstr(out, "//") == NULL, "%s", vis(in));
			ck_assert_msg(strstr(out, "/./") == NULL, "%s",
			    vis(in));
			ck_assert_msg(strstr(out, "/../") == NULL, "%s",
			    vis(in));
			ck_assert_msg(strstr(out, "/..;") == NULL &&
			    strstr(out, "/.;") == NULL, "%s", vis(in));
			len = strlen(out);
			ck_assert_msg(len < 2 || strcmp(out + len - 2, "/.")
			    != 0, "%s", vis(in));
			ck_assert_msg(len < 3 || strcmp(out + len - 3, "/..")
			    != 0, "%s", vis(in));
			ck_assert_msg(len <= strlen(in), "%s", vis(in));
			for (k = 0; k < len; k++)
				ck_assert_msg((unsigned char)out[k] >= 0x20 &&
				    out[k] != 0x7f && out[k] != '\\',
				    "%s", vis(in));
			/* No escape a second decoding would act on. */
			for (k = 0; k + 2 < len; k++)
				ck_assert_msg(!(out[k] == '%' &&
				    isxdigit((unsigned char)out[k + 1]) &&
				    isxdigit((unsigned char)out[k + 2])),
				    "%s: %s", vis(in), out);
			if (strpbrk(out, "%?#") == NULL) {
				ck_assert_int_eq(canon_path(out, again,
				    sizeof(again)), 0);
				ck_assert_msg(strcmp(out, again) == 0,
				    "%s: %s then %s", vis(in), out, again);
			}
		} else
			ck_assert_int_eq(out[0], '\0');
		/* Whatever the answer, a big buffer gives the same one. */
		ck_assert_int_eq(canon_path(in, again, sizeof(again)), rc);
		if (rc == 0)
			ck_assert_str_eq(out, again);
		free(in);
	}
}
END_TEST

static Suite *
canon_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("canon");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_canon_wire_table, 0, NITEMS(canon_wire));
	tcase_add_loop_test(tc, test_canon_good, 0, NITEMS(canon_good));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_canon_outsz, 0, NITEMS(canon_sized));
	tcase_add_test(tc, test_canon_null_args);
	tcase_add_test(tc, test_canon_deep);
	tcase_add_loop_test(tc, test_canon_random, 0, 16);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_canon_bad, 0, NITEMS(canon_bad));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(canon_suite());
}
