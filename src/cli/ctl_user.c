/*
 * The "user" subcommands but "user import" (ctl_import.c): add, passwd,
 * del, disable, enable, expire and roles edit the users file; show,
 * list and roles without options only read it.  add and passwd store a
 * new argon2id hash of a password, or with --hash-stdin a hash made
 * elsewhere as it is.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "hashfmt.h"
#include "text.h"
#include "users.h"
#include "usersfile.h"

/* ---- user add / passwd -------------------------------------------- */

/*
 * Checks, before asking for a password, that NAME is missing (is_new)
 * or there: nobody types a password twice only to hear that the name
 * was wrong.  The file is open only for this look.  0 or -1 (printed).
 */
static int
ctl_user_precheck(const struct ctl *c, const char *name, int is_new)
{
	struct usersfile	*uf;
	int			 has;

	if ((uf = ctl_edit_open(c, is_new)) == NULL)
		return -1;
	has = usersfile_has(uf, "user", name);
	usersfile_close(uf);
	if (has && is_new) {
		ctl_warnx("user %s already exists (\"user passwd\" changes "
		    "the password)", name);
		return -1;
	}
	if (!has && !is_new) {
		ctl_warnx("no user %s in %s", name, c->c_users_path);
		return -1;
	}
	return 0;
}

/* Where the new password comes from. */
enum ctl_user_src {
	CTL_SRC_ASK,		/* the terminal */
	CTL_SRC_PASSWORD,	/* --password-stdin */
	CTL_SRC_HASH		/* --hash-stdin: a hash made elsewhere */
};

/* Records --password-stdin or --hash-stdin; exits if both are given. */
static void
ctl_user_src_set(const char *cmd, enum ctl_user_src *src,
    enum ctl_user_src v)
{
	if (*src != CTL_SRC_ASK && *src != v)
		ctl_usage_error("%s: --password-stdin and --hash-stdin "
		    "exclude each other", cmd);
	*src = v;
}

/* Exits with a usage error if standard input cannot give what src
 * reads: called before anything is loaded. */
static void
ctl_user_src_check(const char *cmd, enum ctl_user_src src)
{
	if (src == CTL_SRC_HASH)
		ctl_secret_need_pipe(cmd, "hash");
	else
		ctl_secret_need_source(cmd, src == CTL_SRC_PASSWORD);
}

/*
 * A hash made elsewhere, one line of standard input (--hash-stdin),
 * kept as it is once the daemon would load it: the user keeps the
 * password it has.  0 or -1 (printed).
 */
static int
ctl_user_stdin_hash(const struct ctl *c, char hash[crypto_pwhash_STRBYTES])
{
	struct ctl_secret	 sec;
	char			 msg[512];
	int			 rc = -1;

	ctl_secret_init(&sec);
	if (ctl_secret_from_stdin(&sec, crypto_pwhash_STRBYTES - 1,
	    "hash") == -1)
		goto done;
	if (ctl_hash_check_stored(c, sec.sc_buf, msg, sizeof(msg)) == -1) {
		ctl_warnx("the hash is refused: %s", msg);
		goto done;
	}
	memcpy(hash, sec.sc_buf, sec.sc_len + 1);
	rc = 0;
done:
	ctl_secret_wipe(&sec);
	return rc;
}

/*
 * The hash to store for NAME, after the precheck: a new argon2id hash
 * of a password asked for (twice on a terminal) or read, or a hash read
 * as it is.  Made before the file is locked for the write: other
 * writers need not wait for it.  0 or -1 (printed).
 */
static int
ctl_user_hash(struct ctl *c, const char *name, int is_new,
    enum ctl_user_src src, char hash[crypto_pwhash_STRBYTES])
{
	struct ctl_secret	 pw;
	char			 prompt[CTL_PROMPT_SIZE];
	int			 rc = -1;

	ctl_secret_init(&pw);
	if (ctl_setup(c, 0) == -1 || ctl_user_precheck(c, name, is_new) == -1)
		goto done;
	if (src == CTL_SRC_HASH) {
		rc = ctl_user_stdin_hash(c, hash);
		goto done;
	}
	snprintf(prompt, sizeof(prompt), is_new ?
	    "Password for new user %s: " : "New password for %s: ", name);
	if (ctl_secret_password(src == CTL_SRC_PASSWORD, 1, prompt,
	    &pw) == -1 || ctl_hash_new(c, &pw, hash) == -1)
		goto done;
	rc = 0;
done:
	ctl_secret_wipe(&pw);
	return rc;
}

/*
 * Adds [user:NAME] with its hash, roles ("" for none) and expiry (NULL
 * for none).  The precheck is re-done under the lock: another writer
 * may have added NAME meanwhile.  0 or -1 (printed).
 */
static int
ctl_user_insert(const struct ctl *c, struct usersfile *uf, const char *name,
    const char *hash, const char *roles, const char *expires)
{
	if (usersfile_has(uf, "user", name)) {
		ctl_warnx("user %s already exists", name);
		return -1;
	}
	if (usersfile_add(uf, "user", name) == -1) {
		ctl_warnx("%s: cannot add [user:%s]", c->c_users_path, name);
		return -1;
	}
	if (ctl_edit_set(c, uf, "user", name, "password", hash) == -1 ||
	    (roles[0] != '\0' &&
	    ctl_edit_set(c, uf, "user", name, "roles", roles) == -1) ||
	    (expires != NULL &&
	    ctl_edit_set(c, uf, "user", name, "expires", expires) == -1))
		return -1;
	return 0;
}

int
ctl_user_add(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "role", 1, CTL_O_ROLE }, { "expires", 1, CTL_O_EXPIRES },
		{ "password-stdin", 0, CTL_O_PWSTDIN },
		{ "hash-stdin", 0, CTL_O_HASHSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_names	 roles = { NULL, 0 };
	struct usersfile	*uf = NULL;
	enum ctl_user_src	 src = CTL_SRC_ASK;
	const char		*name = NULL, *expires = NULL, *v;
	char			 hash[crypto_pwhash_STRBYTES], *joined = NULL;
	int			 id, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user add");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_ROLE)
			ctl_args_role(&roles, v);
		else if (id == CTL_O_EXPIRES)
			expires = v;
		else if (id == CTL_O_PWSTDIN)
			ctl_user_src_set("user add", &src, CTL_SRC_PASSWORD);
		else if (id == CTL_O_HASHSTDIN)
			ctl_user_src_set("user add", &src, CTL_SRC_HASH);
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user add: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user add: NAME missing");
	ctl_args_check_name("user", name);
	expires = ctl_args_expires(expires);
	ctl_user_src_check("user add", src);

	memset(hash, 0, sizeof(hash));
	if ((joined = ctl_names_join(&roles, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (roles.nm_n > 0 && !usersfile_value_is_valid("roles", joined)) {
		ctl_warnx("too many roles for one line of the users file");
		goto done;
	}
	if (ctl_user_hash(c, name, 1, src, hash) == -1 ||
	    (uf = ctl_edit_open(c, 1)) == NULL ||
	    ctl_user_insert(c, uf, name, hash, joined, expires) == -1)
		goto done;
	if (ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	sodium_memzero(hash, sizeof(hash));
	free(joined);
	ctl_names_free(&roles);
	return rc;
}

/* "user passwd NAME [--password-stdin | --hash-stdin]": NAME. */
static const char *
ctl_user_passwd_args(int argc, char **argv, enum ctl_user_src *src)
{
	static const struct ctl_opt opts[] = {
		{ "password-stdin", 0, CTL_O_PWSTDIN },
		{ "hash-stdin", 0, CTL_O_HASHSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args	 a;
	const char	*name = NULL, *v;
	int		 id;

	ctl_args_init(&a, argc, argv, "user passwd");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_PWSTDIN)
			ctl_user_src_set("user passwd", src, CTL_SRC_PASSWORD);
		else if (id == CTL_O_HASHSTDIN)
			ctl_user_src_set("user passwd", src, CTL_SRC_HASH);
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user passwd: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user passwd: NAME missing");
	ctl_args_check_name("user", name);
	return name;
}

int
ctl_user_passwd(struct ctl *c, int argc, char **argv)
{
	struct usersfile	*uf = NULL;
	enum ctl_user_src	 src = CTL_SRC_ASK;
	const char		*name;
	char			 hash[crypto_pwhash_STRBYTES];
	int			 rc = CTL_NO;

	name = ctl_user_passwd_args(argc, argv, &src);
	ctl_user_src_check("user passwd", src);

	memset(hash, 0, sizeof(hash));
	if (ctl_user_hash(c, name, 0, src, hash) == -1 ||
	    (uf = ctl_edit_open_existing(c, "user", name)) == NULL)
		goto done;
	if (ctl_edit_set(c, uf, "user", name, "password", hash) == 0 &&
	    ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* ---- user del / disable / enable / expire ------------------------- */

/*
 * Deletes the tokens of user NAME, whose names go to gone: a token
 * naming a missing user makes the daemon refuse the file.  0 or -1.
 */
static int
ctl_user_del_tokens(struct usersfile *uf, const char *name,
    struct ctl_names *gone)
{
	const char	*owner;
	char		**tokens;
	size_t		 ntokens = 0, i;
	int		 rc = -1;

	if ((tokens = usersfile_names(uf, "token", &ntokens)) == NULL) {
		ctl_nomem();
		return -1;
	}
	for (i = 0; i < ntokens; i++) {
		owner = usersfile_get(uf, "token", tokens[i], "user");
		if (owner == NULL || strcmp(owner, name) != 0)
			continue;
		if (usersfile_del(uf, "token", tokens[i]) == -1 ||
		    ctl_names_add(gone, tokens[i]) == -1) {
			ctl_warnx("cannot delete [token:%s]", tokens[i]);
			goto done;
		}
	}
	rc = 0;
done:
	text_free_list(tokens, ntokens);
	return rc;
}

int
ctl_user_del(struct ctl *c, int argc, char **argv)
{
	struct usersfile	*uf = NULL;
	struct ctl_names	 gone = { NULL, 0 };
	const char		*name = NULL;
	size_t			 i;
	int			 rc = CTL_NO;

	ctl_args_plain(argc, argv, "user del", 1, &name, NULL);
	ctl_args_check_name("user", name);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_edit_open_existing(c, "user", name)) == NULL ||
	    ctl_user_del_tokens(uf, name, &gone) == -1)
		goto done;
	if (usersfile_del(uf, "user", name) == -1) {
		ctl_warnx("cannot delete [user:%s]", name);
		goto done;
	}
	if (ctl_edit_commit(c, uf) == -1)
		goto done;
	for (i = 0; i < gone.nm_n; i++)
		ctl_warnx("deleted token %s of user %s", gone.nm_v[i], name);
	rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_names_free(&gone);
	return rc;
}

/* disable, enable, expire: one key of an existing user. */
static int
ctl_user_flag(struct ctl *c, int argc, char **argv, const char *cmd)
{
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *date = NULL;
	int			 rc = CTL_NO, r = 0;

	ctl_args_plain(argc, argv, cmd, strcmp(cmd, "user expire") == 0 ?
	    2 : 1, &name, &date);
	ctl_args_check_name("user", name);
	if (date != NULL)
		ctl_args_check_date("user expire", date, 1);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_edit_open_existing(c, "user", name)) == NULL)
		goto done;
	if (strcmp(cmd, "user disable") == 0)
		r = ctl_edit_set(c, uf, "user", name, "disabled", "yes");
	else if (strcmp(cmd, "user enable") == 0) {
		/* Keep a "disabled = no" line; add none. */
		if (usersfile_get(uf, "user", name, "disabled") != NULL)
			r = ctl_edit_set(c, uf, "user", name, "disabled",
			    "no");
	} else if (strcmp(date, "never") == 0)
		r = usersfile_unset(uf, "user", name, "expires");
	else
		r = ctl_edit_set(c, uf, "user", name, "expires", date);
	if (r == -1) {
		ctl_warnx("%s: %s: cannot change %s", c->c_users_path, cmd,
		    name);
		goto done;
	}
	if (ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	return rc;
}

int
ctl_user_disable(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user disable");
}

int
ctl_user_enable(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user enable");
}

int
ctl_user_expire(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user expire");
}

/* ---- user roles --------------------------------------------------- */

static int
ctl_user_roles_print(struct ctl *c, const char *name)
{
	struct ctl_view		 vw;
	const struct user	*us;
	size_t			 i;
	int			 rc = CTL_NO;

	if (ctl_view_open(c, &vw) == -1 ||
	    (us = ctl_view_user(c, &vw, name)) == NULL)
		goto done;
	for (i = 0; i < us->us_nroles; i++)
		printf("%s\n", us->us_roles[i]);
	rc = CTL_OK;
done:
	ctl_view_free(&vw);
	return rc;
}

/*
 * Removes the roles del, then adds add, to [user:NAME] as the file has
 * it (not as the loader would: the edit keeps what it does not touch).
 * 0 or -1 (printed).
 */
static int
ctl_user_roles_change(const struct ctl *c, struct usersfile *uf,
    const char *name, const struct ctl_names *add,
    const struct ctl_names *del)
{
	struct ctl_names	 have = { NULL, 0 };
	char			*joined = NULL;
	size_t			 i;
	int			 rc = -1;

	if (ctl_names_parse(&have, usersfile_get(uf, "user", name,
	    "roles")) == -1) {
		ctl_warnx("%s: [user:%s] roles: not a list", c->c_users_path,
		    name);
		goto done;
	}
	for (i = 0; i < del->nm_n; i++) {
		if (!ctl_names_has(&have, del->nm_v[i]))
			ctl_warnx("user %s does not hold role %s", name,
			    del->nm_v[i]);
		ctl_names_remove(&have, del->nm_v[i]);
	}
	for (i = 0; i < add->nm_n; i++)
		if (ctl_names_add(&have, add->nm_v[i]) == -1) {
			ctl_nomem();
			goto done;
		}
	if ((joined = ctl_names_join(&have, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (have.nm_n == 0) {
		if (usersfile_unset(uf, "user", name, "roles") == -1) {
			ctl_warnx("cannot change [user:%s]", name);
			goto done;
		}
	} else if (ctl_edit_set(c, uf, "user", name, "roles", joined) == -1)
		goto done;
	rc = 0;
done:
	free(joined);
	ctl_names_free(&have);
	return rc;
}

int
ctl_user_roles(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "add", 1, CTL_O_ADD }, { "remove", 1, CTL_O_REMOVE },
		{ NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_names	 add = { NULL, 0 }, del = { NULL, 0 };
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *v;
	size_t			 i;
	int			 id, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user roles");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_ADD)
			ctl_args_role(&add, v);
		else if (id == CTL_O_REMOVE)
			ctl_args_role(&del, v);
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user roles: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user roles: NAME missing");
	ctl_args_check_name("user", name);
	for (i = 0; i < add.nm_n; i++)
		if (ctl_names_has(&del, add.nm_v[i]))
			ctl_usage_error("user roles: role %s both added and "
			    "removed", add.nm_v[i]);
	if (add.nm_n == 0 && del.nm_n == 0)
		return ctl_user_roles_print(c, name);

	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_edit_open_existing(c, "user", name)) == NULL)
		goto done;
	if (ctl_user_roles_change(c, uf, name, &add, &del) == 0 &&
	    ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_names_free(&add);
	ctl_names_free(&del);
	return rc;
}

/* ---- user show / list --------------------------------------------- */

/* What "user show" says of the user, before the tokens. */
/* The "hash:" line: the format and what it costs. */
static void
ctl_user_show_hash(const struct hashfmt *hf)
{
	printf("hash: %s", hashfmt_name(hf->hf_kind));
	switch (hf->hf_kind) {
	case HASHFMT_BCRYPT:
		printf(" cost=%u", hf->hf_bcrypt_cost);
		break;
	case HASHFMT_SHA512CRYPT:
	case HASHFMT_SHA256CRYPT:
		printf(" rounds=%lu", hf->hf_rounds);
		break;
	default:
		if (hf->hf_memory != 0)
			printf(" memory=%llu ops=%llu parallel=%u",
			    hf->hf_memory, hf->hf_passes, hf->hf_parallel);
		break;
	}
	if (hashfmt_is_legacy(hf))
		printf(" (legacy%s)", hashfmt_is_weak(hf) ? ", weak" : "");
	putchar('\n');
}

static void
ctl_user_show_fields(const struct user *us, int json)
{
	struct hashfmt		 hf;
	const char		*why;
	char			 date[CTL_DATE_SIZE];

	if (json) {
		ctl_out_json_user(us);
		fputs(",\"tokens\":[", stdout);
		return;
	}
	printf("name: %s\nroles: ", us->us_name);
	ctl_out_list(us->us_roles, us->us_nroles, "-");
	printf("\nexpires: %s\ndisabled: %s\nstate: %s\n",
	    ctl_out_date(us->us_expires, date, sizeof(date)),
	    us->us_disabled ? "yes" : "no",
	    ctl_out_user_state(us, time(NULL)));
	if (hashfmt_parse(us->us_hash, &hf, &why) == 0)
		ctl_user_show_hash(&hf);
	fputs("tokens: ", stdout);
}

/* The names of the user's tokens, which end "user show". */
static void
ctl_user_show_tokens(const struct users *u, const struct user *us,
    int json)
{
	const struct token	*tk;
	size_t			 i, n;

	for (i = 0, n = 0; i < users_token_count(u); i++) {
		tk = users_token_at(u, i);
		if (tk->tk_user != us)
			continue;
		if (n++ > 0)
			putchar(',');
		if (json)
			ctl_out_json_string(tk->tk_name);
		else
			fputs(tk->tk_name, stdout);
	}
	if (json)
		fputs("]}\n", stdout);
	else
		printf("%s\n", n == 0 ? "-" : "");
}

int
ctl_user_show(struct ctl *c, int argc, char **argv)
{
	struct ctl_view		 vw;
	const struct user	*us;
	const char		*name;
	int			 json, rc = CTL_NO;

	name = ctl_args_user(argc, argv, "user show", "json", &json);
	if (ctl_view_open(c, &vw) == -1 ||
	    (us = ctl_view_user(c, &vw, name)) == NULL)
		goto done;
	ctl_user_show_fields(us, json);
	ctl_user_show_tokens(vw.vw_users, us, json);
	rc = CTL_OK;
done:
	ctl_view_free(&vw);
	return rc;
}

int
ctl_user_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_view		 vw;
	const struct user	*us;
	char			 date[CTL_DATE_SIZE];
	time_t			 now = time(NULL);
	size_t			 i;
	int			 json;

	json = ctl_args_none(argc, argv, "user list", "json", "");
	if (ctl_view_open(c, &vw) == -1)
		return CTL_NO;
	if (json)
		putchar('[');
	for (i = 0; i < users_count(vw.vw_users); i++) {
		us = users_at(vw.vw_users, i);
		if (json) {
			if (i > 0)
				putchar(',');
			ctl_out_json_user(us);
			putchar('}');
			continue;
		}
		printf("%s ", us->us_name);
		ctl_out_list(us->us_roles, us->us_nroles, "-");
		printf(" %s %s\n", ctl_out_date(us->us_expires, date,
		    sizeof(date)), ctl_out_user_state(us, now));
	}
	if (json)
		fputs("]\n", stdout);
	ctl_view_free(&vw);
	return CTL_OK;
}
