#!/bin/sh
# tests/http.sh: the HTTP forward-auth listener ([server] http;
# docs/servers.md, HTTP forward auth) end to end, with curl as the proxy
# and tests/fcgi-client on the FastCGI socket of the same daemon: the same
# decision through both doors, the identity headers (empty ones on a
# public 200), the challenge, Retry-After, the client's address from
# X-Forwarded-For past http_trusted, the headers of nginx's family, the
# 400s and 500s of a proxy set up wrong, a peer outside http_trusted,
# keep-alive, HEAD, a unix socket, a daemon with no FastCGI socket, and
# hostile input: oversized headers, a header flood, garbage, idle and
# half-sent connections that must not keep a request from its answer.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/http.sh
set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands curl python3 awk sed grep tr head
tmpdir_make http
: >"$T/log"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
HTTP_SOCK=$T/http.sock

PW_ALICE=alice-Pw-h77q
PW_BOB=bob-Pw-h88r
H_ALICE=$(cheap_hash "$PW_ALICE") || bail "mkhash failed"
H_BOB=$(cheap_hash "$PW_BOB") || bail "mkhash failed"
cat >"$T/users.ini" <<EOF
[user:alice]
password = $H_ALICE
roles = admin, editor

[user:bob]
password = $H_BOB
roles = editor
EOF
A_ALICE=$(basic_auth alice "$PW_ALICE")
A_BOB=$(basic_auth bob "$PW_BOB")
A_WRONG=$(basic_auth bob wrong-password)
A_NOBODY=$(basic_auth nobody wrong-password)

# write_conf HTTP [KEY=VALUE...]: [server] http = HTTP, with the rules
# every case uses.
write_conf() {
	_http=$1
	shift
	{
		conf_base "server.http=$_http" server.realm=Fwd \
		    throttle.max_failures=3 throttle.window=60 throttle.ban=60 \
		    "metrics.textfile=$T/metrics.prom" "$@"
		cat <<'EOF'

[rule:health]
path = =/healthz
methods = GET
access = public

[rule:public]
path = /public
access = public

[rule:admin]
path = /admin
roles = admin
networks = 127.0.0.0/8, 203.0.113.0/24

[rule:site]
path = /site
methods = GET, HEAD
access = authenticated
EOF
	} >"$CONF"
}

# start HTTP [KEY=VALUE...]: a daemon with the FastCGI socket on $ADDR and
# the HTTP listener on HTTP.
start() {
	stop
	rm -f "$T/sock" "$HTTP_SOCK"
	write_conf "$@"
	daemon_start
	guard_start
}

stop() {
	if [ -n "${DPID:-}" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		DPID=
	fi
}

# start_tcp [KEY=VALUE...]: start with the listener on 127.0.0.1:$PORT.
start_tcp() {
	tries=0
	while :; do
		PORT=$(free_port)
		before=$(grep -c 'serving with' "$T/log" 2>/dev/null || true)
		stop
		rm -f "$T/sock"
		write_conf "127.0.0.1:$PORT" "$@"
		"$AUTHZD" -f -c "$CONF" -l "$ADDR" </dev/null \
		    >"$T/daemon.out" 2>>"$T/log" &
		DPID=$!
		i=0
		while [ $i -lt 600 ] && alive "$DPID" &&
		    [ "$(grep -c 'serving with' "$T/log")" -le "$before" ]; do
			sleep 0.1
			i=$((i + 1))
		done
		alive "$DPID" && break
		tries=$((tries + 1))
		[ $tries -lt 5 ] || { cat "$T/log"; bail "no daemon on a TCP port"; }
	done
	guard_start
	URL=http://127.0.0.1:$PORT/auth
}

# ask [CURL ARGS...]: one request to the listener at $URL (or through
# $HTTP_SOCK when $VIA_UNIX is set); ST is the status, $T/h the headers
# (CR removed), $T/b the body.  The decision it made is DEC (dec_wait).
ask() {
	_n=$(ndecisions)
	if [ -n "${VIA_UNIX:-}" ]; then
		set -- --unix-socket "$HTTP_SOCK" "$@"
		_url=http://fwd/auth
	else
		_url=$URL
	fi
	ST=$(curl -s --max-time 60 -D "$T/h.raw" -o "$T/b" -w '%{http_code}' \
	    "$@" "$_url") || ST="curl failed"
	tr -d '\r' <"$T/h.raw" >"$T/h"
	# The listener answers these itself: no decision to wait for.
	case $ST in
	405|431) DEC= ;;
	*) dec_wait "$_n" 200 ;;
	esac
}

# fwd METHOD URI [CURL ARGS...]: ask as Caddy and Traefik do, for a client
# at 203.0.113.9.
fwd() {
	_m=$1
	_u=$2
	shift 2
	ask -H "X-Forwarded-Method: $_m" -H "X-Forwarded-Uri: $_u" \
	    -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: app.example" \
	    -H "X-Forwarded-For: 203.0.113.9" "$@"
}

# header NAME: its value in the last answer ("" if empty), or "(none)".
header() {
	awk -v n="$1" 'BEGIN { v = "(none)"; n = tolower(n) }
	{
		i = index($0, ":")
		if (i > 0 && tolower(substr($0, 1, i - 1)) == n) {
			v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v)
			sub(/[ \t]+$/, "", v)
		}
	}
	END { print v }' "$T/h"
}

expect() {
	[ "$ST" = "$1" ] || fail "$3: expected $1, got $ST ($(head -c 200 "$T/b"))"
	[ "$(dec reason)" = "$2" ] ||
	    fail "$3: expected reason $2, got '$(dec reason)' in: $DEC"
}

# fcgi METHOD URI AUTH: the same request over FastCGI as lighttpd sends it,
# for the client at 203.0.113.9; FST its status.
fcgi() {
	FST=$("$CLIENT" -r authorizer -t 60 "$ADDR" "REQUEST_METHOD=$1" \
	    "REQUEST_URI=$2" REMOTE_ADDR=203.0.113.9 \
	    ${3:+"HTTP_AUTHORIZATION=$3"} 2>/dev/null | head -n 1 |
	    sed -n 's/^Status: \([0-9]*\) .*/\1/p')
}

start_tcp

begin "200: a public path; Remote-User and Remote-Groups present and empty, Remote-Rule named"
fwd GET /public/a.css
expect 200 public "public"
[ "$(header Remote-User)" = "" ] || fail "Remote-User: '$(header Remote-User)'"
[ "$(header Remote-Groups)" = "" ] ||
    fail "Remote-Groups: '$(header Remote-Groups)'"
[ "$(header Remote-Rule)" = public ] ||
    fail "Remote-Rule: '$(header Remote-Rule)'"
[ "$(dec addr)" = 203.0.113.9 ] || fail "addr: $DEC"
end

begin "200: alice with Basic; Remote-User, Remote-Groups and Remote-Rule"
fwd GET /site/page -H "Authorization: $A_ALICE"
expect 200 ok "alice"
[ "$(header Remote-User)" = alice ] || fail "Remote-User: '$(header Remote-User)'"
[ "$(header Remote-Groups)" = admin,editor ] ||
    fail "Remote-Groups: '$(header Remote-Groups)'"
[ "$(header Remote-Rule)" = site ] || fail "Remote-Rule: '$(header Remote-Rule)'"
end

begin "200: the same again, from the cache"
fwd GET /site/page -H "Authorization: $A_ALICE"
expect 200 ok "alice again"
[ "$(dec cache)" = hit ] || fail "expected cache=hit: $DEC"
end

begin "401: no credentials, with the Basic challenge and its realm"
fwd GET /site/page
expect 401 no_credentials "no credentials"
[ "$(header WWW-Authenticate)" = 'Basic realm="Fwd", charset="UTF-8"' ] ||
    fail "WWW-Authenticate: '$(header WWW-Authenticate)'"
[ "$(header Remote-User)" = "(none)" ] || fail "Remote-User on a 401"
end

begin "401: unknown user and wrong password answer alike"
fwd GET /site/page -H "Authorization: $A_WRONG"
expect 401 bad_password "wrong password"
grep -v '^Date:' "$T/h" >"$T/h.wrong"
cp "$T/b" "$T/b.wrong"
fwd GET /site/page -H "Authorization: $A_NOBODY"
expect 401 unknown_user "unknown user"
grep -v '^Date:' "$T/h" | cmp -s - "$T/h.wrong" ||
    fail "the headers differ: $(grep -v '^Date:' "$T/h" | diff - "$T/h.wrong")"
cmp -s "$T/b" "$T/b.wrong" || fail "the bodies differ"
end

begin "401: a repeated Authorization header is refused"
fwd GET /site/page -H "Authorization: $A_ALICE" -H "Authorization: $A_BOB"
[ "$ST" = 401 ] || fail "expected 401, got $ST: $DEC"
end

begin "403: bob without the role"
fwd GET /admin/x -H "Authorization: $A_BOB" -H "X-Forwarded-For: 127.0.0.1"
[ "$ST" = 403 ] || fail "expected 403, got $ST"
end

begin "X-Forwarded-For: the right-most entry outside http_trusted is the client"
fwd GET /admin/x -H "Authorization: $A_ALICE" \
    -H "X-Forwarded-For: 198.51.100.1, 203.0.113.7, 127.0.0.1"
expect 200 ok "through a loopback balancer"
[ "$(dec addr)" = 203.0.113.7 ] || fail "addr: $DEC"
fwd GET /admin/x -H "Authorization: $A_ALICE" \
    -H "X-Forwarded-For: 203.0.113.7, 198.51.100.1"
expect 403 network "a client-made entry on the left changes nothing"
[ "$(dec addr)" = 198.51.100.1 ] || fail "addr: $DEC"
end

begin "X-Forwarded-For: two lines are one list, in order"
fwd GET /admin/x -H "Authorization: $A_ALICE" \
    -H "X-Forwarded-For: 198.51.100.1" -H "X-Forwarded-For: 203.0.113.8"
expect 200 ok "the later line is nearer"
[ "$(dec addr)" = 203.0.113.8 ] || fail "addr: $DEC"
end

begin "no X-Forwarded-For: the client's address is unknown, never the proxy's"
ask -H "X-Forwarded-Method: GET" -H "X-Forwarded-Uri: /admin/x" \
    -H "Authorization: $A_ALICE"
expect 403 network "a networks rule"
[ "$(dec addr)" = - ] || fail "addr: $DEC"
ask -H "X-Forwarded-Method: GET" -H "X-Forwarded-Uri: /site/x" \
    -H "Authorization: $A_ALICE"
expect 200 ok "a rule without networks"
end

begin "nginx's family: X-Original-Method and X-Original-URI"
ask -H "X-Original-Method: GET" -H "X-Original-URI: /site/x?q=1" \
    -H "X-Forwarded-For: 203.0.113.9" -H "Authorization: $A_BOB"
expect 200 ok "X-Original-*"
[ "$(dec path)" = /site/x ] || fail "path: $DEC"
end

begin "the client's method decides: POST to a GET-only rule falls to the default"
fwd POST /site/page -H "Authorization: $A_ALICE"
expect 403 deny_rule "POST"
[ "$(dec method)" = POST ] || fail "method: $DEC"
end

begin "400: path tricks, as over FastCGI"
fwd GET /x/..%2fadmin
expect 400 bad_path "encoded slash"
fwd GET '/a%00b'
expect 400 bad_path "encoded NUL"
fwd GET '/public/../admin//x' -H "Authorization: $A_BOB"
[ "$(dec path)" = /admin/x ] || fail "not canonical: $DEC"
[ "$ST" = 403 ] || fail "/public/../admin: expected 403, got $ST"
end

begin "400: both families, or a repeated one, cannot be told apart"
fwd GET /public/x -H "X-Original-URI: /admin"
expect 400 bad_path "X-Forwarded-* and X-Original-*"
[ -n "$(dec detail)" ] || fail "no detail: $DEC"
ask -H "X-Forwarded-Method: GET" -H "X-Forwarded-Method: POST" \
    -H "X-Forwarded-Uri: /public/x"
expect 400 bad_path "a repeated X-Forwarded-Method"
end

begin "500: no client's method or URI (a proxy set up wrong), fail closed"
ask -H "X-Forwarded-Uri: /public/x"
expect 500 internal "no method"
case $(dec detail) in
*X-Forwarded-Method*) ;;
*) fail "detail: $DEC" ;;
esac
ask -H "X-Forwarded-Method: GET"
expect 500 internal "no URI"
ask
expect 500 internal "nothing at all"
end

begin "the same decision through both doors"
for req in "GET /public/a" "GET /site/x $A_ALICE" "GET /site/x $A_WRONG" \
    "GET /site/x" "POST /site/x $A_ALICE" "GET /admin/x $A_BOB" \
    "GET /admin/x $A_ALICE" "GET /x/..%2fy" "DELETE /healthz"; do
	# shellcheck disable=SC2086
	set -- $req
	fwd "$1" "$2" ${3:+-H "Authorization: $3"}
	fcgi "$1" "$2" "${3:-}"
	[ "$ST" = "$FST" ] || fail "$1 $2: HTTP $ST, FastCGI $FST"
done
end

begin "HEAD to the listener: the same answer without a body"
fwd GET /site/x -I -H "Authorization: $A_BOB"
[ "$ST" = 200 ] || fail "expected 200, got $ST"
[ "$(header Remote-User)" = bob ] || fail "Remote-User: '$(header Remote-User)'"
end

begin "405: the listener answers GET and HEAD only"
fwd GET /public/x -X POST -d x=1
[ "$ST" = 405 ] || fail "expected 405, got $ST"
[ "$(header Allow)" = "GET, HEAD" ] || fail "Allow: '$(header Allow)'"
end

begin "keep-alive: three requests, one connection"
n=$(curl -s -o /dev/null -w '%{num_connects}\n' \
    -H "X-Forwarded-Method: GET" -H "X-Forwarded-Uri: /public/x" \
    "$URL" "$URL" "$URL" | awk '{ s += $1 } END { print s }')
[ "$n" = 1 ] || fail "$n connections for three requests"
end

begin "oversized headers: 431, and the next request is answered"
big=$(head -c 70000 /dev/zero | tr '\0' a)
fwd GET /public/x -H "Cookie: $big"
[ "$ST" = 431 ] || fail "expected 431, got $ST"
fwd GET /public/x
[ "$ST" = 200 ] || fail "after it: $ST"
end

begin "a flood of forwarded header lines: 400, not a crash"
set --
i=0
while [ $i -lt 40 ]; do
	set -- "$@" -H "X-Forwarded-For: 203.0.113.$i"
	i=$((i + 1))
done
fwd GET /public/x "$@"
expect 400 bad_path "40 X-Forwarded-For lines"
end

# raw LINES...: each sent as is on one connection; prints what came back.
raw() {
	python3 - "$PORT" "$@" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall("".join(a.replace("\\r\\n", "\r\n") for a in sys.argv[2:]).encode("latin-1"))
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("latin-1"))
EOF
}

begin "garbage and pipelined junk: an error or a close, and the daemon serves on"
raw 'GARBAGE\x00\x01 / HTTP/9\r\n\r\n' >"$T/raw1"
grep -q '^HTTP/1\.[01] 4[0-9][0-9]' "$T/raw1" || [ ! -s "$T/raw1" ] ||
    fail "garbage: $(head -n 1 "$T/raw1")"
raw 'GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-Method: GET\r\nX-Forwarded-Uri: /public/x\r\n\r\n' \
    'GET /b HTTP/1.1\r\nHost: x\r\nX-Forwarded-Method: GET\r\nX-Forwarded-Uri: /public/y\r\n\r\n' \
    'NOT HTTP AT ALL\r\n\r\n' >"$T/raw2"
[ "$(grep -c '^HTTP/1.1 200' "$T/raw2")" = 2 ] ||
    fail "two pipelined requests: $(grep '^HTTP' "$T/raw2" | tr '\n' ' ')"
fwd GET /public/x
[ "$ST" = 200 ] || fail "after it: $ST"
alive "$DPID" || fail "the daemon died"
[ "$(worker_pids | wc -l)" -ge 1 ] || fail "no worker"
grep -q 'killed by signal' "$T/log" && fail "a worker crashed: $(grep 'killed by signal' "$T/log")"
end

# rss_kib PID: its resident memory.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

begin "1,000 idle and 100 half-sent connections: requests answered, all held, < 16 MiB more"
WPID=$(worker_pids | tail -n 1)
rss0=$(rss_kib "$WPID")
python3 - "$PORT" 1000 100 "$T/crowd.ready" "$T/crowd.stop" <<'EOF' &
import os, resource, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
port, idle, half = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conns = []
for i in range(idle):
    conns.append(socket.create_connection(("127.0.0.1", port)))
# Each stops inside its headers, 3 KB into a cookie.
for i in range(half):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"GET /auth HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 3000)
    conns.append(c)
open(sys.argv[4], "w").close()
for i in range(1200):
    if os.path.exists(sys.argv[5]):
        break
    time.sleep(0.1)
EOF
CROWD_PID=$!
i=0
while [ ! -e "$T/crowd.ready" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e "$T/crowd.ready" ] || fail "the crowd never connected"
# Until the listener holds them all (the worker's descriptors).
i=0
while [ "$(ls "/proc/$WPID/fd" | wc -l)" -lt 1100 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
fds=$(ls "/proc/$WPID/fd" | wc -l)
[ "$fds" -ge 1100 ] ||
    fail "the worker holds $fds descriptors, not the 1,100 connections"
for k in 1 2 3 4 5; do
	fwd GET /site/x -H "Authorization: $A_ALICE"
	[ "$ST" = 200 ] || fail "request $k: $ST"
done
rss1=$(rss_kib "$WPID")
note "$fds descriptors; RSS $rss0 KiB before, $rss1 KiB with the crowd"
# The bound is the product's, for a normal build.  Under ASan each of
# libmicrohttpd's buffers carries redzones and a filled head, and the
# same crowd took 15.4 MiB: twice the bound there.
limit=16384
ldd "$AUTHZD" 2>/dev/null | grep -q libasan && limit=32768
[ $((rss1 - rss0)) -lt "$limit" ] ||
    fail "the worker grew by $((rss1 - rss0)) KiB for 1,100 connections (limit $limit)"
[ "$(ls "/proc/$WPID/fd" | wc -l)" -ge 1100 ] ||
    fail "connections were closed under the crowd"
: >"$T/crowd.stop"
wait "$CROWD_PID"
end

begin "429 with Retry-After once a user is guessed at too often"
for pw in w1 w2 w3; do
	fwd GET /site/x -H "Authorization: $(basic_auth bob "$pw")" \
	    -H "X-Forwarded-For: 203.0.113.50"
done
fwd GET /site/x -H "Authorization: $(basic_auth bob w4)" \
    -H "X-Forwarded-For: 203.0.113.50"
expect 429 throttled "the fourth guess"
case $(header Retry-After) in
''|*[!0-9]*) fail "Retry-After: '$(header Retry-After)'" ;;
esac
end

# metric NAME: its value in the metrics file, written every few seconds.
metric() {
	awk -v n="$1" '$1 == n { print $2 }' "$T/metrics.prom" 2>/dev/null
}

begin "metrics: the listener's decisions counted with the others, and its gauges"
# The file is written every few seconds: until it has the last 429.
i=0
while [ -z "$(metric 'fcgi_authz_decisions_total{status="429",reason="throttled"}')" ] &&
    [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -n "$(metric fcgi_authz_http_connections)" ] ||
    fail "no fcgi_authz_http_connections in $(ls "$T")"
[ -n "$(metric fcgi_authz_http_queued)" ] || fail "no fcgi_authz_http_queued"
[ -n "$(metric 'fcgi_authz_decisions_total{status="429",reason="throttled"}')" ] ||
    fail "the 429 is not counted"
end

begin "http_trusted: a peer outside it gets 403, whatever it says, and is logged"
start_tcp server.http_trusted=10.0.0.0/8
fwd GET /site/x -H "Authorization: $A_ALICE"
expect 403 network "loopback, not trusted"
[ "$(dec addr)" = 127.0.0.1 ] || fail "the peer is not in the log: $DEC"
case $(dec detail) in
*http_trusted*) ;;
*) fail "detail: $DEC" ;;
esac
fwd GET /public/x
expect 403 network "even a public path"
fcgi GET /site/x "$A_ALICE"
[ "$FST" = 200 ] || fail "the FastCGI door: $FST"
end

begin "a unix socket: trusted by its permissions"
start "unix:$HTTP_SOCK"
[ -S "$HTTP_SOCK" ] || fail "no socket"
VIA_UNIX=1
fwd GET /site/x -H "Authorization: $A_ALICE"
expect 200 ok "over the unix socket"
[ "$(dec addr)" = 203.0.113.9 ] || fail "addr: $DEC"
VIA_UNIX=
end

begin "reload: a changed [server] http is said to need a restart; the listener serves on"
write_conf "unix:$T/other.sock"
kill -HUP "$DPID"
i=0
while ! grep -q '\[server\] http changes at a restart only' "$T/log" &&
    [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q '\[server\] http changes at a restart only' "$T/log" ||
    fail "no warning in the log"
VIA_UNIX=1
fwd GET /public/x
expect 200 public "the old listener after the reload"
VIA_UNIX=
[ ! -e "$T/other.sock" ] || fail "a socket was made at the new address"
end

begin "HTTP only: no FastCGI socket at all"
stop
rm -f "$T/sock" "$HTTP_SOCK"
write_conf "unix:$HTTP_SOCK"
"$AUTHZD" -f -c "$CONF" </dev/null >"$T/daemon.out" 2>>"$T/log" &
DPID=$!
guard_start
i=0
while [ ! -S "$HTTP_SOCK" ] && [ $i -lt 600 ] && alive "$DPID"; do
	sleep 0.1
	i=$((i + 1))
done
VIA_UNIX=1
fwd GET /public/x
expect 200 public "HTTP only"
VIA_UNIX=
[ ! -e "$T/sock" ] || fail "a FastCGI socket was made"
end

begin "SIGTERM: exit 0 with a kept connection open"
python3 - "$HTTP_SOCK" "$T/kept.ready" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /auth HTTP/1.1\r\nHost: x\r\nX-Forwarded-Method: GET\r\nX-Forwarded-Uri: /public/x\r\n\r\n")
s.recv(4096)
open(sys.argv[2], "w").close()
s.settimeout(60)
try:
    s.recv(4096)
except OSError:
    pass
EOF
KEPT_PID=$!
i=0
while [ ! -e "$T/kept.ready" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=
[ "$rc" = 0 ] || fail "exit status $rc"
wait "$KEPT_PID"
end

sanitizer_check
finish
