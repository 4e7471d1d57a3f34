/*
 * The daemon's watch on the files of the running snapshot: a reload
 * without SIGHUP when they change on disk.  Not in libauthz: only
 * server.c and lastgood.c use it.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "watch.h"

/*
 * Watching the files of the running snapshot (conf.h).  stat(2) follows
 * symbolic links as the load's open(2) does, so a link switched to
 * another file counts as a change too.
 */
static void
conf_fileid_stat(const char *path, struct conf_fileid *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (path == NULL)
		return;
	if (stat(path, &st) == -1)
		id->fi_errno = errno != 0 ? errno : EIO;
	else
		conf_fileid_from_stat(&st, id);
}

static int
conf_fileid_is_equal(const struct conf_fileid *a, const struct conf_fileid *b)
{
	return a->fi_errno == b->fi_errno && a->fi_dev == b->fi_dev &&
	    a->fi_ino == b->fi_ino && a->fi_size == b->fi_size &&
	    a->fi_mtim.tv_sec == b->fi_mtim.tv_sec &&
	    a->fi_mtim.tv_nsec == b->fi_mtim.tv_nsec &&
	    a->fi_ctim.tv_sec == b->fi_ctim.tv_sec &&
	    a->fi_ctim.tv_nsec == b->fi_ctim.tv_nsec;
}

static int
conf_files_is_equal(const struct conf_files *a, const struct conf_files *b)
{
	return conf_fileid_is_equal(&a->cfs_conf, &b->cfs_conf) &&
	    conf_fileid_is_equal(&a->cfs_users, &b->cfs_users);
}

void
conf_watch_init(struct conf_watch *w)
{
	memset(w, 0, sizeof(*w));
}

void
conf_files_stat(const struct conf *cf, struct conf_files *now)
{
	conf_fileid_stat(cf->cf_path, &now->cfs_conf);
	conf_fileid_stat(cf->cf_users_path, &now->cfs_users);
}

/*
 * XXX A file rewritten in place to the same size within one tick of the
 * file system's timestamp clock (a few ms) after the load went unnoticed
 * would be missed; a rename(2), as fcgi-authz does, is always seen.
 * XXX The users file watched is the running snapshot's: when a changed
 * config file names a users file that is not there yet, creating it is
 * not noticed (touching either watched file, or SIGHUP, retries).
 */
int
conf_watch_is_due(struct conf_watch *w, const struct conf *cf,
    struct conf_files *now, const char **changed)
{
	struct timespec	 t;
	long long	 ms;

	conf_files_stat(cf, now);
	if (conf_files_is_equal(now, &cf->cf_files) ||
	    (w->cw_have_failed && conf_files_is_equal(now, &w->cw_failed))) {
		w->cw_have_seen = 0;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!w->cw_have_seen || !conf_files_is_equal(now, &w->cw_seen)) {
		/* Changed, or still changing: wait for it to settle. */
		w->cw_seen = *now;
		w->cw_seen_at = t;
		w->cw_have_seen = 1;
		return 0;
	}
	ms = (long long)(t.tv_sec - w->cw_seen_at.tv_sec) * 1000 +
	    (t.tv_nsec - w->cw_seen_at.tv_nsec) / 1000000;
	if (ms < CONF_WATCH_SETTLE_MS)
		return 0;
	if (changed != NULL)
		*changed = conf_fileid_is_equal(&now->cfs_users,
		    &cf->cf_files.cfs_users) ? cf->cf_path : cf->cf_users_path;
	return 1;
}

void
conf_watch_done(struct conf_watch *w, const struct conf_files *tried, int ok)
{
	w->cw_have_seen = 0;
	w->cw_have_failed = !ok;
	if (!ok)
		w->cw_failed = *tried;
}
