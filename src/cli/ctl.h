/*
 * fcgi-authz, the management CLI: what its files share.  One header for
 * one program, in sections named for the file that defines them (httpd.h
 * habit); none of it is part of libauthz.
 *
 *	authzctl.c	main(), -c/-u, the command table, usage, messages
 *	ctl_args.c	options and operands of a subcommand
 *	ctl_names.c	lists of names (roles) without duplicates
 *	ctl_secret.c	passwords and tokens: terminal, stdin, wiping
 *	ctl_hash.c	password hashes: "hash", "verify", the policy
 *	ctl_hashall.c	many passwords hashed on every core, with progress
 *	ctl_view.c	the users file loaded read-only
 *	ctl_edit.c	the users file edited through usersfile.c
 *	ctl_out.c	users, tokens and dates as text and as JSON
 *	ctl_user.c	"user" subcommands but import
 *	ctl_lines.c	lines of an input file, in a locked buffer
 *	ctl_import.c	"user import" (name:password lines)
 *	ctl_htimport.c	"user import --htpasswd" (hashes as they are)
 *	ctl_token.c	"token" subcommands
 *	ctl_check.c	"check" and "audit"
 *	ctl_explain.c	"explain"
 */
#ifndef AUTHZ_CTL_H
#define AUTHZ_CTL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <sodium.h>

#include "defaults.h"
#include "hashfmt.h"

struct conf;
struct token;
struct user;
struct users;
struct usersfile;

/* Exit codes (s6 style), as in usage() and fcgi-authz(1). */
#define CTL_OK		0
#define CTL_NO		1
#define CTL_USAGE	2

/* ---- authzctl.c --------------------------------------------------- */

/* What -c or -u chose: the files and the hashing policy. */
struct ctl {
	const char		*c_conf_path;	/* NULL with -u */
	int			 c_conf_given;	/* -c on the command line */
	const char		*c_users_path;	/* -u, or from the config */
	char			*c_users_alloc;
	unsigned long long	 c_opslimit;	/* for new hashes */
	size_t			 c_memlimit;
	struct hashfmt_limits	 c_limits;	/* hashes beyond: refused */
	gid_t			 c_daemon_gid;	/* [server] group or user's,
						   or -1 */
};

void		 ctl_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 ctl_nomem(void);
void		 ctl_usage_cmd(FILE *, int)
		    __attribute__((noreturn));
void		 ctl_usage_error(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
const char	*ctl_quote(const char *, char *buf, size_t bufsz);
int		 ctl_setup(struct ctl *, int missing_ok);
void		 ctl_limits(const struct ctl *, struct hashfmt_limits *);

/* ---- ctl_names.c -------------------------------------------------- */

/* A list of names (roles), without duplicates. */
struct ctl_names {
	char	**nm_v;
	size_t	  nm_n;
};

void	 ctl_names_free(struct ctl_names *);
int	 ctl_names_has(const struct ctl_names *, const char *);
int	 ctl_names_add(struct ctl_names *, const char *);
void	 ctl_names_remove(struct ctl_names *, const char *);
char	*ctl_names_join(const struct ctl_names *, const char *sep);
int	 ctl_names_parse(struct ctl_names *, const char *list);

/* ---- ctl_args.c --------------------------------------------------- */

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
	CTL_O_FROM, CTL_O_HTPASSWD, CTL_O_HTGROUP, CTL_O_HASHSTDIN
};

/* ctl_args_next() returns an option id or one of these. */
#define CTL_ARG_END	(-1)
#define CTL_ARG_POS	(-2)

struct ctl_args {
	int		 ca_argc;
	char		**ca_argv;
	int		 ca_i;
	int		 ca_dashdash;
	const char	*ca_cmd;	/* "user add", for messages */
};

void		 ctl_args_init(struct ctl_args *, int argc, char **argv,
		    const char *cmd);
int		 ctl_args_next(struct ctl_args *, const struct ctl_opt *,
		    const char **val);
void		 ctl_args_plain(int argc, char **argv, const char *cmd,
		    int nargs, const char **name, const char **arg);
const char	*ctl_args_user(int argc, char **argv, const char *cmd,
		    const char *flag, int *flagged);
int		 ctl_args_none(int argc, char **argv, const char *cmd,
		    const char *flag, const char *why);
void		 ctl_args_check_name(const char *what, const char *name);
void		 ctl_args_check_date(const char *what, const char *s,
		    int never_ok);
const char	*ctl_args_expires(const char *);
void		 ctl_args_role(struct ctl_names *, const char *role);

/* ---- ctl_secret.c ------------------------------------------------- */

/* One "user import" line: a name, ':', roles, ':', a password. */
#define CTL_IMPORT_LINE_MAX	(AUTHZ_USER_MAX + AUTHZ_INI_LINE_MAX + \
	    AUTHZ_PASSWORD_MAX + 2)

/* A secret read from the terminal or standard input. */
struct ctl_secret {
	char	sc_buf[CTL_IMPORT_LINE_MAX + 2];
	size_t	sc_len;
	int	sc_locked;
};

void	ctl_secret_init(struct ctl_secret *);
void	ctl_secret_wipe(struct ctl_secret *);
int	ctl_secret_from_stdin(struct ctl_secret *, size_t max,
	    const char *what);
/* A prompt buffer: the longest, "Password for new user NAME: " with a
 * name of AUTHZ_USER_MAX bytes, takes 22 + 44 + 2 + 1 = 69. */
#define CTL_PROMPT_SIZE	96
int	ctl_secret_password(int from_stdin, int confirm, const char *prompt,
	    struct ctl_secret *);
void	ctl_secret_need_source(const char *cmd, int from_stdin);
void	ctl_secret_need_pipe(const char *cmd, const char *what);

/* ---- ctl_lines.c -------------------------------------------------- */

struct ctl_lines;

struct ctl_lines *ctl_lines_open(const char *path);
const char	*ctl_lines_name(const struct ctl_lines *);
int		 ctl_lines_next(struct ctl_lines *, char *buf, size_t max,
		    size_t *len);
void		 ctl_lines_close(struct ctl_lines *);

/* ---- ctl_hash.c --------------------------------------------------- */

enum ctl_hash_verdict {
	CTL_HASH_OK,
	CTL_HASH_WEAK,		/* libsodium's, below the policy */
	CTL_HASH_LEGACY		/* another tool's format (hashfmt.h) */
};

int	ctl_hash_new(const struct ctl *, const struct ctl_secret *,
	    char out[crypto_pwhash_STRBYTES]);
enum ctl_hash_verdict ctl_hash_judge(const struct ctl *, const char *hash,
	    struct hashfmt *);
int	ctl_hash_check_stored(const struct ctl *, const char *hash,
	    char *msg, size_t msgsize);
void	ctl_hash_warn_failed(const struct ctl *, const char *file, int line);

/* ---- ctl_hashall.c ------------------------------------------------ */

/* One password to hash (ha_len bytes, not NUL-terminated) into ha_out. */
struct ctl_hashall_item {
	const char	*ha_pw;
	size_t		 ha_len;
	char		*ha_out;	/* crypto_pwhash_STRBYTES */
};

int	ctl_hashall(const struct ctl *, struct ctl_hashall_item *, size_t n,
	    size_t *failed);

/* ---- ctl_view.c --------------------------------------------------- */

/* The users file loaded for reading. */
struct ctl_view {
	struct conf	 *vw_conf;	/* with -c */
	struct users	 *vw_owned;	/* with -u */
	const struct users *vw_users;
};

int		 ctl_view_load(struct ctl *, struct ctl_view *);
int		 ctl_view_open(struct ctl *, struct ctl_view *);
void		 ctl_view_free(struct ctl_view *);
const struct user *ctl_view_user(const struct ctl *,
		    const struct ctl_view *, const char *name);

/* ---- ctl_edit.c --------------------------------------------------- */

struct usersfile *ctl_edit_open(const struct ctl *, int create);
struct usersfile *ctl_edit_open_existing(const struct ctl *,
		    const char *kind, const char *name);
int		 ctl_edit_commit(const struct ctl *, struct usersfile *);
int		 ctl_edit_set(const struct ctl *, struct usersfile *,
		    const char *kind, const char *name, const char *key,
		    const char *value);

/* ---- ctl_out.c ---------------------------------------------------- */

/* A ctl_out_date buffer: "YYYY-MM-DD" or "never", and the NUL, with
 * room for a longer year. */
#define CTL_DATE_SIZE	16
const char	*ctl_out_date(time_t expires, char *buf, size_t bufsz);
const char	*ctl_out_user_state(const struct user *, time_t now);
const char	*ctl_out_token_state(const struct token *, time_t now);
void		 ctl_out_list(char *const *v, size_t n, const char *none);
void		 ctl_out_json_string(const char *);
void		 ctl_out_json_user(const struct user *);
void		 ctl_out_json_token(const struct token *,
		    const struct ctl_names *roles);

/* ---- the subcommands ---------------------------------------------- */

/*
 * Each takes the arguments after its name and returns CTL_OK or CTL_NO;
 * a usage error exits with CTL_USAGE.
 */

/* ctl_user.c */
int	ctl_user_add(struct ctl *, int, char **);
int	ctl_user_passwd(struct ctl *, int, char **);
int	ctl_user_del(struct ctl *, int, char **);
int	ctl_user_show(struct ctl *, int, char **);
int	ctl_user_list(struct ctl *, int, char **);
int	ctl_user_disable(struct ctl *, int, char **);
int	ctl_user_enable(struct ctl *, int, char **);
int	ctl_user_expire(struct ctl *, int, char **);
int	ctl_user_roles(struct ctl *, int, char **);
/* ctl_import.c */
int	ctl_import_users(struct ctl *, int, char **);	/* user import */
/* ctl_htimport.c: user import --htpasswd FILE [--htgroup FILE] */
int	ctl_htimport(struct ctl *, const char *htpasswd, const char *htgroup);
/* ctl_token.c */
int	ctl_token_add(struct ctl *, int, char **);
int	ctl_token_revoke(struct ctl *, int, char **);
int	ctl_token_list(struct ctl *, int, char **);
/* ctl_hash.c */
int	ctl_hash_print(struct ctl *, int, char **);	/* hash */
int	ctl_hash_verify(struct ctl *, int, char **);	/* verify */
/* ctl_check.c */
int	ctl_check_files(struct ctl *, int, char **);	/* check */
int	ctl_check_audit(struct ctl *, int, char **);	/* audit */
/* ctl_explain.c */
int	ctl_explain_request(struct ctl *, int, char **);	/* explain */

#endif
