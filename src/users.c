/*
 * Loading users.ini: [user:NAME] and [token:NAME] sections.  Stored hashes
 * are checked against the hashing limits here, at load (hashfmt_check),
 * because every format takes its memory and time cost from the string
 * itself (docs/security.md, Password guessing).
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "inifile.h"
#include "text.h"
#include "users.h"

struct users {
	struct user	*u_users;
	size_t		 u_nusers;
	struct token	*u_tokens;
	size_t		 u_ntokens;
	uint32_t	*u_index;	/* open addressing: user index + 1 */
	size_t		 u_index_mask;
	unsigned char	 u_hashkey[crypto_shorthash_KEYBYTES];
	const char	*u_typical_hash;
	struct stat	 u_stat;	/* of the file as it was read */
};

struct users_parse {
	struct users	*up_users;
	struct errlist	*up_errs;
	const char	*up_file;
	const struct hashfmt_limits *up_limits;
	struct user	*up_user;	/* the section being read, or NULL */
	struct token	*up_token;
	int		 up_has_password;
	int		 up_has_hash;
	int		 up_has_token_roles;
	char		**up_token_roles;
	size_t		 up_token_nroles;
	char		***up_pending_roles;	/* per token, by index */
	size_t		*up_pending_nroles;
	int		*up_pending_has;
	size_t		 up_cap_users;
	size_t		 up_cap_tokens;
};

/*
 * Returns 1 for the code point at s (valid UTF-8) if it is a C1 control
 * or Unicode whitespace, which look like nothing in a log or a list.
 */
static int
users_is_invisible(const unsigned char *s, size_t left)
{
	unsigned cp;

	if (s[0] < 0x80 || left < 2)
		return 0;
	if ((s[0] & 0xe0) == 0xc0) {
		cp = ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return (cp >= 0x80 && cp <= 0xa0) || cp == 0x85;
	}
	if ((s[0] & 0xf0) == 0xe0 && left >= 3) {
		cp = ((unsigned)(s[0] & 0x0f) << 12) |
		    ((unsigned)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) ||
		    cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
		    cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
	}
	return 0;
}

int
users_name_is_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > AUTHZ_USER_MAX)
		return 0;
	if (!text_is_clean_utf8(name, len))
		return 0;
	for (i = 0; i < len; i++) {
		if (strchr(" :=[];#,\"", name[i]) != NULL)
			return 0;
		if (users_is_invisible((const unsigned char *)name + i,
		    len - i))
			return 0;
	}
	return 1;
}

int
users_has_role(char *const *roles, size_t n, const char *role)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(roles[i], role) == 0)
			return 1;
	return 0;
}

int
users_is_expired(time_t expires, time_t now)
{
	return expires != 0 && now >= expires;
}

static int
users_parse_bool(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int
users_check_hash(struct users_parse *up, int line, const char *v)
{
	struct hashfmt	 hf;
	const char	*why;
	char		 msg[256];

	if (strlen(v) >= crypto_pwhash_STRBYTES) {
		errlist_add(up->up_errs, up->up_file, line,
		    "password: longer than any hash fcgi-authz verifies "
		    "(%d bytes at most)", crypto_pwhash_STRBYTES - 1);
		return 0;
	}
	if (hashfmt_parse(v, &hf, &why) == -1) {
		errlist_add(up->up_errs, up->up_file, line, "password: %s",
		    why);
		return 0;
	}
	if (hashfmt_check(&hf, up->up_limits, msg, sizeof(msg)) == -1) {
		errlist_add(up->up_errs, up->up_file, line, "password: %s",
		    msg);
		return 0;
	}
	return 1;
}

static int
users_roles(struct users_parse *up, int line, const char *v, char ***out,
    size_t *n)
{
	size_t i;

	text_free_list(*out, *n);
	*out = NULL;
	*n = 0;
	if (*v == '\0')
		return 1;
	if (text_split_list(v, out, n) == -1) {
		errlist_add(up->up_errs, up->up_file, line,
		    "roles: expected a comma-separated list without empty items");
		return 0;
	}
	for (i = 0; i < *n; i++)
		if (!users_name_is_valid((*out)[i], strlen((*out)[i]))) {
			errlist_add(up->up_errs, up->up_file, line,
			    "roles: \"%s\" is not a valid role name", (*out)[i]);
			return 0;
		}
	return 1;
}

static int
users_expiry(struct users_parse *up, int line, const char *v, time_t *out)
{
	if (strcmp(v, "never") == 0 || *v == '\0') {
		*out = 0;
		return 1;
	}
	if (text_parse_date(v, out) == -1) {
		errlist_add(up->up_errs, up->up_file, line,
		    "expires: expected YYYY-MM-DD or never, got \"%s\"", v);
		return 0;
	}
	return 1;
}

static int
users_user_key(struct users_parse *up, const char *k, const char *v, int line)
{
	struct user *us = up->up_user;

	if (strcmp(k, "password") == 0) {
		if (!users_check_hash(up, line, v))
			return 0;
		memcpy(us->us_hash, v, strlen(v) + 1);
		up->up_has_password = 1;
		return 1;
	}
	if (strcmp(k, "roles") == 0)
		return users_roles(up, line, v, &us->us_roles, &us->us_nroles);
	if (strcmp(k, "expires") == 0)
		return users_expiry(up, line, v, &us->us_expires);
	if (strcmp(k, "disabled") == 0) {
		if (users_parse_bool(v, &us->us_disabled) == -1) {
			errlist_add(up->up_errs, up->up_file, line,
			    "disabled: expected yes or no, got \"%s\"", v);
			return 0;
		}
		return 1;
	}
	errlist_add(up->up_errs, up->up_file, line,
	    "unknown key \"%s\" in [user:%s]", k, us->us_name);
	return 0;
}

static int
users_token_hash(struct users_parse *up, int line, const char *v,
    uint8_t digest[AUTHZ_TOKEN_DIGEST_LEN])
{
	size_t len;

	if (strncmp(v, "blake2b:", 8) != 0 ||
	    strlen(v + 8) != AUTHZ_TOKEN_DIGEST_LEN * 2 ||
	    sodium_hex2bin(digest, AUTHZ_TOKEN_DIGEST_LEN, v + 8,
	    AUTHZ_TOKEN_DIGEST_LEN * 2, NULL, &len, NULL) != 0 ||
	    len != AUTHZ_TOKEN_DIGEST_LEN) {
		errlist_add(up->up_errs, up->up_file, line,
		    "hash: expected blake2b: and 64 hex digits (BLAKE2b-256 of "
		    "the token)");
		return 0;
	}
	up->up_has_hash = 1;
	return 1;
}

static int
users_token_key(struct users_parse *up, const char *k, const char *v, int line)
{
	struct token	*tk = up->up_token;
	size_t		 idx = (size_t)(tk - up->up_users->u_tokens);

	if (strcmp(k, "user") == 0) {
		if (!users_name_is_valid(v, strlen(v))) {
			errlist_add(up->up_errs, up->up_file, line,
			    "user: \"%s\" is not a valid user name", v);
			return 0;
		}
		memcpy(tk->tk_user_name, v, strlen(v) + 1);
		return 1;
	}
	if (strcmp(k, "roles") == 0) {
		up->up_pending_has[idx] = 1;
		return users_roles(up, line, v, &up->up_pending_roles[idx],
		    &up->up_pending_nroles[idx]) ? 1 : 0;
	}
	if (strcmp(k, "hash") == 0)
		return users_token_hash(up, line, v, tk->tk_digest);
	if (strcmp(k, "expires") == 0)
		return users_expiry(up, line, v, &tk->tk_expires);
	errlist_add(up->up_errs, up->up_file, line,
	    "unknown key \"%s\" in [token:%s]", k, tk->tk_name);
	return 0;
}

static void
users_section_finish(struct users_parse *up)
{
	if (up->up_user != NULL && !up->up_has_password)
		errlist_add(up->up_errs, up->up_file, up->up_user->us_line,
		    "[user:%s] has no password", up->up_user->us_name);
	if (up->up_token != NULL) {
		if (up->up_token->tk_user_name[0] == '\0')
			errlist_add(up->up_errs, up->up_file,
			    up->up_token->tk_line, "[token:%s] has no user",
			    up->up_token->tk_name);
		if (!up->up_has_hash)
			errlist_add(up->up_errs, up->up_file,
			    up->up_token->tk_line, "[token:%s] has no hash",
			    up->up_token->tk_name);
	}
	up->up_user = NULL;
	up->up_token = NULL;
	up->up_has_password = up->up_has_hash = 0;
}

/* Doubles *arr when n reached *cap: 100,000 users, not 100,000 reallocs. */
static int
users_grow(void **arr, size_t n, size_t *cap, size_t size)
{
	void	*p;
	size_t	 ncap;

	if (n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((p = realloc(*arr, ncap * size)) == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
users_new_user(struct users_parse *up, const char *name, int line)
{
	struct users	*u = up->up_users;
	size_t		 len = strlen(name);

	if (!users_name_is_valid(name, len)) {
		errlist_add(up->up_errs, up->up_file, line,
		    "[user:%s]: a user name is 1 to %d bytes of UTF-8 without "
		    "whitespace, control characters or any of :=[];#,\"",
		    name, AUTHZ_USER_MAX);
		return 0;
	}
	if (users_grow((void **)&u->u_users, u->u_nusers, &up->up_cap_users,
	    sizeof(*u->u_users)) == -1) {
		errlist_add(up->up_errs, up->up_file, line, "out of memory");
		return 0;
	}
	up->up_user = &u->u_users[u->u_nusers++];
	memset(up->up_user, 0, sizeof(*up->up_user));
	memcpy(up->up_user->us_name, name, len + 1);
	up->up_user->us_name_len = len;
	up->up_user->us_line = line;
	return 1;
}

static int
users_new_token(struct users_parse *up, const char *name, int line)
{
	struct users	*u = up->up_users;
	size_t		 n = u->u_ntokens;
	size_t		 c1 = up->up_cap_tokens, c2 = c1, c3 = c1;

	if (!users_name_is_valid(name, strlen(name))) {
		errlist_add(up->up_errs, up->up_file, line,
		    "[token:%s]: a token name is 1 to %d bytes without "
		    "whitespace, control characters or any of :=[];#,\"",
		    name, AUTHZ_USER_MAX);
		return 0;
	}
	if (users_grow((void **)&u->u_tokens, n, &up->up_cap_tokens,
	    sizeof(*u->u_tokens)) == -1 ||
	    users_grow((void **)&up->up_pending_roles, n, &c1,
	    sizeof(*up->up_pending_roles)) == -1 ||
	    users_grow((void **)&up->up_pending_nroles, n, &c2,
	    sizeof(*up->up_pending_nroles)) == -1 ||
	    users_grow((void **)&up->up_pending_has, n, &c3,
	    sizeof(*up->up_pending_has)) == -1) {
		errlist_add(up->up_errs, up->up_file, line, "out of memory");
		return 0;
	}
	up->up_token = &u->u_tokens[u->u_ntokens++];
	memset(up->up_token, 0, sizeof(*up->up_token));
	up->up_pending_roles[n] = NULL;
	up->up_pending_nroles[n] = 0;
	up->up_pending_has[n] = 0;
	up->up_token->tk_line = line;
	if ((up->up_token->tk_name = strdup(name)) == NULL) {
		errlist_add(up->up_errs, up->up_file, line, "out of memory");
		return 0;
	}
	return 1;
}

static int
users_handler(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct users_parse *up = user;
	const char	   *id;

	if (name == NULL) {
		users_section_finish(up);
		if ((id = text_after_prefix(section, "user:")) != NULL)
			return users_new_user(up, id, line);
		if ((id = text_after_prefix(section, "token:")) != NULL)
			return users_new_token(up, id, line);
		errlist_add(up->up_errs, up->up_file, line,
		    "unknown section [%s] (expected user:NAME or token:NAME)",
		    section);
		return 0;
	}
	if (up->up_user != NULL)
		return users_user_key(up, name, value, line);
	if (up->up_token != NULL)
		return users_token_key(up, name, value, line);
	return 0;	/* inside a section already reported */
}

static uint64_t
users_hash_name(const struct users *u, const char *name, size_t len)
{
	uint64_t h;

	crypto_shorthash((unsigned char *)&h, (const unsigned char *)name, len,
	    u->u_hashkey);
	return h;
}

static int
users_build_index(struct users *u)
{
	size_t size = 16, i, j;

	while (size < u->u_nusers * 2)
		size <<= 1;
	if ((u->u_index = calloc(size, sizeof(*u->u_index))) == NULL)
		return -1;
	u->u_index_mask = size - 1;
	randombytes_buf(u->u_hashkey, sizeof(u->u_hashkey));
	for (i = 0; i < u->u_nusers; i++) {
		j = users_hash_name(u, u->u_users[i].us_name,
		    u->u_users[i].us_name_len) & u->u_index_mask;
		while (u->u_index[j] != 0)
			j = (j + 1) & u->u_index_mask;
		u->u_index[j] = (uint32_t)(i + 1);
	}
	return 0;
}

const struct user *
users_find(const struct users *u, const char *name, size_t len)
{
	size_t			 j;
	const struct user	*us;

	if (u == NULL || u->u_index == NULL || len == 0 || len > AUTHZ_USER_MAX)
		return NULL;
	j = users_hash_name(u, name, len) & u->u_index_mask;
	while (u->u_index[j] != 0) {
		us = &u->u_users[u->u_index[j] - 1];
		if (us->us_name_len == len && memcmp(us->us_name, name, len) == 0)
			return us;
		j = (j + 1) & u->u_index_mask;
	}
	return NULL;
}

const struct token *
users_find_token(const struct users *u,
    const uint8_t digest[AUTHZ_TOKEN_DIGEST_LEN])
{
	const struct token	*found = NULL;
	size_t			 i;

	if (u == NULL)
		return NULL;
	/* Compare every one, in constant time, whatever matches. */
	for (i = 0; i < u->u_ntokens; i++)
		if (sodium_memcmp(u->u_tokens[i].tk_digest, digest,
		    AUTHZ_TOKEN_DIGEST_LEN) == 0)
			found = &u->u_tokens[i];
	return found;
}

static char *
users_join(char *const *list, size_t n)
{
	size_t	 len = 1, i;
	char	*s, *p;

	for (i = 0; i < n; i++)
		len += strlen(list[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	p = s;
	*p = '\0';
	for (i = 0; i < n; i++) {
		size_t l = strlen(list[i]);

		if (i > 0)
			*p++ = ',';
		memcpy(p, list[i], l);
		p += l;
		*p = '\0';
	}
	return s;
}

/*
 * A token acts as its user with at most the token's roles: the effective
 * roles are those the user holds and the token lists (all the user's when
 * the token lists none).
 */
static int
users_resolve_tokens(struct users_parse *up)
{
	struct users	*u = up->up_users;
	size_t		 i, j, n;
	int		 ok = 1;

	for (i = 0; i < u->u_ntokens; i++) {
		struct token	*tk = &u->u_tokens[i];
		const struct user *us = users_find(u, tk->tk_user_name,
		    strlen(tk->tk_user_name));

		if (us == NULL) {
			errlist_add(up->up_errs, up->up_file, tk->tk_line,
			    "[token:%s]: no user \"%s\"", tk->tk_name,
			    tk->tk_user_name);
			ok = 0;
			continue;
		}
		tk->tk_user = us;
		for (j = 0; j < i; j++)
			if (sodium_memcmp(u->u_tokens[j].tk_digest,
			    tk->tk_digest, AUTHZ_TOKEN_DIGEST_LEN) == 0) {
				errlist_add(up->up_errs, up->up_file,
				    tk->tk_line, "[token:%s] has the same hash "
				    "as [token:%s]", tk->tk_name,
				    u->u_tokens[j].tk_name);
				ok = 0;
			}
		if ((tk->tk_roles = calloc(us->us_nroles + 1,
		    sizeof(*tk->tk_roles))) == NULL)
			return 0;
		for (j = 0, n = 0; j < us->us_nroles; j++) {
			if (up->up_pending_has[i] &&
			    !users_has_role(up->up_pending_roles[i],
			    up->up_pending_nroles[i], us->us_roles[j]))
				continue;
			if ((tk->tk_roles[n++] = strdup(us->us_roles[j])) == NULL)
				return 0;
		}
		tk->tk_nroles = n;
		if ((tk->tk_roles_joined = users_join(tk->tk_roles, n)) == NULL)
			return 0;
		if (up->up_pending_has[i] && (tk->tk_declared_roles =
		    users_join(up->up_pending_roles[i],
		    up->up_pending_nroles[i])) == NULL)
			return 0;
	}
	return ok;
}

/*
 * The hash whose parameters most users share (a handful of kinds), for
 * the dummy hash unknown users are checked against (pwcheck.h).
 */
static void
users_pick_typical(struct users *u)
{
	struct { struct hashfmt hf; size_t n; const char *h; } kinds[16];
	size_t		 nkinds = 0, i, k, best = 0;
	struct hashfmt	 hf;
	const char	*why;

	for (i = 0; i < u->u_nusers; i++) {
		if (hashfmt_parse(u->u_users[i].us_hash, &hf, &why) == -1)
			continue;
		for (k = 0; k < nkinds; k++)
			if (memcmp(&kinds[k].hf, &hf, sizeof(hf)) == 0)
				break;
		if (k == nkinds) {
			if (nkinds == 16)
				continue;
			kinds[nkinds].hf = hf;
			kinds[nkinds].n = 0;
			kinds[nkinds].h = u->u_users[i].us_hash;
			nkinds++;
		}
		kinds[k].n++;
	}
	for (k = 1; k < nkinds; k++)
		if (kinds[k].n > kinds[best].n)
			best = k;
	u->u_typical_hash = nkinds > 0 ? kinds[best].h : NULL;
}

/* users_load() and users_load_fd(); fd -1: open path. */
static struct users *
users_load_common(const char *path, int fd,
    const struct hashfmt_limits *lim, struct errlist *errs)
{
	struct users_parse	 up;
	struct users		*u;
	size_t			 before = errlist_count(errs), i;
	int			 ok = 1;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		errlist_add(errs, path, 0, "out of memory");
		return NULL;
	}
	memset(&up, 0, sizeof(up));
	up.up_users = u;
	up.up_errs = errs;
	up.up_file = path;
	up.up_limits = lim;
	if (fd == -1)
		(void)inifile_parse(path, 0, &u->u_stat, users_handler, &up,
		    errs);
	else
		(void)inifile_parse_fd(path, fd, &u->u_stat, users_handler,
		    &up, errs);
	users_section_finish(&up);
	if (errlist_count(errs) == before) {
		for (i = 0; ok && i < u->u_nusers; i++) {
			struct user *us = &u->u_users[i];

			if ((us->us_roles_joined = users_join(us->us_roles,
			    us->us_nroles)) == NULL)
				ok = 0;
		}
		if (!ok || users_build_index(u) == -1)
			errlist_add(errs, path, 0, "out of memory");
		else if (!users_resolve_tokens(&up) &&
		    errlist_count(errs) == before)
			errlist_add(errs, path, 0, "out of memory");
		users_pick_typical(u);
	}
	for (i = 0; i < u->u_ntokens; i++)
		text_free_list(up.up_pending_roles[i], up.up_pending_nroles[i]);
	free(up.up_pending_roles);
	free(up.up_pending_nroles);
	free(up.up_pending_has);
	if (errlist_count(errs) != before) {
		users_free(u);
		return NULL;
	}
	return u;
}

struct users *
users_load(const char *path, const struct hashfmt_limits *lim,
    struct errlist *errs)
{
	return users_load_common(path, -1, lim, errs);
}

struct users *
users_load_fd(const char *path, int fd, const struct hashfmt_limits *lim,
    struct errlist *errs)
{
	return users_load_common(path, fd, lim, errs);
}

void
users_free(struct users *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->u_nusers; i++) {
		text_free_list(u->u_users[i].us_roles, u->u_users[i].us_nroles);
		free(u->u_users[i].us_roles_joined);
	}
	if (u->u_users != NULL)
		sodium_memzero(u->u_users, u->u_nusers * sizeof(*u->u_users));
	free(u->u_users);
	for (i = 0; i < u->u_ntokens; i++) {
		free(u->u_tokens[i].tk_name);
		text_free_list(u->u_tokens[i].tk_roles, u->u_tokens[i].tk_nroles);
		free(u->u_tokens[i].tk_roles_joined);
		free(u->u_tokens[i].tk_declared_roles);
	}
	free(u->u_tokens);
	free(u->u_index);
	sodium_memzero(u, sizeof(*u));
	free(u);
}

size_t
users_count(const struct users *u)
{
	return u == NULL ? 0 : u->u_nusers;
}

size_t
users_token_count(const struct users *u)
{
	return u == NULL ? 0 : u->u_ntokens;
}

const struct user *
users_at(const struct users *u, size_t i)
{
	return &u->u_users[i];
}

const struct token *
users_token_at(const struct users *u, size_t i)
{
	return &u->u_tokens[i];
}

const char *
users_typical_hash(const struct users *u)
{
	return u == NULL ? NULL : u->u_typical_hash;
}

const struct stat *
users_file_stat(const struct users *u)
{
	return &u->u_stat;
}
