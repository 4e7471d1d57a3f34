#include "config.h"

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

static void
make_argon2(char out[crypto_pwhash_STRBYTES], int alg, const char *pass,
    size_t len, unsigned long long t, unsigned long long mkib)
{
	ck_assert_int_eq(crypto_pwhash_str_alg(out, pass, len, t,
	    (size_t)(mkib * KIB), alg), 0);
}

static void
make_scrypt(char out[crypto_pwhash_scryptsalsa208sha256_STRBYTES],
    const char *pass, size_t len, unsigned long long ops, size_t mem)
{
	ck_assert_int_eq(crypto_pwhash_scryptsalsa208sha256_str(out, pass,
	    len, ops, mem), 0);
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
	snprintf(out, outsz, "$7$%ssaltsaltsalt$hashhashhash", enc);
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

	make_argon2(h, argon2_costs[_i].alg, PW, PW_LEN, argon2_costs[_i].t,
	    argon2_costs[_i].mkib);
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

	make_scrypt(h, PW, PW_LEN, scrypt_costs[_i].ops, scrypt_costs[_i].mem);
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
	{ "$7$C6..../....saltsalt$hash", HASHFMT_SCRYPT, 128 * 8 * 16384,
	    16384, 1 },
	{ "$7$/6..../....saltsalt$hash", HASHFMT_SCRYPT, 128 * 8 * 2, 2, 1 },
	{ "$7$C/..../....saltsalt$hash", HASHFMT_SCRYPT, 128 * 1 * 16384,
	    16384, 1 },
	{ "$7$C6..../1...saltsalt$hash", HASHFMT_SCRYPT, 128 * 8 * 16384,
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
	char		 s[64];
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
 * malformed
 */

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
	"$7$!6..../....saltsalt$hash",
	"$7$C6.!../....saltsalt$hash",
	"$7$C6..../..!.saltsalt$hash",
	"$7$C6..../...\n$hash",
	"$7$ 6..../....saltsalt$hash",
	"$7$.6..../....saltsalt$hash",		/* N = 2^0 */
	"$7$C...../....saltsalt$hash",		/* r = 0 */
	"$7$C6..........saltsalt$hash",		/* p = 0 */
	"$8$C6..../....saltsalt$hash",
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

static Suite *
hashfmt_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("hashfmt");

	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_argon2, 0, NITEMS(argon2_costs));
	tcase_add_loop_test(tc, test_hashfmt_scrypt, 0, NITEMS(scrypt_costs));
	tcase_add_loop_test(tc, test_hashfmt_handmade, 0, NITEMS(cost_cases));
	tcase_add_test(tc, test_hashfmt_scrypt_xcrypt);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_bounds, 0, NITEMS(bound_cases));
	tcase_add_loop_test(tc, test_hashfmt_scrypt_huge, 0,
	    NITEMS(scrypt_huge));
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hashfmt_refused, 0,
	    NITEMS(refused_costs));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(hashfmt_suite());
}
