/*
 * The listening sockets: inherited (fd 0 from mod_fcgid, lighttpd
 * bin-path or spawn-fcgi; fd 3 on from systemd socket activation) or
 * opened from "unix:/path", "HOST:PORT" or "[V6ADDR]:PORT".
 */
#ifndef AUTHZ_LISTEN_H
#define AUTHZ_LISTEN_H

#include <sys/types.h>

#include "defaults.h"

/* The sockets the daemon serves on. */
struct listen_set {
	int	ls_fcgi[AUTHZ_LISTEN_MAX];	/* FastCGI */
	size_t	ls_nfcgi;
	int	ls_http;	/* HTTP forward auth; -1: none */
	int	ls_spawned;	/* fd 0: a web server's child (listen_inherited) */
};

void	listen_set_init(struct listen_set *);

/*
 * Takes the sockets passed in into ls: systemd's (sd_listen_fds(3): as
 * many as LISTEN_FDS from fd 3, named by LISTEN_FDNAMES, where the one
 * named "http" is the HTTP forward-auth listener and the others are
 * FastCGI), else fd 0 if it is a listening socket (FastCGI spec 2.2).
 * LISTEN_* leave the environment.  Returns how many it took (0: none),
 * or -1 with *errstr: a passed fd that is not a listening socket, two
 * named "http", or more than AUTHZ_LISTEN_MAX.
 */
int	listen_inherited(struct listen_set *, const char **errstr);

/*
 * Opens, binds and listens.  A unix socket gets mode (and group gid if
 * it is not (gid_t)-1); a stale socket file in the way is removed.
 * Returns the fd, or -1 with *errstr set.
 */
int	listen_open(const char *address, mode_t mode, gid_t gid,
	    const char **errstr);

#endif
