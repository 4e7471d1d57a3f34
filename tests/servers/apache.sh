# tests/servers/apache.sh: what the Apache setups (apache-authnz.sh,
# apache-fcgid.sh) share.  Sourced after common.sh:
#	. "$(dirname "$0")/common.sh"
#	. "$(dirname "$0")/apache.sh"
# The setup script sets $setup (the name of the setup being run) and
# defines apache_conf, which prints Apache's configuration for $port
# (apache_conf_head and apache_conf_site print the parts every setup
# has).  start_apache sets port, base (the URL) and pid.

APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}

# apache_need MODULE: skips the test (exit 77) unless apache2 and
# mod_MODULE are installed.
apache_need() {
	command -v apache2 >/dev/null || { echo "# apache2 not installed"; exit 77; }
	[ -f "$APACHE_MODDIR/mod_$1.so" ] ||
	    { echo "# mod_$1 not installed"; exit 77; }
}

# apache_fixture: srv_fixture, then a .htaccess that tries to open /site
# to everybody: the snippet's <Location> is merged after it and must still
# win (its comment says so), which every /site scenario checks.
apache_fixture() {
	srv_fixture
	echo 'Require all granted' > "$SRV_DIR/www/site/.htaccess"
	chmod 644 "$SRV_DIR/www/site/.htaccess"
}

# check NAME WANT GOT: one extra assertion.
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $setup: $1"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - $setup: $1: got '$3', expected '$2'"
		echo fail >> "$SRV_DIR/tally"
	fi
}

# get PATH [CURL ARGS...]: "STATUS|body lines joined by ;" of one request.
get() {
	_path=$1
	shift
	_out=$(curl -s -i --path-as-is --max-time 10 "$@" "$base$_path" | tr -d '\r')
	printf '%s|%s\n' \
	    "$(printf '%s\n' "$_out" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')" \
	    "$(printf '%s\n' "$_out" | sed '1,/^$/d' | paste -sd';')"
}

# headers PATH [CURL ARGS...]: the response header lines.
headers() {
	_path=$1
	shift
	curl -s -i --path-as-is --max-time 10 "$@" "$base$_path" | tr -d '\r' |
	    sed '/^$/q'
}

# apache_401_status KIND CRED: expect_status for a setup in which Apache
# answers every refusal of the daemon with its own 401 and carries only
# Basic credentials to it.  "allow" is 200 with Basic credentials; a
# Bearer token cannot be carried at all, "skip" (the token_bad scenario
# shows the 401 it gets); a public path without credentials is 401 too
# (the snippets say how to exempt such paths).  Apache refuses an encoded
# slash itself, with 404, before any authentication (AllowEncodedSlashes
# Off; docs/security.md, Path tricks).
apache_401_status() {
	case $1 in
	allow)
		case $2 in
		bearer:*) echo skip ;;
		-) echo 401 ;;
		*) echo 200 ;;
		esac ;;
	challenge|token_bad|forbidden|dot_forbidden|dot_challenge|throttled)
		echo 401 ;;
	badpath) echo 404 ;;
	esac
}

# apache_modules NAME...: a LoadModule line for each NAME_module
# (mod_NAME.so), in this order.
apache_modules() {
	for _m in "$@"; do
		printf 'LoadModule %-18s %s\n' "${_m}_module" "$APACHE_MODDIR/mod_$_m.so"
	done
}

# apache_conf_head: the start of a minimal self-contained Apache (no
# Debian Include, its own run files), up to the modules.
apache_conf_head() {
	_user=
	[ "$(id -u)" = 0 ] && _user="User www-data
Group www-data"
	cat <<CONF
ServerRoot "$SRV_DIR"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
DefaultRuntimeDir "$SRV_DIR/run/$setup"
PidFile "$SRV_DIR/run/$setup/apache2.pid"
Mutex file:$SRV_DIR/run/$setup default
ErrorLog "$SRV_DIR/logs/apache-$setup-error.log"
LogLevel warn
LogFormat "%h %u \"%r\" %>s" short
CustomLog "$SRV_DIR/logs/apache-$setup-access.log" short
$_user

CONF
}

# apache_conf_site: the site, $SRV_DIR/www with its CGIs.
apache_conf_site() {
	cat <<CONF
TypesConfig /etc/mime.types
DocumentRoot "$SRV_DIR/www"
DirectoryIndex index.txt
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$SRV_DIR/www">
    Options +ExecCGI
    AddHandler cgi-script .cgi
    Require all granted
    AllowOverride AuthConfig
</Directory>
CONF
}

# start_apache [ARG]: starts apache2 with $SRV_DIR/$setup.conf (written by
# apache_conf ARG for $port) and waits until it serves.  Another server
# may take the free port first (tests run in parallel): then Apache exits
# without writing its pid file, and a new port is tried, so that no
# answer of somebody else's server is taken for Apache's.
start_apache() {
	for _try in 1 2 3; do
		port=$(free_port)
		base=http://127.0.0.1:$port
		apache_conf "${1:-}" > "$SRV_DIR/$setup.conf"
		if ! apache2 -t -f "$SRV_DIR/$setup.conf" \
		    > "$SRV_DIR/logs/$setup-check.log" 2>&1; then
			echo "not ok - $setup: apache2 -t refused the config"
			sed 's/^/#   /' "$SRV_DIR/logs/$setup-check.log"
			echo fail >> "$SRV_DIR/tally"
			return 1
		fi
		rm -f "$SRV_DIR/run/$setup/apache2.pid"
		apache2 -f "$SRV_DIR/$setup.conf" -DFOREGROUND \
		    2>> "$SRV_DIR/logs/apache-$setup-error.log" &
		pid=$!
		for _ in $(seq 600); do
			[ "$(cat "$SRV_DIR/run/$setup/apache2.pid" 2>/dev/null)" = "$pid" ] &&
			    break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if [ "$(cat "$SRV_DIR/run/$setup/apache2.pid" 2>/dev/null)" = "$pid" ] &&
		    wait_for_url "$base/"; then
			on_exit "kill $pid 2>/dev/null"
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		# "could not bind" belongs to this attempt, not to the setup
		mv "$SRV_DIR/logs/apache-$setup-error.log" \
		    "$SRV_DIR/logs/apache-$setup-error.attempt$_try.log" 2>/dev/null
	done
	echo "not ok - $setup: apache2 did not start"
	echo fail >> "$SRV_DIR/tally"
	return 1
}
