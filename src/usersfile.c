/*
 * Editing the users file line by line, under a lock, with an atomic and
 * validated write-back (usersfile.h).
 *
 * The file is held as lines (inilines.h), each sorted by the grammar the
 * loader checks, so that what usersfile_get() returns is what the daemon
 * will read; this file knows the [kind:name] sections and their keys.
 * Lines that are not touched are written back byte for byte; the
 * write-back is atomicfile's.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "defaults.h"
#include "errlist.h"
#include "inifile.h"
#include "inilines.h"
#include "text.h"
#include "users.h"
#include "usersfile.h"

#define USERSFILE_NEW_MODE	0640	/* a file created here */
#define USERSFILE_KIND_MAX	16	/* bytes of "user", "token", ... */

struct usersfile {
	struct atomicfile	*uf_af;		/* path, lock, write-back */
	struct inilines		 uf_ls;
	int			 uf_exists;
	gid_t			 uf_new_gid;	/* a new file's group, or -1 */
	struct stat		 uf_st;		/* when it exists */
};

/* For messages that name more than errno does; the CLI is one thread. */
static char	usersfile_errbuf[512];

static const char *
usersfile_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *
usersfile_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(usersfile_errbuf, sizeof(usersfile_errbuf), fmt, ap);
	va_end(ap);
	return usersfile_errbuf;
}

static int
usersfile_is_section(const struct inilines_line *ul, const char *kind,
    const char *name)
{
	size_t	klen = strlen(kind);

	return ul->ln_kind == INIFILE_SECTION &&
	    strncmp(ul->ln_name, kind, klen) == 0 &&
	    ul->ln_name[klen] == ':' &&
	    strcmp(ul->ln_name + klen + 1, name) == 0;
}

/* The first "[kind:name]" header: 1 with *at set, or 0. */
static int
usersfile_find(const struct usersfile *uf, const char *kind, const char *name,
    size_t *at)
{
	size_t	i;

	if (kind == NULL || name == NULL)
		return 0;
	for (i = 0; i < uf->uf_ls.ls_nlines; i++)
		if (usersfile_is_section(&uf->uf_ls.ls_lines[i], kind, name)) {
			*at = i;
			return 1;
		}
	return 0;
}

/* Reads the whole file.  A missing one is empty when create is set. */
static int
usersfile_read(struct usersfile *uf, int create, const char **errstr)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	int	 fd, rc = -1, saved;

	/* O_NONBLOCK: opening a FIFO must fail below, not wait for a writer. */
	if ((fd = open(uf->uf_af->af_target, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT && create)
			rc = 0;
		else
			*errstr = strerror(errno);
		goto done;
	}
	switch (atomicfile_read(fd, AUTHZ_INI_FILE_MAX, &uf->uf_st, &buf, &len,
	    &cap)) {
	case ATOMICFILE_READ_OK:
		break;
	case ATOMICFILE_READ_TYPE:
		*errstr = "not a regular file";
		goto done;
	case ATOMICFILE_READ_SIZE:
		*errstr = usersfile_err("larger than %d bytes",
		    AUTHZ_INI_FILE_MAX);
		goto done;
	case ATOMICFILE_READ_GREW:
		*errstr = "changed while being read; try again";
		goto done;
	default:
		*errstr = strerror(errno);
		goto done;
	}
	uf->uf_exists = 1;
	/* Lines are C strings here: a NUL would silently cut one short. */
	if (memchr(buf, '\0', len) != NULL) {
		errno = EINVAL;
		*errstr = "contains a NUL byte; fix the file by hand";
		goto done;
	}
	if (inilines_split(&uf->uf_ls, buf, len) == -1) {
		errno = ENOMEM;
		*errstr = strerror(errno);
		goto done;
	}
	rc = 0;
done:
	saved = errno;
	if (fd != -1)
		close(fd);
	/* The file holds password and token hashes: leave no copy. */
	if (buf != NULL) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	errno = saved;
	return rc;
}

struct usersfile *
usersfile_open(const char *path, int create, const char **errstr)
{
	struct usersfile	*uf;
	struct errlist		 el;
	const char		*ignored;
	int			 saved;

	if (errstr == NULL)
		errstr = &ignored;
	if ((uf = calloc(1, sizeof(*uf))) == NULL) {
		*errstr = strerror(errno);
		return NULL;
	}
	uf->uf_new_gid = (gid_t)-1;
	errlist_init(&el);
	if ((uf->uf_af = atomicfile_open(path, ATOMICFILE_FOLLOW |
	    ATOMICFILE_LOCK | ATOMICFILE_FSYNC | ATOMICFILE_HIDDEN,
	    &el)) == NULL) {
		saved = errno;
		/* The message alone: the caller names path. */
		*errstr = el.el_count > 0 ? usersfile_err("%s",
		    el.el_ents[0].ee_msg) : strerror(saved);
		errlist_free(&el);
		goto fail;
	}
	if (usersfile_read(uf, create, errstr) == -1) {
		saved = errno;
		goto fail;
	}
	return uf;
fail:
	usersfile_close(uf);
	errno = saved;
	return NULL;
}

void
usersfile_close(struct usersfile *uf)
{
	if (uf == NULL)
		return;
	inilines_free(&uf->uf_ls);
	atomicfile_close(uf->uf_af);
	free(uf);
}

int
usersfile_has(const struct usersfile *uf, const char *kind, const char *name)
{
	size_t	h;

	return usersfile_find(uf, kind, name, &h);
}

const char *
usersfile_get(const struct usersfile *uf, const char *kind, const char *name,
    const char *key)
{
	size_t	h, end, i;

	if (key == NULL || !usersfile_find(uf, kind, name, &h))
		return NULL;
	end = inilines_section_end(&uf->uf_ls, h);
	for (i = h + 1; i < end; i++)
		if (inilines_is_key(&uf->uf_ls.ls_lines[i], key))
			return uf->uf_ls.ls_lines[i].ln_value;
	return NULL;
}

/* "kind:name" as a header the loader takes: user:NAME or token:NAME. */
static int
usersfile_section_is_valid(const char *kind, const char *name)
{
	size_t	klen, i;

	klen = strlen(kind);
	if (klen == 0 || klen > USERSFILE_KIND_MAX)
		return 0;
	for (i = 0; i < klen; i++)
		if (kind[i] < 'a' || kind[i] > 'z')
			return 0;
	return users_name_is_valid(name, strlen(name)) &&
	    klen + 1 + strlen(name) <= AUTHZ_INI_SECTION_MAX;
}

int
usersfile_add(struct usersfile *uf, const char *kind, const char *name)
{
	struct inilines		*ls = &uf->uf_ls;
	struct inilines_line	 blank, head;
	char			*text = NULL;
	size_t			 h;
	int			 need_blank, rc = -1, n;

	memset(&blank, 0, sizeof(blank));
	memset(&head, 0, sizeof(head));
	if (kind == NULL || name == NULL ||
	    !usersfile_section_is_valid(kind, name)) {
		errno = EINVAL;
		goto done;
	}
	if (usersfile_find(uf, kind, name, &h)) {
		errno = EEXIST;
		goto done;
	}
	need_blank = ls->ls_nlines > 0 &&
	    ls->ls_lines[ls->ls_nlines - 1].ln_kind != INIFILE_BLANK;
	if ((n = asprintf(&text, "[%s:%s]", kind, name)) == -1) {
		text = NULL;
		goto nomem;
	}
	/* Everything that can fail comes before the first change. */
	if (inilines_reserve(ls, 2) == -1 ||
	    (need_blank && inilines_line_init(&blank, "", 0, 0) == -1) ||
	    inilines_line_init(&head, text, (size_t)n, 0) == -1)
		goto nomem;
	if (need_blank)
		inilines_insert(ls, ls->ls_nlines, &blank);
	inilines_insert(ls, ls->ls_nlines, &head);
	memset(&blank, 0, sizeof(blank));
	memset(&head, 0, sizeof(head));
	rc = 0;
	goto done;
nomem:
	errno = ENOMEM;
done:
	inilines_line_free(&blank);
	inilines_line_free(&head);
	free(text);
	return rc;
}

/*
 * The text of a key line, "key = value", keeping the inline comment of
 * old (the line it replaces, or NULL).  inih starts a comment only at a
 * ';' that follows whitespace, so at least one blank goes before it;
 * more to keep the ';' in its old column, so that aligned comments stay
 * aligned.  When the comment does not fit on an inih line any more it is
 * returned in *own, to go on a line of its own above the key, rather
 * than being lost.
 */
static int
usersfile_key_text(const char *key, const char *value, const char *old,
    char **text, char **own)
{
	struct inifile_line	 il;
	const char		*comment = NULL;
	size_t			 base, ccol = 0, pad = 0, clen = 0;
	int			 rc = -1;

	*text = *own = NULL;
	if (old != NULL && inifile_classify_line(old, strlen(old), &il) ==
	    INIFILE_KEY && il.il_comment != NULL) {
		comment = il.il_comment;
		ccol = (size_t)(comment - old);
		clen = strlen(comment);
	}
	base = strlen(key) + 3 + strlen(value);
	if (*value == '\0')
		base--;		/* "key =": no trailing blank */
	if (comment != NULL) {
		pad = ccol > base ? ccol - base : 1;
		if (base + pad + clen > AUTHZ_INI_LINE_MAX)
			pad = 1;
		if (base + pad + clen > AUTHZ_INI_LINE_MAX) {
			if ((*own = strdup(comment)) == NULL)
				goto done;
			comment = NULL;
		}
	}
	if (asprintf(text, "%s =%s%s%*s%s", key, *value != '\0' ? " " : "",
	    value, comment != NULL ? (int)pad : 0, "",
	    comment != NULL ? comment : "") == -1) {
		*text = NULL;
		goto done;
	}
	rc = 0;
done:
	if (rc == -1) {
		free(*own);
		*own = NULL;
		errno = ENOMEM;
	}
	return rc;
}

/*
 * Makes a key line from text.  Not reached with a valid key and value,
 * but checked all the same: the line must read back as what was set.
 */
static int
usersfile_key_line(struct inilines_line *ul, const char *text,
    const char *value)
{
	if (inilines_line_init(ul, text, strlen(text), 0) == -1)
		return -1;
	if (ul->ln_kind != INIFILE_KEY || strcmp(ul->ln_value, value) != 0) {
		inilines_line_free(ul);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Replaces the line at i with the key line made from text. */
static int
usersfile_replace(struct usersfile *uf, size_t i, const char *text,
    const char *value)
{
	struct inilines_line	ul;

	if (strcmp(uf->uf_ls.ls_lines[i].ln_text, text) == 0)
		return 0;
	if (usersfile_key_line(&ul, text, value) == -1)
		return -1;
	inilines_line_free(&uf->uf_ls.ls_lines[i]);
	uf->uf_ls.ls_lines[i] = ul;
	uf->uf_ls.ls_changed = 1;
	return 0;
}

int
usersfile_set(struct usersfile *uf, const char *kind, const char *name,
    const char *key, const char *value)
{
	struct inilines		*ls = &uf->uf_ls;
	struct inilines_line	 ul, cl;
	char			*text = NULL, *own = NULL;
	size_t			 h, end, i, last, found;
	int			 rc = -1;

	memset(&ul, 0, sizeof(ul));
	memset(&cl, 0, sizeof(cl));
	if (key == NULL || value == NULL ||
	    !usersfile_value_is_valid(key, value)) {
		errno = EINVAL;
		goto done;
	}
	if (!usersfile_find(uf, kind, name, &h)) {
		errno = ENOENT;
		goto done;
	}
	end = inilines_section_end(ls, h);
	last = found = h;
	for (i = h + 1; i < end; i++) {
		if (ls->ls_lines[i].ln_kind != INIFILE_KEY)
			continue;
		last = i;
		if (found == h && inilines_is_key(&ls->ls_lines[i], key))
			found = i;
	}
	if (usersfile_key_text(key, value,
	    found != h ? ls->ls_lines[found].ln_text : NULL, &text, &own) == -1)
		goto done;
	if (found == h) {
		if (inilines_reserve(ls, 1) == -1 ||
		    usersfile_key_line(&ul, text, value) == -1)
			goto done;
		inilines_insert(ls, last + 1, &ul);
		memset(&ul, 0, sizeof(ul));
		rc = 0;
		goto done;
	}
	if (own != NULL && (inilines_reserve(ls, 1) == -1 ||
	    inilines_line_init(&cl, own, strlen(own), 0) == -1))
		goto done;
	if (usersfile_replace(uf, found, text, value) == -1)
		goto done;
	/* A second "key =" makes the file invalid; leave one. */
	for (i = end - 1; i > found; i--)
		if (inilines_is_key(&ls->ls_lines[i], key))
			inilines_remove(ls, i, i + 1);
	if (own != NULL) {
		inilines_insert(ls, found, &cl);
		memset(&cl, 0, sizeof(cl));
	}
	rc = 0;
done:
	inilines_line_free(&ul);
	inilines_line_free(&cl);
	free(text);
	free(own);
	return rc;
}

int
usersfile_unset(struct usersfile *uf, const char *kind, const char *name,
    const char *key)
{
	size_t	h, i;

	if (key == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (!usersfile_find(uf, kind, name, &h)) {
		errno = ENOENT;
		return -1;
	}
	for (i = inilines_section_end(&uf->uf_ls, h) - 1; i > h; i--)
		if (inilines_is_key(&uf->uf_ls.ls_lines[i], key))
			inilines_remove(&uf->uf_ls, i, i + 1);
	return 0;
}

/*
 * What a section owns, for usersfile_del().  A run of comment lines
 * directly above a header (no blank line between) describes that
 * section, so it goes with the section, and the run above the next
 * header stays.  A run that opens the file is the file's own and stays.
 * Everything else from the header to the next section goes: keys, and
 * comment and blank lines between and after them (at the end of the
 * file, all of them, and the blank lines that separated it).  What stays
 * after the seam is a comment or a header, so no blank line is doubled.
 */
int
usersfile_del(struct usersfile *uf, const char *kind, const char *name)
{
	struct inilines		*ls = &uf->uf_ls;
	size_t			 h, start, end, last, keep, i;

	if (!usersfile_find(uf, kind, name, &h)) {
		errno = ENOENT;
		return -1;
	}
	start = h;
	while (start > 0 && ls->ls_lines[start - 1].ln_kind == INIFILE_COMMENT)
		start--;
	if (start == 0)
		start = h;
	end = inilines_section_end(ls, h);
	last = h;
	for (i = h + 1; i < end; i++)
		if (ls->ls_lines[i].ln_kind != INIFILE_BLANK &&
		    ls->ls_lines[i].ln_kind != INIFILE_COMMENT)
			last = i;
	keep = end;
	if (end < ls->ls_nlines)
		while (keep > last + 1 &&
		    ls->ls_lines[keep - 1].ln_kind == INIFILE_COMMENT)
			keep--;
	inilines_remove(ls, start, keep);
	if (start == ls->ls_nlines)
		while (ls->ls_nlines > 0 &&
		    ls->ls_lines[ls->ls_nlines - 1].ln_kind == INIFILE_BLANK)
			inilines_remove(ls, ls->ls_nlines - 1, ls->ls_nlines);
	return 0;
}

char **
usersfile_names(const struct usersfile *uf, const char *kind, size_t *n)
{
	const struct inilines	 *ls = &uf->uf_ls;
	char			**names = NULL;
	size_t			  i, count = 0, klen;
	int			  ok = 0;

	*n = 0;
	if (kind == NULL) {
		errno = EINVAL;
		return NULL;
	}
	klen = strlen(kind);
	for (i = 0; i < ls->ls_nlines; i++)
		if (ls->ls_lines[i].ln_kind == INIFILE_SECTION &&
		    strncmp(ls->ls_lines[i].ln_name, kind, klen) == 0 &&
		    ls->ls_lines[i].ln_name[klen] == ':')
			count++;
	if ((names = calloc(count + 1, sizeof(*names))) == NULL)
		goto done;
	for (i = 0, count = 0; i < ls->ls_nlines; i++) {
		if (ls->ls_lines[i].ln_kind != INIFILE_SECTION ||
		    strncmp(ls->ls_lines[i].ln_name, kind, klen) != 0 ||
		    ls->ls_lines[i].ln_name[klen] != ':')
			continue;
		if ((names[count] = strdup(ls->ls_lines[i].ln_name + klen +
		    1)) == NULL)
			goto done;
		count++;
	}
	ok = 1;
done:
	if (!ok && names != NULL) {
		for (i = 0; i < count; i++)
			free(names[i]);
		free(names);
		names = NULL;
		errno = ENOMEM;
	}
	if (ok)
		*n = count;
	return names;
}

void
usersfile_set_new_group(struct usersfile *uf, gid_t gid)
{
	uf->uf_new_gid = gid;
}

/* What usersfile_validate() checks against. */
struct usersfile_check {
	const struct usersfile		*uc_uf;
	const struct hashfmt_limits	*uc_lim;
};

/*
 * atomicfile_write's aw_check: loads tmp as the daemon would.  0, or -1
 * with its errors in errs.
 */
static int
usersfile_validate(void *arg, const char *tmp, struct errlist *errs)
{
	const struct usersfile_check	*uc = arg;
	const struct usersfile		*uf = uc->uc_uf;
	struct errlist			 el;
	const struct errlist_entry	*e;
	struct users			*u;
	size_t				 i;
	int				 rc = -1;

	errlist_init(&el);
	if ((u = users_load(tmp, uc->uc_lim, &el)) != NULL) {
		users_free(u);
		rc = 0;
		goto done;
	}
	/* The loader names the temporary file: name path instead. */
	for (i = 0; i < el.el_count; i++) {
		e = &el.el_ents[i];
		if (strcmp(e->ee_file, tmp) == 0)
			errlist_add(errs, uf->uf_af->af_path, e->ee_line, "%s",
			    e->ee_msg);
		else
			errlist_add(errs, uf->uf_af->af_path, 0, "%s", e->ee_text);
	}
	if (el.el_nomem)
		errs->el_nomem = 1;
	errlist_add(errs, uf->uf_af->af_path, 0, "nothing written: fcgi-authzd would "
	    "refuse the result");
done:
	errlist_free(&el);
	return rc;
}

int
usersfile_commit(struct usersfile *uf, const struct hashfmt_limits *lim,
    struct errlist *errs)
{
	struct hashfmt_limits	 deflim;
	struct inilines		*ls = &uf->uf_ls;
	struct usersfile_check	 uc;
	struct atomicfile_write	 aw;
	struct stat		 now;
	char			*buf = NULL;
	size_t			 len;
	int			 rc = -1;

	if (!ls->ls_changed)
		return 0;
	uc.uc_uf = uf;
	hashfmt_limits_default(&deflim);
	uc.uc_lim = lim != NULL ? lim : &deflim;
	if (!atomicfile_is_untouched(uf->uf_af, uf->uf_exists ? &uf->uf_st :
	    NULL, &now, errs))
		goto done;
	if (inilines_render(ls, &buf, &len) == -1) {
		errlist_add(errs, uf->uf_af->af_path, 0, "out of memory");
		goto done;
	}
	memset(&aw, 0, sizeof(aw));
	aw.aw_buf = buf;
	aw.aw_len = len;
	aw.aw_keep = uf->uf_exists ? &now : NULL;
	aw.aw_mode = USERSFILE_NEW_MODE;
	aw.aw_gid = uf->uf_new_gid;
	aw.aw_check = usersfile_validate;
	aw.aw_arg = &uc;
	rc = atomicfile_replace(uf->uf_af, &aw, errs);
	if (aw.aw_renamed) {
		/* What is in memory is now the file. */
		inilines_saved(ls);
		uf->uf_exists = 1;
		uf->uf_st = aw.aw_written;
	}
done:
	free(buf);
	return rc;
}

/*
 * Each refusal is a way inih (or inifile.c's checks for inih) would read
 * the line differently from "key = value": the line is made as
 * usersfile_set() makes it and must read back as key and value, without
 * a problem (inifile_classify_line()).  Keys are further limited to
 * ASCII letters, digits, '_', '-' and '.', the names users.c knows.
 */
int
usersfile_value_is_valid(const char *key, const char *value)
{
	struct inifile_line	il;
	char			line[AUTHZ_INI_LINE_MAX + 1];
	size_t			klen, vlen;
	int			n;

	if (key == NULL || value == NULL)
		return 0;
	klen = strlen(key);
	vlen = strlen(value);
	if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") != klen)
		return 0;
	if (klen + 3 + vlen > AUTHZ_INI_LINE_MAX)
		return 0;
	if (!text_is_clean_utf8(value, vlen))
		return 0;
	n = snprintf(line, sizeof(line), "%s = %s", key, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return 0;
	return inifile_classify_line(line, (size_t)n, &il) == INIFILE_KEY &&
	    il.il_problems == 0 && il.il_namelen == klen &&
	    memcmp(il.il_name, key, klen) == 0 && il.il_valuelen == vlen &&
	    memcmp(il.il_value, value, vlen) == 0;
}
