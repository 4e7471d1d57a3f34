#!/bin/bash
# lighttpd 1.4 with fcgi-authzd as its FastCGI authorizer, in both setups
# from etc/lighttpd/: a running daemon on a unix socket, and spawned by
# lighttpd (bin-path, socket on fd 0).  Protects static files, a CGI and a
# proxied backend.
. "$(dirname "$0")/common.sh"

command -v lighttpd >/dev/null || { echo "# lighttpd not installed"; exit 77; }
srv_fixture

# expect_status KIND: lighttpd passes the authorizer's status, headers
# and body through (docs/servers.md), so every decision arrives as made.
expect_status() {
	case $1 in
	allow) echo 200 ;;
	challenge|token_bad) echo 401 ;;
	forbidden) echo 403 ;;
	throttled) echo 429 ;;
	# lighttpd's url-path-2f-reject and url-path-dotseg-reject, from
	# the snippet, answer these before the authorizer is asked.
	badpath|dot_forbidden|dot_challenge) echo 400 ;;
	esac
}
expect_challenge() {
	case $1 in
	401) [ "$2" = token_bad ] && echo Bearer || echo Basic ;;
	*) echo - ;;
	esac
}

# A backend for mod_proxy: a second lighttpd serving backend/.
backend_conf() {
	cat <<CONF
server.modules = ( "mod_access" )
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$SRV_DIR/backend"
server.errorlog = "$SRV_DIR/logs/lighttpd-backend-error.log"
index-file.names = ( "index.txt" )
CONF
}
start_lighttpd backend backend_conf || { echo "# backend lighttpd did not start"; exit 99; }
on_exit "kill $pid 2>/dev/null"
bport=$port

# setup_conf NAME: the snippet from etc/ in a minimal lighttpd.conf whose
# own modules come after it.
setup_conf() {
	cat <<CONF
server.modules = ( "mod_access", "mod_accesslog" )
include "$SRV_DIR/$name-snippet.conf"
server.modules += ( "mod_cgi", "mod_proxy" )
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$SRV_DIR/www"
server.errorlog = "$SRV_DIR/logs/lighttpd-$name-error.log"
accesslog.filename = "$SRV_DIR/logs/lighttpd-$name-access.log"
index-file.names = ( "index.txt" )
mimetype.assign = ( ".txt" => "text/plain" )
cgi.assign = ( ".cgi" => "" )
proxy.server = ( "/app/" => (( "host" => "127.0.0.1", "port" => $bport )) )
CONF
}

# run_setup NAME SNIPPET: the snippet from etc/, templated for paths, in
# setup_conf's lighttpd.
run_setup() {
	name=$1 snippet=$2
	sed -e "s|/run/fcgi-authz/fcgi-authz.sock|$SRV_DIR/run/authz.sock|" \
	    -e "s|/run/lighttpd/fcgi-authz.sock|$SRV_DIR/run/$name.sock|" \
	    -e "s|/usr/sbin/fcgi-authzd|$AUTHZD|" \
	    -e "s|/etc/fcgi-authz/fcgi-authz.ini|$SRV_DIR/fcgi-authz.ini|" \
	    "$top_srcdir/etc/lighttpd/$snippet" > "$SRV_DIR/$name-snippet.conf"
	start_lighttpd "$name" setup_conf /public/hello.txt
	case $? in
	0) on_exit "kill $pid 2>/dev/null" ;;
	1)	srv_report "lighttpd $name" "lighttpd -tt refused the config" \
		    "$(cat "$SRV_DIR/logs/lighttpd-$name-check.log")" 20
		return ;;
	*)	srv_report "lighttpd $name" "did not start" "" 0
		return ;;
	esac
	run_scenarios "lighttpd-$name" "http://127.0.0.1:$port"
	# The proxied backend is behind the authorizer too.
	srv_check_backend "lighttpd-$name" "http://127.0.0.1:$port/app/index.txt"
	srv_check_throttle "lighttpd-$name" "http://127.0.0.1:$port"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	srv_check_log "$SRV_DIR/logs/lighttpd-$name-error.log" 'server started|server stopped|graceful shutdown'
}

# The running daemon, as systemd would start it.
"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" -l "unix:$SRV_DIR/run/authz.sock" \
    2> "$SRV_DIR/logs/fcgi-authzd.log" &
on_exit "kill $! 2>/dev/null"
wait_for_socket "$SRV_DIR/run/authz.sock" || { echo "# fcgi-authzd did not start"; exit 99; }

run_setup socket fcgi-authz-socket.conf
run_setup spawn fcgi-authz-spawn.conf
srv_finish
