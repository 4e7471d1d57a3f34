#include "config.h"

/*
 * fcgi-crowd: holds many FastCGI connections open on the daemon, then
 * asks it new requests, for the tests and scripts/bench
 * (docs/architecture.md, Connections).
 *
 *	fcgi-crowd [-s silent] [-p partial] [-d dripping] [-k kept]
 *	    [-n requests] [-c command] [-t timeout] address [name=value ...]
 *
 * It opens `silent` connections that send nothing, `partial` ones that
 * stop in the middle of a PARAMS record, `dripping` ones that send a
 * request one byte at a time, a byte each before every new request (and
 * never its last byte), and `kept` ones that each ask one request with
 * FCGI_KEEP_CONN, read the answer and stay open; runs command (sh -c) if
 * given, for instance to read the daemon's memory; then asks `requests`
 * requests, one after the other, each on a new connection, with the
 * name=value params; then asks one more on each kept connection.  It
 * prints, one line each:
 *
 *	held silent=N partial=N dripping=N kept=N
 *	answered N of N, status 200=N other=N, ms max=F p50=F p99=F
 *	still open silent=N partial=N dripping=N
 *	kept reused N of N
 *
 * Exits 0 when it could run (the caller judges the counts), 1 on a
 * usage error, 2 when it could not hold the connections.
 */

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nolsan.h"

#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDOUT		6
#define FCGI_AUTHORIZER		2
#define FCGI_KEEP_CONN		1

#define CROWD_WIRE_MAX		8192
#define CROWD_REPLY_MAX		8192

static struct sockaddr_storage	crowd_addr;
static socklen_t		crowd_addr_len;
static int			crowd_timeout_ms = 10000;

struct wire {
	unsigned char	w_buf[CROWD_WIRE_MAX];
	size_t		w_len;
};

static void
wire_record(struct wire *w, unsigned type, const void *body, size_t len)
{
	unsigned char *h = w->w_buf + w->w_len;

	if (w->w_len + 8 + len > sizeof(w->w_buf))
		errx(1, "params too long");
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = 0;
	h[3] = 1;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = h[7] = 0;
	if (len > 0)
		memcpy(h + 8, body, len);
	w->w_len += 8 + len;
}

/* BEGIN_REQUEST (authorizer, flags), the params, the end of params. */
static void
wire_request(struct wire *w, unsigned flags, char **nv, int nnv)
{
	unsigned char	begin[8] = { 0, FCGI_AUTHORIZER, 0 };
	unsigned char	params[CROWD_WIRE_MAX / 2];
	size_t		plen = 0, nl, vl;
	const char	*eq;
	int		i;

	begin[2] = (unsigned char)flags;
	w->w_len = 0;
	wire_record(w, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	for (i = 0; i < nnv; i++) {
		if ((eq = strchr(nv[i], '=')) == NULL) {
			errx(1, "%s: not name=value", nv[i]);
			continue;	/* not reached */
		}
		nl = (size_t)(eq - nv[i]);
		vl = strlen(eq + 1);
		if (nl > 127 || vl > 127 || plen + 2 + nl + vl > sizeof(params))
			errx(1, "%s: too long", nv[i]);
		params[plen++] = (unsigned char)nl;
		params[plen++] = (unsigned char)vl;
		memcpy(params + plen, nv[i], nl);
		memcpy(params + plen + nl, eq + 1, vl);
		plen += nl + vl;
	}
	wire_record(w, FCGI_PARAMS, params, plen);
	wire_record(w, FCGI_PARAMS, NULL, 0);
}

static void
parse_address(const char *a)
{
	struct sockaddr_un	*un = (struct sockaddr_un *)&crowd_addr;
	struct sockaddr_in	*in = (struct sockaddr_in *)&crowd_addr;
	const char		*colon;
	char			 host[64];

	memset(&crowd_addr, 0, sizeof(crowd_addr));
	if (strncmp(a, "unix:", 5) == 0) {
		if (strlen(a + 5) >= sizeof(un->sun_path))
			errx(1, "%s: path too long", a);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, a + 5);
		crowd_addr_len = sizeof(*un);
		return;
	}
	if ((colon = strrchr(a, ':')) == NULL ||
	    (size_t)(colon - a) >= sizeof(host))
		errx(1, "%s: unix:/path or IPv4:port", a);
	memcpy(host, a, (size_t)(colon - a));
	host[colon - a] = '\0';
	in->sin_family = AF_INET;
	in->sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		errx(1, "%s: unix:/path or IPv4:port", a);
	crowd_addr_len = sizeof(*in);
}

static int
crowd_connect(void)
{
	struct timeval	tv = { crowd_timeout_ms / 1000,
	    (crowd_timeout_ms % 1000) * 1000 };
	int		fd;

	if ((fd = socket(crowd_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&crowd_addr, crowd_addr_len) ==
	    -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/*
 * Reads records until END_REQUEST; the status of the answer (from its
 * "Status: " header; 200 without one), or -1.
 */
static int
read_answer(int fd)
{
	unsigned char	buf[CROWD_REPLY_MAX];
	size_t		have = 0, clen, rlen;
	ssize_t		n;
	int		status = 200;
	const char	*s;

	for (;;) {
		while (have >= 8) {
			clen = (size_t)buf[4] << 8 | buf[5];
			rlen = 8 + clen + buf[6];
			if (rlen > sizeof(buf))
				return -1;
			if (have < rlen)
				break;
			if (buf[1] == FCGI_END_REQUEST)
				return status;
			if (buf[1] == FCGI_STDOUT && clen > 8 &&
			    memcmp(buf + 8, "Status: ", 8) == 0) {
				s = (const char *)buf + 16;
				status = atoi(s);
			}
			memmove(buf, buf + rlen, have - rlen);
			have -= rlen;
		}
		if ((n = recv(fd, buf + have, sizeof(buf) - have, 0)) <= 0)
			return -1;
		have += (size_t)n;
	}
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 1 if the daemon has not closed fd. */
static int
still_open(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, 0) == 0)
		return 1;
	return recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) > 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* One request on a new connection: its status and time, -1 if none. */
static int
ask_one(const struct wire *w, double *ms)
{
	double	t0 = now_ms();
	int	fd, st = -1;

	if ((fd = crowd_connect()) != -1) {
		if (send_all(fd, w->w_buf, w->w_len) == 0)
			st = read_answer(fd);
		close(fd);
	}
	*ms = now_ms() - t0;
	return st;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: fcgi-crowd [-s silent] [-p partial] "
	    "[-k kept] [-n requests] [-c command]\n"
	    "                  [-t timeout-ms] address [name=value ...]\n");
	exit(1);
}

static int
count_arg(const char *s)
{
	char	*end;
	long	 v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 1000000)
		usage();
	return (int)v;
}

int
main(int argc, char *argv[])
{
	struct wire	 req, kept_req;
	int		 nsilent = 0, npartial = 0, nkept = 0, nreq = 0, ch;
	int		 ndrip = 0, *drip, open_d = 0, j;
	size_t		 dripped = 0;
	int		 i, *silent, *partial, *kept, ok = 0, other = 0;
	int		 open_s = 0, open_p = 0, reused = 0;
	double		*ms;
	const char	*command = NULL;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "+c:d:k:n:p:s:t:")) != -1) {
		switch (ch) {
		case 'c': command = optarg; break;
		case 'd': ndrip = count_arg(optarg); break;
		case 'k': nkept = count_arg(optarg); break;
		case 'n': nreq = count_arg(optarg); break;
		case 'p': npartial = count_arg(optarg); break;
		case 's': nsilent = count_arg(optarg); break;
		case 't': crowd_timeout_ms = count_arg(optarg); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	parse_address(argv[0]);
	raise_nofile();
	wire_request(&req, 0, argv + 1, argc - 1);
	wire_request(&kept_req, FCGI_KEEP_CONN, argv + 1, argc - 1);
	silent = calloc((size_t)nsilent + 1, sizeof(int));
	partial = calloc((size_t)npartial + 1, sizeof(int));
	kept = calloc((size_t)nkept + 1, sizeof(int));
	drip = calloc((size_t)ndrip + 1, sizeof(int));
	ms = calloc((size_t)nreq + 1, sizeof(double));
	if (silent == NULL || partial == NULL || kept == NULL || ms == NULL ||
	    drip == NULL)
		err(2, "calloc");

	for (i = 0; i < nsilent; i++)
		if ((silent[i] = crowd_connect()) == -1)
			err(2, "silent connection %d", i);
	/* Cut 4 bytes into the PARAMS record's body. */
	for (i = 0; i < npartial; i++)
		if ((partial[i] = crowd_connect()) == -1 ||
		    send_all(partial[i], req.w_buf, 16 + 8 + 4) == -1)
			err(2, "partial connection %d", i);
	for (i = 0; i < ndrip; i++)
		if ((drip[i] = crowd_connect()) == -1)
			err(2, "dripping connection %d", i);
	for (i = 0; i < nkept; i++)
		if ((kept[i] = crowd_connect()) == -1 ||
		    send_all(kept[i], kept_req.w_buf, kept_req.w_len) == -1 ||
		    read_answer(kept[i]) == -1)
			errx(2, "kept connection %d: no answer", i);
	printf("held silent=%d partial=%d dripping=%d kept=%d\n", nsilent,
	    npartial, ndrip, nkept);
	fflush(stdout);
	if (command != NULL && system(command) != 0)
		warnx("%s: failed", command);

	for (i = 0; i < nreq; i++) {
		int st;

		if (dripped + 1 < req.w_len) {
			for (j = 0; j < ndrip; j++)
				(void)send_all(drip[j], req.w_buf + dripped, 1);
			dripped++;
		}
		st = ask_one(&req, &ms[i]);

		if (st == 200)
			ok++;
		else if (st != -1)
			other++;
	}
	qsort(ms, (size_t)nreq, sizeof(double), cmp_double);
	printf("answered %d of %d, status 200=%d other=%d, ms max=%.1f "
	    "p50=%.1f p99=%.1f\n", ok + other, nreq, ok, other,
	    nreq > 0 ? ms[nreq - 1] : 0.0, nreq > 0 ? ms[nreq / 2] : 0.0,
	    nreq > 0 ? ms[(nreq * 99) / 100 - (nreq >= 100)] : 0.0);

	for (i = 0; i < nsilent; i++)
		open_s += still_open(silent[i]);
	for (i = 0; i < npartial; i++)
		open_p += still_open(partial[i]);
	for (i = 0; i < ndrip; i++)
		open_d += still_open(drip[i]);
	printf("still open silent=%d partial=%d dripping=%d\n", open_s, open_p,
	    open_d);
	for (i = 0; i < nkept; i++)
		if (send_all(kept[i], kept_req.w_buf, kept_req.w_len) == 0 &&
		    read_answer(kept[i]) != -1)
			reused++;
	printf("kept reused %d of %d\n", reused, nkept);
	return 0;
}
