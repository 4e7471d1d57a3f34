#!/bin/bash
# HAProxy (Debian's 2.6) with fcgi-authzd, as in etc/haproxy/: the Lua
# action fcgi-authz.lua asks the daemon's HTTP forward-auth listener on a
# unix socket with HAProxy's own HTTP client, and fcgi-authz.cfg's rules
# make the client's answer of the daemon's.  The backend, which serves
# the files and echoes the identity headers, is tests/servers/echo-backend.py.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/fwdauth.sh"
SETUP=haproxy

command -v haproxy >/dev/null || { echo "# haproxy not installed"; exit 77; }
srv_fixture

fwd_serve_ro
# The backend serves /app/ from www/ too.
mkdir -p "$SRV_DIR/www/app"
cp "$SRV_DIR/backend/app/index.txt" "$SRV_DIR/www/app/index.txt"

# The daemon, as systemd would start it: the HTTP listener alone.
sock=$SRV_DIR/run/http.sock
sed -i "s|^\[server\]\$|[server]\nhttp = unix:$sock|" "$SRV_DIR/fcgi-authz.ini"
"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" 2> "$SRV_DIR/logs/fcgi-authzd.log" &
dpid=$!
on_exit "kill $dpid 2>/dev/null"
wait_for_socket "$sock" || { echo "# fcgi-authzd did not start"; exit 99; }

fwd_start_backend

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
haproxy -c -q -f "$SRV_DIR/haproxy.cfg" > "$SRV_DIR/logs/haproxy-error.log" 2>&1 ||
    srv_give_up "$SETUP" "haproxy -c refused the config" \
    "$SRV_DIR/logs/haproxy-error.log"
haproxy -db -f "$SRV_DIR/haproxy.cfg" >> "$SRV_DIR/logs/haproxy-error.log" 2>&1 &
hpid=$!
on_exit "kill $hpid 2>/dev/null"
base=http://127.0.0.1:$port
wait_for_url "$base/public/hello.txt" "$hpid" ||
    srv_give_up "$SETUP" "haproxy did not start" \
    "$SRV_DIR/logs/haproxy-error.log"

run_scenarios "$SETUP" "$base"
srv_check_browser "$SETUP" "$base" ""

fwd_check_ident
fwd_check_method
srv_check_backend "$SETUP" "$base/app/index.txt"
srv_check_throttle "$SETUP" "$base"
srv_check_log "$SRV_DIR/logs/haproxy-error.log" '^$'

# Fail closed: with the daemon gone, 500.
fwd_check_down 500

kill "$hpid" "$bpid" 2>/dev/null
wait "$hpid" "$bpid" 2>/dev/null
srv_finish
