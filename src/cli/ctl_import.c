/*
 * "user import": users and passwords from standard input, one
 * "name:password" (or "name:roles:password" with --with-roles) a line;
 * with --htpasswd, users and their hashes as they are (ctl_htimport.c).
 * Every line is read and checked, then every password hashed on every
 * core (ctl_hashall.c), before the file is opened, and
 * one bad line imports nothing.  The lines hold passwords: they stay in
 * locked buffers, are wiped, and no message quotes them.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "defaults.h"
#include "text.h"
#include "users.h"
#include "usersfile.h"

/* One user to import. */
struct ctl_import_user {
	char	 im_name[AUTHZ_USER_MAX + 1];
	char	 im_hash[crypto_pwhash_STRBYTES];
	char	*im_roles;	/* "a, b"; "" none; NULL: leave as is */
	int	 im_line;
	size_t	 im_pw_off;	/* the password, in ctl_import_pws */
	size_t	 im_pw_len;
};

/*
 * The passwords of every line, end to end, until all are hashed: in
 * guarded memory, locked when the limit allows (sodium_malloc), wiped
 * when it grows and when it is freed.
 */
struct ctl_import_pws {
	char	*pw_buf;
	size_t	 pw_len;
	size_t	 pw_cap;
};

#define CTL_IMPORT_PWS_FIRST	65536	/* bytes */

/* Appends a password; *off is where it starts.  0 or -1 (no memory). */
static int
ctl_import_pws_add(struct ctl_import_pws *pws, const char *pw, size_t len,
    size_t *off)
{
	char	*nb;
	size_t	 cap;

	if (pws->pw_cap - pws->pw_len < len) {
		cap = pws->pw_cap ? pws->pw_cap * 2 : CTL_IMPORT_PWS_FIRST;
		while (cap - pws->pw_len < len)
			cap *= 2;
		/* Not realloc(): it would leave a copy behind unwiped. */
		if ((nb = sodium_malloc(cap)) == NULL)
			return -1;
		if (pws->pw_len > 0)
			memcpy(nb, pws->pw_buf, pws->pw_len);
		sodium_free(pws->pw_buf);	/* wipes */
		pws->pw_buf = nb;
		pws->pw_cap = cap;
	}
	memcpy(pws->pw_buf + pws->pw_len, pw, len);
	*off = pws->pw_len;
	pws->pw_len += len;
	return 0;
}

static void
ctl_import_pws_free(struct ctl_import_pws *pws)
{
	sodium_free(pws->pw_buf);	/* wipes */
	memset(pws, 0, sizeof(*pws));
}

/* ---- checking ----------------------------------------------------- */

/*
 * The roles field of line lineno into im->im_roles, as the users file
 * writes them, without duplicates ("a, a" would load, but why keep it).
 * 0 or -1 (printed).
 */
static int
ctl_import_roles(const char *field, int lineno,
    struct ctl_import_user *im)
{
	struct ctl_names	 items = { NULL, 0 }, roles = { NULL, 0 };
	const char		*r;
	size_t			 i;
	int			 rc = -1;

	if (ctl_names_parse(&items, field) == -1) {
		ctl_warnx("stdin:%d: roles: expected a comma-separated "
		    "list without empty items", lineno);
		goto done;
	}
	for (i = 0; i < items.nm_n; i++) {
		r = items.nm_v[i];
		if (!users_name_is_valid(r, strlen(r))) {
			ctl_warnx("stdin:%d: roles: not a valid role name",
			    lineno);
			goto done;
		}
	}
	for (i = 0; i < items.nm_n; i++)
		if (ctl_names_add(&roles, items.nm_v[i]) == -1)
			break;
	if (i < items.nm_n ||
	    (im->im_roles = ctl_names_join(&roles, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (roles.nm_n > 0 &&
	    !usersfile_value_is_valid("roles", im->im_roles)) {
		ctl_warnx("stdin:%d: roles: too long for one line of the "
		    "users file", lineno);
		goto done;
	}
	rc = 0;
done:
	ctl_names_free(&items);
	ctl_names_free(&roles);
	return rc;
}

/*
 * The password field of line lineno (from p to the end of the line)
 * into pw, checked as the daemon will see it.  0 or -1 (printed).
 */
static int
ctl_import_password(const struct ctl_secret *line, const char *p,
    int lineno, struct ctl_secret *pw)
{
	pw->sc_len = line->sc_len - (size_t)(p - line->sc_buf);
	if (pw->sc_len > AUTHZ_PASSWORD_MAX) {
		ctl_warnx("stdin:%d: the password is longer than %d bytes",
		    lineno, AUTHZ_PASSWORD_MAX);
		return -1;
	}
	memcpy(pw->sc_buf, p, pw->sc_len);
	if (pw->sc_len == 0) {
		ctl_warnx("stdin:%d: the password is empty", lineno);
		return -1;
	}
	if (memchr(pw->sc_buf, '\0', pw->sc_len) != NULL ||
	    !text_is_clean_utf8(pw->sc_buf, pw->sc_len)) {
		ctl_warnx("stdin:%d: the password holds a NUL, control "
		    "characters or invalid UTF-8", lineno);
		return -1;
	}
	return 0;
}

/*
 * Checks one line, and keeps its password in pws for the hashing, which
 * waits until every line is read and checked.  Lines are
 * "name:password", or "name:roles:password" with --with-roles: names
 * and roles cannot hold ':', so the name ends at the first ':' and the
 * roles at the second, and the password is everything after, ':'
 * included.  Messages never quote the line: it holds a password.
 * 0 or -1 (printed).
 */
static int
ctl_import_line(struct ctl_secret *line, int lineno, int with_roles,
    struct ctl_import_pws *pws, struct ctl_import_user *im)
{
	struct ctl_secret	 pw;
	char			*p = line->sc_buf, *colon;
	int			 rc = -1;

	ctl_secret_init(&pw);
	im->im_line = lineno;
	if ((colon = memchr(p, ':', line->sc_len)) == NULL) {
		ctl_warnx("stdin:%d: expected %s", lineno, with_roles ?
		    "name:roles:password" : "name:password");
		goto done;
	}
	if (!users_name_is_valid(p, (size_t)(colon - p))) {
		ctl_warnx("stdin:%d: not a valid user name", lineno);
		goto done;
	}
	memcpy(im->im_name, p, (size_t)(colon - p));
	im->im_name[colon - p] = '\0';
	p = colon + 1;
	if (with_roles) {
		if ((colon = strchr(p, ':')) == NULL) {
			ctl_warnx("stdin:%d: expected name:roles:password",
			    lineno);
			goto done;
		}
		*colon = '\0';
		if (ctl_import_roles(p, lineno, im) == -1)
			goto done;
		p = colon + 1;
	}
	if (ctl_import_password(line, p, lineno, &pw) == -1)
		goto done;
	if (ctl_import_pws_add(pws, pw.sc_buf, pw.sc_len,
	    &im->im_pw_off) == -1) {
		ctl_nomem();
		goto done;
	}
	im->im_pw_len = pw.sc_len;
	rc = 0;
done:
	ctl_secret_wipe(&pw);
	return rc;
}

/* Returns 1, after saying so, if v[n] names the user of an earlier
 * line: which of the two passwords was meant? */
static int
ctl_import_is_repeated(const struct ctl_import_user *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].im_name, v[n].im_name) == 0) {
			ctl_warnx("stdin:%d: user %s again (first on line %d)",
			    v[n].im_line, v[n].im_name, v[i].im_line);
			return 1;
		}
	return 0;
}

static void
ctl_import_free(struct ctl_import_user *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].im_roles);
	if (v != NULL)
		sodium_memzero(v, n * sizeof(*v));
	free(v);
}

/*
 * Reads and checks every line, the passwords into pws.  0 or -1 (all
 * printed).
 */
static int
ctl_import_read(int with_roles, struct ctl_import_pws *pws,
    struct ctl_import_user **out, size_t *nout)
{
	struct ctl_lines	*ln;
	struct ctl_secret	 line;
	struct ctl_import_user	*v = NULL, *nv;
	size_t			 n = 0, cap = 0;
	int			 lineno = 0, bad = 0, r;

	if ((ln = ctl_lines_open("-")) == NULL)
		return -1;
	ctl_secret_init(&line);
	while ((r = ctl_lines_next(ln, line.sc_buf, CTL_IMPORT_LINE_MAX,
	    &line.sc_len)) == 0) {
		lineno++;
		if (line.sc_len == 0 || line.sc_buf[0] == '#')
			continue;
		if (line.sc_len > CTL_IMPORT_LINE_MAX) {
			ctl_warnx("stdin:%d: line too long", lineno);
			bad = 1;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				ctl_nomem();
				bad = 1;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (ctl_import_line(&line, lineno, with_roles, pws,
		    &v[n]) == -1 || ctl_import_is_repeated(v, n)) {
			free(v[n].im_roles);
			bad = 1;
			continue;
		}
		n++;
	}
	if (r == -1) {
		ctl_warnx("standard input: %s", strerror(errno));
		bad = 1;
	}
	ctl_secret_wipe(&line);
	ctl_lines_close(ln);
	if (bad) {
		ctl_import_free(v, n);
		ctl_warnx("nothing imported");
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

/*
 * Hashes every password, on every core (ctl_hashall.c).  0 or -1
 * (printed).
 */
static int
ctl_import_hash(const struct ctl *c, struct ctl_import_user *v, size_t n,
    const struct ctl_import_pws *pws)
{
	struct ctl_hashall_item	*items;
	size_t			 i, failed;
	int			 rc = -1;

	if ((items = calloc(n, sizeof(*items))) == NULL) {
		ctl_nomem();
		return -1;
	}
	for (i = 0; i < n; i++) {
		items[i].ha_pw = pws->pw_buf + v[i].im_pw_off;
		items[i].ha_len = v[i].im_pw_len;
		items[i].ha_out = v[i].im_hash;
	}
	if (ctl_hashall(c, items, n, &failed) == 0)
		rc = 0;
	else if (failed < n)
		ctl_hash_warn_failed(c, "stdin", v[failed].im_line);
	else
		ctl_warnx("cannot start a thread to hash the passwords");
	free(items);
	return rc;
}

/* ---- writing ------------------------------------------------------ */

/* Adds or updates every user in the open file.  0 or -1 (printed). */
static int
ctl_import_write(const struct ctl *c, struct usersfile *uf,
    const struct ctl_import_user *v, size_t n)
{
	const struct ctl_import_user	*im;
	size_t				 i;
	int				 r;

	for (i = 0; i < n; i++) {
		im = &v[i];
		r = 0;
		if (!usersfile_has(uf, "user", im->im_name))
			r = usersfile_add(uf, "user", im->im_name);
		if (r == -1 || ctl_edit_set(c, uf, "user", im->im_name,
		    "password", im->im_hash) == -1) {
			ctl_warnx("stdin:%d: cannot write user %s",
			    im->im_line, im->im_name);
			return -1;
		}
		if (im->im_roles == NULL)
			continue;
		if (im->im_roles[0] == '\0')
			r = usersfile_unset(uf, "user", im->im_name, "roles");
		else
			r = ctl_edit_set(c, uf, "user", im->im_name, "roles",
			    im->im_roles);
		if (r == -1) {
			ctl_warnx("stdin:%d: cannot write the roles of %s",
			    im->im_line, im->im_name);
			return -1;
		}
	}
	return 0;
}

/*
 * The options: --with-roles, or --htpasswd FILE [--htgroup FILE] (one
 * of them may be "-": standard input).  Exits on a usage error.
 */
static void
ctl_import_args(int argc, char **argv, int *with_roles,
    const char **htpasswd, const char **htgroup)
{
	static const struct ctl_opt opts[] = {
		{ "with-roles", 0, CTL_O_WITH_ROLES },
		{ "htpasswd", 1, CTL_O_HTPASSWD },
		{ "htgroup", 1, CTL_O_HTGROUP }, { NULL, 0, 0 }
	};
	struct ctl_args	 a;
	const char	*v;
	int		 id;

	*with_roles = 0;
	*htpasswd = *htgroup = NULL;
	ctl_args_init(&a, argc, argv, "user import");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_ARG_POS)
			ctl_usage_error("user import: no arguments (the users "
			    "come on standard input or from --htpasswd)");
		if (id == CTL_O_WITH_ROLES)
			*with_roles = 1;
		else if (id == CTL_O_HTPASSWD)
			*htpasswd = v;
		else
			*htgroup = v;
	}
	if (*htgroup != NULL && *htpasswd == NULL)
		ctl_usage_error("user import: --htgroup needs --htpasswd");
	if (*with_roles && *htpasswd != NULL)
		ctl_usage_error("user import: --with-roles and --htpasswd "
		    "exclude each other (roles come from --htgroup)");
	if (*htpasswd != NULL && *htgroup != NULL &&
	    strcmp(*htpasswd, "-") == 0 && strcmp(*htgroup, "-") == 0)
		ctl_usage_error("user import: --htpasswd and --htgroup cannot "
		    "both be standard input (-)");
}

int
ctl_import_users(struct ctl *c, int argc, char **argv)
{
	struct ctl_import_user	*v = NULL;
	struct ctl_import_pws	 pws = { NULL, 0, 0 };
	struct usersfile	*uf = NULL;
	const char		*htpasswd, *htgroup;
	size_t			 n = 0;
	int			 with_roles, r, rc = CTL_NO;

	ctl_import_args(argc, argv, &with_roles, &htpasswd, &htgroup);
	if (htpasswd != NULL) {
		if (strcmp(htpasswd, "-") == 0 ||
		    (htgroup != NULL && strcmp(htgroup, "-") == 0))
			ctl_secret_need_pipe("user import", "lines");
		return ctl_htimport(c, htpasswd, htgroup);
	}
	if (isatty(STDIN_FILENO))
		ctl_usage_error("user import: standard input is a terminal; "
		    "the passwords would show: give the lines through a "
		    "file or a pipe");
	if (ctl_setup(c, 0) == -1 ||
	    ctl_import_read(with_roles, &pws, &v, &n) == -1)
		goto done;
	if (n == 0) {
		rc = CTL_OK;
		goto done;
	}
	/* Every password hashed, then wiped, before the file is opened. */
	r = ctl_import_hash(c, v, n, &pws);
	ctl_import_pws_free(&pws);
	if (r == -1) {
		ctl_warnx("nothing imported");
		goto done;
	}
	if ((uf = ctl_edit_open(c, 1)) == NULL ||
	    ctl_import_write(c, uf, v, n) == -1)
		goto done;
	if (ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_import_pws_free(&pws);
	ctl_import_free(v, n);
	return rc;
}
