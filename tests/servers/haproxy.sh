#!/bin/bash
# HAProxy (Debian's 2.6) with fcgi-authzd, as in etc/haproxy/: the Lua
# action fcgi-authz.lua asks the daemon's HTTP forward-auth listener on a
# unix socket with HAProxy's own HTTP client, and fcgi-authz.cfg's rules
# make the client's answer of the daemon's.  The backend, which serves
# the files and echoes the identity headers, is tests/servers/echo-backend.py.
. "$(dirname "$0")/common.sh"
SETUP=haproxy

command -v haproxy >/dev/null || { echo "# haproxy not installed"; exit 77; }
srv_fixture

# What the recipe's rules answer: the daemon's status.
expect_status() {
	case $1 in
	allow) echo 200 ;;
	challenge|token_bad|dot_challenge) echo 401 ;;
	forbidden|dot_forbidden) echo 403 ;;
	throttled) echo 429 ;;
	badpath) echo 400 ;;
	esac
}
# The recipe passes the daemon's first challenge, the one that matters.
expect_challenge() {
	case $1 in
	401) [ "$2" = token_bad ] && echo Bearer || echo Basic ;;
	*) echo - ;;
	esac
}

result() { # OK|FAIL MESSAGE [DETAIL]
	srv_report "$SETUP: $2" "$([ "$1" = OK ] || echo failed)" "${3:-}" 15
}
req() { curl -s -i --path-as-is --max-time 10 "$@" | tr -d '\r'; }
status_of() { printf '%s\n' "$1" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p'; }
body_of() { printf '%s\n' "$1" | sed '1,/^$/d'; }

mkdir -p "$SRV_DIR/www/ro" "$SRV_DIR/www/app"
echo "read only" > "$SRV_DIR/www/ro/file.txt"
cp "$SRV_DIR/backend/app/index.txt" "$SRV_DIR/www/app/index.txt"
cat >> "$SRV_DIR/fcgi-authz.ini" <<'INI'

[rule:readonly]
path = /ro
methods = GET
access = public
INI

# The daemon, as systemd would start it: the HTTP listener alone.
sock=$SRV_DIR/run/http.sock
sed -i "s|^\[server\]\$|[server]\nhttp = unix:$sock|" "$SRV_DIR/fcgi-authz.ini"
"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" 2> "$SRV_DIR/logs/fcgi-authzd.log" &
dpid=$!
on_exit "kill $dpid 2>/dev/null"
wait_for_socket "$sock" || { echo "# fcgi-authzd did not start"; exit 99; }

bport=$(free_port)
python3 "$(dirname "$0")/echo-backend.py" "$bport" "$SRV_DIR/www" \
    2> "$SRV_DIR/logs/backend-run.log" &
bpid=$!
on_exit "kill $bpid 2>/dev/null"
wait_for_url "http://127.0.0.1:$bport/public/hello.txt" "$bpid" ||
    { echo "# the backend did not start"; exit 99; }

# The recipe from etc/, templated for paths and ports only.
port=$(free_port)
while [ "$bport" = "$port" ]; do port=$(free_port); done
cp "$top_srcdir/etc/haproxy/fcgi-authz.lua" "$SRV_DIR/fcgi-authz.lua"
sed -e "s|/etc/haproxy/fcgi-authz.lua|$SRV_DIR/fcgi-authz.lua|" \
    -e "s|unix@/run/fcgi-authz/http.sock|unix@$sock|" \
    -e "s|bind :80|bind 127.0.0.1:$port|" \
    -e "s|server app 127.0.0.1:8080|server app 127.0.0.1:$bport|" \
    "$top_srcdir/etc/haproxy/fcgi-authz.cfg" > "$SRV_DIR/haproxy.cfg"
for want in "lua-load $SRV_DIR/fcgi-authz.lua" "unix@$sock" \
    "bind 127.0.0.1:$port" "server app 127.0.0.1:$bport"; do
	grep -qF "$want" "$SRV_DIR/haproxy.cfg" ||
	    { echo "# the recipe has changed: no '$want'"; exit 99; }
done
# Its warnings, and what it logs, to a file.
printf '\nglobal\n    log stderr format raw local0 warning\n' >> "$SRV_DIR/haproxy.cfg"
haproxy -c -q -f "$SRV_DIR/haproxy.cfg" > "$SRV_DIR/logs/haproxy-error.log" 2>&1 || {
	echo "not ok - $SETUP: haproxy -c refused the config"
	sed 's/^/#   /' "$SRV_DIR/logs/haproxy-error.log"
	echo fail >> "$SRV_DIR/tally"
	srv_finish
}
haproxy -db -f "$SRV_DIR/haproxy.cfg" >> "$SRV_DIR/logs/haproxy-error.log" 2>&1 &
hpid=$!
on_exit "kill $hpid 2>/dev/null"
base=http://127.0.0.1:$port
wait_for_url "$base/public/hello.txt" "$hpid" || {
	echo "not ok - $SETUP: haproxy did not start"
	sed 's/^/#   /' "$SRV_DIR/logs/haproxy-error.log" | tail -20
	echo fail >> "$SRV_DIR/tally"
	srv_finish
}

run_scenarios "$SETUP" "$base"
srv_check_browser "$SETUP" "$base" ""

# A client's own identity headers never reach the backend: the recipe's
# set-header replaces them, with empty values on a public path.
check_ident() { # NAME URL WANT-STATUS WANT-LINE CURL-ARGS...
	name=$1 url=$2 want=$3 line=$4
	shift 4
	out=$(req -H 'Remote-User: mallory' -H 'Remote-Groups: admin' \
	    -H 'Remote-Rule: mallory' "$@" "$base$url")
	st=$(status_of "$out")
	body=$(body_of "$out")
	if [ "$st" = "$want" ] && printf '%s\n' "$body" | grep -qx "$line" &&
	    ! printf '%s\n' "$body" | grep -q 'mallory\|=admin$'; then
		result OK "$name ($st, $line)"
	else
		result FAIL "$name: expected $want and $line" "$out"
	fi
}
check_ident "claimed Remote-User: mallory, alice's credentials" \
    /site/whoami.cgi 200 REMOTE_USER=alice -u alice:alice-pw
check_ident "claimed Remote-User: mallory, token" \
    /site/whoami.cgi 200 AUTHZ_ROLES=editor -H "Authorization: Bearer $TOKEN"
check_ident "claimed Remote-User: mallory, public path" \
    /public/whoami.cgi 200 REMOTE_USER=
check_ident "claimed Remote-User: mallory, public path, rule" \
    /public/whoami.cgi 200 AUTHZ_RULE=public

# The client's method decides, and a client cannot claim another.
for c in "GET|200|" "HEAD|200|" "POST|403|" \
    "POST|403|X-Forwarded-Method: GET" "POST|4xx|X-Original-Method: GET"; do
	m=${c%%|*} rest=${c#*|}
	want=${rest%%|*} forged=${rest#*|}
	case $m in
	GET) set -- ;;
	HEAD) set -- -I ;;
	POST) set -- -u alice:alice-pw -d 'x=1' ;;
	esac
	[ -z "$forged" ] || set -- "$@" -H "$forged"
	out=$(req "$@" "$base/ro/file.txt")
	st=$(status_of "$out")
	case $want in
	4xx) case $st in 4[0-9][0-9]) ok=1 ;; *) ok= ;; esac ;;
	*) [ "$st" = "$want" ] && ok=1 || ok= ;;
	esac
	if [ -n "$ok" ]; then
		result OK "$m to a GET-only path${forged:+, $forged} ($st)"
	else
		result FAIL "$m to a GET-only path${forged:+, $forged}: expected $want" "$out"
	fi
done

srv_check_backend "$SETUP" "$base/app/index.txt"
srv_check_throttle "$SETUP" "$base"
srv_check_log "$SRV_DIR/logs/haproxy-error.log" '^$'

# Fail closed: with the daemon gone, 500.
kill "$dpid"
wait "$dpid" 2>/dev/null
for u in /site/index.txt /public/hello.txt; do
	out=$(req -u alice:alice-pw "$base$u")
	st=$(status_of "$out")
	if [ "$st" = 500 ]; then
		result OK "daemon down, $u: 500"
	else
		result FAIL "daemon down, $u: expected 500" "$out"
	fi
done

kill "$hpid" "$bpid" 2>/dev/null
wait "$hpid" "$bpid" 2>/dev/null
srv_finish
