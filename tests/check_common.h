/*
 * What several Check suites share: NITEMS, a temporary directory, the
 * path of a file under tests/data, looking for an error message,
 * comparing a string list, counting a header in a FastCGI answer, and
 * running a suite the same way (sodium_init first, 99 if it fails;
 * EXIT_SUCCESS only when no test failed; the counts added to
 * FCGI_AUTHZ_TALLY when it is set).  Needs config.h first, for
 * program_invocation_short_name and nftw(3) (AC_USE_SYSTEM_EXTENSIONS).
 */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "errlist.h"

/*
 * The number of elements of an array, as an int constant: Check's loop
 * bounds are ints, and a non-negative constant compares with int and
 * size_t counters alike without -Wsign-compare.
 */
#define NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

/*
 * Makes a fresh directory $TMPDIR/PROGRAM.XXXXXX into dir (size bytes),
 * PROGRAM being the suite's name; /tmp when TMPDIR is unset, empty or
 * longer than 40 bytes, so that paths under it stay short.  Fails the
 * test when it cannot.  check_tmpdir_remove() undoes it.
 */
static inline void
check_tmpdir_make(char *dir, size_t size)
{
	const char	*base = getenv("TMPDIR");

	if (base == NULL || *base == '\0' || strlen(base) > 40)
		base = "/tmp";
	ck_assert_msg((size_t)snprintf(dir, size, "%s/%s.XXXXXX", base,
	    program_invocation_short_name) < size, "temporary path too long");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
	    strerror(errno));
}

static inline int
check_tmpdir_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

/*
 * Removes dir and everything under it, links not followed; quiet about
 * errors (a teardown must not fail a test that passed).
 */
static inline void
check_tmpdir_remove(const char *dir)
{
	if (*dir != '\0')
		(void)nftw(dir, check_tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * buf (size bytes) gets "$TEST_SRCDIR/DIR/NAME", "." standing for an
 * unset or empty TEST_SRCDIR (make check sets it to the source tree,
 * which a VPATH build does not run in).  Aborts the test when it does
 * not fit.
 */
static inline void
check_srcpath(char *buf, size_t size, const char *dir, const char *name)
{
	const char	*srcdir;

	if ((srcdir = getenv("TEST_SRCDIR")) == NULL || *srcdir == '\0')
		srcdir = ".";
	if ((size_t)snprintf(buf, size, "%s/%s/%s", srcdir, dir, name) >=
	    size)
		ck_abort_msg("TEST_SRCDIR too long");
}

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
 * Fails the test unless list[0..n) is exactly want (NULL-terminated)
 * and, when list is not NULL, list[n] is NULL.
 */
static inline void
check_assert_list(char *const *list, size_t n, const char *const *want)
{
	size_t	i;

	for (i = 0; want[i] != NULL; i++) {
		ck_assert_msg(i < n, "item %zu missing: want \"%s\"", i,
		    want[i]);
		ck_assert_str_eq(list[i], want[i]);
	}
	ck_assert_uint_eq(n, i);
	if (list != NULL)
		ck_assert_ptr_null(list[n]);
}

/* A libsodium argon2 hash of pass at t passes and mkib KiB (alg: one of
 * crypto_pwhash_ALG_*), for the suites that verify hashes. */
static inline void
check_make_argon2(char out[crypto_pwhash_STRBYTES], int alg,
    const char *pass, size_t len, unsigned long long t,
    unsigned long long mkib)
{
	ck_assert_int_eq(crypto_pwhash_str_alg(out, pass, len, t,
	    (size_t)(mkib * 1024), alg), 0);
}

/* A libsodium scrypt ($7$) hash of pass. */
static inline void
check_make_scrypt(char out[crypto_pwhash_scryptsalsa208sha256_STRBYTES],
    const char *pass, size_t len, unsigned long long ops, size_t mem)
{
	ck_assert_int_eq(crypto_pwhash_scryptsalsa208sha256_str(out, pass,
	    len, ops, mem), 0);
}

/*
 * The number of times needle occurs in the header block of a FastCGI
 * answer (up to its blank line, which must be there).
 */
static inline int
check_hdr_count(const char *resp, const char *needle)
{
	const char	*end = strstr(resp, "\r\n\r\n"), *p = resp;
	int		 n = 0;

	ck_assert_ptr_nonnull(end);
	while ((p = strstr(p, needle)) != NULL && p < end) {
		n++;
		p++;
	}
	return n;
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

/*
 * check_run() for a suite whose data prepare() builds once, with
 * libsodium, before the runner forks (a users file's password hashes):
 * 99 when sodium_init() or prepare() fails (returns -1).
 */
static inline int
check_run_prepared(int (*prepare)(void), Suite *(*make)(void))
{
	if (sodium_init() < 0 || prepare() == -1) {
		fprintf(stderr, "%s: cannot build the test data\n",
		    program_invocation_short_name);
		return 99;
	}
	return check_run(make());
}

#endif
