/*
 * "check" (would the daemon load these files?) and "audit" (what in
 * the users file needs a look: weak hashes, expired or disabled users,
 * tokens that no longer work).  Both only read.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "errlist.h"
#include "filetrust.h"
#include "hashfmt.h"
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
	found += ctl_check_audit_tokens(vw.vw_users, now);
	ctl_view_free(&vw);
	return found > 0 ? CTL_NO : CTL_OK;
}
