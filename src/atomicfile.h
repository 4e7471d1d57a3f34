/*
 * Files read and written whole.  Reading: one descriptor, its size
 * bounded.  Replacing, so that a reader sees the old file or the new
 * one, never a mix: a temporary file in the same directory, renamed over it
 * (rename(2)).  Options add a lock held while the caller edits, fsync(2)
 * of the file and its directory so that the new file survives a crash
 * of the host, and following a symbolic link once.
 */
#ifndef AUTHZ_ATOMICFILE_H
#define AUTHZ_ATOMICFILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

#include "errlist.h"

/* Options of atomicfile_open(), or-ed. */
#define ATOMICFILE_FOLLOW	0x01	/* follow a symbolic link at path */
#define ATOMICFILE_LOCK		0x02	/* flock(2) "DIR/.NAME.lock" */
#define ATOMICFILE_FSYNC	0x04	/* the file, then its directory */
#define ATOMICFILE_HIDDEN	0x08	/* ".NAME.tmp-XXXXXX", not NAME.tmp- */

/* Where the file is; the fields are read-only for callers. */
struct atomicfile {
	char	*af_path;	/* as the caller named it: messages */
	char	*af_target;	/* the file replaced */
	char	*af_dir;	/* where the temporary file goes */
	char	*af_base;
	int	 af_flags;
	int	 af_lockfd;	/* -1: not locked */
};

/* One replacement: what to write and how (atomicfile_replace()). */
struct atomicfile_write {
	const char	*aw_buf;
	size_t		 aw_len;
	const struct stat *aw_keep;	/* owner and mode to keep, or NULL */
	mode_t		 aw_mode;	/* without aw_keep */
	gid_t		 aw_gid;	/* without aw_keep; (gid_t)-1: ours */
	/* Before the rename, or NULL: -1 refuses, with errors added. */
	int		(*aw_check)(void *arg, const char *tmp,
			    struct errlist *errs);
	void		*aw_arg;
	struct stat	 aw_written;	/* out: the new file */
	int		 aw_renamed;	/* out: it is in place */
};

/* Which step of atomicfile_read() failed. */
enum atomicfile_read_err {
	ATOMICFILE_READ_OK,
	ATOMICFILE_READ_FSTAT,
	ATOMICFILE_READ_TYPE,		/* not a regular file: EINVAL */
	ATOMICFILE_READ_SIZE,		/* more than max bytes: EFBIG */
	ATOMICFILE_READ_NOMEM,
	ATOMICFILE_READ_READ,
	ATOMICFILE_READ_GREW		/* it grew while read: EAGAIN */
};

/*
 * Reads the whole regular file behind fd, from where it is, with one
 * descriptor for the checks and the read, so that what is checked is
 * what is read.  *st gets its fstat(2) (when that succeeded).  On
 * success *bufp is a new NUL-terminated buffer of *lenp bytes and *capp
 * allocated: wipe *capp bytes before freeing it if the file is secret.
 * Returns ATOMICFILE_READ_OK, or the step that failed with errno set
 * and nothing allocated (what was read is wiped).
 */
enum atomicfile_read_err atomicfile_read(int fd, size_t max, struct stat *st,
	    char **bufp, size_t *lenp, size_t *capp);

/*
 * Sets up the replacing of path.  With ATOMICFILE_FOLLOW a symbolic link
 * at path is followed once, here: the lock, the temporary file and the
 * rename then work beside the file it points to, and the link stays.
 * With ATOMICFILE_LOCK it waits for an exclusive flock(2) on
 * "DIR/.NAME.lock", held until atomicfile_close().  The lock file is
 * never removed (unlinking one lets a waiter lock a file that is gone
 * while a newcomer locks a new one) and must be a regular file.  Returns
 * NULL with errno set and one error added to errs (naming path, no line)
 * on failure.  Not thread-safe for one path; the handle is the caller's.
 */
struct atomicfile *atomicfile_open(const char *path, int flags,
	    struct errlist *errs);

/* Releases the lock (closing its descriptor) and frees the handle. */
void	atomicfile_close(struct atomicfile *);

/*
 * The lock keeps out only fcgi-authz itself: checks that the file is
 * still what was read (seen: its stat then, or NULL if it did not
 * exist), and stores its stat now in *now.  Returns 1 if so, 0 with an
 * error added to errs.
 */
int	atomicfile_is_untouched(const struct atomicfile *,
	    const struct stat *seen, struct stat *now, struct errlist *errs);

/*
 * Replaces the file with aw_len bytes of aw_buf.  The temporary file
 * ("NAME.tmp-XXXXXX" beside it, ".NAME.tmp-XXXXXX" with
 * ATOMICFILE_HIDDEN) gets aw_keep's owner and mode, or aw_mode and the
 * group aw_gid.  Root keeps any owner; anyone else can keep only a file
 * it owns, in one of its groups.  With ATOMICFILE_LOCK, temporary files
 * that writers killed before their rename left are removed first (only
 * a lock holder makes one, so any found is stale).  With
 * ATOMICFILE_FSYNC the file is synced before aw_check and the rename,
 * the directory after.  Returns 0, or -1 with errno set, errors added to
 * errs (NULL: none; each names af_path), and no temporary file left:
 * then the old file is in place unless aw_renamed is set (the directory
 * could not be synced).  aw_written is the new file's stat once renamed.
 */
int	atomicfile_replace(struct atomicfile *, struct atomicfile_write *,
	    struct errlist *errs);

/*
 * atomicfile_open(), atomicfile_replace() with mode (owner and group the
 * caller's) and atomicfile_close() in one.  0, or -1 with errno set.
 */
int	atomicfile_write(const char *path, int flags, const char *buf,
	    size_t len, mode_t mode, struct errlist *errs);

#endif
