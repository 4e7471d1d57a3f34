#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "defaults.h"
#include "hashfmt.h"
#include "pwcheck.h"

#define KIB		1024ULL
#define MIB		(1024ULL * 1024)

#define PW		"correct horse"
#define PW_LEN		(sizeof(PW) - 1)

/* Cheap costs for tests that check answers, not time. */
#define CHEAP_OPS	1
#define CHEAP_MEM	(8 * MIB)

static struct pwcheck	*pw;

static void
setup(void)
{
	ck_assert_ptr_nonnull(pw = pwcheck_new(2, NULL, CHEAP_OPS,
	    CHEAP_MEM));
}

static void
teardown(void)
{
	pwcheck_free(pw);
	pw = NULL;
}

static double
now_sec(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the whole process, every thread. */
static double
cpu_sec(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copies in to out, replacing the first "from" with "to". */
static void
edit(char *out, size_t outsz, const char *in, const char *from,
    const char *to)
{
	const char *p;

	ck_assert_ptr_nonnull(p = strstr(in, from));
	ck_assert_int_lt(snprintf(out, outsz, "%.*s%s%s", (int)(p - in), in,
	    to, p + strlen(from)), (int)outsz);
}

/*
 * core
 */

/* Each algorithm: the right password and nothing else. */
enum { ALG_ARGON2ID, ALG_ARGON2I, ALG_SCRYPT };

static void
make_kind(char out[crypto_pwhash_STRBYTES], int kind, const char *pass,
    size_t len)
{
	switch (kind) {
	case ALG_ARGON2ID:
		check_make_argon2(out, crypto_pwhash_ALG_ARGON2ID13, pass,
		    len, 2, 8192);
		break;
	case ALG_ARGON2I:
		check_make_argon2(out, crypto_pwhash_ALG_ARGON2I13, pass,
		    len, 3, 8192);
		break;
	default:
		check_make_scrypt(out, pass, len, 32768, 1 * MIB);
		break;
	}
}

static const char *const wrong_passwords[] = {
	"correct horsE",
	"correct horse ",
	"correct hors",
	"Correct horse",
	" correct horse",
	"",
};

START_TEST(test_pwcheck_verify)
{
	char	h[crypto_pwhash_STRBYTES];
	size_t	i;

	make_kind(h, _i, PW, PW_LEN);
	ck_assert_int_eq(pwcheck_verify(pw, h, PW, PW_LEN), 1);
	for (i = 0; i < sizeof(wrong_passwords) / sizeof(wrong_passwords[0]);
	    i++)
		ck_assert_msg(pwcheck_verify(pw, h, wrong_passwords[i],
		    strlen(wrong_passwords[i])) == 0, "\"%s\" accepted",
		    wrong_passwords[i]);
	/* Only len bytes count. */
	ck_assert_int_eq(pwcheck_verify(pw, h, PW "junk", PW_LEN), 1);
	ck_assert_int_eq(pwcheck_running(pw), 0);
}
END_TEST

/* The empty password is a password like any other. */
START_TEST(test_pwcheck_verify_empty)
{
	char h[crypto_pwhash_STRBYTES];

	make_kind(h, _i, "", 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, "", 0), 1);
	ck_assert_int_eq(pwcheck_verify(pw, h, "x", 1), 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, " ", 1), 0);
	/* XXX scrypt: see test_pwcheck_verify_nul. */
	if (_i != ALG_SCRYPT)
		ck_assert_int_eq(pwcheck_verify(pw, h, "\0", 1), 0);
	make_kind(h, _i, "x", 1);
	ck_assert_int_eq(pwcheck_verify(pw, h, "", 0), 0);
}
END_TEST

/* Passwords are byte strings of len bytes, NULs included. */
START_TEST(test_pwcheck_verify_nul)
{
	static const char	pass[] = "a\0b\0c";
	char			h[crypto_pwhash_STRBYTES];

	make_kind(h, _i, pass, sizeof(pass) - 1);
	ck_assert_int_eq(pwcheck_verify(pw, h, pass, sizeof(pass) - 1), 1);
	/* As C strings these are all "a". */
	ck_assert_int_eq(pwcheck_verify(pw, h, "a", 1), 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, "a\0b", 3), 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, "a\0b\0d", 5), 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, "\0a\0b\0c", 6), 0);
	/*
	 * XXX scrypt's PBKDF2-HMAC-SHA256 pads keys under 64 bytes with
	 * zeros, so there "a\0b\0c\0" is the same password.  httpauth
	 * refuses NUL in credentials before they get here.
	 */
	if (_i != ALG_SCRYPT)
		ck_assert_int_eq(pwcheck_verify(pw, h, "a\0b\0c\0", 6), 0);
}
END_TEST

START_TEST(test_pwcheck_dummy_runs)
{
	ck_assert_int_eq(pwcheck_verify_dummy(pw, PW, PW_LEN), 0);
	ck_assert_int_eq(pwcheck_verify_dummy(pw, "", 0), 0);
	ck_assert_int_eq(pwcheck_verify_dummy(pw, "a\0b", 3), 0);
	ck_assert_int_eq(pwcheck_running(pw), 0);
}
END_TEST

/*
 * Typical hashes pwcheck_new must accept.  opslimit and memlimit are 0
 * where the dummy must take its cost from the string: a fallback to them
 * would fail.
 */
enum { TYP_REAL, TYP_EDIT, TYP_LITERAL };

static const struct {
	int		 how;
	int		 kind;		/* what to make (and verify) */
	const char	*from, *to;	/* TYP_EDIT; TYP_LITERAL: to */
	int		 fallback;	/* pass real opslimit/memlimit */
} typical_cases[] = {
	{ TYP_REAL,	ALG_ARGON2ID,	NULL,	NULL,	0 },
	{ TYP_REAL,	ALG_ARGON2I,	NULL,	NULL,	0 },
	/* libsodium cannot make argon2i with t < 3: argon2id instead. */
	{ TYP_EDIT,	ALG_ARGON2I,	",t=3,", ",t=1,", 0 },
	{ TYP_EDIT,	ALG_ARGON2I,	",t=3,", ",t=2,", 0 },
	/* crypto_pwhash_str makes p=1 only. */
	{ TYP_EDIT,	ALG_ARGON2ID,	",p=1$", ",p=2$", 1 },
	{ TYP_REAL,	ALG_SCRYPT,	NULL,	NULL,	1 },
	{ TYP_LITERAL,	ALG_ARGON2ID,	NULL,	NULL,	1 },
	{ TYP_LITERAL,	ALG_ARGON2ID,	NULL,	"",	1 },
	{ TYP_LITERAL,	ALG_ARGON2ID,	NULL,	"garbage", 1 },
	{ TYP_LITERAL,	ALG_ARGON2ID,	NULL,
	    "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aA", 1 },
	{ TYP_LITERAL,	ALG_ARGON2ID,	NULL,
	    "$2y$10$abcdefghijklmnopqrstuu", 1 },
};

START_TEST(test_pwcheck_new_typical)
{
	char		 h[crypto_pwhash_STRBYTES];
	char		 e[crypto_pwhash_STRBYTES];
	const char	*typ = typical_cases[_i].to;
	struct pwcheck	*p;

	make_kind(h, typical_cases[_i].kind, PW, PW_LEN);
	if (typical_cases[_i].how == TYP_REAL)
		typ = h;
	if (typical_cases[_i].how == TYP_EDIT) {
		edit(e, sizeof(e), h, typical_cases[_i].from,
		    typical_cases[_i].to);
		typ = e;
	}
	if (typical_cases[_i].fallback)
		p = pwcheck_new(1, typ, CHEAP_OPS, CHEAP_MEM);
	else
		p = pwcheck_new(1, typ, 0, 0);
	ck_assert_msg(p != NULL, "pwcheck_new refused %s",
	    typ != NULL ? typ : "NULL");
	ck_assert_int_eq(pwcheck_verify_dummy(p, PW, PW_LEN), 0);
	ck_assert_int_eq(pwcheck_verify(p, h, PW, PW_LEN), 1);
	ck_assert_int_eq(pwcheck_verify(p, h, "", 0), 0);
	pwcheck_free(p);
}
END_TEST

START_TEST(test_pwcheck_free_null)
{
	pwcheck_free(NULL);
}
END_TEST

/*
 * limits
 */

/*
 * A dummy costs what a real user costs, so the answer for an unknown
 * user takes as long (docs/security.md, user enumeration): argon2 with
 * the same memory and passes as the real hash, read from the strings
 * rather than timed, and verifying it really runs the hash (one
 * verification counted, never a match).
 */
static const struct {
	const char		*what;
	int			 alg;
	unsigned long long	 t, mkib;
	int			 typical;	/* 0 NULL, 1 hash, 2 junk */
	const char		*from, *to;	/* edit the hash first */
} dummy_cases[] = {
	{ "argon2id t=2 m=32M", crypto_pwhash_ALG_ARGON2ID13, 2, 32768, 1,
	    NULL, NULL },
	{ "argon2i t=3 m=16M", crypto_pwhash_ALG_ARGON2I13, 3, 16384, 1,
	    NULL, NULL },
	{ "argon2i edited to t=1 m=32M", crypto_pwhash_ALG_ARGON2I13, 3,
	    32768, 1, ",t=3,", ",t=1," },
	{ "no typical hash", crypto_pwhash_ALG_ARGON2ID13, 2, 32768, 0,
	    NULL, NULL },
	{ "malformed typical hash", crypto_pwhash_ALG_ARGON2ID13, 2, 32768, 2,
	    NULL, NULL },
};

START_TEST(test_pwcheck_dummy_cost)
{
	char		 h[crypto_pwhash_STRBYTES];
	char		 e[crypto_pwhash_STRBYTES];
	const char	*real = h, *typ;
	const char	*why;
	struct pwcheck	*p;
	struct hashfmt	 dummy, hreal;
	int		 want = 1;

	check_make_argon2(h, dummy_cases[_i].alg, PW, PW_LEN,
	    dummy_cases[_i].t, dummy_cases[_i].mkib);
	if (dummy_cases[_i].from != NULL) {
		/* Verifying the edited string runs it through, then fails. */
		edit(e, sizeof(e), h, dummy_cases[_i].from, dummy_cases[_i].to);
		real = e;
		want = 0;
	}
	switch (dummy_cases[_i].typical) {
	case 0:
		typ = NULL;
		break;
	case 1:
		typ = real;
		break;
	default:
		typ = "$argon2id$v=19$m=65536";
		break;
	}
	/* The fallback cost is the real one, where one is used. */
	ck_assert_ptr_nonnull(p = pwcheck_new(1, typ, dummy_cases[_i].t,
	    (size_t)(dummy_cases[_i].mkib * KIB)));
	ck_assert_int_eq(pwcheck_verify(p, real, PW, PW_LEN), want);
	ck_assert_int_eq(hashfmt_parse(real, &hreal, &why), 0);
	ck_assert_int_eq(hashfmt_parse(pwcheck_dummy_hash(p), &dummy, &why),
	    0);
	/* argon2i and argon2id cost the same a pass (pwcheck.c). */
	ck_assert_msg((dummy.hf_kind == HASHFMT_ARGON2ID ||
	    dummy.hf_kind == HASHFMT_ARGON2I) &&
	    (hreal.hf_kind == HASHFMT_ARGON2ID ||
	    hreal.hf_kind == HASHFMT_ARGON2I) &&
	    dummy.hf_memory == hreal.hf_memory &&
	    dummy.hf_passes == hreal.hf_passes,
	    "%s: dummy %s m=%llu t=%llu, real %s m=%llu t=%llu",
	    dummy_cases[_i].what, hashfmt_name(dummy.hf_kind),
	    dummy.hf_memory, dummy.hf_passes, hashfmt_name(hreal.hf_kind),
	    hreal.hf_memory, hreal.hf_passes);
	ck_assert_uint_eq(pwcheck_verified(p), 1);
	ck_assert_int_eq(pwcheck_verify_dummy(p, PW, PW_LEN), 0);
	ck_assert_uint_eq(pwcheck_verified(p), 2);
	pwcheck_free(p);
}
END_TEST

/*
 * A reload's checker takes the running one's dummy hash when it would be
 * made at the same cost, and makes its own when the cost changed.
 */
/*
 * When most users have a crypt(5) hash with a cost, the dummy is one of
 * the same format and cost (hashfmt_make_like), made from a hash the
 * real tools wrote: an unknown user then costs what such a user costs.
 * A cheap format ($apr1$, {SHA}) keeps the argon2id fallback, which the
 * held-back refusals make up for.
 */
static const struct {
	const char	*typical;	/* made by htpasswd or mkpasswd */
	enum hashfmt_kind kind;		/* the dummy's */
} crypt_dummy_cases[] = {
	{ "$2y$05$sPcw27VDXc5Nx5Gkbx/h9.TGSkKc9TvWOVRQJyvPu.S4BkcD2Z1M.",
	  HASHFMT_BCRYPT },
	{ "$6$rounds=10000$iSKsc9WyQYQCBMZ/$4dpU9qXtf4F/n8zr6ZJIVWGLBOXU4Wyc"
	  "K0thMkaFQzY2OqPUT1xYc.dXCF30lQSBPYPRchhs/Ngr65l24BXFk0",
	  HASHFMT_SHA512CRYPT },
	{ "$5$rwjyu4Cow9O7lkx4$U21LBBuF8OVnjWhdYrCBKYb0sNn9eoTbyQKvPXfd9z/",
	  HASHFMT_SHA256CRYPT },
	{ "$y$j9T$DmSaZHI1oWr.kCDEB6tme0$lAInXdVTPONACqonpjFeEVRXcg3XOddnNII"
	  "SEnZ5gc.", HASHFMT_YESCRYPT },
	{ "$apr1$7eC3KRH4$XtDUKJqKKh8O1tsSdUAcA/", HASHFMT_ARGON2ID },
	{ "{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=", HASHFMT_ARGON2ID },
};

START_TEST(test_pwcheck_dummy_crypt)
{
	const char	*typ = crypt_dummy_cases[_i].typical;
	struct hashfmt	 hfd, hft;
	const char	*why;
	struct pwcheck	*p, *p2;

	ck_assert_int_eq(hashfmt_parse(typ, &hft, &why), 0);
	ck_assert_ptr_nonnull(p = pwcheck_new(1, typ, CHEAP_OPS, CHEAP_MEM));
	ck_assert_int_eq(hashfmt_parse(pwcheck_dummy_hash(p), &hfd, &why), 0);
	ck_assert_int_eq(hfd.hf_kind, crypt_dummy_cases[_i].kind);
	if (hfd.hf_kind == hft.hf_kind) {
		/* The same cost: bcrypt's, the rounds, yescrypt's N, r, t. */
		ck_assert_uint_eq(hfd.hf_bcrypt_cost, hft.hf_bcrypt_cost);
		ck_assert_uint_eq(hfd.hf_rounds, hft.hf_rounds);
		ck_assert_uint_eq(hfd.hf_memory, hft.hf_memory);
		ck_assert_uint_eq(hfd.hf_passes, hft.hf_passes);
		/* A new salt, not the typical user's hash. */
		ck_assert_str_ne(pwcheck_dummy_hash(p), typ);
	}
	ck_assert_int_eq(pwcheck_verify_dummy(p, PW, PW_LEN), 0);
	ck_assert_int_eq(pwcheck_verify_dummy(p, "a\0b", 3), 0);
	/* The same typical cost at a reload: the same dummy. */
	ck_assert_ptr_nonnull(p2 = pwcheck_new_like(p, 1, typ, CHEAP_OPS,
	    CHEAP_MEM));
	ck_assert_str_eq(pwcheck_dummy_hash(p2), pwcheck_dummy_hash(p));
	pwcheck_free(p2);
	pwcheck_free(p);
}
END_TEST

START_TEST(test_pwcheck_new_like)
{
	struct pwcheck	*a, *b, *c, *d;
	char		 typ[crypto_pwhash_STRBYTES];

	ck_assert_ptr_nonnull(a = pwcheck_new(1, NULL, CHEAP_OPS, CHEAP_MEM));
	ck_assert_ptr_nonnull(b = pwcheck_new_like(a, 2, NULL, CHEAP_OPS,
	    CHEAP_MEM));
	ck_assert_str_eq(pwcheck_dummy_hash(b), pwcheck_dummy_hash(a));
	/* Another cost: another dummy, at that cost. */
	ck_assert_ptr_nonnull(c = pwcheck_new_like(a, 1, NULL, CHEAP_OPS + 1,
	    CHEAP_MEM));
	ck_assert_str_ne(pwcheck_dummy_hash(c), pwcheck_dummy_hash(a));
	ck_assert_ptr_nonnull(strstr(pwcheck_dummy_hash(c), ",t=2,"));
	/* A typical hash of the same cost as a's fallback: the same. */
	check_make_argon2(typ, crypto_pwhash_ALG_ARGON2ID13, PW, PW_LEN,
	    CHEAP_OPS, CHEAP_MEM / KIB);
	ck_assert_ptr_nonnull(d = pwcheck_new_like(a, 1, typ, 99, 99 * MIB));
	ck_assert_str_eq(pwcheck_dummy_hash(d), pwcheck_dummy_hash(a));
	/* The copy still never matches, and costs what a's does. */
	ck_assert_int_eq(pwcheck_verify_dummy(d, PW, PW_LEN), 0);
	pwcheck_free(d);
	/* No previous one: a fresh dummy. */
	ck_assert_ptr_nonnull(d = pwcheck_new_like(NULL, 1, NULL, CHEAP_OPS,
	    CHEAP_MEM));
	ck_assert_str_ne(pwcheck_dummy_hash(d), pwcheck_dummy_hash(a));
	pwcheck_free(a);
	pwcheck_free(b);
	pwcheck_free(c);
	pwcheck_free(d);
}
END_TEST

/* max_concurrent = 1: three verifications run one after the other. */
#define RACERS		3

struct racer {
	struct pwcheck		*r_pw;
	const char		*r_hash;
	pthread_barrier_t	*r_bar;
	atomic_int		*r_done;
	int			 r_rc;
	double			 r_end;		/* wall clock, after */
	double			 r_cpu;		/* this thread's CPU time */
};

/* CPU time of the calling thread. */
static double
thread_cpu_sec(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts), 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
racer_run(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->r_bar);
	r->r_cpu = thread_cpu_sec();
	r->r_rc = pwcheck_verify(r->r_pw, r->r_hash, PW, PW_LEN);
	r->r_cpu = thread_cpu_sec() - r->r_cpu;
	r->r_end = now_sec();
	atomic_fetch_add(r->r_done, 1);
	return NULL;
}

START_TEST(test_pwcheck_concurrency)
{
	char			 h[crypto_pwhash_STRBYTES];
	struct pwcheck		*p;
	struct racer		 r[RACERS];
	pthread_t		 tid[RACERS];
	pthread_barrier_t	 bar;
	atomic_int		 done;
	struct timespec		 nap = { 0, 2000000 };
	double			 before, start, wall, cpu, sum, last;
	unsigned		 seen, most = 0;
	int			 i;

	check_make_argon2(h, crypto_pwhash_ALG_ARGON2ID13, PW, PW_LEN, 2, 32768);
	ck_assert_ptr_nonnull(p = pwcheck_new(1, NULL, CHEAP_OPS, CHEAP_MEM));

	atomic_init(&done, 0);
	ck_assert_int_eq(pthread_barrier_init(&bar, NULL, RACERS + 1), 0);
	for (i = 0; i < RACERS; i++) {
		r[i].r_pw = p;
		r[i].r_hash = h;
		r[i].r_bar = &bar;
		r[i].r_done = &done;
		r[i].r_rc = -1;
		ck_assert_int_eq(pthread_create(&tid[i], NULL, racer_run,
		    &r[i]), 0);
	}
	/* No racer starts before the barrier opens, after this. */
	before = now_sec();
	pthread_barrier_wait(&bar);
	start = now_sec();
	cpu = cpu_sec();
	while (atomic_load(&done) < RACERS) {
		if ((seen = pwcheck_running(p)) > most)
			most = seen;
		nanosleep(&nap, NULL);
	}
	for (i = 0; i < RACERS; i++)
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
	cpu = cpu_sec() - cpu;
	wall = now_sec() - start;
	pthread_barrier_destroy(&bar);

	for (i = 0; i < RACERS; i++)
		ck_assert_int_eq(r[i].r_rc, 1);
	/*
	 * Serialized, the verifications hold the one slot one after
	 * another, and each thread spends its hashing CPU inside its own
	 * turn: one thread cannot spend CPU faster than the clock runs.  So
	 * the racers' CPU, added up, fits in the wall time from before the
	 * barrier to the last end.  Side by side on two cores it would take
	 * about twice that.  Load stretches the wall time and never the CPU
	 * time; 5 ms absorbs the clocks' granularity.
	 */
	sum = 0;
	last = before;
	for (i = 0; i < RACERS; i++) {
		sum += r[i].r_cpu;
		if (r[i].r_end > last)
			last = r[i].r_end;
	}
	ck_assert_msg(sum <= last - before + 0.005,
	    "%.4f s of hashing CPU in %.4f s: verifications ran at once",
	    sum, last - before);
	/*
	 * One verification at a time keeps at most one core busy (argon2
	 * and scrypt run on the calling thread).  Load only lowers this
	 * rate, so the bound cannot fail on a busy machine.  With the limit
	 * removed, three at once on two cores measured 1.6 to 1.8.
	 */
	ck_assert_msg(cpu <= 1.2 * wall + 0.01,
	    "%.4f s of CPU in %.4f s: more than one verification at once",
	    cpu, wall);
	/* Running and waiting: never more than were started. */
	ck_assert_uint_le(most, RACERS);
	ck_assert_uint_eq(pwcheck_running(p), 0);
	pwcheck_free(p);
}
END_TEST

/* The longest password the daemon takes, and a byte more. */
START_TEST(test_pwcheck_verify_long)
{
	char	pass[AUTHZ_PASSWORD_MAX + 1];
	char	h[crypto_pwhash_STRBYTES];

	memset(pass, 0xa5, sizeof(pass));
	make_kind(h, _i, pass, AUTHZ_PASSWORD_MAX);
	ck_assert_int_eq(pwcheck_verify(pw, h, pass, AUTHZ_PASSWORD_MAX), 1);
	ck_assert_int_eq(pwcheck_verify(pw, h, pass, AUTHZ_PASSWORD_MAX - 1),
	    0);
	ck_assert_int_eq(pwcheck_verify(pw, h, pass, AUTHZ_PASSWORD_MAX + 1),
	    0);
}
END_TEST

/*
 * malformed
 */

/*
 * Hashes that must never verify, even with the right password: fail
 * closed.  Edits apply to a real argon2id (t=2, m=8M) or scrypt hash of
 * PW; a NULL "from" uses "to" as the whole hash.
 */
static const struct {
	int		 kind;
	const char	*from, *to;
} garbage_cases[] = {
	{ ALG_ARGON2ID, NULL,	"" },
	{ ALG_ARGON2ID, NULL,	"garbage" },
	{ ALG_ARGON2ID, NULL,	"$argon2id$" },
	{ ALG_ARGON2ID, NULL,	"$argon2id$v=19$m=8192,t=2,p=1" },
	{ ALG_ARGON2ID, NULL,
	    "$2y$10$abcdefghijklmnopqrstuu5Lh4uCcU0iY0ZsFS1iBvq.VgJnKRXW" },
	{ ALG_ARGON2ID, NULL,	"$7$" },
	{ ALG_ARGON2ID, NULL,	"$7$C6..../....saltsalt$hash" },
	{ ALG_ARGON2ID, "$argon2id$", "$argon2d$" },
	{ ALG_ARGON2ID, "$argon2id$", "$argon2i$" },
	{ ALG_ARGON2ID, "v=19", "v=16" },
	{ ALG_ARGON2ID, ",t=2,", ",t=1," },
	{ ALG_ARGON2ID, ",t=2,", ",t=3," },
	{ ALG_ARGON2ID, "m=8192", "m=16384" },
	{ ALG_ARGON2ID, ",p=1$", ",p=2$" },
	{ ALG_ARGON2ID, "$v=19$", "$" },
	{ ALG_SCRYPT,	"$7$8", "$7$9" },
	{ ALG_SCRYPT,	"$7$", "$8$" },
	{ ALG_SCRYPT,	"$7$", "$7$$" },
};

/* Flips the last byte of the hash part, which is part of the digest. */
START_TEST(test_pwcheck_verify_garbage)
{
	char		 h[crypto_pwhash_STRBYTES];
	char		 e[crypto_pwhash_STRBYTES];
	const char	*bad = e;

	make_kind(h, garbage_cases[_i].kind, PW, PW_LEN);
	if (garbage_cases[_i].from == NULL)
		bad = garbage_cases[_i].to;
	else
		edit(e, sizeof(e), h, garbage_cases[_i].from,
		    garbage_cases[_i].to);
	ck_assert_msg(pwcheck_verify(pw, bad, PW, PW_LEN) == 0,
	    "verified: %s", bad);
	ck_assert_int_eq(pwcheck_running(pw), 0);
}
END_TEST

/* A real hash cut short, lengthened or with one changed character. */
START_TEST(test_pwcheck_verify_mangled)
{
	char	h[crypto_pwhash_STRBYTES], e[crypto_pwhash_STRBYTES + 2];
	size_t	len;

	make_kind(h, _i, PW, PW_LEN);
	len = strlen(h);

	memcpy(e, h, len + 1);
	e[len - 1] = '\0';
	ck_assert_int_eq(pwcheck_verify(pw, e, PW, PW_LEN), 0);

	snprintf(e, sizeof(e), "%sA", h);
	ck_assert_int_eq(pwcheck_verify(pw, e, PW, PW_LEN), 0);

	snprintf(e, sizeof(e), "%s\n", h);
	ck_assert_int_eq(pwcheck_verify(pw, e, PW, PW_LEN), 0);

	memcpy(e, h, len + 1);
	e[len - 2] = e[len - 2] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(pwcheck_verify(pw, e, PW, PW_LEN), 0);

	/* A salt character: the right password under another salt. */
	memcpy(e, h, len + 1);
	e[len - 50] = e[len - 50] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(pwcheck_verify(pw, e, PW, PW_LEN), 0);
	ck_assert_int_eq(pwcheck_verify(pw, h, PW, PW_LEN), 1);
}
END_TEST

static Suite *
pwcheck_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("pwcheck");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pwcheck_verify, ALG_ARGON2ID,
	    ALG_SCRYPT + 1);
	tcase_add_loop_test(tc, test_pwcheck_verify_empty, ALG_ARGON2ID,
	    ALG_SCRYPT + 1);
	tcase_add_loop_test(tc, test_pwcheck_verify_nul, ALG_ARGON2ID,
	    ALG_SCRYPT + 1);
	tcase_add_test(tc, test_pwcheck_dummy_runs);
	tcase_add_test(tc, test_pwcheck_new_like);
	tcase_add_loop_test(tc, test_pwcheck_dummy_crypt, 0,
	    NITEMS(crypt_dummy_cases));
	tcase_add_loop_test(tc, test_pwcheck_new_typical, 0,
	    NITEMS(typical_cases));
	tcase_add_test(tc, test_pwcheck_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pwcheck_dummy_cost, 0,
	    NITEMS(dummy_cases));
	tcase_add_test(tc, test_pwcheck_concurrency);
	tcase_add_loop_test(tc, test_pwcheck_verify_long, ALG_ARGON2ID,
	    ALG_SCRYPT + 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pwcheck_verify_garbage, 0,
	    NITEMS(garbage_cases));
	tcase_add_loop_test(tc, test_pwcheck_verify_mangled, ALG_ARGON2ID,
	    ALG_SCRYPT + 1);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(pwcheck_suite());
}
