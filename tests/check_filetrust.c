/*
 * check_filetrust: which files fcgi-authzd reads, and which it refuses
 * as changeable by someone but root and its own user (filetrust.h):
 * modes of the file and of its directory, sticky directories, symbolic
 * links (a Kubernetes ConfigMap chain, absolute and relative, loops),
 * the warning for a file every user may read, and what is not a file.
 * The "owners" cases chown files to other users, so they run as root
 * only; elsewhere they are skipped, and the suite says so.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_common.h"
#include "errlist.h"
#include "filetrust.h"

/* The daemon's user and group in the "owners" cases (nobody, nogroup),
 * and someone else. */
#define DAEMON_ID	65534
#define OTHER_ID	4321

#define CONTENT		"[x]\n"

static char			tdir[64];
static struct filetrust_ids	self;		/* this process */
static const struct filetrust_ids daemon_ids = { DAEMON_ID, DAEMON_ID };

static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || *base == '\0' || strlen(base) > 40)
		base = "/tmp";
	snprintf(tdir, sizeof(tdir), "%s/check_filetrust.XXXXXX", base);
	ck_assert_msg(mkdtemp(tdir) != NULL, "mkdtemp: %s", strerror(errno));
	filetrust_ids_self(&self);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static void
teardown(void)
{
	(void)nftw(tdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tdir/name, in one of two buffers (two paths per call at most). */
static const char *
tp(const char *name)
{
	static char	buf[2][PATH_MAX];
	static int	which;

	which = !which;
	ck_assert_uint_lt((size_t)snprintf(buf[which], sizeof(buf[which]),
	    "%s/%s", tdir, name), sizeof(buf[which]));
	return buf[which];
}

static void
mkfile(const char *name, mode_t mode)
{
	const char	*path = tp(name);
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    -1);
	ck_assert_int_eq(write(fd, CONTENT, strlen(CONTENT)),
	    (int)strlen(CONTENT));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void
mkdir_mode(const char *name, mode_t mode)
{
	ck_assert_int_eq(mkdir(tp(name), 0700), 0);
	ck_assert_int_eq(chmod(tp(name), mode), 0);
}

static void
mklink(const char *target, const char *name)
{
	ck_assert_int_eq(symlink(target, tp(name)), 0);
}

/* Opens path, with its errors and warnings in errs and warns (fresh). */
static int
try_open(const char *path, const struct filetrust_ids *ids, int flags,
    struct errlist *errs, struct errlist *warns)
{
	struct stat	st;
	char		buf[16];
	ssize_t		n;
	int		fd;

	errlist_init(errs);
	errlist_init(warns);
	memset(&st, 0, sizeof(st));
	fd = filetrust_open(path, ids, flags, &st, errs, warns);
	if (fd == -1)
		return -1;
	/* What is handed back is the file, and its stat. */
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq((int)st.st_size, (int)strlen(CONTENT));
	n = read(fd, buf, sizeof(buf));
	ck_assert_int_eq((int)n, (int)strlen(CONTENT));
	ck_assert(memcmp(buf, CONTENT, (size_t)n) == 0);
	close(fd);
	return 0;
}

/* path opens, with nwarn warnings. */
static void
expect_ok(const char *path, const struct filetrust_ids *ids, int flags,
    size_t nwarn)
{
	struct errlist	errs, warns;
	int		rc;

	rc = try_open(path, ids, flags, &errs, &warns);
	if (rc == -1 || errlist_count(&warns) != nwarn) {
		errlist_print(&errs, stderr);
		errlist_print(&warns, stderr);
	}
	ck_assert_msg(rc == 0, "%s refused", path);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	ck_assert_uint_eq(errlist_count(&warns), nwarn);
	errlist_free(&errs);
	errlist_free(&warns);
}

/* path is refused with one error, "PATH: ...want...". */
static void
expect_refused(const char *path, const struct filetrust_ids *ids,
    const char *want)
{
	struct errlist	errs, warns;
	char		prefix[PATH_MAX + 3];
	int		rc;

	rc = try_open(path, ids, FILETRUST_WARN_READABLE, &errs, &warns);
	ck_assert_msg(rc == -1, "%s accepted", path);
	snprintf(prefix, sizeof(prefix), "%s: ", path);
	if (errlist_count(&errs) != 1)
		errlist_print(&errs, stderr);
	ck_assert_uint_eq(errlist_count(&errs), 1);
	ck_assert_msg(strncmp(errs.el_ents[0].ee_text, prefix,
	    strlen(prefix)) == 0, "\"%s\" does not start with \"%s\"",
	    errs.el_ents[0].ee_text, prefix);
	check_assert_msg(&errs, prefix, want);
	ck_assert_uint_eq(errlist_count(&warns), 0);
	errlist_free(&errs);
	errlist_free(&warns);
}

/* ---- core: what is accepted ------------------------------------------ */

START_TEST(test_filetrust_file_ok)
{
	mkfile("users.ini", 0600);
	expect_ok(tp("users.ini"), &self, FILETRUST_WARN_READABLE, 0);
	mkfile("conf.ini", 0640);
	expect_ok(tp("conf.ini"), &self, FILETRUST_WARN_READABLE, 0);
}
END_TEST

START_TEST(test_filetrust_world_readable_warns)
{
	struct errlist	errs, warns;

	mkfile("users.ini", 0644);
	expect_ok(tp("users.ini"), &self, FILETRUST_WARN_READABLE, 1);
	ck_assert_int_eq(try_open(tp("users.ini"), &self,
	    FILETRUST_WARN_READABLE, &errs, &warns), 0);
	check_assert_msg(&warns, tp("users.ini"),
	    ": warning: readable by every user (mode 0644)");
	check_assert_msg(&warns, "attacked offline", "chmod 640 it and "
	    "chown root:");
	errlist_free(&errs);
	errlist_free(&warns);
	/* Not asked for (the config file), or nowhere to put it. */
	expect_ok(tp("users.ini"), &self, 0, 0);
	errlist_init(&errs);
	ck_assert_int_ne(filetrust_open(tp("users.ini"), &self,
	    FILETRUST_WARN_READABLE, &(struct stat){ 0 }, &errs, NULL), -1);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
}
END_TEST

/* Group-writable is fine when the group is the daemon's. */
START_TEST(test_filetrust_group_writable_trusted)
{
	mkdir_mode("d", 0770);
	mkfile("d/users.ini", 0660);
	expect_ok(tp("d/users.ini"), &self, 0, 0);
}
END_TEST

START_TEST(test_filetrust_symlink_trusted)
{
	mkfile("real.ini", 0600);
	mklink("real.ini", "users.ini");
	expect_ok(tp("users.ini"), &self, 0, 0);
	/* Absolute, and a link to a link. */
	mklink(tp("real.ini"), "abs.ini");
	expect_ok(tp("abs.ini"), &self, 0, 0);
	mklink("abs.ini", "twice.ini");
	expect_ok(tp("twice.ini"), &self, 0, 0);
}
END_TEST

/*
 * A Kubernetes ConfigMap volume: users.ini -> ..data/users.ini, ..data
 * -> ..2026_11_27_10_00_00.123, the file in there.
 */
static void
mk_configmap(void)
{
	mkdir_mode("cm", 0755);
	mkdir_mode("cm/..2026_11_27_10_00_00.123", 0755);
	mkfile("cm/..2026_11_27_10_00_00.123/users.ini", 0640);
	mklink("..2026_11_27_10_00_00.123", "cm/..data");
	mklink("..data/users.ini", "cm/users.ini");
}

START_TEST(test_filetrust_configmap)
{
	mk_configmap();
	expect_ok(tp("cm/users.ini"), &self, FILETRUST_WARN_READABLE, 0);
}
END_TEST

/* "." and ".." on the way, and a relative path. */
START_TEST(test_filetrust_relative)
{
	char	here[PATH_MAX];

	mkdir_mode("a", 0755);
	mkdir_mode("b", 0755);
	mkfile("b/users.ini", 0600);
	mklink("../b/users.ini", "a/users.ini");
	expect_ok(tp("a/./../b//users.ini"), &self, 0, 0);
	ck_assert_ptr_nonnull(getcwd(here, sizeof(here)));
	ck_assert_int_eq(chdir(tp("a")), 0);
	expect_ok("users.ini", &self, 0, 0);
	expect_ok("../a/users.ini", &self, 0, 0);
	ck_assert_int_eq(chdir(here), 0);
}
END_TEST

/* ---- limits ---------------------------------------------------------- */

/* The kernel follows 40 links (MAXSYMLINKS); so does the walk. */
START_TEST(test_filetrust_link_count)
{
	char	name[16], target[16];
	int	i;

	mkfile("l0", 0600);
	for (i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		mklink(target, name);
	}
	expect_ok(tp("l40"), &self, 0, 0);
	expect_refused(tp("l41"), &self, strerror(ELOOP));
}
END_TEST

START_TEST(test_filetrust_name_too_long)
{
	char	name[NAME_MAX + 2];

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_refused(tp(name), &self, strerror(ENAMETOOLONG));
}
END_TEST

/* ---- malformed: what is refused -------------------------------------- */

START_TEST(test_filetrust_world_writable)
{
	mkfile("users.ini", 0666);
	expect_refused(tp("users.ini"), &self,
	    "is writable by every user (mode 0666)");
	mkfile("conf.ini", 0602);
	expect_refused(tp("conf.ini"), &self,
	    "is writable by every user (mode 0602)");
}
END_TEST

START_TEST(test_filetrust_dir_world_writable)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("d", 0777);
	mkfile("d/users.ini", 0600);
	snprintf(want, sizeof(want), "directory %s is writable by every "
	    "user (mode 0777)", tp("d"));
	expect_refused(tp("d/users.ini"), &self, want);
}
END_TEST

/* Sticky (as /tmp) is refused as well: the name can be taken first. */
START_TEST(test_filetrust_dir_sticky)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("tmp", 01777);
	mkfile("tmp/users.ini", 0600);
	snprintf(want, sizeof(want), "directory %s is writable by every "
	    "user (mode 1777)", tp("tmp"));
	expect_refused(tp("tmp/users.ini"), &self, want);
}
END_TEST

/* A trusted link into an untrusted directory: the target's is checked. */
START_TEST(test_filetrust_target_dir_untrusted)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("etc", 0755);
	mkdir_mode("open", 0777);
	mkfile("open/users.ini", 0600);
	mklink("../open/users.ini", "etc/users.ini");
	snprintf(want, sizeof(want), "directory %s is writable by every "
	    "user", tp("open"));
	expect_refused(tp("etc/users.ini"), &self, want);
	/* The same through an absolute link. */
	mklink(tp("open/users.ini"), "etc/abs.ini");
	snprintf(want, sizeof(want), "directory %s is writable by every "
	    "user", tp("open"));
	expect_refused(tp("etc/abs.ini"), &self, want);
}
END_TEST

/* A link in a directory anyone may write: it could be another link. */
START_TEST(test_filetrust_link_dir_untrusted)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("etc", 0755);
	mkfile("etc/users.ini", 0600);
	mkdir_mode("open", 0777);
	mklink("../etc/users.ini", "open/users.ini");
	snprintf(want, sizeof(want), "directory %s is writable by every "
	    "user", tp("open"));
	expect_refused(tp("open/users.ini"), &self, want);
}
END_TEST

START_TEST(test_filetrust_link_loop)
{
	mklink("b", "a");
	mklink("a", "b");
	expect_refused(tp("a"), &self, strerror(ELOOP));
}
END_TEST

START_TEST(test_filetrust_not_a_file)
{
	mkdir_mode("dir", 0755);
	expect_refused(tp("dir"), &self, "not a regular file");
	/* O_NONBLOCK: a FIFO is refused at once, not waited on. */
	ck_assert_int_eq(mkfifo(tp("fifo"), 0600), 0);
	expect_refused(tp("fifo"), &self, "not a regular file");
	mkfile("users.ini", 0600);
	expect_refused(tp("users.ini/x"), &self, strerror(ENOTDIR));
	expect_refused(tp("users.ini/"), &self, strerror(ENOTDIR));
}
END_TEST

START_TEST(test_filetrust_missing)
{
	expect_refused(tp("absent.ini"), &self, strerror(ENOENT));
	expect_refused(tp("absent/users.ini"), &self, strerror(ENOENT));
	mklink("absent.ini", "dangling.ini");
	expect_refused(tp("dangling.ini"), &self, strerror(ENOENT));
	expect_refused("", &self, strerror(ENOENT));
}
END_TEST

/* ---- owners (root only: chown) --------------------------------------- */

START_TEST(test_filetrust_owner_other)
{
	mkfile("users.ini", 0600);
	ck_assert_int_eq(chown(tp("users.ini"), OTHER_ID, 0), 0);
	expect_refused(tp("users.ini"), &daemon_ids, "is owned by uid 4321, "
	    "not by root or the daemon's user (uid 65534)");
	/* The daemon running as root trusts root alone. */
	expect_refused(tp("users.ini"), &(struct filetrust_ids){ 0, 0 },
	    "is owned by uid 4321, not by root");
}
END_TEST

START_TEST(test_filetrust_owner_daemon)
{
	mkfile("users.ini", 0600);
	ck_assert_int_eq(chown(tp("users.ini"), DAEMON_ID, DAEMON_ID), 0);
	expect_ok(tp("users.ini"), &daemon_ids, FILETRUST_WARN_READABLE, 0);
	mkfile("root.ini", 0640);
	ck_assert_int_eq(chown(tp("root.ini"), 0, DAEMON_ID), 0);
	expect_ok(tp("root.ini"), &daemon_ids, FILETRUST_WARN_READABLE, 0);
}
END_TEST

START_TEST(test_filetrust_group_writable)
{
	mkfile("users.ini", 0660);
	ck_assert_int_eq(chown(tp("users.ini"), 0, OTHER_ID), 0);
	expect_refused(tp("users.ini"), &daemon_ids, "is writable by group "
	    "4321 (mode 0660), which is not root's group nor the daemon's");
	/* Root's group, or the daemon's: fine. */
	ck_assert_int_eq(chown(tp("users.ini"), 0, 0), 0);
	expect_ok(tp("users.ini"), &daemon_ids, 0, 0);
	ck_assert_int_eq(chown(tp("users.ini"), 0, DAEMON_ID), 0);
	expect_ok(tp("users.ini"), &daemon_ids, 0, 0);
}
END_TEST

START_TEST(test_filetrust_dir_owner)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("d", 0755);
	mkfile("d/users.ini", 0600);
	ck_assert_int_eq(chown(tp("d"), OTHER_ID, OTHER_ID), 0);
	snprintf(want, sizeof(want), "directory %s is owned by uid 4321",
	    tp("d"));
	expect_refused(tp("d/users.ini"), &daemon_ids, want);
	/* The daemon's own directory is its to change anyway. */
	ck_assert_int_eq(chown(tp("d"), DAEMON_ID, DAEMON_ID), 0);
	expect_ok(tp("d/users.ini"), &daemon_ids, 0, 0);
}
END_TEST

START_TEST(test_filetrust_dir_group_writable)
{
	char	want[PATH_MAX + 64];

	mkdir_mode("d", 0775);
	mkfile("d/users.ini", 0600);
	ck_assert_int_eq(chown(tp("d"), 0, OTHER_ID), 0);
	snprintf(want, sizeof(want), "directory %s is writable by group 4321",
	    tp("d"));
	expect_refused(tp("d/users.ini"), &daemon_ids, want);
	ck_assert_int_eq(chown(tp("d"), 0, DAEMON_ID), 0);
	expect_ok(tp("d/users.ini"), &daemon_ids, 0, 0);
}
END_TEST

START_TEST(test_filetrust_symlink_owner)
{
	mkfile("real.ini", 0600);
	mklink("real.ini", "users.ini");
	/* Root's link (a Debian alternative), and the daemon's. */
	expect_ok(tp("users.ini"), &daemon_ids, 0, 0);
	ck_assert_int_eq(lchown(tp("users.ini"), DAEMON_ID, DAEMON_ID), 0);
	expect_ok(tp("users.ini"), &daemon_ids, 0, 0);
	ck_assert_int_eq(lchown(tp("users.ini"), OTHER_ID, OTHER_ID), 0);
	expect_refused(tp("users.ini"), &daemon_ids, "is a symbolic link "
	    "owned by uid 4321, not by root or the daemon's user");
}
END_TEST

/* A ConfigMap whose ..data link someone else owns. */
START_TEST(test_filetrust_configmap_owner)
{
	char	want[PATH_MAX + 64];

	mk_configmap();
	expect_ok(tp("cm/users.ini"), &daemon_ids, 0, 0);
	ck_assert_int_eq(lchown(tp("cm/..data"), OTHER_ID, OTHER_ID), 0);
	snprintf(want, sizeof(want), "symbolic link %s is owned by uid 4321",
	    tp("cm/..data"));
	expect_refused(tp("cm/users.ini"), &daemon_ids, want);
}
END_TEST

static Suite *
filetrust_suite(void)
{
	Suite	*s = suite_create("filetrust");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filetrust_file_ok);
	tcase_add_test(tc, test_filetrust_world_readable_warns);
	tcase_add_test(tc, test_filetrust_group_writable_trusted);
	tcase_add_test(tc, test_filetrust_symlink_trusted);
	tcase_add_test(tc, test_filetrust_configmap);
	tcase_add_test(tc, test_filetrust_relative);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filetrust_link_count);
	tcase_add_test(tc, test_filetrust_name_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filetrust_world_writable);
	tcase_add_test(tc, test_filetrust_dir_world_writable);
	tcase_add_test(tc, test_filetrust_dir_sticky);
	tcase_add_test(tc, test_filetrust_target_dir_untrusted);
	tcase_add_test(tc, test_filetrust_link_dir_untrusted);
	tcase_add_test(tc, test_filetrust_link_loop);
	tcase_add_test(tc, test_filetrust_not_a_file);
	tcase_add_test(tc, test_filetrust_missing);
	suite_add_tcase(s, tc);

	if (geteuid() != 0) {
		fprintf(stderr, "check_filetrust: SKIP the \"owners\" cases: "
		    "they chown files to other users, which needs root\n");
		return s;
	}
	tc = tcase_create("owners");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_filetrust_owner_other);
	tcase_add_test(tc, test_filetrust_owner_daemon);
	tcase_add_test(tc, test_filetrust_group_writable);
	tcase_add_test(tc, test_filetrust_dir_owner);
	tcase_add_test(tc, test_filetrust_dir_group_writable);
	tcase_add_test(tc, test_filetrust_symlink_owner);
	tcase_add_test(tc, test_filetrust_configmap_owner);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(filetrust_suite());
}
