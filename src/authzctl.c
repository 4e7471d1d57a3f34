#include "config.h"

/*
 * fcgi-authz: the management CLI (design.md "Programs").  Reads the
 * users file with the daemon's own loader, writes it only through
 * usersfile.c (locked, line-preserving, atomic, validated before the
 * rename), and explains decisions with the daemon's own authz_decide().
 *
 * Passwords never come from argv: one line of standard input with
 * --password-stdin, else asked on the terminal with echo off.  Every
 * buffer that held a password or a token is wiped on every path.
 *
 * Exit codes (s6 style, also in usage() and fcgi-authz(1)):
 *	0	success; "yes" (verify: right password, explain: allowed,
 *		audit: nothing found)
 *	1	"no", refused or failed (wrong password, denied, findings,
 *		unknown or existing user, invalid or unwritable file)
 *	2	usage error (bad command, option, name, date or address; no
 *		--password-stdin while standard input is not a terminal)
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "authz.h"
#include "conf.h"
#include "defaults.h"
#include "errlist.h"
#include "httpauth.h"
#include "netaddr.h"
#include "pwcheck.h"
#include "rules.h"
#include "users.h"
#include "usersfile.h"

#define CTL_OK		0
#define CTL_NO		1
#define CTL_USAGE	2

/* Tokens: "fa_" (so that secret scanners and people recognize them) and
 * 32 random bytes in URL-safe base64 without padding (43 characters). */
#define CTL_TOKEN_PREFIX	"fa_"
#define CTL_TOKEN_BYTES		32
#define CTL_TOKEN_B64LEN	sodium_base64_ENCODED_LEN(CTL_TOKEN_BYTES, \
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)

/* One "user import" line: a name, ':', roles, ':', a password. */
#define CTL_IMPORT_LINE_MAX	(AUTHZ_USER_MAX + AUTHZ_INI_LINE_MAX + \
	    AUTHZ_PASSWORD_MAX + 2)

/* What -c or -u chose: the files and the hashing policy. */
struct ctl {
	const char		*c_conf_path;	/* NULL with -u */
	int			 c_conf_given;	/* -c on the command line */
	const char		*c_users_path;	/* -u, or from the config */
	char			*c_users_alloc;
	unsigned long long	 c_opslimit;	/* for new hashes */
	size_t			 c_memlimit;
	unsigned long long	 c_max_memory;	/* hashes above: refused */
};

/* A secret read from the terminal or standard input. */
struct ctl_secret {
	char	sc_buf[CTL_IMPORT_LINE_MAX + 2];
	size_t	sc_len;
	int	sc_locked;
};

/* Long options of a subcommand. */
struct ctl_opt {
	const char	*co_name;	/* without "--" */
	int		 co_has_arg;
	int		 co_id;
};

/* Their ids. */
enum {
	CTL_O_ROLE = 1, CTL_O_EXPIRES, CTL_O_PWSTDIN, CTL_O_JSON, CTL_O_ADD,
	CTL_O_REMOVE, CTL_O_WITH_ROLES, CTL_O_USER, CTL_O_TOKEN_STDIN,
	CTL_O_FROM
};

/* ctl_next() returns an option id or one of these. */
#define CTL_ARG_END	(-1)
#define CTL_ARG_POS	(-2)

struct ctl_args {
	int		 ca_argc;
	char		**ca_argv;
	int		 ca_i;
	int		 ca_dashdash;
	const char	*ca_cmd;	/* "user add", for messages */
};

/* The users file loaded for reading. */
struct ctl_view {
	struct conf	 *vw_conf;	/* with -c */
	struct users	 *vw_owned;	/* with -u */
	const struct users *vw_users;
};

/* A list of names (roles), without duplicates. */
struct ctl_names {
	char	**nm_v;
	size_t	  nm_n;
};

static volatile sig_atomic_t ctl_signo;

/* The synopsis, one line a command, as in fcgi-authz(1). */
static const char *const ctl_synopsis[][2] = {
	{ "user add", "NAME [--role ROLE]... [--expires DATE] "
	    "[--password-stdin]" },
	{ "user passwd", "NAME [--password-stdin]" },
	{ "user del", "NAME" },
	{ "user show", "NAME [--json]" },
	{ "user list", "[--json]" },
	{ "user disable", "NAME" },
	{ "user enable", "NAME" },
	{ "user expire", "NAME DATE|never" },
	{ "user roles", "NAME [--add ROLE]... [--remove ROLE]..." },
	{ "user import", "[--with-roles]" },
	{ "token add", "NAME --user USER [--role ROLE]... [--expires DATE]" },
	{ "token revoke", "NAME" },
	{ "token list", "[--json]" },
	{ "hash", "[--password-stdin]" },
	{ "verify", "NAME [--password-stdin]" },
	{ "check", "" },
	{ "audit", "" },
	{ "explain", "[--user NAME [--password-stdin] | --token-stdin] "
	    "[--from IP] METHOD PATH" },
	{ NULL, NULL }
};

/* The command being run ("user add"), once main() found it. */
static const char *ctl_cur_cmd;

static void __attribute__((noreturn))
ctl_usage(FILE *fp, int code)
{
	size_t i;

	fprintf(fp, "usage: fcgi-authz [-c config | -u users-file] command "
	    "[argument ...]\n");
	for (i = 0; ctl_synopsis[i][0] != NULL; i++)
		fprintf(fp, "  %s%s%s\n", ctl_synopsis[i][0],
		    ctl_synopsis[i][1][0] != '\0' ? " " : "",
		    ctl_synopsis[i][1]);
	fprintf(fp, "options:\n"
	    "  -c FILE  the configuration (default %s);\n"
	    "           the users file and the hashing policy come from it\n"
	    "  -u FILE  this users file, with the default hashing policy\n"
	    "DATE is YYYY-MM-DD (valid through that day, UTC).\n"
	    "exit: 0 success or yes, 1 no or failed, 2 usage error\n",
	    AUTHZ_CONF_FILE);
	exit(code);
}

/* For a known command (--help, a usage error): its own synopsis. */
static void __attribute__((noreturn))
ctl_usage_cmd(FILE *fp, int code)
{
	size_t i;

	for (i = 0; ctl_cur_cmd != NULL && ctl_synopsis[i][0] != NULL; i++)
		if (strcmp(ctl_synopsis[i][0], ctl_cur_cmd) == 0) {
			fprintf(fp, "usage: fcgi-authz [-c config | -u "
			    "users-file] %s%s%s\n", ctl_synopsis[i][0],
			    ctl_synopsis[i][1][0] != '\0' ? " " : "",
			    ctl_synopsis[i][1]);
			exit(code);
		}
	ctl_usage(fp, code);
}

static void
ctl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
ctl_warnx(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("fcgi-authz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
ctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fcgi-authz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	ctl_usage_cmd(stderr, CTL_USAGE);
}

/*
 * Writes s for a message: bytes that are not printable ASCII as \xHH, so
 * that a hostile argument cannot drive the terminal.  Returns buf.
 */
static const char *
ctl_quote(const char *s, char *buf, size_t bufsz)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 5 < bufsz; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x",
			    ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- arguments ---------------------------------------------------- */

/*
 * Returns the next option's id with *val set for options that take one,
 * CTL_ARG_POS with *val for an operand, or CTL_ARG_END.  Options are
 * long ("--role R" or "--role=R") and may follow operands; "--" ends
 * them.  An unknown option or a missing value is a usage error.
 */
static int
ctl_next(struct ctl_args *a, const struct ctl_opt *opts, const char **val)
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

static void
ctl_args_init(struct ctl_args *a, int argc, char **argv, const char *cmd)
{
	memset(a, 0, sizeof(*a));
	a->ca_argc = argc;
	a->ca_argv = argv;
	a->ca_cmd = cmd;
}

/* Exits with a usage error unless name is a valid user, token or role
 * name (what names the daemon accepts: users_name_is_valid()). */
static void
ctl_check_name(const char *what, const char *name)
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
static void
ctl_check_date(const char *what, const char *s, int never_ok)
{
	time_t	t;
	char	q[64];

	if (never_ok && strcmp(s, "never") == 0)
		return;
	if (conf_parse_date(s, &t) == -1)
		ctl_usage_error("%s: \"%s\" is not a date (expected YYYY-MM-DD"
		    "%s)", what, ctl_quote(s, q, sizeof(q)),
		    never_ok ? " or never" : "");
}

static void
ctl_names_free(struct ctl_names *nm)
{
	conf_free_list(nm->nm_v, nm->nm_n);
	nm->nm_v = NULL;
	nm->nm_n = 0;
}

static int
ctl_names_has(const struct ctl_names *nm, const char *name)
{
	return users_has_role(nm->nm_v, nm->nm_n, name);
}

/* Appends name unless present.  0 or -1 (out of memory). */
static int
ctl_names_add(struct ctl_names *nm, const char *name)
{
	char **nv;

	if (ctl_names_has(nm, name))
		return 0;
	if ((nv = realloc(nm->nm_v, (nm->nm_n + 2) * sizeof(*nv))) == NULL)
		return -1;
	nm->nm_v = nv;
	if ((nv[nm->nm_n] = strdup(name)) == NULL)
		return -1;
	nv[++nm->nm_n] = NULL;
	return 0;
}

static void
ctl_names_remove(struct ctl_names *nm, const char *name)
{
	size_t i;

	for (i = 0; i < nm->nm_n; i++)
		if (strcmp(nm->nm_v[i], name) == 0) {
			free(nm->nm_v[i]);
			memmove(&nm->nm_v[i], &nm->nm_v[i + 1],
			    (nm->nm_n - i) * sizeof(*nm->nm_v));
			nm->nm_n--;
			return;
		}
}

/* "a, b, c" as the users file writes lists; NULL if out of memory. */
static char *
ctl_names_join(const struct ctl_names *nm, const char *sep)
{
	size_t	 len = 1, seplen = strlen(sep), i, l;
	char	*s, *p;

	for (i = 0; i < nm->nm_n; i++)
		len += strlen(nm->nm_v[i]) + seplen;
	if ((s = p = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < nm->nm_n; i++) {
		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		l = strlen(nm->nm_v[i]);
		memcpy(p, nm->nm_v[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

static void
ctl_nomem(void)
{
	ctl_warnx("out of memory");
}

/* ---- settings ----------------------------------------------------- */

/*
 * Takes the users file path and the hashing policy from the config file
 * (settings and rules only: the users file may be the broken thing we
 * are about to fix), or the defaults with -u.  With missing_ok, a default
 * config file that does not exist means the defaults ("hash" on a
 * machine without a configuration).  Prints why it failed.  0 or -1.
 */
static int
ctl_setup(struct ctl *c, int missing_ok)
{
	struct errlist	 errs;
	struct conf	*cf;

	c->c_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	c->c_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	c->c_max_memory = AUTHZ_HASH_MAX_MEMORY;
	if (c->c_conf_path == NULL)
		return 0;
	if (missing_ok && !c->c_conf_given &&
	    access(c->c_conf_path, F_OK) == -1 && errno == ENOENT) {
		c->c_conf_path = NULL;
		return 0;
	}
	errlist_init(&errs);
	cf = conf_load(c->c_conf_path, CONF_LOAD_NO_USERS, &errs);
	errlist_print(&errs, stderr);
	errlist_free(&errs);
	if (cf == NULL) {
		ctl_warnx("%s: configuration not valid", c->c_conf_path);
		return -1;
	}
	c->c_opslimit = cf->cf_hash_opslimit;
	c->c_memlimit = cf->cf_hash_memlimit;
	c->c_max_memory = cf->cf_hash_max_memory;
	free(c->c_users_alloc);
	c->c_users_alloc = cf->cf_users_path;
	cf->cf_users_path = NULL;
	c->c_users_path = c->c_users_alloc;
	conf_free(cf);
	return 0;
}

/* The limits the daemon loads the users file with (conf.c). */
static void
ctl_limits(const struct ctl *c, struct users_hash_limits *lim)
{
	lim->uhl_max_memory = c->c_max_memory;
	lim->uhl_max_opslimit = AUTHZ_HASH_MAX_OPSLIMIT;
	lim->uhl_max_parallel = AUTHZ_HASH_MAX_PARALLEL;
}

/* ---- reading the users file --------------------------------------- */

static void
ctl_view_free(struct ctl_view *vw)
{
	conf_free(vw->vw_conf);
	users_free(vw->vw_owned);
	memset(vw, 0, sizeof(*vw));
}

/*
 * Loads the users file for reading, validated as the daemon does: with
 * -c through the whole config (conf_flags: CONF_LOAD_NO_PWCHECK, or 0
 * for "explain"), with -u alone.  Files are replaced atomically, so no
 * lock is needed.  Prints every error.
 * 0 or -1.
 */
static int
ctl_view_load(struct ctl *c, struct ctl_view *vw, int conf_flags)
{
	struct errlist		 errs;
	struct users_hash_limits lim;

	memset(vw, 0, sizeof(*vw));
	errlist_init(&errs);
	if (c->c_conf_path != NULL) {
		vw->vw_conf = conf_load(c->c_conf_path, conf_flags, &errs);
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

/* The users file a view was read from. */
static const char *
ctl_view_path(const struct ctl *c, const struct ctl_view *vw)
{
	return vw->vw_conf != NULL ? vw->vw_conf->cf_users_path :
	    c->c_users_path;
}

/* The last day an expiry (the first second after it) covers. */
static const char *
ctl_date(time_t expires, char *buf, size_t bufsz)
{
	time_t		day = expires - 86400;
	struct tm	tm;

	if (expires == 0 || gmtime_r(&day, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, bufsz, "never");
	return buf;
}

static const char *
ctl_user_state(const struct user *us, time_t now)
{
	if (us->us_disabled)
		return "disabled";
	if (users_is_expired(us->us_expires, now))
		return "expired";
	return "active";
}

static const char *
ctl_token_state(const struct token *tk, time_t now)
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

/* ---- JSON --------------------------------------------------------- */

static void
ctl_json_string(const char *s)
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
ctl_json_list(char *const *v, size_t n)
{
	size_t i;

	putchar('[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			putchar(',');
		ctl_json_string(v[i]);
	}
	putchar(']');
}

/* {"name":...,"roles":[...],"expires":"YYYY-MM-DD"|null,"disabled":b} */
static void
ctl_json_user(const struct user *us)
{
	char date[16];

	fputs("{\"name\":", stdout);
	ctl_json_string(us->us_name);
	fputs(",\"roles\":", stdout);
	ctl_json_list(us->us_roles, us->us_nroles);
	fputs(",\"expires\":", stdout);
	if (us->us_expires == 0)
		fputs("null", stdout);
	else
		ctl_json_string(ctl_date(us->us_expires, date, sizeof(date)));
	printf(",\"disabled\":%s", us->us_disabled ? "true" : "false");
}

/* ---- secrets ------------------------------------------------------ */

static void
ctl_secret_init(struct ctl_secret *sec)
{
	memset(sec, 0, sizeof(*sec));
	/* Best effort: RLIMIT_MEMLOCK may be tiny. */
	sec->sc_locked = sodium_mlock(sec, sizeof(*sec)) == 0;
}

static void
ctl_secret_wipe(struct ctl_secret *sec)
{
	int locked = sec->sc_locked;

	sodium_memzero(sec, sizeof(*sec));
	if (locked)
		(void)sodium_munlock(sec, sizeof(*sec));
}

static void
ctl_on_signal(int signo)
{
	ctl_signo = signo;
}

/*
 * Reads one line from fd into sec, a byte at a time so that no copy of
 * the secret stays in a stdio buffer and nothing after the line is
 * consumed.  Strips one "\n" or "\r\n".  At most max bytes are kept
 * (one more is read to tell "too long").  Returns 0, 1 at end of file
 * before any byte, or -1 with *errstr.
 */
static int
ctl_read_line(int fd, struct ctl_secret *sec, size_t max,
    const char **errstr)
{
	char	ch;
	ssize_t	n;
	size_t	len = 0;
	int	any = 0;

	for (;;) {
		n = read(fd, &ch, 1);
		if (n == -1 && errno == EINTR && ctl_signo == 0)
			continue;
		if (n == -1) {
			*errstr = ctl_signo != 0 ? "interrupted" :
			    strerror(errno);
			return -1;
		}
		if (n == 0 || ch == '\n') {
			any |= n != 0;
			break;
		}
		any = 1;
		if (len > max) {
			/* max + CR + one more: too long whatever follows. */
			ch = '\0';
			sec->sc_len = len;
			return 0;
		}
		sec->sc_buf[len++] = ch;
	}
	ch = '\0';
	if (len > 0 && sec->sc_buf[len - 1] == '\r')
		len--;
	sec->sc_buf[len] = '\0';
	sec->sc_len = len;
	return any ? 0 : 1;
}

/*
 * Checks a secret as the daemon will see it: not empty, within max
 * bytes, no NUL, no control characters, valid UTF-8 (a password the
 * Basic parser refuses could never log in).  Prints why not.  0 or -1.
 */
static int
ctl_secret_check(const struct ctl_secret *sec, size_t max, const char *what)
{
	if (sec->sc_len == 0) {
		ctl_warnx("the %s is empty", what);
		return -1;
	}
	if (sec->sc_len > max) {
		ctl_warnx("the %s is longer than %zu bytes", what, max);
		return -1;
	}
	if (memchr(sec->sc_buf, '\0', sec->sc_len) != NULL) {
		ctl_warnx("the %s contains a NUL byte", what);
		return -1;
	}
	if (!httpauth_is_clean_utf8(sec->sc_buf, sec->sc_len)) {
		ctl_warnx("the %s contains control characters or is not "
		    "valid UTF-8", what);
		return -1;
	}
	return 0;
}

static void
ctl_tty_write(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) == -1)
		return;	/* the read that follows fails or works anyway */
}

/*
 * Asks on /dev/tty with echo off.  A signal while echo is off restores
 * the terminal first, then takes its usual effect.  0 or -1 (printed).
 */
static int
ctl_tty_ask(const char *prompt, struct ctl_secret *sec)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	    SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction	 sa, saved[sizeof(sigs) / sizeof(sigs[0])];
	struct termios		 old, noecho;
	const char		*errstr = NULL;
	size_t			 i;
	int			 fd, rc = -1, signo;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		ctl_warnx("cannot open /dev/tty: %s", strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &old) == -1) {
		ctl_warnx("/dev/tty: %s", strerror(errno));
		close(fd);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_on_signal;	/* no SA_RESTART: read() returns */
	sigemptyset(&sa.sa_mask);
	ctl_signo = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, &saved[i]);
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	ctl_tty_write(fd, prompt);
	if (tcsetattr(fd, TCSAFLUSH, &noecho) == -1) {
		errstr = strerror(errno);
	} else {
		switch (ctl_read_line(fd, sec, AUTHZ_PASSWORD_MAX, &errstr)) {
		case 0:
			rc = 0;
			break;
		case 1:
			errstr = "end of file";
			break;
		default:
			break;
		}
		(void)tcsetattr(fd, TCSAFLUSH, &old);
		ctl_tty_write(fd, "\n");
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &saved[i], NULL);
	close(fd);
	if ((signo = ctl_signo) != 0) {
		ctl_signo = 0;
		sodium_memzero(sec->sc_buf, sizeof(sec->sc_buf));
		(void)kill(getpid(), signo);
		rc = -1;	/* still here: stopped, then continued */
		errstr = "interrupted";
	}
	if (rc == -1)
		ctl_warnx("cannot read the password from the terminal: %s",
		    errstr != NULL ? errstr : "failed");
	return rc;
}

/*
 * Gets a password into pw: one line of standard input with from_stdin,
 * else asked on the terminal (twice when confirm is set: a new password).
 * Prints why it failed.  0 or -1; the caller wipes pw either way.
 */
static int
ctl_get_password(int from_stdin, int confirm, const char *prompt,
    struct ctl_secret *pw)
{
	struct ctl_secret	 again;
	const char		*errstr = NULL;
	int			 rc = -1;

	if (from_stdin) {
		switch (ctl_read_line(STDIN_FILENO, pw, AUTHZ_PASSWORD_MAX,
		    &errstr)) {
		case 0:
			break;
		case 1:
			ctl_warnx("no password on standard input");
			return -1;
		default:
			ctl_warnx("standard input: %s", errstr);
			return -1;
		}
		return ctl_secret_check(pw, AUTHZ_PASSWORD_MAX, "password");
	}
	if (ctl_tty_ask(prompt, pw) == -1 ||
	    ctl_secret_check(pw, AUTHZ_PASSWORD_MAX, "password") == -1)
		return -1;
	if (!confirm)
		return 0;
	ctl_secret_init(&again);
	if (ctl_tty_ask("Again: ", &again) == -1)
		goto done;
	if (again.sc_len != pw->sc_len ||
	    sodium_memcmp(again.sc_buf, pw->sc_buf, pw->sc_len) != 0) {
		ctl_warnx("the passwords do not match");
		goto done;
	}
	rc = 0;
done:
	ctl_secret_wipe(&again);
	return rc;
}

/*
 * Passwords are asked only when there is a terminal to ask on: scripts
 * must say --password-stdin.  Called before anything is loaded.
 */
static void
ctl_need_password_source(const char *cmd, int from_stdin)
{
	if (!from_stdin && !isatty(STDIN_FILENO))
		ctl_usage_error("%s: standard input is not a terminal: give "
		    "the password on it with --password-stdin", cmd);
}

/* A new argon2id hash with the policy's limits.  0 or -1 (printed). */
static int
ctl_hash(const struct ctl *c, const struct ctl_secret *pw,
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

/* ---- writing the users file --------------------------------------- */

static struct usersfile *
ctl_open(const struct ctl *c, int create)
{
	struct usersfile	*uf;
	const char		*errstr = NULL;

	errno = 0;
	if ((uf = usersfile_open(c->c_users_path, create, &errstr)) == NULL)
		ctl_warnx("%s: %s", c->c_users_path, errstr != NULL ? errstr :
		    errno != 0 ? strerror(errno) : "cannot open");
	return uf;
}

/*
 * Writes the file back (validated with the daemon's loader first).
 * Prints why it failed.  0 or -1.
 */
static int
ctl_commit(const struct ctl *c, struct usersfile *uf)
{
	struct users_hash_limits lim;
	struct errlist		 errs;
	int			 rc;

	ctl_limits(c, &lim);
	errlist_init(&errs);
	errno = 0;
	rc = usersfile_commit(uf, &lim, &errs);
	errlist_print(&errs, stderr);
	if (rc == -1) {
		if (errlist_count(&errs) == 0 && errno != 0)
			ctl_warnx("%s: %s", c->c_users_path, strerror(errno));
		ctl_warnx("%s: not changed", c->c_users_path);
	}
	errlist_free(&errs);
	return rc;
}

/* Sets key, after checking that the value fits the file.  0 or -1. */
static int
ctl_set(const struct ctl *c, struct usersfile *uf, const char *kind,
    const char *name, const char *key, const char *value)
{
	if (!usersfile_value_is_valid(key, value)) {
		ctl_warnx("%s: %s = ...: value cannot be written to %s (too "
		    "long for one line?)", name, key, c->c_users_path);
		return -1;
	}
	if (usersfile_set(uf, kind, name, key, value) == -1) {
		ctl_warnx("%s: cannot set %s in [%s:%s]", c->c_users_path, key,
		    kind, name);
		return -1;
	}
	return 0;
}

/* Checks, before asking for a password, that NAME exists (or not). */
static int
ctl_precheck(const struct ctl *c, const char *name, int want, int create)
{
	struct usersfile	*uf;
	int			 has;

	if ((uf = ctl_open(c, create)) == NULL)
		return -1;
	has = usersfile_has(uf, "user", name);
	usersfile_close(uf);
	if (has && !want) {
		ctl_warnx("user %s already exists (\"user passwd\" changes "
		    "the password)", name);
		return -1;
	}
	if (!has && want) {
		ctl_warnx("no user %s in %s", name, c->c_users_path);
		return -1;
	}
	return 0;
}

/* Adds a role given as an option to nm, once; exits on a bad name. */
static void
ctl_add_role(struct ctl_names *nm, const char *role)
{
	ctl_check_name("role", role);
	if (ctl_names_add(nm, role) == -1) {
		ctl_nomem();
		exit(CTL_NO);
	}
}

/* ---- user add / passwd -------------------------------------------- */

static int
ctl_user_add(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "role", 1, CTL_O_ROLE }, { "expires", 1, CTL_O_EXPIRES },
		{ "password-stdin", 0, CTL_O_PWSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_names	 roles = { NULL, 0 };
	struct ctl_secret	 pw;
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *expires = NULL, *v;
	char			 hash[crypto_pwhash_STRBYTES], *joined = NULL;
	char			 prompt[96];
	int			 id, from_stdin = 0, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user add");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_ROLE)
			ctl_add_role(&roles, v);
		else if (id == CTL_O_EXPIRES)
			expires = v;
		else if (id == CTL_O_PWSTDIN)
			from_stdin = 1;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user add: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user add: NAME missing");
	ctl_check_name("user", name);
	if (expires != NULL) {
		ctl_check_date("--expires", expires, 1);
		if (strcmp(expires, "never") == 0)
			expires = NULL;
	}
	ctl_need_password_source("user add", from_stdin);

	ctl_secret_init(&pw);
	memset(hash, 0, sizeof(hash));
	if ((joined = ctl_names_join(&roles, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (roles.nm_n > 0 && !usersfile_value_is_valid("roles", joined)) {
		ctl_warnx("too many roles for one line of the users file");
		goto done;
	}
	if (ctl_setup(c, 0) == -1 || ctl_precheck(c, name, 0, 1) == -1)
		goto done;
	/* Hash before the lock: other writers need not wait for it. */
	snprintf(prompt, sizeof(prompt), "Password for new user %s: ", name);
	if (ctl_get_password(from_stdin, 1, prompt, &pw) == -1 ||
	    ctl_hash(c, &pw, hash) == -1)
		goto done;
	ctl_secret_wipe(&pw);
	if ((uf = ctl_open(c, 1)) == NULL)
		goto done;
	if (usersfile_has(uf, "user", name)) {
		ctl_warnx("user %s already exists", name);
		goto done;
	}
	if (usersfile_add(uf, "user", name) == -1) {
		ctl_warnx("%s: cannot add [user:%s]", c->c_users_path, name);
		goto done;
	}
	if (ctl_set(c, uf, "user", name, "password", hash) == -1 ||
	    (roles.nm_n > 0 &&
	    ctl_set(c, uf, "user", name, "roles", joined) == -1) ||
	    (expires != NULL &&
	    ctl_set(c, uf, "user", name, "expires", expires) == -1))
		goto done;
	if (ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_secret_wipe(&pw);
	sodium_memzero(hash, sizeof(hash));
	free(joined);
	ctl_names_free(&roles);
	return rc;
}

static int
ctl_user_passwd(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "password-stdin", 0, CTL_O_PWSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_secret	 pw;
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *v;
	char			 hash[crypto_pwhash_STRBYTES], prompt[96];
	int			 id, from_stdin = 0, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user passwd");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_PWSTDIN)
			from_stdin = 1;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user passwd: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user passwd: NAME missing");
	ctl_check_name("user", name);
	ctl_need_password_source("user passwd", from_stdin);

	ctl_secret_init(&pw);
	memset(hash, 0, sizeof(hash));
	if (ctl_setup(c, 0) == -1 || ctl_precheck(c, name, 1, 0) == -1)
		goto done;
	snprintf(prompt, sizeof(prompt), "New password for %s: ", name);
	if (ctl_get_password(from_stdin, 1, prompt, &pw) == -1 ||
	    ctl_hash(c, &pw, hash) == -1)
		goto done;
	ctl_secret_wipe(&pw);
	if ((uf = ctl_open(c, 0)) == NULL)
		goto done;
	if (!usersfile_has(uf, "user", name)) {
		ctl_warnx("no user %s in %s", name, c->c_users_path);
		goto done;
	}
	if (ctl_set(c, uf, "user", name, "password", hash) == 0 &&
	    ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_secret_wipe(&pw);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* ---- user del / disable / enable / expire ------------------------- */

/* Parses "CMD NAME [ARG]" without options. */
static void
ctl_plain_args(int argc, char **argv, const char *cmd, int nargs,
    const char **name, const char **arg)
{
	static const struct ctl_opt none[] = { { NULL, 0, 0 } };
	struct ctl_args	 a;
	const char	*v;
	int		 n = 0;

	ctl_args_init(&a, argc, argv, cmd);
	while (ctl_next(&a, none, &v) != CTL_ARG_END) {
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

/* Opens the file for an edit of an existing [kind:name]. */
static struct usersfile *
ctl_open_existing(const struct ctl *c, const char *kind, const char *name)
{
	struct usersfile *uf;

	if ((uf = ctl_open(c, 0)) == NULL)
		return NULL;
	if (!usersfile_has(uf, kind, name)) {
		ctl_warnx("no %s %s in %s", kind, name, c->c_users_path);
		usersfile_close(uf);
		return NULL;
	}
	return uf;
}

static int
ctl_user_del(struct ctl *c, int argc, char **argv)
{
	struct usersfile	*uf = NULL;
	struct ctl_names	 gone = { NULL, 0 };
	const char		*name = NULL, *owner;
	char			**tokens = NULL;
	size_t			 ntokens = 0, i;
	int			 rc = CTL_NO;

	ctl_plain_args(argc, argv, "user del", 1, &name, NULL);
	ctl_check_name("user", name);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_open_existing(c, "user", name)) == NULL)
		goto done;
	/* A token naming a missing user makes the daemon refuse the file. */
	if ((tokens = usersfile_names(uf, "token", &ntokens)) == NULL) {
		ntokens = 0;
		ctl_nomem();
		goto done;
	}
	for (i = 0; i < ntokens; i++) {
		owner = usersfile_get(uf, "token", tokens[i], "user");
		if (owner == NULL || strcmp(owner, name) != 0)
			continue;
		if (usersfile_del(uf, "token", tokens[i]) == -1 ||
		    ctl_names_add(&gone, tokens[i]) == -1) {
			ctl_warnx("cannot delete [token:%s]", tokens[i]);
			goto done;
		}
	}
	if (usersfile_del(uf, "user", name) == -1) {
		ctl_warnx("cannot delete [user:%s]", name);
		goto done;
	}
	if (ctl_commit(c, uf) == -1)
		goto done;
	for (i = 0; i < gone.nm_n; i++)
		ctl_warnx("deleted token %s of user %s", gone.nm_v[i], name);
	rc = CTL_OK;
done:
	usersfile_close(uf);
	for (i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	ctl_names_free(&gone);
	return rc;
}

/* disable, enable, expire: one key of an existing user. */
static int
ctl_user_flag(struct ctl *c, int argc, char **argv, const char *cmd)
{
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *date = NULL;
	int			 rc = CTL_NO, r = 0;

	ctl_plain_args(argc, argv, cmd, strcmp(cmd, "user expire") == 0 ?
	    2 : 1, &name, &date);
	ctl_check_name("user", name);
	if (date != NULL)
		ctl_check_date("user expire", date, 1);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_open_existing(c, "user", name)) == NULL)
		goto done;
	if (strcmp(cmd, "user disable") == 0)
		r = ctl_set(c, uf, "user", name, "disabled", "yes");
	else if (strcmp(cmd, "user enable") == 0) {
		/* Keep a "disabled = no" line; add none. */
		if (usersfile_get(uf, "user", name, "disabled") != NULL)
			r = ctl_set(c, uf, "user", name, "disabled", "no");
	} else if (strcmp(date, "never") == 0)
		r = usersfile_unset(uf, "user", name, "expires");
	else
		r = ctl_set(c, uf, "user", name, "expires", date);
	if (r == -1) {
		ctl_warnx("%s: %s: cannot change %s", c->c_users_path, cmd,
		    name);
		goto done;
	}
	if (ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	return rc;
}

static int
ctl_user_disable(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user disable");
}

static int
ctl_user_enable(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user enable");
}

static int
ctl_user_expire(struct ctl *c, int argc, char **argv)
{
	return ctl_user_flag(c, argc, argv, "user expire");
}

/* ---- user roles --------------------------------------------------- */

static int
ctl_user_roles_print(struct ctl *c, const char *name)
{
	struct ctl_view		 vw;
	const struct user	*us;
	size_t			 i;
	int			 rc = CTL_NO;

	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		return CTL_NO;
	if ((us = users_find(vw.vw_users, name, strlen(name))) == NULL) {
		ctl_warnx("no user %s in %s", name, ctl_view_path(c, &vw));
		goto done;
	}
	for (i = 0; i < us->us_nroles; i++)
		printf("%s\n", us->us_roles[i]);
	rc = CTL_OK;
done:
	ctl_view_free(&vw);
	return rc;
}

static int
ctl_user_roles(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "add", 1, CTL_O_ADD }, { "remove", 1, CTL_O_REMOVE },
		{ NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_names	 add = { NULL, 0 }, del = { NULL, 0 };
	struct ctl_names	 have = { NULL, 0 };
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *v, *cur;
	char			*joined = NULL;
	size_t			 i;
	int			 id, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user roles");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_ADD)
			ctl_add_role(&add, v);
		else if (id == CTL_O_REMOVE)
			ctl_add_role(&del, v);
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user roles: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user roles: NAME missing");
	ctl_check_name("user", name);
	for (i = 0; i < add.nm_n; i++)
		if (ctl_names_has(&del, add.nm_v[i]))
			ctl_usage_error("user roles: role %s both added and "
			    "removed", add.nm_v[i]);
	if (add.nm_n == 0 && del.nm_n == 0)
		return ctl_user_roles_print(c, name);

	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_open_existing(c, "user", name)) == NULL)
		goto done;
	cur = usersfile_get(uf, "user", name, "roles");
	if (cur != NULL && *cur != '\0' &&
	    conf_split_list(cur, &have.nm_v, &have.nm_n) == -1) {
		ctl_warnx("%s: [user:%s] roles: not a list", c->c_users_path,
		    name);
		goto done;
	}
	for (i = 0; i < del.nm_n; i++) {
		if (!ctl_names_has(&have, del.nm_v[i]))
			ctl_warnx("user %s does not hold role %s", name,
			    del.nm_v[i]);
		ctl_names_remove(&have, del.nm_v[i]);
	}
	for (i = 0; i < add.nm_n; i++)
		if (ctl_names_add(&have, add.nm_v[i]) == -1) {
			ctl_nomem();
			goto done;
		}
	if ((joined = ctl_names_join(&have, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (have.nm_n == 0) {
		if (usersfile_unset(uf, "user", name, "roles") == -1) {
			ctl_warnx("cannot change [user:%s]", name);
			goto done;
		}
	} else if (ctl_set(c, uf, "user", name, "roles", joined) == -1)
		goto done;
	if (ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	free(joined);
	ctl_names_free(&add);
	ctl_names_free(&del);
	ctl_names_free(&have);
	return rc;
}

/* ---- user import -------------------------------------------------- */

struct ctl_import {
	char	 im_name[AUTHZ_USER_MAX + 1];
	char	 im_hash[crypto_pwhash_STRBYTES];
	char	*im_roles;	/* "a, b"; "" none; NULL: leave as is */
	int	 im_line;
};

/* Buffered reading of standard input into a locked buffer. */
struct ctl_lines {
	char	ln_buf[8192];
	size_t	ln_off;
	size_t	ln_len;
	int	ln_eof;
	int	ln_locked;
};

/*
 * The next line (without "\n" or "\r\n") into sec; at most max bytes,
 * longer lines give sc_len max + 1.  Returns 0, 1 at the end, -1 on a
 * read error.
 */
static int
ctl_lines_next(struct ctl_lines *ln, struct ctl_secret *sec, size_t max)
{
	ssize_t	n;
	size_t	len = 0;
	int	any = 0;
	char	ch;

	for (;;) {
		if (ln->ln_off == ln->ln_len) {
			if (ln->ln_eof)
				break;
			n = read(STDIN_FILENO, ln->ln_buf, sizeof(ln->ln_buf));
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return -1;
			if (n == 0) {
				ln->ln_eof = 1;
				break;
			}
			ln->ln_off = 0;
			ln->ln_len = (size_t)n;
		}
		any = 1;
		ch = ln->ln_buf[ln->ln_off++];
		if (ch == '\n')
			break;
		if (len <= max)
			sec->sc_buf[len++] = ch;
	}
	ch = '\0';
	if (len > 0 && len <= max && sec->sc_buf[len - 1] == '\r')
		len--;
	sec->sc_buf[len] = '\0';
	sec->sc_len = len;
	return any ? 0 : 1;
}

/*
 * Checks one line and hashes its password into im (hash only when
 * hash is set: after a bad line the rest are only checked).  Lines are
 * "name:password", or "name:roles:password" with --with-roles: names
 * and roles cannot hold ':', so the name ends at the first ':' and the
 * roles at the second, and the password is everything after, ':'
 * included.  Messages never quote the line: it holds a password.
 * 0 or -1 (printed).
 */
static int
ctl_import_line(const struct ctl *c, struct ctl_secret *line, int lineno,
    int with_roles, int hash, struct ctl_import *im)
{
	struct ctl_secret	 pw;
	struct ctl_names	 roles = { NULL, 0 };
	char			*p = line->sc_buf, *colon, *r;
	size_t			 i;
	int			 rc = -1;

	ctl_secret_init(&pw);
	im->im_line = lineno;
	if ((colon = memchr(p, ':', line->sc_len)) == NULL) {
		ctl_warnx("stdin:%d: expected %s", lineno, with_roles ?
		    "name:roles:password" : "name:password");
		goto done;
	}
	if (!users_name_is_valid(p, (size_t)(colon - p))) {
		ctl_warnx("stdin:%d: not a valid user name", lineno);
		goto done;
	}
	memcpy(im->im_name, p, (size_t)(colon - p));
	im->im_name[colon - p] = '\0';
	p = colon + 1;
	if (with_roles) {
		if ((colon = strchr(p, ':')) == NULL) {
			ctl_warnx("stdin:%d: expected name:roles:password",
			    lineno);
			goto done;
		}
		*colon = '\0';
		if (*p != '\0' &&
		    conf_split_list(p, &roles.nm_v, &roles.nm_n) == -1) {
			ctl_warnx("stdin:%d: roles: expected a comma-separated "
			    "list without empty items", lineno);
			goto done;
		}
		for (i = 0; i < roles.nm_n; i++) {
			r = roles.nm_v[i];
			if (!users_name_is_valid(r, strlen(r))) {
				ctl_warnx("stdin:%d: roles: not a valid role "
				    "name", lineno);
				goto done;
			}
		}
		/* Duplicates dropped: "a, a" would load, but why keep it. */
		for (i = 1; i < roles.nm_n; i++)
			if (users_has_role(roles.nm_v, i, roles.nm_v[i])) {
				free(roles.nm_v[i]);
				memmove(&roles.nm_v[i], &roles.nm_v[i + 1],
				    (roles.nm_n - i) * sizeof(char *));
				roles.nm_n--;
				i--;
			}
		if ((im->im_roles = ctl_names_join(&roles, ", ")) == NULL) {
			ctl_nomem();
			goto done;
		}
		if (roles.nm_n > 0 &&
		    !usersfile_value_is_valid("roles", im->im_roles)) {
			ctl_warnx("stdin:%d: roles: too long for one line of "
			    "the users file", lineno);
			goto done;
		}
		p = colon + 1;
	}
	pw.sc_len = line->sc_len - (size_t)(p - line->sc_buf);
	if (pw.sc_len > AUTHZ_PASSWORD_MAX) {
		ctl_warnx("stdin:%d: the password is longer than %d bytes",
		    lineno, AUTHZ_PASSWORD_MAX);
		goto done;
	}
	memcpy(pw.sc_buf, p, pw.sc_len);
	if (pw.sc_len == 0) {
		ctl_warnx("stdin:%d: the password is empty", lineno);
		goto done;
	}
	if (memchr(pw.sc_buf, '\0', pw.sc_len) != NULL ||
	    !httpauth_is_clean_utf8(pw.sc_buf, pw.sc_len)) {
		ctl_warnx("stdin:%d: the password holds a NUL, control "
		    "characters or invalid UTF-8", lineno);
		goto done;
	}
	if (hash && ctl_hash(c, &pw, im->im_hash) == -1)
		goto done;
	rc = 0;
done:
	ctl_secret_wipe(&pw);
	ctl_names_free(&roles);
	return rc;
}

static void
ctl_import_free(struct ctl_import *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].im_roles);
	if (v != NULL)
		sodium_memzero(v, n * sizeof(*v));
	free(v);
}

/* Reads, checks and hashes every line.  0 or -1 (all printed). */
static int
ctl_import_read(const struct ctl *c, int with_roles, struct ctl_import **out,
    size_t *nout)
{
	struct ctl_lines	*ln;
	struct ctl_secret	 line;
	struct ctl_import	*v = NULL, *nv;
	size_t			 n = 0, cap = 0, i;
	int			 lineno = 0, bad = 0, r;

	ctl_secret_init(&line);
	if ((ln = calloc(1, sizeof(*ln))) == NULL) {
		ctl_nomem();
		return -1;
	}
	ln->ln_locked = sodium_mlock(ln, sizeof(*ln)) == 0;
	while ((r = ctl_lines_next(ln, &line, CTL_IMPORT_LINE_MAX)) == 0) {
		lineno++;
		if (line.sc_len == 0 || line.sc_buf[0] == '#')
			continue;
		if (line.sc_len > CTL_IMPORT_LINE_MAX) {
			ctl_warnx("stdin:%d: line too long", lineno);
			bad = 1;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				ctl_nomem();
				bad = 1;
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (ctl_import_line(c, &line, lineno, with_roles, !bad,
		    &v[n]) == -1) {
			free(v[n].im_roles);
			bad = 1;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(v[i].im_name, v[n].im_name) == 0)
				break;
		if (i < n) {
			ctl_warnx("stdin:%d: user %s again (first on line %d)",
			    lineno, v[n].im_name, v[i].im_line);
			free(v[n].im_roles);
			bad = 1;
			continue;
		}
		n++;
	}
	if (r == -1) {
		ctl_warnx("standard input: %s", strerror(errno));
		bad = 1;
	}
	ctl_secret_wipe(&line);
	sodium_memzero(ln, sizeof(*ln));
	if (ln->ln_locked)
		(void)sodium_munlock(ln, sizeof(*ln));
	free(ln);
	if (bad) {
		ctl_import_free(v, n);
		ctl_warnx("nothing imported");
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

static int
ctl_user_import(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "with-roles", 0, CTL_O_WITH_ROLES }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_import	*v = NULL, *im;
	struct usersfile	*uf = NULL;
	const char		*arg;
	size_t			 n = 0, i;
	int			 id, with_roles = 0, rc = CTL_NO, r;

	ctl_args_init(&a, argc, argv, "user import");
	while ((id = ctl_next(&a, opts, &arg)) != CTL_ARG_END) {
		if (id == CTL_O_WITH_ROLES)
			with_roles = 1;
		else
			ctl_usage_error("user import: no arguments (the users "
			    "come on standard input)");
	}
	if (isatty(STDIN_FILENO))
		ctl_usage_error("user import: standard input is a terminal; "
		    "the passwords would show: give the lines through a "
		    "file or a pipe");
	if (ctl_setup(c, 0) == -1 ||
	    ctl_import_read(c, with_roles, &v, &n) == -1)
		goto done;
	if (n == 0) {
		rc = CTL_OK;
		goto done;
	}
	if ((uf = ctl_open(c, 1)) == NULL)
		goto done;
	for (i = 0; i < n; i++) {
		im = &v[i];
		r = 0;
		if (!usersfile_has(uf, "user", im->im_name))
			r = usersfile_add(uf, "user", im->im_name);
		if (r == -1 || ctl_set(c, uf, "user", im->im_name, "password",
		    im->im_hash) == -1) {
			ctl_warnx("stdin:%d: cannot write user %s",
			    im->im_line, im->im_name);
			goto done;
		}
		if (im->im_roles == NULL)
			continue;
		if (im->im_roles[0] == '\0')
			r = usersfile_unset(uf, "user", im->im_name, "roles");
		else
			r = ctl_set(c, uf, "user", im->im_name, "roles",
			    im->im_roles);
		if (r == -1) {
			ctl_warnx("stdin:%d: cannot write the roles of %s",
			    im->im_line, im->im_name);
			goto done;
		}
	}
	if (ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	ctl_import_free(v, n);
	return rc;
}

/* ---- user show / list --------------------------------------------- */

static void
ctl_print_list(char *const *v, size_t n, const char *none)
{
	size_t i;

	if (n == 0)
		fputs(none, stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", i > 0 ? "," : "", v[i]);
}

static int
ctl_user_show(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "json", 0, CTL_O_JSON }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_view		 vw;
	struct pwcheck_cost	 pc;
	const struct user	*us;
	const char		*name = NULL, *v;
	char			 date[16];
	size_t			 i, n;
	int			 id, json = 0, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "user show");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_JSON)
			json = 1;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("user show: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("user show: NAME missing");
	ctl_check_name("user", name);
	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		return CTL_NO;
	if ((us = users_find(vw.vw_users, name, strlen(name))) == NULL) {
		ctl_warnx("no user %s in %s", name, ctl_view_path(c, &vw));
		goto done;
	}
	if (json) {
		ctl_json_user(us);
		fputs(",\"tokens\":[", stdout);
	} else {
		printf("name: %s\nroles: ", us->us_name);
		ctl_print_list(us->us_roles, us->us_nroles, "-");
		printf("\nexpires: %s\ndisabled: %s\nstate: %s\n",
		    ctl_date(us->us_expires, date, sizeof(date)),
		    us->us_disabled ? "yes" : "no",
		    ctl_user_state(us, time(NULL)));
		if (pwcheck_parse_cost(us->us_hash, &pc) == 0)
			printf("hash: %s memory=%llu ops=%llu parallel=%u\n",
			    pc.pc_alg, pc.pc_memory, pc.pc_ops,
			    pc.pc_parallel);
		fputs("tokens: ", stdout);
	}
	for (i = 0, n = 0; i < users_token_count(vw.vw_users); i++) {
		const struct token *tk = users_token_at(vw.vw_users, i);

		if (tk->tk_user != us)
			continue;
		if (n++ > 0)
			putchar(',');
		if (json)
			ctl_json_string(tk->tk_name);
		else
			fputs(tk->tk_name, stdout);
	}
	if (json)
		fputs("]}\n", stdout);
	else
		printf("%s\n", n == 0 ? "-" : "");
	rc = CTL_OK;
done:
	ctl_view_free(&vw);
	return rc;
}

static int
ctl_user_list(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "json", 0, CTL_O_JSON }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_view		 vw;
	const struct user	*us;
	const char		*v;
	char			 date[16];
	time_t			 now = time(NULL);
	size_t			 i;
	int			 id, json = 0;

	ctl_args_init(&a, argc, argv, "user list");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_JSON)
			json = 1;
		else
			ctl_usage_error("user list: no arguments");
	}
	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		return CTL_NO;
	if (json)
		putchar('[');
	for (i = 0; i < users_count(vw.vw_users); i++) {
		us = users_at(vw.vw_users, i);
		if (json) {
			if (i > 0)
				putchar(',');
			ctl_json_user(us);
			putchar('}');
			continue;
		}
		printf("%s ", us->us_name);
		ctl_print_list(us->us_roles, us->us_nroles, "-");
		printf(" %s %s\n", ctl_date(us->us_expires, date,
		    sizeof(date)), ctl_user_state(us, now));
	}
	if (json)
		fputs("]\n", stdout);
	ctl_view_free(&vw);
	return CTL_OK;
}

/* ---- tokens ------------------------------------------------------- */

/*
 * Makes a token: CTL_TOKEN_PREFIX and 32 random bytes in URL-safe
 * base64, and its stored form "blake2b:<hex BLAKE2b-256 of the token>",
 * as authz.c digests a Bearer token.
 */
static void
ctl_token_make(char *token, size_t tokensz, char *stored, size_t storedsz)
{
	unsigned char	raw[CTL_TOKEN_BYTES], digest[AUTHZ_TOKEN_DIGEST_LEN];
	size_t		plen = strlen(CTL_TOKEN_PREFIX);

	randombytes_buf(raw, sizeof(raw));
	memcpy(token, CTL_TOKEN_PREFIX, plen);
	sodium_bin2base64(token + plen, tokensz - plen, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	crypto_generichash(digest, sizeof(digest), (unsigned char *)token,
	    strlen(token), NULL, 0);
	memcpy(stored, "blake2b:", 8);
	sodium_bin2hex(stored + 8, storedsz - 8, digest, sizeof(digest));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(digest, sizeof(digest));
}

/* Warns about roles a token lists that its user lacks (tokens act with
 * the roles both have), and about a user who cannot log in now. */
static void
ctl_token_warn(struct usersfile *uf, const char *user,
    const struct ctl_names *roles)
{
	struct ctl_names	 have = { NULL, 0 };
	const char		*v;
	time_t			 t;
	size_t			 i;

	v = usersfile_get(uf, "user", user, "roles");
	if (v != NULL && *v != '\0' &&
	    conf_split_list(v, &have.nm_v, &have.nm_n) == -1)
		return;
	for (i = 0; i < roles->nm_n; i++)
		if (!ctl_names_has(&have, roles->nm_v[i]))
			ctl_warnx("warning: user %s does not hold role %s: the "
			    "token gets it only once the user does", user,
			    roles->nm_v[i]);
	ctl_names_free(&have);
	v = usersfile_get(uf, "user", user, "disabled");
	if (v != NULL && (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0))
		ctl_warnx("warning: user %s is disabled: the token is refused "
		    "until the user is enabled", user);
	v = usersfile_get(uf, "user", user, "expires");
	if (v != NULL && conf_parse_date(v, &t) == 0 &&
	    users_is_expired(t, time(NULL)))
		ctl_warnx("warning: user %s has expired: the token is refused",
		    user);
}

static int
ctl_token_add(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "user", 1, CTL_O_USER }, { "role", 1, CTL_O_ROLE },
		{ "expires", 1, CTL_O_EXPIRES }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_names	 roles = { NULL, 0 };
	struct usersfile	*uf = NULL;
	const char		*name = NULL, *user = NULL, *expires = NULL;
	const char		*v;
	char			 token[sizeof(CTL_TOKEN_PREFIX) +
				     CTL_TOKEN_B64LEN];
	char			 stored[8 + 2 * AUTHZ_TOKEN_DIGEST_LEN + 1];
	char			*joined = NULL;
	int			 id, rc = CTL_NO, locked;

	ctl_args_init(&a, argc, argv, "token add");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_USER)
			user = v;
		else if (id == CTL_O_ROLE)
			ctl_add_role(&roles, v);
		else if (id == CTL_O_EXPIRES)
			expires = v;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("token add: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("token add: NAME missing");
	if (user == NULL)
		ctl_usage_error("token add: --user USER missing");
	ctl_check_name("token", name);
	ctl_check_name("user", user);
	if (expires != NULL) {
		ctl_check_date("--expires", expires, 1);
		if (strcmp(expires, "never") == 0)
			expires = NULL;
	}

	locked = sodium_mlock(token, sizeof(token)) == 0;
	memset(token, 0, sizeof(token));
	if ((joined = ctl_names_join(&roles, ", ")) == NULL) {
		ctl_nomem();
		goto done;
	}
	if (ctl_setup(c, 0) == -1 || (uf = ctl_open(c, 1)) == NULL)
		goto done;
	if (usersfile_has(uf, "token", name)) {
		ctl_warnx("token %s already exists (\"token revoke\" it "
		    "first)", name);
		goto done;
	}
	if (!usersfile_has(uf, "user", user)) {
		ctl_warnx("no user %s in %s", user, c->c_users_path);
		goto done;
	}
	ctl_token_warn(uf, user, &roles);
	ctl_token_make(token, sizeof(token), stored, sizeof(stored));
	if (usersfile_add(uf, "token", name) == -1) {
		ctl_warnx("%s: cannot add [token:%s]", c->c_users_path, name);
		goto done;
	}
	if (ctl_set(c, uf, "token", name, "user", user) == -1 ||
	    (roles.nm_n > 0 &&
	    ctl_set(c, uf, "token", name, "roles", joined) == -1) ||
	    ctl_set(c, uf, "token", name, "hash", stored) == -1 ||
	    (expires != NULL &&
	    ctl_set(c, uf, "token", name, "expires", expires) == -1))
		goto done;
	if (ctl_commit(c, uf) == -1)
		goto done;
	/* Printed once, after it is in place; never stored. */
	printf("%s\n", token);
	fflush(stdout);
	rc = CTL_OK;
done:
	usersfile_close(uf);
	sodium_memzero(token, sizeof(token));
	if (locked)
		(void)sodium_munlock(token, sizeof(token));
	free(joined);
	ctl_names_free(&roles);
	return rc;
}

static int
ctl_token_revoke(struct ctl *c, int argc, char **argv)
{
	struct usersfile	*uf = NULL;
	const char		*name = NULL;
	int			 rc = CTL_NO;

	ctl_plain_args(argc, argv, "token revoke", 1, &name, NULL);
	ctl_check_name("token", name);
	if (ctl_setup(c, 0) == -1 ||
	    (uf = ctl_open_existing(c, "token", name)) == NULL)
		goto done;
	if (usersfile_del(uf, "token", name) == -1) {
		ctl_warnx("cannot delete [token:%s]", name);
		goto done;
	}
	if (ctl_commit(c, uf) == 0)
		rc = CTL_OK;
done:
	usersfile_close(uf);
	return rc;
}

/* The token's roles as written: none when it has no roles key. */
static int
ctl_token_roles(const struct token *tk, struct ctl_names *nm)
{
	nm->nm_v = NULL;
	nm->nm_n = 0;
	if (tk->tk_declared_roles == NULL || tk->tk_declared_roles[0] == '\0')
		return 0;
	return conf_split_list(tk->tk_declared_roles, &nm->nm_v, &nm->nm_n);
}

static int
ctl_token_list(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "json", 0, CTL_O_JSON }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_view		 vw;
	struct ctl_names	 roles;
	const struct token	*tk;
	const char		*v;
	char			 date[16];
	time_t			 now = time(NULL);
	size_t			 i;
	int			 id, json = 0, rc = CTL_OK;

	ctl_args_init(&a, argc, argv, "token list");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_JSON)
			json = 1;
		else
			ctl_usage_error("token list: no arguments");
	}
	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		return CTL_NO;
	if (json)
		putchar('[');
	for (i = 0; i < users_token_count(vw.vw_users); i++) {
		tk = users_token_at(vw.vw_users, i);
		if (ctl_token_roles(tk, &roles) == -1) {
			ctl_nomem();
			rc = CTL_NO;
			break;
		}
		ctl_date(tk->tk_expires, date, sizeof(date));
		if (json) {
			if (i > 0)
				putchar(',');
			fputs("{\"name\":", stdout);
			ctl_json_string(tk->tk_name);
			fputs(",\"user\":", stdout);
			ctl_json_string(tk->tk_user_name);
			fputs(",\"roles\":", stdout);
			if (tk->tk_declared_roles == NULL)
				fputs("null", stdout);
			else
				ctl_json_list(roles.nm_v, roles.nm_n);
			fputs(",\"expires\":", stdout);
			if (tk->tk_expires == 0)
				fputs("null", stdout);
			else
				ctl_json_string(date);
			putchar('}');
		} else {
			printf("%s %s ", tk->tk_name, tk->tk_user_name);
			if (tk->tk_declared_roles == NULL)
				putchar('*');
			else
				ctl_print_list(roles.nm_v, roles.nm_n, "-");
			printf(" %s %s\n", date, ctl_token_state(tk, now));
		}
		ctl_names_free(&roles);
	}
	if (json)
		fputs("]\n", stdout);
	ctl_view_free(&vw);
	return rc;
}

/* ---- hash / verify ------------------------------------------------ */

static int
ctl_cmd_hash(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "password-stdin", 0, CTL_O_PWSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_secret	 pw;
	const char		*v;
	char			 hash[crypto_pwhash_STRBYTES];
	int			 id, from_stdin = 0, rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "hash");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_PWSTDIN)
			from_stdin = 1;
		else
			ctl_usage_error("hash: no arguments (the password is "
			    "never taken from the command line)");
	}
	ctl_need_password_source("hash", from_stdin);
	ctl_secret_init(&pw);
	if (ctl_setup(c, 1) == -1 ||
	    ctl_get_password(from_stdin, 1, "Password: ", &pw) == -1 ||
	    ctl_hash(c, &pw, hash) == -1)
		goto done;
	printf("%s\n", hash);
	rc = CTL_OK;
done:
	ctl_secret_wipe(&pw);
	return rc;
}

static int
ctl_cmd_verify(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt opts[] = {
		{ "password-stdin", 0, CTL_O_PWSTDIN }, { NULL, 0, 0 }
	};
	struct ctl_args		 a;
	struct ctl_view		 vw;
	struct ctl_secret	 pw;
	const struct user	*us;
	const char		*name = NULL, *v;
	char			 prompt[96];
	int			 id, from_stdin = 0, rc = CTL_NO, r;

	ctl_args_init(&a, argc, argv, "verify");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_PWSTDIN)
			from_stdin = 1;
		else if (name == NULL)
			name = v;
		else
			ctl_usage_error("verify: one NAME only");
	}
	if (name == NULL)
		ctl_usage_error("verify: NAME missing");
	ctl_check_name("user", name);
	ctl_need_password_source("verify", from_stdin);
	ctl_secret_init(&pw);
	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		goto out;
	if ((us = users_find(vw.vw_users, name, strlen(name))) == NULL) {
		ctl_warnx("no user %s in %s", name, ctl_view_path(c, &vw));
		goto done;
	}
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	if (ctl_get_password(from_stdin, 0, prompt, &pw) == -1)
		goto done;
	/* crypto_pwhash_str_verify() knows only $argon2i$ and $argon2id$. */
	if (strncmp(us->us_hash, "$7$", 3) == 0)
		r = crypto_pwhash_scryptsalsa208sha256_str_verify(us->us_hash,
		    pw.sc_buf, pw.sc_len);
	else
		r = crypto_pwhash_str_verify(us->us_hash, pw.sc_buf,
		    pw.sc_len);
	if (r != 0) {
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
out:
	ctl_secret_wipe(&pw);
	return rc;
}

/* ---- check / audit ------------------------------------------------ */

/* The same output as "fcgi-authzd -t". */
static int
ctl_cmd_check(struct ctl *c, int argc, char **argv)
{
	struct errlist			 errs, warns;
	struct users_hash_limits	 lim;
	struct conf			*cf;
	struct users			*u;
	const char			*v;
	struct ctl_args			 a;
	static const struct ctl_opt	 none[] = { { NULL, 0, 0 } };
	int				 rc = CTL_NO;

	ctl_args_init(&a, argc, argv, "check");
	if (ctl_next(&a, none, &v) != CTL_ARG_END)
		ctl_usage_error("check: no arguments");
	errlist_init(&errs);
	errlist_init(&warns);
	if (c->c_conf_path != NULL) {
		cf = conf_load_warn(c->c_conf_path, CONF_LOAD_NO_PWCHECK,
		    &errs, &warns);
		errlist_print(&errs, stderr);
		errlist_print(&warns, stderr);
		if (cf == NULL) {
			ctl_warnx("%s: configuration not valid",
			    c->c_conf_path);
			goto done;
		}
		printf("%s: configuration OK (%zu rules, %zu users, %zu "
		    "tokens)\n", c->c_conf_path, cf->cf_nrules,
		    users_count(cf->cf_users), users_token_count(cf->cf_users));
		conf_free(cf);
	} else {
		ctl_setup(c, 0);
		ctl_limits(c, &lim);
		u = users_load(c->c_users_path, &lim, &errs);
		errlist_print(&errs, stderr);
		if (u == NULL) {
			ctl_warnx("%s: users file not valid", c->c_users_path);
			goto done;
		}
		printf("%s: users file OK (%zu users, %zu tokens)\n",
		    c->c_users_path, users_count(u), users_token_count(u));
		users_free(u);
	}
	rc = CTL_OK;
done:
	errlist_free(&errs);
	errlist_free(&warns);
	return rc;
}

/*
 * Weaker than the policy: another algorithm than argon2id, or a memory
 * or ops cost below it.  crypto_pwhash_str_needs_rehash() also says 1
 * for a stronger hash, and 0 for argon2i with the same costs.
 */
static int
ctl_hash_is_weak(const struct ctl *c, const char *hash,
    struct pwcheck_cost *pc)
{
	int r;

	if (pwcheck_parse_cost(hash, pc) == -1) {
		pc->pc_alg = "unknown";
		return 1;
	}
	if (strcmp(pc->pc_alg, "argon2id") != 0)
		return 1;
	r = crypto_pwhash_str_needs_rehash(hash, c->c_opslimit,
	    c->c_memlimit);
	if (r == 0)
		return 0;
	if (r != 1)
		return 1;
	return pc->pc_ops < c->c_opslimit ||
	    pc->pc_memory < (c->c_memlimit / 1024) * 1024;
}

static int
ctl_cmd_audit(struct ctl *c, int argc, char **argv)
{
	static const struct ctl_opt	 none[] = { { NULL, 0, 0 } };
	struct ctl_args			 a;
	struct ctl_view			 vw;
	struct pwcheck_cost		 pc;
	const struct user		*us;
	const struct token		*tk;
	const char			*v, *st;
	char				 date[16];
	time_t				 now = time(NULL);
	size_t				 i, found = 0;

	ctl_args_init(&a, argc, argv, "audit");
	if (ctl_next(&a, none, &v) != CTL_ARG_END)
		ctl_usage_error("audit: no arguments");
	if (ctl_setup(c, 0) == -1 ||
	    ctl_view_load(c, &vw, CONF_LOAD_NO_PWCHECK) == -1)
		return CTL_NO;
	for (i = 0; i < users_count(vw.vw_users); i++) {
		us = users_at(vw.vw_users, i);
		if (ctl_hash_is_weak(c, us->us_hash, &pc)) {
			printf("weak-hash %s %s memory=%llu ops=%llu\n",
			    us->us_name, pc.pc_alg, pc.pc_memory, pc.pc_ops);
			found++;
		}
		if (users_is_expired(us->us_expires, now)) {
			printf("expired %s %s\n", us->us_name,
			    ctl_date(us->us_expires, date, sizeof(date)));
			found++;
		}
		if (us->us_disabled) {
			printf("disabled %s\n", us->us_name);
			found++;
		}
	}
	for (i = 0; i < users_token_count(vw.vw_users); i++) {
		tk = users_token_at(vw.vw_users, i);
		st = ctl_token_state(tk, now);
		if (strcmp(st, "active") == 0)
			continue;
		found++;
		if (strcmp(st, "expired") == 0)
			printf("expired-token %s %s\n", tk->tk_name,
			    ctl_date(tk->tk_expires, date, sizeof(date)));
		else
			printf("token-%s %s %s\n", st, tk->tk_name,
			    tk->tk_user_name);
	}
	ctl_view_free(&vw);
	return found > 0 ? CTL_NO : CTL_OK;
}

/* ---- explain ------------------------------------------------------ */

static const struct rule *
ctl_rule_named(const struct conf *cf, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < cf->cf_nrules; i++)
		if (cf->cf_rules[i].ru_name == name)
			return &cf->cf_rules[i];
	return NULL;
}

/* What a restricted rule asks for: "roles admin, editor or users root". */
static void
ctl_rule_wants(const struct rule *ru, char *buf, size_t bufsz)
{
	size_t	i, o = 0;

	buf[0] = '\0';
	if (ru->ru_nroles > 0) {
		o += (size_t)snprintf(buf + o, bufsz - o, "role%s ",
		    ru->ru_nroles > 1 ? "s" : "");
		for (i = 0; i < ru->ru_nroles && o < bufsz; i++)
			o += (size_t)snprintf(buf + o, bufsz - o, "%s%s",
			    i > 0 ? ", " : "", ru->ru_roles[i]);
	}
	if (ru->ru_nusers > 0 && o < bufsz) {
		o += (size_t)snprintf(buf + o, bufsz - o, "%suser%s ",
		    o > 0 ? " or " : "", ru->ru_nusers > 1 ? "s" : "");
		for (i = 0; i < ru->ru_nusers && o < bufsz; i++)
			o += (size_t)snprintf(buf + o, bufsz - o, "%s%s",
			    i > 0 ? ", " : "", ru->ru_users[i]);
	}
	if (o == 0)
		snprintf(buf, bufsz, "nobody");
}

/* One line, in words, for the verdict's reason. */
static void
ctl_explain_why(const struct conf *cf, const struct authz_verdict *v,
    const char *u, int token, char *buf, size_t bufsz)
{
	const struct rule	*ru = ctl_rule_named(cf, v->av_rule);
	char			 rn[128], wants[512];

	if (ru != NULL)
		snprintf(rn, sizeof(rn), "rule \"%s\"", ru->ru_name);
	else
		snprintf(rn, sizeof(rn), "the default (no rule matched; "
		    "default = %s)", cf->cf_default == CONF_DEFAULT_DENY ?
		    "deny" : "authenticate");
	switch (v->av_reason) {
	case AUTHZ_R_OK:
		if (ru == NULL || ru->ru_access == RULE_AUTHENTICATED)
			snprintf(buf, bufsz, "%s lets any authenticated user "
			    "in, and %s is one", rn, u);
		else {
			ctl_rule_wants(ru, wants, sizeof(wants));
			snprintf(buf, bufsz, "%s asks for %s, and %s has it",
			    rn, wants, u);
		}
		break;
	case AUTHZ_R_PUBLIC:
		snprintf(buf, bufsz, "%s is public: no credentials needed",
		    rn);
		break;
	case AUTHZ_R_NO_CREDENTIALS:
		snprintf(buf, bufsz, "%s needs a login, and the request "
		    "carries no credentials", rn);
		break;
	case AUTHZ_R_MALFORMED:
		snprintf(buf, bufsz, "the credentials are malformed (not "
		    "well-formed Basic or Bearer, or control characters or "
		    "invalid UTF-8)");
		break;
	case AUTHZ_R_UNKNOWN_USER:
		snprintf(buf, bufsz, "there is no user \"%s\" in the users "
		    "file", u);
		break;
	case AUTHZ_R_BAD_PASSWORD:
		snprintf(buf, bufsz, "the password of \"%s\" is wrong", u);
		break;
	case AUTHZ_R_DISABLED:
		snprintf(buf, bufsz, "the account \"%s\" is disabled", u);
		break;
	case AUTHZ_R_EXPIRED:
		snprintf(buf, bufsz, token ? "the token, or the account "
		    "\"%s\" it acts for, has expired" :
		    "the account \"%s\" has expired", u);
		break;
	case AUTHZ_R_BAD_TOKEN:
		snprintf(buf, bufsz, "no token matches: unknown or revoked");
		break;
	case AUTHZ_R_ROLE:
		if (ru != NULL) {
			ctl_rule_wants(ru, wants, sizeof(wants));
			snprintf(buf, bufsz, "%s asks for %s, and %s%s has "
			    "none of them", rn, wants, u,
			    token ? " (through this token)" : "");
		} else
			snprintf(buf, bufsz, "%s refuses %s", rn, u);
		break;
	case AUTHZ_R_NETWORK:
		snprintf(buf, bufsz, "%s is not in the networks of %s",
		    v->av_addr[0] != '\0' ? v->av_addr : "the address", rn);
		break;
	case AUTHZ_R_DENY_RULE:
		if (ru != NULL)
			snprintf(buf, bufsz, "%s denies access", rn);
		else
			snprintf(buf, bufsz, "no rule matched, and default = "
			    "deny");
		break;
	case AUTHZ_R_THROTTLED:
		snprintf(buf, bufsz, "too many failed attempts from this "
		    "address or for this user");
		break;
	case AUTHZ_R_BAD_PATH:
		snprintf(buf, bufsz, "the path or method cannot be used (a "
		    "bad %%-escape, an encoded / or NUL, .. above the root, "
		    "or too long)");
		break;
	case AUTHZ_R_INTERNAL:
	default:
		snprintf(buf, bufsz, "internal failure: %s",
		    v->av_detail != NULL ? v->av_detail : "unknown");
		break;
	}
}

static void
ctl_explain_print(const struct conf *cf, const struct authz_facts *f,
    const struct authz_verdict *v, const char *roles, int token)
{
	char why[4096], q[AUTHZ_URI_MAX * 4 + 8];
	char user[AUTHZ_CRED_USER_MAX * 4 + 8];

	/* Names the daemon accepts print as they are; others escaped. */
	if (v->av_user[0] == '\0')
		snprintf(user, sizeof(user), "-");
	else if (users_name_is_valid(v->av_user, strlen(v->av_user)))
		snprintf(user, sizeof(user), "%s", v->av_user);
	else
		ctl_quote(v->av_user, user, sizeof(user));
	ctl_explain_why(cf, v, user, token, why, sizeof(why));
	printf("decision: %s\n", v->av_status == 200 ? "allow" : "deny");
	printf("status: %d\n", v->av_status);
	printf("reason: %s\n", authz_reason_name(v->av_reason));
	printf("rule: %s\n", v->av_rule != NULL ? v->av_rule : "-");
	printf("method: %s\n", ctl_quote(f->af_method, q, sizeof(q)));
	printf("path: %s\n", v->av_path[0] != '\0' ?
	    ctl_quote(v->av_path, q, sizeof(q)) : "-");
	printf("from: %s\n", v->av_addr[0] != '\0' ? v->av_addr : "-");
	printf("user: %s\n", user);
	printf("roles: %s\n", roles != NULL && roles[0] != '\0' ? roles : "-");
	printf("why: %s\n", why);
}

/* What "explain" was asked. */
struct ctl_explain {
	const char	*ce_user;
	const char	*ce_from;
	const char	*ce_method;
	const char	*ce_path;
	int		 ce_pw_stdin;
	int		 ce_tok_stdin;
};

static void
ctl_explain_args(int argc, char **argv, struct ctl_explain *ce)
{
	static const struct ctl_opt opts[] = {
		{ "user", 1, CTL_O_USER },
		{ "password-stdin", 0, CTL_O_PWSTDIN },
		{ "token-stdin", 0, CTL_O_TOKEN_STDIN },
		{ "from", 1, CTL_O_FROM },
		{ NULL, 0, 0 }
	};
	struct ctl_args	 a;
	struct netaddr	 na;
	const char	*v;
	char		 q[64];
	int		 id;

	memset(ce, 0, sizeof(*ce));
	ce->ce_from = "127.0.0.1";
	ctl_args_init(&a, argc, argv, "explain");
	while ((id = ctl_next(&a, opts, &v)) != CTL_ARG_END) {
		if (id == CTL_O_USER)
			ce->ce_user = v;
		else if (id == CTL_O_PWSTDIN)
			ce->ce_pw_stdin = 1;
		else if (id == CTL_O_TOKEN_STDIN)
			ce->ce_tok_stdin = 1;
		else if (id == CTL_O_FROM)
			ce->ce_from = v;
		else if (ce->ce_method == NULL)
			ce->ce_method = v;
		else if (ce->ce_path == NULL)
			ce->ce_path = v;
		else
			ctl_usage_error("explain: too many arguments");
	}
	if (ce->ce_method == NULL || ce->ce_path == NULL)
		ctl_usage_error("explain: METHOD and PATH needed");
	if (ce->ce_user != NULL && ce->ce_tok_stdin)
		ctl_usage_error("explain: --user and --token-stdin exclude "
		    "each other");
	if (ce->ce_pw_stdin && ce->ce_user == NULL)
		ctl_usage_error("explain: --password-stdin needs --user");
	if (ce->ce_user != NULL && (ce->ce_user[0] == '\0' ||
	    strlen(ce->ce_user) > AUTHZ_CRED_USER_MAX))
		ctl_usage_error("explain: --user: 1 to %d bytes",
		    AUTHZ_CRED_USER_MAX);
	if (netaddr_parse(ce->ce_from, &na) == -1)
		ctl_usage_error("explain: --from: \"%s\" is not an IPv4 or "
		    "IPv6 address", ctl_quote(ce->ce_from, q, sizeof(q)));
}

/*
 * The credentials of the request, as a web server would pass them:
 * REMOTE_USER and REMOTE_PASSWD (Apache), REMOTE_USER alone (Apache's
 * AUTHORIZER phase: already authenticated), or "Bearer <token>".  The
 * secrets are read into sec and bearer.  0 or -1 (printed).
 */
static int
ctl_explain_credentials(const struct ctl_explain *ce, struct authz_facts *f,
    struct ctl_secret *sec, struct ctl_secret *bearer)
{
	const char *errstr = NULL;

	if (ce->ce_pw_stdin) {
		if (ctl_get_password(1, 0, NULL, sec) == -1)
			return -1;
		f->af_remote_user = ce->ce_user;
		f->af_remote_passwd = sec->sc_buf;
	} else if (ce->ce_user != NULL) {
		f->af_phase = AUTHZ_PHASE_AUTHORIZER;
		f->af_remote_user = ce->ce_user;
	} else if (ce->ce_tok_stdin) {
		switch (ctl_read_line(STDIN_FILENO, sec, AUTHZ_TOKEN_MAX,
		    &errstr)) {
		case 0:
			break;
		case 1:
			ctl_warnx("no token on standard input");
			return -1;
		default:
			ctl_warnx("standard input: %s", errstr);
			return -1;
		}
		if (ctl_secret_check(sec, AUTHZ_TOKEN_MAX, "token") == -1)
			return -1;
		memcpy(bearer->sc_buf, "Bearer ", 7);
		memcpy(bearer->sc_buf + 7, sec->sc_buf, sec->sc_len + 1);
		f->af_authorization = bearer->sc_buf;
	}
	return 0;
}

/*
 * The roles to show: those the request was granted with; after a role
 * refusal, those the user or token holds (a lookup for the reader, not
 * part of the decision).
 */
static const char *
ctl_explain_roles(const struct users *u, const struct authz_verdict *v,
    const struct ctl_secret *token)
{
	const struct user	*us;
	const struct token	*tk;
	uint8_t			 digest[AUTHZ_TOKEN_DIGEST_LEN];

	if (v->av_status == 200 || v->av_reason != AUTHZ_R_ROLE)
		return v->av_roles;
	if (token != NULL) {
		crypto_generichash(digest, sizeof(digest),
		    (const unsigned char *)token->sc_buf, token->sc_len, NULL,
		    0);
		tk = users_find_token(u, digest);
		sodium_memzero(digest, sizeof(digest));
		return tk != NULL ? tk->tk_roles_joined : NULL;
	}
	us = users_find(u, v->av_user, strlen(v->av_user));
	return us != NULL ? us->us_roles_joined : NULL;
}

static int
ctl_cmd_explain(struct ctl *c, int argc, char **argv)
{
	struct ctl_explain	 ce;
	struct ctl_view		 vw;
	struct ctl_secret	 sec, bearer;
	struct authz_facts	 f;
	struct authz_verdict	 verdict;
	char			 q[AUTHZ_CRED_USER_MAX * 4 + 8];
	const char		*who;
	int			 rc = CTL_NO;

	ctl_explain_args(argc, argv, &ce);
	if (c->c_conf_path == NULL)
		ctl_usage_error("explain: needs the configuration (-c), not "
		    "-u: the rules are there");
	ctl_secret_init(&sec);
	ctl_secret_init(&bearer);
	memset(&f, 0, sizeof(f));
	memset(&verdict, 0, sizeof(verdict));
	if (ctl_view_load(c, &vw, 0) == -1)
		goto out;
	f.af_role = AUTHZ_ROLE_AUTHORIZER;
	f.af_phase = AUTHZ_PHASE_NONE;
	f.af_method = ce.ce_method;
	f.af_uri = ce.ce_path;
	f.af_remote_addr = ce.ce_from;
	f.af_now = time(NULL);
	if (ctl_explain_credentials(&ce, &f, &sec, &bearer) == -1)
		goto done;
	/* The daemon's decision, not a second implementation of it. */
	authz_decide(vw.vw_conf, &f, &verdict);
	ctl_explain_print(vw.vw_conf, &f, &verdict,
	    ctl_explain_roles(vw.vw_users, &verdict,
	    ce.ce_tok_stdin ? &sec : NULL), ce.ce_tok_stdin);
	if (ce.ce_user != NULL && !ce.ce_pw_stdin) {
		who = users_name_is_valid(ce.ce_user, strlen(ce.ce_user)) ?
		    ce.ce_user : ctl_quote(ce.ce_user, q, sizeof(q));
		printf("note: password not checked: this is what %s gets once "
		    "authenticated%s\n", who, users_find(vw.vw_users,
		    ce.ce_user, strlen(ce.ce_user)) == NULL ?
		    " (not in the users file: no roles)" : "");
	}
	rc = verdict.av_status == 200 ? CTL_OK : CTL_NO;
done:
	ctl_view_free(&vw);
out:
	sodium_memzero(&f, sizeof(f));
	sodium_memzero(&verdict, sizeof(verdict));
	ctl_secret_wipe(&sec);
	ctl_secret_wipe(&bearer);
	return rc;
}

/* ---- main --------------------------------------------------------- */

struct ctl_cmd {
	const char	*cc_group;	/* "user", "token" or NULL */
	const char	*cc_name;
	int		(*cc_run)(struct ctl *, int, char **);
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "user", "add", ctl_user_add },
	{ "user", "passwd", ctl_user_passwd },
	{ "user", "del", ctl_user_del },
	{ "user", "show", ctl_user_show },
	{ "user", "list", ctl_user_list },
	{ "user", "disable", ctl_user_disable },
	{ "user", "enable", ctl_user_enable },
	{ "user", "expire", ctl_user_expire },
	{ "user", "roles", ctl_user_roles },
	{ "user", "import", ctl_user_import },
	{ "token", "add", ctl_token_add },
	{ "token", "revoke", ctl_token_revoke },
	{ "token", "list", ctl_token_list },
	{ NULL, "hash", ctl_cmd_hash },
	{ NULL, "verify", ctl_cmd_verify },
	{ NULL, "check", ctl_cmd_check },
	{ NULL, "audit", ctl_cmd_audit },
	{ NULL, "explain", ctl_cmd_explain },
	{ NULL, NULL, NULL }
};

/* fds 0-2 must exist, so that no file we open lands on them. */
static void
ctl_sanitize_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(int argc, char *argv[])
{
	struct ctl		 c;
	const struct ctl_cmd	*cmd;
	const char		*group = NULL;
	char			 q[64], cmdname[32];
	int			 ch, rc;

	ctl_sanitize_fds();
	memset(&c, 0, sizeof(c));
	c.c_conf_path = AUTHZ_CONF_FILE;
	/* "+": stop at the command; its options are its own. */
	while ((ch = getopt(argc, argv, "+c:hu:")) != -1) {
		switch (ch) {
		case 'c':
			if (c.c_users_path != NULL || c.c_conf_given)
				ctl_usage_error("give one -c or one -u");
			c.c_conf_path = optarg;
			c.c_conf_given = 1;
			break;
		case 'u':
			if (c.c_users_path != NULL || c.c_conf_given)
				ctl_usage_error("give one -c or one -u");
			c.c_users_path = optarg;
			c.c_conf_path = NULL;
			break;
		case 'h':
			ctl_usage(stdout, CTL_OK);
		default:
			ctl_usage(stderr, CTL_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		ctl_usage_error("no command");
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0)
		ctl_usage(stdout, CTL_OK);
	if (strcmp(argv[0], "user") == 0 || strcmp(argv[0], "token") == 0) {
		group = argv[0];
		if (argc < 2)
			ctl_usage_error("%s: subcommand missing", group);
		argc--;
		argv++;
	}
	for (cmd = ctl_cmds; cmd->cc_name != NULL; cmd++)
		if (((group == NULL && cmd->cc_group == NULL) ||
		    (group != NULL && cmd->cc_group != NULL &&
		    strcmp(group, cmd->cc_group) == 0)) &&
		    strcmp(argv[0], cmd->cc_name) == 0)
			break;
	if (cmd->cc_name == NULL)
		ctl_usage_error("unknown command %s%s%s", group != NULL ?
		    group : "", group != NULL ? " " : "",
		    ctl_quote(argv[0], q, sizeof(q)));
	if (group != NULL) {
		snprintf(cmdname, sizeof(cmdname), "%s %s", group,
		    cmd->cc_name);
		ctl_cur_cmd = cmdname;
	} else
		ctl_cur_cmd = cmd->cc_name;
	if (sodium_init() < 0) {
		ctl_warnx("sodium_init failed");
		return CTL_NO;
	}
	rc = cmd->cc_run(&c, argc - 1, argv + 1);
	free(c.c_users_alloc);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_warnx("standard output: %s", strerror(errno));
		rc = CTL_NO;
	}
	return rc;
}
