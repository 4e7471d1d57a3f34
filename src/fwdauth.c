/*
 * Request facts from the headers of an HTTP forward-auth request
 * (fwdauth.h): one pass finds the headers a decision reads.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "fwdauth.h"

enum fwdauth_field {
	FF_FWD_METHOD,
	FF_FWD_URI,
	FF_ORIG_METHOD,
	FF_ORIG_URI,
	FF_FORWARDED_FOR,
	FF_AUTHORIZATION,
	FF_COUNT
};

/* Field names are case-insensitive (RFC 9110 5.1). */
static const char *const fwdauth_names[FF_COUNT] = {
	[FF_FWD_METHOD] = "X-Forwarded-Method",
	[FF_FWD_URI] = "X-Forwarded-Uri",
	[FF_ORIG_METHOD] = "X-Original-Method",
	[FF_ORIG_URI] = "X-Original-URI",
	[FF_FORWARDED_FOR] = "X-Forwarded-For",
	[FF_AUTHORIZATION] = "Authorization",
};

static int
fwdauth_field_of(const char *name)
{
	int i;

	for (i = 0; i < FF_COUNT; i++)
		if (strcasecmp(name, fwdauth_names[i]) == 0)
			return i;
	return -1;
}

int
fwdauth_reads(const char *name)
{
	return fwdauth_field_of(name) != -1;
}

int
fwdauth_is_secret(const char *name)
{
	return fwdauth_field_of(name) == FF_AUTHORIZATION;
}

/*
 * Appends one X-Forwarded-For line to the list in buf, after ", " if it
 * is not the first.  What does not fit is cut, past AUTHZ_XFF_MAX: the
 * list is then too long to be believed (authz.c).
 */
static void
fwdauth_join_xff(struct fwdauth_buf *buf, size_t *len, const char *line)
{
	size_t room = sizeof(buf->fb_xff) - 1 - *len, n;

	if (*len > 0 && room > 0) {
		n = room < 2 ? room : 2;
		memcpy(buf->fb_xff + *len, ", ", n);
		*len += n;
		room -= n;
	}
	n = strlen(line);
	if (n > room)
		n = room;
	memcpy(buf->fb_xff + *len, line, n);
	*len += n;
	buf->fb_xff[*len] = '\0';
}

/* Which family describes the client's request; 0 if it cannot be told. */
static int
fwdauth_request(const char *val[FF_COUNT], const int count[FF_COUNT],
    struct authz_facts *f)
{
	int fwd = count[FF_FWD_METHOD] + count[FF_FWD_URI] > 0;
	int orig = count[FF_ORIG_METHOD] + count[FF_ORIG_URI] > 0;
	int i;

	if (fwd && orig) {
		f->af_bad_detail = "both X-Forwarded-Method/-Uri and "
		    "X-Original-Method/-URI";
		return 0;
	}
	for (i = FF_FWD_METHOD; i <= FF_ORIG_URI; i++)
		if (count[i] > 1) {
			f->af_bad_detail = "a repeated X-Forwarded-Method, "
			    "-Uri, X-Original-Method or -URI";
			return 0;
		}
	f->af_method = fwd ? val[FF_FWD_METHOD] : val[FF_ORIG_METHOD];
	f->af_uri = fwd ? val[FF_FWD_URI] : val[FF_ORIG_URI];
	return 1;
}

void
fwdauth_facts(const struct fwdauth_header *h, size_t n, const char *peer,
    int peer_trusted, time_t now, struct fwdauth_buf *buf,
    struct authz_facts *f)
{
	const char	*val[FF_COUNT] = { NULL };
	int		 count[FF_COUNT] = { 0 };
	size_t		 i, xff_len = 0;
	int		 field;

	memset(f, 0, sizeof(*f));
	f->af_role = AUTHZ_ROLE_HTTP;
	f->af_phase = AUTHZ_PHASE_NONE;
	f->af_now = now;
	f->af_remote_addr = peer;
	buf->fb_xff[0] = '\0';
	if (!peer_trusted) {
		f->af_untrusted_peer = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		if ((field = fwdauth_field_of(h[i].fh_name)) == -1)
			continue;
		if (count[field]++ == 0)
			val[field] = h[i].fh_value;
		if (field == FF_FORWARDED_FOR)
			fwdauth_join_xff(buf, &xff_len, h[i].fh_value);
	}
	if (!fwdauth_request(val, count, f))
		f->af_bad_params = 1;
	if (count[FF_FORWARDED_FOR] > 0)
		f->af_forwarded_for = buf->fb_xff;
	f->af_authorization = val[FF_AUTHORIZATION];
	if (count[FF_AUTHORIZATION] > 1)
		f->af_dup_authorization = 1;
}
