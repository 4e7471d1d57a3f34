#!/bin/sh
# tests/systemd.sh: the systemd side of fcgi-authzd.
#  - systemd-analyze verify finds nothing to say about the units;
#  - systemd-analyze security --offline rates the generated service at
#    most $SYSTEMD_EXPOSURE_MAX (measured with systemd 252: 1.2; the unit
#    before its sandbox was tightened: 1.6);
#  - socket activation: started the way systemd starts it (the listening
#    socket on fd 3, LISTEN_FDS=1, LISTEN_PID=its pid), by
#    systemd-socket-activate or else python3, it answers on that socket;
#    with three sockets (unix and TCP FastCGI, and one named "http") it
#    serves FastCGI on two and HTTP forward auth on the third; two named
#    "http" stop the start; with the LISTEN_PID of another process it
#    leaves fd 3 alone.
# Cases whose tool is missing are skipped.  Needs no running systemd.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/systemd.sh
set -u

. "$(dirname "$0")/testlib.sh"
UNIT=$top_builddir/etc/systemd/fcgi-authzd.service
UNIT_IN=$top_srcdir/etc/systemd/fcgi-authzd.service.in
SOCKET_UNIT=$top_srcdir/etc/systemd/fcgi-authzd.socket
SYSTEMD_EXPOSURE_MAX=${SYSTEMD_EXPOSURE_MAX:-1.2}
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
[ -f "$UNIT" ] || bail "$UNIT is missing (make builds it)"
need_commands base64 sed grep awk
tmpdir_make systemd
: >"$T/log"
CONF=$T/fcgi-authz.ini
SOCK=$T/sock
ADDR=unix:$SOCK
BUILD=$(cd "$top_builddir" && pwd)

has_analyze=
command -v systemd-analyze >/dev/null 2>&1 && has_analyze=1

# ---- the units ------------------------------------------------------------

# The service as installed, but with ExecStart= on the binary just built:
# verify looks for the programs it names.
mkdir "$T/units"
sed -e "s|@sbindir@|$BUILD/src|g" -e "s|@sysconfdir@|$T|g" "$UNIT_IN" \
    >"$T/units/fcgi-authzd.service"
cp "$SOCKET_UNIT" "$T/units/" || bail "cp failed"

if [ -z "$has_analyze" ]; then
	skip "systemd-analyze verify: the units, without a warning" \
	    "no systemd-analyze"
else
	begin "systemd-analyze verify: the units, without a warning"
	systemd-analyze verify --man=no "$T/units/fcgi-authzd.socket" \
	    "$T/units/fcgi-authzd.service" >"$T/verify.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || fail "exit $rc: $(tr '\n' '|' <"$T/verify.out")"
	# It exits 0 on unknown keys and bad values, only saying so.
	[ $rc -eq 0 ] && [ -s "$T/verify.out" ] &&
	    fail "it says: $(tr '\n' '|' <"$T/verify.out")"
	end
fi

# exposure FILE: the overall score systemd-analyze security gives FILE.
exposure() {
	systemd-analyze security --offline=yes "$1" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'
}

if [ -z "$has_analyze" ]; then
	skip "systemd-analyze security --offline: exposure at most $SYSTEMD_EXPOSURE_MAX" \
	    "no systemd-analyze"
elif ! systemd-analyze security --offline=yes "$UNIT" >/dev/null 2>&1; then
	skip "systemd-analyze security --offline: exposure at most $SYSTEMD_EXPOSURE_MAX" \
	    "no systemd-analyze security --offline (systemd < 250)"
else
	begin "systemd-analyze security --offline: exposure at most $SYSTEMD_EXPOSURE_MAX"
	score=$(exposure "$UNIT")
	note "exposure of $UNIT: ${score:-?}"
	if [ -z "$score" ]; then
		fail "no score in: $(systemd-analyze security --offline=yes "$UNIT" 2>&1 | tail -n 2)"
	elif ! awk -v s="$score" -v m="$SYSTEMD_EXPOSURE_MAX" \
	    'BEGIN { exit !(s <= m) }'; then
		fail "exposure $score is above $SYSTEMD_EXPOSURE_MAX"
		systemd-analyze security --offline=yes "$UNIT" 2>&1 |
		    grep '✗' | sed 's/^/# /'
	fi
	end

	# The score must move: the same unit without its sandbox rates worse.
	begin "systemd-analyze security: the unit without its sandbox rates worse (the check can fail)"
	sed '/^NoNewPrivileges=/,/^UMask=/d' "$UNIT" >"$T/bare.service"
	bare=$(exposure "$T/bare.service")
	note "exposure without the sandbox: ${bare:-?}"
	awk -v s="${bare:-0}" -v m="$SYSTEMD_EXPOSURE_MAX" \
	    'BEGIN { exit !(s > m) }' || fail "bare unit: ${bare:-no score}"
	end
fi

# ---- socket activation ----------------------------------------------------

H=$(cheap_hash alice-pw) || bail "mkhash failed"
printf '[user:alice]\npassword = %s\nroles = editor\n' "$H" >"$T/users.ini"
# No listen: the socket must come from fd 3.
{
	conf_base
	cat <<EOF

[rule:site]
path = /site
access = authenticated
EOF
} >"$CONF"

# The daemon with its listening socket on fd 3, LISTEN_FDS=1 and
# LISTEN_PID set as sd_listen_fds(3) wants: by python3, which binds
# the socket, then execs it in the same process (so the pid is its own),
# with $1 as LISTEN_PID ("self" for its own).
PYACT='
import os, socket, sys
path, pid = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid()) if pid == "self" else pid
os.execv(sys.argv[3], sys.argv[3:])
'

# status_for USER PASSWORD: the status one request gets.
status_for() {
	"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x REMOTE_ADDR=192.0.2.9 \
	    "HTTP_AUTHORIZATION=$(basic_auth "$1" "$2")" 2>/dev/null |
	    sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}

# wait_socket: up to 60 s for $SOCK to appear.
wait_socket() {
	i=0
	while [ $i -lt 600 ] && [ ! -S "$SOCK" ]; do
		alive "$DPID" || return 1
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$SOCK" ]
}

ACTIVATOR=
if command -v systemd-socket-activate >/dev/null 2>&1; then
	ACTIVATOR=systemd-socket-activate
	systemd-socket-activate -l "$SOCK" "$AUTHZD" -f -c "$CONF" \
	    </dev/null >/dev/null 2>>"$T/log" &
	DPID=$!
elif command -v python3 >/dev/null 2>&1; then
	ACTIVATOR=python3
	python3 -c "$PYACT" "$SOCK" self "$AUTHZD" -f -c "$CONF" \
	    </dev/null >/dev/null 2>>"$T/log" &
	DPID=$!
fi

if [ -z "$ACTIVATOR" ]; then
	skip "socket activation: answers on the socket it got as fd 3" \
	    "neither systemd-socket-activate nor python3"
else
	guard_start
	begin "socket activation ($ACTIVATOR): no listen in the config, answers on fd 3: 200, then 401"
	if ! wait_socket; then
		fail "no socket $SOCK; log: $(tr '\n' '|' <"$T/log")"
	else
		[ "$(status_for alice alice-pw)" = 200 ] ||
		    fail "alice's password refused; log: $(tr '\n' '|' <"$T/log")"
		[ "$(status_for alice wrong)" = 401 ] ||
		    fail "a wrong password not 401"
		grep -q 'serving with' "$T/log" || fail "no 'serving with' line"
	fi
	end
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	rm -f "$SOCK"
fi

# Three sockets, as a socket unit with a unix and a loopback TCP
# ListenStream= and an HTTP one named "http" passes them: FastCGI on the
# first two, HTTP forward auth on the third.
if [ -z "$ACTIVATOR" ] || [ "$ACTIVATOR" != systemd-socket-activate ] ||
    ! command -v curl >/dev/null 2>&1; then
	skip "socket activation with three sockets" \
	    "no systemd-socket-activate or curl"
else
	tries=0
	while :; do
		FPORT=$(free_port)
		HPORT=$(free_port)
		: >"$T/log3"
		systemd-socket-activate -l "$SOCK" -l "127.0.0.1:$FPORT" \
		    -l "127.0.0.1:$HPORT" --fdname=fcgi-authzd.socket:tcp:http \
		    "$AUTHZD" -f -c "$CONF" </dev/null >/dev/null \
		    2>>"$T/log3" &
		DPID=$!
		wait_socket && break
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		tries=$((tries + 1))
		[ $tries -lt 5 ] || bail "no daemon; log: $(tr '\n' '|' <"$T/log3")"
	done
	guard_start
	begin "socket activation with three sockets: FastCGI on the unix and the TCP one, HTTP on the one named http"
	[ "$(status_for alice alice-pw)" = 200 ] ||
	    fail "unix socket: alice's password refused; log: $(tr '\n' '|' <"$T/log3")"
	ADDR=127.0.0.1:$FPORT
	[ "$(status_for alice alice-pw)" = 200 ] ||
	    fail "TCP socket: alice's password refused"
	[ "$(status_for alice wrong)" = 401 ] ||
	    fail "TCP socket: a wrong password not 401"
	ADDR=unix:$SOCK
	code=$(curl -s -o /dev/null -w '%{http_code}' -u alice:alice-pw \
	    -H 'X-Forwarded-Method: GET' -H 'X-Forwarded-Uri: /site/x' \
	    "http://127.0.0.1:$HPORT/auth")
	[ "$code" = 200 ] || fail "HTTP listener: $code, not 200"
	code=$(curl -s -o /dev/null -w '%{http_code}' \
	    -H 'X-Forwarded-Method: GET' -H 'X-Forwarded-Uri: /site/x' \
	    "http://127.0.0.1:$HPORT/auth")
	[ "$code" = 401 ] || fail "HTTP listener, no credentials: $code, not 401"
	grep -q 'serving with .*, FastCGI, HTTP forward auth' "$T/log3" ||
	    fail "no 'serving with ... FastCGI, HTTP forward auth' line"
	end
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	rm -f "$SOCK"

	begin "socket activation: two sockets named http are refused at start, saying so"
	systemd-socket-activate -l "$SOCK" -l "127.0.0.1:$HPORT" \
	    --fdname=http:http "$AUTHZD" -f -c "$CONF" </dev/null \
	    >/dev/null 2>"$T/twohttp.err" &
	DPID=$!
	i=0
	while [ $i -lt 600 ] && alive "$DPID" &&
	    ! grep -q 'named http' "$T/twohttp.err"; do
		# The activator waits for a connection before it starts it.
		[ -S "$SOCK" ] && "$CLIENT" -r authorizer -t 5 "unix:$SOCK" \
		    REQUEST_METHOD=GET REQUEST_URI=/ >/dev/null 2>&1
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'fcgi-authzd: two passed sockets are named http' \
	    "$T/twohttp.err" || fail "stderr: $(tr '\n' '|' <"$T/twohttp.err")"
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
	rm -f "$SOCK"
	end
fi

if ! command -v python3 >/dev/null 2>&1; then
	skip "LISTEN_PID of another process: fd 3 is left alone" "no python3"
else
	begin "LISTEN_PID of another process: fd 3 is left alone (no socket: exit 1)"
	python3 -c "$PYACT" "$SOCK" 1 "$AUTHZD" -f -c "$CONF" \
	    </dev/null >/dev/null 2>"$T/other.err"
	rc=$?
	[ $rc -eq 1 ] || fail "exit $rc, not 1"
	grep -q 'no socket on fd 0 and no listen address' "$T/other.err" ||
	    fail "stderr: $(tr '\n' '|' <"$T/other.err")"
	end
fi

finish
