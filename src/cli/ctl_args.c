/*
 * The arguments of a subcommand: long options anywhere among the
 * operands, and the checks every command makes on names and dates.  A
 * usage error exits here, with the command's synopsis (ctl_usage_cmd).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "defaults.h"
#include "text.h"
#include "users.h"

void
ctl_args_init(struct ctl_args *a, int argc, char **argv, const char *cmd)
{
	memset(a, 0, sizeof(*a));
	a->ca_argc = argc;
	a->ca_argv = argv;
	a->ca_cmd = cmd;
}

/*
 * Returns the next option's id with *val set for options that take one,
 * CTL_ARG_POS with *val for an operand, or CTL_ARG_END.  Options are
 * long ("--role R" or "--role=R") and may follow operands; "--" ends
 * them.  An unknown option or a missing value is a usage error.
 */
int
ctl_args_next(struct ctl_args *a, const struct ctl_opt *opts,
    const char **val)
{
	const struct ctl_opt	*o;
	const char		*arg, *eq;
	size_t			 len;
	char			 q[64];

	*val = NULL;
	for (;;) {
		if (a->ca_i >= a->ca_argc)
			return CTL_ARG_END;
		arg = a->ca_argv[a->ca_i++];
		if (a->ca_dashdash || arg[0] != '-' || arg[1] == '\0') {
			*val = arg;
			return CTL_ARG_POS;
		}
		if (strcmp(arg, "--") != 0)
			break;
		a->ca_dashdash = 1;
	}
	if (strcmp(arg, "--help") == 0)
		ctl_usage_cmd(stdout, CTL_OK);
	if (arg[1] != '-')
		ctl_usage_error("%s: unknown option %s", a->ca_cmd,
		    ctl_quote(arg, q, sizeof(q)));
	arg += 2;
	eq = strchr(arg, '=');
	len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	for (o = opts; o != NULL && o->co_name != NULL; o++)
		if (strlen(o->co_name) == len &&
		    strncmp(o->co_name, arg, len) == 0)
			break;
	if (o == NULL || o->co_name == NULL)
		ctl_usage_error("%s: unknown option --%s", a->ca_cmd,
		    ctl_quote(arg, q, sizeof(q)));
	if (!o->co_has_arg) {
		if (eq != NULL)
			ctl_usage_error("%s: --%s takes no value", a->ca_cmd,
			    o->co_name);
		return o->co_id;
	}
	if (eq != NULL)
		*val = eq + 1;
	else if (a->ca_i < a->ca_argc)
		*val = a->ca_argv[a->ca_i++];
	else
		ctl_usage_error("%s: --%s needs a value", a->ca_cmd,
		    o->co_name);
	return o->co_id;
}

/* Parses "CMD NAME [ARG]" without options. */
void
ctl_args_plain(int argc, char **argv, const char *cmd, int nargs,
    const char **name, const char **arg)
{
	static const struct ctl_opt none[] = { { NULL, 0, 0 } };
	struct ctl_args	 a;
	const char	*v;
	int		 n = 0;

	ctl_args_init(&a, argc, argv, cmd);
	while (ctl_args_next(&a, none, &v) != CTL_ARG_END) {
		if (n == 0)
			*name = v;
		else if (n == 1 && nargs == 2)
			*arg = v;
		else
			ctl_usage_error("%s: too many arguments", cmd);
		n++;
	}
	if (n < nargs)
		ctl_usage_error("%s: %s missing", cmd, n == 0 ? "NAME" :
		    "DATE");
}

/*
 * Parses "CMD NAME [--FLAG]", FLAG an option without a value (NULL: no
 * option), NAME a user: the shape of "user passwd", "user show" and
 * "verify".  Returns NAME, with *flagged 1 if FLAG (id 1) was given.
 */
const char *
ctl_args_user(int argc, char **argv, const char *cmd, const char *flag,
    int *flagged)
{
	const struct ctl_opt	 opts[] = { { flag, 0, 1 }, { NULL, 0, 0 } };
	struct ctl_args		 a;
	const char		*name = NULL, *v;
	int			 id;

	*flagged = 0;
	ctl_args_init(&a, argc, argv, cmd);
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == 1)
			*flagged = 1;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("%s: one NAME only", cmd);
	}
	if (name == NULL)
		ctl_usage_error("%s: NAME missing", cmd);
	ctl_args_check_name("user", name);
	return name;
}

/*
 * Parses "CMD [--FLAG]" (FLAG NULL: "CMD"): no operands, and why in the
 * message when one is given.  Returns 1 if FLAG was given, else 0.
 */
int
ctl_args_none(int argc, char **argv, const char *cmd, const char *flag,
    const char *why)
{
	const struct ctl_opt	 opts[] = { { flag, 0, 1 }, { NULL, 0, 0 } };
	struct ctl_args		 a;
	const char		*v;
	int			 id, flagged = 0;

	ctl_args_init(&a, argc, argv, cmd);
	while ((id = ctl_args_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_ARG_POS)
			ctl_usage_error("%s: no arguments%s", cmd, why);
		flagged = 1;
	}
	return flagged;
}

/* Exits with a usage error unless name is a valid user, token or role
 * name (what names the daemon accepts: users_name_is_valid()). */
void
ctl_args_check_name(const char *what, const char *name)
{
	char q[256];

	if (!users_name_is_valid(name, strlen(name)))
		ctl_usage_error("\"%s\" is not a valid %s name (1 to %d bytes "
		    "of UTF-8 without whitespace, control characters or any "
		    "of :=[];#,\")", ctl_quote(name, q, sizeof(q)), what,
		    AUTHZ_USER_MAX);
}

/* Exits with a usage error unless s is YYYY-MM-DD (or "never" when
 * allowed). */
void
ctl_args_check_date(const char *what, const char *s, int never_ok)
{
	time_t	t;
	char	q[64];

	if (never_ok && strcmp(s, "never") == 0)
		return;
	if (text_parse_date(s, &t) == -1)
		ctl_usage_error("%s: \"%s\" is not a date (expected YYYY-MM-DD"
		    "%s)", what, ctl_quote(s, q, sizeof(q)),
		    never_ok ? " or never" : "");
}

/* The value of --expires: NULL for none or "never", else the date.
 * Exits with a usage error unless it is one of those. */
const char *
ctl_args_expires(const char *v)
{
	if (v == NULL)
		return NULL;
	ctl_args_check_date("--expires", v, 1);
	return strcmp(v, "never") == 0 ? NULL : v;
}

/* Adds a role given as an option to nm, once; exits on a bad name. */
void
ctl_args_role(struct ctl_names *nm, const char *role)
{
	ctl_args_check_name("role", role);
	if (ctl_names_add(nm, role) == -1) {
		ctl_nomem();
		exit(CTL_NO);
	}
}
