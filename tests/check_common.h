/*
 * What several Check suites share: looking for an error message, and
 * running a suite the same way (sodium_init first, 99 if it fails;
 * EXIT_SUCCESS only when no test failed).
 */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "errlist.h"

/* 1 when one message contains both a and b. */
static inline int
check_has_msg(const struct errlist *el, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < el->el_count; i++)
		if (strstr(el->el_msgs[i], a) != NULL &&
		    strstr(el->el_msgs[i], b) != NULL)
			return 1;
	return 0;
}

/* Fails the test, printing every message, unless one has both a and b. */
static inline void
check_assert_msg(const struct errlist *el, const char *a, const char *b)
{
	if (!check_has_msg(el, a, b))
		errlist_print(el, stderr);
	ck_assert_msg(check_has_msg(el, a, b),
	    "no message with \"%s\" and \"%s\"", a, b);
}

/* main() of a suite: returns the process's exit status. */
static inline int
check_run(Suite *s)
{
	SRunner	*sr;
	int	 nfailed;

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 99;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
