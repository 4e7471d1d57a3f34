#!/bin/sh
# tests/layers.sh: the source tree keeps its layers (docs/architecture.md).
#  - src/*.[ch] is the library, libauthz.  It includes no header of
#    src/daemon/ or src/cli/: the library knows neither program.
#  - src/daemon/ and src/cli/ include each other's headers not at all.
#  - Each third-party header stays behind the one module that owns it:
#    <fcgiapp.h> (libfcgi) in src/daemon/server.c, <ini.h> (inih) in
#    src/inifile.c, <crypt.h> (libcrypt) and <apr_*.h> (libaprutil) in
#    src/hashfmt.c, <microhttpd.h> (libmicrohttpd) in
#    src/daemon/httpfront.c.
#  - No include cycle between modules.  A module is a NAME.c and its
#    NAME.h; "a.c or a.h includes b.h" is an edge a -> b, and tsort(1)
#    finds any loop.
#
# A self-check first runs the same checks over copies of the tree with
# one violation each, so that a check that can no longer fail fails here.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_srcdir=SRC sh tests/layers.sh
# Reads the sources only.  POSIX sh.
set -u

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-${TEST_SRCDIR:-.}}
. "$(dirname "$0")/testlib.sh"

# ---- the checks; each prints one line per violation -----------------------

# quoted_includes FILE...: "FILE NAME.h" for each #include "NAME.h".
quoted_includes() {
	for f in "$@"; do
		sed -n 's/^[ 	]*#[ 	]*include[ 	]*"\([^"]*\)".*/\1/p' "$f" |
		    sed "s,^,$f ,"
	done
}

# headers_in DIR: the names of the headers DIR holds, one per line.
headers_in() {
	for h in "$1"/*.h; do
		[ -e "$h" ] && basename "$h"
	done
}

# crossing FROMFILES -- DIR: "FILE includes NAME.h of DIR" for each file
# that includes a header that lives in DIR.
crossing() {
	files=
	while [ "$1" != -- ]; do
		files="$files $1"
		shift
	done
	dir=$2
	# shellcheck disable=SC2086
	quoted_includes $files | while read -r f h; do
		[ -e "$dir/$h" ] && echo "$f includes $h of ${dir##*/}/"
	done
	return 0
}

# owned HEADER OWNER SRC: each file under SRC but OWNER that includes
# <HEADER>.
owned() {
	grep -lE "^[ 	]*#[ 	]*include[ 	]*<$1>" \
	    "$3"/*.[ch] "$3"/*/*.[ch] 2>/dev/null |
	    while read -r f; do
		[ "$f" = "$3/$2" ] || echo "$f includes <$1>, which only $2 may"
	done
	return 0
}

# include_loops SRC: tsort's account of any loop among SRC's modules.
include_loops() {
	# shellcheck disable=SC2046
	quoted_includes $(ls "$1"/*.[ch] "$1"/*/*.[ch] 2>/dev/null) |
	    while read -r f h; do
		from=$(basename "$f"); from=${from%.*}
		to=${h%.h}
		[ "$to" = config ] || [ "$to" = "$from" ] || echo "$from $to"
	done | tsort 2>&1 >/dev/null
	return 0
}

# violations SRC: everything wrong with the tree at SRC.
violations() {
	lib=$(ls "$1"/*.[ch])
	daemon=$(ls "$1"/daemon/*.[ch])
	cli=$(ls "$1"/cli/*.[ch])
	# shellcheck disable=SC2086
	{
		crossing $lib -- "$1/daemon"
		crossing $lib -- "$1/cli"
		crossing $daemon -- "$1/cli"
		crossing $cli -- "$1/daemon"
		owned fcgiapp.h daemon/server.c "$1"
		owned fcgi_stdio.h daemon/server.c "$1"
		owned ini.h inifile.c "$1"
		owned crypt.h hashfmt.c "$1"
		owned 'apr_[a-z0-9_]*\.h' hashfmt.c "$1"
		owned microhttpd.h daemon/httpfront.c "$1"
		include_loops "$1"
	}
}

# ---- self-check: one planted violation each must be found -----------------

tmpdir_make layers
src=$top_srcdir/src
[ -d "$src/daemon" ] && [ -d "$src/cli" ] || bail "no $src/daemon or $src/cli"

# planted NAME FILE LINE: a copy of the tree with LINE added to FILE.
planted() {
	rm -rf "$T/$1"
	cp -R "$src" "$T/$1"
	printf '%s\n' "$2" >> "$T/$1/$3"
}

begin "self-check: a library file including a daemon header is found"
planted lib-daemon '#include "server.h"' canon.c
violations "$T/lib-daemon" | grep -q 'canon.c includes server.h of daemon/' ||
    fail "not found"
end

begin "self-check: a library header including a CLI header is found"
planted lib-cli '#include "ctl.h"' errlist.h
violations "$T/lib-cli" | grep -q 'errlist.h includes ctl.h of cli/' ||
    fail "not found"
end

begin "self-check: the CLI including a daemon header is found"
planted cli-daemon '#include "server.h"' cli/ctl_view.c
violations "$T/cli-daemon" | grep -q 'ctl_view.c includes server.h' ||
    fail "not found"
end

begin "self-check: <fcgiapp.h> outside server.c is found"
planted fcgi '#include <fcgiapp.h>' facts.c
violations "$T/fcgi" | grep -q 'facts.c includes <fcgiapp.h>' ||
    fail "not found"
end

begin "self-check: <ini.h> outside inifile.c is found"
planted ini '#include <ini.h>' users.c
violations "$T/ini" | grep -q 'users.c includes <ini.h>' ||
    fail "not found"
end

begin "self-check: <crypt.h> and <apr_md5.h> outside hashfmt.c are found"
planted crypt '#include <crypt.h>' pwcheck.c
violations "$T/crypt" | grep -q 'pwcheck.c includes <crypt.h>' ||
    fail "<crypt.h> not found"
planted apr '#include <apr_md5.h>' cli/ctl_hash.c
violations "$T/apr" | grep -q 'ctl_hash.c includes <apr_' ||
    fail "<apr_md5.h> not found"
end

begin "self-check: an include cycle between two library modules is found"
planted loop '#include "users.h"' text.h
violations "$T/loop" | grep -q 'loop' || fail "not found"
end

# ---- the tree itself ----------------------------------------------------

begin "the tree keeps its layers, owned headers and acyclic includes"
out=$(violations "$src")
[ -z "$out" ] || fail "$out"
end

finish
