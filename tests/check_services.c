#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sodium.h>

#include "check_common.h"
#include "authcache.h"
#include "authz.h"
#include "conf.h"
#include "errlist.h"
#include "monoclock.h"
#include "pwcheck.h"
#include "recent.h"
#include "services.h"
#include "users.h"

/*
 * The services a snapshot serves with (services.h): made for it, or
 * handed on from the snapshot it replaces, on the fixtures in
 * tests/data/conf.
 */


/* alice's hash in good-users.ini (password "alice-pw"); cheap to verify. */
#define ALICE_HASH	"$argon2id$v=19$m=8192,t=1,p=1" \
			"$4UWxwpZJKErpGqJfs2Aj8Q" \
			"$zNQpE706Z8OoJfsMLBkRHEigCF4i4+sXS5HFWlZfx3M"

/* A loaded configuration and its services, as the daemon keeps them. */
struct snap {
	struct conf		*sn_conf;
	struct authz_services	 sn_svc;
};

/* Loads the fixture NAME; no services yet. */
static struct snap *
load_ok(const char *name)
{
	char		 path[PATH_MAX];
	struct errlist	 errs;
	struct snap	*sn;

	ck_assert_ptr_nonnull(sn = calloc(1, sizeof(*sn)));
	check_srcpath(path, sizeof(path), "tests/data/conf", name);
	errlist_init(&errs);
	sn->sn_conf = conf_load(path, 0, &errs);
	if (sn->sn_conf == NULL || errlist_count(&errs) != 0)
		errlist_print(&errs, stderr);
	ck_assert_msg(sn->sn_conf != NULL, "%s did not load", name);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
	return sn;
}

/* to's services, made from from's (NULL: from nothing). */
static void
prepare_from(struct snap *to, const struct snap *from)
{
	struct errlist errs;

	errlist_init(&errs);
	ck_assert_int_eq(services_prepare(&to->sn_svc, to->sn_conf,
	    from != NULL ? from->sn_conf : NULL,
	    from != NULL ? &from->sn_svc : NULL, &errs), 0);
	ck_assert_uint_eq(errlist_count(&errs), 0);
	errlist_free(&errs);
	ck_assert_ptr_nonnull(to->sn_svc.as_pwcheck);
}

/* As the daemon frees a snapshot: its services, then its settings. */
static void
snap_free(struct snap *sn)
{
	services_free(&sn->sn_svc);
	conf_free(sn->sn_conf);
	free(sn);
}

static const struct user *
find_user(const struct users *u, const char *name)
{
	return users_find(u, name, strlen(name));
}

/* The dummy hash and the cache are made; a load alone makes neither. */
START_TEST(test_services_pwcheck)
{
	struct snap		*sn;
	const struct user	*us;
	struct pwcheck		*pw;

	sn = load_ok("good.ini");
	ck_assert_ptr_null(sn->sn_svc.as_pwcheck);
	prepare_from(sn, NULL);
	ck_assert_ptr_nonnull(pw = sn->sn_svc.as_pwcheck);
	ck_assert_ptr_nonnull(sn->sn_svc.as_cache);
	ck_assert_ptr_nonnull(sn->sn_svc.as_recent);
	ck_assert_ptr_null(sn->sn_svc.as_throttle);
	/* The fixture's hashes are for the passwords its comment gives. */
	ck_assert_ptr_nonnull(us = find_user(sn->sn_conf->cf_users, "alice"));
	ck_assert_int_eq(pwcheck_verify(pw, us->us_hash, "alice-pw", 8), 1);
	ck_assert_int_eq(pwcheck_verify(pw, us->us_hash, "alice-PW", 8), 0);
	ck_assert_ptr_nonnull(us = find_user(sn->sn_conf->cf_users, "bob"));
	ck_assert_int_eq(pwcheck_verify(pw, us->us_hash, "bob-pw", 6), 1);
	ck_assert_int_eq(pwcheck_verify_dummy(pw, "alice-pw", 8), 0);
	snap_free(sn);

	/* ttl = 0: no cache, but still a checker. */
	sn = load_ok("cache-off.ini");
	prepare_from(sn, NULL);
	ck_assert_uint_eq(sn->sn_conf->cf_cache_ttl, 0);
	ck_assert_ptr_null(sn->sn_svc.as_cache);
	ck_assert_ptr_null(sn->sn_svc.as_recent);
	ck_assert_ptr_nonnull(sn->sn_svc.as_pwcheck);
	snap_free(sn);
}
END_TEST

/*
 * A reload (services_prepare from the running snapshot) hands its cache
 * on to the new one when [cache] entries and ttl are the same, whatever
 * else changed; otherwise the new one gets its own, and without a cache
 * on either side nothing is shared.  The dummy hash goes on too while
 * the users' typical cost is the same.
 */
static const struct {
	const char	*from, *to;
	int		 shared;
} adopt_cases[] = {
	{ "good.ini",		"good.ini",			1 },
	{ "good.ini",		"cache-same.ini",		1 },
	{ "good.ini",		"cache-ttl-30.ini",		0 },
	{ "good.ini",		"cache-entries-2048.ini",	0 },
	{ "good.ini",		"defaults.ini",			0 },
	{ "good.ini",		"cache-off.ini",		0 },
	{ "cache-off.ini",	"good.ini",			0 },
	{ "cache-off.ini",	"cache-off.ini",		0 },
};

START_TEST(test_services_prepare_from)
{
	struct snap		*from, *to;
	struct authcache	*from_cache;
	uint8_t			 key[AUTHCACHE_KEYLEN];
	uint64_t		 now = monoclock_now();

	from = load_ok(adopt_cases[_i].from);
	prepare_from(from, NULL);
	to = load_ok(adopt_cases[_i].to);
	ck_assert_ptr_null(to->sn_svc.as_cache);
	/* alice verified under the running snapshot. */
	if ((from_cache = from->sn_svc.as_cache) != NULL) {
		authcache_key(from_cache, "alice", ALICE_HASH, "alice-pw", 8,
		    key);
		authcache_insert(from_cache, key, now);
	}
	prepare_from(to, from);
	/* Same users file, same typical cost: the same dummy hash. */
	ck_assert_str_eq(pwcheck_dummy_hash(to->sn_svc.as_pwcheck),
	    pwcheck_dummy_hash(from->sn_svc.as_pwcheck));
	/* Twice is once. */
	prepare_from(to, from);
	if (adopt_cases[_i].shared) {
		ck_assert_ptr_nonnull(to->sn_svc.as_cache);
		ck_assert_ptr_eq(to->sn_svc.as_cache, from_cache);
		/* The old snapshot goes first; its entries stay. */
		snap_free(from);
		ck_assert_int_eq(authcache_lookup(to->sn_svc.as_cache, key,
		    now), 1);
	} else {
		ck_assert_int_eq(to->sn_svc.as_cache != NULL,
		    to->sn_conf->cf_cache_ttl > 0);
		if (to->sn_svc.as_cache != NULL) {
			ck_assert_ptr_ne(to->sn_svc.as_cache, from_cache);
			authcache_key(to->sn_svc.as_cache, "alice", ALICE_HASH,
			    "alice-pw", 8, key);
			ck_assert_int_eq(authcache_lookup(to->sn_svc.as_cache,
			    key, now), 0);
		}
		snap_free(from);
	}
	snap_free(to);
}
END_TEST

/*
 * The recent successes (recent.h) go on at every reload that keeps a
 * cache, whatever [cache] says now: their size is fixed, and their
 * lifetime is read from the snapshot that asks.  With the cache off
 * there are none.
 */
static const struct {
	const char	*from, *to;
	int		 shared;
} recent_adopt_cases[] = {
	{ "good.ini",		"good.ini",			1 },
	{ "good.ini",		"cache-ttl-30.ini",		1 },
	{ "good.ini",		"cache-entries-2048.ini",	1 },
	{ "good.ini",		"defaults.ini",			1 },
	{ "good.ini",		"cache-off.ini",		0 },
	{ "cache-off.ini",	"good.ini",			0 },
};

START_TEST(test_services_recent_handed_on)
{
	struct snap	*from, *to;
	struct recent	*was;

	from = load_ok(recent_adopt_cases[_i].from);
	prepare_from(from, NULL);
	was = from->sn_svc.as_recent;
	to = load_ok(recent_adopt_cases[_i].to);
	prepare_from(to, from);
	if (recent_adopt_cases[_i].shared)
		ck_assert_ptr_eq(to->sn_svc.as_recent, was);
	else if (to->sn_conf->cf_cache_ttl > 0)
		ck_assert_ptr_ne(to->sn_svc.as_recent, was);
	else
		ck_assert_ptr_null(to->sn_svc.as_recent);
	snap_free(from);
	snap_free(to);
}
END_TEST

/*
 * A reload drops the recent successes of every user it changes (the
 * password, the roles, the expiry), disables or removes, and keeps the
 * others' (recent-before-users.ini, recent-after-users.ini).  Each tag
 * is looked up with the key it was stored under, so that a tag that
 * stayed would be found even where its new hash would miss it.
 */
static const struct {
	const char	*user;
	int		 kept;
} recent_drop_cases[] = {
	{ "alice",	1 },	/* as it was */
	{ "bob",	0 },	/* another password */
	{ "carol",	0 },	/* disabled */
	{ "dave",	0 },	/* removed */
	{ "erin",	0 },	/* other roles */
	{ "frank",	0 },	/* another expiry */
	{ "grace",	1 },	/* as it was */
};

START_TEST(test_services_recent_drops_changed)
{
	struct snap		*from, *to;
	const struct user	*us;
	struct recent_key	 rk[NITEMS(recent_drop_cases)];
	uint64_t		 now = monoclock_now();
	unsigned		 life = 3600;
	int			 i;

	from = load_ok("recent-before.ini");
	prepare_from(from, NULL);
	for (i = 0; i < NITEMS(recent_drop_cases); i++) {
		us = find_user(from->sn_conf->cf_users,
		    recent_drop_cases[i].user);
		ck_assert_ptr_nonnull(us);
		recent_key(from->sn_svc.as_recent, us->us_name, us->us_hash,
		    "pw", 2, &rk[i]);
		recent_insert(from->sn_svc.as_recent, &rk[i], now);
	}
	to = load_ok("recent-after.ini");
	prepare_from(to, from);
	ck_assert_ptr_eq(to->sn_svc.as_recent, from->sn_svc.as_recent);
	snap_free(from);
	for (i = 0; i < NITEMS(recent_drop_cases); i++)
		ck_assert_msg(recent_lookup(to->sn_svc.as_recent, &rk[i], now,
		    life) == recent_drop_cases[i].kept, "%s: %s",
		    recent_drop_cases[i].user, recent_drop_cases[i].kept ?
		    "dropped" : "kept");
	ck_assert_uint_eq(recent_count(to->sn_svc.as_recent, now, life), 2);
	snap_free(to);
}
END_TEST

/*
 * A reload that reads the very users file again (a SIGHUP, or a change
 * to fcgi-authz.ini alone) drops nothing: nobody changed.
 */
START_TEST(test_services_recent_same_users)
{
	struct snap		*from, *to;
	const struct user	*us;
	struct recent_key	 rk[NITEMS(recent_drop_cases)];
	uint64_t		 now = monoclock_now();
	int			 i;

	from = load_ok("recent-before.ini");
	prepare_from(from, NULL);
	for (i = 0; i < NITEMS(recent_drop_cases); i++) {
		us = find_user(from->sn_conf->cf_users,
		    recent_drop_cases[i].user);
		recent_key(from->sn_svc.as_recent, us->us_name, us->us_hash,
		    "pw", 2, &rk[i]);
		recent_insert(from->sn_svc.as_recent, &rk[i], now);
	}
	to = load_ok("recent-before.ini");
	prepare_from(to, from);
	snap_free(from);
	for (i = 0; i < NITEMS(recent_drop_cases); i++)
		ck_assert_int_eq(recent_lookup(to->sn_svc.as_recent, &rk[i],
		    now, 3600), 1);
	snap_free(to);
}
END_TEST

/*
 * The CLI's and -t's snapshots have no cache and no hashing: a snapshot
 * prepared from one, or without one, makes its own.
 */
START_TEST(test_services_prepare_from_none)
{
	struct snap *from, *to;

	from = load_ok("good.ini");
	to = load_ok("good.ini");
	ck_assert_ptr_null(from->sn_svc.as_cache);
	prepare_from(to, from);
	ck_assert_ptr_nonnull(to->sn_svc.as_cache);
	ck_assert_ptr_null(from->sn_svc.as_cache);
	snap_free(from);
	from = load_ok("good.ini");
	prepare_from(from, NULL);
	ck_assert_ptr_nonnull(from->sn_svc.as_cache);
	ck_assert_ptr_ne(from->sn_svc.as_cache, to->sn_svc.as_cache);
	snap_free(from);
	snap_free(to);
}
END_TEST

/*
 * scrypt ($7$) hashes load (fcgi-authz.ini(5), USERS.INI), so they must
 * verify too: crypto_pwhash_str_verify() knows only argon2.
 */
START_TEST(test_services_scrypt_verifies)
{
	struct snap		*sn;
	const struct user	*us;

	sn = load_ok("good.ini");
	prepare_from(sn, NULL);
	ck_assert_ptr_nonnull(us = find_user(sn->sn_conf->cf_users, "carol"));
	ck_assert_int_eq(strncmp(us->us_hash, "$7$", 3), 0);
	ck_assert_int_eq(pwcheck_verify(sn->sn_svc.as_pwcheck, us->us_hash,
	    "carol-pw", 8), 1);
	ck_assert_int_eq(pwcheck_verify(sn->sn_svc.as_pwcheck, us->us_hash,
	    "carol-PW", 8), 0);
	snap_free(sn);
}
END_TEST

/* Freeing leaves a zeroed struct, and NULL or an empty one is fine. */
START_TEST(test_services_free)
{
	struct authz_services	sv, zero;
	struct snap		*sn;

	memset(&zero, 0, sizeof(zero));
	services_free(NULL);
	memset(&sv, 0, sizeof(sv));
	services_free(&sv);
	sn = load_ok("good.ini");
	prepare_from(sn, NULL);
	services_free(&sn->sn_svc);
	ck_assert_int_eq(memcmp(&sn->sn_svc, &zero, sizeof(zero)), 0);
	snap_free(sn);
}
END_TEST

static Suite *
services_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("services");

	tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_services_pwcheck);
	tcase_add_loop_test(tc, test_services_prepare_from, 0,
	    NITEMS(adopt_cases));
	tcase_add_test(tc, test_services_prepare_from_none);
	tcase_add_loop_test(tc, test_services_recent_handed_on, 0,
	    NITEMS(recent_adopt_cases));
	tcase_add_test(tc, test_services_recent_drops_changed);
	tcase_add_test(tc, test_services_recent_same_users);
	tcase_add_test(tc, test_services_scrypt_verifies);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_services_free);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(services_suite());
}
