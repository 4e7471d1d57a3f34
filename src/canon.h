/*
 * Canonical request paths for rule matching.  Rules never see the raw
 * REQUEST_URI: it may be absolute-form, carry a query, %-escapes, "//",
 * "." and ".." (docs/security.md, Path tricks).
 */
#ifndef AUTHZ_CANON_H
#define AUTHZ_CANON_H

#include <stddef.h>

/*
 * Turns the raw request-target uri into a canonical absolute path in out
 * (outsz bytes; strlen(uri) + 2 is always enough):
 *   - absolute-form "scheme://authority/path" loses scheme and authority;
 *   - the query ("?...") is cut off;
 *   - %XX escapes are decoded exactly once;
 *   - empty segments ("//") and "." are removed, ".." removes the segment
 *     before it;
 *   - a trailing "/" is kept.
 * Returns 0, or -1 for what cannot be decoded safely (answered with 400):
 * empty or not starting with "/" (after absolute-form), a bad %-escape, an
 * encoded "/" (%2F) or NUL (%00), a double-encoded escape (a decoded "%"
 * before two hex digits: "%252F", "%2561"), a control byte or DEL (raw or
 * decoded), a backslash (raw or %5C), a "#", a ".." above the root, a
 * segment that is ".." or "." followed by ";" (the path-parameter
 * traversal trick), and a result that does not fit.  So a result holds
 * "%" only where no second decoding could turn it into anything.
 */
int	canon_path(const char *uri, char *out, size_t outsz)
	    __attribute__((warn_unused_result));

#endif
