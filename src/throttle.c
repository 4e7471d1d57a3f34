/*
 * The shared throttle table (throttle.h).  A file of fixed size mapped
 * MAP_SHARED: a header with the layout, a random SipHash key and
 * process-shared robust mutexes (a process that dies holding one leaves
 * only counters half updated), then sets of slots.  A slot is found by the
 * SipHash-128 of what it counts; each is locked on its own, so no two
 * locks are ever held at once.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "defaults.h"
#include "throttle.h"

#define THROTTLE_MAGIC		"fcgiathr"
#define THROTTLE_VERSION	1
#define THROTTLE_SETS		8192
#define THROTTLE_WAYS		8
#define THROTTLE_LOCKS		64
#define THROTTLE_SEEN		4	/* wrong credentials a pair remembers */

struct throttle_slot {
	uint8_t		ts_key[crypto_shorthash_siphashx24_BYTES]; /* 0: empty */
	uint64_t	ts_window_start;	/* monotonic seconds */
	uint64_t	ts_last;		/* the last failure */
	uint64_t	ts_banned_until;
	uint32_t	ts_failures;		/* in the window */
	uint32_t	ts_nseen;
	uint32_t	ts_seen[THROTTLE_SEEN];	/* pairs: credential digests */
};

struct throttle_table {
	char		 tt_magic[8];
	uint32_t	 tt_version;
	uint32_t	 tt_sets;
	uint32_t	 tt_ways;
	uint32_t	 tt_slot_size;
	unsigned char	 tt_hashkey[crypto_shorthash_siphashx24_KEYBYTES];
	pthread_mutex_t	 tt_locks[THROTTLE_LOCKS];
	struct throttle_slot tt_slots[THROTTLE_SETS * THROTTLE_WAYS];
};

struct throttle {
	struct throttle_table	*th_table;
};

/* What a slot counts: the first byte of what is hashed. */
enum throttle_kind {
	THROTTLE_ADDR = 'a',
	THROTTLE_USER = 'u',
	THROTTLE_PAIR = 'p'
};

/* ---------------------------------------------------------------- the file */

static int
throttle_init_locks(struct throttle_table *tt)
{
	pthread_mutexattr_t	ma;
	size_t			i;
	int			rc = 0;

	if (pthread_mutexattr_init(&ma) != 0)
		return -1;
	if (pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < THROTTLE_LOCKS; i++)
		if (pthread_mutex_init(&tt->tt_locks[i], &ma) != 0)
			rc = -1;
	pthread_mutexattr_destroy(&ma);
	return rc;
}

/*
 * A fresh table; the magic last, so a half-made one is never used.  A
 * new file is all zeros already: only a table made again is cleared, so
 * that a new one takes memory only for the slots in use.
 */
static int
throttle_init(struct throttle_table *tt, int fresh)
{
	if (!fresh)
		memset(tt, 0, sizeof(*tt));
	tt->tt_version = THROTTLE_VERSION;
	tt->tt_sets = THROTTLE_SETS;
	tt->tt_ways = THROTTLE_WAYS;
	tt->tt_slot_size = sizeof(struct throttle_slot);
	randombytes_buf(tt->tt_hashkey, sizeof(tt->tt_hashkey));
	if (throttle_init_locks(tt) == -1)
		return -1;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(tt->tt_magic, THROTTLE_MAGIC, sizeof(tt->tt_magic));
	return 0;
}

static int
throttle_is_ours(const struct throttle_table *tt)
{
	return memcmp(tt->tt_magic, THROTTLE_MAGIC, sizeof(tt->tt_magic)) == 0 &&
	    tt->tt_version == THROTTLE_VERSION && tt->tt_sets == THROTTLE_SETS &&
	    tt->tt_ways == THROTTLE_WAYS &&
	    tt->tt_slot_size == sizeof(struct throttle_slot);
}

/*
 * The file is shared with other processes of ours and sits where others
 * may create files (/dev/shm): it must be a regular file of this user,
 * and no one else's to read or write.
 */
static const char *
throttle_check_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return "cannot stat it";
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid())
		return "owned by another user";
	if (st.st_mode & 077)
		return "readable or writable by others (chmod 600 it)";
	if (st.st_size != 0 && st.st_size != (off_t)sizeof(struct throttle_table))
		return "not a throttle table of this version (remove it)";
	return NULL;
}

/* Maps fd and makes the table if it is new or half made.  Under flock. */
static struct throttle_table *
throttle_map(int fd, const char **errstr)
{
	struct throttle_table	*tt;
	struct stat		 st;
	int			 fresh;

	if (fstat(fd, &st) == -1) {
		*errstr = "cannot stat it";
		return NULL;
	}
	fresh = st.st_size == 0;
	if (fresh && ftruncate(fd, sizeof(*tt)) == -1) {
		*errstr = "cannot size it";
		return NULL;
	}
	tt = mmap(NULL, sizeof(*tt), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (tt == MAP_FAILED) {
		*errstr = "cannot map it";
		return NULL;
	}
	if ((fresh || !throttle_is_ours(tt)) && throttle_init(tt, fresh) == -1) {
		munmap(tt, sizeof(*tt));
		*errstr = "cannot set up its locks";
		return NULL;
	}
	return tt;
}

struct throttle *
throttle_open(const char *path, const char **errstr)
{
	struct throttle	*th;
	int		 fd;

	if ((th = calloc(1, sizeof(*th))) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	    0600);
	if (fd == -1) {
		*errstr = errno == ELOOP ? "a symbolic link" : strerror(errno);
		free(th);
		return NULL;
	}
	/* One process makes the table; the others wait for it. */
	if ((*errstr = throttle_check_file(fd)) == NULL) {
		if (flock(fd, LOCK_EX) == -1)
			*errstr = "cannot lock it";
		else {
			th->th_table = throttle_map(fd, errstr);
			(void)flock(fd, LOCK_UN);
		}
	}
	close(fd);
	if (th->th_table == NULL) {
		free(th);
		return NULL;
	}
	return th;
}

void
throttle_close(struct throttle *th)
{
	if (th == NULL)
		return;
	munmap(th->th_table, sizeof(*th->th_table));
	free(th);
}

/* ---------------------------------------------------------------- slots */

static void
throttle_lock(pthread_mutex_t *m)
{
	/* Its holder died: what it left is counters, good enough. */
	if (pthread_mutex_lock(m) == EOWNERDEAD)
		pthread_mutex_consistent(m);
}

/*
 * An address as throttled: IPv4 (kept IPv4-mapped) whole, IPv6 by /64,
 * the block one subscriber usually gets.
 */
static void
throttle_addr_bytes(const struct netaddr *addr, uint8_t out[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memcpy(out, addr->na_addr, 16);
	if (memcmp(out, mapped, sizeof(mapped)) != 0)
		memset(out + 8, 0, 8);
}

/* The key of what a slot counts: kind, address (or none), user (or none). */
static void
throttle_key(const struct throttle_table *tt, enum throttle_kind kind,
    const struct netaddr *addr, const char *user, size_t ulen,
    uint8_t key[crypto_shorthash_siphashx24_BYTES])
{
	uint8_t	buf[1 + 16 + 1 + AUTHZ_CRED_USER_MAX];
	size_t	n = 0;

	if (ulen > AUTHZ_CRED_USER_MAX)
		ulen = AUTHZ_CRED_USER_MAX;	/* httpauth refuses longer */
	buf[n++] = (uint8_t)kind;
	if (addr != NULL) {
		throttle_addr_bytes(addr, buf + n);
		n += 16;
	}
	/* A Bearer token names no user: "" with a marker of its own. */
	buf[n++] = user != NULL ? 'n' : 't';
	if (user != NULL) {
		memcpy(buf + n, user, ulen);
		n += ulen;
	}
	crypto_shorthash_siphashx24(key, buf, n, tt->tt_hashkey);
	key[0] |= 1;	/* never all zero: that is an empty slot */
	sodium_memzero(buf, n);
}

static size_t
throttle_set(const uint8_t key[crypto_shorthash_siphashx24_BYTES])
{
	uint64_t v;

	memcpy(&v, key + 8, sizeof(v));
	return (size_t)(v % THROTTLE_SETS);
}

static pthread_mutex_t *
throttle_set_lock(struct throttle_table *tt, size_t set)
{
	return &tt->tt_locks[set % THROTTLE_LOCKS];
}

/* The slot holding key in its set, or NULL.  Under the set's lock. */
static struct throttle_slot *
throttle_find(struct throttle_table *tt, size_t set,
    const uint8_t key[crypto_shorthash_siphashx24_BYTES])
{
	struct throttle_slot	*s = &tt->tt_slots[set * THROTTLE_WAYS];
	size_t			 i;

	for (i = 0; i < THROTTLE_WAYS; i++)
		if (memcmp(s[i].ts_key, key, sizeof(s[i].ts_key)) == 0)
			return &s[i];
	return NULL;
}

/*
 * The slot for key, taking an empty one or the one that failed longest
 * ago, never a banned one; NULL when every slot of the set is banned.
 * Under the set's lock.
 */
static struct throttle_slot *
throttle_take(struct throttle_table *tt, size_t set,
    const uint8_t key[crypto_shorthash_siphashx24_BYTES], uint64_t now)
{
	struct throttle_slot	*s = &tt->tt_slots[set * THROTTLE_WAYS];
	struct throttle_slot	*victim = NULL;
	size_t			 i;

	if ((victim = throttle_find(tt, set, key)) != NULL)
		return victim;
	for (i = 0; i < THROTTLE_WAYS; i++) {
		if (s[i].ts_banned_until > now)
			continue;
		if (victim == NULL || s[i].ts_last < victim->ts_last)
			victim = &s[i];
	}
	if (victim != NULL) {
		memset(victim, 0, sizeof(*victim));
		memcpy(victim->ts_key, key, sizeof(victim->ts_key));
	}
	return victim;
}

/* Starts a new window when the last one is over. */
static void
throttle_roll(struct throttle_slot *s, unsigned window, uint64_t now)
{
	if (s->ts_window_start == 0 || now - s->ts_window_start >= window) {
		s->ts_window_start = now;
		s->ts_failures = 0;
		s->ts_nseen = 0;
		memset(s->ts_seen, 0, sizeof(s->ts_seen));
	}
}

/* ---------------------------------------------------------------- checks */

/* The ban left on key's slot, in seconds; 0: none.  *failed_at: its last
 * failure (0: none). */
static uint64_t
throttle_ban_left(struct throttle_table *tt, const uint8_t *key, uint64_t now,
    uint64_t *failed_at)
{
	size_t			 set = throttle_set(key);
	pthread_mutex_t		*lock = throttle_set_lock(tt, set);
	struct throttle_slot	*s;
	uint64_t		 left = 0;

	*failed_at = 0;
	throttle_lock(lock);
	if ((s = throttle_find(tt, set, key)) != NULL) {
		if (s->ts_banned_until > now)
			left = s->ts_banned_until - now;
		*failed_at = s->ts_last;
	}
	pthread_mutex_unlock(lock);
	return left;
}

unsigned
throttle_check(struct throttle *th, const struct throttle_limits *lim,
    const struct netaddr *addr, const char *user, size_t ulen, uint64_t now)
{
	struct throttle_table	*tt = th->th_table;
	uint8_t			 key[crypto_shorthash_siphashx24_BYTES];
	uint64_t		 left = 0, user_left, failed_at;

	if (lim->tl_max_failures == 0)
		return 0;	/* throttling off */
	if (addr != NULL) {
		throttle_key(tt, THROTTLE_ADDR, addr, NULL, 0, key);
		left = throttle_ban_left(tt, key, now, &failed_at);
	}
	if (left == 0 && user != NULL) {
		throttle_key(tt, THROTTLE_USER, NULL, user, ulen, key);
		user_left = throttle_ban_left(tt, key, now, &failed_at);
		/* Under attack: refused to the addresses that failed on it
		 * lately, and to a client whose address is not known. */
		if (user_left > 0 && addr != NULL) {
			throttle_key(tt, THROTTLE_PAIR, addr, user, ulen, key);
			(void)throttle_ban_left(tt, key, now, &failed_at);
			if (failed_at == 0 || failed_at + lim->tl_ban <= now)
				user_left = 0;
		}
		left = user_left;
	}
	return left > 0 ? (unsigned)left : 0;
}

/* ---------------------------------------------------------------- failures */

/*
 * The pair's own bookkeeping: returns 0 if cred is one it failed with in
 * this window already (count nothing), 1 if it is new (count it).
 */
static int
throttle_pair_fail(struct throttle_table *tt, const struct throttle_limits *lim,
    const struct netaddr *addr, const char *user, size_t ulen,
    const void *cred, size_t credlen, uint64_t now)
{
	uint8_t			 key[crypto_shorthash_siphashx24_BYTES];
	uint8_t			 full[crypto_shorthash_siphashx24_BYTES];
	struct throttle_slot	*s;
	pthread_mutex_t		*lock;
	uint32_t		 digest;
	size_t			 set, i;
	int			 fresh = 1;

	throttle_key(tt, THROTTLE_PAIR, addr, user, ulen, key);
	/* 32 bits only: a collision lets a guess go uncounted once in 4
	 * billion, and the file cannot confirm a password guessed offline. */
	crypto_shorthash_siphashx24(full, cred, credlen, tt->tt_hashkey);
	memcpy(&digest, full, sizeof(digest));
	sodium_memzero(full, sizeof(full));
	set = throttle_set(key);
	lock = throttle_set_lock(tt, set);
	throttle_lock(lock);
	if ((s = throttle_take(tt, set, key, now)) != NULL) {
		throttle_roll(s, lim->tl_window, now);
		for (i = 0; i < THROTTLE_SEEN && i < s->ts_nseen; i++)
			if (s->ts_seen[i] == digest)
				fresh = 0;
		if (fresh) {
			s->ts_seen[s->ts_nseen % THROTTLE_SEEN] = digest;
			s->ts_nseen++;
			s->ts_failures++;
		}
		s->ts_last = now;
	}
	pthread_mutex_unlock(lock);
	return fresh;
}

/* One more failure on key's slot; bans it at max_failures. */
static void
throttle_count(struct throttle_table *tt, const struct throttle_limits *lim,
    const uint8_t *key, uint64_t now)
{
	size_t			 set = throttle_set(key);
	pthread_mutex_t		*lock = throttle_set_lock(tt, set);
	struct throttle_slot	*s;

	throttle_lock(lock);
	if ((s = throttle_take(tt, set, key, now)) != NULL) {
		throttle_roll(s, lim->tl_window, now);
		s->ts_failures++;
		s->ts_last = now;
		if (s->ts_failures >= lim->tl_max_failures) {
			s->ts_banned_until = now + lim->tl_ban;
			/* The ban is the penalty; the count starts again. */
			s->ts_window_start = 0;
		}
	}
	pthread_mutex_unlock(lock);
}

void
throttle_fail(struct throttle *th, const struct throttle_limits *lim,
    const struct netaddr *addr, const char *user, size_t ulen,
    const void *cred, size_t credlen, uint64_t now)
{
	struct throttle_table	*tt = th->th_table;
	uint8_t			 key[crypto_shorthash_siphashx24_BYTES];

	if (lim->tl_max_failures == 0)
		return;		/* throttling off */
	if (addr != NULL && !throttle_pair_fail(tt, lim, addr, user, ulen,
	    cred, credlen, now))
		return;
	if (addr != NULL) {
		throttle_key(tt, THROTTLE_ADDR, addr, NULL, 0, key);
		throttle_count(tt, lim, key, now);
	}
	if (user != NULL) {
		throttle_key(tt, THROTTLE_USER, NULL, user, ulen, key);
		throttle_count(tt, lim, key, now);
	}
}

unsigned
throttle_active_bans(struct throttle *th, uint64_t now)
{
	struct throttle_table	*tt = th->th_table;
	size_t			 set, i;
	unsigned		 n = 0;

	for (set = 0; set < THROTTLE_SETS; set++) {
		struct throttle_slot *s = &tt->tt_slots[set * THROTTLE_WAYS];

		throttle_lock(throttle_set_lock(tt, set));
		for (i = 0; i < THROTTLE_WAYS; i++)
			n += s[i].ts_banned_until > now;
		pthread_mutex_unlock(throttle_set_lock(tt, set));
	}
	return n;
}
