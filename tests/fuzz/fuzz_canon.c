/*
 * Fuzz target: the path canonicalizer (canon_path), with the input up to
 * its first NUL as REQUEST_URI.  Refusals are fine; what canon.h promises
 * for a result is checked, and abort()s when it does not hold:
 *   - strlen(uri) + 2 bytes are enough: a larger buffer gives the same
 *     answer, a refusal leaves "" behind;
 *   - the result is an absolute path without "//", without a "." or ".."
 *     segment or one starting ".;" or "..;", without a control byte, DEL
 *     or backslash, and no longer than the input;
 *   - it fits in exactly strlen(result) + 1 bytes and not in one less (so
 *     no NUL was written before its end);
 *   - it is decoded once: each "%" in it comes from a "%25", each "?"
 *     from a "%3F", each "#" from a "%23";
 *   - no "%" in it is followed by two hex digits, so it holds no "%2F"
 *     (nor anything else a second decoding would change: canon.h);
 *   - canonicalizing it again gives it back (idempotent).  Where decoding
 *     produced "%", "?" or "#", it is canonicalized again with those
 *     escaped: "/%2561" is "/%61", whose own canonical form is "/a", and
 *     that is the point of decoding once (tests/check_canon.c).
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "fuzz.h"

/* Occurrences of the escape esc ("%3F") in s, either case of hex. */
static size_t
count_escape(const char *s, const char *esc)
{
	size_t	n = 0;

	for (; (s = strchr(s, '%')) != NULL; s++)
		if (s[1] == esc[1] && (s[2] | 0x20) == (esc[2] | 0x20))
			n++;
	return n;
}

static size_t
count_byte(const char *s, char c)
{
	size_t	n = 0;

	for (; (s = strchr(s, c)) != NULL; s++)
		n++;
	return n;
}

/* Each segment between two "/" (the last may be empty: a trailing "/"). */
static void
check_segments(const char *out)
{
	const char	*seg, *end;
	size_t		 len;

	FUZZ_ASSERT(out[0] == '/');
	for (seg = out + 1; *seg != '\0'; seg = end + 1) {
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		len = (size_t)(end - seg);
		FUZZ_ASSERT(len > 0);			/* no "//" */
		FUZZ_ASSERT(!(len == 1 && seg[0] == '.'));
		FUZZ_ASSERT(!(len == 2 && seg[0] == '.' && seg[1] == '.'));
		FUZZ_ASSERT(!(len >= 2 && seg[0] == '.' && seg[1] == ';'));
		FUZZ_ASSERT(!(len >= 3 && seg[0] == '.' && seg[1] == '.' &&
		    seg[2] == ';'));
		if (*end == '\0')
			break;
	}
}

static void
check_bytes(const char *out)
{
	const unsigned char *p;

	for (p = (const unsigned char *)out; *p != '\0'; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f && *p != '\\');
}

/* Whether s holds "%" and two hex digits: an escape ("%2F" among them). */
static int
has_escape(const char *s)
{
	for (; (s = strchr(s, '%')) != NULL; s++)
		if (isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2]))
			return 1;
	return 0;
}

/* out with "%", "?" and "#" escaped again; malloc'd. */
static char *
reescape(const char *out)
{
	const char	*p, *e;
	char		*s, *q;

	if ((s = malloc(strlen(out) * 3 + 1)) == NULL)
		abort();
	for (p = out, q = s; *p != '\0'; p++) {
		e = *p == '%' ? "%25" : *p == '?' ? "%3F" : *p == '#' ? "%23" :
		    NULL;
		if (e != NULL) {
			memcpy(q, e, 3);
			q += 3;
		} else
			*q++ = *p;
	}
	*q = '\0';
	return s;
}

/* canon_path() into a buffer of exactly outsz bytes (ASan sees past it). */
static int
canon_into(const char *uri, size_t outsz, char **outp)
{
	int	rc;

	if ((*outp = malloc(outsz)) == NULL)
		abort();
	rc = canon_path(uri, *outp, outsz);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1)
		FUZZ_ASSERT((*outp)[0] == '\0');
	return rc;
}

static void
check_result(const char *uri, const char *out)
{
	size_t	 len = strlen(out);
	char	*tight, *again, *esc;

	check_segments(out);
	check_bytes(out);
	FUZZ_ASSERT(len <= strlen(uri));

	FUZZ_ASSERT(canon_into(uri, len + 1, &tight) == 0);
	FUZZ_ASSERT(strcmp(tight, out) == 0);
	free(tight);
	FUZZ_ASSERT(canon_into(uri, len, &tight) == -1);
	free(tight);

	FUZZ_ASSERT(count_byte(out, '%') <= count_escape(uri, "%25"));
	FUZZ_ASSERT(!has_escape(out));
	FUZZ_ASSERT(count_byte(out, '?') <= count_escape(uri, "%3F"));
	FUZZ_ASSERT(count_byte(out, '#') <= count_escape(uri, "%23"));

	esc = reescape(out);
	FUZZ_ASSERT(canon_into(esc, strlen(esc) + 2, &again) == 0);
	FUZZ_ASSERT(strcmp(again, out) == 0);
	free(again);
	free(esc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*uri, *out, *big;
	size_t	 len;
	int	 rc;

	uri = fuzz_strndup(data, size);
	len = strlen(uri);
	rc = canon_into(uri, len + 2, &out);
	FUZZ_ASSERT(canon_into(uri, len + 64, &big) == rc);
	if (rc == 0) {
		FUZZ_ASSERT(strcmp(out, big) == 0);
		check_result(uri, out);
	}
	free(big);
	free(out);
	free(uri);
	return 0;
}
