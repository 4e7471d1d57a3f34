#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "defaults.h"
#include "hashfmt.h"

#define KIB		1024ULL
#define MIB		(1024ULL * 1024)

#define PW		"correct horse"
#define PW_LEN		(sizeof(PW) - 1)

/* A stand-in for a hash of 43 characters, as scrypt and yescrypt have. */
#define HASH43	"hashhashhashhashhashhashhashhashhashhashhas"

/* Stand-ins for the other parts, in their formats' alphabets. */
#define HASH86	HASH43 HASH43
#define HASH22	"hashhashhashhashhashha"
#define SALT16	"saltsaltsaltsalt"
#define SALT22	"saltsaltsaltsaltsaltsa"
#define BCRYPT53 "abcdefghijklmnopqrstuu" "5Lh4uCcU0iY0ZsFS1iBvq.VgJnKRXWa"
/* base64 of 18, 21, 20 + 64 and 20 + 65 bytes. */
#define B64_18	"AQEBAQEBAQEBAQEBAQEBAQEB"
#define B64_21	B64_18 "AQEB"
#define B64_84	B64_21 B64_21 B64_21 B64_21
#define B64_85	B64_84 "AQ=="

/* scrypt's crypt(3) alphabet, as libsodium encodes N, r and p. */
static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Parses what must parse, failing the test with the refusal otherwise. */
static void
parse_ok(const char *hash, struct hashfmt *hf)
{
	const char *why = NULL;

	ck_assert_msg(hashfmt_parse(hash, hf, &why) == 0, "refused: %s: %s",
	    hash, why != NULL ? why : "(no reason)");
}

/* An scrypt setting: "$7$" N r p, then a salt and a fake hash. */
static void
scrypt_setting(char *out, size_t outsz, unsigned n, unsigned long r,
    unsigned long p)
{
	char	enc[12];
	int	i;

	enc[0] = itoa64[n & 63];
	for (i = 0; i < 5; i++) {
		enc[1 + i] = itoa64[(r >> (6 * i)) & 63];
		enc[6 + i] = itoa64[(p >> (6 * i)) & 63];
	}
	enc[11] = '\0';
	snprintf(out, outsz, "$7$%ssaltsaltsalt$" HASH43, enc);
}

/*
 * tests/data/hashes/known.txt: hashes made by the tools that write each
 * format (make-known.sh there says how), one per line: PASSWORD TAB
 * HASH TAB KIND TAB EXPECT.  EXPECT lists NAME=VALUE words: memory,
 * passes, parallel, cost and rounds (0 when not listed), weak and legacy
 * (always listed).  A hash hashfmt_parse() must refuse has the KIND
 * "refused" and the EXPECT "why=WORD", a word its reason must contain.
 * Read once before the runner forks; a line that does not read makes
 * the suite exit 99.
 */
#define KNOWN_MAX	64
#define KNOWN_LINE_MAX	512

/* The words of EXPECT, in the order of struct known's k_want. */
enum { KW_MEMORY, KW_PASSES, KW_PARALLEL, KW_COST, KW_ROUNDS, KW_WEAK,
    KW_LEGACY, KW_COUNT };
static const char *const known_words[KW_COUNT] = {
	"memory", "passes", "parallel", "cost", "rounds", "weak", "legacy"
};

struct known {
	int			 k_line;
	char			*k_password;
	char			*k_hash;
	char			*k_kind;
	unsigned long long	 k_want[KW_COUNT];
	char			*k_why;		/* "refused" only */
};

static struct known	known[KNOWN_MAX];	/* accepted */
static int		nknown;
static struct known	known_refused[KNOWN_MAX];
static int		nknown_refused;

/* Reads one NAME=VALUE word of EXPECT into k; -1 if it is no such word. */
static int
known_expect(struct known *k, const char *word, unsigned *seen)
{
	const char	*eq;
	char		*end;
	size_t		 n;
	int		 i;

	if ((eq = strchr(word, '=')) == NULL || eq[1] < '0' || eq[1] > '9')
		return -1;
	n = (size_t)(eq - word);
	for (i = 0; i < KW_COUNT; i++) {
		if (strlen(known_words[i]) != n ||
		    strncmp(word, known_words[i], n) != 0)
			continue;
		k->k_want[i] = strtoull(eq + 1, &end, 10);
		if (*end != '\0' || (*seen & (1U << i)))
			return -1;
		*seen |= 1U << i;
		return 0;
	}
	return -1;
}

/* Reads EXPECT into k; -1 if a word is wrong, or weak or legacy missing. */
static int
known_expects(struct known *k, char *expect)
{
	char		*word, *save;
	unsigned	 seen = 0;

	for (word = strtok_r(expect, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		if (known_expect(k, word, &seen) == -1)
			return -1;
	return (seen & (1U << KW_WEAK)) && (seen & (1U << KW_LEGACY)) ? 0 : -1;
}

/* Splits one line of known.txt into k (fields strdup'd); -1 if bad. */
static int
known_parse(struct known *k, char *text)
{
	char	*f[4];
	int	 i;

	for (i = 0; i < 4; i++) {
		f[i] = strsep(&text, "\t");
		if (f[i] == NULL || *f[i] == '\0')
			return -1;
	}
	if (text != NULL)
		return -1;
	if (strcmp(f[2], "refused") == 0) {
		if (strncmp(f[3], "why=", 4) != 0 || f[3][4] == '\0' ||
		    strchr(f[3], ' ') != NULL ||
		    (k->k_why = strdup(f[3] + 4)) == NULL)
			return -1;
	} else if (known_expects(k, f[3]) == -1)
		return -1;
	if ((k->k_password = strdup(f[0])) == NULL ||
	    (k->k_hash = strdup(f[1])) == NULL ||
	    (k->k_kind = strdup(f[2])) == NULL)
		return -1;
	return 0;
}

/*
 * check_run_prepared()'s prepare: reads known.txt into known[] and
 * known_refused[].
 */
static int
known_load(void)
{
	char		 path[PATH_MAX], text[KNOWN_LINE_MAX];
	struct known	 k;
	FILE		*f;
	int		 line = 0, rc = -1;

	check_srcpath(path, sizeof(path), "tests/data/hashes", "known.txt");
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(text, sizeof(text), f) != NULL) {
		line++;
		if (text[strcspn(text, "\n")] != '\n') {
			fprintf(stderr, "%s:%d: too long\n", path, line);
			goto done;
		}
		text[strcspn(text, "\n")] = '\0';
		if (text[0] == '#' || text[0] == '\0')
			continue;
		memset(&k, 0, sizeof(k));
		k.k_line = line;
		if (known_parse(&k, text) == -1) {
			fprintf(stderr, "%s:%d: not PASSWORD TAB HASH TAB KIND "
			    "TAB EXPECT\n", path, line);
			goto done;
		}
		if (nknown == KNOWN_MAX || nknown_refused == KNOWN_MAX) {
			fprintf(stderr, "%s:%d: more than %d hashes\n", path,
			    line, KNOWN_MAX);
			goto done;
		}
		if (k.k_why != NULL)
			known_refused[nknown_refused++] = k;
		else
			known[nknown++] = k;
	}
	rc = ferror(f) || nknown == 0 || nknown_refused == 0 ? -1 : 0;
done:
	fclose(f);
	return rc;
}

/* The kind hashfmt_name() calls name, or HASHFMT_COUNT. */
static enum hashfmt_kind
kind_named(const char *name)
{
	int k;

	for (k = 0; k < HASHFMT_COUNT; k++)
		if (strcmp(hashfmt_name((enum hashfmt_kind)k), name) == 0)
			return (enum hashfmt_kind)k;
	return HASHFMT_COUNT;
}

/*
 * core
 */

/* Costs read back from strings libsodium made itself. */
static const struct {
	int			 alg;
	const char		*name;
	unsigned long long	 t;
	unsigned long long	 mkib;
} argon2_costs[] = {
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 1,	8192 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 2,	8192 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 3,	8192 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 2,	19456 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 3,	32768 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 1,	65536 },
	{ crypto_pwhash_ALG_ARGON2ID13,	"argon2id", 2,	65536 },
	{ crypto_pwhash_ALG_ARGON2I13,	"argon2i",  3,	8192 },
	{ crypto_pwhash_ALG_ARGON2I13,	"argon2i",  3,	16384 },
};

START_TEST(test_hashfmt_argon2)
{
	char		h[crypto_pwhash_STRBYTES];
	struct hashfmt	hf;

	check_make_argon2(h, argon2_costs[_i].alg, PW, PW_LEN,
	    argon2_costs[_i].t, argon2_costs[_i].mkib);
	parse_ok(h, &hf);
	ck_assert_int_eq(hf.hf_kind,
	    argon2_costs[_i].alg == crypto_pwhash_ALG_ARGON2ID13 ?
	    HASHFMT_ARGON2ID : HASHFMT_ARGON2I);
	ck_assert_str_eq(hashfmt_name(hf.hf_kind), argon2_costs[_i].name);
	ck_assert_uint_eq(hf.hf_memory, argon2_costs[_i].mkib * KIB);
	ck_assert_uint_eq(hf.hf_passes, argon2_costs[_i].t);
	ck_assert_uint_eq(hf.hf_parallel, 1);
}
END_TEST

/*
 * libsodium picks N, r and p from opslimit and memlimit (pickparams in
 * crypto_scrypt-common.c): r is 8, memory is 128 * r * N.
 */
static const struct {
	unsigned long long	 ops;
	size_t			 mem;
	unsigned long long	 n;
	unsigned long long	 r;
	unsigned		 p;
} scrypt_costs[] = {
	{ 32768,	1 * MIB,	1024,	8,	1 },
	{ 32768,	16 * MIB,	1024,	8,	1 },
	{ 262144,	1 * MIB,	1024,	8,	8 },
	/* libsodium's interactive limits. */
	{ 524288,	16 * MIB,	16384,	8,	1 },
};

START_TEST(test_hashfmt_scrypt)
{
	char		h[crypto_pwhash_STRBYTES];
	struct hashfmt	hf;

	check_make_scrypt(h, PW, PW_LEN, scrypt_costs[_i].ops,
	    scrypt_costs[_i].mem);
	parse_ok(h, &hf);
	ck_assert_int_eq(hf.hf_kind, HASHFMT_SCRYPT);
	ck_assert_str_eq(hashfmt_name(hf.hf_kind), "scrypt");
	ck_assert_uint_eq(hf.hf_passes, scrypt_costs[_i].n);
	ck_assert_uint_eq(hf.hf_memory,
	    128 * scrypt_costs[_i].r * scrypt_costs[_i].n);
	ck_assert_uint_eq(hf.hf_parallel, scrypt_costs[_i].p);
}
END_TEST

/* Hand-written strings that are well formed. */
static const struct {
	const char		*in;
	enum hashfmt_kind	 kind;
	unsigned long long	 memory;
	unsigned long long	 passes;
	unsigned		 p;
} cost_cases[] = {
	{ "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	    HASHFMT_ARGON2ID, 65536 * KIB, 2, 1 },
	{ "$argon2id$v=19$m=65536,t=2,p=4$c2FsdHNhbHQ$aGFzaA",
	    HASHFMT_ARGON2ID, 65536 * KIB, 2, 4 },
	{ "$argon2i$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
	    HASHFMT_ARGON2I, 4096 * KIB, 1, 1 },
	{ "$7$C6..../....saltsalt$" HASH43, HASHFMT_SCRYPT, 128 * 8 * 16384,
	    16384, 1 },
	{ "$7$/6..../....saltsalt$" HASH43, HASHFMT_SCRYPT, 128 * 8 * 2, 2, 1 },
	{ "$7$C/..../....saltsalt$" HASH43, HASHFMT_SCRYPT, 128 * 1 * 16384,
	    16384, 1 },
	{ "$7$C6..../1...saltsalt$" HASH43, HASHFMT_SCRYPT, 128 * 8 * 16384,
	    16384, 1 + (3 << 6) },
	/* Refused by pwcheck_parse_cost, which knew no other format. */
	{ "$1$saltsalt$hashhashhashhashhashha", HASHFMT_MD5CRYPT, 0, 0, 0 },
	{ "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", HASHFMT_SHA1, 0, 0, 0 },
};

START_TEST(test_hashfmt_handmade)
{
	struct hashfmt hf;

	parse_ok(cost_cases[_i].in, &hf);
	ck_assert_int_eq(hf.hf_kind, cost_cases[_i].kind);
	ck_assert_uint_eq(hf.hf_memory, cost_cases[_i].memory);
	ck_assert_uint_eq(hf.hf_passes, cost_cases[_i].passes);
	ck_assert_uint_eq(hf.hf_parallel, cost_cases[_i].p);
}
END_TEST

/*
 * libxcrypt writes $7$ too (mkpasswd -m scrypt, crypt(5)), with a salt
 * of 22 characters where libsodium's is 43: libsodium verifies only
 * strings of its own length, 101 characters.  Made with
 * "mkpasswd -m scrypt -R 6 s3cret" (N = 2^13, r = 32: 32 MiB).
 */
#define XCRYPT_SCRYPT	"$7$BU..../....M5SNoTtjINmRfUtb3EyVI/" \
			"$r0C07qCUGih4LP/j5C73HMFwaB58cbF0HF8d0hrgaLB"

START_TEST(test_hashfmt_scrypt_xcrypt)
{
	struct hashfmt hf;

	parse_ok(XCRYPT_SCRYPT, &hf);
	ck_assert_int_eq(hf.hf_kind, HASHFMT_SCRYPT);
	ck_assert_uint_eq(hf.hf_memory, 128ULL * 32 * 8192);
	ck_assert_int_eq(hashfmt_verify(XCRYPT_SCRYPT, "s3cret", 6), 1);
	ck_assert_int_eq(hashfmt_verify(XCRYPT_SCRYPT, "s3creT", 6), 0);
	ck_assert_int_eq(hashfmt_verify(XCRYPT_SCRYPT, "", 0), 0);
	/* crypt_rn() reads a C string: "s3cret\0x" must not pass as it. */
	ck_assert_int_eq(hashfmt_verify(XCRYPT_SCRYPT, "s3cret\0x", 8), 0);
}
END_TEST

/* Each known hash: its kind, its cost, weak or not, legacy or not. */
START_TEST(test_hashfmt_known_parse)
{
	const struct known	*k = &known[_i];
	struct hashfmt		 hf;
	unsigned long long	 got[KW_COUNT];
	int			 i;

	parse_ok(k->k_hash, &hf);
	ck_assert_msg(hf.hf_kind == kind_named(k->k_kind),
	    "known.txt:%d: %s, want %s", k->k_line, hashfmt_name(hf.hf_kind),
	    k->k_kind);
	got[KW_MEMORY] = hf.hf_memory;
	got[KW_PASSES] = hf.hf_passes;
	got[KW_PARALLEL] = hf.hf_parallel;
	got[KW_COST] = hf.hf_bcrypt_cost;
	got[KW_ROUNDS] = hf.hf_rounds;
	got[KW_WEAK] = (unsigned long long)hashfmt_is_weak(&hf);
	got[KW_LEGACY] = (unsigned long long)hashfmt_is_legacy(&hf);
	for (i = 0; i < KW_COUNT; i++)
		ck_assert_msg(got[i] == k->k_want[i],
		    "known.txt:%d: %s is %llu, want %llu", k->k_line,
		    known_words[i], got[i], k->k_want[i]);
}
END_TEST

/*
 * Each known hash verifies its password and nothing else: not one byte
 * more or less, not another first byte, not the empty password, and not
 * the password followed by a NUL (and more), which a crypt(3) or Apache
 * format, reading a C string, would take for the password itself.
 */
START_TEST(test_hashfmt_known_verify)
{
	const struct known	*k = &known[_i];
	size_t			 len = strlen(k->k_password);
	char			*buf;

	ck_assert_ptr_nonnull(buf = malloc(len + 8));
	ck_assert_msg(hashfmt_verify(k->k_hash, k->k_password, len) == 1,
	    "known.txt:%d: the password does not verify", k->k_line);
	/* Only len bytes count. */
	snprintf(buf, len + 8, "%sjunk", k->k_password);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, buf, len), 1);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, buf, len + 1), 0);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, buf, len - 1), 0);
	buf[0] ^= 0x20;
	ck_assert_int_eq(hashfmt_verify(k->k_hash, buf, len), 0);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, "", 0), 0);
	memcpy(buf, k->k_password, len);
	memcpy(buf + len, "\0x", 3);
	ck_assert_msg(hashfmt_verify(k->k_hash, buf, len + 2) == 0,
	    "known.txt:%d: the password, NUL, x verifies", k->k_line);
	ck_assert_msg(hashfmt_verify(k->k_hash, buf, len + 1) == 0,
	    "known.txt:%d: the password, NUL verifies", k->k_line);
	free(buf);
}
END_TEST

/* known.txt holds every format, so that none goes untested. */
START_TEST(test_hashfmt_known_kinds)
{
	int			seen[HASHFMT_COUNT] = { 0 };
	enum hashfmt_kind	kind;
	int			i;

	for (i = 0; i < nknown; i++) {
		kind = kind_named(known[i].k_kind);
		ck_assert_msg(kind != HASHFMT_COUNT, "known.txt:%d: no kind %s",
		    known[i].k_line, known[i].k_kind);
		seen[kind]++;
	}
	for (i = 0; i < HASHFMT_COUNT; i++)
		ck_assert_msg(seen[i] > 0, "known.txt has no %s hash",
		    hashfmt_name((enum hashfmt_kind)i));
}
END_TEST

/*
 * limits
 */

/* The widest numbers that still fit, and one more. */
static const struct {
	const char	*in;
	int		 want;
} bound_cases[] = {
	{ "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdA$aA", 0 },
	{ "$argon2id$v=19$m=4294967296,t=1,p=1$c2FsdA$aA", -1 },
	{ "$argon2id$v=19$m=8,t=4294967295,p=1$c2FsdA$aA", 0 },
	{ "$argon2id$v=19$m=8,t=4294967296,p=1$c2FsdA$aA", -1 },
	{ "$argon2id$v=19$m=65536,t=1,p=16777215$c2FsdA$aA", 0 },
	{ "$argon2id$v=19$m=65536,t=1,p=16777216$c2FsdA$aA", -1 },
	{ "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aA", 0 },
	{ "$argon2i$v=19$m=18446744073709551616,t=1,p=1$c2FsdA$aA", -1 },
};

START_TEST(test_hashfmt_bounds)
{
	struct hashfmt	 hf;
	const char	*why;

	ck_assert_msg(hashfmt_parse(bound_cases[_i].in, &hf, &why) ==
	    bound_cases[_i].want, "%s: want %d", bound_cases[_i].in,
	    bound_cases[_i].want);
	if (bound_cases[_i].want == 0)
		ck_assert_uint_eq(hf.hf_memory % KIB, 0);
}
END_TEST

/*
 * scrypt memory is 128 * r * N with N = 2^n: huge settings must come out
 * huge (or be refused), never wrap around to something under any limit.
 */
static const struct {
	unsigned	 n;
	unsigned long	 r;
	unsigned long	 p;
} scrypt_huge[] = {
	{ 20,	8,		1 },	/* 1 GiB: exact */
	{ 49,	1,		1 },	/* 2^56: exact */
	{ 49,	256,		1 },	/* 2^64 */
	{ 40,	1UL << 17,	1 },	/* 2^64 */
	{ 34,	1UL << 23,	1 },	/* 2^64 */
	{ 45,	1UL << 20,	1 },	/* 2^72 */
	{ 63,	1,		1 },
	{ 62,	(1UL << 23),	1 },
};

START_TEST(test_hashfmt_scrypt_huge)
{
	char		 s[96];
	struct hashfmt	 hf;
	const char	*why;
	long double	 want;
	unsigned	 i;

	scrypt_setting(s, sizeof(s), scrypt_huge[_i].n, scrypt_huge[_i].r,
	    scrypt_huge[_i].p);
	want = 128.0L * scrypt_huge[_i].r;
	for (i = 0; i < scrypt_huge[_i].n; i++)
		want *= 2;
	if (hashfmt_parse(s, &hf, &why) == -1)
		return;
	ck_assert_int_eq(hf.hf_kind, HASHFMT_SCRYPT);
	ck_assert_msg((long double)hf.hf_memory >= want ||
	    hf.hf_memory == ~0ULL, "%s: n=%u r=%lu: %llu bytes, want %.0Lf",
	    s, scrypt_huge[_i].n, scrypt_huge[_i].r, hf.hf_memory, want);
	ck_assert_uint_gt(hf.hf_memory, AUTHZ_HASH_MAX_MEMORY);
}
END_TEST

/*
 * The edges of what a format allows, accepted, with the cost read back:
 * the refusals' neighbours.
 */
static const struct {
	const char		*in;
	enum hashfmt_kind	 kind;
	unsigned		 cost;
	unsigned long		 rounds;
	unsigned long long	 passes;
	unsigned		 p;
} edges[] = {
	{ "$2y$04$" BCRYPT53, HASHFMT_BCRYPT, 4, 0, 0, 0 },
	{ "$2b$31$" BCRYPT53, HASHFMT_BCRYPT, 31, 0, 0, 0 },
	{ "$2a$10$" BCRYPT53, HASHFMT_BCRYPT, 10, 0, 0, 0 },
	{ "$6$rounds=1000$" SALT16 "$" HASH86, HASHFMT_SHA512CRYPT, 0, 1000,
	    0, 0 },
	{ "$6$rounds=999999999$" SALT16 "$" HASH86, HASHFMT_SHA512CRYPT, 0,
	    999999999, 0, 0 },
	{ "$6$$" HASH86, HASHFMT_SHA512CRYPT, 0, 5000, 0, 0 },
	{ "$5$rounds=1000$" SALT16 "$" HASH43, HASHFMT_SHA256CRYPT, 0, 1000,
	    0, 0 },
	{ "$5$rounds=999999999$" SALT16 "$" HASH43, HASHFMT_SHA256CRYPT, 0,
	    999999999, 0, 0 },
	{ "$1$$" HASH22, HASHFMT_MD5CRYPT, 0, 0, 0, 0 },
	{ "$apr1$saltsalt$" HASH22, HASHFMT_APR1, 0, 0, 0, 0 },
	/* "have" 7: p 2, t 1 and g 1, no ROM. */
	{ "$y$j9T4...$" SALT22 "$" HASH43, HASHFMT_YESCRYPT, 0, 0, 1, 2 },
	{ "$y$j9T$$" HASH43, HASHFMT_YESCRYPT, 0, 0, 0, 1 },
	{ "{SSHA}" B64_21, HASHFMT_SSHA, 0, 0, 0, 0 },
	{ "{SSHA}" B64_84, HASHFMT_SSHA, 0, 0, 0, 0 },
};

START_TEST(test_hashfmt_edges)
{
	struct hashfmt	hf;

	parse_ok(edges[_i].in, &hf);
	ck_assert_int_eq(hf.hf_kind, edges[_i].kind);
	ck_assert_uint_eq(hf.hf_bcrypt_cost, edges[_i].cost);
	ck_assert_uint_eq(hf.hf_rounds, edges[_i].rounds);
	ck_assert_uint_eq(hf.hf_passes, edges[_i].passes);
	ck_assert_uint_eq(hf.hf_parallel, edges[_i].p);
}
END_TEST

/*
 * hashfmt_check(): a hash that asks for exactly a limit passes it, one
 * that asks for more is refused, and the reason names the [hashing] key
 * (fcgi-authz.ini(5)) and what the hash asked for.  Parallelism has no
 * key: its limit is AUTHZ_HASH_MAX_PARALLEL.
 */
enum { LIM_MEMORY, LIM_PASSES, LIM_PARALLEL, LIM_BCRYPT_COST, LIM_ROUNDS };

#define CHECK_MSG_SIZE	256

static const struct {
	const char		*hash;
	int			 lim;
	unsigned long long	 at;	/* what the hash asks for */
	const char		*key;
} limit_cases[] = {
	{ "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA", LIM_MEMORY,
	    64 * MIB, "[hashing] max_memory" },
	{ "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA", LIM_PASSES,
	    3, "[hashing] max_passes" },
	{ "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA", LIM_PARALLEL,
	    4, "parallelism" },
	{ "$argon2i$v=19$m=19456,t=7,p=2$c2FsdHNhbHQ$aGFzaA", LIM_MEMORY,
	    19456 * KIB, "[hashing] max_memory" },
	{ "$argon2i$v=19$m=19456,t=7,p=2$c2FsdHNhbHQ$aGFzaA", LIM_PASSES,
	    7, "[hashing] max_passes" },
	/* scrypt: N = 2^14, r = 8, p = 2; N counts in memory, not passes. */
	{ "$7$C6....0....saltsalt$" HASH43, LIM_MEMORY, 16 * MIB,
	    "[hashing] max_memory" },
	{ "$7$C6....0....saltsalt$" HASH43, LIM_PARALLEL, 2, "parallelism" },
	/* yescrypt: N = 2^12, r = 32, p = 4, t = 2. */
	{ "$y$j9T00/$" SALT22 "$" HASH43, LIM_MEMORY, 16 * MIB,
	    "[hashing] max_memory" },
	{ "$y$j9T00/$" SALT22 "$" HASH43, LIM_PASSES, 2,
	    "[hashing] max_passes" },
	{ "$y$j9T00/$" SALT22 "$" HASH43, LIM_PARALLEL, 4, "parallelism" },
	{ "$2y$10$" BCRYPT53, LIM_BCRYPT_COST, 10,
	    "[hashing] max_bcrypt_cost" },
	{ "$2b$04$" BCRYPT53, LIM_BCRYPT_COST, 4,
	    "[hashing] max_bcrypt_cost" },
	{ "$6$" SALT16 "$" HASH86, LIM_ROUNDS, 5000,
	    "[hashing] max_sha_crypt_rounds" },
	{ "$6$rounds=20000$" SALT16 "$" HASH86, LIM_ROUNDS, 20000,
	    "[hashing] max_sha_crypt_rounds" },
	{ "$5$rounds=1000$" SALT16 "$" HASH43, LIM_ROUNDS, 1000,
	    "[hashing] max_sha_crypt_rounds" },
};

static void
set_limit(struct hashfmt_limits *lim, int which, unsigned long long v)
{
	switch (which) {
	case LIM_MEMORY:
		lim->hfl_max_memory = v;
		break;
	case LIM_PASSES:
		lim->hfl_max_passes = v;
		break;
	case LIM_PARALLEL:
		lim->hfl_max_parallel = (unsigned)v;
		break;
	case LIM_BCRYPT_COST:
		lim->hfl_max_bcrypt_cost = (unsigned)v;
		break;
	default:
		lim->hfl_max_sha_rounds = (unsigned long)v;
		break;
	}
}

/* hashfmt_check() of hash against lim: 0, or -1 with the reason in msg. */
static int
check_hash(const char *hash, const struct hashfmt_limits *lim,
    char msg[CHECK_MSG_SIZE])
{
	struct hashfmt hf;

	parse_ok(hash, &hf);
	msg[0] = '\0';
	return hashfmt_check(&hf, lim, msg, CHECK_MSG_SIZE);
}

START_TEST(test_hashfmt_check_limit)
{
	struct hashfmt_limits	 lim = HASHFMT_LIMITS_DEFAULT;
	char			 msg[CHECK_MSG_SIZE], at[32];

	set_limit(&lim, limit_cases[_i].lim, limit_cases[_i].at);
	ck_assert_msg(check_hash(limit_cases[_i].hash, &lim, msg) == 0,
	    "%s at the limit: %s", limit_cases[_i].hash, msg);
	set_limit(&lim, limit_cases[_i].lim, limit_cases[_i].at - 1);
	ck_assert_msg(check_hash(limit_cases[_i].hash, &lim, msg) == -1,
	    "%s above the limit: passed", limit_cases[_i].hash);
	snprintf(at, sizeof(at), "%llu", limit_cases[_i].at);
	ck_assert_msg(strstr(msg, limit_cases[_i].key) != NULL &&
	    strstr(msg, at) != NULL, "%s: \"%s\", want \"%s\" and %s",
	    limit_cases[_i].hash, msg, limit_cases[_i].key, at);
}
END_TEST

/*
 * The defaults (fcgi-authz.ini(5), defaults.h), at and one above each:
 * max_memory 256 MiB, max_passes 32, parallelism 16, max_bcrypt_cost 14,
 * max_sha_crypt_rounds 1,000,000.
 */
static const struct {
	const char	*hash;
	int		 want;
	const char	*key;		/* in the reason, when refused */
} default_cases[] = {
	{ "$argon2id$v=19$m=262144,t=1,p=1$c2FsdA$aA", 0, NULL },
	{ "$argon2id$v=19$m=262145,t=1,p=1$c2FsdA$aA", -1,
	    "[hashing] max_memory" },
	{ "$argon2id$v=19$m=8192,t=32,p=1$c2FsdA$aA", 0, NULL },
	{ "$argon2id$v=19$m=8192,t=33,p=1$c2FsdA$aA", -1,
	    "[hashing] max_passes" },
	{ "$argon2i$v=19$m=8192,t=1,p=16$c2FsdA$aA", 0, NULL },
	{ "$argon2i$v=19$m=8192,t=1,p=17$c2FsdA$aA", -1, "parallelism" },
	/* scrypt: N = 2^18, r = 8 is 256 MiB; r = 9 is more. */
	{ "$7$G6..../....saltsalt$" HASH43, 0, NULL },
	{ "$7$G7..../....saltsalt$" HASH43, -1, "[hashing] max_memory" },
	{ "$7$C6....E....saltsalt$" HASH43, 0, NULL },		/* p 16 */
	{ "$7$C6....F....saltsalt$" HASH43, -1, "parallelism" },
	/* yescrypt: N = 2^16, r = 32 is 256 MiB; N = 2^17 is more. */
	{ "$y$jDT$" SALT22 "$" HASH43, 0, NULL },
	{ "$y$jET$" SALT22 "$" HASH43, -1, "[hashing] max_memory" },
	{ "$y$j9T/T$" SALT22 "$" HASH43, 0, NULL },		/* t 32 */
	{ "$y$j9T/U$" SALT22 "$" HASH43, -1, "[hashing] max_passes" },
	{ "$2y$14$" BCRYPT53, 0, NULL },
	{ "$2y$15$" BCRYPT53, -1, "[hashing] max_bcrypt_cost" },
	{ "$6$rounds=1000000$" SALT16 "$" HASH86, 0, NULL },
	{ "$6$rounds=1000001$" SALT16 "$" HASH86, -1,
	    "[hashing] max_sha_crypt_rounds" },
	{ "$5$rounds=1000001$" SALT16 "$" HASH43, -1,
	    "[hashing] max_sha_crypt_rounds" },
	/* Argon2's least memory is 8 KiB a lane: below, it cannot verify. */
	{ "$argon2id$v=19$m=32,t=1,p=4$c2FsdA$aA", 0, NULL },
	{ "$argon2id$v=19$m=31,t=1,p=4$c2FsdA$aA", -1, "8 KiB" },
};

START_TEST(test_hashfmt_check_default)
{
	static const struct hashfmt_limits lim = HASHFMT_LIMITS_DEFAULT;
	char msg[CHECK_MSG_SIZE];

	ck_assert_msg(check_hash(default_cases[_i].hash, &lim, msg) ==
	    default_cases[_i].want, "%s: want %d (%s)", default_cases[_i].hash,
	    default_cases[_i].want, msg);
	if (default_cases[_i].key != NULL)
		ck_assert_msg(strstr(msg, default_cases[_i].key) != NULL,
		    "%s: \"%s\", want \"%s\"", default_cases[_i].hash, msg,
		    default_cases[_i].key);
}
END_TEST

/*
 * hashfmt_limits_default() sets every field to defaults.h's; every
 * known hash keeps to them.
 */
START_TEST(test_hashfmt_check_known_default)
{
	struct hashfmt_limits	lim;
	char			msg[CHECK_MSG_SIZE];

	memset(&lim, 0xa5, sizeof(lim));
	hashfmt_limits_default(&lim);
	ck_assert_uint_eq(lim.hfl_max_memory, AUTHZ_HASH_MAX_MEMORY);
	ck_assert_uint_eq(lim.hfl_max_passes, AUTHZ_HASH_MAX_PASSES);
	ck_assert_uint_eq(lim.hfl_max_parallel, AUTHZ_HASH_MAX_PARALLEL);
	ck_assert_uint_eq(lim.hfl_max_bcrypt_cost, AUTHZ_HASH_MAX_BCRYPT_COST);
	ck_assert_uint_eq(lim.hfl_max_sha_rounds, AUTHZ_HASH_MAX_SHA_ROUNDS);
	ck_assert_int_eq(lim.hfl_refuse_legacy, 0);
	ck_assert_msg(check_hash(known[_i].k_hash, &lim, msg) == 0,
	    "known.txt:%d: %s", known[_i].k_line, msg);
}
END_TEST

/*
 * scrypt's N is both its passes and part of its memory: max_memory
 * bounds it, max_passes does not.
 */
START_TEST(test_hashfmt_check_scrypt_passes)
{
	struct hashfmt_limits	lim = HASHFMT_LIMITS_DEFAULT;
	char			msg[CHECK_MSG_SIZE];

	lim.hfl_max_passes = 1;
	ck_assert_msg(check_hash("$7$C6..../....saltsalt$" HASH43, &lim,
	    msg) == 0, "%s", msg);
	ck_assert_int_eq(check_hash("$y$j9T/.$" SALT22 "$" HASH43, &lim, msg),
	    0);
	ck_assert_int_eq(check_hash("$y$j9T//$" SALT22 "$" HASH43, &lim, msg),
	    -1);
}
END_TEST

/*
 * legacy = refuse: every format but libsodium's three is refused, and
 * the reason names the format and the key.
 */
START_TEST(test_hashfmt_check_legacy)
{
	const struct known	*k = &known[_i];
	enum hashfmt_kind	 kind = kind_named(k->k_kind);
	struct hashfmt_limits	 lim = HASHFMT_LIMITS_DEFAULT;
	char			 msg[CHECK_MSG_SIZE];
	int			 libsodium;

	libsodium = kind == HASHFMT_ARGON2ID || kind == HASHFMT_ARGON2I ||
	    kind == HASHFMT_SCRYPT;
	lim.hfl_refuse_legacy = 1;
	if (libsodium) {
		ck_assert_msg(check_hash(k->k_hash, &lim, msg) == 0,
		    "known.txt:%d: %s", k->k_line, msg);
		return;
	}
	ck_assert_msg(check_hash(k->k_hash, &lim, msg) == -1,
	    "known.txt:%d: a %s hash passed legacy = refuse", k->k_line,
	    k->k_kind);
	ck_assert_msg(strstr(msg, "[hashing] legacy = refuse") != NULL &&
	    strstr(msg, k->k_kind) != NULL, "known.txt:%d: \"%s\"",
	    k->k_line, msg);
}
END_TEST

/* A reason longer than the buffer is cut, NUL-terminated, in bounds. */
START_TEST(test_hashfmt_check_msg_small)
{
	struct hashfmt_limits	lim = HASHFMT_LIMITS_DEFAULT;
	struct hashfmt		hf;
	char			buf[16];

	parse_ok("$2y$15$" BCRYPT53, &hf);
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(hashfmt_check(&hf, &lim, buf, 8), -1);
	ck_assert_uint_eq(strlen(buf), 7);
	ck_assert_int_eq(buf[8], 'x');
	lim.hfl_refuse_legacy = 1;
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(hashfmt_check(&hf, &lim, buf, 1), -1);
	ck_assert_int_eq(buf[0], '\0');
	ck_assert_int_eq(buf[1], 'x');
}
END_TEST

/*
 * malformed
 */

/* The length of the prefix that names hash's format: "$6$", "{SHA}"... */
static size_t
prefix_len(const char *hash)
{
	const char *end;

	if (hash[0] == '{')
		end = strchr(hash, '}');
	else
		end = strchr(hash + 1, '$');
	ck_assert_ptr_nonnull(end);
	return (size_t)(end - hash) + 1;
}

/*
 * A known hash, mangled (cut to n bytes, or one byte replaced at n):
 * refused, as malformed once the prefix that names the format is whole,
 * unless may_parse; and, parsed or not, the password does not verify.
 */
static void
assert_mangled(const struct known *k, const char *e, size_t n, int may_parse)
{
	struct hashfmt	 hf;
	const char	*why = NULL;

	if (hashfmt_parse(e, &hf, &why) == 0)
		ck_assert_msg(may_parse, "known.txt:%d: accepted, mangled at "
		    "%zu: \"%s\"", k->k_line, n, e);
	else if (n >= prefix_len(k->k_hash))
		ck_assert_msg(why != NULL && strstr(why, "malformed") != NULL,
		    "known.txt:%d: mangled at %zu: \"%s\": %s", k->k_line, n,
		    e, why != NULL ? why : "(no reason)");
	else
		ck_assert_ptr_nonnull(why);
	ck_assert_msg(hashfmt_verify(e, k->k_password,
	    strlen(k->k_password)) == 0, "known.txt:%d: verified, mangled at "
	    "%zu: \"%s\"", k->k_line, n, e);
}

/*
 * Each known hash cut short at every length: refused.  Two formats have
 * shorter forms of their own, which may parse but never verify: argon2
 * with a shorter hash (argon2 -l; the hash's length is an input of
 * argon2, RFC 9106 section 3.2) and {SSHA} with a shorter salt.
 */
START_TEST(test_hashfmt_known_cut)
{
	const struct known	*k = &known[_i];
	enum hashfmt_kind	 kind = kind_named(k->k_kind);
	size_t			 len = strlen(k->k_hash), n, last;
	char			*e;

	ck_assert_ptr_nonnull(e = malloc(len + 1));
	last = (size_t)(strrchr(k->k_hash, '$') - k->k_hash);
	for (n = 0; n < len; n++) {
		memcpy(e, k->k_hash, n);
		e[n] = '\0';
		assert_mangled(k, e, n,
		    ((kind == HASHFMT_ARGON2ID || kind == HASHFMT_ARGON2I) &&
		    n > last + 1) ||
		    (kind == HASHFMT_SSHA && n >= strlen("{SSHA}") + 28));
	}
	free(e);
}
END_TEST

/*
 * Each byte of each known hash in turn replaced by one that no format
 * takes there: a space, a control character, one of crypt(3)'s
 * separators or of the characters crypt_rn() refuses in a salt, a byte
 * above 0x7f (which libsodium 1.0.18's base64 decoders read as "/").
 */
static const char mangle_bytes[] = " \n\t:;!*\\$=\x80\xff";

/*
 * Whether an "=" at n may be right: it is base64's padding, which may end
 * a shorter {SSHA}, and crypt(5) takes it in a sha-crypt or md5-crypt
 * salt.
 */
static int
equals_may_fit(const struct known *k, size_t n)
{
	switch (kind_named(k->k_kind)) {
	case HASHFMT_SHA1:
	case HASHFMT_SSHA:
		return 1;
	case HASHFMT_SHA512CRYPT:
	case HASHFMT_SHA256CRYPT:
	case HASHFMT_MD5CRYPT:
	case HASHFMT_APR1:
		return n < (size_t)(strrchr(k->k_hash, '$') - k->k_hash);
	default:
		return 0;
	}
}

START_TEST(test_hashfmt_known_bad_byte)
{
	const struct known	*k = &known[_i];
	size_t			 len = strlen(k->k_hash), n;
	const char		*b;
	char			*e;

	ck_assert_ptr_nonnull(e = strdup(k->k_hash));
	for (n = 0; n < len; n++) {
		for (b = mangle_bytes; *b != '\0'; b++) {
			if (*b == k->k_hash[n] ||
			    (*b == '=' && equals_may_fit(k, n)))
				continue;
			e[n] = *b;
			assert_mangled(k, e, n, 0);
		}
		e[n] = k->k_hash[n];
	}
	free(e);
}
END_TEST

/*
 * What make-known.sh had the tools write and hashfmt_parse() must refuse:
 * refused with a reason that says what it is, and never verified, not
 * even with the password it was made from, nor with itself (htpasswd -p
 * stores the password as it is).
 */
START_TEST(test_hashfmt_known_refused)
{
	const struct known	*k = &known_refused[_i];
	struct hashfmt		 hf;
	const char		*why = NULL;

	ck_assert_msg(hashfmt_parse(k->k_hash, &hf, &why) == -1,
	    "known.txt:%d: accepted as %s", k->k_line,
	    hashfmt_name(hf.hf_kind));
	ck_assert_msg(why != NULL && strstr(why, k->k_why) != NULL,
	    "known.txt:%d: \"%s\", want \"%s\"", k->k_line,
	    why != NULL ? why : "(no reason)", k->k_why);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, k->k_password,
	    strlen(k->k_password)), 0);
	ck_assert_int_eq(hashfmt_verify(k->k_hash, k->k_hash,
	    strlen(k->k_hash)), 0);
}
END_TEST

/*
 * Strings written here: refused, with a reason naming what the string
 * is ("DES", "plaintext", "locked", "malformed" for a format known here
 * whose layout or cost is wrong, "verify" for a format not known), and
 * never verified.
 */
static const struct {
	const char	*in;
	const char	*word;		/* in the reason; NULL: any */
} refusals[] = {
	{ "",					NULL },
	{ "!",					"locked" },
	{ "*",					"locked" },
	{ "!!",					"locked" },
	{ "*LK*",				"locked" },
	{ "!$6$" SALT16 "$" HASH86,		"locked" },
	{ "abJnggxhB/yWI",			"DES" },
	{ "s3cret",				"plaintext" },
	{ "correct horse battery staple",	"plaintext" },
	{ "_J9..abcdabcdabcdabc",		"BSDi" },
	/* Formats crypt(5) lists that no library here verifies. */
	{ "$sha1$40000$jtNX3nZ2$hBNaIXkt4wBI2o5rsi8KejSjNqIq", "verify" },
	{ "$md5,rounds=1000$saltsalt$$" HASH22,	"verify" },
	{ "$md5$saltsalt$$" HASH22,		"verify" },
	{ "$3$$d4c619cb16d4632b275658316a7e657e", "verify" },
	{ "$gy$j9T$" SALT22 "$" HASH43,		"verify" },
	{ "$2x$10$" BCRYPT53,			"verify" },
	{ "$2$10$" BCRYPT53,			"verify" },
	/* bcrypt's cost is 04 to 31 (crypt(5)), two digits. */
	{ "$2y$03$" BCRYPT53,			"malformed" },
	{ "$2y$32$" BCRYPT53,			"malformed" },
	{ "$2b$00$" BCRYPT53,			"malformed" },
	{ "$2a$4$" BCRYPT53,			"malformed" },
	{ "$2y$010$" BCRYPT53,			"malformed" },
	{ "$2y$1a$" BCRYPT53,			"malformed" },
	/* sha-crypt: 1000 to 999,999,999 rounds, no leading zero. */
	{ "$6$rounds=999$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=1000000000$" SALT16 "$" HASH86, "malformed" },
	{ "$6$rounds=05000$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=0$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=-5000$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=5000x$" SALT16 "$" HASH86,	"malformed" },
	{ "$6$rounds=18446744073709551617$" SALT16 "$" HASH86, "malformed" },
	{ "$5$rounds=999$" SALT16 "$" HASH43,	"malformed" },
	{ "$5$rounds=1000000000$" SALT16 "$" HASH43, "malformed" },
	{ "$5$rounds=01000$" SALT16 "$" HASH43,	"malformed" },
	/* Salts longer than crypt(5)'s 16 and 8 characters. */
	{ "$6$" SALT16 "x$" HASH86,		"malformed" },
	{ "$5$" SALT16 "x$" HASH43,		"malformed" },
	{ "$1$saltsaltx$" HASH22,		"malformed" },
	{ "$apr1$saltsaltx$" HASH22,		"malformed" },
	/* The hash of another format's length. */
	{ "$6$" SALT16 "$" HASH43,		"malformed" },
	{ "$5$" SALT16 "$" HASH86,		"malformed" },
	/*
	 * yescrypt: "have" 8 asks for a ROM, with or without its size
	 * after it; 9 for p and a ROM; 15 for everything.
	 */
	{ "$y$j9T5$" SALT22 "$" HASH43,		"malformed" },
	{ "$y$j9T5.$" SALT22 "$" HASH43,	"malformed" },
	{ "$y$j9T6..$" SALT22 "$" HASH43,	"malformed" },
	{ "$y$j9TC....$" SALT22 "$" HASH43,	"malformed" },
	/* A prefix and nothing after it. */
	{ "$argon2id$",				"malformed" },
	{ "$argon2i$",				"malformed" },
	{ "$2y$",				"malformed" },
	{ "$y$",				"malformed" },
	{ "$6$",				"malformed" },
	{ "$5$",				"malformed" },
	{ "$1$",				"malformed" },
	{ "$apr1$",				"malformed" },
	{ "{SHA}",				"malformed" },
	{ "{SSHA}",				"malformed" },
	/* {SHA}: 20 bytes; {SSHA}: 20 and a salt of 1 to 64. */
	{ "{SHA}" B64_18 "AQ==",		"malformed" },
	{ "{SHA}" B64_21,			"malformed" },
	{ "{SSHA}" B64_18 "AQE=",		"malformed" },
	{ "{SSHA}" B64_85,			"malformed" },
	{ "{SSHA}" B64_21 "=",			"malformed" },
};

START_TEST(test_hashfmt_refusals)
{
	struct hashfmt	 hf;
	const char	*in = refusals[_i].in, *word = refusals[_i].word;
	const char	*why = NULL;

	ck_assert_msg(hashfmt_parse(in, &hf, &why) == -1, "accepted as %s: "
	    "\"%s\"", hashfmt_name(hf.hf_kind), in);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(word == NULL || strstr(why, word) != NULL,
	    "\"%s\": \"%s\", want \"%s\"", in, why, word);
	ck_assert_int_eq(hashfmt_verify(in, "s3cret", 6), 0);
	ck_assert_int_eq(hashfmt_verify(in, in, strlen(in)), 0);
	ck_assert_int_eq(hashfmt_verify(in, "", 0), 0);
}
END_TEST

static const char *const refused_costs[] = {
	"",
	"$",
	"$argon2id",
	"$argon2id$",
	"$argon2id$v=19",
	"$argon2id$v=19$m=65536,t=2,p=1",
	"$argon2id$v=19$m=65536,t=2,p=1$",
	"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ",
	"$argon2id$v=16$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=20$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=019$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=0,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=2,p=0$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=065536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=02,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=2,p=01$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=00,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m= 65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536 ,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536, t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=2,p=1 $c2FsdHNhbHQ$aGFzaA",
	" $argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536\n,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=-1,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=+65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=0x10000,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=99999999999999999999999,t=2,p=1$c2FsdA$aA",
	"$argon2id$v=19$m=65536,t=18446744073709551617,p=1$c2FsdA$aA",
	"$argon2id$v=19$m=65536,t=2,p=4294967297$c2FsdA$aA",
	"$argon2id$v=19$t=2,m=65536,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=2$c2FsdHNhbHQ$aGFzaA",
	"$argon2id$v=19$m=65536,t=2,p=1,k=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2d$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$argon2$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"$ARGON2ID$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	"argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
	/* 52 characters after the cost, not bcrypt's 53. */
	"$2y$10$abcdefghijklmnopqrstuu5Lh4uCcU0iY0ZsFS1iBvq.VgJnKRXW",
	"$2b$12$abcdefghijklmnopqrstuu5Lh4uCcU0iY0ZsFS1iBvq.VgJnKRXW",
	"$6$saltsalt$hash",
	"$7$",
	"$7$C",
	"$7$C6....",
	"$7$C6..../...",
	"$7$C6..../....",
	"$7$C6..../....saltsalt",
	"$7$!6..../....saltsalt$" HASH43,
	"$7$C6.!../....saltsalt$" HASH43,
	"$7$C6..../..!.saltsalt$" HASH43,
	"$7$C6..../...\n$" HASH43,
	"$7$ 6..../....saltsalt$" HASH43,
	"$7$.6..../....saltsalt$" HASH43,		/* N = 2^0 */
	"$7$C...../....saltsalt$" HASH43,		/* r = 0 */
	"$7$C6..........saltsalt$" HASH43,		/* p = 0 */
	"$8$C6..../....saltsalt$" HASH43,
};

START_TEST(test_hashfmt_refused)
{
	struct hashfmt	 hf;
	const char	*why = NULL;

	ck_assert_msg(hashfmt_parse(refused_costs[_i], &hf, &why) == -1,
	    "accepted: \"%s\"", refused_costs[_i]);
	ck_assert_ptr_nonnull(why);
}
END_TEST

/*
 * hashfmt_make_like: a new hash in the format and at the cost of a
 * crypt(5) hash with a cost, which verifies its own password and no
 * other; -1 for every other format.
 */
static const struct {
	const char	*like;
	int		 made;
} make_like_cases[] = {
	{ "$2y$05$sPcw27VDXc5Nx5Gkbx/h9.TGSkKc9TvWOVRQJyvPu.S4BkcD2Z1M.", 1 },
	{ "$2b$04$sPcw27VDXc5Nx5Gkbx/h9.TGSkKc9TvWOVRQJyvPu.S4BkcD2Z1M.", 1 },
	{ "$6$rounds=10000$iSKsc9WyQYQCBMZ/$4dpU9qXtf4F/n8zr6ZJIVWGLBOXU4Wyc"
	  "K0thMkaFQzY2OqPUT1xYc.dXCF30lQSBPYPRchhs/Ngr65l24BXFk0", 1 },
	{ "$5$rwjyu4Cow9O7lkx4$U21LBBuF8OVnjWhdYrCBKYb0sNn9eoTbyQKvPXfd9z/", 1 },
	{ "$y$j9T$DmSaZHI1oWr.kCDEB6tme0$lAInXdVTPONACqonpjFeEVRXcg3XOddnNII"
	  "SEnZ5gc.", 1 },
	{ "$apr1$7eC3KRH4$XtDUKJqKKh8O1tsSdUAcA/", 0 },
	{ "{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=", 0 },
	{ "$1$abcdefgh$abcdefghijklmnopqrstuv", 0 },
	{ "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$"
	  "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", 0 },
	{ "garbage", 0 },
	{ "", 0 },
};

START_TEST(test_hashfmt_make_like)
{
	char		 out[128];
	struct hashfmt	 a, b;
	const char	*why, *like = make_like_cases[_i].like;

	if (!make_like_cases[_i].made) {
		ck_assert_int_eq(hashfmt_make_like(like, "pw", out, sizeof(out)),
		    -1);
		return;
	}
	ck_assert_int_eq(hashfmt_make_like(like, "pw", out, sizeof(out)), 0);
	ck_assert_str_ne(out, like);
	ck_assert_int_eq(hashfmt_parse(like, &a, &why), 0);
	ck_assert_int_eq(hashfmt_parse(out, &b, &why), 0);
	ck_assert_int_eq(b.hf_kind, a.hf_kind);
	ck_assert_uint_eq(b.hf_bcrypt_cost, a.hf_bcrypt_cost);
	ck_assert_uint_eq(b.hf_rounds, a.hf_rounds);
	ck_assert_uint_eq(b.hf_memory, a.hf_memory);
	ck_assert_uint_eq(b.hf_passes, a.hf_passes);
	ck_assert_int_eq(hashfmt_verify(out, "pw", 2), 1);
	ck_assert_int_eq(hashfmt_verify(out, "pW", 2), 0);
	/* Too small a buffer: refused, not cut. */
	ck_assert_int_eq(hashfmt_make_like(like, "pw", out, 10), -1);
}
END_TEST

static Suite *
hashfmt_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("hashfmt");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_hashfmt_make_like, 0,
	    NITEMS(make_like_cases));
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_argon2, 0, NITEMS(argon2_costs));
	tcase_add_loop_test(tc, test_hashfmt_scrypt, 0, NITEMS(scrypt_costs));
	tcase_add_loop_test(tc, test_hashfmt_handmade, 0, NITEMS(cost_cases));
	tcase_add_test(tc, test_hashfmt_scrypt_xcrypt);
	tcase_add_loop_test(tc, test_hashfmt_known_parse, 0, nknown);
	tcase_add_loop_test(tc, test_hashfmt_known_verify, 0, nknown);
	tcase_add_test(tc, test_hashfmt_known_kinds);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_bounds, 0, NITEMS(bound_cases));
	tcase_add_loop_test(tc, test_hashfmt_scrypt_huge, 0,
	    NITEMS(scrypt_huge));
	tcase_add_loop_test(tc, test_hashfmt_edges, 0, NITEMS(edges));
	tcase_add_loop_test(tc, test_hashfmt_check_limit, 0,
	    NITEMS(limit_cases));
	tcase_add_loop_test(tc, test_hashfmt_check_default, 0,
	    NITEMS(default_cases));
	tcase_add_loop_test(tc, test_hashfmt_check_known_default, 0, nknown);
	tcase_add_test(tc, test_hashfmt_check_scrypt_passes);
	tcase_add_loop_test(tc, test_hashfmt_check_legacy, 0, nknown);
	tcase_add_test(tc, test_hashfmt_check_msg_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_refused, 0,
	    NITEMS(refused_costs));
	tcase_add_loop_test(tc, test_hashfmt_known_cut, 0, nknown);
	tcase_add_loop_test(tc, test_hashfmt_known_bad_byte, 0, nknown);
	tcase_add_loop_test(tc, test_hashfmt_known_refused, 0,
	    nknown_refused);
	tcase_add_loop_test(tc, test_hashfmt_refusals, 0, NITEMS(refusals));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run_prepared(known_load, hashfmt_suite);
}
