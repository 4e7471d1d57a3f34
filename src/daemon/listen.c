/*
 * The listening socket (listen.h): systemd's fd 3 or a web server's fd 0
 * when it is a listening socket, else a unix or TCP socket opened here.
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

int
listen_inherited(void)
{
	const char	*fds = getenv("LISTEN_FDS");
	const char	*pid = getenv("LISTEN_PID");

	/* systemd socket activation (sd_listen_fds(3)): the first is fd 3. */
	if (fds != NULL && pid != NULL && atol(pid) == (long)getpid() &&
	    atoi(fds) >= 1 && listen_is_listening(3)) {
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		return 3;
	}
	/* FastCGI spec 2.2: FCGI_LISTENSOCK_FILENO is fd 0. */
	if (listen_is_listening(0))
		return 0;
	return -1;
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
