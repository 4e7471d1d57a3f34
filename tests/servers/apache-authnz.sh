#!/bin/bash
# Apache 2.4 + mod_authnz_fcgi with a running fcgi-authzd on 127.0.0.1, in
# both setups from etc/apache/:
#   authnz           fcgi-authz-authnz.conf, the check_user_id mode
#                    (AuthnzFcgiCheckAuthnProvider): the daemon's status,
#                    headers and body reach the client; Basic and Bearer
#   authnz-provider  fcgi-authz-authnz-provider.conf: an AuthBasicProvider
#                    of mod_auth_basic; Basic only, every refusal is
#                    Apache's 401
# Protects static files and a CGI (mod_cgid).
. "$(dirname "$0")/common.sh"

APACHE_MODDIR=${APACHE_MODDIR:-/usr/lib/apache2/modules}
command -v apache2 >/dev/null || { echo "# apache2 not installed"; exit 77; }
[ -f "$APACHE_MODDIR/mod_authnz_fcgi.so" ] ||
    { echo "# mod_authnz_fcgi not installed"; exit 77; }
srv_fixture
# A .htaccess that tries to open /site to everybody: the snippet's
# <Location> is merged after it and must still win (its comment says so),
# which every /site scenario checks.
echo 'Require all granted' > "$SRV_DIR/www/site/.htaccess"
chmod 644 "$SRV_DIR/www/site/.htaccess"

# A CGI that shows the AUTH_TYPE the daemon set and whether the
# Authorization header reached what is served (CGIPassAuth On passes it
# on; see the comment in the snippet).
cat > "$SRV_DIR/www/site/authhdr.cgi" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
printf 'AUTH_TYPE=%s\n' "${AUTH_TYPE:-}"
printf 'HTTP_AUTHORIZATION=%s\n' "${HTTP_AUTHORIZATION:-}"
CGI
chmod 755 "$SRV_DIR/www/site/authhdr.cgi"
cp -p "$SRV_DIR/www/site/authhdr.cgi" "$SRV_DIR/www/admin/authhdr.cgi"

# expect_status KIND CRED: the status this setup answers; two setups here
# cannot tell "allow" apart without the credentials.
expect_status() {
	case $setup in
	authnz)
		# check_user_id mode passes the daemon's status as is
		# (wire.md 3.4).
		case $1 in
		allow) echo 200 ;;
		challenge|token_bad|dot_challenge) echo 401 ;;
		forbidden|dot_forbidden) echo 403 ;;
		# Apache refuses an encoded slash itself, with 404, before
		# any authentication (AllowEncodedSlashes Off; wire.md 6).
		badpath) echo 404 ;;
		esac ;;
	authnz-provider)
		case $1 in
		allow)
			case $2 in
			# mod_auth_basic wants Basic credentials before it asks
			# any provider, so a Bearer token cannot be carried
			# (the token_bad scenario shows the 401 it gets) ...
			bearer:*) echo skip ;;
			# ... and a public path without credentials is 401
			# too (the snippet says how to exempt such paths).
			-) echo 401 ;;
			*) echo 200 ;;
			esac ;;
		# Every refusal of the daemon becomes Apache's 401 (wire.md
		# 3.4): 403 for the role and for the network included.
		challenge|token_bad|forbidden|dot_forbidden|dot_challenge)
			echo 401 ;;
		badpath) echo 404 ;;
		esac ;;
	esac
}
# expect_challenge STATUS KIND
expect_challenge() {
	case $setup.$1 in
	# The daemon's own challenges: Basic first, and Bearer first when
	# a token was refused (both schemes are offered, since users.ini
	# holds a token).
	authnz.401) [ "$2" = token_bad ] && echo Bearer || echo Basic ;;
	# Apache's own Basic challenge (AuthName), never the daemon's.
	authnz-provider.401) echo Basic ;;
	# Nothing else carries a challenge: in particular no Basic
	# challenge added to a 200 (wire.md 3.5 #3, avoided by the
	# non-Basic AuthType word).
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

# header PATH NAME [CURL ARGS...]: the value(s) of one response header.
header() {
	_path=$1 _name=$2
	shift 2
	curl -s -i --path-as-is --max-time 10 "$@" "$base$_path" | tr -d '\r' |
	    sed '/^$/q' | sed -n "s/^$_name: *//Ip" | paste -sd'|'
}

# A minimal self-contained Apache: no Debian Include, its own run files.
apache_conf() {
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

LoadModule mpm_event_module   $APACHE_MODDIR/mod_mpm_event.so
LoadModule authn_core_module  $APACHE_MODDIR/mod_authn_core.so
LoadModule authz_core_module  $APACHE_MODDIR/mod_authz_core.so
LoadModule authz_user_module  $APACHE_MODDIR/mod_authz_user.so
LoadModule auth_basic_module  $APACHE_MODDIR/mod_auth_basic.so
LoadModule authnz_fcgi_module $APACHE_MODDIR/mod_authnz_fcgi.so
LoadModule mime_module        $APACHE_MODDIR/mod_mime.so
LoadModule dir_module         $APACHE_MODDIR/mod_dir.so
LoadModule alias_module       $APACHE_MODDIR/mod_alias.so
LoadModule cgid_module        $APACHE_MODDIR/mod_cgid.so
LoadModule headers_module     $APACHE_MODDIR/mod_headers.so
ScriptSock "$SRV_DIR/run/$setup/cgid.sock"

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
# The recipe from the snippet's comment, tried on /admin only.
<Location /admin>
    RequestHeader unset Authorization
</Location>

Include "$SRV_DIR/$setup-snippet.conf"
CONF
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
		apache_conf > "$SRV_DIR/$setup.conf"
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

# run_setup SETUP SNIPPET
run_setup() {
	setup=$1 snippet=$2
	mkdir -p "$SRV_DIR/run/$setup"
	chmod 755 "$SRV_DIR/run/$setup"
	sed -e "s|127\.0\.0\.1:9000|127.0.0.1:$dport|g" \
	    -e "s|/etc/fcgi-authz/fcgi-authz.ini|$SRV_DIR/fcgi-authz.ini|g" \
	    -e "s|/usr/sbin/fcgi-authzd|$AUTHZD|g" \
	    "$top_srcdir/etc/apache/$snippet" > "$SRV_DIR/$setup-snippet.conf"
	start_apache || return
	run_scenarios "apache-$setup" "$base"
	"extra_$(echo "$setup" | tr - _)"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Apache's startup and shutdown notices are expected, nothing else
	# at warn or above: no configuration warning, no per-request error
	# (mod_authnz_fcgi logs none for the daemon's refusals), except
	# that mod_auth_basic logs every refusal at error level, as ordinary
	# per-request lines: AH01617 "authentication failure ... Password
	# Mismatch" for each refusal of its provider (even for the daemon's
	# 403), AH01614 "client used wrong authentication scheme" for a
	# Bearer token.
	_ok='AH00489|AH00094|AH00491|AH00492'
	[ "$setup" = authnz-provider ] && _ok="$_ok|AH01617|AH01614"
	srv_check_log "$SRV_DIR/logs/apache-$setup-error.log" "$_ok"
}

# Extra assertions for the check_user_id mode.
extra_authnz() {
	# The identity for a public rule: the DefaultUser of the snippet.
	check "public CGI sees the DefaultUser" \
	    "200|REMOTE_USER=[public];AUTHZ_ROLES=;AUTHZ_RULE=public" \
	    "$(get /public/whoami.cgi)"
	# Credentials sent to a public path are not looked at; the identity
	# stays the DefaultUser, whatever the client typed.
	check "public CGI, wrong password: still the DefaultUser" \
	    "200|REMOTE_USER=[public];AUTHZ_ROLES=;AUTHZ_RULE=public" \
	    "$(get /public/whoami.cgi -u alice:wrong)"
	# A token acts as its user with the token's roles only.
	check "token: the rule the backend sees" \
	    "200|REMOTE_USER=alice;AUTHZ_ROLES=editor;AUTHZ_RULE=site" \
	    "$(get /site/whoami.cgi -H "Authorization: Bearer $TOKEN")"
	# Variable-* headers are taken out of the response to the client.
	check "no Variable-* header reaches the client" "" \
	    "$(curl -s -i -u alice:alice-pw "$base/site/index.txt" |
	        grep -ci '^variable-' | grep -v '^0$')"
	# The daemon's body and its two challenges on a 401.
	check "401 carries the daemon's body" "401|401 Unauthorized" \
	    "$(get /site/index.txt)"
	# Apache joins the daemon's two WWW-Authenticate headers into one
	# (a valid list of challenges, RFC 9110 11.6.1).
	check "401 offers Basic and Bearer (the daemon's realm)" \
	    'Basic realm="Integration", charset="UTF-8", Bearer realm="Integration"' \
	    "$(header /site/index.txt WWW-Authenticate)"
	check "403 carries the daemon's body" "403|403 Forbidden" \
	    "$(get /admin/secret.txt -u bob:bob-pw)"
	# CGIPassAuth On hands the header to what is served, too (the
	# snippet says so, and how to remove it).
	check "CGIPassAuth passes Authorization on to a CGI" \
	    "200|AUTH_TYPE=Basic;HTTP_AUTHORIZATION=Basic $(printf alice:alice-pw | base64)" \
	    "$(get /site/authhdr.cgi -u alice:alice-pw)"
	# AUTH_TYPE is the daemon's (Variable-AUTH_TYPE), not the AuthType
	# word of the snippet.
	check "a token's AUTH_TYPE is Bearer" \
	    "200|AUTH_TYPE=Bearer;HTTP_AUTHORIZATION=Bearer $TOKEN" \
	    "$(get /site/authhdr.cgi -H "Authorization: Bearer $TOKEN")"
	# ... and the snippet's recipe removes it after the decision: the
	# daemon still authenticated alice from it (200, not 401).
	check "RequestHeader unset Authorization hides it from the CGI" \
	    "200|AUTH_TYPE=Basic;HTTP_AUTHORIZATION=" \
	    "$(get /admin/authhdr.cgi -u alice:alice-pw)"
}

# Extra assertions for the provider mode.
extra_authnz_provider() {
	# REMOTE_USER comes from the Basic header, the roles from the daemon.
	check "backend identity" \
	    "200|REMOTE_USER=alice;AUTHZ_ROLES=admin,editor;AUTHZ_RULE=site" \
	    "$(get /site/whoami.cgi -u alice:alice-pw)"
	check "401 is Apache's page, not the daemon's body" "1" \
	    "$(get /site/index.txt -u bob:wrong | grep -c '<title>401 Unauthorized')"
	check "401 carries Apache's challenge (AuthName)" \
	    'Basic realm="Restricted area"' \
	    "$(header /admin/secret.txt WWW-Authenticate -u bob:bob-pw)"
	# An "access = public" rule must still verify credentials Apache
	# decoded: mod_auth_basic takes a 200 from its provider as "this
	# password is right" and would pass the typed name on as REMOTE_USER.
	check "public CGI, wrong password: refused, not REMOTE_USER=alice" \
	    "401" "$(get /public/whoami.cgi -u alice:wrong | cut -d'|' -f1)"
}

# The running daemon, as systemd would start it, on TCP (mod_authnz_fcgi
# knows no unix sockets).  It logs "serving with N workers" once it
# listens; if another server took the port first, it exits instead, and
# another port is tried.
start_daemon() {
	for _try in 1 2 3; do
		dport=$(free_port)
		"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" -l "127.0.0.1:$dport" \
		    2> "$SRV_DIR/logs/fcgi-authzd.log" &
		dpid=$!
		for _ in $(seq 100); do
			grep -q 'serving with' "$SRV_DIR/logs/fcgi-authzd.log" &&
			    break
			kill -0 "$dpid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$dpid" 2>/dev/null &&
		    grep -q 'serving with' "$SRV_DIR/logs/fcgi-authzd.log"; then
			on_exit "kill $dpid 2>/dev/null"
			return 0
		fi
		kill "$dpid" 2>/dev/null
		wait "$dpid" 2>/dev/null
		mv "$SRV_DIR/logs/fcgi-authzd.log" \
		    "$SRV_DIR/logs/fcgi-authzd.attempt$_try.log"
	done
	return 1
}
start_daemon || { echo "# fcgi-authzd did not start"; exit 99; }

run_setup authnz fcgi-authz-authnz.conf
run_setup authnz-provider fcgi-authz-authnz-provider.conf

# The daemon down (the snippets' comment 1): Apache fails closed, 500 at
# once, for protected and public paths alike, and says why in its log.
# Apache starts while the daemon still holds its port, so that free_port
# cannot hand that port to Apache itself.
setup=authnz-down
mkdir -p "$SRV_DIR/run/$setup"
sed -e "s|127\.0\.0\.1:9000|127.0.0.1:$dport|g" \
    "$top_srcdir/etc/apache/fcgi-authz-authnz.conf" > "$SRV_DIR/$setup-snippet.conf"
if start_apache; then
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	check "daemon down: alice gets 500, not the file" "500" \
	    "$(get /site/index.txt -u alice:alice-pw | cut -d'|' -f1)"
	check "daemon down: a public path gets 500" "500" \
	    "$(get /public/hello.txt | cut -d'|' -f1)"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check "daemon down: Apache logs the refused connection" 2 \
	    "$(grep -c 'Connection refused.*AH02495: attempt to connect' \
	        "$SRV_DIR/logs/apache-$setup-error.log")"
fi
srv_finish
