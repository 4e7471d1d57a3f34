/*
 * Fuzz target: stored password hashes (hashfmt_parse, hashfmt_check,
 * hashfmt_verify).
 *
 * The input up to its first NUL is the stored hash; after that NUL (up
 * to a second one, or to the end) comes a password to verify with, so
 * that a seed can hold a hash and its password.
 *
 * Properties (hashfmt.h):
 *   - hashfmt_parse() returns 0 or -1, and on -1 sets a reason, which
 *     says "malformed" when a format's prefix opens the string;
 *   - on 0 the kind is the one whose prefix opens the string (a table of
 *     our own), it has a name, the string is printable ASCII without a
 *     space, and a second parse gives the same answer;
 *   - hashfmt_is_legacy() is "not argon2id, argon2i or scrypt", and
 *     hashfmt_is_weak() is MD5 or SHA-1 based, bcrypt below cost 10 or
 *     sha-crypt below 5000 rounds;
 *   - hashfmt_check() returns 0 or -1 and on -1 writes a reason, within
 *     the buffer; with legacy = refuse a legacy hash is refused; with no
 *     limits only an argon2 hash below 8 KiB a lane is;
 *   - hashfmt_verify() returns 0 or 1; 0 for a string hashfmt_parse()
 *     refuses (which costs a parse, nothing more); for a crypt(3) or
 *     Apache format, 0 for a password with a NUL in it; and a password
 *     that matches no longer does with a byte added (under bcrypt's 72).
 *     It runs only on what costs little to hash: md5-crypt, apr1,
 *     {SHA}, {SSHA}, bcrypt up to cost 6, sha-crypt up to 5000 rounds.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfmt.h"
#include "fuzz.h"

#define FUZZ_MSG_SIZE		128
#define FUZZ_MSG_PAT		'\xa5'
#define FUZZ_BCRYPT_CHEAP	6
#define FUZZ_SHA_ROUNDS_CHEAP	5000UL
#define FUZZ_BCRYPT_MAX_PW	72	/* bytes bcrypt reads of a password */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	return 0;
}

/* Each format's prefix, written out again here, longest first. */
static const struct {
	const char		*prefix;
	enum hashfmt_kind	 kind;
} fuzz_prefixes[] = {
	{ "$argon2id$", HASHFMT_ARGON2ID },
	{ "$argon2i$", HASHFMT_ARGON2I },
	{ "$apr1$", HASHFMT_APR1 },
	{ "{SSHA}", HASHFMT_SSHA },
	{ "{SHA}", HASHFMT_SHA1 },
	{ "$2y$", HASHFMT_BCRYPT },
	{ "$2b$", HASHFMT_BCRYPT },
	{ "$2a$", HASHFMT_BCRYPT },
	{ "$7$", HASHFMT_SCRYPT },
	{ "$y$", HASHFMT_YESCRYPT },
	{ "$6$", HASHFMT_SHA512CRYPT },
	{ "$5$", HASHFMT_SHA256CRYPT },
	{ "$1$", HASHFMT_MD5CRYPT },
};

/* The kind whose prefix opens s, or HASHFMT_COUNT. */
static enum hashfmt_kind
prefix_kind(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(fuzz_prefixes) / sizeof(fuzz_prefixes[0]); i++)
		if (strncmp(s, fuzz_prefixes[i].prefix,
		    strlen(fuzz_prefixes[i].prefix)) == 0)
			return fuzz_prefixes[i].kind;
	return HASHFMT_COUNT;
}

static int
ref_is_legacy(const struct hashfmt *hf)
{
	return hf->hf_kind != HASHFMT_ARGON2ID &&
	    hf->hf_kind != HASHFMT_ARGON2I && hf->hf_kind != HASHFMT_SCRYPT;
}

static int
ref_is_weak(const struct hashfmt *hf)
{
	switch (hf->hf_kind) {
	case HASHFMT_MD5CRYPT:
	case HASHFMT_APR1:
	case HASHFMT_SHA1:
	case HASHFMT_SSHA:
		return 1;
	case HASHFMT_BCRYPT:
		return hf->hf_bcrypt_cost < 10;
	case HASHFMT_SHA512CRYPT:
	case HASHFMT_SHA256CRYPT:
		return hf->hf_rounds < 5000;
	default:
		return 0;
	}
}

/* Formats read as C strings, by crypt_rn() or libaprutil. */
static int
is_cstring_kind(enum hashfmt_kind k)
{
	return k == HASHFMT_BCRYPT || k == HASHFMT_SHA512CRYPT ||
	    k == HASHFMT_SHA256CRYPT || k == HASHFMT_MD5CRYPT ||
	    k == HASHFMT_APR1;
}

/* Whether verifying costs little enough to do on every input. */
static int
is_cheap(const struct hashfmt *hf)
{
	switch (hf->hf_kind) {
	case HASHFMT_MD5CRYPT:
	case HASHFMT_APR1:
	case HASHFMT_SHA1:
	case HASHFMT_SSHA:
		return 1;
	case HASHFMT_BCRYPT:
		return hf->hf_bcrypt_cost <= FUZZ_BCRYPT_CHEAP;
	case HASHFMT_SHA512CRYPT:
	case HASHFMT_SHA256CRYPT:
		return hf->hf_rounds <= FUZZ_SHA_ROUNDS_CHEAP;
	default:
		return 0;
	}
}

/* hashfmt_check(), and what its answer and its reason must be like. */
static int
check_with(const struct hashfmt *hf, const struct hashfmt_limits *lim)
{
	char	msg[FUZZ_MSG_SIZE + 1];
	int	rc;

	memset(msg, FUZZ_MSG_PAT, sizeof(msg));
	rc = hashfmt_check(hf, lim, msg, FUZZ_MSG_SIZE);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(msg[FUZZ_MSG_SIZE] == FUZZ_MSG_PAT);
	if (rc == -1)
		FUZZ_ASSERT(memchr(msg, '\0', FUZZ_MSG_SIZE) != NULL &&
		    msg[0] != '\0');
	return rc;
}

static void
check_limits(const struct hashfmt *hf)
{
	struct hashfmt_limits	lim;
	int			below_argon2_min;

	hashfmt_limits_default(&lim);
	(void)check_with(hf, &lim);
	lim.hfl_refuse_legacy = 1;
	if (ref_is_legacy(hf))
		FUZZ_ASSERT(check_with(hf, &lim) == -1);

	/* No limits at all. */
	lim.hfl_refuse_legacy = 0;
	lim.hfl_max_memory = ~0ULL;
	lim.hfl_max_passes = ~0ULL;
	lim.hfl_max_parallel = ~0U;
	lim.hfl_max_bcrypt_cost = ~0U;
	lim.hfl_max_sha_rounds = ~0UL;
	below_argon2_min = (hf->hf_kind == HASHFMT_ARGON2ID ||
	    hf->hf_kind == HASHFMT_ARGON2I) &&
	    hf->hf_memory < 8192ULL * hf->hf_parallel;
	FUZZ_ASSERT(check_with(hf, &lim) == (below_argon2_min ? -1 : 0));
}

static void
check_verify(const char *hash, const struct hashfmt *hf, const char *pw,
    size_t len)
{
	char	*more;
	int	 ok;

	ok = hashfmt_verify(hash, pw, len);
	FUZZ_ASSERT(ok == 0 || ok == 1);
	if (is_cstring_kind(hf->hf_kind))
		FUZZ_ASSERT(hashfmt_verify(hash, "\0", 1) == 0);
	if (!ok || len >= FUZZ_BCRYPT_MAX_PW)
		return;
	if ((more = malloc(len + 1)) == NULL)
		abort();
	memcpy(more, pw, len);
	more[len] = 'x';
	FUZZ_ASSERT(hashfmt_verify(hash, more, len + 1) == 0);
	if (is_cstring_kind(hf->hf_kind)) {
		more[len] = '\0';
		FUZZ_ASSERT(hashfmt_verify(hash, more, len + 1) == 0);
	}
	free(more);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hashfmt		 hf, again;
	const char		*why = NULL, *why2 = NULL, *pw = "";
	const uint8_t		*nul;
	enum hashfmt_kind	 pk;
	char			*s;
	size_t			 i, len = 0;
	int			 rc;

	s = fuzz_strndup(data, size);
	if ((nul = memchr(data, '\0', size)) != NULL) {
		pw = s + (nul - data) + 1;
		len = strlen(pw);
	}
	pk = prefix_kind(s);

	rc = hashfmt_parse(s, &hf, &why);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(hashfmt_parse(s, &again, &why2) == rc);
	if (rc == -1) {
		FUZZ_ASSERT(why != NULL && *why != '\0' && why2 == why);
		if (pk != HASHFMT_COUNT)
			FUZZ_ASSERT(strstr(why, "malformed") != NULL);
		/* A refused string costs one parse: verifying it is cheap. */
		FUZZ_ASSERT(hashfmt_verify(s, pw, len) == 0);
		free(s);
		return 0;
	}

	FUZZ_ASSERT(memcmp(&hf, &again, sizeof(hf)) == 0);
	FUZZ_ASSERT(hf.hf_kind == pk);
	FUZZ_ASSERT(strcmp(hashfmt_name(hf.hf_kind), "unknown") != 0);
	for (i = 0; s[i] != '\0'; i++)
		FUZZ_ASSERT(s[i] > ' ' && s[i] < 0x7f);
	FUZZ_ASSERT(hashfmt_is_legacy(&hf) == ref_is_legacy(&hf));
	FUZZ_ASSERT(hashfmt_is_weak(&hf) == ref_is_weak(&hf));
	check_limits(&hf);
	if (is_cheap(&hf))
		check_verify(s, &hf, pw, len);
	free(s);
	return 0;
}
