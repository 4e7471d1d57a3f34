#!/bin/sh
#
# hashes.sh: the hash formats other tools write, through a real
# fcgi-authzd over FastCGI (docs/migrating.md).  The hashes are made at
# run time by the tools that write them on Debian: htpasswd (apache2-utils)
# with -B, -m, -s, -2 and -5; mkpasswd (whois) for yescrypt, sha-512,
# sha-256 and md5-crypt; openssl passwd -1; argon2 (the argon2 package)
# for argon2id with p=4; python3 for nginx's {SSHA}.  Each must let the
# right password in (200) and keep a wrong one out (401, bad_password),
# twice, the second time from the cache.  DES (htpasswd -d) and plaintext
# (htpasswd -p) lines, the cost caps and "legacy = refuse" make
# "fcgi-authzd -t" fail naming the file and line.
#
# The tools are required: without them this test fails, since a green
# "make check" would otherwise say formats work that nothing checked.
# scripts/build installs them.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/hashes.sh
# Writes only into a mktemp -d directory.
# Exit: 0 all passed, 1 a case failed, 99 broken setup.

set -u

. "$(dirname "$0")/testlib.sh"

need_programs "$AUTHZD" "$CLIENT" "$MKHASH"
for c in htpasswd mkpasswd openssl argon2 python3 base64; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "not ok 1 - the hash-making tools are installed"
		echo "#   $c is missing: install apache2-utils, whois, openssl,"
		echo "#   argon2 and python3 (scripts/build does)"
		echo "0 passed, 1 failed"
		exit 1
	}
done

tmpdir_make hashes
: >"$T/log"
CONF=$T/fcgi-authz.ini
USERS=$T/users.ini
ADDR=unix:$T/sock
PW='Old-Pw s3cret:9'	# a space and a colon, as users type them
WRONG='Old-Pw s3cret:8'

# The formats: NAME KIND, and the command that prints the hash of $PW.
# The bcrypt costs are htpasswd's default (5) and a stronger one (10).
htp() { htpasswd -nb "$@" u "$PW" | sed -n '1s/^u://p'; }
ssha() {
	PW="$PW" python3 -c 'import base64, hashlib, os
s = os.urandom(8)
pw = os.environ["PW"].encode()
print("{SSHA}" + base64.b64encode(hashlib.sha1(pw + s).digest() + s).decode())'
}
make_hash() {
	case $1 in
	bcrypt5) htp -B ;;
	bcrypt10) htp -B -C 10 ;;
	apr1) htp -m ;;
	sha1) htp -s ;;
	sha256) htp -2 ;;
	sha512) htp -5 ;;
	sha512r) mkpasswd -m sha-512 -R 10000 "$PW" ;;
	yescrypt) mkpasswd -m yescrypt "$PW" ;;
	md5) openssl passwd -1 "$PW" ;;
	md5mk) mkpasswd -m md5crypt "$PW" ;;
	ssha) ssha ;;
	argon2p4)
		printf '%s' "$PW" | argon2 "$(head -c 12 /dev/urandom |
		    base64 | tr -d '/+=')" -id -t 2 -k 8192 -p 4 -e ;;
	esac
}
FORMATS="bcrypt5 bcrypt10 apr1 sha1 sha256 sha512 sha512r yescrypt md5 md5mk ssha argon2p4"

{
	for f in $FORMATS; do
		h=$(make_hash "$f")
		[ -n "$h" ] || bail "no $f hash: $(make_hash "$f" 2>&1)"
		printf '[user:%s]\npassword = %s\n\n' "$f" "$h"
	done
} >"$USERS"
chmod 600 "$USERS"

write_conf() {
	{
		conf_base throttle.max_failures=1000000 "$@"
		printf '\n[rule:site]\npath = /\naccess = authenticated\n'
	} >"$CONF"
}

# ask USER PASSWORD: one request; ST and REASON from its decision line.
ask() {
	before=$(ndecisions)
	"$CLIENT" -r authorizer -t 60 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/page REMOTE_ADDR=127.0.0.1 \
	    "HTTP_AUTHORIZATION=$(basic_auth "$1" "$2")" >"$T/out" 2>"$T/err"
	dec_wait "$before"
	ST=$(dec status)
	REASON=$(dec reason)
}

# loads_not WHAT LINE TEXT: fcgi-authzd -t on $CONF fails, naming
# users.ini:LINE and TEXT.
loads_not() {
	if "$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>&1; then
		fail "$1: fcgi-authzd -t accepted it"
	elif ! grep -F "users.ini:$2: " "$T/t.out" | grep -F -q "$3"; then
		fail "$1: no \"users.ini:$2: ... $3\" in: $(cat "$T/t.out")"
	fi
}

write_conf
begin "fcgi-authzd -t loads a users file with every format"
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>&1 ||
    fail "refused: $(cat "$T/t.out")"
end

daemon_start
guard_start
for f in $FORMATS; do
	begin "$f: the right password gets 200, twice (the second from the cache); a wrong one 401"
	for want in miss hit; do
		ask "$f" "$PW"
		[ "$ST" = 200 ] && [ "$REASON" = ok ] &&
		    [ "$(dec cache)" = "$want" ] ||
		    fail "right password, cache=$want expected: $DEC"
	done
	ask "$f" "$WRONG"
	[ "$ST" = 401 ] && [ "$REASON" = bad_password ] ||
	    fail "wrong password: $ST $REASON"
	ask "$f" ""
	[ "$ST" = 401 ] || fail "empty password: $ST $REASON"
	end
done

begin "a password with a NUL byte never matches a crypt(3) or htpasswd hash"
for f in apr1 bcrypt5 sha512 ssha; do
	before=$(ndecisions)
	auth=$(printf '%s:%s\000x' "$f" "$PW" | base64 | tr -d '\n')
	"$CLIENT" -r authorizer -t 60 "$ADDR" REQUEST_METHOD=GET \
	    REQUEST_URI=/page REMOTE_ADDR=127.0.0.1 \
	    "HTTP_AUTHORIZATION=Basic $auth" >"$T/out" 2>&1
	dec_wait "$before"
	[ "$(dec status)" = 401 ] || fail "$f: $DEC"
done
end

begin "no password or hash in the log"
for f in $FORMATS; do
	h=$(sed -n "/^\[user:$f\]/{n;s/^password = //p;}" "$USERS")
	grep -F -q -- "$h" "$T/log" && fail "$f's hash is in the log"
done
grep -F -q -- "$PW" "$T/log" && fail "the password is in the log"
end
kill "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null

# ---- refused at load --------------------------------------------------------

cp "$USERS" "$T/users.good"
refuse_line() {	# WHAT HASH TEXT: a users file whose line 2 is HASH
	printf '[user:bad]\npassword = %s\n' "$2" >"$USERS"
	loads_not "$1" 2 "$3"
}

begin "DES crypt (htpasswd -d) is refused, naming the line"
refuse_line DES "$(htp -d 2>/dev/null)" "DES crypt"
end

begin "a plaintext password (htpasswd -p) is refused, naming the line"
refuse_line plaintext "$(htp -p 2>/dev/null)" "plaintext"
end

begin "a locked account from /etc/shadow (!, *) is refused"
refuse_line "locked !" "!$(mkpasswd -m sha-512 "$PW")" "locked account"
refuse_line "locked *" "*" "locked account"
end

begin "bcrypt above max_bcrypt_cost is refused; raising the cap accepts it"
printf '[user:bad]\npassword = %s\n' "$(htp -B -C 6)" >"$USERS"
write_conf hashing.max_bcrypt_cost=5
loads_not "cost 6 over 5" 2 "max_bcrypt_cost (5)"
write_conf hashing.max_bcrypt_cost=6
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>&1 ||
    fail "cost 6 under a cap of 6: $(cat "$T/t.out")"
end

begin "sha-crypt above max_sha_crypt_rounds is refused"
printf '[user:bad]\npassword = %s\n' \
    "$(mkpasswd -m sha-512 -R 20000 "$PW")" >"$USERS"
write_conf hashing.max_sha_crypt_rounds=10000
loads_not "20000 rounds over 10000" 2 "max_sha_crypt_rounds (10000)"
end

begin "legacy = refuse: every imported format is refused, each line named"
cp "$T/users.good" "$USERS"
write_conf hashing.legacy=refuse
"$AUTHZD" -t -c "$CONF" >"$T/t.out" 2>&1 && fail "accepted"
line=2
for f in $FORMATS; do
	case $f in
	argon2p4) grep -F -q "users.ini:$line: " "$T/t.out" &&
	    fail "argon2id refused: $(grep -F "users.ini:$line: " "$T/t.out")" ;;
	*) grep -F "users.ini:$line: " "$T/t.out" | grep -F -q "legacy = refuse" ||
	    fail "$f (line $line) not refused: $(cat "$T/t.out")" ;;
	esac
	line=$((line + 3))
done
end

finish
