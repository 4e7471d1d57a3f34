/*
 * Text utilities with no knowledge of any file format: numbers, sizes and
 * dates as the configuration and users files write them, comma-separated
 * lists, and the UTF-8 check every user-id and secret goes through.  A
 * leaf: it includes nothing of the project.
 */
#ifndef AUTHZ_TEXT_H
#define AUTHZ_TEXT_H

#include <stddef.h>
#include <time.h>

/*
 * Parses a size such as "256M", "64K", "1G" or "1048576" (bytes) into
 * *out.  Returns 0 or -1.
 */
int	text_parse_size(const char *, unsigned long long *out);
/* Parses a decimal unsigned number within [min, max]; 0 or -1. */
int	text_parse_uint(const char *, unsigned long long min,
	    unsigned long long max, unsigned long long *out);
/* Parses YYYY-MM-DD into the first second (UTC) after that day; 0/-1. */
int	text_parse_date(const char *, time_t *out);
/* Splits "a, b,c" into a NULL-terminated array of trimmed, non-empty
 * strings; returns 0 or -1 (an empty item is an error). */
int	text_split_list(const char *, char ***out, size_t *n);
void	text_free_list(char **, size_t);

/*
 * Returns s past prefix when s starts with it (a section name such as
 * "rule:NAME"), else NULL: the prefix's length is never written by hand.
 */
const char	*text_after_prefix(const char *s, const char *prefix);

/*
 * Length of the well-formed UTF-8 sequence at p (1 to 4, an ASCII byte
 * included), or 0; left (at least 1) bounds what is read.
 */
size_t	text_utf8_len(const unsigned char *p, size_t left);

/* Returns 1 if s[0..len) is valid UTF-8 without CTL or DEL, else 0. */
int	text_is_clean_utf8(const char *s, size_t len);

#endif
