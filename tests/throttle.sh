#!/bin/sh
# tests/throttle.sh: brute-force throttling end to end (issue 6), through
# the daemon over its FastCGI socket with tests/fcgi-client: the 429 with
# Retry-After and the ban's end; no hashing while banned; the victim from
# a clean address; unknown and known users counted alike; the same wrong
# password counted once; two daemons sharing one table; a restart keeping
# the bans.  The client's address is the REMOTE_ADDR param, so one client
# plays many addresses.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/throttle.sh
set -u

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-${TEST_SRCDIR:-.}}

AUTHZD=$top_builddir/src/fcgi-authzd
CLIENT=$top_builddir/tests/fcgi-client
MKHASH=$top_builddir/tests/mkhash

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands base64 awk sed grep head tr
tmpdir_make throttle
: >"$T/log"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
MAXF=3
BAN=3

PW_ALICE=alice-Pw-7f3k9q
H_ALICE=$(cheap_hash "$PW_ALICE") || bail "mkhash failed"
# sloth's hash takes a good part of a second to verify: a request that
# hashes it cannot come back fast.
H_SLOTH=$(printf '%s\n' sloth-Pw | "$MKHASH" argon2id 24 33554432) ||
    bail "mkhash failed"

# A user of its own for each case: a user name guessed at MAXF times is
# under attack for BAN seconds, whatever the case.
{
	for u in alice bob carol dave erin frank grace; do
		printf '[user:%s]\npassword = %s\nroles = editor\n\n' "$u" \
		    "$H_ALICE"
	done
	printf '[user:sloth]\npassword = %s\nroles = editor\n' "$H_SLOTH"
} >"$T/users.ini"

cat >"$CONF" <<EOF
[server]
users = users.ini
workers = 2
realm = Throttle
default = deny
log = stderr
request_timeout = 5

[hashing]
max_concurrent = 1
max_memory = 64M
opslimit = 1
memlimit = 8M

[throttle]
max_failures = $MAXF
window = 60
ban = $BAN
state = $T/throttle

[rule:site]
path = /site
access = authenticated
EOF

# try FROM USER PASSWORD [ADDR]: one request for /site from REMOTE_ADDR
# FROM; ST is the status, RA the Retry-After (or empty), MS the time in ms.
try() {
	t0=$(now_ms)
	"$CLIENT" -r authorizer -t 10 "${4:-$ADDR}" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x "REMOTE_ADDR=$1" \
	    "HTTP_AUTHORIZATION=$(basic_auth "$2" "$3")" >"$T/out" 2>"$T/err"
	MS=$(($(now_ms) - t0))
	ST=$(head -n 1 "$T/out" | sed -n 's/^Status: \([0-9]*\) .*/\1/p')
	RA=$(sed -n 's/^Retry-After: \([0-9]*\).*/\1/p' "$T/out" | tr -d '\r')
}

# expect_st WANT WHAT: the last answer's status.
expect_st() {
	[ "$ST" = "$1" ] || fail "$2: expected $1, got '$ST' ($(head -c 200 "$T/err"))"
}

# guesses N FROM USER: N different wrong passwords, each a 401.
guesses() {
	n=0
	while [ $n -lt "$1" ]; do
		try "$2" "$3" "guess-$n-$2"
		expect_st 401 "guess $n for $3 from $2"
		n=$((n + 1))
	done
}

daemon_start
[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 5 s"; }
guard_start

begin "max_failures wrong passwords, then 429 with Retry-After, even for the right one"
guesses $MAXF 192.0.2.1 alice
try 192.0.2.1 alice "$PW_ALICE"
expect_st 429 "the right password from a banned address"
[ -n "$RA" ] && [ "$RA" -ge 1 ] && [ "$RA" -le $BAN ] ||
    fail "Retry-After '$RA', expected 1..$BAN"
grep -q 'status=429 reason=throttled user="alice" addr=192.0.2.1 ' "$T/log" ||
    fail "no reason=throttled line for 192.0.2.1"
note "192.0.2.1: 401 x$MAXF, then 429 Retry-After: $RA"
BAN_LEFT=$RA
try 192.0.2.2 alice "$PW_ALICE"
expect_st 200 "the right password from another address"
end

begin "the ban ends after ban seconds"
sleep "${BAN_LEFT:-$BAN}"
sleep 0.2
try 192.0.2.1 alice "$PW_ALICE"
expect_st 200 "after the ban"
end

begin "no hashing while banned: a banned guess is answered at once"
try 192.0.2.30 sloth wrong-one
expect_st 401 "sloth's wrong password"
slow=$MS
guesses $((MAXF - 1)) 192.0.2.30 sloth
try 192.0.2.30 sloth another-wrong-one
expect_st 429 "a guess for sloth once banned"
note "a hashed guess took $slow ms, a banned one $MS ms"
[ "$MS" -lt $((slow / 3)) ] ||
    fail "the banned guess took $MS ms, a hashed one $slow ms: was it hashed?"
end

begin "unknown and known user names are throttled at the same count"
guesses $MAXF 198.51.100.1 nosuchuser
try 198.51.100.1 nosuchuser x
expect_st 429 "unknown user after $MAXF"
guesses $MAXF 198.51.100.2 bob
try 198.51.100.2 bob x
expect_st 429 "known user after $MAXF"
end

begin "the same wrong password again counts once"
n=0
while [ $n -lt $((MAXF * 3)) ]; do
	try 198.51.100.3 carol the-same-typo
	expect_st 401 "repeat $n"
	n=$((n + 1))
done
end

begin "a user attacked from many addresses: refused to them, not to a clean one"
for a in 203.0.113.1 203.0.113.2 203.0.113.3; do
	try "$a" dave "from-$a"
	expect_st 401 "one guess from $a"
done
try 203.0.113.1 dave "$PW_ALICE"
expect_st 429 "dave from an address that guessed"
try 203.0.113.50 dave "$PW_ALICE"
expect_st 200 "dave from a clean address"
try 203.0.113.4 dave "from-203.0.113.4"
expect_st 401 "a new attacker address: one guess"
try 203.0.113.4 dave "again-203.0.113.4"
expect_st 429 "then refused"
try 203.0.113.4 alice "$PW_ALICE"
expect_st 200 "the same address for another user"
end

begin "IPv6 addresses are counted by /64"
guesses $MAXF 2001:db8:1:2::10 erin
try 2001:db8:1:2::ffff alice "$PW_ALICE"
expect_st 429 "another address in the same /64"
try 2001:db8:1:3::10 erin "$PW_ALICE"
expect_st 200 "the next /64"
end

begin "two daemons with one configuration share the counts"
"$AUTHZD" -f -c "$CONF" -l "unix:$T/sock2" </dev/null 2>>"$T/log2" &
BG_PIDS="$BG_PIDS $!"
i=0
while [ $i -lt 50 ] && [ ! -S "$T/sock2" ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$T/sock2" ] || fail "no second daemon"
guesses $((MAXF - 1)) 192.0.2.40 frank
try 192.0.2.40 frank "the-last-one" "unix:$T/sock2"
expect_st 401 "the last guess, on the second daemon"
try 192.0.2.40 alice "$PW_ALICE"
expect_st 429 "back on the first daemon"
end

begin "a restarted daemon keeps the bans"
guesses $MAXF 192.0.2.50 grace
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
rm -f "$T/sock"
daemon_start
[ -S "$T/sock" ] || fail "no socket after the restart"
try 192.0.2.50 alice "$PW_ALICE"
expect_st 429 "after the restart"
end

begin "the table file is the daemon user's alone"
m=$(stat -c %a "$T/throttle" 2>/dev/null)
[ "$m" = 600 ] || fail "mode '$m', expected 600"
end

begin "an unsafe table file stops the start, with the path and why"
chmod 644 "$T/throttle"
"$AUTHZD" -f -c "$CONF" -l "unix:$T/sock3" </dev/null >/dev/null 2>"$T/unsafe.err"
rc=$?
chmod 600 "$T/throttle"
[ "$rc" -ne 0 ] || fail "started anyway"
grep -q "state $T/throttle: .*others" "$T/unsafe.err" ||
    fail "message: $(cat "$T/unsafe.err")"
end

finish
