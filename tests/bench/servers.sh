# tests/bench/servers.sh: the authorizers and web servers scripts/bench
# measures, sourced by it after tests/servers/launch.sh (the web servers
# start as the integration tests start theirs).  Each one started is
# added to the bench's pids (bg_pid), its log in $W/logs/.

# start_authzd NAME CONF ADDRESS: fcgi-authzd as a service (-f), its log
# (one line per decision) in logs/NAME.log.  Sets $spid.
# start_noop NAME ADDRESS: the do-nothing authorizer.  Sets $spid.
start_authzd() { start_bg "$1" 'serving with' "$AUTHZD" -f -c "$W/$2.ini" -l "$3"; }
start_noop() { start_bg "$1" serving "$NOOP" -l "$2" -t "$WORKERS"; }
start_bg() {	# NAME READY_TEXT CMD...
	_n=$1 _ready=$2
	shift 2
	"$@" 2> "$W/logs/$_n.log" &
	spid=$!
	bg_pid "$spid"
	for _ in $(seq 100); do
		grep -q "$_ready" "$W/logs/$_n.log" && return 0
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$W/logs/$_n.log" >&2
	return 1
}
# start_tcp NAME authzd CONF | NAME noop: on a free port of 127.0.0.1,
# another one if that one was taken meanwhile.  Sets $tcp.
start_tcp() {
	for _try in 1 2 3; do
		tcp=127.0.0.1:$(free_port)
		if [ "$2" = noop ]; then
			start_noop "$1" "$tcp" && return 0
		else
			start_authzd "$1" "$3" "$tcp" && return 0
		fi
	done
	die "$1 did not start"
}
# tree_ticks PID...: the user + system clock ticks so far of these
# processes and all their descendants (/proc/PID/stat, fields 14 and 15;
# each process's threads included).
tree_ticks() {
	local _p _t=0
	for _p in $(tree_pids "$@"); do
		_t=$(( _t + $(awk '{ print $14 + $15 }' "/proc/$_p/stat" 2>/dev/null || echo 0) ))
	done
	echo "$_t"
}
tree_pids() {
	local _p
	for _p in "$@"; do
		echo "$_p"
		# shellcheck disable=SC2046
		tree_pids $(pgrep -P "$_p")
	done
}
# check_url URL CURL_ARGS...: our own file, with a 200.
check_url() {
	_u=$1
	shift
	for _ in $(seq 100); do
		_b=$(curl -s --max-time 5 "$@" "$_u" 2>/dev/null) &&
		    [ "$_b" = "$(cat "$W/www/bench/file.txt")" ] && return 0
		sleep 0.1
	done
	return 1
}
# check_status NAME URL WANT CURL_ARGS...
check_status() {
	_n=$1 _u=$2 _want=$3
	shift 3
	_got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 "$@" "$_u")
	[ "$_got" = "$_want" ] || die "$_n: $_u answered $_got, expected $_want"
}

# lt_start NAME: a lighttpd around $W/lt-NAME.conf (launch.sh's
# start_lighttpd); ap_start NAME: an Apache (mpm_event) around
# $W/ap-NAME.conf, as tests/servers/apache-authnz.sh starts one;
# ng_start NAME: an nginx with $W/ng-NAME.conf in its server block and
# $W/ng-NAME-http.conf in its http block (launch.sh's launch_nginx).
# They set lport/aport/nport.
lt_conf() {
	cat <<CONF
server.modules = ( "mod_access" )
include "$W/lt-$1.conf"
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$W/www"
server.errorlog = "$W/logs/lighttpd-$1-error.log"
mimetype.assign = ( ".txt" => "text/plain" )
CONF
}
ap_conf() {
	launch_apache_head "$1"
	apache_modules mpm_event authn_core authn_file authz_core authz_user \
	    auth_basic authnz_fcgi mime headers
	cat <<CONF

TypesConfig /etc/mime.types
DocumentRoot "$W/www"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$W/www">
    Require all granted
</Directory>
Include "$W/ap-$1.conf"
CONF
}
ng_conf() {
	# As the bench's lighttpd, as root: the daemons' sockets are
	# root's, mode 0660.
	[ "$(id -u)" = 0 ] && echo "user root;"
	cat <<CONF
worker_processes auto;
pid $W/run/nginx-$1.pid;
error_log $W/logs/nginx-$1-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
CONF
	for _t in client_body proxy fastcgi uwsgi scgi; do
		echo "    ${_t}_temp_path $W/run/nginx-$1-$_t;"
	done
	cat <<CONF
    types { text/plain txt; }
    default_type application/octet-stream;
    include $W/ng-$1-http.conf;
    server {
        listen 127.0.0.1:$port;
        root $W/www;
        include $W/ng-$1.conf;
        location / { }
    }
}
CONF
}
# cd_start NAME: a Caddy serving $W/www, with the snippet $W/cd-NAME.caddy
# imported in its site when there is one (launch.sh's launch_caddy).  Sets
# cport.
cd_conf() {
	cat <<CONF
{
	admin off
	auto_https off
	log {
		output file $W/logs/caddy-$1-log.log
		level ERROR
	}
}
CONF
	[ -f "$W/cd-$1.caddy" ] && echo "import $W/cd-$1.caddy"
	cat <<CONF
http://127.0.0.1:$port {
	root * $W/www
CONF
	[ -f "$W/cd-$1.caddy" ] && printf '\timport fcgi_authz\n'
	cat <<CONF
	file_server
}
CONF
}
cd_start() {
	launch_caddy "$1" cd_conf ||
	    { cat "$W/logs/caddy-$1-error.log" >&2; die "caddy $1 did not start"; }
	bg_pid "$pid"
	cport=$port
}
ng_start() {
	launch_nginx "$1" ng_conf ||
	    { cat "$W/logs/nginx-$1-check.log" >&2; die "nginx $1 did not start"; }
	bg_pid "$pid"
	nport=$port
}
lt_start() {
	start_lighttpd "$1" lt_conf ||
	    { cat "$W/logs/lighttpd-$1-check.log" >&2; die "lighttpd $1 did not start"; }
	bg_pid "$pid"
	lport=$port
}
ap_start() {
	start_apache "$1" ap_conf ||
	    { cat "$W/logs/apache-$1-check.log" >&2; die "apache2 $1 did not start"; }
	bg_pid "$pid"
	aport=$port
}
# The snippets from etc/, as the integration tests use them.
lighttpd_authz_snippet() {
	sed -e "s|/run/fcgi-authz/fcgi-authz.sock|$1|" \
	    "$top/etc/lighttpd/fcgi-authz-socket.conf"
}
apache_authz_snippet() {
	sed -e "s|127\.0\.0\.1:9017|$1|g" "$top/etc/apache/fcgi-authz-authnz.conf"
}
nginx_authz_snippet() {
	sed -e "s|/run/fcgi-authz/fcgi-authz.sock|$1|" "$top/etc/nginx/fcgi-authz.conf"
}
caddy_authz_snippet() {	# http|fastcgi SOCKET
	if [ "$1" = http ]; then
		sed -e "s|unix//run/fcgi-authz/http.sock|unix/$2|" \
		    "$top/etc/caddy/fcgi-authz.caddy"
	else
		sed -e "s|unix//run/fcgi-authz/fcgi-authz.sock|unix/$2|" \
		    "$top/etc/caddy/fcgi-authz-fastcgi.caddy"
	fi
}

# gen_auth_snippets: what the servers of section 1 include, $W/lt-KIND.conf
# and $W/ap-KIND.conf: nothing (none), the snippet from etc/ for the
# do-nothing authorizer, the cached and the uncached daemon ($noop_tcp,
# $cached_tcp, $nocache_tcp for Apache), and the servers' own htpasswd.
gen_auth_snippets() {
	gen_nginx_snippets
	gen_caddy_snippets
	: > "$W/lt-none.conf"
	lighttpd_authz_snippet "$W/run/noop.sock" > "$W/lt-noop.conf"
	lighttpd_authz_snippet "$W/run/authz-cached.sock" > "$W/lt-cached.conf"
	lighttpd_authz_snippet "$W/run/authz-nocache.sock" > "$W/lt-nocache.conf"
	cat > "$W/lt-htpasswd.conf" <<CONF
server.modules += ( "mod_auth", "mod_authn_file" )
auth.backend = "htpasswd"
auth.backend.htpasswd.userfile = "$W/htpasswd"
auth.require = ( "/" => ( "method" => "basic", "realm" => "Bench", "require" => "valid-user" ) )
CONF
	{ cat "$W/lt-htpasswd.conf"; echo 'auth.cache = ( "max-age" => "600" )'; } \
	    > "$W/lt-htpasswd-cache.conf"

	: > "$W/ap-none.conf"
	apache_authz_snippet "$noop_tcp" > "$W/ap-noop.conf"
	apache_authz_snippet "$cached_tcp" > "$W/ap-cached.conf"
	apache_authz_snippet "$nocache_tcp" > "$W/ap-nocache.conf"
	cat > "$W/ap-htpasswd.conf" <<CONF
<Location />
    AuthType Basic
    AuthName "Bench"
    AuthBasicProvider file
    AuthUserFile "$W/htpasswd"
    Require valid-user
</Location>
CONF
}

# gen_caddy_snippets: $W/cd-KIND.caddy for the Caddy of section 1: none
# for the static file, forward_auth over FastCGI to the do-nothing
# authorizer (noop) and to the cached daemon (fastcgi), and to the cached
# daemon's HTTP listener (cached), each from etc/.
gen_caddy_snippets() {
	rm -f "$W/cd-none.caddy"
	caddy_authz_snippet fastcgi "$W/run/noop.sock" > "$W/cd-noop.caddy"
	caddy_authz_snippet fastcgi "$W/run/authz-cached.sock" > "$W/cd-fastcgi.caddy"
	caddy_authz_snippet http "$W/run/authz-http.sock" > "$W/cd-cached.caddy"
	grep -q "unix/$W/run/authz-http.sock" "$W/cd-cached.caddy" ||
	    die "no 'forward_auth unix//run/fcgi-authz/http.sock' in etc/caddy/fcgi-authz.caddy"
	grep -q "unix/$W/run/noop.sock" "$W/cd-noop.caddy" ||
	    die "no 'forward_auth unix//run/fcgi-authz/fcgi-authz.sock' in etc/caddy/fcgi-authz-fastcgi.caddy"
}

# gen_nginx_snippets: $W/ng-KIND.conf and $W/ng-KIND-http.conf for the
# nginx of section 1: nothing (none), the snippet from etc/ for the
# do-nothing authorizer and the cached daemon, and the same for the
# cached daemon with nginx keeping its FastCGI connections (keepalive):
# an upstream with "keepalive", and "fastcgi_keep_conn on" (docs/
# servers.md, "nginx, auth_request").
gen_nginx_snippets() {
	for _k in none noop cached keepalive http; do : > "$W/ng-$_k-http.conf"; done
	sed -e "s|/run/fcgi-authz/http.sock|$W/run/authz-http.sock|" \
	    "$top/etc/nginx/fcgi-authz-http.conf" > "$W/ng-http.conf"
	: > "$W/ng-none.conf"
	nginx_authz_snippet "$W/run/noop.sock" > "$W/ng-noop.conf"
	nginx_authz_snippet "$W/run/authz-cached.sock" > "$W/ng-cached.conf"
	sed -e 's|fastcgi_pass unix:/run/fcgi-authz/fcgi-authz.sock;|fastcgi_pass fcgi_authz; fastcgi_keep_conn on;|' \
	    "$top/etc/nginx/fcgi-authz.conf" > "$W/ng-keepalive.conf"
	grep -q 'fastcgi_pass fcgi_authz;' "$W/ng-keepalive.conf" ||
	    die "no 'fastcgi_pass unix:/run/fcgi-authz/fcgi-authz.sock;' in etc/nginx/fcgi-authz.conf"
	cat > "$W/ng-keepalive-http.conf" <<CONF
upstream fcgi_authz {
    server unix:$W/run/authz-cached.sock;
    keepalive 32;
}
CONF
}
