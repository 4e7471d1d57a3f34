#!/bin/sh
# make-known.sh: writes known.txt, the password hashes check_hashfmt
# verifies, each made by the tool that writes that format in the field:
#	sh tests/data/hashes/make-known.sh > tests/data/hashes/known.txt
# The tests never run this; it documents how each line was made, and
# makes new ones (salts are random, so every run gives other hashes).
#
# Tools (Debian 12): apache2-utils (htpasswd), whois (mkpasswd, which is
# libxcrypt's crypt_gensalt and crypt), openssl, argon2 (the reference
# implementation's command), perl (its crypt() is libxcrypt's), python3
# (hashlib, for {SSHA}, which nginx reads and OpenLDAP's slappasswd
# writes).
#
# A line is PASSWORD TAB HASH TAB KIND TAB EXPECT.  KIND is what
# hashfmt_name() says.  EXPECT lists NAME=VALUE words, from the options
# given to the tool and not from the hash: memory (bytes), passes,
# parallel, cost (bcrypt), rounds (sha-crypt), which are all 0 when not
# listed, and weak and legacy (0 or 1), which are always listed.
#
# The hashes' "$" are literal, hence the single quotes.
# shellcheck disable=SC2016
set -eu

die() {
	echo "make-known.sh: $*" >&2
	exit 1
}

# line PASSWORD HASH KIND EXPECT PREFIX: one line, after checking that
# the tool wrote what its options asked for (HASH begins with PREFIX).
line() {
	case $2 in
	"$5"*) ;;
	*) die "$3: \"$2\" does not begin with \"$5\"" ;;
	esac
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"
}

# htpasswd -nb prints "user:hash" and a blank line.
htpasswd_hash() {
	htpasswd -nb "$@" u "$pw" | sed -n 's/^u://p'
}

argon2_hash() {
	printf '%s' "$pw" | argon2 "$(openssl rand -hex 8)" "$@" -e
}

# {SSHA}: base64(SHA-1(password salt) salt), with a salt of $1 bytes.
ssha_hash() {
	PW=$pw python3 -c '
import base64, hashlib, os, sys
pw = os.environ["PW"].encode()
salt = os.urandom(int(sys.argv[1]))
print("{SSHA}" + base64.b64encode(hashlib.sha1(pw + salt).digest() +
    salt).decode())' "$1"
}

MIB=1048576

cat <<'EOF'
# Made by tests/data/hashes/make-known.sh, which says how; read by
# tests/check_hashfmt.c.  PASSWORD TAB HASH TAB KIND TAB EXPECT.
EOF

# argon2: the reference command, with p > 1 (libsodium makes p=1 only)
# and, in the last line, a 16-byte hash where libsodium writes 32.
pw='s3cret'
line "$pw" "$(argon2_hash -id -t 3 -k 65536 -p 4)" argon2id \
    "memory=$((64 * MIB)) passes=3 parallel=4 weak=0 legacy=0" \
    '$argon2id$v=19$m=65536,t=3,p=4$'
pw='correct horse battery staple'
line "$pw" "$(argon2_hash -i -t 3 -k 16384 -p 2)" argon2i \
    "memory=$((16 * MIB)) passes=3 parallel=2 weak=0 legacy=0" \
    '$argon2i$v=19$m=16384,t=3,p=2$'
pw='pässwörd'
line "$pw" "$(argon2_hash -id -t 1 -k 8192 -p 1 -l 16)" argon2id \
    "memory=$((8 * MIB)) passes=1 parallel=1 weak=0 legacy=0" \
    '$argon2id$v=19$m=8192,t=1,p=1$'

# scrypt as libxcrypt writes it: -R 6 is N = 2^13, r = 32.
pw='s3cret'
line "$pw" "$(mkpasswd -m scrypt -R 6 "$pw")" scrypt \
    "memory=$((32 * MIB)) passes=8192 parallel=1 weak=0 legacy=0" \
    '$7$BU..../....'

# yescrypt: Debian's default ($y$j9T$: N = 2^12, r = 32, 16 MiB), and
# -R 1 (N = 2^10, r = 8, 1 MiB).
pw='s3cret'
line "$pw" "$(mkpasswd -m yescrypt "$pw")" yescrypt \
    "memory=$((16 * MIB)) parallel=1 weak=0 legacy=1" '$y$j9T$'
pw='correct horse battery staple'
line "$pw" "$(mkpasswd -m yescrypt -R 1 "$pw")" yescrypt \
    "memory=$((1 * MIB)) parallel=1 weak=0 legacy=1" '$y$j75$'

# yescrypt with p and t, which no tool's option sets: libxcrypt's own
# crypt(3), through perl, from a setting written here ($y$, flavor j,
# log2 N 12, r 32, then "have" 3 (p and t), p 4, t 2; or "have" 2, t 3)
# and a salt mkpasswd made.
yescrypt_setting() {
	printf '$y$%s$%s' "$1" "$(mkpasswd -m yescrypt x | cut -d'$' -f4)"
}
crypt_hash() {
	perl -e 'print crypt($ARGV[0], $ARGV[1])' "$pw" "$1"
}
pw='s3cret'
line "$pw" "$(crypt_hash "$(yescrypt_setting j9T00/)")" yescrypt \
    "memory=$((16 * MIB)) passes=2 parallel=4 weak=0 legacy=1" '$y$j9T00/$'
pw='pässwörd'
line "$pw" "$(crypt_hash "$(yescrypt_setting j9T/0)")" yescrypt \
    "memory=$((16 * MIB)) passes=3 parallel=1 weak=0 legacy=1" '$y$j9T/0$'

# bcrypt: weak below cost 10.
pw='s3cret'
line "$pw" "$(htpasswd_hash -B -C 4)" bcrypt "cost=4 weak=1 legacy=1" \
    '$2y$04$'
line "$pw" "$(htpasswd_hash -B)" bcrypt "cost=5 weak=1 legacy=1" '$2y$05$'
pw='pässwörd'
line "$pw" "$(mkpasswd -m bcrypt -R 9 "$pw")" bcrypt \
    "cost=9 weak=1 legacy=1" '$2b$09$'
line "$pw" "$(htpasswd_hash -B -C 10)" bcrypt "cost=10 weak=0 legacy=1" \
    '$2y$10$'
pw='correct horse battery staple'
line "$pw" "$(mkpasswd -m bcrypt-a -R 5 "$pw")" bcrypt \
    "cost=5 weak=1 legacy=1" '$2a$05$'

# sha-crypt: 5000 rounds without "rounds=" (crypt(5)); weak below 5000.
pw='s3cret'
line "$pw" "$(mkpasswd -m sha-512 "$pw")" sha512-crypt \
    "rounds=5000 weak=0 legacy=1" '$6$'
line "$pw" "$(htpasswd_hash -5 -r 5000)" sha512-crypt \
    "rounds=5000 weak=0 legacy=1" '$6$rounds=5000$'
line "$pw" "$(mkpasswd -m sha-512 -R 4999 "$pw")" sha512-crypt \
    "rounds=4999 weak=1 legacy=1" '$6$rounds=4999$'
pw='pässwörd'
line "$pw" "$(htpasswd_hash -5 -r 20000)" sha512-crypt \
    "rounds=20000 weak=0 legacy=1" '$6$rounds=20000$'
pw='s3cret'
line "$pw" "$(htpasswd_hash -2)" sha256-crypt \
    "rounds=5000 weak=0 legacy=1" '$5$'
line "$pw" "$(mkpasswd -m sha-256 -R 1000 "$pw")" sha256-crypt \
    "rounds=1000 weak=1 legacy=1" '$5$rounds=1000$'
pw='correct horse battery staple'
line "$pw" "$(mkpasswd -m sha-256 -R 5000 "$pw")" sha256-crypt \
    "rounds=5000 weak=0 legacy=1" '$5$'

# md5-crypt and Apache's variant of it: always weak.
pw='s3cret'
line "$pw" "$(openssl passwd -1 "$pw")" md5-crypt "weak=1 legacy=1" '$1$'
pw='pässwörd'
line "$pw" "$(mkpasswd -m md5crypt "$pw")" md5-crypt "weak=1 legacy=1" '$1$'
pw='s3cret'
line "$pw" "$(htpasswd_hash -m)" apr1 "weak=1 legacy=1" '$apr1$'
pw='correct horse battery staple'
line "$pw" "$(openssl passwd -apr1 "$pw")" apr1 "weak=1 legacy=1" '$apr1$'

# SHA-1, unsalted (htpasswd -s) and salted (8 bytes, and slappasswd's 4).
pw='s3cret'
line "$pw" "$(htpasswd_hash -s)" sha1 "weak=1 legacy=1" '{SHA}'
line "$pw" "$(ssha_hash 8)" ssha "weak=1 legacy=1" '{SSHA}'
pw='pässwörd'
line "$pw" "$(ssha_hash 4)" ssha "weak=1 legacy=1" '{SSHA}'

# Refused: KIND is "refused", EXPECT "why=WORD", a word the refusal must
# contain.  DES crypt keeps 8 characters of a password; plaintext is no
# hash; a "!" or "*" before a shadow hash (usermod -L), or alone, locks
# the account; the others are formats no library here verifies.
pw='s3cret'
line "$pw" "$(htpasswd_hash -d)" refused "why=DES" ''
line "$pw" "$(mkpasswd -m descrypt "$pw")" refused "why=DES" ''
line "$pw" "$(htpasswd_hash -p 2>/dev/null)" refused "why=plaintext" "$pw"
line "$pw" "$(mkpasswd -m bsdicrypt "$pw")" refused "why=BSDi" '_'
line "$pw" "!$(mkpasswd -m yescrypt "$pw")" refused "why=locked" '!$y$'
line "$pw" "*$(mkpasswd -m sha-512 "$pw")" refused "why=locked" '*$6$'
line "$pw" "$(mkpasswd -m gost-yescrypt "$pw")" refused "why=verify" '$gy$'
line "$pw" "$(mkpasswd -m sunmd5 "$pw")" refused "why=verify" '$md5'
line "$pw" "$(mkpasswd -m nt "$pw")" refused "why=verify" '$3$$'
line "$pw" "$(argon2_hash -d -t 1 -k 8192)" refused "why=verify" '$argon2d$'
# argon2's version 0x10 (v=16): libsodium verifies only 0x13 (v=19).
line "$pw" "$(argon2_hash -i -t 1 -k 8192 -v 10)" refused "why=malformed" \
    '$argon2i$v=16$'
