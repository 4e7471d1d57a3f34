/*
 * Trusted files: whether anyone but root and the daemon's own user could
 * change what a file the daemon reads says, by writing it or by putting
 * another file in its place.  The rules are OpenSSH's StrictModes:
 *
 *  - the file, and the directory holding it, are owned by root or by the
 *    daemon's user;
 *  - neither is writable by others (a sticky directory such as /tmp is
 *    no exception: anyone may create the name before the file exists);
 *  - neither is writable by its group, unless that group is root's
 *    (gid 0) or the daemon's;
 *  - a symbolic link is followed only when root or the daemon's user
 *    owns it, and the directory holding it passes the rules above; so a
 *    Kubernetes ConfigMap (users.ini -> ..data/users.ini, ..data ->
 *    ..2026_11_27_...) or a Debian alternative works, and the directory
 *    of the file it finally names is checked too.
 *
 * What is checked is what is read: every step opens the next one with
 * openat(2) and O_NOFOLLOW from the directory already checked, and the
 * file's own checks are an fstat(2) of the descriptor handed back.
 */
#ifndef AUTHZ_FILETRUST_H
#define AUTHZ_FILETRUST_H

#include <sys/types.h>
#include <sys/stat.h>

#include "errlist.h"

/* Who may own or write a file besides root (uid 0, gid 0). */
struct filetrust_ids {
	uid_t	fti_uid;	/* the daemon's user */
	gid_t	fti_gid;	/* the daemon's group */
};

/* Flags for filetrust_open(): it holds secrets, warn if all may read it. */
#define FILETRUST_WARN_READABLE	1

/* This process's effective user and group. */
void	filetrust_ids_self(struct filetrust_ids *);

/*
 * Opens path for reading (O_RDONLY, close-on-exec) when the rules above
 * hold for ids, and it is a regular file.  Returns the descriptor, with
 * its fstat(2) in *st; or -1 after adding why to errs as "PATH: message"
 * (path as given, no line number).  With FILETRUST_WARN_READABLE, a file
 * that every user may read adds "PATH: warning: ..." to warns (which may
 * be NULL).  The caller closes the descriptor.
 */
int	filetrust_open(const char *path, const struct filetrust_ids *,
	    int flags, struct stat *st, struct errlist *errs,
	    struct errlist *warns) __attribute__((warn_unused_result));

#endif
