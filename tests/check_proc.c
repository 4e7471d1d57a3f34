/*
 * check_proc: fds 0-2 reopened on /dev/null (in a child, so that the
 * runner keeps its own), the --version text, and a per-thread nice value
 * that leaves the other threads alone.
 */
#include "config.h"
#include "check_common.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "proc.h"


/* Which of fds 0, 1 and 2 (bits 0-2) are closed before the call. */
static const unsigned closed_masks[] = { 0, 1, 2, 4, 3, 5, 6, 7 };

/*
 * In the child: 0 when fds 0-2 are all open afterwards, those that were
 * closed are /dev/null read-write, and no other descriptor was left open.
 * Else which check failed.
 */
static int
sanitize_child(unsigned mask)
{
	struct stat	null_st, st;
	int		fd, lowest, fl;

	if (stat("/dev/null", &null_st) == -1)
		return 10;
	/* The lowest free descriptor above 2, which must stay free. */
	if ((lowest = open("/dev/null", O_RDONLY)) == -1)
		return 11;
	close(lowest);
	for (fd = 0; fd <= 2; fd++)
		if (mask & (1U << fd))
			close(fd);
	proc_sanitize_fds();
	for (fd = 0; fd <= 2; fd++) {
		if ((fl = fcntl(fd, F_GETFL)) == -1)
			return 20 + fd;
		if (!(mask & (1U << fd)))
			continue;
		if ((fl & O_ACCMODE) != O_RDWR)
			return 30 + fd;
		if (fstat(fd, &st) == -1 || st.st_rdev != null_st.st_rdev)
			return 40 + fd;
	}
	if ((fd = open("/dev/null", O_RDONLY)) != lowest)
		return 50;
	return 0;
}

START_TEST(test_proc_sanitize_fds)
{
	unsigned	mask = closed_masks[_i];
	pid_t		pid;
	int		status;

	fflush(NULL);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0)
		_exit(sanitize_child(mask));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_msg(WEXITSTATUS(status) == 0, "closed mask %u: check %d",
	    mask, WEXITSTATUS(status));
}
END_TEST

/* What proc_print_version(prog) wrote to a temporary file. */
static void
version_text(const char *prog, char *buf, size_t bufsz)
{
	FILE	*f;
	size_t	 n;

	ck_assert_ptr_nonnull(f = tmpfile());
	proc_print_version(f, prog);
	rewind(f);
	n = fread(buf, 1, bufsz - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Two lines; the name printed as it is, even with a '%' in it. */
static const char *const version_progs[] = {
	"fcgi-authzd",
	"fcgi-authz",
	"",
	"a%sb%n",
};

START_TEST(test_proc_version)
{
	const char	*prog = version_progs[_i];
	char		 got[512], want[512];

	snprintf(want, sizeof(want), "%s (%s) %s\nlibsodium %s\n", prog,
	    PACKAGE_NAME, PACKAGE_VERSION, sodium_version_string());
	version_text(prog, got, sizeof(got));
	ck_assert_str_eq(got, want);
}
END_TEST

struct nice_job {
	int	nj_nice;	/* asked for */
	int	nj_rc;
	int	nj_got;		/* this thread's value afterwards */
	int	nj_child;	/* a thread it started afterwards, or -100 */
	int	nj_start_child;
};

static int
nice_of_this_thread(void)
{
	return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
}

static void *
nice_child(void *arg)
{
	*(int *)arg = nice_of_this_thread();
	return NULL;
}

static void *
nice_thread(void *arg)
{
	struct nice_job	*nj = arg;
	pthread_t	 t;

	nj->nj_rc = proc_thread_nice(nj->nj_nice);
	nj->nj_got = nice_of_this_thread();
	nj->nj_child = -100;
	if (nj->nj_start_child && pthread_create(&t, NULL, nice_child,
	    &nj->nj_child) == 0)
		pthread_join(t, NULL);
	return NULL;
}

/* Runs proc_thread_nice(nice) on a thread of its own. */
static void
nice_run(struct nice_job *nj, int nice, int start_child)
{
	pthread_t t;

	memset(nj, 0, sizeof(*nj));
	nj->nj_nice = nice;
	nj->nj_start_child = start_child;
	ck_assert_int_eq(pthread_create(&t, NULL, nice_thread, nj), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
}

/* Raising one's own nice value needs no privilege. */
START_TEST(test_proc_thread_nice)
{
	struct nice_job	nj;
	int		before = nice_of_this_thread();
	int		want = before + 5 > 19 ? 19 : before + 5;

	nice_run(&nj, want, 1);
	ck_assert_int_eq(nj.nj_rc, 0);
	ck_assert_int_eq(nj.nj_got, want);
	ck_assert_int_eq(nj.nj_child, want);
	/* The calling thread, and so the process, keep theirs. */
	ck_assert_int_eq(nice_of_this_thread(), before);
}
END_TEST

/* Past the range: clamped to 19 (setpriority(2)), not refused. */
START_TEST(test_proc_thread_nice_clamped)
{
	struct nice_job	nj;
	int		before = nice_of_this_thread();

	nice_run(&nj, 100, 0);
	ck_assert_int_eq(nj.nj_rc, 0);
	ck_assert_int_eq(nj.nj_got, 19);
	ck_assert_int_eq(nice_of_this_thread(), before);
}
END_TEST

static void *
name_thread(void *arg)
{
	char	path[64];
	FILE	*fp;

	proc_thread_name(arg);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm",
	    (long)syscall(SYS_gettid));
	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	if (fgets(arg, 64, fp) == NULL)
		((char *)arg)[0] = '\0';
	fclose(fp);
	return NULL;
}

/* The calling thread's name, as /proc shows it, cut at 15 bytes. */
START_TEST(test_proc_thread_name)
{
	char		name[64] = "authzd-hashkept-and-more";
	char		mine[64];
	pthread_t	t;
	FILE		*fp;

	ck_assert_ptr_nonnull(fp = fopen("/proc/self/comm", "r"));
	ck_assert_ptr_nonnull(fgets(mine, sizeof(mine), fp));
	fclose(fp);
	ck_assert_int_eq(pthread_create(&t, NULL, name_thread, name), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_str_eq(name, "authzd-hashkept\n");
	/* The main thread keeps its own. */
	ck_assert_ptr_nonnull(fp = fopen("/proc/self/comm", "r"));
	ck_assert_ptr_nonnull(fgets(name, sizeof(name), fp));
	fclose(fp);
	ck_assert_str_eq(name, mine);
}
END_TEST

static Suite *
proc_suite(void)
{
	Suite	*s = suite_create("proc");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_proc_sanitize_fds, 0,
	    NITEMS(closed_masks));
	tcase_add_loop_test(tc, test_proc_version, 0, 2);
	tcase_add_test(tc, test_proc_thread_nice);
	tcase_add_test(tc, test_proc_thread_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_proc_thread_nice_clamped);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_proc_version, 2, NITEMS(version_progs));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(proc_suite());
}
