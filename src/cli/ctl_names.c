/*
 * Lists of names, as the users file writes them ("a, b, c"): the roles
 * given as options, held by a user, or declared by a token.  Kept free
 * of duplicates: a role listed twice says nothing more.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "text.h"
#include "users.h"

void
ctl_names_free(struct ctl_names *nm)
{
	text_free_list(nm->nm_v, nm->nm_n);
	nm->nm_v = NULL;
	nm->nm_n = 0;
}

int
ctl_names_has(const struct ctl_names *nm, const char *name)
{
	return users_has_role(nm->nm_v, nm->nm_n, name);
}

/* Appends name unless present.  0 or -1 (out of memory). */
int
ctl_names_add(struct ctl_names *nm, const char *name)
{
	char **nv;

	if (ctl_names_has(nm, name))
		return 0;
	if ((nv = realloc(nm->nm_v, (nm->nm_n + 2) * sizeof(*nv))) == NULL)
		return -1;
	nm->nm_v = nv;
	if ((nv[nm->nm_n] = strdup(name)) == NULL)
		return -1;
	nv[++nm->nm_n] = NULL;
	return 0;
}

void
ctl_names_remove(struct ctl_names *nm, const char *name)
{
	size_t i;

	for (i = 0; i < nm->nm_n; i++)
		if (strcmp(nm->nm_v[i], name) == 0) {
			free(nm->nm_v[i]);
			memmove(&nm->nm_v[i], &nm->nm_v[i + 1],
			    (nm->nm_n - i) * sizeof(*nm->nm_v));
			nm->nm_n--;
			return;
		}
}

/* "a, b, c" as the users file writes lists; NULL if out of memory. */
char *
ctl_names_join(const struct ctl_names *nm, const char *sep)
{
	size_t	 len = 1, seplen = strlen(sep), i, l;
	char	*s, *p;

	for (i = 0; i < nm->nm_n; i++)
		len += strlen(nm->nm_v[i]) + seplen;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < nm->nm_n; i++) {
		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		l = strlen(nm->nm_v[i]);
		memcpy(p, nm->nm_v[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

/*
 * Splits a "roles" value into an empty nm: NULL or "" is no names.  0, or
 * -1 if it is not a list (an empty item) or memory ran out.
 */
int
ctl_names_parse(struct ctl_names *nm, const char *list)
{
	if (list == NULL || *list == '\0')
		return 0;
	return text_split_list(list, &nm->nm_v, &nm->nm_n);
}
