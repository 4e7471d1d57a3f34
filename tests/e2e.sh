#!/bin/sh
#
# e2e.sh: end-to-end test of fcgi-authzd through real FastCGI exchanges
# (docs/servers.md).  Starts the daemon on a unix socket in a temporary
# directory, with a configuration and users file written at run time, and
# drives it with tests/fcgi-client the way Apache, lighttpd and nginx do
# (docs/servers.md).  Checks the status line, the challenge, the
# Variable-* lines and the reason in the decision log line of every answer,
# then reloads (on SIGHUP, and without a signal when the users file changes
# on disk), hostile peers, the order and timing of the decision log (grants
# held back, denials at once) and SIGTERM; last, with a daemon of its own,
# the verification cache across reloads.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/e2e.sh
# Writes only into a mktemp -d directory (distcheck: read-only srcdir).
# Exit: 0 all passed, 1 a case failed, 77 skipped, 99 broken setup.
# E2E_KEEP=1 keeps the temporary directory (the daemon's log is "log").

set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}
CR=$(printf '\r')

# ---- helpers --------------------------------------------------------------

status_text() {
	case $1 in
	200) echo "OK" ;;
	400) echo "Bad Request" ;;
	401) echo "Unauthorized" ;;
	403) echo "Forbidden" ;;
	429) echo "Too Many Requests" ;;
	*) echo "Internal Server Error" ;;
	esac
}

# Every secret sent goes into this list; none may reach the log.
secret() {
	printf '%s\n' "$1" >>"$T/secrets"
}

# basic USER PASSWORD: an Authorization value (the base64 is a secret too).
basic() {
	b=$(basic_auth "$1" "$2")
	secret "$2"
	secret "${b#Basic }"
	echo "$b"
}

bearer() {
	secret "$1"
	echo "Bearer $1"
}

mkhash() {
	h=$(cheap_hash "$1") || return 1
	secret "$1"
	secret "$h"
	echo "$h"
}

# Waits up to $2 tenths of a second for the log to match $1 more than $3
# times; returns 1 on timeout.
wait_log() {
	i=0
	while [ $i -lt "$2" ]; do
		c=$(grep -c -- "$1" "$T/log" 2>/dev/null || true)
		[ "$c" -gt "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# q ROLE PARAM...: one request with the client timeout $CT.  Leaves the
# reply in $T/out (headers without CR in $T/hdrs), the client's exit in RC
# and stderr in $T/err, and the request's decision line in DEC.  30 s:
# a password is hashed at nice 19, which on a busy machine takes seconds.
CT=30
q() {
	role=$1
	shift
	before=$(ndecisions)
	"$CLIENT" -r "$role" -t "$CT" "$ADDR" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	awk '{ sub(/\r$/, "") } /^$/ { exit } { print }' "$T/out" >"$T/hdrs"
	dec_wait "$before"
}

# q_site AUTH: q for GET /site/page from 127.0.0.1 with Authorization AUTH.
q_site() {
	q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
	    "HTTP_AUTHORIZATION=$1"
}

# Checks that every header line of $T/out ends in CRLF and that an empty
# line ends the block; prints what is wrong, or nothing.
hdr_shape() {
	awk -v cr="$CR" '
		BEGIN { inhdr = 1; bad = 0 }
		inhdr && $0 == cr { inhdr = 0; exit }
		inhdr && substr($0, length($0)) != cr { bad = 1 }
		END { if (inhdr) print "no CRLF empty line after the headers";
		      else if (bad) print "a header line without CR" }' "$T/out"
}

# Bytes after the header block of $T/out.
body_len() {
	awk -v cr="$CR" '
		BEGIN { inhdr = 1; body = 0 }
		inhdr && $0 == cr { inhdr = 0; next }
		!inhdr { body += length($0) + 1 }
		END { print body }' "$T/out"
}

# expect STATUS REASON [RULE]: the status line, the header block's shape,
# a body on denials (docs/servers.md, What the daemon answers), and the
# decision line's status, reason (and rule).
expect() {
	if [ "$RC" -ne 0 ]; then
		fail "client exit $RC (expected 0): $(head -c 300 "$T/err")"
	fi
	want="Status: $1 $(status_text "$1")"
	got=$(head -n 1 "$T/out")
	if [ "$got" != "$want$CR" ]; then
		fail "status line: expected '$want' + CRLF, got '$(printf '%s' "$got" | tr -d '\r')'"
	fi
	sh_err=$(hdr_shape)
	[ -z "$sh_err" ] || fail "answer shape: $sh_err"
	if [ "$1" != 200 ] && [ "$(body_len)" = 0 ]; then
		fail "a $1 without a body"
	fi
	if [ -z "$DEC" ]; then
		fail "no decision line in the log"
	else
		[ "$(dec status)" = "$1" ] ||
		    fail "log status: expected $1, got '$(dec status)' in: $DEC"
		[ "$(dec reason)" = "$2" ] ||
		    fail "log reason: expected $2, got '$(dec reason)' in: $DEC"
		d=allow
		[ "$1" = 200 ] || d=deny
		[ "$(dec decision)" = "$d" ] ||
		    fail "log decision: expected $d, got '$(dec decision)'"
		if [ $# -ge 3 ] && [ "$(dec rule)" != "$3" ]; then
			fail "log rule: expected $3, got '$(dec rule)'"
		fi
	fi
}

# expect_dec FIELD VALUE
expect_dec() {
	[ "$(dec "$1")" = "$2" ] ||
	    fail "log $1: expected '$2', got '$(dec "$1")' in: $DEC"
}

# expect_www LINE...: exactly these WWW-Authenticate values, any order.
expect_www() {
	: >"$T/www.want"
	for w in "$@"; do
		printf 'WWW-Authenticate: %s\n' "$w" >>"$T/www.want"
	done
	sort "$T/www.want" >"$T/www.want.s"
	grep -i '^WWW-Authenticate:' "$T/hdrs" | sort >"$T/www.got.s"
	if ! cmp -s "$T/www.want.s" "$T/www.got.s"; then
		fail "WWW-Authenticate: expected [$(paste -sd'|' "$T/www.want.s")], got [$(paste -sd'|' "$T/www.got.s")]"
	fi
}

# expect_200 VAR=VALUE...: a 200 whose headers are exactly Status and
# these Variable-* lines (any order), CRLF, with no body.  In the
# RESPONDER role (R200=USER|GROUPS|RULE) Remote-User, Remote-Groups and
# Remote-Rule too, for Caddy (docs/servers.md).
expect_200() {
	echo "Status: 200 OK" >"$T/h.want"
	for v in "$@"; do
		printf 'Variable-%s: %s\n' "${v%%=*}" "${v#*=}" >>"$T/h.want"
	done
	if [ -n "${R200:-}" ]; then
		printf 'Remote-User: %s\nRemote-Groups: %s\nRemote-Rule: %s\n' \
		    "${R200%%|*}" "$(echo "$R200" | cut -d'|' -f2)" \
		    "${R200##*|}" >>"$T/h.want"
	fi
	sort "$T/h.want" >"$T/h.want.s"
	sort "$T/hdrs" >"$T/h.got.s"
	if ! cmp -s "$T/h.want.s" "$T/h.got.s"; then
		fail "200 headers: expected [$(paste -sd'|' "$T/h.want.s")], got [$(paste -sd'|' "$T/h.got.s")]"
	fi
	if grep -v -e '^Status: ' -e '^Variable-' ${R200:+-e '^Remote-'} "$T/hdrs" >/dev/null; then
		fail "200 carries other headers: $(grep -v -e '^Status: ' -e '^Variable-' ${R200:+-e '^Remote-'} "$T/hdrs" | paste -sd'|')"
	fi
	[ "$(body_len)" = 0 ] || fail "200 with a body of $(body_len) bytes"
}

# expect_no_hdr NAME: no such header in the answer.
expect_no_hdr() {
	if grep -i "^$1:" "$T/hdrs" >/dev/null; then
		fail "unexpected header: $(grep -i "^$1:" "$T/hdrs" | head -n 1)"
	fi
}

# ---- setup ----------------------------------------------------------------

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands base64 awk sed sort cmp paste head tr cut pgrep
blake2b_hex x >/dev/null 2>&1 || { echo "# skip: neither b2sum nor python3"; exit 77; }

tmpdir_make e2e
: >"$T/secrets"
: >"$T/log"
CONF=$T/fcgi-authz.ini
USERS=$T/users.ini
SOCK=$T/sock
ADDR=unix:$SOCK
REALM="Test realm"

PW_ALICE=alice-Pw-7f3k9q
PW_BOB=bob-Pw-2m8x4v
PW_BOB2=bob-NewPw-5r1c8n
PW_CAROL=carol-Pw-9d2h6w
PW_DAVE=dave-Pw-3j7p1s
PW_ERIN=erin-Pw-6t4y0b
PW_FRANK=frank-Pw-8c3v5n
PW_GRACE=grace-Pw-1x9k4m
PW_HEIDI=heidi-Pw-5q2w7e
PW_IVAN=ivan-Pw-4r6t8y
PW_JUDY=judy-Pw-0u3i5o
PW_KIM=kim-Pw-2b7n9z
PW_KIM2=kim-NewPw-6h1f3d
PW_SLOTH=sloth-Pw-8w5e2r
PW_WRONG=Wr0ng-Pw-q7z2k
TOK_DEPLOY=tokE2eDeploy-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c
TOK_OLD=tokE2eOld-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d
TOK_BAD=tokE2eUnknown-0f1e2d3c4b5a69788796a5b4c3d2e1f0
secret "$TOK_DEPLOY"
secret "$TOK_OLD"
secret "$TOK_BAD"

H_ALICE=$(mkhash "$PW_ALICE") || bail "mkhash failed"
H_BOB=$(mkhash "$PW_BOB") || bail "mkhash failed"
H_BOB2=$(mkhash "$PW_BOB2") || bail "mkhash failed"
H_CAROL=$(mkhash "$PW_CAROL") || bail "mkhash failed"
H_DAVE=$(mkhash "$PW_DAVE") || bail "mkhash failed"
H_ERIN=$(mkhash "$PW_ERIN") || bail "mkhash failed"
H_FRANK=$(mkhash "$PW_FRANK") || bail "mkhash failed"
H_GRACE=$(mkhash "$PW_GRACE") || bail "mkhash failed"
H_HEIDI=$(mkhash "$PW_HEIDI") || bail "mkhash failed"
H_IVAN=$(mkhash "$PW_IVAN") || bail "mkhash failed"
H_JUDY=$(mkhash "$PW_JUDY") || bail "mkhash failed"
H_KIM=$(mkhash "$PW_KIM") || bail "mkhash failed"
H_KIM2=$(mkhash "$PW_KIM2") || bail "mkhash failed"
# sloth's hash takes about a quarter of a second to verify (32 MiB, t=30)
# on an idle machine: long enough to hold the only hashing place while a
# few requests go by, and no longer, since the hashing threads run at the
# lowest priority and take many times that on a busy machine.
H_SLOTH=$(printf '%s\n' "$PW_SLOTH" | "$MKHASH" argon2id 30 33554432) ||
    bail "mkhash failed"
secret "$PW_SLOTH"
secret "$H_SLOTH"
D_DEPLOY=$(blake2b_hex "$TOK_DEPLOY") || bail "blake2b failed"
D_OLD=$(blake2b_hex "$TOK_OLD") || bail "blake2b failed"

# write_conf [EXTRA_SERVER_LINE]: the daemon's configuration, with
# WORKERS request threads and a [cache] ttl of CACHE_TTL.  Written to a
# temporary file and renamed, so a reload never reads half a file.
WORKERS=1
CACHE_TTL=300
write_conf() {
	{
		echo "; fcgi-authz.ini written by tests/e2e.sh"
		echo "[server]"
		[ $# -gt 0 ] && echo "$1"
		cat <<EOF
users = users.ini
workers = $WORKERS
realm = $REALM
default = deny
authz_failure = 403
trusted_proxies =
log = stderr
request_timeout = 2

[hashing]
max_concurrent = 2
max_memory = 64M
opslimit = 1
memlimit = 8M

[cache]
ttl = $CACHE_TTL
entries = 1024

[metrics]
textfile = $T/metrics.prom

[throttle]
max_failures = 1000000
window = 1
ban = 1
state = $T/throttle

[rule:health]
path = =/healthz
methods = GET
access = public

[rule:public]
path = /public
access = public

[rule:admin]
path = /admin
roles = admin
networks = 127.0.0.0/8, ::1

[rule:internal]
path = /internal
access = authenticated
networks = 10.0.0.0/8

[rule:deploy]
path = /deploy
methods = POST, PUT
roles = deploy

[rule:old]
path = /old
access = deny

[rule:site]
path = /site
access = authenticated
EOF
	} >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}

# write_users BOB_HASH [with-erin]: USERS_EXTRA, when set, goes at the end.
USERS_EXTRA=
write_users() {
	{
		cat <<EOF
; users.ini written by tests/e2e.sh
[user:alice]
password = $H_ALICE
roles = admin, editor, deploy

[user:bob]
password = $1
roles = editor

[user:carol]
password = $H_CAROL
roles = editor
disabled = yes

[user:dave]
password = $H_DAVE
roles = admin
expires = 2020-01-31

[token:ci-deploy]
user = alice
roles = deploy
hash = blake2b:$D_DEPLOY

[token:ci-old]
user = alice
roles = deploy
hash = blake2b:$D_OLD
expires = 2020-01-01
EOF
		if [ $# -gt 1 ]; then
			cat <<EOF

[user:erin]
password = $H_ERIN
roles = editor
EOF
		fi
		[ -z "$USERS_EXTRA" ] || printf '\n%s\n' "$USERS_EXTRA"
	} >"$USERS.tmp" && mv "$USERS.tmp" "$USERS"
}

write_conf
write_users "$H_BOB"

A_ALICE=$(basic alice "$PW_ALICE")
A_ALICE_WRONG=$(basic alice "$PW_WRONG")
A_MALLORY=$(basic mallory "$PW_WRONG")
A_BOB=$(basic bob "$PW_BOB")
A_BOB2=$(basic bob "$PW_BOB2")
A_CAROL=$(basic carol "$PW_CAROL")
A_DAVE=$(basic dave "$PW_DAVE")
A_ERIN=$(basic erin "$PW_ERIN")
A_FRANK=$(basic frank "$PW_FRANK")
A_GRACE=$(basic grace "$PW_GRACE")
A_HEIDI=$(basic heidi "$PW_HEIDI")
A_IVAN=$(basic ivan "$PW_IVAN")
A_JUDY=$(basic judy "$PW_JUDY")
A_KIM=$(basic kim "$PW_KIM")
A_KIM2=$(basic kim "$PW_KIM2")
A_SLOTH_WRONG=$(basic sloth "$PW_WRONG")
B_DEPLOY=$(bearer "$TOK_DEPLOY")
B_OLD=$(bearer "$TOK_OLD")
B_BAD=$(bearer "$TOK_BAD")

W_BASIC="Basic realm=\"$REALM\", charset=\"UTF-8\""
W_BEARER="Bearer realm=\"$REALM\""
W_BADTOK="Bearer realm=\"$REALM\", error=\"invalid_token\""
W_SCOPE="Bearer realm=\"$REALM\", error=\"insufficient_scope\""

LOCAL="REMOTE_ADDR=127.0.0.1"
FOREIGN="REMOTE_ADDR=203.0.113.9"

# ---- configuration check --------------------------------------------------

begin "fcgi-authzd -t accepts the good configuration"
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>"$T/t.err"
rc=$?
[ $rc -eq 0 ] || fail "exit: expected 0, got $rc: $(cat "$T/t.err")"
[ -s "$T/t.err" ] && fail "stderr: expected nothing, got: $(head -n 3 "$T/t.err")"
end

# ---- start ----------------------------------------------------------------

daemon_start
[ -S "$SOCK" ] || { cat "$T/log"; bail "no socket $SOCK after 60 s"; }
grep -q 'serving with' "$T/log" || { cat "$T/log"; bail "no worker after 60 s"; }
guard_start

# ---- the status table (docs/servers.md) ------------------------------------

begin "200: alice GET /admin, Basic"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/admin/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 200 ok admin
expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=admin AUTH_TYPE=Basic
expect_dec user alice
expect_dec method GET
expect_dec path /admin/x
expect_dec addr 127.0.0.1
end

begin "200: the same again (from the cache)"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/admin/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 200 ok admin
expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=admin AUTH_TYPE=Basic
end

begin "200: public path without credentials"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/public/a.css "$FOREIGN"
expect 200 public public
expect_200 AUTHZ_RULE=public
end

begin "200: =/healthz with HEAD (GET implies HEAD)"
q authorizer REQUEST_METHOD=HEAD REQUEST_URI=/healthz "$FOREIGN"
expect 200 public health
expect_no_hdr Variable-REMOTE_USER
end

begin "403: POST /healthz matches no rule: default deny"
q authorizer REQUEST_METHOD=POST REQUEST_URI=/healthz "$FOREIGN"
expect 403 deny_rule "(default)"
expect_www
end

begin "401: no credentials"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL"
expect 401 no_credentials site
expect_www "$W_BASIC" "$W_BEARER"
cp "$T/out" "$T/out.nocred"
end

begin "401: wrong password"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE_WRONG"
expect 401 bad_password site
expect_www "$W_BASIC" "$W_BEARER"
expect_dec user alice
cp "$T/out" "$T/out.badpw"
end

begin "401: unknown user"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_MALLORY"
expect 401 unknown_user site
expect_www "$W_BASIC" "$W_BEARER"
cp "$T/out" "$T/out.unknown"
end

begin "401: unknown user and wrong password answers are byte-identical"
if ! cmp -s "$T/out.badpw" "$T/out.unknown"; then
	fail "they differ: $(cmp "$T/out.badpw" "$T/out.unknown" 2>&1)"
fi
[ -s "$T/out.badpw" ] || fail "empty answers"
end

begin "401: disabled account (right password)"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_CAROL"
expect 401 disabled site
expect_www "$W_BASIC" "$W_BEARER"
cmp -s "$T/out" "$T/out.badpw" ||
    fail "answer differs from the wrong-password one"
end

begin "401: expired account (right password)"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_DAVE"
expect 401 expired site
expect_www "$W_BASIC" "$W_BEARER"
cmp -s "$T/out" "$T/out.badpw" ||
    fail "answer differs from the wrong-password one"
end

begin "401: malformed Basic credentials"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=Basic !!!notbase64"
expect 401 malformed site
expect_www "$W_BASIC" "$W_BEARER"
end

begin "401: unknown token, error=\"invalid_token\""
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$B_BAD"
expect 401 bad_token site
expect_www "$W_BADTOK" "$W_BASIC"
end

begin "401: expired token"
q authorizer REQUEST_METHOD=POST REQUEST_URI=/deploy/app "$LOCAL" \
    "HTTP_AUTHORIZATION=$B_OLD"
expect 401 expired deploy
expect_www "$W_BADTOK" "$W_BASIC"
end

begin "200: token with the role"
q authorizer REQUEST_METHOD=POST REQUEST_URI=/deploy/app "$LOCAL" \
    "HTTP_AUTHORIZATION=$B_DEPLOY"
expect 200 ok deploy
expect_200 REMOTE_USER=alice AUTHZ_ROLES=deploy AUTHZ_RULE=deploy \
    AUTH_TYPE=Bearer
end

begin "403: token without the role, error=\"insufficient_scope\""
q authorizer REQUEST_METHOD=GET REQUEST_URI=/admin/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$B_DEPLOY"
expect 403 role admin
expect_www "$W_SCOPE"
end

begin "403: authenticated user without the role"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/admin/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_BOB"
expect 403 role admin
expect_www
expect_dec user bob
end

begin "403: network refused, whatever the credentials"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/admin/x "$FOREIGN" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 403 network admin
expect_www
expect_dec addr 203.0.113.9
end

begin "403: network refused without credentials (not 401)"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/internal/x "$LOCAL"
expect 403 network internal
expect_www
end

begin "403: deny rule, whatever the credentials"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/old/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 403 deny_rule old
expect_www
end

begin "403: default deny (no rule matches)"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/elsewhere "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 403 deny_rule "(default)"
expect_www
end

begin "403: method outside the rule's methods falls to the default"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/deploy/app "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 403 deny_rule "(default)"
end

begin "400: encoded slash /x/..%2fadmin/x"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/x/..%2fadmin/x "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 400 bad_path
expect_www
end

begin "400: encoded NUL /a%00b"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/a%00b "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 400 bad_path
expect_www
end

begin "403: /public/../admin//x?a=/public is matched as /admin/x"
q authorizer REQUEST_METHOD=GET "REQUEST_URI=/public/../admin//x?a=/public" \
    "$LOCAL" "HTTP_AUTHORIZATION=$A_BOB"
expect 403 role admin
expect_dec path /admin/x
end

# ---- duplicated params (docs/servers.md) -----------------------------------

begin "401: duplicated HTTP_AUTHORIZATION"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE" "HTTP_AUTHORIZATION=$A_ALICE"
expect 401 malformed site
expect_www "$W_BASIC" "$W_BEARER"
end

begin "duplicated REQUEST_URI: the first wins"
q authorizer REQUEST_METHOD=GET REQUEST_URI=/site/page REQUEST_URI=/old/x \
    "$LOCAL" "HTTP_AUTHORIZATION=$A_BOB"
expect 200 ok site
expect_dec path /site/page
end

# ---- Apache phases (docs/servers.md) ---------------------------------------

begin "Apache AUTHENTICATOR: REMOTE_USER/REMOTE_PASSWD, no Authorization"
q authorizer FCGI_APACHE_ROLE=AUTHENTICATOR REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$LOCAL" REMOTE_USER=alice \
    "REMOTE_PASSWD=$PW_ALICE" AUTH_TYPE=Basic
expect 200 ok admin
expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=admin AUTH_TYPE=Basic
end

begin "Apache AUTHENTICATOR: wrong REMOTE_PASSWD"
q authorizer FCGI_APACHE_ROLE=AUTHENTICATOR REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$LOCAL" REMOTE_USER=alice \
    "REMOTE_PASSWD=$PW_WRONG"
expect 401 bad_password admin
expect_www "$W_BASIC" "$W_BEARER"
end

begin "Apache AUTHENTICATOR (check_user_id mode): no credentials"
q authorizer FCGI_APACHE_ROLE=AUTHENTICATOR REQUEST_METHOD=GET \
    REQUEST_URI=/site/page "$LOCAL"
expect 401 no_credentials site
expect_www "$W_BASIC" "$W_BEARER"
end

begin "Apache AUTHORIZER: REMOTE_USER only, user with the role"
q authorizer FCGI_APACHE_ROLE=AUTHORIZER REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$LOCAL" REMOTE_USER=alice
expect 200 ok admin
expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=admin AUTH_TYPE=Basic
end

begin "Apache AUTHORIZER: REMOTE_USER only, user without the role"
q authorizer FCGI_APACHE_ROLE=AUTHORIZER REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$LOCAL" REMOTE_USER=bob
expect 403 role admin
expect_dec user bob
end

begin "Apache ACCESS_CHECKER: network refused"
q authorizer FCGI_APACHE_ROLE=ACCESS_CHECKER REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$FOREIGN"
expect 403 network admin
end

begin "Apache ACCESS_CHECKER: allowed network, no credentials needed"
q authorizer FCGI_APACHE_ROLE=ACCESS_CHECKER REQUEST_METHOD=GET \
    REQUEST_URI=/admin/x "$LOCAL"
expect 200 ok admin
expect_no_hdr Variable-REMOTE_USER
if grep -v -e '^Status: ' -e '^Variable-' "$T/hdrs" >/dev/null; then
	fail "200 carries other headers"
fi
end

begin "mod_authnz_fcgi authnz (no FCGI_APACHE_ROLE): allowed"
q authorizer FCGI_ROLE=AUTHORIZER REQUEST_METHOD=GET REQUEST_URI=/admin/x \
    "$LOCAL" REMOTE_USER=alice "REMOTE_PASSWD=$PW_ALICE"
expect 200 ok admin
expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=admin AUTH_TYPE=Basic
end

begin "mod_authnz_fcgi authnz (no FCGI_APACHE_ROLE): role refused"
q authorizer FCGI_ROLE=AUTHORIZER REQUEST_METHOD=GET REQUEST_URI=/admin/x \
    "$LOCAL" REMOTE_USER=bob "REMOTE_PASSWD=$PW_BOB"
expect 403 role admin
end

# ---- nginx: RESPONDER role (docs/servers.md) -------------------------------

begin "RESPONDER: decided on AUTHZ_ORIGINAL_METHOD=POST, not GET"
q responder REQUEST_METHOD=GET SCRIPT_NAME=/_auth REQUEST_URI=/deploy/app \
    AUTHZ_ORIGINAL_METHOD=POST AUTHZ_ORIGINAL_URI=/deploy/app "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 200 ok deploy
expect_dec method POST
R200='alice|admin,editor,deploy|deploy' \
    expect_200 REMOTE_USER=alice AUTHZ_ROLES=admin,editor,deploy \
    AUTHZ_RULE=deploy AUTH_TYPE=Basic
end

begin "RESPONDER: path from AUTHZ_ORIGINAL_URI, query dropped"
q responder REQUEST_METHOD=GET REQUEST_URI=/public/x \
    AUTHZ_ORIGINAL_METHOD=GET "AUTHZ_ORIGINAL_URI=/admin/x?q=1&x=%2F" \
    "$LOCAL" "HTTP_AUTHORIZATION=$A_BOB"
expect 403 role admin
expect_dec path /admin/x
end

begin "RESPONDER: unverified REMOTE_USER (and REMOTE_PASSWD) ignored"
q responder REQUEST_METHOD=GET REQUEST_URI=/site/page \
    AUTHZ_ORIGINAL_METHOD=GET AUTHZ_ORIGINAL_URI=/site/page "$LOCAL" \
    REMOTE_USER=alice "REMOTE_PASSWD=$PW_ALICE"
expect 401 no_credentials site
expect_www "$W_BASIC" "$W_BEARER"
end

begin "RESPONDER: Authorization wins over nginx's REMOTE_USER"
q responder REQUEST_METHOD=GET REQUEST_URI=/site/page \
    AUTHZ_ORIGINAL_METHOD=GET AUTHZ_ORIGINAL_URI=/site/page "$LOCAL" \
    REMOTE_USER=alice "HTTP_AUTHORIZATION=$A_BOB"
expect 200 ok site
R200='bob|editor|site' expect_200 REMOTE_USER=bob AUTHZ_ROLES=editor \
    AUTHZ_RULE=site AUTH_TYPE=Basic
end

begin "500: RESPONDER without AUTHZ_ORIGINAL_METHOD (fail closed)"
q responder REQUEST_METHOD=GET REQUEST_URI=/site/page "$LOCAL" \
    "HTTP_AUTHORIZATION=$A_ALICE"
expect 500 internal
expect_no_hdr Variable-REMOTE_USER
end

# ---- reload (SIGHUP) --------------------------------------------------------

# hup_reload CMD [ARG...]: runs CMD (it rewrites a file), sends SIGHUP and
# waits up to 3 s for another "reloaded" line in the log.
hup_reload() {
	nrel=$(grep -c 'reloaded' "$T/log")
	"$@"
	kill -HUP "$DPID"
	wait_log 'reloaded' 300 "$nrel" || fail "no 'reloaded' line in the log within 30 s"
}

begin "reload: a user added to users.ini gets 200 after SIGHUP"
q_site "$A_ERIN"
[ "$(dec reason)" = unknown_user ] ||
    fail "before the reload: expected unknown_user, got '$(dec reason)'"
hup_reload write_users "$H_BOB" erin
q_site "$A_ERIN"
expect 200 ok site
expect_200 REMOTE_USER=erin AUTHZ_ROLES=editor AUTHZ_RULE=site \
    AUTH_TYPE=Basic
end

begin "reload: a changed password invalidates the cached old one"
# bob's old password is in the cache from the cases above; check it again.
q_site "$A_BOB"
[ "$(dec status)" = 200 ] ||
    fail "before the change: expected 200, got '$(dec status)'"
hup_reload write_users "$H_BOB2" erin
q_site "$A_BOB"
expect 401 bad_password site
q_site "$A_BOB2"
[ "$(dec status) $(dec reason)" = "200 ok" ] ||
    fail "new password: expected '200 ok', got '$(dec status) $(dec reason)'"
end

# The unknown key goes on line 3 (after the comment and [server]).
BAD_LINE=3
begin "reload: a broken configuration is refused, the old one keeps serving"
nfail=$(grep -c 'reload failed' "$T/log")
write_conf "bogus_key = 1"
kill -HUP "$DPID"
if ! wait_log 'reload failed' 300 "$nfail"; then
	fail "no 'reload failed' line in the log within 30 s"
fi
grep -F "$CONF:$BAD_LINE:" "$T/log" | grep -q 'bogus_key' ||
    fail "log: no '$CONF:$BAD_LINE: ...bogus_key...' line; got: $(grep -F "$CONF" "$T/log" | tail -n 2)"
q_site "$A_ERIN"
expect 200 ok site
q_site "$A_BOB"
[ "$(dec reason)" = bad_password ] ||
    fail "bob's old password: expected bad_password, got '$(dec reason)'"
end

begin "fcgi-authzd -t on the broken configuration: exit 1, FILE:LINE"
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>"$T/t.err"
rc=$?
[ $rc -eq 1 ] || fail "exit: expected 1, got $rc"
cat "$T/t.out" "$T/t.err" | grep -F "$CONF:$BAD_LINE: " | grep -q bogus_key ||
    fail "output: expected '$CONF:$BAD_LINE: ...bogus_key...', got: $(cat "$T/t.out" "$T/t.err" | head -n 3)"
end

# ---- thread priorities -------------------------------------------------------

# thread_nices PID: "TID NICE NAME" for each thread of PID (proc(5): field
# 19 of stat, counted after the ')' that ends the command name; the name
# is the thread's comm, which the daemon sets for each kind of thread).
thread_nices() {
	for t in /proc/"$1"/task/*; do
		[ -r "$t/stat" ] || continue
		printf '%s %s %s\n' "${t##*/}" \
		    "$(sed 's/^.*) //' "$t/stat" | cut -d' ' -f17)" \
		    "$(cat "$t/comm" 2>/dev/null)"
	done
}

# Linux gives each thread its own nice value: the request threads stay at
# the process's, the main thread (which reloads) goes to 10
# (AUTHZ_RELOAD_NICE), the hashing threads to 19 but for one kept at 0.
# priorities_problem: prints what is wrong with the worker's threads'
# names and nice values, or nothing; sets kept to the number of hashing
# threads kept at nice 0, and nreq to the number of request threads
# (WORKERS, and more once some have waited: crew.h).
priorities_problem() {
	wpid=$(pgrep -P "$DPID" | head -n 1)	# the supervisor's one child
	if [ -z "$wpid" ] || ! is_authzd "$wpid"; then
		echo "no worker process"
		return
	fi
	thread_nices "$wpid" >"$T/nices"
	# count NAME NICE: threads of that name at that nice value.
	count() {
		awk -v p="$wpid" -v n="$1" -v v="$2" \
		    '$1 != p && $3 == n && $2 == v' "$T/nices" | wc -l
	}
	main=$(awk -v p="$wpid" '$1 == p { print $2 }' "$T/nices")
	nreq=$(count authzd-request 0)
	nloop=$(count authzd-loop 0)
	nhash=$(count authzd-hash 19)
	kept=$(count authzd-hashkept 0)
	nall=$(awk -v p="$wpid" '$1 != p' "$T/nices" | wc -l)
	if [ "$main" != 10 ]; then
		echo "main thread at nice '$main', not 10"
	elif [ "$nreq" -lt "$WORKERS" ]; then
		echo "$nreq request threads at nice 0, expected $WORKERS or more"
	elif [ "$nloop" -ne 1 ]; then
		echo "$nloop event loop threads at nice 0, expected 1"
	elif [ "$nhash" -lt 1 ]; then
		echo "no hashing thread at nice 19"
	elif [ "$kept" -gt 1 ]; then
		echo "$kept hashing threads kept at nice 0, expected 1 at most"
	elif [ "$nall" -ne $((nreq + nloop + nhash + kept)) ]; then
		echo "threads of other names or nice values"
	fi
}

# check_priorities: priorities_problem, asked again for up to 30 s, since
# each thread sets its own nice value once the scheduler first runs it.
check_priorities() {
	i=0
	while problem=$(priorities_problem) && [ -n "$problem" ] &&
	    [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	priorities_problem >/dev/null	# for kept, in this shell
	[ -z "$problem" ] || fail "$problem: $(tr '\n' ' ' <"$T/nices")"
	note "$(tr '\n' ' ' <"$T/nices")"
}

begin "priorities: request threads, the event loop and the kept hashing thread 0, the main thread 10, hashing 19"
check_priorities
end

# ---- hostile peers ---------------------------------------------------------

# docs/security.md, Hostile FastCGI input: BEGIN_REQUEST (role AUTHORIZER) and
# a PARAMS record holding only nameLen = valueLen = 0x7ffffffe: Debian's
# libfcgi asserts.
HEX_BEGIN="01 01 00 01 00 08 00 00  00 02 00 00 00 00 00 00"
HEX_ABORT="$HEX_BEGIN  01 04 00 01 00 08 00 00  ff ff ff fe ff ff ff fe"

# crash_and_recover: kills the worker process (SIGKILL: the event loop
# refuses the abort payload before libfcgi can read it, see below) and
# retries a normal request until one is answered 200, for up to 30 s (how
# fast is scripts/bench's to measure).  Sets OKMS (ms until the first 200,
# or empty) and RESTARTED (1 once the supervisor logged the worker's
# restart).
crash_and_recover() {
	nres=$(grep -c 'restarting' "$T/log")
	kill -KILL $(pgrep -P "$DPID")
	t0=$(now_ms)
	OKMS=
	while [ $(($(now_ms) - t0)) -lt 30000 ]; do
		q_site "$1"
		if [ "$RC" -eq 0 ] && grep -q '^Status: 200 ' "$T/hdrs"; then
			OKMS=$(($(now_ms) - t0))
			break
		fi
		sleep 0.02
	done
	RESTARTED=0
	wait_log 'restarting' 300 "$nres" && RESTARTED=1
}

begin "hostile (b): libfcgi's abort payload is refused before libfcgi reads it; the worker lives on"
nres=$(grep -c 'restarting' "$T/log")
nref=$(grep -c 'closed a FastCGI connection: ' "$T/log")
wpid=$(pgrep -P "$DPID")
"$CLIENT" -t 2 -H "$HEX_ABORT" "$ADDR" >"$T/raw" 2>"$T/raw.err"
q_site "$A_ALICE"
expect 200 ok site
wait_log 'closed a FastCGI connection: ' 100 "$nref" ||
    fail "no 'closed a FastCGI connection: ' line in the log"
[ "$(grep -c 'restarting' "$T/log")" -eq "$nres" ] ||
    fail "the worker was restarted: $(grep restarting "$T/log" | tail -n 1)"
[ "$(pgrep -P "$DPID")" = "$wpid" ] ||
    fail "another worker process serves now"
note "$(grep 'closed a FastCGI connection: ' "$T/log" | tail -n 1 | sed 's/^.*]: //')"
end

begin "hostile (b): a crashed worker, broken file on disk: the last good configuration survives the restart"
crash_and_recover "$A_ERIN"
[ "$RESTARTED" = 1 ] || fail "no worker restart in the log"
if [ -z "$OKMS" ]; then
	fail "erin (added by the last good reload) not answered 200 within 30 s: last answer '$(head -n 1 "$T/hdrs")' reason '$(dec reason)'"
fi
q_site "$A_BOB"
[ "$(dec reason)" = bad_password ] ||
    fail "bob's old password after the restart: expected bad_password, got '$(dec reason)'"
end

begin "reload: the good configuration again"
hup_reload write_conf
q_site "$A_ERIN"
expect 200 ok site
end

begin "hostile (b): a crashed worker is restarted, the next request is answered"
crash_and_recover "$A_ALICE"
if [ -z "$OKMS" ]; then
	fail "no 200 within 30 s after the payload (last: client exit $RC, '$(head -n 1 "$T/hdrs")')"
else
	note "answered 200 ${OKMS} ms after the payload"
fi
if [ "$RESTARTED" = 1 ]; then
	note "$(grep 'restarting' "$T/log" | tail -n 1 | sed 's/^.*]: //')"
else
	fail "log: no worker restart line"
fi
alive "$DPID" || fail "the supervisor died"
end

# ---- reload without a signal ------------------------------------------------

# The daemon stats the config and users files every 250 ms and reloads
# them, as on SIGHUP, once a change has settled for 200 ms: no signal is
# sent to it in this section.

# wait_status AUTH STATUS MS: asks for /site/page with AUTH until the
# answer is STATUS, for up to MS ms after T0.  Sets OKMS to the ms from T0
# to that answer (empty on timeout).
wait_status() {
	OKMS=
	while :; do
		q_site "$1"
		if [ "$RC" -eq 0 ] && grep -q "^Status: $2 " "$T/hdrs"; then
			OKMS=$(($(now_ms) - T0))
			return 0
		fi
		[ $(($(now_ms) - T0)) -ge "$3" ] && return 1
		sleep 0.05
	done
}

# user_section NAME HASH: a [user:NAME] section with the editor role.
user_section() {
	printf '[user:%s]\npassword = %s\nroles = editor\n' "$1" "$2"
}

# answered_after NAME AUTH WHAT: wait_status AUTH 200 30000, with a note
# of how long it took after WHAT or a failure naming NAME.  The change is
# seen within about a second on an idle machine (scripts/bench measures
# it); the deadline only says that it was seen at all.
answered_after() {
	if wait_status "$2" 200 30000; then
		note "$1 answered 200 ${OKMS} ms after the $3"
	else
		fail "$1 not answered 200 within 30 s of the $3 (last reason '$(dec reason)')"
		return 1
	fi
}

# sleep_until MS: sleeps until now_ms reaches MS (at once if it has).
sleep_until() {
	_left=$(($1 - $(now_ms)))
	[ "$_left" -gt 0 ] || return 0
	sleep "$((_left / 1000)).$(printf '%03d' $((_left % 1000)))"
}

# nlog PATTERN: how many lines of the log match.
nlog() {
	grep -c -- "$1" "$T/log" 2>/dev/null || true
}

begin "auto-reload: users.ini replaced by rename (no signal): a new user gets 200"
q_site "$A_FRANK"
[ "$(dec reason)" = unknown_user ] ||
    fail "before: expected unknown_user, got '$(dec reason)'"
nchg=$(nlog "$USERS changed on disk")
USERS_EXTRA=$(user_section frank "$H_FRANK")
write_users "$H_BOB2" erin
T0=$(now_ms)
answered_after frank "$A_FRANK" rename && expect 200 ok site
[ "$(nlog "$USERS changed on disk")" -gt "$nchg" ] ||
    fail "log: no '$USERS changed on disk' line"
end

begin "auto-reload: a user appended in place (>>) gets 200"
ino0=$(ls -di "$USERS" | cut -d' ' -f1)
printf '\n%s\n' "$(user_section grace "$H_GRACE")" >>"$USERS"
T0=$(now_ms)
USERS_EXTRA="$USERS_EXTRA$NL$NL$(user_section grace "$H_GRACE")"
[ "$(ls -di "$USERS" | cut -d' ' -f1)" = "$ino0" ] ||
    fail "setup: the append changed the inode"
answered_after grace "$A_GRACE" append
end

begin "auto-reload: a broken users.ini is refused and logged once; the old users keep serving"
nfail=$(nlog 'reload failed')
nbad=$(nlog 'bogus_user_key')
GOOD_EXTRA=$USERS_EXTRA
USERS_EXTRA="$GOOD_EXTRA$NL$NL$(user_section heidi "$H_HEIDI")${NL}bogus_user_key = 1"
write_users "$H_BOB2" erin
wait_log 'reload failed' 300 "$nfail" ||
    fail "no 'reload failed' line within 30 s"
sleep 1.5
[ "$(nlog 'reload failed')" -eq $((nfail + 1)) ] ||
    fail "'reload failed' logged $(($(nlog 'reload failed') - nfail)) times, expected once"
[ "$(nlog 'bogus_user_key')" -eq $((nbad + 1)) ] ||
    fail "the error logged $(($(nlog 'bogus_user_key') - nbad)) times, expected once"
grep -F "$USERS:" "$T/log" | grep -q bogus_user_key ||
    fail "log: no '$USERS:LINE: ...bogus_user_key...' line"
q_site "$A_GRACE"
expect 200 ok site
q_site "$A_HEIDI"
[ "$(dec reason)" = unknown_user ] ||
    fail "heidi from the broken file: expected unknown_user, got '$(dec reason)'"
end

begin "auto-reload: the fixed users.ini is picked up"
USERS_EXTRA="$GOOD_EXTRA$NL$NL$(user_section heidi "$H_HEIDI")"
write_users "$H_BOB2" erin
T0=$(now_ms)
answered_after heidi "$A_HEIDI" fix
end

begin "auto-reload: users.ini deleted: logged once, the old users keep serving"
ngone=$(nlog "$USERS: No such file")
rm -f "$USERS"
wait_log "$USERS: No such file" 300 "$ngone" ||
    fail "no '$USERS: No such file or directory' line within 30 s"
sleep 1.5
[ "$(nlog "$USERS: No such file")" -eq $((ngone + 1)) ] ||
    fail "logged $(($(nlog "$USERS: No such file") - ngone)) times, expected once"
q_site "$A_HEIDI"
expect 200 ok site
q_site "$A_ALICE_WRONG"
expect 401 bad_password site
end

begin "auto-reload: users.ini restored is picked up"
USERS_EXTRA="$USERS_EXTRA$NL$NL$(user_section ivan "$H_IVAN")"
write_users "$H_BOB2" erin
T0=$(now_ms)
answered_after ivan "$A_IVAN" restore
end

begin "auto-reload, then a crash: the restarted worker serves the new users (the supervisor's copy followed)"
USERS_EXTRA="$USERS_EXTRA$NL$NL$(user_section judy "$H_JUDY")"
write_users "$H_BOB2" erin
T0=$(now_ms)
wait_status "$A_JUDY" 200 30000 ||
    fail "judy not answered 200 within 30 s of the rename"
# The supervisor watches on its own 250 ms tick.
sleep 0.5
nchg=$(nlog 'changed on disk')
nrel=$(nlog 'reloaded')
crash_and_recover "$A_JUDY"
[ "$RESTARTED" = 1 ] || fail "no worker restart in the log"
if [ -z "$OKMS" ]; then
	fail "judy not answered 200 within 30 s of the crash: last answer '$(head -n 1 "$T/hdrs")' reason '$(dec reason)'"
else
	note "judy answered 200 ${OKMS} ms after the payload"
fi
# A worker started with a stale copy would see that the files differ from
# it and reload within 0.5 s; this one must not have needed to.
sleep 0.7
if [ "$(nlog 'changed on disk')" -ne "$nchg" ] ||
    [ "$(nlog 'reloaded')" -ne "$nrel" ]; then
	fail "the restarted worker had to reload: the supervisor's copy was stale"
fi
end

begin "hostile (c): garbage bytes, then the daemon keeps serving"
"$CLIENT" -c -t 2 -H "47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a 0d 0a" \
    "$ADDR" >/dev/null 2>&1
"$CLIENT" -c -t 2 -H "02 01 00 01 00 08 00 00 00 02 00 00 00 00 00 00" \
    "$ADDR" >/dev/null 2>&1
"$CLIENT" -c -t 2 -H "01 01 00 01 00 08 00 00 00 09 00 00 00 00 00 00" \
    "$ADDR" >/dev/null 2>&1
"$CLIENT" -c -t 2 -H "de ad be ef 13 37 c0 ff ee 00 ff 7f 80 01 02 03 04 05" \
    "$ADDR" >/dev/null 2>&1
q_site "$A_ALICE"
expect 200 ok site
alive "$DPID" || fail "the supervisor died"
end

begin "hostile: BEGIN_REQUEST then EOF is never allowed"
before=$(ndecisions)
"$CLIENT" -c -t 3 -H "$HEX_BEGIN" "$ADDR" >"$T/raw" 2>"$T/raw.err"
if grep -a 'Status: 200' "$T/raw" >/dev/null; then
	fail "answered 200 to a request without params"
fi
q_site "$A_ALICE"
expect 200 ok site
# Counted after alice's line: an allow would be a grant, which may wait in
# the worker's buffer, but it would be written before alice's.
nallow=$(grep 'decision=' "$T/log" | sed -n "$((before + 1)),\$p" |
    grep -c 'status=200')
[ "$nallow" -eq 1 ] ||
    fail "logged an allow for a request without params ($nallow allows with alice's)"
end

# busy_peer ERRFILE CLIENT-ARG...: a peer (fcgi-client with these
# arguments, stderr in $T/ERRFILE) holds the only worker while alice asks.
# The peer would wait 60 s, alice 30 s: she is answered only if the peer
# is cut first, on a busy machine too.  Sets el to the ms it took (how
# fast is scripts/bench's to measure).
busy_peer() {
	errf=$1
	shift
	"$CLIENT" "$@" "$ADDR" >/dev/null 2>"$T/$errf" &
	SPID=$!
	BG_PIDS="$BG_PIDS $SPID"
	sleep 0.3
	t0=$(now_ms)
	q_site "$A_ALICE"
	el=$(($(now_ms) - t0))
	expect 200 ok site
	wait "$SPID" 2>/dev/null
	BG_PIDS=
}

begin "hostile (a): a silent peer does not block the only worker"
busy_peer silent.err -s -t 60
note "answered after $el ms; silent client: $(cat "$T/silent.err")"
end

# libfcgi itself drops a unix-socket peer that sends nothing for 2 s (its
# "AF_UNIX keeper"), so the silent case above does not reach the daemon's
# own limit; a peer that stalls inside a record header does.
begin "hostile (a): a peer stalled inside a record is cut at request_timeout"
nlate=$(nlog 'that sent no whole request within request_timeout (2 s)')
busy_peer stall.err -t 60 -H "01 01 00"
note "answered after $el ms"
wait_log 'that sent no whole request within request_timeout (2 s)' 100 "$nlate" ||
    fail "no 'closed 1 FastCGI connection that sent no whole request' line in the log"
end

# ---- the decision log: grants held back, denials at once -------------------

# On stderr a worker thread holds its grants (status 200) back for up to
# 250 ms and writes a denial at once, behind them (fcgi-authzd(8),
# LOGGING).  The daemon runs one worker thread, so its lines are in order.

# ask PATH: GET PATH from 127.0.0.1 without credentials, without waiting
# for its log line.  Sets ASKED to the status (empty if none came).
ask() {
	"$CLIENT" -t "$CT" "$ADDR" REQUEST_METHOD=GET "REQUEST_URI=$1" \
	    "$LOCAL" >"$T/out" 2>"$T/err"
	ASKED=$(head -n 1 "$T/out" | sed -n 's/^Status: \([0-9]*\) .*/\1/p')
}

# logged_since N: "STATUS PATH" of each decision line after the first N,
# space-separated.
logged_since() {
	grep 'decision=' "$T/log" | sed -n "$(($1 + 1)),\$p" |
	    sed -n 's/.* status=\([0-9]*\) .* path="\([^"]*\)".*/\1 \2/p' |
	    paste -sd' ' -
}

begin "log: a grant reaches the log with no further traffic"
sleep 0.3	# what came before is out
before=$(ndecisions)
t0=$(now_ms)
ask /public/timed
[ "$ASKED" = 200 ] || fail "status: expected 200, got '$ASKED'"
held=$(($(ndecisions) - before))
dec_wait "$before"
el=$(($(now_ms) - t0))
if [ -z "$DEC" ]; then
	fail "no line for the grant within 30 s"
else
	expect_dec path /public/timed
	note "in the log $el ms after the request ($held lines there at its answer)"
fi
end

begin "log: a denial is in the log when its answer comes, after the grants before it"
before=$(ndecisions)
for p in /public/order-1 /public/order-2 /public/order-3; do
	ask "$p"
	[ "$ASKED" = 200 ] || fail "$p: expected 200, got '$ASKED'"
done
held=$((before + 3 - $(ndecisions)))
ask /site/order-4
[ "$ASKED" = 401 ] || fail "/site/order-4: expected 401, got '$ASKED'"
# No waiting: the line is written before the answer is sent.
got=$(logged_since "$before")
want="200 /public/order-1 200 /public/order-2 200 /public/order-3 401 /site/order-4"
[ "$got" = "$want" ] || fail "log: expected [$want], got [$got]"
before=$(ndecisions)
ask /public/order-5
[ "$ASKED" = 200 ] || fail "/public/order-5: expected 200, got '$ASKED'"
ask /old/order-6
[ "$ASKED" = 403 ] || fail "/old/order-6: expected 403, got '$ASKED'"
got=$(logged_since "$before")
want="200 /public/order-5 403 /old/order-6"
[ "$got" = "$want" ] || fail "log: expected [$want], got [$got]"
note "$held of 3 grants still held back when the 401 came"
end

# ---- SIGTERM ---------------------------------------------------------------

begin "SIGTERM: exit 0, workers gone"
sleep 0.3	# what came before is out
n0=$(ndecisions)
nterm=0
for p in /public/term-1 /public/term-2 /public/term-3 /public/term-4 \
    /public/term-5; do
	ask "$p"
	[ "$ASKED" = 200 ] && nterm=$((nterm + 1))
done
held=$((n0 + nterm - $(ndecisions)))
workers=$(worker_pids)
kill -TERM "$DPID"
t0=$(now_ms)
while alive "$DPID" && [ $(($(now_ms) - t0)) -lt 30000 ]; do
	sleep 0.05
done
if alive "$DPID"; then
	fail "still running 30 s after SIGTERM"
else
	wait "$DPID"
	rc=$?
	[ $rc -eq 0 ] || fail "exit status: expected 0, got $rc"
	DPID=
	sleep 0.2
	for p in $workers; do
		is_authzd "$p" && fail "worker $p still running"
	done
fi
end

begin "SIGTERM: every decision made before it is in the log"
[ "$nterm" -eq 5 ] || fail "$nterm of 5 requests answered 200"
got=$(logged_since "$n0")
want="200 /public/term-1 200 /public/term-2 200 /public/term-3 200 /public/term-4 200 /public/term-5"
[ "$got" = "$want" ] || fail "log: expected [$want], got [$got]"
[ "$(ndecisions)" -eq $((n0 + nterm)) ] ||
    fail "$(($(ndecisions) - n0)) lines for $nterm requests"
note "$held of $nterm grants still held back at SIGTERM"
end

# ---- the cache across reloads ----------------------------------------------

# A reload keeps the verified credentials (services_prepare) unless [cache]
# entries or ttl changed.  The decision line says whether a password was
# answered from the cache (cache=hit) or hashed (cache=miss), so hit and
# miss are told apart without a clock.  The first case also shows what the
# cache is for: with workers = 2 at most one request waits for a hash
# (server.c), so while sloth's wrong password is being verified against a
# slow hash, a password that needs hashing is answered 429 at once, and
# one answered from the cache 200.  This section runs a daemon of its own.

# status_of: the status code of the last answer.
status_of() {
	sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$T/hdrs"
}

# occupy: starts sloth's wrong password in the background (OPID) and
# returns 0 once mallory, who needs a (dummy) hash, is answered 429 with
# reason=busy: the hashing place is taken.  Returns 1 if sloth was
# answered first, as when mallory's own hash was running when sloth's
# came (sloth got the 429).  Sloth's client waits as long as the hash
# takes, so that no hash of a trial outlives it.
occupy() {
	"$CLIENT" -r authorizer -t 300 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/page "$LOCAL" \
	    "HTTP_AUTHORIZATION=$A_SLOTH_WRONG" >/dev/null 2>&1 &
	OPID=$!
	BG_PIDS="$BG_PIDS $OPID"
	# A head start: mallory's first probe, sent with sloth's, would
	# otherwise often take the place itself (a lost trial).
	sleep 0.05
	while alive "$OPID"; do
		q_site "$A_MALLORY"
		[ "$(dec reason)" = busy ] && return 0
	done
	wait "$OPID"
	return 1
}

# busy_answer AUTH: the status AUTH gets while the hashing place is taken:
# BUSY=200 (answered from the cache) or 429 (reason=busy: it needed a
# hash).  A 200 counts only if mallory still gets reason=busy afterwards,
# which proves the place was taken all along (no one else asks for a hash
# here); otherwise, or when occupy fails, the trial is run again, ten
# times at most (BUSY stays empty).  A trial is lost when mallory's own
# dummy hash holds the place as sloth's request arrives, a race of two
# client processes that a busy machine loses often: three tries were
# seen to fail together under a load of 10 or more.
busy_answer() {
	BUSY=
	tries=0
	while [ $tries -lt 10 ] && [ -z "$BUSY" ]; do
		tries=$((tries + 1))
		occupy || continue
		q_site "$1"
		got=$(dec status)/$(dec reason)
		q_site "$A_MALLORY"
		after=$(dec reason)
		wait "$OPID"
		case $got/$after in
		429/busy/*) BUSY=429 ;;
		200/ok/busy) BUSY=200 ;;
		esac
	done
	[ -n "$BUSY" ] || note "busy_answer: no conclusive trial in 10"
}

# expect_busy STATUS WHAT: busy_answer's result for what was asked.
expect_busy() {
	[ "$BUSY" = "$1" ] ||
	    fail "$2 while hashing is busy: expected $1, got '$BUSY'"
}

# cached AUTH WHAT: AUTH is answered 200 from the cache.
cached() {
	q_site "$1"
	expect 200 ok site
	[ "$(dec cache)" = hit ] ||
	    fail "$2: expected cache=hit, got '$(dec cache)' in: $DEC"
}

# hashed AUTH WHAT: AUTH is answered 200 after hashing: not in the cache.
hashed() {
	q_site "$1"
	expect 200 ok site
	[ "$(dec cache)" = miss ] ||
	    fail "$2: expected cache=miss, got '$(dec cache)' in: $DEC"
}

begin "cache: a daemon with two workers: a cached password is answered while hashing is busy, another gets 429"
WORKERS=2
write_conf
USERS_EXTRA="$(user_section sloth "$H_SLOTH")"
write_users "$H_BOB2" erin
daemon_start
grep -q 'serving with 2 workers' "$T/log" ||
    { cat "$T/log"; bail "no daemon with 2 workers after 60 s"; }
guard_start
q_site "$A_ALICE"
expect 200 ok site
busy_answer "$A_ALICE"
expect_busy 200 "alice (verified)"
busy_answer "$A_BOB2"
expect_busy 429 "bob (never verified by this daemon)"
end

begin "cache: SIGHUP with nothing changed keeps the cached password"
hup_reload true
cached "$A_ALICE" "alice after the reload"
end

begin "cache: a user added by SIGHUP keeps the cached password"
USERS_EXTRA="$USERS_EXTRA$NL$NL$(user_section kim "$H_KIM")"
hup_reload write_users "$H_BOB2" erin
cached "$A_ALICE" "alice after the reload"
hashed "$A_KIM" "kim, new"
end

begin "cache: a changed [cache] ttl starts a new cache"
CACHE_TTL=120
hup_reload write_conf
hashed "$A_ALICE" "alice after the ttl changed"
cached "$A_ALICE" "alice verified again"
end

# Each change to kim below is made while kim's password is in the cache
# (checked first), by a reload that keeps the cache: the answer must not
# come from it.
SLOTH_EXTRA=$(user_section sloth "$H_SLOTH")
begin "cache: a cached password changed in users.ini and reloaded: the old one gets 401"
hashed "$A_KIM" "kim, in the cache the ttl change started"
cached "$A_KIM" "kim (verified)"
USERS_EXTRA="$SLOTH_EXTRA$NL$NL$(user_section kim "$H_KIM2")"
hup_reload write_users "$H_BOB2" erin
q_site "$A_KIM"
expect 401 bad_password site
hashed "$A_KIM2" "kim's new password"
end

begin "cache: a cached user disabled in users.ini and reloaded gets 401"
cached "$A_KIM2" "kim's new password (verified above)"
USERS_EXTRA="$SLOTH_EXTRA$NL$NL$(user_section kim "$H_KIM2")${NL}disabled = yes"
hup_reload write_users "$H_BOB2" erin
q_site "$A_KIM2"
expect 401 disabled site
end

begin "cache: a cached user removed from users.ini and reloaded gets 401"
USERS_EXTRA="$SLOTH_EXTRA$NL$NL$(user_section kim "$H_KIM2")"
hup_reload write_users "$H_BOB2" erin
q_site "$A_KIM2"
expect 200 ok site
cached "$A_KIM2" "kim enabled again"
USERS_EXTRA=$SLOTH_EXTRA
hup_reload write_users "$H_BOB2" erin
q_site "$A_KIM2"
expect 401 unknown_user site
end

# renewals RESULT: fcgi_authz_cache_renewals_total{result=RESULT} in the
# metrics file (0 before the worker first writes it).
renewals() {
	awk -v s="fcgi_authz_cache_renewals_total{result=\"$1\"}" \
	    '$1 == s { v = $2 } END { print v + 0 }' "$T/metrics.prom" \
	    2>/dev/null || echo 0
}

# From 3/4 of its ttl on (9 s of 12), a cached password is verified again
# in the background for the request that finds it so (authcache.h); the
# entry then lives a new ttl.  One nobody used since expires.  The cache
# counts whole seconds, so the ask in the last quarter is timed from both
# ends of alice's first request: at least 10 s after its answer (in the
# last quarter), and judged only if it came less than 11 s after its
# start (still cached); a machine too busy to ask in that window says so.
# The renewal runs on the one hashing thread two workers have, at nice 19
# (no kept thread at nice 0), so when it lands depends on the machine's
# load: the metrics file says when it has.  Alice is asked again once that is so
# and her first entry is surely gone (12 s after its answer), kim 12 s
# after his.
begin "cache: a password in steady use is renewed and outlives its ttl; one left alone expires"
CACHE_TTL=12
USERS_EXTRA="$SLOTH_EXTRA$NL$NL$(user_section kim "$H_KIM2")"
write_short_ttl() {
	write_users "$H_BOB2" erin
	write_conf
}
hup_reload write_short_ttl
ran0=$(($(renewals renewed) + $(renewals refused) + $(renewals dropped)))
renewed0=$(renewals renewed)
tstart=$(now_ms)
hashed "$A_ALICE" "alice, in a new cache"
tstored=$(now_ms)
hashed "$A_KIM2" "kim, in a new cache"
tkim=$(now_ms)
sleep_until $((tstored + 10100))
tlate=$(now_ms)
q_site "$A_ALICE"
expect 200 ok site
if [ $((tlate - tstart)) -lt 11000 ]; then
	[ "$(dec cache)" = hit ] ||
	    fail "alice at +$((tlate - tstart)) ms: expected cache=hit, got '$(dec cache)'"
	i=0
	while [ $(($(renewals renewed) + $(renewals refused) + \
	    $(renewals dropped))) -le "$ran0" ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(renewals renewed)" -gt "$renewed0" ] ||
	    fail "no renewal landed: renewed $(renewals renewed), refused $(renewals refused), dropped $(renewals dropped) (before: $renewed0 renewed of $ran0)"
	sleep_until $((tstored + 12100))
	cached "$A_ALICE" "alice, renewed at +$((tlate - tstart)) ms, at +$(($(now_ms) - tstart)) ms"
else
	note "alice asked at +$((tlate - tstart)) ms, past the last quarter: renewal not judged"
fi
sleep_until $((tkim + 12100))
hashed "$A_KIM2" "kim, not asked since his answer at +$((tkim - tstart)) ms"
end

# A request thread that waits for a hash gives its place to another
# (crew.h).  With one worker, three requests with sloth's wrong password
# wait on one slow verification (one runs it, two share it), and while
# they wait, mallory's probe is answered 429 (the hashing place is taken)
# and alice's cached password 200.  Without the handover the one worker
# would hold sloth's first request until its hash ended, and nothing else
# would be answered before it.  A trial is conclusive when every sloth
# request is still unanswered after alice's answer, which a hash of
# argon2id t=30 leaves ample time for; without the handover no trial ever
# is.
begin "waiting threads: with one worker, three requests waiting on one hash give their places; a cached password is answered meanwhile"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
WORKERS=1
write_conf
daemon_start
guard_start
hashed "$A_ALICE" "alice, in a new daemon"
conclusive=
tries=0
while [ $tries -lt 10 ] && [ -z "$conclusive" ]; do
	tries=$((tries + 1))
	spids=
	for i in 1 2 3; do
		"$CLIENT" -r authorizer -t 300 "$ADDR" REQUEST_METHOD=GET \
		    REQUEST_URI=/site/page "$LOCAL" \
		    "HTTP_AUTHORIZATION=$A_SLOTH_WRONG" >/dev/null 2>&1 &
		spids="${spids:+$spids }$!"
	done
	BG_PIDS="$BG_PIDS $spids"
	sleep 0.05	# sloth first, as in occupy
	busy=
	while [ -z "$busy" ] && alive ${spids%% *}; do
		q_site "$A_MALLORY"
		[ "$(dec reason)" = busy ] && busy=1
	done
	if [ -n "$busy" ]; then
		cached "$A_ALICE" "alice while three requests wait on sloth's hash"
		waiting=0
		for p in $spids; do
			alive "$p" && waiting=$((waiting + 1))
		done
		[ "$waiting" = 3 ] && conclusive=1
	fi
	wait $spids
done
[ -n "$conclusive" ] ||
    fail "no trial in $tries saw alice answered while sloth's three requests waited"
# At least sloth's first request gave its place away (mallory's busy says
# its hash held the hashing place): a thread was started for it.  Four
# when all three came while the hash ran, as they all but always do.
check_priorities
[ "$nreq" -ge 2 ] ||
    fail "$nreq request thread(s): expected more than the one worker once requests waited"
note "$nreq request threads after the trials"
end

begin "priorities with four workers: two hashing threads, one kept at nice 0 for renewals"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
WORKERS=4
write_conf
daemon_start
guard_start
check_priorities
[ "$kept" = 1 ] || fail "no hashing thread kept at nice 0 with $WORKERS workers"
[ $((nhash + kept)) = 2 ] ||
    fail "$((nhash + kept)) hashing threads with $WORKERS workers, expected 2"
end

# ---- secrets ---------------------------------------------------------------

begin "no password, credential, token or hash in the log"
found=
while IFS= read -r s; do
	[ -n "$s" ] || continue
	if grep -F -- "$s" "$T/log" >/dev/null; then
		found="$found '$s'"
	fi
done <"$T/secrets"
[ -z "$found" ] || fail "found in the log:$found"
[ "$(ndecisions)" -gt 30 ] ||
    fail "only $(ndecisions) decision lines: the log is not what it seems"
end

finish
