/*
 * FastCGI records up to the end of a request's params (fcgiscan.h).  The
 * rules are libfcgi 2.4.2's, record by record (fcgiapp.c: FillBuffProc,
 * ProcessHeader, ProcessBeginRecord, and FCGX_Accept_r's role check):
 * whatever it would close on, or stop the params at with an error, is
 * refused here; whatever it would skip is skipped; and only a request it
 * reads to the end of its params without another read that could block
 * is ready.  tests/check_fcgiscan.c holds each verdict against libfcgi
 * itself.  The params' name-value pairs are checked too, so that none
 * declares more bytes than the params hold (fcgiscan_params_check).
 */
#include "config.h"

#include <string.h>

#include "fcgiscan.h"

/* The FastCGI 1.0 specification, section 8. */
#define FCGI_HEADER_LEN		8
#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_NULL_REQUEST_ID	0
#define FCGI_KEEP_CONN		1
#define FCGI_RESPONDER		1
#define FCGI_FILTER		3

/* One record's header, and where its record ends. */
struct fcgiscan_record {
	unsigned	 fr_version;
	unsigned	 fr_type;
	unsigned	 fr_id;
	size_t		 fr_content_len;
	size_t		 fr_end;	/* offset after content and padding */
	const unsigned char *fr_content;
};

static void
fcgiscan_set(struct fcgiscan *fs, enum fcgiscan_verdict v, const char *why)
{
	fs->fs_verdict = v;
	fs->fs_why = why;
}

/*
 * Reads the record at off: 1 when it is all in buf, 0 when more bytes are
 * needed (fs_need set), -1 when it would end past the cap (refused).
 */
static int
fcgiscan_record_at(const unsigned char *buf, size_t len, size_t off,
    struct fcgiscan_record *r, struct fcgiscan *fs)
{
	const unsigned char *h = buf + off;

	if (len - off < FCGI_HEADER_LEN) {
		fs->fs_need = off + FCGI_HEADER_LEN;
		return 0;
	}
	r->fr_version = h[0];
	r->fr_type = h[1];
	r->fr_id = (unsigned)h[2] << 8 | h[3];
	r->fr_content_len = (size_t)h[4] << 8 | h[5];
	r->fr_end = off + FCGI_HEADER_LEN + r->fr_content_len + h[6];
	r->fr_content = h + FCGI_HEADER_LEN;
	if (r->fr_end > FCGISCAN_BYTES_MAX) {
		fcgiscan_set(fs, FCGISCAN_REFUSE, "params past 128 KiB");
		return -1;
	}
	if (r->fr_end > len) {
		fs->fs_need = r->fr_end;
		return 0;
	}
	return 1;
}

/*
 * A BEGIN_REQUEST record.  libfcgi refuses one for request 0 or of
 * another length than 8; a second one it answers with
 * FCGI_CANT_MPX_CONN and skips; for the first, it closes on a role it
 * does not know.  Returns 0, or -1 (refused).
 */
static int
fcgiscan_begin(const struct fcgiscan_record *r, int *begun,
    struct fcgiscan *fs)
{
	unsigned role;

	if (r->fr_id == FCGI_NULL_REQUEST_ID || r->fr_content_len != 8) {
		fcgiscan_set(fs, FCGISCAN_REFUSE, "a malformed BEGIN_REQUEST");
		return -1;
	}
	if (*begun)
		return 0;
	role = (unsigned)r->fr_content[0] << 8 | r->fr_content[1];
	if (role < FCGI_RESPONDER || role > FCGI_FILTER) {
		fcgiscan_set(fs, FCGISCAN_REFUSE, "an unknown role");
		return -1;
	}
	fs->fs_request_id = r->fr_id;
	fs->fs_keep_conn = (r->fr_content[2] & FCGI_KEEP_CONN) != 0;
	*begun = 1;
	return 0;
}

/*
 * One whole record, judged as libfcgi does.  Returns 1 when it ends the
 * params, 2 for a PARAMS record of the request with content, 0 for one
 * libfcgi skips or answers, -1 when refused.  begun: a BEGIN_REQUEST was
 * read.
 */
static int
fcgiscan_judge(const struct fcgiscan_record *r, int *begun,
    struct fcgiscan *fs)
{
	if (r->fr_version != FCGI_VERSION_1) {
		fcgiscan_set(fs, FCGISCAN_REFUSE, "not FastCGI version 1");
		return -1;
	}
	if (r->fr_type == FCGI_BEGIN_REQUEST)
		return fcgiscan_begin(r, begun, fs);
	/* Management records are answered, another request's skipped. */
	if (r->fr_id == FCGI_NULL_REQUEST_ID || !*begun ||
	    r->fr_id != fs->fs_request_id)
		return 0;
	if (r->fr_type != FCGI_PARAMS) {
		fcgiscan_set(fs, FCGISCAN_REFUSE,
		    "another record than PARAMS before the params end");
		return -1;
	}
	return r->fr_content_len == 0 ? 1 : 2;
}

/*
 * The request's params: the contents of its PARAMS records, one stream
 * (section 5.2), and a cursor over it.
 */
struct fcgiscan_params {
	const unsigned char	*fp_chunk[FCGISCAN_RECORDS_MAX];
	size_t			 fp_len[FCGISCAN_RECORDS_MAX];
	size_t			 fp_n;
	/* The cursor. */
	size_t			 fp_at_chunk, fp_at, fp_left;
};

static int
fcgiscan_params_byte(struct fcgiscan_params *fp, unsigned *b)
{
	if (fp->fp_left == 0)
		return -1;
	while (fp->fp_at == fp->fp_len[fp->fp_at_chunk]) {
		fp->fp_at_chunk++;
		fp->fp_at = 0;
	}
	*b = fp->fp_chunk[fp->fp_at_chunk][fp->fp_at++];
	fp->fp_left--;
	return 0;
}

/* The cursor back at the first byte of the params seen so far. */
static void
fcgiscan_params_rewind(struct fcgiscan_params *fp)
{
	size_t i;

	fp->fp_at_chunk = fp->fp_at = fp->fp_left = 0;
	for (i = 0; i < fp->fp_n; i++)
		fp->fp_left += fp->fp_len[i];
}

/* A name or value length: one byte, or four with the top bit set. */
static int
fcgiscan_params_len(struct fcgiscan_params *fp, size_t *len)
{
	unsigned	b, i;

	if (fcgiscan_params_byte(fp, &b) == -1)
		return -1;
	*len = b;
	if ((b & 0x80) == 0)
		return 0;
	*len = b & 0x7f;
	for (i = 0; i < 3; i++) {
		if (fcgiscan_params_byte(fp, &b) == -1)
			return -1;
		*len = *len << 8 | b;
	}
	return 0;
}

static void
fcgiscan_params_skip(struct fcgiscan_params *fp, size_t n)
{
	size_t step;

	fp->fp_left -= n;
	while (n > 0) {
		step = fp->fp_len[fp->fp_at_chunk] - fp->fp_at;
		if (step > n)
			step = n;
		fp->fp_at += step;
		n -= step;
		if (n > 0) {
			fp->fp_at_chunk++;
			fp->fp_at = 0;
		}
	}
}

/*
 * The name-value pairs (section 3.4) must each fit in the params.
 * libfcgi 2.4.2 allocates a pair's declared length before it reads it,
 * and aborts when that fails (docs/security.md, Hostile FastCGI input):
 * a length past the params would take the whole worker process down.
 * A pair cut short libfcgi would close on.  0, or -1 (refused).
 */
static int
fcgiscan_params_check(struct fcgiscan_params *fp, struct fcgiscan *fs)
{
	size_t	name, value;

	fcgiscan_params_rewind(fp);
	while (fp->fp_left > 0) {
		if (fcgiscan_params_len(fp, &name) == -1 ||
		    fcgiscan_params_len(fp, &value) == -1) {
			fcgiscan_set(fs, FCGISCAN_REFUSE, "a param cut short");
			return -1;
		}
		if (name > fp->fp_left || value > fp->fp_left - name) {
			fcgiscan_set(fs, FCGISCAN_REFUSE,
			    "a param longer than the params");
			return -1;
		}
		fcgiscan_params_skip(fp, name + value);
	}
	return 0;
}

/*
 * Params not yet ended: a pair that declares more bytes than a whole
 * request may hold can never fit, so it is refused now rather than at
 * request_timeout (libfcgi's abort payload is just such a pair, with no
 * end after it).
 */
static void
fcgiscan_params_early(struct fcgiscan_params *fp, struct fcgiscan *fs)
{
	size_t	name, value;

	fcgiscan_params_rewind(fp);
	while (fp->fp_left > 0) {
		if (fcgiscan_params_len(fp, &name) == -1 ||
		    fcgiscan_params_len(fp, &value) == -1)
			return;		/* the rest of it is to come */
		if (name > FCGISCAN_BYTES_MAX ||
		    value > FCGISCAN_BYTES_MAX - name) {
			fcgiscan_set(fs, FCGISCAN_REFUSE,
			    "a param longer than a request may be");
			return;
		}
		if (name + value > fp->fp_left)
			return;
		fcgiscan_params_skip(fp, name + value);
	}
}

/*
 * The bytes at off, after the params: when they are the request's empty
 * FCGI_STDIN record (section 5.3: its input ends; an authorizer's request
 * has no body) and nothing more, where they end, else 0.
 */
static size_t
fcgiscan_stdin_end(const unsigned char *buf, size_t len, size_t off,
    unsigned id)
{
	const unsigned char *h = buf + off;

	if (len - off < FCGI_HEADER_LEN)
		return 0;
	if (h[0] != FCGI_VERSION_1 || h[1] != FCGI_STDIN ||
	    ((unsigned)h[2] << 8 | h[3]) != id || h[4] != 0 || h[5] != 0)
		return 0;
	return off + FCGI_HEADER_LEN + h[6] == len ? len : 0;
}

void
fcgiscan_request(const unsigned char *buf, size_t len, struct fcgiscan *fs)
{
	struct fcgiscan_record	r;
	struct fcgiscan_params	fp;
	size_t			off = 0;
	unsigned		nrecords = 0;
	int			begun = 0, rc;

	memset(fs, 0, sizeof(*fs));
	fp.fp_n = 0;
	fs->fs_verdict = FCGISCAN_MORE;
	for (;;) {
		if ((rc = fcgiscan_record_at(buf, len, off, &r, fs)) != 1) {
			/* MORE with fs_need, or REFUSE */
			if (fs->fs_verdict == FCGISCAN_MORE)
				fcgiscan_params_early(&fp, fs);
			return;
		}
		if (++nrecords > FCGISCAN_RECORDS_MAX) {
			fcgiscan_set(fs, FCGISCAN_REFUSE,
			    "too many records before the params end");
			return;
		}
		if ((rc = fcgiscan_judge(&r, &begun, fs)) == -1)
			return;
		off = r.fr_end;
		if (rc == 2) {	/* at most one a record: fits */
			fp.fp_chunk[fp.fp_n] = r.fr_content;
			fp.fp_len[fp.fp_n++] = r.fr_content_len;
		} else if (rc == 1) {
			if (fcgiscan_params_check(&fp, fs) == -1)
				return;
			fs->fs_verdict = FCGISCAN_READY;
			fs->fs_len = off;
			fs->fs_whole_len = fcgiscan_stdin_end(buf, len, off,
			    fs->fs_request_id);
			return;
		}
	}
}
