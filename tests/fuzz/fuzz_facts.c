/*
 * Fuzz target: FastCGI params to request facts (facts_from_params) and
 * the wiping of secrets in them (facts_wipe_secrets).
 *
 * The input is the params as libfcgi's envp holds them: "NAME=VALUE"
 * strings, one per line ('\n' separates them; every other byte is kept,
 * an embedded NUL ending that string as it would in C).  Each is its own
 * malloc'd string of exactly its size (ASan).
 *
 * Properties (facts.h), for the AUTHORIZER and RESPONDER roles and one
 * the daemon refuses (FILTER):
 *   - each fact is the value, in place in envp, of the first param of its
 *     name (found here by a scan of our own), HTTP_AUTHORIZATION
 *     repeated sets af_dup_authorization, and NULL means no such param;
 *   - RESPONDER (nginx) takes AUTHZ_ORIGINAL_METHOD and, if present,
 *     AUTHZ_ORIGINAL_URI, never REMOTE_USER or REMOTE_PASSWD;
 *   - a refused role gets nothing but its role and the time;
 *   - facts_wipe_secrets() zeroes the value of every param whose name
 *     starts with HTTP_AUTHORIZATION or REMOTE_PASSWD, and changes no
 *     other byte.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "facts.h"
#include "fuzz.h"

#define FUZZ_NOW		((time_t)1700000000)
#define FUZZ_FCGI_FILTER	3

struct env {
	char	**e_env;	/* NULL-terminated, as libfcgi's envp */
	char	**e_copy;	/* the same bytes, to compare after a wipe */
	size_t	 *e_size;	/* bytes of each, its NUL included */
	size_t	  e_n;
};

static void
env_make(struct env *e, const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *end = data + size, *nl;
	size_t		 n = 1, i, len;

	for (nl = data; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL;
	    nl++)
		n++;
	e->e_n = n;
	if ((e->e_env = calloc(n + 1, sizeof(*e->e_env))) == NULL ||
	    (e->e_copy = calloc(n, sizeof(*e->e_copy))) == NULL ||
	    (e->e_size = calloc(n, sizeof(*e->e_size))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		e->e_env[i] = fuzz_strndup(p, len);
		e->e_copy[i] = fuzz_strndup(p, len);
		e->e_size[i] = len + 1;
		p = nl + 1;
	}
}

static void
env_free(struct env *e)
{
	size_t	i;

	for (i = 0; i < e->e_n; i++) {
		free(e->e_env[i]);
		free(e->e_copy[i]);
	}
	free(e->e_env);
	free(e->e_copy);
	free(e->e_size);
}

/* The first value of name in env, in place; how many there are. */
static const char *
env_first(const struct env *e, const char *name, int *count)
{
	const char	*val = NULL, *eq;
	size_t		 i, len = strlen(name);

	*count = 0;
	for (i = 0; i < e->e_n; i++) {
		if ((eq = strchr(e->e_env[i], '=')) == NULL ||
		    (size_t)(eq - e->e_env[i]) != len ||
		    memcmp(e->e_env[i], name, len) != 0)
			continue;
		if ((*count)++ == 0)
			val = eq + 1;
	}
	return val;
}

static const char *
env_get(const struct env *e, const char *name)
{
	int	count;

	return env_first(e, name, &count);
}

static enum authz_phase
phase_of(const char *s)
{
	if (s == NULL)
		return AUTHZ_PHASE_NONE;
	if (strcmp(s, "AUTHENTICATOR") == 0)
		return AUTHZ_PHASE_AUTHENTICATOR;
	if (strcmp(s, "AUTHORIZER") == 0)
		return AUTHZ_PHASE_AUTHORIZER;
	if (strcmp(s, "ACCESS_CHECKER") == 0)
		return AUTHZ_PHASE_ACCESS_CHECKER;
	return AUTHZ_PHASE_UNKNOWN;
}

/* What every role the daemon serves shares. */
static void
check_common(const struct env *e, const struct authz_facts *f)
{
	int	count;

	FUZZ_ASSERT(f->af_now == FUZZ_NOW);
	FUZZ_ASSERT(f->af_bad_params == 0);
	FUZZ_ASSERT(f->af_remote_addr == env_get(e, "REMOTE_ADDR"));
	FUZZ_ASSERT(f->af_forwarded_for ==
	    env_get(e, "HTTP_X_FORWARDED_FOR"));
	FUZZ_ASSERT(f->af_authorization ==
	    env_first(e, "HTTP_AUTHORIZATION", &count));
	FUZZ_ASSERT(f->af_dup_authorization == (count > 1));
}

static void
check_authorizer(const struct env *e)
{
	struct authz_facts	f;

	memset(&f, 0xa5, sizeof(f));
	facts_from_params(e->e_env, FACTS_FCGI_AUTHORIZER, FUZZ_NOW, &f);
	FUZZ_ASSERT(f.af_role == AUTHZ_ROLE_AUTHORIZER);
	FUZZ_ASSERT(f.af_phase == phase_of(env_get(e, "FCGI_APACHE_ROLE")));
	FUZZ_ASSERT(f.af_method == env_get(e, "REQUEST_METHOD"));
	FUZZ_ASSERT(f.af_uri == env_get(e, "REQUEST_URI"));
	FUZZ_ASSERT(f.af_remote_user == env_get(e, "REMOTE_USER"));
	FUZZ_ASSERT(f.af_remote_passwd == env_get(e, "REMOTE_PASSWD"));
	check_common(e, &f);
}

static void
check_responder(const struct env *e)
{
	struct authz_facts	 f;
	const char		*uri;

	memset(&f, 0xa5, sizeof(f));
	facts_from_params(e->e_env, FACTS_FCGI_RESPONDER, FUZZ_NOW, &f);
	FUZZ_ASSERT(f.af_role == AUTHZ_ROLE_RESPONDER);
	FUZZ_ASSERT(f.af_phase == AUTHZ_PHASE_NONE);
	/* nginx's own REQUEST_METHOD is the subrequest's GET. */
	FUZZ_ASSERT(f.af_method == env_get(e, "AUTHZ_ORIGINAL_METHOD"));
	if ((uri = env_get(e, "AUTHZ_ORIGINAL_URI")) == NULL)
		uri = env_get(e, "REQUEST_URI");
	FUZZ_ASSERT(f.af_uri == uri);
	FUZZ_ASSERT(f.af_remote_user == NULL && f.af_remote_passwd == NULL);
	check_common(e, &f);
}

static void
check_refused(const struct env *e)
{
	struct authz_facts	f, want;

	memset(&f, 0xa5, sizeof(f));
	facts_from_params(e->e_env, FUZZ_FCGI_FILTER, FUZZ_NOW, &f);
	memset(&want, 0, sizeof(want));
	want.af_role = AUTHZ_ROLE_OTHER;
	want.af_now = FUZZ_NOW;
	FUZZ_ASSERT(memcmp(&f, &want, sizeof(f)) == 0);
}

static int
is_secret_name(const char *s)
{
	return strncmp(s, "HTTP_AUTHORIZATION", 18) == 0 ||
	    strncmp(s, "REMOTE_PASSWD", 13) == 0;
}

/* Secrets' values all zero up to where their string ended; else as was. */
static void
check_wiped(const struct env *e)
{
	const char	*eq;
	size_t		 i, off, k;

	for (i = 0; i < e->e_n; i++) {
		eq = strchr(e->e_copy[i], '=');
		if (!is_secret_name(e->e_copy[i]) || eq == NULL) {
			FUZZ_ASSERT(memcmp(e->e_env[i], e->e_copy[i],
			    e->e_size[i]) == 0);
			continue;
		}
		off = (size_t)(eq - e->e_copy[i]) + 1;
		FUZZ_ASSERT(memcmp(e->e_env[i], e->e_copy[i], off) == 0);
		for (k = off; k < off + strlen(eq + 1); k++)
			FUZZ_ASSERT(e->e_env[i][k] == '\0');
		FUZZ_ASSERT(memcmp(e->e_env[i] + k, e->e_copy[i] + k,
		    e->e_size[i] - k) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct env	 e;
	const char	*v;

	env_make(&e, data, size);
	check_authorizer(&e);
	check_responder(&e);
	check_refused(&e);
	facts_wipe_secrets(e.e_env);
	check_wiped(&e);
	/* What the facts pointed to is gone (check_wiped: every copy). */
	v = env_get(&e, "HTTP_AUTHORIZATION");
	FUZZ_ASSERT(v == NULL || v[0] == '\0');
	v = env_get(&e, "REMOTE_PASSWD");
	FUZZ_ASSERT(v == NULL || v[0] == '\0');
	env_free(&e);
	return 0;
}
