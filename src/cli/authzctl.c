/*
 * fcgi-authz: the management CLI (fcgi-authz(1)).  Reads the
 * users file with the daemon's own loader, writes it only through
 * usersfile.c (locked, line-preserving, atomic, validated before the
 * rename), and explains decisions with the daemon's own authz_decide().
 *
 * Passwords and hashes never come from argv: one line of standard input
 * with --password-stdin (--hash-stdin), else asked on the terminal with
 * echo off.  Every
 * buffer that held a password or a token is wiped on every path.
 *
 * Exit codes (s6 style, also in usage() and fcgi-authz(1)):
 *	0	success; "yes" (verify: right password, explain: allowed,
 *		audit: nothing found)
 *	1	"no", refused or failed (wrong password, denied, findings,
 *		unknown or existing user, invalid or unwritable file)
 *	2	usage error (bad command, option, name, date or address; no
 *		--password-stdin while standard input is not a terminal; a
 *		terminal for --hash-stdin or import lines)
 *
 * This file holds main(), the global options and the command table; the
 * commands and what they share live in ctl_*.c (map in ctl.h).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "ctl.h"
#include "defaults.h"
#include "errlist.h"
#include "proc.h"
#include "users.h"

/* ---- commands and usage ------------------------------------------- */

/* The commands, one line of the synopsis each, in fcgi-authz(1)'s order. */
struct ctl_cmd {
	const char	*cc_group;	/* "user", "token" or NULL */
	const char	*cc_name;
	const char	*cc_args;	/* the synopsis after the name */
	int		(*cc_run)(struct ctl *, int, char **);
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "user", "add", "NAME [--role ROLE]... [--expires DATE] "
	    "[--password-stdin | --hash-stdin]", ctl_user_add },
	{ "user", "passwd", "NAME [--password-stdin | --hash-stdin]",
	    ctl_user_passwd },
	{ "user", "del", "NAME", ctl_user_del },
	{ "user", "show", "NAME [--json]", ctl_user_show },
	{ "user", "list", "[--json]", ctl_user_list },
	{ "user", "disable", "NAME", ctl_user_disable },
	{ "user", "enable", "NAME", ctl_user_enable },
	{ "user", "expire", "NAME DATE|never", ctl_user_expire },
	{ "user", "roles", "NAME [--add ROLE]... [--remove ROLE]...",
	    ctl_user_roles },
	{ "user", "import", "[--with-roles | --htpasswd FILE "
	    "[--htgroup FILE]]", ctl_import_users },
	{ "token", "add", "NAME --user USER [--role ROLE]... "
	    "[--expires DATE]", ctl_token_add },
	{ "token", "revoke", "NAME", ctl_token_revoke },
	{ "token", "list", "[--json]", ctl_token_list },
	{ NULL, "hash", "[--password-stdin]", ctl_hash_print },
	{ NULL, "verify", "NAME [--password-stdin]", ctl_hash_verify },
	{ NULL, "check", "", ctl_check_files },
	{ NULL, "audit", "", ctl_check_audit },
	{ NULL, "explain", "[--user NAME [--password-stdin] | --token-stdin] "
	    "[--from IP] METHOD PATH", ctl_explain_request },
	{ NULL, NULL, NULL, NULL }
};

/* The command being run, once main() found it. */
static const struct ctl_cmd *ctl_cur_cmd;

/* "user add NAME ...": a command's line of the synopsis. */
static void
ctl_print_synopsis(FILE *fp, const struct ctl_cmd *cmd)
{
	fprintf(fp, "%s%s%s%s%s\n", cmd->cc_group != NULL ? cmd->cc_group : "",
	    cmd->cc_group != NULL ? " " : "", cmd->cc_name,
	    cmd->cc_args[0] != '\0' ? " " : "", cmd->cc_args);
}

static void __attribute__((noreturn))
ctl_usage(FILE *fp, int code)
{
	const struct ctl_cmd *cmd;

	fprintf(fp, "usage: fcgi-authz [-c config | -u users-file] command "
	    "[argument ...]\n");
	for (cmd = ctl_cmds; cmd->cc_name != NULL; cmd++) {
		fputs("  ", fp);
		ctl_print_synopsis(fp, cmd);
	}
	fprintf(fp, "options:\n"
	    "  -c FILE  the configuration (default %s);\n"
	    "           the users file and the hashing policy come from it\n"
	    "  -u FILE  this users file, with the default hashing policy\n"
	    "  -h, --help, --version\n"
	    "DATE is YYYY-MM-DD (valid through that day, UTC).\n"
	    "exit: 0 success or yes, 1 no or failed, 2 usage error\n",
	    AUTHZ_CONF_FILE);
	exit(code);
}

/* For a known command (--help, a usage error): its own synopsis. */
void
ctl_usage_cmd(FILE *fp, int code)
{
	if (ctl_cur_cmd == NULL)
		ctl_usage(fp, code);
	fputs("usage: fcgi-authz [-c config | -u users-file] ", fp);
	ctl_print_synopsis(fp, ctl_cur_cmd);
	exit(code);
}

/* ---- messages ----------------------------------------------------- */

/* "fcgi-authz: ..." on stderr, after what stdout holds so far: the two
 * may be one terminal, and a message must not overtake earlier output. */
void
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

/* A message, then the command's synopsis; exits with CTL_USAGE. */
void
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
const char *
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

void
ctl_nomem(void)
{
	ctl_warnx("out of memory");
}

/* ---- settings ----------------------------------------------------- */

/*
 * The group the daemon reads the users file in, for a file the CLI
 * creates (conf_daemon_ids()).  Only root can give a file away, and only
 * a daemon started as root changes user: -1 otherwise, or when a name is
 * unknown here (the daemon says so).
 */
static gid_t
ctl_daemon_gid(const struct conf *cf)
{
	struct filetrust_ids	 ids;
	const char		*unknown;

	if (geteuid() != 0 || cf->cf_user == NULL ||
	    conf_daemon_ids(cf, &ids, &unknown) == -1)
		return (gid_t)-1;
	return ids.fti_gid;
}

/*
 * Takes the users file path and the hashing policy from the config file
 * (settings and rules only: the users file may be the broken thing we
 * are about to fix), or the defaults with -u.  With missing_ok, a default
 * config file that does not exist means the defaults ("hash" on a
 * machine without a configuration).  Prints why it failed.  0 or -1.
 */
int
ctl_setup(struct ctl *c, int missing_ok)
{
	struct errlist	 errs;
	struct conf	*cf;

	c->c_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	c->c_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	hashfmt_limits_default(&c->c_limits);
	c->c_daemon_gid = (gid_t)-1;
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
	c->c_limits = cf->cf_hash_limits;
	c->c_daemon_gid = ctl_daemon_gid(cf);
	free(c->c_users_alloc);
	c->c_users_alloc = cf->cf_users_path;
	cf->cf_users_path = NULL;
	c->c_users_path = c->c_users_alloc;
	conf_free(cf);
	return 0;
}

/* The limits the daemon loads the users file with (conf.c). */
void
ctl_limits(const struct ctl *c, struct hashfmt_limits *lim)
{
	*lim = c->c_limits;
}

/* ---- main --------------------------------------------------------- */

enum { CTL_OPT_VERSION = 256 };	/* long options without a letter */

static const struct option ctl_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, CTL_OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/*
 * Parses -c, -u, -h (--help) and --version into c.  Returns the index of
 * the command.
 */
static int
ctl_options(struct ctl *c, int argc, char **argv)
{
	int ch;

	c->c_conf_path = AUTHZ_CONF_FILE;
	/* "+": stop at the command; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:hu:", ctl_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (c->c_users_path != NULL || c->c_conf_given)
				ctl_usage_error("give one -c or one -u");
			c->c_conf_path = optarg;
			c->c_conf_given = 1;
			break;
		case 'u':
			if (c->c_users_path != NULL || c->c_conf_given)
				ctl_usage_error("give one -c or one -u");
			c->c_users_path = optarg;
			c->c_conf_path = NULL;
			break;
		case 'h':
			ctl_usage(stdout, CTL_OK);
		case CTL_OPT_VERSION:
			proc_print_version(stdout, "fcgi-authz");
			exit(CTL_OK);
		default:
			ctl_usage(stderr, CTL_USAGE);
		}
	}
	return optind;
}

/* Returns 1 if cmd is "group name" (group NULL: a command of its own). */
static int
ctl_cmd_is(const struct ctl_cmd *cmd, const char *group, const char *name)
{
	if (group == NULL || cmd->cc_group == NULL) {
		if (group != cmd->cc_group)	/* one of them is NULL */
			return 0;
	} else if (strcmp(group, cmd->cc_group) != 0)
		return 0;
	return strcmp(name, cmd->cc_name) == 0;
}

/*
 * The command that argv starts with: "user NAME", "token NAME" or NAME;
 * *nwords is how many words it took.  Sets ctl_cur_cmd for the usage
 * messages from then on.  Exits with a usage error if there is none.
 */
static const struct ctl_cmd *
ctl_cmd_find(int argc, char **argv, int *nwords)
{
	const struct ctl_cmd	*cmd;
	const char		*group = NULL;
	char			 q[64];

	if (argc == 0)
		ctl_usage_error("no command");
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0)
		ctl_usage(stdout, CTL_OK);
	*nwords = 1;
	if (strcmp(argv[0], "user") == 0 || strcmp(argv[0], "token") == 0) {
		group = argv[0];
		if (argc < 2)
			ctl_usage_error("%s: subcommand missing", group);
		argv++;
		*nwords = 2;
	}
	for (cmd = ctl_cmds; cmd->cc_name != NULL; cmd++)
		if (ctl_cmd_is(cmd, group, argv[0]))
			break;
	if (cmd->cc_name == NULL)
		ctl_usage_error("unknown command %s%s%s", group != NULL ?
		    group : "", group != NULL ? " " : "",
		    ctl_quote(argv[0], q, sizeof(q)));
	ctl_cur_cmd = cmd;
	return cmd;
}

int
main(int argc, char *argv[])
{
	struct ctl		 c;
	const struct ctl_cmd	*cmd;
	int			 i, n, rc;

	proc_sanitize_fds();
	memset(&c, 0, sizeof(c));
	i = ctl_options(&c, argc, argv);
	cmd = ctl_cmd_find(argc - i, argv + i, &n);
	if (sodium_init() < 0) {
		ctl_warnx("sodium_init failed");
		return CTL_NO;
	}
	rc = cmd->cc_run(&c, argc - i - n, argv + i + n);
	free(c.c_users_alloc);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_warnx("standard output: %s", strerror(errno));
		rc = CTL_NO;
	}
	return rc;
}
