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
 * Watching the files of the running snapshot (watch.h).  stat(2) follows
 * symbolic links as the load's open(2) does, so a link switched to
 * another file counts as a change too.
 */
static void
watch_fileid_stat(const char *path, struct conf_fileid *id)
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
watch_fileid_is_equal(const struct conf_fileid *a, const struct conf_fileid *b)
{
	return a->fi_errno == b->fi_errno && a->fi_dev == b->fi_dev &&
	    a->fi_ino == b->fi_ino && a->fi_size == b->fi_size &&
	    a->fi_mtim.tv_sec == b->fi_mtim.tv_sec &&
	    a->fi_mtim.tv_nsec == b->fi_mtim.tv_nsec &&
	    a->fi_ctim.tv_sec == b->fi_ctim.tv_sec &&
	    a->fi_ctim.tv_nsec == b->fi_ctim.tv_nsec;
}

static int
watch_files_is_equal(const struct conf_files *a, const struct conf_files *b)
{
	return watch_fileid_is_equal(&a->cfs_conf, &b->cfs_conf) &&
	    watch_fileid_is_equal(&a->cfs_users, &b->cfs_users);
}

void
watch_init(struct watch *w)
{
	memset(w, 0, sizeof(*w));
}

void
watch_files_stat(const struct conf *cf, struct conf_files *now)
{
	watch_fileid_stat(cf->cf_path, &now->cfs_conf);
	watch_fileid_stat(cf->cf_users_path, &now->cfs_users);
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
watch_is_due(struct watch *w, const struct conf *cf,
    struct conf_files *now, const char **changed)
{
	struct timespec	 t;
	long long	 ms;

	watch_files_stat(cf, now);
	if (watch_files_is_equal(now, &cf->cf_files) ||
	    (w->wt_have_failed && watch_files_is_equal(now, &w->wt_failed))) {
		w->wt_have_seen = 0;
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!w->wt_have_seen || !watch_files_is_equal(now, &w->wt_seen)) {
		/* Changed, or still changing: wait for it to settle. */
		w->wt_seen = *now;
		w->wt_seen_at = t;
		w->wt_have_seen = 1;
		return 0;
	}
	ms = (long long)(t.tv_sec - w->wt_seen_at.tv_sec) * 1000 +
	    (t.tv_nsec - w->wt_seen_at.tv_nsec) / 1000000;
	if (ms < WATCH_SETTLE_MS)
		return 0;
	if (changed != NULL)
		*changed = watch_fileid_is_equal(&now->cfs_users,
		    &cf->cf_files.cfs_users) ? cf->cf_path : cf->cf_users_path;
	return 1;
}

void
watch_done(struct watch *w, const struct conf_files *tried, int ok)
{
	w->wt_have_seen = 0;
	w->wt_have_failed = !ok;
	if (!ok)
		w->wt_failed = *tried;
}
