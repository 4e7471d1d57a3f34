/*
 * The users file loaded for reading, validated as the daemon validates
 * it: the commands that only look (show, list, verify, audit, explain)
 * see exactly what the daemon would serve.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "errlist.h"
#include "users.h"

void
ctl_view_free(struct ctl_view *vw)
{
	conf_free(vw->vw_conf);
	users_free(vw->vw_owned);
	memset(vw, 0, sizeof(*vw));
}

/* The users file a view was read from. */
static const char *
ctl_view_path(const struct ctl *c, const struct ctl_view *vw)
{
	return vw->vw_conf != NULL ? vw->vw_conf->cf_users_path :
	    c->c_users_path;
}

/*
 * Loads the users file for reading, validated as the daemon does: with
 * -c through the whole config, with -u alone.  Files are replaced
 * atomically, so no lock is needed.  Prints every error.
 * 0 or -1.
 */
int
ctl_view_load(struct ctl *c, struct ctl_view *vw)
{
	struct errlist		 errs;
	struct hashfmt_limits lim;

	memset(vw, 0, sizeof(*vw));
	errlist_init(&errs);
	if (c->c_conf_path != NULL) {
		vw->vw_conf = conf_load(c->c_conf_path, 0, &errs);
		errlist_print(&errs, stderr);
		if (vw->vw_conf == NULL) {
			ctl_warnx("%s: configuration not valid",
			    c->c_conf_path);
			goto fail;
		}
		vw->vw_users = vw->vw_conf->cf_users;
	} else {
		ctl_limits(c, &lim);
		vw->vw_owned = users_load(c->c_users_path, &lim, &errs);
		errlist_print(&errs, stderr);
		if (vw->vw_owned == NULL) {
			ctl_warnx("%s: users file not valid", c->c_users_path);
			goto fail;
		}
		vw->vw_users = vw->vw_owned;
	}
	errlist_free(&errs);
	return 0;
fail:
	errlist_free(&errs);
	ctl_view_free(vw);
	return -1;
}

/*
 * The usual view: settings from the config, then the users file
 * without the password checker.  vw can be freed even on failure.
 * 0 or -1 (printed).
 */
int
ctl_view_open(struct ctl *c, struct ctl_view *vw)
{
	memset(vw, 0, sizeof(*vw));
	if (ctl_setup(c, 0) == -1)
		return -1;
	return ctl_view_load(c, vw);
}

/* The user NAME of the view, or NULL after saying there is none. */
const struct user *
ctl_view_user(const struct ctl *c, const struct ctl_view *vw,
    const char *name)
{
	const struct user *us;

	if ((us = users_find(vw->vw_users, name, strlen(name))) == NULL)
		ctl_warnx("no user %s in %s", name, ctl_view_path(c, vw));
	return us;
}
