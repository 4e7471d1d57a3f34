/*
 * Rule matching on canonical paths (see canon.h).  Prefixes match on
 * segment boundaries, so "/admin" covers "/admin" and "/admin/x" but not
 * "/administrator".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"

#define RULES_GLOB_DEPTH_MAX	8	/* "**" segments in one pattern */

static int
rules_has_glob(const char *s)
{
	return strchr(s, '*') != NULL;
}

int
rules_set_path(struct rule *ru, const char *pattern, const char **errstr)
{
	const char	*p = pattern, *seg;
	size_t		 len, ndouble = 0;

	ru->ru_pathkind = RULE_PATH_PREFIX;
	if (*p == '=') {
		ru->ru_pathkind = RULE_PATH_EXACT;
		p++;
	}
	if (*p != '/') {
		*errstr = "a path must start with '/' (or '=/' for an exact path)";
		return -1;
	}
	if (strstr(p, "//") != NULL || strstr(p, "/./") != NULL ||
	    strstr(p, "/../") != NULL || strchr(p, '%') != NULL ||
	    strchr(p, '?') != NULL || strchr(p, '\\') != NULL) {
		*errstr = "a path must be canonical: no '//', '.', '..', "
		    "'%', '?' or '\\' (requests are decoded before matching)";
		return -1;
	}
	len = strlen(p);
	if ((len >= 2 && strcmp(p + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(p + len - 3, "/..") == 0)) {
		*errstr = "a path must not end in '.' or '..' segments";
		return -1;
	}
	/* "**" must be a whole segment; "*" may be anywhere in one. */
	for (seg = p + 1; *seg != '\0';) {
		const char *end = strchr(seg, '/');
		size_t	    sl = end ? (size_t)(end - seg) : strlen(seg);
		const char *dd = strstr(seg, "**");

		if (dd != NULL && dd < seg + sl) {
			if (sl != 2) {
				*errstr = "'**' must be a whole path segment";
				return -1;
			}
			ndouble++;
		}
		seg += sl;
		if (*seg == '/')
			seg++;
	}
	if (ndouble > RULES_GLOB_DEPTH_MAX) {
		*errstr = "too many '**' segments";
		return -1;
	}
	if (rules_has_glob(p) && ru->ru_pathkind == RULE_PATH_PREFIX)
		ru->ru_pathkind = RULE_PATH_GLOB;
	if ((ru->ru_path = strdup(p)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (ru->ru_pathkind == RULE_PATH_EXACT && rules_has_glob(p)) {
		/* "=" with a glob: the glob must cover the whole path. */
		ru->ru_pathkind = RULE_PATH_GLOB;
		ru->ru_exact_glob = 1;
	}
	return 0;
}

/* Classic wildcard match of one segment: '*' is any run of bytes. */
static int
rules_segment_match(const char *p, size_t pl, const char *s, size_t sl)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sl) {
		if (pi < pl && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pl && p[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else
			return 0;
	}
	while (pi < pl && p[pi] == '*')
		pi++;
	return pi == pl;
}

/*
 * rules_glob() gives up with this when a "**" has tried every rest of the
 * path: each other pattern segment takes exactly one path segment, so an
 * earlier "**" that moves on only hands the later one a subset of the
 * same rests.  Without this cut, k "**" cost O(n^k) on an n-segment
 * path, and a client chooses n.
 */
#define RULES_GLOB_ABORT	(-1)

/*
 * p and s point just after a '/' (or at the end).  after_slash says
 * whether the path had a '/' right before s.  A pattern that ends with
 * '/' needs the path to go on past that slash.  Returns 1, 0 or
 * RULES_GLOB_ABORT.
 */
static int
rules_glob(const char *p, const char *s, int after_slash, int exact)
{
	const char	*pend, *send;
	size_t		 pl, sl;
	int		 rc;

	if (*p == '\0') {
		/* Only after a '/' that ends the pattern ("**" returns
		 * before): the path must have that '/' too. */
		if (!after_slash)
			return 0;
		if (exact)
			return *s == '\0';
		return 1;	/* segment prefix: the rest of the path is covered */
	}
	pend = strchr(p, '/');
	pl = pend ? (size_t)(pend - p) : strlen(p);
	if (pl == 0) {
		/* Trailing '/' in the pattern. */
		return after_slash && (!exact || *s == '\0');
	}
	if (pl == 2 && p[0] == '*' && p[1] == '*') {
		const char *np;
		const char *t = s;
		int	    ta = after_slash;

		if (pend == NULL)
			return 1;	/* a final "**" covers any rest */
		np = pend + 1;
		for (;;) {
			if ((rc = rules_glob(np, t, ta, exact)) != 0)
				return rc;
			if (*t == '\0')
				return RULES_GLOB_ABORT;
			send = strchr(t, '/');
			if (send == NULL)
				t += strlen(t), ta = 0;
			else
				t = send + 1, ta = 1;
		}
	}
	if (*s == '\0' && !after_slash)
		return 0;
	send = strchr(s, '/');
	sl = send ? (size_t)(send - s) : strlen(s);
	if (sl == 0 && *s == '\0')
		return 0;
	if (!rules_segment_match(p, pl, s, sl))
		return 0;
	if (pend == NULL)
		return exact ? send == NULL : 1;
	if (send == NULL)
		return rules_glob(pend + 1, s + sl, 0, exact);
	return rules_glob(pend + 1, send + 1, 1, exact);
}

int
rules_path_match(const struct rule *ru, const char *path)
{
	size_t len;

	switch (ru->ru_pathkind) {
	case RULE_PATH_EXACT:
		return strcmp(ru->ru_path, path) == 0;
	case RULE_PATH_PREFIX:
		len = strlen(ru->ru_path);
		if (strncmp(ru->ru_path, path, len) != 0)
			return 0;
		return path[len] == '\0' || path[len] == '/' ||
		    ru->ru_path[len - 1] == '/';
	case RULE_PATH_GLOB:
		if (path[0] != '/')
			return 0;
		return rules_glob(ru->ru_path + 1, path + 1, 1,
		    ru->ru_exact_glob) == 1;
	}
	return 0;
}

int
rules_method_match(const struct rule *ru, const char *method)
{
	size_t i;

	if (ru->ru_methods == NULL)
		return 1;
	for (i = 0; i < ru->ru_nmethods; i++) {
		if (strcmp(ru->ru_methods[i], method) == 0)
			return 1;
		/* RFC 9110 9.3.2: HEAD is GET without the body. */
		if (strcmp(method, "HEAD") == 0 &&
		    strcmp(ru->ru_methods[i], "GET") == 0)
			return 1;
	}
	return 0;
}

const struct rule *
rules_find(const struct rule *rules, size_t n, const char *path,
    const char *method)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rules_path_match(&rules[i], path) &&
		    rules_method_match(&rules[i], method))
			return &rules[i];
	return NULL;
}

int
rules_network_allows(const struct rule *ru, const struct netaddr *addr,
    int addr_known)
{
	size_t i;

	if (ru->ru_networks == NULL)
		return 1;
	if (!addr_known)
		return 0;
	for (i = 0; i < ru->ru_nnetworks; i++)
		if (netcidr_contains(&ru->ru_networks[i], addr))
			return 1;
	return 0;
}

void
rules_free(struct rule *ru)
{
	free(ru->ru_name);
	free(ru->ru_path);
	conf_free_list(ru->ru_methods, ru->ru_nmethods);
	conf_free_list(ru->ru_roles, ru->ru_nroles);
	conf_free_list(ru->ru_users, ru->ru_nusers);
	free(ru->ru_networks);
	memset(ru, 0, sizeof(*ru));
}
