/*
 * Brute-force throttling (docs/security.md, Password guessing): failed
 * authentications counted per client address (IPv6 by /64, IPv4 whole), per
 * user name and per (user, address) pair, in a fixed-size table in a shared
 * memory file, so that every fcgi-authzd process on the host (mod_fcgid and
 * lighttpd spawn several) and a restarted one see the same counts.
 *
 * Past max_failures within window seconds:
 *   - an address is banned for ban seconds, whatever user it names;
 *   - a user name is "under attack": only the addresses that failed on it
 *     (their pair counter) are refused it, so its owner logging in from a
 *     clean address still gets in.  An attacker spreading guesses over
 *     many addresses gets one guess per address per ban.
 * The same wrong credential again from the same address for the same user
 * counts once per window (a misconfigured client, or mod_fcgid asking
 * two or three times for one request); different guesses each count.
 * Unknown and known user names are counted alike.
 *
 * The table keeps keyed digests, not names or addresses; a credential is
 * remembered as a 32-bit keyed digest only, too short to confirm a
 * password guessed offline.  The clock is monoclock_now()'s
 * (CLOCK_MONOTONIC), one for the whole host.  When a set of the table is full, the entry that failed
 * longest ago goes, never one that is banned.
 */
#ifndef AUTHZ_THROTTLE_H
#define AUTHZ_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct throttle;

struct throttle_limits {
	unsigned	tl_max_failures;
	unsigned	tl_window;	/* seconds */
	unsigned	tl_ban;		/* seconds */
};

/*
 * Maps the table at path, creating and initializing it if need be (mode
 * 0600; an existing file must be a regular file of ours, not a link, and
 * not readable by others).  Returns NULL with *errstr set on failure.
 */
struct throttle	*throttle_open(const char *path, const char **errstr);
void		 throttle_close(struct throttle *);

/*
 * Step 5, before any hashing: returns 0 if the client may try, else the
 * seconds until its ban ends (for Retry-After; at least 1).  addr may be
 * NULL (not known); user may be NULL (a Bearer token names none).
 */
unsigned	 throttle_check(struct throttle *, const struct throttle_limits *,
		    const struct netaddr *addr, const char *user, size_t ulen,
		    uint64_t now);
/* Counts a failed authentication; cred is what was wrong (a password or
 * token), to count the same one once. */
void		 throttle_fail(struct throttle *, const struct throttle_limits *,
		    const struct netaddr *addr, const char *user, size_t ulen,
		    const void *cred, size_t credlen, uint64_t now);
/* Bans in force now (for metrics). */
unsigned	 throttle_active_bans(struct throttle *, uint64_t now);

#endif
