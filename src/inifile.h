/*
 * Reading an INI file through inih without inih's silent misreadings.
 *
 * Debian's libinih (r55) splits lines longer than 197 bytes, reads indented
 * lines as continuations, cuts values at " ;", keeps quotes, stops a value at
 * NUL, parses a CR-only file as empty, cuts section names at 49 bytes and
 * carries on after errors (docs/security.md, Configuration files).
 * inifile_parse() first scans the raw bytes for each of those cases and
 * reports them as "FILE:LINE: message"; only a file that passes is handed
 * to inih, and the handler then gets the line number that inih itself does
 * not pass.
 */
#ifndef AUTHZ_INIFILE_H
#define AUTHZ_INIFILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "errlist.h"

/*
 * Called once for every "name = value" in file order, with the value as
 * inih delivers it (inline " ;" comment removed, whitespace trimmed).
 * Also called once at each section header with name == NULL and
 * value == NULL, so that empty sections are seen.
 * Returns 1 to go on, 0 on an error (the handler adds its own message).
 */
typedef int (*inifile_handler)(void *user, const char *section,
    const char *name, const char *value, int line);

enum inifile_kind {
	INIFILE_BLANK,		/* empty, or only spaces and TABs */
	INIFILE_COMMENT,	/* ';' or '#' first */
	INIFILE_SECTION,	/* "[name]" */
	INIFILE_KEY,		/* "name = value" */
	INIFILE_OTHER		/* none of those: inih reports an error */
};

/* One line as inih reads it; the pointers are into the line. */
struct inifile_line {
	enum inifile_kind	 il_kind;
	const char		*il_name;	/* section or key name */
	size_t			 il_namelen;
	const char		*il_value;	/* as the handler gets it */
	size_t			 il_valuelen;
	const char		*il_comment;	/* a key's inline " ;", or NULL */
	int			 il_problems;	/* the loader refuses the line */
};

/*
 * Sorts one line (without its line end or a leading BOM) by the grammar
 * inifile_parse() accepts and fills in *il: a section's name; a key's
 * name, its value as the handler would get it (up to an inline comment,
 * which starts at a ';' after whitespace, trimmed) and where that
 * comment starts.  il_problems counts what inifile_parse() would report
 * on the line; a line with problems is still taken apart as far as it
 * goes (indentation skipped; a key ends at '=' even with a ':' before
 * it), so that an editor can find and replace it.  Bytes (control,
 * UTF-8, NUL) and the line length are not checked here.  Pure; any
 * thread.  Returns il_kind.
 */
enum inifile_kind inifile_classify_line(const char *line, size_t len,
	    struct inifile_line *il);

/*
 * Parses the file at path.  The file is opened with O_NOFOLLOW when
 * nofollow is set, must be a regular file, and is read once; its stat is
 * stored in *st when st is not NULL.  Every error is added to errs,
 * prefixed with path.  Duplicate sections and duplicate keys within a
 * section are errors here already.  Returns 0 when no error was added,
 * -1 otherwise.
 */
int	inifile_parse(const char *path, int nofollow, struct stat *st,
	    inifile_handler, void *user, struct errlist *errs);

/*
 * The same for a file the caller opened (filetrust_open()): fd is read
 * from where it is and left open; messages name path.
 */
int	inifile_parse_fd(const char *path, int fd, struct stat *st,
	    inifile_handler, void *user, struct errlist *errs);

/* The same for a buffer already in memory; name is used in messages. */
int	inifile_parse_buffer(const char *name, const char *buf, size_t len,
	    inifile_handler, void *user, struct errlist *errs);

#endif
