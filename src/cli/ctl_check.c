/*
 * "check" (would the daemon load these files?) and "audit" (what in
 * the users file needs a look: weak, imported or slow hashes, expired or
 * disabled users, tokens that no longer work).  Both only read.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "errlist.h"
#include "filetrust.h"
#include "hashfmt.h"
#include "monoclock.h"
#include "pwcheck.h"
#include "users.h"

/*
 * With -c: the same output as "fcgi-authzd -t", warnings included, and
 * the same owners and modes refused (conf_load_trusted()), so that it is
 * run as the daemon is started: as root, or as the daemon's user.
 */
static int
ctl_check_config(const struct ctl *c)
{
	struct errlist	 errs, warns;
	struct conf	*cf;
	int		 rc = CTL_NO;

	errlist_init(&errs);
	errlist_init(&warns);
	cf = conf_load_trusted(c->c_conf_path, 0, NULL,
	    &errs, &warns);
	errlist_print(&errs, stderr);
	errlist_print(&warns, stderr);
	if (cf == NULL) {
		ctl_warnx("%s: configuration not valid", c->c_conf_path);
		goto done;
	}
	printf("%s: configuration OK (%zu rules, %zu users, %zu tokens)\n",
	    c->c_conf_path, cf->cf_nrules, users_count(cf->cf_users),
	    users_token_count(cf->cf_users));
	conf_free(cf);
	rc = CTL_OK;
done:
	errlist_free(&errs);
	errlist_free(&warns);
	return rc;
}

/*
 * With -u: the users file alone, trusted as the daemon would trust it if
 * it ran as this user (no config says which user that is).
 */
static int
ctl_check_users(struct ctl *c)
{
	struct errlist		 errs, warns;
	struct filetrust_ids	 ids;
	struct hashfmt_limits lim;
	struct users		*u = NULL;
	struct stat		 st;
	int			 fd;

	if (ctl_setup(c, 0) == -1)
		return CTL_NO;
	errlist_init(&errs);
	errlist_init(&warns);
	ctl_limits(c, &lim);
	filetrust_ids_self(&ids);
	if ((fd = filetrust_open(c->c_users_path, &ids,
	    FILETRUST_WARN_READABLE, &st, &errs, &warns)) != -1) {
		u = users_load_fd(c->c_users_path, fd, &lim, &errs);
		close(fd);
	}
	errlist_print(&errs, stderr);
	errlist_print(&warns, stderr);
	errlist_free(&errs);
	errlist_free(&warns);
	if (u == NULL) {
		ctl_warnx("%s: users file not valid", c->c_users_path);
		return CTL_NO;
	}
	printf("%s: users file OK (%zu users, %zu tokens)\n",
	    c->c_users_path, users_count(u), users_token_count(u));
	users_free(u);
	return CTL_OK;
}

int
ctl_check_files(struct ctl *c, int argc, char **argv)
{
	(void)ctl_args_none(argc, argv, "check", NULL, "");
	if (c->c_conf_path != NULL)
		return ctl_check_config(c);
	return ctl_check_users(c);
}

/* Prints what "audit" finds in the users; returns how many. */
static size_t
ctl_check_audit_users(const struct ctl *c, const struct users *u,
    time_t now)
{
	struct hashfmt		 hf;
	const struct user	*us;
	char			 date[CTL_DATE_SIZE];
	size_t			 i, found = 0;

	for (i = 0; i < users_count(u); i++) {
		us = users_at(u, i);
		switch (ctl_hash_judge(c, us->us_hash, &hf)) {
		case CTL_HASH_WEAK:
			printf("weak-hash %s %s memory=%llu ops=%llu\n",
			    us->us_name, hashfmt_name(hf.hf_kind),
			    hf.hf_memory, hf.hf_passes);
			found++;
			break;
		case CTL_HASH_LEGACY:
			printf("legacy-hash %s %s%s\n", us->us_name,
			    hashfmt_name(hf.hf_kind),
			    hashfmt_is_weak(&hf) ? " weak" : "");
			found++;
			break;
		case CTL_HASH_OK:
			break;
		}
		if (users_is_expired(us->us_expires, now)) {
			printf("expired %s %s\n", us->us_name,
			    ctl_out_date(us->us_expires, date, sizeof(date)));
			found++;
		}
		if (us->us_disabled) {
			printf("disabled %s\n", us->us_name);
			found++;
		}
	}
	return found;
}

/*
 * Timing: a wrong password for a hash cheaper than the dummy that
 * unknown users are checked against is held back to the dummy's time,
 * but one for a costlier hash still answers later than an unknown user
 * would, which tells that the user exists (docs/migrating.md, Timing).
 * audit measures both, as the daemon would run them, and names the
 * users with an imported hash that takes more than CTL_SLOW_FACTOR times
 * the dummy.  libsodium hashes are left out: the dummy is made like the
 * most common of them, and the others are weak-hash findings already or
 * stronger than the policy, which audit has never counted against a
 * file.
 */
#define CTL_SLOW_FACTOR		1.5
#define CTL_SLOW_RUNS		3

/* The fastest of CTL_SLOW_RUNS verifications with a wrong password. */
static uint64_t
ctl_check_hash_ns(const char *hash)
{
	unsigned char	raw[12];
	char		wrong[sizeof(raw) * 2 + 1];
	uint64_t	t0, ns, best = UINT64_MAX;
	int		i;

	/* In hex: a NUL byte would be refused before any hashing. */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(wrong, sizeof(wrong), raw, sizeof(raw));
	for (i = 0; i < CTL_SLOW_RUNS; i++) {
		t0 = monoclock_ns();
		if (hashfmt_verify(hash, wrong, strlen(wrong)) == 1)
			return 0;	/* a random password matched: no time */
		if ((ns = monoclock_ns() - t0) < best)
			best = ns;
	}
	return best;
}

/* A cost class already measured: users with equal parameters. */
struct ctl_slow_class {
	struct hashfmt	 sc_hf;
	uint64_t	 sc_ns;
};

/* The time of us's hash, measured once a class. */
static uint64_t
ctl_check_class_ns(struct ctl_slow_class **classes, size_t *n,
    const struct user *us, const struct hashfmt *hf)
{
	struct ctl_slow_class	*sc;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (memcmp(&(*classes)[i].sc_hf, hf, sizeof(*hf)) == 0)
			return (*classes)[i].sc_ns;
	if ((sc = reallocarray(*classes, *n + 1, sizeof(*sc))) == NULL)
		return ctl_check_hash_ns(us->us_hash);
	*classes = sc;
	sc[*n].sc_hf = *hf;
	sc[*n].sc_ns = ctl_check_hash_ns(us->us_hash);
	return sc[(*n)++].sc_ns;
}

/* Prints a slow-hash line for each user slower than the dummy. */
static size_t
ctl_check_audit_timing(const struct ctl *c, const struct users *u)
{
	struct ctl_slow_class	*classes = NULL;
	struct pwcheck		*pw;
	struct hashfmt		 hf;
	const struct user	*us;
	const char		*why;
	uint64_t		 dummy, ns;
	size_t			 i, n = 0, found = 0;

	if (users_count(u) == 0 || (pw = pwcheck_new(1, users_typical_hash(u),
	    c->c_opslimit, c->c_memlimit)) == NULL)
		return 0;
	dummy = ctl_check_hash_ns(pwcheck_dummy_hash(pw));
	for (i = 0; i < users_count(u); i++) {
		us = users_at(u, i);
		if (hashfmt_parse(us->us_hash, &hf, &why) == -1 ||
		    !hashfmt_is_legacy(&hf))
			continue;
		ns = ctl_check_class_ns(&classes, &n, us, &hf);
		if ((double)ns > CTL_SLOW_FACTOR * (double)dummy) {
			printf("slow-hash %s %s %.1fms %.1fms\n", us->us_name,
			    hashfmt_name(hf.hf_kind), (double)ns / 1e6,
			    (double)dummy / 1e6);
			found++;
		}
	}
	free(classes);
	pwcheck_free(pw);
	return found;
}

/* Prints the tokens that do not work now; returns how many. */
static size_t
ctl_check_audit_tokens(const struct users *u, time_t now)
{
	const struct token	*tk;
	const char		*st;
	char			 date[CTL_DATE_SIZE];
	size_t			 i, found = 0;

	for (i = 0; i < users_token_count(u); i++) {
		tk = users_token_at(u, i);
		st = ctl_out_token_state(tk, now);
		if (strcmp(st, "active") == 0)
			continue;
		found++;
		if (strcmp(st, "expired") == 0)
			printf("expired-token %s %s\n", tk->tk_name,
			    ctl_out_date(tk->tk_expires, date, sizeof(date)));
		else
			printf("token-%s %s %s\n", st, tk->tk_name,
			    tk->tk_user_name);
	}
	return found;
}

int
ctl_check_audit(struct ctl *c, int argc, char **argv)
{
	struct ctl_view	 vw;
	time_t		 now = time(NULL);
	size_t		 found;

	(void)ctl_args_none(argc, argv, "audit", NULL, "");
	if (ctl_view_open(c, &vw) == -1)
		return CTL_NO;
	found = ctl_check_audit_users(c, vw.vw_users, now);
	found += ctl_check_audit_timing(c, vw.vw_users);
	found += ctl_check_audit_tokens(vw.vw_users, now);
	ctl_view_free(&vw);
	return found > 0 ? CTL_NO : CTL_OK;
}
