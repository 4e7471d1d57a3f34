#!/bin/sh
# tests/grafana.sh: the Grafana dashboard, etc/grafana/fcgi-authz.json,
# against the metrics a running daemon writes.  Grafana itself is not in
# Debian, so each panel's query is checked the way Prometheus would take
# it:
#  - the file is JSON for Grafana 10 (schemaVersion 38) and every panel
#    has a query;
#  - each query, with Grafana's interval variables replaced as Grafana
#    replaces them, parses as a recording rule (promtool check rules,
#    Debian's prometheus package);
#  - each metric a query names is one the daemon writes: the # TYPE lines
#    of the [metrics] textfile of a daemon with an HTTP listener, after
#    an allowed and a refused request;
#  - each metric the daemon writes is shown by some panel.
# Skipped without promtool or python3.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/grafana.sh
set -u

. "$(dirname "$0")/testlib.sh"
DASH=$top_srcdir/etc/grafana/fcgi-authz.json

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
need_commands awk grep sed sort
tmpdir_make grafana
: >"$T/log"

if ! command -v promtool >/dev/null 2>&1 ||
    ! command -v python3 >/dev/null 2>&1; then
	skip "the dashboard's queries" "no promtool (Debian package prometheus) or python3"
	finish
fi

# ---- the metrics a daemon writes --------------------------------------------

H=$(cheap_hash alice-pw) || bail "mkhash failed"
printf '[user:alice]\npassword = %s\nroles = editor\n' "$H" >"$T/users.ini"
CONF=$T/fcgi-authz.ini
ADDR=unix:$T/sock
{
	conf_base "metrics.textfile=$T/metrics.prom" \
	    "server.http=unix:$T/http.sock"
	printf '\n[rule:site]\npath = /site\naccess = authenticated\n'
} >"$CONF"
daemon_start
guard_start

ask() {
	"$CLIENT" -r authorizer -t 30 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/site/x REMOTE_ADDR=192.0.2.7 \
	    "HTTP_AUTHORIZATION=$(basic_auth alice "$1")" >/dev/null 2>&1
}
ask alice-pw
ask wrong
# The file is written every 5 s: wait for the refusal to be in it.
i=0
while [ $i -lt 600 ] &&
    ! grep -q '^fcgi_authz_decisions_total{status="401"' "$T/metrics.prom" \
    2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
sed -n 's/^# TYPE \([a-z_:][a-z0-9_:]*\) .*/\1/p' "$T/metrics.prom" |
    sort -u >"$T/written"

begin "the daemon's metrics file: its decisions and the HTTP listener's series are there"
grep -q '^fcgi_authz_decisions_total{status="401"' "$T/metrics.prom" ||
    fail "no 401 in $T/metrics.prom"
grep -qx fcgi_authz_http_connections "$T/written" ||
    fail "no fcgi_authz_http_connections"
[ "$(wc -l <"$T/written")" -ge 20 ] ||
    fail "only $(wc -l <"$T/written") metrics: $(tr '\n' ' ' <"$T/written")"
end

# ---- the dashboard ---------------------------------------------------------

# One line a query: PANEL-TITLE<TAB>EXPR, with $__rate_interval and
# $__interval as Grafana fills them in ($instance stays: it only ever
# stands inside a quoted regex).
python3 - "$DASH" >"$T/queries" 2>"$T/json.err" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
if d.get("schemaVersion", 0) < 38:
    sys.exit("schemaVersion %s: Grafana 10 writes 38" % d.get("schemaVersion"))
def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))
for p in panels(d["panels"]):
    if p["type"] == "row":
        continue
    ts = p.get("targets", [])
    if not ts:
        sys.exit("panel %r has no query" % p.get("title"))
    for t in ts:
        e = t["expr"].replace("$__rate_interval", "5m").replace("$__interval", "1m")
        print("%s\t%s" % (p["title"], e.replace("\n", " ")))
EOF
rc=$?

begin "the dashboard is Grafana 10 JSON (schemaVersion 38), every panel with a query"
[ $rc -eq 0 ] || fail "$(cat "$T/json.err")"
[ -s "$T/queries" ] || fail "no query found"
end

begin "every query parses as PromQL (promtool check rules)"
{
	echo "groups:"
	echo "  - name: fcgi-authz-dashboard"
	echo "    rules:"
	n=0
	while IFS='	' read -r title expr; do
		n=$((n + 1))
		echo "      - record: dashboard:panel$n"
		# YAML's single quotes: a quote inside doubles.
		printf "        expr: '%s'\n" "$(printf '%s' "$expr" | sed "s/'/''/g")"
	done <"$T/queries"
} >"$T/rules.yml"
promtool check rules "$T/rules.yml" >"$T/promtool.out" 2>&1 ||
    fail "$(tr '\n' '|' <"$T/promtool.out")"
end

grep -o 'fcgi_authz_[a-z0-9_]*' "$T/queries" | sort -u >"$T/named"

begin "every metric a panel names is one the daemon writes"
missing=$(comm -23 "$T/named" "$T/written" | tr '\n' ' ')
[ -z "$missing" ] || fail "not written by the daemon: $missing"
end

begin "every metric the daemon writes is on some panel"
unshown=$(comm -13 "$T/named" "$T/written" | tr '\n' ' ')
[ -z "$unshown" ] || fail "on no panel: $unshown"
end

finish
