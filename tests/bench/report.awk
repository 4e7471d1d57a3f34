# tests/bench/report.awk: the report of scripts/bench, sections 1 to 5
# and the targets, from the files a run leaves in its scratch directory:
#	awk -f report.awk -v rounds=N ... targets configs.tsv results.tsv \
#	    decide.txt reloads.txt flood-mem.txt latency.txt parity.txt
# Each file is told by its name; an empty or missing one leaves its
# section out (cat the missing ones from /dev/null).
#	targets		ID | CONDITIONS | TEXT (tests/bench/targets)
#	configs.tsv	KEY SERVER LABEL...: section 1's rows, in order
#	results.tsv	KEY ROUND req/s ok/s p50_ms p99_ms non-2xx errors
#	decide.txt	decide-bench's "decide k=v ..." and "load k=v ..."
#	reloads.txt	reload-MODE ROUND RELOADS USERS WANT_USERS LATE STARTS
#			(tests/bench/reload.sh)
#	flood-mem.txt	flood-MODE ROUND RSS_KIB PEAK_KIB [N STATUS:COUNT...]
#	latency.txt	NAME MS
#	parity.txt	NAME MEDIAN_MS MIN_MS N (tests/bench/parity.sh)
# Variables: rounds duration uri wrk_conns reload_every reload_window
# good_conns flood_conns flood_delay_ms expiry_ttl latency_runs
# hash_max_concurrent hash_mem parity_runs.

function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }

# sortn(V, N): V[1..N] in ascending numeric order (as sort -g).
function sortn(v, n,   i, j, x) {
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--)
			v[j + 1] = v[j]
		v[j + 1] = x
	}
}
# mid(V, N): the median of V (the mean of the two middle ones), "nan"
# for none.  low(V, N): the lower middle one.
function mid(v, n) {
	if (n == 0) return "nan"
	sortn(v, n)
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function low(v, n) { sortn(v, n); return v[int((n + 1) / 2)] }

# median(KEY, COL) and sum(KEY, COL) over the results of KEY (columns:
# 3 req/s, 4 ok/s, 5 p50, 6 p99, 7 non-2xx, 8 errors); at(KEY, ROUND, COL).
function median(k, c,   v, n, i) {
	n = 0
	for (i = 1; i <= nres; i++)
		if (rk[i] == k) v[++n] = rv[i, c]
	return mid(v, n)
}
function sum(k, c,   s, i) {
	for (i = 1; i <= nres; i++)
		if (rk[i] == k) s += rv[i, c]
	return s + 0
}
function at(k, r, c,   i) {
	for (i = 1; i <= nres; i++)
		if (rk[i] == k && rr[i] == r) return rv[i, c]
	return ""
}
function values(k,   s, sep, i) {	# the per-round ok/s, in round order
	for (i = 1; i <= nres; i++)
		if (rk[i] == k) { s = s sep rv[i, 4]; sep = " " }
	return s
}
function fmt_ms(v) {	# "412us", "1.23ms", "1.20s"
	if (v == "nan") return "-"
	if (v < 1) return sprintf("%.0fus", v * 1000)
	if (v < 1000) return sprintf("%.2fms", v)
	return sprintf("%.2fs", v / 1000)
}
function ratio(a, b) { return b + 0 > 0 ? sprintf("%.2f", a / b) : "nan" }
function max(a, b) { return b + 0 > a + 0 ? b : a }
# kv(LINE): F[key] = value for each key=value of a decide-bench line.
function kv(line,   n, i, w, p) {
	split("", F)
	n = split(line, w, " ")
	for (i = 2; i <= n; i++) {
		p = index(w[i], "=")
		F[substr(w[i], 1, p - 1)] = substr(w[i], p + 1)
	}
}
function dn(label,   i) {	# decide_ns of one configuration
	for (i = 1; i <= ndec; i++) {
		kv(dec[i])
		if (F["label"] == label) return F["decide_ns"]
	}
	return ""
}

FNR == 1 { file = FILENAME; sub(/.*\//, "", file) }
file == "targets" {
	if ($0 ~ /^#/ || $0 !~ /[^ \t]/) next
	split($0, p, "|")
	ntg++
	tid[ntg] = trim(p[1]); tcond[ntg] = trim(p[2]); ttext[ntg] = trim(p[3])
	next
}
file == "configs.tsv" {
	cfg[++ncfg] = $1; server[$1] = $2
	l = $0; sub(/^[^ ]+ +[^ ]+ +/, "", l); label[$1] = l
	next
}
file == "results.tsv" {
	rk[++nres] = $1; rr[nres] = $2
	for (c = 3; c <= 8; c++) rv[nres, c] = $c
	next
}
file == "decide.txt" { if ($1 == "decide") dec[++ndec] = $0; else if ($1 == "load") ld[++nld] = $0; next }
file == "reloads.txt" { relk[++nrel] = $1; rel[nrel] = $0; next }
file == "flood-mem.txt" { fm[++nfm] = $0; next }
file == "latency.txt" { latk[++nlat] = $1; latv[nlat] = $2; next }
file == "cpu.txt" { cpuv[$1, $2] = $3; ncpu++; next }
file == "conns.txt" { connk[++ncon] = $1; connv[ncon] = $2; next }
file == "parity.txt" { npar++; parmed[$1] = $2; parmin[$1] = $3; parn[$1] = $4; next }

END {
	if (ncfg > 0 && nres > 0) servers()
	if (ncpu > 0) cpu()
	if (ndec + nld > 0) inprocess()
	if (nrel > 0) reload()
	if (nfm > 0) flood()
	if (nlat > 0) latency()
	if (npar > 0) parity()
	if (ncon > 0) conns()
	targets()
}

# paired(A, B): the median of the per-round ratios A/B of ok/s (A and B
# run next to each other in each round); paired_rounds is set to the
# ratios, in round order.
function paired(a, b,   r, v, n) {
	paired_rounds = ""; n = 0
	for (r = 1; r <= rounds; r++) {
		v[++n] = ratio(at(a, r, 4), at(b, r, 4))
		paired_rounds = paired_rounds (r > 1 ? " " : "") v[n]
	}
	sortn(v, n)
	return n % 2 ? v[(n + 1) / 2] : sprintf("%.2f", (v[n / 2] + v[n / 2 + 1]) / 2)
}

function servers(   i, k, s, p, name, r32, r32m, r35, rk, errs) {
	print ""
	printf "-- 1. Through the servers: medians of %s alternating rounds of %ss (wrk --latency, GET %s, 100 bytes)\n", rounds, duration, uri
	printf "%-9s %-34s %9s %9s %9s %9s %8s  %s\n", "server", "configuration", "req/s", "ok/s", "p50", "p99", "non-2xx", "ok/s per round"
	for (i = 1; i <= ncfg; i++) {
		k = cfg[i]
		printf "%-9s %-34s %9.0f %9.0f %9s %9s %8s  %s\n", server[k], label[k],
		    median(k, 3), median(k, 4), fmt_ms(median(k, 5)),
		    fmt_ms(median(k, 6)), sum(k, 7), values(k)
	}
	for (i = 1; i <= nres; i++) errs += rv[i, 8]
	printf "(ok/s: answers with a 2xx per second; non-2xx: all rounds together, e.g. the daemon's 429 when every hashing slot is busy; socket errors: %d)\n", errs
	print ""
	print "   ratios of ok/s.  3/2 and nginx's 3k/3: per round (the two run next to each other in each round), their median,"
	print "   and the ratio of the medians; the targets are judged on the median of the paired rounds.  Others: ratios of the medians."
	split("lt lighttpd ap apache", s, " ")
	for (i = 1; i <= 3; i += 2) {
		p = s[i]; name = s[i + 1]
		r32m = ratio(median(p "3", 4), median(p "2", 4))
		r35 = ratio(median(p "3", 4), median(p "5", 4))
		r32 = paired(p "3", p "2")
		printf "   %-9s 3/2 = %s (rounds: %s; of medians %s)  3/5 = %s", name, r32, paired_rounds, r32m, r35
		if (p == "lt")
			printf "  3/5c = %s", ratio(median("lt3", 4), median("lt5c", 4))
		printf "  3/1 = %s\n", ratio(median(p "3", 4), median(p "1", 4))
		metric[name ".3/2"] = r32; shown[p "_3_2"] = "3/2 = " r32
		metric[name ".3/5"] = r35; shown[p "_3_5"] = "3/5 = " r35
	}
	# nginx: 3k (nginx keeping its FastCGI connections) against 3 (the
	# recipe as it is), paired as 3/2 is above.
	if (median("ng3", 4) != "nan") {
		rk = paired("ng3k", "ng3")
		printf "   %-9s 3k/3 = %s (rounds: %s; of medians %s)  3/2 = %s  3/1 = %s\n", "nginx",
		    rk, paired_rounds, ratio(median("ng3k", 4), median("ng3", 4)),
		    ratio(median("ng3", 4), median("ng2", 4)), ratio(median("ng3", 4), median("ng1", 4))
		metric["nginx.3k/3"] = rk; shown["ng_3k_3"] = "3k/3 = " rk
	}
	# The HTTP listener: nginx's proxy_pass against its fastcgi_pass,
	# and Caddy's forward_auth over HTTP (3) and over FastCGI (3f).
	if (median("ng3h", 4) != "nan")
		printf "   %-9s 3h/3 = %s (rounds: %s)\n", "nginx",
		    paired("ng3h", "ng3"), paired_rounds
	if (median("cd3", 4) != "nan") {
		printf "   %-9s 3/2 = %s  3f/2 = %s (rounds: %s)  3/3f = %s  3/1 = %s\n", "caddy",
		    ratio(median("cd3", 4), median("cd2", 4)), paired("cd3f", "cd2"),
		    paired_rounds, ratio(median("cd3", 4), median("cd3f", 4)),
		    ratio(median("cd3", 4), median("cd1", 4))
		metric["caddy.3/2"] = ratio(median("cd3", 4), median("cd2", 4))
		shown["cd_3_2"] = "3/2 = " metric["caddy.3/2"]
	}
}

# CPU per request of configuration k (2 or 3) against 2, round by round.
function cpu(   s, i, p, name, r, d, n, v2, v3, dd, m2, m3) {
	print ""
	print "-- 1b. CPU per request: user + system of the server's processes and its authorizer's, from /proc, us (median of the rounds)"
	printf "   %-9s %12s %12s %14s   %s\n", "server", "2 do-nothing", "3 cached", "3 - 2 (paired)", "3 - 2 per round"
	split("lt lighttpd ap apache", s, " ")
	for (i = 1; i <= 3; i += 2) {
		p = s[i]; name = s[i + 1]
		n = 0; split("", v2); split("", v3); split("", dd); d = ""
		for (r = 1; r <= rounds; r++) {
			if (!((p "2", r) in cpuv) || !((p "3", r) in cpuv)) continue
			v2[++n] = cpuv[p "2", r]; v3[n] = cpuv[p "3", r]
			dd[n] = cpuv[p "3", r] - cpuv[p "2", r]
			d = d (d == "" ? "" : " ") sprintf("%+.1f", dd[n])
		}
		if (n == 0) continue
		sortn(v2, n); sortn(v3, n); sortn(dd, n)
		m2 = v2[int((n + 1) / 2)]; m3 = v3[int((n + 1) / 2)]
		printf "   %-9s %12.1f %12.1f %+14.1f   %s\n", name, m2, m3, dd[int((n + 1) / 2)], d
		metric[name ".cpu_delta"] = dd[int((n + 1) / 2)]
		shown[p "_cpu"] = sprintf("%+.1f us", dd[int((n + 1) / 2)])
	}
}

function inprocess(   i, v, n, k, sel, lab, worst, flat, r) {
	print ""
	print "-- 2. In process (tests/bench/decide-bench.c): ns per cached decision, median of 9 alternating runs of ~30 ms (fastest-slowest)"
	print "   decide = authz_decide() alone; request = + facts_from_params, render_verdict, the log line, wiping"
	print "   rules: mixed = half globs (see gen_rules in tests/bench/data.sh), prefixes = prefixes only; the matching rule is the last"
	printf "   %6s %-8s %8s %22s %22s %12s\n", "rules", "kind", "users", "decide ns", "request ns", "first (hash)"
	for (i = 1; i <= ndec; i++) {
		kv(dec[i])
		printf "   %6d %-8s %8d %8d (%5d-%5d) %8d (%5d-%5d) %9.1f ms\n", F["rules"],
		    F["label"] ~ /p-/ ? "prefixes" : "mixed", F["users"],
		    F["decide_ns"], F["decide_min_ns"], F["decide_max_ns"],
		    F["request_ns"], F["request_min_ns"], F["request_max_ns"], F["first_ms"]
	}
	print ""
	print "   load and reload of the users file (conf_load; three fresh processes, median):"
	printf "   %8s %9s %10s %10s %10s %14s %14s %14s\n", "users", "load ms", "parse ms", "reload ms", "free ms", "RSS kept MiB", "load peak MiB", "reload peak MiB"
	if (nld > 0) {
		# The run with the median load time, whole.
		for (i = 1; i <= nld; i++) { kv(ld[i]); v[i] = F["load_ms"] " " i }
		sortn(v, nld)
		split(v[int((nld + 1) / 2)], sel, " ")
		kv(ld[sel[2]])
		printf "   %8d %9.0f %10.0f %10.0f %10.1f %14.1f %14.1f %14.1f\n",
		    F["users"], F["load_ms"], F["parse_ms"], F["reload_ms"], F["free_ms"],
		    F["load_rss_kib"] / 1024, F["load_peak_kib"] / 1024, F["reload_peak_kib"] / 1024
		metric["load.ms"] = F["load_ms"]; shown["load"] = F["load_ms"] " ms"
	}
	print "   (load = parse + the dummy hash that unknown users are checked against, made at each load with the"
	print "    users' typical parameters; its 64 MiB are in the peaks.  parse = the same without services_prepare)"

	worst = 0
	split("r10-1k r10-100k r100-1k r100-100k", lab, " ")
	for (i = 1; i <= 4; i++) {
		k = dn(lab[i])
		if (k != "" && k + 0 > worst) worst = k + 0
	}
	metric["decide.worst_ns"] = worst; shown["decide_worst"] = "worst " worst " ns"
	flat = 0
	split("10 100 1000 1000p", lab, " ")
	for (i = 1; i <= 4; i++)
		flat = max(flat, ratio(dn("r" lab[i] "-100k"), dn("r" lab[i] "-1k")))
	metric["decide.flat"] = flat; shown["decide_flat"] = "worst x" flat
	for (i = 3; i <= 4; i++) {
		r = "r" lab[i]
		v[0] = max(dn(r "-1k"), dn(r "-100k"))
		metric["decide." r "_ns"] = v[0]; shown["decide_" r] = v[0] " ns"
	}
}

# reload_paired(KEY, COL): the per-round ratios of KEY to reload-steady in
# column COL, which ran next to each other in each round, as a list;
# pmed, their median ("nan" for none).
function reload_paired(k, c,   r, v, n, x, l) {
	n = 0; l = ""
	for (r = 1; r <= rounds; r++) {
		x = ratio(at(k, r, c), at("reload-steady", r, c))
		l = l (r > 1 ? " " : "") x
		if (x != "nan") v[++n] = x
	}
	pmed = n == 0 ? "nan" : sprintf("%.2f", mid(v, n))
	return l
}

# reload(): section 3a (tests/bench/reload.sh).  A run is "wrong" when its
# reloads are not what its mode asks: a steady run with any, a "once" run
# without exactly one, of its own file (WANT_USERS), begun and ended
# within the run.  A wrong run makes both targets MISS: a reload that did
# not happen in the window measured nothing.  The ratios are judged per
# round, once against the steady run next to it, as section 1 judges 3/2:
# the machine's other load changes from one run to the next.
function reload(   m, lab, i, k, n, s, w, r, cnt, late, bad, pr, why) {
	print ""
	printf "-- 3a. Reload under load: lighttpd + fcgi-authzd with 100,000 users, wrk -c%s (%s rounds)\n", wrk_conns, rounds
	printf "   one reload: %ss runs; half a second before the middle, the users file is replaced with one user more\n", reload_window
	print "   (renamed into place, as fcgi-authz writes it) and the daemon's watcher reloads it, no signal; steady runs"
	printf "   of %ss alternate with them.  SIGHUP every %ss: %ss runs, the same file reloaded again and again\n", reload_window, reload_every, duration
	printf "   %-18s %8s %8s %9s %8s %7s  %-13s %-26s %s\n", "medians:", "ok/s", "p50", "p99", "non-2xx", "errors", "reloads", "p99 per round", "p99 / steady's, per round"
	split("steady once every", m, " ")
	lab["steady"] = "steady"; lab["once"] = "one reload"
	lab["every"] = "SIGHUP every " reload_every "s"
	for (i = 1; i <= 3; i++) {
		n = "reload-" m[i]
		cnt = ""; late = 0
		for (k = 1; k <= nrel; k++) {
			if (relk[k] != n) continue
			split(rel[k], w, " ")
			cnt = cnt (cnt == "" ? "" : ",") w[3]
			late += w[6]
			if ((m[i] == "steady" && w[3] != 0) ||
			    (m[i] == "once" && (w[3] != 1 || w[4] != w[5]))) {
				bad++
				why = w[3] " reload(s) in the run, the last of " w[4] " users"
				if (m[i] == "once" && w[3] == 0 && w[7] > 0 && w[6] > 0)
					why = "its reload began in the run and ended after it"
				printf "   ! round %s %s: %s (wanted: %s)\n", w[2], lab[m[i]],
				    why, m[i] == "once" ? "one, of " w[5] " users" : "none"
			}
		}
		if (late > 0) cnt = cnt " +" late " late"
		pr = ""
		for (r = 1; r <= rounds; r++)
			pr = pr (r > 1 ? " " : "") fmt_ms(at(n, r, 6))
		printf "   %-18s %8.0f %8s %9s %8s %7s  %-13s %-26s %s\n", lab[m[i]], median(n, 4),
		    fmt_ms(median(n, 5)), fmt_ms(median(n, 6)), sum(n, 7), sum(n, 8), cnt, pr,
		    m[i] == "steady" ? "" : reload_paired(n, 6)
	}
	print "   (reloads: the daemon's \"reloaded\" lines during each run, round by round; late: after the run ended)"
	metric["reload.wrong"] = bad + 0
	n = sum("reload-once", 7); s = sum("reload-once", 8)
	metric["reload.failed"] = n + s; shown["reload_failed"] = n " + " s
	reload_paired("reload-once", 6); metric["reload.p99_x"] = pmed
	reload_paired("reload-once", 4); metric["reload.ok_x"] = pmed
	shown["reload_slowed"] = "p99 x" metric["reload.p99_x"] " ok/s x" metric["reload.ok_x"]
	if (bad > 0) {
		shown["reload_failed"] = shown["reload_failed"] ", " bad " wrong run(s)"
		shown["reload_slowed"] = shown["reload_slowed"] ", " bad " wrong run(s)"
	}
	reload_paired("reload-every", 6); shown["reload_every"] = "p99 x" pmed
	reload_paired("reload-every", 4); shown["reload_every"] = shown["reload_every"] " ok/s x" pmed
	shown["reload_every"] = shown["reload_every"] sprintf(", %d + %d failed",
	    sum("reload-every", 7), sum("reload-every", 8))
}

function flood(   m, i, j, k, w, n, st, o, rss, nr, peak, base, top, nf, kv2) {
	print ""
	printf "-- 3b. Flood of distinct wrong passwords (for the bench user: interactive hash) through lighttpd (medians of %s rounds)\n", rounds
	printf "   good users: wrk -t1 -c%s, cached Basic; paced flood: %s connections, a new password every %s ms each\n", good_conns, flood_conns, flood_delay_ms
	printf "   (at most %d/s); full flood: %s connections as fast as answered;\n", int(flood_conns * 1000 / (flood_delay_ms > 0 ? flood_delay_ms : 1)), good_conns
	printf "   expiring: another fcgi-authzd with [cache] ttl = %s, so that the good user's entry expires during the run;\n", expiry_ttl
	printf "   burst: another user's right password on %s connections at once, every %s ms, each finding its entry expired\n", burst_conns, burst_pause_ms
	printf "   %-16s %9s %9s %9s %8s  %-30s %10s %10s\n", "good users", "ok/s", "p50", "p99", "non-2xx", "flood requests: statuses", "RSS MiB", "peak MiB"
	split("alone paced full expiring expiring+paced expiring+burst", m, " ")
	for (i = 1; i <= 6; i++) {
		n = 0; nr = 0; peak = ""; split("", st); split("", rss)
		for (j = 1; j <= nfm; j++) {
			nf = split(fm[j], w, " ")
			if (w[1] != "flood-" m[i]) continue
			rss[++nr] = w[3] / 1024
			if (peak == "" || w[4] / 1024 > peak) peak = w[4] / 1024
			if (nf > 4) {
				n += w[5]
				for (k = 6; k <= nf; k++) { split(w[k], kv2, ":"); st[kv2[1]] += kv2[2] }
			}
		}
		if (n == 0) o = "-"
		else { o = n " :"; for (k in st) o = o " " k "x" st[k] }
		printf "   %-16s %9.0f %9s %9s %8s  %-30s %10.1f %10.1f\n", m[i],
		    median("flood-" m[i], 4), fmt_ms(median("flood-" m[i], 5)),
		    fmt_ms(median("flood-" m[i], 6)), sum("flood-" m[i], 7), o,
		    low(rss, nr), peak
	}
	print "   (RSS: the worker process before the run; peak: its highest VmHWM over the rounds, reset before each run)"

	# Each flood run against the alone run of its round, next to it:
	# the median of those ratios (as paired() for the servers).
	metric["flood.paced_x"] = paired("flood-paced", "flood-alone")
	shown["flood_paced"] = "x" metric["flood.paced_x"] " (rounds: " paired_rounds ")"
	metric["flood.full_x"] = paired("flood-full", "flood-alone")
	shown["flood_full"] = "x" metric["flood.full_x"] " (rounds: " paired_rounds ")"
	# While entries expire, against the same daemon without the flood:
	# what ttl = 2 costs by itself (a renewal a second) is not the
	# flood's doing.  Against the long-ttl daemon, for information.
	metric["flood.expiring_x"] = paired("flood-expiring+paced", "flood-expiring")
	metric["flood.expiring_non2xx"] = sum("flood-expiring+paced", 7)
	shown["flood_expiring"] = "x" metric["flood.expiring_x"] " (rounds: " paired_rounds "), " metric["flood.expiring_non2xx"] " non-2xx"
	shown["flood_expiring_alone"] = "x" paired("flood-expiring+paced", "flood-alone") " (rounds: " paired_rounds ")"
	metric["flood.burst_p99"] = median("flood-expiring+burst", 6)
	shown["flood_burst"] = "p99 " fmt_ms(metric["flood.burst_p99"]) ", alone " fmt_ms(median("flood-alone", 6))
	base = ""; top = 0
	for (j = 1; j <= nfm; j++) {
		split(fm[j], w, " ")
		if (w[1] == "flood-alone" && (base == "" || w[3] + 0 < base + 0)) base = w[3]
		if (w[1] ~ /^flood-/ && w[4] + 0 > top) top = w[4] + 0
	}
	metric["flood.peak_kib"] = top
	metric["flood.peak_limit_kib"] = base + hash_max_concurrent * hash_mem / 1024 + 32768
	shown["flood_peak"] = sprintf("%d <= %d MiB", top / 1024, metric["flood.peak_limit_kib"] / 1024)
}

function latency(   m, i, j, v, n) {
	print ""
	printf "-- 4. Latency (tests/fcgi-client, unix socket, one worker thread; ms, median and range of %s runs)\n", latency_runs
	split("crash autoreload grant sigterm", m, " ")
	for (i = 1; i <= 4; i++) {
		n = 0; split("", v)
		for (j = 1; j <= nlat; j++) if (latk[j] == m[i]) v[++n] = latv[j]
		sortn(v, n)
		printf "   %-11s %6s   (%s-%s)\n", m[i], v[int((n + 1) / 2)], v[1], v[n]
		metric["latency." m[i]] = v[int((n + 1) / 2)]
		shown["lat_" m[i]] = v[int((n + 1) / 2)] " ms"
	}
	print "   crash: SIGKILL to the worker process, then a cached request until one is answered 200 (the supervisor's restart);"
	print "   autoreload: the users file replaced by rename, no signal, until the new user is answered 200;"
	print "   grant: a 200 until its line is in the log with no further traffic (held back up to 250 ms);"
	print "   sigterm: SIGTERM until the daemon has exited"
}

# Worst of the runs for each: the targets hold for every run.
function conns(   m, i, j, v, n, worst, lo) {
	print ""
	printf "-- 6. Connections (tests/fcgi-crowd, unix socket; 100 requests past 1,000 silent, 100 half-sent, 16 kept; %s runs)\n", conns_runs
	split("answered open reused p50_ms p99_ms max_ms rss_kib", m, " ")
	for (i = 1; i <= 7; i++) {
		n = 0; split("", v)
		for (j = 1; j <= ncon; j++) if (connk[j] == m[i]) v[++n] = connv[j]
		sortn(v, n)
		lo = m[i] == "answered" || m[i] == "open" || m[i] == "reused"
		worst = lo ? v[1] : v[n]
		printf "   %-9s worst %8s   (runs: %s-%s)\n", m[i], worst, v[1], v[n]
		metric["conns." m[i]] = worst
	}
	shown["conns_answered"] = metric["conns.answered"] " / " metric["conns.open"]
	shown["conns_max"] = metric["conns.max_ms"] " ms"
	shown["conns_rss"] = sprintf("%.1f MiB", metric["conns.rss_kib"] / 1024)
	print "   answered of 100; open: of the 1,100 slow ones at the end; reused: of the 16 kept, asked again after;"
	print "   ms: each request on a new connection, connect to END_REQUEST; rss_kib: the worker's growth with all open"
}

function parity(   m, d, i, k, x) {
	print ""
	printf "-- 5. Timing parity (tests/fcgi-client, unix socket, end to end; %s interleaved requests of each kind)\n", parity_runs
	printf "   %-48s %9s %8s %4s  %s\n", "what", "median ms", "min ms", "n", "x unknown user"
	split("unknown argon2id bcrypt5 apr1 sha bcrypt5-right", m, " ")
	split("unknown user (the dummy: argon2id, interactive)|" \
	    "wrong password, argon2id at the dummy's cost|" \
	    "wrong password, bcrypt cost 5 (htpasswd -B)|" \
	    "wrong password, $apr1$ (htpasswd -m)|" \
	    "wrong password, {SHA} (htpasswd -s)|" \
	    "right password, bcrypt cost 5 ([cache] ttl = 0)", d, "|")
	for (i = 1; i <= 6; i++) {
		k = m[i]
		if (!(k in parmed)) continue
		x = ratio(parmed[k], parmed["unknown"])
		printf "   %-48s %9.2f %8.2f %4d  %s\n", d[i], parmed[k], parmin[k], parn[k], x
		metric["parity." k "_x"] = x
		shown["parity_" k] = sprintf("x%s, %.1f ms", x, parmed[k])
	}
	print "   (a refusal after a hash cheaper than the dummy is held back until one of the dummy's last 20 run times,"
	print "    drawn at random, has passed since the verification began; successes are never held back)"
}

# holds(CONDITION): "METRIC OP LIMIT" is true; the limit is a number or
# another metric.  A value that was not measured ("nan", "") fails.
function holds(c,   w, v, l) {
	split(c, w, " ")
	v = metric[w[1]]
	l = (w[3] in metric) ? metric[w[3]] : w[3]
	if (v == "nan" || v == "") return 0
	if (w[2] == "ge") return v + 0 >= l + 0
	if (w[2] == "lt") return v + 0 < l + 0
	if (w[2] == "le") return v + 0 <= l + 0
	return 0
}
# measured(CONDITIONS, ID): the run measured what the target needs.
function measured(conds, id,   c, n, i, w) {
	if (conds == "-") return id in shown
	n = split(conds, c, ",")
	for (i = 1; i <= n; i++) {
		split(trim(c[i]), w, " ")
		if (!(w[1] in metric)) return 0
	}
	return 1
}

function targets(   i, c, n, j, ok, misses) {
	print ""
	print "-- Targets"
	for (i = 1; i <= ntg; i++) {
		if (!measured(tcond[i], tid[i])) continue
		if (tcond[i] == "-") {
			printf "  %-66s %-18s %s\n", "  " ttext[i], shown[tid[i]], "-"
			continue
		}
		n = split(tcond[i], c, ",")
		ok = 1
		for (j = 1; j <= n; j++) if (!holds(trim(c[j]))) ok = 0
		printf "  %-66s %-18s %s\n", ttext[i], shown[tid[i]], ok ? "PASS" : "MISS"
		if (!ok) misses++
	}
	print ""
	printf "%d target(s) missed.\n", misses
}
