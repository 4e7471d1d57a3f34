/*
 * The state of one read of fcgi-authz.ini, shared by conf.c, which loads
 * and cross-checks, and confparse.c, which reads the keys.
 */
#ifndef AUTHZ_CONFPARSE_H
#define AUTHZ_CONFPARSE_H

#include "conf.h"
#include "errlist.h"
#include "rules.h"

/* The lines later checks cite, of keys read earlier (conf_key_line). */
enum conf_line {
	CONF_LINE_NONE,
	CONF_LINE_USERS,		/* [server] users */
	CONF_LINE_USER,			/* [server] user */
	CONF_LINE_GROUP,		/* [server] group */
	CONF_LINE_MEMLIMIT,		/* [hashing] memlimit */
	CONF_NLINES
};

struct conf_parse {
	struct conf	*cp_conf;
	struct errlist	*cp_errs;
	const char	*cp_file;
	struct rule	*cp_rule;	/* the [rule:NAME] being read */
	int		 cp_rule_has_access;
	char		*cp_users_raw;
	int		 cp_line[CONF_NLINES];	/* 0: not set */
};

/* Sets the defaults every key overrides. */
void	conf_defaults(struct conf *);
/* The inih handler (inifile.h): user is a struct conf_parse. */
int	conf_handler(void *user, const char *section, const char *name,
	    const char *value, int line);
/* Checks the rule just finished; called at the next section and at EOF. */
void	conf_rule_finish(struct conf_parse *);

#endif
