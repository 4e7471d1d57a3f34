# tests/bench/reload.sh: section 3a of scripts/bench, sourced by it.
# shellcheck shell=bash disable=SC2154	# bench_hash, spid, lport: the bench's
#
# A reload under load: lighttpd and a fcgi-authzd of its own serving
# 100,000 users (reload-live.ini, users-live.ini), wrk asking for the
# bench file with the bench user's cached credential.  Each round runs
#   steady	RELOAD_WINDOW s, no reload;
#   once	RELOAD_WINDOW s; half a second before the middle, the users
#		file is replaced with one user more, written beside it and
#		renamed into place as fcgi-authz writes it (src/atomicfile.c).
#		The daemon's file watcher reloads it without a signal
#		(docs/architecture.md, Reloads) a quarter to half a second
#		later: what an administrator's change does, and what the
#		targets judge;
#   every	DURATION s with a SIGHUP every RELOAD_EVERY s, the same file
#		again and again: a stress case, shown for information.
# steady and once swap places every other round.  The new file is
# written before the run, so that the run measures the reload and not
# the copy of 13 MB.  Whether the reload happened, and when, is read from
# the daemon's log: the "reloaded FILE (N users)" lines it wrote during
# the run, and after it (late), and the "changed on disk; reloading" lines
# the watcher wrote during the run (starts).  Round R's file has
# 100,000 + R users, so its line tells it from any other.  Each line of
# $W/reloads.txt:
#	reload-MODE ROUND RELOADS USERS WANT_USERS LATE STARTS
# (USERS: the last count logged during the run, 0 for none; WANT_USERS:
# what the run's own reload must say, 0 for no reload wanted).

reload_log() { echo "$W/logs/authz-reload.log"; }
reload_size() { stat -c %s "$(reload_log)"; }
# reload_lines FROM [TO]: the "reloaded" lines the daemon wrote between
# byte offsets FROM and TO (the end of the log without TO).
reload_lines() {
	if [ -n "${2:-}" ]; then
		tail -c +"$(($1 + 1))" "$(reload_log)" | head -c "$(($2 - $1))"
	else
		tail -c +"$(($1 + 1))" "$(reload_log)"
	fi | grep -a 'reloaded .* users)' || true
}
reload_count() { reload_lines "$@" | grep -c . ; }
reload_users() {
	reload_lines "$@" | sed -n 's/.*(\([0-9]*\) users).*/\1/p' | tail -n 1
}

# reload_idle: no reload under way, in either process: the supervisor
# has no load thread (src/daemon/lastgood.c), and the worker's main
# thread, which reloads, used at most 2 clock ticks in 0.3 s.
reload_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null; }
reload_idle() {
	_w=$(pgrep -P "$reload_pid" | head -n 1)
	[ -n "$_w" ] || return 1
	_t0=$(reload_ticks "$_w")
	sleep 0.3
	set -- "/proc/$reload_pid/task"/*
	[ $# = 1 ] && [ $(( $(reload_ticks "$_w") - _t0 )) -le 2 ]
}
# reload_settle: until idle twice in a row (up to 30 s), so that a reload
# left from one run never runs in the next.
reload_settle() {
	_k=0
	for _ in $(seq 100); do
		if reload_idle; then
			_k=$((_k + 1))
			[ "$_k" -lt 2 ] || return 0
		else
			_k=0
		fi
	done
	say "  a reload is still under way after 30 s"
}

# reload_prepare ROUND: users-live.ini.new, the file with one user more
# than the last round's (a user of its own each round: addedROUND).
reload_prepare() {
	printf '\n[user:added%d]\npassword = %s\nroles = viewer\n' "$1" \
	    "$bench_hash" >> "$W/reload-extra.ini"
	cat "$W/users-100k.ini" "$W/reload-extra.ini" > "$W/users-live.ini.new"
	chmod 644 "$W/users-live.ini.new"
}

# reload_run MODE ROUND: one wrk run; its line in results.tsv and in
# reloads.txt.
reload_run() {
	_mode=$1 _r=$2
	_out=$W/wrk/reload-$_mode.$_r.txt
	_want=0 _late=0 _hupper=
	_dur=$RELOAD_WINDOW
	[ "$_mode" = every ] && _dur=$DURATION
	[ "$_mode" = once ] && reload_prepare "$_r" && _want=$((100000 + _r))
	_from=$(reload_size)
	# run_wrk's own command, in the background.
	wrk -t"$WRK_THREADS" -c"$CONNS" -d"${_dur}s" --latency --timeout 10s \
	    -H "Authorization: Basic $BASIC" "$reload_url" > "$_out" 2>&1 &
	_wrk=$!
	case $_mode in
	once)
		sleep "$(awk -v w="$_dur" 'BEGIN { print w / 2 - 0.5 }')"
		mv "$W/users-live.ini.new" "$W/users-live.ini"
		;;
	every)
		( sleep 0.5
		  while :; do
			kill -HUP "$reload_pid" 2>/dev/null || exit 0
			sleep "$RELOAD_EVERY"
		  done ) &
		_hupper=$!
		;;
	esac
	wait "$_wrk" || die "wrk failed: $(cat "$_out")"
	_to=$(reload_size)
	[ -z "$_hupper" ] || { kill "$_hupper"; wait "$_hupper" 2>/dev/null; }
	# Reloads still under way end before the next run (the one a run
	# wanted, up to 30 s): a reload that came after the run is counted
	# late.
	for _ in $(seq 300); do
		[ "$_mode" != once ] ||
		    [ "$(reload_users "$_from")" = "$_want" ] && break
		sleep 0.1
	done
	reload_settle
	_n=$(reload_count "$_from" "$_to")
	_users=$(reload_users "$_from" "$_to")
	_late=$(reload_count "$_to")
	_starts=$(tail -c +"$((_from + 1))" "$(reload_log)" |
	    head -c "$((_to - _from))" | grep -ac 'changed on disk; reloading')
	# Still served after the reloads (which keep the cache, [cache]
	# being unchanged), so the next run starts as a steady server does.
	check_url "$reload_url" -H "Authorization: Basic $BASIC" ||
	    die "the reload server does not serve the bench user after the reloads"
	record "reload-$_mode" "$_r" "$_out"
	echo "reload-$_mode $_r $_n ${_users:-0} $_want $_late $_starts" >> "$W/reloads.txt"
	say "  round $_r $_mode: $(tail -n1 "$RES" | cut -d' ' -f3-) reloads=$_n users=${_users:-0} late=$_late starts=$_starts"
}

# measure_reload: ROUNDS rounds of the three runs, after starting the
# daemon and its lighttpd.
measure_reload() {
	say "reload under load: 100,000 users; one change by rename in ${RELOAD_WINDOW}s runs, and SIGHUP every ${RELOAD_EVERY}s"
	: > "$W/reload-extra.ini"
	start_authzd authz-reload reload-live "unix:$W/run/authz-reload.sock" ||
	    die "authz-reload did not start"
	reload_pid=$spid
	lighttpd_authz_snippet "$W/run/authz-reload.sock" > "$W/lt-reload.conf"
	lt_start reload
	reload_url="http://127.0.0.1:$lport$URI"
	check_url "$reload_url" -H "Authorization: Basic $BASIC" ||
	    die "the reload server does not serve the bench user"
	reload_settle
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			reload_run steady "$r"
			reload_run once "$r"
		else
			reload_run once "$r"
			reload_run steady "$r"
		fi
		reload_run every "$r"
	done
}
