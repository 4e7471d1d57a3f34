/*
 * atomicfile: reading whole, the lock, stale temporary files, owner and
 * mode kept, and a failed replacement leaving the old file as it was.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "atomicfile.h"
#include "check_common.h"
#include "errlist.h"


static char	tmpdir[PATH_MAX];
static char	fpath[PATH_MAX];	/* tmpdir/f */

static void
tmp_setup(void)
{
	check_tmpdir_make(tmpdir, sizeof(tmpdir));
	if ((size_t)snprintf(fpath, sizeof(fpath), "%s/f", tmpdir) >=
	    sizeof(fpath))
		ck_abort_msg("TMPDIR too long");
}

/* buf (PATH_MAX bytes) gets tmpdir/name. */
static void
tpath(char *buf, const char *name)
{
	if ((size_t)snprintf(buf, PATH_MAX, "%s/%s", tmpdir, name) >=
	    PATH_MAX)
		ck_abort_msg("TMPDIR too long");
}

static void
tmp_teardown(void)
{
	check_tmpdir_remove(tmpdir);
}

static void
write_str(const char *path, const char *s)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(s, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
assert_file(const char *path, const char *want)
{
	char	buf[256];
	FILE	*f;
	size_t	n;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

/* Every name in tmpdir, dot files too, sorted, joined by spaces. */
static void
list_dir(char *buf, size_t size)
{
	struct dirent	**names;
	int		  n, i;

	ck_assert_int_ge(n = scandir(tmpdir, &names, NULL, alphasort), 0);
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0) {
			if (buf[0] != '\0')
				strncat(buf, " ", size - strlen(buf) - 1);
			strncat(buf, names[i]->d_name, size - strlen(buf) - 1);
		}
		free(names[i]);
	}
	free(names);
}

static struct atomicfile *
open_ok(int flags)
{
	struct atomicfile	*af;
	struct errlist		 el;

	errlist_init(&el);
	af = atomicfile_open(fpath, flags, &el);
	if (af == NULL)
		errlist_print(&el, stderr);
	ck_assert_ptr_nonnull(af);
	errlist_free(&el);
	return af;
}

static int
replace(struct atomicfile *af, const char *text, struct errlist *el)
{
	struct atomicfile_write	aw;

	memset(&aw, 0, sizeof(aw));
	aw.aw_buf = text;
	aw.aw_len = strlen(text);
	aw.aw_mode = 0640;
	aw.aw_gid = (gid_t)-1;
	return atomicfile_replace(af, &aw, el);
}

/* Each set of options writes the file, new or old, and leaves no temp. */
static const int flag_cases[] = {
	0,
	ATOMICFILE_FSYNC,
	ATOMICFILE_LOCK | ATOMICFILE_HIDDEN,
	ATOMICFILE_FOLLOW | ATOMICFILE_LOCK | ATOMICFILE_FSYNC |
	    ATOMICFILE_HIDDEN,
};

START_TEST(test_replace)
{
	struct atomicfile	*af;
	struct errlist		 el;
	struct stat		 st;
	char			 names[256];
	int			 flags = flag_cases[_i];

	errlist_init(&el);
	af = open_ok(flags);
	ck_assert_int_eq(replace(af, "one\n", &el), 0);
	ck_assert_int_eq(replace(af, "two\n", &el), 0);
	ck_assert_uint_eq(errlist_count(&el), 0);
	atomicfile_close(af);
	assert_file(fpath, "two\n");
	ck_assert_int_eq(stat(fpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	list_dir(names, sizeof(names));
	ck_assert_str_eq(names, (flags & ATOMICFILE_LOCK) ? ".f.lock f" : "f");
	/* atomicfile_write is the same in one call. */
	ck_assert_int_eq(atomicfile_write(fpath, flags, "three", 5, 0604,
	    NULL), 0);
	assert_file(fpath, "three");
	ck_assert_int_eq(stat(fpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0604);
	errlist_free(&el);
}
END_TEST

/* The lock is held from open to close, against any other opener. */
START_TEST(test_lock_contention)
{
	struct atomicfile	*af;
	char			 lpath[PATH_MAX];
	int			 fd;

	af = open_ok(ATOMICFILE_LOCK);
	tpath(lpath, ".f.lock");
	/* flock(2) locks belong to an open file description: ours differs. */
	ck_assert_int_ge(fd = open(lpath, O_RDONLY), 0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	atomicfile_close(af);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	/* Without ATOMICFILE_LOCK nothing is taken. */
	af = open_ok(0);
	ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	atomicfile_close(af);
	close(fd);
}
END_TEST

/* Under the lock, a killed writer's temporary file goes; others stay. */
START_TEST(test_stale_cleanup)
{
	struct atomicfile	*af;
	struct errlist		 el;
	char			 p[PATH_MAX], names[512];

	errlist_init(&el);
	tpath(p, ".f.tmp-Ab3x9Z");
	write_str(p, "stale");
	tpath(p, ".f.tmp-short");
	write_str(p, "five letters: not mkstemp's");
	tpath(p, ".g.tmp-Ab3x9Z");
	write_str(p, "another file's");
	tpath(p, ".f.tmp-dir123");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	tpath(p, ".f.tmp-lnk123");
	ck_assert_int_eq(symlink("f", p), 0);
	/* No lock: it cannot know a temporary file is stale. */
	af = open_ok(ATOMICFILE_HIDDEN);
	ck_assert_int_eq(replace(af, "x\n", &el), 0);
	atomicfile_close(af);
	list_dir(names, sizeof(names));
	ck_assert_str_eq(names, ".f.tmp-Ab3x9Z .f.tmp-dir123 .f.tmp-lnk123 "
	    ".f.tmp-short .g.tmp-Ab3x9Z f");
	af = open_ok(ATOMICFILE_LOCK | ATOMICFILE_HIDDEN);
	ck_assert_int_eq(replace(af, "y\n", &el), 0);
	atomicfile_close(af);
	list_dir(names, sizeof(names));
	ck_assert_str_eq(names, ".f.lock .f.tmp-dir123 .f.tmp-lnk123 "
	    ".f.tmp-short .g.tmp-Ab3x9Z f");
	ck_assert_uint_eq(errlist_count(&el), 0);
	errlist_free(&el);
}
END_TEST

/* aw_keep: the old owner and mode; as root any owner (else skipped). */
START_TEST(test_owner_kept)
{
	struct atomicfile	*af;
	struct atomicfile_write	 aw;
	struct errlist		 el;
	struct stat		 st;

	errlist_init(&el);
	write_str(fpath, "old\n");
	ck_assert_int_eq(chmod(fpath, 0604), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(fpath, 1, 2), 0);
	ck_assert_int_eq(stat(fpath, &st), 0);
	af = open_ok(ATOMICFILE_LOCK);
	memset(&aw, 0, sizeof(aw));
	aw.aw_buf = "new\n";
	aw.aw_len = 4;
	aw.aw_keep = &st;
	aw.aw_mode = 0600;
	aw.aw_gid = (gid_t)-1;
	ck_assert_int_eq(atomicfile_replace(af, &aw, &el), 0);
	ck_assert_int_eq(aw.aw_renamed, 1);
	atomicfile_close(af);
	assert_file(fpath, "new\n");
	ck_assert_int_eq(stat(fpath, &aw.aw_written), 0);
	ck_assert_uint_eq(aw.aw_written.st_mode & 07777, 0604);
	ck_assert_uint_eq(aw.aw_written.st_uid, st.st_uid);
	ck_assert_uint_eq(aw.aw_written.st_gid, st.st_gid);
	ck_assert_uint_ne(aw.aw_written.st_ino, st.st_ino);
	errlist_free(&el);
}
END_TEST

/* A symbolic link is followed with ATOMICFILE_FOLLOW, replaced without. */
START_TEST(test_follow)
{
	char		target[PATH_MAX], link[PATH_MAX];
	struct stat	st;

	tpath(target, "real");
	tpath(link, "f");
	write_str(target, "old\n");
	ck_assert_int_eq(symlink("real", link), 0);
	ck_assert_int_eq(atomicfile_write(link, ATOMICFILE_FOLLOW, "new\n", 4,
	    0644, NULL), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	assert_file(target, "new\n");
	ck_assert_int_eq(atomicfile_write(link, 0, "own\n", 4, 0644, NULL), 0);
	ck_assert_int_eq(lstat(link, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	assert_file(target, "new\n");
	assert_file(link, "own\n");
}
END_TEST

/* The whole file, NUL-terminated, with its stat. */
START_TEST(test_read)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len, cap;
	int		 fd;

	write_str(fpath, "abc\ndef");
	ck_assert_int_ge(fd = open(fpath, O_RDONLY), 0);
	ck_assert_int_eq(atomicfile_read(fd, 100, &st, &buf, &len, &cap),
	    ATOMICFILE_READ_OK);
	close(fd);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_ge(cap, len + 1);
	ck_assert_str_eq(buf, "abc\ndef");
	ck_assert_int_eq(st.st_size, 7);
	free(buf);
}
END_TEST

/* The size limit, to the byte; an empty file. */
START_TEST(test_read_limits)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len, cap;
	int		 fd;

	write_str(fpath, "12345");
	ck_assert_int_ge(fd = open(fpath, O_RDONLY), 0);
	ck_assert_int_eq(atomicfile_read(fd, 5, &st, &buf, &len, &cap),
	    ATOMICFILE_READ_OK);
	free(buf);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	errno = 0;
	ck_assert_int_eq(atomicfile_read(fd, 4, &st, &buf, &len, &cap),
	    ATOMICFILE_READ_SIZE);
	ck_assert_int_eq(errno, EFBIG);
	close(fd);
	write_str(fpath, "");
	ck_assert_int_ge(fd = open(fpath, O_RDONLY), 0);
	ck_assert_int_eq(atomicfile_read(fd, 0, &st, &buf, &len, &cap),
	    ATOMICFILE_READ_OK);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(buf, "");
	free(buf);
	close(fd);
}
END_TEST

/* A check that refuses, a rename that fails: the old file stays. */
static int
refuse(void *arg, const char *tmp, struct errlist *errs)
{
	struct stat	st;

	/* The temporary file is complete when the check sees it. */
	ck_assert_int_eq(stat(tmp, &st), 0);
	ck_assert_int_eq(st.st_size, 4);
	errlist_add(errs, tmp, 1, "%s", (const char *)arg);
	return -1;
}

START_TEST(test_failure_keeps_old)
{
	static char		 refused[] = "refused";
	struct atomicfile	*af;
	struct atomicfile_write	 aw;
	struct errlist		 el;
	char			 names[256], dpath[PATH_MAX];

	errlist_init(&el);
	write_str(fpath, "old\n");
	af = open_ok(ATOMICFILE_LOCK | ATOMICFILE_FSYNC | ATOMICFILE_HIDDEN);
	memset(&aw, 0, sizeof(aw));
	aw.aw_buf = "new\n";
	aw.aw_len = 4;
	aw.aw_mode = 0640;
	aw.aw_gid = (gid_t)-1;
	aw.aw_check = refuse;
	aw.aw_arg = refused;
	ck_assert_int_eq(atomicfile_replace(af, &aw, &el), -1);
	ck_assert_int_eq(aw.aw_renamed, 0);
	check_assert_msg(&el, ":1: ", "refused");
	atomicfile_close(af);
	assert_file(fpath, "old\n");
	list_dir(names, sizeof(names));
	ck_assert_str_eq(names, ".f.lock f");
	errlist_free(&el);

	/* The target is a directory: EISDIR, the temporary file gone. */
	tpath(dpath, "d");
	ck_assert_int_eq(mkdir(dpath, 0700), 0);
	errno = 0;
	ck_assert_int_eq(atomicfile_write(dpath, 0, "x", 1, 0644, NULL), -1);
	ck_assert_int_eq(errno, EISDIR);
	list_dir(names, sizeof(names));
	ck_assert_str_eq(names, ".f.lock d f");
}
END_TEST

/* A file changed (or made, or removed) since it was read is refused. */
START_TEST(test_untouched)
{
	struct atomicfile	*af;
	struct errlist		 el;
	struct stat		 seen, now;

	errlist_init(&el);
	af = open_ok(0);
	ck_assert_int_eq(atomicfile_is_untouched(af, NULL, &now, &el), 1);
	write_str(fpath, "a\n");
	ck_assert_int_eq(atomicfile_is_untouched(af, NULL, &now, &el), 0);
	ck_assert_int_eq(stat(fpath, &seen), 0);
	ck_assert_int_eq(atomicfile_is_untouched(af, &seen, &now, &el), 1);
	ck_assert_int_eq(atomicfile_write(fpath, 0, "b\n", 2, 0644, NULL), 0);
	ck_assert_int_eq(atomicfile_is_untouched(af, &seen, &now, &el), 0);
	ck_assert_int_eq(unlink(fpath), 0);
	ck_assert_int_eq(atomicfile_is_untouched(af, &seen, &now, &el), 0);
	ck_assert_uint_eq(errlist_count(&el), 3);
	check_assert_msg(&el, fpath, "changed by another program");
	atomicfile_close(af);
	errlist_free(&el);
}
END_TEST

/* Paths atomicfile_open refuses, each with errno and one message. */
static const struct {
	const char	*path;
	int		 flags;
	int		 err;
	const char	*msg;
} bad_opens[] = {
	{ "", 0, EINVAL, "empty path" },
	{ "dir/", 0, EISDIR, "the path ends in '/'" },
	{ "/nonexistent-dir-check-atomicfile/f", ATOMICFILE_LOCK, ENOENT,
	    "lock file" },
};

START_TEST(test_open_bad)
{
	struct errlist	el;

	errlist_init(&el);
	errno = 0;
	ck_assert_ptr_null(atomicfile_open(bad_opens[_i].path,
	    bad_opens[_i].flags, &el));
	ck_assert_int_eq(errno, bad_opens[_i].err);
	ck_assert_uint_eq(errlist_count(&el), 1);
	check_assert_msg(&el, bad_opens[_i].path, bad_opens[_i].msg);
	errlist_free(&el);
}
END_TEST

/* Not a regular file: a directory; a lock file that is not one either. */
START_TEST(test_not_regular)
{
	struct errlist	 el;
	struct stat	 st;
	char		 lpath[PATH_MAX], *buf = NULL;
	size_t		 len, cap;
	int		 fd;

	ck_assert_int_ge(fd = open(tmpdir, O_RDONLY | O_DIRECTORY), 0);
	errno = 0;
	ck_assert_int_eq(atomicfile_read(fd, 100, &st, &buf, &len, &cap),
	    ATOMICFILE_READ_TYPE);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(buf);
	close(fd);
	tpath(lpath, ".f.lock");
	ck_assert_int_eq(mkdir(lpath, 0700), 0);
	errlist_init(&el);
	ck_assert_ptr_null(atomicfile_open(fpath, ATOMICFILE_LOCK, &el));
	check_assert_msg(&el, "lock file", "");
	errlist_free(&el);
}
END_TEST

static Suite *
atomicfile_suite(void)
{
	Suite	*s = suite_create("atomicfile");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_loop_test(tc, test_replace, 0, NITEMS(flag_cases));
	tcase_add_test(tc, test_lock_contention);
	tcase_add_test(tc, test_stale_cleanup);
	tcase_add_test(tc, test_owner_kept);
	tcase_add_test(tc, test_follow);
	tcase_add_test(tc, test_read);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_read_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_failure_keeps_old);
	tcase_add_test(tc, test_untouched);
	tcase_add_loop_test(tc, test_open_bad, 0, NITEMS(bad_opens));
	tcase_add_test(tc, test_not_regular);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(atomicfile_suite());
}
