/*
 * How users, tokens and dates are shown: the text of "list" and "show"
 * (one line an entry, "-" for none) and their --json form.  The formats
 * are documented in fcgi-authz(1); scripts depend on them.
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "users.h"

/* The last day an expiry (the first second after it) covers. */
const char *
ctl_out_date(time_t expires, char *buf, size_t bufsz)
{
	time_t		day = expires - 86400;
	struct tm	tm;

	if (expires == 0 || gmtime_r(&day, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, bufsz, "never");
	return buf;
}

/* Whether a user can log in now, as "user list" and "show" print it. */
const char *
ctl_out_user_state(const struct user *us, time_t now)
{
	if (us->us_disabled)
		return "disabled";
	if (users_is_expired(us->us_expires, now))
		return "expired";
	return "active";
}

/* The same for a token: its own expiry first, then its user's state. */
const char *
ctl_out_token_state(const struct token *tk, time_t now)
{
	const struct user *us = tk->tk_user;

	if (users_is_expired(tk->tk_expires, now))
		return "expired";
	if (us->us_disabled)
		return "user-disabled";
	if (users_is_expired(us->us_expires, now))
		return "user-expired";
	return "active";
}

/* v as "a,b,c", or none when it is empty. */
void
ctl_out_list(char *const *v, size_t n, const char *none)
{
	size_t i;

	if (n == 0)
		fputs(none, stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? "," : "", v[i]);
}

/* s as a JSON string: '"', '\\' and control bytes escaped, the rest as
 * it is (names and roles are UTF-8 already). */
void
ctl_out_json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
ctl_out_json_list(char *const *v, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		ctl_out_json_string(v[i]);
	}
	putchar(']');
}

/* An expiry as a JSON string, or null for none. */
static void
ctl_out_json_date(time_t expires)
{
	char date[CTL_DATE_SIZE];

	if (expires == 0)
		fputs("null", stdout);
	else
		ctl_out_json_string(ctl_out_date(expires, date, sizeof(date)));
}

/*
 * {"name":...,"roles":[...],"expires":"YYYY-MM-DD"|null,"disabled":b
 * without the closing brace: "user show" adds the tokens.
 */
void
ctl_out_json_user(const struct user *us)
{
	fputs("{\"name\":", stdout);
	ctl_out_json_string(us->us_name);
	fputs(",\"roles\":", stdout);
	ctl_out_json_list(us->us_roles, us->us_nroles);
	fputs(",\"expires\":", stdout);
	ctl_out_json_date(us->us_expires);
	printf(",\"disabled\":%s", us->us_disabled ? "true" : "false");
}

/*
 * {"name":...,"user":...,"roles":[...]|null,"expires":...|null}, roles
 * as the token declares them (null: no roles key, all the user's).
 */
void
ctl_out_json_token(const struct token *tk, const struct ctl_names *roles)
{
	fputs("{\"name\":", stdout);
	ctl_out_json_string(tk->tk_name);
	fputs(",\"user\":", stdout);
	ctl_out_json_string(tk->tk_user_name);
	fputs(",\"roles\":", stdout);
	if (tk->tk_declared_roles == NULL)
		fputs("null", stdout);
	else
		ctl_out_json_list(roles->nm_v, roles->nm_n);
	fputs(",\"expires\":", stdout);
	ctl_out_json_date(tk->tk_expires);
	putchar('}');
}
