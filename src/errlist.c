/*
 * The error list (errlist.h): a growing array of formatted messages.
 */
#include "config.h"

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
		free(el->el_msgs[i]);
	free(el->el_msgs);
	memset(el, 0, sizeof(*el));
}

static int
errlist_grow(struct errlist *el)
{
	size_t	  ncap;
	char	**n;

	if (el->el_count < el->el_cap)
		return 0;
	ncap = el->el_cap ? el->el_cap * 2 : 8;
	if ((n = realloc(el->el_msgs, ncap * sizeof(*n))) == NULL)
		return -1;
	el->el_msgs = n;
	el->el_cap = ncap;
	return 0;
}

void
errlist_add(struct errlist *el, const char *file, int line,
    const char *fmt, ...)
{
	char	 msg[512];
	char	*s;
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		n = asprintf(&s, "%s:%d: %s", file, line, msg);
	else
		n = asprintf(&s, "%s: %s", file, msg);
	if (n < 0 || errlist_grow(el) == -1) {
		if (n >= 0)
			free(s);
		el->el_nomem = 1;
		return;
	}
	el->el_msgs[el->el_count++] = s;
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
		fprintf(fp, "%s\n", el->el_msgs[i]);
	if (el->el_nomem)
		fprintf(fp, "(out of memory: further errors were lost)\n");
}
