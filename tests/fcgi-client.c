#include "config.h"

/*
 * fcgi-client: a minimal FastCGI client for the end-to-end tests.
 *
 * cgi-fcgi (libfcgi-bin) hard-codes FCGI_RESPONDER in BEGIN_REQUEST, so it
 * cannot drive the AUTHORIZER role.  This tool speaks the record format
 * itself (FastCGI spec 3.3, 3.4, 5.1) and sends what real web servers send
 * (docs/servers.md, How every server talks): requestId 1, flags 0, one
 * request per connection, and no FCGI_STDIN at all in the AUTHORIZER role, as
 * Apache does.
 *
 * Exit codes (also printed by -h):
 *	0	END_REQUEST arrived with protocolStatus REQUEST_COMPLETE;
 *		-R/-H: the peer closed the connection (EOF);
 *		-s: the connection was held for the whole timeout, or the peer
 *		closed it first (noted on stderr).
 *	1	usage error: bad option, address or param, unreadable file.
 *	2	connection or protocol error: connect failed, the connection
 *		was reset or closed before END_REQUEST, a malformed reply, or
 *		a protocolStatus other than FCGI_REQUEST_COMPLETE.
 *	3	the -t timeout expired (connect and reply together).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nolsan.h"

/* FastCGI spec 8: record types, roles, flags and protocol statuses. */
#define FCGI_VERSION_1		1
#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_STDERR		7

#define FCGI_RESPONDER		1
#define FCGI_AUTHORIZER		2
#define FCGI_FILTER		3

#define FCGI_KEEP_CONN		1

#define FCGI_REQUEST_COMPLETE	0
#define FCGI_CANT_MPX_CONN	1
#define FCGI_OVERLOADED		2
#define FCGI_UNKNOWN_ROLE	3

#define FCGI_HEADER_LEN		8
#define FCGI_MAX_CONTENT	65535
#define FCGI_MAX_PADDING	255
/* Spec 3.4: name and value lengths have 31 bits. */
#define FCGI_NV_MAXLEN		0x7fffffffUL

/* Every server measured uses requestId 1 (docs/servers.md). */
#define FC_REQUEST_ID		1
/* Largest PARAMS chunk that is a multiple of 8, so only the last pads. */
#define FC_PARAMS_CHUNK		65528

#define FC_EXIT_OK		0
#define FC_EXIT_USAGE		1
#define FC_EXIT_FAIL		2
#define FC_EXIT_TIMEOUT		3

#define FC_DEFAULT_TIMEOUT_SEC	10.0
#define FC_MAX_TIMEOUT_SEC	86400.0
/* How often to retry a unix connect() refused by a full listen backlog. */
#define FC_RETRY_MS		10

enum fc_mode {
	FC_MODE_REQUEST,	/* a normal request, the reply parsed */
	FC_MODE_RAW,		/* -R/-H: bytes out, reply verbatim */
	FC_MODE_SILENT		/* -s: send nothing, hold the connection */
};

enum fc_end {
	FC_END_REPLY,		/* END_REQUEST received */
	FC_END_EOF,
	FC_END_RESET,
	FC_END_TIMEOUT
};

struct fc_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

/* Room for the largest record there can be, so one always fits. */
struct fc_reply {
	unsigned char	 buf[FCGI_HEADER_LEN + FCGI_MAX_CONTENT +
			    FCGI_MAX_PADDING];
	size_t		 len;
};

static struct timespec	fc_start;
static struct timespec	fc_deadline;
static double		fc_timeout = FC_DEFAULT_TIMEOUT_SEC;

static void __attribute__((noreturn))
usage(int status)
{
	FILE	*fp = status == FC_EXIT_OK ? stdout : stderr;

	fprintf(fp,
	    "usage: fcgi-client [-hkS] [-p file] [-r role] [-t timeout] "
	    "address\n"
	    "                   [name=value ...]\n"
	    "       fcgi-client [-c] [-t timeout] -R file | -H hex address\n"
	    "       fcgi-client [-c] [-t timeout] -s address\n");
	if (status != FC_EXIT_OK)
		exit(status);
	fprintf(fp, "\n"
	    "address is unix:/path, host:port or [ipv6]:port.\n"
	    "  -r role     authorizer (default), responder, filter or a "
	    "number 0-65535\n"
	    "  -k          set FCGI_KEEP_CONN (default flags 0)\n"
	    "  -S          send an empty FCGI_STDIN record (always done "
	    "for responder)\n"
	    "  -p file     read params from file, one name=value a line "
	    "(\"-\" is stdin);\n"
	    "              sent before the name=value arguments, in option "
	    "order\n"
	    "  -t timeout  seconds for connect and reply together, "
	    "fractions allowed\n"
	    "              (default 10)\n"
	    "  -R file     send the bytes of file verbatim, print the bytes "
	    "that come back\n"
	    "  -H hex      as -R, the bytes given in hex (whitespace between "
	    "bytes allowed)\n"
	    "  -c          with -R, -H or -s: shut down the write side once "
	    "all is sent\n"
	    "  -s          send nothing; hold the connection for the timeout\n"
	    "  -h          this help\n"
	    "\n"
	    "FCGI_STDOUT goes to stdout byte for byte, FCGI_STDERR to stderr.\n"
	    "exit status:\n"
	    "  0  END_REQUEST with FCGI_REQUEST_COMPLETE; -R/-H: EOF; -s: "
	    "held (or EOF)\n"
	    "  1  usage error\n"
	    "  2  connection or protocol error, or another protocolStatus "
	    "(-R/-H: reset)\n"
	    "  3  timeout\n");
	exit(FC_EXIT_OK);
}

static void
buf_add(struct fc_buf *b, const void *data, size_t n)
{
	unsigned char	*p;
	size_t		 cap;

	if (n == 0)
		return;
	if (n > SIZE_MAX / 2 - b->len)
		errx(FC_EXIT_FAIL, "buffer too large");
	if (b->len + n > b->cap) {
		cap = b->cap != 0 ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			err(FC_EXIT_FAIL, "realloc");
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, n);
	b->len += n;
}

/* Write all of it; the peer's bytes must reach the tests unaltered. */
static void
out_write(int fd, const unsigned char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			err(FC_EXIT_FAIL, "write to fd %d", fd);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
deadline_set(double sec)
{
	double	 whole;

	clock_gettime(CLOCK_MONOTONIC, &fc_start);
	whole = (double)(time_t)sec;
	fc_deadline = fc_start;
	fc_deadline.tv_sec += (time_t)sec;
	fc_deadline.tv_nsec += (long)((sec - whole) * 1e9);
	if (fc_deadline.tv_nsec >= 1000000000L) {
		fc_deadline.tv_sec++;
		fc_deadline.tv_nsec -= 1000000000L;
	}
}

/* Milliseconds left, rounded up so poll() never wakes early; 0: expired. */
static int
deadline_ms(void)
{
	struct timespec	 now;
	long long	 ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(fc_deadline.tv_sec - now.tv_sec) * 1000000000LL +
	    (fc_deadline.tv_nsec - now.tv_nsec);
	if (ns <= 0)
		return 0;
	ns = (ns + 999999) / 1000000;
	return ns > INT_MAX ? INT_MAX : (int)ns;
}

static double
elapsed_sec(void)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - fc_start.tv_sec) +
	    (double)(now.tv_nsec - fc_start.tv_nsec) / 1e9;
}

static double
parse_timeout(const char *s)
{
	char	*end;
	double	 t;

	errno = 0;
	t = strtod(s, &end);
	/* The negated test also rejects NaN. */
	if (errno != 0 || end == s || *end != '\0' ||
	    !(t > 0 && t <= FC_MAX_TIMEOUT_SEC))
		errx(FC_EXIT_USAGE, "-t: want seconds in (0, %.0f]: %s",
		    FC_MAX_TIMEOUT_SEC, s);
	return t;
}

/* Numeric roles let the tests send roles a daemon must refuse. */
static unsigned int
parse_role(const char *s)
{
	char		*end;
	unsigned long	 n;

	if (strcmp(s, "authorizer") == 0)
		return FCGI_AUTHORIZER;
	if (strcmp(s, "responder") == 0)
		return FCGI_RESPONDER;
	if (strcmp(s, "filter") == 0)
		return FCGI_FILTER;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || n > 65535)
		errx(FC_EXIT_USAGE, "-r: want authorizer, responder, filter "
		    "or 0-65535: %s", s);
	return (unsigned int)n;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whitespace may separate bytes ("01 01 00 01"), never split one. */
static void
hex_decode(struct fc_buf *b, const char *s)
{
	unsigned char	 byte;
	int		 hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			if (hi != -1)
				errx(FC_EXIT_USAGE, "-H: half a byte before "
				    "whitespace");
			continue;
		}
		if ((v = hexval((unsigned char)*s)) == -1)
			errx(FC_EXIT_USAGE, "-H: not a hex digit: '%c'", *s);
		if (hi == -1) {
			hi = v;
			continue;
		}
		byte = (unsigned char)(hi << 4 | v);
		buf_add(b, &byte, 1);
		hi = -1;
	}
	if (hi != -1)
		errx(FC_EXIT_USAGE, "-H: odd number of hex digits");
}

static void
file_read(struct fc_buf *b, const char *path)
{
	unsigned char	 chunk[16384];
	ssize_t		 n;
	int		 fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(FC_EXIT_USAGE, "%s", path);
	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			err(FC_EXIT_USAGE, "%s", path);
		}
		if (n == 0)
			break;
		buf_add(b, chunk, (size_t)n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
}

/* FastCGI 3.4: one byte up to 127, else four with the top bit set. */
static void
nv_put_len(struct fc_buf *b, size_t len)
{
	unsigned char	 l[4];

	if (len <= 127) {
		l[0] = (unsigned char)len;
		buf_add(b, l, 1);
		return;
	}
	l[0] = (unsigned char)((len >> 24) | 0x80);
	l[1] = (unsigned char)(len >> 16);
	l[2] = (unsigned char)(len >> 8);
	l[3] = (unsigned char)len;
	buf_add(b, l, 4);
}

static void
nv_add(struct fc_buf *b, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	if (nlen > FCGI_NV_MAXLEN || vlen > FCGI_NV_MAXLEN)
		errx(FC_EXIT_USAGE, "param longer than 2^31-1 bytes");
	nv_put_len(b, nlen);
	nv_put_len(b, vlen);
	buf_add(b, name, nlen);
	buf_add(b, value, vlen);
}

/* Split at the first '=': the value may hold more of them. */
static void
nv_add_arg(struct fc_buf *b, const char *arg)
{
	const char	*eq;

	if ((eq = strchr(arg, '=')) == NULL)
		errx(FC_EXIT_USAGE, "not name=value: %s", arg);
	nv_add(b, arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1));
}

/*
 * One name=value a line; only the '\n' is stripped and empty lines are
 * skipped.  getline() and memchr() keep a NUL inside a value, so the tests
 * can send "Basic dTpw\0junk" (docs/security.md, Hostile FastCGI input).
 */
static void
nv_add_file(struct fc_buf *b, const char *path)
{
	FILE		*fp;
	char		*line = NULL;
	const char	*eq;
	size_t		 cap = 0, len, lineno = 0;
	ssize_t		 n;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "re")) == NULL)
		err(FC_EXIT_USAGE, "%s", path);
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		len = (size_t)n;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len == 0)
			continue;
		if ((eq = memchr(line, '=', len)) == NULL)
			errx(FC_EXIT_USAGE, "%s:%zu: not name=value", path,
			    lineno);
		nv_add(b, line, (size_t)(eq - line), eq + 1,
		    len - (size_t)(eq - line) - 1);
	}
	if (ferror(fp))
		err(FC_EXIT_USAGE, "%s", path);
	free(line);
	if (fp != stdin)
		fclose(fp);
}

/*
 * Records are padded to a multiple of 8 bytes as spec 3.3 recommends and
 * nginx does, so every e2e run also exercises the daemon's padding skip;
 * -H covers unpadded records.
 */
static void
rec_add(struct fc_buf *b, unsigned int type, const void *content, size_t len)
{
	static const unsigned char	 zero[8];
	unsigned char			 h[FCGI_HEADER_LEN];
	size_t				 pad;

	pad = (8 - len % 8) % 8;
	h[0] = FCGI_VERSION_1;
	h[1] = (unsigned char)type;
	h[2] = FC_REQUEST_ID >> 8;
	h[3] = FC_REQUEST_ID & 0xff;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	buf_add(b, h, sizeof(h));
	buf_add(b, content, len);
	buf_add(b, zero, pad);
}

/*
 * BEGIN_REQUEST, the PARAMS stream in chunks, its empty end record, and
 * an empty STDIN only when asked: Apache sends none to an authorizer and
 * a daemon that waits for one must be caught (docs/servers.md).
 */
static void
request_build(struct fc_buf *out, unsigned int role, unsigned int flags,
    int send_stdin, const struct fc_buf *params)
{
	unsigned char	 body[8];
	size_t		 off, n;

	memset(body, 0, sizeof(body));
	body[0] = (unsigned char)(role >> 8);
	body[1] = (unsigned char)role;
	body[2] = (unsigned char)flags;
	rec_add(out, FCGI_BEGIN_REQUEST, body, sizeof(body));
	for (off = 0; off < params->len; off += n) {
		n = params->len - off;
		if (n > FC_PARAMS_CHUNK)
			n = FC_PARAMS_CHUNK;
		rec_add(out, FCGI_PARAMS, params->data + off, n);
	}
	rec_add(out, FCGI_PARAMS, NULL, 0);
	if (send_stdin)
		rec_add(out, FCGI_STDIN, NULL, 0);
}

static void __attribute__((noreturn))
fc_timed_out(const char *what)
{
	errx(FC_EXIT_TIMEOUT, "timed out after %g s %s", fc_timeout, what);
}

/*
 * After a non-blocking connect() failed with errno set: wait for it to
 * finish.  Returns 0 when connected, -1 with errno; exits 3 at the
 * deadline.
 */
static int
conn_finish(int fd)
{
	struct pollfd	 pfd;
	socklen_t	 len;
	int		 ms, n, soerr;

	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		if ((ms = deadline_ms()) == 0)
			fc_timed_out("connecting");
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, ms)) == -1) {
			if (errno == EINTR)
				continue;
			err(FC_EXIT_FAIL, "poll");
		}
		if (n > 0)
			break;
	}
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int
conn_unix(const char *path)
{
	struct sockaddr_un	 sa;
	size_t			 len;
	int			 fd, ms;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	len = strlen(path);
	if (len == 0 || len >= sizeof(sa.sun_path))
		errx(FC_EXIT_USAGE, "unix socket path empty or too long: %s",
		    path);
	memcpy(sa.sun_path, path, len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		err(FC_EXIT_FAIL, "socket");
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		/*
		 * A non-blocking AF_UNIX connect() fails with EAGAIN while
		 * the backlog is full (slowloris tests fill it on purpose);
		 * a web server's blocking one would wait, so wait too.
		 */
		if (errno != EAGAIN) {
			if (conn_finish(fd) == 0)
				return fd;
			err(FC_EXIT_FAIL, "connect %s", path);
		}
		if ((ms = deadline_ms()) == 0)
			fc_timed_out("connecting");
		poll(NULL, 0, ms < FC_RETRY_MS ? ms : FC_RETRY_MS);
	}
}

static int
conn_inet(const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, error, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((error = getaddrinfo(host, port, &hints, &res)) != 0)
		errx(FC_EXIT_FAIL, "%s port %s: %s", host, port,
		    gai_strerror(error));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    conn_finish(fd) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		errno = saved;
		err(FC_EXIT_FAIL, "connect %s port %s", host, port);
	}
	return fd;
}

/* unix:/path, host:port or [v6]:port; returns a non-blocking socket. */
static int
conn_open(const char *address)
{
	char	*copy, *host, *port, *p;
	int	 fd;

	if (strncmp(address, "unix:", 5) == 0)
		return conn_unix(address + 5);
	if ((copy = strdup(address)) == NULL)
		err(FC_EXIT_FAIL, "strdup");
	if (copy[0] == '[') {
		host = copy + 1;
		if ((p = strchr(host, ']')) == NULL || p[1] != ':')
			errx(FC_EXIT_USAGE, "bad address: %s", address);
		*p = '\0';
		port = p + 2;
	} else {
		if ((p = strrchr(copy, ':')) == NULL)
			errx(FC_EXIT_USAGE, "bad address (want unix:/path "
			    "or host:port): %s", address);
		*p = '\0';
		host = copy;
		port = p + 1;
		if (strchr(host, ':') != NULL)
			errx(FC_EXIT_USAGE, "put an IPv6 address in "
			    "brackets: %s", address);
	}
	if (*host == '\0' || *port == '\0')
		errx(FC_EXIT_USAGE, "bad address: %s", address);
	fd = conn_inet(host, port);
	free(copy);
	return fd;
}

static const char *
protocol_status_name(unsigned int st)
{
	switch (st) {
	case FCGI_REQUEST_COMPLETE:
		return "REQUEST_COMPLETE";
	case FCGI_CANT_MPX_CONN:
		return "CANT_MPX_CONN";
	case FCGI_OVERLOADED:
		return "OVERLOADED";
	case FCGI_UNKNOWN_ROLE:
		return "UNKNOWN_ROLE";
	default:
		return "unknown";
	}
}

/*
 * One complete reply record.  Returns 1 for our END_REQUEST, 0 to go on;
 * exits 2 on anything a correct daemon would not send.
 */
static int
reply_record(unsigned int type, unsigned int id, const unsigned char *c,
    size_t clen)
{
	unsigned long	 app;

	if (id == 0) {
		/* Spec 4: management records; we sent none, so just say so. */
		warnx("reply: ignoring management record type %u", type);
		return 0;
	}
	if (id != FC_REQUEST_ID)
		errx(FC_EXIT_FAIL, "reply: record type %u for request %u, "
		    "expected %u", type, id, FC_REQUEST_ID);
	switch (type) {
	case FCGI_STDOUT:
		out_write(STDOUT_FILENO, c, clen);
		return 0;
	case FCGI_STDERR:
		out_write(STDERR_FILENO, c, clen);
		return 0;
	case FCGI_END_REQUEST:
		/* Spec 5.5: appStatus (32 bits), protocolStatus, 3 reserved. */
		if (clen != 8)
			errx(FC_EXIT_FAIL, "reply: END_REQUEST body of %zu "
			    "bytes, expected 8", clen);
		app = (unsigned long)c[0] << 24 | (unsigned long)c[1] << 16 |
		    (unsigned long)c[2] << 8 | c[3];
		if (c[4] != FCGI_REQUEST_COMPLETE)
			errx(FC_EXIT_FAIL, "reply: END_REQUEST protocolStatus "
			    "%u (%s), appStatus %lu", c[4],
			    protocol_status_name(c[4]), app);
		return 1;
	default:
		errx(FC_EXIT_FAIL, "reply: unexpected record type %u", type);
	}
}

/* Handle every complete record in r; keep a partial one for later. */
static int
reply_consume(struct fc_reply *r)
{
	const unsigned char	*h;
	size_t			 clen, total;

	while (r->len >= FCGI_HEADER_LEN) {
		h = r->buf;
		if (h[0] != FCGI_VERSION_1)
			errx(FC_EXIT_FAIL, "reply: record version %u, "
			    "expected 1", h[0]);
		clen = (size_t)h[4] << 8 | h[5];
		total = FCGI_HEADER_LEN + clen + h[6];
		if (r->len < total)
			return 0;
		if (reply_record(h[1], (unsigned int)h[2] << 8 | h[3],
		    h + FCGI_HEADER_LEN, clen))
			return 1;
		memmove(r->buf, r->buf + total, r->len - total);
		r->len -= total;
	}
	return 0;
}

/*
 * Send out while reading whatever comes back, until END_REQUEST
 * (FC_MODE_REQUEST only), EOF, reset or the deadline.  Reading while
 * still sending matters: a daemon may answer and close as soon as it sees
 * an oversized param, and its answer must still be shown.
 */
static enum fc_end
exchange(int fd, const struct fc_buf *out, enum fc_mode mode, int halfclose)
{
	static struct fc_reply	 rep;
	struct pollfd		 pfd;
	size_t			 off = 0, sendlen = out->len;
	ssize_t			 n;
	int			 ms, wreset = 0;

	if (halfclose && sendlen == 0 && shutdown(fd, SHUT_WR) == -1)
		err(FC_EXIT_FAIL, "shutdown");
	for (;;) {
		if ((ms = deadline_ms()) == 0)
			return FC_END_TIMEOUT;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (off < sendlen)
			pfd.events |= POLLOUT;
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, ms)) == -1) {
			if (errno == EINTR)
				continue;
			err(FC_EXIT_FAIL, "poll");
		}
		if (n == 0)
			continue;
		if (off < sendlen &&
		    (pfd.revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
			n = send(fd, out->data + off, sendlen - off,
			    MSG_NOSIGNAL);
			if (n >= 0) {
				off += (size_t)n;
				if (off == sendlen && halfclose &&
				    shutdown(fd, SHUT_WR) == -1)
					err(FC_EXIT_FAIL, "shutdown");
			} else if (errno == EPIPE || errno == ECONNRESET) {
				/* The peer may have answered before closing. */
				warn("sent %zu of %zu bytes", off, sendlen);
				wreset = errno == ECONNRESET;
				sendlen = off;
			} else if (errno != EAGAIN && errno != EINTR)
				/* EWOULDBLOCK is EAGAIN on Linux. */
				err(FC_EXIT_FAIL, "send");
		}
		if ((pfd.revents & (POLLIN | POLLERR | POLLHUP)) == 0)
			continue;
		n = read(fd, rep.buf + rep.len, sizeof(rep.buf) - rep.len);
		if (n == 0)
			return wreset ? FC_END_RESET : FC_END_EOF;
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			if (errno == ECONNRESET)
				return FC_END_RESET;
			err(FC_EXIT_FAIL, "read");
		}
		rep.len += (size_t)n;
		if (mode != FC_MODE_REQUEST) {
			out_write(STDOUT_FILENO, rep.buf, rep.len);
			rep.len = 0;
		} else if (reply_consume(&rep))
			return FC_END_REPLY;
	}
}

int
main(int argc, char *argv[])
{
	struct fc_buf	 params = { NULL, 0, 0 }, out = { NULL, 0, 0 };
	const char	*address, *rawfile = NULL, *hex = NULL;
	unsigned int	 role = FCGI_AUTHORIZER, flags = 0;
	enum fc_mode	 mode;
	enum fc_end	 end;
	int		 ch, fd, i, force_stdin = 0, silent = 0;
	int		 halfclose = 0, reqopt = 0;

	/* A peer that closes early must give EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	/* "+": stop at the address, so a param never parses as an option. */
	while ((ch = getopt(argc, argv, "+cH:hkp:R:r:Sst:")) != -1) {
		switch (ch) {
		case 'c':
			halfclose = 1;
			break;
		case 'H':
			hex = optarg;
			break;
		case 'h':
			usage(FC_EXIT_OK);
		case 'k':
			flags |= FCGI_KEEP_CONN;
			reqopt = 1;
			break;
		case 'p':
			nv_add_file(&params, optarg);
			reqopt = 1;
			break;
		case 'R':
			rawfile = optarg;
			break;
		case 'r':
			role = parse_role(optarg);
			reqopt = 1;
			break;
		case 'S':
			force_stdin = 1;
			reqopt = 1;
			break;
		case 's':
			silent = 1;
			break;
		case 't':
			fc_timeout = parse_timeout(optarg);
			break;
		default:
			usage(FC_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(FC_EXIT_USAGE);
	address = argv[0];

	if ((rawfile != NULL) + (hex != NULL) + silent > 1)
		errx(FC_EXIT_USAGE, "-R, -H and -s exclude each other");
	if (rawfile != NULL || hex != NULL || silent) {
		if (reqopt || argc > 1)
			errx(FC_EXIT_USAGE, "-k, -p, -r, -S and params make "
			    "no sense with -R, -H or -s");
		if (rawfile != NULL)
			file_read(&out, rawfile);
		else if (hex != NULL)
			hex_decode(&out, hex);
		mode = silent ? FC_MODE_SILENT : FC_MODE_RAW;
	} else {
		if (halfclose)
			errx(FC_EXIT_USAGE, "-c needs -R, -H or -s");
		for (i = 1; i < argc; i++)
			nv_add_arg(&params, argv[i]);
		/* nginx sends an empty STDIN to its responder
		 * (docs/servers.md). */
		request_build(&out, role, flags,
		    force_stdin || role == FCGI_RESPONDER, &params);
		mode = FC_MODE_REQUEST;
	}

	deadline_set(fc_timeout);
	fd = conn_open(address);
	end = exchange(fd, &out, mode, halfclose);
	close(fd);
	free(out.data);
	free(params.data);

	switch (mode) {
	case FC_MODE_REQUEST:
		if (end == FC_END_REPLY)
			return FC_EXIT_OK;
		if (end == FC_END_TIMEOUT)
			fc_timed_out("waiting for END_REQUEST");
		errx(FC_EXIT_FAIL, "connection %s before END_REQUEST",
		    end == FC_END_RESET ? "reset" : "closed");
	case FC_MODE_RAW:
		if (end == FC_END_TIMEOUT)
			fc_timed_out("before the peer closed the connection");
		if (end == FC_END_RESET)
			errx(FC_EXIT_FAIL, "connection reset by peer");
		return FC_EXIT_OK;
	case FC_MODE_SILENT:
		if (end == FC_END_RESET)
			errx(FC_EXIT_FAIL, "connection reset by peer after "
			    "%.2f s", elapsed_sec());
		/* Said on stderr so a test can tell an early close apart. */
		if (end == FC_END_EOF)
			warnx("peer closed the connection after %.2f s",
			    elapsed_sec());
		return FC_EXIT_OK;
	}
	return FC_EXIT_FAIL;
}
