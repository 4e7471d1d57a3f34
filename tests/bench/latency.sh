# tests/bench/latency.sh: section 4 of scripts/bench, sourced by it.
#
# What tests/e2e.sh only waits for (up to 30 s, so that a busy machine
# does not fail it), timed here on a daemon of its own with one worker
# thread and cheap hashes.  Each line of $W/latency.txt: NAME MS.
ms_now() { date +%s%3N; }
# lat_ask AUTH: the status of GET /site/x with Basic AUTH.
lat_ask() {
	"$CLIENT" -r authorizer -t 5 "unix:$W/run/lat.sock" \
	    REQUEST_METHOD=GET REQUEST_URI=/site/x REMOTE_ADDR=127.0.0.1 \
	    "HTTP_AUTHORIZATION=Basic $(printf '%s' "$1" | base64 | tr -d '\n')" \
	    2>/dev/null | sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}
# lat_until MS_LIMIT CMD...: runs CMD until it succeeds; prints the ms it
# took from the call, or "none" past MS_LIMIT.
lat_until() {
	_lim=$1 _t0=$(ms_now)
	shift
	until "$@"; do
		[ $(( $(ms_now) - _t0 )) -lt "$_lim" ] || { echo none; return; }
		sleep 0.005
	done
	echo $(( $(ms_now) - _t0 ))
}
# lat_users N: the users file with users lu0 .. luN, renamed into place.
lat_users() {
	for _i in $(seq 0 "$1"); do
		printf '[user:lu%s]\npassword = %s\nroles = editor\n\n' "$_i" "$lat_hash"
	done > "$W/lat-users.ini.new"
	chmod 600 "$W/lat-users.ini.new"
	mv "$W/lat-users.ini.new" "$W/lat-users.ini"
}
lat_start() {
	: > "$W/logs/lat.log"
	"$AUTHZD" -f -c "$W/lat.ini" -l "unix:$W/run/lat.sock" 2>> "$W/logs/lat.log" &
	lat_pid=$!
	bg_pid "$lat_pid"
	[ "$(lat_until 30000 grep -q 'serving with' "$W/logs/lat.log")" != none ] ||
	    die "the latency daemon did not start"
}
lat_ok() { [ "$(lat_ask "$1:lu-pw")" = 200 ]; }
lat_logged() { [ "$(grep -c 'decision=allow' "$W/logs/lat.log")" -gt "$1" ]; }
lat_gone() { ! kill -0 "$lat_pid" 2>/dev/null; }
# measure_latency: LATENCY_RUNS runs of the four, into $W/latency.txt.
measure_latency() {
	say "latency: $LATENCY_RUNS runs each of crash recovery, auto-reload, held grant, SIGTERM"
	lat_hash=$(printf 'lu-pw\n' | "$MKHASH" argon2id 1 8388608) || die "mkhash failed"
	printf '%s\n' '[server]' 'users = lat-users.ini' 'workers = 1' \
	    'log = stderr' 'request_timeout = 2' '' '[hashing]' 'opslimit = 1' \
	    'memlimit = 8M' '' '[rule:public]' 'path = /public' \
	    'access = public' '' '[rule:site]' 'path = /site' \
	    'access = authenticated' > "$W/lat.ini"
	chmod 600 "$W/lat.ini"
	lat_users 0
	: > "$W/latency.txt"
	n=0
	for r in $(seq "$LATENCY_RUNS"); do
		lat_start
		lat_ask lu0:lu-pw >/dev/null	# in the cache
		# The worker process killed (the event loop refuses
		# libfcgi's abort payload before libfcgi reads it).
		pkill -KILL -P "$lat_pid"
		echo "crash $(lat_until 30000 lat_ok lu0)" >> "$W/latency.txt"
		n=$((n + 1))
		lat_users "$n"
		echo "autoreload $(lat_until 30000 lat_ok "lu$n")" >> "$W/latency.txt"
		sleep 0.5	# no grant left held back
		g=$(grep -c 'decision=allow' "$W/logs/lat.log")
		"$CLIENT" -t 5 "unix:$W/run/lat.sock" REQUEST_METHOD=GET \
		    REQUEST_URI=/public/x REMOTE_ADDR=127.0.0.1 >/dev/null 2>&1
		echo "grant $(lat_until 30000 lat_logged "$g")" >> "$W/latency.txt"
		kill -TERM "$lat_pid"
		echo "sigterm $(lat_until 30000 lat_gone)" >> "$W/latency.txt"
		wait "$lat_pid" 2>/dev/null
		rm -f "$W/run/lat.sock"
		say "  round $r: $(tail -n 4 "$W/latency.txt" | paste -sd' ')"
	done
}
