/*
 * Password hashes: new ones made with the configured policy ("hash",
 * "user add", "user passwd", "user import"), ones made by other tools
 * checked before they are stored as they are ("user import --htpasswd"),
 * a password checked against a stored one ("verify"), and stored ones
 * judged against the policy ("audit").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "hashfmt.h"
#include "users.h"
#include "usersfile.h"

/* A new argon2id hash with the policy's limits.  0 or -1 (printed). */
int
ctl_hash_new(const struct ctl *c, const struct ctl_secret *pw,
    char out[crypto_pwhash_STRBYTES])
{
	if (crypto_pwhash_str_alg(out, pw->sc_buf, pw->sc_len, c->c_opslimit,
	    c->c_memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		ctl_warnx("cannot hash the password (opslimit %llu, memlimit "
		    "%zu bytes): out of memory?", c->c_opslimit, c->c_memlimit);
		return -1;
	}
	return 0;
}

/* Says that hashing failed, naming FILE:LINE when file is set. */
void
ctl_hash_warn_failed(const struct ctl *c, const char *file, int line)
{
	if (file == NULL)
		ctl_warnx("cannot hash the password (opslimit %llu, memlimit "
		    "%zu bytes): out of memory?", c->c_opslimit, c->c_memlimit);
	else
		ctl_warnx("%s:%d: cannot hash the password (opslimit %llu, "
		    "memlimit %zu bytes): out of memory?", file, line,
		    c->c_opslimit, c->c_memlimit);
}

/*
 * Whether a hash made elsewhere may be stored as it is ("user import
 * --htpasswd", --hash-stdin): a format and costs users.c accepts at
 * load with the configuration's limits ([hashing] legacy, max_memory,
 * max_bcrypt_cost...), and a value the users file can hold.  The daemon
 * would refuse the whole file otherwise.  0, or -1 with the reason in
 * msg (one sentence; it never quotes the hash).
 */
int
ctl_hash_check_stored(const struct ctl *c, const char *hash, char *msg,
    size_t size)
{
	struct hashfmt_limits	 lim;
	struct hashfmt		 hf;
	const char		*why;

	ctl_limits(c, &lim);
	if (hash[0] == '\0')
		snprintf(msg, size, "the hash is empty: an account without a "
		    "password is refused");
	else if (strlen(hash) >= crypto_pwhash_STRBYTES)
		snprintf(msg, size, "longer than any hash fcgi-authz "
		    "verifies (%d bytes at most)", crypto_pwhash_STRBYTES - 1);
	else if (hashfmt_parse(hash, &hf, &why) == -1)
		snprintf(msg, size, "%s", why);
	else if (hashfmt_check(&hf, &lim, msg, size) == -1)
		return -1;
	else if (!usersfile_value_is_valid("password", hash))
		snprintf(msg, size, "the hash cannot be written to the users "
		    "file as it is");
	else
		return 0;
	return -1;
}

/*
 * A libsodium hash weaker than the policy: another algorithm than
 * argon2id, or a memory or ops cost below it.
 * crypto_pwhash_str_needs_rehash() also says 1 for a stronger hash, and
 * 0 for argon2i with the same costs.
 */
static int
ctl_hash_below_policy(const struct ctl *c, const char *hash,
    const struct hashfmt *hf)
{
	int r;

	if (hf->hf_kind != HASHFMT_ARGON2ID)
		return 1;
	r = crypto_pwhash_str_needs_rehash(hash, c->c_opslimit,
	    c->c_memlimit);
	if (r == 0)
		return 0;
	if (r != 1)
		return 1;
	return hf->hf_passes < c->c_opslimit ||
	    hf->hf_memory < (c->c_memlimit / 1024) * 1024;
}

/*
 * What "audit" says of a stored hash (fcgi-authz(1), AUDIT): nothing, a
 * libsodium hash below the policy, or another tool's format, to be
 * replaced by a new password.  hf: the parsed hash.
 */
enum ctl_hash_verdict
ctl_hash_judge(const struct ctl *c, const char *hash, struct hashfmt *hf)
{
	const char *why;

	if (hashfmt_parse(hash, hf, &why) == -1) {
		hf->hf_kind = HASHFMT_COUNT;	/* "unknown" */
		return CTL_HASH_WEAK;
	}
	if (hashfmt_is_legacy(hf))
		return CTL_HASH_LEGACY;
	return ctl_hash_below_policy(c, hash, hf) ? CTL_HASH_WEAK :
	    CTL_HASH_OK;
}

/* Returns 1 if pw is the password of the stored hash, else 0. */
static int
ctl_hash_matches(const char *hash, const struct ctl_secret *pw)
{
	return hashfmt_verify(hash, pw->sc_buf, pw->sc_len);
}

/* "hash": prints a new hash of a password, for hand-edited files. */
int
ctl_hash_print(struct ctl *c, int argc, char **argv)
{
	struct ctl_secret	 pw;
	char			 hash[crypto_pwhash_STRBYTES];
	int			 from_stdin, rc = CTL_NO;

	from_stdin = ctl_args_none(argc, argv, "hash", "password-stdin",
	    " (the password is never taken from the command line)");
	ctl_secret_need_source("hash", from_stdin);
	ctl_secret_init(&pw);
	if (ctl_setup(c, 1) == -1 ||
	    ctl_secret_password(from_stdin, 1, "Password: ", &pw) == -1 ||
	    ctl_hash_new(c, &pw, hash) == -1)
		goto done;
	printf("%s\n", hash);
	rc = CTL_OK;
done:
	ctl_secret_wipe(&pw);
	return rc;
}

/* "verify": is this the password of NAME?  The answer is the status. */
int
ctl_hash_verify(struct ctl *c, int argc, char **argv)
{
	struct ctl_view		 vw;
	struct ctl_secret	 pw;
	const struct user	*us;
	const char		*name;
	char			 prompt[CTL_PROMPT_SIZE];
	int			 from_stdin, rc = CTL_NO;

	name = ctl_args_user(argc, argv, "verify", "password-stdin",
	    &from_stdin);
	ctl_secret_need_source("verify", from_stdin);
	ctl_secret_init(&pw);
	if (ctl_view_open(c, &vw) == -1 ||
	    (us = ctl_view_user(c, &vw, name)) == NULL)
		goto done;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	if (ctl_secret_password(from_stdin, 0, prompt, &pw) == -1)
		goto done;
	if (!ctl_hash_matches(us->us_hash, &pw)) {
		ctl_warnx("wrong password for %s", name);
		goto done;
	}
	/* Only the password is checked; say what else would refuse. */
	if (us->us_disabled)
		ctl_warnx("note: user %s is disabled", name);
	else if (users_is_expired(us->us_expires, time(NULL)))
		ctl_warnx("note: user %s has expired", name);
	rc = CTL_OK;
done:
	ctl_view_free(&vw);
	ctl_secret_wipe(&pw);
	return rc;
}
