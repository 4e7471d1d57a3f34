/*
 * Reading a file whole, and replacing one atomically (atomicfile.h):
 * where it is, the lock,
 * the temporary file with the old owner and mode, the write, fsync(2),
 * rename(2) and the directory's fsync.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "errlist.h"

/* A temporary file is ["."]NAME ATOMICFILE_TMP_INFIX and mkstemp's six. */
#define ATOMICFILE_TMP_INFIX	".tmp-"

static void	atomicfile_err(const struct atomicfile *, struct errlist *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));

/* Adds a message naming the file, if errs is not NULL; errno is kept. */
static void
atomicfile_err(const struct atomicfile *af, struct errlist *errs,
    const char *fmt, ...)
{
	va_list	ap;

	if (errs == NULL)
		return;
	va_start(ap, fmt);
	errlist_addv(errs, af->af_path, 0, fmt, ap);
	va_end(ap);
}

enum atomicfile_read_err
atomicfile_read(int fd, size_t max, struct stat *st, char **bufp,
    size_t *lenp, size_t *capp)
{
	enum atomicfile_read_err	 rc;
	char				*buf = NULL;
	size_t				 len = 0, cap = 0;
	ssize_t				 n;
	int				 saved;

	if (fstat(fd, st) == -1)
		return ATOMICFILE_READ_FSTAT;
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return ATOMICFILE_READ_TYPE;
	}
	if (st->st_size < 0 || (uintmax_t)st->st_size > max) {
		errno = EFBIG;
		return ATOMICFILE_READ_SIZE;
	}
	/* One byte more than fstat said to notice growth, one for NUL. */
	cap = (size_t)st->st_size + 2;
	if ((buf = malloc(cap)) == NULL)
		return ATOMICFILE_READ_NOMEM;
	rc = ATOMICFILE_READ_READ;
	while (len < cap - 1) {
		if ((n = read(fd, buf + len, cap - 1 - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st->st_size) {
		errno = EAGAIN;
		rc = ATOMICFILE_READ_GREW;
		goto fail;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	*capp = cap;
	return ATOMICFILE_READ_OK;
fail:
	saved = errno;
	explicit_bzero(buf, cap);
	free(buf);
	errno = saved;
	return rc;
}

/* Fills in where the file is, following a link with ATOMICFILE_FOLLOW. */
static int
atomicfile_paths(struct atomicfile *af, const char *path,
    struct errlist *errs)
{
	struct stat	 st;
	char		*slash;
	int		 rc = -1;

	if (*path == '\0') {
		errno = EINVAL;
		atomicfile_err(af, errs, "empty path");
		goto done;
	}
	if ((af->af_flags & ATOMICFILE_FOLLOW) && lstat(path, &st) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if ((af->af_target = realpath(path, NULL)) == NULL) {
			atomicfile_err(af, errs, "a symbolic link that cannot "
			    "be followed: %s", strerror(errno));
			goto done;
		}
	} else if ((af->af_target = strdup(path)) == NULL)
		goto nomem;
	if ((slash = strrchr(af->af_target, '/')) == NULL) {
		af->af_dir = strdup(".");
		af->af_base = strdup(af->af_target);
	} else if (slash[1] == '\0') {
		errno = EISDIR;
		atomicfile_err(af, errs, "not a regular file (the path ends "
		    "in '/')");
		goto done;
	} else {
		af->af_dir = slash == af->af_target ? strdup("/") :
		    strndup(af->af_target, (size_t)(slash - af->af_target));
		af->af_base = strdup(slash + 1);
	}
	if (af->af_dir == NULL || af->af_base == NULL)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	errno = ENOMEM;
	atomicfile_err(af, errs, "%s", strerror(errno));
done:
	return rc;
}

/* O_NONBLOCK so that a FIFO put there cannot hang us in open(2). */
static int
atomicfile_lock(struct atomicfile *af, struct errlist *errs)
{
	struct stat	 st;
	char		*lockpath = NULL;
	int		 rc = -1, saved;

	if (asprintf(&lockpath, "%s/.%s.lock", af->af_dir, af->af_base) == -1) {
		lockpath = NULL;
		errno = ENOMEM;
		atomicfile_err(af, errs, "%s", strerror(errno));
		goto done;
	}
	if ((af->af_lockfd = open(lockpath, O_RDONLY | O_CREAT | O_NOFOLLOW |
	    O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600)) == -1) {
		atomicfile_err(af, errs, "lock file %s: %s", lockpath,
		    strerror(errno));
		goto done;
	}
	if (fstat(af->af_lockfd, &st) == -1) {
		atomicfile_err(af, errs, "lock file %s: %s", lockpath,
		    strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		atomicfile_err(af, errs, "lock file %s: not a regular file",
		    lockpath);
		goto done;
	}
	while (flock(af->af_lockfd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		atomicfile_err(af, errs, "lock file %s: %s", lockpath,
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

struct atomicfile *
atomicfile_open(const char *path, int flags, struct errlist *errs)
{
	struct atomicfile	*af;
	int			 saved;

	if ((af = calloc(1, sizeof(*af))) == NULL) {
		if (errs != NULL)
			errlist_add(errs, path, 0, "%s", strerror(errno));
		return NULL;
	}
	af->af_flags = flags;
	af->af_lockfd = -1;
	if ((af->af_path = strdup(path)) == NULL) {
		errno = ENOMEM;
		if (errs != NULL)
			errlist_add(errs, path, 0, "%s", strerror(errno));
		goto fail;
	}
	if (atomicfile_paths(af, path, errs) == -1 ||
	    ((flags & ATOMICFILE_LOCK) && atomicfile_lock(af, errs) == -1))
		goto fail;
	return af;
fail:
	saved = errno;
	atomicfile_close(af);
	errno = saved;
	return NULL;
}

void
atomicfile_close(struct atomicfile *af)
{
	if (af == NULL)
		return;
	/* Closing the descriptor releases the flock. */
	if (af->af_lockfd != -1)
		close(af->af_lockfd);
	free(af->af_path);
	free(af->af_target);
	free(af->af_dir);
	free(af->af_base);
	free(af);
}

int
atomicfile_is_untouched(const struct atomicfile *af, const struct stat *seen,
    struct stat *now, struct errlist *errs)
{
	int	exists;

	exists = stat(af->af_target, now) == 0;
	if (!exists && errno != ENOENT) {
		atomicfile_err(af, errs, "%s", strerror(errno));
		return 0;
	}
	if (exists != (seen != NULL) || (exists &&
	    (now->st_dev != seen->st_dev ||
	    now->st_ino != seen->st_ino ||
	    now->st_size != seen->st_size ||
	    now->st_mtim.tv_sec != seen->st_mtim.tv_sec ||
	    now->st_mtim.tv_nsec != seen->st_mtim.tv_nsec))) {
		atomicfile_err(af, errs, "changed by another program since it "
		    "was read; nothing written, try again");
		return 0;
	}
	return 1;
}

/*
 * Gives the temporary file aw_keep's owner and mode, or aw_mode in group
 * aw_gid.  Root must manage; anyone else can only keep a file they own,
 * in a group of theirs.
 */
static int
atomicfile_keep_owner(const struct atomicfile *af, int fd,
    const struct atomicfile_write *aw, struct errlist *errs)
{
	const struct stat	*want = aw->aw_keep;
	struct stat		 cur;
	mode_t			 mode = aw->aw_mode;
	int			 saved;

	if (want == NULL && aw->aw_gid != (gid_t)-1 &&
	    fchown(fd, (uid_t)-1, aw->aw_gid) == -1) {
		atomicfile_err(af, errs, "cannot give it group %lu: %s; "
		    "nothing written", (unsigned long)aw->aw_gid,
		    strerror(errno));
		return -1;
	}
	if (want != NULL) {
		mode = want->st_mode & 07777;
		if (fstat(fd, &cur) == -1) {
			atomicfile_err(af, errs, "temporary file: %s",
			    strerror(errno));
			return -1;
		}
		if ((cur.st_uid != want->st_uid ||
		    cur.st_gid != want->st_gid) &&
		    fchown(fd, want->st_uid, want->st_gid) == -1) {
			saved = errno;
			if (geteuid() == 0 || cur.st_uid != want->st_uid ||
			    fchown(fd, (uid_t)-1, want->st_gid) == -1) {
				errno = saved;
				atomicfile_err(af, errs, "cannot keep its "
				    "owner %lu:%lu: %s; nothing written",
				    (unsigned long)want->st_uid,
				    (unsigned long)want->st_gid,
				    strerror(saved));
				return -1;
			}
		}
	}
	/* After fchown(2), which may clear set-id bits. */
	if (fchmod(fd, mode) == -1) {
		atomicfile_err(af, errs, "cannot set mode %04o: %s",
		    (unsigned)mode, strerror(errno));
		return -1;
	}
	return 0;
}

static int
atomicfile_write_all(int fd, const char *buf, size_t len)
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
static void
atomicfile_clean_stale(const struct atomicfile *af, int dirfd)
{
	struct dirent	*de;
	struct stat	 st;
	const char	*n;
	size_t		 blen = strlen(af->af_base);
	size_t		 ilen = strlen(ATOMICFILE_TMP_INFIX), i;
	size_t		 dot = (af->af_flags & ATOMICFILE_HIDDEN) ? 1 : 0;
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
		if ((dot && n[0] != '.') ||
		    strncmp(n + dot, af->af_base, blen) != 0 ||
		    strncmp(n + dot + blen, ATOMICFILE_TMP_INFIX, ilen) != 0)
			continue;
		n += dot + blen + ilen;
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

int
atomicfile_replace(struct atomicfile *af, struct atomicfile_write *aw,
    struct errlist *errs)
{
	char	*tmp = NULL;
	int	 fd = -1, dirfd = -1, made = 0, rc = -1, saved;

	aw->aw_renamed = 0;
	/* Opened first: after the rename it is too late to find it gone. */
	if ((af->af_flags & (ATOMICFILE_FSYNC | ATOMICFILE_LOCK)) &&
	    (dirfd = open(af->af_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		atomicfile_err(af, errs, "directory %s: %s", af->af_dir,
		    strerror(errno));
		goto done;
	}
	if (af->af_flags & ATOMICFILE_LOCK)
		atomicfile_clean_stale(af, dirfd);
	if (asprintf(&tmp, "%s/%s%s" ATOMICFILE_TMP_INFIX "XXXXXX",
	    af->af_dir, (af->af_flags & ATOMICFILE_HIDDEN) ? "." : "",
	    af->af_base) == -1) {
		tmp = NULL;
		errno = ENOMEM;
		atomicfile_err(af, errs, "out of memory");
		goto done;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		atomicfile_err(af, errs, "cannot create a temporary file: %s",
		    strerror(errno));
		goto done;
	}
	made = 1;
	if (atomicfile_keep_owner(af, fd, aw, errs) == -1)
		goto done;
	if (atomicfile_write_all(fd, aw->aw_buf, aw->aw_len) == -1 ||
	    ((af->af_flags & ATOMICFILE_FSYNC) && fsync(fd) == -1) ||
	    fstat(fd, &aw->aw_written) == -1) {
		atomicfile_err(af, errs, "writing %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		atomicfile_err(af, errs, "writing %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	if (aw->aw_check != NULL && aw->aw_check(aw->aw_arg, tmp, errs) == -1)
		goto done;
	if (rename(tmp, af->af_target) == -1) {
		atomicfile_err(af, errs, "cannot rename %s into place: %s", tmp,
		    strerror(errno));
		goto done;
	}
	made = 0;
	aw->aw_renamed = 1;
	if ((af->af_flags & ATOMICFILE_FSYNC) && fsync(dirfd) == -1) {
		atomicfile_err(af, errs, "written, but the directory could not "
		    "be synced: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (made)
		(void)unlink(tmp);
	if (dirfd != -1)
		close(dirfd);
	free(tmp);
	errno = saved;
	return rc;
}

int
atomicfile_write(const char *path, int flags, const char *buf, size_t len,
    mode_t mode, struct errlist *errs)
{
	struct atomicfile	*af;
	struct atomicfile_write	 aw;
	int			 rc, saved;

	if ((af = atomicfile_open(path, flags, errs)) == NULL)
		return -1;
	memset(&aw, 0, sizeof(aw));
	aw.aw_buf = buf;
	aw.aw_len = len;
	aw.aw_mode = mode;
	aw.aw_gid = (gid_t)-1;
	rc = atomicfile_replace(af, &aw, errs);
	saved = errno;
	atomicfile_close(af);
	errno = saved;
	return rc;
}
