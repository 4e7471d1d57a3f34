/*
 * The "token" subcommands.  A token is made here, printed once and
 * never stored: the users file keeps only its BLAKE2b-256 digest, the
 * form in which authz.c looks up a Bearer token.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "defaults.h"
#include "text.h"
#include "users.h"
#include "usersfile.h"

/* Tokens: "fa_" (so that secret scanners and people recognize them) and
 * 32 random bytes in URL-safe base64 without padding (43 characters). */
#define CTL_TOKEN_PREFIX	"fa_"
#define CTL_TOKEN_BYTES		32
#define CTL_TOKEN_B64LEN	sodium_base64_ENCODED_LEN(CTL_TOKEN_BYTES, \
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* "blake2b:" and the hex digest, as the users file stores a token. */
#define CTL_TOKEN_STORED_LEN	(8 + 2 * AUTHZ_TOKEN_DIGEST_LEN + 1)

/* What "token add" was asked. */
struct ctl_token_req {
	const char		*tr_name;
	const char		*tr_user;
	const char		*tr_expires;	/* NULL: never */
	struct ctl_names	 tr_roles;
};

/*
 * Makes a token: CTL_TOKEN_PREFIX and 32 random bytes in URL-safe
 * base64, and its stored form "blake2b:<hex BLAKE2b-256 of the token>",
 * as authz.c digests a Bearer token.
 */
static void
ctl_token_make(char *token, size_t tokensz, char *stored, size_t storedsz)
{
	unsigned char	raw[CTL_TOKEN_BYTES], digest[AUTHZ_TOKEN_DIGEST_LEN];
	size_t		plen = strlen(CTL_TOKEN_PREFIX);

	randombytes_buf(raw, sizeof(raw));
	memcpy(token, CTL_TOKEN_PREFIX, plen);
	sodium_bin2base64(token + plen, tokensz - plen, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(digest, sizeof(digest), (unsigned char *)token,
	    strlen(token), NULL, 0);
	memcpy(stored, "blake2b:", 8);
	sodium_bin2hex(stored + 8, storedsz - 8, digest, sizeof(digest));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(digest, sizeof(digest));
}

/* Warns about roles a token lists that its user lacks (tokens act with
 * the roles both have), and about a user who cannot log in now. */
static void
ctl_token_warn(struct usersfile *uf, const char *user,
    const struct ctl_names *roles)
{
	struct ctl_names	 have = { NULL, 0 };
	const char		*v;
	time_t			 t;
	size_t			 i;

	if (ctl_names_parse(&have, usersfile_get(uf, "user", user,
	    "roles")) == -1)
		return;
	for (i = 0; i < roles->nm_n; i++)
		if (!ctl_names_has(&have, roles->nm_v[i]))
			ctl_warnx("warning: user %s does not hold role %s: the "
			    "token gets it only once the user does", user,
			    roles->nm_v[i]);
	ctl_names_free(&have);
	v = usersfile_get(uf, "user", user, "disabled");
	if (v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0))
		ctl_warnx("warning: user %s is disabled: the token is refused "
		    "until the user is enabled", user);
	v = usersfile_get(uf, "user", user, "expires");
	if (v != NULL && text_parse_date(v, &t) == 0 &&
	    users_is_expired(t, time(NULL)))
		ctl_warnx("warning: user %s has expired: the token is refused",
		    user);
}

/* Parses "token add" into tr; exits on a usage error. */
static void
ctl_token_add_args(int argc, char **argv, struct ctl_token_req *tr)
{
	static const struct ctl_opt opts[] = {
		{ "user", 1, CTL_O_USER }, { "role", 1, CTL_O_ROLE },
		{ "expires", 1, CTL_O_EXPIRES }, { NULL, 0, 0 }
	};
	struct ctl_args	 a;
	const char	*v;
	int		 id;

	ctl_args_init(&a, argc, argv, "token add");
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_USER)
			tr->tr_user = v;
		else if (id == CTL_O_ROLE)
			ctl_args_role(&tr->tr_roles, v);
		else if (id == CTL_O_EXPIRES)
			tr->tr_expires = v;
		else if (tr->tr_name == NULL)
			tr->tr_name = v;
		else
			ctl_usage_error("token add: one NAME only");
	}
	if (tr->tr_name == NULL)
		ctl_usage_error("token add: NAME missing");
	if (tr->tr_user == NULL)
		ctl_usage_error("token add: --user USER missing");
	ctl_args_check_name("token", tr->tr_name);
	ctl_args_check_name("user", tr->tr_user);
	tr->tr_expires = ctl_args_expires(tr->tr_expires);
}

/* Adds [token:NAME] with its user, roles ("" for none), stored digest
 * and expiry.  0 or -1 (printed). */
static int
ctl_token_insert(const struct ctl *c, struct usersfile *uf,
    const struct ctl_token_req *tr, const char *roles, const char *stored)
{
	const char *name = tr->tr_name;

	if (usersfile_add(uf, "token", name) == -1) {
		ctl_warnx("%s: cannot add [token:%s]", c->c_users_path, name);
		return -1;
	}
	if (ctl_edit_set(c, uf, "token", name, "user", tr->tr_user) == -1 ||
	    (roles[0] != '\0' &&
	    ctl_edit_set(c, uf, "token", name, "roles", roles) == -1) ||
	    ctl_edit_set(c, uf, "token", name, "hash", stored) == -1 ||
	    (tr->tr_expires != NULL &&
	    ctl_edit_set(c, uf, "token", name, "expires",
	    tr->tr_expires) == -1))
		return -1;
	return 0;
}

int
ctl_token_add(struct ctl *c, int argc, char **argv)
{
	struct ctl_token_req	 tr;
	struct usersfile	*uf = NULL;
	char			 token[sizeof(CTL_TOKEN_PREFIX) +
				     CTL_TOKEN_B64LEN];
	char			 stored[CTL_TOKEN_STORED_LEN];
	char			*joined = NULL;
	int			 rc = CTL_NO, locked;

	memset(&tr, 0, sizeof(tr));
	ctl_token_add_args(argc, argv, &tr);

	locked = sodium_mlock(token, sizeof(token)) == 0;
	memset(token, 0, sizeof(token));
	if ((joined = ctl_names_join(&tr.tr_roles, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (ctl_setup(c, 0) == -1 || (uf = ctl_edit_open(c, 1)) == NULL)
		goto done;
	if (usersfile_has(uf, "token", tr.tr_name)) {
		ctl_warnx("token %s already exists (\"token revoke\" it "
		    "first)", tr.tr_name);
		goto done;
	}
	if (!usersfile_has(uf, "user", tr.tr_user)) {
		ctl_warnx("no user %s in %s", tr.tr_user, c->c_users_path);
		goto done;
	}
	ctl_token_warn(uf, tr.tr_user, &tr.tr_roles);
	ctl_token_make(token, sizeof(token), stored, sizeof(stored));
	if (ctl_token_insert(c, uf, &tr, joined, stored) == -1 ||
	    ctl_edit_commit(c, uf) == -1)
		goto done;
	/* Printed once, after it is in place; never stored. */
	printf("%s\n", token);
	fflush(stdout);
	rc = CTL_OK;
done:
	usersfile_close(uf);
	sodium_memzero(token, sizeof(token));
	if (locked)
		(void)sodium_munlock(token, sizeof(token));
	free(joined);
	ctl_names_free(&tr.tr_roles);
	return rc;
}

int
ctl_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct usersfile	*uf = NULL;
	const char		*name = NULL;
	int			 rc = CTL_NO;

	ctl_args_plain(argc, argv, "token revoke", 1, &name, NULL);
	ctl_args_check_name("token", name);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_edit_open_existing(c, "token", name)) == NULL)
		goto done;
	if (usersfile_del(uf, "token", name) == -1) {
		ctl_warnx("cannot delete [token:%s]", name);
		goto done;
	}
	if (ctl_edit_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	return rc;
}

/* One line of "token list": the roles as the token declares them, "*"
 * when it declares none (it acts with all of its user's roles). */
static void
ctl_token_list_line(const struct token *tk, const struct ctl_names *roles,
    time_t now)
{
	char date[CTL_DATE_SIZE];

	printf("%s %s ", tk->tk_name, tk->tk_user_name);
	if (tk->tk_declared_roles == NULL)
		putchar('*');
	else
		ctl_out_list(roles->nm_v, roles->nm_n, "-");
	printf(" %s %s\n", ctl_out_date(tk->tk_expires, date, sizeof(date)),
	    ctl_out_token_state(tk, now));
}

int
ctl_token_list(struct ctl *c, int argc, char **argv)
{
	struct ctl_view		 vw;
	struct ctl_names	 roles;
	const struct token	*tk;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 json, rc = CTL_OK;

	json = ctl_args_none(argc, argv, "token list", "json", "");
	if (ctl_view_open(c, &vw) == -1)
		return CTL_NO;
	if (json)
		putchar('[');
	for (i = 0; i < users_token_count(vw.vw_users); i++) {
		tk = users_token_at(vw.vw_users, i);
		memset(&roles, 0, sizeof(roles));
		if (ctl_names_parse(&roles, tk->tk_declared_roles) == -1) {
			ctl_nomem();
			rc = CTL_NO;
			break;
		}
		if (json) {
			if (i > 0)
				putchar(',');
			ctl_out_json_token(tk, &roles);
		} else
			ctl_token_list_line(tk, &roles, now);
		ctl_names_free(&roles);
	}
	if (json)
		fputs("]\n", stdout);
	ctl_view_free(&vw);
	return rc;
}
