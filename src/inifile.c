/*
 * INI files (inifile.h): the raw pre-scan of every line, then inih run on
 * the same buffer with each of its callbacks checked against the line the
 * pre-scan classified.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "atomicfile.h"
#include "defaults.h"
#include "errlist.h"
#include "inifile.h"
#include "iniseen.h"
#include "text.h"

/* Longest piece of a file quoted in a message. */
#define INIFILE_QUOTE_MAX	60

/* One line of the buffer. */
struct inifile_span {
	const char	*sp_text;	/* start of the line */
	size_t		 sp_len;	/* bytes, without CR LF or LF */
	size_t		 sp_bom;	/* 3 after a leading BOM */
	size_t		 sp_next;	/* offset of the next line */
};

/* Where problems go; with errs NULL they are only counted. */
struct inifile_where {
	const char	*iw_file;
	int		 iw_line;
	struct errlist	*iw_errs;
	int		 iw_nerr;
};

/* State shared by the reader and the callback that inih is given. */
struct inifile_run {
	const char		*ir_file;
	const char		*ir_buf;
	size_t			 ir_len;
	size_t			 ir_off;	/* next byte for inih */
	int			 ir_line;	/* line inih has now */
	int			 ir_midline;	/* it did not fit */
	const char		*ir_text;	/* that line */
	size_t			 ir_textlen;
	int			 ir_pending;	/* its key is due */
	inifile_handler		 ir_handler;
	void			*ir_user;
	struct errlist		*ir_errs;
	int			 ir_failed;	/* handler said 0 */
	size_t			 ir_nsect;	/* current section */
	int			 ir_skip;	/* it is a duplicate */
	char			 ir_sect[INISEEN_NAME_SIZE];
	struct iniseen		 ir_seen;	/* section names */
	struct iniseen		 ir_keys;	/* the current section's keys */
};

static void	inifile_err(struct inifile_where *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
inifile_err(struct inifile_where *w, const char *fmt, ...)
{
	va_list	ap;

	w->iw_nerr++;
	if (w->iw_errs == NULL)
		return;
	va_start(ap, fmt);
	errlist_addv(w->iw_errs, w->iw_file, w->iw_line, fmt, ap);
	va_end(ap);
}

/*
 * inih trims with isspace(); once control bytes are refused, space and TAB
 * are the only whitespace left.
 */
static int
inifile_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
inifile_quotelen(size_t len)
{
	return len > INIFILE_QUOTE_MAX ? INIFILE_QUOTE_MAX : (int)len;
}

static void
inifile_span(const char *buf, size_t len, size_t off, struct inifile_span *sp)
{
	const char	*p = buf + off, *nl;
	size_t		 n;

	nl = memchr(p, '\n', len - off);
	n = nl != NULL ? (size_t)(nl - p) : len - off;
	sp->sp_next = off + n + (nl != NULL ? 1 : 0);
	/* CR LF ends a line too; any other CR is reported as an error. */
	if (nl != NULL && n > 0 && p[n - 1] == '\r')
		n--;
	sp->sp_text = p;
	sp->sp_len = n;
	/* inih skips a BOM at the start of line 1 only. */
	sp->sp_bom = off == 0 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ?
	    3 : 0;
}

/*
 * Reports bytes that inih would misread: each kind once a line, at its
 * first column.  off is the offset of the line in the file.
 */
static void
inifile_check_bytes(struct inifile_where *w, const char *text, size_t len,
    size_t off)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i, n;
	int			 nul = 0, cr = 0, ctl = 0, utf = 0, bom = 0;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] == '\0') {
			if (nul++ == 0)
				inifile_err(w, "NUL byte at column %zu: inih "
				    "would end the line there and drop the "
				    "rest; remove it", i + 1);
		} else if (p[i] == '\r') {
			if (cr++ == 0)
				inifile_err(w, "CR without LF at column %zu: "
				    "inih does not end lines at CR and reads a "
				    "file with CR-only line endings as empty; "
				    "use LF or CR LF line endings", i + 1);
		} else if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f) {
			if (ctl++ == 0)
				inifile_err(w, "control byte 0x%02x at column "
				    "%zu: only TAB is allowed; remove it",
				    p[i], i + 1);
		} else if ((n = text_utf8_len(p + i, len - i)) == 0) {
			n = 1;
			if (utf++ == 0)
				inifile_err(w, "invalid UTF-8 at column %zu: "
				    "save the file as UTF-8", i + 1);
		} else if (n == 3 && memcmp(p + i, "\xef\xbb\xbf", 3) == 0 &&
		    off + i != 0) {
			if (bom++ == 0)
				inifile_err(w, "UTF-8 byte order mark at "
				    "column %zu: inih skips it only at the "
				    "start of the file and would read it as "
				    "part of the line; remove it", i + 1);
		}
	}
}

static void
inifile_check_section_name(struct inifile_where *w, const char *name,
    size_t len)
{
	if (len == 0) {
		inifile_err(w, "empty section name");
		return;
	}
	if (inifile_is_blank(name[0]) || inifile_is_blank(name[len - 1]))
		inifile_err(w, "section name \"%.*s\" has leading or trailing "
		    "whitespace: inih keeps it, so [ x ] is not [x]; remove "
		    "it", inifile_quotelen(len), name);
	if (len > AUTHZ_INI_SECTION_MAX)
		inifile_err(w, "section name is %zu bytes: inih cuts it to "
		    "%d; shorten it", len, AUTHZ_INI_SECTION_MAX);
	if (memchr(name, '[', len) != NULL)
		inifile_err(w, "'[' inside a section name; remove it");
	if (memchr(name, ';', len) != NULL)
		inifile_err(w, "';' inside a section name: inih reads ' ;' "
		    "as the start of a comment; remove it");
}

/* After "]" only whitespace and an inline comment may follow. */
static void
inifile_check_after_bracket(struct inifile_where *w, const char *s,
    size_t len)
{
	size_t	i;

	for (i = 0; i < len && inifile_is_blank(s[i]); i++)
		;
	if (i == len || (i > 0 && s[i] == ';'))
		return;
	if (memchr(s, ']', len) != NULL)
		inifile_err(w, "']' inside a section name: inih ends the name "
		    "at the first ']'; remove it");
	else
		inifile_err(w, "text after ']': inih ignores it; remove it or "
		    "start a comment with ' ;'");
}

static void
inifile_classify_section(struct inifile_where *w, const char *s, size_t len,
    struct inifile_line *il)
{
	const char	*close;

	if ((close = memchr(s + 1, ']', len - 1)) == NULL) {
		inifile_err(w, "missing ']' in section header: inih reports "
		    "an error and puts the keys that follow in section \"\"; "
		    "add the ']'");
		il->il_kind = INIFILE_OTHER;
		return;
	}
	il->il_kind = INIFILE_SECTION;
	il->il_name = s + 1;
	il->il_namelen = (size_t)(close - (s + 1));
	inifile_check_section_name(w, il->il_name, il->il_namelen);
	inifile_check_after_bracket(w, close + 1,
	    len - (size_t)(close + 1 - s));
}

/*
 * What inih hands the handler: the text after "=" up to the first ';'
 * that follows whitespace (an inline comment), trimmed.  A ';' right
 * after "=" does not start a comment in inih.
 */
static void
inifile_value(const char *v, size_t len, struct inifile_line *il)
{
	size_t	i, start;
	int	was_blank = 0;

	for (i = 0; i < len; i++) {
		if (was_blank && v[i] == ';')
			break;
		was_blank = inifile_is_blank(v[i]);
	}
	il->il_comment = i < len ? v + i : NULL;
	for (start = 0; start < i && inifile_is_blank(v[start]); start++)
		;
	while (i > start && inifile_is_blank(v[i - 1]))
		i--;
	il->il_value = v + start;
	il->il_valuelen = i - start;
}

static void
inifile_check_value(struct inifile_where *w, const char *v, size_t len)
{
	size_t	i;

	if (memchr(v, ';', len) != NULL)
		inifile_err(w, "';' inside a value is ambiguous: inih cuts at "
		    "' ;' but keeps ';' elsewhere; remove it");
	for (i = 0; i < len; i++) {
		if (v[i] == '#' && (i == 0 || inifile_is_blank(v[i - 1]))) {
			inifile_err(w, "'#' in a value: inline comments start "
			    "with ' ;', so inih keeps this as part of the "
			    "value; remove it or use ' ;'");
			break;
		}
	}
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
		inifile_err(w, "value in double quotes: inih keeps quotes "
		    "literally; remove them");
}

/*
 * After a ':' or no '=' at all the one error is reported and the line is
 * still taken apart, quietly, for the editor (inifile_classify_line()).
 */
static void
inifile_classify_key(struct inifile_where *w, const char *s, size_t len,
    struct inifile_line *il)
{
	struct inifile_where	 quiet = { w->iw_file, w->iw_line, NULL, 0 };
	const char		*eq, *colon;
	size_t			 namelen, i;

	eq = memchr(s, '=', len);
	colon = memchr(s, ':', eq != NULL ? (size_t)(eq - s) : len);
	if (colon != NULL) {
		inifile_err(w, "':' in key name: inih splits a line at the "
		    "first '=' or ':' and would read key \"%.*s\"; write "
		    "'key = value'", inifile_quotelen((size_t)(colon - s)), s);
		w = &quiet;
	}
	if (eq == NULL) {
		inifile_err(w, "expected 'key = value', '[section]' or a "
		    "comment: inih reports an error here");
		il->il_kind = INIFILE_OTHER;
		return;
	}
	for (namelen = (size_t)(eq - s);
	    namelen > 0 && inifile_is_blank(s[namelen - 1]); namelen--)
		;
	il->il_kind = INIFILE_KEY;
	il->il_name = s;
	il->il_namelen = namelen;
	inifile_value(eq + 1, len - (size_t)(eq + 1 - s), il);
	if (namelen == 0)
		inifile_err(w, "empty key name before '='");
	else if (namelen > AUTHZ_INI_NAME_MAX)
		inifile_err(w, "key name is %zu bytes: at most %d", namelen,
		    AUTHZ_INI_NAME_MAX);
	for (i = 0; i < namelen; i++) {
		if (inifile_is_blank(s[i])) {
			inifile_err(w, "key name \"%.*s\" contains "
			    "whitespace; remove it",
			    inifile_quotelen(namelen), s);
			break;
		}
	}
	inifile_check_value(w, il->il_value, il->il_valuelen);
}

/*
 * Sorts one line (BOM removed, bytes checked) into *il and reports what
 * is wrong with it; il_problems counts that.  Returns the kind, or
 * INIFILE_OTHER when there is a problem: the loader takes only a line
 * without any.
 */
static enum inifile_kind
inifile_classify(struct inifile_where *w, const char *s, size_t len,
    struct inifile_line *il)
{
	struct inifile_where	 quiet = { w->iw_file, w->iw_line, NULL, 0 };
	struct inifile_where	*kw = w;
	int			 nerr = w->iw_nerr;
	size_t			 i;

	memset(il, 0, sizeof(*il));
	for (i = 0; i < len && inifile_is_blank(s[i]); i++)
		;
	if (i == len)
		il->il_kind = INIFILE_BLANK;
	else if (s[i] == ';' || s[i] == '#')
		il->il_kind = INIFILE_COMMENT;
	else {
		if (i > 0) {
			/* inih: a continuation of the previous key's value. */
			inifile_err(w, "indented line: inih reads it as one "
			    "more value for the key before it; remove the "
			    "indentation");
			kw = &quiet;
		}
		if (s[i] == '[')
			inifile_classify_section(kw, s + i, len - i, il);
		else
			inifile_classify_key(kw, s + i, len - i, il);
	}
	il->il_problems = w->iw_nerr - nerr;
	return il->il_problems == 0 ? il->il_kind : INIFILE_OTHER;
}

enum inifile_kind
inifile_classify_line(const char *line, size_t len, struct inifile_line *il)
{
	struct inifile_where	w = { NULL, 0, NULL, 0 };

	(void)inifile_classify(&w, line, len, il);
	return il->il_kind;
}

/*
 * Checks every line of buf and reports every problem.  Returns the number
 * of problems.
 */
static int
inifile_prescan(const char *file, const char *buf, size_t len,
    struct errlist *errs)
{
	struct inifile_where	w;
	struct inifile_span	sp;
	struct inifile_line	il;
	size_t			off;
	int			nerr;

	w.iw_file = file;
	w.iw_line = 0;
	w.iw_errs = errs;
	w.iw_nerr = 0;
	for (off = 0; off < len; off = sp.sp_next) {
		inifile_span(buf, len, off, &sp);
		w.iw_line++;
		if (sp.sp_len > AUTHZ_INI_LINE_MAX)
			inifile_err(&w, "line is %zu bytes; inih reads at most "
			    "%d and would split it; shorten it", sp.sp_len,
			    AUTHZ_INI_LINE_MAX);
		nerr = w.iw_nerr;
		inifile_check_bytes(&w, sp.sp_text, sp.sp_len, off);
		/* Grammar is about the text inih would see; skip guesses. */
		if (w.iw_nerr == nerr)
			inifile_classify(&w, sp.sp_text + sp.sp_bom,
			    sp.sp_len - sp.sp_bom, &il);
	}
	return w.iw_nerr;
}

static void
inifile_run_err(struct inifile_run *ir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
inifile_run_err(struct inifile_run *ir, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	errlist_addv(ir->ir_errs, ir->ir_file, ir->ir_line, fmt, ap);
	va_end(ap);
}

/* A header: duplicates are refused, and so are the keys under them. */
static void
inifile_run_section(struct inifile_run *ir, const struct inifile_line *il)
{
	int	first;

	ir->ir_nsect++;
	iniseen_clear(&ir->ir_keys);
	memcpy(ir->ir_sect, il->il_name, il->il_namelen);
	ir->ir_sect[il->il_namelen] = '\0';
	first = iniseen_add(&ir->ir_seen, 0, il->il_name, il->il_namelen,
	    ir->ir_line);
	ir->ir_skip = first != 0;
	if (first == -1)
		inifile_run_err(ir, "out of memory");
	else if (first > 0)
		inifile_run_err(ir, "duplicate section [%s] (first at line %d)",
		    ir->ir_sect, first);
	else if (!ir->ir_handler(ir->ir_user, ir->ir_sect, NULL, NULL,
	    ir->ir_line))
		ir->ir_failed = 1;
}

/*
 * Every key line must reach the callback exactly once; anything else
 * means inih read the file differently from the pre-scan.
 */
static void
inifile_run_missed(struct inifile_run *ir)
{
	if (!ir->ir_pending)
		return;
	ir->ir_pending = 0;
	inifile_run_err(ir, "inih did not deliver this key; refusing the "
	    "file (has libinih changed?)");
}

/* Starts a line: header callbacks come from here, before its keys. */
static void
inifile_run_line(struct inifile_run *ir)
{
	struct inifile_where	w;
	struct inifile_span	sp;
	struct inifile_line	il;

	inifile_run_missed(ir);
	ir->ir_line++;
	inifile_span(ir->ir_buf, ir->ir_len, ir->ir_off, &sp);
	ir->ir_text = sp.sp_text + sp.sp_bom;
	ir->ir_textlen = sp.sp_len - sp.sp_bom;
	w.iw_file = ir->ir_file;
	w.iw_line = ir->ir_line;
	w.iw_errs = NULL;
	w.iw_nerr = 0;
	switch (inifile_classify(&w, ir->ir_text, ir->ir_textlen, &il)) {
	case INIFILE_SECTION:
		inifile_run_section(ir, &il);
		break;
	case INIFILE_KEY:
		ir->ir_pending = 1;
		break;
	default:
		break;
	}
}

/*
 * An fgets() for inih over the buffer.  It counts lines itself because
 * Debian builds inih with INI_HANDLER_LINENO 0.
 */
static char *
inifile_reader(char *str, int num, void *stream)
{
	struct inifile_run	*ir = stream;
	const char		*p, *nl;
	size_t			 left, full, n;

	if (num < 2 || ir->ir_off >= ir->ir_len)
		return NULL;
	if (!ir->ir_midline)
		inifile_run_line(ir);
	p = ir->ir_buf + ir->ir_off;
	left = ir->ir_len - ir->ir_off;
	nl = memchr(p, '\n', left);
	full = nl != NULL ? (size_t)(nl - p) + 1 : left;
	n = full < (size_t)num - 1 ? full : (size_t)num - 1;
	ir->ir_midline = n < full;
	memcpy(str, p, n);
	str[n] = '\0';
	ir->ir_off += n;
	return str;
}

static int
inifile_is_same(const char *s, const char *span, size_t len)
{
	return strlen(s) == len && memcmp(s, span, len) == 0;
}

#if INI_HANDLER_LINENO
static int
inifile_callback(void *arg, const char *section, const char *name,
    const char *value, int lineno)
#else
static int
inifile_callback(void *arg, const char *section, const char *name,
    const char *value)
#endif
{
	struct inifile_run	*ir = arg;
	struct inifile_where	 w;
	struct inifile_line	 il;
	int			 first;

#if INI_HANDLER_LINENO
	(void)lineno;
#endif
	/* A build with INI_CALL_HANDLER_ON_NEW_SECTION: headers are ours. */
	if (name == NULL && value == NULL)
		return 1;
	w.iw_file = ir->ir_file;
	w.iw_line = ir->ir_line;
	w.iw_errs = NULL;
	w.iw_nerr = 0;
	/*
	 * Always 1 to inih: errors are counted here, not by inih.  The key
	 * must be exactly what the pre-scan read on this line; Debian's
	 * libinih takes its options from writable globals, so a different
	 * build or a changed global shows up here instead of as a misread.
	 */
	if (name == NULL || value == NULL || !ir->ir_pending ||
	    inifile_classify(&w, ir->ir_text, ir->ir_textlen, &il) !=
	    INIFILE_KEY || !inifile_is_same(name, il.il_name, il.il_namelen) ||
	    !inifile_is_same(value, il.il_value, il.il_valuelen) ||
	    strcmp(section, ir->ir_sect) != 0) {
		ir->ir_pending = 0;
		inifile_run_err(ir, "inih read a key the pre-scan did not "
		    "expect; refusing the file (has libinih changed?)");
		return 1;
	}
	ir->ir_pending = 0;
	if (ir->ir_nsect == 0) {
		inifile_run_err(ir, "key outside of any section: put it "
		    "under a [section]");
		return 1;
	}
	if (ir->ir_skip)
		return 1;
	first = iniseen_add(&ir->ir_keys, ir->ir_nsect, name, il.il_namelen,
	    ir->ir_line);
	if (first == -1)
		inifile_run_err(ir, "out of memory");
	else if (first > 0)
		inifile_run_err(ir, "duplicate key '%s' (first at line %d)",
		    name, first);
	else if (!ir->ir_handler(ir->ir_user, section, name, value,
	    ir->ir_line))
		ir->ir_failed = 1;
	return 1;
}

/* Hands a checked buffer to inih; returns 0 or -1 (errors added). */
static int
inifile_run(const char *file, const char *buf, size_t len,
    inifile_handler handler, void *user, struct errlist *errs)
{
	struct inifile_run	ir;
	int			irc;

	memset(&ir, 0, sizeof(ir));
	ir.ir_file = file;
	ir.ir_buf = buf;
	ir.ir_len = len;
	ir.ir_handler = handler;
	ir.ir_user = user;
	ir.ir_errs = errs;
	irc = ini_parse_stream(inifile_reader, &ir, inifile_callback, &ir);
	inifile_run_missed(&ir);
	/* The callback never fails, so this is something inih saw alone. */
	if (irc > 0)
		errlist_add(errs, file, irc, "inih reported a parse error");
	else if (irc < 0)
		errlist_add(errs, file, 0, "inih failed (%d)", irc);
	iniseen_free(&ir.ir_seen);
	iniseen_free(&ir.ir_keys);
	return irc != 0 || ir.ir_failed ? -1 : 0;
}

int
inifile_parse_buffer(const char *name, const char *buf, size_t len,
    inifile_handler handler, void *user, struct errlist *errs)
{
	size_t	before = errlist_count(errs);
	int	rc = -1;

	if (len > AUTHZ_INI_FILE_MAX) {
		errlist_add(errs, name, 0, "%zu bytes; at most %d", len,
		    AUTHZ_INI_FILE_MAX);
		goto done;
	}
	if (inifile_prescan(name, buf, len, errs) != 0)
		goto done;
	if (inifile_run(name, buf, len, handler, user, errs) == -1)
		goto done;
	if (errlist_count(errs) == before)
		rc = 0;
done:
	return rc;
}

/*
 * Opens path for inifile_read(); with nofollow, a symbolic link is
 * refused.  Returns the descriptor, or -1 with the error added.
 */
static int
inifile_open(const char *path, int nofollow, struct errlist *errs)
{
	int	fd, flags;

	/* O_NONBLOCK: a FIFO must not hang open(); regular files ignore it. */
	flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (nofollow)
		flags |= O_NOFOLLOW;
	if ((fd = open(path, flags)) == -1) {
		if (nofollow && errno == ELOOP)
			errlist_add(errs, path, 0, "is a symbolic link");
		else
			errlist_add(errs, path, 0, "%s", strerror(errno));
	}
	return fd;
}

/*
 * Reads the whole file behind fd into *bufp (NUL-terminated, *capp bytes
 * allocated) with atomicfile_read(); messages name path.
 */
static int
inifile_read(const char *path, int fd, struct stat *st, char **bufp,
    size_t *lenp, size_t *capp, struct errlist *errs)
{
	enum atomicfile_read_err	r;
	struct stat			sb;

	r = atomicfile_read(fd, AUTHZ_INI_FILE_MAX, &sb, bufp, lenp, capp);
	if (r != ATOMICFILE_READ_FSTAT && st != NULL)
		*st = sb;
	switch (r) {
	case ATOMICFILE_READ_OK:
		break;
	case ATOMICFILE_READ_FSTAT:
		errlist_add(errs, path, 0, "fstat: %s", strerror(errno));
		break;
	case ATOMICFILE_READ_TYPE:
		errlist_add(errs, path, 0, "not a regular file");
		break;
	case ATOMICFILE_READ_SIZE:
		errlist_add(errs, path, 0, "file is %jd bytes; at most %d",
		    (intmax_t)sb.st_size, AUTHZ_INI_FILE_MAX);
		break;
	case ATOMICFILE_READ_NOMEM:
		errlist_add(errs, path, 0, "out of memory");
		break;
	case ATOMICFILE_READ_READ:
		errlist_add(errs, path, 0, "read: %s", strerror(errno));
		break;
	case ATOMICFILE_READ_GREW:
		errlist_add(errs, path, 0, "file changed while being read");
		break;
	}
	return r == ATOMICFILE_READ_OK ? 0 : -1;
}

int
inifile_parse_fd(const char *path, int fd, struct stat *st,
    inifile_handler handler, void *user, struct errlist *errs)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0;
	int	 rc = -1;

	if (inifile_read(path, fd, st, &buf, &len, &cap, errs) == -1)
		goto done;
	rc = inifile_parse_buffer(path, buf, len, handler, user, errs);
done:
	/* users.ini holds password and token hashes: leave no copy. */
	if (buf != NULL) {
		explicit_bzero(buf, cap);
		free(buf);
	}
	return rc;
}

int
inifile_parse(const char *path, int nofollow, struct stat *st,
    inifile_handler handler, void *user, struct errlist *errs)
{
	int	fd, rc;

	if ((fd = inifile_open(path, nofollow, errs)) == -1)
		return -1;
	rc = inifile_parse_fd(path, fd, st, handler, user, errs);
	close(fd);
	return rc;
}
