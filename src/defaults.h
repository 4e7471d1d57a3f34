/*
 * Named limits and defaults, with their units.  Paths come from the build
 * (SYSCONFDIR, RUNSTATEDIR) so that "make prefix=..." and distcheck work.
 */
#ifndef AUTHZ_DEFAULTS_H
#define AUTHZ_DEFAULTS_H

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define AUTHZ_CONF_FILE		SYSCONFDIR "/fcgi-authz/fcgi-authz.ini"

/* Credentials.  Caps are checked before anything is decoded. */
#define AUTHZ_AUTH_HEADER_MAX	4096	/* bytes of the Authorization value */
#define AUTHZ_USER_MAX		44	/* bytes; inih cuts "[user:" names at 49 */
#define AUTHZ_CRED_USER_MAX	255	/* bytes of a user-id accepted on the wire */
#define AUTHZ_PASSWORD_MAX	1024	/* bytes of a password */
#define AUTHZ_TOKEN_MAX		512	/* bytes of a Bearer token */
#define AUTHZ_TOKEN_DIGEST_LEN	32	/* BLAKE2b-256 */

/* Requests. */
#define AUTHZ_URI_MAX		8192	/* bytes of REQUEST_URI */
#define AUTHZ_METHOD_MAX	32	/* bytes of REQUEST_METHOD */
#define AUTHZ_XFF_MAX		2048	/* bytes of X-Forwarded-For */

/* INI files, as Debian's libinih is built (INI_MAX_LINE 200, section
 * names copied into 50 bytes). */
#define AUTHZ_INI_LINE_MAX	197	/* bytes of one line, without CR LF */
#define AUTHZ_INI_SECTION_MAX	49	/* bytes of a section name */
#define AUTHZ_INI_NAME_MAX	49	/* bytes of a key name */
#define AUTHZ_INI_FILE_MAX	(64 * 1024 * 1024)	/* bytes of one file */

/* [server] */
#define AUTHZ_WORKERS		4
/* Whose forwarded headers the HTTP listener believes: loopback. */
#define AUTHZ_HTTP_TRUSTED	"127.0.0.0/8, ::1"
#define AUTHZ_WORKERS_MAX	256
/*
 * Request threads started beside the workers for the places of those
 * that wait for a hash or a refusal's delay (crew.h): enough for every
 * request a busy site sends at once with one expired credential; past
 * them a wait holds its place.  Each costs a stack when it first runs.
 */
#define AUTHZ_WAITING_THREADS_MAX 64
#define AUTHZ_REALM		"Restricted area"
#define AUTHZ_REALM_MAX		128
#define AUTHZ_REQUEST_TIMEOUT_SEC 10
#define AUTHZ_REQUEST_TIMEOUT_MAX_SEC 3600
/* Longer than nginx's upstream keepalive_timeout (60 s): nginx closes a
 * kept connection first, so it never sends on one the daemon closes. */
#define AUTHZ_IDLE_TIMEOUT_SEC	75
#define AUTHZ_IDLE_TIMEOUT_MAX_SEC 86400
/* max_connections 0: what the open-files limit leaves (server.c). */
#define AUTHZ_MAX_CONNECTIONS_MIN 16
#define AUTHZ_MAX_CONNECTIONS_MAX (1024 * 1024)
/* Descriptors kept for the daemon's own files, out of the limit. */
#define AUTHZ_FD_RESERVE	64
/* The open-files soft limit the daemon raises itself to, if the hard
 * limit allows (fcgi-authzd(8)). */
#define AUTHZ_NOFILE_WANT	65536
#define AUTHZ_FAILURE_STATUS	403	/* authz_failure: 403 or 401 */
#define AUTHZ_SOCKET_MODE	0660	/* of a unix socket it creates */
#define AUTHZ_LISTEN_BACKLOG	128
/* FastCGI listening sockets at once (systemd may pass several). */
#define AUTHZ_LISTEN_MAX	16

/* [hashing] */
#define AUTHZ_HASH_MAX_CONCURRENT 2
#define AUTHZ_HASH_CONCURRENT_MAX 1024	/* the most max_concurrent takes */
#define AUTHZ_HASH_MAX_MEMORY	(256ULL * 1024 * 1024)	/* bytes */
#define AUTHZ_HASH_MAX_PASSES	32	/* argon2 t, yescrypt t; refused
					   above at load (max_passes) */
#define AUTHZ_HASH_PASSES_MAX	1024	/* the most max_passes takes */
#define AUTHZ_HASH_MAX_PARALLEL	16	/* argon2 p, scrypt p */
/* Caps on the crypt(5) formats (hashfmt.h), each about a second of one
 * core on a 2-core VM: bcrypt cost 14 takes 1.2 s, 2^14 rounds. */
#define AUTHZ_HASH_MAX_BCRYPT_COST 14
#define AUTHZ_HASH_MAX_SHA_ROUNDS 1000000UL	/* sha512-crypt: 0.4 s */

#define AUTHZ_BUSY_RETRY_SEC	1	/* Retry-After when hashing is full */

/* [cache] */
#define AUTHZ_CACHE_TTL_SEC	300
#define AUTHZ_CACHE_TTL_MAX_SEC	86400
#define AUTHZ_CACHE_ENTRIES	65536
#define AUTHZ_CACHE_ENTRIES_MIN	16
#define AUTHZ_CACHE_ENTRIES_MAX	(16 * 1024 * 1024)
/*
 * Recent successes (recent.h), kept while the cache is on: a tag lives
 * this many [cache] ttl (40 minutes by default), so that a credential in
 * use now and then, whose cache entry expired, still gets a reserved
 * hashing place; and this many tags at most, 32 bytes each (512 KiB).
 */
#define AUTHZ_RECENT_TTLS	8
#define AUTHZ_RECENT_ENTRIES	16384

/* [throttle] */
#define AUTHZ_THROTTLE_MAX_FAILURES 10
#define AUTHZ_THROTTLE_FAILURES_MAX 1000000
#define AUTHZ_THROTTLE_WINDOW_SEC 60
#define AUTHZ_THROTTLE_WINDOW_MAX_SEC 86400
#define AUTHZ_THROTTLE_BAN_SEC	300
#define AUTHZ_THROTTLE_BAN_MAX_SEC (86400 * 7)
/* Where the shared throttle table goes without [throttle] state. */
#define AUTHZ_THROTTLE_DIR	"/dev/shm"

/* [metrics]: how often the text file is written again. */
#define AUTHZ_METRICS_INTERVAL_SEC 5

/* How often the daemon's main threads wake without a signal: the
 * supervisor and the worker process look at the files, and the worker
 * also runs its watchdog and writes the grants its threads hold back
 * (server.c).  Below 1000: it goes into a timespec's tv_nsec. */
#define AUTHZ_WATCH_TICK_MS	250

/* The nice value of the thread that reloads (server.c): a large users
 * file takes CPU from answering requests only when they leave some. */
#define AUTHZ_RELOAD_NICE	10

/*
 * The nice value of the hashing thread kept for renewals and passwords
 * that verified recently (hashpool.h): the request threads'.  Its work is
 * for credentials known to be good, and a renewal that lands late costs
 * more than the hash: the entry expires, and every request thread with
 * that credential waits for a verification.  At nice 10, on a 2-core
 * machine that other work kept busy, renewals of a 2 s ttl took seconds
 * and the daemon answered 0 to 166 requests a second; at 0, 5,700 to
 * 7,700.  What it may run is bounded: HASHPOOL_RENEWALS_MAX renewals, one
 * per credential per 3/4 ttl, and the reserved places.
 */
#define AUTHZ_KEPT_HASH_NICE	0

/* Supervisor: restart a crashed worker process at once, but no more than
 * this often, so that a crash loop does not spin a core. */
#define AUTHZ_RESTART_MIN_INTERVAL_MS 100

#endif
