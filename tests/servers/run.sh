#!/bin/bash
# tests/servers/run.sh [SETUP...]: runs the real-server integration tests
# (all setups by default), then prints which status reached the client in
# each setup for each scenario, as a Markdown table (the README's table is
# a copy of it), and "N passed, M failed".  Exits non-zero on any failure;
# a setup whose server is not installed fails too, unless
# SERVERS_ALLOW_SKIP=1.
set -u

here=$(cd "$(dirname "$0")" && pwd)
setups=${*:-"lighttpd apache-authnz apache-fcgid nginx nginx-http caddy caddy-fastcgi haproxy traefik browser stress"}
results=$(mktemp "${TMPDIR:-/tmp}/fcgi-authz-results.XXXXXX")
trap 'rm -f "$results"' EXIT
export SRV_RESULTS=$results

total_pass=0
total_fail=0
for s in $setups; do
	echo "== $s"
	log=$(mktemp)
	bash "$here/$s.sh" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	last=$(tail -n 20 "$log")
	rm -f "$log"
	if [ "$rc" -eq 77 ] && [ "${SERVERS_ALLOW_SKIP:-0}" = 1 ]; then
		echo "== $s: skipped (server not installed)"
		continue
	fi
	if [ -z "$line" ]; then
		# Its last words say why: scripts/test shows the lines that
		# start "#   ".
		printf '%s\n' "$last" | sed 's/^/#   /'
		echo "== $s: ended without a result (exit $rc)"
		total_fail=$((total_fail + 1))
		continue
	fi
	set -- $line
	total_pass=$((total_pass + $1))
	total_fail=$((total_fail + $3))
	[ "$rc" -eq 0 ] || [ "$3" -gt 0 ] || total_fail=$((total_fail + 1))
	echo "== $s: $line"
done

# The table: one row a scenario, one column a setup.
echo
echo "Status the client received, per setup:"
echo
cols=$(cut -d'|' -f1 "$results" | awk '!seen[$0]++')
printf '| scenario |'
for c in $cols; do printf ' %s |' "$c"; done
printf '\n|---|'
for c in $cols; do printf -- '---|'; done
printf '\n'
cut -d'|' -f2 "$results" | awk '!seen[$0]++' | while IFS= read -r sc; do
	printf '| %s |' "$sc"
	for c in $cols; do
		st=$(awk -F'|' -v c="$c" -v s="$sc" '$1 == c && $2 == s { print $3 }' "$results" | head -n 1)
		printf ' %s |' "${st:--}"
	done
	printf '\n'
done

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
