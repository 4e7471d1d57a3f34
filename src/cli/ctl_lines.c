/*
 * Lines of an input file ("user import"'s standard input, an htpasswd
 * or htgroup file), read through a buffer locked in RAM (best effort)
 * and wiped when closed: the lines may hold passwords or hashes.  A
 * read(2) a byte, as for one password, would be slow for a thousand
 * lines.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"

struct ctl_lines {
	char		 ln_buf[8192];
	size_t		 ln_off;
	size_t		 ln_len;
	int		 ln_fd;
	int		 ln_eof;
	int		 ln_locked;
	const char	*ln_name;	/* "stdin" or the path */
};

/*
 * Opens path for reading, "-" meaning standard input (not closed by
 * ctl_lines_close).  NULL on failure, printed.
 */
struct ctl_lines *
ctl_lines_open(const char *path)
{
	struct ctl_lines *ln;

	if ((ln = calloc(1, sizeof(*ln))) == NULL) {
		ctl_nomem();
		return NULL;
	}
	/* Best effort, as for a secret: RLIMIT_MEMLOCK may be tiny. */
	ln->ln_locked = sodium_mlock(ln, sizeof(*ln)) == 0;
	if (strcmp(path, "-") == 0) {
		ln->ln_fd = STDIN_FILENO;
		ln->ln_name = "stdin";
		return ln;
	}
	ln->ln_name = path;
	if ((ln->ln_fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_warnx("%s: %s", path, strerror(errno));
		ln->ln_fd = STDIN_FILENO;	/* nothing to close */
		ctl_lines_close(ln);
		return NULL;
	}
	return ln;
}

/* What messages call the input: "stdin" or the path given. */
const char *
ctl_lines_name(const struct ctl_lines *ln)
{
	return ln->ln_name;
}

void
ctl_lines_close(struct ctl_lines *ln)
{
	int locked;

	if (ln == NULL)
		return;
	if (ln->ln_fd != STDIN_FILENO)
		(void)close(ln->ln_fd);
	locked = ln->ln_locked;
	sodium_memzero(ln, sizeof(*ln));
	if (locked)
		(void)sodium_munlock(ln, sizeof(*ln));
	free(ln);
}

/*
 * The next line, without "\n" or "\r\n", into buf (max + 2 bytes): at
 * most max bytes and a NUL; a longer line gives *len max + 1 (the rest
 * of it is skipped).  Returns 0, 1 at the end, or -1 on a read error
 * (errno set).
 */
int
ctl_lines_next(struct ctl_lines *ln, char *buf, size_t max, size_t *len)
{
	ssize_t	n;
	size_t	l = 0;
	int	any = 0;
	char	ch;

	for (;;) {
		if (ln->ln_off == ln->ln_len) {
			if (ln->ln_eof)
				break;
			n = read(ln->ln_fd, ln->ln_buf, sizeof(ln->ln_buf));
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return -1;
			if (n == 0) {
				ln->ln_eof = 1;
				break;
			}
			ln->ln_off = 0;
			ln->ln_len = (size_t)n;
		}
		any = 1;
		ch = ln->ln_buf[ln->ln_off++];
		if (ch == '\n')
			break;
		if (l <= max)
			buf[l++] = ch;
	}
	ch = '\0';
	if (l > 0 && l <= max && buf[l - 1] == '\r')
		l--;
	buf[l] = '\0';
	*len = l;
	return any ? 0 : 1;
}
