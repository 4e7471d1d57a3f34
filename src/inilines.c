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

#define INILINES_BOM		"\xef\xbb\xbf"

void
inilines_line_free(struct inilines_line *ln)
{
	free(ln->ln_text);
	free(ln->ln_name);
	free(ln->ln_value);
	memset(ln, 0, sizeof(*ln));
}

int
inilines_line_init(struct inilines_line *ln, const char *text, size_t len,
    int orig)
{
	struct inifile_line	il;
	int			rc = -1;

	memset(ln, 0, sizeof(*ln));
	ln->ln_orig = orig;
	if ((ln->ln_text = strndup(text, len)) == NULL)
		goto done;
	ln->ln_kind = inifile_classify_line(ln->ln_text, len, &il);
	if ((ln->ln_kind == INIFILE_SECTION || ln->ln_kind == INIFILE_KEY) &&
	    (ln->ln_name = strndup(il.il_name, il.il_namelen)) == NULL)
		goto done;
	if (ln->ln_kind == INIFILE_KEY && (ln->ln_value = strndup(il.il_value,
	    il.il_valuelen)) == NULL)
		goto done;
	rc = 0;
done:
	if (rc == -1) {
		inilines_line_free(ln);
		errno = ENOMEM;
	}
	return rc;
}

int
inilines_reserve(struct inilines *ls, size_t n)
{
	struct inilines_line	*p;
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

void
inilines_insert(struct inilines *ls, size_t at, struct inilines_line *ln)
{
	memmove(&ls->ls_lines[at + 1], &ls->ls_lines[at],
	    (ls->ls_nlines - at) * sizeof(*ls->ls_lines));
	ls->ls_lines[at] = *ln;
	ls->ls_nlines++;
	ls->ls_changed = 1;
}

void
inilines_remove(struct inilines *ls, size_t from, size_t to)
{
	size_t	i;

	if (from >= to)
		return;
	for (i = from; i < to; i++)
		inilines_line_free(&ls->ls_lines[i]);
	memmove(&ls->ls_lines[from], &ls->ls_lines[to],
	    (ls->ls_nlines - to) * sizeof(*ls->ls_lines));
	ls->ls_nlines -= to - from;
	ls->ls_changed = 1;
}

size_t
inilines_section_end(const struct inilines *ls, size_t h)
{
	size_t	i;

	for (i = h + 1; i < ls->ls_nlines; i++)
		if (ls->ls_lines[i].ln_kind == INIFILE_SECTION)
			break;
	return i;
}

int
inilines_is_key(const struct inilines_line *ln, const char *key)
{
	return ln->ln_kind == INIFILE_KEY && strcmp(ln->ln_name, key) == 0;
}

/* Appends one line read from the file.  0 or -1. */
static int
inilines_append(struct inilines *ls, const char *text, size_t len)
{
	struct inilines_line	ln;

	if (inilines_reserve(ls, 1) == -1 ||
	    inilines_line_init(&ln, text, len, 1) == -1)
		return -1;
	ls->ls_lines[ls->ls_nlines++] = ln;
	return 0;
}

int
inilines_split(struct inilines *ls, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 off = 0, n, nnl = 0, ncrlf = 0;

	if (len >= 3 && memcmp(buf, INILINES_BOM, 3) == 0) {
		ls->ls_bom = 1;
		off = 3;
	}
	while (off < len) {
		if ((nl = memchr(buf + off, '\n', len - off)) == NULL) {
			ls->ls_final_nl = 0;
			if (inilines_append(ls, buf + off, len - off) == -1)
				return -1;
			break;
		}
		n = (size_t)(nl - (buf + off));
		nnl++;
		if (n > 0 && buf[off + n - 1] == '\r') {
			ncrlf++;
			n--;
		}
		if (inilines_append(ls, buf + off, n) == -1)
			return -1;
		ls->ls_final_nl = 1;
		off = (size_t)(nl - buf) + 1;
	}
	ls->ls_crlf = nnl > 0 && ncrlf == nnl;
	return 0;
}

void
inilines_saved(struct inilines *ls)
{
	size_t	i;

	ls->ls_changed = 0;
	ls->ls_final_nl = ls->ls_nlines > 0 && (ls->ls_final_nl ||
	    !ls->ls_lines[ls->ls_nlines - 1].ln_orig);
	for (i = 0; i < ls->ls_nlines; i++)
		ls->ls_lines[i].ln_orig = 1;
}

void
inilines_free(struct inilines *ls)
{
	size_t	i;

	for (i = 0; i < ls->ls_nlines; i++)
		inilines_line_free(&ls->ls_lines[i]);
	free(ls->ls_lines);
	memset(ls, 0, sizeof(*ls));
}

int
inilines_render(const struct inilines *ls, char **out, size_t *outlen)
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
	last_eol = ls->ls_final_nl || !ls->ls_lines[ls->ls_nlines - 1].ln_orig;
	len = ls->ls_bom ? 3 : 0;
	for (i = 0; i < ls->ls_nlines; i++)
		len += strlen(ls->ls_lines[i].ln_text) + eollen;
	if ((buf = malloc(len)) == NULL)
		return -1;
	p = buf;
	if (ls->ls_bom) {
		memcpy(p, INILINES_BOM, 3);
		p += 3;
	}
	for (i = 0; i < ls->ls_nlines; i++) {
		n = strlen(ls->ls_lines[i].ln_text);
		memcpy(p, ls->ls_lines[i].ln_text, n);
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
