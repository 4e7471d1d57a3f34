/*
 * The listening sockets (listen.h): systemd's from fd 3, or a web
 * server's fd 0 when it is a listening socket, else unix or TCP sockets
 * opened here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "listen.h"

static int
listen_is_listening(int fd)
{
	int		v = 0;
	socklen_t	len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

void
listen_set_init(struct listen_set *ls)
{
	memset(ls, 0, sizeof(*ls));
	ls->ls_http = -1;
}

/*
 * The name of passed fd i in LISTEN_FDNAMES ("a:b:c"), or "" if there is
 * none, as a length into names.
 */
static size_t
listen_fdname(const char *names, int i, const char **name)
{
	const char *end;

	*name = "";
	for (; names != NULL && i > 0; i--)
		if ((names = strchr(names, ':')) != NULL)
			names++;
	if (names == NULL)
		return 0;
	*name = names;
	end = strchr(names, ':');
	return end != NULL ? (size_t)(end - names) : strlen(names);
}

/* Passed fd fd, named name (len bytes), into ls.  0, or -1 (errstr). */
static int
listen_take(struct listen_set *ls, int fd, const char *name, size_t len,
    const char **errstr)
{
	if (!listen_is_listening(fd)) {
		*errstr = "a passed file descriptor is not a listening socket";
		return -1;
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (len == 4 && strncmp(name, "http", 4) == 0) {
		if (ls->ls_http != -1) {
			*errstr = "two passed sockets are named http";
			return -1;
		}
		ls->ls_http = fd;
		return 0;
	}
	if (ls->ls_nfcgi == AUTHZ_LISTEN_MAX) {
		*errstr = "too many passed sockets";
		return -1;
	}
	ls->ls_fcgi[ls->ls_nfcgi++] = fd;
	return 0;
}

/* The n sockets systemd passed, from fd 3, named by names. */
static int
listen_take_passed(struct listen_set *ls, long n, const char *names,
    const char **errstr)
{
	const char	*name;
	size_t		 len;
	int		 i;

	if (n < 1)
		return 0;
	/* At most AUTHZ_LISTEN_MAX FastCGI ones and the HTTP one. */
	if (n > AUTHZ_LISTEN_MAX + 1) {
		*errstr = "too many passed sockets";
		return -1;
	}
	for (i = 0; i < n; i++) {
		len = listen_fdname(names, i, &name);
		if (listen_take(ls, 3 + i, name, len, errstr) == -1)
			return -1;
	}
	return (int)n;
}

/*
 * systemd socket activation (sd_listen_fds(3)): fds 3 to 3 + n - 1.  The
 * variables leave the environment once read, so that nothing the daemon
 * starts takes them for its own.
 */
static int
listen_systemd(struct listen_set *ls, const char **errstr)
{
	const char	*fds = getenv("LISTEN_FDS");
	const char	*pid = getenv("LISTEN_PID");
	int		 n;

	if (fds == NULL || pid == NULL || atol(pid) != (long)getpid())
		return 0;
	n = listen_take_passed(ls, atol(fds), getenv("LISTEN_FDNAMES"),
	    errstr);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	return n;
}

int
listen_inherited(struct listen_set *ls, const char **errstr)
{
	int n;

	if ((n = listen_systemd(ls, errstr)) != 0)
		return n;
	/* FastCGI spec 2.2: FCGI_LISTENSOCK_FILENO is fd 0. */
	if (listen_is_listening(0)) {
		ls->ls_fcgi[ls->ls_nfcgi++] = 0;
		ls->ls_spawned = 1;
		return 1;
	}
	return 0;
}

static int
listen_unix(const char *path, mode_t mode, gid_t gid, const char **errstr)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || path[0] != '/') {
		*errstr = "unix socket path must be absolute and under 108 bytes";
		return -1;
	}
	strcpy(sun.sun_path, path);
	/* Remove a stale socket, never anything else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*errstr = "the socket path exists and is not a socket";
			return -1;
		}
		(void)unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, mode) == -1 ||
	    (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) ||
	    listen(fd, AUTHZ_LISTEN_BACKLOG) == -1) {
		*errstr = strerror(errno);
		close(fd);
		return -1;
	}
	return fd;
}

static int
listen_tcp(const char *address, const char **errstr)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256];
	const char	*colon, *port, *h = address;
	size_t		 hl;
	int		 fd = -1, on = 1, rc;

	if (*h == '[') {
		if ((colon = strstr(h, "]:")) == NULL) {
			*errstr = "expected [IPV6]:PORT";
			return -1;
		}
		h++;
		hl = (size_t)(colon - h);
		port = colon + 2;
	} else {
		if ((colon = strrchr(h, ':')) == NULL) {
			*errstr = "expected unix:/PATH, HOST:PORT or [IPV6]:PORT";
			return -1;
		}
		hl = (size_t)(colon - h);
		port = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host) || *port == '\0') {
		*errstr = "expected unix:/PATH, HOST:PORT or [IPV6]:PORT";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		*errstr = gai_strerror(rc);
		return -1;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, AUTHZ_LISTEN_BACKLOG) == -1) {
		*errstr = strerror(errno);
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_open(const char *address, mode_t mode, gid_t gid, const char **errstr)
{
	if (strncmp(address, "unix:", 5) == 0)
		return listen_unix(address + 5, mode, gid, errstr);
	return listen_tcp(address, errstr);
}
