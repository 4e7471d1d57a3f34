/*
 * The users file edited: every write goes through usersfile.c (locked,
 * line-preserving, validated with the daemon's loader, then an atomic
 * rename), and every failure is said with the file's name.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "errlist.h"
#include "users.h"
#include "usersfile.h"

/* Opens and locks the users file for an edit (with create, a missing
 * file is an empty one).  NULL, printed, on failure. */
struct usersfile *
ctl_edit_open(const struct ctl *c, int create)
{
	struct usersfile	*uf;
	const char		*errstr = NULL;

	errno = 0;
	if ((uf = usersfile_open(c->c_users_path, create, &errstr)) == NULL)
		ctl_warnx("%s: %s", c->c_users_path, errstr != NULL ? errstr :
		    errno != 0 ? strerror(errno) : "cannot open");
	else
		usersfile_set_new_group(uf, c->c_daemon_gid);
	return uf;
}

/*
 * Writes the file back (validated with the daemon's loader first).
 * Prints why it failed.  0 or -1.
 */
int
ctl_edit_commit(const struct ctl *c, struct usersfile *uf)
{
	struct hashfmt_limits lim;
	struct errlist		 errs;
	int			 rc;

	ctl_limits(c, &lim);
	errlist_init(&errs);
	errno = 0;
	rc = usersfile_commit(uf, &lim, &errs);
	errlist_print(&errs, stderr);
	if (rc == -1) {
		if (errlist_count(&errs) == 0 && errno != 0)
			ctl_warnx("%s: %s", c->c_users_path, strerror(errno));
		ctl_warnx("%s: not changed", c->c_users_path);
	}
	errlist_free(&errs);
	return rc;
}

/* Sets key, after checking that the value fits the file.  0 or -1. */
int
ctl_edit_set(const struct ctl *c, struct usersfile *uf, const char *kind,
    const char *name, const char *key, const char *value)
{
	if (!usersfile_value_is_valid(key, value)) {
		ctl_warnx("%s: %s = ...: value cannot be written to %s (too "
		    "long for one line?)", name, key, c->c_users_path);
		return -1;
	}
	if (usersfile_set(uf, kind, name, key, value) == -1) {
		ctl_warnx("%s: cannot set %s in [%s:%s]", c->c_users_path, key,
		    kind, name);
		return -1;
	}
	return 0;
}

/* Opens the file for an edit of an existing [kind:name]. */
struct usersfile *
ctl_edit_open_existing(const struct ctl *c, const char *kind,
    const char *name)
{
	struct usersfile *uf;

	if ((uf = ctl_edit_open(c, 0)) == NULL)
		return NULL;
	if (!usersfile_has(uf, kind, name)) {
		ctl_warnx("no %s %s in %s", kind, name, c->c_users_path);
		usersfile_close(uf);
		return NULL;
	}
	return uf;
}
