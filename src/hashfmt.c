/*
 * Stored password hashes (hashfmt.h).  Parsing reads only what decides
 * the cost and refuses what no library here would verify; verifying is
 * left to the library that owns the format.  The layouts are those of
 * crypt(5) (libxcrypt), Apache's htpasswd(1) and libsodium's
 * crypto_pwhash_str().
 */
#include "config.h"

#include <crypt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_md5.h>
#include <apr_sha1.h>
#include <sodium.h>

#include "hashfmt.h"

/* crypt(5)'s alphabet, 6 bits a character. */
static const char hashfmt_itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/* RFC 4648's base64 alphabet: argon2's salt and hash, {SHA}, {SSHA}. */
static const char hashfmt_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define HASHFMT_WEAK_BCRYPT_COST	10
#define HASHFMT_WEAK_SHA_ROUNDS		5000UL
#define HASHFMT_SHA_ROUNDS_DEFAULT	5000UL	/* crypt(5): no rounds= */
#define HASHFMT_SHA1_LEN		20
#define HASHFMT_SSHA_SALT_MAX		64

static const char *const hashfmt_names[HASHFMT_COUNT] = {
	[HASHFMT_ARGON2ID] = "argon2id",
	[HASHFMT_ARGON2I] = "argon2i",
	[HASHFMT_SCRYPT] = "scrypt",
	[HASHFMT_BCRYPT] = "bcrypt",
	[HASHFMT_YESCRYPT] = "yescrypt",
	[HASHFMT_SHA512CRYPT] = "sha512-crypt",
	[HASHFMT_SHA256CRYPT] = "sha256-crypt",
	[HASHFMT_MD5CRYPT] = "md5-crypt",
	[HASHFMT_APR1] = "apr1",
	[HASHFMT_SHA1] = "sha1",
	[HASHFMT_SSHA] = "ssha",
};

const char *
hashfmt_name(enum hashfmt_kind k)
{
	return (unsigned)k < HASHFMT_COUNT ? hashfmt_names[k] : "unknown";
}

static int
hashfmt_itoa(char ch)
{
	const char *p = ch != '\0' ? strchr(hashfmt_itoa64, ch) : NULL;

	return p == NULL ? -1 : (int)(p - hashfmt_itoa64);
}

/* Whether s is min to max characters of alphabet, then the byte end. */
static int
hashfmt_is_run(const char *s, const char *alphabet, size_t min, size_t max,
    char end)
{
	size_t n = strspn(s, alphabet);

	return n >= min && n <= max && s[n] == end;
}

/* Whether s is min to max characters of crypt(5)'s alphabet, then end. */
static int
hashfmt_is_itoa_run(const char *s, size_t min, size_t max, char end)
{
	return hashfmt_is_run(s, hashfmt_itoa64, min, max, end);
}

/*
 * Whether s, up to "$", is a salt of at most max characters as crypt(5)
 * gives it for sha-crypt and md5-crypt, [^$:\n], less the characters
 * crypt_rn() refuses in a salt: controls, space, !, *, ;, \ and bytes
 * above 0x7e.
 */
static int
hashfmt_is_crypt_salt(const char *s, size_t max)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 n;

	for (n = 0; u[n] != '$'; n++)
		if (n == max || u[n] <= ' ' || u[n] >= 0x7f ||
		    strchr("!*:;\\", u[n]) != NULL)
			return 0;
	return 1;
}

/* Reads a decimal number followed by the byte end; no leading zero. */
static int
hashfmt_number(const char **p, char end, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9' || (*s == '0' && s[1] != end))
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned long long)(*s - '0');
		if (v > max)
			return -1;
		s++;
	}
	if (*s != end)
		return -1;
	*p = s + 1;
	*out = v;
	return 0;
}

/* $argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash> (after the prefix) */
static int
hashfmt_argon2(const char *s, struct hashfmt *hf)
{
	unsigned long long m, t, p;

	if (strncmp(s, "v=19$m=", 7) != 0)
		return -1;
	s += 7;
	if (hashfmt_number(&s, ',', 0xffffffffULL, &m) == -1 ||
	    strncmp(s, "t=", 2) != 0)
		return -1;
	s += 2;
	if (hashfmt_number(&s, ',', 0xffffffffULL, &t) == -1 ||
	    strncmp(s, "p=", 2) != 0)
		return -1;
	s += 2;
	if (hashfmt_number(&s, '$', 0xffffffULL, &p) == -1)
		return -1;
	/* Then a salt and a hash, neither empty, in unpadded base64. */
	if (!hashfmt_is_run(s, hashfmt_b64, 1, SIZE_MAX, '$') ||
	    !hashfmt_is_run(strchr(s, '$') + 1, hashfmt_b64, 1, SIZE_MAX,
	    '\0') || m == 0 || t == 0 || p == 0)
		return -1;
	hf->hf_memory = m * 1024;
	hf->hf_passes = t;
	hf->hf_parallel = (unsigned)p;
	return 0;
}

/* 128 * r * 2^log2n bytes, or "absurd" when it does not fit in 64 bits. */
static unsigned long long
hashfmt_rn_memory(unsigned long long r, unsigned log2n)
{
	if (log2n >= 50 || r > (1ULL << 30) / 128 || r > (~0ULL >> 7) >> log2n)
		return ~0ULL;	/* refused by any limit */
	return 128ULL * r * (1ULL << log2n);
}

/*
 * $7$<N:1><r:5><p:5><salt>$<hash>, N = 2^n (after the prefix); crypt(5):
 * up to 86 characters of salt, 43 of hash.
 */
static int
hashfmt_scrypt(const char *s, struct hashfmt *hf)
{
	int		n, i, v;
	unsigned long long r = 0, p = 0;

	if ((n = hashfmt_itoa(s[0])) < 1 || n > 63)
		return -1;
	for (i = 0; i < 5; i++) {
		if ((v = hashfmt_itoa(s[1 + i])) == -1)
			return -1;
		r |= (unsigned long long)v << (6 * i);
	}
	for (i = 0; i < 5; i++) {
		if ((v = hashfmt_itoa(s[6 + i])) == -1)
			return -1;
		p |= (unsigned long long)v << (6 * i);
	}
	if (r == 0 || p == 0 || !hashfmt_is_itoa_run(s + 11, 0, 86, '$') ||
	    !hashfmt_is_itoa_run(strchr(s + 11, '$') + 1, 43, 43, '\0'))
		return -1;
	hf->hf_memory = hashfmt_rn_memory(r, (unsigned)n);
	hf->hf_passes = 1ULL << n;
	hf->hf_parallel = (unsigned)(p > 0xffff ? 0xffff : p);
	return 0;
}

/*
 * One of yescrypt's variable-length numbers (libxcrypt's
 * alg-yescrypt-common.c, decode64_uint32): the first character says how
 * many follow.
 */
static const char *
hashfmt_yescrypt_uint(const char *s, unsigned long min, unsigned long *out)
{
	unsigned long	start = 0, end = 47, chars = 1, bits = 0, v;
	int		c;

	if ((c = hashfmt_itoa(*s++)) == -1)
		return NULL;
	v = min;
	while ((unsigned long)c > end) {
		v += (end + 1 - start) << bits;
		start = end + 1;
		end = start + (62 - end) / 2;
		chars++;
		bits += 6;
	}
	v += ((unsigned long)c - start) << bits;
	while (--chars) {
		if ((c = hashfmt_itoa(*s++)) == -1)
			return NULL;
		bits -= 6;
		v += (unsigned long)c << bits;
	}
	*out = v;
	return s;
}

/*
 * $y$<flavor><log2 N><r>[<have><p><t><g>]$<salt>$<hash> (after "$y$");
 * crypt(5): up to 86 characters of salt, 43 of hash.
 */
static int
hashfmt_yescrypt(const char *s, struct hashfmt *hf)
{
	unsigned long	flavor, log2n, r, have = 0, p = 1, t = 0, g;

	if ((s = hashfmt_yescrypt_uint(s, 0, &flavor)) == NULL ||
	    (s = hashfmt_yescrypt_uint(s, 1, &log2n)) == NULL || log2n > 63 ||
	    (s = hashfmt_yescrypt_uint(s, 1, &r)) == NULL)
		return -1;
	if (*s != '$' && (s = hashfmt_yescrypt_uint(s, 1, &have)) == NULL)
		return -1;
	/* Bit 8, a ROM, is a setting of a yescrypt server, not of a hash. */
	if (have > 7 ||
	    ((have & 1) && (s = hashfmt_yescrypt_uint(s, 2, &p)) == NULL) ||
	    ((have & 2) && (s = hashfmt_yescrypt_uint(s, 1, &t)) == NULL) ||
	    ((have & 4) && (s = hashfmt_yescrypt_uint(s, 1, &g)) == NULL))
		return -1;
	if (*s != '$' || !hashfmt_is_itoa_run(s + 1, 0, 86, '$') ||
	    !hashfmt_is_itoa_run(strchr(s + 1, '$') + 1, 43, 43, '\0'))
		return -1;
	hf->hf_memory = hashfmt_rn_memory(r, (unsigned)log2n);
	hf->hf_passes = t;
	hf->hf_parallel = (unsigned)(p > 0xffff ? 0xffff : p);
	return 0;
}

/* $2y$NN$<22 salt><31 hash> (after "$2y$") */
static int
hashfmt_bcrypt(const char *s, struct hashfmt *hf)
{
	if (s[0] < '0' || s[0] > '3' || s[1] < '0' || s[1] > '9' ||
	    s[2] != '$' || strlen(s + 3) != 53 ||
	    !hashfmt_is_itoa_run(s + 3, 53, 53, '\0'))
		return -1;
	hf->hf_bcrypt_cost = (unsigned)((s[0] - '0') * 10 + (s[1] - '0'));
	/* crypt(5): bcrypt's cost is 4 to 31. */
	return hf->hf_bcrypt_cost >= 4 && hf->hf_bcrypt_cost <= 31 ? 0 : -1;
}

/* $6$[rounds=N$]<salt up to 16>$<hashlen> (after "$6$") */
static int
hashfmt_shacrypt(const char *s, size_t hashlen, struct hashfmt *hf)
{
	unsigned long long rounds = HASHFMT_SHA_ROUNDS_DEFAULT;

	if (strncmp(s, "rounds=", 7) == 0) {
		s += 7;
		/* crypt(5): 1000 to 999,999,999 rounds. */
		if (hashfmt_number(&s, '$', 999999999ULL, &rounds) == -1 ||
		    rounds < 1000)
			return -1;
	}
	if (!hashfmt_is_crypt_salt(s, 16) ||
	    !hashfmt_is_itoa_run(strchr(s, '$') + 1, hashlen, hashlen, '\0'))
		return -1;
	hf->hf_rounds = (unsigned long)rounds;
	return 0;
}

static int
hashfmt_sha512crypt(const char *s, struct hashfmt *hf)
{
	return hashfmt_shacrypt(s, 86, hf);
}

static int
hashfmt_sha256crypt(const char *s, struct hashfmt *hf)
{
	return hashfmt_shacrypt(s, 43, hf);
}

/* $1$<salt up to 8>$<22> and $apr1$ alike (after the prefix) */
static int
hashfmt_md5(const char *s, struct hashfmt *hf)
{
	(void)hf;	/* no cost to read */
	return hashfmt_is_crypt_salt(s, 8) &&
	    hashfmt_is_itoa_run(strchr(s, '$') + 1, 22, 22, '\0') ? 0 : -1;
}

/*
 * Bytes the base64 text s decodes to, at most max; or -1.  Only the
 * alphabet and "=" reach sodium_base642bin(): libsodium 1.0.18 reads a
 * byte above 0x7f as "/".
 */
static int
hashfmt_base64_len(const char *s, size_t max, size_t *out)
{
	unsigned char	buf[HASHFMT_SHA1_LEN + HASHFMT_SSHA_SALT_MAX];
	size_t		n = strspn(s, hashfmt_b64);

	return max <= sizeof(buf) && strspn(s + n, "=") == strlen(s + n) &&
	    sodium_base642bin(buf, max, s, strlen(s), NULL, out, NULL,
	    sodium_base64_VARIANT_ORIGINAL) == 0 ? 0 : -1;
}

/* {SHA}: base64 of 20 bytes (after the prefix). */
static int
hashfmt_sha1(const char *s, struct hashfmt *hf)
{
	size_t n;

	(void)hf;
	return hashfmt_base64_len(s, HASHFMT_SHA1_LEN, &n) == 0 &&
	    n == HASHFMT_SHA1_LEN ? 0 : -1;
}

/* {SSHA}: base64 of 20 bytes and a salt (after the prefix). */
static int
hashfmt_ssha(const char *s, struct hashfmt *hf)
{
	size_t n;

	(void)hf;
	return hashfmt_base64_len(s, HASHFMT_SHA1_LEN + HASHFMT_SSHA_SALT_MAX,
	    &n) == 0 && n > HASHFMT_SHA1_LEN ? 0 : -1;
}

/* Why a string that is no format here is refused. */
static const char *
hashfmt_refusal(const char *h)
{
	size_t len = strlen(h);

	if (h[0] == '\0')
		return "empty: set a password with \"fcgi-authz user passwd\"";
	if (h[0] == '!' || h[0] == '*')
		return "a locked account (\"!\" or \"*\"), which has no "
		    "password; leave the user out or disable it";
	if (len == 13 && hashfmt_is_itoa_run(h, 13, 13, '\0'))
		return "DES crypt (htpasswd -d) keeps only the first 8 "
		    "characters of a password and is refused; set a new "
		    "password with \"fcgi-authz user passwd\"";
	if (h[0] == '_' && len == 20)
		return "BSDi extended DES crypt is refused; set a new password "
		    "with \"fcgi-authz user passwd\"";
	if (h[0] != '$' && h[0] != '{')
		return "not a password hash (a plaintext password, as "
		    "htpasswd -p writes, is refused); set it with "
		    "\"fcgi-authz user passwd\"";
	return "not a hash fcgi-authz can verify (argon2id, argon2i, "
	    "scrypt, bcrypt, yescrypt, sha512-crypt, sha256-crypt, "
	    "md5-crypt, apr1, {SHA} or {SSHA}); use \"fcgi-authz hash\"";
}

/* The formats: the prefix, and the parser of what follows it. */
static const struct {
	const char		*fp_prefix;
	enum hashfmt_kind	 fp_kind;
	int			(*fp_parse)(const char *, struct hashfmt *);
} hashfmt_prefixes[] = {
	{ "$argon2id$", HASHFMT_ARGON2ID, hashfmt_argon2 },
	{ "$argon2i$", HASHFMT_ARGON2I, hashfmt_argon2 },
	{ "$7$", HASHFMT_SCRYPT, hashfmt_scrypt },
	{ "$2y$", HASHFMT_BCRYPT, hashfmt_bcrypt },
	{ "$2b$", HASHFMT_BCRYPT, hashfmt_bcrypt },
	{ "$2a$", HASHFMT_BCRYPT, hashfmt_bcrypt },
	{ "$y$", HASHFMT_YESCRYPT, hashfmt_yescrypt },
	{ "$6$", HASHFMT_SHA512CRYPT, hashfmt_sha512crypt },
	{ "$5$", HASHFMT_SHA256CRYPT, hashfmt_sha256crypt },
	{ "$1$", HASHFMT_MD5CRYPT, hashfmt_md5 },
	{ "$apr1$", HASHFMT_APR1, hashfmt_md5 },
	{ "{SHA}", HASHFMT_SHA1, hashfmt_sha1 },
	{ "{SSHA}", HASHFMT_SSHA, hashfmt_ssha },
};

int
hashfmt_parse(const char *hash, struct hashfmt *hf, const char **why)
{
	size_t i, n;

	memset(hf, 0, sizeof(*hf));
	for (i = 0; i < sizeof(hashfmt_prefixes) / sizeof(hashfmt_prefixes[0]);
	    i++) {
		n = strlen(hashfmt_prefixes[i].fp_prefix);
		if (strncmp(hash, hashfmt_prefixes[i].fp_prefix, n) != 0)
			continue;
		hf->hf_kind = hashfmt_prefixes[i].fp_kind;
		if (hashfmt_prefixes[i].fp_parse(hash + n, hf) == 0)
			return 0;
		*why = "a malformed hash: its format is known, but not its "
		    "layout or parameters";
		return -1;
	}
	*why = hashfmt_refusal(hash);
	return -1;
}

int
hashfmt_is_legacy(const struct hashfmt *hf)
{
	return hf->hf_kind != HASHFMT_ARGON2ID &&
	    hf->hf_kind != HASHFMT_ARGON2I && hf->hf_kind != HASHFMT_SCRYPT;
}

int
hashfmt_is_weak(const struct hashfmt *hf)
{
	switch (hf->hf_kind) {
	case HASHFMT_MD5CRYPT:
	case HASHFMT_APR1:
	case HASHFMT_SHA1:
	case HASHFMT_SSHA:
		return 1;
	case HASHFMT_BCRYPT:
		return hf->hf_bcrypt_cost < HASHFMT_WEAK_BCRYPT_COST;
	case HASHFMT_SHA512CRYPT:
	case HASHFMT_SHA256CRYPT:
		return hf->hf_rounds < HASHFMT_WEAK_SHA_ROUNDS;
	default:
		return 0;
	}
}

/* Argon2 refuses m < 8 KiB a lane: such a hash never verifies. */
static int
hashfmt_check_argon2(const struct hashfmt *hf, char *msg, size_t size)
{
	if ((hf->hf_kind == HASHFMT_ARGON2ID || hf->hf_kind == HASHFMT_ARGON2I)
	    && hf->hf_memory < 8192ULL * hf->hf_parallel) {
		snprintf(msg, size, "the hash asks for %llu bytes of memory, "
		    "below argon2's minimum of 8 KiB a lane: it cannot verify",
		    hf->hf_memory);
		return -1;
	}
	return 0;
}

void
hashfmt_limits_default(struct hashfmt_limits *lim)
{
	static const struct hashfmt_limits defaults = HASHFMT_LIMITS_DEFAULT;

	*lim = defaults;
}

int
hashfmt_check(const struct hashfmt *hf, const struct hashfmt_limits *lim,
    char *msg, size_t size)
{
	if (lim->hfl_refuse_legacy && hashfmt_is_legacy(hf))
		snprintf(msg, size, "%s hashes are refused ([hashing] legacy = "
		    "refuse): set a new password with \"fcgi-authz user "
		    "passwd\"", hashfmt_name(hf->hf_kind));
	else if (hashfmt_check_argon2(hf, msg, size) == -1)
		return -1;
	else if (hf->hf_memory > lim->hfl_max_memory)
		snprintf(msg, size, "the hash asks for %llu bytes of memory, "
		    "above [hashing] max_memory (%llu)", hf->hf_memory,
		    lim->hfl_max_memory);
	else if (hf->hf_kind != HASHFMT_SCRYPT &&	/* N: in its memory */
	    hf->hf_passes > lim->hfl_max_passes)
		snprintf(msg, size, "the hash asks for %llu passes, above "
		    "[hashing] max_passes (%llu)", hf->hf_passes,
		    lim->hfl_max_passes);
	else if (hf->hf_parallel > lim->hfl_max_parallel)
		snprintf(msg, size, "the hash asks for parallelism %u, above "
		    "the limit of %u", hf->hf_parallel, lim->hfl_max_parallel);
	else if (hf->hf_bcrypt_cost > lim->hfl_max_bcrypt_cost)
		snprintf(msg, size, "bcrypt cost %u, above [hashing] "
		    "max_bcrypt_cost (%u)", hf->hf_bcrypt_cost,
		    lim->hfl_max_bcrypt_cost);
	else if (hf->hf_rounds > lim->hfl_max_sha_rounds)
		snprintf(msg, size, "%lu sha-crypt rounds, above [hashing] "
		    "max_sha_crypt_rounds (%lu)", hf->hf_rounds,
		    lim->hfl_max_sha_rounds);
	else
		return 0;
	return -1;
}

/* ---- making ------------------------------------------------------- */

/*
 * The setting (prefix, parameters, salt) of a new hash at like's cost:
 * crypt_gensalt_rn() with like's prefix and count, and for yescrypt,
 * whose count is not its parameters, like's parameters before the new
 * salt.
 */
static int
hashfmt_setting_like(const char *like, const struct hashfmt *hf, char *out,
    size_t size)
{
	unsigned char	 rbytes[16];
	char		 prefix[5], gen[CRYPT_GENSALT_OUTPUT_SIZE];
	const char	*salt, *end;
	unsigned long	 count = 0;
	int		 n;

	if (hf->hf_kind == HASHFMT_BCRYPT)
		count = hf->hf_bcrypt_cost;
	else if (hf->hf_kind == HASHFMT_SHA512CRYPT ||
	    hf->hf_kind == HASHFMT_SHA256CRYPT)
		count = hf->hf_rounds;
	else if (hf->hf_kind != HASHFMT_YESCRYPT)
		return -1;
	/* "$2y$", "$6$", "$y$": up to the second "$". */
	if ((end = strchr(like + 1, '$')) == NULL || end - like + 1 >=
	    (ptrdiff_t)sizeof(prefix))
		return -1;
	memcpy(prefix, like, (size_t)(end - like + 1));
	prefix[end - like + 1] = '\0';
	randombytes_buf(rbytes, sizeof(rbytes));
	salt = crypt_gensalt_rn(prefix, count, (const char *)rbytes,
	    (int)sizeof(rbytes), gen, (int)sizeof(gen));
	sodium_memzero(rbytes, sizeof(rbytes));
	if (salt == NULL)
		return -1;
	if (hf->hf_kind != HASHFMT_YESCRYPT)
		n = snprintf(out, size, "%s", gen);
	else {
		/* $y$<params>$<salt>: like's params, gen's salt. */
		if ((salt = strchr(gen + 3, '$')) == NULL ||
		    (end = strchr(like + 3, '$')) == NULL)
			return -1;
		n = snprintf(out, size, "%.*s%s", (int)(end - like), like,
		    salt);
	}
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int
hashfmt_make_like(const char *like, const char *password, char *out,
    size_t outsize)
{
	struct crypt_data	*cd;
	struct hashfmt		 hf;
	const char		*why, *h;
	char			 setting[CRYPT_OUTPUT_SIZE];
	int			 rc = -1;

	if (hashfmt_parse(like, &hf, &why) == -1 ||
	    hashfmt_setting_like(like, &hf, setting, sizeof(setting)) == -1 ||
	    (cd = calloc(1, sizeof(*cd))) == NULL)
		return -1;
	h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	if (h != NULL && h[0] != '*' && strlen(h) < outsize) {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/* ---- verifying ---------------------------------------------------- */

/* Equal length and equal bytes, in time that depends on the length only. */
static int
hashfmt_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && sodium_memcmp(a, b, alen) == 0;
}

/* crypt(5) formats, through libxcrypt's thread-safe crypt_rn(). */
static int
hashfmt_verify_crypt(const char *hash, const char *password)
{
	struct crypt_data	*cd;
	const char		*out;
	int			 ok;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return 0;
	out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	ok = out != NULL && hashfmt_equal(out, strlen(out), hash, strlen(hash));
	sodium_memzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* $apr1$: Apache's MD5 variant, through libaprutil (htpasswd's code). */
static int
hashfmt_verify_apr1(const char *hash, const char *password)
{
	char	out[120];
	int	ok;

	ok = apr_md5_encode(password, hash, out, sizeof(out)) == 0 &&
	    hashfmt_equal(out, strlen(out), hash, strlen(hash));
	sodium_memzero(out, sizeof(out));
	return ok;
}

/* {SHA}: base64 of SHA-1 of the password, unsalted. */
static int
hashfmt_verify_sha1(const char *hash, const char *password, size_t len)
{
	char	out[64];
	int	ok;

	if (len > 0x7fffffff)
		return 0;
	apr_sha1_base64(password, (int)len, out);	/* "{SHA}" included */
	ok = hashfmt_equal(out, strlen(out), hash, strlen(hash));
	sodium_memzero(out, sizeof(out));
	return ok;
}

/* {SSHA}: base64 of SHA-1(password salt) followed by the salt. */
static int
hashfmt_verify_ssha(const char *hash, const char *password, size_t len)
{
	unsigned char	 stored[HASHFMT_SHA1_LEN + HASHFMT_SSHA_SALT_MAX];
	unsigned char	 digest[APR_SHA1_DIGESTSIZE];
	apr_sha1_ctx_t	 ctx;
	size_t		 n;
	int		 ok;

	if (len > 0xffffffffU || sodium_base642bin(stored, sizeof(stored),
	    hash + 6, strlen(hash + 6), NULL, &n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || n <= HASHFMT_SHA1_LEN)
		return 0;
	apr_sha1_init(&ctx);
	apr_sha1_update_binary(&ctx, (const unsigned char *)password,
	    (unsigned)len);
	apr_sha1_update_binary(&ctx, stored + HASHFMT_SHA1_LEN,
	    (unsigned)(n - HASHFMT_SHA1_LEN));
	apr_sha1_final(digest, &ctx);
	ok = sodium_memcmp(digest, stored, HASHFMT_SHA1_LEN) == 0;
	sodium_memzero(&ctx, sizeof(ctx));
	sodium_memzero(digest, sizeof(digest));
	sodium_memzero(stored, sizeof(stored));
	return ok;
}

/* Formats that read the password as a C string: a NUL-terminated copy. */
static int
hashfmt_verify_cstring(const struct hashfmt *hf, const char *hash,
    const char *password, size_t len)
{
	char	*pw;
	int	 ok, nul;

	/*
	 * A password with a NUL byte cannot match, but is hashed all the
	 * same (up to the NUL), so that it costs what any password does:
	 * a refusal in no time would tell this user from an unknown one.
	 */
	nul = memchr(password, '\0', len) != NULL;
	if ((pw = sodium_malloc(len + 1)) == NULL)
		return 0;
	memcpy(pw, password, len);
	pw[len] = '\0';
	if (hf->hf_kind == HASHFMT_APR1)
		ok = hashfmt_verify_apr1(hash, pw);
	else
		ok = hashfmt_verify_crypt(hash, pw);
	sodium_free(pw);	/* wipes */
	return ok && !nul;
}

int
hashfmt_verify(const char *hash, const char *password, size_t len)
{
	struct hashfmt	 hf;
	const char	*why;

	if (hashfmt_parse(hash, &hf, &why) == -1)
		return 0;
	switch (hf.hf_kind) {
	case HASHFMT_ARGON2ID:
	case HASHFMT_ARGON2I:
		return crypto_pwhash_str_verify(hash, password, len) == 0;
	case HASHFMT_SCRYPT:
		/*
		 * libsodium verifies only its own layout, whose salt makes
		 * the string 101 characters; libxcrypt's $7$ (crypt(5),
		 * mkpasswd -m scrypt) has a shorter salt: crypt_rn().
		 */
		if (strlen(hash) !=
		    crypto_pwhash_scryptsalsa208sha256_STRBYTES - 1)
			return hashfmt_verify_cstring(&hf, hash, password, len);
		return crypto_pwhash_scryptsalsa208sha256_str_verify(hash,
		    password, len) == 0;
	case HASHFMT_SHA1:
		return hashfmt_verify_sha1(hash, password, len);
	case HASHFMT_SSHA:
		return hashfmt_verify_ssha(hash, password, len);
	default:
		return hashfmt_verify_cstring(&hf, hash, password, len);
	}
}
