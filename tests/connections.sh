#!/bin/sh
# tests/connections.sh: connections cost memory, not a thread
# (docs/architecture.md, Connections).  A daemon with one request thread
# holds 1,000 silent connections, 100 that stop inside a PARAMS record, 20
# that drip a request a byte at a time and 16 kept ones (FCGI_KEEP_CONN)
# left idle, and still answers every new request, keeps them all open, lets
# the kept ones serve again, and grows by less than 16 MiB; above
# max_connections the oldest are closed and requests are still answered;
# the metrics file counts the connections.  The connections come from
# tests/fcgi-crowd.  Facts only: how soon is scripts/bench's to measure.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/connections.sh
set -u

. "$(dirname "$0")/testlib.sh"
KEEP=${E2E_KEEP:-}

need_programs "$AUTHZD" "$CROWD"
need_commands awk sed grep tr ls wc
tmpdir_make connections
: >"$T/log"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
M=$T/metrics.prom
: >"$T/users.ini"
PUBLIC="REQUEST_METHOD=GET REQUEST_URI=/public/a.css REMOTE_ADDR=127.0.0.1"

# write_conf MAX: one request thread, a request_timeout no case comes near
# (the crowd's connections must outlive the case), max_connections MAX.
write_conf() {
	{
		conf_base server.workers=1 server.request_timeout=600 \
		    server.idle_timeout=600 "server.max_connections=$1"
		cat <<EOF

[metrics]
textfile = $M

[rule:public]
path = /public
access = public
EOF
	} >"$CONF"
}

# restart MAX: a daemon with max_connections MAX, and its worker's pid in
# WPID.
restart() {
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID"
		wait "$DPID" 2>/dev/null
		DPID=
	fi
	rm -f "$T/sock" "$M"
	write_conf "$1"
	daemon_start
	[ -S "$T/sock" ] || { cat "$T/log"; bail "no socket after 60 s"; }
	guard_start
	WPID=$(worker_pids | tail -n 1)
}

rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# metric NAME: its value in the metrics file, written every few seconds
# and at a clean stop.
metric() {
	awk -v n="$1" '$1 == n { print $2 }' "$M"
}

restart 0

begin "1,000 silent, 100 half-sent, 20 dripping and 16 kept connections: 100 new requests answered, all still open, < 16 MiB more"
rss0=$(rss_kib "$WPID")
# Run by fcgi-crowd once it holds them all: waits until the worker has
# accepted them (its descriptors), then reads its memory.
cat >"$T/crowd.sh" <<EOS
i=0
while [ "\$(ls /proc/$WPID/fd | wc -l)" -lt 1136 ] && [ \$i -lt 600 ]; do
	sleep 0.1
	i=\$((i + 1))
done
echo "fds \$(ls /proc/$WPID/fd | wc -l)" >"$T/crowd.rss"
awk '/^VmRSS:/ { print "rss " \$2 }' /proc/$WPID/status >>"$T/crowd.rss"
EOS
# shellcheck disable=SC2086
"$CROWD" -s 1000 -p 100 -d 20 -k 16 -n 100 -t 60000 -c "sh $T/crowd.sh" "$ADDR" \
    $PUBLIC >"$T/crowd" 2>"$T/crowd.err" ||
    fail "fcgi-crowd: $(cat "$T/crowd.err")"
grep -q '^held silent=1000 partial=100 dripping=20 kept=16$' "$T/crowd" ||
    fail "could not hold the connections: $(cat "$T/crowd" "$T/crowd.err")"
grep -q '^answered 100 of 100, status 200=100 other=0,' "$T/crowd" ||
    fail "$(grep '^answered' "$T/crowd")"
grep -q '^still open silent=1000 partial=100 dripping=20$' "$T/crowd" ||
    fail "$(grep '^still open' "$T/crowd")"
grep -q '^kept reused 16 of 16$' "$T/crowd" || fail "$(grep '^kept' "$T/crowd")"
fds=$(awk '$1 == "fds" { print $2 }' "$T/crowd.rss")
rss1=$(awk '$1 == "rss" { print $2 }' "$T/crowd.rss")
[ "${fds:-0}" -ge 1136 ] ||
    fail "the worker holds ${fds:-no} descriptors, not the 1,136 connections and its own"
if [ -z "$rss0" ] || [ -z "$rss1" ] || [ $((rss1 - rss0)) -ge 16384 ]; then
	fail "worker memory ${rss0:-?} KiB before, ${rss1:-?} KiB with the connections"
fi
note "$(tr '\n' ';' <"$T/crowd") worker rss $rss0 -> $rss1 KiB"
end

begin "metrics: connections accepted, by state, and the limit"
kill -TERM "$DPID"	# a clean stop writes the file once more
wait "$DPID" 2>/dev/null
DPID=
acc=$(metric fcgi_authz_connections_accepted_total)
[ "${acc:-0}" -ge 1236 ] ||
    fail "fcgi_authz_connections_accepted_total '${acc:-}', expected >= 1236 (1,136 held, 100 asked)"
grep -q '^fcgi_authz_connections{state="idle"} ' "$M" ||
    fail "no fcgi_authz_connections{state=\"idle\"} series"
max=$(metric fcgi_authz_connections_max)
[ "${max:-0}" -ge 16 ] || fail "fcgi_authz_connections_max '${max:-}'"
note "accepted $acc, max $max"
end

restart 20

# 30 silent connections and the requests' own, with room for 20: each new
# one past 20 closes the oldest still waiting for its request.
begin "max_connections = 20: the oldest are closed, every new request answered"
# shellcheck disable=SC2086
"$CROWD" -s 30 -n 10 -t 60000 "$ADDR" $PUBLIC >"$T/crowd" 2>"$T/crowd.err" ||
    fail "fcgi-crowd: $(cat "$T/crowd.err")"
grep -q '^answered 10 of 10, status 200=10 other=0,' "$T/crowd" ||
    fail "$(grep '^answered' "$T/crowd")"
open=$(sed -n 's/^still open silent=\([0-9]*\) .*/\1/p' "$T/crowd")
[ -n "$open" ] && [ "$open" -le 20 ] ||
    fail "${open:-?} of the 30 silent connections still open, limit 20"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
lim=$(awk '$1 == "fcgi_authz_connections_closed_total{reason=\"limit\"}" { print $2 }' "$M")
[ "${lim:-0}" -ge 10 ] ||
    fail "fcgi_authz_connections_closed_total{reason=\"limit\"} '${lim:-}', expected >= 10"
note "$(grep '^still open' "$T/crowd"); closed for the limit: $lim"
end

# The open-files limit: max_connections follows it by default, and a
# setting it cannot hold is lowered to it, with a warning.  Under a hard
# limit of 512 the daemon cannot raise its own.
begin "max_connections follows the open-files limit (512: 448 connections)"
kill -TERM "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=
printf '#!/bin/sh\nulimit -n 512 || exit 1\nexec "%s" "$@"\n' "$AUTHZD" \
    >"$T/limited"
chmod +x "$T/limited"
REAL_AUTHZD=$AUTHZD
AUTHZD=$T/limited
write_conf 0
rm -f "$T/sock"
daemon_start
grep -q 'serving with 1 workers, up to 448 connections' "$T/log" ||
    fail "no 'up to 448 connections': $(grep 'serving with' "$T/log" | tail -n 1)"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
write_conf 100000
rm -f "$T/sock"
daemon_start
grep -q 'max_connections 100000 is more than the open-files limit leaves room for; using 448' "$T/log" ||
    fail "no warning for max_connections 100000 under a limit of 512"
[ "$(grep -c 'up to 448 connections' "$T/log")" -eq 2 ] ||
    fail "$(grep 'serving with' "$T/log" | tail -n 1)"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=
AUTHZD=$REAL_AUTHZD
end

finish
