#!/bin/bash
# Traefik's forwardAuth with fcgi-authzd, as in etc/traefik/fcgi-authz.toml,
# as a contract test: Traefik is not in Debian, so the file drives
# tests/servers/traefik-contract.py, a proxy that does what Traefik's
# forwardAuth and headers middlewares do, in front of the daemon's HTTP
# forward-auth listener on 127.0.0.1 (Traefik asks over TCP only).  The
# backend is tests/servers/echo-backend.py.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/fwdauth.sh"
SETUP=traefik

srv_fixture

fwd_serve_ro
# The backend serves /app/ from www/ too.
mkdir -p "$SRV_DIR/www/app"
cp "$SRV_DIR/backend/app/index.txt" "$SRV_DIR/www/app/index.txt"

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

fwd_start_backend

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
wait_for_url "$base/public/hello.txt" "$tpid" ||
    srv_give_up "$SETUP" "the forwardAuth proxy did not start" \
    "$SRV_DIR/logs/traefik-contract-run.log"

run_scenarios "$SETUP" "$base"
srv_check_browser "$SETUP" "$base" ""

fwd_check_ident
fwd_check_method
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
fwd_check_down 500

kill "$tpid" "$bpid" 2>/dev/null
wait "$tpid" "$bpid" 2>/dev/null
srv_finish
