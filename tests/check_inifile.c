#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <ini.h>

#include "check_common.h"
#include "defaults.h"
#include "errlist.h"
#include "inifile.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define EV_MAX		64
#define EV_SIZE		512

/*
 * What a handler was called with, one string a call:
 * "LINE [section]" for a header, "LINE [section] name=value" for a key.
 */
struct rec {
	char		 ev[EV_MAX][EV_SIZE];
	size_t		 n;
	int		 fail_line;	/* return 0 for this line */
	int		 fail_quiet;	/* ...without adding a message */
	struct errlist	*errs;
};

static int
rec_handler(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct rec	*r = user;

	if (r->n < EV_MAX) {
		if (name == NULL && value == NULL)
			snprintf(r->ev[r->n], EV_SIZE, "%d [%s]", line,
			    section);
		else
			snprintf(r->ev[r->n], EV_SIZE, "%d [%s] %s=%s", line,
			    section, name != NULL ? name : "(null)",
			    value != NULL ? value : "(null)");
	}
	r->n++;
	if (line != r->fail_line)
		return 1;
	if (!r->fail_quiet)
		errlist_add(r->errs, "handler", line, "refused");
	return 0;
}

static void
rec_init(struct rec *r, struct errlist *errs)
{
	memset(r, 0, sizeof(*r));
	r->errs = errs;
}

static void
assert_events(const struct rec *r, const char *const *want)
{
	size_t	i;

	for (i = 0; want != NULL && want[i] != NULL; i++) {
		ck_assert_msg(i < r->n, "call %zu missing: want \"%s\"", i,
		    want[i]);
		ck_assert_str_eq(r->ev[i], want[i]);
	}
	ck_assert_msg(r->n == i, "%zu handler calls, want %zu", r->n, i);
}

static const char *
fixture(const char *name)
{
	static char	 path[PATH_MAX];
	const char	*srcdir;

	if ((srcdir = getenv("TEST_SRCDIR")) == NULL || *srcdir == '\0')
		srcdir = ".";
	if ((size_t)snprintf(path, sizeof(path), "%s/tests/data/ini/%s",
	    srcdir, name) >= sizeof(path))
		ck_abort_msg("TEST_SRCDIR too long");
	return path;
}

/* --- core: files and buffers that are fine ---------------------------- */

static const char *const good_ini[] = {
	"4 [server]",
	"5 [server] listen=unix:/run/fcgi-authz/fcgi-authz.sock",
	"6 [server] realm=a",
	"7 [server] trusted_proxies=",
	"8 [server] empty=",
	"9 [server] log=stderr",
	"11 [server] url=http://example.org/a#frag",
	"13 [rule:health]",
	"14 [rule:health] path==/healthz",
	"15 [rule:health] methods=GET",
	"17 [empty]",
	"18 [user:alice]",
	"19 [user:alice] password="
	    "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
	"20 [user:alice] roles=admin, editor",
	"21 [user:alice] name=Zo\xc3\xab \xe2\x98\x95",
	"22 [user:alice] tabs=value",
	NULL
};

static const char *const bom_start_ini[] = {
	"1 [server]",
	"2 [server] realm=x",
	NULL
};

static const char *const crlf_ini[] = {
	"1 [server]",
	"2 [server] realm=x",
	"5 [rule:a]",
	"6 [rule:a] path=/",
	NULL
};

static const char *const section_49_ini[] = {
	"1 [user:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]",
	"2 [user:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx] roles=admin",
	NULL
};

static const struct good_case {
	const char		 *file;
	const char *const	 *want;
} good_files[] = {
	{ "good.ini",		good_ini },
	{ "bom_start.ini",	bom_start_ini },
	{ "crlf.ini",		crlf_ini },
	{ "section_49.ini",	section_49_ini },
};

START_TEST(test_good_files)
{
	const struct good_case	*c = &good_files[_i];
	struct errlist		 errs;
	struct rec		 r;
	struct stat		 st;
	int			 rc;

	errlist_init(&errs);
	rec_init(&r, &errs);
	rc = inifile_parse(fixture(c->file), 1, &st, rec_handler, &r, &errs);
	errlist_print(&errs, stderr);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	ck_assert(S_ISREG(st.st_mode));
	assert_events(&r, c->want);
	errlist_free(&errs);
}
END_TEST

/* Every header gets its call, in file order, empty sections included. */
START_TEST(test_empty_sections)
{
	static const char *const want[] = {
		"1 [a]", "2 [b]", "3 [b] k=v", "4 [c]", NULL
	};
	static const char	 buf[] = "[a]\n[b]\nk = v\n[c]\n";
	struct errlist		 errs;
	struct rec		 r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(inifile_parse_buffer("buf", buf, strlen(buf),
	    rec_handler, &r, &errs), 0);
	assert_events(&r, want);
	errlist_free(&errs);
}
END_TEST

START_TEST(test_no_final_newline)
{
	static const char *const want[] = { "1 [s]", "2 [s] k=v", NULL };
	struct errlist		 errs;
	struct rec		 r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(inifile_parse_buffer("buf", "[s]\nk = v", 9,
	    rec_handler, &r, &errs), 0);
	assert_events(&r, want);
	errlist_free(&errs);
}
END_TEST

START_TEST(test_empty_and_comments)
{
	static const char	 buf[] =
	    "; only\n\n# comments\n   \n\t; here\n";
	struct errlist		 errs;
	struct rec		 r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(inifile_parse_buffer("buf", "", 0, rec_handler, &r,
	    &errs), 0);
	ck_assert_int_eq(inifile_parse_buffer("buf", buf, strlen(buf),
	    rec_handler, &r, &errs), 0);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
}
END_TEST

/* The result depends on errors added by this call only. */
START_TEST(test_earlier_errors)
{
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	errlist_add(&errs, "other.ini", 3, "an earlier error");
	ck_assert_int_eq(inifile_parse_buffer("buf", "[s]\nk=v\n", 8,
	    rec_handler, &r, &errs), 0);
	ck_assert_uint_eq(errlist_count(&errs), 1);
	errlist_free(&errs);
}
END_TEST

/* --- limits ------------------------------------------------------------ */

/* "[s]\n" then a key line of linelen bytes, ended by eol. */
static int
parse_long(size_t linelen, const char *eol, struct errlist *errs,
    struct rec *r)
{
	char	buf[512];
	size_t	len;

	ck_assert(linelen + 8 < sizeof(buf));
	memcpy(buf, "[s]\nk=", 6);
	memset(buf + 6, 'v', linelen - 2);
	len = 4 + linelen;
	memcpy(buf + len, eol, strlen(eol));
	len += strlen(eol);
	return inifile_parse_buffer("buf", buf, len, rec_handler, r, errs);
}

static const struct long_case {
	size_t		 len;
	const char	*eol;
	int		 rc;
} long_lines[] = {
	{ AUTHZ_INI_LINE_MAX,		"\n",	0 },
	{ AUTHZ_INI_LINE_MAX,		"\r\n",	0 },
	{ AUTHZ_INI_LINE_MAX,		"",	0 },
	{ AUTHZ_INI_LINE_MAX + 1,	"\n",	-1 },
	{ AUTHZ_INI_LINE_MAX + 1,	"\r\n",	-1 },
	{ AUTHZ_INI_LINE_MAX + 1,	"",	-1 },
	{ 400,				"\n",	-1 },
};

START_TEST(test_line_length)
{
	const struct long_case	*c = &long_lines[_i];
	struct errlist		 errs;
	struct rec		 r;
	char			 want[64];

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(parse_long(c->len, c->eol, &errs, &r), c->rc);
	if (c->rc == 0) {
		ck_assert_uint_eq(r.n, 2);
		ck_assert_uint_eq(strlen(r.ev[1]), strlen("2 [s] k=") +
		    c->len - 2);
	} else {
		snprintf(want, sizeof(want), "line is %zu bytes", c->len);
		check_assert_msg(&errs, "buf:2:", want);
		ck_assert_uint_eq(r.n, 0);
	}
	errlist_free(&errs);
}
END_TEST

/* "[s]\n" then a key whose name is namelen bytes. */
static int
parse_name(size_t namelen, struct errlist *errs, struct rec *r)
{
	char	buf[128];

	ck_assert(namelen + 8 < sizeof(buf));
	memcpy(buf, "[s]\n", 4);
	memset(buf + 4, 'k', namelen);
	memcpy(buf + 4 + namelen, "=v\n", 3);
	return inifile_parse_buffer("buf", buf, 4 + namelen + 3, rec_handler,
	    r, errs);
}

START_TEST(test_key_name_length)
{
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(parse_name(AUTHZ_INI_NAME_MAX, &errs, &r), 0);
	ck_assert_uint_eq(r.n, 2);
	rec_init(&r, &errs);
	ck_assert_int_eq(parse_name(AUTHZ_INI_NAME_MAX + 1, &errs, &r), -1);
	check_assert_msg(&errs, "buf:2:", "key name is 50 bytes");
	ck_assert_uint_eq(r.n, 0);
	errlist_free(&errs);
}
END_TEST

/* --- malformed: one fixture per inih pitfall --------------------------- */

static const char *const dup_section_calls[] = {
	"1 [user:alice]",
	"2 [user:alice] roles=viewer",
	"4 [user:bob]",
	"5 [user:bob] roles=viewer",
	NULL
};

static const char *const dup_key_calls[] = {
	"1 [user:bob]",
	"2 [user:bob] roles=viewer",
	"3 [user:bob] disabled=no",
	NULL
};

static const char *const key_outside_calls[] = {
	"3 [server]",
	"4 [server] workers=4",
	NULL
};

static const struct bad_case {
	const char		 *file;
	const char		 *where;	/* "FILE:LINE:" */
	const char		 *text;		/* in the message */
	const char *const	 *want;		/* calls; NULL: none */
} bad_files[] = {
	{ "long_line.ini", "/long_line.ini:2:",
	    "line is 208 bytes; inih reads at most 197", NULL },
	{ "continuation.ini", "/continuation.ini:4:",
	    "remove the indentation", NULL },
	{ "inline_semicolon.ini", "/inline_semicolon.ini:2:",
	    "';' inside a value is ambiguous", NULL },
	{ "hash_comment.ini", "/hash_comment.ini:2:",
	    "inline comments start with ' ;'", NULL },
	{ "quotes.ini", "/quotes.ini:2:",
	    "inih keeps quotes literally", NULL },
	{ "nul.ini", "/nul.ini:2:", "NUL byte at column 12", NULL },
	{ "cr_only.ini", "/cr_only.ini:1:", "CR without LF", NULL },
	{ "bom_middle.ini", "/bom_middle.ini:3:",
	    "byte order mark at column 1", NULL },
	{ "long_section.ini", "/long_section.ini:2:",
	    "section name is 50 bytes: inih cuts it to 49", NULL },
	{ "section_spaces.ini", "/section_spaces.ini:4:",
	    "leading or trailing whitespace", NULL },
	{ "missing_bracket.ini", "/missing_bracket.ini:3:",
	    "missing ']'", NULL },
	{ "text_after_bracket.ini", "/text_after_bracket.ini:1:",
	    "text after ']'", NULL },
	{ "dup_section.ini", "/dup_section.ini:7:",
	    "duplicate section [user:alice] (first at line 1)",
	    dup_section_calls },
	{ "dup_key.ini", "/dup_key.ini:4:",
	    "duplicate key 'roles' (first at line 2)", dup_key_calls },
	{ "key_outside_section.ini", "/key_outside_section.ini:2:",
	    "key outside of any section", key_outside_calls },
	{ "no_equals.ini", "/no_equals.ini:2:",
	    "expected 'key = value'", NULL },
	{ "colon_key.ini", "/colon_key.ini:2:",
	    "':' in key name", NULL },
	{ "bad_utf8.ini", "/bad_utf8.ini:2:",
	    "invalid UTF-8 at column 12", NULL },
	{ "control_char.ini", "/control_char.ini:2:",
	    "control byte 0x1b at column 9", NULL },
};

/* Each file holds exactly one problem, so exactly one message. */
START_TEST(test_bad_files)
{
	const struct bad_case	*c = &bad_files[_i];
	struct errlist		 errs;
	struct rec		 r;
	int			 rc;

	errlist_init(&errs);
	rec_init(&r, &errs);
	rc = inifile_parse(fixture(c->file), 1, NULL, rec_handler, &r, &errs);
	ck_assert_int_eq(rc, -1);
	check_assert_msg(&errs, c->where, c->text);
	if (errlist_count(&errs) != 1)
		errlist_print(&errs, stderr);
	ck_assert_uint_eq(errlist_count(&errs), 1);
	assert_events(&r, c->want);
	errlist_free(&errs);
}
END_TEST

static const struct buf_case {
	const char	*buf;
	size_t		 len;		/* 0: strlen(buf) */
	const char	*where;
	const char	*text;
} bad_bufs[] = {
	{ "[s]\nk = \"x\" ; note\n", 0, "buf:2:", "quotes literally" },
	{ "[]\n", 0, "buf:1:", "empty section name" },
	{ "[a[b]\n", 0, "buf:1:", "'[' inside a section name" },
	{ "[a]b]\n", 0, "buf:1:", "']' inside a section name" },
	{ "[a ;b]\n", 0, "buf:1:", "';' inside a section name" },
	{ "[s];x\n", 0, "buf:1:", "text after ']'" },
	{ "[s]\n= v\n", 0, "buf:2:", "empty key name" },
	{ "[s]\nmy key = v\n", 0, "buf:2:", "contains whitespace" },
	{ "[s]\nk=;x\n", 0, "buf:2:", "';' inside a value" },
	{ "[s]\nk = #x\n", 0, "buf:2:", "'#' in a value" },
	{ "[s]\nk = v\r\n\r", 0, "buf:3:", "CR without LF" },
	{ "[s]\r[t]\n", 0, "buf:1:", "CR without LF at column 4" },
	{ "[s]\nk = v\0w\n", 12, "buf:2:", "NUL byte at column 6" },
	{ "[s]\nk = \xed\xa0\x80\n", 0, "buf:2:", "invalid UTF-8" },
	{ "[s]\nk = \xc0\xaf\n", 0, "buf:2:", "invalid UTF-8" },
	{ "[s]\nk = \xf4\x90\x80\x80\n", 0, "buf:2:", "invalid UTF-8" },
	{ "[s]\nk = \xe2\x82\n", 0, "buf:2:", "invalid UTF-8" },
	{ "[s]\nk = \x80\n", 0, "buf:2:", "invalid UTF-8" },
	{ "[s]\nk = a\x7f\n", 0, "buf:2:", "control byte 0x7f" },
	{ "[s]\nk = a\x0b\n", 0, "buf:2:", "control byte 0x0b" },
	{ "[s]\na:b = c\n", 0, "buf:2:", "would read key \"a\"" },
	{ "[s]\n\tk = v\n", 0, "buf:2:", "remove the indentation" },
	{ "[s]\n k = v\n", 0, "buf:2:", "remove the indentation" },
	{ "[s]\nk = v\n[s]\n", 0, "buf:3:",
	    "duplicate section [s] (first at line 1)" },
	{ "[s]\nk = \xef\xbb\xbf\n", 0, "buf:2:", "byte order mark" },
	{ "\xef\xbb\xbf\xef\xbb\xbf[s]\n", 0, "buf:1:",
	    "byte order mark at column 4" },
	{ "[s]\nk\n", 0, "buf:2:", "expected 'key = value'" },
	{ "[s\n", 0, "buf:1:", "missing ']'" },
};

START_TEST(test_bad_buffers)
{
	const struct buf_case	*c = &bad_bufs[_i];
	struct errlist		 errs;
	struct rec		 r;
	size_t			 len;

	errlist_init(&errs);
	rec_init(&r, &errs);
	len = c->len != 0 ? c->len : strlen(c->buf);
	ck_assert_int_eq(inifile_parse_buffer("buf", c->buf, len,
	    rec_handler, &r, &errs), -1);
	check_assert_msg(&errs, c->where, c->text);
	errlist_free(&errs);
}
END_TEST

/* The pre-scan goes on after the first problem. */
START_TEST(test_every_error)
{
	static const char	 buf[] =
	    "[s]\n"
	    "a = \"q\"\n"
	    "  cont\n"
	    "ok = 1\n"
	    "b\n"
	    "[ t ]\n"
	    "c = x # y\n";
	struct errlist		 errs;
	struct rec		 r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	ck_assert_int_eq(inifile_parse_buffer("buf", buf, strlen(buf),
	    rec_handler, &r, &errs), -1);
	check_assert_msg(&errs, "buf:2:", "quotes");
	check_assert_msg(&errs, "buf:3:", "indentation");
	check_assert_msg(&errs, "buf:5:", "expected");
	check_assert_msg(&errs, "buf:6:", "whitespace");
	check_assert_msg(&errs, "buf:7:", "'#'");
	ck_assert_uint_eq(errlist_count(&errs), 5);
	ck_assert_uint_eq(r.n, 0);
	errlist_free(&errs);
}
END_TEST

/* A handler's 0 is an error, and the calls after it still come. */
START_TEST(test_handler_fails)
{
	static const char *const want[] = {
		"1 [s]", "2 [s] a=1", "3 [s] b=2", "4 [s] c=3", NULL
	};
	static const char	 buf[] = "[s]\na = 1\nb = 2\nc = 3\n";
	struct errlist		 errs;
	struct rec		 r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	r.fail_line = 3;
	ck_assert_int_eq(inifile_parse_buffer("buf", buf, strlen(buf),
	    rec_handler, &r, &errs), -1);
	assert_events(&r, want);
	check_assert_msg(&errs, "handler:3:", "refused");
	ck_assert_uint_eq(errlist_count(&errs), 1);
	errlist_free(&errs);
}
END_TEST

/* Even when the handler forgot its message. */
START_TEST(test_handler_fails_quietly)
{
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	r.fail_line = 1;
	r.fail_quiet = 1;
	ck_assert_int_eq(inifile_parse_buffer("buf", "[s]\nk=v\n", 8,
	    rec_handler, &r, &errs), -1);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
}
END_TEST

/* --- files: what is opened ---------------------------------------------- */

static char	tmpdir[PATH_MAX];

static void
tmp_path(char *dst, size_t size, const char *name)
{
	if ((size_t)snprintf(dst, size, "%s/%s", tmpdir, name) >= size)
		ck_abort_msg("temporary path too long");
}

static void
tmp_setup(void)
{
	const char	*base;

	if ((base = getenv("TMPDIR")) == NULL || *base == '\0')
		base = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_inifile.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
tmp_teardown(void)
{
	static const char *const names[] = {
		"real.ini", "link.ini", "fifo", "big.ini"
	};
	char	path[PATH_MAX];
	size_t	i;

	for (i = 0; i < NITEMS(names); i++) {
		tmp_path(path, sizeof(path), names[i]);
		unlink(path);
	}
	tmp_path(path, sizeof(path), "dir");
	rmdir(path);
	rmdir(tmpdir);
}

static void
tmp_write(const char *name, const char *text)
{
	char	path[PATH_MAX];
	FILE	*fp;

	tmp_path(path, sizeof(path), name);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Without nofollow a symbolic link is followed; with it, refused. */
START_TEST(test_symlink)
{
	static const char *const want[] = { "1 [s]", "2 [s] k=v", NULL };
	char		link[PATH_MAX];
	struct errlist	errs;
	struct rec	r;
	struct stat	st;

	errlist_init(&errs);
	rec_init(&r, &errs);
	tmp_write("real.ini", "[s]\nk = v\n");
	tmp_path(link, sizeof(link), "link.ini");
	ck_assert_int_eq(symlink("real.ini", link), 0);

	ck_assert_int_eq(inifile_parse(link, 0, &st, rec_handler, &r,
	    &errs), 0);
	assert_events(&r, want);
	ck_assert_int_eq(st.st_size, 10);

	rec_init(&r, &errs);
	ck_assert_int_eq(inifile_parse(link, 1, NULL, rec_handler, &r,
	    &errs), -1);
	check_assert_msg(&errs, "/link.ini: ", "is a symbolic link");
	ck_assert_uint_eq(r.n, 0);
	errlist_free(&errs);
}
END_TEST

START_TEST(test_directory)
{
	char		path[PATH_MAX];
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	tmp_path(path, sizeof(path), "dir");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(inifile_parse(path, 1, NULL, rec_handler, &r,
	    &errs), -1);
	check_assert_msg(&errs, "/dir: ", "not a regular file");
	errlist_free(&errs);
}
END_TEST

/* A FIFO with no writer must be refused, not waited on. */
START_TEST(test_fifo)
{
	char		path[PATH_MAX];
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	tmp_path(path, sizeof(path), "fifo");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(inifile_parse(path, 1, NULL, rec_handler, &r,
	    &errs), -1);
	check_assert_msg(&errs, "/fifo: ", "not a regular file");
	errlist_free(&errs);
}
END_TEST

START_TEST(test_missing)
{
	char		path[PATH_MAX];
	struct errlist	errs;
	struct rec	r;

	errlist_init(&errs);
	rec_init(&r, &errs);
	tmp_path(path, sizeof(path), "absent.ini");
	ck_assert_int_eq(inifile_parse(path, 1, NULL, rec_handler, &r,
	    &errs), -1);
	check_assert_msg(&errs, "/absent.ini: ", "No such file");
	errlist_free(&errs);
}
END_TEST

/* The size is checked before anything is read (a sparse file). */
START_TEST(test_too_big)
{
	char		path[PATH_MAX];
	struct errlist	errs;
	struct rec	r;
	int		fd;

	errlist_init(&errs);
	rec_init(&r, &errs);
	tmp_path(path, sizeof(path), "big.ini");
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT, 0600), -1);
	ck_assert_int_eq(ftruncate(fd, (off_t)AUTHZ_INI_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(inifile_parse(path, 1, NULL, rec_handler, &r,
	    &errs), -1);
	check_assert_msg(&errs, "/big.ini: ", "at most");
	errlist_free(&errs);
}
END_TEST

/* --- the inih contract: what Debian's libinih does on its own ---------- */

/*
 * inifile_classify_line() against inih itself, on every fixture: where
 * the loader takes a file, the classifier finds no problem on any line
 * and the keys it reads are inih's calls, in order; where the
 * classifier finds a problem, the loader refuses the file.
 */
struct agree {
	char	ev[EV_MAX][EV_SIZE];
	size_t	n;
};

static void
agree_add(struct agree *a, const char *section, size_t slen,
    const char *name, size_t nlen, const char *value, size_t vlen)
{
	if (a->n < EV_MAX)
		snprintf(a->ev[a->n], EV_SIZE, "[%.*s] %.*s=%.*s", (int)slen,
		    section, (int)nlen, name, (int)vlen, value);
	a->n++;
}

static int
agree_handler(void *user, const char *section, const char *name,
    const char *value)
{
	if (name != NULL && value != NULL)
		agree_add(user, section, strlen(section), name, strlen(name),
		    value, strlen(value));
	return 1;
}

static int
agree_nop(void *user, const char *section, const char *name,
    const char *value, int line)
{
	(void)user, (void)section, (void)name, (void)value, (void)line;
	return 1;
}

static const char *const agree_files[] = {
	"bad_utf8.ini", "bom_middle.ini", "bom_start.ini", "colon_key.ini",
	"continuation.ini", "control_char.ini", "cr_only.ini", "crlf.ini",
	"dup_key.ini", "dup_section.ini", "good.ini", "hash_comment.ini",
	"inline_semicolon.ini", "key_outside_section.ini", "long_line.ini",
	"long_section.ini", "missing_bracket.ini", "no_equals.ini", "nul.ini",
	"quotes.ini", "section_49.ini", "section_spaces.ini",
	"text_after_bracket.ini",
};

START_TEST(test_classify_agrees)
{
	static struct agree	 inih, ours;
	struct inifile_line	 il;
	struct errlist		 errs;
	const char		*sect = "", *p, *nl;
	size_t			 slen = 0, n, len, off, bom, cr;
	char			 buf[8192];
	FILE			*f;
	int			 problems = 0, loaded;

	ck_assert_ptr_nonnull(f = fopen(fixture(agree_files[_i]), "rb"));
	len = fread(buf, 1, sizeof(buf) - 1, f);
	ck_assert(feof(f));
	fclose(f);
	buf[len] = '\0';
	memset(&inih, 0, sizeof(inih));
	memset(&ours, 0, sizeof(ours));
	for (off = 0; off < len; off += n + (nl != NULL ? 1 : 0)) {
		p = buf + off;
		nl = memchr(p, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - p) : len - off;
		/* As inifile.c cuts lines: CR LF, and a BOM on line 1. */
		bom = off == 0 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ?
		    3 : 0;
		cr = nl != NULL && n > bom && p[n - 1] == '\r' ? 1 : 0;
		inifile_classify_line(p + bom, n - bom - cr, &il);
		problems += il.il_problems;
		if (il.il_kind == INIFILE_SECTION) {
			sect = il.il_name;
			slen = il.il_namelen;
		} else if (il.il_kind == INIFILE_KEY)
			agree_add(&ours, sect, slen, il.il_name, il.il_namelen,
			    il.il_value, il.il_valuelen);
	}
	errlist_init(&errs);
	loaded = inifile_parse_buffer(agree_files[_i], buf, len, agree_nop,
	    NULL, &errs) == 0;
	errlist_free(&errs);
	if (problems > 0)
		ck_assert_msg(!loaded, "%s: the classifier finds %d problems, "
		    "the loader none", agree_files[_i], problems);
	if (!loaded)
		return;
	(void)ini_parse_string(buf, agree_handler, &inih);
	ck_assert_int_eq(problems, 0);
	ck_assert_uint_le(inih.n, EV_MAX);
	ck_assert_uint_eq(ours.n, inih.n);
	for (n = 0; n < inih.n; n++)
		ck_assert_str_eq(ours.ev[n], inih.ev[n]);
}
END_TEST

/* Table rows: a line and what the classifier makes of it. */
static const struct classify_case {
	const char		*line;
	enum inifile_kind	 kind;
	const char		*name;		/* section or key */
	const char		*value;
	const char		*comment;	/* from the ';', or NULL */
	int			 bad;		/* il_problems > 0 */
} classify_cases[] = {
	{ "", INIFILE_BLANK, NULL, NULL, NULL, 0 },
	{ " \t", INIFILE_BLANK, NULL, NULL, NULL, 0 },
	{ "; c", INIFILE_COMMENT, NULL, NULL, NULL, 0 },
	{ "  # c", INIFILE_COMMENT, NULL, NULL, NULL, 0 },
	{ "[user:a]", INIFILE_SECTION, "user:a", NULL, NULL, 0 },
	{ "[user:a] ; c", INIFILE_SECTION, "user:a", NULL, NULL, 0 },
	{ "[user:a] x", INIFILE_SECTION, "user:a", NULL, NULL, 1 },
	{ "[user:a", INIFILE_OTHER, NULL, NULL, NULL, 1 },
	{ "k = v", INIFILE_KEY, "k", "v", NULL, 0 },
	{ "k=", INIFILE_KEY, "k", "", NULL, 0 },
	{ "k = a, b   ; who ; what", INIFILE_KEY, "k", "a, b", "; who ; what",
	    0 },
	{ "k =;x", INIFILE_KEY, "k", ";x", NULL, 1 },
	{ "k = \"q\"", INIFILE_KEY, "k", "\"q\"", NULL, 1 },
	{ "k = a #b", INIFILE_KEY, "k", "a #b", NULL, 1 },
	{ "  k = v", INIFILE_KEY, "k", "v", NULL, 1 },
	{ "k:x = v", INIFILE_KEY, "k:x", "v", NULL, 1 },
	{ "a b = v", INIFILE_KEY, "a b", "v", NULL, 1 },
	{ " = v", INIFILE_KEY, "", "v", NULL, 1 },
	{ "no equals", INIFILE_OTHER, NULL, NULL, NULL, 1 },
};

START_TEST(test_classify_line)
{
	const struct classify_case	*c = &classify_cases[_i];
	struct inifile_line		 il;
	enum inifile_kind		 kind;

	kind = inifile_classify_line(c->line, strlen(c->line), &il);
	ck_assert_int_eq(kind, il.il_kind);
	ck_assert_int_eq(il.il_problems > 0, c->bad);
	ck_assert_int_eq(kind, c->kind);
	if (c->name != NULL) {
		ck_assert_uint_eq(il.il_namelen, strlen(c->name));
		ck_assert_int_eq(memcmp(il.il_name, c->name, il.il_namelen), 0);
	}
	if (c->value != NULL) {
		ck_assert_uint_eq(il.il_valuelen, strlen(c->value));
		ck_assert_int_eq(memcmp(il.il_value, c->value,
		    il.il_valuelen), 0);
	}
	if (c->comment != NULL)
		ck_assert_str_eq(il.il_comment, c->comment);
	else if (kind == INIFILE_KEY)
		ck_assert_ptr_null(il.il_comment);
}
END_TEST


struct contract {
	char	ev[8][EV_SIZE];
	size_t	n;
};

static int
contract_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct contract	*c = user;

	if (c->n < NITEMS(c->ev))
		snprintf(c->ev[c->n], EV_SIZE, "[%s] %s=%s", section,
		    name != NULL ? name : "(null)",
		    value != NULL ? value : "(null)");
	c->n++;
	return 1;
}

static const struct contract_case {
	const char	*in;
	int		 rc;
	const char	*want[3];
} contract_cases[] = {
	/* An indented line repeats the key before it. */
	{ "[s]\nrole=viewer\n  admin\n", 0,
	    { "[s] role=viewer", "[s] role=admin" } },
	/* " ;" starts a comment, ";" alone does not. */
	{ "[s]\ntoken=abc ;def\n", 0, { "[s] token=abc" } },
	{ "[s]\ntoken=abc;def\n", 0, { "[s] token=abc;def" } },
	/* Quotes are kept. */
	{ "[s]\nrealm=\"My Realm\" ; note\n", 0,
	    { "[s] realm=\"My Realm\"" } },
	/* ':' splits like '='. */
	{ "[s]\nrole:admin\n", 0, { "[s] role=admin" } },
	/* CR-only line endings: nothing at all, and no error. */
	{ "[s]\rrole=admin\r", 0, { NULL } },
	/* A BOM in the middle is text. */
	{ "[s]\n\xef\xbb\xbf[user:bob]\n", 0,
	    { "[s] \xef\xbb\xbf[user=bob]" } },
	/* After a missing ']' the keys go to section "". */
	{ "[user:bob\nrole=admin\n", 1, { "[] role=admin" } },
	/* Section names keep their spaces. */
	{ "[ a ]\nk=v\n", 0, { "[ a ] k=v" } },
	/* Duplicates are ordinary calls. */
	{ "[s]\nk=1\nk=2\n", 0, { "[s] k=1", "[s] k=2" } },
	/* A line without '=' is an error, and parsing goes on. */
	{ "[s]\nk\nj=v\n", 2, { "[s] j=v" } },
};

START_TEST(test_contract)
{
	const struct contract_case	*c = &contract_cases[_i];
	struct contract			 got;
	size_t				 i;

	memset(&got, 0, sizeof(got));
	ck_assert_int_eq(ini_parse_string(c->in, contract_handler, &got),
	    c->rc);
	for (i = 0; i < NITEMS(c->want) && c->want[i] != NULL; i++) {
		ck_assert_msg(i < got.n, "call %zu missing", i);
		ck_assert_str_eq(got.ev[i], c->want[i]);
	}
	ck_assert_uint_eq(got.n, i);
}
END_TEST

/*
 * INI_MAX_LINE 200: the line is cut after 199 bytes, the rest becomes a
 * key of its own, and ini_parse_string() still returns 0.
 */
START_TEST(test_contract_long_line)
{
	char		in[256], want[256];
	struct contract	got;
	size_t		len;

	memset(&got, 0, sizeof(got));
	memcpy(in, "[s]\ncomment=", 12);
	memset(in + 12, 'A', 190);
	len = 12 + 190;
	memcpy(in + len, "role=admin\n", 12);	/* with the NUL */
	ck_assert_int_eq(ini_parse_string(in, contract_handler, &got), 0);
	ck_assert_uint_eq(got.n, 2);
	memcpy(want, "[s] comment=", 12);
	memset(want + 12, 'A', 190);
	memcpy(want + 12 + 190, "r", 2);
	ck_assert_str_eq(got.ev[0], want);
	ck_assert_str_eq(got.ev[1], "[s] ole=admin");
}
END_TEST

/* MAX_SECTION 50: names are cut to 49 bytes. */
START_TEST(test_contract_section_cut)
{
	char		in[128], want[64];
	struct contract	got;

	memset(&got, 0, sizeof(got));
	memset(want, 0, sizeof(want));
	memset(want, 'x', AUTHZ_INI_SECTION_MAX + 1);
	snprintf(in, sizeof(in), "[%s]\nk=v\n", want);
	want[AUTHZ_INI_SECTION_MAX] = '\0';
	ck_assert_int_eq(ini_parse_string(in, contract_handler, &got), 0);
	ck_assert_uint_eq(got.n, 1);
	ck_assert_uint_eq(strlen(got.ev[0]),
	    strlen("[] k=v") + AUTHZ_INI_SECTION_MAX);
	ck_assert_int_eq(strncmp(got.ev[0] + 1, want, AUTHZ_INI_SECTION_MAX),
	    0);
}
END_TEST

/*
 * Debian patches inih to read its options from writable globals (not in
 * upstream, hence dlsym): pin them to the values in docs/security.md.  Another
 * build of inih lacks the symbols, and the behaviour tests above stand.
 */
static const struct option_case {
	const char	*sym;
	int		 want;
} option_bools[] = {
	{ "ini_allow_multiline",	1 },
	{ "ini_allow_bom",		1 },
	{ "ini_allow_inline_comments",	1 },
	{ "ini_use_stack",		1 },
	{ "ini_allow_realloc",		0 },
	{ "ini_stop_on_first_error",	0 },
	{ "ini_allow_no_value",		0 },
};

START_TEST(test_contract_options)
{
	const bool	*b;
	const int	*n;
	char *const	*p;
	size_t		 i;

	if ((n = dlsym(RTLD_DEFAULT, "ini_max_line")) == NULL)
		return;
	ck_assert_int_eq(*n, AUTHZ_INI_LINE_MAX + 3);
	for (i = 0; i < NITEMS(option_bools); i++) {
		b = dlsym(RTLD_DEFAULT, option_bools[i].sym);
		ck_assert_msg(b != NULL, "%s missing", option_bools[i].sym);
		ck_assert_msg(*b == option_bools[i].want, "%s is %d",
		    option_bools[i].sym, *b);
	}
	ck_assert_ptr_nonnull(p = dlsym(RTLD_DEFAULT,
	    "ini_inline_comment_prefixes"));
	ck_assert_str_eq(*p, ";");
	ck_assert_ptr_nonnull(p = dlsym(RTLD_DEFAULT,
	    "ini_start_comment_prefixes"));
	ck_assert_str_eq(*p, ";#");
}
END_TEST

/*
 * When inih reads a line differently from the pre-scan, the key is
 * refused rather than passed on: turn inline comments off and see.
 */
START_TEST(test_contract_divergence)
{
	static const char *const want[] = { "1 [s]", "3 [s] k=v", NULL };
	static const char	 buf[] = "[s]\nrealm = a ;note\nk = v\n";
	struct errlist		 errs;
	struct rec		 r;
	bool			*inline_comments;
	int			 rc;

	if ((inline_comments = dlsym(RTLD_DEFAULT,
	    "ini_allow_inline_comments")) == NULL)
		return;
	errlist_init(&errs);
	rec_init(&r, &errs);
	*inline_comments = false;
	rc = inifile_parse_buffer("buf", buf, strlen(buf), rec_handler, &r,
	    &errs);
	*inline_comments = true;
	ck_assert_int_eq(rc, -1);
	check_assert_msg(&errs, "buf:2:", "has libinih changed?");
	ck_assert_uint_eq(errlist_count(&errs), 1);
	assert_events(&r, want);
	errlist_free(&errs);
}
END_TEST

static Suite *
inifile_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("inifile");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_good_files, 0, NITEMS(good_files));
	tcase_add_test(tc, test_empty_sections);
	tcase_add_test(tc, test_no_final_newline);
	tcase_add_test(tc, test_empty_and_comments);
	tcase_add_test(tc, test_earlier_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_line_length, 0, NITEMS(long_lines));
	tcase_add_test(tc, test_key_name_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_files, 0, NITEMS(bad_files));
	tcase_add_loop_test(tc, test_bad_buffers, 0, NITEMS(bad_bufs));
	tcase_add_test(tc, test_every_error);
	tcase_add_test(tc, test_handler_fails);
	tcase_add_test(tc, test_handler_fails_quietly);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_symlink);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_fifo);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_too_big);
	suite_add_tcase(s, tc);

	tc = tcase_create("inih contract");
	tcase_add_loop_test(tc, test_contract, 0, NITEMS(contract_cases));
	tcase_add_test(tc, test_contract_long_line);
	tcase_add_test(tc, test_contract_section_cut);
	tcase_add_test(tc, test_contract_options);
	tcase_add_test(tc, test_contract_divergence);
	tcase_add_loop_test(tc, test_classify_agrees, 0, NITEMS(agree_files));
	tcase_add_loop_test(tc, test_classify_line, 0,
	    NITEMS(classify_cases));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(inifile_suite());
}
