/*
 * inilines.c: an INI file as an array of lines, split, edited and
 * rendered back byte for byte.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "errlist.h"
#include "inifile.h"
#include "inilines.h"

/* A buffer with an explicit length: some hold no final line end. */
#define B(s)		s, sizeof(s) - 1

/* Splits buf into *ls (zeroed first); fails the test if it cannot. */
static void
split(struct inilines *ls, const char *buf, size_t len)
{
	memset(ls, 0, sizeof(*ls));
	ck_assert_int_eq(inilines_split(ls, buf, len), 0);
}

/* Renders ls and fails unless it is want[0..wantlen). */
static void
assert_render(const struct inilines *ls, const char *want, size_t wantlen)
{
	char	*out = NULL;
	size_t	 outlen = 99;

	ck_assert_int_eq(inilines_render(ls, &out, &outlen), 0);
	ck_assert_msg(outlen == wantlen && (wantlen == 0 ||
	    memcmp(out, want, wantlen) == 0), "rendered \"%.*s\" (%zu), "
	    "want \"%.*s\" (%zu)", (int)outlen, out != NULL ? out : "",
	    outlen, (int)wantlen, want, wantlen);
	if (wantlen == 0)
		ck_assert_ptr_null(out);
	free(out);
}

/* Files read and rendered back unchanged, but for the two last ones. */
static const struct roundtrip_case {
	const char	*buf;
	size_t		 len;
	size_t		 nlines;
	int		 bom, crlf, final_nl;
	const char	*want;		/* NULL: buf */
	size_t		 wantlen;
} roundtrip_cases[] = {
	{ B(""), 0, 0, 0, 0, NULL, 0 },
	{ B("\n"), 1, 0, 0, 1, NULL, 0 },
	{ B("\r\n"), 1, 0, 1, 1, NULL, 0 },
	{ B("a = b"), 1, 0, 0, 0, NULL, 0 },
	{ B("a = b\n"), 1, 0, 0, 1, NULL, 0 },
	{ B("[user:a]\nk = v\n\n; c\n"), 4, 0, 0, 1, NULL, 0 },
	{ B("[user:a]\r\nk = v\r\n"), 2, 0, 1, 1, NULL, 0 },
	{ B("[user:a]\r\nk = v"), 2, 0, 1, 0, NULL, 0 },
	{ B("\xef\xbb\xbf[user:a]\n"), 1, 1, 0, 1, NULL, 0 },
	{ B("  \t\n# c\nno equals\n[broken\n"), 4, 0, 0, 1, NULL, 0 },
	{ B("k = v ; why\n\n\n"), 3, 0, 0, 1, NULL, 0 },
	{ B("a\rb\n"), 1, 0, 0, 1, NULL, 0 },	/* a lone CR stays */
	/* CR LF only if every line had one; a BOM alone is no line. */
	{ B("[user:a]\r\nk = v\n"), 2, 0, 0, 1, B("[user:a]\nk = v\n") },
	{ B("\xef\xbb\xbf"), 0, 1, 0, 0, B("") },
};

START_TEST(test_roundtrip)
{
	const struct roundtrip_case	*c = &roundtrip_cases[_i];
	struct inilines			 ls;

	split(&ls, c->buf, c->len);
	ck_assert_uint_eq(ls.ls_nlines, c->nlines);
	ck_assert_int_eq(ls.ls_bom, c->bom);
	ck_assert_int_eq(ls.ls_crlf, c->crlf);
	ck_assert_int_eq(ls.ls_final_nl, c->final_nl);
	ck_assert_int_eq(ls.ls_changed, 0);
	if (c->nlines > 0)
		ck_assert_int_eq(ls.ls_lines[0].ln_orig, 1);
	if (c->want != NULL)
		assert_render(&ls, c->want, c->wantlen);
	else
		assert_render(&ls, c->buf, c->len);
	inilines_free(&ls);
	ck_assert_ptr_null(ls.ls_lines);
	ck_assert_uint_eq(ls.ls_nlines, 0);
}
END_TEST

/* How one line is sorted: the loader's grammar, refused lines too. */
static const struct init_case {
	const char		*text;
	enum inifile_kind	 kind;
	const char		*name;		/* NULL: none kept */
	const char		*value;
} init_cases[] = {
	{ "", INIFILE_BLANK, NULL, NULL },
	{ " \t", INIFILE_BLANK, NULL, NULL },
	{ "; c", INIFILE_COMMENT, NULL, NULL },
	{ "# c", INIFILE_COMMENT, NULL, NULL },
	{ "[user:alice]", INIFILE_SECTION, "user:alice", NULL },
	{ "[token:t] ; c", INIFILE_SECTION, "token:t", NULL },
	{ "password = $argon2id$x", INIFILE_KEY, "password", "$argon2id$x" },
	{ "k =", INIFILE_KEY, "k", "" },
	{ "k = a, b   ; who", INIFILE_KEY, "k", "a, b" },
};

/* Lines the loader refuses: still taken apart, so that they can be edited. */
static const struct init_case init_refused_cases[] = {
	{ "[user:a] x", INIFILE_SECTION, "user:a", NULL },
	{ "  k = v", INIFILE_KEY, "k", "v" },
	{ "k = \"q\"", INIFILE_KEY, "k", "\"q\"" },
	{ "[user:a", INIFILE_OTHER, NULL, NULL },
	{ "no equals", INIFILE_OTHER, NULL, NULL },
};

static void
assert_line_init(const struct init_case *c)
{
	struct inilines_line	ln;

	ck_assert_int_eq(inilines_line_init(&ln, c->text, strlen(c->text), 0),
	    0);
	ck_assert_str_eq(ln.ln_text, c->text);
	ck_assert_int_eq(ln.ln_kind, c->kind);
	ck_assert_int_eq(ln.ln_orig, 0);
	if (c->name != NULL)
		ck_assert_str_eq(ln.ln_name, c->name);
	else
		ck_assert_ptr_null(ln.ln_name);
	if (c->value != NULL)
		ck_assert_str_eq(ln.ln_value, c->value);
	else
		ck_assert_ptr_null(ln.ln_value);
	ck_assert_int_eq(inilines_is_key(&ln, "k"),
	    c->kind == INIFILE_KEY && strcmp(c->name, "k") == 0);
	inilines_line_free(&ln);
	ck_assert_ptr_null(ln.ln_text);
	inilines_line_free(&ln);	/* a zeroed line: nothing */
}

START_TEST(test_line_init)
{
	assert_line_init(&init_cases[_i]);
}
END_TEST

START_TEST(test_line_init_refused)
{
	assert_line_init(&init_refused_cases[_i]);
}
END_TEST

/* Only len bytes are taken: the line need not end in a NUL. */
START_TEST(test_line_init_len)
{
	struct inilines_line	ln;

	ck_assert_int_eq(inilines_line_init(&ln, "k = v; rest", 5, 1), 0);
	ck_assert_str_eq(ln.ln_text, "k = v");
	ck_assert_str_eq(ln.ln_value, "v");
	ck_assert_int_eq(ln.ln_orig, 1);
	inilines_line_free(&ln);
}
END_TEST

/* Edits: remove [from, to), then insert text at at (NULL: none). */
static const struct edit_case {
	const char	*buf;
	size_t		 from, to;
	size_t		 at;
	const char	*text;
	const char	*want;
} edit_cases[] = {
	{ "a\nb\nc\n", 1, 2, 0, NULL, "a\nc\n" },
	{ "a\nb\nc\n", 0, 3, 0, NULL, "" },
	{ "a\nb\nc\n", 2, 2, 0, NULL, "a\nb\nc\n" },	/* empty range */
	{ "a\nb\nc\n", 3, 1, 0, NULL, "a\nb\nc\n" },	/* from > to */
	{ "a\nb\n", 0, 0, 0, "x", "x\na\nb\n" },
	{ "a\nb\n", 0, 0, 1, "x", "a\nx\nb\n" },
	{ "a\nb\n", 0, 0, 2, "x", "a\nb\nx\n" },
	{ "a\r\nb\r\n", 0, 1, 1, "x", "b\r\nx\r\n" },	/* CR LF kept */
	{ "", 0, 0, 0, "[user:a]", "[user:a]\n" },
	/* No final line end: kept on an untouched last line only. */
	{ "a\nb", 0, 1, 0, NULL, "b" },
	{ "a\nb", 0, 0, 2, "x", "a\nb\nx\n" },
	{ "a\nb", 1, 2, 0, NULL, "a" },	/* "a" is the untouched last */
	{ "\xef\xbb\xbf" "a\n", 0, 1, 0, "b", "\xef\xbb\xbf" "b\n" },
};

START_TEST(test_edit)
{
	const struct edit_case	*c = &edit_cases[_i];
	struct inilines		 ls;
	struct inilines_line	 ln;

	split(&ls, c->buf, strlen(c->buf));
	inilines_remove(&ls, c->from, c->to);
	ck_assert_int_eq(ls.ls_changed, c->from < c->to);
	if (c->text != NULL) {
		ck_assert_int_eq(inilines_reserve(&ls, 1), 0);
		ck_assert_int_eq(inilines_line_init(&ln, c->text,
		    strlen(c->text), 0), 0);
		inilines_insert(&ls, c->at, &ln);
		ck_assert_int_eq(ls.ls_changed, 1);
		ck_assert_str_eq(ls.ls_lines[c->at].ln_text, c->text);
	}
	assert_render(&ls, c->want, strlen(c->want));
	inilines_free(&ls);
}
END_TEST

/* Where the section whose header is at line h ends. */
static const struct end_case {
	const char	*buf;
	size_t		 h;
	size_t		 end;
} end_cases[] = {
	{ "[a]\nk = v\n[b]\n", 0, 2 },
	{ "[a]\nk = v\n[b]\n", 2, 3 },
	{ "[a]\n[b]\n", 0, 1 },
	{ "; c\n[a]\n\n; c\nk = v\n", 1, 5 },
	{ "[a]\n[broken\nk = v\n[c]\n", 0, 3 },	/* OTHER is no header */
};

START_TEST(test_section_end)
{
	const struct end_case	*c = &end_cases[_i];
	struct inilines		 ls;

	split(&ls, c->buf, strlen(c->buf));
	ck_assert_uint_eq(inilines_section_end(&ls, c->h), c->end);
	inilines_free(&ls);
}
END_TEST

/* After a write, what was rendered is what was read. */
START_TEST(test_saved)
{
	struct inilines		ls;
	struct inilines_line	ln;

	split(&ls, B("a\nb"));
	ck_assert_int_eq(inilines_reserve(&ls, 1), 0);
	ck_assert_int_eq(inilines_line_init(&ln, "c", 1, 0), 0);
	inilines_insert(&ls, 2, &ln);
	assert_render(&ls, B("a\nb\nc\n"));
	inilines_saved(&ls);
	ck_assert_int_eq(ls.ls_changed, 0);
	ck_assert_int_eq(ls.ls_final_nl, 1);
	ck_assert_int_eq(ls.ls_lines[2].ln_orig, 1);
	inilines_remove(&ls, 2, 3);	/* "b" has its end now */
	assert_render(&ls, B("a\nb\n"));
	inilines_remove(&ls, 0, 2);
	inilines_saved(&ls);
	ck_assert_int_eq(ls.ls_final_nl, 0);
	assert_render(&ls, B(""));
	inilines_free(&ls);
}
END_TEST

/* Many lines, inserted in front: the store grows and keeps order. */
START_TEST(test_grow)
{
	struct inilines		ls;
	struct inilines_line	ln;
	char			text[32];
	size_t			i, n = 1000;

	memset(&ls, 0, sizeof(ls));
	ck_assert_int_eq(inilines_reserve(&ls, 0), 0);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "k%zu = %zu", i, i);
		ck_assert_int_eq(inilines_reserve(&ls, 1), 0);
		ck_assert_int_eq(inilines_line_init(&ln, text, strlen(text), 0),
		    0);
		inilines_insert(&ls, 0, &ln);
	}
	ck_assert_uint_eq(ls.ls_nlines, n);
	ck_assert_uint_ge(ls.ls_cap, n);
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "k%zu", n - 1 - i);
		ck_assert(inilines_is_key(&ls.ls_lines[i], text));
	}
	inilines_remove(&ls, 0, n);
	ck_assert_uint_eq(ls.ls_nlines, 0);
	inilines_free(&ls);
}
END_TEST

/* A key the handler is given, for test_loader_agrees. */
struct seen_keys {
	const struct inilines	*sk_ls;
	int			 sk_keys;
};

static int
seen_key(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct seen_keys	*sk = user;
	const struct inilines_line *ln;

	(void)section;
	if (name == NULL)
		return 1;
	ck_assert_int_gt(line, 0);
	ln = &sk->sk_ls->ls_lines[line - 1];
	ck_assert_int_eq(ln->ln_kind, INIFILE_KEY);
	ck_assert_str_eq(ln->ln_name, name);
	ck_assert_str_eq(ln->ln_value, value);
	sk->sk_keys++;
	return 1;
}

/*
 * What the editor holds is what the daemon reads: every file here is
 * written out, loaded with inifile_parse(), and each key it delivers is
 * the line the store sorted as that key, with the same value.
 */
static const char *const loader_files[] = {
	"[user:a]\npassword = $argon2id$v=19$x\nexpires = 2030-01-01\n",
	"; c\n\n[user:a]\nk = a, b   ; who\n\n[token:t]\nk =\n",
	"[user:a]\r\nk = v ; c\r\n",
};

START_TEST(test_loader_agrees)
{
	const char		*buf = loader_files[_i];
	struct inilines		 ls;
	struct seen_keys	 sk;
	struct errlist		 el;
	char			 dir[128], path[160];
	FILE			*f;
	size_t			 i;
	int			 nkeys = 0;

	check_tmpdir_make(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/users.ini", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(buf, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	split(&ls, buf, strlen(buf));
	for (i = 0; i < ls.ls_nlines; i++)
		nkeys += ls.ls_lines[i].ln_kind == INIFILE_KEY;
	memset(&sk, 0, sizeof(sk));
	sk.sk_ls = &ls;
	errlist_init(&el);
	if (inifile_parse(path, 1, NULL, seen_key, &sk, &el) != 0)
		errlist_print(&el, stderr);
	ck_assert_uint_eq(el.el_count, 0);
	ck_assert_int_eq(sk.sk_keys, nkeys);
	errlist_free(&el);
	inilines_free(&ls);
	check_tmpdir_remove(dir);
}
END_TEST

static Suite *
inilines_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("inilines");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_roundtrip, 0, NITEMS(roundtrip_cases));
	tcase_add_loop_test(tc, test_line_init, 0, NITEMS(init_cases));
	tcase_add_test(tc, test_line_init_len);
	tcase_add_loop_test(tc, test_edit, 0, NITEMS(edit_cases));
	tcase_add_loop_test(tc, test_section_end, 0, NITEMS(end_cases));
	tcase_add_test(tc, test_saved);
	tcase_add_loop_test(tc, test_loader_agrees, 0, NITEMS(loader_files));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_grow);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_line_init_refused, 0,
	    NITEMS(init_refused_cases));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(inilines_suite());
}
