/*
 * Addresses and networks (netaddr.h): inet_pton(3) for the text, IPv4
 * stored IPv4-mapped (RFC 4291 section 2.5.5.2), and a network as an
 * address with a prefix length and no host bits.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "netaddr.h"

/* RFC 4291 2.5.5.2: ::ffff:0:0/96 holds the IPv4 addresses. */
static const uint8_t netaddr_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

#define NETADDR_V4_BITS	96	/* prefix bits in front of an IPv4 address */

static int
netaddr_is_v4mapped(const struct netaddr *na)
{
	return memcmp(na->na_addr, netaddr_v4mapped,
	    sizeof(netaddr_v4mapped)) == 0;
}

/*
 * Same as netaddr_parse(), and *isv4 tells whether the text was a dotted
 * quad, because that decides the range of a prefix written after it.
 */
static int
netaddr_parse_text(const char *s, struct netaddr *na, int *isv4)
{
	struct in_addr	in4;

	/*
	 * inet_pton, never inet_aton: inet_aton takes "127.1", hex, octal,
	 * a bare 32-bit number and trailing garbage after a space
	 * (docs/security.md, Header spoofing), so one address could hide
	 * behind many spellings in an allow list.
	 */
	if (inet_pton(AF_INET, s, &in4) == 1) {
		memcpy(na->na_addr, netaddr_v4mapped,
		    sizeof(netaddr_v4mapped));
		memcpy(na->na_addr + sizeof(netaddr_v4mapped), &in4,
		    sizeof(in4));
		*isv4 = 1;
		return 0;
	}
	/* AF_INET6 inet_pton refuses zone ids such as "fe80::1%eth0". */
	if (inet_pton(AF_INET6, s, na->na_addr) == 1) {
		*isv4 = 0;
		return 0;
	}
	return -1;
}

int
netaddr_parse(const char *s, struct netaddr *na)
{
	struct netaddr	tmp;
	int		isv4;

	if (s == NULL || netaddr_parse_text(s, &tmp, &isv4) == -1)
		return -1;
	*na = tmp;
	return 0;
}

/*
 * Decimal 0..max with no sign, no spaces and no leading zeros, so that
 * "/08" or "/+8" in a config file is reported rather than guessed at.
 * Returns the value or -1.
 */
static int
netcidr_parse_prefix(const char *s, unsigned max)
{
	unsigned	v = 0;
	size_t		n;

	for (n = 0; s[n] != '\0'; n++) {
		/* Three digits cover 128; stop before v can wrap. */
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > max)
		return -1;
	return (int)v;
}

/* 1 if any bit at or after position prefix is set. */
static int
netaddr_has_bits_from(const struct netaddr *na, unsigned prefix)
{
	unsigned	i = prefix / 8;

	if (prefix % 8 != 0) {
		if (na->na_addr[i] & (0xff >> (prefix % 8)))
			return 1;
		i++;
	}
	for (; i < sizeof(na->na_addr); i++)
		if (na->na_addr[i] != 0)
			return 1;
	return 0;
}

int
netcidr_parse(const char *s, struct netcidr *nc, const char **errstr)
{
	struct netcidr	 tmp;
	char		 abuf[INET6_ADDRSTRLEN];
	const char	*slash, *err = NULL;
	size_t		 alen;
	int		 rc = -1, isv4, plen;

	if (s == NULL) {
		err = "not an IP address";
		goto done;
	}
	if ((slash = strchr(s, '/')) == NULL)
		alen = strlen(s);
	else
		alen = (size_t)(slash - s);
	/* Longer than any address inet_pton takes: no need to copy it. */
	if (alen >= sizeof(abuf)) {
		err = "not an IP address";
		goto done;
	}
	memcpy(abuf, s, alen);
	abuf[alen] = '\0';
	if (netaddr_parse_text(abuf, &tmp.nc_addr, &isv4) == -1) {
		err = "not an IP address";
		goto done;
	}

	if (slash == NULL)
		tmp.nc_prefix = 128;
	else {
		if ((plen = netcidr_parse_prefix(slash + 1,
		    isv4 ? 32 : 128)) == -1) {
			err = "bad prefix length";
			goto done;
		}
		/* Prefixes count on the mapped form; see netaddr.h. */
		tmp.nc_prefix = (unsigned)plen + (isv4 ? NETADDR_V4_BITS : 0);
	}
	/*
	 * "10.0.0.1/8" is either a typo for a host or for the network;
	 * refusing it beats silently widening or narrowing an ACL.
	 */
	if (netaddr_has_bits_from(&tmp.nc_addr, tmp.nc_prefix)) {
		err = "host bits set below the prefix";
		goto done;
	}
	*nc = tmp;
	rc = 0;
 done:
	if (errstr != NULL)
		*errstr = err;
	return rc;
}

/*
 * IPv4 networks are stored on the mapped form, so "10.0.0.0/8" is
 * ::ffff:10.0.0.0/104 and only matches IPv4 clients.  The flip side is
 * that an IPv6 network covering ::ffff:0:0/96, in practice "::/0", also
 * matches every IPv4 client.  That is what "any address" should mean,
 * and it is documented for the config file.
 */
int
netcidr_contains(const struct netcidr *nc, const struct netaddr *na)
{
	unsigned	full, rest;
	uint8_t		mask;

	/* Not a valid netcidr; match nothing rather than read past. */
	if (nc->nc_prefix > 128)
		return 0;
	full = nc->nc_prefix / 8;
	rest = nc->nc_prefix % 8;
	if (memcmp(nc->nc_addr.na_addr, na->na_addr, full) != 0)
		return 0;
	if (rest != 0) {
		mask = (uint8_t)(0xff00 >> rest);
		if ((nc->nc_addr.na_addr[full] ^ na->na_addr[full]) & mask)
			return 0;
	}
	return 1;
}

/*
 * An address that does not fit leaves an empty string: a truncated one
 * ("10.1.2.3" out of "10.1.2.34") would name another host in a log.
 */
void
netaddr_format(const struct netaddr *na, char *buf, size_t bufsz)
{
	char		 tmp[NETADDR_STRLEN];
	const char	*p;
	size_t		 len;

	if (buf == NULL || bufsz == 0)
		return;
	buf[0] = '\0';
	if (netaddr_is_v4mapped(na))
		p = inet_ntop(AF_INET, na->na_addr + sizeof(netaddr_v4mapped),
		    tmp, sizeof(tmp));
	else
		p = inet_ntop(AF_INET6, na->na_addr, tmp, sizeof(tmp));
	if (p == NULL)
		return;
	len = strlen(tmp);
	if (len >= bufsz)
		return;
	memcpy(buf, tmp, len + 1);
}

int
netcidr_list_contains(const struct netcidr *list, size_t n,
    const struct netaddr *addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (netcidr_contains(&list[i], addr))
			return 1;
	return 0;
}
