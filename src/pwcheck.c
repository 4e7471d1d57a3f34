/*
 * Password verification with bounded memory: each verification may take
 * the hash's memory cost (64 MiB at libsodium's interactive limits), so
 * at most max_concurrent run at once (total = max_concurrent x memory).
 * Unknown users are verified against a dummy hash made with the
 * parameters real users have, so that they cost the same time; a failure
 * against a cheaper hash (an imported bcrypt or $apr1$) is held back to
 * one of the dummy's recent run times by whoever answers
 * (pwcheck_verify_timed).
 */
#include "config.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "hashfmt.h"
#include "hashpool.h"
#include "monoclock.h"
#include "pwcheck.h"

/* What the dummy hash is made with. */
struct pwcheck_dummy_cost {
	int			 dc_alg;	/* crypto_pwhash's; -1: like */
	unsigned long long	 dc_ops;
	size_t			 dc_mem;
	struct hashfmt		 dc_like;	/* dc_alg -1: the crypt(5)
						   format and cost copied */
};

/* How many of the dummy's last run times the padding goes by. */
#define PWCHECK_DUMMY_SAMPLES	20

struct pwcheck {
	struct hashpool	*pw_pool;	/* borrowed; NULL: verify here */
	/* The dummy's last run times, ns; 0: an empty slot.  A ring. */
	atomic_ullong	 pw_dummy_ns[PWCHECK_DUMMY_SAMPLES];
	atomic_uint	 pw_dummy_next;
	sem_t		 pw_slots;
	atomic_uint	 pw_running;
	atomic_ullong	 pw_verified;	/* verifications run, dummies too */
	struct pwcheck_dummy_cost pw_dummy_cost;
	char		 pw_dummy[crypto_pwhash_STRBYTES];
};

/*
 * The dummy's cost: the typical hash's when it is argon2, or a crypt(5)
 * format with a cost (bcrypt, yescrypt, sha-crypt), else opslimit and
 * memlimit.  Cheaper formats need no dummy of their own: a refusal after
 * one is held back to the dummy's time (pwcheck_verify_timed).
 */
static void
pwcheck_dummy_cost(const char *typical, unsigned long long opslimit,
    size_t memlimit, struct pwcheck_dummy_cost *dc)
{
	struct hashfmt	 hf;
	const char	*why;

	memset(dc, 0, sizeof(*dc));	/* compared whole (pwcheck_make_dummy) */
	dc->dc_alg = crypto_pwhash_ALG_ARGON2ID13;
	dc->dc_ops = opslimit;
	dc->dc_mem = memlimit;
	if (typical == NULL || hashfmt_parse(typical, &hf, &why) == -1)
		return;
	if (hf.hf_kind == HASHFMT_BCRYPT || hf.hf_kind == HASHFMT_YESCRYPT ||
	    hf.hf_kind == HASHFMT_SHA512CRYPT ||
	    hf.hf_kind == HASHFMT_SHA256CRYPT) {
		dc->dc_alg = -1;
		dc->dc_like = hf;
		return;
	}
	/* libsodium makes p=1 only; it runs lanes one after another, so
	 * the same m and t cost about the same whatever p was. */
	if ((hf.hf_kind != HASHFMT_ARGON2ID && hf.hf_kind != HASHFMT_ARGON2I) ||
	    hf.hf_memory > SIZE_MAX)
		return;
	dc->dc_ops = hf.hf_passes;
	dc->dc_mem = (size_t)hf.hf_memory;
	/* libsodium makes argon2i only from t=3 on, argon2id from t=1; a
	 * pass costs the same in both. */
	if (hf.hf_kind == HASHFMT_ARGON2I &&
	    dc->dc_ops >= crypto_pwhash_argon2i_OPSLIMIT_MIN)
		dc->dc_alg = crypto_pwhash_ALG_ARGON2I13;
}

void
pwcheck_note_dummy_time(struct pwcheck *pw, uint64_t ran_ns)
{
	unsigned i = atomic_fetch_add(&pw->pw_dummy_next, 1);

	atomic_store(&pw->pw_dummy_ns[i % PWCHECK_DUMMY_SAMPLES],
	    ran_ns > 0 ? ran_ns : 1);
}

/*
 * Makes the dummy hash, or copies prev's when it was made at the same
 * cost: a reload of an unchanged users file need not spend a slow hash
 * (and its memory) on it again.  Its password is random and thrown
 * away, so sharing one across snapshots tells nothing.  Making it costs
 * what verifying it does: that is the first sample of its run time.
 */
static int
pwcheck_make_dummy(struct pwcheck *pw, const struct pwcheck *prev,
    const char *typical, unsigned long long opslimit, size_t memlimit)
{
	unsigned char	pass[32];
	char		hex[sizeof(pass) * 2 + 1];
	uint64_t	started;
	unsigned	i;
	int		rc;

	pwcheck_dummy_cost(typical, opslimit, memlimit, &pw->pw_dummy_cost);
	if (prev != NULL && prev->pw_dummy[0] != '\0' &&
	    memcmp(&prev->pw_dummy_cost, &pw->pw_dummy_cost,
	    sizeof(pw->pw_dummy_cost)) == 0) {
		memcpy(pw->pw_dummy, prev->pw_dummy, sizeof(pw->pw_dummy));
		for (i = 0; i < PWCHECK_DUMMY_SAMPLES; i++)
			atomic_store(&pw->pw_dummy_ns[i],
			    atomic_load(&prev->pw_dummy_ns[i]));
		atomic_store(&pw->pw_dummy_next,
		    atomic_load(&prev->pw_dummy_next));
		return 0;
	}
	randombytes_buf(pass, sizeof(pass));
	/* crypt(5) reads a C string: hex, with no NUL in it. */
	sodium_bin2hex(hex, sizeof(hex), pass, sizeof(pass));
	started = monoclock_ns();
	if (pw->pw_dummy_cost.dc_alg == -1 && hashfmt_make_like(typical, hex,
	    pw->pw_dummy, sizeof(pw->pw_dummy)) == -1)
		pwcheck_dummy_cost(NULL, opslimit, memlimit,
		    &pw->pw_dummy_cost);	/* argon2id, then */
	if (pw->pw_dummy_cost.dc_alg == -1)
		rc = 0;
	else
		rc = crypto_pwhash_str_alg(pw->pw_dummy, hex, strlen(hex),
		    pw->pw_dummy_cost.dc_ops, pw->pw_dummy_cost.dc_mem,
		    pw->pw_dummy_cost.dc_alg);
	pwcheck_note_dummy_time(pw, monoclock_ns() - started);
	sodium_memzero(pass, sizeof(pass));
	sodium_memzero(hex, sizeof(hex));
	return rc == 0 ? 0 : -1;
}

struct pwcheck *
pwcheck_new(unsigned max_concurrent, const char *typical_hash,
    unsigned long long opslimit, size_t memlimit)
{
	return pwcheck_new_like(NULL, max_concurrent, typical_hash, opslimit,
	    memlimit);
}

struct pwcheck *
pwcheck_new_like(const struct pwcheck *prev, unsigned max_concurrent,
    const char *typical_hash, unsigned long long opslimit, size_t memlimit)
{
	struct pwcheck *pw;

	if ((pw = calloc(1, sizeof(*pw))) == NULL)
		return NULL;
	if (sem_init(&pw->pw_slots, 0, max_concurrent) == -1) {
		free(pw);
		return NULL;
	}
	atomic_init(&pw->pw_running, 0);
	atomic_init(&pw->pw_verified, 0);
	if (pwcheck_make_dummy(pw, prev, typical_hash, opslimit,
	    memlimit) == -1) {
		sem_destroy(&pw->pw_slots);
		free(pw);
		return NULL;
	}
	return pw;
}

const char *
pwcheck_dummy_hash(const struct pwcheck *pw)
{
	return pw->pw_dummy;
}

void
pwcheck_free(struct pwcheck *pw)
{
	if (pw == NULL)
		return;
	sem_destroy(&pw->pw_slots);
	sodium_memzero(pw, sizeof(*pw));
	free(pw);
}

static void
pwcheck_acquire(struct pwcheck *pw)
{
	atomic_fetch_add(&pw->pw_running, 1);
	while (sem_wait(&pw->pw_slots) == -1 && errno == EINTR)
		;
}

static void
pwcheck_release(struct pwcheck *pw)
{
	sem_post(&pw->pw_slots);
	atomic_fetch_sub(&pw->pw_running, 1);
}

void
pwcheck_attach_pool(struct pwcheck *pw, struct hashpool *pool)
{
	pw->pw_pool = pool;
}

uint64_t
pwcheck_dummy_time_ns(const struct pwcheck *pw)
{
	uint64_t	v[PWCHECK_DUMMY_SAMPLES] = { 0 }, x;
	unsigned	i, n = 0;

	for (i = 0; i < PWCHECK_DUMMY_SAMPLES; i++)
		if ((x = atomic_load(&pw->pw_dummy_ns[i])) != 0)
			v[n++] = x;
	return n == 0 ? 0 : v[randombytes_uniform(n)];
}

uint64_t
pwcheck_pad_until(uint64_t dummy_ns, uint64_t ran_ns, uint64_t done_ns)
{
	return ran_ns < dummy_ns ? done_ns + (dummy_ns - ran_ns) : 0;
}

/*
 * One verification, timed: on the pool (in a reserved place if it may:
 * pwcheck_verify_reserved), or here behind the semaphore.
 */
static int
pwcheck_run(struct pwcheck *pw, const char *hash, const char *password,
    size_t len, int reserved, uint64_t *ran_ns)
{
	uint64_t	started;
	int		ok;

	if (pw->pw_pool != NULL && reserved)
		return hashpool_verify_reserved(pw->pw_pool, hash, password,
		    len, ran_ns);
	if (pw->pw_pool != NULL)
		return hashpool_verify(pw->pw_pool, hash, password, len,
		    ran_ns);
	pwcheck_acquire(pw);
	started = monoclock_ns();
	ok = hashfmt_verify(hash, password, len);
	*ran_ns = monoclock_ns() - started;
	pwcheck_release(pw);
	return ok;
}

/*
 * Whether verifying hash costs what verifying the dummy does: argon2 at
 * the dummy's memory and passes (argon2i and argon2id alike, any p), or
 * the crypt(5) format and cost the dummy copied.  Its run times then
 * spread as the dummy's do, and holding a refusal back to a drawn dummy
 * time would only make it later than an unknown user's on average.
 */
static int
pwcheck_costs_as_dummy(const struct pwcheck *pw, const char *hash)
{
	const struct pwcheck_dummy_cost	*dc = &pw->pw_dummy_cost;
	struct hashfmt			 hf;
	const char			*why;

	if (hashfmt_parse(hash, &hf, &why) == -1)
		return 0;
	if (dc->dc_alg == -1)
		return hf.hf_kind == dc->dc_like.hf_kind &&
		    hf.hf_bcrypt_cost == dc->dc_like.hf_bcrypt_cost &&
		    hf.hf_rounds == dc->dc_like.hf_rounds &&
		    hf.hf_memory == dc->dc_like.hf_memory &&
		    hf.hf_passes == dc->dc_like.hf_passes;
	return (hf.hf_kind == HASHFMT_ARGON2ID ||
	    hf.hf_kind == HASHFMT_ARGON2I) && hf.hf_memory == dc->dc_mem &&
	    hf.hf_passes == dc->dc_ops;
}

/* pwcheck_verify_timed and pwcheck_verify_reserved. */
static int
pwcheck_verify_as(struct pwcheck *pw, const char *hash, const char *password,
    size_t len, int reserved, struct pwcheck_timing *pt)
{
	uint64_t	ran = 0;
	int		ok;

	ok = pwcheck_run(pw, hash, password, len, reserved, &ran);
	if (ok == -1)
		return -1;
	atomic_fetch_add(&pw->pw_verified, 1);
	if (pt != NULL) {
		pt->pt_ran_ns = ran;
		pt->pt_done_ns = monoclock_ns();
		pt->pt_not_before = pwcheck_costs_as_dummy(pw, hash) ? 0 :
		    pwcheck_pad_until(pwcheck_dummy_time_ns(pw), ran,
		    pt->pt_done_ns);
	}
	return ok;
}

int
pwcheck_verify_timed(struct pwcheck *pw, const char *hash,
    const char *password, size_t len, struct pwcheck_timing *pt)
{
	return pwcheck_verify_as(pw, hash, password, len, 0, pt);
}

int
pwcheck_verify_reserved(struct pwcheck *pw, const char *hash,
    const char *password, size_t len, struct pwcheck_timing *pt)
{
	return pwcheck_verify_as(pw, hash, password, len, 1, pt);
}

int
pwcheck_verify(struct pwcheck *pw, const char *hash, const char *password,
    size_t len)
{
	return pwcheck_verify_timed(pw, hash, password, len, NULL);
}

int
pwcheck_renew(struct pwcheck *pw, const char *hash, const char *password,
    size_t len, void (*done)(void *, int), void *arg)
{
	if (pw->pw_pool == NULL)
		return -1;
	return hashpool_renew(pw->pw_pool, hash, password, len, done, arg);
}

int
pwcheck_verify_dummy(struct pwcheck *pw, const char *password, size_t len)
{
	uint64_t ran = 0;

	/* A random password: never matches. */
	if (pwcheck_run(pw, pw->pw_dummy, password, len, 0, &ran) == -1)
		return -1;
	atomic_fetch_add(&pw->pw_verified, 1);
	pwcheck_note_dummy_time(pw, ran);
	return 0;
}

unsigned long long
pwcheck_verified(struct pwcheck *pw)
{
	return atomic_load(&pw->pw_verified);
}

unsigned
pwcheck_running(struct pwcheck *pw)
{
	if (pw->pw_pool != NULL)
		return hashpool_inflight(pw->pw_pool);
	return atomic_load(&pw->pw_running);
}
