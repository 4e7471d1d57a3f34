#!/bin/sh
# tests/privdrop.sh: fcgi-authzd started as root with [server] user =
# nobody, group = nogroup (fcgi-authzd(8), PROCESSES).  Both processes run as
# nobody/nogroup (real, effective, saved ids, no supplementary groups, no
# capabilities); requests are answered; a password changed by fcgi-authz (as
# root) is reloaded as nobody; and files that someone but root or nobody could
# change are refused, at start and at reload, while the old configuration
# keeps serving: a world-writable users file or directory, a file or a
# symbolic link another user owns, a group-writable file of another group, a
# config file the daemon's own user owns.  Files of nobody's and a root-owned
# Kubernetes ConfigMap chain are accepted; a users file every user may read
# gets a warning at start.
#
# Needs root (it starts the daemon as root and chowns files); otherwise
# skipped.  Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/privdrop.sh
set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

# skip_all WHY: the whole test cannot run here.
skip_all() {
	echo "# SKIP: $1"
	echo "0 passed, 0 failed"
	exit 77
}

[ "$(id -u)" = 0 ] ||
    skip_all "not root: the test starts fcgi-authzd as root and chowns files"
need_programs "$AUTHZD" "$CTL" "$CLIENT" "$MKHASH"
need_commands base64 awk sed grep stat ln getent id chown cut tr
NUID=$(id -u nobody 2>/dev/null) || skip_all "no user nobody"
NGID=$(getent group nogroup | cut -d: -f3)
[ -n "$NGID" ] || skip_all "no group nogroup"
OTHER=4321	# a uid and gid that is neither root nor nobody

# nobody must reach the files: a directory under /tmp, not under $TMPDIR
# (which may be inside root's home).
TMPDIR=/tmp tmpdir_make privdrop
chmod 755 "$T" || bail "chmod failed"
: >"$T/log"
CONF=$T/fcgi-authz.ini
USERS=$T/users.ini
ADDR=unix:$T/sock
# The daemon's throttle table: nobody's directory.
mkdir "$T/state" && chown nobody:nogroup "$T/state" || bail "mkdir failed"

# owns MODE OWNER:GROUP FILE...: sets both, as root.
owns() {
	m=$1 o=$2
	shift 2
	chown "$o" "$@" && chmod "$m" "$@" || bail "chown/chmod $o $m failed"
}

# write_conf USERS_PATH: the configuration, root:nogroup 0640, renamed
# into place.
write_conf() {
	{
		conf_base "server.users=$1" server.user=nobody \
		    server.group=nogroup "throttle.state=$T/state/throttle"
		cat <<EOF

[rule:site]
path = /site
access = authenticated
EOF
	} >"$CONF.new"
	owns 640 root:nogroup "$CONF.new"
	mv "$CONF.new" "$CONF" || bail "mv failed"
}

# write_users FILE PASSWORD: alice with that password, root:nogroup 0640.
write_users() {
	h=$(cheap_hash "$2") || bail "mkhash failed"
	printf '[user:alice]\npassword = %s\nroles = editor\n' "$h" >"$1"
	owns 640 root:nogroup "$1"
}

# status_for USER PASSWORD: the status one request gets.
status_for() {
	"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x REMOTE_ADDR=192.0.2.7 \
	    "HTTP_AUTHORIZATION=$(basic_auth "$1" "$2")" 2>/dev/null |
	    sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}

# nreloads: reloads finished so far, good or not.
nreloads() {
	grep -c -e 'reloaded ' -e 'reload failed' "$T/log" 2>/dev/null || true
}

# reload: SIGHUP, then waits up to 5 s for a reload to finish; the log
# from before it is in $T/log.before (to look at what is new).
reload() {
	cp "$T/log" "$T/log.before"
	before=$(nreloads)
	kill -HUP "$DPID"
	i=0
	while [ $i -lt 300 ] && [ "$(nreloads)" -le "$before" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(nreloads)" -gt "$before" ] || fail "no reload within 30 s"
}

# new_log: what the daemon logged since the last reload() began.
new_log() {
	tail -n +"$(($(wc -l <"$T/log.before") + 1))" "$T/log"
}

# expect_refused WHAT: the last reload failed, saying WHAT, and the old
# configuration still answers.
expect_refused() {
	new_log | grep -F -q -- "$1" ||
	    fail "the log does not say '$1'; new: $(new_log | tr '\n' '|')"
	new_log | grep -q 'reload failed; still running the previous' ||
	    fail "no 'reload failed' line"
	[ "$(status_for alice "$PW")" = 200 ] ||
	    fail "alice's password no longer works"
}

expect_reloaded() {
	new_log | grep -q 'reloaded ' ||
	    fail "not reloaded; new: $(new_log | tr '\n' '|')"
	new_log | grep -q 'reload failed' && fail "a reload failed"
}

# ids PID: "Uid Gid Groups CapEff" from /proc/PID/status, tabs as spaces.
ids() {
	for k in Uid Gid Groups CapPrm CapEff; do
		printf '%s=' "$k"
		sed -n "s/^$k:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' ' |
		    sed 's/ *$//'
	done | tr '\n' ';'
}

PW=alice-pw-1
write_users "$USERS" "$PW"
write_conf users.ini

# ---- start ------------------------------------------------------------------

begin "-t as root: config and users root:nogroup 0640 in a root 0755 directory pass, silently"
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>"$T/t.err" ||
    fail "exit $?: $(cat "$T/t.err")"
[ -s "$T/t.err" ] && fail "stderr: $(cat "$T/t.err")"
end

daemon_start
[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 60 s"; }
guard_start
WORKER=$(cat /proc/"$DPID"/task/*/children 2>/dev/null | tr -s ' ' '\n' |
    sed -n 1p)

WANT="Uid=$NUID $NUID $NUID $NUID;Gid=$NGID $NGID $NGID $NGID;Groups=;CapPrm=0000000000000000;CapEff=0000000000000000;"
begin "the supervisor runs as nobody/nogroup: real, effective, saved ids; no supplementary groups, no capabilities"
[ "$(ids "$DPID")" = "$WANT" ] || fail "got $(ids "$DPID")"
end

begin "the worker runs as nobody/nogroup too"
if [ -z "$WORKER" ]; then
	fail "no worker process under $DPID"
else
	[ "$(ids "$WORKER")" = "$WANT" ] || fail "got $(ids "$WORKER")"
fi
end

begin "requests: alice's password 200, a wrong one 401"
[ "$(status_for alice "$PW")" = 200 ] || fail "right password refused"
[ "$(status_for alice wrong)" = 401 ] || fail "wrong password not 401"
end

# ---- reloads, read as nobody ----------------------------------------------

begin "fcgi-authz (root) changes the password, SIGHUP: the new one 200, the old one 401; owner and mode kept"
printf '%s\n' alice-pw-2 |
    "$CTL" -c "$CONF" user passwd alice --password-stdin >/dev/null 2>"$T/ctl.err" ||
    fail "fcgi-authz failed: $(cat "$T/ctl.err")"
reload
expect_reloaded
[ "$(status_for alice alice-pw-2)" = 200 ] || fail "new password refused"
[ "$(status_for alice "$PW")" = 401 ] || fail "old password still works"
[ "$(stat -c '%U:%G %a' "$USERS")" = "root:nogroup 640" ] ||
    fail "users file now $(stat -c '%U:%G %a' "$USERS")"
PW=alice-pw-2
end

begin "the reload reads as nobody: a users file only root may read (root:root 0600) fails, Permission denied"
owns 600 root:root "$USERS"
reload
expect_refused "$USERS: Permission denied"
owns 640 root:nogroup "$USERS"
end

begin "a world-writable users file (0666): reload refused, logged, the old users keep serving"
owns 666 root:nogroup "$USERS"
reload
expect_refused "$USERS: is writable by every user (mode 0666)"
end

begin "back to 0640: reloaded"
owns 640 root:nogroup "$USERS"
reload
expect_reloaded
end

begin "a world-writable directory (1777, as /tmp): reload refused, naming it"
chmod 1777 "$T"
reload
expect_refused "$CONF: directory $T is writable by every user (mode 1777)"
chmod 755 "$T"
end

begin "a users file of another user's (uid $OTHER), group nogroup 0640, readable by nobody: refused"
owns 640 "$OTHER:nogroup" "$USERS"
reload
expect_refused "$USERS: is owned by uid $OTHER, not by root or the daemon's user (uid $NUID)"
end

begin "a users file group-writable by another group (root:$OTHER 0664): refused"
owns 664 "root:$OTHER" "$USERS"
reload
expect_refused "$USERS: is writable by group $OTHER (mode 0664)"
end

begin "group-writable by nogroup, the daemon's group (root:nogroup 0660): reloaded"
owns 660 root:nogroup "$USERS"
reload
expect_reloaded
end

begin "a users file nobody owns (nobody:nogroup 0600): reloaded; fcgi-authz (root) keeps the owner"
owns 600 nobody:nogroup "$USERS"
reload
expect_reloaded
printf '%s\n' alice-pw-3 |
    "$CTL" -c "$CONF" user passwd alice --password-stdin >/dev/null 2>"$T/ctl.err" ||
    fail "fcgi-authz failed: $(cat "$T/ctl.err")"
[ "$(stat -c '%U:%G %a' "$USERS")" = "nobody:nogroup 600" ] ||
    fail "users file now $(stat -c '%U:%G %a' "$USERS")"
reload
expect_reloaded
[ "$(status_for alice alice-pw-3)" = 200 ] || fail "new password refused"
PW=alice-pw-3
owns 640 root:nogroup "$USERS"
end

begin "a config file nobody owns: refused (it names the user to run as; root's only)"
owns 640 nobody:nogroup "$CONF"
reload
expect_refused "$CONF: is owned by uid $NUID, not by root"
owns 640 root:nogroup "$CONF"
end

begin "a users file fcgi-authz (root) creates is root:nogroup 0640, and the daemon reads it"
write_conf new-users.ini
printf '%s\n' new-pw |
    "$CTL" -c "$CONF" user add alice --password-stdin >/dev/null 2>"$T/ctl.err" ||
    fail "fcgi-authz failed: $(cat "$T/ctl.err")"
[ "$(stat -c '%U:%G %a' "$T/new-users.ini")" = "root:nogroup 640" ] ||
    fail "new users file $(stat -c '%U:%G %a' "$T/new-users.ini")"
reload
expect_reloaded
[ "$(status_for alice new-pw)" = 200 ] || fail "its password refused"
PW=new-pw
end

# ---- symbolic links ---------------------------------------------------------

# A Kubernetes ConfigMap volume: cm/users.ini -> ..data/users.ini,
# ..data -> ..2026_11_27_10_00_00.1, all root's.
CM=$T/cm
DATA=..2026_11_27_10_00_00.1
mkdir -p "$CM/$DATA" && chmod 755 "$CM" "$CM/$DATA" || bail "mkdir failed"
write_users "$CM/$DATA/users.ini" cm-pw
ln -s "$DATA" "$CM/..data" && ln -s ..data/users.ini "$CM/users.ini" ||
    bail "ln failed"

begin "users = cm/users.ini, a ConfigMap chain of root's links: reloaded, its password 200"
write_conf cm/users.ini
reload
expect_reloaded
[ "$(status_for alice cm-pw)" = 200 ] || fail "the ConfigMap's password refused"
PW=cm-pw
end

begin "the link users.ini owned by another user (uid $OTHER): refused"
chown -h "$OTHER" "$CM/users.ini" || bail "chown -h failed"
reload
expect_refused "$CM/users.ini: is a symbolic link owned by uid $OTHER"
chown -h root "$CM/users.ini"
end

begin "the link ..data owned by another user: refused, naming it"
chown -h "$OTHER" "$CM/..data" || bail "chown -h failed"
reload
expect_refused "$CM/users.ini: symbolic link $CM/..data is owned by uid $OTHER"
chown -h root "$CM/..data"
end

begin "the links owned by nobody, the daemon's user: reloaded"
chown -h nobody "$CM/users.ini" "$CM/..data" || bail "chown -h failed"
reload
expect_reloaded
end

# ---- start -------------------------------------------------------------------

# stop: SIGTERM, and wait for the daemon to go.
stop() {
	kill -TERM "$DPID" 2>/dev/null
	i=0
	while [ $i -lt 300 ] && alive "$DPID"; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$DPID" 2>/dev/null
	DPID=
}
stop
write_conf users.ini
PW=alice-pw-3

begin "start with a world-writable users file: exit 1, saying why; -t and fcgi-authz check too"
owns 666 root:nogroup "$USERS"
"$AUTHZD" -f -c "$CONF" -l "$ADDR" </dev/null >/dev/null 2>"$T/start.err" &
p=$!
i=0
while [ $i -lt 300 ] && alive "$p"; do
	sleep 0.1
	i=$((i + 1))
done
if alive "$p"; then
	kill -TERM "$p"
	fail "still running after 30 s"
fi
wait "$p"
rc=$?
[ $rc -eq 1 ] || fail "exit $rc, not 1"
grep -F -q "$USERS: is writable by every user (mode 0666)" "$T/start.err" ||
    fail "stderr: $(cat "$T/start.err")"
"$AUTHZD" -t -c "$CONF" >/dev/null 2>"$T/t.err"
rc=$?
[ $rc -eq 1 ] || fail "-t: exit $rc, not 1"
grep -F -q "$USERS: is writable by every user" "$T/t.err" ||
    fail "-t: stderr: $(cat "$T/t.err")"
"$CTL" -c "$CONF" check >/dev/null 2>"$T/c.err"
rc=$?
[ $rc -eq 1 ] || fail "check: exit $rc, not 1"
grep -F -q "$USERS: is writable by every user" "$T/c.err" ||
    fail "check: stderr: $(cat "$T/c.err")"
end

begin "start with a users file every user may read (0644): a warning at start, and it serves"
owns 644 root:nogroup "$USERS"
: >"$T/log"
daemon_start
guard_start
grep -F -q "$USERS: warning: readable by every user (mode 0644)" "$T/log" ||
    fail "no warning; log: $(tr '\n' '|' <"$T/log")"
grep -F -q "chmod 640 it and chown root:nogroup it" "$T/log" ||
    fail "the warning does not say what to do"
[ "$(status_for alice "$PW")" = 200 ] || fail "alice refused"
end

finish
