/*
 * What several Check suites share: looking for an error message, and
 * running a suite the same way (sodium_init first, 99 if it fails;
 * EXIT_SUCCESS only when no test failed; the counts added to
 * FCGI_AUTHZ_TALLY when it is set).  Needs config.h first, for
 * program_invocation_short_name (AC_USE_SYSTEM_EXTENSIONS).
 */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <errno.h>
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
		if (strstr(el->el_ents[i].ee_text, a) != NULL &&
		    strstr(el->el_ents[i].ee_text, b) != NULL)
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

/*
 * Adds "NAME RUN FAILED" to the file FCGI_AUTHZ_TALLY names, if any, as
 * tests/testlib.sh does for the shell tests: make distcheck removes the
 * test logs it passed, and scripts/test counts its cases from that file.
 */
static inline void
check_tally(const char *name, int nrun, int nfailed)
{
	const char	*path;
	FILE		*f;

	if ((path = getenv("FCGI_AUTHZ_TALLY")) == NULL || *path == '\0')
		return;
	if ((f = fopen(path, "a")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f, "%s %d %d\n", name, nrun - nfailed, nfailed);
	fclose(f);
}

/* main() of a suite: returns the process's exit status. */
static inline int
check_run(Suite *s)
{
	SRunner	*sr;
	int	 nfailed, nrun;

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 99;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	nrun = srunner_ntests_run(sr);
	srunner_free(sr);
	check_tally(program_invocation_short_name, nrun, nfailed);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
