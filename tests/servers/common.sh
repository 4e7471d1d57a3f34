# tests/servers/common.sh: what every real-server integration test shares.
# Sourced by tests/servers/<setup>.sh.  Each setup script starts one real
# web server (from the Debian package) on 127.0.0.1 with the matching
# example configuration from etc/, templated only for paths and ports, and
# runs the one scenario list below through it.
#
# Environment: top_srcdir and top_builddir (defaults: the checkout and
# its _build/).  A setup script exits 0 (all passed), 1 (a failure), 77
# (the server is not installed) or 99 (broken setup).

set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/_build}
AUTHZD=$top_builddir/src/fcgi-authzd
MKHASH=$top_builddir/tests/mkhash
CTL=$top_builddir/src/fcgi-authz

# free_port, wait_for_url, wait_for_socket, start_lighttpd, start_apache
# (in $LAUNCH_DIR, which srv_fixture sets to $SRV_DIR).
. "$(dirname "${BASH_SOURCE[0]}")/launch.sh"

# Users: name, password, roles, extra line.  Passwords are "<name>-pw".
TOKEN=fa_integration_token_0123456789abcdefghijklmnopqrstuv
BAD_TOKEN=fa_not_a_token_we_know_0123456789abcdefghijklmnopq

# req CURL-ARGS...: curl -i with CRs removed; status_of and body_of an
# answer req printed.
req() { curl -s -i --path-as-is --max-time 10 "$@" | tr -d '\r'; }
status_of() { printf '%s\n' "$1" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p'; }
body_of() { printf '%s\n' "$1" | sed '1,/^$/d'; }

passed=0
failed=0
cleanup_cmds=
SRV_DIR=

srv_cleanup() {
	eval "$cleanup_cmds"
	if [ -n "${KEEP_SERVERS_DIR:-}" ]; then
		echo "# kept $SRV_DIR"
	elif [ -n "$SRV_DIR" ]; then
		rm -rf "$SRV_DIR"
	fi
}

# on_exit CMD: run CMD when the script ends (last added, first run).
on_exit() {
	cleanup_cmds="$1; $cleanup_cmds"
}

# www_reachable PATH: succeeds if www-data may execute (a directory:
# enter) PATH, or if we are not root (then the servers run as we do).
www_reachable() {
	[ "$(id -u)" = 0 ] || return 0
	runuser -u www-data -- test -x "$1" 2>/dev/null
}

# srv_fixture: makes $SRV_DIR with
#   bin/fcgi-authzd             a copy of the build's, which $AUTHZD then
#                               names: the servers start it as www-data,
#                               who may not reach the checkout (a clone
#                               under /root)
#   fcgi-authz.ini, users.ini   the daemon's files (cheap hashes)
#   www/                        the site: public/, site/, admin/, internal/
#   www/*/whoami.cgi            prints the identity the server passed on
# The directory is world-readable: Apache's children and mod_fcgid's
# processes run as www-data.
srv_fixture() {
	SRV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-authz-srv.XXXXXX")
	LAUNCH_DIR=$SRV_DIR
	chmod 755 "$SRV_DIR"
	trap srv_cleanup EXIT
	trap 'exit 130' INT TERM
	[ -x "$AUTHZD" ] && [ -x "$MKHASH" ] || {
		echo "# build first: $AUTHZD and $MKHASH are missing" >&2
		exit 99
	}
	mkdir "$SRV_DIR/bin"
	chmod 755 "$SRV_DIR/bin"
	cp "$AUTHZD" "$SRV_DIR/bin/fcgi-authzd"
	chmod 755 "$SRV_DIR/bin/fcgi-authzd"
	AUTHZD=$SRV_DIR/bin/fcgi-authzd
	www_reachable "$AUTHZD" || {
		echo "Bail out! www-data cannot reach $SRV_DIR (TMPDIR=${TMPDIR:-/tmp}): the servers run the daemon and the CGIs as www-data, so TMPDIR must be a directory every user may enter." >&2
		exit 99
	}
	_tok=$(printf '%s' "$TOKEN" | b2sum -l 256 | cut -d' ' -f1)
	{
		for u in alice bob carol dave; do
			printf '[user:%s]\npassword = %s\n' "$u" \
			    "$(echo "$u-pw" | "$MKHASH" argon2id 1 8388608)"
			case $u in
			alice) echo "roles = admin, editor" ;;
			bob) echo "roles = editor" ;;
			carol) printf 'roles = editor\ndisabled = yes\n' ;;
			dave) printf 'roles = admin\nexpires = 2020-01-31\n' ;;
			esac
			echo
		done
		printf '[token:ci]\nuser = alice\nroles = editor\nhash = blake2b:%s\n' "$_tok"
	} > "$SRV_DIR/users.ini"
	cat > "$SRV_DIR/fcgi-authz.ini" <<INI
[server]
users = users.ini
workers = 4
realm = Integration
default = deny
log = stderr
request_timeout = 5

[hashing]
opslimit = 1
memlimit = 8M

[throttle]
state = $SRV_DIR/run/throttle

[rule:public]
path = /public
access = public

[rule:admin]
path = /admin
roles = admin

[rule:internal]
path = /internal
access = authenticated
networks = 10.0.0.0/8

[rule:site]
path = /site
access = authenticated

[rule:app]
path = /app
access = authenticated
INI
	srv_import_htpasswd
	# As fcgi-authzd(8) says: root's, readable by the web server's group
	# (mod_fcgid starts the daemon as www-data), by no one else; a users
	# file every user may read would be a warning in the server's log.
	chgrp www-data "$SRV_DIR/users.ini" "$SRV_DIR/fcgi-authz.ini"
	chmod 640 "$SRV_DIR/users.ini" "$SRV_DIR/fcgi-authz.ini"
	mkdir -p "$SRV_DIR/www/public" "$SRV_DIR/www/site" "$SRV_DIR/www/admin" \
	    "$SRV_DIR/www/internal" "$SRV_DIR/www/x" "$SRV_DIR/run" \
	    "$SRV_DIR/logs"
	chmod 777 "$SRV_DIR/run" "$SRV_DIR/logs"
	echo "public hello" > "$SRV_DIR/www/public/hello.txt"
	echo "site index" > "$SRV_DIR/www/site/index.txt"
	echo "ADMIN SECRET" > "$SRV_DIR/www/admin/secret.txt"
	echo "internal" > "$SRV_DIR/www/internal/x.txt"
	echo "x" > "$SRV_DIR/www/x/x.txt"
	mkdir -p "$SRV_DIR/backend/app"
	echo "backend ok" > "$SRV_DIR/backend/app/index.txt"
	for d in site admin public; do
		cat > "$SRV_DIR/www/$d/whoami.cgi" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'REMOTE_USER=%s\n' "${REMOTE_USER:-}"
printf 'AUTHZ_ROLES=%s\n' "${AUTHZ_ROLES:-}"
printf 'AUTHZ_RULE=%s\n' "${AUTHZ_RULE:-}"
CGI
		chmod 755 "$SRV_DIR/www/$d/whoami.cgi"
	done
}

# srv_import_htpasswd: users brought from Apache's own files, as a site
# moving in would (docs/migrating.md): hpbcrypt (htpasswd -B) and hpapr1
# (htpasswd's default, $apr1$), an admin through the htgroup file, added
# to users.ini with "fcgi-authz user import --htpasswd --htgroup".
srv_import_htpasswd() {
	command -v htpasswd >/dev/null || {
		echo "Bail out! htpasswd (apache2-utils) is missing" >&2
		exit 99
	}
	htpasswd -nbB hpbcrypt hp-pw > "$SRV_DIR/htpasswd"
	htpasswd -nb hpapr1 hp-pw >> "$SRV_DIR/htpasswd"
	printf 'admin: hpapr1\neditor: hpbcrypt hpapr1\n' > "$SRV_DIR/htgroup"
	"$CTL" -c "$SRV_DIR/fcgi-authz.ini" user import \
	    --htpasswd "$SRV_DIR/htpasswd" --htgroup "$SRV_DIR/htgroup" \
	    > "$SRV_DIR/import.out" 2>&1 || {
		sed 's/^/# /' "$SRV_DIR/import.out" >&2
		echo "Bail out! fcgi-authz user import --htpasswd failed" >&2
		exit 99
	}
}

# The scenario list, one per line:
#   name | path | credentials | kind | identity the backend must see
#        | method (empty: GET)
# credentials: -, basic:USER:PASS, bearer:TOKEN
# kind: what the decision is; each setup maps it to the status its
# server lets through (expect_status in the setup script):
#   allow      200 and the content
#   challenge  401 with a Basic challenge
#   token_bad  401 for a refused token
#   forbidden  403
#   badpath    refused before or by the authorizer, never the admin file
#   dot_forbidden, dot_challenge
#              a path with "..", "." or "//" segments: the server may
#              refuse it itself (lighttpd's url-path-dotseg-reject: 400) or
#              normalize it, and then fcgi-authzd decides as for the plain
#              path (403 or 401)
#   odd        an unusual method (TRACE, TRACK, OPTIONS, CONNECT, PROPFIND,
#              an unknown FOO, a lowercase get) on the admin file without
#              credentials: any refusal (4xx or 5xx) will do, whoever
#              answers it, but never the file and never an echo of the
#              request (Apache answers TRACE itself, before any
#              authentication, unless TraceEnable is off); its status is
#              recorded for the table
scenarios() {
	cat <<LIST
no credentials|/site/index.txt|-|challenge|
good credentials|/site/whoami.cgi|basic:alice:alice-pw|allow|REMOTE_USER=alice AUTHZ_ROLES=admin,editor
htpasswd user, bcrypt|/site/whoami.cgi|basic:hpbcrypt:hp-pw|allow|REMOTE_USER=hpbcrypt AUTHZ_ROLES=editor
htpasswd user, \$apr1\$, htgroup role|/admin/whoami.cgi|basic:hpapr1:hp-pw|allow|REMOTE_USER=hpapr1 AUTHZ_ROLES=admin,editor
htpasswd user, wrong password|/site/index.txt|basic:hpapr1:hp-PW|challenge|
wrong password|/site/index.txt|basic:alice:wrong|challenge|
unknown user|/site/index.txt|basic:nobody:nobody-pw|challenge|
disabled user|/site/index.txt|basic:carol:carol-pw|challenge|
expired user|/site/index.txt|basic:dave:dave-pw|challenge|
valid user without the role|/admin/secret.txt|basic:bob:bob-pw|forbidden|
user with the role|/admin/whoami.cgi|basic:alice:alice-pw|allow|REMOTE_USER=alice AUTHZ_ROLES=admin,editor
refused network|/internal/x.txt|basic:alice:alice-pw|forbidden|
public path|/public/hello.txt|-|allow|
token|/site/whoami.cgi|bearer:$TOKEN|allow|REMOTE_USER=alice AUTHZ_ROLES=editor
unknown token|/site/index.txt|bearer:$BAD_TOKEN|token_bad|
trick: %61dmin|/%61dmin/secret.txt|basic:bob:bob-pw|forbidden|
trick: x/../admin|/x/../admin/secret.txt|basic:bob:bob-pw|dot_forbidden|
trick: //admin|//admin/secret.txt|basic:bob:bob-pw|dot_forbidden|
trick: x/..%2fadmin|/x/..%2fadmin/secret.txt|basic:bob:bob-pw|badpath|
trick: x/%2e%2e%2fadmin|/x/%2e%2e%2fadmin/secret.txt|basic:bob:bob-pw|badpath|
trick: admin%2fsecret|/admin%2fsecret.txt|basic:bob:bob-pw|badpath|
trick: public/../admin|/public/../admin/secret.txt|-|dot_challenge|
trick: public/..%2fadmin|/public/..%2fadmin/secret.txt|-|badpath|
LIST
	for m in TRACE TRACK OPTIONS CONNECT PROPFIND FOO get; do
		echo "method $m, no credentials|/admin/secret.txt|-|odd||$m"
	done
}

# What no answer may hold: a request header that run_scenarios sends with
# every request, so that an echo of the request (TRACE) shows.
ECHO_PROBE=X-Fcgi-Authz-Probe
ECHO_VALUE=echo-probe-4f1c9e

# srv_report CASE WHY DETAIL N: one case's result and its tally: "ok -
# CASE" when WHY is empty, else "not ok - CASE: WHY" and the first N
# lines of DETAIL (what the server answered), indented as comments.
srv_report() {
	if [ -z "$2" ]; then
		echo "ok - $1"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - $1: $2"
		printf '%s\n' "$3" | head -n "$4" | sed 's/^/#   /'
		echo fail >> "$SRV_DIR/tally"
	fi
}

# run_scenarios SETUP BASE_URL: runs every scenario through the server at
# BASE_URL.  The caller defines:
#   expect_status KIND CRED  prints the status this setup must answer,
#                            or "skip" when the setup cannot carry it
#                            (CRED: the scenario's credentials column)
#   expect_challenge STATUS KIND
#                            prints the WWW-Authenticate scheme expected
#                            ("Basic", "Bearer") or "-" for none
# Each result is appended to $SRV_RESULTS (setup, scenario, status) when
# that is set, for the README's table.
run_scenarios() {
	_setup=$1 _base=$2
	scenarios | while IFS='|' read -r name path cred kind ident method; do
		if [ "$kind" = odd ]; then
			want=4xx/5xx
		else
			want=$(expect_status "$kind" "$cred")
		fi
		if [ "$want" = skip ]; then
			echo "ok - $_setup: $name # SKIP not carried by this setup"
			continue
		fi
		set -- -s -i --path-as-is --max-time 10 \
		    -H "$ECHO_PROBE: $ECHO_VALUE"
		[ -z "$method" ] || set -- "$@" -X "$method"
		case $cred in
		basic:*)
			up=${cred#basic:}
			set -- "$@" -u "$up" ;;
		bearer:*)
			set -- "$@" -H "Authorization: Bearer ${cred#bearer:}" ;;
		esac
		out=$(curl "$@" "$_base$path" | tr -d '\r')
		status=$(printf '%s\n' "$out" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
		body=$(printf '%s\n' "$out" | sed '1,/^$/d')
		chal=$(printf '%s\n' "$out" | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: *\([A-Za-z]*\).*/\1/p' | sort -u | tr '\n' ' ')
		why=
		case $want in
		4xx/5xx)
			case $status in [45][0-9][0-9]) ;; *) why="status ${status:-none}, expected a refusal" ;; esac ;;
		*/*) # one of several statuses, e.g. 400/404
			case "/$want/" in *"/$status/"*) ;; *) why="status $status, expected one of $want" ;; esac ;;
		*) [ "$status" = "$want" ] || why="status ${status:-none}, expected $want" ;;
		esac
		# Whoever refuses an odd method, a challenge or none will do.
		wantch='*'
		[ "$kind" = odd ] || wantch=$(expect_challenge "$status" "$kind")
		if [ -z "$why" ] && [ "$wantch" != "*" ]; then
			if [ "$wantch" = "-" ]; then
				[ -z "$chal" ] || why="unexpected challenge: $chal"
			else
				case " $chal" in *" $wantch "*) ;; *) why="challenge '$chal', expected $wantch" ;; esac
			fi
		fi
		# Never the admin file to anyone but alice.
		case $body in *"ADMIN SECRET"*)
			case $cred in basic:alice:alice-pw) ;; *) why="served the admin file" ;; esac ;;
		esac
		# What the authorizer let through must not be reused by a
		# browser without asking again: the recipes' Cache-Control.
		if [ "$status" = 200 ]; then
			cc=$(printf '%s\n' "$out" | sed '/^$/q' |
			    sed -n 's/^[Cc]ache-[Cc]ontrol: *//p' | paste -sd, -)
			case ", $cc," in *[\ ,]private[\ ,]*) ;; *) cc_bad=1 ;; esac
			case ", $cc," in *[\ ,]no-cache[\ ,]*) ;; *) cc_bad=1 ;; esac
			[ -z "${cc_bad:-}" ] || why="${why:+$why; }Cache-Control '$cc', expected private, no-cache"
			cc_bad=
		fi
		# Never the request echoed back (TRACE), in any answer.
		case $out in *"$ECHO_VALUE"*)
			why="${why:+$why; }echoed the request back" ;;
		esac
		for kv in $ident; do
			printf '%s\n' "$body" | grep -qx "$kv" ||
			    why="${why:+$why; }backend did not see $kv"
		done
		if [ -n "${SRV_RESULTS:-}" ]; then
			printf '%s|%s|%s\n' "$_setup" "$name" "${status:-none}" >> "$SRV_RESULTS"
		fi
		srv_report "$_setup: $name (${status:-none})" "$why" "$out" 15
	done
}

# srv_check_throttle SETUP BASE_URL: wrong passwords for a user of its
# own until the daemon throttles the client, then what the client sees
# (expect_status throttled): 429 with Retry-After where the server passes
# it on, Apache's 401 where it cannot.  Either way a log under logs/
# (wherever this setup sends the daemon's stderr) must show the 429.
# Each call asks from a loopback address of its own (127.0.0.2, .3, ...;
# Linux answers all of 127/8 on lo), so the ban it earns, [throttle]'s
# default of 300 s, refuses no other check, and lasts however slowly the
# machine sends the next guess.
SRV_THROTTLE_HOST=1
srv_check_throttle() {
	_setup=$1 _url=$2/site/index.txt
	_user=mallory-$_setup
	_line="status=429 reason=throttled user=\"$_user\""
	want=$(expect_status throttled "basic:$_user:x")
	SRV_THROTTLE_HOST=$((SRV_THROTTLE_HOST + 1))
	_from=127.0.0.$SRV_THROTTLE_HOST
	i=0
	while [ $i -lt 12 ]; do
		out=$(curl -s -i --max-time 10 --interface "$_from" \
		    -u "$_user:guess-$i" "$_url" | tr -d '\r')
		status=$(printf '%s\n' "$out" |
		    sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')
		[ "$status" = 401 ] || break
		grep -rqF -- "$_line" "$SRV_DIR/logs" && break
		i=$((i + 1))
	done
	# The decision line may reach the log after the answer: up to 30 s.
	_end=$(( $(date +%s) + 30 ))
	until grep -rqF -- "$_line" "$SRV_DIR/logs" ||
	    [ "$(date +%s)" -ge "$_end" ]; do
		sleep 0.1
	done
	why=
	[ "$status" = "$want" ] || why="status ${status:-none}, expected $want"
	if [ "$want" = 429 ] && ! printf '%s\n' "$out" | grep -qi '^retry-after: [1-9]'; then
		why="${why:+$why; }no Retry-After"
	fi
	grep -rqF -- "$_line" "$SRV_DIR/logs" ||
	    why="${why:+$why; }no '$_line' in the logs"
	if [ -n "${SRV_RESULTS:-}" ]; then
		printf '%s|%s|%s\n' "$_setup" "throttled (10 wrong passwords)" \
		    "${status:-none}" >> "$SRV_RESULTS"
	fi
	if [ -z "$why" ]; then
		echo "ok - $_setup: throttled after $i wrong passwords ($status)"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - $_setup: throttled: $why"
		printf '%s\n' "$out" | head -15 | sed 's/^/#   /'
		echo fail >> "$SRV_DIR/tally"
	fi
}

# srv_check_backend SETUP URL: the proxied backend at URL is behind the
# authorizer too: 401 without credentials, 200 with alice's (two cases).
srv_check_backend() {
	_name=$1 _url=$2
	for c in "-|401" "alice:alice-pw|200"; do
		cred=${c%|*} want=${c#*|}
		set -- -s -o /dev/null -w '%{http_code}'
		[ "$cred" = - ] || set -- "$@" -u "$cred"
		got=$(curl "$@" "$_url")
		if [ "$got" = "$want" ]; then
			echo "ok - $_name: proxied backend, credentials $cred ($got)"
			echo pass >> "$SRV_DIR/tally"
		else
			echo "not ok - $_name: proxied backend, credentials $cred: $got, expected $want"
			echo fail >> "$SRV_DIR/tally"
		fi
	done
}

# srv_load NAME SECONDS URL [WRK ARGS...]: wrk asks URL without pause for
# SECONDS in the background ($! is its pid), its report in
# $SRV_DIR/wrk-NAME with a "status N: COUNT" line for each status
# (tests/servers/status.lua).  SRV_LOAD_CONNS connections (default 4).
srv_load() {
	_n=$1 _s=$2 _u=$3
	shift 3
	wrk -t 1 -c "${SRV_LOAD_CONNS:-4}" -d "${_s}s" --timeout 30s \
	    -s "$top_srcdir/tests/servers/status.lua" "$@" "$_u" \
	    > "$SRV_DIR/wrk-$_n" 2>&1 &
}

# srv_wrk_statuses NAME: "STATUS:COUNT ..." from a wrk report, sorted.
srv_wrk_statuses() {
	sed -n 's/^status \([0-9]*\): \([0-9]*\)$/\1:\2/p' "$SRV_DIR/wrk-$1" |
	    sort | paste -sd' '
}

# srv_recovery_ms URL: milliseconds until a request with alice's
# credentials is answered 200; "none" if none was in 30 s.
srv_recovery_ms() {
	_t0=$(date +%s%N)
	while :; do
		_c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
		    -u alice:alice-pw "$1")
		_ms=$(( ($(date +%s%N) - _t0) / 1000000 ))
		[ "$_c" = 200 ] && break
		[ "$_ms" -gt 30000 ] && { echo none; return; }
		sleep 0.01
	done
	echo "$_ms"
}

# srv_check_crash SETUP URL WHAT PID...: SIGKILLs the PIDs a second into
# a wrk run with alice's credentials on URL.  A request must be answered
# 200 again (within 30 s: how fast is for scripts/bench, and the time is
# printed), and wrk may see an error only for the requests in flight at
# the kill (one a connection and killed process at most).  WHAT says what
# was killed.
srv_check_crash() {
	_setup=$1 _url=$2 _what=$3
	shift 3
	if [ $# = 0 ]; then
		echo "not ok - $_setup: crash recovery: $_what: no process found"
		echo fail >> "$SRV_DIR/tally"
		return
	fi
	_wname=crash-$$-$(date +%s%N)
	srv_load "$_wname" 3 "$_url" \
	    -H "Authorization: Basic $(printf alice:alice-pw | base64)"
	_wrk=$!
	sleep 1
	kill -KILL "$@"
	_ms=$(srv_recovery_ms "$_url")
	wait "$_wrk"
	_st=$(srv_wrk_statuses "$_wname")
	echo "# $_setup: $_what: answered again after $_ms ms; wrk: $_st"
	_bad=$(printf '%s\n' "$_st" | tr ' ' '\n' |
	    awk -F: '$1 != 200 { n += $2 } END { print n + 0 }')
	_bad=$((_bad + $(sed -n 's/^socket errors: //p' "$SRV_DIR/wrk-$_wname")))
	_max=$(( $# * ${SRV_LOAD_CONNS:-4} ))
	_why=
	[ "$_ms" != none ] || _why="no 200 in 30 s"
	[ "$_bad" -le "$_max" ] ||
	    _why="${_why:+$_why; }$_bad failed requests, more than the $_max in flight"
	case $_st in 200:[1-9]*) ;; *) _why="${_why:+$_why; }wrk: '$_st'" ;; esac
	if [ -z "$_why" ]; then
		echo "ok - $_setup: crash recovery: $_what ($_ms ms, $_bad failed)"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - $_setup: crash recovery: $_what: $_why"
		echo fail >> "$SRV_DIR/tally"
	fi
}

# srv_check_browser SETUP BASE_URL BOB_SEES: a real browser shared by two
# people.  Headless Chromium with ONE profile (--user-data-dir; each load
# is a new browser process, so what they share is the profile's disk
# cache, not a login remembered in memory) loads the admin file with
# credentials in the URL: alice's (her page), then bob's, then alice's
# name with a wrong password.  Bob's load must show BOB_SEES ("403
# Forbidden"; empty where Apache turns the daemon's 403 into its 401 and
# the browser gives up) and neither of the last two alice's page; the
# daemon must have been asked each time (its log).  Without the recipes'
# Cache-Control the browser shows alice's page from its cache to both
# (heuristic freshness: the file is a year old), without asking.  Each
# load may take up to CHROMIUM_TIMEOUT seconds (default 120): no fixed
# wait, a loaded machine only makes it slower.  Without chromium:
# "not ok", or a skip with SERVERS_ALLOW_SKIP=1.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
srv_browser_load() {
	timeout "${CHROMIUM_TIMEOUT:-120}" "$CHROMIUM" --headless --no-sandbox \
	    --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --user-data-dir="$_prof" --dump-dom "$1" \
	    2>> "$SRV_DIR/logs/chromium-$_setup.log"
}
# srv_log_count PATTERN: lines matching PATTERN in the logs (the daemon's,
# wherever this setup sends them).
srv_log_count() {
	cat "$SRV_DIR"/logs/* 2>/dev/null | grep -c -- "$1"
}
# srv_log_grows PATTERN N: within 30 s, more than N lines match (a grant
# is held back a quarter second on an idle machine, longer on a busy one).
srv_log_grows() {
	for _ in $(seq 300); do
		[ "$(srv_log_count "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
srv_check_browser() {
	_setup=$1 _base=$2 _bob_sees=$3
	if [ ! -x "$CHROMIUM" ]; then
		if [ "${SERVERS_ALLOW_SKIP:-0}" = 1 ]; then
			echo "ok - $_setup: browser # SKIP $CHROMIUM not installed"
		else
			echo "not ok - $_setup: browser: $CHROMIUM not installed"
			echo fail >> "$SRV_DIR/tally"
		fi
		return
	fi
	_prof=$SRV_DIR/chromium-$_setup
	rm -rf "$_prof"
	touch -d '1 year ago' "$SRV_DIR/www/admin/secret.txt"
	_hp=${_base#http://}
	_url=/admin/secret.txt
	for _c in alice:alice-pw bob:bob-pw alice:wrong; do
		case $_c in
		alice:alice-pw) _pat='status=200 reason=ok user="alice"' ;;
		bob:bob-pw) _pat='status=403 reason=role user="bob"' ;;
		alice:wrong) _pat='status=401 reason=bad_password user="alice"' ;;
		esac
		_pat="$_pat.*path=\"$_url\""
		_n=$(srv_log_count "$_pat")
		_dom=$(srv_browser_load "http://$_c@$_hp$_url")
		_why=
		case $_c:$_dom in
		alice:alice-pw:*"ADMIN SECRET"*) ;;
		alice:alice-pw:*) _why="alice did not get her page" ;;
		*:*"ADMIN SECRET"*) _why="showed alice's page" ;;
		esac
		if [ "$_c" = bob:bob-pw ] && [ -n "$_bob_sees" ]; then
			case $_dom in *"$_bob_sees"*) ;; *)
				_why="${_why:+$_why; }no '$_bob_sees'" ;;
			esac
		fi
		# A grant is logged within 250 ms, a denial at once.
		srv_log_grows "$_pat" "$_n" ||
		    _why="${_why:+$_why; }the daemon was not asked"
		srv_report "$_setup: browser, one profile: $_c" "$_why" "$_dom" 5
	done
}

# srv_give_up CASE WHY LOG: a setup that cannot go on (its server refused
# the configuration or did not start): "not ok - CASE: WHY" with the last
# 20 lines of LOG, then the closing line, and the exit.
srv_give_up() {
	srv_report "$1" "$2" "$(tail -n 20 "$3" 2>/dev/null)" 20
	srv_finish
}

# srv_finish: prints the closing line and exits with the result.
srv_finish() {
	passed=$(grep -c '^pass$' "$SRV_DIR/tally" 2>/dev/null || true)
	failed=$(grep -c '^fail$' "$SRV_DIR/tally" 2>/dev/null || true)
	echo "${passed:-0} passed, ${failed:-0} failed"
	[ "${failed:-0}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
	exit $?
}

# srv_check_log FILE WHAT: no configuration warning in a server's own
# error log (the issue asks for a clean log).
srv_check_log() {
	if grep -Ei 'warn|error|invalid|deprecated' "$1" | grep -Evi "$2" |
	    grep -q .; then
		echo "not ok - $(basename "$1"): the server logged a warning"
		grep -Ei 'warn|error|invalid|deprecated' "$1" | grep -Evi "$2" |
		    head -5 | sed 's/^/#   /'
		echo fail >> "$SRV_DIR/tally"
	else
		echo "ok - $(basename "$1"): no configuration warning"
		echo pass >> "$SRV_DIR/tally"
	fi
}
