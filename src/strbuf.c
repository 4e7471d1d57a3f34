/*
 * The formatted appender of strbuf.h; the plain ones are inline there.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "strbuf.h"

void
strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list	ap;
	size_t	room;
	int	n;

	if (sb->sb_size == 0) {
		sb->sb_overflow = 1;
		return;
	}
	room = sb->sb_size - sb->sb_len;	/* the NUL's byte included */
	va_start(ap, fmt);
	n = vsnprintf(sb->sb_buf + sb->sb_len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* An encoding error: nothing of it is kept. */
		sb->sb_buf[sb->sb_len] = '\0';
		sb->sb_overflow = 1;
	} else if ((size_t)n >= room) {
		sb->sb_len = sb->sb_size - 1;
		sb->sb_overflow = 1;
	} else
		sb->sb_len += (size_t)n;
}
