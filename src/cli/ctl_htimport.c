/*
 * "user import --htpasswd FILE [--htgroup FILE]": users and their hashes
 * from Apache's htpasswd(1) files (or name:hash extracts of shadow(5)),
 * and their roles from an htgroup file (mod_authz_groupfile's
 * "group: user user ..." lines).  Hashes are copied as they are, after
 * the checks the daemon makes at load (ctl_hash_check_stored), so that a
 * file the daemon refuses is never written; users keep their passwords
 * and move to argon2id when they get a new one (fcgi-authz(1), "Upgrading
 * hashes").  Every line is checked before the users file is written, and
 * one bad line imports nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "defaults.h"
#include "users.h"
#include "usersfile.h"

/*
 * The longest line read.  An htpasswd line is short, but an htgroup
 * line lists every member of a group, and mod_authz_groupfile reads it
 * whole however long it is.
 */
#define CTL_HT_LINE_MAX		65536

/* A user of either file. */
struct ctl_ht_user {
	char			 hu_name[AUTHZ_USER_MAX + 1];
	char			 hu_hash[crypto_pwhash_STRBYTES];
	int			 hu_line;	/* in the htpasswd file; 0:
						   named by htgroup only */
	int			 hu_group_line;	/* first htgroup line naming
						   it */
	struct ctl_names	 hu_roles;	/* its groups */
};

/* What both files give. */
struct ctl_ht {
	struct ctl_ht_user	*ht_v;
	size_t			 ht_n;
	size_t			 ht_cap;
	const char		*ht_pwname;	/* "stdin" or the path */
	const char		*ht_grname;
	char			*ht_buf;	/* a line, sodium_malloc'd */
};

/* ---- the users ---------------------------------------------------- */

static struct ctl_ht_user *
ctl_ht_find(const struct ctl_ht *ht, const char *name)
{
	size_t i;

	for (i = 0; i < ht->ht_n; i++)
		if (strcmp(ht->ht_v[i].hu_name, name) == 0)
			return &ht->ht_v[i];
	return NULL;
}

/* A new, zeroed user named name (valid), or NULL (printed). */
static struct ctl_ht_user *
ctl_ht_append(struct ctl_ht *ht, const char *name, size_t len)
{
	struct ctl_ht_user	*nv, *hu;

	if (ht->ht_n == ht->ht_cap) {
		ht->ht_cap = ht->ht_cap ? ht->ht_cap * 2 : 64;
		if ((nv = reallocarray(ht->ht_v, ht->ht_cap,
		    sizeof(*nv))) == NULL) {
			ctl_nomem();
			return NULL;
		}
		ht->ht_v = nv;
	}
	hu = &ht->ht_v[ht->ht_n++];
	memset(hu, 0, sizeof(*hu));
	memcpy(hu->hu_name, name, len);
	hu->hu_name[len] = '\0';
	return hu;
}

static void
ctl_ht_free(struct ctl_ht *ht)
{
	size_t i;

	for (i = 0; i < ht->ht_n; i++)
		ctl_names_free(&ht->ht_v[i].hu_roles);
	if (ht->ht_v != NULL)
		sodium_memzero(ht->ht_v, ht->ht_cap * sizeof(*ht->ht_v));
	free(ht->ht_v);
	sodium_free(ht->ht_buf);	/* wipes */
	memset(ht, 0, sizeof(*ht));
}

/* ---- reading ------------------------------------------------------ */

/*
 * Calls fn on every line of path that is neither blank nor a comment
 * ("#" first), with the name messages use for the file.  Returns 0, or
 * -1 if any line was refused or the file could not be read (all
 * printed).
 */
static int
ctl_ht_read(const struct ctl *c, struct ctl_ht *ht, const char *path,
    const char **name, int (*fn)(const struct ctl *, struct ctl_ht *,
    char *, size_t, int))
{
	struct ctl_lines	*ln;
	size_t			 len;
	int			 lineno = 0, bad = 0, r;

	if ((ln = ctl_lines_open(path)) == NULL)
		return -1;
	*name = ctl_lines_name(ln);
	while ((r = ctl_lines_next(ln, ht->ht_buf, CTL_HT_LINE_MAX,
	    &len)) == 0) {
		lineno++;
		if (len == 0 || ht->ht_buf[0] == '#')
			continue;
		if (len > CTL_HT_LINE_MAX) {
			ctl_warnx("%s:%d: line too long", *name, lineno);
			bad = 1;
		} else if (memchr(ht->ht_buf, '\0', len) != NULL) {
			ctl_warnx("%s:%d: a NUL byte", *name, lineno);
			bad = 1;
		} else if (fn(c, ht, ht->ht_buf, len, lineno) == -1)
			bad = 1;
	}
	if (r == -1) {
		ctl_warnx("%s: %s", *name, strerror(errno));
		bad = 1;
	}
	ctl_lines_close(ln);
	return bad ? -1 : 0;
}

/*
 * One htpasswd line: "name:hash", and in a shadow(5) extract more
 * fields after the hash, which are ignored.  No hash holds a ':'.
 * Messages never quote the hash.  0 or -1 (printed).
 */
static int
ctl_ht_passwd_line(const struct ctl *c, struct ctl_ht *ht, char *line,
    size_t len, int lineno)
{
	struct ctl_ht_user	*hu;
	char			*colon, *hash, msg[512];

	if ((colon = memchr(line, ':', len)) == NULL) {
		ctl_warnx("%s:%d: expected name:hash", ht->ht_pwname, lineno);
		return -1;
	}
	if (!users_name_is_valid(line, (size_t)(colon - line))) {
		ctl_warnx("%s:%d: not a valid user name", ht->ht_pwname,
		    lineno);
		return -1;
	}
	*colon = '\0';
	hash = colon + 1;
	if ((colon = strchr(hash, ':')) != NULL)
		*colon = '\0';
	if (ctl_hash_check_stored(c, hash, msg, sizeof(msg)) == -1) {
		ctl_warnx("%s:%d: user %s: %s", ht->ht_pwname, lineno, line,
		    msg);
		return -1;
	}
	if ((hu = ctl_ht_find(ht, line)) != NULL) {
		ctl_warnx("%s:%d: user %s again (first on line %d)",
		    ht->ht_pwname, lineno, line, hu->hu_line);
		return -1;
	}
	if ((hu = ctl_ht_append(ht, line, strlen(line))) == NULL)
		return -1;
	memcpy(hu->hu_hash, hash, strlen(hash) + 1);
	hu->hu_line = lineno;
	return 0;
}

/*
 * A member of a group: the user gets the group as a role.  One not in
 * the htpasswd file must be in the users file (looked at once it is
 * open).  0 or -1 (printed).
 */
static int
ctl_ht_member(struct ctl_ht *ht, const char *name, size_t len,
    const char *group, int lineno)
{
	struct ctl_ht_user	*hu;
	char			 nm[64], q[256];

	if (!users_name_is_valid(name, len)) {
		/* Enough of it to find it; the line is not a secret. */
		if (len > sizeof(nm) - 1)
			len = sizeof(nm) - 1;
		memcpy(nm, name, len);
		nm[len] = '\0';
		ctl_warnx("%s:%d: \"%s\" is not a valid user name",
		    ht->ht_grname, lineno, ctl_quote(nm, q, sizeof(q)));
		return -1;
	}
	memcpy(nm, name, len);
	nm[len] = '\0';
	if ((hu = ctl_ht_find(ht, nm)) == NULL) {
		if ((hu = ctl_ht_append(ht, nm, len)) == NULL)
			return -1;
	}
	if (hu->hu_group_line == 0)
		hu->hu_group_line = lineno;
	if (ctl_names_add(&hu->hu_roles, group) == -1) {
		ctl_nomem();
		return -1;
	}
	return 0;
}

/*
 * One htgroup line: "group: user user ...", members separated by blanks
 * (mod_authz_groupfile).  The group is a role, and named as roles are.
 * A group on several lines has all their members.  0 or -1 (printed).
 */
static int
ctl_ht_group_line(const struct ctl *c, struct ctl_ht *ht, char *line,
    size_t len, int lineno)
{
	char	*colon, *p, q[256];
	size_t	 n;
	int	 rc = 0;

	(void)c;
	if ((colon = memchr(line, ':', len)) == NULL) {
		ctl_warnx("%s:%d: expected group: user user ...",
		    ht->ht_grname, lineno);
		return -1;
	}
	*colon = '\0';
	if (!users_name_is_valid(line, strlen(line))) {
		ctl_warnx("%s:%d: group \"%s\" is not a valid role name",
		    ht->ht_grname, lineno, ctl_quote(line, q, sizeof(q)));
		return -1;
	}
	for (p = colon + 1; *p != '\0'; p += n) {
		p += strspn(p, " \t");
		if ((n = strcspn(p, " \t")) == 0)
			break;
		if (ctl_ht_member(ht, p, n, line, lineno) == -1)
			rc = -1;
	}
	return rc;
}

/* ---- writing ------------------------------------------------------ */

/*
 * Users the htgroup file names but the htpasswd file does not must be
 * in the users file already.  0 or -1 (each printed).
 */
static int
ctl_ht_check_known(const struct ctl *c, const struct ctl_ht *ht,
    const struct usersfile *uf)
{
	const struct ctl_ht_user	*hu;
	size_t				 i;
	int				 rc = 0;

	for (i = 0; i < ht->ht_n; i++) {
		hu = &ht->ht_v[i];
		if (hu->hu_line != 0 || usersfile_has(uf, "user", hu->hu_name))
			continue;
		ctl_warnx("%s:%d: user %s is in neither %s nor %s",
		    ht->ht_grname, hu->hu_group_line, hu->hu_name,
		    ht->ht_pwname, c->c_users_path);
		rc = -1;
	}
	return rc;
}

/* Adds the user's groups to the roles it has (none for a new user). */
static int
ctl_ht_write_roles(const struct ctl *c, struct usersfile *uf,
    const struct ctl_ht_user *hu)
{
	struct ctl_names	 have = { NULL, 0 };
	char			*joined = NULL;
	size_t			 i;
	int			 rc = -1;

	if (ctl_names_parse(&have, usersfile_get(uf, "user", hu->hu_name,
	    "roles")) == -1) {
		ctl_warnx("%s: [user:%s] roles: not a list", c->c_users_path,
		    hu->hu_name);
		goto done;
	}
	for (i = 0; i < hu->hu_roles.nm_n; i++)
		if (ctl_names_add(&have, hu->hu_roles.nm_v[i]) == -1) {
			ctl_nomem();
			goto done;
		}
	if ((joined = ctl_names_join(&have, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	rc = ctl_edit_set(c, uf, "user", hu->hu_name, "roles", joined);
done:
	free(joined);
	ctl_names_free(&have);
	return rc;
}

/* Adds or updates every user in the open file.  0 or -1 (printed). */
static int
ctl_ht_write(const struct ctl *c, struct usersfile *uf,
    const struct ctl_ht *ht)
{
	const struct ctl_ht_user	*hu;
	size_t				 i;

	for (i = 0; i < ht->ht_n; i++) {
		hu = &ht->ht_v[i];
		if (hu->hu_line != 0 &&
		    ((!usersfile_has(uf, "user", hu->hu_name) &&
		    usersfile_add(uf, "user", hu->hu_name) == -1) ||
		    ctl_edit_set(c, uf, "user", hu->hu_name, "password",
		    hu->hu_hash) == -1)) {
			ctl_warnx("%s:%d: cannot write user %s", ht->ht_pwname,
			    hu->hu_line, hu->hu_name);
			return -1;
		}
		if (hu->hu_roles.nm_n > 0 &&
		    ctl_ht_write_roles(c, uf, hu) == -1) {
			ctl_warnx("%s:%d: cannot write the roles of %s",
			    ht->ht_grname, hu->hu_group_line, hu->hu_name);
			return -1;
		}
	}
	return 0;
}

int
ctl_htimport(struct ctl *c, const char *htpasswd, const char *htgroup)
{
	struct ctl_ht		 ht;
	struct usersfile	*uf = NULL;
	int			 rc = CTL_NO, bad;

	memset(&ht, 0, sizeof(ht));
	ht.ht_pwname = htpasswd;
	ht.ht_grname = htgroup;
	if (ctl_setup(c, 0) == -1)
		goto done;
	if ((ht.ht_buf = sodium_malloc(CTL_HT_LINE_MAX + 2)) == NULL) {
		ctl_nomem();
		goto done;
	}
	bad = ctl_ht_read(c, &ht, htpasswd, &ht.ht_pwname,
	    ctl_ht_passwd_line) == -1;
	/* Read it even so: every bad line is said in one run. */
	if (htgroup != NULL && ctl_ht_read(c, &ht, htgroup, &ht.ht_grname,
	    ctl_ht_group_line) == -1)
		bad = 1;
	if (bad)
		goto nothing;
	if (ht.ht_n == 0) {
		rc = CTL_OK;
		goto done;
	}
	if ((uf = ctl_edit_open(c, 1)) == NULL)
		goto done;
	if (ctl_ht_check_known(c, &ht, uf) == -1)
		goto nothing;
	if (ctl_ht_write(c, uf, &ht) == 0 && ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
	goto done;
nothing:
	ctl_warnx("nothing imported");
done:
	usersfile_close(uf);
	ctl_ht_free(&ht);
	return rc;
}
