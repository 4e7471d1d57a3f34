# tests/servers/fwdauth.sh: what the setups of proxies that ask the
# daemon's HTTP forward-auth listener share (caddy.sh, haproxy.sh,
# traefik.sh; docs/servers.md, HTTP forward auth).  Sourced after
# common.sh; each setup sets SETUP and $base, its proxy in front of the
# daemon, then calls these.

# What such a proxy lets through (run_scenarios): the daemon's answer
# itself for anything but a 2xx; its first challenge is the one that
# matters.
expect_status() {
	case $1 in
	allow) echo 200 ;;
	challenge|token_bad|dot_challenge) echo 401 ;;
	forbidden|dot_forbidden) echo 403 ;;
	throttled) echo 429 ;;
	badpath) echo 400 ;;
	esac
}
expect_challenge() {
	case $1 in
	401) [ "$2" = token_bad ] && echo Bearer || echo Basic ;;
	*) echo - ;;
	esac
}

# result OK|FAIL MESSAGE [DETAIL]: one case of this setup's own.
result() {
	srv_report "$SETUP: $2" "$([ "$1" = OK ] || echo failed)" "${3:-}" 15
}

# fwd_serve_ro: a GET-only path, /ro, for fwd_check_method: a POST matches
# no rule, so the default (deny) refuses it.  Before the daemon starts.
fwd_serve_ro() {
	mkdir -p "$SRV_DIR/www/ro"
	echo "read only" > "$SRV_DIR/www/ro/file.txt"
	cat >> "$SRV_DIR/fcgi-authz.ini" <<'INI'

[rule:readonly]
path = /ro
methods = GET
access = public
INI
}

# fwd_start_backend: tests/servers/echo-backend.py on a free port, serving
# $SRV_DIR/www and echoing the identity headers.  Sets bport and bpid.
fwd_start_backend() {
	bport=$(free_port)
	python3 "$(dirname "${BASH_SOURCE[0]}")/echo-backend.py" "$bport" \
	    "$SRV_DIR/www" 2> "$SRV_DIR/logs/backend-run.log" &
	bpid=$!
	on_exit "kill $bpid 2>/dev/null"
	wait_for_url "http://127.0.0.1:$bport/public/hello.txt" "$bpid" ||
	    { echo "# the backend did not start"; exit 99; }
}

# fwd_check_ident: a client's own Remote-* headers never reach the
# backend: the proxy replaces them with the daemon's, empty on a public
# path (four cases).
fwd_check_ident() {
	_ci() { # NAME URL WANT-STATUS WANT-LINE CURL-ARGS...
		_name=$1 _url=$2 _want=$3 _line=$4
		shift 4
		_out=$(req -H 'Remote-User: mallory' -H 'Remote-Groups: admin' \
		    -H 'Remote-Rule: mallory' "$@" "$base$_url")
		_st=$(status_of "$_out")
		_body=$(body_of "$_out")
		if [ "$_st" = "$_want" ] &&
		    printf '%s\n' "$_body" | grep -qx "$_line" &&
		    ! printf '%s\n' "$_body" | grep -q 'mallory\|=admin$\|{'; then
			result OK "$_name ($_st, $_line)"
		else
			result FAIL "$_name: expected $_want and $_line" "$_out"
		fi
	}
	_ci "claimed Remote-User: mallory, alice's credentials" \
	    /site/whoami.cgi 200 REMOTE_USER=alice -u alice:alice-pw
	_ci "claimed Remote-User: mallory, token" \
	    /site/whoami.cgi 200 AUTHZ_ROLES=editor -H "Authorization: Bearer $TOKEN"
	_ci "claimed Remote-User: mallory, public path" \
	    /public/whoami.cgi 200 REMOTE_USER=
	_ci "claimed Remote-User: mallory, public path, rule" \
	    /public/whoami.cgi 200 AUTHZ_RULE=public
}

# fwd_check_method: the client's method decides, and a client cannot
# claim another: GET and HEAD to the GET-only /ro pass, a POST is refused,
# with or without a forged X-Forwarded-Method or X-Original-Method (which
# may also be refused as a request that cannot be told apart: any 4xx).
fwd_check_method() {
	for _c in "GET|200|" "HEAD|200|" "POST|403|" \
	    "POST|403|X-Forwarded-Method: GET" "POST|4xx|X-Original-Method: GET"; do
		_m=${_c%%|*} _rest=${_c#*|}
		_want=${_rest%%|*} _forged=${_rest#*|}
		case $_m in
		GET) set -- ;;
		HEAD) set -- -I ;;
		POST) set -- -u alice:alice-pw -d 'x=1' ;;
		esac
		[ -z "$_forged" ] || set -- "$@" -H "$_forged"
		_out=$(req "$@" "$base/ro/file.txt")
		_st=$(status_of "$_out")
		case $_want:$_st in
		4xx:4[0-9][0-9]) _ok=1 ;;
		*) [ "$_st" = "$_want" ] && _ok=1 || _ok= ;;
		esac
		if [ -n "$_ok" ]; then
			result OK "$_m to a GET-only path${_forged:+, $_forged} ($_st)"
		else
			result FAIL "$_m to a GET-only path${_forged:+, $_forged}: expected $_want" "$_out"
		fi
	done
}

# fwd_check_down WANT: with the daemon ($dpid) gone, WANT (a status, or
# 5xx) and no file.
fwd_check_down() {
	kill "$dpid"
	wait "$dpid" 2>/dev/null
	for _u in /site/index.txt /public/hello.txt; do
		_out=$(req -u alice:alice-pw "$base$_u")
		_st=$(status_of "$_out")
		case $1:$_st in
		5xx:5[0-9][0-9]|"$_st:$_st") result OK "daemon down, $_u: $_st" ;;
		*) result FAIL "daemon down, $_u: expected $1" "$_out" ;;
		esac
	done
}
