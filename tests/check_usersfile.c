#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "defaults.h"
#include "errlist.h"
#include "users.h"
#include "usersfile.h"

#define NWRITERS	20

/* Hashes from tests/data/conf/good-users.ini; cheap, and within limits. */
#define HASH_A		"$argon2id$v=19$m=8192,t=1,p=1" \
			"$4UWxwpZJKErpGqJfs2Aj8Q" \
			"$zNQpE706Z8OoJfsMLBkRHEigCF4i4+sXS5HFWlZfx3M"
#define HASH_B		"$argon2id$v=19$m=8192,t=1,p=1" \
			"$w+Nr6NJTLlV6CtOwtE+nFA" \
			"$cb9GZMRGHvScWJiPDK6vBls3kjDxDNcrxuYMdfRSv48"
#define TOKEN_HASH	"blake2b:b8ce4acc4c3afb779bbd434bd761fa18" \
			"548de4248b6c53452cc663d125566201"

static const struct hashfmt_limits limits = HASHFMT_LIMITS_DEFAULT;

/* A file with everything an editor must keep: comments, blanks, order. */
static const char sample[] =
    "; users for the tests\n"
    "[user:alice]\n"
    "password = " HASH_A "\n"
    "; her roles\n"
    "roles = admin, editor   ; inline\n"
    "expires = 2027-06-30\n"
    "\n"
    "# bob is next\n"
    "[user:bob]\n"
    "password = " HASH_B "\n"
    "disabled = no\n"
    "\n"
    "[token:ci]\n"
    "user = alice\n"
    "hash = " TOKEN_HASH "\n";

static char	tmpdir[PATH_MAX];
static char	upath[PATH_MAX];	/* tmpdir/users.ini */

static void
tmp_setup(void)
{
	check_tmpdir_make(tmpdir, sizeof(tmpdir));
	if ((size_t)snprintf(upath, sizeof(upath), "%s/users.ini", tmpdir) >=
	    sizeof(upath))
		ck_abort_msg("TMPDIR too long");
}

static void
tmp_teardown(void)
{
	check_tmpdir_remove(tmpdir);
}

static void
in_tmp(char *buf, size_t size, const char *name)
{
	if ((size_t)snprintf(buf, size, "%s/%s", tmpdir, name) >= size)
		ck_abort_msg("path too long");
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE	*fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
write_str(const char *path, const char *data)
{
	write_file(path, data, strlen(data));
}

/* The whole file, NUL-terminated; *lenp gets its length. */
static char *
read_all(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf;
	size_t	 cap = 1 << 20, len;

	ck_assert_ptr_nonnull(fp = fopen(path, "r"));
	ck_assert_ptr_nonnull(buf = malloc(cap));
	len = fread(buf, 1, cap - 1, fp);
	ck_assert(feof(fp));
	fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static void
assert_file(const char *path, const char *want)
{
	char	*got;
	size_t	 len;

	got = read_all(path, &len);
	ck_assert_msg(len == strlen(want) && memcmp(got, want, len) == 0,
	    "%s:\n--- got ---\n%s\n--- want ---\n%s", path, got, want);
	free(got);
}

/* Names in tmpdir other than the file and its lock: leftovers. */
static int
count_strays(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir(tmpdir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".users.ini.", 11) == 0 &&
		    strcmp(de->d_name, ".users.ini.lock") != 0)
			n++;
	closedir(d);
	return n;
}

static struct usersfile *
open_ok(const char *path, int create)
{
	struct usersfile	*uf;
	const char		*errstr = NULL;

	uf = usersfile_open(path, create, &errstr);
	ck_assert_msg(uf != NULL, "usersfile_open %s: %s", path,
	    errstr != NULL ? errstr : "?");
	return uf;
}

static void
commit_ok(struct usersfile *uf)
{
	struct errlist	el;

	errlist_init(&el);
	if (usersfile_commit(uf, &limits, &el) != 0) {
		errlist_print(&el, stderr);
		ck_abort_msg("usersfile_commit failed");
	}
	ck_assert_uint_eq(errlist_count(&el), 0);
	errlist_free(&el);
}

/* Edits sample, then checks every byte of the result. */
START_TEST(test_roundtrip_keeps_everything)
{
	struct usersfile	*uf;
	static const char	 want[] =
	    "; users for the tests\n"
	    "[user:alice]\n"
	    "password = " HASH_A "\n"
	    "; her roles\n"
	    "roles = viewer          ; inline\n"
	    "expires = 2027-06-30\n"
	    "\n"
	    "# bob is next\n"
	    "[user:bob]\n"
	    "password = " HASH_B "\n"
	    "disabled = yes\n"
	    "expires = never\n"
	    "\n"
	    "[token:ci]\n"
	    "user = alice\n"
	    "hash = " TOKEN_HASH "\n"
	    "\n"
	    "[user:carol]\n"
	    "password = " HASH_A "\n";

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles", "viewer"),
	    0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "yes"),
	    0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "expires", "never"),
	    0);
	ck_assert_int_eq(usersfile_add(uf, "user", "carol"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "carol", "password", HASH_A),
	    0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, want);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/* CR LF throughout stays CR LF; a mix becomes LF. */
START_TEST(test_roundtrip_crlf)
{
	struct usersfile	*uf;

	write_str(upath, "; c\r\n[user:alice]\r\npassword = " HASH_A "\r\n"
	    "roles = a\r\n");
	uf = open_ok(upath, 0);
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "roles"), "a");
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles", "b"), 0);
	ck_assert_int_eq(usersfile_add(uf, "user", "bob"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "password", HASH_B),
	    0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "; c\r\n[user:alice]\r\npassword = " HASH_A "\r\n"
	    "roles = b\r\n\r\n[user:bob]\r\npassword = " HASH_B "\r\n");

	write_str(upath, "; c\r\n[user:alice]\npassword = " HASH_A "\r\n"
	    "roles = a\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles", "b"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "; c\n[user:alice]\npassword = " HASH_A "\n"
	    "roles = b\n");
}
END_TEST

/* A missing final newline stays missing while its line is untouched. */
START_TEST(test_roundtrip_final_newline)
{
	struct usersfile	*uf;

	write_str(upath, "[user:alice]\nroles = a\npassword = " HASH_A);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles", "b"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:alice]\nroles = b\npassword = " HASH_A);

	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "expires",
	    "never"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:alice]\nroles = b\npassword = " HASH_A
	    "\nexpires = never\n");
}
END_TEST

/* A byte order mark stays at the start, whatever happens to line 1. */
START_TEST(test_roundtrip_bom)
{
	struct usersfile	*uf;

	write_str(upath, "\xef\xbb\xbf[user:a]\npassword = " HASH_A "\n\n"
	    "[user:b]\npassword = " HASH_B "\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_has(uf, "user", "a"), 1);
	ck_assert_int_eq(usersfile_del(uf, "user", "a"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "\xef\xbb\xbf[user:b]\npassword = " HASH_B "\n");
}
END_TEST

/* Values as inih gives them: trimmed, inline comment gone. */
START_TEST(test_get_like_inih)
{
	struct usersfile	*uf;

	write_str(upath, "[user:alice]\n"
	    "password=" HASH_A "\n"
	    "roles =   admin, editor   ; who ; what\n"
	    "expires =;not-a-comment\n"
	    "disabled =  \n"
	    "[token:t]\n"
	    "user = alice\n");
	uf = open_ok(upath, 0);
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "password"),
	    HASH_A);
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "roles"),
	    "admin, editor");
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "expires"),
	    ";not-a-comment");
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "disabled"), "");
	ck_assert_str_eq(usersfile_get(uf, "token", "t", "user"), "alice");
	ck_assert_ptr_null(usersfile_get(uf, "user", "alice", "user"));
	ck_assert_ptr_null(usersfile_get(uf, "token", "alice", "password"));
	ck_assert_ptr_null(usersfile_get(uf, "user", "t", "user"));
	usersfile_close(uf);
}
END_TEST

/* Replace in place; insert after the last key, or under the header. */
START_TEST(test_set_replace_insert)
{
	struct usersfile	*uf;

	write_str(upath, "[user:a]\n"
	    "roles = x\n"
	    "password = " HASH_A "\n"
	    "; trailing comment of a\n"
	    "\n"
	    "[token:t]\n"
	    "\n"
	    "; t's keys go above this\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "roles", "y"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "disabled", "no"), 0);
	ck_assert_int_eq(usersfile_set(uf, "token", "t", "user", "a"), 0);
	ck_assert_int_eq(usersfile_set(uf, "token", "t", "hash", TOKEN_HASH),
	    0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "roles", ""), 0);
	ck_assert_str_eq(usersfile_get(uf, "user", "a", "roles"), "");
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\n"
	    "roles =\n"
	    "password = " HASH_A "\n"
	    "disabled = no\n"
	    "; trailing comment of a\n"
	    "\n"
	    "[token:t]\n"
	    "user = a\n"
	    "hash = " TOKEN_HASH "\n"
	    "\n"
	    "; t's keys go above this\n");
}
END_TEST

/* The inline comment survives, in its column, with " ;" before it. */
START_TEST(test_set_keeps_inline_comment)
{
	struct usersfile	*uf;

	write_str(upath, "[user:a]\n"
	    "password = " HASH_A " ; set 2024\n"
	    "roles = admin,editor,viewer   ; aligned\n"
	    "expires = never ;tight\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "password", HASH_B),
	    0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "roles", "admin"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "expires",
	    "2027-06-30"), 0);
	ck_assert_str_eq(usersfile_get(uf, "user", "a", "expires"),
	    "2027-06-30");
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\n"
	    "password = " HASH_B " ; set 2024\n"
	    "roles = admin                 ; aligned\n"
	    "expires = 2027-06-30 ;tight\n");
}
END_TEST

/* A comment that no longer fits moves above its key, whole. */
START_TEST(test_set_moves_long_comment)
{
	struct usersfile	*uf;
	char			 roles[200], file[512], want[512];
	const char		*comment = "; a comment that takes up room";
	size_t			 i;

	memset(roles, 'r', 40);
	roles[40] = '\0';
	snprintf(file, sizeof(file), "[user:a]\npassword = %s\nroles = %s %s\n",
	    HASH_A, roles, comment);
	write_str(upath, file);
	/* 8 + 189 = 197 bytes: the most one inih line holds. */
	for (i = 0; i < 189; i++)
		roles[i] = i % 40 == 39 ? ',' : 'r';
	roles[189] = '\0';
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "roles", roles), 0);
	commit_ok(uf);
	usersfile_close(uf);
	snprintf(want, sizeof(want), "[user:a]\npassword = %s\n%s\n"
	    "roles = %s\n", HASH_A, comment, roles);
	assert_file(upath, want);
}
END_TEST

/* Setting what is there already changes nothing, and writes nothing. */
START_TEST(test_commit_unchanged)
{
	struct usersfile	*uf;
	struct stat		 before, after;
	struct timespec		 ts[2];

	write_str(upath, sample);
	/* An old mtime, so that any rewrite would show. */
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, upath, ts, 0), 0);
	ck_assert_int_eq(stat(upath, &before), 0);
	uf = open_ok(upath, 0);
	commit_ok(uf);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "no"),
	    0);
	ck_assert_int_eq(usersfile_unset(uf, "user", "bob", "roles"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	ck_assert_int_eq(stat(upath, &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	ck_assert_int_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_file(upath, sample);
}
END_TEST

/* A second commit after more changes writes those too. */
START_TEST(test_commit_twice)
{
	struct usersfile	*uf;
	struct users		*u;
	struct errlist		 el;

	uf = open_ok(upath, 1);
	ck_assert_int_eq(usersfile_add(uf, "user", "a"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "password", HASH_A), 0);
	commit_ok(uf);
	ck_assert_int_eq(usersfile_add(uf, "user", "b"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "b", "password", HASH_B), 0);
	commit_ok(uf);
	usersfile_close(uf);
	errlist_init(&el);
	ck_assert_ptr_nonnull(u = users_load(upath, &limits, &el));
	ck_assert_uint_eq(users_count(u), 2);
	users_free(u);
	errlist_free(&el);
}
END_TEST

START_TEST(test_unset)
{
	struct usersfile	*uf;

	write_str(upath, "[user:a]\npassword = " HASH_A "\nroles = x ; why\n"
	    "expires = never\n\n[user:b]\npassword = " HASH_B "\nroles = y\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_unset(uf, "user", "a", "roles"), 0);
	ck_assert_ptr_null(usersfile_get(uf, "user", "a", "roles"));
	ck_assert_str_eq(usersfile_get(uf, "user", "b", "roles"), "y");
	ck_assert_int_eq(usersfile_unset(uf, "user", "a", "absent"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\npassword = " HASH_A "\n"
	    "expires = never\n\n[user:b]\npassword = " HASH_B "\nroles = y\n");
}
END_TEST

#define DEL_BASE							\
	"; file comment\n"						\
	"[user:a]\n"							\
	"password = " HASH_A "\n"					\
	"; a's note\n"							\
	"\n"								\
	"; about b\n"							\
	"[user:b]\n"							\
	"password = " HASH_B "\n"					\
	"; inside b\n"							\
	"roles = x\n"							\
	"\n"								\
	"[user:c]\n"							\
	"password = " HASH_A "\n"

static const struct {
	const char	*in;
	const char	*name;
	const char	*want;
} del_cases[] = {
	/* first: the file's own comment stays, and so does b's */
	{ DEL_BASE, "a",
	    "; file comment\n"
	    "; about b\n"
	    "[user:b]\n"
	    "password = " HASH_B "\n"
	    "; inside b\n"
	    "roles = x\n"
	    "\n"
	    "[user:c]\n"
	    "password = " HASH_A "\n" },
	/* middle: b's comment above it, and inside it, go */
	{ DEL_BASE, "b",
	    "; file comment\n"
	    "[user:a]\n"
	    "password = " HASH_A "\n"
	    "; a's note\n"
	    "\n"
	    "[user:c]\n"
	    "password = " HASH_A "\n" },
	/* last: no blank line left at the end */
	{ DEL_BASE, "c",
	    "; file comment\n"
	    "[user:a]\n"
	    "password = " HASH_A "\n"
	    "; a's note\n"
	    "\n"
	    "; about b\n"
	    "[user:b]\n"
	    "password = " HASH_B "\n"
	    "; inside b\n"
	    "roles = x\n" },
	/* only: an empty file */
	{ "[user:a]\npassword = " HASH_A "\n", "a", "" },
	/* only, under the file's comment: the comment stays */
	{ "; mine\n[user:a]\npassword = " HASH_A "\n; end\n", "a", "; mine\n" },
	/* first, no blank lines anywhere */
	{ "[user:a]\npassword = " HASH_A "\n; about b\n[user:b]\n"
	    "password = " HASH_B "\n", "a",
	    "; about b\n[user:b]\npassword = " HASH_B "\n" },
	/* middle, blank lines doubled: those above it stay as they were */
	{ "[user:a]\npassword = " HASH_A "\n\n\n[user:b]\npassword = " HASH_B
	    "\n\n\n[user:c]\npassword = " HASH_A "\n", "b",
	    "[user:a]\npassword = " HASH_A "\n\n\n[user:c]\npassword = " HASH_A
	    "\n" },
	/* a token among users */
	{ "[user:a]\npassword = " HASH_A "\n\n[token:t]\nuser = a\nhash = "
	    TOKEN_HASH "\n\n[user:b]\npassword = " HASH_B "\n", "t",
	    "[user:a]\npassword = " HASH_A "\n\n[user:b]\npassword = " HASH_B
	    "\n" },
};

START_TEST(test_del)
{
	struct usersfile	*uf;
	const char		*kind;

	write_str(upath, del_cases[_i].in);
	uf = open_ok(upath, 0);
	kind = strcmp(del_cases[_i].name, "t") == 0 ? "token" : "user";
	ck_assert_int_eq(usersfile_del(uf, kind, del_cases[_i].name), 0);
	ck_assert_int_eq(usersfile_has(uf, kind, del_cases[_i].name), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, del_cases[_i].want);
}
END_TEST

/* A missing file with create: made, 0640, and loadable. */
START_TEST(test_add_missing_file)
{
	struct usersfile	*uf;
	struct stat		 st;

	uf = open_ok(upath, 1);
	ck_assert_int_eq(access(upath, F_OK), -1);
	ck_assert_int_eq(usersfile_has(uf, "user", "alice"), 0);
	ck_assert_int_eq(usersfile_add(uf, "user", "alice"), 0);
	ck_assert_int_eq(usersfile_has(uf, "user", "alice"), 1);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "password",
	    HASH_A), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:alice]\npassword = " HASH_A "\n");
	ck_assert_int_eq(stat(upath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
}
END_TEST

/* An empty file: no blank line first; its mode is kept. */
START_TEST(test_add_empty_file)
{
	struct usersfile	*uf;
	struct stat		 st;

	write_str(upath, "");
	ck_assert_int_eq(chmod(upath, 0600), 0);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_add(uf, "user", "alice"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "password",
	    HASH_A), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:alice]\npassword = " HASH_A "\n");
	ck_assert_int_eq(stat(upath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

/* One blank line before a new section, never two. */
START_TEST(test_add_after_blank)
{
	struct usersfile	*uf;

	write_str(upath, "[user:a]\npassword = " HASH_A "\n\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_add(uf, "token", "t"), 0);
	ck_assert_int_eq(usersfile_set(uf, "token", "t", "user", "a"), 0);
	ck_assert_int_eq(usersfile_set(uf, "token", "t", "hash", TOKEN_HASH),
	    0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\npassword = " HASH_A "\n\n[token:t]\n"
	    "user = a\nhash = " TOKEN_HASH "\n");
}
END_TEST

START_TEST(test_names)
{
	struct usersfile	*uf;
	char			**names;
	size_t			 n, i;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "user", &n));
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "alice");
	ck_assert_str_eq(names[1], "bob");
	ck_assert_ptr_null(names[2]);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "token", &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(names[0], "ci");
	free(names[0]);
	free(names);
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "use", &n));
	ck_assert_uint_eq(n, 0);
	free(names);
	usersfile_close(uf);
}
END_TEST

START_TEST(test_commit_keeps_mode)
{
	static const mode_t	 modes[] = { 0640, 0600, 0644, 0400 };
	struct usersfile	*uf;
	struct stat		 st;
	size_t			 i;

	for (i = 0; i < NITEMS(modes); i++) {
		write_str(upath, sample);
		ck_assert_int_eq(chmod(upath, modes[i]), 0);
		uf = open_ok(upath, 0);
		ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled",
		    "yes"), 0);
		commit_ok(uf);
		usersfile_close(uf);
		ck_assert_int_eq(stat(upath, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, modes[i]);
	}
}
END_TEST

/* As root: the owner and group stay; as anyone else there is no test. */
START_TEST(test_commit_keeps_owner)
{
	struct usersfile	*uf;
	struct passwd		*pw;
	struct group		*gr;
	struct stat		 st;

	if (geteuid() != 0)
		return;
	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	if ((gr = getgrnam("nogroup")) == NULL)
		ck_assert_ptr_nonnull(gr = getgrgid(pw->pw_gid));
	write_str(upath, sample);
	ck_assert_int_eq(chown(upath, pw->pw_uid, gr->gr_gid), 0);
	ck_assert_int_eq(chmod(upath, 0640), 0);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "yes"),
	    0);
	commit_ok(uf);
	usersfile_close(uf);
	ck_assert_int_eq(stat(upath, &st), 0);
	ck_assert_uint_eq(st.st_uid, pw->pw_uid);
	ck_assert_uint_eq(st.st_gid, gr->gr_gid);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
}
END_TEST

/* Through a symbolic link: the file it points to changes, the link stays. */
START_TEST(test_symlink_followed)
{
	struct usersfile	*uf;
	char			 sub[PATH_MAX], real[PATH_MAX], lock[PATH_MAX];
	struct stat		 st;

	in_tmp(sub, sizeof(sub), "real");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	in_tmp(real, sizeof(real), "real/users.ini");
	in_tmp(lock, sizeof(lock), "real/.users.ini.lock");
	write_str(real, sample);
	ck_assert_int_eq(symlink("real/users.ini", upath), 0);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(stat(lock, &st), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "yes"),
	    0);
	commit_ok(uf);
	usersfile_close(uf);
	ck_assert_int_eq(lstat(upath, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	uf = open_ok(real, 0);
	ck_assert_str_eq(usersfile_get(uf, "user", "bob", "disabled"), "yes");
	usersfile_close(uf);
}
END_TEST

START_TEST(test_lock_file_created)
{
	struct usersfile	*uf;
	char			 lock[PATH_MAX];
	struct stat		 st;
	mode_t			 old;

	in_tmp(lock, sizeof(lock), ".users.ini.lock");
	old = umask(0);
	uf = open_ok(upath, 1);
	umask(old);
	ck_assert_int_eq(lstat(lock, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	usersfile_close(uf);
	/* Never removed: a waiter could hold a lock on a file gone. */
	ck_assert_int_eq(access(lock, F_OK), 0);
}
END_TEST

/*
 * Waits until pid is queued on an flock, as /proc/locks shows ("->"
 * lines): usually a few milliseconds.  Without /proc, or where its pids
 * are another namespace's, it gives up after a second; the caller's
 * checks still hold then, they just test less.
 */
static void
wait_blocked(pid_t pid)
{
	FILE		*fp;
	char		 line[256];
	long		 p;
	int		 tries, found = 0;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };

	for (tries = 0; tries < 100 && !found; tries++) {
		if ((fp = fopen("/proc/locks", "r")) != NULL) {
			while (fgets(line, sizeof(line), fp) != NULL)
				if (sscanf(line, "%*d: -> FLOCK %*s %*s %ld",
				    &p) == 1 && p == (long)pid)
					found = 1;
			fclose(fp);
		}
		if (!found)
			nanosleep(&ts, NULL);
	}
}

/* A holder keeps a second opener waiting until it closes. */
START_TEST(test_lock_blocks)
{
	struct usersfile	*uf, *uf2;
	const char		*errstr;
	struct pollfd		 pfd;
	int			 started[2], opened[2], status;
	pid_t			 pid;
	char			 c;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(pipe(started), 0);
	ck_assert_int_eq(pipe(opened), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		/* Our copy of the holder's descriptor would keep it locked. */
		usersfile_close(uf);
		close(started[0]);
		close(opened[0]);
		if (write(started[1], "s", 1) != 1)
			_exit(1);
		uf2 = usersfile_open(upath, 0, &errstr);
		if (write(opened[1], uf2 != NULL ? "o" : "e", 1) != 1)
			_exit(1);
		usersfile_close(uf2);
		_exit(0);
	}
	close(started[1]);
	close(opened[1]);
	ck_assert_int_eq(read(started[0], &c, 1), 1);
	wait_blocked(pid);
	pfd.fd = opened[0];
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	usersfile_close(uf);
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_int_eq(read(opened[0], &c, 1), 1);
	ck_assert_int_eq(c, 'o');
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(started[0]);
	close(opened[0]);
}
END_TEST

/* One writer's whole edit: open, add, set, commit, close.  Exit status. */
static int
writer(int i)
{
	struct usersfile	*uf;
	struct errlist		 el;
	const char		*errstr;
	char			 name[16];
	int			 rc = 1;

	snprintf(name, sizeof(name), "u%02d", i);
	errlist_init(&el);
	if ((uf = usersfile_open(upath, 1, &errstr)) == NULL)
		goto done;
	if (usersfile_add(uf, "user", name) == -1 ||
	    usersfile_set(uf, "user", name, "password", HASH_A) == -1 ||
	    usersfile_set(uf, "user", name, "roles", name) == -1 ||
	    usersfile_commit(uf, &limits, &el) == -1)
		goto done;
	rc = 0;
done:
	if (rc != 0)
		errlist_print(&el, stderr);
	errlist_free(&el);
	usersfile_close(uf);
	return rc;
}

/* Twenty processes edit at once: each edit lands, one after another. */
START_TEST(test_concurrent_writers)
{
	struct usersfile	*uf;
	struct users		*u;
	struct errlist		 el;
	char			 name[16], **names;
	pid_t			 pids[NWRITERS];
	size_t			 n;
	int			 i, status;

	for (i = 0; i < NWRITERS; i++) {
		ck_assert_int_ne(pids[i] = fork(), -1);
		if (pids[i] == 0)
			_exit(writer(i));
	}
	for (i = 0; i < NWRITERS; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "writer %d failed", i);
	}
	errlist_init(&el);
	u = users_load(upath, &limits, &el);
	errlist_print(&el, stderr);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(users_count(u), NWRITERS);
	for (i = 0; i < NWRITERS; i++) {
		snprintf(name, sizeof(name), "u%02d", i);
		ck_assert_ptr_nonnull(users_find(u, name, strlen(name)));
	}
	users_free(u);
	errlist_free(&el);
	uf = open_ok(upath, 0);
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "user", &n));
	ck_assert_uint_eq(n, NWRITERS);
	for (i = 0; i < NWRITERS; i++)
		free(names[i]);
	free(names);
	usersfile_close(uf);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/* Values and keys at their limits, and ordinary ones. */
static const struct {
	const char	*key;
	const char	*value;
} good_values[] = {
	{ "password", HASH_A },
	{ "roles", "admin, editor" },
	{ "roles", "" },
	{ "expires", "2027-06-30" },
	{ "hash", TOKEN_HASH },
	{ "x", "a#b" },
	{ "x", "a=b" },
	{ "x", "[not a section]" },
	{ "x", "zo\xc3\xab" },
	{ "x", "\"" },
	{ "x", "\"half" },
	{ "x", "a b" },
	{ "my_key.v-2", "v" },
};

START_TEST(test_value_good)
{
	ck_assert_msg(usersfile_value_is_valid(good_values[_i].key,
	    good_values[_i].value), "refused: %s = %s", good_values[_i].key,
	    good_values[_i].value);
}
END_TEST

/* "k = " + value is one inih line: at most AUTHZ_INI_LINE_MAX bytes. */
START_TEST(test_value_length_limit)
{
	char	v[AUTHZ_INI_LINE_MAX + 2], k[AUTHZ_INI_NAME_MAX + 2];

	memset(v, 'v', sizeof(v));
	v[AUTHZ_INI_LINE_MAX - 4] = '\0';
	ck_assert_int_eq(usersfile_value_is_valid("k", v), 1);
	v[AUTHZ_INI_LINE_MAX - 4] = 'v';
	v[AUTHZ_INI_LINE_MAX - 3] = '\0';
	ck_assert_int_eq(usersfile_value_is_valid("k", v), 0);
	memset(k, 'k', sizeof(k));
	k[AUTHZ_INI_NAME_MAX] = '\0';
	ck_assert_int_eq(usersfile_value_is_valid(k, "v"), 1);
	k[AUTHZ_INI_NAME_MAX] = 'k';
	k[AUTHZ_INI_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(usersfile_value_is_valid(k, "v"), 0);
}
END_TEST

/* A 197-byte line is written and loaded; names at 44 bytes are taken. */
START_TEST(test_longest_line_and_name)
{
	struct usersfile	*uf;
	struct users		*u;
	struct errlist		 el;
	char			 roles[AUTHZ_INI_LINE_MAX], name[64];
	size_t			 i, len;

	len = AUTHZ_INI_LINE_MAX - strlen("roles = ");
	for (i = 0; i < len; i++)
		roles[i] = i % 40 == 39 ? ',' : 'r';
	roles[len] = '\0';
	memset(name, 'n', AUTHZ_USER_MAX);
	name[AUTHZ_USER_MAX] = '\0';
	uf = open_ok(upath, 1);
	ck_assert_int_eq(usersfile_add(uf, "user", name), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", name, "password", HASH_A),
	    0);
	ck_assert_int_eq(usersfile_set(uf, "user", name, "roles", roles), 0);
	commit_ok(uf);
	usersfile_close(uf);
	errlist_init(&el);
	ck_assert_ptr_nonnull(u = users_load(upath, &limits, &el));
	ck_assert_ptr_nonnull(users_find(u, name, strlen(name)));
	users_free(u);
	errlist_free(&el);
}
END_TEST

/* Many sections: every one listed, in order, and the file loads. */
START_TEST(test_many_sections)
{
	struct usersfile	*uf;
	struct users		*u;
	struct errlist		 el;
	char			 name[16], **names;
	size_t			 n, i;

	uf = open_ok(upath, 1);
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "user%04zu", i);
		ck_assert_int_eq(usersfile_add(uf, "user", name), 0);
		ck_assert_int_eq(usersfile_set(uf, "user", name, "password",
		    HASH_A), 0);
	}
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "user", &n));
	ck_assert_uint_eq(n, 2000);
	ck_assert_str_eq(names[1999], "user1999");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	commit_ok(uf);
	usersfile_close(uf);
	errlist_init(&el);
	ck_assert_ptr_nonnull(u = users_load(upath, &limits, &el));
	ck_assert_uint_eq(users_count(u), 2000);
	users_free(u);
	errlist_free(&el);
}
END_TEST

START_TEST(test_names_empty)
{
	struct usersfile	*uf;
	char			**names;
	size_t			 n = 99;

	uf = open_ok(upath, 1);
	ck_assert_ptr_nonnull(names = usersfile_names(uf, "user", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(names[0]);
	free(names);
	/* Nothing added: nothing to write, and no file made. */
	commit_ok(uf);
	usersfile_close(uf);
	ck_assert_int_eq(access(upath, F_OK), -1);
}
END_TEST

/* Each one would be read differently by inih, or not at all. */
static const struct {
	const char	*key;
	const char	*value;
} bad_values[] = {
	{ "x", "a;b" },
	{ "x", ";" },
	{ "x", "a ;b" },
	{ "x", "a #b" },
	{ "x", "#b" },
	{ "x", "\"quoted\"" },
	{ "x", "\"\"" },
	{ "x", " lead" },
	{ "x", "trail " },
	{ "x", "a\tb" },
	{ "x", "\tb" },
	{ "x", "a\nb" },
	{ "x", "a\r" },
	{ "x", "\x01" },
	{ "x", "\x7f" },
	{ "x", "\xff" },
	{ "x", "\xc3" },
	{ "x", "\xc0\xaf" },
	{ "x", "\xed\xa0\x80" },
	{ "", "v" },
	{ "a b", "v" },
	{ "a=b", "v" },
	{ "a:b", "v" },
	{ ";k", "v" },
	{ "#k", "v" },
	{ "[k]", "v" },
	{ "k\n", "v" },
	{ "k\xc3\xab", "v" },
};

START_TEST(test_value_bad)
{
	ck_assert_msg(!usersfile_value_is_valid(bad_values[_i].key,
	    bad_values[_i].value), "accepted: [%s] = [%s]", bad_values[_i].key,
	    bad_values[_i].value);
}
END_TEST

/* An invalid value never reaches the file, not even the memory copy. */
START_TEST(test_set_refuses_bad_value)
{
	struct usersfile	*uf;
	size_t			 i;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	for (i = 0; i < NITEMS(bad_values); i++) {
		errno = 0;
		ck_assert_int_eq(usersfile_set(uf, "user", "alice",
		    bad_values[i].key, bad_values[i].value), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles",
	    "x\n[user:mallory]"), -1);
	ck_assert_int_eq(usersfile_has(uf, "user", "mallory"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", NULL, "v"), -1);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "roles", NULL), -1);
	ck_assert_str_eq(usersfile_get(uf, "user", "alice", "roles"),
	    "admin, editor");
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, sample);
}
END_TEST

static const char *const bad_names[] = {
	"", "a b", "a:b", "a]b", "a[b", "a;b", "a#b", "a=b", "a\nb", "a\tb",
	"\xff", "a,b", "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
	"\xc2\xa0",
};

START_TEST(test_add_bad_name)
{
	struct usersfile	*uf;

	uf = open_ok(upath, 1);
	errno = 0;
	ck_assert_int_eq(usersfile_add(uf, "user", bad_names[_i]), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(usersfile_add(uf, "token", bad_names[_i]), -1);
	commit_ok(uf);
	usersfile_close(uf);
	ck_assert_int_eq(access(upath, F_OK), -1);
}
END_TEST

static const char *const bad_kinds[] = {
	"", "User", "us er", "user:", "[user", "u;", "verylongkindnameover16",
};

START_TEST(test_add_bad_kind)
{
	struct usersfile	*uf;

	uf = open_ok(upath, 1);
	errno = 0;
	ck_assert_int_eq(usersfile_add(uf, bad_kinds[_i], "alice"), -1);
	ck_assert_int_eq(errno, EINVAL);
	usersfile_close(uf);
}
END_TEST

/* What is not there cannot be changed or removed; nothing is written. */
START_TEST(test_missing_section)
{
	struct usersfile	*uf;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	errno = 0;
	ck_assert_int_eq(usersfile_set(uf, "user", "carol", "roles", "x"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(usersfile_set(uf, "token", "alice", "roles", "x"),
	    -1);
	ck_assert_int_eq(usersfile_set(uf, "use", "ralice", "roles", "x"), -1);
	errno = 0;
	ck_assert_int_eq(usersfile_unset(uf, "user", "carol", "roles"), -1);
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_int_eq(usersfile_del(uf, "user", "carol"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(usersfile_del(uf, "token", "bob"), -1);
	ck_assert_int_eq(usersfile_has(uf, "user", "ali"), 0);
	ck_assert_int_eq(usersfile_has(uf, "user", "alice "), 0);
	ck_assert_int_eq(usersfile_has(uf, "user", NULL), 0);
	errno = 0;
	ck_assert_int_eq(usersfile_add(uf, "user", "alice"), -1);
	ck_assert_int_eq(errno, EEXIST);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, sample);
}
END_TEST

START_TEST(test_open_missing)
{
	const char	*errstr = NULL;
	char		 path[PATH_MAX];

	errno = 0;
	ck_assert_ptr_null(usersfile_open(upath, 0, &errstr));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(errstr);
	ck_assert_int_eq(access(upath, F_OK), -1);
	in_tmp(path, sizeof(path), "no-such-dir/users.ini");
	errstr = NULL;
	ck_assert_ptr_null(usersfile_open(path, 1, &errstr));
	ck_assert_ptr_nonnull(strstr(errstr, "lock file"));
	ck_assert_ptr_null(usersfile_open("", 1, &errstr));
	ck_assert_ptr_null(usersfile_open("/", 1, &errstr));
}
END_TEST

/* Only regular files: not a directory, FIFO, or link to either. */
START_TEST(test_open_not_regular)
{
	const char	*errstr;
	char		 dir[PATH_MAX], fifo[PATH_MAX], link[PATH_MAX];
	char		 dangling[PATH_MAX];

	in_tmp(dir, sizeof(dir), "dir.ini");
	in_tmp(fifo, sizeof(fifo), "fifo.ini");
	in_tmp(link, sizeof(link), "link.ini");
	in_tmp(dangling, sizeof(dangling), "dangling.ini");
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	errstr = NULL;
	ck_assert_ptr_null(usersfile_open(dir, 1, &errstr));
	ck_assert_str_eq(errstr, "not a regular file");
	errstr = NULL;
	ck_assert_ptr_null(usersfile_open(fifo, 1, &errstr));
	ck_assert_str_eq(errstr, "not a regular file");
	ck_assert_int_eq(symlink("dir.ini", link), 0);
	ck_assert_ptr_null(usersfile_open(link, 1, &errstr));
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(symlink("fifo.ini", link), 0);
	ck_assert_ptr_null(usersfile_open(link, 1, &errstr));
	/* A dangling link: nothing is created where it points. */
	ck_assert_int_eq(symlink("nowhere.ini", dangling), 0);
	errstr = NULL;
	ck_assert_ptr_null(usersfile_open(dangling, 1, &errstr));
	ck_assert_ptr_nonnull(errstr);
	in_tmp(link, sizeof(link), "nowhere.ini");
	ck_assert_int_eq(access(link, F_OK), -1);
}
END_TEST

/* A NUL would be lost on the way through C strings: refuse the file. */
START_TEST(test_open_nul)
{
	const char	*errstr = NULL;
	static const char data[] = "[user:a]\npassword = x\0y\n";

	write_file(upath, data, sizeof(data) - 1);
	ck_assert_ptr_null(usersfile_open(upath, 0, &errstr));
	ck_assert_ptr_nonnull(strstr(errstr, "NUL"));
}
END_TEST

/* A key given twice (by hand) is refused by the loader; set leaves one. */
START_TEST(test_set_dup_key)
{
	struct usersfile	*uf;
	struct errlist		 el;

	write_str(upath, "[user:a]\npassword = " HASH_A "\nroles = x\n"
	    "roles = y\n\n[user:b]\npassword = " HASH_B "\nroles = z\n");
	uf = open_ok(upath, 0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_set(uf, "user", "b", "roles", "w"), 0);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, ":4: duplicate key"));
	errlist_free(&el);
	ck_assert_str_eq(usersfile_get(uf, "user", "a", "roles"), "x");
	ck_assert_int_eq(usersfile_set(uf, "user", "a", "roles", "v"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\npassword = " HASH_A "\nroles = v\n"
	    "\n[user:b]\npassword = " HASH_B "\nroles = w\n");

	write_str(upath, "[user:a]\npassword = " HASH_A "\nroles = x\n"
	    "roles = y\n");
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_unset(uf, "user", "a", "roles"), 0);
	commit_ok(uf);
	usersfile_close(uf);
	assert_file(upath, "[user:a]\npassword = " HASH_A "\n");
}
END_TEST

/* Lines outside any section, or not INI at all, are no section's keys. */
START_TEST(test_stray_lines)
{
	struct usersfile	*uf;
	struct errlist		 el;
	static const char	 stray[] =
	    "password = outside\n[user:a\nnot ini\n[user:b]\n"
	    "password = " HASH_B "\n";

	write_str(upath, stray);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_has(uf, "user", "a"), 0);
	ck_assert_int_eq(usersfile_has(uf, "user", "b"), 1);
	ck_assert_ptr_null(usersfile_get(uf, "user", "", "password"));
	ck_assert_int_eq(usersfile_set(uf, "user", "b", "roles", "r"), 0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, ":2: missing ']'"));
	ck_assert(check_has_msg(&el, upath, ":3: expected 'key = value'"));
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, stray);
}
END_TEST

/* The lock file must be a regular file, not a link to elsewhere. */
START_TEST(test_open_bad_lock)
{
	const char	*errstr = NULL;
	char		 lock[PATH_MAX];

	write_str(upath, sample);
	in_tmp(lock, sizeof(lock), ".users.ini.lock");
	ck_assert_int_eq(symlink("elsewhere", lock), 0);
	ck_assert_ptr_null(usersfile_open(upath, 0, &errstr));
	ck_assert_ptr_nonnull(strstr(errstr, "lock file"));
	ck_assert_int_eq(unlink(lock), 0);
	ck_assert_int_eq(mkfifo(lock, 0600), 0);
	errstr = NULL;
	ck_assert_ptr_null(usersfile_open(upath, 0, &errstr));
	ck_assert_ptr_nonnull(strstr(errstr, "not a regular file"));
}
END_TEST

/*
 * A file the daemon would refuse is not written: the errors name the
 * file, not the temporary one, and the file stays byte for byte.
 */
START_TEST(test_commit_refuses_invalid)
{
	struct usersfile	*uf;
	struct errlist		 el;
	char			 where[PATH_MAX + 16];
	size_t			 i;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "alice", "password",
	    "garbage"), 0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	snprintf(where, sizeof(where), "%s:3: ", upath);
	ck_assert_msg(check_has_msg(&el, where, "password:"), "no %s message", where);
	for (i = 0; i < el.el_count; i++) {
		ck_assert_ptr_null(strstr(el.el_ents[i].ee_text, "/.users.ini."));
		ck_assert_ptr_nonnull(strstr(el.el_ents[i].ee_text, upath));
	}
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, sample);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/* Other refusals by the loader: a token for no user, a too-costly hash. */
START_TEST(test_commit_refuses_by_loader)
{
	struct usersfile		*uf;
	struct errlist			 el;
	struct hashfmt_limits	 tight = limits;

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "token", "ci", "user", "nobody"),
	    0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, "no user \"nobody\""));
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, sample);

	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "yes"),
	    0);
	tight.hfl_max_memory = 4096;
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &tight, &el), -1);
	ck_assert(check_has_msg(&el, upath, "max_memory"));
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, sample);

	/* Removing alice leaves her token pointing nowhere. */
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_del(uf, "user", "alice"), 0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, NULL, &el), -1);
	ck_assert(check_has_msg(&el, upath, "no user \"alice\""));
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, sample);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/* A file broken by hand is not made worse: nothing is written. */
START_TEST(test_commit_refuses_broken_file)
{
	struct usersfile	*uf;
	struct errlist		 el;
	static const char	 broken[] =
	    "[user:a]\npassword = " HASH_A "\n  indented = x\n";

	write_str(upath, broken);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_add(uf, "user", "b"), 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "b", "password", HASH_B),
	    0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, ":3: indented line"));
	errlist_free(&el);
	usersfile_close(uf);
	assert_file(upath, broken);
}
END_TEST

/* An editor that ignored the lock: its version wins, ours is refused. */
START_TEST(test_commit_refuses_changed_file)
{
	struct usersfile	*uf;
	struct errlist		 el;
	static const char	 theirs[] = "[user:z]\npassword = " HASH_B "\n";

	write_str(upath, sample);
	uf = open_ok(upath, 0);
	ck_assert_int_eq(usersfile_set(uf, "user", "bob", "disabled", "yes"),
	    0);
	write_str(upath, theirs);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, "changed by another program"));
	errlist_free(&el);
	assert_file(upath, theirs);

	/* Removed meanwhile: not silently made again. */
	ck_assert_int_eq(unlink(upath), 0);
	errlist_init(&el);
	ck_assert_int_eq(usersfile_commit(uf, &limits, &el), -1);
	ck_assert(check_has_msg(&el, upath, "changed by another program"));
	errlist_free(&el);
	usersfile_close(uf);
	ck_assert_int_eq(access(upath, F_OK), -1);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

/*
 * Someone other than root cannot give the new file root's ownership: the
 * commit fails and the file stays as it was.  Needs root to set up.
 */
START_TEST(test_commit_foreign_owner)
{
	struct usersfile	*uf;
	struct errlist		 el;
	struct passwd		*pw;
	const char		*errstr;
	pid_t			 pid;
	int			 status, rc;

	if (geteuid() != 0)
		return;
	ck_assert_ptr_nonnull(pw = getpwnam("nobody"));
	write_str(upath, sample);
	ck_assert_int_eq(chmod(upath, 0644), 0);
	ck_assert_int_eq(chmod(tmpdir, 0777), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		rc = 1;
		if (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(99);
		errlist_init(&el);
		if ((uf = usersfile_open(upath, 0, &errstr)) != NULL &&
		    usersfile_set(uf, "user", "bob", "disabled",
		    "yes") == 0 && usersfile_commit(uf, &limits, &el) == -1 &&
		    check_has_msg(&el, upath, "cannot keep its owner 0:0"))
			rc = 0;
		else
			errlist_print(&el, stderr);
		errlist_free(&el);
		usersfile_close(uf);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	assert_file(upath, sample);
	ck_assert_int_eq(count_strays(), 0);
}
END_TEST

static Suite *
usersfile_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("usersfile");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip_keeps_everything);
	tcase_add_test(tc, test_roundtrip_crlf);
	tcase_add_test(tc, test_roundtrip_final_newline);
	tcase_add_test(tc, test_roundtrip_bom);
	tcase_add_test(tc, test_get_like_inih);
	tcase_add_test(tc, test_set_replace_insert);
	tcase_add_test(tc, test_set_keeps_inline_comment);
	tcase_add_test(tc, test_commit_unchanged);
	tcase_add_test(tc, test_commit_twice);
	tcase_add_test(tc, test_unset);
	tcase_add_loop_test(tc, test_del, 0, NITEMS(del_cases));
	tcase_add_test(tc, test_add_missing_file);
	tcase_add_test(tc, test_add_empty_file);
	tcase_add_test(tc, test_add_after_blank);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_commit_keeps_mode);
	tcase_add_test(tc, test_commit_keeps_owner);
	tcase_add_test(tc, test_symlink_followed);
	tcase_add_test(tc, test_lock_file_created);
	tcase_add_test(tc, test_lock_blocks);
	tcase_add_test(tc, test_concurrent_writers);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_value_good, 0, NITEMS(good_values));
	tcase_add_test(tc, test_value_length_limit);
	tcase_add_test(tc, test_longest_line_and_name);
	tcase_add_test(tc, test_set_moves_long_comment);
	tcase_add_test(tc, test_many_sections);
	tcase_add_test(tc, test_names_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_value_bad, 0, NITEMS(bad_values));
	tcase_add_test(tc, test_set_refuses_bad_value);
	tcase_add_loop_test(tc, test_add_bad_name, 0, NITEMS(bad_names));
	tcase_add_loop_test(tc, test_add_bad_kind, 0, NITEMS(bad_kinds));
	tcase_add_test(tc, test_missing_section);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_not_regular);
	tcase_add_test(tc, test_open_nul);
	tcase_add_test(tc, test_open_bad_lock);
	tcase_add_test(tc, test_set_dup_key);
	tcase_add_test(tc, test_stray_lines);
	tcase_add_test(tc, test_commit_refuses_invalid);
	tcase_add_test(tc, test_commit_refuses_by_loader);
	tcase_add_test(tc, test_commit_refuses_broken_file);
	tcase_add_test(tc, test_commit_refuses_changed_file);
	tcase_add_test(tc, test_commit_foreign_owner);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(usersfile_suite());
}
