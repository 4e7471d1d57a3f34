/*
 * Editing the users file line by line, under a lock, with an atomic and
 * validated write-back (usersfile.h).
 *
 * The file is held as an array of lines without their line ends.  Each
 * line is sorted once, when it is made, with the same grammar inifile.c
 * checks (a '[' first opens a section, ';' or '#' first is a comment,
 * otherwise "key = value" with an inline " ;" comment), so that what
 * usersfile_get() returns is what the daemon will read.  Lines that are
 * not touched are written back byte for byte.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "errlist.h"
#include "text.h"
#include "users.h"
#include "usersfile.h"

#define USERSFILE_BOM		"\xef\xbb\xbf"
#define USERSFILE_NEW_MODE	0640	/* a file created here */
#define USERSFILE_KIND_MAX	16	/* bytes of "user", "token", ... */

enum usersfile_kind {
	UFL_BLANK,		/* empty, or only spaces and TABs */
	UFL_COMMENT,		/* ';' or '#' first */
	UFL_SECTION,
	UFL_KEY,
	UFL_OTHER		/* none of those: the loader refuses it */
};

struct usersfile_line {
	char			*ul_text;	/* without CR LF or LF */
	enum usersfile_kind	 ul_kind;
	char			*ul_name;	/* "kind:name", or the key */
	char			*ul_value;	/* a key's, as inih gives it */
	int			 ul_orig;	/* as read from the file */
};

struct usersfile {
	char			*uf_path;	/* as the caller named it */
	char			*uf_target;	/* symlink resolved */
	char			*uf_dir;
	char			*uf_base;
	int			 uf_lockfd;
	struct usersfile_line	*uf_lines;
	size_t			 uf_nlines;
	size_t			 uf_cap;
	int			 uf_exists;
	gid_t			 uf_new_gid;	/* a new file's group, or -1 */
	struct stat		 uf_st;		/* when it exists */
	int			 uf_bom;	/* started with a UTF-8 BOM */
	int			 uf_crlf;	/* every line ended in CR LF */
	int			 uf_final_nl;	/* the last line had an end */
	int			 uf_changed;
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

/* inih trims with isspace(); the loader refuses the other control bytes. */
static int
usersfile_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Splits the text after a key's '=' as inih does (inifile_value()): the
 * value runs up to the first ';' that follows whitespace, trimmed.
 * Returns the offset of that ';', or len when there is no comment.
 */
static size_t
usersfile_value_span(const char *v, size_t len, size_t *start, size_t *end)
{
	size_t	i, s;
	int	was_blank = 0;

	for (i = 0; i < len; i++) {
		if (was_blank && v[i] == ';')
			break;
		was_blank = usersfile_is_blank(v[i]);
	}
	for (s = 0; s < i && usersfile_is_blank(v[s]); s++)
		;
	*start = s;
	for (*end = i; *end > s && usersfile_is_blank(v[*end - 1]); (*end)--)
		;
	return i;
}

static void
usersfile_line_free(struct usersfile_line *ul)
{
	free(ul->ul_text);
	free(ul->ul_name);
	free(ul->ul_value);
	memset(ul, 0, sizeof(*ul));
}

/* Copies text (len bytes, no NUL among them) and sorts it.  0 or -1. */
static int
usersfile_line_init(struct usersfile_line *ul, const char *text, size_t len,
    int orig)
{
	const char	*s, *close, *eq;
	size_t		 i, n, vs, ve;
	int		 rc = -1;

	memset(ul, 0, sizeof(*ul));
	ul->ul_orig = orig;
	if ((ul->ul_text = strndup(text, len)) == NULL)
		goto done;
	s = ul->ul_text;
	for (i = 0; i < len && usersfile_is_blank(s[i]); i++)
		;
	if (i == len)
		ul->ul_kind = UFL_BLANK;
	else if (s[i] == ';' || s[i] == '#')
		ul->ul_kind = UFL_COMMENT;
	else if (s[i] == '[') {
		/* inih ends the name at the first ']', whatever follows. */
		close = memchr(s + i + 1, ']', len - i - 1);
		ul->ul_kind = close != NULL ? UFL_SECTION : UFL_OTHER;
		if (close != NULL && (ul->ul_name = strndup(s + i + 1,
		    (size_t)(close - (s + i + 1)))) == NULL)
			goto done;
	} else if ((eq = memchr(s + i, '=', len - i)) == NULL)
		ul->ul_kind = UFL_OTHER;
	else {
		ul->ul_kind = UFL_KEY;
		for (n = (size_t)(eq - (s + i));
		    n > 0 && usersfile_is_blank(s[i + n - 1]); n--)
			;
		(void)usersfile_value_span(eq + 1, len - (size_t)(eq + 1 - s),
		    &vs, &ve);
		if ((ul->ul_name = strndup(s + i, n)) == NULL ||
		    (ul->ul_value = strndup(eq + 1 + vs, ve - vs)) == NULL)
			goto done;
	}
	rc = 0;
done:
	if (rc == -1) {
		usersfile_line_free(ul);
		errno = ENOMEM;
	}
	return rc;
}

/* Makes room for n more lines.  0 or -1. */
static int
usersfile_reserve(struct usersfile *uf, size_t n)
{
	struct usersfile_line	*p;
	size_t			 ncap;

	if (uf->uf_nlines + n <= uf->uf_cap)
		return 0;
	ncap = uf->uf_cap == 0 ? 64 : uf->uf_cap;
	while (ncap < uf->uf_nlines + n)
		ncap *= 2;
	if ((p = reallocarray(uf->uf_lines, ncap, sizeof(*p))) == NULL)
		return -1;
	uf->uf_lines = p;
	uf->uf_cap = ncap;
	return 0;
}

/* Puts an initialised line at index at; the room must be reserved. */
static void
usersfile_insert(struct usersfile *uf, size_t at, struct usersfile_line *ul)
{
	memmove(&uf->uf_lines[at + 1], &uf->uf_lines[at],
	    (uf->uf_nlines - at) * sizeof(*uf->uf_lines));
	uf->uf_lines[at] = *ul;
	uf->uf_nlines++;
	uf->uf_changed = 1;
}

/* Removes lines [from, to). */
static void
usersfile_remove(struct usersfile *uf, size_t from, size_t to)
{
	size_t	i;

	if (from >= to)
		return;
	for (i = from; i < to; i++)
		usersfile_line_free(&uf->uf_lines[i]);
	memmove(&uf->uf_lines[from], &uf->uf_lines[to],
	    (uf->uf_nlines - to) * sizeof(*uf->uf_lines));
	uf->uf_nlines -= to - from;
	uf->uf_changed = 1;
}

static int
usersfile_is_section(const struct usersfile_line *ul, const char *kind,
    const char *name)
{
	size_t	klen = strlen(kind);

	return ul->ul_kind == UFL_SECTION &&
	    strncmp(ul->ul_name, kind, klen) == 0 &&
	    ul->ul_name[klen] == ':' &&
	    strcmp(ul->ul_name + klen + 1, name) == 0;
}

/* The first "[kind:name]" header: 1 with *at set, or 0. */
static int
usersfile_find(const struct usersfile *uf, const char *kind, const char *name,
    size_t *at)
{
	size_t	i;

	if (kind == NULL || name == NULL)
		return 0;
	for (i = 0; i < uf->uf_nlines; i++)
		if (usersfile_is_section(&uf->uf_lines[i], kind, name)) {
			*at = i;
			return 1;
		}
	return 0;
}

/* The index of the header after the one at h, or the line count. */
static size_t
usersfile_section_end(const struct usersfile *uf, size_t h)
{
	size_t	i;

	for (i = h + 1; i < uf->uf_nlines; i++)
		if (uf->uf_lines[i].ul_kind == UFL_SECTION)
			break;
	return i;
}

static int
usersfile_is_key(const struct usersfile_line *ul, const char *key)
{
	return ul->ul_kind == UFL_KEY && strcmp(ul->ul_name, key) == 0;
}

/*
 * Fills in where the file is.  A symbolic link is followed once, here,
 * so that the lock, the temporary file and the rename all work on the
 * file it points to and the link itself stays in place.
 */
static int
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
static int
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

/* Appends one line read from the file.  0 or -1. */
static int
usersfile_append(struct usersfile *uf, const char *text, size_t len)
{
	struct usersfile_line	ul;

	if (usersfile_reserve(uf, 1) == -1 ||
	    usersfile_line_init(&ul, text, len, 1) == -1)
		return -1;
	uf->uf_lines[uf->uf_nlines++] = ul;
	return 0;
}

/*
 * Cuts buf into lines.  A BOM is kept aside and written back; CR LF
 * line ends are written back only if every line had one.
 */
static int
usersfile_split(struct usersfile *uf, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 off = 0, n, nnl = 0, ncrlf = 0;

	if (len >= 3 && memcmp(buf, USERSFILE_BOM, 3) == 0) {
		uf->uf_bom = 1;
		off = 3;
	}
	while (off < len) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL) {
			uf->uf_final_nl = 0;
			if (usersfile_append(uf, buf + off, len - off) == -1)
				return -1;
			break;
		}
		n = (size_t)(nl - (buf + off));
		nnl++;
		if (n > 0 && buf[off + n - 1] == '\r') {
			ncrlf++;
			n--;
		}
		if (usersfile_append(uf, buf + off, n) == -1)
			return -1;
		uf->uf_final_nl = 1;
		off = (size_t)(nl - buf) + 1;
	}
	uf->uf_crlf = nnl > 0 && ncrlf == nnl;
	return 0;
}

/* Reads the whole file.  A missing one is empty when create is set. */
static int
usersfile_read(struct usersfile *uf, int create, const char **errstr)
{
	char	*buf = NULL, *p;
	size_t	 len = 0, cap;
	ssize_t	 r;
	int	 fd, rc = -1, saved;

	/* O_NONBLOCK: opening a FIFO must fail below, not wait for a writer. */
	if ((fd = open(uf->uf_target, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT && create)
			rc = 0;
		else
			*errstr = strerror(errno);
		goto done;
	}
	if (fstat(fd, &uf->uf_st) == -1) {
		*errstr = strerror(errno);
		goto done;
	}
	if (!S_ISREG(uf->uf_st.st_mode)) {
		errno = EINVAL;
		*errstr = "not a regular file";
		goto done;
	}
	if (uf->uf_st.st_size > AUTHZ_INI_FILE_MAX) {
		errno = EFBIG;
		*errstr = usersfile_err("larger than %d bytes",
		    AUTHZ_INI_FILE_MAX);
		goto done;
	}
	uf->uf_exists = 1;
	cap = (size_t)uf->uf_st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	for (;;) {
		if (len == cap) {
			if (cap > AUTHZ_INI_FILE_MAX) {
				errno = EFBIG;
				*errstr = usersfile_err("larger than %d bytes",
				    AUTHZ_INI_FILE_MAX);
				goto done;
			}
			if ((p = realloc(buf, cap * 2)) == NULL)
				goto nomem;
			buf = p;
			cap *= 2;
		}
		if ((r = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			*errstr = strerror(errno);
			goto done;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	/* Lines are C strings here: a NUL would silently cut one short. */
	if (memchr(buf, '\0', len) != NULL) {
		errno = EINVAL;
		*errstr = "contains a NUL byte; fix the file by hand";
		goto done;
	}
	if (usersfile_split(uf, buf, len) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	errno = ENOMEM;
	*errstr = strerror(errno);
done:
	saved = errno;
	if (fd != -1)
		close(fd);
	free(buf);
	errno = saved;
	return rc;
}

struct usersfile *
usersfile_open(const char *path, int create, const char **errstr)
{
	struct usersfile	*uf;
	const char		*ignored;
	int			 saved;

	if (errstr == NULL)
		errstr = &ignored;
	if ((uf = calloc(1, sizeof(*uf))) == NULL) {
		*errstr = strerror(errno);
		return NULL;
	}
	uf->uf_lockfd = -1;
	uf->uf_new_gid = (gid_t)-1;
	if (usersfile_paths(uf, path, errstr) == -1 ||
	    usersfile_lock(uf, errstr) == -1 ||
	    usersfile_read(uf, create, errstr) == -1) {
		saved = errno;
		usersfile_close(uf);
		errno = saved;
		return NULL;
	}
	return uf;
}

void
usersfile_close(struct usersfile *uf)
{
	size_t	i;

	if (uf == NULL)
		return;
	for (i = 0; i < uf->uf_nlines; i++)
		usersfile_line_free(&uf->uf_lines[i]);
	free(uf->uf_lines);
	/* Closing the descriptor releases the flock. */
	if (uf->uf_lockfd != -1)
		close(uf->uf_lockfd);
	free(uf->uf_path);
	free(uf->uf_target);
	free(uf->uf_dir);
	free(uf->uf_base);
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
	end = usersfile_section_end(uf, h);
	for (i = h + 1; i < end; i++)
		if (usersfile_is_key(&uf->uf_lines[i], key))
			return uf->uf_lines[i].ul_value;
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
	struct usersfile_line	 blank, head;
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
	need_blank = uf->uf_nlines > 0 &&
	    uf->uf_lines[uf->uf_nlines - 1].ul_kind != UFL_BLANK;
	if ((n = asprintf(&text, "[%s:%s]", kind, name)) == -1) {
		text = NULL;
		goto nomem;
	}
	/* Everything that can fail comes before the first change. */
	if (usersfile_reserve(uf, 2) == -1 ||
	    (need_blank && usersfile_line_init(&blank, "", 0, 0) == -1) ||
	    usersfile_line_init(&head, text, (size_t)n, 0) == -1)
		goto nomem;
	if (need_blank)
		usersfile_insert(uf, uf->uf_nlines, &blank);
	usersfile_insert(uf, uf->uf_nlines, &head);
	memset(&blank, 0, sizeof(blank));
	memset(&head, 0, sizeof(head));
	rc = 0;
	goto done;
nomem:
	errno = ENOMEM;
done:
	usersfile_line_free(&blank);
	usersfile_line_free(&head);
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
	const char	*eq, *comment = NULL;
	size_t		 base, ccol = 0, pad = 0, clen = 0, vs, ve, at;
	int		 rc = -1;

	*text = *own = NULL;
	if (old != NULL && (eq = strchr(old, '=')) != NULL) {
		at = usersfile_value_span(eq + 1, strlen(eq + 1), &vs, &ve);
		if (eq[1 + at] == ';') {
			comment = eq + 1 + at;
			ccol = (size_t)(comment - old);
			clen = strlen(comment);
		}
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
usersfile_key_line(struct usersfile_line *ul, const char *text,
    const char *value)
{
	if (usersfile_line_init(ul, text, strlen(text), 0) == -1)
		return -1;
	if (ul->ul_kind != UFL_KEY || strcmp(ul->ul_value, value) != 0) {
		usersfile_line_free(ul);
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
	struct usersfile_line	ul;

	if (strcmp(uf->uf_lines[i].ul_text, text) == 0)
		return 0;
	if (usersfile_key_line(&ul, text, value) == -1)
		return -1;
	usersfile_line_free(&uf->uf_lines[i]);
	uf->uf_lines[i] = ul;
	uf->uf_changed = 1;
	return 0;
}

int
usersfile_set(struct usersfile *uf, const char *kind, const char *name,
    const char *key, const char *value)
{
	struct usersfile_line	 ul, cl;
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
	end = usersfile_section_end(uf, h);
	last = found = h;
	for (i = h + 1; i < end; i++) {
		if (uf->uf_lines[i].ul_kind != UFL_KEY)
			continue;
		last = i;
		if (found == h && usersfile_is_key(&uf->uf_lines[i], key))
			found = i;
	}
	if (usersfile_key_text(key, value,
	    found != h ? uf->uf_lines[found].ul_text : NULL, &text, &own) == -1)
		goto done;
	if (found == h) {
		if (usersfile_reserve(uf, 1) == -1 ||
		    usersfile_key_line(&ul, text, value) == -1)
			goto done;
		usersfile_insert(uf, last + 1, &ul);
		memset(&ul, 0, sizeof(ul));
		rc = 0;
		goto done;
	}
	if (own != NULL && (usersfile_reserve(uf, 1) == -1 ||
	    usersfile_line_init(&cl, own, strlen(own), 0) == -1))
		goto done;
	if (usersfile_replace(uf, found, text, value) == -1)
		goto done;
	/* A second "key =" makes the file invalid; leave one. */
	for (i = end - 1; i > found; i--)
		if (usersfile_is_key(&uf->uf_lines[i], key))
			usersfile_remove(uf, i, i + 1);
	if (own != NULL) {
		usersfile_insert(uf, found, &cl);
		memset(&cl, 0, sizeof(cl));
	}
	rc = 0;
done:
	usersfile_line_free(&ul);
	usersfile_line_free(&cl);
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
	for (i = usersfile_section_end(uf, h) - 1; i > h; i--)
		if (usersfile_is_key(&uf->uf_lines[i], key))
			usersfile_remove(uf, i, i + 1);
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
	size_t	h, start, end, last, keep, i;

	if (!usersfile_find(uf, kind, name, &h)) {
		errno = ENOENT;
		return -1;
	}
	start = h;
	while (start > 0 && uf->uf_lines[start - 1].ul_kind == UFL_COMMENT)
		start--;
	if (start == 0)
		start = h;
	end = usersfile_section_end(uf, h);
	last = h;
	for (i = h + 1; i < end; i++)
		if (uf->uf_lines[i].ul_kind != UFL_BLANK &&
		    uf->uf_lines[i].ul_kind != UFL_COMMENT)
			last = i;
	keep = end;
	if (end < uf->uf_nlines)
		while (keep > last + 1 &&
		    uf->uf_lines[keep - 1].ul_kind == UFL_COMMENT)
			keep--;
	usersfile_remove(uf, start, keep);
	if (start == uf->uf_nlines)
		while (uf->uf_nlines > 0 &&
		    uf->uf_lines[uf->uf_nlines - 1].ul_kind == UFL_BLANK)
			usersfile_remove(uf, uf->uf_nlines - 1, uf->uf_nlines);
	return 0;
}

char **
usersfile_names(const struct usersfile *uf, const char *kind, size_t *n)
{
	char	**names = NULL;
	size_t	  i, count = 0, klen;
	int	  ok = 0;

	*n = 0;
	if (kind == NULL) {
		errno = EINVAL;
		return NULL;
	}
	klen = strlen(kind);
	for (i = 0; i < uf->uf_nlines; i++)
		if (uf->uf_lines[i].ul_kind == UFL_SECTION &&
		    strncmp(uf->uf_lines[i].ul_name, kind, klen) == 0 &&
		    uf->uf_lines[i].ul_name[klen] == ':')
			count++;
	if ((names = calloc(count + 1, sizeof(*names))) == NULL)
		goto done;
	for (i = 0, count = 0; i < uf->uf_nlines; i++) {
		if (uf->uf_lines[i].ul_kind != UFL_SECTION ||
		    strncmp(uf->uf_lines[i].ul_name, kind, klen) != 0 ||
		    uf->uf_lines[i].ul_name[klen] != ':')
			continue;
		if ((names[count] = strdup(uf->uf_lines[i].ul_name + klen +
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

/* The whole file as it is to be written. */
static int
usersfile_render(const struct usersfile *uf, char **out, size_t *outlen)
{
	const char	*eol = uf->uf_crlf ? "\r\n" : "\n";
	size_t		 eollen = strlen(eol), len = 0, i, n;
	char		*buf, *p;
	int		 last_eol;

	if (uf->uf_nlines == 0) {
		*out = NULL;
		*outlen = 0;
		return 0;
	}
	/* Keep a missing final line end only on a line left as it was. */
	last_eol = uf->uf_final_nl || !uf->uf_lines[uf->uf_nlines - 1].ul_orig;
	len = uf->uf_bom ? 3 : 0;
	for (i = 0; i < uf->uf_nlines; i++)
		len += strlen(uf->uf_lines[i].ul_text) + eollen;
	if ((buf = malloc(len)) == NULL)
		return -1;
	p = buf;
	if (uf->uf_bom) {
		memcpy(p, USERSFILE_BOM, 3);
		p += 3;
	}
	for (i = 0; i < uf->uf_nlines; i++) {
		n = strlen(uf->uf_lines[i].ul_text);
		memcpy(p, uf->uf_lines[i].ul_text, n);
		p += n;
		if (i + 1 < uf->uf_nlines || last_eol) {
			memcpy(p, eol, eollen);
			p += eollen;
		}
	}
	*out = buf;
	*outlen = (size_t)(p - buf);
	return 0;
}

/*
 * The lock only keeps out fcgi-authz itself: refuse to write over a
 * file that an editor replaced or changed since it was read.
 */
static int
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

void
usersfile_set_new_group(struct usersfile *uf, gid_t gid)
{
	uf->uf_new_gid = gid;
}

/* A new file: 0640 in the group usersfile_set_new_group() named. */
static int
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
static int
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

static int
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
 * The loader's message msg names the temporary file tmp: add it to errs
 * naming path instead, with its line number.
 */
static void
usersfile_readd(struct errlist *errs, const char *path, const char *tmp,
    const char *msg)
{
	const char	*rest, *p;
	size_t		 tlen = strlen(tmp);
	long		 line = 0;
	char		*ep;

	if (strncmp(msg, tmp, tlen) != 0 || msg[tlen] != ':') {
		errlist_add(errs, path, 0, "%s", msg);
		return;
	}
	rest = msg + tlen + 1;
	if (*rest >= '0' && *rest <= '9') {
		errno = 0;
		line = strtol(rest, &ep, 10);
		if (errno == 0 && *ep == ':' && line > 0 && line <= INT_MAX)
			rest = ep + 1;
		else
			line = 0;
	}
	for (p = rest; *p == ' '; p++)
		;
	errlist_add(errs, path, (int)line, "%s", p);
}

/* Loads tmp as the daemon would.  0, or -1 with its errors in errs. */
static int
usersfile_validate(const struct usersfile *uf, const char *tmp,
    const struct users_hash_limits *lim, struct errlist *errs)
{
	struct errlist	 el;
	struct users	*u;
	size_t		 i;
	int		 rc = -1;

	errlist_init(&el);
	if ((u = users_load(tmp, lim, &el)) != NULL) {
		users_free(u);
		rc = 0;
		goto done;
	}
	for (i = 0; i < el.el_count; i++)
		usersfile_readd(errs, uf->uf_path, tmp, el.el_msgs[i]);
	if (el.el_nomem)
		errs->el_nomem = 1;
	errlist_add(errs, uf->uf_path, 0, "nothing written: fcgi-authzd would "
	    "refuse the result");
done:
	errlist_free(&el);
	return rc;
}

/* A temporary file is ".NAME" USERSFILE_TMP_INFIX and mkstemp's six. */
#define USERSFILE_TMP_INFIX	".tmp-"

/*
 * Removes the temporary files of writers killed between mkostemp(3) and
 * rename(2).  Only a writer holding the lock makes one, and the caller
 * holds it: any that exists is stale.  Failures are ignored: a leftover
 * costs space, nothing else.
 */
static void
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

int
usersfile_commit(struct usersfile *uf, const struct users_hash_limits *lim,
    struct errlist *errs)
{
	static const struct users_hash_limits deflim = {
		AUTHZ_HASH_MAX_MEMORY, AUTHZ_HASH_MAX_OPSLIMIT,
		AUTHZ_HASH_MAX_PARALLEL
	};
	struct stat	 now, written;
	char		*buf = NULL, *tmp = NULL;
	size_t		 len;
	size_t		 i;
	int		 fd = -1, dirfd = -1, made = 0, rc = -1;

	if (!uf->uf_changed)
		return 0;
	if (lim == NULL)
		lim = &deflim;
	if (!usersfile_is_untouched(uf, &now, errs))
		goto done;
	if (usersfile_render(uf, &buf, &len) == -1) {
		errlist_add(errs, uf->uf_path, 0, "out of memory");
		goto done;
	}
	/* Opened first: after the rename it is too late to find it gone. */
	if ((dirfd = open(uf->uf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		errlist_add(errs, uf->uf_path, 0, "directory %s: %s",
		    uf->uf_dir, strerror(errno));
		goto done;
	}
	usersfile_clean_stale(uf, dirfd);
	if (asprintf(&tmp, "%s/.%s" USERSFILE_TMP_INFIX "XXXXXX", uf->uf_dir,
	    uf->uf_base) == -1) {
		tmp = NULL;
		errlist_add(errs, uf->uf_path, 0, "out of memory");
		goto done;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		errlist_add(errs, uf->uf_path, 0, "cannot create a temporary "
		    "file: %s", strerror(errno));
		goto done;
	}
	made = 1;
	if (usersfile_keep_owner(uf, fd, &now, errs) == -1)
		goto done;
	if (usersfile_write_all(fd, buf, len) == -1 || fsync(fd) == -1 ||
	    fstat(fd, &written) == -1) {
		errlist_add(errs, uf->uf_path, 0, "writing %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		errlist_add(errs, uf->uf_path, 0, "writing %s: %s", tmp,
		    strerror(errno));
		goto done;
	}
	fd = -1;
	if (usersfile_validate(uf, tmp, lim, errs) == -1)
		goto done;
	if (rename(tmp, uf->uf_target) == -1) {
		errlist_add(errs, uf->uf_path, 0, "cannot rename %s into "
		    "place: %s", tmp, strerror(errno));
		goto done;
	}
	made = 0;
	/* What is in memory is now the file. */
	uf->uf_changed = 0;
	uf->uf_exists = 1;
	uf->uf_st = written;
	uf->uf_final_nl = uf->uf_nlines > 0 && (uf->uf_final_nl ||
	    !uf->uf_lines[uf->uf_nlines - 1].ul_orig);
	for (i = 0; i < uf->uf_nlines; i++)
		uf->uf_lines[i].ul_orig = 1;
	if (fsync(dirfd) == -1) {
		errlist_add(errs, uf->uf_path, 0, "written, but the directory "
		    "could not be synced: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (made)
		(void)unlink(tmp);
	if (dirfd != -1)
		close(dirfd);
	free(tmp);
	free(buf);
	return rc;
}

/* A key this file uses: ASCII letters, digits, '_', '-' and '.'. */
static int
usersfile_key_is_valid(const char *key, size_t len)
{
	size_t	i;

	if (len == 0 || len > AUTHZ_INI_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') ||
		    (key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') ||
		    key[i] == '_' || key[i] == '-' || key[i] == '.'))
			return 0;
	return 1;
}

/*
 * Each refusal is a way inih (or inifile.c's checks for inih) would read
 * the line differently from "key = value": see inifile_check_value().
 */
int
usersfile_value_is_valid(const char *key, const char *value)
{
	size_t	klen, vlen, i;

	if (key == NULL || value == NULL)
		return 0;
	klen = strlen(key);
	vlen = strlen(value);
	if (!usersfile_key_is_valid(key, klen))
		return 0;
	if (klen + 3 + vlen > AUTHZ_INI_LINE_MAX)
		return 0;
	if (!text_is_clean_utf8(value, vlen))
		return 0;
	if (vlen == 0)
		return 1;
	if (strchr(value, ';') != NULL || value[0] == '#')
		return 0;
	for (i = 1; i < vlen; i++)
		if (value[i] == '#' && usersfile_is_blank(value[i - 1]))
			return 0;
	if (usersfile_is_blank(value[0]) || usersfile_is_blank(value[vlen - 1]))
		return 0;
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"')
		return 0;
	return 1;
}
