#!/bin/sh
#
# cli.sh: end-to-end test of the management CLI, fcgi-authz(1).  Every
# subcommand makes a round trip through the real fcgi-authzd (started once
# on a unix socket; it notices a changed users file by itself): a user the
# CLI adds logs in, a disabled one gets 401, a role removed gives 403, and
# so on.  Then: the hand-written parts of the users file (comments, blank
# lines, order, mode, owner) survive every write; 20 concurrent "user add"
# runs all land; a writer killed with SIGKILL at any moment leaves the old
# file or the new one; the interactive prompt works on a terminal (a pty,
# via python3); the hashes of other tools (htpasswd(1), mkpasswd(1), which
# must be installed) are imported as they are and verify; and every
# refusal exits with its status and message (fcgi-authz(1)).
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/cli.sh
# Writes only into a mktemp -d directory (distcheck: read-only srcdir).
# Exit: 0 all passed, 1 a case failed, 77 skipped, 99 broken setup.
# CLI_KEEP=1 keeps the temporary directory (the daemon's log is "log").

set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${CLI_KEEP:-}
IN=/dev/null

# ---- helpers --------------------------------------------------------------

# Milliseconds as a sleep(1) argument.
ms_to_s() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# input FORMAT [ARG...]: the next ctl's standard input (printf(1) format).
input() {
	# shellcheck disable=SC2059
	printf "$@" >"$T/in"
	IN=$T/in
}

# ctl ARG...: runs fcgi-authz with the standard input set by input (else
# /dev/null), stdout in $T/o, stderr in $T/e, the exit status in RC.
ctl() {
	"$CTL" "$@" <"$IN" >"$T/o" 2>"$T/e"
	RC=$?
	IN=/dev/null
}

# One line of a file for a message.
show() {
	head -c 400 "$1" | tr '\n' '|'
}

expect_rc() {
	[ "$RC" -eq "$1" ] ||
	    fail "exit: expected $1, got $RC; stderr: $(show "$T/e")"
}

# expect_err TEXT: a stderr line is "fcgi-authz: TEXT" (fixed string).
expect_err() {
	grep -F -x -- "fcgi-authz: $1" "$T/e" >/dev/null ||
	    fail "stderr: no line 'fcgi-authz: $1'; got: $(show "$T/e")"
}

# expect_err_has TEXT: stderr holds TEXT somewhere.
expect_err_has() {
	grep -F -- "$1" "$T/e" >/dev/null ||
	    fail "stderr: no '$1'; got: $(show "$T/e")"
}

expect_err_empty() {
	[ -s "$T/e" ] && fail "stderr: expected nothing, got: $(show "$T/e")"
}

expect_out_empty() {
	[ -s "$T/o" ] && fail "stdout: expected nothing, got: $(show "$T/o")"
}

# expect_out LINE...: stdout is exactly these lines.
expect_out() {
	: >"$T/o.want"
	for l in "$@"; do
		printf '%s\n' "$l" >>"$T/o.want"
	done
	cmp -s "$T/o.want" "$T/o" ||
	    fail "stdout: expected [$(show "$T/o.want")], got [$(show "$T/o")]"
}

# expect_out_has LINE: one stdout line is exactly LINE.
expect_out_has() {
	grep -F -x -- "$1" "$T/o" >/dev/null ||
	    fail "stdout: no line '$1'; got: $(show "$T/o")"
}

# A usage error: the message, then the usage line, on stderr only.
expect_usage() {
	expect_rc 2
	expect_out_empty
	sed -n 2p "$T/e" | grep '^usage: fcgi-authz \[-c config | -u users-file\] ' \
	    >/dev/null || fail "no usage line after the message: $(show "$T/e")"
}

# same FILE COPY: FILE is byte for byte COPY.
same() {
	cmp -s "$1" "$2" || fail "$1 changed: $(diff "$2" "$1" | head -n 6 | tr '\n' '|')"
}

# The hand-written start of the users file is still its start.
prefix_ok() {
	sz=$(wc -c <"$T/users.orig")
	head -c "$sz" "$USERS" | cmp -s - "$T/users.orig" ||
	    fail "the hand-written part of the users file changed: $(head -c "$sz" "$USERS" | diff "$T/users.orig" - | head -n 6 | tr '\n' '|')"
}

# "-rw-r----- UID GID" of a file.
mode_owner() {
	ls -ln "$1" | awk '{ print $1, $3, $4 }' | sed 's/^\(..........\)[.+@]* /\1 /'
}

# Leftover temporary files next to the users file (the lock stays).
temp_files() {
	tf_d=$(dirname "$1")
	tf_b=$(basename "$1")
	for tf_f in "$tf_d/.$tf_b."*; do
		[ -e "$tf_f" ] || continue
		[ "$tf_f" = "$tf_d/.$tf_b.lock" ] && continue
		basename "$tf_f"
	done
}

# no_temp_files FILE: fails if temp_files FILE finds any.
no_temp_files() {
	tf=$(temp_files "$1")
	[ -z "$tf" ] || fail "left behind: $tf"
}

mkhash() {
	printf '%s\n' "$1" | "$MKHASH" "${2:-argon2id}" "${3:-1}" "${4:-8388608}"
}

basic() {
	echo "Basic $(printf '%s:%s' "$1" "$2" | base64 | tr -d '\n')"
}

# req AUTH URI: one GET (AUTH may be empty).  ST gets the status, REASON
# and RULE the fields of the request's decision line in the daemon's log.
req() {
	before=$(ndecisions)
	if [ -n "$1" ]; then
		"$CLIENT" -t 30 "$ADDR" REQUEST_METHOD=GET "REQUEST_URI=$2" \
		    REMOTE_ADDR=127.0.0.1 "HTTP_AUTHORIZATION=$1" \
		    >"$T/r.out" 2>"$T/r.err"
	else
		"$CLIENT" -t 30 "$ADDR" REQUEST_METHOD=GET "REQUEST_URI=$2" \
		    REMOTE_ADDR=127.0.0.1 >"$T/r.out" 2>"$T/r.err"
	fi
	ST=$(head -n 1 "$T/r.out" | sed -n 's/^Status: \([0-9][0-9]*\) .*/\1/p')
	[ -n "$ST" ] || ST="(none: $(show "$T/r.err"))"
	dec_wait "$before"
	REASON=$(printf '%s\n' "$DEC" | tr ' ' '\n' | sed -n 's/^reason=//p')
	RULE=$(printf '%s\n' "$DEC" | tr ' ' '\n' | sed -n 's/^rule=//p')
}

# now_req AUTH URI STATUS REASON: this answer, now.
now_req() {
	req "$1" "$2"
	[ "$ST" = "$3" ] && [ "$REASON" = "$4" ] ||
	    fail "$2: expected $3 $4, got $ST $REASON"
}

# wait_req AUTH URI STATUS [REASON [RULE]]: asks until the answer is
# STATUS; the daemon reloads a changed users file by itself (it polls every
# 250 ms and waits for 200 ms of quiet: about half a second on an idle
# machine, scripts/bench measures it), so allow 30 s on a busy one.
wait_req() {
	t0=$(now_ms)
	while :; do
		req "$1" "$2"
		[ "$ST" = "$3" ] && break
		if [ $(($(now_ms) - t0)) -ge 30000 ]; then
			fail "$2: expected $3 within 30 s, still $ST (reason '$REASON')"
			return 1
		fi
		sleep 0.05
	done
	if [ $# -ge 4 ] && [ "$REASON" != "$4" ]; then
		fail "$2: $3 with reason '$REASON', expected '$4'"
	fi
	if [ $# -ge 5 ] && [ "$RULE" != "$5" ]; then
		fail "$2: $3 with rule '$RULE', expected '$5'"
	fi
	return 0
}

# section NAME FILE: the lines of [user:NAME] (or a "token:" NAME).
section() {
	awk -v h="[$1]" '$0 == h { on = 1; print; next }
	    /^\[/ { on = 0 } on' "$2"
}

# write_conf FILE USERS [LINES]: a configuration with fast hashing, and
# LINES (key = value lines) added to its [hashing].
write_conf() {
	cat >"$1" <<EOF
; written by tests/cli.sh
[server]
users = $2
workers = 2
realm = CLI test
default = deny
authz_failure = 403
log = stderr
request_timeout = 2

[hashing]
max_concurrent = 4
max_memory = 256M
opslimit = 1
memlimit = 8M
${3:-}

[cache]
ttl = 300
entries = 1024

[throttle]
max_failures = 1000000
window = 1
ban = 1
state = $T/throttle

[rule:admin]
path = /admin
roles = admin

[rule:site]
path = /site
access = authenticated
EOF
}

# json_users: "name=roles=expires=disabled ..." from a user list --json.
json_users() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
print(" ".join("%s=%s=%s=%s" % (u["name"], ",".join(u["roles"]),
    u["expires"], u["disabled"]) for u in d))' <"$T/o"
}

# The pty driver: pty.py STEP... -- COMMAND ARG...  where steps are pairs
# (text to wait for, line to send once the terminal's echo is off).
# Prints the whole terminal output, exits with the command's status (124
# on a timeout).
PTYPY='import os, pty, select, sys, termios, time
a = sys.argv[1:]
k = a.index("--")
steps, cmd = a[:k], a[k + 1:]
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
out = b""
end = time.time() + 10
def give_up(why):
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.stdout.write("\n[pty: %s]\n" % why)
    sys.stdout.flush()
    os.kill(pid, 9)
    os._exit(124)
def more():
    global out
    left = end - time.time()
    if left <= 0 or not select.select([fd], [], [], left)[0]:
        give_up("timeout")
    try:
        d = os.read(fd, 4096)
    except OSError:
        d = b""
    out += d
    return len(d) > 0
pos = 0
for i in range(0, len(steps), 2):
    want = steps[i].encode()
    while out.find(want, pos) < 0:
        if not more():
            give_up("no %r" % steps[i])
    pos = out.find(want, pos) + len(want)
    # The prompt comes before echo is turned off, with TCSAFLUSH: what
    # is typed earlier is dropped.  On Linux the master reports the
    # terminal settings of the slave.
    while termios.tcgetattr(fd)[3] & termios.ECHO:
        if time.time() > end:
            give_up("echo still on after %r" % steps[i])
        time.sleep(0.01)
    os.write(fd, (steps[i + 1] + "\n").encode())
while more():
    pass
st = os.waitpid(pid, 0)[1]
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
'

# onpty STEP... -- ARG...: fcgi-authz on a terminal; output in $T/o, RC.
onpty() {
	python3 -c "$PTYPY" "$@" >"$T/o" 2>"$T/e"
	RC=$?
}

# ---- setup ----------------------------------------------------------------

need_programs "$CTL" "$AUTHZD" "$CLIENT" "$MKHASH"
# The other tools' hashes are made by those tools: without them the
# import of their files is not tested, and that is a failure, not a skip
# (scripts/build installs them).
for p in htpasswd mkpasswd; do
	command -v "$p" >/dev/null 2>&1 ||
	    bail "$p is missing: install apache2-utils (htpasswd) and whois (mkpasswd); scripts/build does"
done
need_commands base64 awk sed sort cmp diff head tail tr cut wc ls paste
PY=
command -v python3 >/dev/null 2>&1 && python3 -c 'import pty, termios, json' \
    2>/dev/null && PY=python3

tmpdir_make cli
: >"$T/log"
CONF=$T/fcgi-authz.ini
USERS=$T/users.ini
ADDR=unix:$T/sock

PW_KEEPER=keeper-Pw-4h8s1x
PW_ALICE=alice-Pw-7f3k9q
PW_ALICE2=alice-NewPw-2b6n0m
PW_ALICE3=alice-Imp-5c1v7z
H_KEEPER=$(mkhash "$PW_KEEPER") || bail "mkhash failed"

write_conf "$CONF" users.ini
cat >"$USERS" <<EOF
; users.ini for tests/cli.sh: every byte of this part must survive the
;   edits of the users that fcgi-authz adds below it.

# A hash comment, then two blank lines.


[user:keeper]
; keeper's own comment
password = $H_KEEPER
roles = staff   ; inline note

; a trailing comment block
EOF
cp "$USERS" "$T/users.orig" || bail "cp failed"

# Mode 0640 and, as root, a group other than the writer's.  The owner
# stays root: the daemon here runs as root and refuses a users file that
# another user owns (tests/privdrop.sh has the daemon's own user own it).
chmod 640 "$USERS" || bail "chmod failed"
if [ "$(id -u)" = 0 ]; then
	grp=www-data
	getent group www-data >/dev/null 2>&1 || grp=nogroup
	if getent group "$grp" >/dev/null 2>&1; then
		chgrp "$grp" "$USERS" || bail "chgrp failed"
	fi
fi
MODE_OWNER=$(mode_owner "$USERS")
note "users file: $MODE_OWNER"

A_KEEPER=$(basic keeper "$PW_KEEPER")
A_ALICE=$(basic alice "$PW_ALICE")
A_ALICE2=$(basic alice "$PW_ALICE2")
A_ALICE3=$(basic alice "$PW_ALICE3")

# ---- check, then the daemon -----------------------------------------------

begin "check: the test configuration is valid (exit 0, the OK line)"
ctl -c "$CONF" check
expect_rc 0
expect_out "$CONF: configuration OK (2 rules, 1 users, 0 tokens)"
end

daemon_start
[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 60 s"; }
guard_start
req "$A_KEEPER" /site/x
[ "$ST" = 200 ] || { cat "$T/log"; bail "keeper gets $ST $REASON, not 200"; }

# ---- round trips through the daemon ---------------------------------------

begin "user add: the new user logs in (200); stdout and stderr empty"
now_req "$A_ALICE" /site/x 401 unknown_user
input '%s\n' "$PW_ALICE"
ctl -c "$CONF" user add alice --role editor --password-stdin
expect_rc 0
expect_out_empty
expect_err_empty
wait_req "$A_ALICE" /site/x 200 ok site
section user:alice "$USERS" >"$T/sec"
grep -x 'roles = editor' "$T/sec" >/dev/null ||
    fail "no 'roles = editor' in: $(show "$T/sec")"
grep '^password = \$argon2id\$v=19\$m=8192,t=1,p=1\$' "$T/sec" >/dev/null ||
    fail "no argon2id m=8192,t=1 password line (the policy) in: $(show "$T/sec")"
end

begin "user add: comments, blank lines and order before it kept byte for byte"
prefix_ok
end

begin "user add: mode and owner of the users file kept; no temporary file left"
[ "$(mode_owner "$USERS")" = "$MODE_OWNER" ] ||
    fail "expected '$MODE_OWNER', got '$(mode_owner "$USERS")'"
no_temp_files "$USERS"
[ -f "$T/.users.ini.lock" ] || fail "no lock file .users.ini.lock"
end

begin "user passwd: the old password gets 401, the new one 200"
input '%s\n' "$PW_ALICE2"
ctl -c "$CONF" user passwd alice --password-stdin
expect_rc 0
expect_out_empty
expect_err_empty
wait_req "$A_ALICE" /site/x 401 bad_password
wait_req "$A_ALICE2" /site/x 200 ok
end

begin "user disable: 401, reason disabled in the daemon's log"
ctl -c "$CONF" user disable alice
expect_rc 0
expect_out_empty
wait_req "$A_ALICE2" /site/x 401 disabled
section user:alice "$USERS" | grep -x 'disabled = yes' >/dev/null ||
    fail "no 'disabled = yes' in alice's section"
end

begin "user enable: 200 again"
ctl -c "$CONF" user enable alice
expect_rc 0
wait_req "$A_ALICE2" /site/x 200 ok
end

begin "user expire 2020-01-01: 401 expired; user show says so"
ctl -c "$CONF" user expire alice 2020-01-01
expect_rc 0
wait_req "$A_ALICE2" /site/x 401 expired
ctl -c "$CONF" user show alice
expect_rc 0
expect_out_has "expires: 2020-01-01"
expect_out_has "state: expired"
end

begin "user expire never: 200, no expires line left"
ctl -c "$CONF" user expire alice never
expect_rc 0
wait_req "$A_ALICE2" /site/x 200 ok
section user:alice "$USERS" | grep '^expires' >/dev/null &&
    fail "an expires line is left: $(section user:alice "$USERS" | grep '^expires')"
end

begin "user roles --add admin: /admin 403 before, 200 after"
now_req "$A_ALICE2" /admin/x 403 role
ctl -c "$CONF" user roles alice --add admin
expect_rc 0
expect_out_empty
wait_req "$A_ALICE2" /admin/x 200 ok admin
ctl -c "$CONF" user roles alice
expect_rc 0
expect_out editor admin
end

begin "user roles --remove admin: 403 (reason role)"
ctl -c "$CONF" user roles alice --remove admin
expect_rc 0
wait_req "$A_ALICE2" /admin/x 403 role admin
ctl -c "$CONF" user roles alice
expect_out editor
end

begin "user roles --remove a role not held: a note, exit 0, file unchanged"
cp "$USERS" "$T/snap"
ctl -c "$CONF" user roles alice --remove nope
expect_rc 0
expect_err "user alice does not hold role nope"
same "$USERS" "$T/snap"
end

begin "token add: printed once (fa_ + 43), digest stored, Bearer gets 200"
B_BAD="Bearer fa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
now_req "$B_BAD" /site/x 401 bad_token
ctl -c "$CONF" token add ci --user alice
expect_rc 0
expect_err_empty
TOK=$(cat "$T/o")
if ! printf '%s\n' "$TOK" | grep -x 'fa_[A-Za-z0-9_-]\{43\}' >/dev/null; then
	fail "stdout is not one token: $(show "$T/o")"
fi
[ "$(wc -l <"$T/o")" -eq 1 ] || fail "stdout has $(wc -l <"$T/o") lines"
D=$(blake2b_hex "$TOK")
if [ -n "$D" ]; then
	section token:ci "$USERS" | grep -x "hash = blake2b:$D" >/dev/null ||
	    fail "no 'hash = blake2b:<digest of the token>' in [token:ci]"
fi
grep -F -- "$TOK" "$USERS" >/dev/null && fail "the token itself is in the file"
wait_req "Bearer $TOK" /site/x 200 ok site
ctl -c "$CONF" token list
expect_out "ci alice * never active"
end

begin "token revoke: the token gets 401 bad_token; token list empty"
ctl -c "$CONF" token revoke ci
expect_rc 0
expect_out_empty
wait_req "Bearer $TOK" /site/x 401 bad_token
grep -F '[token:ci]' "$USERS" >/dev/null && fail "[token:ci] still in the file"
ctl -c "$CONF" token list
expect_rc 0
expect_out_empty
ctl -c "$CONF" token list --json
expect_out "[]"
end

begin "user import (name:password): new users log in, an existing one gets the new password and keeps its roles"
input '# exported from elsewhere\n\nimp1:%s\nimp2:%s\nalice:%s\n' \
    imp1-Pw-3v8k 'imp2:pw:with:colons' "$PW_ALICE3"
ctl -c "$CONF" user import
expect_rc 0
expect_out_empty
expect_err_empty
wait_req "$(basic imp1 imp1-Pw-3v8k)" /site/x 200 ok
wait_req "$(basic imp2 'imp2:pw:with:colons')" /site/x 200 ok
wait_req "$A_ALICE3" /site/x 200 ok
now_req "$A_ALICE2" /site/x 401 bad_password
ctl -c "$CONF" user roles alice
expect_out editor
ctl -c "$CONF" user roles imp1
expect_rc 0
expect_out_empty
end

begin "user import --with-roles: roles set exactly, name::password none"
input 'imp3:admin,editor:%s\n# comment\nimp4::%s\nalice:admin:%s\n' \
    imp3-Pw-6q2w imp4-Pw-1z9x "$PW_ALICE"
ctl -c "$CONF" user import --with-roles
expect_rc 0
expect_err_empty
wait_req "$(basic imp3 imp3-Pw-6q2w)" /admin/x 200 ok admin
wait_req "$(basic imp4 imp4-Pw-1z9x)" /site/x 200 ok
now_req "$(basic imp4 imp4-Pw-1z9x)" /admin/x 403 role
wait_req "$A_ALICE" /admin/x 200 ok admin
ctl -c "$CONF" user roles alice
expect_out admin
end

begin "user del: 401 unknown_user, its token deleted too (with a note)"
ctl -c "$CONF" token add ci2 --user alice
expect_rc 0
TOK2=$(cat "$T/o")
wait_req "Bearer $TOK2" /site/x 200 ok
ctl -c "$CONF" user del alice
expect_rc 0
expect_out_empty
expect_err "deleted token ci2 of user alice"
wait_req "$A_ALICE" /site/x 401 unknown_user
now_req "Bearer $TOK2" /site/x 401 bad_token
grep -F -e '[user:alice]' -e '[token:ci2]' "$USERS" >/dev/null &&
    fail "alice or ci2 still in the file"
prefix_ok
end

begin "hash: an argon2id line with the policy's costs that works as a password line"
input 'hand-Pw-8m3c\n'
ctl -c "$CONF" hash --password-stdin
expect_rc 0
H=$(cat "$T/o")
printf '%s\n' "$H" | grep -x '\$argon2id\$v=19\$m=8192,t=1,p=1\$[A-Za-z0-9+/]*\$[A-Za-z0-9+/]*' \
    >/dev/null || fail "not an argon2id m=8192,t=1 hash: $(show "$T/o")"
# By hand, as an administrator would: a copy (mode and owner kept), renamed.
cp -p "$USERS" "$T/users.new"
printf '\n[user:handmade]\npassword = %s\n' "$H" >>"$T/users.new"
mv "$T/users.new" "$USERS"
input 'hand-Pw-8m3c\n'
ctl -c "$CONF" verify handmade --password-stdin
expect_rc 0
expect_err_empty
input 'hand-Pw-8m3X\n'
ctl -c "$CONF" verify handmade --password-stdin
expect_rc 1
wait_req "$(basic handmade hand-Pw-8m3c)" /site/x 200 ok
end

begin "hash with -u: libsodium's interactive costs"
input 'x-Pw\n'
ctl -u "$USERS" hash --password-stdin
expect_rc 0
grep '^\$argon2id\$v=19\$m=65536,t=2,p=1\$' "$T/o" >/dev/null ||
    fail "not m=65536,t=2: $(show "$T/o")"
end

begin "verify: right 0 (silent), wrong 1 with the message"
input 'imp1-Pw-3v8k\n'
ctl -c "$CONF" verify imp1 --password-stdin
expect_rc 0
expect_out_empty
expect_err_empty
input 'imp1-Pw-3v8K\n'
ctl -c "$CONF" verify imp1 --password-stdin
expect_rc 1
expect_out_empty
expect_err "wrong password for imp1"
end

begin "verify: a disabled / expired user with the right password exits 0 with a note"
ctl -c "$CONF" user disable imp2
expect_rc 0
ctl -c "$CONF" user expire imp4 2020-01-01
expect_rc 0
input 'imp2:pw:with:colons\n'
ctl -c "$CONF" verify imp2 --password-stdin
expect_rc 0
expect_err "note: user imp2 is disabled"
input 'imp4-Pw-1z9x\n'
ctl -c "$CONF" verify imp4 --password-stdin
expect_rc 0
expect_err "note: user imp4 has expired"
wait_req "$(basic imp2 'imp2:pw:with:colons')" /site/x 401 disabled
wait_req "$(basic imp4 imp4-Pw-1z9x)" /site/x 401 expired
end

begin "user list: one user a line, file order, roles/expires/state"
ctl -c "$CONF" user list
expect_rc 0
expect_out "keeper staff never active" "imp1 - never active" \
    "imp2 - never disabled" "imp3 admin,editor never active" \
    "imp4 - 2020-01-01 expired" "handmade - never active"
end

begin "user list --json: one line without spaces, parses, same content"
ctl -c "$CONF" user list --json
expect_rc 0
[ "$(wc -l <"$T/o")" -eq 1 ] || fail "$(wc -l <"$T/o") lines"
grep ' ' "$T/o" >/dev/null && fail "spaces in: $(show "$T/o")"
if [ -n "$PY" ]; then
	got=$(json_users 2>&1)
	want="keeper=staff=None=False imp1==None=False imp2==None=True imp3=admin,editor=None=False imp4==2020-01-01=False handmade==None=False"
	[ "$got" = "$want" ] || fail "parsed: expected '$want', got '$got'"
else
	grep '^\[{"name":"keeper","roles":\["staff"\],"expires":null,"disabled":false},' \
	    "$T/o" >/dev/null || fail "unexpected: $(show "$T/o")"
fi
end

begin "user show (text and --json) and token list --json"
ctl -c "$CONF" token add deploy --user imp3 --role admin --expires 2099-12-31
expect_rc 0
ctl -c "$CONF" user show imp3
expect_rc 0
expect_out "name: imp3" "roles: admin,editor" "expires: never" "disabled: no" \
    "state: active" "hash: argon2id memory=8388608 ops=1 parallel=1" \
    "tokens: deploy"
ctl -c "$CONF" user show imp3 --json
expect_rc 0
if [ -n "$PY" ]; then
	got=$(python3 -c 'import json, sys
u = json.load(sys.stdin)
print(u["name"], ",".join(u["roles"]), u["expires"], u["disabled"],
    ",".join(u["tokens"]))' <"$T/o" 2>&1)
	[ "$got" = "imp3 admin,editor None False deploy" ] ||
	    fail "user show --json parsed: '$got'"
else
	grep -F '"tokens":["deploy"]' "$T/o" >/dev/null || fail "no tokens: $(show "$T/o")"
fi
ctl -c "$CONF" token list --json
expect_rc 0
if [ -n "$PY" ]; then
	got=$(python3 -c 'import json, sys
print(" ".join("%s=%s=%s=%s" % (t["name"], t["user"], t["roles"], t["expires"])
    for t in json.load(sys.stdin)))' <"$T/o" 2>&1)
	[ "$got" = "deploy=imp3=['admin']=2099-12-31" ] ||
	    fail "token list --json parsed: '$got'"
else
	expect_out '[{"name":"deploy","user":"imp3","roles":["admin"],"expires":"2099-12-31"}]'
fi
end

begin "explain: allow (exit 0) and deny (exit 1) with the rule, as the daemon decides"
ctl -c "$CONF" explain --user imp3 GET /admin/x
expect_rc 0
expect_out_has "decision: allow"
expect_out_has "status: 200"
expect_out_has "rule: admin"
expect_out_has "user: imp3"
ctl -c "$CONF" explain --user imp1 GET /admin/x
expect_rc 1
expect_out_has "decision: deny"
expect_out_has "status: 403"
expect_out_has "reason: role"
expect_out_has "rule: admin"
now_req "$(basic imp1 imp1-Pw-3v8k)" /admin/x 403 role
ctl -c "$CONF" explain GET /elsewhere
expect_rc 1
expect_out_has "decision: deny"
expect_out_has "rule: (default)"
ctl -c "$CONF" explain GET /site/x
expect_rc 1
expect_out_has "status: 401"
expect_out_has "reason: no_credentials"
expect_out_has "rule: site"
end

begin "explain: --password-stdin checks the password, --token-stdin the token"
input 'imp1-Pw-3v8k\n'
ctl -c "$CONF" explain --user imp1 --password-stdin GET /site/x
expect_rc 0
expect_out_has "reason: ok"
input 'imp1-wrong\n'
ctl -c "$CONF" explain --user imp1 --password-stdin GET /site/x
expect_rc 1
expect_out_has "reason: bad_password"
input '%s\n' "${B_BAD#Bearer }"
ctl -c "$CONF" explain --token-stdin GET /site/x
expect_rc 1
expect_out_has "reason: bad_token"
ctl -c "$CONF" token add ex --user imp1
expect_rc 0
input '%s\n' "$(cat "$T/o")"
ctl -c "$CONF" explain --token-stdin GET /site/x
expect_rc 0
expect_out_has "decision: allow"
expect_out_has "user: imp1"
ctl -c "$CONF" token revoke ex
expect_rc 0
end

begin "keeper (hand-written, inline comment): user roles --add admin changes only its roles line"
cp "$USERS" "$T/snap"
now_req "$A_KEEPER" /admin/x 403 role
ctl -c "$CONF" user roles keeper --add admin
expect_rc 0
diff "$T/snap" "$USERS" >"$T/diff"
if [ "$(grep -c '^[<>]' "$T/diff")" -ne 2 ]; then
	fail "expected one line changed, got: $(show "$T/diff")"
fi
grep -x '> roles = staff, *admin *; inline note' "$T/diff" >/dev/null ||
    fail "roles line: $(show "$T/diff")"
wait_req "$A_KEEPER" /admin/x 200 ok admin
end

begin "after all these writes: mode and owner kept, no temporary file, file valid"
[ "$(mode_owner "$USERS")" = "$MODE_OWNER" ] ||
    fail "expected '$MODE_OWNER', got '$(mode_owner "$USERS")'"
no_temp_files "$USERS"
ctl -c "$CONF" check
expect_rc 0
"$AUTHZD" -t -c "$CONF" >/dev/null 2>"$T/t.err" ||
    fail "fcgi-authzd -t refuses it: $(show "$T/t.err")"
end

# ---- the terminal ----------------------------------------------------------

if [ -n "$PY" ]; then
	begin "pty: user add asks twice with echo off; the user then logs in"
	onpty "Password for new user ptyuser: " pty-Pw-5t7u \
	    "Again: " pty-Pw-5t7u -- "$CTL" -c "$CONF" user add ptyuser
	[ "$RC" -eq 0 ] || fail "exit $RC; terminal: $(show "$T/o")"
	grep -F pty-Pw-5t7u "$T/o" >/dev/null &&
	    fail "the password was echoed: $(show "$T/o")"
	wait_req "$(basic ptyuser pty-Pw-5t7u)" /site/x 200 ok
	end

	begin "pty: a mismatched second entry: exit 1, the passwords do not match, nothing written"
	cp "$USERS" "$T/snap"
	onpty "Password for new user ptyuser2: " pty-Pw-a \
	    "Again: " pty-Pw-b -- "$CTL" -c "$CONF" user add ptyuser2
	[ "$RC" -eq 1 ] || fail "exit $RC (expected 1); terminal: $(show "$T/o")"
	grep -F 'fcgi-authz: the passwords do not match' "$T/o" >/dev/null ||
	    fail "no message: $(show "$T/o")"
	same "$USERS" "$T/snap"
	end

	begin "pty: verify asks once"
	onpty "Password for ptyuser: " pty-Pw-5t7u -- "$CTL" -c "$CONF" verify ptyuser
	[ "$RC" -eq 0 ] || fail "exit $RC; terminal: $(show "$T/o")"
	onpty "Password for ptyuser: " pty-Pw-XXXX -- "$CTL" -c "$CONF" verify ptyuser
	[ "$RC" -eq 1 ] || fail "wrong password: exit $RC; terminal: $(show "$T/o")"
	grep -F 'wrong password for ptyuser' "$T/o" >/dev/null ||
	    fail "no message: $(show "$T/o")"
	end

	begin "pty: user import refuses a terminal (exit 2)"
	cp "$USERS" "$T/snap"
	onpty -- "$CTL" -c "$CONF" user import
	[ "$RC" -eq 2 ] || fail "exit $RC (expected 2); terminal: $(show "$T/o")"
	grep -F 'fcgi-authz: user import: standard input is a terminal' "$T/o" \
	    >/dev/null || fail "no message: $(show "$T/o")"
	same "$USERS" "$T/snap"
	end
else
	for c in "user add on a terminal" "mismatched passwords" \
	    "verify on a terminal" "user import on a terminal"; do
		skip "pty: $c" "no python3"
	done
fi

# noterm CMD ARG...: no --password-stdin, no terminal: exit 2.
noterm() {
	what=$1
	shift
	ctl -c "$CONF" "$@"
	expect_usage
	expect_err "$what: standard input is not a terminal: give the password on it with --password-stdin"
}
begin "no terminal and no --password-stdin: exit 2 for user add, passwd, hash, verify"
noterm "user add" user add newone
noterm "user passwd" user passwd imp1
noterm hash hash
noterm verify verify imp1
ctl -c "$CONF" user show newone
expect_rc 1
end

# ---- check, audit ----------------------------------------------------------

H_GOOD=$(mkhash good-Pw) || bail "mkhash failed"
H_ARGON2I=$(mkhash weak-Pw argon2i 3 8388608) || bail "mkhash failed"
H_LOWMEM=$(mkhash low-Pw argon2id 1 4194304) || bail "mkhash failed"
H_STRONG=$(mkhash strong-Pw argon2id 2 16777216) || bail "mkhash failed"
HX=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
HY=1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
HZ=2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
write_conf "$T/audit.ini" audit-users.ini
cat >"$T/audit-users.ini" <<EOF
; audit fixture
[user:good]
password = $H_GOOD

[user:weak]
password = $H_ARGON2I

[user:strong]
password = $H_STRONG

[user:low]
password = $H_LOWMEM

[user:gone]
password = $H_GOOD
expires = 2020-01-01

[user:off]
password = $H_GOOD
disabled = yes

[token:old]
user = good
hash = blake2b:$HX
expires = 2020-01-02

[token:offt]
user = off
hash = blake2b:$HY

[token:gonet]
user = gone
hash = blake2b:$HZ
EOF

begin "check -u: a good users file (exit 0, the OK line)"
ctl -u "$T/audit-users.ini" check
expect_rc 0
expect_out "$T/audit-users.ini: users file OK (6 users, 3 tokens)"
end

begin "check: a bad users file, exit 1, FILE:LINE and not valid"
cp "$T/audit-users.ini" "$T/bad-users.ini"
printf '\n[user:nopw]\nroles = a\n' >>"$T/bad-users.ini"
write_conf "$T/bad.ini" bad-users.ini
ctl -u "$T/bad-users.ini" check
expect_rc 1
expect_out_empty
L=$(grep -n -x '\[user:nopw\]' "$T/bad-users.ini" | cut -d: -f1)
grep -x "$T/bad-users.ini:$L: .*nopw.*" "$T/e" >/dev/null ||
    fail "no FILE:LINE naming [user:nopw]: $(show "$T/e")"
expect_err "$T/bad-users.ini: users file not valid"
ctl -c "$T/bad.ini" check
expect_rc 1
expect_out_empty
grep -x "$T/bad-users.ini:$L: .*nopw.*" "$T/e" >/dev/null ||
    fail "no FILE:LINE: $(show "$T/e")"
expect_err "$T/bad.ini: configuration not valid"
end

begin "check -u: a world-writable users file is refused, naming it; a world-readable one is a warning"
cp "$T/audit-users.ini" "$T/open-users.ini"
chmod 666 "$T/open-users.ini"
ctl -u "$T/open-users.ini" check
expect_rc 1
expect_out_empty
grep -F -x "$T/open-users.ini: is writable by every user (mode 0666)" \
    "$T/e" >/dev/null || fail "no refusal naming the file: $(show "$T/e")"
expect_err "$T/open-users.ini: users file not valid"
chmod 644 "$T/open-users.ini"
ctl -u "$T/open-users.ini" check
expect_rc 0
expect_out "$T/open-users.ini: users file OK (6 users, 3 tokens)"
expect_err_has "$T/open-users.ini: warning: readable by every user (mode 0644)"
# The other commands still read it, so that it can be fixed.
chmod 666 "$T/open-users.ini"
ctl -u "$T/open-users.ini" user list
expect_rc 0
end

begin "audit: weak hashes (argon2i, low memory), expired, disabled, token findings; exit 1"
ctl -c "$T/audit.ini" audit
expect_rc 1
expect_out "weak-hash weak argon2i memory=8388608 ops=3" \
    "weak-hash low argon2id memory=4194304 ops=1" \
    "expired gone 2020-01-01" "disabled off" \
    "expired-token old 2020-01-02" "token-user-disabled offt off" \
    "token-user-expired gonet gone"
end

begin "audit: a clean file, exit 0, nothing printed"
write_conf "$T/clean.ini" clean-users.ini
printf '[user:good]\npassword = %s\n\n[user:strong]\npassword = %s\n' \
    "$H_GOOD" "$H_STRONG" >"$T/clean-users.ini"
ctl -c "$T/clean.ini" audit
expect_rc 0
expect_out_empty
end

# ---- refusals --------------------------------------------------------------

# refuse RC MESSAGE ARG...: fcgi-authz ARG... exits RC with the line
# "fcgi-authz: MESSAGE", a usage line after usage errors, and leaves the
# users file as it was.  Usage errors are given a configuration that does
# not exist: nothing may be read before them.
ABSENT=$T/absent.ini
refuse() {
	want=$1
	msg=$2
	shift 2
	desc=$(printf '%s' "$*" | sed "s|$T|\$T|g" | tr -c '[:print:]' '?')
	begin "refused ($want): $desc: $msg"
	cp "$USERS" "$T/snap"
	ctl "$@"
	expect_rc "$want"
	expect_err "$msg"
	[ "$want" = 2 ] && expect_usage
	[ -n "$ALSO" ] && expect_err "$ALSO"
	same "$USERS" "$T/snap"
	end
}
ALSO=

USAGE="usage: fcgi-authz [-c config | -u users-file] command [argument ...]"
begin "refused (2): no command, with the full usage"
ctl
expect_rc 2
expect_err "no command"
grep -F -x "$USAGE" "$T/e" >/dev/null || fail "no full usage: $(show "$T/e")"
for l in "user add NAME [--role ROLE]... [--expires DATE] [--password-stdin | --hash-stdin]" \
    "user passwd NAME [--password-stdin | --hash-stdin]" \
    "user import [--with-roles | --htpasswd FILE [--htgroup FILE]]"; do
	grep -F -x "  $l" "$T/e" >/dev/null ||
	    fail "the usage lacks the line '$l'"
done
end
begin "refused (2): unknown command, with the full usage"
ctl -c "$ABSENT" frobnicate
expect_rc 2
expect_err "unknown command frobnicate"
grep -F -x "$USAGE" "$T/e" >/dev/null || fail "no full usage: $(show "$T/e")"
end

# --help and --version, as GNU programs take them: the text on standard
# output, nothing on standard error, exit 0, before anything is read.
for prog in "$CTL" "$AUTHZD"; do
	name=${prog##*/}
	for opt in --help -h; do
		begin "$name $opt: usage on stdout, exit 0"
		"$prog" -c "$ABSENT" $opt >"$T/o" 2>"$T/e"
		RC=$?
		expect_rc 0
		expect_err_empty
		grep "^usage: $name " "$T/o" >/dev/null ||
		    fail "no usage line on stdout: $(show "$T/o")"
		end
	done
	begin "$name --version: name and version on stdout, exit 0"
	"$prog" --version >"$T/o" 2>"$T/e"
	RC=$?
	expect_rc 0
	expect_err_empty
	head -n 1 "$T/o" | grep -E "^$name \(fcgi-authz\) [0-9]+\.[0-9]+\.[0-9]+\$" \
	    >/dev/null || fail "first line: $(show "$T/o")"
	grep -E '^libsodium [0-9.]+$' "$T/o" >/dev/null ||
	    fail "no libsodium line: $(show "$T/o")"
	end
	begin "$name --bogus: a usage error on stderr, exit 2"
	"$prog" --bogus >"$T/o" 2>"$T/e"
	RC=$?
	expect_rc 2
	expect_out_empty
	grep "^usage: $name " "$T/e" >/dev/null ||
	    fail "no usage line on stderr: $(show "$T/e")"
	end
done

U45=aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeee
U44=aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeee
CTRL=$(printf 'a\001b')
BADNAME='is not a valid user name (1 to 44 bytes of UTF-8 without whitespace, control characters or any of :=[];#,")'
refuse 2 "user: subcommand missing" -c "$ABSENT" user
refuse 2 "give one -c or one -u" -c "$CONF" -u "$USERS" user list
refuse 2 "user add: unknown option --bogus" -c "$ABSENT" user add x --bogus
refuse 2 "user add: --role needs a value" -c "$ABSENT" user add x --password-stdin --role
refuse 2 "user list: --json takes no value" -c "$ABSENT" user list --json=yes
refuse 2 "user add: NAME missing" -c "$ABSENT" user add --password-stdin
refuse 2 "user show: one NAME only" -c "$ABSENT" user show a b
refuse 2 "user del: too many arguments" -c "$ABSENT" user del a b
refuse 2 "user del: NAME missing" -c "$ABSENT" user del
refuse 2 "user expire: too many arguments" -c "$ABSENT" user expire a never extra
refuse 2 "explain: too many arguments" -c "$ABSENT" explain GET /a /b
refuse 2 "user list: no arguments" -c "$ABSENT" user list x
refuse 2 "check: no arguments" -c "$ABSENT" check x
refuse 2 "user expire: DATE missing" -c "$ABSENT" user expire a
refuse 2 "\"$U45\" $BADNAME" -c "$ABSENT" user add "$U45" --password-stdin
refuse 2 "\"a:b\" $BADNAME" -c "$ABSENT" user add a:b --password-stdin
refuse 2 "\"a b\" $BADNAME" -c "$ABSENT" user add "a b" --password-stdin
# A control character is shown escaped, not sent to the terminal.
refuse 2 "\"a\\x01b\" $BADNAME" -c "$ABSENT" user add "$CTRL" --password-stdin
refuse 2 "\"a;b\" $BADNAME" -c "$ABSENT" user del "a;b"
refuse 2 "\"a b\" is not a valid role name (1 to 44 bytes of UTF-8 without whitespace, control characters or any of :=[];#,\")" \
    -c "$ABSENT" user add x --role "a b" --password-stdin
refuse 2 "\"t=1\" is not a valid token name (1 to 44 bytes of UTF-8 without whitespace, control characters or any of :=[];#,\")" \
    -c "$ABSENT" token add t=1 --user imp1
refuse 2 "--expires: \"2020-13-01\" is not a date (expected YYYY-MM-DD or never)" \
    -c "$ABSENT" user add x --expires 2020-13-01 --password-stdin
refuse 2 "--expires: \"2021-02-29\" is not a date (expected YYYY-MM-DD or never)" \
    -c "$ABSENT" token add t --user imp1 --expires 2021-02-29
refuse 2 "user expire: \"20200101\" is not a date (expected YYYY-MM-DD or never)" \
    -c "$ABSENT" user expire imp1 20200101
refuse 2 "user expire: \"tomorrow\" is not a date (expected YYYY-MM-DD or never)" \
    -c "$ABSENT" user expire imp1 tomorrow
refuse 2 "user roles: role a both added and removed" \
    -c "$ABSENT" user roles imp1 --add a --remove a
refuse 2 "user add: standard input is not a terminal: give the password on it with --password-stdin" \
    -c "$ABSENT" user add x
refuse 2 "explain: METHOD and PATH needed" -c "$ABSENT" explain GET
refuse 2 "explain: --user and --token-stdin exclude each other" \
    -c "$ABSENT" explain --user a --token-stdin GET /
refuse 2 "explain: --password-stdin needs --user" \
    -c "$ABSENT" explain --password-stdin GET /
refuse 2 "explain: --from: \"10.0.0\" is not an IPv4 or IPv6 address" \
    -c "$ABSENT" explain --from 10.0.0 GET /
refuse 2 "explain: needs the configuration (-c), not -u: the rules are there" \
    -u "$USERS" explain GET /

begin "a 44-byte name is accepted (the limit), the 45-byte one above is not"
input 'x44-Pw\n'
ctl -c "$CONF" user add "$U44" --password-stdin
expect_rc 0
ctl -c "$CONF" user del "$U44"
expect_rc 0
end

refuse 1 "user imp1 already exists (\"user passwd\" changes the password)" \
    -c "$CONF" user add imp1 --password-stdin
for c in "user del" "user show" "user disable" "user enable" "user roles"; do
	# shellcheck disable=SC2086
	refuse 1 "no user ghost in $USERS" -c "$CONF" $c ghost
done
input 'ghost-Pw\n'
refuse 1 "no user ghost in $USERS" -c "$CONF" user passwd ghost --password-stdin
input 'ghost-Pw\n'
refuse 1 "no user ghost in $USERS" -c "$CONF" verify ghost --password-stdin
refuse 1 "no user ghost in $USERS" -c "$CONF" user roles ghost --add a
refuse 1 "no user ghost in $USERS" -c "$CONF" user expire ghost never
refuse 1 "no user ghost in $USERS" -c "$CONF" token add t9 --user ghost
refuse 1 "no token ghost in $USERS" -c "$CONF" token revoke ghost
refuse 1 "token deploy already exists (\"token revoke\" it first)" \
    -c "$CONF" token add deploy --user imp1

# Passwords on standard input.
# pwrefuse FORMAT MESSAGE: user add with this standard input.
pwrefuse() {
	input "$1"
	refuse 1 "$2" -c "$CONF" user add pwx --password-stdin
}
P1025=$(head -c 1025 /dev/zero | tr '\0' x)
P1024=$(head -c 1024 /dev/zero | tr '\0' x)
pwrefuse '' "no password on standard input"
pwrefuse '\n' "the password is empty"
pwrefuse '\r\n' "the password is empty"
pwrefuse "$P1025\\n" "the password is longer than 1024 bytes"
pwrefuse 'ab\000cd\n' "the password contains a NUL byte"
pwrefuse 'ab\001cd\n' "the password contains control characters or is not valid UTF-8"
pwrefuse 'ab\tcd\n' "the password contains control characters or is not valid UTF-8"
pwrefuse 'ab\377cd\n' "the password contains control characters or is not valid UTF-8"
input 'wrong-pw\n'
refuse 1 "wrong password for imp1" -c "$CONF" verify imp1 --password-stdin
input ''
refuse 1 "no password on standard input" -c "$CONF" user passwd imp1 --password-stdin

begin "a 1024-byte password is accepted (the limit) and verifies"
input '%s\n' "$P1024"
ctl -c "$CONF" user add long1024 --password-stdin
expect_rc 0
input '%s\n' "$P1024"
ctl -c "$CONF" verify long1024 --password-stdin
expect_rc 0
ctl -c "$CONF" user del long1024
expect_rc 0
end

# Import: every error names the line, then "nothing imported", exit 1,
# and the file is unchanged (even when good lines came first).
# imprefuse OPTION FORMAT MESSAGE
imprefuse() {
	input "$2"
	ALSO="nothing imported"
	# shellcheck disable=SC2086
	refuse 1 "$3" -c "$CONF" user import $1
	ALSO=
}
imprefuse "" 'okimp:pw1\n# c\n\nnocolon\n' "stdin:4: expected name:password"
imprefuse --with-roles 'okimp:r:pw1\nname:pw\n' "stdin:2: expected name:roles:password"
imprefuse "" 'okimp:pw1\na b:pw\n' "stdin:2: not a valid user name"
imprefuse "" "okimp:pw1\\n$U45:pw\\n" "stdin:2: not a valid user name"
imprefuse --with-roles 'okimp:r,,s:pw1\n' "stdin:1: roles: expected a comma-separated list without empty items"
imprefuse --with-roles 'okimp:r s:pw1\n' "stdin:1: roles: not a valid role name"
imprefuse "" 'okimp:pw1\nb:\n' "stdin:2: the password is empty"
imprefuse "" 'okimp:pw1\nb:p\001w\n' "stdin:2: the password holds a NUL, control characters or invalid UTF-8"
imprefuse "" 'okimp:pw1\nb:p\000w\n' "stdin:2: the password holds a NUL, control characters or invalid UTF-8"
imprefuse "" 'okimp:pw1\nb:p\377w\n' "stdin:2: the password holds a NUL, control characters or invalid UTF-8"
imprefuse "" "okimp:pw1\\nb:$(head -c 5000 /dev/zero | tr '\0' x)\\n" "stdin:2: line too long"
imprefuse "" 'okimp:pw1\nb:2\nokimp:3\n' "stdin:3: user okimp again (first on line 1)"

begin "import leaves no okimp user behind (all or nothing)"
ctl -c "$CONF" user show okimp
expect_rc 1
end

# A write that would make the file invalid is refused; the file stays.
write_conf "$T/broken.ini" broken-users.ini
cp "$T/audit-users.ini" "$T/broken-users.ini"
printf '\n[user:nopw]\nroles = a\n' >>"$T/broken-users.ini"
cp "$T/broken-users.ini" "$T/broken.orig"

begin "refused (1): a write whose result fcgi-authzd would refuse; FILE:LINE, not changed"
input 'new-Pw\n'
ctl -c "$T/broken.ini" user add newbie --password-stdin
expect_rc 1
grep "^$T/broken-users.ini:[0-9][0-9]*: .*nopw" "$T/e" >/dev/null ||
    fail "no FILE:LINE about [user:nopw]: $(show "$T/e")"
expect_err "$T/broken-users.ini: not changed"
same "$T/broken-users.ini" "$T/broken.orig"
no_temp_files "$T/broken-users.ini"
end

begin "a write that repairs the file is allowed: user del of the broken section"
ctl -c "$T/broken.ini" user del nopw
expect_rc 0
ctl -c "$T/broken.ini" check
expect_rc 0
cmp -s "$T/broken-users.ini" "$T/audit-users.ini" ||
    fail "not the file before the broken section was appended: $(diff "$T/audit-users.ini" "$T/broken-users.ini" | head -n 5 | tr '\n' '|')"
end

# ---- user import --htpasswd: other tools' hashes ---------------------------

# Files made by the tools themselves: htpasswd(1) for bcrypt (-B), apr1
# (-m), {SHA} (-s), sha256-crypt (-2) and sha512-crypt (-5); mkpasswd(1)
# for yescrypt and a shadow(5)-style line with its extra fields.
HTCONF=$T/ht.ini
HTUSERS=$T/ht-users.ini
write_conf "$HTCONF" ht-users.ini
printf '[user:old]\npassword = %s\nroles = staff\n\n[user:grponly]\npassword = %s\nroles = staff\n' \
    "$H_GOOD" "$H_GOOD" >"$HTUSERS"
HT=$T/htpasswd
HG=$T/htgroup
{
	htpasswd -c -b -B "$HT" hbcrypt hb-Pw-1 &&
	htpasswd -b -m "$HT" hapr hm-Pw-2 &&
	htpasswd -b -s "$HT" hsha hs-Pw-3 &&
	htpasswd -b -2 "$HT" h256 h2-Pw-4 &&
	htpasswd -b -5 "$HT" h512 h5-Pw-5 &&
	htpasswd -b -B -C 10 "$HT" old old-Pw-6
} 2>"$T/htpasswd.err" || bail "htpasswd failed: $(show "$T/htpasswd.err")"
H_YES=$(printf 'hy-Pw-7\n' | mkpasswd -s -m yescrypt) &&
    H_SHADOW=$(printf 'hx-Pw-8\n' | mkpasswd -s -m sha-512) ||
    bail "mkpasswd failed"
printf '# from /etc/shadow\nhyes:%s\n\nhshadow:%s:19700:0:99999:7:::\n' \
    "$H_YES" "$H_SHADOW" >>"$HT"
printf '# groups\nadmins: hbcrypt old\nweb:  hapr\thsha \nweb: hyes grponly\n' >"$HG"
HT_PW="hbcrypt:hb-Pw-1 hapr:hm-Pw-2 hsha:hs-Pw-3 h256:h2-Pw-4 h512:h5-Pw-5
old:old-Pw-6 hyes:hy-Pw-7 hshadow:hx-Pw-8"

# htrefuse MESSAGE ARG...: user import ARG... with $HTCONF exits 1 with the
# line "fcgi-authz: MESSAGE", then "nothing imported", and leaves the users
# file as it was.  HTCONF_USE, when set, is the configuration instead.
HTCONF_USE=
htrefuse() {
	msg=$1
	shift
	desc=$(printf '%s' "$*" | sed "s|$T|\$T|g")
	begin "refused (1): user import $desc: $(printf '%s' "$msg" | sed "s|$T|\$T|g")"
	cp "$HTUSERS" "$T/snap"
	ctl -c "${HTCONF_USE:-$HTCONF}" user import "$@"
	expect_rc 1
	expect_err "$msg"
	expect_err "nothing imported"
	expect_out_empty
	same "$HTUSERS" "$T/snap"
	end
}

# htfile NAME LINE...: $T/NAME holds these lines, for a refusal.
htfile() {
	f=$T/$1
	shift
	printf '%s\n' "$@" >"$f"
}

H_BC=$(sed -n 's/^hbcrypt://p' "$HT")
H_APR=$(sed -n 's/^hapr://p' "$HT")
htpasswd -c -b -d "$T/ht-des" des1 des-Pw 2>/dev/null || bail "htpasswd -d failed"
htpasswd -c -b -p "$T/ht-plain" plain1 plain-Pw 2>/dev/null || bail "htpasswd -p failed"
htfile ht-d "ok1:$H_BC" "$(cat "$T/ht-des")"
htfile ht-p "ok1:$H_BC" "# a comment" "$(cat "$T/ht-plain")"
htrefuse "$T/ht-d:2: user des1: DES crypt (htpasswd -d) keeps only the first 8 characters of a password and is refused; set a new password with \"fcgi-authz user passwd\"" \
    --htpasswd "$T/ht-d"
htrefuse "$T/ht-p:3: user plain1: not a password hash (a plaintext password, as htpasswd -p writes, is refused); set it with \"fcgi-authz user passwd\"" \
    --htpasswd "$T/ht-p"
htfile ht-lock "ok1:$H_BC" "lk1:!$H_SHADOW:19700:0:99999:7:::" "lk2:*:19700:0:99999:7:::"
htrefuse "$T/ht-lock:2: user lk1: a locked account (\"!\" or \"*\"), which has no password; leave the user out or disable it" \
    --htpasswd "$T/ht-lock"
htrefuse "$T/ht-lock:3: user lk2: a locked account (\"!\" or \"*\"), which has no password; leave the user out or disable it" \
    --htpasswd "$T/ht-lock"
htfile ht-empty "ok1:$H_BC" "nopw::19700:0:99999:7:::"
htrefuse "$T/ht-empty:2: user nopw: the hash is empty: an account without a password is refused" \
    --htpasswd "$T/ht-empty"
htfile ht-bad "ok1:$H_BC" "no colon" "a b:$H_BC" "ok1:$H_APR" "bad1:\$2y\$05\$short"
htrefuse "$T/ht-bad:2: expected name:hash" --htpasswd "$T/ht-bad"
htrefuse "$T/ht-bad:3: not a valid user name" --htpasswd "$T/ht-bad"
htrefuse "$T/ht-bad:4: user ok1 again (first on line 1)" --htpasswd "$T/ht-bad"
htrefuse "$T/ht-bad:5: user bad1: a malformed hash: its format is known, but not its layout or parameters" \
    --htpasswd "$T/ht-bad"
htfile ht-ok "ok1:$H_BC"
htfile hg-bad "g1: ok1" "bad group: ok1" "g2 ok1" "g3: ok1 a:b"
htrefuse "$T/hg-bad:2: group \"bad group\" is not a valid role name" \
    --htpasswd "$T/ht-ok" --htgroup "$T/hg-bad"
htrefuse "$T/hg-bad:3: expected group: user user ..." \
    --htpasswd "$T/ht-ok" --htgroup "$T/hg-bad"
htrefuse "$T/hg-bad:4: \"a:b\" is not a valid user name" \
    --htpasswd "$T/ht-ok" --htgroup "$T/hg-bad"
htfile hg-ghost "g1: ok1 old" "g2: ghost"
htrefuse "$T/hg-ghost:2: user ghost is in neither $T/ht-ok nor $HTUSERS" \
    --htpasswd "$T/ht-ok" --htgroup "$T/hg-ghost"
input 'ok1:%s\n\nlk1:*\n' "$H_BC"
htrefuse "stdin:3: user lk1: a locked account (\"!\" or \"*\"), which has no password; leave the user out or disable it" \
    --htpasswd -
input 'g1: ok1\ng2: ghost\n'
htrefuse "stdin:2: user ghost is in neither $T/ht-ok nor $HTUSERS" \
    --htpasswd "$T/ht-ok" --htgroup -
htrefuse "$T/absent: No such file or directory" --htpasswd "$T/absent"

# The configuration's limits, as the daemon would load the file with them.
write_conf "$T/ht-refuse.ini" ht-users.ini "legacy = refuse"
HTCONF_USE=$T/ht-refuse.ini
htrefuse "$HT:1: user hbcrypt: bcrypt hashes are refused ([hashing] legacy = refuse): set a new password with \"fcgi-authz user passwd\"" \
    --htpasswd "$HT"
write_conf "$T/ht-cost.ini" ht-users.ini "max_bcrypt_cost = 9"
HTCONF_USE=$T/ht-cost.ini
htrefuse "$HT:6: user old: bcrypt cost 10, above [hashing] max_bcrypt_cost (9)" \
    --htpasswd "$HT"
HTCONF_USE=

refuse 2 "user import: --htgroup needs --htpasswd" \
    -c "$ABSENT" user import --htgroup "$HG"
refuse 2 "user import: --with-roles and --htpasswd exclude each other (roles come from --htgroup)" \
    -c "$ABSENT" user import --with-roles --htpasswd "$HT"
refuse 2 "user import: --htpasswd and --htgroup cannot both be standard input (-)" \
    -c "$ABSENT" user import --htpasswd - --htgroup -
refuse 2 "user import: --htpasswd needs a value" -c "$ABSENT" user import --htpasswd

begin "user import --htpasswd --htgroup: every format imported as it is, exit 0, silent"
ctl -c "$HTCONF" user import --htpasswd "$HT" --htgroup "$HG"
expect_rc 0
expect_out_empty
expect_err_empty
for u in hbcrypt hapr hsha h256 h512 old hyes; do
	h=$(sed -n "s/^$u://p" "$HT")
	[ -n "$h" ] && section "user:$u" "$HTUSERS" | grep -F -x "password = $h" \
	    >/dev/null || fail "$u: not the hash of the htpasswd file"
done
section user:hshadow "$HTUSERS" | grep -F -x "password = $H_SHADOW" \
    >/dev/null || fail "hshadow: not the hash without the shadow fields"
ctl -c "$HTCONF" check
expect_rc 0
"$AUTHZD" -t -c "$HTCONF" >/dev/null 2>"$T/t.err" ||
    fail "fcgi-authzd -t refuses it: $(show "$T/t.err")"
end

begin "user import --htpasswd: each user's password verifies, a wrong one does not"
for up in $HT_PW; do
	u=${up%%:*}
	input '%s\n' "${up#*:}"
	ctl -c "$HTCONF" verify "$u" --password-stdin
	[ "$RC" -eq 0 ] || fail "$u: right password: exit $RC: $(show "$T/e")"
	input '%sX\n' "${up#*:}"
	ctl -c "$HTCONF" verify "$u" --password-stdin
	[ "$RC" -eq 1 ] || fail "$u: wrong password: exit $RC"
	grep -F -x "fcgi-authz: wrong password for $u" "$T/e" >/dev/null ||
	    fail "$u: no 'wrong password' line: $(show "$T/e")"
done
end

begin "user import --htgroup: groups become roles; existing users keep theirs (union), new ones get exactly their groups"
ctl -c "$HTCONF" user list
expect_rc 0
expect_out "old staff,admins never active" "grponly staff,web never active" \
    "hbcrypt admins never active" "hapr web never active" \
    "hsha web never active" "h256 - never active" "h512 - never active" \
    "hyes web never active" "hshadow - never active"
# grponly is only in the htgroup file: its password is untouched.
section user:grponly "$HTUSERS" | grep -F -x "password = $H_GOOD" >/dev/null ||
    fail "grponly: the password changed"
end

begin "audit: a legacy-hash line per imported user, weak for bcrypt cost 5, apr1 and {SHA}"
ctl -c "$HTCONF" audit
expect_rc 1
# Which of them are slower than the dummy is timed: the next case.
grep -v '^slow-hash ' "$T/o" >"$T/o.legacy"
mv "$T/o.legacy" "$T/o"
expect_out "legacy-hash old bcrypt" "legacy-hash hbcrypt bcrypt weak" \
    "legacy-hash hapr apr1 weak" "legacy-hash hsha sha1 weak" \
    "legacy-hash h256 sha256-crypt" "legacy-hash h512 sha512-crypt" \
    "legacy-hash hyes yescrypt" "legacy-hash hshadow sha512-crypt"
end

# The dummy here is argon2id at t=1, 8 MiB, a few milliseconds; bcrypt at
# cost 12 takes a hundred times that, $apr1$ a hundredth: far from the
# 1.5 times audit goes by, however busy the machine.
begin "audit: slow-hash for an imported hash slower than the dummy (bcrypt 12), none for a cheaper one (\$apr1\$) or argon2id"
{
	printf '[user:fast]\npassword = %s\n\n' "$(cheap_hash x)"
	printf '[user:fast2]\npassword = %s\n\n' "$(cheap_hash y)"
	printf '[user:slowb]\npassword = %s\n\n' \
	    "$(htpasswd -nbB -C 12 u x | sed -n '1s/^u://p')"
	printf '[user:cheapa]\npassword = %s\n' \
	    "$(htpasswd -nbm u x | sed -n '1s/^u://p')"
} >"$T/slow-users.ini"
chmod 600 "$T/slow-users.ini"
ctl -u "$T/slow-users.ini" audit
expect_rc 1
grep -q '^slow-hash slowb bcrypt [0-9.]*ms [0-9.]*ms$' "$T/o" ||
    fail "no slow-hash line for slowb: $(show "$T/o")"
grep -q '^slow-hash \(fast\|fast2\|cheapa\) ' "$T/o" &&
    fail "a slow-hash line for a hash as cheap as the dummy: $(show "$T/o")"
end

begin "user show: the hash's format and costs, legacy and weak"
# show_hash USER LINE: user show prints this hash line.
show_hash() {
	ctl -c "$HTCONF" user show "$1"
	expect_rc 0
	expect_out_has "$2"
}
show_hash hbcrypt "hash: bcrypt cost=5 (legacy, weak)"
show_hash old "hash: bcrypt cost=10 (legacy)"
show_hash hapr "hash: apr1 (legacy, weak)"
show_hash hsha "hash: sha1 (legacy, weak)"
show_hash h256 "hash: sha256-crypt rounds=5000 (legacy)"
show_hash h512 "hash: sha512-crypt rounds=5000 (legacy)"
ctl -c "$HTCONF" user show hyes
grep -x 'hash: yescrypt memory=[0-9]* ops=[0-9]* parallel=[0-9]* (legacy)' \
    "$T/o" >/dev/null || fail "hyes: $(show "$T/o")"
end

begin "user import --htpasswd -: from standard input, into the daemon's file: the user logs in through fcgi-authzd"
htpasswd -n -b -m htweb htweb-Pw-9 >"$T/in" 2>/dev/null || bail "htpasswd -n failed"
IN=$T/in
ctl -c "$CONF" user import --htpasswd -
expect_rc 0
expect_err_empty
wait_req "$(basic htweb htweb-Pw-9)" /site/x 200 ok site
now_req "$(basic htweb htweb-Pw-X)" /site/x 401 bad_password
ctl -c "$CONF" user del htweb
expect_rc 0
end

# ---- --hash-stdin: one hash made elsewhere ---------------------------------

# hsrefuse MESSAGE ARG...: fcgi-authz -c $HTCONF (or $HTCONF_USE) ARG...,
# with the standard input set by input, exits 1 with the line
# "fcgi-authz: MESSAGE" and leaves the users file as it was.
hsrefuse() {
	msg=$1
	shift
	begin "refused (1): $*: $msg"
	cp "$HTUSERS" "$T/snap"
	ctl -c "${HTCONF_USE:-$HTCONF}" "$@"
	expect_rc 1
	expect_err "$msg"
	expect_out_empty
	same "$HTUSERS" "$T/snap"
	end
}

begin "user add --hash-stdin: the hash stored as it is, the user logs in with its password"
input '%s\n' "$H_APR"
ctl -c "$HTCONF" user add hadd --role web --hash-stdin
expect_rc 0
expect_out_empty
expect_err_empty
section user:hadd "$HTUSERS" >"$T/sec"
grep -F -x "password = $H_APR" "$T/sec" >/dev/null ||
    fail "not the hash given: $(show "$T/sec")"
grep -x 'roles = web' "$T/sec" >/dev/null || fail "no roles: $(show "$T/sec")"
input 'hm-Pw-2\n'
ctl -c "$HTCONF" verify hadd --password-stdin
expect_rc 0
end

begin "user passwd --hash-stdin: the new hash replaces the old one"
input '%s\n' "$H_YES"
ctl -c "$HTCONF" user passwd hadd --hash-stdin
expect_rc 0
expect_out_empty
expect_err_empty
section user:hadd "$HTUSERS" | grep -F -x "password = $H_YES" >/dev/null ||
    fail "not the hash given: $(section user:hadd "$HTUSERS" | tr '\n' '|')"
input 'hy-Pw-7\n'
ctl -c "$HTCONF" verify hadd --password-stdin
expect_rc 0
input 'hm-Pw-2\n'
ctl -c "$HTCONF" verify hadd --password-stdin
expect_rc 1
end

begin "user passwd with a password: a legacy user gets argon2id, and audit no longer lists it"
input 'hm-Pw-new\n'
ctl -c "$HTCONF" user passwd hapr --password-stdin
expect_rc 0
section user:hapr "$HTUSERS" |
    grep '^password = \$argon2id\$v=19\$m=8192,t=1,p=1\$' >/dev/null ||
    fail "not argon2id with the policy: $(section user:hapr "$HTUSERS" | tr '\n' '|')"
ctl -c "$HTCONF" audit
grep '^legacy-hash hapr ' "$T/o" >/dev/null && fail "hapr still listed: $(show "$T/o")"
expect_out_has "legacy-hash hsha sha1 weak"
input 'hm-Pw-new\n'
ctl -c "$HTCONF" verify hapr --password-stdin
expect_rc 0
end

DES_MSG='DES crypt (htpasswd -d) keeps only the first 8 characters of a password and is refused; set a new password with "fcgi-authz user passwd"'
H_DES=$(sed -n 's/^des1://p' "$T/ht-des")
input '%s\n' "$H_DES"
hsrefuse "the hash is refused: $DES_MSG" user add hx --hash-stdin
input '%s\n' "$H_DES"
hsrefuse "the hash is refused: $DES_MSG" user passwd hbcrypt --hash-stdin
input 'plain-Pw\n'
hsrefuse 'the hash is refused: not a password hash (a plaintext password, as htpasswd -p writes, is refused); set it with "fcgi-authz user passwd"' \
    user add hx --hash-stdin
input '!%s\n' "$H_SHADOW"
hsrefuse 'the hash is refused: a locked account ("!" or "*"), which has no password; leave the user out or disable it' \
    user passwd hbcrypt --hash-stdin
input '$2y$05$short\n'
hsrefuse 'the hash is refused: a malformed hash: its format is known, but not its layout or parameters' \
    user add hx --hash-stdin
input ''
hsrefuse "no hash on standard input" user add hx --hash-stdin
input '\n'
hsrefuse "the hash is empty" user add hx --hash-stdin
input '%s\n' "$(head -c 128 /dev/zero | tr '\0' x)"
hsrefuse "the hash is longer than 127 bytes" user add hx --hash-stdin
input '%s\n' "$H_APR"
hsrefuse "user hbcrypt already exists (\"user passwd\" changes the password)" \
    user add hbcrypt --hash-stdin
HTCONF_USE=$T/ht-refuse.ini
input '%s\n' "$H_BC"
hsrefuse 'the hash is refused: bcrypt hashes are refused ([hashing] legacy = refuse): set a new password with "fcgi-authz user passwd"' \
    user add hx --hash-stdin
HTCONF_USE=$T/ht-cost.ini
input '%s\n' "$(sed -n 's/^old://p' "$HT")"
hsrefuse "the hash is refused: bcrypt cost 10, above [hashing] max_bcrypt_cost (9)" \
    user passwd hbcrypt --hash-stdin
HTCONF_USE=

refuse 2 "user add: --password-stdin and --hash-stdin exclude each other" \
    -c "$ABSENT" user add x --password-stdin --hash-stdin
refuse 2 "user passwd: --password-stdin and --hash-stdin exclude each other" \
    -c "$ABSENT" user passwd x --hash-stdin --password-stdin
refuse 2 "user passwd: one NAME only" -c "$ABSENT" user passwd x y --hash-stdin

if [ -n "$PY" ]; then
	begin "pty: --hash-stdin and user import --htpasswd - refuse a terminal (exit 2), nothing written"
	cp "$HTUSERS" "$T/snap"
	onpty -- "$CTL" -c "$HTCONF" user add hx --hash-stdin
	[ "$RC" -eq 2 ] || fail "user add: exit $RC (expected 2); terminal: $(show "$T/o")"
	grep -F 'fcgi-authz: user add: standard input is a terminal: give the hash through a file or a pipe' \
	    "$T/o" >/dev/null || fail "user add: no message: $(show "$T/o")"
	onpty -- "$CTL" -c "$HTCONF" user passwd hbcrypt --hash-stdin
	[ "$RC" -eq 2 ] || fail "user passwd: exit $RC (expected 2); terminal: $(show "$T/o")"
	grep -F 'fcgi-authz: user passwd: standard input is a terminal: give the hash through a file or a pipe' \
	    "$T/o" >/dev/null || fail "user passwd: no message: $(show "$T/o")"
	onpty -- "$CTL" -c "$HTCONF" user import --htpasswd -
	[ "$RC" -eq 2 ] || fail "user import: exit $RC (expected 2); terminal: $(show "$T/o")"
	grep -F 'fcgi-authz: user import: standard input is a terminal: give the lines through a file or a pipe' \
	    "$T/o" >/dev/null || fail "user import: no message: $(show "$T/o")"
	same "$HTUSERS" "$T/snap"
	end
else
	skip "pty: --hash-stdin on a terminal" "no python3"
fi

# ---- user import: hashing on every core ------------------------------------

write_conf "$T/many.ini" many-users.ini
printf '; import on every core\n' >"$T/many-users.ini"

begin "user import of 50 users: hashed on every core, each into its own user; silent when standard error is no terminal"
i=1
: >"$T/many.in"
while [ $i -le 50 ]; do
	printf 'm%d:m%d-Pw-%d\n' $i $i $((i * 7919)) >>"$T/many.in"
	i=$((i + 1))
done
IN=$T/many.in
ctl -c "$T/many.ini" user import
expect_rc 0
expect_out_empty
expect_err_empty
ctl -c "$T/many.ini" check
expect_out "$T/many.ini: configuration OK (2 rules, 50 users, 0 tokens)"
n_hashes=$(sed -n 's/^password = //p' "$T/many-users.ini" | sort -u | wc -l)
[ "$n_hashes" -eq 50 ] || fail "$n_hashes different hashes for 50 users"
i=1
while [ $i -le 50 ]; do
	input 'm%d-Pw-%d\n' $i $((i * 7919))
	ctl -c "$T/many.ini" verify "m$i" --password-stdin
	[ "$RC" -eq 0 ] || fail "m$i: its password: exit $RC: $(show "$T/e")"
	i=$((i + 1))
done
# Another user's password must not verify (no hash went to the wrong slot).
input 'm1-Pw-%d\n' $((2 * 7919))
ctl -c "$T/many.ini" verify m2 --password-stdin
expect_rc 1
end

if [ -n "$PY" ]; then
	begin "pty: user import shows its progress on one line (\\r) when standard error is a terminal"
	i=1
	: >"$T/many2.in"
	while [ $i -le 20 ]; do
		printf 'p%d:p%d-Pw\n' $i $i >>"$T/many2.in"
		i=$((i + 1))
	done
	# Standard input the file, standard output and error the terminal.
	onpty -- /bin/sh -c 'exec "$0" -c "$1" user import <"$2"' \
	    "$CTL" "$T/many.ini" "$T/many2.in"
	[ "$RC" -eq 0 ] || fail "exit $RC; terminal: $(show "$T/o")"
	CR=$(printf '\r')
	grep -F "${CR}hashing: 20/20, " "$T/o" >/dev/null ||
	    fail "no '\\rhashing: 20/20, ' progress line: $(od -c "$T/o" | head -n 5 | tr '\n' '|')"
	tr '\r' '\n' <"$T/o" | grep -x 'hashing: 20/20, [0-9.]*/s, 0 s left *' \
	    >/dev/null || fail "last progress not 'done/total, rate/s, time left': $(tr '\r' '|' <"$T/o")"
	tr '\r' '\n' <"$T/o" | grep -v -e '^hashing: [0-9]*/20\(, [0-9.]*/s, [0-9]* s left\)\? *$' -e '^$' \
	    >"$T/other"
	[ -s "$T/other" ] && fail "other output on the terminal: $(show "$T/other")"
	grep -F 'p1-Pw' "$T/o" >/dev/null && fail "a password on the terminal"
	input 'p20-Pw\n'
	ctl -c "$T/many.ini" verify p20 --password-stdin
	expect_rc 0
	end
else
	skip "pty: user import progress" "no python3"
fi

# ---- 20 concurrent writers ----------------------------------------------

write_conf "$T/conc.ini" conc-users.ini
printf '; concurrency\n' >"$T/conc-users.ini"

begin "20 concurrent user add: all exit 0, all 20 present, the file valid"
pids=
i=1
while [ $i -le 20 ]; do
	printf 'c%d-Pw\n' $i >"$T/cin.$i"
	"$CTL" -c "$T/conc.ini" user add "c$i" --role "r$i" --password-stdin \
	    <"$T/cin.$i" >"$T/cout.$i" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
i=1
for p in $pids; do
	wait "$p"
	rc=$?
	[ $rc -eq 0 ] || fail "user add c$i: exit $rc: $(show "$T/cout.$i")"
	i=$((i + 1))
done
ctl -c "$T/conc.ini" user list
expect_rc 0
awk '{ print $1 }' "$T/o" | sort >"$T/conc.got"
i=1
while [ $i -le 20 ]; do
	echo "c$i"
	i=$((i + 1))
done | sort >"$T/conc.want"
cmp -s "$T/conc.got" "$T/conc.want" ||
    fail "users: $(paste -sd' ' "$T/conc.got")"
ctl -c "$T/conc.ini" check
expect_rc 0
expect_out "$T/conc.ini: configuration OK (2 rules, 20 users, 0 tokens)"
head -n 1 "$T/conc-users.ini" | grep -x '; concurrency' >/dev/null ||
    fail "the first line is gone"
i=1
while [ $i -le 20 ]; do
	input 'c%d-Pw\n' $i
	ctl -c "$T/conc.ini" verify "c$i" --password-stdin
	[ "$RC" -eq 0 ] || fail "c$i: verify exit $RC"
	section "user:c$i" "$T/conc-users.ini" | grep -x "roles = r$i" >/dev/null ||
	    fail "c$i: not its own roles"
	i=$((i + 1))
done
no_temp_files "$T/conc-users.ini"
end

# ---- SIGKILL at any moment ----------------------------------------------

# A big file (10000 users) so that a write takes a while; kill -9 a
# writer at delays spread over the time one takes, then the file must
# parse and be the old one or the old one plus the new user.
write_conf "$T/kill.ini" kill-users.ini
KUSERS=$T/kill-users.ini
awk -v h="$H_GOOD" 'BEGIN {
	print "; 10000 users, for the SIGKILL loop"
	for (i = 1; i <= 10000; i++)
		printf "\n[user:big%d]\npassword = %s\nroles = r1, r2\n", i, h
}' >"$KUSERS"
chmod 640 "$KUSERS"
KMODE=$(mode_owner "$KUSERS")
t0=$(now_ms)
input 'k-Pw\n'
ctl -c "$T/kill.ini" user add k0 --password-stdin
KMS=$(($(now_ms) - t0))
[ "$RC" -eq 0 ] || bail "user add k0 on the big file: exit $RC: $(show "$T/e")"
[ $KMS -ge 10 ] || KMS=10
ITER=40
note "one user add on the 10000-user file takes $KMS ms; killing at 0..$((KMS * 5 / 4)) ms"

begin "SIGKILL loop ($ITER writers killed at spread delays): old or new file, always valid"
n_old=0
n_new=0
n_done=0
n_tmp=0
printf 'k-Pw\n' >"$T/kin"
i=1
while [ $i -le $ITER ]; do
	cp "$KUSERS" "$T/k.old"
	osz=$(wc -c <"$T/k.old")
	delay=$(( (i - 1) * KMS * 5 / 4 / (ITER - 1) ))
	"$CTL" -c "$T/kill.ini" user add "k$i" --password-stdin <"$T/kin" \
	    >/dev/null 2>"$T/kerr" &
	kp=$!
	sleep "$(ms_to_s $delay)"
	kill -KILL "$kp" 2>/dev/null
	wait "$kp" 2>/dev/null
	krc=$?
	[ $krc -eq 0 ] && n_done=$((n_done + 1))
	if [ $krc -ne 0 ] && [ $krc -ne 137 ]; then
		fail "k$i: exit $krc: $(show "$T/kerr")"
	fi
	if ! "$CTL" -c "$T/kill.ini" check >/dev/null 2>"$T/kchk"; then
		fail "k$i (killed at $delay ms): the file does not parse: $(show "$T/kchk")"
	fi
	if cmp -s "$KUSERS" "$T/k.old"; then
		n_old=$((n_old + 1))
		[ $krc -eq 0 ] && fail "k$i: exit 0 but the file is the old one"
	elif head -c "$osz" "$KUSERS" | cmp -s - "$T/k.old" &&
	    tail -c +$((osz + 1)) "$KUSERS" >"$T/k.tail" &&
	    [ "$(wc -l <"$T/k.tail")" -eq 3 ] &&
	    [ "$(sed -n 1p "$T/k.tail")" = "" ] &&
	    [ "$(sed -n 2p "$T/k.tail")" = "[user:k$i]" ] &&
	    sed -n 3p "$T/k.tail" | grep '^password = \$argon2id\$' >/dev/null; then
		n_new=$((n_new + 1))
	else
		fail "k$i (killed at $delay ms): neither the old file nor the old one plus k$i: $(tail -c +$((osz + 1)) "$KUSERS" | head -c 200 | tr '\n' '|')"
	fi
	[ "$(mode_owner "$KUSERS")" = "$KMODE" ] ||
	    fail "k$i: mode/owner now $(mode_owner "$KUSERS")"
	nt=$(temp_files "$KUSERS" | wc -l)
	[ "$nt" -gt "$n_tmp" ] && n_tmp=$nt
	# A leftover temporary file holds the hashes: it may not be more
	# readable than the users file.
	for f in $(temp_files "$KUSERS"); do
		m=$(mode_owner "$T/$f" | cut -c2-10)
		wide=$(printf '%s\n%s\n' "$(printf '%s' "$KMODE" | cut -c2-10)" "$m" |
		    awk 'NR == 1 { f = $0 } NR == 2 { for (j = 1; j <= 9; j++)
			if (substr($0, j, 1) != "-" && substr($0, j, 1) != substr(f, j, 1))
				print $0 }')
		[ -z "$wide" ] || fail "$f: mode $m is wider than the users file's"
	done
	i=$((i + 1))
done
note "SIGKILL loop: $n_old old, $n_new new ($n_done finished before the kill); $n_tmp temporary file(s) left behind by killed writers"
[ $((n_old + n_new)) -eq $ITER ] || fail "only $((n_old + n_new)) of $ITER iterations were old or new"
end

begin "after the SIGKILL loop: the next write works and removes killed writers' temporary files"
left=$(temp_files "$KUSERS" | wc -l)
input 'k-Pw\n'
ctl -c "$T/kill.ini" user add kafter --password-stdin
expect_rc 0
input 'k-Pw\n'
ctl -c "$T/kill.ini" verify kafter --password-stdin
expect_rc 0
after=$(temp_files "$KUSERS" | wc -l)
note "temporary files of killed writers: $left before this write, $after after it"
[ "$after" -eq 0 ] || fail "$after temporary file(s) still there after a write"
end

finish
