#!/bin/sh
# tests/reload.sh: reloads under load (fcgi-authzd(8), SIGNALS).  For the
# whole of a fixed schedule (CHANGES password changes by fcgi-authz, one
# every 200 ms, with the configuration broken from the 10th to the 15th,
# and SIGHUP every 100 ms), two clients ask without pause with a password
# that never changes.  Every answer must be 200; the changes must be in
# force at the end; the broken file must be refused and logged, and the
# daemon go on serving.  The schedule, not a request count, sets how long
# the clients ask, so a fast machine and a busy one both see every
# reload under load.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/reload.sh
set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CTL" "$CLIENT" "$MKHASH"
need_commands base64 awk sed grep sort uniq cp
tmpdir_make reload
: >"$T/log"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
CHANGES=${RELOAD_CHANGES:-25}	# password changes, one each 200 ms
MINREQ=20	# requests each client makes at the least

H=$(cheap_hash alice-pw) || bail "mkhash failed"
printf '[user:alice]\npassword = %s\nroles = editor\n\n[user:bob]\npassword = %s\nroles = editor\n' \
    "$H" "$H" >"$T/users.ini"
{
	conf_base server.workers=4
	cat <<EOF

[rule:site]
path = /site
access = authenticated
EOF
} >"$CONF"
cp "$CONF" "$T/good.ini"

# client N: asks as alice until $T/stop appears (and at least MINREQ
# times), one process a request, every answer (stdout and stderr) in rN;
# an answer's first line is its Status line.  Nothing else is started a
# request, so that the clients ask as often as the machine allows.
ALICE_AUTH=$(basic_auth alice alice-pw)
client() {
	i=0
	while [ ! -e "$T/stop" ] || [ $i -lt "$MINREQ" ]; do
		"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET \
		    REQUEST_URI=/site/x "REMOTE_ADDR=127.0.0.$1" \
		    "HTTP_AUTHORIZATION=$ALICE_AUTH" 2>&1
		i=$((i + 1))
	done >"$T/r$1"
}

# statuses FILE...: how many answers had each Status line, "N Status: ..;"
# each; an answer that failed counts by its error line.
statuses() {
	cat "$@" | tr -d '\r' | grep -E '^(Status: |fcgi-client: )' |
	    sort | uniq -c | sed 's/^ *//' | tr '\n' ';'
}

# status_for USER PASSWORD: the status one request gets.
status_for() {
	"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x REMOTE_ADDR=192.0.2.200 \
	    "HTTP_AUTHORIZATION=$(basic_auth "$1" "$2")" 2>/dev/null |
	    sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}

daemon_start
[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 60 s"; }
guard_start

begin "2 clients asking while SIGHUP every 100 ms, $CHANGES password changes every 200 ms and a broken file for a second: all 200"
rm -f "$T/stop"
client 1 &
c1=$!
client 2 &
c2=$!
(
	while [ ! -e "$T/stop" ]; do
		kill -HUP "$DPID" 2>/dev/null
		sleep 0.1
	done
) &
hup=$!
n=0
while [ $n -lt "$CHANGES" ]; do
	n=$((n + 1))
	printf 'bob-pw-%d\n' "$n" |
	    "$CTL" -c "$CONF" user passwd bob --password-stdin >/dev/null 2>&1 &&
	    last=$n
	[ $n = 10 ] && printf '[broken\n' >>"$CONF"
	[ $n = 15 ] && cp "$T/good.ini" "$CONF"
	sleep 0.2
done
: >"$T/stop"
wait "$c1" "$c2" "$hup" 2>/dev/null
n1=$(grep -c '^Status: ' "$T/r1")
n2=$(grep -c '^Status: ' "$T/r2")
got=$(statuses "$T/r1" "$T/r2")
[ "$got" = "$((n1 + n2)) Status: 200 OK;" ] || fail "answers: $got"
nrel=$(grep -c 'reloaded' "$T/log")
note "$((n1 + n2)) answers ($n1 and $n2): $got $nrel reloads, $n password changes"
[ "$n1" -ge "$MINREQ" ] && [ "$n2" -ge "$MINREQ" ] ||
    fail "a client made fewer than $MINREQ requests"
[ "$nrel" -ge 20 ] || fail "only $nrel reloads"
end

begin "the broken file was refused and logged, FILE:LINE"
grep -q "fcgi-authz.ini:[0-9]*: missing ']' in section header" "$T/log" ||
    fail "no FILE:LINE error in the log"
grep -q 'reload failed; still running the previous configuration' "$T/log" ||
    fail "no 'reload failed' line"
end

begin "the last password change is in force, the one before it not"
[ -n "${last:-}" ] || fail "no password change went through"
# The watch reloads a change within half a second on an idle machine;
# allow 30 s.
i=0
while [ $i -lt 300 ] && [ "$(status_for bob "bob-pw-$last")" != 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ "$(status_for bob "bob-pw-$last")" = 200 ] ||
    fail "bob's last password (bob-pw-$last) refused"
[ "$(status_for bob "bob-pw-$((last - 1))")" = 401 ] ||
    fail "bob's previous password still accepted"
end

begin "the daemon is still the one started, and serving"
alive "$DPID" || fail "the supervisor died"
[ "$(status_for alice alice-pw)" = 200 ] || fail "alice refused at the end"
end

finish
