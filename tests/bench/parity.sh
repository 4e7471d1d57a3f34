# tests/bench/parity.sh: section 5 of scripts/bench, sourced by it.
#
# Timing parity (docs/security.md, User enumeration; docs/migrating.md,
# Timing): a wrong password for a hash cheaper than the dummy is held
# back until the dummy's median time has passed, so that it is answered
# no faster than an unknown user.  The tests check the mechanism (the
# deadline, the sleep); this times it end to end, on a daemon of its own
# whose users file holds argon2id users at libsodium's interactive
# limits (the most common kind, so the dummy is made like them), and one
# user each with bcrypt cost 5, $apr1$ and {SHA} hashes, as htpasswd
# writes them.  [cache] ttl = 0, so that the right bcrypt-5 password is
# verified each time (wrong passwords are never cached anyway).
#
# PARITY_RUNS rounds; each round asks each kind once, in a new random
# order, so that machine noise hits every kind alike and no kind always
# follows the same one (an argon2id run before leaves the caches and
# the allocator otherwise than a cheap hash does).  Each request is
# timed around the client's run with bash's EPOCHREALTIME (microseconds,
# no fork).
#	$W/parity-runs.txt	NAME US STATUS: every request
#	$W/parity.txt		NAME MEDIAN_MS MIN_MS N: what report.awk reads

# The kinds: NAME USER PASSWORD-VARIABLE WANT.  A
# password variable named "wrong" gets a new wrong password each time.
PAR_KINDS="unknown par-nobody wrong 401
argon2id par-argon wrong 401
bcrypt5 par-bcrypt wrong 401
apr1 par-apr1 wrong 401
sha par-sha wrong 401
bcrypt5-right par-bcrypt par_pw 200"

# par_users > FILE: three argon2id users (one interactive hash, shared:
# the dummy's kind is the most common one), then one of each htpasswd
# kind, all with the password $par_pw.
par_users() {
	_a=$(printf '%s\n' "$par_pw" | "$MKHASH" argon2id "$HASH_OPS" "$HASH_MEM") ||
	    return 1
	for _u in par-argon par-argon2 par-argon3; do
		printf '[user:%s]\npassword = %s\n\n' "$_u" "$_a"
	done
	for _k in "bcrypt:-B -C 5" apr1:-m sha:-s; do
		# shellcheck disable=SC2086
		_h=$(htpasswd -nb ${_k#*:} x "$par_pw" | sed -n '1s/^x://p')
		[ -n "$_h" ] || return 1
		printf '[user:par-%s]\npassword = %s\n\n' "${_k%%:*}" "$_h"
	done
}

# par_ask USER PASSWORD: one request; sets par_us (microseconds from the
# client's start to its exit) and par_status.
par_ask() {
	_b="HTTP_AUTHORIZATION=Basic $(printf '%s:%s' "$1" "$2" | base64 -w0)"
	_t0=${EPOCHREALTIME//[.,]/}
	"$CLIENT" -r authorizer -t 10 "unix:$W/run/parity.sock" \
	    REQUEST_METHOD=GET REQUEST_URI=/site/x REMOTE_ADDR=127.0.0.1 \
	    "$_b" < /dev/null > "$W/parity.out" 2>/dev/null
	_t1=${EPOCHREALTIME//[.,]/}
	par_us=$((_t1 - _t0))
	par_status=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$W/parity.out")
}

# par_round RECORD: each kind once, shuffled; RECORD 1 appends to
# parity-runs.txt, 0 is a warm-up.
par_round() {
	while read -r _name _user _pwvar _want; do
		if [ "$_pwvar" = wrong ]; then
			_pw="wrong-$RANDOM-$_name"
		else
			_pw=${!_pwvar}
		fi
		par_ask "$_user" "$_pw"
		[ "$par_status" = "$_want" ] ||
		    die "parity: $_name answered '${par_status}', expected $_want (see $W/logs/parity.log)"
		[ "$1" = 0 ] || echo "$_name $par_us $par_status" >> "$W/parity-runs.txt"
	done < <(printf '%s\n' "$PAR_KINDS" | shuf)
}

# measure_parity: PARITY_RUNS rounds into $W/parity.txt.
measure_parity() {
	say "timing parity: $PARITY_RUNS rounds of unknown user, wrong argon2id, bcrypt-5, \$apr1\$, {SHA}, right bcrypt-5"
	par_pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')
	par_users > "$W/parity-users.ini" || die "parity: cannot make the hashes"
	cat > "$W/parity.ini" <<INI
[server]
users = parity-users.ini
workers = 2
realm = Bench
log = stderr
request_timeout = 10

[hashing]
max_concurrent = $HASH_MAX_CONCURRENT
opslimit = interactive
memlimit = interactive

# Every right password is verified; wrong ones are never cached anyway.
[cache]
ttl = 0

# Off in effect: every refusal must reach the verification.
[throttle]
max_failures = 1000000
state = $W/run/parity-throttle

[rule:site]
path = /site
access = authenticated
INI
	chmod 600 "$W/parity.ini" "$W/parity-users.ini"
	start_authzd parity parity "unix:$W/run/parity.sock" ||
	    die "the parity daemon did not start"
	: > "$W/parity-runs.txt"
	# Not recorded: the first requests pay for page faults and fill
	# the dummy's run times (the first one is the time it took to make).
	par_round 0
	for _ in $(seq "$PARITY_RUNS"); do
		par_round 1
	done
	awk '{ n[$1]++; v[$1, n[$1]] = $2 }
	END {
		for (k in n) {
			m = n[k]
			for (i = 2; i <= m; i++) {	# insertion sort
				x = v[k, i]
				for (j = i - 1; j >= 1 && v[k, j] > x; j--)
					v[k, j + 1] = v[k, j]
				v[k, j + 1] = x
			}
			med = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
			printf "%s %.3f %.3f %d\n", k, med / 1000, v[k, 1] / 1000, m
		}
	}' "$W/parity-runs.txt" > "$W/parity.txt"
	say "  $(awk '{ printf "%s%s=%sms", (NR > 1 ? " " : ""), $1, $2 }' "$W/parity.txt")"
}
