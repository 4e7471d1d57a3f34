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

#include "errlist.h"
#include "users.h"

struct usersfile;

/*
 * Takes the lock (an flock(2) on "DIR/.NAME.lock", waiting for other
 * writers), then reads path.  A missing file is an empty one when create
 * is set, an error otherwise.  Returns NULL and sets *errstr on failure.
 */
struct usersfile *usersfile_open(const char *path, int create,
	    const char **errstr);

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

/* Appends "[kind:name]" at the end, after a blank line.  0 or -1. */
int	usersfile_add(struct usersfile *, const char *kind, const char *name);

/*
 * Sets "key = value" in the section: replaces the key's line in place
 * (a trailing inline comment is kept), or adds the line after the
 * section's last key.  0, or -1 if the section does not exist.
 */
int	usersfile_set(struct usersfile *, const char *kind, const char *name,
	    const char *key, const char *value);

/* Removes the key's line from the section.  0 (also when absent) or -1. */
int	usersfile_unset(struct usersfile *, const char *kind, const char *name,
	    const char *key);

/*
 * Removes the section: its header, its keys, and the comment and blank
 * lines between them and the next section.  0 or -1 if it does not exist.
 */
int	usersfile_del(struct usersfile *, const char *kind, const char *name);

/* The names of every section of kind, in file order; *n gets the count.
 * The array and strings belong to the caller (free each, then the
 * array). */
char	**usersfile_names(const struct usersfile *, const char *kind,
	    size_t *n);

/*
 * Writes the file back atomically, if anything changed.  Before the
 * rename, the new file is loaded with users_load() and the limits: a
 * file the daemon would refuse is never put in place, and its errors go
 * to errs.  Returns 0 or -1.
 */
int	usersfile_commit(struct usersfile *, const struct users_hash_limits *,
	    struct errlist *errs);

/*
 * Returns 1 if value can stand as an INI value in this file: no control
 * characters, no ';', no '#' after whitespace, no surrounding quotes,
 * valid UTF-8, and "key = value" fits on one line inih reads whole.
 */
int	usersfile_value_is_valid(const char *key, const char *value);

#endif
