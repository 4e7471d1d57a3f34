/*
 * Editing the users file the way fcgi-authz(1) does: under an exclusive
 * lock, line by line so that comments, blank lines and the order of
 * everything else survive, and written back atomically (a temporary file
 * in the same directory with the original's mode and owner, fsync,
 * validated with the daemon's own loader, rename, fsync of the
 * directory).  A process killed at any moment leaves the old file or the
 * new one, never a mix.
 */
#ifndef AUTHZ_USERSFILE_H
#define AUTHZ_USERSFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "errlist.h"
#include "users.h"

struct usersfile;

/*
 * Takes the lock (an flock(2) on "DIR/.NAME.lock", waiting for other
 * writers), then reads path.  A missing file is an empty one when create
 * is set, an error otherwise.  Returns NULL and sets *errstr on failure.
 * A symbolic link is followed: the lock, the temporary file and the
 * rename are next to the file it points to, and the link stays.  Anything
 * but a regular file (a directory, a FIFO) is refused, and so is a file
 * with a NUL byte.  *errstr does not name path (the caller does); it is
 * static storage, valid until the next call; errno is set too.
 */
struct usersfile *usersfile_open(const char *path, int create,
	    const char **errstr);

/*
 * The group a file that did not exist is created in (with mode 0640), so
 * that the daemon, which runs in that group, can read it; (gid_t)-1, the
 * default, leaves the creator's.
 */
void	usersfile_set_new_group(struct usersfile *, gid_t);

/* Releases the lock and frees everything (without writing). */
void	usersfile_close(struct usersfile *);

/*
 * Sections are named by kind ("user" or "token") and name, as in
 * "[user:alice]".  Returns 1 if the section exists.
 */
int	usersfile_has(const struct usersfile *, const char *kind,
	    const char *name);

/* The value of key in the section (as inih would deliver it: trimmed,
 * inline comment removed), or NULL.  Valid until the next change. */
const char *usersfile_get(const struct usersfile *, const char *kind,
	    const char *name, const char *key);

/*
 * Appends "[kind:name]" at the end, after a blank line.  0 or -1: errno
 * EEXIST if the section exists, EINVAL if kind is not lower-case letters
 * or name not a valid user name (users_name_is_valid()).
 */
int	usersfile_add(struct usersfile *, const char *kind, const char *name);

/*
 * Sets "key = value" in the section: replaces the key's line in place
 * (a trailing inline comment is kept, moved to a line of its own above
 * the key if it no longer fits), or adds the line after the section's
 * last key.  0, or -1 if the section does not exist (errno ENOENT) or
 * usersfile_value_is_valid() refuses key and value (EINVAL).
 */
int	usersfile_set(struct usersfile *, const char *kind, const char *name,
	    const char *key, const char *value);

/* Removes the key's line from the section.  0 (also when absent) or -1
 * if the section does not exist (errno ENOENT). */
int	usersfile_unset(struct usersfile *, const char *kind, const char *name,
	    const char *key);

/*
 * Removes the section: its header, its keys, and the comment and blank
 * lines between them and the next section.  Comment lines directly above
 * a header (no blank line between) count as that section's: the run
 * above this header goes too (unless it opens the file), the run above
 * the next header stays.  No doubled blank line is left.  0 or -1 if it
 * does not exist (errno ENOENT).
 */
int	usersfile_del(struct usersfile *, const char *kind, const char *name);

/* The names of every section of kind, in file order; *n gets the count.
 * The array (NULL-terminated) and strings belong to the caller (free
 * each, then the array).  NULL when out of memory. */
char	**usersfile_names(const struct usersfile *, const char *kind,
	    size_t *n);

/*
 * Writes the file back atomically, if anything changed.  Before the
 * rename, the new file is loaded with users_load() and the limits (NULL:
 * the defaults.h ones): a file the daemon would refuse is never put in
 * place, and its errors go to errs naming path, not the temporary file.
 * A file changed on disk since usersfile_open() is not written over.
 * The original's mode and owner are kept (0640 and the caller for a new
 * file); a caller other than root can only keep a file it owns.  Lines
 * end in CR LF only if every line did.  Returns 0 or -1; on -1 the file
 * is as it was (unless only the final fsync of the directory failed).
 */
int	usersfile_commit(struct usersfile *, const struct hashfmt_limits *,
	    struct errlist *errs);

/*
 * Returns 1 if value can stand as an INI value in this file: no control
 * characters, no ';', no '#' first or after whitespace, no surrounding
 * quotes or whitespace, valid UTF-8, and "key = value" fits on one line
 * inih reads whole.  key must be 1 to AUTHZ_INI_NAME_MAX ASCII letters,
 * digits, '_', '-' or '.'.
 */
int	usersfile_value_is_valid(const char *key, const char *value);

#endif
