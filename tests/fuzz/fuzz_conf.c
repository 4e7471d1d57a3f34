/*
 * Fuzz target: the configuration file (conf_load), with the input as
 * fcgi-authz.ini next to a fixed, valid users file (most of
 * tests/data/conf/good-users.ini) named both users.ini and
 * good-users.ini, so that the seeds from etc/ and tests/data load.
 *
 * As "fcgi-authzd -t" loads: settings only, no dummy argon2 hash per
 * input (that is services_prepare's, which the target does not run).
 * The users file is parsed, never verified against.
 *
 * Properties: the load fails exactly when it reported an error, each
 * error is one non-empty line; a loaded snapshot has its users, realm and
 * rules index; each rule covers its own pattern with "*" as "x" and "**"
 * as "a/b", and the index finds the same rule as trying the rules in
 * order, for paths made from each rule's pattern and a few others.
 * Everything is freed (LeakSanitizer).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conf.h"
#include "errlist.h"
#include "rules.h"
#include "fuzz.h"

#define FUZZ_PROBE_RULES	64	/* rules whose paths are probed */

static const char fuzz_users_ini[] =
    "[user:alice]\n"
    "password = $argon2id$v=19$m=8192,t=1,p=1$4UWxwpZJKErpGqJfs2Aj8Q"
    "$zNQpE706Z8OoJfsMLBkRHEigCF4i4+sXS5HFWlZfx3M\n"
    "roles = admin, editor\n"
    "expires = 2027-06-30\n"
    "\n"
    "[user:bob]\n"
    "password = $argon2i$v=19$m=8192,t=3,p=1$hiFycB7cBo08VrUkB6sZGQ"
    "$V7UM/9NQ/1NuVOpHMiu3hCZoTV+mraMP+h1VndHZ2oo\n"
    "roles = editor,viewer\n"
    "disabled = yes\n"
    "\n"
    "[user:root]\n"
    "password = $argon2id$v=19$m=8192,t=1,p=1$w+Nr6NJTLlV6CtOwtE+nFA"
    "$cb9GZMRGHvScWJiPDK6vBls3kjDxDNcrxuYMdfRSv48\n"
    "roles = admin\n"
    "\n"
    "[token:ci-deploy]\n"
    "user = alice\n"
    "roles = editor\n"
    "hash = blake2b:b8ce4acc4c3afb779bbd434bd761fa18548de4248b6c53452cc6"
    "63d125566201\n";

static const char *const fuzz_paths[] = {
	"/", "/admin", "/admin/", "/admin/x", "/administrator", "/healthz",
	"/api/v1/x/edit", "/old/x", "/x",
};
static const char *const fuzz_methods[] = { "GET", "HEAD", "POST", "PUT" };

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	/* tests/data/conf/ files name it good-users.ini. */
	(void)fuzz_write_file("users.ini", fuzz_users_ini,
	    sizeof(fuzz_users_ini) - 1);
	(void)fuzz_write_file("good-users.ini", fuzz_users_ini,
	    sizeof(fuzz_users_ini) - 1);
	return 0;
}

/* The index must agree with the rules tried in order. */
static void
check_find(const struct conf *cf, const char *path)
{
	size_t	m;

	for (m = 0; m < NITEMS(fuzz_methods); m++)
		FUZZ_ASSERT(rules_index_find(cf->cf_rules_index, path,
		    fuzz_methods[m]) == rules_find(cf->cf_rules, cf->cf_nrules,
		    path, fuzz_methods[m]));
}

/*
 * A path the pattern covers: each "*" as star, each "**" segment as
 * "a/b", then suffix; malloc'd.
 */
static char *
example_path(const char *pattern, const char *star, const char *suffix)
{
	const char	*p;
	char		*s, *q;
	size_t		 starlen = strlen(star);

	if ((s = malloc(strlen(pattern) * (starlen + 3) + strlen(suffix) +
	    1)) == NULL)
		abort();
	for (p = pattern, q = s; *p != '\0'; p++) {
		if (p[0] == '*' && p[1] == '*') {
			memcpy(q, "a/b", 3);
			q += 3;
			p++;
		} else if (*p == '*') {
			memcpy(q, star, starlen);
			q += starlen;
		} else
			*q++ = *p;
	}
	strcpy(q, suffix);
	return s;
}

/* Paths each rule covers, or nearly: the index must agree on them. */
static void
check_rule(const struct conf *cf, const struct rule *ru)
{
	char	*path;

	FUZZ_ASSERT(ru->ru_name != NULL && ru->ru_path != NULL);
	path = example_path(ru->ru_path, "x", "");
	/* "*" stands for "x", "**" for "a/b", a literal for itself. */
	FUZZ_ASSERT(rules_path_match(ru, path));
	check_find(cf, path);
	free(path);
	path = example_path(ru->ru_path, "", "/x");
	check_find(cf, path);
	free(path);
	check_find(cf, ru->ru_path);
}

static void
check_rules(const struct conf *cf)
{
	size_t	i;

	for (i = 0; i < NITEMS(fuzz_paths); i++)
		check_find(cf, fuzz_paths[i]);
	for (i = 0; i < cf->cf_nrules && i < FUZZ_PROBE_RULES; i++)
		check_rule(cf, &cf->cf_rules[i]);
}

static void
check_messages(const struct errlist *el)
{
	size_t	i;

	for (i = 0; i < el->el_count; i++) {
		FUZZ_ASSERT(el->el_ents[i].ee_text != NULL &&
		    el->el_ents[i].ee_text[0] != '\0');
		FUZZ_ASSERT(strchr(el->el_ents[i].ee_text, '\n') == NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist	 errs, warnings;
	struct conf	*cf;
	const char	*path;

	path = fuzz_write_file("fcgi-authz.ini", data, size);
	errlist_init(&errs);
	errlist_init(&warnings);
	cf = conf_load_warn(path, 0, &errs, &warnings);
	FUZZ_ASSERT((cf == NULL) == (errlist_count(&errs) > 0));
	check_messages(&errs);
	check_messages(&warnings);
	if (cf != NULL) {
		FUZZ_ASSERT(strcmp(cf->cf_path, path) == 0);
		FUZZ_ASSERT(cf->cf_users != NULL && cf->cf_users_path != NULL);
		FUZZ_ASSERT(cf->cf_realm != NULL);
		FUZZ_ASSERT(cf->cf_rules_index != NULL);
		check_rules(cf);
	}
	conf_free(cf);
	errlist_free(&warnings);
	errlist_free(&errs);
	return 0;
}
