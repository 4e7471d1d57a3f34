/*
 * A list of errors, each a file, a line and a message, collected while
 * loading files so that every error is reported before the load fails.
 * Each is printed as "FILE:LINE: message" ("FILE: message" without a
 * line).
 */
#ifndef AUTHZ_ERRLIST_H
#define AUTHZ_ERRLIST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Longest message kept, with its NUL; a longer one is cut. */
#define ERRLIST_MSG_SIZE	512

/* One error.  The strings share one allocation, owned by the list. */
struct errlist_entry {
	char		*ee_text;	/* "FILE:LINE: message", as printed */
	const char	*ee_file;
	int		 ee_line;	/* 0: none */
	const char	*ee_msg;	/* the tail of ee_text */
};

struct errlist {
	struct errlist_entry	*el_ents;
	size_t			 el_count;
	size_t			 el_cap;
	int			 el_nomem;	/* an allocation failed; el_count
						   is a floor */
};

void	errlist_init(struct errlist *);
void	errlist_free(struct errlist *);

/*
 * Adds an error in file at line (0: no line number).  Out of memory, it
 * sets el_nomem instead.  errno is left as it was, so that a caller can
 * add a message naming strerror(errno) and still return errno.
 */
void	errlist_add(struct errlist *, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	errlist_addv(struct errlist *, const char *file, int line,
	    const char *fmt, va_list) __attribute__((format(printf, 4, 0)));

/* The number of errors, counting a lost one when el_nomem is set. */
size_t	errlist_count(const struct errlist *);

/* Prints the text of each error a line, then a note if some were lost. */
void	errlist_print(const struct errlist *, FILE *);

/*
 * Calls fn with each error's text ("FILE:LINE: message"), in the order
 * they were added; a lost one (el_nomem) is not visited.
 */
void	errlist_each(const struct errlist *,
	    void (*fn)(void *arg, const char *text), void *arg);

#endif
