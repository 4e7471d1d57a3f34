/*
 * noop-authorizer: the floor of any FastCGI authorizer, for scripts/bench.
 * It answers every request with
 *
 *	Status: 200 OK
 *	Variable-REMOTE_USER: bench
 *
 * and does nothing else: no params looked at, no stdin read (docs/servers.md,
 * How every server talks), no log.  It uses the same transport as
 * fcgi-authzd: a listening socket opened as src/daemon/listen.c opens it
 * (backlog 128, SO_REUSEADDR on TCP, SO_RCVTIMEO/SO_SNDTIMEO inherited by
 * accepted sockets), and N threads each calling FCGX_Accept_r on it, as
 * src/daemon/server.c does.
 *
 *	noop-authorizer -l unix:/PATH|HOST:PORT [-t THREADS]
 *
 * THREADS defaults to 4, fcgi-authzd's default [server] workers.  Runs
 * until killed.  Not installed; built by scripts/bench.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#define NOOP_BACKLOG	128	/* AUTHZ_LISTEN_BACKLOG */
#define NOOP_TIMEOUT_SEC 10	/* fcgi-authzd's default request_timeout */
#define NOOP_THREADS_MAX 256

static const char noop_answer[] =
    "Status: 200 OK\r\nVariable-REMOTE_USER: bench\r\n\r\n";

static int noop_fd = -1;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: noop-authorizer -l unix:/PATH|HOST:PORT "
	    "[-t THREADS]\n");
	exit(2);
}

static int
noop_listen_unix(const char *path)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (path[0] != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "noop-authorizer: bad socket path %s\n", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, NOOP_BACKLOG) == -1) {
		perror("noop-authorizer: unix socket");
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static int
noop_listen_tcp(const char *address)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon = strrchr(address, ':');
	size_t		 hl;
	int		 fd = -1, on = 1, rc;

	if (colon == NULL || (hl = (size_t)(colon - address)) == 0 ||
	    hl >= sizeof(host) || colon[1] == '\0') {
		fprintf(stderr, "noop-authorizer: expected HOST:PORT, got %s\n",
		    address);
		return -1;
	}
	memcpy(host, address, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0) {
		fprintf(stderr, "noop-authorizer: %s: %s\n", address,
		    gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, NOOP_BACKLOG) == -1) {
		perror("noop-authorizer: tcp socket");
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void *
noop_worker(void *arg)
{
	FCGX_Request	req;

	(void)arg;
	if (FCGX_InitRequest(&req, noop_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0)
		return NULL;
	for (;;) {
		int rc = FCGX_Accept_r(&req);

		if (rc < 0) {
			/* As fcgi-authzd: pause on errors that may repeat. */
			if (rc != -EAGAIN && rc != -EINTR && rc != -ECONNABORTED)
				usleep(100 * 1000);
			continue;
		}
		/* Never read FCGI_STDIN; answer at once (docs/servers.md). */
		FCGX_PutStr(noop_answer, (int)sizeof(noop_answer) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	const char	*address = NULL;
	unsigned long	 nthreads = 4;
	pthread_t	*threads;
	struct timeval	 tv = { NOOP_TIMEOUT_SEC, 0 };
	char		*end;
	unsigned long	 i;
	int		 ch;

	while ((ch = getopt(argc, argv, "l:t:")) != -1) {
		switch (ch) {
		case 'l':
			address = optarg;
			break;
		case 't':
			nthreads = strtoul(optarg, &end, 10);
			if (*end != '\0' || nthreads < 1 ||
			    nthreads > NOOP_THREADS_MAX)
				usage();
			break;
		default:
			usage();
		}
	}
	if (address == NULL || optind != argc)
		usage();
	noop_fd = strncmp(address, "unix:", 5) == 0 ?
	    noop_listen_unix(address + 5) : noop_listen_tcp(address);
	if (noop_fd == -1)
		return 1;
	(void)setsockopt(noop_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(noop_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0) {
		fprintf(stderr, "noop-authorizer: FCGX_Init failed\n");
		return 1;
	}
	/*
	 * libfcgi's own SIGTERM and SIGUSR1 handlers only set a flag that
	 * makes every later FCGX_Accept_r fail at once, without a system
	 * call: the threads would spin instead of exiting.  fcgi-authzd
	 * blocks those signals; here they just end the process.
	 */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	if ((threads = calloc(nthreads, sizeof(*threads))) == NULL)
		return 1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, noop_worker, NULL) != 0) {
			fprintf(stderr, "noop-authorizer: pthread_create "
			    "failed\n");
			return 1;
		}
	fprintf(stderr, "noop-authorizer: serving %s with %lu threads\n",
	    address, nthreads);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	return 0;
}
