#!/bin/sh
# tests/throttle.sh: brute-force throttling end to end (docs/security.md),
# through the daemon over its FastCGI socket with tests/fcgi-client: the 429
# with Retry-After and the ban's end; no hashing while banned; the victim from
# a clean address; unknown and known users counted alike; the same wrong
# password counted once; two daemons sharing one table; a restart keeping the
# bans; and the metrics file ([metrics] textfile) with what these requests
# did.  The client's address is the REMOTE_ADDR param, so one client plays
# many addresses.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/throttle.sh
set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands base64 awk sed grep head tr stat
tmpdir_make throttle
: >"$T/log"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
MAXF=3
# 15 s for the first two cases, which wait for the ban's end; 60 s for
# the others (a reload below): a ban must not end between the guesses of
# a case and its last request, on a busy machine too (under ASan with
# the machine loaded to 13, 5 s was not enough).
BAN=15
STATE=$T/throttle
EXTRA=

PW_ALICE=alice-Pw-7f3k9q
H_ALICE=$(cheap_hash "$PW_ALICE") || bail "mkhash failed"

# A user of its own for each case: a user name guessed at MAXF times is
# under attack for BAN seconds, whatever the case.
{
	for u in alice bob carol dave erin frank grace heidi ivan; do
		printf '[user:%s]\npassword = %s\nroles = editor\n\n' "$u" \
		    "$H_ALICE"
	done
} >"$T/users.ini"

# write_conf FILE: the configuration, with $BAN, $STATE and $EXTRA (more
# lines at the end) as they are now.
write_conf() {
	{
		conf_base server.realm=Throttle server.default=deny \
		    hashing.max_concurrent=1 hashing.max_memory=64M \
		    "throttle.max_failures=$MAXF" throttle.window=60 \
		    "throttle.ban=$BAN" "throttle.state=$STATE"
		cat <<EOF

[rule:site]
path = /site
access = authenticated
$EXTRA
EOF
	} >"$1"
}
write_conf "$CONF"

# try FROM USER PASSWORD [ADDR]: one request for /site from REMOTE_ADDR
# FROM; ST is the status, RA the Retry-After (or empty).
try() {
	"$CLIENT" -r authorizer -t 30 "${4:-$ADDR}" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x "REMOTE_ADDR=$1" \
	    "HTTP_AUTHORIZATION=$(basic_auth "$2" "$3")" >"$T/out" 2>"$T/err"
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
[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 60 s"; }
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

BAN=60
nrel=$(grep -c ': reloaded ' "$T/log")
write_conf "$CONF.new" && mv "$CONF.new" "$CONF"
kill -HUP "$DPID"
i=0
while [ $i -lt 300 ] && [ "$(grep -c ': reloaded ' "$T/log")" -le "$nrel" ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(grep -c ': reloaded ' "$T/log")" -gt "$nrel" ] ||
    bail "no reload with ban = $BAN after 30 s"

# A known user's password goes through the verification cache before it
# is hashed, and the decision line says so (cache=miss); a guess refused
# before that has no cache key: it was never hashed.
begin "no hashing while banned: a banned guess never reaches the password check"
before=$(ndecisions)
try 192.0.2.30 ivan wrong-one
expect_st 401 "ivan's wrong password"
dec_wait "$before"
case $DEC in
*' reason=bad_password '*' cache=miss'*) ;;
*) fail "ivan's wrong password: expected bad_password, cache=miss in: $DEC" ;;
esac
guesses $((MAXF - 1)) 192.0.2.30 ivan
before=$(ndecisions)
try 192.0.2.30 ivan another-wrong-one
expect_st 429 "a guess for ivan once banned"
dec_wait "$before"
case $DEC in
*' reason=throttled '*' cache='*) fail "the banned guess was looked up: $DEC" ;;
*' reason=throttled '*) ;;
*) fail "the banned guess: expected reason=throttled in: $DEC" ;;
esac
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
bg_before=$BG_PIDS
"$AUTHZD" -f -c "$CONF" -l "unix:$T/sock2" </dev/null 2>>"$T/log2" &
D2=$!
BG_PIDS="$BG_PIDS $D2"
i=0
while [ $i -lt 600 ] && [ ! -S "$T/sock2" ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$T/sock2" ] || fail "no second daemon"
guesses $((MAXF - 1)) 192.0.2.40 frank
try 192.0.2.40 frank "the-last-one" "unix:$T/sock2"
expect_st 401 "the last guess, on the second daemon"
try 192.0.2.40 alice "$PW_ALICE"
expect_st 429 "back on the first daemon"
# It would reload the configuration the metrics case writes.
kill -TERM "$D2"
wait "$D2" 2>/dev/null
BG_PIDS=$bg_before
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

# wait_log PATTERN N: waits up to 30 s for N lines with PATTERN in the
# log; fails unless they came.
wait_log() {
	i=0
	while [ $i -lt 300 ] && [ "$(grep -c "$1" "$T/log")" -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -c "$1" "$T/log")" -ge "$2" ]
}

# metric SERIES: its value in the metrics file $M, or empty.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$M" 2>/dev/null
}

# metric_is SERIES WANT: fails unless the series has that value.
metric_is() {
	got=$(metric "$1")
	[ "$got" = "$2" ] || fail "$1 is '$got', expected $2"
}

# prom_lint FILE: prints what is not the text format node_exporter
# parses: a comment other than # HELP NAME TEXT or # TYPE NAME TYPE, a
# sample not "name value" or "name{label=\"value\",...} value", or one
# of a metric with no # TYPE before it.
prom_lint() {
	awk '
	/^# HELP / { if (NF < 4) print NR ": " $0; next }
	/^# TYPE / {
		if (NF != 4 || $4 !~ /^(counter|gauge|untyped)$/)
			print NR ": " $0
		typed[$3] = 1
		next
	}
	/^#/ { print NR ": " $0; next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/)
			print NR ": " $0
		name = $0
		sub(/[{ ].*/, "", name)
		if (!(name in typed))
			print NR ": no # TYPE for " name
		n++
	}
	END { if (n == 0) print "no samples" }' "$1"
}

# The cases above keep the ban shorter than the file's 5 s interval, and
# shared their files with a second daemon and a restart: the metrics get
# a daemon of their own, with a long ban and a table of its own, so that
# every count in the file is this case's.
begin "metrics: the text file counts what the requests did"
M=$T/metrics.prom
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
rm -f "$T/sock"
BAN=60
STATE=$T/throttle-metrics
EXTRA_OK="
[metrics]
textfile = $M"
EXTRA=$EXTRA_OK
write_conf "$CONF"
daemon_start
[ -S "$T/sock" ] || bail "no socket for the metrics case"
guard_start
i=0
while [ $i -lt 300 ] && [ ! -f "$M" ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -f "$M" ] || fail "no $M 30 s after the start"
metric_is fcgi_authz_cache_misses_total 0
# 3 x 401 bad_password, each a cache miss; 429 throttled, no cache; 200
# ok from a clean address, a miss; 200 ok again, a hit.
guesses $MAXF 192.0.2.60 heidi
try 192.0.2.60 heidi "$PW_ALICE"
expect_st 429 "heidi from the banned address"
try 192.0.2.61 heidi "$PW_ALICE"
expect_st 200 "heidi from a clean address"
try 192.0.2.61 heidi "$PW_ALICE"
expect_st 200 "heidi again, from the cache"
# A reload on SIGHUP, one of a broken file that fails, one of the file
# put back: 2 ok, 1 error.
nok=$(grep -c ': reloaded ' "$T/log")
nerr=$(grep -c 'reload failed' "$T/log")
kill -HUP "$DPID"
wait_log ': reloaded ' $((nok + 1)) || fail "no reload on SIGHUP"
EXTRA="$EXTRA_OK
[no-such-section]"
write_conf "$CONF.new" && mv "$CONF.new" "$CONF"
wait_log 'reload failed' $((nerr + 1)) || fail "the broken file was taken"
EXTRA=$EXTRA_OK
write_conf "$CONF.new" && mv "$CONF.new" "$CONF"
wait_log ': reloaded ' $((nok + 2)) || fail "no reload of the good file"
# Written every 5 s: the next write has everything.
i=0
while [ $i -lt 300 ] && [ "$(metric 'fcgi_authz_reloads_total{result="ok"}')" != 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
note "the file, $(wc -l <"$M") lines; its samples:"
grep -v '^#' "$M" | sed 's/^/#   /'
metric_is 'fcgi_authz_decisions_total{status="401",reason="bad_password"}' $MAXF
metric_is 'fcgi_authz_decisions_total{status="429",reason="throttled"}' 1
metric_is 'fcgi_authz_decisions_total{status="200",reason="ok"}' 2
n=$(grep -c '^fcgi_authz_decisions_total{' "$M")
[ "$n" = 3 ] || fail "$n decisions series, expected 3"
metric_is fcgi_authz_cache_hits_total 1
metric_is fcgi_authz_cache_misses_total $((MAXF + 1))
metric_is 'fcgi_authz_reloads_total{result="ok"}' 2
metric_is 'fcgi_authz_reloads_total{result="error"}' 1
metric_is fcgi_authz_last_reload_successful 1
metric_is fcgi_authz_users 9
metric_is fcgi_authz_hashing_threads 1
metric_is fcgi_authz_hashing_running 0
metric_is fcgi_authz_hashing_queued 0
metric_is fcgi_authz_hashing_reserved 0
# One hashing thread, one guess at a time: nothing was refused.
metric_is fcgi_authz_hashing_rests_total 0
# heidi's guesses banned at least the address they came from.
bans=$(metric fcgi_authz_throttle_bans)
[ "${bans:-0}" -ge 1 ] || fail "fcgi_authz_throttle_bans is '$bans'"
started=$(metric fcgi_authz_start_time_seconds)
now=$(date +%s)
[ "${started:-0}" -le "$now" ] && [ "${started:-0}" -gt $((now - 120)) ] ||
    fail "fcgi_authz_start_time_seconds is '$started', now $now"
lint=$(prom_lint "$M")
[ -z "$lint" ] || fail "not the text format: $lint"
if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$M" >"$T/promtool.out" 2>&1 ||
	    fail "promtool: $(cat "$T/promtool.out")"
else
	note "no promtool: checked with awk only"
fi
m=$(stat -c %a "$M")
[ "$m" = 644 ] || fail "mode '$m', expected 644"
left=$(ls "$T" | grep -c '^metrics\.prom\.')
[ "$left" = 0 ] || fail "temporary files left: $(ls "$T" | grep '^metrics\.prom\.')"
grep -q 'heidi\|192\.0\.2\.' "$M" && fail "a user or an address in the file"
end

begin "metrics: a clean stop writes the last counts"
"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET REQUEST_URI=/site/x \
    REMOTE_ADDR=192.0.2.62 >"$T/out" 2>"$T/err"
ST=$(head -n 1 "$T/out" | sed -n 's/^Status: \([0-9]*\) .*/\1/p')
expect_st 401 "no credentials"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
metric_is 'fcgi_authz_decisions_total{status="401",reason="no_credentials"}' 1
end

begin "metrics: a file that cannot be written is logged once, serving goes on"
rm -f "$T/sock"
EXTRA="
[metrics]
textfile = $T/no-such-dir/metrics.prom"
write_conf "$CONF"
daemon_start
[ -S "$T/sock" ] || bail "no socket for the unwritable metrics case"
guard_start
wait_log "no-such-dir/metrics.prom: cannot write" 1 || fail "no message"
try 192.0.2.63 heidi "$PW_ALICE"
expect_st 200 "serving without the metrics file"
# A clean stop tries once more: no second message.
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
n=$(grep -c "no-such-dir/metrics.prom: cannot write" "$T/log")
[ "$n" = 1 ] || fail "$n messages about the file, expected 1"
end

finish
