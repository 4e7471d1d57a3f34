#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "check_common.h"
#include "netaddr.h"

/* Addresses that parse, and how netaddr_format() prints them back. */
static const struct {
	const char	*in;
	const char	*fmt;
} addr_good[] = {
	{ "127.0.0.1",			"127.0.0.1" },
	{ "::ffff:127.0.0.1",		"127.0.0.1" },
	{ "::FFFF:7f00:1",		"127.0.0.1" },
	{ "0.0.0.0",			"0.0.0.0" },
	{ "255.255.255.255",		"255.255.255.255" },
	{ "10.0.0.1",			"10.0.0.1" },
	{ "::1",			"::1" },
	{ "::",				"::" },
	{ "2001:DB8::1",		"2001:db8::1" },
	{ "fe80::1",			"fe80::1" },
	{ "1:2:3:4:5:6:7:8",		"1:2:3:4:5:6:7:8" },
	/* v4-compatible (deprecated) is another address than 127.0.0.1. */
	{ "::127.0.0.1",		"::127.0.0.1" },
};

/* Spellings inet_aton takes and we must not (docs/security.md). */
static const char *const addr_bad[] = {
	"127.1", "0x7f.0.0.1", "0177.0.0.1", "127.000.000.001",
	"2130706433", "127.0.0.1 ", " 127.0.0.1", "127.0.0.1\n",
	"fe80::1%eth0", "", "256.0.0.1", "1.2.3", "1.2.3.4.5", "1.2.3.-1",
	"1.2.3.4/32", "::ffff:1.2.3", ":::", "1::2::3", "12345::", "g::1",
	"[::1]", "localhost", "1:2:3:4:5:6:7:8:9", "01.2.3.4", "1..2.3",
};

/* CIDRs that parse, their stored prefix and network. */
static const struct {
	const char	*in;
	unsigned	 prefix;
	const char	*net;
} cidr_good[] = {
	{ "10.0.0.0/8",			104,	"10.0.0.0" },
	{ "10.1.2.3",			128,	"10.1.2.3" },
	{ "10.1.2.3/32",		128,	"10.1.2.3" },
	{ "0.0.0.0/0",			96,	"0.0.0.0" },
	{ "192.168.1.128/25",		121,	"192.168.1.128" },
	{ "::ffff:10.0.0.0/104",	104,	"10.0.0.0" },
	{ "::1",			128,	"::1" },
	{ "::/0",			0,	"::" },
	{ "2001:db8::/32",		32,	"2001:db8::" },
	{ "2001:db8::1/128",		128,	"2001:db8::1" },
	{ "fe80::/10",			10,	"fe80::" },
};

/* CIDRs that must not parse, with the reason. */
static const struct {
	const char	*in;
	const char	*err;
} cidr_bad[] = {
	{ "10.0.0.1/8",			"host bits set below the prefix" },
	{ "::ffff:10.0.0.0/8",		"host bits set below the prefix" },
	{ "2001:db8::1/32",		"host bits set below the prefix" },
	{ "192.168.1.129/25",		"host bits set below the prefix" },
	{ "10.0.0.0/08",		"bad prefix length" },
	{ "10.0.0.0/00",		"bad prefix length" },
	{ "10.0.0.0/+8",		"bad prefix length" },
	{ "10.0.0.0/-8",		"bad prefix length" },
	{ "10.0.0.0/",			"bad prefix length" },
	{ "10.0.0.0/33",		"bad prefix length" },
	{ "10.0.0.0/8 ",		"bad prefix length" },
	{ "10.0.0.0/ 8",		"bad prefix length" },
	{ "10.0.0.0//8",		"bad prefix length" },
	{ "10.0.0.0/8/8",		"bad prefix length" },
	{ "10.0.0.0/0x8",		"bad prefix length" },
	{ "::/129",			"bad prefix length" },
	{ "::/0128",			"bad prefix length" },
	{ "1.2.3.4/32a",		"bad prefix length" },
	{ "/8",				"not an IP address" },
	{ "",				"not an IP address" },
	{ "x/8",			"not an IP address" },
	{ "127.1/8",			"not an IP address" },
	{ "10.0.0.0 /8",		"not an IP address" },
	{ "fe80::%eth0/64",		"not an IP address" },
	{ "1111111111111111111111111111111111111111111111111/8",
					"not an IP address" },
};

/* Does the network contain the address? */
static const struct {
	const char	*cidr;
	const char	*addr;
	int		 want;
} contains[] = {
	{ "10.0.0.0/8",			"10.255.255.255",	1 },
	{ "10.0.0.0/8",			"::ffff:10.1.2.3",	1 },
	{ "10.0.0.0/8",			"11.0.0.0",		0 },
	{ "10.0.0.0/8",			"9.255.255.255",	0 },
	{ "10.0.0.0/8",			"::a01:203",		0 },
	{ "10.0.0.0/9",			"10.127.255.255",	1 },
	{ "10.0.0.0/9",			"10.128.0.0",		0 },
	{ "::ffff:10.0.0.0/104",	"10.9.8.7",		1 },
	{ "127.0.0.1",			"::ffff:127.0.0.1",	1 },
	{ "127.0.0.1",			"127.0.0.2",		0 },
	{ "127.0.0.1",			"::127.0.0.1",		0 },
	{ "0.0.0.0/0",			"1.2.3.4",		1 },
	{ "0.0.0.0/0",			"::1",			0 },
	{ "0.0.0.0/0",			"::ffff:0:0",		1 },
	/* "::/0" is every address, IPv4 ones included (netaddr.c). */
	{ "::/0",			"1.2.3.4",		1 },
	{ "::/0",			"2001:db8::1",		1 },
	{ "::1",			"::1",			1 },
	{ "::1",			"::",			0 },
	{ "::1",			"127.0.0.1",		0 },
	{ "2001:db8::/32",		"2001:db8:ffff::1",	1 },
	{ "2001:db8::/32",		"2001:db9::",		0 },
	{ "fe80::/10",			"febf::1",		1 },
	{ "fe80::/10",			"fec0::",		0 },
	{ "8000::/1",			"ffff::",		1 },
	{ "8000::/1",			"7fff::",		0 },
	{ "::/127",			"::1",			1 },
	{ "::/127",			"::2",			0 },
};

START_TEST(test_addr_good)
{
	struct netaddr	na;
	char		buf[NETADDR_STRLEN];

	ck_assert_msg(netaddr_parse(addr_good[_i].in, &na) == 0, "%s",
	    addr_good[_i].in);
	netaddr_format(&na, buf, sizeof(buf));
	ck_assert_str_eq(buf, addr_good[_i].fmt);
}
END_TEST

/* Both spellings of an IPv4 address are the same 16 bytes. */
START_TEST(test_addr_mapped_equal)
{
	struct netaddr	a, b;
	static const uint8_t want[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1
	};

	ck_assert_int_eq(netaddr_parse("127.0.0.1", &a), 0);
	ck_assert_int_eq(netaddr_parse("::ffff:127.0.0.1", &b), 0);
	ck_assert_mem_eq(a.na_addr, want, sizeof(want));
	ck_assert_mem_eq(b.na_addr, want, sizeof(want));
}
END_TEST

START_TEST(test_cidr_good)
{
	struct netcidr	 nc;
	const char	*err = "unset";
	char		 buf[NETADDR_STRLEN];

	ck_assert_msg(netcidr_parse(cidr_good[_i].in, &nc, &err) == 0,
	    "%s: %s", cidr_good[_i].in, err);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(nc.nc_prefix, cidr_good[_i].prefix);
	netaddr_format(&nc.nc_addr, buf, sizeof(buf));
	ck_assert_str_eq(buf, cidr_good[_i].net);
}
END_TEST

/* A list holds an address if any of its networks does; none, if empty. */
START_TEST(test_cidr_list_contains)
{
	struct netcidr	 list[2];
	struct netaddr	 a;
	const char	*err;

	ck_assert_int_eq(netcidr_parse("10.0.0.0/8", &list[0], &err), 0);
	ck_assert_int_eq(netcidr_parse("::1", &list[1], &err), 0);
	ck_assert_int_eq(netaddr_parse("10.9.8.7", &a), 0);
	ck_assert_int_eq(netcidr_list_contains(list, 2, &a), 1);
	ck_assert_int_eq(netcidr_list_contains(list, 0, &a), 0);
	ck_assert_int_eq(netaddr_parse("::1", &a), 0);
	ck_assert_int_eq(netcidr_list_contains(list, 2, &a), 1);
	ck_assert_int_eq(netcidr_list_contains(list, 1, &a), 0);
	ck_assert_int_eq(netaddr_parse("127.0.0.1", &a), 0);
	ck_assert_int_eq(netcidr_list_contains(list, 2, &a), 0);
}
END_TEST

START_TEST(test_cidr_v6_form_equal)
{
	struct netcidr	a, b;
	const char	*err;

	ck_assert_int_eq(netcidr_parse("10.0.0.0/8", &a, &err), 0);
	ck_assert_int_eq(netcidr_parse("::ffff:10.0.0.0/104", &b, &err), 0);
	ck_assert_uint_eq(a.nc_prefix, b.nc_prefix);
	ck_assert_mem_eq(a.nc_addr.na_addr, b.nc_addr.na_addr, 16);
	/* errstr is optional. */
	ck_assert_int_eq(netcidr_parse("10.0.0.0/8", &a, NULL), 0);
	ck_assert_int_eq(netcidr_parse("10.0.0.1/8", &a, NULL), -1);
}
END_TEST

START_TEST(test_contains)
{
	struct netcidr	nc;
	struct netaddr	na;
	const char	*err;

	ck_assert_int_eq(netcidr_parse(contains[_i].cidr, &nc, &err), 0);
	ck_assert_int_eq(netaddr_parse(contains[_i].addr, &na), 0);
	ck_assert_msg(netcidr_contains(&nc, &na) == contains[_i].want,
	    "%s in %s: want %d", contains[_i].addr, contains[_i].cidr,
	    contains[_i].want);
}
END_TEST

/* Every prefix length of each family: the edges, and one past them. */
START_TEST(test_prefix_range)
{
	struct netcidr	 nc;
	const char	*err;
	char		 in[64];
	unsigned	 p = (unsigned)_i;

	snprintf(in, sizeof(in), "0.0.0.0/%u", p);
	if (p <= 32) {
		ck_assert_msg(netcidr_parse(in, &nc, &err) == 0, "%s", in);
		ck_assert_uint_eq(nc.nc_prefix, p + 96);
	} else {
		ck_assert_msg(netcidr_parse(in, &nc, &err) == -1, "%s", in);
		ck_assert_str_eq(err, "bad prefix length");
	}
	snprintf(in, sizeof(in), "::/%u", p);
	if (p <= 128) {
		ck_assert_msg(netcidr_parse(in, &nc, &err) == 0, "%s", in);
		ck_assert_uint_eq(nc.nc_prefix, p);
	} else {
		ck_assert_msg(netcidr_parse(in, &nc, &err) == -1, "%s", in);
		ck_assert_str_eq(err, "bad prefix length");
	}
}
END_TEST

/* A prefix that would wrap a 32-bit counter to 8 must not become /8. */
START_TEST(test_prefix_overflow)
{
	struct netcidr	 nc;
	const char	*err;

	ck_assert_int_eq(netcidr_parse("10.0.0.0/4294967304", &nc, &err), -1);
	ck_assert_str_eq(err, "bad prefix length");
	ck_assert_int_eq(netcidr_parse("::/18446744073709551616", &nc, &err),
	    -1);
	ck_assert_str_eq(err, "bad prefix length");
}
END_TEST

/* Host bits are checked at every position, not only on byte edges. */
START_TEST(test_host_bits)
{
	struct netcidr	 nc;
	const char	*err;
	char		 in[64];
	unsigned	 p = (unsigned)_i;

	/* ::1 has bit 127 set: only /128 is clean. */
	snprintf(in, sizeof(in), "::1/%u", p);
	ck_assert_int_eq(netcidr_parse(in, &nc, &err), p == 128 ? 0 : -1);
	if (p < 128)
		ck_assert_str_eq(err, "host bits set below the prefix");
	/* 128.0.0.0 has only its top bit: any /1 or longer is clean. */
	if (p <= 32) {
		snprintf(in, sizeof(in), "128.0.0.0/%u", p);
		ck_assert_int_eq(netcidr_parse(in, &nc, &err), p >= 1 ? 0 : -1);
	}
}
END_TEST

START_TEST(test_format_sizes)
{
	struct netaddr	na;
	char		buf[64];
	size_t		sz;

	ck_assert_int_eq(netaddr_parse("192.168.100.200", &na), 0);
	for (sz = 0; sz < sizeof(buf) - 8; sz++) {
		memset(buf, 'Z', sizeof(buf));
		netaddr_format(&na, buf, sz);
		if (sz == 0)
			ck_assert_int_eq(buf[0], 'Z');
		else if (sz < sizeof("192.168.100.200"))
			ck_assert_str_eq(buf, "");
		else
			ck_assert_str_eq(buf, "192.168.100.200");
		ck_assert_int_eq(buf[sz], 'Z');
	}
	/* The longest IPv6 text fits NETADDR_STRLEN. */
	ck_assert_int_eq(netaddr_parse("ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:fffe", &na), 0);
	netaddr_format(&na, buf, NETADDR_STRLEN);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	ck_assert_int_eq(netaddr_parse("0:0:0:0:0:ffff:ffff:ffff", &na), 0);
	netaddr_format(&na, buf, NETADDR_STRLEN);
	ck_assert_str_eq(buf, "255.255.255.255");
}
END_TEST

/* An out-of-range prefix (a corrupt struct) matches nothing. */
START_TEST(test_contains_bad_prefix)
{
	struct netcidr	nc;
	struct netaddr	na;

	memset(&nc, 0, sizeof(nc));
	nc.nc_prefix = 129;
	memset(&na, 0, sizeof(na));
	ck_assert_int_eq(netcidr_contains(&nc, &na), 0);
}
END_TEST

START_TEST(test_addr_bad)
{
	struct netaddr	na;

	memset(&na, 0xa5, sizeof(na));
	ck_assert_msg(netaddr_parse(addr_bad[_i], &na) == -1, "\"%s\"",
	    addr_bad[_i]);
	/* A failed parse leaves the output alone. */
	ck_assert_uint_eq(na.na_addr[0], 0xa5);
	ck_assert_uint_eq(na.na_addr[15], 0xa5);
}
END_TEST

START_TEST(test_cidr_bad)
{
	struct netcidr	 nc;
	const char	*err = NULL;

	memset(&nc, 0xa5, sizeof(nc));
	ck_assert_msg(netcidr_parse(cidr_bad[_i].in, &nc, &err) == -1,
	    "\"%s\"", cidr_bad[_i].in);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, cidr_bad[_i].err);
	ck_assert_uint_eq(nc.nc_addr.na_addr[0], 0xa5);
}
END_TEST

/* Each bad address is also a bad network, with or without a prefix. */
START_TEST(test_cidr_bad_addr)
{
	struct netcidr	 nc;
	const char	*err;
	char		 in[64];

	/* "1.2.3.4/32" is a bad address but a good network. */
	if (strchr(addr_bad[_i], '/') == NULL)
		ck_assert_int_eq(netcidr_parse(addr_bad[_i], &nc, &err), -1);
	snprintf(in, sizeof(in), "%s/8", addr_bad[_i]);
	ck_assert_int_eq(netcidr_parse(in, &nc, &err), -1);
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("netaddr");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_addr_good, 0, NITEMS(addr_good));
	tcase_add_test(tc, test_addr_mapped_equal);
	tcase_add_loop_test(tc, test_cidr_good, 0, NITEMS(cidr_good));
	tcase_add_test(tc, test_cidr_v6_form_equal);
	tcase_add_test(tc, test_cidr_list_contains);
	tcase_add_loop_test(tc, test_contains, 0, NITEMS(contains));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_loop_test(tc, test_prefix_range, 0, 130);
	tcase_add_test(tc, test_prefix_overflow);
	tcase_add_loop_test(tc, test_host_bits, 0, 129);
	tcase_add_test(tc, test_format_sizes);
	tcase_add_test(tc, test_contains_bad_prefix);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_addr_bad, 0, NITEMS(addr_bad));
	tcase_add_loop_test(tc, test_cidr_bad, 0, NITEMS(cidr_bad));
	tcase_add_loop_test(tc, test_cidr_bad_addr, 0, NITEMS(addr_bad));
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return check_run(netaddr_suite());
}
