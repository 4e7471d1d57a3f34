#!/bin/bash
# Apache 2.4 + mod_fcgid with fcgi-authzd as its FcgidAuthenticator
# (etc/apache/fcgi-authz-fcgid.conf): Apache spawns the daemon with a
# listening socket on fd 0.  Two setups, the same snippet:
#   fcgid        Debian's module order (mod_auth_basic loaded before
#                mod_fcgid, as mods-enabled/*.load sorts them): the
#                snippet's AuthUserFile /dev/null workaround is what lets
#                mod_fcgid decide
#   fcgid-first  mod_fcgid loaded first: the workaround is harmless
# Protects static files and a CGI (mod_cgid).
. "$(dirname "$0")/common.sh"

APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}
command -v apache2 >/dev/null || { echo "# apache2 not installed"; exit 77; }
[ -f "$APACHE_MODDIR/mod_fcgid.so" ] ||
    { echo "# mod_fcgid not installed"; exit 77; }
srv_fixture
# A .htaccess that tries to open /site to everybody: the snippet's
# <Location> is merged after it and must still win (its comment says so),
# which every /site scenario checks.
echo 'Require all granted' > "$SRV_DIR/www/site/.htaccess"
chmod 644 "$SRV_DIR/www/site/.htaccess"

# expect_status KIND: mod_fcgid lets 200 through and turns every other
# answer of the daemon into Apache's own 401 (wire.md 2.4).  "allow"
# depends on the credentials (CRED) here.
expect_status() {
	case $1 in
	allow)
		case $2 in
		# mod_fcgid hands the authenticator only Basic credentials
		# (REMOTE_USER, REMOTE_PASSWD) and answers anything else with
		# 401 itself: a Bearer token cannot be carried at all (the
		# token_bad scenario shows the 401 it gets) ...
		bearer:*) echo skip ;;
		# ... and a public path without credentials is 401 too (the
		# snippet says how to exempt such paths).
		-) echo 401 ;;
		*) echo 200 ;;
		esac ;;
	# The daemon's 403 (role, network) becomes 401 as well.
	challenge|token_bad|forbidden|dot_forbidden|dot_challenge) echo 401 ;;
	# Apache refuses an encoded slash itself, with 404, before any
	# authentication (AllowEncodedSlashes Off; wire.md 6).
	badpath) echo 404 ;;
	esac
}
# expect_challenge STATUS KIND: Apache's own Basic challenge on every 401
# (the daemon's WWW-Authenticate is replaced), none otherwise.
expect_challenge() {
	case $1 in
	401) echo Basic ;;
	*) echo - ;;
	esac
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

# A minimal self-contained Apache: no Debian Include, its own run files.
# $1: "debian" (auth_basic before fcgid) or "fcgid-first".
apache_conf() {
	_user=
	[ "$(id -u)" = 0 ] && _user="User www-data
Group www-data"
	_fcgid="LoadModule fcgid_module       $APACHE_MODDIR/mod_fcgid.so"
	_early='' _late=''
	if [ "$1" = fcgid-first ]; then _early=$_fcgid; else _late=$_fcgid; fi
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

$_early
LoadModule mpm_event_module   $APACHE_MODDIR/mod_mpm_event.so
LoadModule authn_core_module  $APACHE_MODDIR/mod_authn_core.so
LoadModule authn_file_module  $APACHE_MODDIR/mod_authn_file.so
LoadModule authz_core_module  $APACHE_MODDIR/mod_authz_core.so
LoadModule authz_user_module  $APACHE_MODDIR/mod_authz_user.so
LoadModule auth_basic_module  $APACHE_MODDIR/mod_auth_basic.so
$_late
LoadModule headers_module     $APACHE_MODDIR/mod_headers.so
LoadModule mime_module        $APACHE_MODDIR/mod_mime.so
LoadModule dir_module         $APACHE_MODDIR/mod_dir.so
LoadModule alias_module       $APACHE_MODDIR/mod_alias.so
LoadModule cgid_module        $APACHE_MODDIR/mod_cgid.so
ScriptSock "$SRV_DIR/run/$setup/cgid.sock"
# What Debian's /var/lib/apache2/fcgid holds, here per setup.
FcgidIPCDir "$SRV_DIR/run/$setup/fcgidsock"
FcgidProcessTableFile "$SRV_DIR/run/$setup/fcgid_shm"

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

Include "$SRV_DIR/$setup-snippet.conf"
CONF
}

# fcgid_pids: the fcgi-authzd processes Apache spawned for this setup.
fcgid_pids() {
	pgrep -f "^$AUTHZD -c $SRV_DIR/fcgi-authz.ini" || true
}

# start_apache: starts apache2 with $SRV_DIR/$setup.conf (written by
# apache_conf for $port) and waits until it serves.  Another server may
# take the free port first (tests run in parallel): then Apache exits
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
		for _ in $(seq 100); do
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

# run_setup SETUP ORDER
run_setup() {
	setup=$1 order=$2
	mkdir -p "$SRV_DIR/run/$setup/fcgidsock"
	chmod 755 "$SRV_DIR/run/$setup"
	chown www-data "$SRV_DIR/run/$setup/fcgidsock" 2>/dev/null
	sed -e "s|/etc/fcgi-authz/fcgi-authz.ini|$SRV_DIR/fcgi-authz.ini|g" \
	    -e "s|/usr/sbin/fcgi-authzd|$AUTHZD|g" \
	    "$top_srcdir/etc/apache/fcgi-authz-fcgid.conf" \
	    > "$SRV_DIR/$setup-snippet.conf"
	log=$SRV_DIR/logs/apache-$setup-error.log
	start_apache "$order" || return
	run_scenarios "apache-$setup" "$base"
	extras
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# mod_fcgid stops what it started.
	for _ in $(seq 50); do
		[ -z "$(fcgid_pids)" ] && break
		sleep 0.1
	done
	check "no fcgi-authzd left after Apache stopped" "" "$(fcgid_pids)"
	# Apache's startup and shutdown notices are expected, and so are
	# these ordinary per-request lines (at error level): mod_fcgid's
	# "Authentication of user U to access P failed, reason: script
	# returned status 401/403" for each refusal of the daemon, its
	# "authenticator requires basic HTTP auth credentials" (mod_fcgid
	# first) or mod_auth_basic's AH01614 "client used wrong
	# authentication scheme" (Debian order) for requests without Basic
	# credentials.  The daemon's stderr goes to this log too: its
	# decision lines hold no warning word, and any warning it logs
	# counts.  Nothing else at warn or above.
	srv_check_log "$log" 'AH00489|AH00094|AH00491|AH00492|AH01614|mod_fcgid: authenticator requires basic HTTP auth credentials$|mod_fcgid: Authentication of user [^ ]+ to access [^ ]+ failed, reason: script returned status 40[13]$'
}

extras() {
	# The daemon was asked, and said 403: mod_fcgid turned it into 401.
	check "the daemon's 403 for bob on /admin reached Apache" 1 \
	    "$(grep -c 'decision=deny status=403 reason=role user="bob".*path="/admin/secret.txt"' "$log" |
	        sed 's/^[1-9][0-9]*$/1/')"
	check "401 is Apache's page, not the daemon's body" 1 \
	    "$(get /admin/secret.txt -u bob:bob-pw | grep -c '<title>401 Unauthorized')"
	check "401 carries Apache's challenge (AuthName)" \
	    'WWW-Authenticate: Basic realm="Restricted area"' \
	    "$(headers /admin/secret.txt -u bob:bob-pw | grep -i '^WWW-Authenticate:')"
	check "backend identity and rule" \
	    "200|REMOTE_USER=alice;AUTHZ_ROLES=admin,editor;AUTHZ_RULE=site" \
	    "$(get /site/whoami.cgi -u alice:alice-pw)"
	# mod_fcgid copies every header of the daemon to the client; the
	# snippet's "Header always unset" lines remove the Variable-* ones.
	check "no Variable-* header reaches the client (200)" "" \
	    "$(headers /site/index.txt -u alice:alice-pw | grep -i '^variable-')"
	check "no Variable-* header reaches the client (401)" "" \
	    "$(headers /site/index.txt -u alice:wrong | grep -i '^variable-')"
	# An "access = public" rule must still verify credentials Apache
	# decoded: mod_auth_basic takes a 200 from its provider as "this
	# password is right" and would pass the typed name on as REMOTE_USER.
	check "public CGI, wrong password: refused, not REMOTE_USER=alice" \
	    "401" "$(get /public/whoami.cgi -u alice:wrong | cut -d'|' -f1)"
	# Each process answers one request at a time; mod_fcgid started
	# some: the daemon really runs spawned, with the socket on fd 0.
	[ -n "$(fcgid_pids)" ]
	check "fcgi-authzd runs as a child of Apache" 0 $?
	# ... as Apache's User, when started as root.
	if [ "$(id -u)" = 0 ]; then
		check "fcgi-authzd runs as www-data" www-data \
		    "$(fcgid_pids | xargs -r ps -o user= -p | sort -u | paste -sd' ')"
	fi
}

run_setup fcgid debian
run_setup fcgid-first fcgid-first
srv_finish
