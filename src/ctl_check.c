#include "config.h"

/*
 * "check" (would the daemon load these files?) and "audit" (what in
 * the users file needs a look: weak hashes, expired or disabled users,
 * tokens that no longer work).  Both only read.
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctl.h"
#include "errlist.h"
#include "pwcheck.h"
#include "users.h"

/* With -c: the same output as "fcgi-authzd -t", warnings included. */
static int
ctl_check_config(const struct ctl *c)
{
	struct errlist	 errs, warns;
	struct conf	*cf;
	int		 rc = CTL_NO;

	errlist_init(&errs);
	errlist_init(&warns);
	cf = conf_load_warn(c->c_conf_path, CONF_LOAD_NO_PWCHECK, &errs,
	    &warns);
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

/* With -u: the users file alone. */
static int
ctl_check_users(struct ctl *c)
{
	struct ctl_view vw;

	if (ctl_view_open(c, &vw) == -1)
		return CTL_NO;
	printf("%s: users file OK (%zu users, %zu tokens)\n",
	    c->c_users_path, users_count(vw.vw_users),
	    users_token_count(vw.vw_users));
	ctl_view_free(&vw);
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
	struct pwcheck_cost	 pc;
	const struct user	*us;
	char			 date[16];
	size_t			 i, found = 0;

	for (i = 0; i < users_count(u); i++) {
		us = users_at(u, i);
		if (ctl_hash_is_weak(c, us->us_hash, &pc)) {
			printf("weak-hash %s %s memory=%llu ops=%llu\n",
			    us->us_name, pc.pc_alg, pc.pc_memory, pc.pc_ops);
			found++;
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
	char			 date[16];
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
