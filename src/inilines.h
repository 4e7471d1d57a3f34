/*
 * An INI file as an array of lines, each sorted once by
 * inifile_classify_line(), the grammar the loader checks, so that an
 * editor sees each line as the daemon will.  Lines that are not touched
 * are rendered back byte for byte.  Not thread-safe: one owner at a time.
 */
#ifndef AUTHZ_INILINES_H
#define AUTHZ_INILINES_H

#include <stddef.h>

#include "inifile.h"

struct usersfile_line {
	char			*ul_text;	/* without CR LF or LF */
	enum inifile_kind	 ul_kind;
	char			*ul_name;	/* "kind:name", or the key */
	char			*ul_value;	/* a key's, as inih gives it */
	int			 ul_orig;	/* as read from the file */
};

/* The file as lines, and how to write them back. */
struct usersfile_lines {
	struct usersfile_line	*ls_lines;
	size_t			 ls_nlines;
	size_t			 ls_cap;
	int			 ls_bom;	/* started with a UTF-8 BOM */
	int			 ls_crlf;	/* every line ended in CR LF */
	int			 ls_final_nl;	/* the last line had an end */
	int			 ls_changed;
};

/* Frees the line's strings and zeroes it; a zeroed line is a no-op. */
void	usersfile_line_free(struct usersfile_line *);

/*
 * Copies text (len bytes, no NUL among them) into a fresh line and sorts
 * it as the loader does; a line the loader refuses is still taken apart
 * as far as it goes, so that it can be edited.  orig: 1 for a line read
 * from the file.  0, or -1 with errno ENOMEM and *ul zeroed.
 */
int	usersfile_line_init(struct usersfile_line *ul, const char *text,
	    size_t len, int orig);

/* Makes room for n more lines.  0, or -1 (ENOMEM) with ls unchanged. */
int	usersfile_reserve(struct usersfile_lines *ls, size_t n);

/*
 * Puts an initialised line at index at (0 to ls_nlines), which then owns
 * its strings; the room must be reserved, so that this cannot fail.
 */
void	usersfile_insert(struct usersfile_lines *ls, size_t at,
	    struct usersfile_line *ul);

/* Frees and removes lines [from, to); nothing when from >= to. */
void	usersfile_remove(struct usersfile_lines *ls, size_t from, size_t to);

/* The index of the first header after the one at h, or ls_nlines. */
size_t	usersfile_section_end(const struct usersfile_lines *ls, size_t h);

/* 1 if ul is a key line whose name is key. */
int	usersfile_is_key(const struct usersfile_line *ul, const char *key);

/*
 * Appends buf's lines (len bytes, no NUL among them) to an empty ls: a
 * leading BOM is kept aside, and CR LF line ends are remembered only if
 * every line had one.  0, or -1 (ENOMEM).
 */
int	usersfile_split(struct usersfile_lines *ls, const char *buf,
	    size_t len);

/*
 * The whole file as it is to be written, in *out (malloc'd, *outlen
 * bytes, not NUL-terminated; NULL for no lines), which the caller frees.
 * 0, or -1 (ENOMEM).
 */
int	usersfile_render(const struct usersfile_lines *ls, char **out,
	    size_t *outlen);

#endif
