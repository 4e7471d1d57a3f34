/*
 * The error list (errlist.h): each entry is one allocation holding its
 * printed text and its file name, so that printing never allocates.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlist.h"

void
errlist_init(struct errlist *el)
{
	memset(el, 0, sizeof(*el));
}

void
errlist_free(struct errlist *el)
{
	size_t i;

	for (i = 0; i < el->el_count; i++)
		free(el->el_ents[i].ee_text);
	free(el->el_ents);
	memset(el, 0, sizeof(*el));
}

static int
errlist_grow(struct errlist *el)
{
	struct errlist_entry	*n;
	size_t			 ncap;

	if (el->el_count < el->el_cap)
		return 0;
	ncap = el->el_cap ? el->el_cap * 2 : 8;
	if ((n = reallocarray(el->el_ents, ncap, sizeof(*n))) == NULL)
		return -1;
	el->el_ents = n;
	el->el_cap = ncap;
	return 0;
}

void
errlist_addv(struct errlist *el, const char *file, int line,
    const char *fmt, va_list ap)
{
	struct errlist_entry	*e;
	char			 msg[ERRLIST_MSG_SIZE];
	char			*s;
	size_t			 flen;
	int			 n, m, saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	flen = strlen(file);
	/* "FILE:LINE: msg", its NUL, then the file name again with its NUL. */
	m = line > 0 ? snprintf(NULL, 0, "%s:%d: ", file, line) :
	    (int)(flen + 2);
	n = m + (int)strlen(msg);
	if (m < 0 || errlist_grow(el) == -1 ||
	    (s = malloc((size_t)n + 1 + flen + 1)) == NULL) {
		el->el_nomem = 1;
		errno = saved;
		return;
	}
	if (line > 0)
		(void)snprintf(s, (size_t)m + 1, "%s:%d: ", file, line);
	else
		(void)snprintf(s, (size_t)m + 1, "%s: ", file);
	memcpy(s + m, msg, (size_t)(n - m) + 1);
	memcpy(s + n + 1, file, flen + 1);
	e = &el->el_ents[el->el_count++];
	e->ee_text = s;
	e->ee_file = s + n + 1;
	e->ee_line = line > 0 ? line : 0;
	e->ee_msg = s + m;
	errno = saved;
}

void
errlist_add(struct errlist *el, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errlist_addv(el, file, line, fmt, ap);
	va_end(ap);
}

size_t
errlist_count(const struct errlist *el)
{
	return el->el_count + (el->el_nomem ? 1 : 0);
}

void
errlist_print(const struct errlist *el, FILE *fp)
{
	size_t i;

	for (i = 0; i < el->el_count; i++)
		fprintf(fp, "%s\n", el->el_ents[i].ee_text);
	if (el->el_nomem)
		fprintf(fp, "(out of memory: further errors were lost)\n");
}

void
errlist_each(const struct errlist *el, void (*fn)(void *, const char *),
    void *arg)
{
	size_t i;

	for (i = 0; i < el->el_count; i++)
		fn(arg, el->el_ents[i].ee_text);
}
