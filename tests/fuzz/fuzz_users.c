/*
 * Fuzz target: the users file (users_load), with the input as users.ini
 * and the default hashing limits.  Stored hashes are only parsed for
 * their cost (hashfmt_parse), never verified: no argon2 runs here.
 *
 * Properties: the load fails exactly when it reported an error, each
 * error is one non-empty line; in a loaded file every user has a valid
 * name that users_find() finds again, a hash that fits, valid roles and
 * their joined form; every token resolves to its user, holds only roles
 * that user has, and users_find_token() finds it by its digest; the
 * typical hash is one of the users'.  Everything is freed
 * (LeakSanitizer).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "defaults.h"
#include "errlist.h"
#include "users.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* roles joined with ",", as users.c stores them; NULL never matches. */
static void
check_joined(char *const *roles, size_t n, const char *joined)
{
	size_t	i, len;

	FUZZ_ASSERT(joined != NULL);
	for (i = 0; i < n; i++) {
		len = strlen(roles[i]);
		FUZZ_ASSERT(strncmp(joined, roles[i], len) == 0);
		joined += len;
		if (i + 1 < n)
			FUZZ_ASSERT(*joined++ == ',');
	}
	FUZZ_ASSERT(*joined == '\0');
}

static void
check_user(const struct users *u, const struct user *us)
{
	size_t	j;

	FUZZ_ASSERT(strnlen(us->us_name, sizeof(us->us_name)) ==
	    us->us_name_len);
	FUZZ_ASSERT(users_name_is_valid(us->us_name, us->us_name_len));
	FUZZ_ASSERT(users_find(u, us->us_name, us->us_name_len) == us);
	FUZZ_ASSERT(strnlen(us->us_hash, sizeof(us->us_hash)) <
	    sizeof(us->us_hash));
	FUZZ_ASSERT(us->us_hash[0] == '$');
	for (j = 0; j < us->us_nroles; j++) {
		FUZZ_ASSERT(users_name_is_valid(us->us_roles[j],
		    strlen(us->us_roles[j])));
		FUZZ_ASSERT(users_has_role(us->us_roles, us->us_nroles,
		    us->us_roles[j]));
	}
	check_joined(us->us_roles, us->us_nroles, us->us_roles_joined);
}

static void
check_token(const struct users *u, const struct token *tk)
{
	const struct user	*us = tk->tk_user;
	size_t			 j;

	FUZZ_ASSERT(tk->tk_name != NULL);
	FUZZ_ASSERT(users_name_is_valid(tk->tk_name, strlen(tk->tk_name)));
	FUZZ_ASSERT(us != NULL);
	FUZZ_ASSERT(users_find(u, tk->tk_user_name,
	    strnlen(tk->tk_user_name, sizeof(tk->tk_user_name))) == us);
	FUZZ_ASSERT(users_find_token(u, tk->tk_digest) == tk);
	for (j = 0; j < tk->tk_nroles; j++)
		FUZZ_ASSERT(users_has_role(us->us_roles, us->us_nroles,
		    tk->tk_roles[j]));
	FUZZ_ASSERT(tk->tk_roles[tk->tk_nroles] == NULL);
	/* Without a roles key a token has all its user's roles. */
	if (tk->tk_declared_roles == NULL)
		FUZZ_ASSERT(tk->tk_nroles == us->us_nroles);
	check_joined(tk->tk_roles, tk->tk_nroles, tk->tk_roles_joined);
}

static void
check_users(const struct users *u, size_t size)
{
	const char	*typical = users_typical_hash(u);
	size_t		 i;
	int		 found = 0;

	FUZZ_ASSERT(users_file_stat(u)->st_size == (off_t)size);
	for (i = 0; i < users_count(u); i++) {
		check_user(u, users_at(u, i));
		if (typical == users_at(u, i)->us_hash)
			found = 1;
	}
	FUZZ_ASSERT(found == (users_count(u) > 0));
	for (i = 0; i < users_token_count(u); i++)
		check_token(u, users_token_at(u, i));
	FUZZ_ASSERT(users_find(u, "", 0) == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hashfmt_limits lim = HASHFMT_LIMITS_DEFAULT;
	struct errlist	 errs;
	struct users	*u;
	const char	*path;
	size_t		 i;

	path = fuzz_write_file("users.ini", data, size);
	errlist_init(&errs);
	u = users_load(path, &lim, &errs);
	FUZZ_ASSERT((u == NULL) == (errlist_count(&errs) > 0));
	for (i = 0; i < errs.el_count; i++) {
		FUZZ_ASSERT(errs.el_ents[i].ee_text != NULL &&
		    errs.el_ents[i].ee_text[0] != '\0');
		FUZZ_ASSERT(strchr(errs.el_ents[i].ee_text, '\n') == NULL);
	}
	if (u != NULL)
		check_users(u, size);
	users_free(u);
	errlist_free(&errs);
	return 0;
}
