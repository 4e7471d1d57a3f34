#ifndef AUTHZ_ATOMICFILE_H
#define AUTHZ_ATOMICFILE_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

#include "errlist.h"

#define USERSFILE_NEW_MODE	0640	/* a file created here */

struct usersfile {
	char			*uf_path;	/* as the caller named it */
	char			*uf_target;	/* symlink resolved */
	char			*uf_dir;
	char			*uf_base;
	int			 uf_lockfd;
	struct usersfile_line	*uf_lines;
	size_t			 uf_nlines;
	size_t			 uf_cap;
	int			 uf_exists;
	gid_t			 uf_new_gid;	/* a new file's group, or -1 */
	struct stat		 uf_st;		/* when it exists */
	int			 uf_bom;	/* started with a UTF-8 BOM */
	int			 uf_crlf;	/* every line ended in CR LF */
	int			 uf_final_nl;	/* the last line had an end */
	int			 uf_changed;
};

/* A temporary file is ".NAME" USERSFILE_TMP_INFIX and mkstemp's six. */
#define USERSFILE_TMP_INFIX	".tmp-"

const char *usersfile_err(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
int	usersfile_paths(struct usersfile *, const char *, const char **);
int	usersfile_lock(struct usersfile *, const char **);
int	usersfile_is_untouched(const struct usersfile *, struct stat *,
	    struct errlist *);
int	usersfile_new_owner(const struct usersfile *, int, struct errlist *);
int	usersfile_keep_owner(const struct usersfile *, int,
	    const struct stat *, struct errlist *);
int	usersfile_write_all(int, const char *, size_t);
void	usersfile_clean_stale(const struct usersfile *, int);

#endif
