/*
 * Canonical paths (canon.h).  An absolute-form target's authority is
 * skipped, each segment is %-decoded once, and the path is walked right
 * to left so that "." and ".." need no stack.  Whatever a back end could
 * read as another path (an encoded "/", "..;", a new escape, a ".." above
 * the root) is refused, not repaired.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "canon.h"

/* 1 for raw bytes a request-target never legitimately carries. */
static int
canon_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int
canon_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
 * Apache passes absolute-form targets through verbatim (docs/security.md,
 * Path tricks), so "http://host/p" must route like "/p".  Returns where the
 * path starts, uri itself if this is not absolute-form, or NULL if the
 * authority holds a byte we refuse anyway.  *nopath is set when the
 * authority runs to the end or to the query: the path is then empty, which
 * means "/".
 */
static const char *
canon_skip_authority(const char *uri, int *nopath)
{
	const char	*p = uri;

	*nopath = 0;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return uri;
	for (p++; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
		    *p == '.'))
			break;
	}
	if (strncmp(p, "://", 3) != 0)
		return uri;
	/* RFC 3986 3.2: the authority ends at "/", "?", "#" or the end. */
	for (p += 3; *p != '\0' && *p != '/' && *p != '?'; p++) {
		if (*p == '#' || *p == '\\')
			return NULL;
	}
	if (*p != '/')
		*nopath = 1;
	return p;
}

/*
 * Percent-decodes the raw segment [s, e) once.  The first dstsz decoded
 * bytes go to dst (which may be NULL when dstsz is 0); *lenp gets the full
 * decoded length, so the caller can classify a segment from a short peek
 * before it commits space in the output.  Returns -1 for a byte that
 * cannot be decoded safely.
 */
static int
canon_decode(const char *s, const char *e, char *dst, size_t dstsz,
    size_t *lenp)
{
	size_t		 n = 0;
	unsigned char	 c;
	int		 hi, lo, hex_after_pct = -1;

	while (s < e) {
		c = (unsigned char)*s;
		if (canon_is_ctl(c) || c == '\\' || c == '#')
			return -1;
		if (c == '%') {
			/* The length test keeps both reads inside [s, e). */
			if (e - s < 3 ||
			    (hi = canon_hexval((unsigned char)s[1])) == -1 ||
			    (lo = canon_hexval((unsigned char)s[2])) == -1)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			/*
			 * An encoded "/" would split differently here than
			 * on servers that decode before splitting
			 * (docs/security.md, Path tricks, rows 14, 22, 24
			 * and 25); "\" is a separator on some back ends; NUL
			 * ends the C string.
			 */
			if (c == '/' || c == '\\' || canon_is_ctl(c))
				return -1;
			s += 3;
		} else
			s++;
		/*
		 * A decoded "%" is kept as is: decoding happens once.  But
		 * not one that makes a new escape with the two bytes after
		 * it ("%2561", "%25%32%46"): a back end that decodes again
		 * would act on a path the rules never saw ("/%2561dmin" is
		 * "/admin" to it, "%252F" a "/").
		 */
		if (hex_after_pct >= 0) {
			if (canon_hexval(c) == -1)
				hex_after_pct = -1;
			else if (++hex_after_pct == 2)
				return -1;
		}
		if (c == '%')
			hex_after_pct = 0;
		if (n < dstsz)
			dst[n] = (char)c;
		n++;
	}
	*lenp = n;
	return 0;
}

/*
 * Walks the segments of the path [p, end) (p points at its leading "/")
 * from right to left, so that a ".." only has to count how many segments
 * to its left it removes: no stack, and nothing is written that a later
 * ".." would take back.  With out NULL it validates and sets *lenp to the
 * length of the kept "/seg" parts and *trailp to whether the result ends
 * in "/".  With out set, *lenp must be that length: the kept parts are
 * written backwards into out[0, *lenp).  Returns -1 for anything refused,
 * including a ".." above the root.
 */
static int
canon_walk(const char *p, const char *end, char *out, size_t *lenp,
    int *trailp)
{
	const char	*s, *q = end;
	char		 peek[3];
	size_t		 slen, pos = *lenp, total = 0, skip = 0;
	int		 last = 1;

	for (;;) {
		/* p[0] is "/", so this stops at p at the latest. */
		for (s = q; s[-1] != '/'; s--)
			continue;
		if (canon_decode(s, q, peek, sizeof(peek), &slen) == -1)
			return -1;
		/*
		 * Tomcat and other servlet containers strip ";params" from
		 * each segment, so "..;" is ".." to them and "/x/..;/admin"
		 * reaches /admin (docs/security.md, Path tricks, row 23).
		 */
		if ((slen >= 2 && peek[0] == '.' && peek[1] == ';') ||
		    (slen >= 3 && peek[0] == '.' && peek[1] == '.' &&
		    peek[2] == ';'))
			return -1;
		if (slen == 0 || (slen == 1 && peek[0] == '.')) {
			/* "//" and "/./" name the same directory. */
			if (last)
				*trailp = 1;
		} else if (slen == 2 && peek[0] == '.' && peek[1] == '.') {
			if (last)
				*trailp = 1;
			skip++;
		} else if (skip > 0) {
			skip--;
		} else if (out == NULL) {
			total += 1 + slen;
		} else {
			pos -= slen;
			if (canon_decode(s, q, out + pos, slen, &slen) == -1)
				return -1;
			out[--pos] = '/';
		}
		last = 0;
		if (s - 1 == p)
			break;
		q = s - 1;
	}
	/* A ".." above the root is an attack, not a typo. */
	if (skip > 0)
		return -1;
	if (out == NULL)
		*lenp = total;
	return 0;
}

int
canon_path(const char *uri, char *out, size_t outsz)
{
	const char	*p, *end, *q;
	size_t		 len = 0, rlen;
	int		 rc = -1, nopath, trail = 0;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (uri == NULL || *uri == '\0')
		goto done;

	/*
	 * Raw control bytes are refused anywhere, query included: no
	 * client sends them and no server should have passed them on.
	 */
	for (q = uri; *q != '\0'; q++)
		if (canon_is_ctl((unsigned char)*q))
			goto done;

	if ((p = canon_skip_authority(uri, &nopath)) == NULL)
		goto done;
	if (nopath) {
		/* "http://host" or "http://host?q": the path is "/". */
		end = NULL;
		trail = 1;
	} else {
		if (*p != '/')
			goto done;
		if ((end = strchr(p, '?')) == NULL)
			end = p + strlen(p);
		if (canon_walk(p, end, NULL, &len, &trail) == -1)
			goto done;
	}

	/* The root is "/"; otherwise the kept parts, maybe with a "/". */
	rlen = len + (len == 0 || trail ? 1 : 0);
	if (rlen >= outsz)
		goto done;
	if (len > 0 && canon_walk(p, end, out, &len, &trail) == -1)
		goto done;
	if (rlen > len)
		out[len] = '/';
	out[rlen] = '\0';
	rc = 0;
 done:
	if (rc == -1)
		out[0] = '\0';
	return rc;
}
