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

struct inilines_line {
	char			*ln_text;	/* without CR LF or LF */
	enum inifile_kind	 ln_kind;
	char			*ln_name;	/* a header's or a key's */
	char			*ln_value;	/* a key's, as inih gives it */
	int			 ln_orig;	/* as read from the file */
};

/* The file as lines, and how to write them back. */
struct inilines {
	struct inilines_line	*ls_lines;
	size_t			 ls_nlines;
	size_t			 ls_cap;
	int			 ls_bom;	/* started with a UTF-8 BOM */
	int			 ls_crlf;	/* every line ended in CR LF */
	int			 ls_final_nl;	/* the last line had an end */
	int			 ls_changed;
};

/* Frees the line's strings and zeroes it; a zeroed line is a no-op. */
void	inilines_line_free(struct inilines_line *);

/*
 * Copies text (len bytes, no NUL among them) into a fresh line and sorts
 * it as the loader does; a line the loader refuses is still taken apart
 * as far as it goes, so that it can be edited.  orig: 1 for a line read
 * from the file.  0, or -1 with errno ENOMEM and *ln zeroed.
 */
int	inilines_line_init(struct inilines_line *ln, const char *text,
	    size_t len, int orig);

/* Makes room for n more lines.  0, or -1 (ENOMEM) with ls unchanged. */
int	inilines_reserve(struct inilines *ls, size_t n);

/*
 * Puts an initialised line at index at (0 to ls_nlines); ls then owns its
 * strings, so the caller zeroes *ln.  The room must be reserved
 * (inilines_reserve()), so that this cannot fail.
 */
void	inilines_insert(struct inilines *ls, size_t at,
	    struct inilines_line *ln);

/* Frees and removes lines [from, to); nothing when from >= to. */
void	inilines_remove(struct inilines *ls, size_t from, size_t to);

/* The index of the first header after the one at h, or ls_nlines. */
size_t	inilines_section_end(const struct inilines *ls, size_t h);

/* 1 if ln is a key line whose name is key. */
int	inilines_is_key(const struct inilines_line *ln, const char *key);

/*
 * Cuts buf (len bytes, no NUL among them) into lines appended to ls, a
 * zeroed one: a leading BOM is kept aside, and CR LF line ends are
 * remembered only if every line had one.  0, or -1 (ENOMEM) with the
 * lines cut so far left in ls for inilines_free().
 */
int	inilines_split(struct inilines *ls, const char *buf, size_t len);

/*
 * The whole file as it is to be written, in *out (malloc'd, *outlen
 * bytes, not NUL-terminated; NULL for no lines), which the caller frees.
 * 0, or -1 (ENOMEM).
 */
int	inilines_render(const struct inilines *ls, char **out, size_t *outlen);

/*
 * After what inilines_render() gave was written: it is now the file, so
 * every line is as read from it and nothing has changed.
 */
void	inilines_saved(struct inilines *ls);

/* Frees every line and the array, and zeroes ls. */
void	inilines_free(struct inilines *ls);

#endif
