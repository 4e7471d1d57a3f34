#!/bin/bash
# Caddy (Debian's 2.6) with fcgi-authzd through forward_auth, as in
# etc/caddy/fcgi-authz.caddy: the daemon's HTTP forward-auth listener on a
# unix socket, and no FastCGI socket.  With CADDY_DOOR=fastcgi
# (tests/servers/caddy-fastcgi.sh), as in etc/caddy/fcgi-authz-fastcgi.caddy:
# the FastCGI socket, asked in the RESPONDER role by Caddy's FastCGI
# transport.  Caddy serves the files itself; a second site of the same
# Caddy plays the backend and echoes the identity headers it receives.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/fwdauth.sh"
DOOR=${CADDY_DOOR:-http}
SETUP=caddy
[ "$DOOR" = http ] || SETUP=caddy-$DOOR

command -v caddy >/dev/null || { echo "# caddy not installed"; exit 77; }
srv_fixture

fwd_serve_ro

# The daemon, as systemd would start it.
if [ "$DOOR" = http ]; then
	sock=$SRV_DIR/run/http.sock
	recipe=$top_srcdir/etc/caddy/fcgi-authz.caddy
	sed -i "s|^\[server\]\$|[server]\nhttp = unix:$sock|" \
	    "$SRV_DIR/fcgi-authz.ini"
	set --
	from=/run/fcgi-authz/http.sock
else
	sock=$SRV_DIR/run/authz.sock
	recipe=$top_srcdir/etc/caddy/fcgi-authz-fastcgi.caddy
	set -- -l "unix:$sock"
	from=/run/fcgi-authz/fcgi-authz.sock
fi
"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" "$@" \
    2> "$SRV_DIR/logs/fcgi-authzd.log" &
dpid=$!
on_exit "kill $dpid 2>/dev/null"
wait_for_socket "$sock" || { echo "# fcgi-authzd did not start"; exit 99; }

# The recipe from etc/, templated for the socket path only.
sed -e "s|unix/$from|unix/$sock|" "$recipe" > "$SRV_DIR/fcgi-authz.caddy"
grep -q "forward_auth unix/$sock " "$SRV_DIR/fcgi-authz.caddy" || {
	echo "# no 'forward_auth unix/$from' in $recipe"
	exit 99
}
port=$(free_port)
bport=$(free_port)
while [ "$bport" = "$port" ]; do bport=$(free_port); done
mkdir -p "$SRV_DIR/caddy"
cat > "$SRV_DIR/Caddyfile" <<CONF
{
	admin off
	auto_https off
	storage file_system $SRV_DIR/caddy
	log {
		output file $SRV_DIR/logs/caddy-error.log
		level WARN
	}
}

import $SRV_DIR/fcgi-authz.caddy

http://127.0.0.1:$port {
	import fcgi_authz
	root * $SRV_DIR/www
	# Caddy runs no CGI: the identity URLs go to the echoing backend.
	@who path */whoami.cgi
	reverse_proxy @who 127.0.0.1:$bport
	reverse_proxy /app/* 127.0.0.1:$bport
	reverse_proxy /ro/* 127.0.0.1:$bport
	file_server
}

# The backend: /app/ from backend/, anything else echoes what it got.
http://127.0.0.1:$bport {
	handle /app/* {
		root * $SRV_DIR/backend
		file_server
	}
	handle {
		respond "REMOTE_USER={header.Remote-User}
AUTHZ_ROLES={header.Remote-Groups}
AUTHZ_RULE={header.Remote-Rule}
METHOD={method}
"
	}
}
CONF
XDG_CONFIG_HOME=$SRV_DIR/caddy XDG_DATA_HOME=$SRV_DIR/caddy HOME=$SRV_DIR/caddy \
    caddy run --config "$SRV_DIR/Caddyfile" --adapter caddyfile \
    >> "$SRV_DIR/logs/caddy-run.log" 2>&1 &
cpid=$!
on_exit "kill $cpid 2>/dev/null"
base=http://127.0.0.1:$port
wait_for_url "$base/public/hello.txt" "$cpid" ||
    srv_give_up "$SETUP" "caddy did not start" "$SRV_DIR/logs/caddy-run.log"

run_scenarios "$SETUP" "$base"
srv_check_browser "$SETUP" "$base" ""

# Both challenges reach the client, the one that matters first.
out=$(req "$base/site/index.txt")
first=$(printf '%s\n' "$out" | grep -i '^www-authenticate:' | head -n 1)
if [ "$(status_of "$out")" = 401 ] &&
    [ "$first" = 'Www-Authenticate: Basic realm="Integration", charset="UTF-8"' ]; then
	result OK "401: the daemon's challenges, Basic first"
else
	result FAIL "401: expected the Basic challenge first" "$out"
fi

fwd_check_ident

# The daemon's identity headers go to the backend, not to the client.
out=$(req -u alice:alice-pw "$base/site/index.txt")
if [ "$(status_of "$out")" = 200 ] &&
    ! printf '%s\n' "$out" | grep -qi '^remote-\|^variable-'; then
	result OK "no Remote-* or Variable-* header reaches the client"
else
	result FAIL "the daemon's identity headers reached the client" "$out"
fi

srv_check_backend "$SETUP" "$base/app/index.txt"

fwd_check_method
srv_check_throttle "$SETUP" "$base"

# The two warnings this test's own global options earn (no admin
# endpoint, no HTTPS on 127.0.0.1) are expected; any other is not.
srv_check_log "$SRV_DIR/logs/caddy-error.log" \
    'admin endpoint disabled|automatic HTTPS is completely disabled'

# Fail closed: with the daemon gone, no file is served.
fwd_check_down 5xx

kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
srv_finish
