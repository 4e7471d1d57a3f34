#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errlist.h"

/*
 * Fills in where the file is.  A symbolic link is followed once, here,
 * so that the lock, the temporary file and the rename all work on the
 * file it points to and the link itself stays in place.
 */
int
usersfile_paths(struct usersfile *uf, const char *path, const char **errstr)
{
	struct stat	 st;
	char		*slash;
	int		 rc = -1;

	if (*path == '\0') {
		errno = EINVAL;
		*errstr = "empty path";
		goto done;
	}
	if ((uf->uf_path = strdup(path)) == NULL)
		goto nomem;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if ((uf->uf_target = realpath(path, NULL)) == NULL) {
			*errstr = usersfile_err("a symbolic link that cannot "
			    "be followed: %s", strerror(errno));
			goto done;
		}
	} else if ((uf->uf_target = strdup(path)) == NULL)
		goto nomem;
	if ((slash = strrchr(uf->uf_target, '/')) == NULL) {
		uf->uf_dir = strdup(".");
		uf->uf_base = strdup(uf->uf_target);
	} else if (slash[1] == '\0') {
		errno = EISDIR;
		*errstr = "not a regular file (the path ends in '/')";
		goto done;
	} else {
		uf->uf_dir = slash == uf->uf_target ? strdup("/") :
		    strndup(uf->uf_target, (size_t)(slash - uf->uf_target));
		uf->uf_base = strdup(slash + 1);
	}
	if (uf->uf_dir == NULL || uf->uf_base == NULL)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	errno = ENOMEM;
	*errstr = strerror(errno);
done:
	return rc;
}

/*
 * flock(2) on "DIR/.NAME.lock", never removed: unlinking a lock file
 * lets a waiter lock a file that is gone while a newcomer locks a new
 * one.  O_NONBLOCK so that a FIFO put there cannot hang us in open(2).
 */
int
usersfile_lock(struct usersfile *uf, const char **errstr)
{
	struct stat	 st;
	char		*lockpath = NULL;
	int		 rc = -1, saved;

	if (asprintf(&lockpath, "%s/.%s.lock", uf->uf_dir, uf->uf_base) == -1) {
		lockpath = NULL;
		errno = ENOMEM;
		*errstr = strerror(errno);
		goto done;
	}
	if ((uf->uf_lockfd = open(lockpath, O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600)) == -1) {
		*errstr = usersfile_err("lock file %s: %s", lockpath,
		    strerror(errno));
		goto done;
	}
	if (fstat(uf->uf_lockfd, &st) == -1) {
		*errstr = usersfile_err("lock file %s: %s", lockpath,
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		*errstr = usersfile_err("lock file %s: not a regular file",
		    lockpath);
		goto done;
	}
	while (flock(uf->uf_lockfd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		*errstr = usersfile_err("lock file %s: %s", lockpath,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	saved = errno;
	free(lockpath);
	errno = saved;
	return rc;
}

/*
 * The lock only keeps out fcgi-authz itself: refuse to write over a
 * file that an editor replaced or changed since it was read.
 */
int
usersfile_is_untouched(const struct usersfile *uf, struct stat *now,
    struct errlist *errs)
{
	int	exists;

	exists = stat(uf->uf_target, now) == 0;
	if (!exists && errno != ENOENT) {
		errlist_add(errs, uf->uf_path, 0, "%s", strerror(errno));
		return 0;
	}
	if (exists != uf->uf_exists || (exists &&
	    (now->st_dev != uf->uf_st.st_dev ||
	    now->st_ino != uf->uf_st.st_ino ||
	    now->st_size != uf->uf_st.st_size ||
	    now->st_mtim.tv_sec != uf->uf_st.st_mtim.tv_sec ||
	    now->st_mtim.tv_nsec != uf->uf_st.st_mtim.tv_nsec))) {
		errlist_add(errs, uf->uf_path, 0, "changed by another program "
		    "since it was read; nothing written, try again");
		return 0;
	}
	return 1;
}

/* A new file: 0640 in the group usersfile_set_new_group() named. */
int
usersfile_new_owner(const struct usersfile *uf, int fd, struct errlist *errs)
{
	if (uf->uf_new_gid != (gid_t)-1 &&
	    fchown(fd, (uid_t)-1, uf->uf_new_gid) == -1) {
		errlist_add(errs, uf->uf_path, 0, "cannot give it group %lu: "
		    "%s; nothing written", (unsigned long)uf->uf_new_gid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Gives the temporary file the original's owner and mode (0640 for a
 * new file).  Root must manage; anyone else can only keep a file they
 * own, in a group of theirs.
 */
int
usersfile_keep_owner(const struct usersfile *uf, int fd,
    const struct stat *want, struct errlist *errs)
{
	struct stat	cur;
	mode_t		mode = USERSFILE_NEW_MODE;
	int		saved;

	if (!uf->uf_exists && usersfile_new_owner(uf, fd, errs) == -1)
		return -1;
	if (uf->uf_exists) {
		mode = want->st_mode & 07777;
		if (fstat(fd, &cur) == -1) {
			errlist_add(errs, uf->uf_path, 0, "temporary file: %s",
			    strerror(errno));
			return -1;
		}
		if ((cur.st_uid != want->st_uid ||
		    cur.st_gid != want->st_gid) &&
		    fchown(fd, want->st_uid, want->st_gid) == -1) {
			saved = errno;
			if (geteuid() == 0 || cur.st_uid != want->st_uid ||
			    fchown(fd, (uid_t)-1, want->st_gid) == -1) {
				errlist_add(errs, uf->uf_path, 0, "cannot keep "
				    "its owner %lu:%lu: %s; nothing written",
				    (unsigned long)want->st_uid,
				    (unsigned long)want->st_gid,
				    strerror(saved));
				return -1;
			}
		}
	}
	/* After fchown(2), which may clear set-id bits. */
	if (fchmod(fd, mode) == -1) {
		errlist_add(errs, uf->uf_path, 0, "cannot set mode %04o: %s",
		    (unsigned)mode, strerror(errno));
		return -1;
	}
	return 0;
}

int
usersfile_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Removes the temporary files of writers killed between mkostemp(3) and
 * rename(2).  Only a writer holding the lock makes one, and the caller
 * holds it: any that exists is stale.  Failures are ignored: a leftover
 * costs space, nothing else.
 */
void
usersfile_clean_stale(const struct usersfile *uf, int dirfd)
{
	struct dirent	*de;
	struct stat	 st;
	const char	*n;
	size_t		 blen = strlen(uf->uf_base);
	size_t		 ilen = strlen(USERSFILE_TMP_INFIX), i;
	DIR		*d;
	int		 fd;

	if ((fd = dup(dirfd)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		n = de->d_name;
		if (n[0] != '.' || strncmp(n + 1, uf->uf_base, blen) != 0 ||
		    strncmp(n + 1 + blen, USERSFILE_TMP_INFIX, ilen) != 0)
			continue;
		n += 1 + blen + ilen;
		if (strlen(n) != 6)
			continue;
		for (i = 0; i < 6; i++)
			if (!((n[i] >= 'a' && n[i] <= 'z') ||
			    (n[i] >= 'A' && n[i] <= 'Z') ||
			    (n[i] >= '0' && n[i] <= '9')))
				break;
		if (i == 6 && fstatat(dirfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			(void)unlinkat(dirfd, de->d_name, 0);
	}
	closedir(d);
}
