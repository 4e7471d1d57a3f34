/*
 * Fuzz target: the headers of an HTTP forward-auth request to request
 * facts (fwdauth_facts).
 *
 * The input's first byte chooses the peer (modulo 3): a trusted one, one
 * outside http_trusted, or a unix socket (no address, trusted); the
 * seeds use '0', '1' and '2', so that they stay text.  The rest is
 * header lines, '\n' between them; a line is "Name: value", the name up
 * to the first ':' and the value after it, blanks before it skipped (a
 * line without ':' is a name with an empty value).  Every other byte is
 * kept, an embedded NUL ending that string as it would in C.  Each name
 * and value is its own malloc'd string of exactly its size (ASan).
 *
 * Properties (fwdauth.h):
 *   - an untrusted peer's facts are its role, the time and its address,
 *     nothing else;
 *   - otherwise method, URI and Authorization are the value, in place,
 *     of the first header of their name in any case (found here by a
 *     scan of our own), NULL when there is none; a repeated
 *     Authorization sets af_dup_authorization;
 *   - method and URI come from one family, X-Forwarded-Method/-Uri or
 *     X-Original-Method/-URI: headers of both, or one of the four
 *     repeated, set af_bad_params with a detail and leave both NULL;
 *   - X-Forwarded-For is the lines joined in order with ", " (as a join
 *     of our own makes it), cut at AUTHZ_XFF_MAX + 1 bytes, so that a
 *     longer list stays longer than AUTHZ_XFF_MAX.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"
#include "fwdauth.h"
#include "fuzz.h"

#define FUZZ_NOW	((time_t)1700000000)

enum {
	H_FWD_METHOD,
	H_FWD_URI,
	H_ORIG_METHOD,
	H_ORIG_URI,
	H_XFF,
	H_AUTH,
	H_COUNT
};

static const char *const fuzz_names[H_COUNT] = {
	[H_FWD_METHOD] = "x-forwarded-method",
	[H_FWD_URI] = "x-forwarded-uri",
	[H_ORIG_METHOD] = "x-original-method",
	[H_ORIG_URI] = "x-original-uri",
	[H_XFF] = "x-forwarded-for",
	[H_AUTH] = "authorization",
};

static const char fuzz_peer[] = "192.0.2.1";

struct req {
	struct fwdauth_header	*r_h;
	size_t			 r_n;
};

static void
req_make(struct req *r, const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *end = data + size, *nl, *colon, *v;
	size_t		 n = 1, i;

	for (nl = data; (nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL;
	    nl++)
		n++;
	r->r_n = n;
	if ((r->r_h = calloc(n, sizeof(*r->r_h))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((colon = memchr(p, ':', (size_t)(nl - p))) == NULL)
			colon = nl;
		v = colon < nl ? colon + 1 : nl;
		while (v < nl && (*v == ' ' || *v == '\t'))
			v++;
		r->r_h[i].fh_name = fuzz_strndup(p, (size_t)(colon - p));
		r->r_h[i].fh_value = fuzz_strndup(v, (size_t)(nl - v));
		p = nl + 1;
	}
}

static void
req_free(struct req *r)
{
	size_t	i;

	for (i = 0; i < r->r_n; i++) {
		free((char *)(uintptr_t)r->r_h[i].fh_name);
		free((char *)(uintptr_t)r->r_h[i].fh_value);
	}
	free(r->r_h);
}

/* An untrusted peer: nothing read. */
static void
check_untrusted(const struct req *r)
{
	struct fwdauth_buf	buf;
	struct authz_facts	f, want;

	memset(&f, 0xa5, sizeof(f));
	fwdauth_facts(r->r_h, r->r_n, fuzz_peer, 0, FUZZ_NOW, &buf, &f);
	memset(&want, 0, sizeof(want));
	want.af_role = AUTHZ_ROLE_HTTP;
	want.af_phase = AUTHZ_PHASE_NONE;
	want.af_now = FUZZ_NOW;
	want.af_remote_addr = fuzz_peer;
	want.af_untrusted_peer = 1;
	FUZZ_ASSERT(memcmp(&f, &want, sizeof(f)) == 0);
}

/*
 * The X-Forwarded-For lines joined as fwdauth.h says, uncut: ", " before
 * a line when the list so far is not empty.  Its length in *len.
 */
static char *
xff_join(const struct req *r, size_t *len)
{
	char	*s;
	size_t	 cap = 1, i, n;

	for (i = 0; i < r->r_n; i++)
		cap += strlen(r->r_h[i].fh_value) + 2;
	if ((s = malloc(cap)) == NULL)
		abort();
	*len = 0;
	for (i = 0; i < r->r_n; i++) {
		if (strcasecmp(r->r_h[i].fh_name, fuzz_names[H_XFF]) != 0)
			continue;
		if (*len > 0) {
			memcpy(s + *len, ", ", 2);
			*len += 2;
		}
		n = strlen(r->r_h[i].fh_value);
		memcpy(s + *len, r->r_h[i].fh_value, n);
		*len += n;
	}
	s[*len] = '\0';
	return s;
}

/* A trusted peer (peer NULL: a unix socket). */
static void
check_trusted(const struct req *r, const char *peer)
{
	struct fwdauth_buf	 buf;
	struct authz_facts	 f;
	const char		*first[H_COUNT] = { NULL };
	int			 count[H_COUNT] = { 0 };
	char			*join;
	size_t			 i, len, want;
	int			 k, fwd, orig, bad;

	for (i = 0; i < r->r_n; i++)
		for (k = 0; k < H_COUNT; k++)
			if (strcasecmp(r->r_h[i].fh_name, fuzz_names[k]) == 0 &&
			    count[k]++ == 0)
				first[k] = r->r_h[i].fh_value;

	memset(&f, 0xa5, sizeof(f));
	fwdauth_facts(r->r_h, r->r_n, peer, 1, FUZZ_NOW, &buf, &f);
	FUZZ_ASSERT(f.af_role == AUTHZ_ROLE_HTTP);
	FUZZ_ASSERT(f.af_phase == AUTHZ_PHASE_NONE);
	FUZZ_ASSERT(f.af_now == FUZZ_NOW);
	FUZZ_ASSERT(f.af_mono == 0);
	FUZZ_ASSERT(f.af_remote_addr == peer);
	FUZZ_ASSERT(f.af_remote_user == NULL && f.af_remote_passwd == NULL);
	FUZZ_ASSERT(f.af_untrusted_peer == 0);

	/* One family, none of it repeated. */
	fwd = count[H_FWD_METHOD] + count[H_FWD_URI] > 0;
	orig = count[H_ORIG_METHOD] + count[H_ORIG_URI] > 0;
	bad = fwd && orig;
	for (k = H_FWD_METHOD; k <= H_ORIG_URI; k++)
		if (count[k] > 1)
			bad = 1;
	if (bad) {
		FUZZ_ASSERT(f.af_bad_params == 1);
		FUZZ_ASSERT(f.af_bad_detail != NULL);
		FUZZ_ASSERT(f.af_method == NULL && f.af_uri == NULL);
	} else {
		FUZZ_ASSERT(f.af_bad_params == 0);
		FUZZ_ASSERT(f.af_bad_detail == NULL);
		FUZZ_ASSERT(f.af_method ==
		    first[orig ? H_ORIG_METHOD : H_FWD_METHOD]);
		FUZZ_ASSERT(f.af_uri == first[orig ? H_ORIG_URI : H_FWD_URI]);
	}

	FUZZ_ASSERT(f.af_authorization == first[H_AUTH]);
	FUZZ_ASSERT(f.af_dup_authorization == (count[H_AUTH] > 1));

	if (count[H_XFF] == 0) {
		FUZZ_ASSERT(f.af_forwarded_for == NULL);
		return;
	}
	FUZZ_ASSERT(f.af_forwarded_for == buf.fb_xff);
	join = xff_join(r, &len);
	want = len > AUTHZ_XFF_MAX + 1 ? AUTHZ_XFF_MAX + 1 : len;
	FUZZ_ASSERT(strlen(f.af_forwarded_for) == want);
	FUZZ_ASSERT(memcmp(f.af_forwarded_for, join, want) == 0);
	/* Too long a list is never cut down to a believable one. */
	FUZZ_ASSERT((len > AUTHZ_XFF_MAX) ==
	    (strlen(f.af_forwarded_for) > AUTHZ_XFF_MAX));
	free(join);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req	r;
	int		peer = 0;

	if (size > 0) {
		peer = data[0] % 3;
		data++;
		size--;
	}
	req_make(&r, data, size);
	switch (peer) {
	case 0:
		check_trusted(&r, fuzz_peer);
		break;
	case 1:
		check_untrusted(&r);
		break;
	default:
		check_trusted(&r, NULL);
		break;
	}
	req_free(&r);
	return 0;
}
