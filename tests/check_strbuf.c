#include "config.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "check_common.h"
#include "strbuf.h"

/*
 * The bounded appender: what fits is kept, what does not is cut as
 * snprintf(3) cuts, the text is always NUL-terminated, and sb_overflow
 * tells a cut text from a whole one.
 */

#define NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* Appends pieces to a buffer of size bytes (in a larger, guarded one). */
static const struct {
	const char	*name;
	size_t		 size;
	const char	*pieces[4];
	int		 fmt;		/* through strbuf_appendf("%s") */
	const char	*want;
	int		 overflow;
} cases[] = {
	{ "one piece", 16, { "abc" }, 0, "abc", 0 },
	{ "pieces", 16, { "ab", "", "cd", "ef" }, 0, "abcdef", 0 },
	{ "exactly full", 4, { "ab", "c" }, 0, "abc", 0 },
	{ "one too many", 4, { "ab", "cd" }, 0, "abc", 1 },
	{ "nothing after a cut", 4, { "abcd", "e" }, 0, "abc", 1 },
	{ "empty after a cut", 4, { "abcd", "" }, 0, "abc", 1 },
	{ "size 1", 1, { "a" }, 0, "", 1 },
	{ "size 1, empty", 1, { "" }, 0, "", 0 },
	{ "fmt pieces", 16, { "ab", "cd" }, 1, "abcd", 0 },
	{ "fmt exactly full", 4, { "abc" }, 1, "abc", 0 },
	{ "fmt cut", 4, { "ab", "cd" }, 1, "abc", 1 },
	{ "fmt size 1", 1, { "a" }, 1, "", 1 },
};

START_TEST(test_strbuf_cases)
{
	char		 guard[64];
	struct strbuf	 sb;
	int		 i;

	memset(guard, 'x', sizeof(guard));
	strbuf_init(&sb, guard, cases[_i].size);
	for (i = 0; i < 4 && cases[_i].pieces[i] != NULL; i++) {
		if (cases[_i].fmt)
			strbuf_appendf(&sb, "%s", cases[_i].pieces[i]);
		else
			strbuf_append(&sb, cases[_i].pieces[i]);
	}
	ck_assert_msg(strcmp(guard, cases[_i].want) == 0, "%s: \"%s\"",
	    cases[_i].name, guard);
	ck_assert_uint_eq(sb.sb_len, strlen(cases[_i].want));
	ck_assert_msg(sb.sb_overflow == cases[_i].overflow, "%s: overflow %d",
	    cases[_i].name, sb.sb_overflow);
	/* Nothing past the buffer's size is touched. */
	for (i = (int)cases[_i].size; i < NITEMS(guard); i++)
		ck_assert_int_eq(guard[i], 'x');
}
END_TEST

START_TEST(test_strbuf_appendf)
{
	char		buf[64];
	struct strbuf	sb;

	strbuf_init(&sb, buf, sizeof(buf));
	strbuf_appendf(&sb, "Status: %d %s\r\n", 429, "Too Many Requests");
	strbuf_appendf(&sb, "Retry-After: %u\r\n", 7U);
	ck_assert_str_eq(buf, "Status: 429 Too Many Requests\r\n"
	    "Retry-After: 7\r\n");
	ck_assert_int_eq(sb.sb_overflow, 0);
	strbuf_appendn(&sb, "abcdef", 3);
	ck_assert_str_eq(buf + sb.sb_len - 3, "abc");
}
END_TEST

/* A buffer of size 0: an overflow at once, and nothing written. */
START_TEST(test_strbuf_size_zero)
{
	char		buf[4] = "xyz";
	struct strbuf	sb;

	strbuf_init(&sb, buf, 0);
	ck_assert_int_eq(sb.sb_overflow, 1);
	strbuf_append(&sb, "a");
	strbuf_appendf(&sb, "%d", 1);
	strbuf_appendn(&sb, "", 0);
	ck_assert_uint_eq(sb.sb_len, 0);
	ck_assert_str_eq(buf, "xyz");
}
END_TEST

/* Every length around the size: cut exactly where snprintf cuts. */
START_TEST(test_strbuf_like_snprintf)
{
	static const char text[] = "0123456789abcdef";
	char		a[32], b[32];
	struct strbuf	sb;
	size_t		size;
	int		n;

	for (size = 1; size < sizeof(a); size++) {
		memset(a, 'x', sizeof(a));
		memset(b, 'x', sizeof(b));
		strbuf_init(&sb, a, size);
		strbuf_append(&sb, text);
		n = snprintf(b, size, "%s", text);
		ck_assert_int_eq(memcmp(a, b, sizeof(a)), 0);
		ck_assert_int_eq(sb.sb_overflow, (size_t)n >= size);
	}
}
END_TEST

static Suite *
strbuf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("strbuf");
	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_strbuf_cases, 0, NITEMS(cases));
	tcase_add_test(tc, test_strbuf_appendf);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_strbuf_size_zero);
	tcase_add_test(tc, test_strbuf_like_snprintf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(strbuf_suite());
}
