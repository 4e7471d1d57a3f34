/*
 * fcgi-authzd: options, startup in a fixed order (main()), and a small
 * supervisor.  libfcgi aborts on some hostile records that no option can
 * stop (docs/security.md, Hostile FastCGI input), so the serving happens in
 * a child process, and the parent starts a new one at once when it dies;
 * the listening socket stays open in the parent, so connections wait in the
 * backlog meanwhile instead of being refused.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "defaults.h"
#include "errlist.h"
#include "lastgood.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "server.h"
#include "throttle.h"
#include "users.h"

/*
 * -h and --help print to standard output and exit 0; a usage error
 * prints to standard error and exits 2 (GNU coding standards, 4.8).
 */
static void __attribute__((noreturn))
usage(FILE *fp, int code)
{
	fprintf(fp, "usage: fcgi-authzd [-ft] [-c config] [-l address]\n"
	    "  -c FILE     configuration (default %s)\n"
	    "  -l ADDRESS  listen on unix:/PATH, HOST:PORT or [V6]:PORT\n"
	    "  -t          check the configuration and users file, then exit\n"
	    "  -f          stay in the foreground and log to stderr\n"
	    "  -h, --help  this text\n"
	    "  --version   the version, and libsodium's\n",
	    AUTHZ_CONF_FILE);
	exit(code);
}

/*
 * daemon(3) moves to "/", and every reload (on SIGHUP, or when the files
 * change) reads the files again: a relative -c path is made absolute
 * against the starting directory first.  Not resolved with realpath(3),
 * so that a symbolic link is still followed afresh at each reload.
 * Returns 0, or -1 with errno set.
 */
static int
authzd_absolute_path(const char *path, char *buf, size_t bufsz)
{
	size_t	n;
	int	w;

	if (getcwd(buf, bufsz) == NULL)
		return -1;
	n = strlen(buf);
	w = snprintf(buf + n, bufsz - n, "%s%s",
	    n > 0 && buf[n - 1] == '/' ? "" : "/", path);
	if (w < 0 || (size_t)w >= bufsz - n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static struct conf *
authzd_load(const char *path)
{
	struct errlist	 errs, warns;
	struct conf	*cf;

	errlist_init(&errs);
	errlist_init(&warns);
	/* Trusting whom this process starts the daemon as (conf.h). */
	cf = conf_load_trusted(path, 0, NULL, &errs, &warns);
	errlist_print(&errs, stderr);
	errlist_print(&warns, stderr);
	errlist_free(&errs);
	errlist_free(&warns);
	return cf;
}

/* [server] group, for the unix sockets: (gid_t)-1 to leave it. */
static int
authzd_socket_group(const struct conf *cf, gid_t *gid)
{
	struct group *gr;

	*gid = (gid_t)-1;
	if (cf->cf_group == NULL || geteuid() != 0)
		return 0;
	if ((gr = getgrnam(cf->cf_group)) == NULL) {
		fprintf(stderr, "fcgi-authzd: unknown group %s\n",
		    cf->cf_group);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

/*
 * The sockets to serve on, into ls: those passed in (listen_inherited:
 * ninherited of them), else FastCGI on -l or [server] listen; and HTTP
 * forward auth on [server] http unless a socket named http was passed.
 * One at least.  0, or -1 (said on stderr).
 */
static int
authzd_open_sockets(const struct conf *cf, const char *listen_arg,
    int ninherited, struct listen_set *ls)
{
	const char	*addr = listen_arg != NULL ? listen_arg : cf->cf_listen;
	const char	*errstr = NULL;
	gid_t		 gid;

	if (ninherited == 0 && addr == NULL && cf->cf_http == NULL) {
		fprintf(stderr, "fcgi-authzd: no socket on fd 0 and no listen "
		    "address (use -l, [server] listen or [server] http)\n");
		return -1;
	}
	if (authzd_socket_group(cf, &gid) == -1)
		return -1;
	if (ninherited == 0 && addr != NULL) {
		if ((ls->ls_fcgi[0] = listen_open(addr, cf->cf_socket_mode, gid,
		    &errstr)) == -1) {
			fprintf(stderr, "fcgi-authzd: listen on %s: %s\n", addr,
			    errstr);
			return -1;
		}
		ls->ls_nfcgi = 1;
	}
	if (ls->ls_http == -1 && cf->cf_http != NULL && (ls->ls_http =
	    listen_open(cf->cf_http, cf->cf_socket_mode, gid, &errstr)) == -1) {
		fprintf(stderr, "fcgi-authzd: [server] http %s: %s\n",
		    cf->cf_http, errstr);
		return -1;
	}
	return 0;
}

/*
 * Drops root for the configured user and group, after the socket is open
 * and the files are read: to the ids the users file was checked against
 * (conf_load_trusted() looked them up), with no supplementary groups.
 */
static int
authzd_drop_privileges(const struct conf *cf)
{
	uid_t	uid = cf->cf_trust.ct_users.fti_uid;
	gid_t	gid = cf->cf_trust.ct_users.fti_gid;

	if (geteuid() != 0 || cf->cf_user == NULL)
		return 0;
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		fprintf(stderr, "fcgi-authzd: cannot drop privileges to %s: "
		    "%s\n", cf->cf_user, strerror(errno));
		return -1;
	}
	/* A drop that can be undone did not happen (saved ids, caps). */
	if (uid != 0 && (setresuid(0, 0, 0) != -1 || setegid(0) != -1)) {
		fprintf(stderr, "fcgi-authzd: could regain root after the "
		    "drop to %s; refusing to run\n", cf->cf_user);
		return -1;
	}
	return 0;
}

/*
 * The throttle table every process started with this configuration
 * shares (throttle.h).  A worker restarted after a crash maps it again
 * through fork, so it forgets nothing.
 */
static struct throttle *
authzd_open_throttle(const struct conf *cf)
{
	char		 path[PATH_MAX];
	const char	*errstr = NULL;
	struct throttle	*th;

	conf_throttle_path(cf, path, sizeof(path));
	if ((th = throttle_open(path, &errstr)) == NULL)
		fprintf(stderr, "fcgi-authzd: [throttle] state %s: %s (set "
		    "[throttle] state to a file only this user may write)\n",
		    path, errstr);
	return th;
}

static pid_t
authzd_spawn(const struct listen_set *ls, struct conf *cf,
    const char *conf_path, struct throttle *th)
{
	pid_t		 pid;
	sigset_t	 none;

	if ((pid = fork()) != 0)
		return pid;
	/* The worker: dies with the supervisor, takes its own signals. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* exit, not _exit: LeakSanitizer checks the worker too. */
	exit(server_run(ls, cf, conf_path, th));
}

/* Waits before a restart so that a crash loop cannot spin a core. */
static void
authzd_restart_pause(struct timespec *last)
{
	struct timespec	now, pause;
	long		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - last->tv_sec) * 1000 +
	    (now.tv_nsec - last->tv_nsec) / 1000000;
	if (ms < AUTHZ_RESTART_MIN_INTERVAL_MS) {
		pause.tv_sec = 0;
		pause.tv_nsec = (AUTHZ_RESTART_MIN_INTERVAL_MS - ms) * 1000000L;
		nanosleep(&pause, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, last);
}

/*
 * The supervisor: restarts the worker when it dies of anything but a
 * requested stop.  Signals stay blocked and are taken with sigtimedwait(),
 * so none is lost between two waits and no handler runs; the timeout
 * paces the watch on the files.  Frees cf.
 */
static int
authzd_supervise(const struct listen_set *ls, struct conf *cf,
    const char *conf_path, struct throttle *th)
{
	sigset_t	 set;
	siginfo_t	 si;
	pid_t		 child;
	int		 status, stopping = 0;
	struct timespec	 last;
	struct timespec	 tick = { 0, AUTHZ_WATCH_TICK_MS * 1000 * 1000 };
	struct lastgood	*lg;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((lg = lastgood_new(cf, conf_path)) == NULL) {
		log_warnx("out of memory");
		conf_free(cf);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &last);
	if ((child = authzd_spawn(ls, lastgood_conf(lg), conf_path,
	    th)) == -1) {
		log_warn("fork");
		lastgood_free(lg);
		return 1;
	}
	for (;;) {
		if (!stopping)
			lastgood_tick(lg, 0);
		if (sigtimedwait(&set, &si, &tick) == -1)
			continue;
		switch (si.si_signo) {
		case SIGHUP:
			(void)kill(child, SIGHUP);
			lastgood_tick(lg, 1);
			continue;
		case SIGTERM:
		case SIGINT:
			/* The worker finishes its requests, then exits. */
			(void)kill(child, SIGTERM);
			stopping = 1;
			continue;
		default:
			break;
		}
		if (waitpid(child, &status, WNOHANG) != child)
			continue;
		if (stopping) {
			lastgood_free(lg);
			return 0;
		}
		if (WIFSIGNALED(status))
			log_warnx("worker %ld killed by signal %d; restarting",
			    (long)child, WTERMSIG(status));
		else
			log_warnx("worker %ld exited with status %d; "
			    "restarting", (long)child, WEXITSTATUS(status));
		authzd_restart_pause(&last);
		if ((child = authzd_spawn(ls, lastgood_conf(lg), conf_path,
		    th)) == -1) {
			log_warn("fork");
			lastgood_free(lg);
			return 1;
		}
	}
}

enum { AUTHZD_OPT_VERSION = 256 };	/* long options without a letter */

static const struct option authzd_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, AUTHZD_OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

int
main(int argc, char *argv[])
{
	const char	*conf_path = AUTHZ_CONF_FILE, *listen_arg = NULL;
	char		 abs_path[PATH_MAX];
	const char	*errstr = NULL;
	int		 ch, check_only = 0, foreground = 0, inherited = 0;
	struct listen_set ls;
	int		 spawned, rc;
	struct conf	*cf;
	struct throttle	*th = NULL;

	proc_sanitize_fds();
	while ((ch = getopt_long(argc, argv, "c:fhl:t", authzd_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'l':
			listen_arg = optarg;
			break;
		case 't':
			check_only = 1;
			break;
		case 'h':
			usage(stdout, 0);
		case AUTHZD_OPT_VERSION:
			proc_print_version(stdout, "fcgi-authzd");
			exit(0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	/* -t reports the path as given. */
	if (!check_only && conf_path[0] != '/') {
		if (authzd_absolute_path(conf_path, abs_path,
		    sizeof(abs_path)) == -1) {
			fprintf(stderr, "fcgi-authzd: %s: %s\n", conf_path,
			    strerror(errno));
			return 1;
		}
		conf_path = abs_path;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "fcgi-authzd: sodium_init failed\n");
		return 1;
	}
	if ((cf = authzd_load(conf_path)) == NULL) {
		fprintf(stderr, "fcgi-authzd: %s: configuration not valid\n",
		    conf_path);
		return 1;
	}
	if (check_only) {
		printf("%s: configuration OK (%zu rules, %zu users, %zu "
		    "tokens)\n", conf_path, cf->cf_nrules,
		    users_count(cf->cf_users), users_token_count(cf->cf_users));
		conf_free(cf);
		return 0;
	}
	/* Each FastCGI connection is a descriptor (max_connections). */
	(void)proc_raise_nofile(AUTHZ_NOFILE_WANT);
	/* Once: it takes LISTEN_FDS and LISTEN_PID out of the environment. */
	listen_set_init(&ls);
	if (listen_arg == NULL && (inherited = listen_inherited(&ls,
	    &errstr)) == -1) {
		fprintf(stderr, "fcgi-authzd: %s\n", errstr);
		conf_free(cf);
		return 1;
	}
	spawned = inherited > 0;
	/* The table after the drop: it is the daemon user's file. */
	if (authzd_open_sockets(cf, listen_arg, inherited, &ls) == -1 ||
	    authzd_drop_privileges(cf) == -1 ||
	    (th = authzd_open_throttle(cf)) == NULL) {
		conf_free(cf);
		return 1;
	}
	/* Spawned by a web server, we stay its child and use its stderr. */
	log_init(!foreground && !spawned && cf->cf_log == CONF_LOG_SYSLOG,
	    "fcgi-authzd");
	if (!foreground && !spawned && daemon(0, cf->cf_log ==
	    CONF_LOG_STDERR) == -1) {
		fprintf(stderr, "fcgi-authzd: daemon: %s\n", strerror(errno));
		return 1;
	}
	rc = authzd_supervise(&ls, cf, conf_path, th);
	throttle_close(th);
	return rc;
}
