/*
 * The listening socket: inherited (fd 0 from mod_fcgid, lighttpd
 * bin-path or spawn-fcgi; fd 3 from systemd socket activation) or opened
 * from "unix:/path", "HOST:PORT" or "[V6ADDR]:PORT".
 */
#ifndef AUTHZ_LISTEN_H
#define AUTHZ_LISTEN_H

#include <sys/types.h>

/* Returns an inherited listening socket, or -1 if there is none. */
int	listen_inherited(void);

/*
 * Opens, binds and listens.  A unix socket gets mode (and group gid if
 * it is not (gid_t)-1); a stale socket file in the way is removed.
 * Returns the fd, or -1 with *errstr set.
 */
int	listen_open(const char *address, mode_t mode, gid_t gid,
	    const char **errstr);

#endif
