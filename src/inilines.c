/*
 * An INI file held as an array of lines, for editing it without losing
 * what is not edited (inilines.h): each line sorted by the loader's
 * grammar, lines put in and taken out, the whole written back with the
 * line ends and byte order mark it was read with.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inifile.h"
#include "inilines.h"

#define USERSFILE_BOM		"\xef\xbb\xbf"

void
usersfile_line_free(struct usersfile_line *ul)
{
	free(ul->ul_text);
	free(ul->ul_name);
	free(ul->ul_value);
	memset(ul, 0, sizeof(*ul));
}

/*
 * Copies text (len bytes, no NUL among them) and sorts it as the loader
 * does (inifile_classify_line()).  A line the loader refuses is still
 * taken apart as far as it goes, so that it can be edited.  0 or -1.
 */
int
usersfile_line_init(struct usersfile_line *ul, const char *text, size_t len,
    int orig)
{
	struct inifile_line	il;
	int			rc = -1;

	memset(ul, 0, sizeof(*ul));
	ul->ul_orig = orig;
	if ((ul->ul_text = strndup(text, len)) == NULL)
		goto done;
	ul->ul_kind = inifile_classify_line(ul->ul_text, len, &il);
	if ((ul->ul_kind == INIFILE_SECTION || ul->ul_kind == INIFILE_KEY) &&
	    (ul->ul_name = strndup(il.il_name, il.il_namelen)) == NULL)
		goto done;
	if (ul->ul_kind == INIFILE_KEY && (ul->ul_value = strndup(il.il_value,
	    il.il_valuelen)) == NULL)
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		usersfile_line_free(ul);
		errno = ENOMEM;
	}
	return rc;
}

/* Makes room for n more lines.  0 or -1. */
int
usersfile_reserve(struct usersfile_lines *ls, size_t n)
{
	struct usersfile_line	*p;
	size_t			 ncap;

	if (ls->ls_nlines + n <= ls->ls_cap)
		return 0;
	ncap = ls->ls_cap == 0 ? 64 : ls->ls_cap;
	while (ncap < ls->ls_nlines + n)
		ncap *= 2;
	if ((p = reallocarray(ls->ls_lines, ncap, sizeof(*p))) == NULL)
		return -1;
	ls->ls_lines = p;
	ls->ls_cap = ncap;
	return 0;
}

/* Puts an initialised line at index at; the room must be reserved. */
void
usersfile_insert(struct usersfile_lines *ls, size_t at,
    struct usersfile_line *ul)
{
	memmove(&ls->ls_lines[at + 1], &ls->ls_lines[at],
	    (ls->ls_nlines - at) * sizeof(*ls->ls_lines));
	ls->ls_lines[at] = *ul;
	ls->ls_nlines++;
	ls->ls_changed = 1;
}

/* Removes lines [from, to). */
void
usersfile_remove(struct usersfile_lines *ls, size_t from, size_t to)
{
	size_t	i;

	if (from >= to)
		return;
	for (i = from; i < to; i++)
		usersfile_line_free(&ls->ls_lines[i]);
	memmove(&ls->ls_lines[from], &ls->ls_lines[to],
	    (ls->ls_nlines - to) * sizeof(*ls->ls_lines));
	ls->ls_nlines -= to - from;
	ls->ls_changed = 1;
}

/* The index of the header after the one at h, or the line count. */
size_t
usersfile_section_end(const struct usersfile_lines *ls, size_t h)
{
	size_t	i;

	for (i = h + 1; i < ls->ls_nlines; i++)
		if (ls->ls_lines[i].ul_kind == INIFILE_SECTION)
			break;
	return i;
}

int
usersfile_is_key(const struct usersfile_line *ul, const char *key)
{
	return ul->ul_kind == INIFILE_KEY && strcmp(ul->ul_name, key) == 0;
}

/* Appends one line read from the file.  0 or -1. */
static int
usersfile_append(struct usersfile_lines *ls, const char *text, size_t len)
{
	struct usersfile_line	ul;

	if (usersfile_reserve(ls, 1) == -1 ||
	    usersfile_line_init(&ul, text, len, 1) == -1)
		return -1;
	ls->ls_lines[ls->ls_nlines++] = ul;
	return 0;
}

/*
 * Cuts buf into lines.  A BOM is kept aside and written back; CR LF
 * line ends are written back only if every line had one.
 */
int
usersfile_split(struct usersfile_lines *ls, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 off = 0, n, nnl = 0, ncrlf = 0;

	if (len >= 3 && memcmp(buf, USERSFILE_BOM, 3) == 0) {
		ls->ls_bom = 1;
		off = 3;
	}
	while (off < len) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL) {
			ls->ls_final_nl = 0;
			if (usersfile_append(ls, buf + off, len - off) == -1)
				return -1;
			break;
		}
		n = (size_t)(nl - (buf + off));
		nnl++;
		if (n > 0 && buf[off + n - 1] == '\r') {
			ncrlf++;
			n--;
		}
		if (usersfile_append(ls, buf + off, n) == -1)
			return -1;
		ls->ls_final_nl = 1;
		off = (size_t)(nl - buf) + 1;
	}
	ls->ls_crlf = nnl > 0 && ncrlf == nnl;
	return 0;
}

/* The whole file as it is to be written. */
int
usersfile_render(const struct usersfile_lines *ls, char **out, size_t *outlen)
{
	const char	*eol = ls->ls_crlf ? "\r\n" : "\n";
	size_t		 eollen = strlen(eol), len = 0, i, n;
	char		*buf, *p;
	int		 last_eol;

	if (ls->ls_nlines == 0) {
		*out = NULL;
		*outlen = 0;
		return 0;
	}
	/* Keep a missing final line end only on a line left as it was. */
	last_eol = ls->ls_final_nl || !ls->ls_lines[ls->ls_nlines - 1].ul_orig;
	len = ls->ls_bom ? 3 : 0;
	for (i = 0; i < ls->ls_nlines; i++)
		len += strlen(ls->ls_lines[i].ul_text) + eollen;
	if ((buf = malloc(len)) == NULL)
		return -1;
	p = buf;
	if (ls->ls_bom) {
		memcpy(p, USERSFILE_BOM, 3);
		p += 3;
	}
	for (i = 0; i < ls->ls_nlines; i++) {
		n = strlen(ls->ls_lines[i].ul_text);
		memcpy(p, ls->ls_lines[i].ul_text, n);
		p += n;
		if (i + 1 < ls->ls_nlines || last_eol) {
			memcpy(p, eol, eollen);
			p += eollen;
		}
	}
	*out = buf;
	*outlen = (size_t)(p - buf);
	return 0;
}
