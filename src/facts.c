#include "config.h"

#include <string.h>

#include <sodium.h>

#include "facts.h"

/* Returns the value of the first NAME=value, or NULL; counts copies. */
static const char *
facts_get(char *const *envp, const char *name, int *count)
{
	size_t		 len = strlen(name);
	const char	*first = NULL;
	int		 n = 0;

	for (; *envp != NULL; envp++) {
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=') {
			if (first == NULL)
				first = *envp + len + 1;
			n++;
		}
	}
	if (count != NULL)
		*count = n;
	return first;
}

static enum authz_phase
facts_phase(const char *s)
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

void
facts_from_params(char *const *envp, int fcgi_role, time_t now,
    struct authz_facts *f)
{
	int n;

	memset(f, 0, sizeof(*f));
	f->af_now = now;
	switch (fcgi_role) {
	case FACTS_FCGI_AUTHORIZER:
		f->af_role = AUTHZ_ROLE_AUTHORIZER;
		f->af_phase = facts_phase(facts_get(envp, "FCGI_APACHE_ROLE",
		    NULL));
		f->af_method = facts_get(envp, "REQUEST_METHOD", NULL);
		f->af_uri = facts_get(envp, "REQUEST_URI", NULL);
		/* Only Apache decodes Basic for us, and only here. */
		f->af_remote_user = facts_get(envp, "REMOTE_USER", NULL);
		f->af_remote_passwd = facts_get(envp, "REMOTE_PASSWD", NULL);
		break;
	case FACTS_FCGI_RESPONDER:
		f->af_role = AUTHZ_ROLE_RESPONDER;
		f->af_phase = AUTHZ_PHASE_NONE;
		f->af_method = facts_get(envp, "AUTHZ_ORIGINAL_METHOD", NULL);
		f->af_uri = facts_get(envp, "AUTHZ_ORIGINAL_URI", NULL);
		if (f->af_uri == NULL)
			f->af_uri = facts_get(envp, "REQUEST_URI", NULL);
		break;
	default:
		f->af_role = AUTHZ_ROLE_OTHER;
		return;
	}
	f->af_remote_addr = facts_get(envp, "REMOTE_ADDR", NULL);
	f->af_forwarded_for = facts_get(envp, "HTTP_X_FORWARDED_FOR", NULL);
	f->af_authorization = facts_get(envp, "HTTP_AUTHORIZATION", &n);
	if (n > 1)
		f->af_dup_authorization = 1;
}

void
facts_wipe_secrets(char **envp)
{
	static const char *const secret[] = { "HTTP_AUTHORIZATION",
	    "REMOTE_PASSWD" };
	size_t	i, len;
	char	*eq;

	for (; *envp != NULL; envp++) {
		for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++) {
			len = strlen(secret[i]);
			/* Also "HTTP_AUTHORIZATION=x=..." names (E9). */
			if (strncmp(*envp, secret[i], len) != 0)
				continue;
			if ((eq = strchr(*envp, '=')) != NULL)
				sodium_memzero(eq + 1, strlen(eq + 1));
		}
	}
}
