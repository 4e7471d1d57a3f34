/*
 * Rule matching on canonical paths (see canon.h).  Prefixes match on
 * segment boundaries, so "/admin" covers "/admin" and "/admin/x" but not
 * "/administrator".
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "text.h"

#define RULES_GLOB_DEPTH_MAX	8	/* "**" segments in one pattern */

static int
rules_has_glob(const char *s)
{
	return strchr(s, '*') != NULL;
}

/* The Bloom bit of a whole segment: the top bits of its FNV-1a hash. */
static uint64_t
rules_segbit(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (uint64_t)1 << (h >> 58);
}

/* The Bloom bit of a segment's first (end 0) or last (end 1) byte. */
static uint64_t
rules_endbit(unsigned char c, int end)
{
	uint64_t h = ((uint64_t)c << 1 | (uint64_t)end) * 0x9e3779b97f4a7c15ULL;

	return (uint64_t)1 << (h >> 58);
}

/*
 * A path sets the bits of each segment and of its two end bytes.  A
 * pattern sets those it needs: a literal segment's own, and for a
 * segment with a '*' the ends around the stars ("*.php" needs a segment
 * ending in 'p').  "**" needs nothing.
 */
static uint64_t
rules_mask(const char *path, int pattern)
{
	const char	*seg = path, *end;
	uint64_t	 mask = 0;
	size_t		 len;

	while (*seg != '\0') {
		if (*seg == '/') {
			seg++;
			continue;
		}
		end = strchr(seg, '/');
		len = end != NULL ? (size_t)(end - seg) : strlen(seg);
		if (!pattern || memchr(seg, '*', len) == NULL)
			mask |= rules_segbit(seg, len);
		if (!pattern || seg[0] != '*')
			mask |= rules_endbit((unsigned char)seg[0], 0);
		if (!pattern || seg[len - 1] != '*')
			mask |= rules_endbit((unsigned char)seg[len - 1], 1);
		seg += len;
	}
	return mask;
}

uint64_t
rules_segmask(const char *path)
{
	return rules_mask(path, 0);
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
	ru->ru_segmask = rules_mask(p, 1);
	if (ru->ru_pathkind == RULE_PATH_EXACT && rules_has_glob(p)) {
		/* "=" with a glob: the glob must cover the whole path. */
		ru->ru_pathkind = RULE_PATH_GLOB;
		ru->ru_exact_glob = 1;
	}
	return 0;
}

/* Classic wildcard match: '*' is any run of bytes. */
static int
rules_wildcard_match(const char *p, size_t pl, const char *s, size_t sl)
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
 * One pattern segment against one path segment.  The bytes before the
 * first '*' and after the last must be the segment's own ends, which
 * refuses most segments ("*.bak" against "file.txt") with two memcmp()
 * before any backtracking.
 */
static int
rules_segment_match(const char *p, size_t pl, const char *s, size_t sl)
{
	const char	*first = memchr(p, '*', pl), *last;
	size_t		 head, tail;

	if (first == NULL)
		return pl == sl && memcmp(p, s, sl) == 0;
	for (last = p + pl - 1; *last != '*'; last--)
		;
	head = (size_t)(first - p);
	tail = pl - (size_t)(last - p) - 1;
	if (sl < head + tail || memcmp(p, s, head) != 0 ||
	    memcmp(last + 1, s + sl - tail, tail) != 0)
		return 0;
	return rules_wildcard_match(first, (size_t)(last - first) + 1,
	    s + head, sl - head - tail);
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

/*
 * The index: the rules whose pattern starts with a literal segment, in
 * buckets by that segment (sorted, for bsearch), and the others (a glob
 * first segment, or the prefix "/", which covers every path).  Rule
 * numbers are ascending in each list, so merging a bucket with the
 * others visits candidates in rule order.
 */
struct rules_bucket {
	const char	*rb_seg;	/* into a rule's ru_path */
	size_t		 rb_len;
	const size_t	*rb_ids;
	size_t		 rb_nids;
};

struct rules_index {
	const struct rule	*ri_rules;
	size_t			 ri_nrules;
	size_t			*ri_ids;	/* bucket members, by bucket */
	struct rules_bucket	*ri_buckets;
	size_t			 ri_nbuckets;
	size_t			*ri_others;
	size_t			 ri_nothers;
};

/* A path's first segment: after its leading '/', up to the next. */
static size_t
rules_first_segment(const char *path, const char **seg)
{
	const char *end;

	*seg = path + 1;
	end = strchr(*seg, '/');
	return end != NULL ? (size_t)(end - *seg) : strlen(*seg);
}

/* Returns 1 and the rule's literal first segment, or 0 if it has none. */
static int
rules_literal_first(const struct rule *ru, const char **seg, size_t *len)
{
	if (ru->ru_pathkind == RULE_PATH_PREFIX && strcmp(ru->ru_path, "/") == 0)
		return 0;
	*len = rules_first_segment(ru->ru_path, seg);
	return memchr(*seg, '*', *len) == NULL;
}

static int
rules_segcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* A literal rule while the index is built: its first segment and number. */
struct rules_entry {
	const char	*re_seg;
	size_t		 re_len;
	size_t		 re_id;
};

static int
rules_entry_cmp(const void *a, const void *b)
{
	const struct rules_entry *x = a, *y = b;
	int c = rules_segcmp(x->re_seg, x->re_len, y->re_seg, y->re_len);

	if (c != 0)
		return c;
	/* Ties by rule number: each bucket stays in rule order. */
	return x->re_id < y->re_id ? -1 : x->re_id > y->re_id;
}

/* Sorts the literal rules by first segment into buckets and ids. */
static void
rules_index_fill(struct rules_index *ri, struct rules_entry *lit, size_t nlit)
{
	struct rules_bucket	*bk = NULL;
	size_t			 i;

	qsort(lit, nlit, sizeof(*lit), rules_entry_cmp);
	for (i = 0; i < nlit; i++) {
		ri->ri_ids[i] = lit[i].re_id;
		if (bk != NULL && rules_segcmp(bk->rb_seg, bk->rb_len,
		    lit[i].re_seg, lit[i].re_len) == 0) {
			bk->rb_nids++;
			continue;
		}
		bk = &ri->ri_buckets[ri->ri_nbuckets++];
		bk->rb_seg = lit[i].re_seg;
		bk->rb_len = lit[i].re_len;
		bk->rb_ids = &ri->ri_ids[i];
		bk->rb_nids = 1;
	}
}

struct rules_index *
rules_index_new(const struct rule *rules, size_t n)
{
	struct rules_index	*ri;
	struct rules_entry	*lit;
	size_t			 i, nlit = 0;

	if ((ri = calloc(1, sizeof(*ri))) == NULL)
		return NULL;
	ri->ri_rules = rules;
	ri->ri_nrules = n;
	if (n == 0)
		return ri;
	ri->ri_ids = calloc(n, sizeof(*ri->ri_ids));
	ri->ri_others = calloc(n, sizeof(*ri->ri_others));
	ri->ri_buckets = calloc(n, sizeof(*ri->ri_buckets));
	lit = calloc(n, sizeof(*lit));
	if (ri->ri_ids == NULL || ri->ri_others == NULL ||
	    ri->ri_buckets == NULL || lit == NULL) {
		free(lit);
		rules_index_free(ri);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (rules_literal_first(&rules[i], &lit[nlit].re_seg,
		    &lit[nlit].re_len))
			lit[nlit++].re_id = i;
		else
			ri->ri_others[ri->ri_nothers++] = i;
	}
	rules_index_fill(ri, lit, nlit);
	free(lit);
	return ri;
}

void
rules_index_free(struct rules_index *ri)
{
	if (ri == NULL)
		return;
	free(ri->ri_ids);
	free(ri->ri_others);
	free(ri->ri_buckets);
	free(ri);
}

static const struct rules_bucket *
rules_index_bucket(const struct rules_index *ri, const char *seg, size_t len)
{
	size_t	lo = 0, hi = ri->ri_nbuckets, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = rules_segcmp(seg, len, ri->ri_buckets[mid].rb_seg,
		    ri->ri_buckets[mid].rb_len);
		if (c == 0)
			return &ri->ri_buckets[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
rules_index_try(const struct rules_index *ri, size_t id, uint64_t pathmask,
    const char *path, const char *method)
{
	const struct rule *ru = &ri->ri_rules[id];

	return (ru->ru_segmask & ~pathmask) == 0 &&
	    rules_path_match(ru, path) && rules_method_match(ru, method);
}

const struct rule *
rules_index_find(const struct rules_index *ri, const char *path,
    const char *method)
{
	const struct rules_bucket *bk;
	const char	*seg;
	size_t		 len, i = 0, j = 0, nb, id;
	uint64_t	 pathmask;

	/* No rule covers a path that is not absolute; leave it to them. */
	if (path[0] != '/')
		return rules_find(ri->ri_rules, ri->ri_nrules, path, method);
	pathmask = rules_segmask(path);
	len = rules_first_segment(path, &seg);
	bk = rules_index_bucket(ri, seg, len);
	nb = bk != NULL ? bk->rb_nids : 0;
	while (i < nb || j < ri->ri_nothers) {
		if (j == ri->ri_nothers ||
		    (i < nb && bk->rb_ids[i] < ri->ri_others[j]))
			id = bk->rb_ids[i++];
		else
			id = ri->ri_others[j++];
		if (rules_index_try(ri, id, pathmask, path, method))
			return &ri->ri_rules[id];
	}
	return NULL;
}

int
rules_network_allows(const struct rule *ru, const struct netaddr *addr,
    int addr_known)
{
	if (ru->ru_networks == NULL)
		return 1;
	if (!addr_known)
		return 0;
	return netcidr_list_contains(ru->ru_networks, ru->ru_nnetworks, addr);
}

void
rules_free(struct rule *ru)
{
	free(ru->ru_name);
	free(ru->ru_path);
	text_free_list(ru->ru_methods, ru->ru_nmethods);
	text_free_list(ru->ru_roles, ru->ru_nroles);
	text_free_list(ru->ru_users, ru->ru_nusers);
	free(ru->ru_networks);
	memset(ru, 0, sizeof(*ru));
}
