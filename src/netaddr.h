/*
 * Client addresses and networks.  IPv4 addresses are kept as IPv4-mapped
 * IPv6 (::ffff:a.b.c.d), so that "::ffff:10.1.2.3" from a dual-stack socket
 * and "10.1.2.3" are the same address and match the same networks.
 */
#ifndef AUTHZ_NETADDR_H
#define AUTHZ_NETADDR_H

#include <stdint.h>
#include <stddef.h>

struct netaddr {
	uint8_t	na_addr[16];
};

struct netcidr {
	struct netaddr	nc_addr;	/* host bits are zero */
	unsigned	nc_prefix;	/* 0..128, counted on the mapped form */
};

/* Longest text netaddr_format() writes, with the NUL. */
#define NETADDR_STRLEN	46

/*
 * Parses an IPv4 dotted quad or an IPv6 address with inet_pton (no
 * "127.1", octal, trailing spaces or zone ids).  Returns 0 or -1.
 */
int	netaddr_parse(const char *, struct netaddr *)
	    __attribute__((warn_unused_result));

/*
 * Parses "ADDR" (a single host) or "ADDR/PREFIX" (IPv4 prefix 0..32, IPv6
 * 0..128, decimal without sign or leading zeros).  Host bits set below the
 * prefix are an error, as they usually hide a typo.  Returns 0 or -1 and
 * points *errstr at a short reason.
 */
int	netcidr_parse(const char *, struct netcidr *, const char **errstr)
	    __attribute__((warn_unused_result));

/* Returns 1 if the address is inside the network, 0 if not. */
int	netcidr_contains(const struct netcidr *, const struct netaddr *);
/* Returns 1 if the address is inside any of the n networks, 0 if not. */
int	netcidr_list_contains(const struct netcidr *, size_t n,
	    const struct netaddr *);

/* Writes the address, IPv4-mapped ones as dotted quads. */
void	netaddr_format(const struct netaddr *, char *buf, size_t bufsz);

#endif
