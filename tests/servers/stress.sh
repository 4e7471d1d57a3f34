#!/bin/bash
# tests/servers/stress.sh: lighttpd 1.4 and fcgi-authzd under wrk load
# (fcgi-authzd(8), PROCESSES), with the running-daemon snippet from
# etc/lighttpd/:
#   1. reloads under load: three wrk clients ask without pause with cached
#      credentials (200), a user without the role (403) and none (401),
#      while the daemon gets a SIGHUP every 100 ms, fcgi-authz rewrites
#      the users file every 300 ms, and a broken configuration is dropped
#      in and reverted.  Every answer must be the right one, no socket
#      error, no 5xx, and the daemon must neither restart nor lose a
#      change;
#   2. memory after 1,000 reloads: the worker's and the supervisor's
#      resident memory may not grow (more than STRESS_RSS_SLACK_KB);
#   3. crash recovery: SIGKILL the worker while wrk asks, and a request is
#      answered 200 again (the daemon's own supervisor); then the same
#      with the daemon spawned by lighttpd (bin-path).
# How many reloads a second and how fast a crash is recovered from are
# printed here and judged by scripts/bench, not here: on a busy machine
# both take longer and nothing is wrong.
# Environment: STRESS_DURATION (seconds of phase 1, default 15),
# STRESS_RELOADS (default 1000), STRESS_RSS_SLACK_KB (default 512).
. "$(dirname "$0")/common.sh"

command -v lighttpd >/dev/null || { echo "# lighttpd not installed"; exit 77; }
command -v wrk >/dev/null || { echo "# wrk not installed"; exit 77; }
CTL=$top_builddir/src/fcgi-authz
DURATION=${STRESS_DURATION:-15}
RELOADS=${STRESS_RELOADS:-1000}
RSS_SLACK_KB=${STRESS_RSS_SLACK_KB:-512}
srv_fixture
CONF=$SRV_DIR/fcgi-authz.ini
DLOG=$SRV_DIR/logs/fcgi-authzd.log

# result NAME WHY: one case; WHY empty means it passed.
result() {
	if [ -z "$2" ]; then
		echo "ok - stress: $1"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - stress: $1: $2"
		echo fail >> "$SRV_DIR/tally"
	fi
}

# lighttpd_conf NAME: a minimal lighttpd.conf around NAME's snippet.
lighttpd_conf() {
	cat <<CONF
server.modules = ( "mod_access" )
include "$SRV_DIR/$1-snippet.conf"
server.bind = "127.0.0.1"
server.port = $port
server.document-root = "$SRV_DIR/www"
server.errorlog = "$SRV_DIR/logs/lighttpd-$1-error.log"
server.max-connections = 1024
index-file.names = ( "index.txt" )
mimetype.assign = ( ".txt" => "text/plain" )
CONF
}

# lighttpd_start NAME SNIPPET: lighttpd around the snippet from etc/,
# templated for paths (start_lighttpd); sets port and lpid.
lighttpd_start() {
	sed -e "s|/run/fcgi-authz/fcgi-authz.sock|$SRV_DIR/run/authz.sock|" \
	    -e "s|/run/lighttpd/fcgi-authz.sock|$SRV_DIR/run/$1.sock|" \
	    -e "s|/usr/sbin/fcgi-authzd|$AUTHZD|" \
	    -e "s|/etc/fcgi-authz/fcgi-authz.ini|$CONF|" \
	    "$top_srcdir/etc/lighttpd/$2" > "$SRV_DIR/$1-snippet.conf"
	start_lighttpd "$1" lighttpd_conf /public/hello.txt || return
	lpid=$pid
	on_exit "kill $lpid 2>/dev/null"
}

# load NAME SECONDS PATH [WRK ARGS...]: srv_load on this lighttpd.
load() {
	_n=$1 _s=$2 _p=$3
	shift 3
	srv_load "$_n" "$_s" "http://127.0.0.1:$port$_p" "$@"
}

# wrk_only NAME STATUS: empty when every answer in wrk's report had that
# status and no socket failed, else what went wrong.
wrk_only() {
	_got=$(srv_wrk_statuses "$1")
	_err=$(sed -n 's/^socket errors: //p' "$SRV_DIR/wrk-$1")
	case $_got in
	"$2":[1-9]*) [ "${_got#* }" = "$_got" ] || { echo "answers $_got"; return; } ;;
	*) echo "answers '$_got', expected only $2"; return ;;
	esac
	[ "$_err" = 0 ] || echo "$_err socket errors"
}

alice=$(printf 'alice:alice-pw' | base64)
bob=$(printf 'bob:bob-pw' | base64)

# reload_count: reloads the daemon logged so far.
reload_count() {
	grep -c 'reloaded ' "$DLOG"
}

# --- 1. reloads under load ---------------------------------------------
"$AUTHZD" -f -c "$CONF" -l "unix:$SRV_DIR/run/authz.sock" 2>> "$DLOG" &
dpid=$!
on_exit "kill $dpid 2>/dev/null"
wait_for_socket "$SRV_DIR/run/authz.sock" ||
    { echo "# fcgi-authzd did not start"; exit 99; }
lighttpd_start socket fcgi-authz-socket.conf ||
    { echo "# lighttpd did not start"; exit 99; }
wpid=$(pgrep -P "$dpid")
"$CTL" -c "$CONF" user add dora --password-stdin <<< dora-pw-0 >/dev/null ||
    { echo "# fcgi-authz user add failed"; exit 99; }
cp "$CONF" "$SRV_DIR/good.ini"

load good "$DURATION" /site/index.txt -H "Authorization: Basic $alice"
wrks=$!
load forbidden "$DURATION" /admin/secret.txt -H "Authorization: Basic $bob"
wrks="$wrks $!"
load anonymous "$DURATION" /site/index.txt
wrks="$wrks $!"
(
	end=$(( $(date +%s) + DURATION ))
	while [ "$(date +%s)" -lt "$end" ]; do
		kill -HUP "$dpid"
		sleep 0.1
	done
) &
hups=$!
n=0 last=0 start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$DURATION" ]; do
	n=$((n + 1))
	"$CTL" -c "$CONF" user passwd dora --password-stdin \
	    <<< "dora-pw-$n" >/dev/null 2>&1 && last=$n
	"$CTL" -c "$CONF" user add "temp-$n" --password-stdin \
	    <<< "temp-pw" >/dev/null 2>&1
	[ $n -gt 1 ] && "$CTL" -c "$CONF" user del "temp-$((n - 1))" \
	    >/dev/null 2>&1
	# A second of a broken configuration, a third of the way in.
	[ $n = 10 ] && printf '[broken\n' >> "$CONF"
	[ $n = 13 ] && cp "$SRV_DIR/good.ini" "$CONF"
	sleep 0.3
done
cp "$SRV_DIR/good.ini" "$CONF"
wait "$hups" $wrks
nrel=$(reload_count)
echo "# $DURATION s: good $(srv_wrk_statuses good); forbidden $(srv_wrk_statuses forbidden); anonymous $(srv_wrk_statuses anonymous); $nrel reloads, $n users-file rewrites"
result "reloads under load: cached credentials always 200" "$(wrk_only good 200)"
result "reloads under load: the user without the role always 403" \
    "$(wrk_only forbidden 403)"
result "reloads under load: no credentials always 401" \
    "$(wrk_only anonymous 401)"
why=
[ "$nrel" -ge 1 ] || why="no reload in $DURATION s"
result "reloads under load: the daemon reloaded ($nrel times)" "$why"
why=
grep -q "fcgi-authz.ini:[0-9]*: missing ']' in section header" "$DLOG" ||
    why="no FILE:LINE error in the daemon's log"
grep -q 'reload failed; still running the previous configuration' "$DLOG" ||
    why="${why:+$why; }no 'reload failed' line"
result "reloads under load: the broken configuration refused, FILE:LINE" "$why"
why=
[ "$(pgrep -P "$dpid")" = "$wpid" ] || why="the worker was restarted"
grep -q 'restarting' "$DLOG" && why="${why:+$why; }$(grep -m1 restarting "$DLOG")"
result "reloads under load: the same worker throughout" "$why"
code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -u "$1" \
	    "http://127.0.0.1:$port/site/index.txt"
}
# The file watch takes up the last rewrite within half a second on an
# idle machine: wait for temp-$n, the last user added, for up to 30 s.
_end=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt "$_end" ] && [ "$(code "temp-$n:temp-pw")" != 200 ]; do
	sleep 0.1
done
why=
[ "$last" -gt 0 ] || why="no password change went through"
[ "$(code "dora:dora-pw-$last")" = 200 ] || why="dora's last password refused"
[ "$(code "dora:dora-pw-$((last - 1))")" = 401 ] ||
    why="${why:+$why; }dora's previous password still accepted"
[ "$(code "temp-$n:temp-pw")" = 200 ] || why="${why:+$why; }temp-$n refused"
[ "$(code "temp-$((n - 1)):temp-pw")" = 401 ] ||
    why="${why:+$why; }the deleted temp-$((n - 1)) still accepted"
result "reloads under load: the last rewrite of the users file in force" "$why"

# --- 2. memory over 1,000 reloads ----------------------------------------
# rss PID: resident memory in KiB.
rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"
}
# reload_times N: N reloads, each SIGHUP after the previous reload was
# logged.  The log is emptied first (stderr appends), to keep grep short.
reload_times() {
	: > "$DLOG"
	_i=0
	while [ $_i -lt "$1" ]; do
		_i=$((_i + 1))
		kill -HUP "$dpid"
		_w=0
		# Up to 30 s for each (at least 15,000 sleeps of 2 ms).
		while [ "$(reload_count)" -lt $_i ] && [ $_w -lt 15000 ]; do
			sleep 0.002
			_w=$((_w + 1))
		done
	done
	reload_count
}
curl -s -o /dev/null -u alice:alice-pw "http://127.0.0.1:$port/site/index.txt"
reload_times 100 > /dev/null	# the allocator settles
w0=$(rss "$wpid") s0=$(rss "$dpid")
t0=$(date +%s)
done_n=$(reload_times "$RELOADS")
w1=$(rss "$wpid") s1=$(rss "$dpid")
echo "# $done_n reloads in $(( $(date +%s) - t0 )) s: worker RSS $w0 -> $w1 KiB, supervisor RSS $s0 -> $s1 KiB"
why=
case "$w0$w1$s0$s1" in
''|*[!0-9]*) why="no resident memory read from /proc" ;;
esac
[ "$done_n" -ge "$RELOADS" ] || why="only $done_n of $RELOADS reloads logged"
[ $((w1 - w0)) -le "$RSS_SLACK_KB" ] ||
    why="${why:+$why; }the worker grew by $((w1 - w0)) KiB"
[ $((s1 - s0)) -le "$RSS_SLACK_KB" ] ||
    why="${why:+$why; }the supervisor grew by $((s1 - s0)) KiB"
result "memory flat over $RELOADS reloads (slack $RSS_SLACK_KB KiB)" "$why"

# --- 3. crash recovery ----------------------------------------------------
# crash WHAT PID...: srv_check_crash on this lighttpd.
crash() {
	_what=$1
	shift
	srv_check_crash "stress" "http://127.0.0.1:$port/site/index.txt" \
	    "$_what" "$@"
}

crash "worker killed, the daemon's supervisor restarts it" "$wpid"
why=
grep -q "worker $wpid killed by signal 9; restarting" "$DLOG" ||
    why="no restart in the daemon's log"
[ "$(pgrep -P "$dpid")" != "" ] || why="${why:+$why; }no worker"
result "crash recovery: the supervisor logged the restart" "$why"
kill "$lpid"
wait "$lpid" 2>/dev/null

# spawned_pids: the fcgi-authzd processes lighttpd started (bin-path).
spawned_pids() {
	pgrep -f "^$AUTHZD -c $CONF\$" | paste -sd' '
}
lighttpd_start spawn fcgi-authz-spawn.conf ||
    { echo "# lighttpd (spawn) did not start"; exit 99; }
curl -s -o /dev/null -u alice:alice-pw "http://127.0.0.1:$port/site/index.txt"
# spawned_supervisor: the fcgi-authzd lighttpd started (bin-path); its
# child is the worker.
spawned_supervisor() {
	pgrep -P "$lpid" -f "^$AUTHZD -c $CONF\$"
}
sup=$(spawned_supervisor)
crash "spawned by lighttpd, the worker killed" "$(pgrep -P "$sup")"
why=
[ "$(spawned_supervisor)" = "$sup" ] || why="the supervisor changed"
result "crash recovery: the spawned supervisor restarted its worker" "$why"
# Not tested: SIGKILL of the spawned supervisor itself.  lighttpd then
# restarts it only if it finds the socket dead, and the worker, which
# stops listening at once (server.c), does not always win that race:
# fcgi-authzd(8), PROCESSES.
# The supervisor's death takes the worker with it (PR_SET_PDEATHSIG),
# which first gives up the socket, and lighttpd starts a new daemon.
srv_finish
