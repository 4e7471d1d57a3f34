# tests/bench/wrk.awk: one wrk --latency report (scripts/bench) as a line
# "rps ok_rps p50_ms p99_ms non2xx errors": ok_rps counts the 2xx/3xx
# answers, the times are in milliseconds.

function ms(v) {
	if (v ~ /us$/) return v / 1000
	if (v ~ /ms$/) return v + 0
	if (v ~ /m$/) return v * 60000
	if (v ~ /s$/) return v * 1000
	return v + 0
}
/^ +50%/ { p50 = ms($2) }
/^ +99%/ { p99 = ms($2) }
/ requests in / { req = $1; d = $4; sub(/,$/, "", d); dur = ms(d) / 1000 }
/Non-2xx or 3xx responses:/ { non = $NF }
/Socket errors:/ { err = $4 + $6 + $8 + $10 }
/^Requests\/sec:/ { rps = $2 }
END {
	if (dur <= 0) { print "0 0 0 0 0 0"; exit }
	printf "%.0f %.0f %.3f %.3f %d %d\n", rps, (req - non) / dur,
	    p50, p99, non, err
}
