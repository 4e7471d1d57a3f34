/*
 * listen.c: the sockets passed in (systemd's LISTEN_FDS and
 * LISTEN_FDNAMES, a web server's fd 0) and those opened from an address.
 * Passed sockets sit at fixed descriptors (3 on, or 0), so each case
 * that passes some runs listen_inherited() in a child of its own and
 * reads the result back through a pipe: the suite may run in one process
 * (CK_FORK=no under the sanitizers).  listen.c is the daemon's, not
 * libauthz's: this suite compiles it in.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "check_common.h"
#include "daemon/listen.h"

/* What the child saw. */
struct inherited {
	int	in_rc;
	size_t	in_nfcgi;
	int	in_fcgi[AUTHZ_LISTEN_MAX];
	int	in_http;
	int	in_spawned;
	int	in_env_left;	/* LISTEN_FDS still set after the call */
	char	in_err[128];
};

static int
listening_socket(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	/* An address length of the family alone: the kernel picks an
	 * abstract name (unix(7), autobind). */
	ck_assert_int_ne(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
	    sizeof(sa_family_t)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

/* In the child: socks[i] to fd first + i, whatever numbers they had. */
static void
child_place(const int *socks, int n, int first)
{
	int high[8], i;

	for (i = 0; i < n; i++)
		if ((high[i] = fcntl(socks[i], F_DUPFD, 200)) == -1)
			_exit(90);
	for (i = 0; i < n; i++)
		if (dup2(high[i], first + i) == -1)
			_exit(91);
}

/*
 * Runs listen_inherited() in a child with socks at fds 3.. (or 0, if
 * first is 0), LISTEN_FDS=n, LISTEN_FDNAMES=names (NULL: unset) and
 * LISTEN_PID its own pid (plus pid_delta), and returns what it saw.
 */
static struct inherited
inherit(const int *socks, int n, int first, const char *names,
    int pid_delta, int set_env)
{
	struct inherited	 in;
	struct listen_set	 ls;
	const char		*errstr = "";
	char			 num[32];
	int			 p[2], out, status;
	pid_t			 pid;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		if ((out = fcntl(p[1], F_DUPFD, 300)) == -1)
			_exit(92);
		child_place(socks, n, first);
		if (set_env) {
			snprintf(num, sizeof(num), "%d", n);
			setenv("LISTEN_FDS", num, 1);
			snprintf(num, sizeof(num), "%ld",
			    (long)getpid() + pid_delta);
			setenv("LISTEN_PID", num, 1);
			if (names != NULL)
				setenv("LISTEN_FDNAMES", names, 1);
		}
		memset(&in, 0, sizeof(in));
		listen_set_init(&ls);
		in.in_rc = listen_inherited(&ls, &errstr);
		in.in_nfcgi = ls.ls_nfcgi;
		memcpy(in.in_fcgi, ls.ls_fcgi, sizeof(in.in_fcgi));
		in.in_http = ls.ls_http;
		in.in_spawned = ls.ls_spawned;
		in.in_env_left = getenv("LISTEN_FDS") != NULL;
		snprintf(in.in_err, sizeof(in.in_err), "%s",
		    in.in_rc == -1 ? errstr : "");
		_exit(write(out, &in, sizeof(in)) == (ssize_t)sizeof(in) ?
		    0 : 93);
	}
	close(p[1]);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(read(p[0], &in, sizeof(in)), (ssize_t)sizeof(in));
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return in;
}

START_TEST(test_listen_systemd_two_fastcgi)
{
	int			socks[2] = { listening_socket(), listening_socket() };
	struct inherited	in = inherit(socks, 2, 3, NULL, 0, 1);

	ck_assert_int_eq(in.in_rc, 2);
	ck_assert_uint_eq(in.in_nfcgi, 2);
	ck_assert_int_eq(in.in_fcgi[0], 3);
	ck_assert_int_eq(in.in_fcgi[1], 4);
	ck_assert_int_eq(in.in_http, -1);
	ck_assert_int_eq(in.in_spawned, 0);
	ck_assert_int_eq(in.in_env_left, 0);
	close(socks[0]);
	close(socks[1]);
}
END_TEST

/* FileDescriptorName=http (systemd.socket(5)) marks the HTTP listener. */
START_TEST(test_listen_systemd_named_http)
{
	int			socks[3] = { listening_socket(),
				    listening_socket(), listening_socket() };
	struct inherited	in = inherit(socks, 3, 3,
				    "fcgi-authzd.socket:http:other", 0, 1);

	ck_assert_int_eq(in.in_rc, 3);
	ck_assert_uint_eq(in.in_nfcgi, 2);
	ck_assert_int_eq(in.in_fcgi[0], 3);
	ck_assert_int_eq(in.in_fcgi[1], 5);
	ck_assert_int_eq(in.in_http, 4);
	close(socks[0]);
	close(socks[1]);
	close(socks[2]);
}
END_TEST

/* "https", "xhttp" and an empty name are not "http". */
START_TEST(test_listen_systemd_names_exact)
{
	int			socks[3] = { listening_socket(),
				    listening_socket(), listening_socket() };
	struct inherited	in = inherit(socks, 3, 3, "https:xhttp:", 0, 1);

	ck_assert_int_eq(in.in_rc, 3);
	ck_assert_uint_eq(in.in_nfcgi, 3);
	ck_assert_int_eq(in.in_http, -1);
	close(socks[0]);
	close(socks[1]);
	close(socks[2]);
}
END_TEST

START_TEST(test_listen_systemd_two_http_refused)
{
	int			socks[2] = { listening_socket(), listening_socket() };
	struct inherited	in = inherit(socks, 2, 3, "http:http", 0, 1);

	ck_assert_int_eq(in.in_rc, -1);
	ck_assert_str_eq(in.in_err, "two passed sockets are named http");
	close(socks[0]);
	close(socks[1]);
}
END_TEST

/* Accept=yes passes a connection, not a listening socket: refused. */
START_TEST(test_listen_systemd_not_listening_refused)
{
	int			pair[2];
	int			socks[2];
	struct inherited	in;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	socks[0] = listening_socket();
	socks[1] = pair[0];
	in = inherit(socks, 2, 3, NULL, 0, 1);
	ck_assert_int_eq(in.in_rc, -1);
	ck_assert_str_eq(in.in_err,
	    "a passed file descriptor is not a listening socket");
	close(socks[0]);
	close(pair[0]);
	close(pair[1]);
}
END_TEST

/* LISTEN_PID names another process (an inherited environment). */
START_TEST(test_listen_systemd_other_pid_ignored)
{
	int			socks[1] = { listening_socket() };
	struct inherited	in = inherit(socks, 1, 3, NULL, 1, 1);

	ck_assert_int_eq(in.in_rc, 0);
	ck_assert_uint_eq(in.in_nfcgi, 0);
	close(socks[0]);
}
END_TEST

/* A web server's child: the listening socket is fd 0. */
START_TEST(test_listen_fd0)
{
	int			socks[1] = { listening_socket() };
	struct inherited	in = inherit(socks, 1, 0, NULL, 0, 0);

	ck_assert_int_eq(in.in_rc, 1);
	ck_assert_uint_eq(in.in_nfcgi, 1);
	ck_assert_int_eq(in.in_fcgi[0], 0);
	ck_assert_int_eq(in.in_spawned, 1);
	close(socks[0]);
}
END_TEST

START_TEST(test_listen_open_unix)
{
	char		 dir[128], path[256], addr[300];
	const char	*errstr = NULL;
	struct stat	 st;
	int		 fd, fd2, regular;

	check_tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	ck_assert_int_ne(fd = listen_open(addr, 0660, (gid_t)-1, &errstr), -1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0660);
	/* A stale socket in the way is replaced. */
	close(fd);
	ck_assert_int_ne(fd2 = listen_open(addr, 0600, (gid_t)-1, &errstr),
	    -1);
	close(fd2);
	/* Anything else in the way is left alone. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ne(regular = open(path, O_CREAT | O_WRONLY, 0600), -1);
	close(regular);
	ck_assert_int_eq(listen_open(addr, 0660, (gid_t)-1, &errstr), -1);
	ck_assert_str_eq(errstr, "the socket path exists and is not a socket");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(listen_open("unix:relative", 0660, (gid_t)-1,
	    &errstr), -1);
	check_tmpdir_remove(dir);
}
END_TEST

START_TEST(test_listen_open_tcp)
{
	const char	*errstr = NULL;
	int		 fd;

	ck_assert_int_ne(fd = listen_open("127.0.0.1:0", 0, (gid_t)-1,
	    &errstr), -1);
	close(fd);
	ck_assert_int_eq(listen_open("localhost", 0, (gid_t)-1, &errstr), -1);
	ck_assert_int_eq(listen_open("[::1", 0, (gid_t)-1, &errstr), -1);
	ck_assert_int_eq(listen_open(":80", 0, (gid_t)-1, &errstr), -1);
	ck_assert_int_eq(listen_open("127.0.0.1:", 0, (gid_t)-1, &errstr),
	    -1);
}
END_TEST

static Suite *
listen_suite(void)
{
	Suite	*s = suite_create("listen");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_listen_systemd_two_fastcgi);
	tcase_add_test(tc, test_listen_systemd_named_http);
	tcase_add_test(tc, test_listen_systemd_names_exact);
	tcase_add_test(tc, test_listen_systemd_two_http_refused);
	tcase_add_test(tc, test_listen_systemd_not_listening_refused);
	tcase_add_test(tc, test_listen_systemd_other_pid_ignored);
	tcase_add_test(tc, test_listen_fd0);
	tcase_add_test(tc, test_listen_open_unix);
	tcase_add_test(tc, test_listen_open_tcp);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(listen_suite());
}
