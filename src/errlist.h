/*
 * A list of "FILE:LINE: message" strings, collected while loading files so
 * that every error is reported before the load fails.
 */
#ifndef AUTHZ_ERRLIST_H
#define AUTHZ_ERRLIST_H

#include <stddef.h>
#include <stdio.h>

struct errlist {
	char	**el_msgs;
	size_t	  el_count;
	size_t	  el_cap;
	int	  el_nomem;	/* an allocation failed; el_count is a floor */
};

void	errlist_init(struct errlist *);
void	errlist_free(struct errlist *);
/* Adds "FILE:LINE: message"; line 0 leaves out the line number. */
void	errlist_add(struct errlist *, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
size_t	errlist_count(const struct errlist *);
/* Prints one message a line. */
void	errlist_print(const struct errlist *, FILE *);

#endif
