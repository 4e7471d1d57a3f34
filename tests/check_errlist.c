/*
 * errlist: the printed "FILE:LINE: msg" text, the entry's parts, the
 * 511-byte cut, errno kept, errlist_each and errlist_print.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_common.h"
#include "errlist.h"

#define NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	const char	*file;
	int		 line;
	const char	*msg;
	const char	*text;		/* as printed */
	int		 want_line;	/* ee_line */
} add_cases[] = {
	{ "a.ini", 3, "bad key", "a.ini:3: bad key", 3 },
	{ "a.ini", 0, "not a regular file", "a.ini: not a regular file", 0 },
	{ "/x/y.ini", -1, "neg", "/x/y.ini: neg", 0 },
	{ "", 1, "", ":1: ", 1 },
	{ "f:2", 7, "x: 9: y", "f:2:7: x: 9: y", 7 },
	{ "f", 2147483647, "max", "f:2147483647: max", 2147483647 },
};

START_TEST(test_add)
{
	struct errlist	el;

	errlist_init(&el);
	errlist_add(&el, add_cases[_i].file, add_cases[_i].line, "%s",
	    add_cases[_i].msg);
	ck_assert_uint_eq(errlist_count(&el), 1);
	ck_assert_str_eq(el.el_ents[0].ee_text, add_cases[_i].text);
	ck_assert_str_eq(el.el_ents[0].ee_file, add_cases[_i].file);
	ck_assert_int_eq(el.el_ents[0].ee_line, add_cases[_i].want_line);
	ck_assert_str_eq(el.el_ents[0].ee_msg, add_cases[_i].msg);
	errlist_free(&el);
	ck_assert_uint_eq(errlist_count(&el), 0);
}
END_TEST

static void
addv(struct errlist *el, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
addv(struct errlist *el, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errlist_addv(el, "v.ini", 4, fmt, ap);
	va_end(ap);
}

/* Many entries (the array grows), in order; errlist_addv formats. */
START_TEST(test_many_and_addv)
{
	struct errlist	el;
	char		want[64];
	int		i;

	errlist_init(&el);
	for (i = 0; i < 100; i++)
		errlist_add(&el, "m.ini", i + 1, "error %d of %s", i, "100");
	addv(&el, "%s %d", "via", 5);
	ck_assert_uint_eq(errlist_count(&el), 101);
	for (i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "m.ini:%d: error %d of 100",
		    i + 1, i);
		ck_assert_str_eq(el.el_ents[i].ee_text, want);
	}
	ck_assert_str_eq(el.el_ents[100].ee_text, "v.ini:4: via 5");
	ck_assert_str_eq(el.el_ents[100].ee_msg, "via 5");
	errlist_free(&el);
}
END_TEST

/* errno is left as it was, so a caller can add and still return it. */
START_TEST(test_keeps_errno)
{
	struct errlist	el;

	errlist_init(&el);
	errno = EACCES;
	errlist_add(&el, "e.ini", 0, "%s", strerror(errno));
	ck_assert_int_eq(errno, EACCES);
	ck_assert_str_eq(el.el_ents[0].ee_msg, strerror(EACCES));
	errlist_free(&el);
}
END_TEST

static void
collect(void *arg, const char *text)
{
	char	*buf = arg;

	strcat(buf, text);
	strcat(buf, "|");
}

/* errlist_each and errlist_print show the same text, in order. */
START_TEST(test_each_and_print)
{
	struct errlist	 el;
	char		 seen[256] = "", printed[256];
	FILE		*fp;
	size_t		 n;

	errlist_init(&el);
	errlist_add(&el, "a", 1, "one");
	errlist_add(&el, "b", 0, "two");
	errlist_each(&el, collect, seen);
	ck_assert_str_eq(seen, "a:1: one|b: two|");
	ck_assert_ptr_nonnull(fp = tmpfile());
	errlist_print(&el, fp);
	el.el_nomem = 1;
	ck_assert_uint_eq(errlist_count(&el), 3);
	errlist_print(&el, fp);
	rewind(fp);
	n = fread(printed, 1, sizeof(printed) - 1, fp);
	printed[n] = '\0';
	fclose(fp);
	ck_assert_str_eq(printed, "a:1: one\nb: two\n"
	    "a:1: one\nb: two\n(out of memory: further errors were lost)\n");
	errlist_free(&el);
}
END_TEST

/* A message is cut at ERRLIST_MSG_SIZE - 1 bytes; the file is not. */
START_TEST(test_long_message)
{
	struct errlist	 el;
	char		 msg[ERRLIST_MSG_SIZE * 2], file[1024];

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	memset(file, 'f', sizeof(file) - 1);
	file[sizeof(file) - 1] = '\0';
	errlist_init(&el);
	errlist_add(&el, file, 12, "%s", msg);
	ck_assert_uint_eq(strlen(el.el_ents[0].ee_msg), ERRLIST_MSG_SIZE - 1);
	ck_assert_str_eq(el.el_ents[0].ee_file, file);
	ck_assert_uint_eq(strlen(el.el_ents[0].ee_text),
	    strlen(file) + strlen(":12: ") + ERRLIST_MSG_SIZE - 1);
	errlist_free(&el);
}
END_TEST

/* Freeing an empty or freed list is harmless. */
START_TEST(test_free_empty)
{
	struct errlist	el;

	errlist_init(&el);
	errlist_free(&el);
	errlist_free(&el);
	ck_assert_uint_eq(errlist_count(&el), 0);
	ck_assert_ptr_null(el.el_ents);
}
END_TEST

static Suite *
errlist_suite(void)
{
	Suite	*s = suite_create("errlist");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_add, 0, NITEMS(add_cases));
	tcase_add_test(tc, test_many_and_addv);
	tcase_add_test(tc, test_keeps_errno);
	tcase_add_test(tc, test_each_and_print);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_long_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, test_free_empty);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(errlist_suite());
}
