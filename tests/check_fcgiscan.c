#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string.h>
#include <unistd.h>

#include <check.h>
#include <fcgiapp.h>

#include "check_common.h"
#include "fcgiscan.h"

/*
 * The FastCGI records a web server sends, built byte by byte (the
 * FastCGI 1.0 specification, section 8), and what libfcgi 2.4.2 would do
 * with them: read the params without waiting (READY), wait for more
 * (MORE), or close (REFUSE).
 */

#define BEGIN		1
#define ABORT		2
#define PARAMS		4
#define STDIN		5
#define GET_VALUES	9
#define AUTHORIZER	2

static unsigned char	wire[FCGISCAN_BYTES_MAX + 1024];
static size_t		wlen;

/*
 * Appends one record: header, content (len bytes of c), padding.  For c
 * 'p', the content is params libfcgi can read: "a=b" pairs of four bytes
 * (section 3.4), len a multiple of 4.
 */
static void
rec(unsigned version, unsigned type, unsigned id, size_t len, int c,
    unsigned pad)
{
	static const unsigned char pair[4] = { 1, 1, 'a', 'b' };
	unsigned char	*h = wire + wlen;
	size_t		 i;

	ck_assert_uint_le(wlen + 8 + len + pad, sizeof(wire));
	h[0] = (unsigned char)version;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	memset(h + 8, c, len + pad);
	for (i = 0; c == 'p' && i < len; i++)
		h[8 + i] = pair[i % 4];
	wlen += 8 + len + pad;
}

/* BEGIN_REQUEST for id with role and flags. */
static void
begin_rec(unsigned id, unsigned role, unsigned flags)
{
	size_t at = wlen;

	rec(1, BEGIN, id, 8, 0, 0);
	wire[at + 8] = (unsigned char)(role >> 8);
	wire[at + 9] = (unsigned char)role;
	wire[at + 10] = (unsigned char)flags;
}

/* A request as lighttpd sends it: begin, params, end of params, stdin. */
static size_t
lighttpd_request(unsigned flags)
{
	size_t end;

	wlen = 0;
	begin_rec(1, AUTHORIZER, flags);
	rec(1, PARAMS, 1, 300, 'p', 4);
	rec(1, PARAMS, 1, 0, 0, 0);
	end = wlen;
	rec(1, STDIN, 1, 0, 0, 0);
	return end;
}

static void
scan(struct fcgiscan *fs)
{
	fcgiscan_request(wire, wlen, fs);
}

START_TEST(test_fcgiscan_ready)
{
	struct fcgiscan	fs;
	size_t		end;

	end = lighttpd_request(0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_uint_eq(fs.fs_len, end);
	ck_assert_uint_eq(fs.fs_request_id, 1);
	ck_assert_int_eq(fs.fs_keep_conn, 0);
	/* nginx's fastcgi_keep_conn sets FCGI_KEEP_CONN. */
	lighttpd_request(1);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_int_eq(fs.fs_keep_conn, 1);
}
END_TEST

/*
 * Cut anywhere before the end of the params, a request is never ready,
 * and fs_need names a length past the cut and no later than the end of
 * the record the cut is in.
 */
START_TEST(test_fcgiscan_every_cut)
{
	struct fcgiscan	fs;
	size_t		end, cut;

	end = lighttpd_request(0);
	for (cut = 0; cut < end; cut++) {
		fcgiscan_request(wire, cut, &fs);
		ck_assert_msg(fs.fs_verdict == FCGISCAN_MORE,
		    "cut at %zu: verdict %d", cut, fs.fs_verdict);
		ck_assert_msg(fs.fs_need > cut && fs.fs_need <= end,
		    "cut at %zu: need %zu (end %zu)", cut, fs.fs_need, end);
	}
	fcgiscan_request(wire, end, &fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
}
END_TEST

/* What libfcgi skips or answers on the way: still ready after it. */
START_TEST(test_fcgiscan_skipped)
{
	struct fcgiscan fs;

	wlen = 0;
	rec(1, GET_VALUES, 0, 12, 'v', 0);	/* answered */
	rec(1, PARAMS, 7, 10, 'x', 0);		/* no request yet: skipped */
	begin_rec(3, AUTHORIZER, 0);
	rec(1, PARAMS, 3, 20, 'p', 0);
	rec(1, STDIN, 5, 10, 's', 0);		/* another request's */
	begin_rec(4, AUTHORIZER, 0);		/* FCGI_CANT_MPX_CONN */
	rec(1, GET_VALUES, 0, 0, 0, 0);
	rec(1, PARAMS, 3, 0, 0, 3);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_uint_eq(fs.fs_len, wlen);
	ck_assert_uint_eq(fs.fs_request_id, 3);
}
END_TEST

/*
 * fs_whole_len: the request and the empty FCGI_STDIN record that ends it,
 * and nothing after, as lighttpd sends a check.
 */
START_TEST(test_fcgiscan_whole_len)
{
	struct fcgiscan	fs;
	size_t		end;

	end = lighttpd_request(0);
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, wlen);
	/* Its end of params alone, or a cut in the STDIN record: not yet. */
	fcgiscan_request(wire, end, &fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
	fcgiscan_request(wire, wlen - 3, &fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
	/* Padded: still the end. */
	wlen = end;
	rec(1, STDIN, 1, 0, 0, 5);
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, wlen);
	/* A byte after it, input in it, or another request's: not known
	 * to end there. */
	wlen = end;
	rec(1, STDIN, 1, 0, 0, 0);
	wire[wlen++] = 1;
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
	wlen = end;
	rec(1, STDIN, 1, 4, 's', 0);
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
	wlen = end;
	rec(1, STDIN, 2, 0, 0, 0);
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
	wlen = end;
	rec(1, ABORT, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_uint_eq(fs.fs_whole_len, 0);
}
END_TEST

/* What libfcgi closes the connection on. */
static const struct {
	const char	*what;
	int		 kind;
} refused_cases[] = {
	{ "version 2", 0 },
	{ "version 0 in the params", 1 },
	{ "BEGIN_REQUEST for request 0", 2 },
	{ "BEGIN_REQUEST of 7 bytes", 3 },
	{ "role 0", 4 },
	{ "role 4", 5 },
	{ "STDIN before the params end", 6 },
	{ "ABORT_REQUEST before the params end", 7 },
	{ "a second BEGIN_REQUEST of 9 bytes", 8 },
};

/* Builds refused_cases[i]'s wire, with what would have ended it. */
static void
refused_wire(int i)
{
	wlen = 0;
	switch (refused_cases[i].kind) {
	case 0:
		rec(2, BEGIN, 1, 8, 0, 0);
		break;
	case 1:
		begin_rec(1, AUTHORIZER, 0);
		rec(0, PARAMS, 1, 0, 0, 0);
		break;
	case 2:
		begin_rec(0, AUTHORIZER, 0);
		break;
	case 3:
		rec(1, BEGIN, 1, 7, 0, 0);
		break;
	case 4:
		begin_rec(1, 0, 0);
		break;
	case 5:
		begin_rec(1, 4, 0);
		break;
	case 6:
		begin_rec(1, AUTHORIZER, 0);
		rec(1, STDIN, 1, 0, 0, 0);
		break;
	case 7:
		begin_rec(1, AUTHORIZER, 0);
		rec(1, ABORT, 1, 0, 0, 0);
		break;
	default:
		begin_rec(1, AUTHORIZER, 0);
		rec(1, BEGIN, 2, 9, 0, 0);
		break;
	}
	rec(1, PARAMS, 1, 0, 0, 0);	/* what would have ended it */
}

START_TEST(test_fcgiscan_refused)
{
	struct fcgiscan fs;

	refused_wire(_i);
	scan(&fs);
	ck_assert_msg(fs.fs_verdict == FCGISCAN_REFUSE, "%s: verdict %d",
	    refused_cases[_i].what, fs.fs_verdict);
	ck_assert_ptr_nonnull(fs.fs_why);
}
END_TEST

/*
 * Past FCGISCAN_BYTES_MAX: refused as soon as a header says its record
 * would end there, before its bytes come.  At the cap: ready.
 */
START_TEST(test_fcgiscan_bytes_cap)
{
	struct fcgiscan	fs;
	size_t		fill;

	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	rec(1, PARAMS, 1, 65532, 'p', 0);
	/* Up to the cap, less the empty PARAMS (a multiple of 4 here). */
	fill = FCGISCAN_BYTES_MAX - wlen - 8 - 8;
	ck_assert_uint_eq(fill % 4, 0);
	rec(1, PARAMS, 1, fill, 'p', 0);
	rec(1, PARAMS, 1, 0, 0, 0);
	ck_assert_uint_eq(wlen, FCGISCAN_BYTES_MAX);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	/* One more byte of padding on the last record: refused. */
	wire[wlen - 2] = 1;
	wire[wlen] = 0;
	wlen++;
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	/* Only the header of a record that would end past it. */
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	rec(1, PARAMS, 1, 65535, 'a', 0);
	rec(1, PARAMS, 1, 65535, 'a', 255);
	fcgiscan_request(wire, 16 + 8 + 65535 + 8, &fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
}
END_TEST

/* Past FCGISCAN_RECORDS_MAX records: refused, however small each. */
START_TEST(test_fcgiscan_records_cap)
{
	struct fcgiscan	fs;
	unsigned	i;

	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	for (i = 1; i < FCGISCAN_RECORDS_MAX - 1; i++)
		rec(1, PARAMS, 1, 4, 'p', 0);
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	for (i = 1; i < FCGISCAN_RECORDS_MAX; i++)
		rec(1, PARAMS, 1, 4, 'p', 0);
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
}
END_TEST

/*
 * The claim checked against libfcgi itself: the bytes go into a
 * socketpair, and FCGX_Accept_r() reads them from a descriptor handed
 * over in ipcFd, as the daemon will hand a ready connection to a request
 * thread (keepConnection and detached set; a listening socket that cannot
 * accept).  With eof, the writer's side is shut after the bytes.
 * Returns 1 when libfcgi read a request (*keep: its FCGI_KEEP_CONN), 0
 * when it gave up.  A read that would wait ends after 5 s (SO_RCVTIMEO)
 * and makes it give up: the outcome, not the time, is what is checked.
 */
static int	libfcgi_left;	/* bytes it left in the socket: FIONREAD */

static int
libfcgi_reads(const unsigned char *buf, size_t len, int eof, int *keep)
{
	FCGX_Request	req;
	struct timeval	tv = { 5, 0 };
	int		sv[2], dead, rc;

	ck_assert_int_eq(FCGX_Init(), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	ck_assert_int_eq(write(sv[1], buf, len), (ssize_t)len);
	if (eof)
		ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_ne(dead = socket(AF_UNIX, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(FCGX_InitRequest(&req, dead, 0), 0);
	req.ipcFd = sv[0];
	req.keepConnection = 1;
	req.detached = 1;
	rc = FCGX_Accept_r(&req);
	*keep = req.keepConnection;
	/* A stream error ends the params early, and libfcgi hands on what
	 * it read as if whole (fcgiapp.c, ReadParams): not a request. */
	if (rc == 0 && FCGX_GetError(req.in) != 0)
		rc = -2;
	if (rc == 0)
		ck_assert_int_eq(ioctl(sv[0], FIONREAD, &libfcgi_left), 0);
	if (rc == 0 || rc == -2) {
		req.keepConnection = 1;	/* the descriptor is ours */
		req.detached = 1;
		FCGX_Finish_r(&req);
		close(req.ipcFd);
	}
	FCGX_Free(&req, 0);
	close(dead);
	close(sv[1]);
	return rc == 0;
}

/* Every ready wire above is one libfcgi reads; every refused one it
 * does not; every cut before the end it cannot read either. */
START_TEST(test_fcgiscan_as_libfcgi)
{
	struct fcgiscan	fs;
	size_t		end, cut;
	int		keep;

	end = lighttpd_request(1);
	ck_assert_int_eq(libfcgi_reads(wire, end, 0, &keep), 1);
	ck_assert_int_eq(keep, 1);
	for (cut = 0; cut < end; cut += 7) {
		fcgiscan_request(wire, cut, &fs);
		ck_assert_int_eq(fs.fs_verdict, FCGISCAN_MORE);
		ck_assert_msg(!libfcgi_reads(wire, cut, 1, &keep),
		    "libfcgi read a request cut at %zu of %zu", cut, end);
	}
}
END_TEST

/*
 * A whole request of total bytes with the end of its input: begin,
 * params (padded to fit), end of params, empty STDIN.
 */
static void
whole_request(size_t total)
{
	size_t body = total - 40;

	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	rec(1, PARAMS, 1, body / 4 * 4, 'p', (unsigned)(body % 4));
	rec(1, PARAMS, 1, 0, 0, 0);
	rec(1, STDIN, 1, 0, 0, 0);
	ck_assert_uint_eq(wlen, total);
}

/*
 * What the daemon relies on to close a connection without looking for
 * unread bytes (connloop.c, CONNLOOP_LIBFCGI_READ): a whole request of
 * up to 8,192 bytes leaves nothing in the socket once libfcgi has read
 * it.  Past that, libfcgi's reads can stop at the end of the params and
 * leave the STDIN record unread, so the look is needed.
 */
START_TEST(test_fcgiscan_whole_as_libfcgi)
{
	static const size_t totals[] = { 48, 1000, 4096, 8191, 8192 };
	struct fcgiscan	fs;
	size_t		i;
	int		keep;

	for (i = 0; i < NITEMS(totals); i++) {
		whole_request(totals[i]);
		scan(&fs);
		ck_assert_uint_eq(fs.fs_whole_len, totals[i]);
		libfcgi_left = -1;
		ck_assert_int_eq(libfcgi_reads(wire, wlen, 0, &keep), 1);
		ck_assert_msg(libfcgi_left == 0, "%zu bytes: %d left unread",
		    totals[i], libfcgi_left);
	}
	/* Params that end at 8,192 bytes: the first read stops there. */
	whole_request(8200);
	scan(&fs);
	ck_assert_uint_eq(fs.fs_whole_len, 8200);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 0, &keep), 1);
	ck_assert_int_eq(libfcgi_left, 8);
}
END_TEST

START_TEST(test_fcgiscan_skipped_as_libfcgi)
{
	struct fcgiscan	fs;
	int		keep;

	wlen = 0;
	rec(1, PARAMS, 7, 10, 'x', 0);
	begin_rec(3, AUTHORIZER, 0);
	rec(1, PARAMS, 3, 20, 'p', 0);
	rec(1, STDIN, 5, 10, 's', 0);
	rec(1, PARAMS, 3, 0, 0, 3);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 0, &keep), 1);
}
END_TEST

START_TEST(test_fcgiscan_refused_as_libfcgi)
{
	struct fcgiscan	fs;
	int		keep;

	/* The wires of test_fcgiscan_refused, with EOF after them. */
	refused_wire(_i);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	ck_assert_msg(!libfcgi_reads(wire, wlen, 1, &keep),
	    "%s: libfcgi read it", refused_cases[_i].what);
}
END_TEST

/* Appends a PARAMS record holding bytes as they are. */
static void
raw_params(unsigned id, const unsigned char *bytes, size_t n)
{
	size_t at = wlen;

	rec(1, PARAMS, id, n, 0, 0);
	memcpy(wire + at + 8, bytes, n);
}

/*
 * The params' name-value pairs (section 3.4): each must fit in what the
 * params hold.  The pair with two lengths of 0x7ffffffe is the one that
 * makes libfcgi 2.4.2 abort (tests/e2e.sh's abort payload): refused here,
 * and never handed to libfcgi.  Four-byte lengths that fit, and pairs
 * split across records, are read by libfcgi; a pair cut short it closes
 * on, and so is it refused.
 */
START_TEST(test_fcgiscan_pairs)
{
	static const unsigned char abort_pair[] = {
		0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe };
	static const unsigned char cut_pair[] = { 5, 1, 'a', 'b', 'c' };
	static const unsigned char partial_pair[] = {
		0x80, 0x00, 0x10, 0x00, 1, 'a', 'b' };
	static const unsigned char split1[] = { 3, 2, 'k' };
	static const unsigned char split2[] = { 'e', 'y', 'v', 'v' };
	unsigned char	long_pair[2 + 4 + 300 + 1];
	struct fcgiscan	fs;
	int		keep;

	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, abort_pair, sizeof(abort_pair));
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	ck_assert_str_eq(fs.fs_why, "a param longer than the params");
	/* With no end of params after it: refused at once, not left
	 * waiting for params that could never fit. */
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, abort_pair, sizeof(abort_pair));
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	ck_assert_str_eq(fs.fs_why, "a param longer than a request may be");
	/* A pair that may still fit waits for the rest. */
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, partial_pair, sizeof(partial_pair));
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_MORE);

	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, cut_pair, sizeof(cut_pair));
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 1, &keep), 0);

	/* "key=vv", split after its first byte of name. */
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, split1, sizeof(split1));
	raw_params(1, split2, sizeof(split2));
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 0, &keep), 1);

	/* A 300-byte name: a four-byte length. */
	long_pair[0] = 0x80;
	long_pair[1] = 0;
	long_pair[2] = 300 >> 8;
	long_pair[3] = 300 & 0xff;
	long_pair[4] = 1;
	memset(long_pair + 5, 'n', 300);
	long_pair[305] = 'v';
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, long_pair, 306);
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_READY);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 0, &keep), 1);
	/* One byte short of it. */
	wlen = 0;
	begin_rec(1, AUTHORIZER, 0);
	raw_params(1, long_pair, 305);
	rec(1, PARAMS, 1, 0, 0, 0);
	scan(&fs);
	ck_assert_int_eq(fs.fs_verdict, FCGISCAN_REFUSE);
	ck_assert_int_eq(libfcgi_reads(wire, wlen, 1, &keep), 0);
}
END_TEST

static Suite *
fcgiscan_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("fcgiscan");
	tc = tcase_create("core");
	tcase_add_test(tc, test_fcgiscan_ready);
	tcase_add_test(tc, test_fcgiscan_every_cut);
	tcase_add_test(tc, test_fcgiscan_skipped);
	tcase_add_test(tc, test_fcgiscan_whole_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_fcgiscan_refused, 0,
	    NITEMS(refused_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("libfcgi");
	tcase_add_test(tc, test_fcgiscan_as_libfcgi);
	tcase_add_test(tc, test_fcgiscan_skipped_as_libfcgi);
	tcase_add_test(tc, test_fcgiscan_whole_as_libfcgi);
	tcase_add_loop_test(tc, test_fcgiscan_refused_as_libfcgi, 0,
	    NITEMS(refused_cases));
	tcase_add_test(tc, test_fcgiscan_pairs);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_fcgiscan_bytes_cap);
	tcase_add_test(tc, test_fcgiscan_records_cap);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(fcgiscan_suite());
}
