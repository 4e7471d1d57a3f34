/*
 * Text utilities shared by the loaders, the decision and the CLI (text.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text.h"

int
text_parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	unsigned long long	 v;
	char			*end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	if (s[0] == '0' && s[1] != '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
text_parse_size(const char *s, unsigned long long *out)
{
	unsigned long long	 v, mul = 1;
	char			*end;
	size_t			 len = strlen(s);
	char			 num[32];

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'K': case 'k':
		mul = 1024ULL;
		break;
	case 'M': case 'm':
		mul = 1024ULL * 1024;
		break;
	case 'G': case 'g':
		mul = 1024ULL * 1024 * 1024;
		break;
	default:
		break;
	}
	if (mul != 1)
		num[--len] = '\0';
	if (len == 0 || !isdigit((unsigned char)num[0]))
		return -1;
	errno = 0;
	v = strtoull(num, &end, 10);
	if (errno != 0 || *end != '\0' || v > ULLONG_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int
text_parse_date(const char *s, time_t *out)
{
	struct tm	tm;
	int		y, m, d;
	char		tail;
	size_t		i;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	/* sscanf's %d would also take a sign or leading spaces. */
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return -1;
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d + 1;	/* valid through the whole day (UTC) */
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

void
text_free_list(char **list, size_t n)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

int
text_split_list(const char *s, char ***out, size_t *n)
{
	char	**list = NULL, **nl;
	size_t	  count = 0;
	const char *p = s, *start, *end;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		start = p;
		while (*p != ',' && *p != '\0')
			p++;
		end = p;
		while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end == start)
			goto fail;
		if ((nl = realloc(list, (count + 2) * sizeof(*list))) == NULL)
			goto fail;
		list = nl;
		if ((list[count] = strndup(start, (size_t)(end - start))) == NULL)
			goto fail;
		list[++count] = NULL;
		if (*p == '\0')
			break;
		p++;
	}
	*out = list;
	*n = count;
	return 0;
fail:
	text_free_list(list, count);
	return -1;
}

const char *
text_after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

/*
 * RFC 3629 section 4: the ranges of the second byte keep out overlong
 * forms, UTF-16 surrogates and code points beyond U+10FFFF.
 */
size_t
text_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] == 0xe0) {
		n = 3;
		lo = 0xa0;	/* overlong below */
	} else if (p[0] == 0xed) {
		n = 3;
		hi = 0x9f;	/* UTF-16 surrogates above */
	} else if (p[0] >= 0xe1 && p[0] <= 0xef)
		n = 3;
	else if (p[0] == 0xf0) {
		n = 4;
		lo = 0x90;	/* overlong below */
	} else if (p[0] >= 0xf1 && p[0] <= 0xf3)
		n = 4;
	else if (p[0] == 0xf4) {
		n = 4;
		hi = 0x8f;	/* beyond U+10FFFF above */
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * RFC 3629 section 4, with CTL and DEL (RFC 5234 appendix B.1) refused
 * as RFC 7617 section 2 asks.  C1 controls (U+0080-U+009F) are valid
 * UTF-8 and not CTL; whoever prints a user-id escapes them.
 */
int
text_is_clean_utf8(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		/* ASCII without a call: names and passwords mostly are. */
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			n = 1;
		} else if ((n = text_utf8_len(p + i, len - i)) == 0)
			return 0;
	}
	return 1;
}
