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
. "$(dirname "$0")/apache.sh"

apache_need authnz_fcgi
apache_fixture

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
		# (docs/servers.md, check_user_id mode).
		case $1 in
		allow) echo 200 ;;
		challenge|token_bad|dot_challenge) echo 401 ;;
		forbidden|dot_forbidden) echo 403 ;;
		throttled) echo 429 ;;
		# Apache refuses an encoded slash itself, with 404, before
		# any authentication (AllowEncodedSlashes Off;
		# docs/security.md).
		badpath) echo 404 ;;
		esac ;;
	authnz-provider)
		# mod_auth_basic wants Basic credentials before it asks any
		# provider, so a Bearer token cannot be carried, and a public
		# path without credentials is 401 too.  Every refusal of the
		# daemon becomes Apache's 401 (docs/servers.md): 403 for the
		# role and for the network included.
		apache_401_status "$1" "$2" ;;
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
	# challenge added to a 200 (docs/servers.md, check_user_id mode;
	# avoided by the non-Basic AuthType word).
	*) echo - ;;
	esac
}

# header PATH NAME [CURL ARGS...]: the value(s) of one response header.
header() {
	_path=$1 _name=$2
	shift 2
	headers "$_path" "$@" | sed -n "s/^$_name: *//Ip" | paste -sd'|'
}

# A minimal self-contained Apache: no Debian Include, its own run files.
apache_conf() {
	apache_conf_head
	apache_modules mpm_event authn_core authz_core authz_user auth_basic \
	    authnz_fcgi mime dir alias cgid headers
	cat <<CONF
ScriptSock "$SRV_DIR/run/$setup/cgid.sock"

CONF
	apache_conf_site
	cat <<CONF
# The recipe from the snippet's comment, tried on /admin only.
<Location /admin>
    RequestHeader unset Authorization
</Location>

Include "$SRV_DIR/$setup-snippet.conf"
CONF
}

# run_setup SETUP SNIPPET
run_setup() {
	setup=$1 snippet=$2
	mkdir -p "$SRV_DIR/run/$setup"
	chmod 755 "$SRV_DIR/run/$setup"
	sed -e "s|127\.0\.0\.1:9017|127.0.0.1:$dport|g" \
	    -e "s|/etc/fcgi-authz/fcgi-authz.ini|$SRV_DIR/fcgi-authz.ini|g" \
	    -e "s|/usr/sbin/fcgi-authzd|$AUTHZD|g" \
	    "$top_srcdir/etc/apache/$snippet" > "$SRV_DIR/$setup-snippet.conf"
	apache_start || return
	run_scenarios "apache-$setup" "$base"
	"extra_$(echo "$setup" | tr - _)"
	# One browser profile, two users, in the recommended mode (the
	# daemon's 403 reaches the browser).
	[ "$setup" != authnz ] ||
	    srv_check_browser "apache-$setup" "$base" "403 Forbidden"
	srv_check_throttle "apache-$setup" "$base"
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
		for _ in $(seq 600); do
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
if ! start_daemon; then
	echo "# fcgi-authzd did not start; its logs:"
	tail -n 5 "$SRV_DIR"/logs/fcgi-authzd.attempt*.log | sed 's/^/# /'
	exit 99
fi

run_setup authnz fcgi-authz-authnz.conf
run_setup authnz-provider fcgi-authz-authnz-provider.conf

# The daemon down (the snippets' comment 1): Apache fails closed, 500 at
# once, for protected and public paths alike, and says why in its log.
# Apache starts while the daemon still holds its port, so that free_port
# cannot hand that port to Apache itself.
setup=authnz-down
mkdir -p "$SRV_DIR/run/$setup"
sed -e "s|127\.0\.0\.1:9017|127.0.0.1:$dport|g" \
    "$top_srcdir/etc/apache/fcgi-authz-authnz.conf" > "$SRV_DIR/$setup-snippet.conf"
if apache_start; then
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
