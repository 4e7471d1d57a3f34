#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "defaults.h"
#include "netaddr.h"
#include "rules.h"

/*
 * Splits a space-separated list into a malloc'd array of strdup'd words,
 * as conf.c hands them to rules_free().  NULL stays NULL ("any").
 */
static char **
words_new(const char *list, size_t *n)
{
	char	**v, *copy, *w, *last;
	size_t	  cap = 8;

	*n = 0;
	if (list == NULL)
		return NULL;
	ck_assert_ptr_nonnull(v = calloc(cap, sizeof(*v)));
	ck_assert_ptr_nonnull(copy = strdup(list));
	for (w = strtok_r(copy, " ", &last); w != NULL;
	    w = strtok_r(NULL, " ", &last)) {
		ck_assert_uint_lt(*n, cap);
		ck_assert_ptr_nonnull(v[(*n)++] = strdup(w));
	}
	free(copy);
	return v;
}

/* A rule as conf.c builds one: name, path pattern, methods (or NULL). */
static void
rule_make(struct rule *ru, const char *name, const char *pattern,
    const char *methods)
{
	const char *err = NULL;

	memset(ru, 0, sizeof(*ru));
	ck_assert_ptr_nonnull(ru->ru_name = strdup(name));
	ck_assert_msg(rules_set_path(ru, pattern, &err) == 0, "%s: %s",
	    pattern, err);
	ru->ru_methods = words_new(methods, &ru->ru_nmethods);
}

/* Networks from a space-separated CIDR list; NULL leaves "any address". */
static void
rule_networks(struct rule *ru, const char *cidrs)
{
	char		**w;
	size_t		  n, i;
	const char	 *err;

	if ((w = words_new(cidrs, &n)) == NULL)
		return;
	ck_assert_ptr_nonnull(ru->ru_networks = calloc(n > 0 ? n : 1,
	    sizeof(*ru->ru_networks)));
	for (i = 0; i < n; i++) {
		ck_assert_msg(netcidr_parse(w[i], &ru->ru_networks[i],
		    &err) == 0, "%s: %s", w[i], err);
		free(w[i]);
	}
	free(w);
	ru->ru_nnetworks = n;
}

/* Does the pattern cover the canonical path? */
static const struct {
	const char	*pattern;
	const char	*path;
	int		 want;
} path_cases[] = {
	/* "=": exactly this path. */
	{ "=/healthz",		"/healthz",			1 },
	{ "=/healthz",		"/healthz/",			0 },
	{ "=/healthz",		"/healthz/x",			0 },
	{ "=/healthz",		"/healthzx",			0 },
	{ "=/healthz",		"/health",			0 },
	{ "=/healthz",		"/",				0 },
	{ "=/healthz",		"/HEALTHZ",			0 },
	{ "=/",			"/",				1 },
	{ "=/",			"/a",				0 },
	{ "=/a/",		"/a/",				1 },
	{ "=/a/",		"/a",				0 },
	{ "=/a/",		"/a/b",				0 },

	/* Segment prefix. */
	{ "/admin",		"/admin",			1 },
	{ "/admin",		"/admin/",			1 },
	{ "/admin",		"/admin/x",			1 },
	{ "/admin",		"/admin/x/y.txt",		1 },
	{ "/admin",		"/administrator",		0 },
	{ "/admin",		"/admin.php",			0 },
	{ "/admin",		"/adm",				0 },
	{ "/admin",		"/",				0 },
	{ "/admin",		"/x/admin",			0 },
	{ "/admin",		"/Admin",			0 },
	{ "/a/",		"/a/",				1 },
	{ "/a/",		"/a/b",				1 },
	{ "/a/",		"/a",				0 },
	{ "/a/",		"/ab",				0 },
	{ "/a/",		"/ab/",				0 },
	{ "/a/b",		"/a/b/c",			1 },
	{ "/a/b",		"/a/bc",			0 },
	{ "/a/b",		"/a",				0 },
	{ "/",			"/",				1 },
	{ "/",			"/anything",			1 },
	{ "/",			"/a/b/c/",			1 },

	/* "*" stays inside one segment. */
	{ "/users/*/private",	"/users/bob/private",		1 },
	{ "/users/*/private",	"/users/bob/private/",		1 },
	{ "/users/*/private",	"/users/bob/private/x",		1 },
	{ "/users/*/private",	"/users/a/b/private",		0 },
	{ "/users/*/private",	"/users/private",		0 },
	{ "/users/*/private",	"/users/bob/privatex",		0 },
	{ "/users/*/private",	"/users/bob/",			0 },
	{ "/users/*/private",	"/users/bob",			0 },
	{ "/users/*/private",	"/users",			0 },
	{ "/users/*/private",	"/Users/bob/private",		0 },
	{ "/*.txt",		"/a.txt",			1 },
	{ "/*.txt",		"/.txt",			1 },
	{ "/*.txt",		"/a/b.txt",			0 },
	{ "/*.txt",		"/a.txtx",			0 },
	{ "/*.txt",		"/a.TXT",			0 },
	{ "/a*b",		"/ab",				1 },
	{ "/a*b",		"/axyzb",			1 },
	{ "/a*b",		"/abx",				0 },
	{ "/a*b",		"/a/b",				0 },
	{ "/a*b",		"/xab",				0 },
	{ "/f*o*o",		"/foo",				1 },
	{ "/f*o*o",		"/fxoyo",			1 },
	{ "/f*o*o",		"/fo",				0 },
	{ "/f*o*o",		"/foox",			0 },
	/* The ends around the stars are checked first; they may not overlap. */
	{ "/a*a",		"/a",				0 },
	{ "/a*a",		"/aa",				1 },
	{ "/ab*ba",		"/aba",				0 },
	{ "/ab*ba",		"/abba",			1 },
	{ "/ab*ba",		"/abxba",			1 },
	{ "/ab*ba",		"/abxbab",			0 },
	{ "/*a*b*",		"/xaybz",			1 },
	{ "/*a*b*",		"/xbyaz",			0 },
	{ "/*",			"/x",				1 },
	{ "/*",			"/",				0 },
	{ "/x*",		"/x",				1 },
	{ "/*x",		"/x",				1 },
	{ "/a/*",		"/a/b",				1 },
	{ "/a/*",		"/a",				0 },
	{ "/a/*",		"/b/c",				0 },

	/* "**" crosses segments, zero or more of them. */
	{ "/**/*.php",		"/index.php",			1 },
	{ "/**/*.php",		"/a/b/c.php",			1 },
	{ "/**/*.php",		"/a/b/c.phpx",			0 },
	{ "/**/*.php",		"/a/b/php",			0 },
	{ "/**/*.php",		"/a/b/",			0 },
	{ "/**/*.php",		"/",				0 },
	{ "/a/**/z",		"/a/z",				1 },
	{ "/a/**/z",		"/a/b/c/z",			1 },
	{ "/a/**/z",		"/a/b/c/zz",			0 },
	{ "/a/**/z",		"/b/z",				0 },
	{ "/a/**/z",		"/a",				0 },
	{ "/a/**/z",		"/az",				0 },
	{ "/a/**",		"/a",				1 },
	{ "/a/**",		"/a/b/c",			1 },
	{ "/a/**",		"/ab",				0 },
	{ "/a/**",		"/b/a",				0 },
	{ "/**",		"/",				1 },
	{ "/**",		"/x/y",				1 },
	{ "/**/x/**/y",		"/x/y",				1 },
	{ "/**/x/**/y",		"/a/x/b/c/y/d",			1 },
	{ "/**/x/**/y",		"/a/y/b/x",			0 },
	{ "/**/x/**/y",		"/x",				0 },

	/* "=" with globs: the pattern covers the whole path. */
	{ "=/users/*",		"/users/bob",			1 },
	{ "=/users/*",		"/users/bob/",			0 },
	{ "=/users/*",		"/users/bob/x",			0 },
	{ "=/users/*",		"/users",			0 },
	{ "=/users/*/private",	"/users/bob/private",		1 },
	{ "=/users/*/private",	"/users/bob/private/x",		0 },
	{ "=/users/*/private",	"/users/bob/private/",		0 },
	{ "=/**/*.php",		"/b.php",			1 },
	{ "=/**/*.php",		"/a/b.php",			1 },
	{ "=/**/*.php",		"/a/b.php/x",			0 },
	{ "=/**/*.php",		"/a/b.php/",			0 },
	{ "=/a/**",		"/a/b/c",			1 },
	{ "=/a/**",		"/b/a/c",			0 },

	/*
	 * A pattern ending in '/' needs the path to have that '/' too, as
	 * "/a/" does not cover "/a" (rules.c, rules_glob's comment).
	 */
	{ "/users/*/",		"/users/bob/",			1 },
	{ "/users/*/",		"/users/bob/x",			1 },
	{ "/users/*/",		"/users/bob",			0 },
	{ "=/users/*/",		"/users/bob/",			1 },
	{ "=/users/*/",		"/users/bob",			0 },
	{ "=/users/*/",		"/users/bob/x",			0 },
};

START_TEST(test_rules_path_match)
{
	struct rule	 ru;

	rule_make(&ru, "t", path_cases[_i].pattern, NULL);
	ck_assert_msg(rules_path_match(&ru, path_cases[_i].path) ==
	    path_cases[_i].want, "\"%s\" on \"%s\": want %d",
	    path_cases[_i].pattern, path_cases[_i].path, path_cases[_i].want);
	rules_free(&ru);
}
END_TEST

/* Patterns that load, and the kind they load as. */
static const struct {
	const char		*pattern;
	enum rule_pathkind	 kind;
	int			 exact_glob;
	const char		*stored;
} set_good[] = {
	{ "=/healthz",		RULE_PATH_EXACT,  0,	"/healthz" },
	{ "=/",			RULE_PATH_EXACT,  0,	"/" },
	{ "/admin",		RULE_PATH_PREFIX, 0,	"/admin" },
	{ "/",			RULE_PATH_PREFIX, 0,	"/" },
	{ "/a/",		RULE_PATH_PREFIX, 0,	"/a/" },
	{ "/.well-known",	RULE_PATH_PREFIX, 0,	"/.well-known" },
	{ "/a..",		RULE_PATH_PREFIX, 0,	"/a.." },
	{ "/...",		RULE_PATH_PREFIX, 0,	"/..." },
	{ "/a;b",		RULE_PATH_PREFIX, 0,	"/a;b" },
	{ "/users/*/private",	RULE_PATH_GLOB,	  0,	"/users/*/private" },
	{ "/**",		RULE_PATH_GLOB,	  0,	"/**" },
	{ "=/users/*",		RULE_PATH_GLOB,	  1,	"/users/*" },
	{ "=/**/*.php",		RULE_PATH_GLOB,	  1,	"/**/*.php" },
};

START_TEST(test_rules_set_path_good)
{
	struct rule	 ru;
	const char	*err = NULL;

	memset(&ru, 0, sizeof(ru));
	ck_assert_msg(rules_set_path(&ru, set_good[_i].pattern, &err) == 0,
	    "%s: %s", set_good[_i].pattern, err);
	ck_assert_int_eq(ru.ru_pathkind, set_good[_i].kind);
	ck_assert_int_eq(ru.ru_exact_glob, set_good[_i].exact_glob);
	ck_assert_str_eq(ru.ru_path, set_good[_i].stored);
	rules_free(&ru);
	ck_assert_ptr_null(ru.ru_path);
}
END_TEST

/* Patterns that must be refused: a request path can never look so. */
static const char *const set_bad[] = {
	"",
	"=",
	"admin",
	"=admin",
	"*",
	"**/x",
	" /a",
	"==/a",
	"/a//b",
	"//",
	"=//a",
	"//a/",
	"/a/./b",
	"/./a",
	"/a/../b",
	"/../a",
	"/a/.",
	"/.",
	"=/.",
	"/a/..",
	"/..",
	"=/a/..",
	"/a%2fb",
	"/a%",
	"/%61dmin",
	"/a?b",
	"/a?",
	"/a\\b",
	"\\a",
	"/a**",
	"/**a",
	"/a/**b/c",
	"/a/b**/c",
	"/***",
	"/a/***/b",
	"=/x/a**",
	"/**.php",
};

START_TEST(test_rules_set_path_bad)
{
	struct rule	 ru;
	const char	*err = NULL, *pattern = set_bad[_i];

	memset(&ru, 0, sizeof(ru));
	ck_assert_msg(rules_set_path(&ru, pattern, &err) == -1,
	    "\"%s\" was accepted", pattern);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_gt(strlen(err), 0);
	/* Nothing to free or leak after a refusal. */
	ck_assert_ptr_null(ru.ru_path);
	rules_free(&ru);
}
END_TEST

/* Does a rule with these methods cover this request method? */
static const struct {
	const char	*methods;	/* space-separated; NULL: any */
	const char	*method;
	int		 want;
} method_cases[] = {
	{ "GET",		"GET",		1 },
	{ "GET",		"HEAD",		1 },
	{ "GET",		"POST",		0 },
	{ "GET",		"get",		0 },
	{ "GET",		"head",		0 },
	{ "GET",		"Get",		0 },
	{ "GET",		"",		0 },
	{ "GET",		"GETX",		0 },
	{ "GET",		"GE",		0 },
	{ "GET",		"GET ",		0 },
	{ "HEAD",		"HEAD",		1 },
	{ "HEAD",		"GET",		0 },
	{ "POST PUT",		"POST",		1 },
	{ "POST PUT",		"PUT",		1 },
	{ "POST PUT",		"GET",		0 },
	{ "POST PUT",		"HEAD",		0 },
	{ "POST PUT",		"put",		0 },
	{ "GET POST",		"HEAD",		1 },
	{ "POST GET",		"HEAD",		1 },
	{ "get",		"get",		1 },
	{ "get",		"GET",		0 },
	{ "get",		"HEAD",		0 },
	{ NULL,			"GET",		1 },
	{ NULL,			"DELETE",	1 },
	{ NULL,			"PROPFIND",	1 },
	{ NULL,			"",		1 },
};

START_TEST(test_rules_method_match)
{
	struct rule	ru;

	rule_make(&ru, "t", "/", method_cases[_i].methods);
	ck_assert_msg(rules_method_match(&ru, method_cases[_i].method) ==
	    method_cases[_i].want, "[%s] covers \"%s\": want %d",
	    method_cases[_i].methods ? method_cases[_i].methods : "any",
	    method_cases[_i].method, method_cases[_i].want);
	rules_free(&ru);
}
END_TEST

/* One rule set, tried in order; the first rule whose path and method
 * match wins. */
static const struct {
	const char	*name;
	const char	*pattern;
	const char	*methods;
} ruleset[] = {
	{ "health",	"=/healthz",	"GET" },
	{ "admin-ro",	"/admin",	"GET" },
	{ "admin",	"/admin",	NULL },
	{ "php",	"/**/*.php",	NULL },
	{ "upload",	"/upload",	"POST PUT" },
	{ "site",	"/",		"GET" },
};

static const struct {
	const char	*path;
	const char	*method;
	const char	*want;		/* NULL: no rule */
} find_cases[] = {
	{ "/healthz",		"GET",		"health" },
	{ "/healthz",		"HEAD",		"health" },
	{ "/healthz",		"POST",		NULL },
	{ "/healthz/x",		"GET",		"site" },
	{ "/admin/x",		"GET",		"admin-ro" },
	{ "/admin/x",		"HEAD",		"admin-ro" },
	{ "/admin/x",		"POST",		"admin" },
	{ "/admin/x.php",	"POST",		"admin" },
	{ "/x.php",		"DELETE",	"php" },
	{ "/upload/x.php",	"POST",		"php" },
	{ "/upload",		"PUT",		"upload" },
	{ "/upload",		"GET",		"site" },
	{ "/upload",		"DELETE",	NULL },
	{ "/administrator",	"GET",		"site" },
	{ "/administrator",	"POST",		NULL },
	{ "/",			"get",		NULL },
	{ "/",			"OPTIONS",	NULL },
};

START_TEST(test_rules_find)
{
	struct rule		 rules[NITEMS(ruleset)];
	const struct rule	*ru;
	int			 i;

	for (i = 0; i < NITEMS(ruleset); i++)
		rule_make(&rules[i], ruleset[i].name, ruleset[i].pattern,
		    ruleset[i].methods);
	ru = rules_find(rules, NITEMS(rules), find_cases[_i].path,
	    find_cases[_i].method);
	if (find_cases[_i].want == NULL)
		ck_assert_msg(ru == NULL, "%s %s: matched %s",
		    find_cases[_i].method, find_cases[_i].path,
		    ru ? ru->ru_name : "");
	else {
		ck_assert_msg(ru != NULL, "%s %s: no rule",
		    find_cases[_i].method, find_cases[_i].path);
		ck_assert_str_eq(ru->ru_name, find_cases[_i].want);
		/* The rule itself, not a copy. */
		ck_assert_int_ge(ru - rules, 0);
		ck_assert_int_lt(ru - rules, NITEMS(rules));
	}
	for (i = 0; i < NITEMS(ruleset); i++)
		rules_free(&rules[i]);
}
END_TEST

/* The index answers what the linear scan answers, rule for rule. */
START_TEST(test_rules_index_find)
{
	struct rule		 rules[NITEMS(ruleset)];
	struct rules_index	*ri;
	int			 i;

	for (i = 0; i < NITEMS(ruleset); i++)
		rule_make(&rules[i], ruleset[i].name, ruleset[i].pattern,
		    ruleset[i].methods);
	ck_assert_ptr_nonnull(ri = rules_index_new(rules, NITEMS(rules)));
	ck_assert_ptr_eq(rules_index_find(ri, find_cases[_i].path,
	    find_cases[_i].method), rules_find(rules, NITEMS(rules),
	    find_cases[_i].path, find_cases[_i].method));
	rules_index_free(ri);
	for (i = 0; i < NITEMS(ruleset); i++)
		rules_free(&rules[i]);
}
END_TEST

/* Rules sharing a first segment, and globs, keep their order. */
START_TEST(test_rules_index_order)
{
	static const char *const pats[] = {
		"/a/x", "/*/x", "/a", "/b", "/**", "/a/y", "/"
	};
	struct rule		 rules[NITEMS(pats)];
	struct rules_index	*ri;
	int			 i;

	for (i = 0; i < NITEMS(pats); i++)
		rule_make(&rules[i], pats[i], pats[i], NULL);
	ck_assert_ptr_nonnull(ri = rules_index_new(rules, NITEMS(rules)));
	ck_assert_ptr_eq(rules_index_find(ri, "/a/x", "GET"), &rules[0]);
	ck_assert_ptr_eq(rules_index_find(ri, "/b/x", "GET"), &rules[1]);
	ck_assert_ptr_eq(rules_index_find(ri, "/a/y", "GET"), &rules[2]);
	ck_assert_ptr_eq(rules_index_find(ri, "/b", "GET"), &rules[3]);
	ck_assert_ptr_eq(rules_index_find(ri, "/c", "GET"), &rules[4]);
	ck_assert_ptr_eq(rules_index_find(ri, "/", "GET"), &rules[4]);
	ck_assert_ptr_null(rules_index_find(ri, "a/x", "GET"));
	rules_index_free(ri);
	for (i = 0; i < NITEMS(pats); i++)
		rules_free(&rules[i]);

	ck_assert_ptr_nonnull(ri = rules_index_new(NULL, 0));
	ck_assert_ptr_null(rules_index_find(ri, "/", "GET"));
	rules_index_free(ri);
	rules_index_free(NULL);
}
END_TEST

/* Segments from a small alphabet, so that rules and paths often meet. */
static const char *const rand_segs[] = {
	"a", "b", "ab", "ba", "x.php", "", "a*", "*b", "*", "**", "a*b", "*.php"
};

static const char *
rand_seg(unsigned *seed, int globs)
{
	int n = globs ? NITEMS(rand_segs) : 6;

	return rand_segs[rand_r(seed) % n];
}

static void
append(char *buf, size_t bufsz, const char *s)
{
	size_t len = strlen(buf);

	ck_assert_int_lt(snprintf(buf + len, bufsz - len, "%s", s),
	    (int)(bufsz - len));
}

/* A random canonical pattern (globs) or path (no globs). */
static void
rand_path(unsigned *seed, int globs, char *buf, size_t bufsz)
{
	int	 i, n = rand_r(seed) % 4, dbl = 0;
	size_t	 len;

	buf[0] = '\0';
	if (globs && rand_r(seed) % 4 == 0)
		append(buf, bufsz, "=");
	for (i = 0; i < n; i++) {
		const char *seg = rand_seg(seed, globs);

		if (*seg == '\0')
			continue;	/* "//" is not canonical */
		if (strcmp(seg, "**") == 0 && dbl++ > 1)
			continue;
		append(buf, bufsz, "/");
		append(buf, bufsz, seg);
	}
	len = strlen(buf);
	if (len == 0 || buf[len - 1] == '=' || rand_r(seed) % 5 == 0)
		append(buf, bufsz, "/");
}

/*
 * A random rule set against random paths: the index must find exactly
 * the rule the linear scan finds (or none), every time.  Returns how
 * many paths some rule covered.
 */
static int
rules_index_compare(unsigned *seed)
{
	struct rule		 rules[24];
	struct rules_index	*ri;
	const struct rule	*want, *got;
	char			 pat[128], path[128];
	int			 i, n, k, hits = 0;
	const char		*method;

	n = 1 + rand_r(seed) % NITEMS(rules);
	for (i = 0; i < n; i++) {
		rand_path(seed, 1, pat, sizeof(pat));
		rule_make(&rules[i], pat, pat,
		    rand_r(seed) % 3 == 0 ? "POST" : NULL);
	}
	ck_assert_ptr_nonnull(ri = rules_index_new(rules, (size_t)n));
	for (k = 0; k < 200; k++) {
		rand_path(seed, 0, path, sizeof(path));
		method = rand_r(seed) % 2 ? "GET" : "POST";
		want = rules_find(rules, (size_t)n, path, method);
		got = rules_index_find(ri, path, method);
		ck_assert_msg(got == want, "%s %s: index %s, scan %s", method,
		    path, got ? got->ru_name : "none",
		    want ? want->ru_name : "none");
		hits += want != NULL;
	}
	rules_index_free(ri);
	for (i = 0; i < n; i++)
		rules_free(&rules[i]);
	return hits;
}

START_TEST(test_rules_index_random)
{
	unsigned	seed = 0x5eed0000u;
	long		hits = 0;
	int		i;

	for (i = 0; i < 1000; i++)
		hits += rules_index_compare(&seed);
	/* Only worth something if rules do match: over a quarter of paths. */
	ck_assert_int_gt(hits, 1000 * 200 / 4);
}
END_TEST

/* A rule's literal segments are in the mask of every path it covers. */
START_TEST(test_rules_segmask)
{
	struct rule ru;

	ck_assert_uint_eq(rules_segmask("/"), 0);
	ck_assert_uint_eq(rules_segmask("/a/b"), rules_segmask("/b/a/"));
	ck_assert_uint_ne(rules_segmask("/a"), 0);
	rule_make(&ru, "t", "/a/*/b/**", NULL);
	ck_assert_uint_eq(ru.ru_segmask, rules_segmask("/a/b"));
	ck_assert_uint_eq(ru.ru_segmask & ~rules_segmask("/a/x/b/y"), 0);
	rules_free(&ru);
	rule_make(&ru, "t", "/**/*.php", NULL);
	ck_assert_uint_ne(ru.ru_segmask, 0);
	ck_assert_uint_eq(ru.ru_segmask & ~rules_segmask("/a/b/x.php"), 0);
	/* A path with no segment ending in 'p' cannot be covered. */
	ck_assert_uint_ne(ru.ru_segmask & ~rules_segmask("/a/x.txt"), 0);
	rules_free(&ru);
	rule_make(&ru, "t", "/**", NULL);
	ck_assert_uint_eq(ru.ru_segmask, 0);
	rules_free(&ru);
}
END_TEST

/* Swapping two overlapping rules swaps the winner: order is the rule. */
START_TEST(test_rules_find_order)
{
	struct rule		 rules[2];
	const struct rule	*ru;

	rule_make(&rules[0], "wide", "/", NULL);
	rule_make(&rules[1], "narrow", "/admin", NULL);
	ck_assert_ptr_nonnull(ru = rules_find(rules, 2, "/admin", "GET"));
	ck_assert_str_eq(ru->ru_name, "wide");
	ck_assert_ptr_eq(rules_find(rules + 1, 1, "/admin", "GET"),
	    &rules[1]);
	rules_free(&rules[0]);
	rules_free(&rules[1]);

	rule_make(&rules[0], "narrow", "/admin", NULL);
	rule_make(&rules[1], "wide", "/", NULL);
	ck_assert_ptr_nonnull(ru = rules_find(rules, 2, "/admin", "GET"));
	ck_assert_str_eq(ru->ru_name, "narrow");
	ck_assert_ptr_nonnull(ru = rules_find(rules, 2, "/other", "GET"));
	ck_assert_str_eq(ru->ru_name, "wide");
	rules_free(&rules[0]);
	rules_free(&rules[1]);
}
END_TEST

/* Does a rule with these networks let this client address through? */
static const struct {
	const char	*networks;	/* space-separated; NULL: any */
	const char	*addr;		/* NULL: address unknown */
	int		 want;
} network_cases[] = {
	{ NULL,					"10.1.2.3",		1 },
	{ NULL,					"2001:db8::1",		1 },
	{ NULL,					NULL,			1 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"10.1.2.3",		1 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"::ffff:10.1.2.3",	1 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"192.168.255.1",	1 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"::1",			1 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"11.0.0.1",		0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"192.169.0.1",		0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"127.0.0.1",		0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"::2",			0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"::a01:203",		0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	"2001:db8::1",		0 },
	{ "10.0.0.0/8 192.168.0.0/16 ::1",	NULL,			0 },
	{ "::ffff:10.0.0.0/104",		"10.9.9.9",		1 },
	{ "::ffff:10.0.0.0/104",		"11.9.9.9",		0 },
	{ "127.0.0.1",				"::ffff:127.0.0.1",	1 },
	{ "127.0.0.1",				"::127.0.0.1",		0 },
	{ "::/0",				"1.2.3.4",		1 },
	{ "::/0",				"2001:db8::1",		1 },
	{ "::/0",				NULL,			0 },
	{ "0.0.0.0/0",				"1.2.3.4",		1 },
	{ "0.0.0.0/0",				"::1",			0 },
	{ "0.0.0.0/0",				NULL,			0 },
	{ "2001:db8::/32",			"2001:db8:1::1",	1 },
	{ "2001:db8::/32",			"2001:db9::1",		0 },
	{ "2001:db8::/32",			"10.0.0.1",		0 },
};

START_TEST(test_rules_network_allows)
{
	struct rule	ru;
	struct netaddr	na;
	int		known = network_cases[_i].addr != NULL;

	rule_make(&ru, "t", "/", NULL);
	rule_networks(&ru, network_cases[_i].networks);
	memset(&na, 0, sizeof(na));
	if (known)
		ck_assert_int_eq(netaddr_parse(network_cases[_i].addr, &na),
		    0);
	ck_assert_msg(rules_network_allows(&ru, &na, known) ==
	    network_cases[_i].want, "%s in [%s]: want %d",
	    known ? network_cases[_i].addr : "(unknown)",
	    network_cases[_i].networks ? network_cases[_i].networks : "any",
	    network_cases[_i].want);
	rules_free(&ru);
}
END_TEST

/*
 * An unknown address is refused even when the zeroed buffer passed with
 * it would be inside a network ("::/0" holds "::").
 */
START_TEST(test_rules_network_unknown_zero)
{
	struct rule	ru;
	struct netaddr	na;

	rule_make(&ru, "t", "/", NULL);
	rule_networks(&ru, "::/0 ::/128");
	memset(&na, 0, sizeof(na));
	ck_assert_int_eq(rules_network_allows(&ru, &na, 1), 1);
	ck_assert_int_eq(rules_network_allows(&ru, &na, 0), 0);
	rules_free(&ru);
}
END_TEST

/* rules_free() leaves a zeroed rule that can be freed again. */
START_TEST(test_rules_free_twice)
{
	struct rule	ru;

	rule_make(&ru, "t", "/users/*/x", "GET POST");
	rule_networks(&ru, "10.0.0.0/8");
	ck_assert_ptr_nonnull(ru.ru_roles = calloc(1, sizeof(char *)));
	ck_assert_ptr_nonnull(ru.ru_roles[0] = strdup("admin"));
	ru.ru_nroles = 1;
	rules_free(&ru);
	ck_assert_ptr_null(ru.ru_name);
	ck_assert_ptr_null(ru.ru_path);
	ck_assert_ptr_null(ru.ru_methods);
	ck_assert_ptr_null(ru.ru_networks);
	ck_assert_uint_eq(ru.ru_nmethods, 0);
	rules_free(&ru);
}
END_TEST

/* No rules: nothing matches. */
START_TEST(test_rules_find_empty)
{
	ck_assert_ptr_null(rules_find(NULL, 0, "/", "GET"));
}
END_TEST

/* Up to eight "**" load; a ninth is refused. */
START_TEST(test_rules_glob_depth)
{
	struct rule	 ru;
	char		 pat[128];
	const char	*err = NULL;
	int		 n = _i, i;

	for (i = 0; i < n; i++)
		memcpy(pat + 3 * i, "/**", 3);
	memcpy(pat + 3 * n, "/x", sizeof("/x"));
	memset(&ru, 0, sizeof(ru));
	if (n <= 8) {
		ck_assert_msg(rules_set_path(&ru, pat, &err) == 0, "%s: %s",
		    pat, err);
		ck_assert_int_eq(rules_path_match(&ru, "/x"), 1);
		ck_assert_int_eq(rules_path_match(&ru, "/a/b/c/x"), n > 0);
		ck_assert_int_eq(rules_path_match(&ru, "/a/b/c/y"), 0);
		ck_assert_int_eq(rules_path_match(&ru, "/y"), 0);
	} else {
		ck_assert_int_eq(rules_set_path(&ru, pat, &err), -1);
		ck_assert_ptr_nonnull(err);
		ck_assert_ptr_null(ru.ru_path);
	}
	rules_free(&ru);
}
END_TEST

/* A path of n segments "/a/a/.../a", as long as a request may make it. */
static char *
path_of_segments(size_t n)
{
	char	*p;
	size_t	 i;

	ck_assert_ptr_nonnull(p = malloc(2 * n + 1));
	for (i = 0; i < n; i++) {
		p[2 * i] = '/';
		p[2 * i + 1] = 'a';
	}
	p[2 * n] = '\0';
	return p;
}

/*
 * A client chooses the path, so matching must not be exponential in the
 * number of "**": with backtracking into every earlier "**", a 4-"**"
 * pattern takes seconds on 400 segments and hours on the 4096 that
 * AUTHZ_URI_MAX allows.  This test relies on the Check timeout.
 */
START_TEST(test_rules_glob_backtracking)
{
	static const char *const pats[] = {
		"/**/a/**/a/**/a/**/b",
		"=/**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b",
		"/**/*/**/*/**/*/**/*/**/*/**/*/**/*/**/b",
	};
	struct rule	 ru;
	char		*path;
	size_t		 n = AUTHZ_URI_MAX / 2;
	size_t		 i;

	path = path_of_segments(n);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		rule_make(&ru, "t", pats[i], NULL);
		ck_assert_int_eq(rules_path_match(&ru, path), 0);
		path[2 * n - 1] = 'b';
		ck_assert_int_eq(rules_path_match(&ru, path), 1);
		path[2 * n - 1] = 'a';
		rules_free(&ru);
	}
	free(path);
}
END_TEST

/* Long patterns and paths: no fixed buffers in the matcher. */
START_TEST(test_rules_long)
{
	struct rule	 ru;
	char		*path, *longer, *pat;
	size_t		 n = AUTHZ_URI_MAX / 2, len;

	path = path_of_segments(n);
	len = strlen(path);
	ck_assert_ptr_nonnull(longer = malloc(len + 3));
	memcpy(longer, path, len);
	memcpy(longer + len, "/x", sizeof("/x"));
	ck_assert_ptr_nonnull(pat = malloc(len + 2));

	rule_make(&ru, "t", path, NULL);
	ck_assert_int_eq(ru.ru_pathkind, RULE_PATH_PREFIX);
	ck_assert_int_eq(rules_path_match(&ru, path), 1);
	ck_assert_int_eq(rules_path_match(&ru, longer), 1);
	ck_assert_int_eq(rules_path_match(&ru, path + 2), 0);
	rules_free(&ru);

	/* "=" and a last segment of "*": this many segments, exactly. */
	pat[0] = '=';
	memcpy(pat + 1, path, len + 1);
	pat[len] = '*';
	rule_make(&ru, "t", pat, NULL);
	ck_assert_int_eq(ru.ru_pathkind, RULE_PATH_GLOB);
	ck_assert_int_eq(rules_path_match(&ru, path), 1);
	ck_assert_int_eq(rules_path_match(&ru, longer), 0);
	ck_assert_int_eq(rules_path_match(&ru, path + 2), 0);
	rules_free(&ru);

	free(pat);
	free(longer);
	free(path);
}
END_TEST

/* Paths rules never see (canon.c refuses them), matched safely anyway. */
static const struct {
	const char	*pattern;
	const char	*path;
} odd_paths[] = {
	{ "/**",		"" },
	{ "/*",			"" },
	{ "/",			"" },
	{ "=/",			"" },
	{ "/admin",		"admin" },
	{ "/**/x",		"x" },
	{ "=/**/x",		"x" },
	{ "/a/*",		"a/b" },
};

START_TEST(test_rules_path_not_absolute)
{
	struct rule	ru;

	rule_make(&ru, "t", odd_paths[_i].pattern, NULL);
	ck_assert_msg(rules_path_match(&ru, odd_paths[_i].path) == 0,
	    "\"%s\" on \"%s\"", odd_paths[_i].pattern, odd_paths[_i].path);
	rules_free(&ru);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("rules");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_rules_path_match, 0, NITEMS(path_cases));
	tcase_add_loop_test(tc, test_rules_set_path_good, 0,
	    NITEMS(set_good));
	tcase_add_loop_test(tc, test_rules_method_match, 0,
	    NITEMS(method_cases));
	tcase_add_loop_test(tc, test_rules_find, 0, NITEMS(find_cases));
	tcase_add_test(tc, test_rules_find_order);
	tcase_add_loop_test(tc, test_rules_index_find, 0, NITEMS(find_cases));
	tcase_add_test(tc, test_rules_index_order);
	tcase_add_test(tc, test_rules_index_random);
	tcase_add_test(tc, test_rules_segmask);
	tcase_add_loop_test(tc, test_rules_network_allows, 0,
	    NITEMS(network_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_rules_find_empty);
	tcase_add_loop_test(tc, test_rules_glob_depth, 0, 11);
	tcase_add_test(tc, test_rules_glob_backtracking);
	tcase_add_test(tc, test_rules_long);
	tcase_add_test(tc, test_rules_free_twice);
	tcase_add_test(tc, test_rules_network_unknown_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_rules_set_path_bad, 0, NITEMS(set_bad));
	tcase_add_loop_test(tc, test_rules_path_not_absolute, 0,
	    NITEMS(odd_paths));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(rules_suite());
}
