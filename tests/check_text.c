/*
 * text.c: numbers, sizes, dates, comma-separated lists, the UTF-8
 * check and the UTF-8 sequence length under it.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "text.h"

#define MIB		(1024ULL * 1024)

/* Byte strings for text_is_clean_utf8(); the length is explicit. */
struct utf8_case {
	const char	*s;
	size_t		 len;
};

#define U(s)		{ s, sizeof(s) - 1 }
#define UN(s, n)	{ s, n }

static const struct utf8_case utf8_clean_cases[] = {
	U(""),
	U(" "),
	U("~"),
	U("alice"),
	U("\xc2\x80"),		/* U+0080: C1, but not a CTL */
	U("\xc3\xa9"),
	U("\xdf\xbf"),		/* U+07FF */
	U("\xe0\xa0\x80"),	/* U+0800 */
	U("\xe2\x82\xac"),
	U("\xed\x9f\xbf"),	/* U+D7FF, below the surrogates */
	U("\xee\x80\x80"),	/* U+E000, above them */
	U("\xef\xbf\xbf"),	/* U+FFFF */
	U("\xf0\x90\x80\x80"),	/* U+10000 */
	U("\xf4\x8f\xbf\xbf"),	/* U+10FFFF */
	UN("\xe2\x82\xac\xff", 3),	/* the length bounds the scan */
};

static const struct utf8_case utf8_unclean_cases[] = {
	UN("\0", 1),
	UN("a\0b", 3),
	U("\x01"),
	U("\x1f"),
	U("\t"),
	U("\r"),
	U("\n"),
	U("\x7f"),
	U("\x80"),		/* stray continuation */
	U("\xbf"),
	U("a\x80z"),
	U("\xc0\x80"),		/* overlong NUL */
	U("\xc0\xaf"),		/* overlong "/" */
	U("\xc1\xbf"),
	U("\xe0\x80\x80"),	/* overlong */
	U("\xe0\x9f\xbf"),
	U("\xf0\x80\x80\x80"),
	U("\xf0\x8f\xbf\xbf"),
	U("\xed\xa0\x80"),	/* U+D800 */
	U("\xed\xbf\xbf"),	/* U+DFFF */
	U("\xf4\x90\x80\x80"),	/* U+110000 */
	U("\xf5\x80\x80\x80"),
	U("\xf8\x88\x80\x80\x80"),
	U("\xfe"),
	U("\xff"),
	U("\xc3"),		/* truncated */
	U("\xe2\x82"),
	U("\xf0\x90\x80"),
	U("a\xc3"),
	UN("\xe2\x82\xac", 2),	/* truncated by the length */
	U("\xc3\x28"),		/* bad continuation */
	U("\xe2\x28\xa1"),
	U("\xe2\x82\x28"),
	U("\xf0\x90\x28\xbc"),
};

/*
 * text_utf8_len() at the start of s, left bytes readable: the length of
 * the sequence, or 0.  Control bytes are one byte long here; only
 * text_is_clean_utf8() refuses them.
 */
static const struct utf8_len_case {
	const char	*s;
	size_t		 left;
	size_t		 want;
} utf8_len_cases[] = {
	{ "a", 1, 1 },
	{ "\x01", 1, 1 },
	{ "\x7f", 1, 1 },
	{ "ab", 2, 1 },
	{ "\xc2\x80", 2, 2 },
	{ "\xdf\xbf", 2, 2 },
	{ "\xe0\xa0\x80", 3, 3 },
	{ "\xe2\x82\xac", 3, 3 },
	{ "\xe2\x82\xac", 4, 3 },	/* the NUL after is not read */
	{ "\xed\x9f\xbf", 3, 3 },
	{ "\xef\xbf\xbf", 3, 3 },
	{ "\xf0\x90\x80\x80", 4, 4 },
	{ "\xf4\x8f\xbf\xbf", 4, 4 },
	{ "\xf4\x8f\xbf\xbfz", 5, 4 },
	{ "\xef\xbb\xbf", 3, 3 },	/* a BOM is a character */
};

static const struct utf8_len_case utf8_len_bad_cases[] = {
	{ "\x80", 1, 0 },
	{ "\xbf", 1, 0 },
	{ "\xc0\x80", 2, 0 },
	{ "\xc1\xbf", 2, 0 },
	{ "\xe0\x9f\xbf", 3, 0 },
	{ "\xed\xa0\x80", 3, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, 0 },
	{ "\xf4\x90\x80\x80", 4, 0 },
	{ "\xf5\x80\x80\x80", 4, 0 },
	{ "\xff", 1, 0 },
	{ "\xc3", 1, 0 },
	{ "\xe2\x82\xac", 2, 0 },	/* cut by left */
	{ "\xf0\x90\x80\x80", 3, 0 },
	{ "\xc3\x28", 2, 0 },
	{ "\xe2\x82\x28", 3, 0 },
	{ "\xf0\x90\x28\xbc", 4, 0 },
};

/* --- core -------------------------------------------------------------- */

START_TEST(test_utf8_clean)
{
	const struct utf8_case *c = &utf8_clean_cases[_i];

	ck_assert_int_eq(text_is_clean_utf8(c->s, c->len), 1);
}
END_TEST

START_TEST(test_utf8_unclean)
{
	const struct utf8_case *c = &utf8_unclean_cases[_i];

	ck_assert_int_eq(text_is_clean_utf8(c->s, c->len), 0);
}
END_TEST

START_TEST(test_utf8_len)
{
	const struct utf8_len_case *c = &utf8_len_cases[_i];

	ck_assert_uint_eq(text_utf8_len((const unsigned char *)c->s, c->left),
	    c->want);
}
END_TEST

START_TEST(test_utf8_len_bad)
{
	const struct utf8_len_case *c = &utf8_len_bad_cases[_i];

	ck_assert_uint_eq(text_utf8_len((const unsigned char *)c->s, c->left),
	    c->want);
}
END_TEST

/* Section names: "[rule:NAME]", "[user:NAME]", "[token:NAME]". */
static const struct prefix_case {
	const char	*s, *prefix;
	const char	*want;		/* NULL: no match */
} prefix_cases[] = {
	{ "rule:web",	"rule:",	"web" },
	{ "user:alice",	"user:",	"alice" },
	{ "token:ci",	"token:",	"ci" },
	{ "rule:",	"rule:",	"" },
	{ "x",		"",		"x" },
	{ "rule",	"rule:",	NULL },
	{ "Rule:web",	"rule:",	NULL },
	{ "rules:web",	"rule:",	NULL },
	{ "",		"rule:",	NULL },
	{ "user:bob",	"token:",	NULL },
};

START_TEST(test_after_prefix)
{
	const struct prefix_case *c = &prefix_cases[_i];
	const char		 *got = text_after_prefix(c->s, c->prefix);

	if (c->want == NULL) {
		ck_assert_ptr_null(got);
		return;
	}
	ck_assert_ptr_nonnull(got);
	ck_assert_ptr_eq(got, c->s + strlen(c->prefix));
	ck_assert_str_eq(got, c->want);
}
END_TEST

START_TEST(test_free_list_null)
{
	text_free_list(NULL, 0);
}
END_TEST

/* --- limits ------------------------------------------------------------ */

static const struct size_case {
	const char		*in;
	unsigned long long	 want;
} size_good[] = {
	{ "256M",		256ULL * 1024 * 1024 },
	{ "64K",		65536 },
	{ "8k",			8192 },
	{ "2m",			2 * MIB },
	{ "1G",			1024ULL * 1024 * 1024 },
	{ "1g",			1024ULL * 1024 * 1024 },
	{ "1048576",		1048576 },
	{ "0",			0 },
	{ "17179869183G",	17179869183ULL * 1024 * 1024 * 1024 },
	{ "18446744073709551615", 18446744073709551615ULL },
	{ "0K",			0 },
	{ "16777215K",		16777215ULL * 1024 },
};

START_TEST(test_parse_size_good)
{
	unsigned long long	v = 1;

	ck_assert_msg(text_parse_size(size_good[_i].in, &v) == 0,
	    "\"%s\" refused", size_good[_i].in);
	ck_assert_uint_eq(v, size_good[_i].want);
}
END_TEST

static const struct uint_case {
	const char		*in;
	unsigned long long	 min, max, want;
} uint_good[] = {
	{ "0",		0, 10, 0 },
	{ "1",		1, 256, 1 },
	{ "256",	1, 256, 256 },
	{ "4",		1, 256, 4 },
	{ "18446744073709551615", 0, ULLONG_MAX, ULLONG_MAX },
	{ "5",		5, 5, 5 },	/* min == max */
	{ "10",		0, 10, 10 },
};

START_TEST(test_parse_uint_good)
{
	const struct uint_case	*c = &uint_good[_i];
	unsigned long long	 v = 12345;

	ck_assert_msg(text_parse_uint(c->in, c->min, c->max, &v) == 0,
	    "\"%s\" refused", c->in);
	ck_assert_uint_eq(v, c->want);
}
END_TEST

/* The first second after the day, UTC (date -u -d ... +%s). */
static const struct date_case {
	const char	*in;
	long long	 want;
} date_good[] = {
	{ "2027-06-30",	1814400000LL },	/* 2027-07-01T00:00:00Z */
	{ "2027-12-31",	1830297600LL },	/* 2028-01-01 */
	{ "2028-02-29",	1835481600LL },	/* leap day; 2028-03-01 */
	{ "2000-02-29",	951868800LL },	/* 400-year leap */
	{ "1970-01-01",	86400LL },
	{ "9999-12-31",	253402300800LL },	/* the last year; 10000-01-01 */
};

START_TEST(test_parse_date_good)
{
	time_t	t = 0;

	ck_assert_msg(text_parse_date(date_good[_i].in, &t) == 0,
	    "\"%s\" refused", date_good[_i].in);
	ck_assert_int_eq((long long)t, date_good[_i].want);
}
END_TEST

static const struct split_case {
	const char	*in;
	const char	*want[8];
} split_good[] = {
	{ "a, b,c",		{ "a", "b", "c" } },
	{ "admin",		{ "admin" } },
	{ " a\t,\tb ",		{ "a", "b" } },
	{ "GET, POST, PUT",	{ "GET", "POST", "PUT" } },
	{ "a b , c",		{ "a b", "c" } },	/* not checked */
	{ "  x  ",		{ "x" } },
	{ "a,b,c,d,e,f",	{ "a", "b", "c", "d", "e", "f" } },
};

START_TEST(test_split_good)
{
	const struct split_case	*c = &split_good[_i];
	char			**list = NULL;
	size_t			  n = 99;

	ck_assert_msg(text_split_list(c->in, &list, &n) == 0,
	    "\"%s\" refused", c->in);
	check_assert_list(list, n, c->want);
	text_free_list(list, n);
}
END_TEST

/* --- malformed --------------------------------------------------------- */

static const char *const size_bad[] = {
	"",
	"M",
	"abc",
	"-1",
	"+1",
	" 1M",
	"1M ",
	"1.5M",
	"1KB",
	"1T",
	"0x10",
	"18446744073709551616",
	"17179869184G",		/* overflows */
	"1234567890123456789012345678901234",
	"K",
	"1Kk",
	"1 K",
};

START_TEST(test_parse_size_bad)
{
	unsigned long long	v = 7;

	ck_assert_msg(text_parse_size(size_bad[_i], &v) == -1,
	    "\"%s\" accepted", size_bad[_i]);
	ck_assert_uint_eq(v, 7);
}
END_TEST

static const struct uint_case uint_bad[] = {
	{ "",		0, 10, 0 },
	{ "04",		0, 10, 0 },
	{ "00",		0, 10, 0 },
	{ "4x",		0, 10, 0 },
	{ "-1",		0, 10, 0 },
	{ "+1",		0, 10, 0 },
	{ " 1",		0, 10, 0 },
	{ "1 ",		0, 10, 0 },
	{ "0x1",	0, 10, 0 },
	{ "0",		1, 256, 0 },
	{ "257",	1, 256, 0 },
	{ "18446744073709551616", 0, ULLONG_MAX, 0 },
	{ "4",		5, 5, 0 },
	{ "6",		5, 5, 0 },
	{ "11",		0, 10, 0 },
};

START_TEST(test_parse_uint_bad)
{
	const struct uint_case	*c = &uint_bad[_i];
	unsigned long long	 v = 7;

	ck_assert_msg(text_parse_uint(c->in, c->min, c->max, &v) == -1,
	    "\"%s\" accepted", c->in);
	ck_assert_uint_eq(v, 7);
}
END_TEST

static const char *const date_bad[] = {
	"2027-02-29",		/* not a leap year */
	"2100-02-29",		/* nor is 2100 */
	"2027-02-30",
	"2027-04-31",
	"2027-13-01",
	"2027-00-10",
	"2027-06-00",
	"2027-6-30",
	"2027/06/30",
	"2027-06-30 ",
	"2027-06-30T00:00",
	"tomorrow",
	"",
	"1969-12-31",
	"2027-+6-30",		/* sscanf's %d takes a sign... */
	"2027-06-+1",
	"2027- 6-30",		/* ...and skips spaces */
	"2027-06- 1",
	"10000-01-01",		/* five digits */
	"9999-12-32",
	"2027-06-3a",
};

START_TEST(test_parse_date_bad)
{
	time_t	t = 7;

	ck_assert_msg(text_parse_date(date_bad[_i], &t) == -1,
	    "\"%s\" accepted", date_bad[_i]);
}
END_TEST

static const char *const split_bad[] = {
	"",
	" ",
	",",
	"a,,b",
	"a,",
	",a",
	"a, ,b",
	"a,\t,b",
	"\t",
};

START_TEST(test_split_bad)
{
	char	**list = NULL;
	size_t	  n = 0;

	ck_assert_msg(text_split_list(split_bad[_i], &list, &n) == -1,
	    "\"%s\" accepted", split_bad[_i]);
}
END_TEST

static Suite *
text_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("text");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_utf8_clean, 0,
	    (int)NITEMS(utf8_clean_cases));
	tcase_add_loop_test(tc, test_after_prefix, 0,
	    (int)NITEMS(prefix_cases));
	tcase_add_test(tc, test_free_list_null);
	tcase_add_loop_test(tc, test_utf8_len, 0, NITEMS(utf8_len_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_parse_size_good, 0, NITEMS(size_good));
	tcase_add_loop_test(tc, test_parse_uint_good, 0, NITEMS(uint_good));
	tcase_add_loop_test(tc, test_parse_date_good, 0, NITEMS(date_good));
	tcase_add_loop_test(tc, test_split_good, 0, NITEMS(split_good));
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_utf8_unclean, 0,
	    (int)NITEMS(utf8_unclean_cases));
	tcase_add_loop_test(tc, test_utf8_len_bad, 0,
	    NITEMS(utf8_len_bad_cases));
	tcase_add_loop_test(tc, test_parse_size_bad, 0, NITEMS(size_bad));
	tcase_add_loop_test(tc, test_parse_uint_bad, 0, NITEMS(uint_bad));
	tcase_add_loop_test(tc, test_parse_date_bad, 0, NITEMS(date_bad));
	tcase_add_loop_test(tc, test_split_bad, 0, NITEMS(split_bad));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(text_suite());
}
