/*
 * Appending to a caller's fixed buffer: the FastCGI answer, the decision
 * log line, the metrics text, explain's sentences.  What does not fit is
 * cut, the text stays NUL-terminated, and sb_overflow says so: a caller
 * that wants all or nothing (an answer, a metrics file) throws away an
 * overflowed buffer, one that prefers a cut line (a log line) keeps it.
 * No allocation.  The appenders the request path uses are inline: they
 * run a dozen times per request.
 */
#ifndef AUTHZ_STRBUF_H
#define AUTHZ_STRBUF_H

#include <stddef.h>
#include <string.h>

struct strbuf {
	char	*sb_buf;
	size_t	 sb_size;	/* of sb_buf, the NUL included */
	size_t	 sb_len;	/* text so far, without the NUL */
	int	 sb_overflow;	/* something was cut (or sb_size is 0) */
};

/* Starts an empty text in buf[size]; size 0 is an overflow at once. */
static inline void
strbuf_init(struct strbuf *sb, char *buf, size_t size)
{
	sb->sb_buf = buf;
	sb->sb_size = size;
	sb->sb_len = 0;
	sb->sb_overflow = size == 0;
	if (size > 0)
		buf[0] = '\0';
}

/* Appends the n bytes at s, or as many as fit. */
static inline void
strbuf_appendn(struct strbuf *sb, const char *s, size_t n)
{
	size_t room;

	if (sb->sb_size == 0) {
		sb->sb_overflow = 1;
		return;
	}
	room = sb->sb_size - 1 - sb->sb_len;
	if (n > room) {
		n = room;
		sb->sb_overflow = 1;
	}
	memcpy(sb->sb_buf + sb->sb_len, s, n);
	sb->sb_len += n;
	sb->sb_buf[sb->sb_len] = '\0';
}

/* Appends the string s, or as much of it as fits. */
static inline void
strbuf_append(struct strbuf *sb, const char *s)
{
	strbuf_appendn(sb, s, strlen(s));
}

/* Appends as printf(3) formats, or as much of it as fits (snprintf's
 * cut). */
void	strbuf_appendf(struct strbuf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
