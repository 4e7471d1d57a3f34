# tests/bench/conns.sh: section 6 of scripts/bench, sourced by it.
#
# Connections cost memory, not a thread (docs/architecture.md,
# Connections): a daemon with the bench's workers holds 1,000 silent
# connections, 100 that stop inside a PARAMS record and 16 kept ones
# (FCGI_KEEP_CONN) while 100 new requests for a public path are asked one
# after the other, each on a new connection and timed (tests/fcgi-crowd).
# tests/connections.sh checks the same facts without the times.  Each
# line of $W/conns.txt: NAME VALUE.
conns_run() {
	: > "$W/logs/conns.log"
	"$AUTHZD" -f -c "$W/conns.ini" -l "unix:$W/run/conns.sock" \
	    2>> "$W/logs/conns.log" &
	conns_pid=$!
	bg_pid "$conns_pid"
	[ "$(lat_until 30000 grep -q 'serving with' "$W/logs/conns.log")" != none ] ||
	    die "the connections daemon did not start"
	cw=$(pgrep -P "$conns_pid" | head -n 1)
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$cw/status")
	# Once fcgi-crowd holds them all: until the worker has accepted
	# them, then its memory.
	cat > "$W/conns-rss.sh" <<EOS
i=0
while [ "\$(ls /proc/$cw/fd | wc -l)" -lt 1116 ] && [ \$i -lt 600 ]; do
	sleep 0.05
	i=\$((i + 1))
done
awk '/^VmRSS:/ { print \$2 }' /proc/$cw/status > "$W/conns-rss.txt"
EOS
	"$CROWD" -s 1000 -p 100 -k 16 -n 100 -t 60000 -c "sh $W/conns-rss.sh" \
	    "unix:$W/run/conns.sock" REQUEST_METHOD=GET REQUEST_URI=/public/x \
	    REMOTE_ADDR=127.0.0.1 > "$W/conns-out.txt" 2>> "$W/logs/conns.log" ||
	    die "fcgi-crowd failed: $(tail -n 3 "$W/logs/conns.log")"
	awk -v rss0="$rss0" -v rss1="$(cat "$W/conns-rss.txt")" '
		/^answered/ {
			split($2, a, " "); print "answered " a[1]
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^max=/) { sub(/max=/, "", $i); print "max_ms " $i }
				if ($i ~ /^p99=/) { sub(/p99=/, "", $i); print "p99_ms " $i }
				if ($i ~ /^p50=/) { sub(/p50=/, "", $i); print "p50_ms " $i }
			}
		}
		/^still open/ {
			sub(/silent=/, "", $3); sub(/partial=/, "", $4)
			print "open " $3 + $4
		}
		/^kept reused/ { print "reused " $3 }
		END { print "rss_kib " rss1 - rss0 }' "$W/conns-out.txt" >> "$W/conns.txt"
	kill -TERM "$conns_pid"
	wait "$conns_pid" 2>/dev/null
	rm -f "$W/run/conns.sock"
}
measure_conns() {
	say "connections: $CONNS_RUNS runs of 100 requests past 1,000 silent, 100 half-sent and 16 kept connections"
	printf '%s\n' '[server]' 'users = conns-users.ini' "workers = $WORKERS" \
	    'log = stderr' 'request_timeout = 600' 'idle_timeout = 600' '' \
	    '[rule:public]' 'path = /public' 'access = public' > "$W/conns.ini"
	: > "$W/conns-users.ini"
	chmod 600 "$W/conns.ini" "$W/conns-users.ini"
	: > "$W/conns.txt"
	for r in $(seq "$CONNS_RUNS"); do
		conns_run
		say "  round $r: $(paste -sd' ' "$W/conns-out.txt" | cut -c1-160)"
	done
}
