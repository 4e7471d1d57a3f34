#!/bin/bash
# Traefik's forwardAuth with fcgi-authzd, as in etc/traefik/fcgi-authz.toml,
# as a contract test: Traefik is not in Debian, so the file drives
# tests/servers/traefik-contract.py, a proxy that does what Traefik's
# forwardAuth and headers middlewares do, in front of the daemon's HTTP
# forward-auth listener on 127.0.0.1 (Traefik asks over TCP only).  The
# backend is tests/servers/echo-backend.py.
. "$(dirname "$0")/common.sh"
SETUP=traefik

srv_fixture

# What forwardAuth lets through: the daemon's answer itself for anything
# but a 2xx.
expect_status() {
	case $1 in
	allow) echo 200 ;;
	challenge|token_bad|dot_challenge) echo 401 ;;
	forbidden|dot_forbidden) echo 403 ;;
	throttled) echo 429 ;;
	badpath) echo 400 ;;
	esac
}
# Every WWW-Authenticate of the daemon's 401 reaches the client, the one
# that matters first.
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

# The daemon, as systemd would start it: the HTTP listener alone, on a
# loopback port (start_daemon tries another if one is taken meanwhile).
start_daemon() {
	for _try in 1 2 3 4 5; do
		aport=$(free_port)
		sed -i -e '/^http = /d' \
		    -e "s|^\[server\]\$|[server]\nhttp = 127.0.0.1:$aport|" \
		    "$SRV_DIR/fcgi-authz.ini"
		"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" \
		    2>> "$SRV_DIR/logs/fcgi-authzd.log" &
		dpid=$!
		_end=$(( $(date +%s) + 60 ))
		while kill -0 "$dpid" 2>/dev/null &&
		    [ "$(date +%s)" -lt "$_end" ]; do
			curl -s -o /dev/null "http://127.0.0.1:$aport/" && return 0
			sleep 0.1
		done
		kill "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
	done
	return 1
}
start_daemon || { echo "# fcgi-authzd did not start"; exit 99; }
on_exit "kill \$dpid 2>/dev/null"

bport=$(free_port)
python3 "$(dirname "$0")/echo-backend.py" "$bport" "$SRV_DIR/www" \
    2> "$SRV_DIR/logs/backend-run.log" &
bpid=$!
on_exit "kill $bpid 2>/dev/null"
wait_for_url "http://127.0.0.1:$bport/public/hello.txt" "$bpid" ||
    { echo "# the backend did not start"; exit 99; }

# The recipe from etc/, templated for the ports only.
port=$(free_port)
sed -e "s|http://127.0.0.1:9092/|http://127.0.0.1:$aport/|" \
    -e "s|http://127.0.0.1:8080/|http://127.0.0.1:$bport/|" \
    "$top_srcdir/etc/traefik/fcgi-authz.toml" > "$SRV_DIR/fcgi-authz.toml"
for want in "http://127.0.0.1:$aport/" "http://127.0.0.1:$bport/"; do
	grep -qF "\"$want\"" "$SRV_DIR/fcgi-authz.toml" ||
	    { echo "# the recipe has changed: no '$want'"; exit 99; }
done
python3 "$(dirname "$0")/traefik-contract.py" "$port" \
    "$SRV_DIR/fcgi-authz.toml" 2> "$SRV_DIR/logs/traefik-contract-run.log" &
tpid=$!
on_exit "kill $tpid 2>/dev/null"
base=http://127.0.0.1:$port
wait_for_url "$base/public/hello.txt" "$tpid" || {
	echo "not ok - $SETUP: the forwardAuth proxy did not start"
	sed 's/^/#   /' "$SRV_DIR/logs/traefik-contract-run.log" | tail -20
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

# Both challenges reach the client, the one that matters first, as
# forwardAuth copies the answer's headers.
out=$(req "$base/site/index.txt")
n=$(printf '%s\n' "$out" | grep -ci '^www-authenticate:')
first=$(printf '%s\n' "$out" | grep -i '^www-authenticate:' | head -n 1)
if [ "$(status_of "$out")" = 401 ] && [ "$n" = 2 ] &&
    [ "$first" = 'WWW-Authenticate: Basic realm="Integration", charset="UTF-8"' ]; then
	result OK "401: both challenges, Basic first"
else
	result FAIL "401: expected both challenges, Basic first" "$out"
fi

# Fail closed: with the daemon gone, forwardAuth answers 500.
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

kill "$tpid" "$bpid" 2>/dev/null
wait "$tpid" "$bpid" 2>/dev/null
srv_finish
