# tests/testlib.sh: the harness the shell tests share (e2e.sh, cli.sh,
# throttle.sh, fail2ban.sh, reload.sh, privdrop.sh, systemd.sh and
# docrefs.sh; tests/servers/ has a harness of its own).
# POSIX sh (the tests run under $(SHELL), dash on Debian).  Sourced by
#	. "$(dirname "$0")/testlib.sh"
# It sets top_builddir and top_srcdir (from the environment, TEST_SRCDIR,
# or "."), the programs under test ($AUTHZD, $CTL, $CLIENT, $MKHASH) and
# gives the TAP counting (begin, fail, end, skip, note, finish), the
# temporary directory $T (tmpdir_make), a base configuration
# (conf_base), the daemon $DPID on $CONF at $ADDR with its log in $T/log
# (daemon_start, guard_start, cleanup on exit), the decision lines of
# that log (ndecisions, dec_wait) and small helpers (bail, need_programs,
# need_commands, alive, now_ms, ...).
# The sourcing script sets KEEP (non-empty: keep $T) before it exits.

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-${TEST_SRCDIR:-.}}

AUTHZD=$top_builddir/src/fcgi-authzd
CTL=$top_builddir/src/fcgi-authz
CLIENT=$top_builddir/tests/fcgi-client
CROWD=$top_builddir/tests/fcgi-crowd
MKHASH=$top_builddir/tests/mkhash

# Files the tests write are the daemon's users files: fcgi-authzd warns
# about one that every user may read (filetrust.h).
umask 077

T=
DPID=
GUARD=
BG_PIDS=
KEEP=
N=0
PASSED=0
FAILED=0
CASE=
ERRS=
NL='
'

bail() {
	echo "Bail out! $*"
	exit 99
}

# need_programs PATH...: bails unless each is an executable (a build
# product).
need_programs() {
	for p in "$@"; do
		[ -x "$p" ] || bail "$p is missing (build it first)"
	done
}

# need_commands NAME...: skips the test (exit 77) unless each is found.
need_commands() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "# skip: no $c"; exit 77; }
	done
}

# tmpdir_make NAME: T becomes a new fcgi-authz-NAME.XXXXXX directory,
# under $TMPDIR if a socket path in it stays short enough.
tmpdir_make() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-authz-$1.XXXXXX") || bail "mktemp -d failed"
	# sun_path holds 108 bytes.
	if [ ${#T} -gt 80 ]; then
		rmdir "$T"
		T=$(mktemp -d "/tmp/fcgi-authz-$1.XXXXXX") || bail "mktemp -d failed"
	fi
}

# Succeeds while the process exists and is not a zombie.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		st=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
		[ "$st" = Z ] && return 1
	fi
	return 0
}

# Succeeds if the pid is one of our daemon's processes (-c names our $T).
is_authzd() {
	alive "$1" && [ -r "/proc/$1/cmdline" ] &&
	    tr '\0' ' ' <"/proc/$1/cmdline" | grep -F -q "$T/fcgi-authz.ini"
}

# Pids that wrote to the log, except the supervisor.
worker_pids() {
	sed -n 's/.*fcgi-authzd\[\([0-9]*\)\]:.*/\1/p' "$T/log" | sort -u |
	    while read -r p; do
		[ "$p" != "$DPID" ] && echo "$p"
	done
}

cleanup() {
	[ -n "$GUARD" ] && kill "$GUARD" 2>/dev/null
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		i=0
		while [ $i -lt 30 ] && alive "$DPID"; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$DPID" 2>/dev/null
	fi
	# Workers die with the supervisor (PR_SET_PDEATHSIG); make sure.
	if [ -n "$T" ] && [ -f "$T/log" ]; then
		for p in $(worker_pids); do
			if is_authzd "$p"; then
				kill -KILL "$p" 2>/dev/null
			fi
		done
	fi
	for p in $DPID $BG_PIDS $GUARD; do
		wait "$p" 2>/dev/null
	done
	sanitizer_check
	if [ -n "$T" ] && [ -n "$KEEP" ]; then
		echo "# kept $T"
	elif [ -n "$T" ]; then
		rm -rf "$T"
	fi
	[ -z "$SANITIZED" ] || exit 1
}

# sanitizer_check: in an --enable-sanitizers build, a report of ASan,
# LeakSanitizer or UBSan in the daemon's log fails the test, whatever its
# cases said: UBSan aborts the worker, the supervisor starts another, and
# the answers may all still be right.  Run once the daemon has stopped,
# so that the leak checks at exit are in the log.
SANITIZED=
sanitizer_check() {
	_re='ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: [A-Za-z]*Sanitizer'
	[ -n "$T" ] && [ -f "$T/log" ] && grep -Eq "$_re" "$T/log" || return 0
	echo "not ok - a sanitizer reported in the daemon's log ($T/log):"
	grep -E -A 12 "$_re" "$T/log" | head -n 40 | sed 's/^/#   /'
	SANITIZED=1
}

trap cleanup EXIT
trap 'exit 99' HUP INT TERM

# free_port: a free TCP port on 127.0.0.1, as the kernel lends one; a
# daemon that cannot bind it after all says so at start, and the caller
# tries again.
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# basic_auth USER PASSWORD: the value of a Basic Authorization header.
basic_auth() {
	printf 'Basic %s\n' "$(printf '%s:%s' "$1" "$2" | base64 | tr -d '\n')"
}

# cheap_hash PASSWORD: an argon2id string quick to verify (t=1, 8 MiB),
# with tests/mkhash ($MKHASH).
cheap_hash() {
	printf '%s\n' "$1" | "$MKHASH" argon2id 1 8388608
}

# conf_base [SECTION.KEY=VALUE]...: prints the [server], [hashing] and
# [throttle] sections a daemon test starts its configuration from:
#	[server]	users = users.ini, workers = 2, log = stderr,
#			request_timeout = 5
#	[hashing]	opslimit = 1, memlimit = 8M (the cost of cheap_hash)
#	[throttle]	state = $T/throttle
# Each argument sets one key: in place when the base has it, else at the
# end of its section; a section not in the base ([cache]) follows these
# three.  The caller appends the rest (rules) after it.
conf_base() {
	awk -v t="$T" '
	function set(s, k, v) {
		if (!(s in nkeys)) {
			order[++nsec] = s
			nkeys[s] = 0
		}
		if (!((s, k) in val))
			keys[s, ++nkeys[s]] = k
		val[s, k] = v
	}
	BEGIN {
		set("server", "users", "users.ini")
		set("server", "workers", "2")
		set("server", "log", "stderr")
		set("server", "request_timeout", "5")
		set("hashing", "opslimit", "1")
		set("hashing", "memlimit", "8M")
		set("throttle", "state", t "/throttle")
		for (i = 1; i < ARGC; i++) {
			a = ARGV[i]
			d = index(a, ".")
			e = index(a, "=")
			if (d < 2 || e < d + 2) {
				print "conf_base: not SECTION.KEY=VALUE: " a > "/dev/stderr"
				exit 1
			}
			set(substr(a, 1, d - 1), substr(a, d + 1, e - d - 1),
			    substr(a, e + 1))
		}
		for (i = 1; i <= nsec; i++) {
			s = order[i]
			printf "%s[%s]\n", (i > 1 ? "\n" : ""), s
			for (j = 1; j <= nkeys[s]; j++) {
				k = keys[s, j]
				printf "%s =%s\n", k, (val[s, k] == "" ? "" : " " val[s, k])
			}
		}
		exit 0
	}' "$@"
}

# Milliseconds since the epoch (GNU date), or seconds * 1000 elsewhere.
now_ms() {
	ms=$(date +%s%3N 2>/dev/null)
	case $ms in
	*[!0-9]*|'') echo $(($(date +%s) * 1000)) ;;
	*) echo "$ms" ;;
	esac
}

# ---- TAP ------------------------------------------------------------------

begin() {
	CASE=$1
	ERRS=
}

fail() {
	ERRS="$ERRS$1$NL"
}

end() {
	N=$((N + 1))
	if [ -z "$ERRS" ]; then
		PASSED=$((PASSED + 1))
		echo "ok $N - $CASE"
	else
		FAILED=$((FAILED + 1))
		echo "not ok $N - $CASE"
		printf '%s' "$ERRS" | sed 's/^/#   /'
	fi
}

# skip NAME WHY: a case that cannot run here, counted as passed.
skip() {
	N=$((N + 1))
	PASSED=$((PASSED + 1))
	echo "ok $N - $1 # SKIP $2"
}

note() {
	echo "# $*"
}

# finish: the closing line; exits 0 if every case passed, else 1.  When
# FCGI_AUTHZ_TALLY names a file, the counts are added to it as well, a
# line a test: make distcheck removes its test logs when it passes, and
# scripts/test counts the cases it ran from that file.
finish() {
	echo "$PASSED passed, $FAILED failed"
	if [ -n "${FCGI_AUTHZ_TALLY:-}" ]; then
		echo "${0##*/} $PASSED $FAILED" >> "$FCGI_AUTHZ_TALLY"
	fi
	[ "$FAILED" -eq 0 ] || exit 1
	exit 0
}

# ---- the daemon -----------------------------------------------------------

# daemon_start: fcgi-authzd -f with $CONF on $ADDR, its stderr appended to
# $T/log; waits up to 60 s for its "serving with" line (bails if it exits
# first): a slow machine is no reason to fail.  The caller checks what it needs (the socket ...), then starts
# the guard.  Once the last daemon stopped, it may start another one.
daemon_start() {
	nserving=$(grep -c 'serving with' "$T/log" 2>/dev/null || true)
	"$AUTHZD" -f -c "$CONF" -l "$ADDR" </dev/null >"$T/daemon.out" 2>>"$T/log" &
	DPID=$!
	i=0
	while [ $i -lt 600 ] &&
	    [ "$(grep -c 'serving with' "$T/log")" -le "$nserving" ]; do
		alive "$DPID" || { cat "$T/log"; bail "fcgi-authzd exited at start"; }
		sleep 0.1
		i=$((i + 1))
	done
}

# guard_start: should this shell die without running its traps, stop the
# daemon anyway (the one started last: a guard started before stops).
guard_start() {
	[ -z "$GUARD" ] || { kill "$GUARD" 2>/dev/null; wait "$GUARD" 2>/dev/null; }
	(
		trap - HUP INT TERM EXIT
		while kill -0 $$ 2>/dev/null; do
			sleep 0.5
		done
		kill -TERM "$DPID" 2>/dev/null
	) </dev/null >/dev/null 2>&1 &
	GUARD=$!
}

ndecisions() {
	grep -c 'decision=' "$T/log" 2>/dev/null || true
}

# dec_wait BEFORE [TRIES]: DEC becomes the decision line after the first
# BEFORE ones in the log (from "decision=" on), waiting for it up to TRIES
# times 50 ms (default 600: 30 s, for a grant held back by a worker on a
# busy machine); empty if none came.
dec_wait() {
	DEC=
	i=0
	while [ $i -lt "${2:-600}" ]; do
		if [ "$(ndecisions)" -gt "$1" ]; then
			DEC=$(grep 'decision=' "$T/log" |
			    sed -n "$(($1 + 1))p" | sed 's/^.*decision=/decision=/')
			break
		fi
		sleep 0.05
		i=$((i + 1))
	done
}

# dec KEY: a field of the decision line DEC (dec_wait), quotes kept off.  Read key by key, a
# quoted value whole: splitting at spaces would find the addr= inside the
# hostile user name, which is the mistake the filter must not make.
dec() {
	printf '%s\n' "$DEC" | awk -v key="$1" '{
		while (match($0, /^[a-z_]+=("[^"]*"|[^ "]*)/)) {
			k = substr($0, 1, index($0, "=") - 1)
			v = substr($0, length(k) + 2, RLENGTH - length(k) - 1)
			if (k == key) {
				gsub(/^"|"$/, "", v)
				print v
				exit
			}
			$0 = substr($0, RLENGTH + 1)
			sub(/^ /, "")
		}
	}'
}

blake2b_hex() {
	if command -v b2sum >/dev/null 2>&1; then
		printf '%s' "$1" | b2sum -l 256 | cut -d' ' -f1
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import hashlib,sys
print(hashlib.blake2b(sys.argv[1].encode(),digest_size=32).hexdigest())' "$1"
	else
		return 1
	fi
}
