# tests/bench/data.sh: the users files, configurations and server
# snippets scripts/bench serves, sourced by it.  The functions read the
# bench's settings and state: $W (the scratch directory), $bench_hash
# (the bench user's hash), $W/pool (gen_pool: hashes for the other
# users), $WORKERS, $HASH_* and the other settings the bench documents.

# gen_users N > FILE: N users (u000002 ..., then "bench2" and "bench", the
# last one; bench2 has the bench user's password under a hash of its own,
# for the flood section's bursts).
gen_users() {
	awk -v n="$1" -v bh="$bench_hash" -v bh2="$bench2_hash" '
	NR == FNR { pool[np++] = $0; next }
	END {
		split("staff|dev|ops, staff|viewer|dev, ops", roles, "|")
		for (i = 2; i < n; i++)
			printf "[user:u%06d]\npassword = %s\nroles = %s\n\n",
			    i, pool[i % np], roles[i % 5 + 1]
		printf "[user:bench2]\npassword = %s\nroles = staff\n\n", bh2
		printf "[user:bench]\npassword = %s\nroles = staff\n", bh
	}' "$W/pool" /dev/null
}

# gen_rules N TAIL [MIX]: N rules; the one that matches GET /bench/file.txt
# (roles = staff) is the (N-TAIL)th, followed by TAIL others.  The ones
# before it match nothing.  MIX "mixed" (the default): in turn a prefix
# with methods, an exact path, "/filesN/*/docs/**", "/**/secretN.txt"
# (scans the whole path), "/bench/*.bakN" (the request's own first
# segment) and a prefix with networks: half of them globs.  MIX "prefix":
# prefixes only.
gen_rules() {
	awk -v n="$1" -v tail="$2" -v mix="${3:-mixed}" 'BEGIN {
		for (i = 1; i <= n - tail - 1; i++) {
			printf "[rule:r%d]\n", i
			k = mix == "prefix" ? 0 : i % 6
			if (k == 0)
				printf "path = /app%d\nroles = dev\nmethods = GET, POST\n", i
			else if (k == 1)
				printf "path = =/app%d/index.html\naccess = public\n", i
			else if (k == 2)
				printf "path = /files%d/*/docs/**\nroles = ops\n", i
			else if (k == 3)
				printf "path = /**/secret%d.txt\naccess = deny\n", i
			else if (k == 4)
				printf "path = /bench/*.bak%d\naccess = deny\n", i
			else
				printf "path = /internal%d\naccess = authenticated\nnetworks = 10.0.0.0/8\n", i
			printf "\n"
		}
		printf "[rule:bench]\npath = /bench\nroles = staff\n\n"
		if (tail >= 1)
			printf "[rule:health]\npath = =/healthz\nmethods = GET\naccess = public\n\n"
		if (tail >= 2)
			printf "[rule:public]\npath = /public\naccess = public\n\n"
		for (i = 3; i <= tail; i++)
			printf "[rule:t%d]\npath = /t%d\naccess = authenticated\n\n", i, i
	}'
}

# gen_conf USERS_FILE TTL RULES TAIL [MIX] > FILE
gen_conf() {
	cat <<INI
[server]
users = $1
workers = $WORKERS
realm = Bench
default = deny
log = stderr
request_timeout = 10

[hashing]
max_concurrent = $HASH_MAX_CONCURRENT
max_memory = 256M
opslimit = interactive
memlimit = interactive

[cache]
ttl = $2
entries = 65536

# Off in effect: the flood comes from one address, and must reach the
# hashing pool to measure it.
[throttle]
max_failures = 1000000
state = $W/run/throttle

INI
	gen_rules "$3" "$4" "${5:-mixed}"
}

# gen_pool: 8 interactive hashes of random passwords nobody knows, one a
# line.  The other users get hashes with the bench user's (interactive)
# parameters, so that the dummy hash unknown users are checked against is
# realistic; making 100,000 of them would take two hours, so they share
# these: the same strings, the same lookups.
gen_pool() {
	for _ in 1 2 3 4 5 6 7 8; do
		head -c 16 /dev/urandom | base64 |
		    "$MKHASH" argon2id "$HASH_OPS" "$HASH_MEM" || return 1
	done
}

# gen_all: every users file and configuration of the run in $W, each
# checked with fcgi-authzd -t, and the htpasswd file ($HTPASSWD_USERS
# users, the bench user last, the others sharing one hash).
gen_all() {
	gen_users "$NUSERS" > "$W/users.ini"
	gen_users 1000 > "$W/users-1k.ini"
	gen_users 100000 > "$W/users-100k.ini"
	# The reload section's own copy, which it replaces (reload.sh).
	cp "$W/users-100k.ini" "$W/users-live.ini"
	gen_conf users.ini "$TTL" "$NRULES" 2 > "$W/cached.ini"
	gen_conf users.ini "$EXPIRY_TTL" "$NRULES" 2 > "$W/expiring.ini"
	gen_conf users.ini 0 "$NRULES" 2 > "$W/nocache.ini"
	gen_conf users-100k.ini "$TTL" "$NRULES" 2 > "$W/reload-100k.ini"
	gen_conf users-live.ini "$TTL" "$NRULES" 2 > "$W/reload-live.ini"
	for r in 10 100 1000; do
		gen_conf users-1k.ini 300 "$r" 0 > "$W/d-$r-1k.ini"
		gen_conf users-100k.ini 300 "$r" 0 > "$W/d-$r-100k.ini"
	done
	gen_conf users-1k.ini 300 1000 0 prefix > "$W/d-1000p-1k.ini"
	gen_conf users-100k.ini 300 1000 0 prefix > "$W/d-1000p-100k.ini"
	chmod 644 "$W"/*.ini "$W/www/bench/file.txt"
	for c in cached nocache expiring reload-live d-10-1k d-1000-100k d-1000p-1k; do
		"$AUTHZD" -t -c "$W/$c.ini" > "$W/logs/check-$c.log" 2>&1 || {
			cat "$W/logs/check-$c.log" >&2
			return 1
		}
	done
	{
		i=1
		while [ "$i" -lt "$HTPASSWD_USERS" ]; do
			[ "$i" = 1 ] && other=$(htpasswd -nbB -C 5 x "$(head -c 9 /dev/urandom | base64)" | cut -d: -f2)
			printf 'h%06d:%s\n' "$i" "$other"
			i=$((i + 1))
		done
		htpasswd -nbB -C 5 bench "$BENCH_PW" | sed '/^$/d'
	} > "$W/htpasswd"
	chmod 644 "$W/htpasswd"
}
