/*
 * Loading fcgi-authz.ini: defaults first, then every key through one
 * handler (confparse.c), then cross-checks, then the users file.  Every
 * error is collected as "FILE:LINE: message"; a snapshot with any error
 * is thrown away whole.
 */
#include "config.h"

#include <sys/stat.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "conf.h"
#include "confparse.h"
#include "defaults.h"
#include "filetrust.h"
#include "inifile.h"
#include "users.h"

/* A relative users path is relative to the config file's directory. */
static char *
conf_resolve_path(const char *conf_path, const char *p)
{
	const char	*slash;
	char		*out;

	if (p[0] == '/' || (slash = strrchr(conf_path, '/')) == NULL)
		return strdup(p);
	if (asprintf(&out, "%.*s/%s", (int)(slash - conf_path), conf_path,
	    p) == -1)
		return NULL;
	return out;
}

void
conf_fileid_from_stat(const struct stat *st, struct conf_fileid *id)
{
	memset(id, 0, sizeof(*id));
	id->fi_dev = st->st_dev;
	id->fi_ino = st->st_ino;
	id->fi_size = st->st_size;
	id->fi_mtim = st->st_mtim;
	id->fi_ctim = st->st_ctim;
}

int
conf_fileid_equal(const struct conf_fileid *a, const struct conf_fileid *b)
{
	return a->fi_errno == 0 && b->fi_errno == 0 &&
	    a->fi_dev == b->fi_dev && a->fi_ino == b->fi_ino &&
	    a->fi_size == b->fi_size &&
	    a->fi_mtim.tv_sec == b->fi_mtim.tv_sec &&
	    a->fi_mtim.tv_nsec == b->fi_mtim.tv_nsec &&
	    a->fi_ctim.tv_sec == b->fi_ctim.tv_sec &&
	    a->fi_ctim.tv_nsec == b->fi_ctim.tv_nsec;
}

/*
 * Cross-checks once everything is read.  A rule naming a role or user
 * that nobody has is only a warning: deleting the last holder of a role
 * must still reload (and then denies), not keep the old users running.
 */
static void
conf_validate(struct confparse *cp, struct errlist *warnings)
{
	struct conf	*cf = cp->cp_conf;
	const struct rule *ru;
	size_t		 i, j, u;
	int		 found;

	if (cf->cf_hash_memlimit > cf->cf_hash_limits.hfl_max_memory)
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONFPARSE_LINE_MEMLIMIT],
		    "[hashing] memlimit (%zu bytes) is above max_memory "
		    "(%llu bytes): new hashes would be refused at load",
		    cf->cf_hash_memlimit, cf->cf_hash_limits.hfl_max_memory);
	if (cf->cf_hash_opslimit > cf->cf_hash_limits.hfl_max_passes)
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONFPARSE_LINE_OPSLIMIT],
		    "[hashing] opslimit (%llu) is above max_passes (%llu): "
		    "new hashes would be refused at load",
		    cf->cf_hash_opslimit, cf->cf_hash_limits.hfl_max_passes);
	if (cp->cp_users_raw == NULL)
		errlist_add(cp->cp_errs, cp->cp_file, 0,
		    "[server] users is required");
	if (cf->cf_users == NULL || warnings == NULL)
		return;
	for (i = 0; i < cf->cf_nrules; i++) {
		ru = &cf->cf_rules[i];
		for (j = 0; j < ru->ru_nroles; j++) {
			found = 0;
			for (u = 0; u < users_count(cf->cf_users) && !found; u++) {
				const struct user *us = users_at(cf->cf_users, u);

				found = users_has_role(us->us_roles,
				    us->us_nroles, ru->ru_roles[j]);
			}
			if (!found)
				errlist_add(warnings, cp->cp_file, ru->ru_line,
				    "warning: [rule:%s]: no user holds role "
				    "\"%s\"", ru->ru_name, ru->ru_roles[j]);
		}
		for (j = 0; j < ru->ru_nusers; j++)
			if (users_find(cf->cf_users, ru->ru_users[j],
			    strlen(ru->ru_users[j])) == NULL)
				errlist_add(warnings, cp->cp_file, ru->ru_line,
				    "warning: [rule:%s]: no user \"%s\" in %s",
				    ru->ru_name, ru->ru_users[j],
				    cf->cf_users_path);
	}
}

/*
 * systemd's RuntimeDirectory= (RUNTIME_DIRECTORY, the first of a ':'
 * list), which the unit keeps across restarts; else /dev/shm.  Its length
 * goes to *len.
 */
static const char *
conf_throttle_dir(size_t *len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");

	if (dir == NULL || dir[0] != '/') {
		*len = strlen(AUTHZ_THROTTLE_DIR);
		return AUTHZ_THROTTLE_DIR;
	}
	*len = strcspn(dir, ":");
	return dir;
}

void
conf_throttle_path(const struct conf *cf, char *buf, size_t bufsz)
{
	unsigned char	 h[8];
	char		 hex[sizeof(h) * 2 + 1];
	const char	*dir;
	size_t		 dirlen;

	if (cf->cf_throttle_state != NULL) {
		snprintf(buf, bufsz, "%s", cf->cf_throttle_state);
		return;
	}
	crypto_generichash(h, sizeof(h), (const unsigned char *)cf->cf_path,
	    strlen(cf->cf_path), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	dir = conf_throttle_dir(&dirlen);
	snprintf(buf, bufsz, "%.*s/fcgi-authz-%lu-%s", (int)dirlen, dir,
	    (unsigned long)geteuid(), hex);
}

/*
 * Reads the config file into cp: through filetrust_open() when trust is
 * set, as it is otherwise.  Its stat goes to st.
 */
static void
conf_read(struct confparse *cp, const char *path,
    const struct conf_trust *trust, struct stat *st, struct errlist *errs)
{
	int	fd;

	if (trust == NULL) {
		(void)inifile_parse(path, 0, st, confparse_handler, cp, errs);
		return;
	}
	if ((fd = filetrust_open(path, &trust->ct_conf, 0, st, errs,
	    NULL)) == -1)
		return;
	(void)inifile_parse_fd(path, fd, st, confparse_handler, cp, errs);
	close(fd);
}

int
conf_daemon_ids(const struct conf *cf, struct filetrust_ids *ids,
    const char **unknown)
{
	struct passwd	*pw;
	struct group	*gr;

	filetrust_ids_self(ids);
	if (geteuid() != 0 || cf->cf_user == NULL)
		return 0;
	if ((pw = getpwnam(cf->cf_user)) == NULL) {
		*unknown = "user";
		return -1;
	}
	ids->fti_uid = pw->pw_uid;
	ids->fti_gid = pw->pw_gid;
	if (cf->cf_group == NULL)
		return 0;
	if ((gr = getgrnam(cf->cf_group)) == NULL) {
		*unknown = "group";
		return -1;
	}
	ids->fti_gid = gr->gr_gid;
	return 0;
}

/*
 * conf_daemon_ids(), with a name this system does not know an error at
 * its FILE:LINE (conf_load_trusted()): authzd.c drops to these very ids.
 */
static int
conf_trust_daemon(struct confparse *cp, struct filetrust_ids *ids)
{
	const struct conf	*cf = cp->cp_conf;
	const char		*unknown = NULL;

	if (conf_daemon_ids(cf, ids, &unknown) == 0)
		return 0;
	if (strcmp(unknown, "user") == 0)
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONFPARSE_LINE_USER],
		    "user: no user \"%s\" on this system", cf->cf_user);
	else
		errlist_add(cp->cp_errs, cp->cp_file,
		    cp->cp_line[CONFPARSE_LINE_GROUP],
		    "group: no group \"%s\" on this system", cf->cf_group);
	return -1;
}

/*
 * Reads the users file the config named: through filetrust_open(), with
 * a warning if every user may read it, when trust is set.
 */
static struct users *
conf_read_users(const struct conf *cf, const struct hashfmt_limits *lim,
    const struct conf_trust *trust, struct errlist *errs,
    struct errlist *warnings)
{
	struct users	*u;
	struct stat	 st;
	int		 fd;

	if (trust == NULL)
		return users_load(cf->cf_users_path, lim, errs);
	if ((fd = filetrust_open(cf->cf_users_path, &trust->ct_users,
	    FILETRUST_WARN_READABLE, &st, errs, warnings)) == -1)
		return NULL;
	u = users_load_fd(cf->cf_users_path, fd, lim, errs);
	close(fd);
	return u;
}

/*
 * conf_load_warn() and conf_load_trusted(): trust NULL checks nothing;
 * with derive, trust->ct_users is found once the config is read.
 */
static struct conf *
conf_load_common(const char *path, int flags, struct conf_trust *trust,
    int derive, struct errlist *errs, struct errlist *warnings)
{
	struct conf		*cf;
	struct confparse	 cp;
	struct stat		 st;
	size_t			 before = errlist_count(errs);

	if ((cf = calloc(1, sizeof(*cf))) == NULL) {
		errlist_add(errs, path, 0, "out of memory");
		return NULL;
	}
	confparse_defaults(cf);
	memset(&cp, 0, sizeof(cp));
	cp.cp_conf = cf;
	cp.cp_errs = errs;
	cp.cp_file = path;
	if ((cf->cf_path = strdup(path)) == NULL) {
		errlist_add(errs, path, 0, "out of memory");
		goto fail;
	}
	memset(&st, 0, sizeof(st));
	conf_read(&cp, path, trust, &st, errs);
	conf_fileid_from_stat(&st, &cf->cf_files.cfs_conf);
	confparse_finish(&cp);
	confparse_default_lists(&cp);
	if (cf->cf_realm == NULL && (cf->cf_realm = strdup(AUTHZ_REALM)) == NULL)
		errlist_add(errs, path, 0, "out of memory");
	if (cp.cp_users_raw != NULL) {
		cf->cf_users_path = conf_resolve_path(path, cp.cp_users_raw);
		if (cf->cf_users_path == NULL)
			errlist_add(errs, path,
			    cp.cp_line[CONFPARSE_LINE_USERS], "out of memory");
	}
	/* Without the daemon's ids, the users file cannot be judged. */
	if (trust != NULL && derive &&
	    conf_trust_daemon(&cp, &trust->ct_users) == -1)
		flags |= CONF_LOAD_NO_USERS;
	if (cf->cf_users_path != NULL && !(flags & CONF_LOAD_NO_USERS)) {
		cf->cf_users = conf_read_users(cf, &cf->cf_hash_limits, trust,
		    errs, warnings);
		if (cf->cf_users != NULL)
			conf_fileid_from_stat(users_file_stat(cf->cf_users),
			    &cf->cf_files.cfs_users);
	}
	if (trust != NULL)
		cf->cf_trust = *trust;
	conf_validate(&cp, warnings);
	if (errlist_count(errs) != before)
		goto fail;
	if ((cf->cf_rules_index = rules_index_new(cf->cf_rules,
	    cf->cf_nrules)) == NULL) {
		errlist_add(errs, path, 0, "out of memory (rules index)");
		goto fail;
	}
	free(cp.cp_users_raw);
	return cf;
fail:
	free(cp.cp_users_raw);
	conf_free(cf);
	return NULL;
}

struct conf *
conf_load_warn(const char *path, int flags, struct errlist *errs,
    struct errlist *warnings)
{
	return conf_load_common(path, flags, NULL, 0, errs, warnings);
}

struct conf *
conf_load_trusted(const char *path, int flags, const struct conf_trust *trust,
    struct errlist *errs, struct errlist *warnings)
{
	struct conf_trust t;

	if (trust != NULL) {
		t = *trust;
		return conf_load_common(path, flags, &t, 0, errs, warnings);
	}
	filetrust_ids_self(&t.ct_conf);
	return conf_load_common(path, flags, &t, 1, errs, warnings);
}

struct conf *
conf_load(const char *path, int flags, struct errlist *errs)
{
	return conf_load_warn(path, flags, errs, NULL);
}

void
conf_free(struct conf *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	free(cf->cf_path);
	free(cf->cf_listen);
	free(cf->cf_users_path);
	free(cf->cf_realm);
	free(cf->cf_trusted_proxies);
	free(cf->cf_http_trusted);
	free(cf->cf_http);
	free(cf->cf_user);
	free(cf->cf_group);
	free(cf->cf_metrics_textfile);
	free(cf->cf_throttle_state);
	rules_index_free(cf->cf_rules_index);
	for (i = 0; i < cf->cf_nrules; i++)
		rules_free(&cf->cf_rules[i]);
	free(cf->cf_rules);
	users_free(cf->cf_users);
	free(cf);
}
