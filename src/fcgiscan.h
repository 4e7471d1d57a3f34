/*
 * Whether the bytes a FastCGI connection has sent so far hold a whole
 * request that libfcgi can read without waiting: the records
 * FCGX_Accept_r() reads, up to the empty FCGI_PARAMS record that ends the
 * request's params (the FastCGI 1.0 specification, sections 3.3, 5.1 and
 * 5.2), judged as libfcgi 2.4.2's FillBuffProc() and ProcessHeader()
 * judge them.  The daemon peeks at the bytes (recv(2), MSG_PEEK) and
 * hands the connection to a worker only once they are all there, so that
 * a silent or dripping peer waits in the event loop, not in a worker
 * (docs/architecture.md, Connections).  Pure: bytes in, verdict out.
 */
#ifndef AUTHZ_FCGISCAN_H
#define AUTHZ_FCGISCAN_H

#include <stddef.h>

/*
 * The most bytes a request may take up to the end of its params, and the
 * most records before that end.  A web server sends a handful of records
 * (BEGIN_REQUEST, one or two PARAMS, the empty PARAMS); lighttpd passes
 * every request header as a param, and its default caps a request's
 * headers at 64 KiB, nginx's at 32 KiB.  Each record that arrives makes
 * the daemon peek at the whole request again: the record cap bounds that
 * work for a peer that sends many small ones.
 */
#define FCGISCAN_BYTES_MAX	(128 * 1024)
#define FCGISCAN_RECORDS_MAX	64

enum fcgiscan_verdict {
	FCGISCAN_MORE,		/* not yet: fs_need bytes in all first */
	FCGISCAN_READY,		/* the params are all here (fs_len bytes) */
	FCGISCAN_REFUSE		/* libfcgi would close it, or end the
				   params early with a stream error (it
				   then hands on what it read as if whole:
				   fcgiapp.c, ReadParams), or a param
				   declares more bytes than the params
				   hold, or past the caps */
};

struct fcgiscan {
	enum fcgiscan_verdict	 fs_verdict;
	size_t			 fs_need;	/* MORE: bytes from the start
						   the next verdict needs */
	size_t			 fs_len;	/* READY: bytes up to the end
						   of the params */
	size_t			 fs_whole_len;	/* READY: when the bytes
						   end with the empty
						   FCGI_STDIN record right
						   after the params, all of
						   them; else 0 */
	unsigned		 fs_request_id;	/* READY */
	int			 fs_keep_conn;	/* READY: FCGI_KEEP_CONN */
	const char		*fs_why;	/* REFUSE: for the log */
};

/*
 * Judges the first len bytes a connection sent.  len may stop anywhere,
 * in a header or a body; of the bytes after the end of the params, only
 * an empty FCGI_STDIN record that ends them is recognised (fs_whole_len).
 */
void	fcgiscan_request(const unsigned char *buf, size_t len,
	    struct fcgiscan *);

#endif
