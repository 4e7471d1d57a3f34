/*
 * Access rules: which path and method a rule covers, and what it asks.
 * Pure matching, no I/O.
 */
#ifndef AUTHZ_RULES_H
#define AUTHZ_RULES_H

#include <stddef.h>

#include "netaddr.h"

enum rule_access {
	RULE_RESTRICTED,	/* roles and/or users */
	RULE_PUBLIC,
	RULE_AUTHENTICATED,
	RULE_DENY
};

enum rule_pathkind {
	RULE_PATH_EXACT,	/* "=/healthz" */
	RULE_PATH_PREFIX,	/* "/admin": /admin, /admin/, /admin/x; not /adminx */
	RULE_PATH_GLOB		/* "*" within a segment, "**" across segments */
};

struct rule {
	char		 *ru_name;
	int		  ru_line;
	enum rule_pathkind ru_pathkind;
	int		  ru_exact_glob;	/* "=" with globs: whole path */
	char		 *ru_path;	/* without the "=" */
	char		**ru_methods;	/* NULL: any method */
	size_t		  ru_nmethods;
	enum rule_access  ru_access;
	char		**ru_roles;
	size_t		  ru_nroles;
	char		**ru_users;
	size_t		  ru_nusers;
	struct netcidr	 *ru_networks;	/* NULL: any address */
	size_t		  ru_nnetworks;
};

/* Returns 1 if the rule's path pattern covers the canonical path. */
int	rules_path_match(const struct rule *, const char *path);
/* Returns 1 if the rule covers the method (GET implies HEAD). */
int	rules_method_match(const struct rule *, const char *method);
/*
 * Returns the first rule that covers path and method, or NULL.
 */
const struct rule *rules_find(const struct rule *rules, size_t n,
	    const char *path, const char *method);
/* Returns 1 if addr is in one of the rule's networks (or it has none). */
int	rules_network_allows(const struct rule *, const struct netaddr *addr,
	    int addr_known);
/* Parses a path pattern into the rule; returns 0 or -1 with *errstr. */
int	rules_set_path(struct rule *, const char *pattern, const char **errstr);
void	rules_free(struct rule *);

#endif
