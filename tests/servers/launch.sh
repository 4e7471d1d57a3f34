# tests/servers/launch.sh: starting real web servers on 127.0.0.1, for
# the integration tests (sourced by tests/servers/common.sh) and for
# scripts/bench.  Bash (/dev/tcp).  The caller sets LAUNCH_DIR, a
# directory with logs/ and run/ in it, and stops what it started.
#
# A server's configuration is written by a function of the caller, for
# $port: a port another process takes between free_port and the bind
# makes the server exit, and it is started again on another port.  The
# files of server NAME:
#	$LAUNCH_DIR/lighttpd-NAME.conf, logs/lighttpd-NAME-check.log (-tt),
#	logs/lighttpd-NAME-error.log (server.errorlog and its stderr)
#	$LAUNCH_DIR/apache-NAME.conf, logs/apache-NAME-check.log (-t),
#	logs/apache-NAME-error.log (ErrorLog and its stderr), run/NAME/
#	(DefaultRuntimeDir, PidFile apache2.pid: launch_apache_head NAME)
#	$LAUNCH_DIR/nginx-NAME.conf, logs/nginx-NAME-check.log (-t),
#	logs/nginx-NAME-error.log (what nginx says from its start on; the
#	configuration's error_log should name it too)

APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}

# free_port: prints a TCP port on 127.0.0.1 nobody listens on, drawn at
# random each call (a retry after a failed bind gets another one) from
# below the kernel's ephemeral range, 32768 and up on Debian
# (ip_local_port_range in ip-sysctl.rst): no outgoing connection of the
# tests themselves holds such a port, which a listener could not bind.
free_port() {
	while :; do
		_p=$(( 20000 + ${SRANDOM:-$RANDOM} % 12000 ))
		(exec 3<>"/dev/tcp/127.0.0.1/$_p") 2>/dev/null || break
	done
	echo "$_p"
}

# wait_for_url URL [PID]: up to 60 s for a server to answer at all (a busy
# machine starts it slowly; the wait ends with its first answer); fails
# at once if PID, the server, has exited.
wait_for_url() {
	_end=$(( $(date +%s) + 60 ))
	while [ "$(date +%s)" -lt "$_end" ]; do
		[ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || return 1
		curl -s -o /dev/null --max-time 5 "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_for_socket PATH: up to 60 s for it to appear.
wait_for_socket() {
	_end=$(( $(date +%s) + 60 ))
	while [ "$(date +%s)" -lt "$_end" ]; do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_lighttpd NAME WRITE_CONF [URL_PATH]: lighttpd -D with the
# configuration WRITE_CONF NAME prints for $port, on up to three free
# ports, until it answers at URL_PATH (default /).  Returns 0 with port,
# base (http://127.0.0.1:PORT) and pid set; 1 if lighttpd -tt refused
# the configuration; 2 if it did not start.
start_lighttpd() {
	_name=$1 _conf=$LAUNCH_DIR/lighttpd-$1.conf
	for _try in 1 2 3; do
		port=$(free_port)
		base=http://127.0.0.1:$port
		"$2" "$_name" > "$_conf"
		lighttpd -tt -f "$_conf" \
		    > "$LAUNCH_DIR/logs/lighttpd-$_name-check.log" 2>&1 || return 1
		lighttpd -D -f "$_conf" \
		    2>> "$LAUNCH_DIR/logs/lighttpd-$_name-error.log" &
		pid=$!
		wait_for_url "$base${3:-/}" "$pid" && return 0
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 2
}

# apache_modules NAME...: a LoadModule line for each NAME_module
# (mod_NAME.so), in this order.
apache_modules() {
	for _m in "$@"; do
		printf 'LoadModule %-18s %s\n' "${_m}_module" "$APACHE_MODDIR/mod_$_m.so"
	done
}

# launch_apache_head NAME: the start of a minimal self-contained Apache for
# $port (no Debian Include, its own run files), up to the modules; as
# root, its children run as www-data.
launch_apache_head() {
	_user=
	[ "$(id -u)" = 0 ] && _user="User www-data
Group www-data"
	cat <<CONF
ServerRoot "$LAUNCH_DIR"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
DefaultRuntimeDir "$LAUNCH_DIR/run/$1"
PidFile "$LAUNCH_DIR/run/$1/apache2.pid"
Mutex file:$LAUNCH_DIR/run/$1 default
ErrorLog "$LAUNCH_DIR/logs/apache-$1-error.log"
LogLevel warn
$_user

CONF
}

# start_apache NAME WRITE_CONF: apache2 -DFOREGROUND with the
# configuration WRITE_CONF NAME prints for $port (from launch_apache_head
# NAME), on up to three free ports.  Another server may take the port
# first: then Apache exits without writing its pid file, and no answer of
# somebody else's server is taken for Apache's.  Returns 0 once it
# serves, with port, base and pid set; 1 if apache2 -t refused the
# configuration; 2 if it did not start.
start_apache() {
	_name=$1 _conf=$LAUNCH_DIR/apache-$1.conf
	_pidf=$LAUNCH_DIR/run/$1/apache2.pid _err=$LAUNCH_DIR/logs/apache-$1-error.log
	mkdir -p "$LAUNCH_DIR/run/$_name"
	chmod 755 "$LAUNCH_DIR/run/$_name"
	for _try in 1 2 3; do
		port=$(free_port)
		base=http://127.0.0.1:$port
		"$2" "$_name" > "$_conf"
		apache2 -t -f "$_conf" \
		    > "$LAUNCH_DIR/logs/apache-$_name-check.log" 2>&1 || return 1
		rm -f "$_pidf"
		apache2 -f "$_conf" -DFOREGROUND 2>> "$_err" &
		pid=$!
		for _ in $(seq 600); do
			[ "$(cat "$_pidf" 2>/dev/null)" = "$pid" ] && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if [ "$(cat "$_pidf" 2>/dev/null)" = "$pid" ] &&
		    wait_for_url "$base/" "$pid"; then
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		# "could not bind" belongs to this attempt, not to the server
		mv "$_err" "${_err%.log}.attempt$_try.log" 2>/dev/null
	done
	return 2
}

# launch_nginx NAME WRITE_CONF [URL_PATH]: nginx in the foreground with
# the configuration WRITE_CONF NAME prints for $port (its pid file and
# temp paths under $LAUNCH_DIR), on up to three free ports, until it
# answers at URL_PATH (default /).  Returns 0 with port, base and pid
# set; 1 if nginx -t refused the configuration; 2 if it did not start.
# (tests/servers/nginx.sh starts its own, on ports it chose first.)
launch_nginx() {
	_name=$1 _conf=$LAUNCH_DIR/nginx-$1.conf
	_err=$LAUNCH_DIR/logs/nginx-$1-error.log
	for _try in 1 2 3; do
		port=$(free_port)
		base=http://127.0.0.1:$port
		"$2" "$_name" > "$_conf"
		nginx -t -q -c "$_conf" -p "$LAUNCH_DIR" -e "$_err" \
		    > "$LAUNCH_DIR/logs/nginx-$_name-check.log" 2>&1 || return 1
		nginx -c "$_conf" -p "$LAUNCH_DIR" -e "$_err" -g 'daemon off;' \
		    2>> "$_err" &
		pid=$!
		wait_for_url "$base${3:-/}" "$pid" && return 0
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 2
}

# launch_caddy NAME CONF_FN [PATH]: Caddy with the Caddyfile CONF_FN NAME
# writes (for $port), in the foreground, its state under
# $LAUNCH_DIR/caddy-home; sets pid, port and base as launch_nginx does.
launch_caddy() {
	_name=$1 _conf=$LAUNCH_DIR/caddy-$1.caddyfile
	_err=$LAUNCH_DIR/logs/caddy-$1-error.log
	mkdir -p "$LAUNCH_DIR/caddy-home"
	for _try in 1 2 3; do
		port=$(free_port)
		base=http://127.0.0.1:$port
		"$2" "$_name" > "$_conf"
		XDG_CONFIG_HOME=$LAUNCH_DIR/caddy-home \
		    XDG_DATA_HOME=$LAUNCH_DIR/caddy-home \
		    HOME=$LAUNCH_DIR/caddy-home \
		    caddy run --config "$_conf" --adapter caddyfile >> "$_err" 2>&1 &
		pid=$!
		wait_for_url "$base${3:-/}" "$pid" && return 0
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 2
}
