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
. "$(dirname "$0")/apache.sh"

apache_need fcgid
apache_fixture

# expect_status KIND CRED: mod_fcgid lets 200 through and turns every
# other answer of the daemon into Apache's own 401 (docs/servers.md), its 403
# (role, network) as well.  "allow" depends on the credentials (CRED):
# mod_fcgid hands the authenticator only Basic credentials (REMOTE_USER,
# REMOTE_PASSWD) and answers anything else with 401 itself.
expect_status() {
	apache_401_status "$1" "$2"
}
# expect_challenge STATUS KIND: Apache's own Basic challenge on every 401
# (the daemon's WWW-Authenticate is replaced), none otherwise.
expect_challenge() {
	case $1 in
	401) echo Basic ;;
	*) echo - ;;
	esac
}

# A minimal self-contained Apache: no Debian Include, its own run files.
# $1: "debian" (auth_basic before fcgid) or "fcgid-first".
apache_conf() {
	_early='' _late=fcgid
	if [ "$1" = fcgid-first ]; then _early=fcgid _late=''; fi
	apache_conf_head
	# shellcheck disable=SC2086 # _early, _late: one name or none
	apache_modules $_early mpm_event authn_core authn_file authz_core \
	    authz_user auth_basic $_late headers mime dir alias cgid
	cat <<CONF
ScriptSock "$SRV_DIR/run/$setup/cgid.sock"
# What Debian's /var/lib/apache2/fcgid holds, here per setup.
FcgidIPCDir "$SRV_DIR/run/$setup/fcgidsock"
FcgidProcessTableFile "$SRV_DIR/run/$setup/fcgid_shm"

CONF
	apache_conf_site
	cat <<CONF

Include "$SRV_DIR/$setup-snippet.conf"
CONF
}

# fcgid_pids: the fcgi-authzd processes Apache spawned for this setup.
fcgid_pids() {
	pgrep -f "^$AUTHZD -c $SRV_DIR/fcgi-authz.ini" || true
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
	apache_start "$order" || return
	run_scenarios "apache-$setup" "$base"
	extras
	# One browser profile, two users: bob gets Apache's 401 here, and the
	# browser gives up on it (no page).
	[ "$setup" != fcgid ] || srv_check_browser "apache-$setup" "$base" ""
	srv_check_throttle "apache-$setup" "$base"
	# What Apache logs of the crashes is checked on its own, below.
	_before=$(wc -l < "$log")
	crash_recovery
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# mod_fcgid stops what it started (waited for up to 30 s).
	for _ in $(seq 300); do
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
	# counts.  Nothing else at warn or above.  The browser's requests
	# (its favicon) add ", referer: URL" to such lines.
	_ref='(, referer: [^ ]+)?$'
	_ok="AH00489|AH00094|AH00491|AH00492|AH01614|mod_fcgid: authenticator requires basic HTTP auth credentials$_ref|mod_fcgid: Authentication of user [^ ]+ to access [^ ]+ failed, reason: script returned status (40[13]|429)$_ref"
	head -n "$_before" "$log" > "$log.before-crash"
	tail -n +"$((_before + 1))" "$log" > "$log.crash"
	srv_check_log "$log.before-crash" "$_ok"
	# A request in flight when its process was killed: mod_fcgid says
	# so and answers 500, once per kill.  Its words depend on how the
	# read ended (fcgid_proc_unix.c): "error reading data from FastCGI
	# server" on a reset, "error reading data, FastCGI server closed
	# connection" on end of file.  The daemon's own "killed by signal
	# 9; restarting" is its warning for the worker.
	srv_check_log "$log.crash" "$_ok|mod_fcgid: error reading data( from FastCGI server|, FastCGI server closed connection)|End of script output before headers|script returned status 200; error or unexpected condition while parsing response \\(500\\)$|killed by signal 9; restarting$"
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

# crash_recovery: SIGKILL under load, first the worker of each daemon
# mod_fcgid spawned (the daemon's supervisor starts another), then the
# daemons themselves (mod_fcgid starts others).  mod_fcgid hands each of
# its processes one request at a time, and a request that finds them all
# busy sleeps a whole second before it asks again (fcgid_bridge.c), crash
# or not, and may do so twice: the probe under load shows it (printed
# first; 9 ms to 1,028 ms measured without any crash).  So what this
# setup shows is rather wrk's: every request answered 200 but the one in
# flight in each killed process.
crash_recovery() {
	# The daemons: those whose parent is not one of them.
	_all=$(fcgid_pids)
	_sups=$(for p in $_all; do
		printf '%s\n' "$_all" |
		    grep -qx "$(ps -o ppid= -p "$p" | tr -d ' ')" || echo "$p"
	done)
	srv_load "probe-$setup" 2 "$base/site/index.txt" \
	    -H "Authorization: Basic $(printf alice:alice-pw | base64)"
	sleep 1
	echo "# apache-$setup: a request under load without a crash: $(srv_recovery_ms "$base/site/index.txt") ms"
	wait $!
	# shellcheck disable=SC2046 # one pid a word
	srv_check_crash "apache-$setup" "$base/site/index.txt" \
	    "the daemons' workers killed" \
	    $(for p in $_sups; do pgrep -P "$p"; done)
	# shellcheck disable=SC2086
	srv_check_crash "apache-$setup" "$base/site/index.txt" \
	    "the daemons killed" $_sups
}

run_setup fcgid debian
run_setup fcgid-first fcgid-first
srv_finish
