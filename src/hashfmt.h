/*
 * Password hash strings: which format a stored hash is, what verifying
 * it costs, and verifying a password against it.  libsodium verifies its
 * own formats ($argon2id$, $argon2i$, $7$); libcrypt's crypt_rn(3) the
 * crypt(3) ones other tools write ($2y$ bcrypt, $y$ yescrypt, $6$ and $5$
 * sha-crypt, $1$ md5-crypt, and $7$ with libxcrypt's shorter salt);
 * libaprutil the ones only Apache's htpasswd writes ($apr1$, {SHA}) and
 * nginx's {SSHA}.  New hashes are always argon2id (fcgi-authz hash); the
 * others are kept so that existing users log in with the passwords they
 * have (docs/migrating.md).
 */
#ifndef AUTHZ_HASHFMT_H
#define AUTHZ_HASHFMT_H

#include <stddef.h>

#include "defaults.h"

enum hashfmt_kind {
	HASHFMT_ARGON2ID,
	HASHFMT_ARGON2I,
	HASHFMT_SCRYPT,		/* $7$ */
	HASHFMT_BCRYPT,		/* $2y$, $2b$, $2a$ */
	HASHFMT_YESCRYPT,	/* $y$ */
	HASHFMT_SHA512CRYPT,	/* $6$ */
	HASHFMT_SHA256CRYPT,	/* $5$ */
	HASHFMT_MD5CRYPT,	/* $1$ */
	HASHFMT_APR1,		/* $apr1$ */
	HASHFMT_SHA1,		/* {SHA} */
	HASHFMT_SSHA,		/* {SSHA} */
	HASHFMT_COUNT		/* not a format: how many there are */
};

/* What a stored hash string asks for, parsed from the string itself. */
struct hashfmt {
	enum hashfmt_kind	 hf_kind;
	unsigned long long	 hf_memory;	/* bytes; 0: not memory-hard */
	unsigned long long	 hf_passes;	/* argon2 t, yescrypt t; scrypt N */
	unsigned		 hf_parallel;	/* argon2 p, scrypt and yescrypt p */
	unsigned		 hf_bcrypt_cost; /* log2 of bcrypt's rounds */
	unsigned long		 hf_rounds;	/* sha-crypt rounds */
};

/*
 * What a load accepts (fcgi-authz.ini(5), [hashing]): one edited line
 * must not make every request take minutes.
 */
struct hashfmt_limits {
	unsigned long long	 hfl_max_memory;		/* bytes */
	unsigned long long	 hfl_max_passes;		/* argon2, yescrypt t */
	unsigned		 hfl_max_parallel;
	unsigned		 hfl_max_bcrypt_cost;
	unsigned long		 hfl_max_sha_rounds;
	int			 hfl_refuse_legacy;	/* legacy = refuse */
};

/* The defaults of fcgi-authz.ini(5), as an initializer and a call. */
#define HASHFMT_LIMITS_DEFAULT {					\
	.hfl_max_memory = AUTHZ_HASH_MAX_MEMORY,			\
	.hfl_max_passes = AUTHZ_HASH_MAX_PASSES,			\
	.hfl_max_parallel = AUTHZ_HASH_MAX_PARALLEL,			\
	.hfl_max_bcrypt_cost = AUTHZ_HASH_MAX_BCRYPT_COST,		\
	.hfl_max_sha_rounds = AUTHZ_HASH_MAX_SHA_ROUNDS,		\
	.hfl_refuse_legacy = 0						\
}
void	hashfmt_limits_default(struct hashfmt_limits *);

/*
 * Recognizes a stored hash and parses its cost.  Returns 0, or -1 with
 * *why set to a sentence that names what the string looks like (DES
 * crypt, plaintext, a locked account...) and what to do instead.
 */
int	hashfmt_parse(const char *hash, struct hashfmt *, const char **why)
	    __attribute__((warn_unused_result));

/*
 * Whether a parsed hash keeps to limits.  Returns 0, or -1 with the
 * reason written to msg (one sentence, no FILE:LINE).
 */
int	hashfmt_check(const struct hashfmt *, const struct hashfmt_limits *,
	    char *msg, size_t msgsize);

/* "argon2id", "bcrypt", "sha512-crypt", "apr1", ... */
const char *hashfmt_name(enum hashfmt_kind);

/* Not one of libsodium's: verified for migration, never written. */
int	hashfmt_is_legacy(const struct hashfmt *);

/*
 * Cheap enough to brute-force if the file leaks: MD5 and SHA-1 based
 * formats, bcrypt below cost 10, sha-crypt below 5000 rounds.
 */
int	hashfmt_is_weak(const struct hashfmt *);

/*
 * A hash of password (NUL-terminated) in the format and at the cost of
 * like, with a new salt: the dummy hash unknown users are checked
 * against is made so when most users have such a hash (pwcheck.h).
 * crypt(5) formats that have a cost (bcrypt, yescrypt, sha-crypt) only;
 * returns 0, or -1 for any other format or on failure.
 */
int	hashfmt_make_like(const char *like, const char *password, char *out,
	    size_t outsize) __attribute__((warn_unused_result));

/*
 * Verifies password (len bytes, not NUL-terminated) against hash.
 * Returns 1 if it matches, 0 if not or on any failure (fail closed).
 * Compares in constant time and wipes its work buffers.  A password
 * with a NUL byte never matches a crypt(3) or Apache format, which read
 * it as a C string, and costs as much time as any other.
 */
int	hashfmt_verify(const char *hash, const char *password, size_t len)
	    __attribute__((warn_unused_result));

#endif
