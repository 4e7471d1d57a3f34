#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authz.h"
#include "facts.h"

#define NOW		((time_t)1700000000)

/*
 * A writable, NULL-terminated copy of a param list, as libfcgi's envp:
 * one malloc'd "NAME=value" string per param.
 */
static char **
env_new(const char *const *in)
{
	char	**env;
	size_t	  n, i;

	for (n = 0; in[n] != NULL; n++)
		continue;
	ck_assert_ptr_nonnull(env = calloc(n + 1, sizeof(*env)));
	for (i = 0; i < n; i++)
		ck_assert_ptr_nonnull(env[i] = strdup(in[i]));
	return env;
}

static void
env_free(char **env)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* Facts from a param list, with *f first filled with garbage. */
static void
facts_of(char **env, int role, struct authz_facts *f)
{
	memset(f, 0xa5, sizeof(*f));
	facts_from_params(env, role, NOW, f);
}

/* p must be the value of env[i], in place, not a copy. */
static void
assert_points_into(const char *p, char **env, size_t i)
{
	const char *eq;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(eq = strchr(env[i], '='));
	ck_assert_ptr_eq(p, eq + 1);
}

START_TEST(test_facts_authorizer)
{
	static const char *const in[] = {
		"FCGI_ROLE=AUTHORIZER",
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/admin/x?q=1",
		"REMOTE_ADDR=192.0.2.7",
		"HTTP_X_FORWARDED_FOR=203.0.113.9",
		"HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0",
		"REMOTE_USER=alice",
		"REMOTE_PASSWD=secret",
		"AUTHZ_ORIGINAL_METHOD=POST",
		"AUTHZ_ORIGINAL_URI=/elsewhere",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_int_eq(f.af_role, AUTHZ_ROLE_AUTHORIZER);
	ck_assert_int_eq(f.af_phase, AUTHZ_PHASE_NONE);
	/* The AUTHZ_ORIGINAL_* params are for the RESPONDER role only. */
	ck_assert_str_eq(f.af_method, "GET");
	ck_assert_str_eq(f.af_uri, "/admin/x?q=1");
	ck_assert_str_eq(f.af_remote_addr, "192.0.2.7");
	ck_assert_str_eq(f.af_forwarded_for, "203.0.113.9");
	ck_assert_str_eq(f.af_authorization, "Basic YWxpY2U6c2VjcmV0");
	ck_assert_str_eq(f.af_remote_user, "alice");
	ck_assert_str_eq(f.af_remote_passwd, "secret");
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_int_eq(f.af_now, NOW);
	/* The facts point into envp (facts.h), which facts_wipe_secrets
	 * wipes later. */
	assert_points_into(f.af_method, env, 1);
	assert_points_into(f.af_uri, env, 2);
	assert_points_into(f.af_authorization, env, 5);
	assert_points_into(f.af_remote_passwd, env, 7);
	env_free(env);
}
END_TEST

/* FCGI_APACHE_ROLE, as mod_authnz_fcgi sends it. */
static const struct {
	const char		*param;		/* NULL: absent */
	enum authz_phase	 want;
} phase_cases[] = {
	{ NULL,					AUTHZ_PHASE_NONE },
	{ "FCGI_APACHE_ROLE=AUTHENTICATOR",	AUTHZ_PHASE_AUTHENTICATOR },
	{ "FCGI_APACHE_ROLE=AUTHORIZER",	AUTHZ_PHASE_AUTHORIZER },
	{ "FCGI_APACHE_ROLE=ACCESS_CHECKER",	AUTHZ_PHASE_ACCESS_CHECKER },
	{ "FCGI_APACHE_ROLE=FOO",		AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=",			AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=authenticator",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=Authorizer",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=AUTHENTICATOR ",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE= AUTHORIZER",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=AUTHORIZERX",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=AUTH",		AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=ACCESS-CHECKER",	AUTHZ_PHASE_UNKNOWN },
	{ "FCGI_APACHE_ROLE=RESPONDER",		AUTHZ_PHASE_UNKNOWN },
};

START_TEST(test_facts_apache_phase)
{
	const char		*in[] = {
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/",
		phase_cases[_i].param,
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_int_eq(f.af_role, AUTHZ_ROLE_AUTHORIZER);
	ck_assert_msg(f.af_phase == phase_cases[_i].want, "%s: phase %d",
	    phase_cases[_i].param ? phase_cases[_i].param : "(absent)",
	    (int)f.af_phase);
	ck_assert_str_eq(f.af_method, "GET");
	env_free(env);
}
END_TEST

/*
 * nginx auth_request: the subrequest's own method and URI are not the
 * client's, so only AUTHZ_ORIGINAL_* count, and Apache's decoded
 * credentials are not taken from a server that never sends them.
 */
START_TEST(test_facts_responder)
{
	static const char *const in[] = {
		"FCGI_ROLE=RESPONDER",
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/auth",
		"AUTHZ_ORIGINAL_METHOD=POST",
		"AUTHZ_ORIGINAL_URI=/admin/upload",
		"REMOTE_ADDR=2001:db8::7",
		"HTTP_AUTHORIZATION=Bearer abc",
		"REMOTE_USER=alice",
		"REMOTE_PASSWD=secret",
		"FCGI_APACHE_ROLE=AUTHENTICATOR",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_RESPONDER, &f);
	ck_assert_int_eq(f.af_role, AUTHZ_ROLE_RESPONDER);
	ck_assert_int_eq(f.af_phase, AUTHZ_PHASE_NONE);
	ck_assert_str_eq(f.af_method, "POST");
	ck_assert_str_eq(f.af_uri, "/admin/upload");
	ck_assert_str_eq(f.af_remote_addr, "2001:db8::7");
	ck_assert_str_eq(f.af_authorization, "Bearer abc");
	ck_assert_ptr_null(f.af_remote_user);
	ck_assert_ptr_null(f.af_remote_passwd);
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_int_eq(f.af_bad_params, 0);
	ck_assert_int_eq(f.af_now, NOW);
	env_free(env);
}
END_TEST

/* No AUTHZ_ORIGINAL_URI: the URI falls back to REQUEST_URI. */
START_TEST(test_facts_responder_uri_fallback)
{
	static const char *const in[] = {
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/direct",
		"AUTHZ_ORIGINAL_METHOD=DELETE",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_RESPONDER, &f);
	ck_assert_str_eq(f.af_method, "DELETE");
	ck_assert_str_eq(f.af_uri, "/direct");
	assert_points_into(f.af_uri, env, 1);
	env_free(env);
}
END_TEST

/*
 * No AUTHZ_ORIGINAL_METHOD: no method at all, never the subrequest's
 * REQUEST_METHOD (authz.c answers 500 and names the missing param).
 */
START_TEST(test_facts_responder_no_method)
{
	static const char *const in[] = {
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/auth",
		"AUTHZ_ORIGINAL_URI=/admin",
		"AUTHZ_ORIGINAL_METHODX=PUT",
		"XAUTHZ_ORIGINAL_METHOD=PUT",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_RESPONDER, &f);
	ck_assert_int_eq(f.af_role, AUTHZ_ROLE_RESPONDER);
	ck_assert_ptr_null(f.af_method);
	ck_assert_str_eq(f.af_uri, "/admin");
	env_free(env);
}
END_TEST

/* The role of BEGIN_REQUEST; anything but the two we serve is OTHER. */
static const struct {
	int		role;
	enum authz_role	want;
} role_cases[] = {
	{ 1,	AUTHZ_ROLE_RESPONDER },
	{ 2,	AUTHZ_ROLE_AUTHORIZER },
	{ 3,	AUTHZ_ROLE_OTHER },		/* FCGI_FILTER */
	{ 0,	AUTHZ_ROLE_OTHER },
	{ 4,	AUTHZ_ROLE_OTHER },
	{ -1,	AUTHZ_ROLE_OTHER },
	{ 258,	AUTHZ_ROLE_OTHER },		/* 2 in the low byte */
	{ 65535, AUTHZ_ROLE_OTHER },
};

START_TEST(test_facts_role)
{
	static const char *const in[] = {
		"FCGI_ROLE=AUTHORIZER",
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/",
		"AUTHZ_ORIGINAL_METHOD=GET",
		"REMOTE_ADDR=127.0.0.1",
		"HTTP_AUTHORIZATION=Basic x",
		"HTTP_AUTHORIZATION=Basic y",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, role_cases[_i].role, &f);
	ck_assert_msg(f.af_role == role_cases[_i].want, "role %d: %d",
	    role_cases[_i].role, (int)f.af_role);
	ck_assert_int_eq(f.af_now, NOW);
	if (f.af_role == AUTHZ_ROLE_OTHER) {
		/* Refused before anything is read: nothing left as garbage. */
		ck_assert_ptr_null(f.af_method);
		ck_assert_ptr_null(f.af_uri);
		ck_assert_ptr_null(f.af_remote_addr);
		ck_assert_ptr_null(f.af_authorization);
		ck_assert_ptr_null(f.af_remote_user);
		ck_assert_ptr_null(f.af_remote_passwd);
		ck_assert_int_eq(f.af_dup_authorization, 0);
		ck_assert_int_eq(f.af_bad_params, 0);
	} else {
		ck_assert_str_eq(f.af_method, "GET");
		ck_assert_int_eq(f.af_dup_authorization, 1);
	}
	env_free(env);
}
END_TEST

/* A param given twice resolves to the first, as FCGX_GetParam does. */
START_TEST(test_facts_duplicates)
{
	static const char *const in[] = {
		"REQUEST_METHOD=GET",
		"REQUEST_URI=/first",
		"REMOTE_ADDR=10.0.0.1",
		"REMOTE_USER=alice",
		"REMOTE_PASSWD=one",
		"FCGI_APACHE_ROLE=AUTHORIZER",
		"REQUEST_METHOD=POST",
		"REQUEST_URI=/second",
		"REMOTE_ADDR=10.0.0.2",
		"REMOTE_USER=root",
		"REMOTE_PASSWD=two",
		"FCGI_APACHE_ROLE=ACCESS_CHECKER",
		"HTTP_AUTHORIZATION=Basic x",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_str_eq(f.af_method, "GET");
	ck_assert_str_eq(f.af_uri, "/first");
	ck_assert_str_eq(f.af_remote_addr, "10.0.0.1");
	ck_assert_str_eq(f.af_remote_user, "alice");
	ck_assert_str_eq(f.af_remote_passwd, "one");
	ck_assert_int_eq(f.af_phase, AUTHZ_PHASE_AUTHORIZER);
	/* Only a repeated Authorization is flagged. */
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_str_eq(f.af_authorization, "Basic x");
	env_free(env);
}
END_TEST

/* Two Authorization headers: flagged, whatever the values and role. */
static const struct {
	int		 role;
	const char	*a;
	const char	*b;
	const char	*c;
} dup_cases[] = {
	{ 2, "HTTP_AUTHORIZATION=Basic x", "HTTP_AUTHORIZATION=Basic y", NULL },
	{ 2, "HTTP_AUTHORIZATION=Basic x", "HTTP_AUTHORIZATION=Basic x", NULL },
	{ 2, "HTTP_AUTHORIZATION=", "HTTP_AUTHORIZATION=Basic y", NULL },
	{ 2, "HTTP_AUTHORIZATION=Basic x", "HTTP_AUTHORIZATION=",
	    "HTTP_AUTHORIZATION=Bearer z" },
	{ 1, "HTTP_AUTHORIZATION=Bearer x", "HTTP_AUTHORIZATION=Basic y",
	    NULL },
	/* libfcgi's envp for a header name "Authorization=Basic x". */
	{ 2, "HTTP_AUTHORIZATION=Basic x==y", "HTTP_AUTHORIZATION=Basic z",
	    NULL },
};

START_TEST(test_facts_dup_authorization)
{
	const char		*in[] = {
		"REQUEST_METHOD=GET",
		"AUTHZ_ORIGINAL_METHOD=GET",
		dup_cases[_i].a,
		"REQUEST_URI=/",
		dup_cases[_i].b,
		dup_cases[_i].c,
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);
	const char		*first;

	facts_of(env, dup_cases[_i].role, &f);
	ck_assert_int_eq(f.af_dup_authorization, 1);
	/* Still the first, so that nothing reads past a NULL. */
	first = strchr(dup_cases[_i].a, '=') + 1;
	ck_assert_str_eq(f.af_authorization, first);
	env_free(env);
}
END_TEST

/* Names that start like a wanted one, or end like it, are other params. */
START_TEST(test_facts_name_prefix)
{
	static const char *const in[] = {
		"REQUEST_URIX=/x",
		"REQUEST_URI_=/y",
		"XREQUEST_URI=/z",
		"REQUEST_UR=/w",
		"REQUEST_URI",
		"REQUEST_METHOD",
		"REQUEST_METHODS=GET",
		"request_method=GET",
		"REMOTE_USERNAME=alice",
		"REMOTE_PASSWDX=secret",
		"REMOTE_ADDR_X=10.0.0.1",
		"HTTP_AUTHORIZATIONX=Basic x",
		"HTTP_PROXY_AUTHORIZATION=Basic y",
		"XHTTP_AUTHORIZATION=Basic z",
		"HTTP_AUTHORIZATION=Basic ok",
		"FCGI_APACHE_ROLEX=AUTHORIZER",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_remote_user);
	ck_assert_ptr_null(f.af_remote_passwd);
	ck_assert_ptr_null(f.af_remote_addr);
	ck_assert_int_eq(f.af_phase, AUTHZ_PHASE_NONE);
	ck_assert_str_eq(f.af_authorization, "Basic ok");
	ck_assert_int_eq(f.af_dup_authorization, 0);
	env_free(env);
}
END_TEST

/* An empty value is present ("" ), not absent (NULL). */
START_TEST(test_facts_empty_values)
{
	static const char *const in[] = {
		"REQUEST_METHOD=",
		"REQUEST_URI=",
		"HTTP_AUTHORIZATION=",
		"REMOTE_USER=",
		"REMOTE_PASSWD=",
		"REMOTE_ADDR=",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_str_eq(f.af_method, "");
	ck_assert_str_eq(f.af_uri, "");
	ck_assert_str_eq(f.af_authorization, "");
	ck_assert_str_eq(f.af_remote_user, "");
	ck_assert_str_eq(f.af_remote_passwd, "");
	ck_assert_str_eq(f.af_remote_addr, "");
	ck_assert_int_eq(f.af_dup_authorization, 0);
	env_free(env);
}
END_TEST

/* No params at all: every fact absent, in both roles. */
START_TEST(test_facts_no_params)
{
	static const char *const in[] = { NULL };
	struct authz_facts	 f;
	char			**env = env_new(in);
	int			 role = _i == 0 ? FACTS_FCGI_AUTHORIZER :
				    FACTS_FCGI_RESPONDER;

	facts_of(env, role, &f);
	ck_assert_int_eq(f.af_role, _i == 0 ? AUTHZ_ROLE_AUTHORIZER :
	    AUTHZ_ROLE_RESPONDER);
	ck_assert_int_eq(f.af_phase, AUTHZ_PHASE_NONE);
	ck_assert_ptr_null(f.af_method);
	ck_assert_ptr_null(f.af_uri);
	ck_assert_ptr_null(f.af_remote_addr);
	ck_assert_ptr_null(f.af_forwarded_for);
	ck_assert_ptr_null(f.af_authorization);
	ck_assert_ptr_null(f.af_remote_user);
	ck_assert_ptr_null(f.af_remote_passwd);
	ck_assert_int_eq(f.af_dup_authorization, 0);
	ck_assert_int_eq(f.af_bad_params, 0);
	env_free(env);
}
END_TEST

/* Values with '=' in them keep everything after the first '='. */
START_TEST(test_facts_value_with_equals)
{
	static const char *const in[] = {
		"REQUEST_URI=/a?b=c=d",
		"REQUEST_METHOD==GET",
		"HTTP_AUTHORIZATION=Basic YTpi==",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_str_eq(f.af_uri, "/a?b=c=d");
	ck_assert_str_eq(f.af_method, "=GET");
	ck_assert_str_eq(f.af_authorization, "Basic YTpi==");
	env_free(env);
}
END_TEST

/* A long envp, with the wanted params last. */
START_TEST(test_facts_many_params)
{
	struct authz_facts	  f;
	char			**env;
	size_t			  n = 10000, i;

	ck_assert_ptr_nonnull(env = calloc(n + 4, sizeof(*env)));
	for (i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(env[i] = malloc(32));
		snprintf(env[i], 32, "HTTP_X_%zu=%zu", i, i);
	}
	ck_assert_ptr_nonnull(env[n] = strdup("REQUEST_METHOD=GET"));
	ck_assert_ptr_nonnull(env[n + 1] = strdup("REQUEST_URI=/last"));
	ck_assert_ptr_nonnull(env[n + 2] = strdup("HTTP_AUTHORIZATION=x"));
	env[n + 3] = NULL;
	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_str_eq(f.af_method, "GET");
	ck_assert_str_eq(f.af_uri, "/last");
	ck_assert_str_eq(f.af_authorization, "x");
	ck_assert_int_eq(f.af_dup_authorization, 0);
	facts_wipe_secrets(env);
	ck_assert_str_eq(env[n + 2], "HTTP_AUTHORIZATION=");
	ck_assert_str_eq(env[n - 1], "HTTP_X_9999=9999");
	env_free(env);
}
END_TEST

/*
 * One param next to a bystander, wiped or not.  A wiped param keeps its
 * bytes up to and with the first '=' and has every byte after it zeroed,
 * to the original end; libfcgi's "name" can itself hold a '=' (a header
 * "Authorization=Basic x" arrives as "HTTP_AUTHORIZATION=Basic x==...").
 */
static const struct {
	const char	*param;
	int		 wiped;
} wipe_cases[] = {
	{ "HTTP_AUTHORIZATION=Basic YWxpY2U6c2VjcmV0",	1 },
	{ "HTTP_AUTHORIZATION=Bearer 0123456789abcdef",	1 },
	{ "REMOTE_PASSWD=secret",			1 },
	{ "HTTP_AUTHORIZATION=Basic x==value",		1 },
	{ "HTTP_AUTHORIZATION=Basic YTpi==",		1 },
	{ "REMOTE_PASSWD==secret",			1 },
	{ "HTTP_AUTHORIZATION=",			1 },
	{ "REMOTE_USER=alice",				0 },
	{ "HTTP_PROXY_AUTHORIZATION=Basic YTpi",	0 },
	{ "XHTTP_AUTHORIZATION=Basic YTpi",		0 },
	{ "AUTHORIZATION=Basic YTpi",			0 },
	{ "http_authorization=Basic YTpi",		0 },
	{ "REMOTE_PASSW=secret",			0 },
	{ "HTTP_COOKIE=session=secret",			0 },
	{ "REQUEST_URI=/?HTTP_AUTHORIZATION=x",		0 },
	{ "QUERY_STRING=REMOTE_PASSWD=x",		0 },
	{ "HTTP_AUTHORIZATION",				0 },
};

START_TEST(test_facts_wipe)
{
	const char	*in[] = {
		"REQUEST_URI=/keep",
		wipe_cases[_i].param,
		"REMOTE_USER=bystander",
		NULL
	};
	char		**env = env_new(in);
	const char	 *orig = wipe_cases[_i].param, *eq;
	size_t		  len = strlen(orig), keep, j;

	facts_wipe_secrets(env);
	ck_assert_str_eq(env[0], "REQUEST_URI=/keep");
	ck_assert_str_eq(env[2], "REMOTE_USER=bystander");
	ck_assert_ptr_null(env[3]);
	if (!wipe_cases[_i].wiped)
		ck_assert_str_eq(env[1], orig);
	else {
		ck_assert_ptr_nonnull(eq = strchr(orig, '='));
		keep = (size_t)(eq - orig) + 1;
		ck_assert_mem_eq(env[1], orig, keep);
		for (j = keep; j < len; j++)
			ck_assert_msg(env[1][j] == '\0', "%s: byte %zu left",
			    orig, j);
	}
	env_free(env);
}
END_TEST

/* Every copy is wiped, not only the first one the facts point at. */
START_TEST(test_facts_wipe_all_copies)
{
	static const char *const in[] = {
		"HTTP_AUTHORIZATION=Basic first",
		"REQUEST_METHOD=GET",
		"REMOTE_PASSWD=one",
		"HTTP_AUTHORIZATION=Basic second",
		"REMOTE_USER=alice",
		"REMOTE_PASSWD=two",
		"HTTP_AUTHORIZATION=Basic x==third",
		NULL
	};
	struct authz_facts	 f;
	char			**env = env_new(in);
	size_t			 i, j, len, keep;

	facts_of(env, FACTS_FCGI_AUTHORIZER, &f);
	ck_assert_int_eq(f.af_dup_authorization, 1);
	facts_wipe_secrets(env);
	/* The facts point at the wiped bytes. */
	ck_assert_str_eq(f.af_authorization, "");
	ck_assert_str_eq(f.af_remote_passwd, "");
	ck_assert_str_eq(f.af_remote_user, "alice");
	ck_assert_str_eq(f.af_method, "GET");
	for (i = 0; in[i] != NULL; i++) {
		len = strlen(in[i]);
		keep = (size_t)(strchr(in[i], '=') - in[i]) + 1;
		if (strncmp(in[i], "REMOTE_USER=", 12) == 0 ||
		    strncmp(in[i], "REQUEST_METHOD=", 15) == 0) {
			ck_assert_str_eq(env[i], in[i]);
			continue;
		}
		ck_assert_mem_eq(env[i], in[i], keep);
		for (j = keep; j < len; j++)
			ck_assert_msg(env[i][j] == '\0', "%s: byte %zu left",
			    in[i], j);
	}
	/* A second wipe finds nothing more to do. */
	facts_wipe_secrets(env);
	ck_assert_str_eq(env[0], "HTTP_AUTHORIZATION=");
	ck_assert_str_eq(env[4], "REMOTE_USER=alice");
	env_free(env);
}
END_TEST

START_TEST(test_facts_wipe_empty)
{
	static const char *const in[] = { NULL };
	char **env = env_new(in);

	facts_wipe_secrets(env);
	ck_assert_ptr_null(env[0]);
	env_free(env);
}
END_TEST

static Suite *
facts_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("facts");

	tc = tcase_create("core");
	tcase_add_test(tc, test_facts_authorizer);
	tcase_add_loop_test(tc, test_facts_apache_phase, 0,
	    NITEMS(phase_cases));
	tcase_add_test(tc, test_facts_responder);
	tcase_add_test(tc, test_facts_responder_uri_fallback);
	tcase_add_loop_test(tc, test_facts_role, 0, NITEMS(role_cases));
	tcase_add_test(tc, test_facts_duplicates);
	tcase_add_loop_test(tc, test_facts_wipe, 0, NITEMS(wipe_cases));
	tcase_add_test(tc, test_facts_wipe_all_copies);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_facts_no_params, 0, 2);
	tcase_add_test(tc, test_facts_empty_values);
	tcase_add_test(tc, test_facts_many_params);
	tcase_add_test(tc, test_facts_wipe_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_test(tc, test_facts_responder_no_method);
	tcase_add_loop_test(tc, test_facts_dup_authorization, 0,
	    NITEMS(dup_cases));
	tcase_add_test(tc, test_facts_name_prefix);
	tcase_add_test(tc, test_facts_value_with_equals);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(facts_suite());
}
