/*
 * Trusted files (filetrust.h): a walk down the path, one openat(2) with
 * O_NOFOLLOW at a time, that follows only trusted symbolic links and
 * checks the directory of each one and of the file.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errlist.h"
#include "filetrust.h"

/* As the kernel's MAXSYMLINKS: more links than this is a loop. */
#define FILETRUST_LINKS_MAX	40

/* filetrust_last() followed a link: walk on. */
#define FILETRUST_AGAIN		(-2)

/* Where the walk is: the directory reached so far, and what is left. */
struct filetrust_walk {
	const char		*fw_path;	/* as given, for messages */
	const struct filetrust_ids *fw_ids;
	struct errlist		*fw_errs;
	int			 fw_dirfd;	/* O_PATH */
	char			 fw_dir[PATH_MAX]; /* its name, for messages */
	char			*fw_todo;	/* the path left to walk */
	size_t			 fw_off;	/* its next byte */
	int			 fw_nlinks;	/* links followed */
};

void
filetrust_ids_self(struct filetrust_ids *ids)
{
	ids->fti_uid = geteuid();
	ids->fti_gid = getegid();
}

static int
filetrust_is_trusted_uid(uid_t uid, const struct filetrust_ids *ids)
{
	return uid == 0 || uid == ids->fti_uid;
}

static int
filetrust_is_trusted_gid(gid_t gid, const struct filetrust_ids *ids)
{
	return gid == 0 || gid == ids->fti_gid;
}

/* "root", or "root or the daemon's user (uid N)", for messages. */
static const char *
filetrust_owners(const struct filetrust_ids *ids, char *buf, size_t bufsz)
{
	if (ids->fti_uid == 0)
		return "root";
	snprintf(buf, bufsz, "root or the daemon's user (uid %lu)",
	    (unsigned long)ids->fti_uid);
	return buf;
}

/*
 * Could someone but root and ids change a file or directory with this
 * stat?  Returns 0 if not; else -1, with why in buf ("is writable by
 * every user (mode 0666)").  Only the owner counts for a symbolic link:
 * its own mode means nothing.
 */
static int
filetrust_why(const struct stat *st, const struct filetrust_ids *ids,
    char *buf, size_t bufsz)
{
	mode_t	mode = st->st_mode & 07777;
	char	who[64];

	if (!filetrust_is_trusted_uid(st->st_uid, ids))
		snprintf(buf, bufsz, "is owned by uid %lu, not by %s",
		    (unsigned long)st->st_uid,
		    filetrust_owners(ids, who, sizeof(who)));
	else if (S_ISLNK(st->st_mode))
		return 0;
	else if (mode & S_IWOTH)
		snprintf(buf, bufsz, "is writable by every user (mode %04o)",
		    (unsigned)mode);
	else if ((mode & S_IWGRP) && !filetrust_is_trusted_gid(st->st_gid,
	    ids))
		snprintf(buf, bufsz, "is writable by group %lu (mode %04o), "
		    "which is not root's group%s", (unsigned long)st->st_gid,
		    (unsigned)mode, ids->fti_gid != 0 ?
		    " nor the daemon's" : "");
	else
		return 0;
	return -1;
}

static void
filetrust_fail(struct filetrust_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
filetrust_fail(struct filetrust_walk *w, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errlist_addv(w->fw_errs, w->fw_path, 0, fmt, ap);
	va_end(ap);
}

/* The directory reached holds a file or link we use: is it safe? */
static int
filetrust_check_dir(struct filetrust_walk *w)
{
	struct stat	st;
	char		why[160];

	if (fstat(w->fw_dirfd, &st) == -1) {
		filetrust_fail(w, "directory %s: %s", w->fw_dir,
		    strerror(errno));
		return -1;
	}
	if (filetrust_why(&st, w->fw_ids, why, sizeof(why)) == -1) {
		filetrust_fail(w, "directory %s %s", w->fw_dir, why);
		return -1;
	}
	return 0;
}

/* Moves the walk into fd, a directory named name (".." goes up). */
static void
filetrust_enter(struct filetrust_walk *w, int fd, const char *name)
{
	char	*slash;
	size_t	 len = strlen(w->fw_dir);

	close(w->fw_dirfd);
	w->fw_dirfd = fd;
	/* The name is for messages only: a long one may be cut. */
	if (strcmp(name, "..") == 0 && strcmp(w->fw_dir, ".") != 0 &&
	    (len < 3 || strcmp(w->fw_dir + len - 3, "/..") != 0)) {
		if ((slash = strrchr(w->fw_dir, '/')) == w->fw_dir)
			w->fw_dir[1] = '\0';		/* "/x" -> "/" */
		else if (slash != NULL)
			*slash = '\0';
		return;
	}
	snprintf(w->fw_dir + len, sizeof(w->fw_dir) - len, "%s%s",
	    len == 1 && w->fw_dir[0] == '/' ? "" : "/", name);
}

/* Starts again at the root (an absolute link) or stays where it is. */
static int
filetrust_start(struct filetrust_walk *w, int absolute)
{
	int	fd;

	if ((fd = open(absolute ? "/" : ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		filetrust_fail(w, "%s", strerror(errno));
		return -1;
	}
	if (w->fw_dirfd != -1)
		close(w->fw_dirfd);
	w->fw_dirfd = fd;
	snprintf(w->fw_dir, sizeof(w->fw_dir), "%s", absolute ? "/" : ".");
	return 0;
}

/*
 * The next name of the path left, into name.  Returns 1 and sets *last
 * when nothing follows it; 0 when nothing is left; -1 after an error.
 */
static int
filetrust_next(struct filetrust_walk *w, char *name, size_t namesz,
    int *last)
{
	const char	*p = w->fw_todo + w->fw_off, *end;
	size_t		 n;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return 0;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 1 && *p == '.') {
			p = end;
			continue;
		}
		break;
	}
	if (n >= namesz) {
		filetrust_fail(w, "%s", strerror(ENAMETOOLONG));
		return -1;
	}
	memcpy(name, p, n);
	name[n] = '\0';
	w->fw_off = (size_t)(end - w->fw_todo);
	/* "a/users.ini/" names a directory: last stays 0, so it must be. */
	*last = *end == '\0';
	return 1;
}

/*
 * Follows the symbolic link fd (name), if root or the daemon's user owns
 * it and its directory is safe: the walk goes on with its target and
 * the rest of the path.  itself: the link is the path given.
 */
static int
filetrust_follow(struct filetrust_walk *w, int fd, const struct stat *st,
    const char *name, int itself)
{
	char		 target[PATH_MAX], why[160], *todo;
	const char	*rest = w->fw_todo + w->fw_off;
	ssize_t		 n;

	if (filetrust_why(st, w->fw_ids, why, sizeof(why)) == -1) {
		if (itself)
			filetrust_fail(w, "is a symbolic link %s", why + 3);
		else
			filetrust_fail(w, "symbolic link %s%s%s %s", w->fw_dir,
			    strcmp(w->fw_dir, "/") == 0 ? "" : "/", name, why);
		return -1;
	}
	if (filetrust_check_dir(w) == -1)
		return -1;
	if (++w->fw_nlinks > FILETRUST_LINKS_MAX) {
		filetrust_fail(w, "%s", strerror(ELOOP));
		return -1;
	}
	if ((n = readlinkat(fd, "", target, sizeof(target))) == -1 ||
	    (size_t)n >= sizeof(target) || n == 0) {
		filetrust_fail(w, "symbolic link %s: %s", name,
		    n == -1 ? strerror(errno) : "target too long or empty");
		return -1;
	}
	target[n] = '\0';
	while (*rest == '/')
		rest++;
	/* No "/" after a last name: "target/" would ask for a directory. */
	if (asprintf(&todo, "%s%s%s", target, *rest != '\0' ? "/" : "",
	    rest) == -1) {
		filetrust_fail(w, "out of memory");
		return -1;
	}
	free(w->fw_todo);
	w->fw_todo = todo;
	w->fw_off = 0;
	return target[0] == '/' ? filetrust_start(w, 1) : 0;
}

/* A name on the way to the file: a directory to enter or a link. */
static int
filetrust_step(struct filetrust_walk *w, const char *name)
{
	struct stat	st;
	int		fd;

	if ((fd = openat(w->fw_dirfd, name, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &st) == -1) {
		filetrust_fail(w, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		filetrust_enter(w, fd, name);
		return 0;
	}
	if (S_ISLNK(st.st_mode) &&
	    filetrust_follow(w, fd, &st, name, 0) == 0) {
		close(fd);
		return 0;
	}
	if (!S_ISLNK(st.st_mode))
		filetrust_fail(w, "%s", strerror(ENOTDIR));
	close(fd);
	return -1;
}

static void
filetrust_warn_readable(const char *path, const struct stat *st,
    const struct filetrust_ids *ids, struct errlist *warns)
{
	struct group	*gr;
	char		 gid[24];
	const char	*group = gid;

	if (warns == NULL || !(st->st_mode & S_IROTH))
		return;
	snprintf(gid, sizeof(gid), "%lu", (unsigned long)ids->fti_gid);
	if ((gr = getgrgid(ids->fti_gid)) != NULL)
		group = gr->gr_name;
	errlist_add(warns, path, 0, "warning: readable by every user (mode "
	    "%04o): the password hashes and token digests in it can be "
	    "attacked offline; chmod 640 it and chown root:%s it",
	    (unsigned)(st->st_mode & 07777), group);
}

/*
 * The last name was a symbolic link when it was opened: follow it.
 * Returns FILETRUST_AGAIN or -1.
 */
static int
filetrust_last_link(struct filetrust_walk *w, const char *name)
{
	struct stat	st;
	int		lfd, rc = -1;

	if ((lfd = openat(w->fw_dirfd, name, O_PATH | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(lfd, &st) == -1)
		filetrust_fail(w, "%s", strerror(errno));
	else if (S_ISLNK(st.st_mode))
		rc = filetrust_follow(w, lfd, &st, name, w->fw_nlinks == 0) ==
		    0 ? FILETRUST_AGAIN : -1;
	/* Replaced meanwhile: look again, a bounded number of times. */
	else if (++w->fw_nlinks <= FILETRUST_LINKS_MAX)
		rc = FILETRUST_AGAIN;
	else
		filetrust_fail(w, "%s", strerror(ELOOP));
	if (lfd != -1)
		close(lfd);
	return rc;
}

/*
 * The last name: the file itself, opened at once with O_NOFOLLOW, or a
 * link to follow (FILETRUST_AGAIN).  Returns the descriptor or -1.
 */
static int
filetrust_last(struct filetrust_walk *w, const char *name, int flags,
    struct stat *st, struct errlist *warns)
{
	char	why[160];
	int	fd;

	fd = openat(w->fw_dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1 && errno == ELOOP)
		return filetrust_last_link(w, name);
	if (fd == -1 || fstat(fd, st) == -1) {
		filetrust_fail(w, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		filetrust_fail(w, "not a regular file");
		goto fail;
	}
	if (filetrust_why(st, w->fw_ids, why, sizeof(why)) == -1) {
		filetrust_fail(w, "%s", why);
		goto fail;
	}
	if (filetrust_check_dir(w) == -1)
		goto fail;
	if (flags & FILETRUST_WARN_READABLE)
		filetrust_warn_readable(w->fw_path, st, w->fw_ids, warns);
	return fd;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
filetrust_open(const char *path, const struct filetrust_ids *ids, int flags,
    struct stat *st, struct errlist *errs, struct errlist *warns)
{
	struct filetrust_walk	w;
	char			name[NAME_MAX + 1];
	int			fd = -1, last = 0, r;

	memset(&w, 0, sizeof(w));
	w.fw_path = path;
	w.fw_ids = ids;
	w.fw_errs = errs;
	w.fw_dirfd = -1;
	if ((w.fw_todo = strdup(path)) == NULL) {
		filetrust_fail(&w, "out of memory");
		goto done;
	}
	if (filetrust_start(&w, path[0] == '/') == -1)
		goto done;
	for (;;) {
		if ((r = filetrust_next(&w, name, sizeof(name), &last)) == -1)
			break;
		if (r == 0) {
			filetrust_fail(&w, "%s", *path == '\0' ?
			    strerror(ENOENT) : "not a regular file");
			break;
		}
		if (!last || strcmp(name, "..") == 0) {
			if (filetrust_step(&w, name) == -1)
				break;
			continue;
		}
		if ((fd = filetrust_last(&w, name, flags, st, warns)) !=
		    FILETRUST_AGAIN)
			break;
	}
done:
	if (fd < 0)
		fd = -1;
	if (w.fw_dirfd != -1)
		close(w.fw_dirfd);
	free(w.fw_todo);
	return fd;
}
