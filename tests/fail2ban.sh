#!/bin/sh
#
# fail2ban.sh: the fail2ban filter etc/fail2ban/filter.d/fcgi-authz.conf
# on lines a real fcgi-authzd wrote.  Starts the daemon on a unix socket
# with a configuration written at run time, drives it with tests/fcgi-client
# from IPv4 and IPv6 addresses through every reason that must count
# (bad_password, unknown_user, disabled, expired, bad_token) and every one
# that must not (no_credentials, ok, public, role, network, deny_rule,
# bad_path, malformed, internal, and the 429 of a busy hashing pool), plus
# a user name that carries its own " addr=1.2.3.4 ", then runs
# fail2ban-regex on the daemon's log: the exact lines and addresses
# matched, in the stderr format, as syslog writes it, as the journal
# keeps it, and in mode=aggressive; last, that fail2ban-client loads the
# example jail (etc/fail2ban/jail.d/fcgi-authz.conf).
#
# fail2ban-regex (Debian package fail2ban; scripts/build installs it) is
# required: without it this test fails, unless FAIL2BAN_ALLOW_SKIP=1,
# which makes it a skip.  FAIL2BAN_CONFDIR (default /etc/fail2ban) is where
# fail2ban's own common.conf, jail.conf and action.d are found.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/fail2ban.sh
# Writes only into a mktemp -d directory (distcheck: read-only srcdir).
# Exit: 0 all passed, 1 a case failed, 77 skipped, 99 broken setup.
# F2B_KEEP=1 keeps the temporary directory (the daemon's log is "log").

set -u

. "$(dirname "$0")/testlib.sh"
FILTER=$top_srcdir/etc/fail2ban/filter.d/fcgi-authz.conf
JAIL=$top_srcdir/etc/fail2ban/jail.d/fcgi-authz.conf
F2B_ETC=${FAIL2BAN_CONFDIR:-/etc/fail2ban}
KEEP=${F2B_KEEP:-}

# The reasons the filter counts, and the address the hostile user name
# carries, which must never be banned.
COUNTED='bad_password|unknown_user|disabled|expired|bad_token'
FAKE=1.2.3.4

# ---- fail2ban itself --------------------------------------------------------

# Not a skip: a green "make check" without fail2ban would say the filter
# works when nothing checked it.
f2b_missing() {
	if [ "${FAIL2BAN_ALLOW_SKIP:-}" = 1 ]; then
		echo "# skip: $1 (FAIL2BAN_ALLOW_SKIP=1)"
		exit 77
	fi
	echo "not ok 1 - fail2ban is installed"
	echo "#   $1: install the Debian package fail2ban (scripts/build does),"
	echo "#   or set FAIL2BAN_ALLOW_SKIP=1 to skip this test"
	echo "0 passed, 1 failed"
	exit 1
}

command -v fail2ban-regex >/dev/null 2>&1 || f2b_missing "no fail2ban-regex"
[ -r "$F2B_ETC/filter.d/common.conf" ] ||
    f2b_missing "no $F2B_ETC/filter.d/common.conf"

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands base64 awk sed sort cmp tr head date
[ -r "$FILTER" ] || bail "no $FILTER"
[ -r "$JAIL" ] || bail "no $JAIL"
blake2b_hex x >/dev/null 2>&1 || { echo "# skip: neither b2sum nor python3"; exit 77; }

tmpdir_make f2b
: >"$T/log"
CONF=$T/fcgi-authz.ini
USERS=$T/users.ini
SOCK=$T/sock
ADDR=unix:$SOCK

# fail2ban-regex reads the filter from a directory of our own, next to
# fail2ban's common.conf (its "before"), and no *.local that could change
# it.
mkdir -p "$T/f2b/filter.d" || bail "mkdir failed"
cp "$F2B_ETC/filter.d/common.conf" "$FILTER" "$T/f2b/filter.d/" ||
    bail "cannot copy the filters"

# ---- the daemon -------------------------------------------------------------

PW_ALICE=alice-Pw-7f3k9q
PW_BOB=bob-Pw-2m8x4v
PW_CAROL=carol-Pw-9d2h6w
PW_DAVE=dave-Pw-3j7p1s
PW_SLOTH=sloth-Pw-8w5e2r
PW_WRONG=Wr0ng-Pw-q7z2k
TOK_GOOD=tokF2bGood-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c
TOK_OLD=tokF2bOld-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d
TOK_BAD=tokF2bUnknown-0f1e2d3c4b5a69788796a5b4c3d2e1f0

mkhash() { cheap_hash "$1"; }
H_ALICE=$(mkhash "$PW_ALICE") || bail "mkhash failed"
H_BOB=$(mkhash "$PW_BOB") || bail "mkhash failed"
H_CAROL=$(mkhash "$PW_CAROL") || bail "mkhash failed"
H_DAVE=$(mkhash "$PW_DAVE") || bail "mkhash failed"
# About a fifth of a second to verify on an idle machine: holds the only
# hashing slot while another request comes (the busy 429), and no longer,
# since the hashing thread runs at nice 19 and takes many times that on a
# busy machine.
H_SLOTH=$(printf '%s\n' "$PW_SLOTH" | "$MKHASH" argon2id 12 33554432) ||
    bail "mkhash failed"
D_GOOD=$(blake2b_hex "$TOK_GOOD") || bail "blake2b failed"
D_OLD=$(blake2b_hex "$TOK_OLD") || bail "blake2b failed"

# Two request threads and one hashing slot, no cache: every password is
# hashed, and a second one while the first is hashed gets 429.
{
	echo "; fcgi-authz.ini written by tests/fail2ban.sh"
	conf_base "server.realm=fail2ban test" server.default=deny \
	    server.authz_failure=403 server.trusted_proxies= \
	    hashing.max_concurrent=1 hashing.max_memory=64M \
	    throttle.max_failures=1000000 throttle.window=1 throttle.ban=1 \
	    cache.ttl=0
	cat <<EOF

[rule:public]
path = /public
access = public

[rule:admin]
path = /admin
roles = admin

[rule:intranet]
path = /intranet
access = authenticated
networks = 10.0.0.0/8

[rule:old]
path = /old
access = deny

[rule:site]
path = /site
access = authenticated
EOF
} >"$CONF"

cat >"$USERS" <<EOF
; users.ini written by tests/fail2ban.sh
[user:alice]
password = $H_ALICE
roles = admin

[user:bob]
password = $H_BOB
roles = editor

[user:carol]
password = $H_CAROL
disabled = yes

[user:dave]
password = $H_DAVE
expires = 2020-01-31

[user:sloth]
password = $H_SLOTH

[token:good]
user = alice
hash = blake2b:$D_GOOD

[token:old]
user = alice
hash = blake2b:$D_OLD
expires = 2020-01-01
EOF

daemon_start
[ -S "$SOCK" ] || { cat "$T/log"; bail "no socket $SOCK after 60 s"; }
guard_start

# ---- requests ---------------------------------------------------------------

basic() { basic_auth "$1" "$2"; }

A_ALICE=$(basic alice "$PW_ALICE")
A_ALICE_WRONG=$(basic alice "$PW_WRONG")
A_BOB=$(basic bob "$PW_BOB")
A_CAROL=$(basic carol "$PW_CAROL")
A_DAVE=$(basic dave "$PW_DAVE")
A_MALLORY=$(basic mallory "$PW_WRONG")
A_SLOTH=$(basic sloth "$PW_SLOTH")
# The log writes the quote as \x22, so the fake addr= stays inside user="".
A_HOSTILE=$(basic "mallory\" addr=$FAKE rule=x" "$PW_WRONG")

# req STATUS REASON LOGGED-ADDR PARAM...: one request; checks the decision
# line's status, reason and addr, and files the line under $T/want.match
# (the filter must match it) or $T/want.miss.  A case of its own.
: >"$T/want.match"
: >"$T/want.miss"
req() {
	st=$1 rs=$2 la=$3
	shift 3
	begin "logged: $st $rs from $la"
	before=$(ndecisions)
	"$CLIENT" -r authorizer -t 30 "$ADDR" "$@" >"$T/out" 2>"$T/err" ||
	    fail "client exit $?: $(head -c 300 "$T/err")"
	dec_wait "$before"
	if [ -z "$DEC" ]; then
		fail "no decision line in the log"
	else
		[ "$(dec status)" = "$st" ] ||
		    fail "status: expected $st in: $DEC"
		[ "$(dec reason)" = "$rs" ] ||
		    fail "reason: expected $rs in: $DEC"
		[ "$(dec addr)" = "$la" ] ||
		    fail "addr: expected $la in: $DEC"
		counted=
		case $st/$rs/$la in
		*/-) ;;		# no address, nothing to ban
		401/bad_password/*|401/unknown_user/*|401/disabled/*) counted=1 ;;
		401/expired/*|401/bad_token/*) counted=1 ;;
		esac
		if [ -n "$counted" ]; then
			printf '%s\n' "$DEC" >>"$T/want.match"
			printf '%s\n' "$la" >>"$T/want.ip"
		else
			printf '%s\n' "$DEC" >>"$T/want.miss"
		fi
	fi
	end
}

: >"$T/want.ip"
G="REQUEST_METHOD=GET"
SITE="REQUEST_URI=/site/page"

# Counted, from IPv4 and from IPv6.
for a in 192.0.2.10 2001:db8::10; do
	req 401 bad_password "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
done
req 401 bad_password 192.0.2.10 "$G" REQUEST_URI=/admin/x \
    REMOTE_ADDR=192.0.2.10 "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
for a in 192.0.2.11 2001:db8::11; do
	req 401 unknown_user "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=$A_MALLORY"
done
for a in 192.0.2.12 2001:db8::12; do
	req 401 disabled "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=$A_CAROL"
done
for a in 192.0.2.13 2001:db8::13; do
	req 401 expired "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=$A_DAVE"
done
req 401 expired 192.0.2.14 "$G" "$SITE" REMOTE_ADDR=192.0.2.14 \
    "HTTP_AUTHORIZATION=Bearer $TOK_OLD"
for a in 192.0.2.15 2001:db8::15; do
	req 401 bad_token "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=Bearer $TOK_BAD"
done
# An IPv4-mapped IPv6 peer is logged (and banned) as IPv4.
req 401 bad_password 192.0.2.16 "$G" "$SITE" REMOTE_ADDR=::ffff:192.0.2.16 \
    "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
req 401 unknown_user 198.51.100.66 "$G" "$SITE" REMOTE_ADDR=198.51.100.66 \
    "HTTP_AUTHORIZATION=$A_HOSTILE"
req 401 unknown_user 2001:db8::66 "$G" "REQUEST_URI=/site/\" addr=$FAKE x" \
    REMOTE_ADDR=2001:db8::66 "HTTP_AUTHORIZATION=$A_HOSTILE"

# Not counted.
for a in 203.0.113.1 2001:db8:1::1; do
	req 401 no_credentials "$a" "$G" "$SITE" "REMOTE_ADDR=$a"
done
req 401 no_credentials 203.0.113.2 "$G" "$SITE" REMOTE_ADDR=203.0.113.2 \
    "HTTP_AUTHORIZATION=Digest username=\"alice\""
req 200 ok 203.0.113.3 "$G" "$SITE" REMOTE_ADDR=203.0.113.3 \
    "HTTP_AUTHORIZATION=$A_ALICE"
req 200 ok 2001:db8:1::3 "$G" "$SITE" REMOTE_ADDR=2001:db8:1::3 \
    "HTTP_AUTHORIZATION=Bearer $TOK_GOOD"
req 200 public 203.0.113.4 "$G" REQUEST_URI=/public/x REMOTE_ADDR=203.0.113.4
for a in 203.0.113.5 2001:db8:1::5; do
	req 403 role "$a" "$G" REQUEST_URI=/admin/x "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=$A_BOB"
done
req 403 network 203.0.113.6 "$G" REQUEST_URI=/intranet/x \
    REMOTE_ADDR=203.0.113.6 "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
req 403 deny_rule 2001:db8:1::7 "$G" REQUEST_URI=/old/x \
    REMOTE_ADDR=2001:db8:1::7 "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
req 403 deny_rule 203.0.113.7 "$G" REQUEST_URI=/nowhere \
    REMOTE_ADDR=203.0.113.7
req 400 bad_path 203.0.113.8 "$G" "REQUEST_URI=/site/a%2Fb" \
    REMOTE_ADDR=203.0.113.8 "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
req 400 bad_path 2001:db8:1::8 "$G" "REQUEST_URI=/site/%00" \
    REMOTE_ADDR=2001:db8:1::8
for a in 203.0.113.9 2001:db8:1::9; do
	req 401 malformed "$a" "$G" "$SITE" "REMOTE_ADDR=$a" \
	    "HTTP_AUTHORIZATION=Basic !!!not-base64!!!"
done
req 401 malformed 203.0.113.10 "$G" "$SITE" REMOTE_ADDR=203.0.113.10 \
    "HTTP_AUTHORIZATION=Basic $(printf 'no-colon' | base64)"
req 500 internal - "$G" REMOTE_ADDR=203.0.113.11 \
    "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
# A wrong password from an address that is not one: logged as addr=-,
# and nothing to ban.
req 401 bad_password - "$G" "$SITE" "REMOTE_ADDR=$FAKE x" \
    "HTTP_AUTHORIZATION=$A_ALICE_WRONG"

# The busy 429: alice's right password, from an innocent address, while
# sloth's holds the only hashing slot.  Neither is a failure; the 429
# must not count.  Last, since sloth's 200 comes at its own time; sloth's
# client waits for it, so that SIGTERM below finds no hash running.
INNOCENT=192.0.2.99
begin "logged: 429 busy from $INNOCENT while hashing is busy"
busy=
tries=0
while [ $tries -lt 3 ] && [ -z "$busy" ]; do
	tries=$((tries + 1))
	"$CLIENT" -r authorizer -t 300 "$ADDR" "$G" "$SITE" \
	    REMOTE_ADDR=203.0.113.99 "HTTP_AUTHORIZATION=$A_SLOTH" \
	    >/dev/null 2>&1 &
	opid=$!
	BG_PIDS="$BG_PIDS $opid"
	while alive "$opid"; do
		"$CLIENT" -r authorizer -t 60 "$ADDR" "$G" "$SITE" \
		    "REMOTE_ADDR=$INNOCENT" "HTTP_AUTHORIZATION=$A_ALICE" \
		    >"$T/out" 2>/dev/null
		if head -n 1 "$T/out" | grep -q '^Status: 429'; then
			busy=1
			break
		fi
	done
	wait "$opid"
done
[ -n "$busy" ] || fail "no 429 in 3 trials (sloth's hash too fast here?)"
end

# Every line written: SIGTERM flushes the held-back 200s.
begin "fcgi-authzd stops on SIGTERM"
kill -TERM "$DPID"
i=0
while [ $i -lt 300 ] && alive "$DPID"; do
	sleep 0.1
	i=$((i + 1))
done
alive "$DPID" && fail "still running 30 s after SIGTERM"
wait "$DPID" 2>/dev/null
DPID=
end

begin "the log holds the busy 429 (reason=busy) and its own lines"
grep -q "decision=deny status=429 reason=busy .* addr=$INNOCENT " "$T/log" ||
    fail "no status=429 reason=busy line from $INNOCENT"
# The lines req did not see: sloth's and the innocent client's.
grep 'decision=' "$T/log" | sed 's/^[^"]*decision=/decision=/' |
    grep -e "addr=$INNOCENT " -e 'addr=203\.0\.113\.99 ' >>"$T/want.miss"
end

# ---- fail2ban-regex ---------------------------------------------------------

# f2b LOG FILTER [OPTION...]: fail2ban-regex with our config directory;
# its summary in $T/f2b.out, the matched lines (from "decision=" on) in
# $T/f2b.msg, their addresses in $T/f2b.ip, one run each.  F2B_RC: the
# first non-zero exit.
f2b() {
	lg=$1 fl=$2
	shift 2
	F2B_RC=0
	fail2ban-regex -c "$T/f2b" "$@" "$lg" "$fl" >"$T/f2b.out" 2>&1 ||
	    F2B_RC=$?
	fail2ban-regex -c "$T/f2b" -o msg "$@" "$lg" "$fl" 2>&1 |
	    sed 's/^[^"]*decision=/decision=/' | sort >"$T/f2b.msg"
	fail2ban-regex -c "$T/f2b" -o ip "$@" "$lg" "$fl" 2>&1 |
	    sort >"$T/f2b.ip"
}

# Lines: N lines, I ignored, M matched, X missed
f2b_count() {
	sed -n "s/^Lines: [0-9]* lines, [0-9]* ignored, \([0-9]*\) matched.*/\1/p" \
	    "$T/f2b.out"
}

f2b_lines() {
	sed -n "s/^Lines: \([0-9]*\) lines, \([0-9]*\) ignored, [0-9]* matched, \([0-9]*\) missed.*/\1 \2 \3/p" \
	    "$T/f2b.out"
}

sort "$T/want.match" >"$T/want.match.s"
sort "$T/want.ip" >"$T/want.ip.s"
NWANT=$(wc -l <"$T/want.match.s" | tr -d ' ')
NMISS=$(wc -l <"$T/want.miss" | tr -d ' ')

# check_f2b WHAT LOG EXTRA_MATCH_FILE REASONS: the matched lines are
# exactly want.match plus those of EXTRA_MATCH_FILE (possibly /dev/null),
# the addresses exactly theirs, every one a 401 for one of REASONS (an ERE
# alternation).
check_f2b() {
	what=$1 lg=$2 extra=$3 reasons=$4
	[ "$F2B_RC" -eq 0 ] ||
	    fail "fail2ban-regex exit $F2B_RC: $(tail -n 5 "$T/f2b.out" | tr '\n' '|')"
	sort "$T/want.match" "$extra" >"$T/exp.msg"
	{ cat "$T/want.ip"; sed -n 's/.* addr=\([^ ]*\) .*/\1/p' "$extra"; } |
	    sort >"$T/exp.ip"
	nexp=$(wc -l <"$T/exp.msg" | tr -d ' ')
	nlog=$(wc -l <"$lg" | tr -d ' ')
	set -- $(f2b_lines)
	if [ $# -ne 3 ]; then
		fail "$what: no 'Lines:' summary: $(tail -n 5 "$T/f2b.out" | tr '\n' '|')"
		return
	fi
	[ "$1" = "$nlog" ] || fail "$what: $1 lines read, the log has $nlog"
	[ "$2" = 0 ] || fail "$what: $2 lines ignored"
	got=$(f2b_count)
	[ "$got" = "$nexp" ] || fail "$what: $got lines matched, expected $nexp"
	[ "$3" = $((nlog - nexp)) ] ||
	    fail "$what: $3 lines missed, expected $((nlog - nexp))"
	cmp -s "$T/exp.msg" "$T/f2b.msg" ||
	    fail "$what: matched lines differ (< expected, > matched):$NL$(diff "$T/exp.msg" "$T/f2b.msg" | grep '^[<>]')"
	cmp -s "$T/exp.ip" "$T/f2b.ip" ||
	    fail "$what: addresses differ (< expected, > matched):$NL$(diff "$T/exp.ip" "$T/f2b.ip" | grep '^[<>]')"
	if grep -q -x -F "$FAKE" "$T/f2b.ip"; then
		fail "$what: the hostile user name's $FAKE was taken as the address"
	fi
	if grep -q -x -F "$INNOCENT" "$T/f2b.ip"; then
		fail "$what: the innocent client's busy 429 counted"
	fi
	bad=$(grep -v -E "^decision=deny status=401 reason=($reasons) " "$T/f2b.msg")
	[ -z "$bad" ] || fail "$what: matched a line it must not:$NL$bad"
}

begin "the test made $NWANT counted lines and $NMISS others"
[ "$NWANT" -eq 15 ] || fail "$NWANT lines to match, expected 15"
[ "$NMISS" -ge 20 ] || fail "only $NMISS lines not to match, expected 20 or more"
grep -q "user=\"mallory\\\\x22 addr=$FAKE rule=x\" addr=198.51.100.66 " \
    "$T/want.match" || fail "the hostile user name is not logged escaped"
end

begin "fail2ban-regex: the stderr log: exactly the $NWANT counted lines and their addresses"
f2b "$T/log" fcgi-authz
check_f2b "stderr" "$T/log" /dev/null "$COUNTED"
note "stderr: $(grep '^Lines:' "$T/f2b.out")"
end

begin "fail2ban-regex: the filter given as a file path works the same"
f2b "$T/log" "$T/f2b/filter.d/fcgi-authz.conf"
check_f2b "path" "$T/log" /dev/null "$COUNTED"
end

begin "fail2ban-regex: the ISO stamp is read as UTC, whatever TZ says"
first=$(grep -m 1 -E "reason=($COUNTED) " "$T/log")
printf '%s\n' "$first" >"$T/one.log"
stamp=$(printf '%s\n' "$first" | sed -n 's/^\([0-9-]*\)T\([0-9:]*\)Z .*/\1 \2/p')
want=$(date -u -d "$stamp" +%s 2>/dev/null)
got=$(TZ=JST-9 fail2ban-regex -c "$T/f2b" -o row "$T/one.log" fcgi-authz |
    sed -n "s/^\['[^']*',[[:space:]]*\([0-9]*\).*/\1/p")
[ -n "$want" ] || fail "cannot read the stamp of: $first"
[ "$got" = "$want" ] || fail "TZ=JST-9: time $got, expected $want ($stamp UTC)"
end

# The same lines in the other shapes they reach fail2ban in.
MONTHS='Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'
# syslog (log = syslog): "Nov 27 07:06:48 host fcgi-authzd[PID]: decision=..."
awk -v months="$MONTHS" '
	BEGIN { split(months, mon, " ") }
	match($0, /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z /) {
		printf "%s %2d %s f2b-test %s\n", mon[substr($0, 6, 2) + 0],
		    substr($0, 9, 2) + 0, substr($0, 12, 8), substr($0, 22)
		next
	}
	{ print }' "$T/log" >"$T/syslog"
# journalctl -o short-iso of the service's standard error: the journal's
# prefix, then the daemon's own line, stamp and all.
sed 's/^\([0-9-]*T[0-9:]*\)Z \(fcgi-authzd\[[0-9]*\]\): /\1+0000 f2b-test \2: &/' \
    "$T/log" >"$T/journal-iso"
# What fail2ban's systemd backend matches (logtype=journal): the journal's
# "host ident[PID]: " and the message; here after a syslog stamp, which
# fail2ban-regex takes off as the journal's date.
sed 's/^\([0-9-]*\)T\([0-9:]*\)Z \(fcgi-authzd\[[0-9]*\]\): /\1 \2 f2b-test \3: &/' \
    "$T/log" >"$T/journal"

begin "fail2ban-regex: as syslog writes them (log = syslog)"
if [ "$(grep -c '^[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* f2b-test fcgi-authzd\[[0-9]*\]: decision=' "$T/syslog")" -lt "$NWANT" ]; then
	fail "the syslog conversion went wrong: $(head -n 3 "$T/syslog" | tr '\n' '|')"
fi
f2b "$T/syslog" fcgi-authz
check_f2b "syslog" "$T/syslog" /dev/null "$COUNTED"
note "syslog: $(grep '^Lines:' "$T/f2b.out")"
end

begin "fail2ban-regex: as journalctl -o short-iso shows the service's stderr"
f2b "$T/journal-iso" fcgi-authz
check_f2b "journalctl" "$T/journal-iso" /dev/null "$COUNTED"
note "journalctl: $(grep '^Lines:' "$T/f2b.out")"
end

begin "fail2ban-regex: logtype=journal (the systemd backend's line)"
f2b "$T/journal" "fcgi-authz[logtype=journal]"
check_f2b "journal" "$T/journal" /dev/null "$COUNTED"
note "journal: $(grep '^Lines:' "$T/f2b.out")"
end

begin "fail2ban-regex: mode=aggressive counts the malformed headers too"
grep 'reason=malformed ' "$T/want.miss" >"$T/malformed"
[ "$(wc -l <"$T/malformed")" -eq 3 ] || fail "expected 3 malformed lines"
f2b "$T/log" "fcgi-authz[mode=aggressive]"
check_f2b "aggressive" "$T/log" "$T/malformed" "$COUNTED|malformed"
note "aggressive: $(grep '^Lines:' "$T/f2b.out")"
end

# ---- the jail ---------------------------------------------------------------

# fail2ban-client -d prints the commands it would send the server: the
# example jail, as shipped, must not start; enabled (a jail.local on top,
# as an administrator does), it must load with our filter and settings.
begin "fail2ban-client: the example jail loads, disabled as shipped"
if ! command -v fail2ban-client >/dev/null 2>&1 ||
    [ ! -r "$F2B_ETC/jail.conf" ]; then
	fail "no fail2ban-client or $F2B_ETC/jail.conf"
else
	mkdir -p "$T/etc" && cp -R "$F2B_ETC/." "$T/etc/" ||
	    bail "cannot copy $F2B_ETC"
	rm -f "$T/etc/jail.d/"* "$T/etc/jail.local" "$T/etc/"*/*.local
	cp "$FILTER" "$T/etc/filter.d/" && cp "$JAIL" "$T/etc/jail.d/" ||
	    bail "cannot copy the example"
	fail2ban-client -c "$T/etc" -d >"$T/dump" 2>&1 ||
	    fail "fail2ban-client -d: $(tail -n 3 "$T/dump" | tr '\n' '|')"
	if grep -q "'fcgi-authz'" "$T/dump"; then
		fail "the jail as shipped is enabled"
	fi
	printf '[fcgi-authz]\nenabled = true\nlogpath = %s\n' "$T/log" \
	    >"$T/etc/jail.local"
	fail2ban-client -c "$T/etc" -d >"$T/dump" 2>&1 ||
	    fail "fail2ban-client -d, enabled: $(tail -n 3 "$T/dump" | tr '\n' '|')"
	for want in "['add', 'fcgi-authz', 'auto']" \
	    "['set', 'fcgi-authz', 'maxretry', 10]" \
	    "['set', 'fcgi-authz', 'findtime', '10m']" \
	    "['set', 'fcgi-authz', 'bantime', '1h']" \
	    "['set', 'fcgi-authz', 'addlogpath', '$T/log', 'head']" \
	    "reason=(?:bad_password|unknown_user|disabled|expired|bad_token) user="; do
		grep -q -F -- "$want" "$T/dump" ||
		    fail "not in fail2ban-client -d: $want"
	done
	grep -q -F "['port', 'http,https']" "$T/dump" ||
	    fail "no port http,https in the jail's action"
	grep -q -F 'malformed' "$T/dump" &&
	    fail "the jail's default mode counts malformed"
fi
end

begin "fail2ban-client: the jail's mode = aggressive reaches the filter"
if [ -f "$T/etc/jail.local" ]; then
	printf 'mode = aggressive\n' >>"$T/etc/jail.local"
	fail2ban-client -c "$T/etc" -d >"$T/dump" 2>&1 ||
	    fail "fail2ban-client -d: $(tail -n 3 "$T/dump" | tr '\n' '|')"
	grep -q -F "|bad_token|malformed) user=" "$T/dump" ||
	    fail "mode = aggressive: no malformed in the failregex"
else
	fail "no jail.local from the case before"
fi
end

finish
