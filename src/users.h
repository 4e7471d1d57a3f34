/*
 * The users file: users with their password hashes and roles, and Bearer
 * tokens stored as BLAKE2b-256 digests.  Read-only once loaded.
 */
#ifndef AUTHZ_USERS_H
#define AUTHZ_USERS_H

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sodium.h>

#include "defaults.h"
#include "errlist.h"
#include "hashfmt.h"

struct user {
	char		 us_name[AUTHZ_USER_MAX + 1];
	size_t		 us_name_len;
	char		 us_hash[crypto_pwhash_STRBYTES];
	char		**us_roles;
	size_t		 us_nroles;
	char		*us_roles_joined;	/* "admin,editor" */
	time_t		 us_expires;		/* 0: never; else first second after */
	int		 us_disabled;
	int		 us_line;
};

struct token {
	char		*tk_name;
	char		 tk_user_name[AUTHZ_USER_MAX + 1];
	const struct user *tk_user;
	char		**tk_roles;		/* effective: user's roles ∩ token's */
	size_t		 tk_nroles;
	char		*tk_roles_joined;
	char		*tk_declared_roles;	/* as written; NULL: no roles key */
	uint8_t		 tk_digest[AUTHZ_TOKEN_DIGEST_LEN];
	time_t		 tk_expires;		/* 0: never */
	int		 tk_line;
};

struct users;

/*
 * Loads and validates the users file.  Every error goes to errs as
 * "FILE:LINE: message".  Returns NULL on any error.
 */
struct users	*users_load(const char *path,
		    const struct hashfmt_limits *, struct errlist *errs);
/* The same from a descriptor the caller opened and closes (the daemon
 * opens the file with filetrust_open()); messages name path. */
struct users	*users_load_fd(const char *path, int fd,
		    const struct hashfmt_limits *, struct errlist *errs);
void		 users_free(struct users *);

/* O(1) lookup by exact (case-sensitive) name; NULL if unknown. */
const struct user *users_find(const struct users *, const char *name,
		    size_t len);
/* The token whose digest matches (constant-time compare); NULL if none. */
const struct token *users_find_token(const struct users *,
		    const uint8_t digest[AUTHZ_TOKEN_DIGEST_LEN]);
size_t		 users_count(const struct users *);
size_t		 users_token_count(const struct users *);
const struct user *users_at(const struct users *, size_t i);
/* Tokens in file order, for listing. */
const struct token *users_token_at(const struct users *, size_t i);
/*
 * The stored hash most users share, for the dummy verification that
 * unknown users cost (NULL when there are no users).
 */
const char	*users_typical_hash(const struct users *);
/*
 * The fstat(2) of the users file taken when it was opened for this load,
 * so that a later change on disk can be noticed (watch_is_due()).
 */
const struct stat *users_file_stat(const struct users *);

/* Returns 1 if the user holds role. */
int	users_has_role(char *const *roles, size_t n, const char *role);
/* Returns 1 if the user or token has expired at wall-clock time now. */
int	users_is_expired(time_t expires, time_t now);
/* Returns 1 if name is a valid user name (UTF-8, no ':', whitespace or
 * control characters, 1..AUTHZ_USER_MAX bytes). */
int	users_name_is_valid(const char *name, size_t len);

#endif
