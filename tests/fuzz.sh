#!/bin/sh
#
# fuzz.sh: every fuzz target's seed corpus (tests/fuzz/corpus/TARGET/) and
# regression inputs (tests/fuzz/regress/TARGET/, one file per past crash)
# through the target's own LLVMFuzzerTestOneInput, without libFuzzer:
# tests/fuzz/replay-TARGET (tests/fuzz/standalone.c) runs each input in a
# child process and checks the target's properties, in whatever build
# this is (gcc, ASan+UBSan, or the clang fuzz build).
#
# Run by "make check" (automake TESTS) or by hand:
#	top_builddir=BUILD top_srcdir=SRC sh tests/fuzz.sh
# Reads the sources only; the conf and users targets write their inputs
# in a mktemp directory of their own.
# Exit: 0 all passed, 1 an input failed, 99 broken setup.

set -u

top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-${TEST_SRCDIR:-.}}
FUZZ_SRC=$top_srcdir/tests/fuzz
TARGETS="canon conf facts fcgiscan fwdauth hashfmt httpauth users"

passed=0
failed=0
for t in $TARGETS; do
	replay=$top_builddir/tests/fuzz/replay-$t
	if [ ! -x "$replay" ]; then
		echo "Bail out! $replay is missing (build it first)"
		exit 99
	fi
	if [ ! -d "$FUZZ_SRC/corpus/$t" ]; then
		echo "Bail out! no seed corpus $FUZZ_SRC/corpus/$t"
		exit 99
	fi
	echo "# $t"
	out=$("$replay" "$FUZZ_SRC/corpus/$t" "$FUZZ_SRC/regress/$t" 2>&1)
	printf '%s\n' "$out" | sed '$d'
	# Its last line: "N passed, M failed".
	set -- $(printf '%s\n' "$out" | tail -n 1)
	if [ $# -ne 4 ] || [ "$2" != passed, ]; then
		echo "not ok - $t: the replay did not finish"
		failed=$((failed + 1))
		continue
	fi
	echo "# $t: $1 passed, $3 failed"
	if [ "$1" -eq 0 ]; then
		echo "not ok - $t: no input passed"
		failed=$((failed + 1))
	fi
	passed=$((passed + $1))
	failed=$((failed + $3))
done

echo "$passed passed, $failed failed"
# As tests/testlib.sh does: the counts for scripts/test's tally.
if [ -n "${FCGI_AUTHZ_TALLY:-}" ]; then
	echo "fuzz.sh $passed $failed" >> "$FCGI_AUTHZ_TALLY"
fi
[ "$failed" -eq 0 ] || exit 1
exit 0
