/*
 * The state of one read of fcgi-authz.ini, shared by conf.c, which loads
 * and cross-checks, and confparse.c, which reads the keys.
 */
#ifndef AUTHZ_CONFPARSE_H
#define AUTHZ_CONFPARSE_H

#include "errlist.h"
#include "rules.h"
#include "settings.h"

/* The lines later errors cite, of keys read earlier: cp_line[]. */
enum confparse_line {
	CONFPARSE_LINE_NONE,
	CONFPARSE_LINE_USERS,		/* [server] users */
	CONFPARSE_LINE_USER,		/* [server] user */
	CONFPARSE_LINE_GROUP,		/* [server] group */
	CONFPARSE_LINE_MEMLIMIT,	/* [hashing] memlimit */
	CONFPARSE_LINE_OPSLIMIT,	/* [hashing] opslimit */
	CONFPARSE_NLINES
};

struct confparse {
	struct conf	*cp_conf;
	struct errlist	*cp_errs;
	const char	*cp_file;
	struct rule	*cp_rule;	/* the [rule:NAME] being read */
	int		 cp_rule_has_access;
	char		*cp_users_raw;
	int		 cp_line[CONFPARSE_NLINES];	/* 0: not set */
};

/* Sets the defaults every key overrides. */
void	confparse_defaults(struct conf *);
/* The inih handler (inifile.h): user is a struct confparse. */
int	confparse_handler(void *user, const char *section, const char *name,
	    const char *value, int line);
/* Fills the lists the file left unset with their defaults. */
void	confparse_default_lists(struct confparse *);
/* Checks the rule just finished; called at the next section and at EOF. */
void	confparse_finish(struct confparse *);

#endif
