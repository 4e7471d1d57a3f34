/*
 * watch.c: noticing that the config or users file changed on disk.
 * watch.c is the daemon's, not libauthz's: this suite compiles it in.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "conf.h"
#include "daemon/watch.h"

static char		tmpdir[PATH_MAX];
static char		conf_path[PATH_MAX + 32];
static char		users_path[PATH_MAX + 32];
static struct conf	cf;	/* only what the watcher reads */
static struct watch	w;

/* Writes text to path through a temporary file and rename(2). */
static void
replace(const char *path, const char *text)
{
	char	 tmp[PATH_MAX + 64];
	FILE	*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_ptr_nonnull(f = fopen(tmp, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

/* Appends to path in place: same inode, another size. */
static void
append(const char *path, const char *text)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Longer than WATCH_SETTLE_MS. */
static void
settle(void)
{
	struct timespec ts = { 0, (WATCH_SETTLE_MS + 50) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Two files, and cf as a load of them would have recorded them. */
static void
setup(void)
{
	check_tmpdir_make(tmpdir, sizeof(tmpdir));
	snprintf(conf_path, sizeof(conf_path), "%s/fcgi-authz.ini", tmpdir);
	snprintf(users_path, sizeof(users_path), "%s/users.ini", tmpdir);
	replace(conf_path, "[server]\nusers = users.ini\n");
	replace(users_path, "[user:alice]\n");
	memset(&cf, 0, sizeof(cf));
	cf.cf_path = conf_path;
	cf.cf_users_path = users_path;
	watch_files_stat(&cf, &cf.cf_files);
	watch_init(&w);
}

static void
teardown(void)
{
	check_tmpdir_remove(tmpdir);
}

/* watch_is_due(), with the path it names when due. */
static int
due(const char **changed)
{
	struct conf_files now;

	*changed = NULL;
	return watch_is_due(&w, &cf, &now, changed);
}

/* --- core -------------------------------------------------------------- */

START_TEST(test_unchanged)
{
	const char	*changed;
	int		 i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(due(&changed), 0);
		ck_assert_ptr_null(changed);
	}
	settle();
	ck_assert_int_eq(due(&changed), 0);
}
END_TEST

/* A change is due once it has settled, and names the file. */
static const struct changed_case {
	int	 users;		/* change the users file, not the config */
	int	 in_place;	/* append rather than rename(2) */
} changed_cases[] = {
	{ 0, 0 },
	{ 1, 0 },
	{ 0, 1 },
	{ 1, 1 },
};

START_TEST(test_changed)
{
	const struct changed_case *c = &changed_cases[_i];
	const char		  *path = c->users ? users_path : conf_path;
	const char		  *changed;

	if (c->in_place)
		append(path, "; more\n");
	else
		replace(path, "; another file\n");
	ck_assert_int_eq(due(&changed), 0);	/* settling */
	settle();
	ck_assert_int_eq(due(&changed), 1);
	ck_assert_str_eq(changed, path);
}
END_TEST

/* A state that failed to load is not due again until it changes. */
START_TEST(test_failed_not_retried)
{
	struct conf_files	 tried;
	const char		*changed;

	replace(conf_path, "[server\n");
	(void)due(&changed);
	settle();
	ck_assert_int_eq(due(&changed), 1);
	watch_files_stat(&cf, &tried);
	watch_done(&w, &tried, 0);
	ck_assert_int_eq(due(&changed), 0);
	settle();
	ck_assert_int_eq(due(&changed), 0);

	replace(conf_path, "[server]\nusers = users.ini\n");
	ck_assert_int_eq(due(&changed), 0);
	settle();
	ck_assert_int_eq(due(&changed), 1);
	ck_assert_str_eq(changed, conf_path);
}
END_TEST

/* After a good load the snapshot's own cf_files say what is current. */
START_TEST(test_done_ok)
{
	struct conf_files	 tried;
	const char		*changed;

	replace(users_path, "[user:bob]\n");
	(void)due(&changed);
	settle();
	ck_assert_int_eq(due(&changed), 1);
	watch_files_stat(&cf, &tried);
	watch_done(&w, &tried, 1);
	cf.cf_files = tried;		/* the new snapshot's */
	ck_assert_int_eq(due(&changed), 0);
	settle();
	ck_assert_int_eq(due(&changed), 0);
}
END_TEST

/* changed may be NULL (lastgood.c passes NULL). */
START_TEST(test_changed_null)
{
	struct conf_files now;

	replace(conf_path, "; x\n");
	ck_assert_int_eq(watch_is_due(&w, &cf, &now, NULL), 0);
	settle();
	ck_assert_int_eq(watch_is_due(&w, &cf, &now, NULL), 1);
}
END_TEST

/* --- limits ------------------------------------------------------------ */

/* A file still being written restarts the wait. */
START_TEST(test_still_changing)
{
	const char *changed;

	append(conf_path, "; 1\n");
	ck_assert_int_eq(due(&changed), 0);
	settle();
	append(conf_path, "; 2\n");
	ck_assert_int_eq(due(&changed), 0);	/* another state: wait */
	settle();
	ck_assert_int_eq(due(&changed), 1);
}
END_TEST

/* Without a users file name, its id is all zeros and never changes. */
START_TEST(test_no_users_path)
{
	struct conf_files	 now;
	const char		*changed;

	cf.cf_users_path = NULL;
	watch_files_stat(&cf, &now);
	ck_assert_int_eq(now.cfs_users.fi_errno, 0);
	ck_assert_int_eq((long long)now.cfs_users.fi_ino, 0);
	ck_assert_int_eq((long long)now.cfs_users.fi_size, 0);
	ck_assert_int_ne((long long)now.cfs_conf.fi_ino, 0);
	cf.cf_files = now;
	ck_assert_int_eq(due(&changed), 0);
	settle();
	ck_assert_int_eq(due(&changed), 0);
}
END_TEST

/* --- malformed --------------------------------------------------------- */

/* A file that is gone is a change too (stat's errno is recorded). */
START_TEST(test_removed)
{
	struct conf_files	 now;
	const char		*changed;

	ck_assert_int_eq(unlink(users_path), 0);
	watch_files_stat(&cf, &now);
	ck_assert_int_eq(now.cfs_users.fi_errno, ENOENT);
	ck_assert_int_eq((long long)now.cfs_users.fi_ino, 0);
	ck_assert_int_eq(due(&changed), 0);
	settle();
	ck_assert_int_eq(due(&changed), 1);
	ck_assert_str_eq(changed, users_path);
}
END_TEST

/* A load that fails because the file is gone is not retried either. */
START_TEST(test_removed_failed)
{
	struct conf_files	 tried;
	const char		*changed;

	ck_assert_int_eq(unlink(conf_path), 0);
	(void)due(&changed);
	settle();
	ck_assert_int_eq(due(&changed), 1);
	ck_assert_str_eq(changed, conf_path);
	watch_files_stat(&cf, &tried);
	ck_assert_int_eq(tried.cfs_conf.fi_errno, ENOENT);
	watch_done(&w, &tried, 0);
	settle();
	ck_assert_int_eq(due(&changed), 0);
	replace(conf_path, "[server]\n");
	(void)due(&changed);
	settle();
	ck_assert_int_eq(due(&changed), 1);
}
END_TEST

static Suite *
watch_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("watch");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unchanged);
	tcase_add_loop_test(tc, test_changed, 0,
	    (int)(sizeof(changed_cases) / sizeof(changed_cases[0])));
	tcase_add_test(tc, test_failed_not_retried);
	tcase_add_test(tc, test_done_ok);
	tcase_add_test(tc, test_changed_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_still_changing);
	tcase_add_test(tc, test_no_users_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_removed);
	tcase_add_test(tc, test_removed_failed);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(watch_suite());
}
