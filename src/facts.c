/*
 * Request facts from FastCGI params (facts.h): one pass over envp finds
 * the params a decision reads, and the FastCGI role picks which of them
 * count.  The secrets are wiped in envp itself afterwards.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "facts.h"

/* The params a decision reads, found in one pass over envp. */
enum facts_param {
	FP_APACHE_ROLE,
	FP_METHOD,
	FP_URI,
	FP_REMOTE_USER,
	FP_REMOTE_PASSWD,
	FP_ORIG_METHOD,
	FP_ORIG_URI,
	FP_REMOTE_ADDR,
	FP_FORWARDED_FOR,
	FP_AUTHORIZATION,
	FP_COUNT
};

static const struct {
	const char	*fn_name;
	size_t		 fn_len;
} facts_names[FP_COUNT] = {
#define FACTS_NAME(s)	{ s, sizeof(s) - 1 }
	[FP_APACHE_ROLE] = FACTS_NAME("FCGI_APACHE_ROLE"),
	[FP_METHOD] = FACTS_NAME("REQUEST_METHOD"),
	[FP_URI] = FACTS_NAME("REQUEST_URI"),
	[FP_REMOTE_USER] = FACTS_NAME("REMOTE_USER"),
	[FP_REMOTE_PASSWD] = FACTS_NAME("REMOTE_PASSWD"),
	[FP_ORIG_METHOD] = FACTS_NAME("AUTHZ_ORIGINAL_METHOD"),
	[FP_ORIG_URI] = FACTS_NAME("AUTHZ_ORIGINAL_URI"),
	[FP_REMOTE_ADDR] = FACTS_NAME("REMOTE_ADDR"),
	[FP_FORWARDED_FOR] = FACTS_NAME("HTTP_X_FORWARDED_FOR"),
	[FP_AUTHORIZATION] = FACTS_NAME("HTTP_AUTHORIZATION"),
#undef FACTS_NAME
};

/*
 * One pass over the params (this runs for every request): the first
 * value of each name we read, as libfcgi's FCGX_GetParam would give, and
 * how many times each came.
 */
static void
facts_scan(char *const *envp, const char *val[FP_COUNT], int count[FP_COUNT])
{
	const char	*e, *eq;
	size_t		 len;
	int		 i;

	for (i = 0; i < FP_COUNT; i++) {
		val[i] = NULL;
		count[i] = 0;
	}
	for (; *envp != NULL; envp++) {
		e = *envp;
		if ((eq = strchr(e, '=')) == NULL)
			continue;
		len = (size_t)(eq - e);
		for (i = 0; i < FP_COUNT; i++) {
			if (facts_names[i].fn_len != len ||
			    memcmp(e, facts_names[i].fn_name, len) != 0)
				continue;
			if (count[i]++ == 0)
				val[i] = eq + 1;
			break;
		}
	}
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
	const char	*val[FP_COUNT];
	int		 count[FP_COUNT];

	memset(f, 0, sizeof(*f));
	f->af_now = now;
	facts_scan(envp, val, count);
	switch (fcgi_role) {
	case FACTS_FCGI_AUTHORIZER:
		f->af_role = AUTHZ_ROLE_AUTHORIZER;
		f->af_phase = facts_phase(val[FP_APACHE_ROLE]);
		f->af_method = val[FP_METHOD];
		f->af_uri = val[FP_URI];
		/* Only Apache decodes Basic for us, and only here. */
		f->af_remote_user = val[FP_REMOTE_USER];
		f->af_remote_passwd = val[FP_REMOTE_PASSWD];
		break;
	case FACTS_FCGI_RESPONDER:
		f->af_role = AUTHZ_ROLE_RESPONDER;
		f->af_phase = AUTHZ_PHASE_NONE;
		f->af_method = val[FP_ORIG_METHOD];
		f->af_uri = val[FP_ORIG_URI] != NULL ? val[FP_ORIG_URI] :
		    val[FP_URI];
		break;
	default:
		f->af_role = AUTHZ_ROLE_OTHER;
		return;
	}
	f->af_remote_addr = val[FP_REMOTE_ADDR];
	f->af_forwarded_for = val[FP_FORWARDED_FOR];
	f->af_authorization = val[FP_AUTHORIZATION];
	if (count[FP_AUTHORIZATION] > 1)
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
