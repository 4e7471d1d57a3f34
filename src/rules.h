/*
 * Access rules: which path and method a rule covers, and what it asks.
 * Pure matching, no I/O.
 */
#ifndef AUTHZ_RULES_H
#define AUTHZ_RULES_H

#include <stddef.h>
#include <stdint.h>

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
	uint64_t	  ru_segmask;	/* rules_segmask() of its literal segments */
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
/*
 * The rules in their order, indexed by the first path segment, so that a
 * request tries only the rules that could cover it: those naming its own
 * first segment and those whose first segment is a glob.  First match
 * still wins.  The index points into the rules, which must outlive it.
 */
struct rules_index;

struct rules_index *rules_index_new(const struct rule *rules, size_t n);
void	rules_index_free(struct rules_index *);
/* What rules_find() returns, for the rules the index was built on. */
const struct rule *rules_index_find(const struct rules_index *,
	    const char *path, const char *method);
/*
 * A 64-bit Bloom filter of a path's segments and of their first and
 * last bytes.  A rule can only cover a path whose mask has every bit of
 * the rule's ru_segmask: each segment of a pattern but "**" covers exactly
 * one path segment, equal to it if literal, with the same ends around
 * its stars if not.
 */
uint64_t rules_segmask(const char *path);

/* Returns 1 if addr is in one of the rule's networks (or it has none). */
int	rules_network_allows(const struct rule *, const struct netaddr *addr,
	    int addr_known);
/* Parses a path pattern into the rule; returns 0 or -1 with *errstr. */
int	rules_set_path(struct rule *, const char *pattern, const char **errstr);
void	rules_free(struct rule *);

#endif
