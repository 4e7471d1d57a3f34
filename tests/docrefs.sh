#!/bin/sh
# tests/docrefs.sh: every document the shipped files cite is in the
# tree.  Fails when a file under src/, tests/, scripts/, etc/ or docs/,
# or README.md, Makefile.am or configure.ac
#  - names a *.md file that exists neither relative to the top of the
#    tree, nor to docs/, nor to the citing file's directory;
#  - cites one of the team's working notes that never were part of the
#    tree by its bare name (followed by .md, a section sign, a section or
#    rule number, an "E" item or "notes");
#  - cites an issue of the project's tracker by number (the word, an
#    optional "#", digits): the tracker is not shipped.  An upstream one,
#    "owner/repo" before the word, is fine;
#  - (docs/ only) names a Check case, test_NAME, that no tests/check_*.c
#    defines with START_TEST.
# Cite docs/*.md, an RFC or a man page instead.
#
# A self-check first feeds known-bad and known-good lines through the
# same matchers, so that a matcher that can no longer fail fails here.
# The strings this file needs that the matchers would flag are built
# from pieces at run time, since this file is scanned too.
#
# Run by "make check" (automake TESTS) or by hand:
#	top_srcdir=SRC sh tests/docrefs.sh
# Reads the sources only.  POSIX sh.
set -u

. "$(dirname "$0")/testlib.sh"

# ---- the matchers ---------------------------------------------------------

n=notes
r=review
# A team note by name.  The three hyphenated names are always one; the
# short ones only when a document reference follows, so that "s6 style",
# "canon_wire", "design.ini" and "on the wire" pass.  A path before the
# name (docs/...) is left to the *.md check.
TEAM_RE="(^|[^A-Za-z0-9_/.-])((security-$n|structure-$r|ecosystem-$n)\
([^A-Za-z0-9_-]|\$)|(design|wire|style)(\\.md|\
 §| section [0-9]| E[0-9]| [a-d]\\.[0-9]| rule [0-9]| $n|\
 [0-9]+(\\.[0-9]+)*([^A-Za-z0-9.]|\$)))"
# An issue number, and the upstream form that is allowed.
ISSUE_RE='(^|[^A-Za-z0-9_])issues? *#?[0-9]+'
UPSTREAM_RE='[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+ issues? *#?[0-9]+'
# A *.md name: at least one name character before ".md", and not a
# longer word (".mdx").
MD_RE='[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md([^A-Za-z0-9_]|$)'

# team_refs FILE...: "FILE:LINE:TEXT" for each line naming a team note.
team_refs() {
	grep -nHIE -- "$TEAM_RE" "$@"
}

# issue_refs FILE...: "FILE:LINE:TEXT" for each line citing an issue.
issue_refs() {
	grep -nHIiE -- "$ISSUE_RE" "$@" | sed -E "s,$UPSTREAM_RE,,Ig" |
	    grep -iE -- "$ISSUE_RE"
}

# md_missing FILE...: "FILE:LINE: NAME" for each *.md name that is not
# in the tree.  A name inside a URL (after "//") is someone else's; an
# absolute path is an installed copy (fcgi-authzd(8) names the servers
# page under /usr/share/doc/fcgi-authz), so its last part must be in
# docs/.
md_missing() {
	grep -nHIoE -- "$MD_RE" "$@" | while IFS= read -r hit; do
		where=${hit%%:*}
		rest=${hit#*:}
		line=${rest%%:*}
		name=${rest#*:}
		name=$(printf '%s\n' "$name" | sed -E 's/[^A-Za-z0-9_]$//')
		case $name in
		//*) continue ;;
		esac
		name=${name#./}
		case $name in
		/*) name=docs/${name##*/} ;;
		esac
		if [ -f "$top_srcdir/$name" ] ||
		    [ -f "$top_srcdir/docs/$name" ] ||
		    [ -f "$(dirname "$where")/$name" ]; then
			continue
		fi
		printf '%s:%s: %s\n' "$where" "$line" "$name"
	done
}

# cases_missing FILE...: "FILE:LINE: NAME" for each test_NAME that no
# Check suite defines.
cases_missing() {
	grep -nHoE -- '(^|[^A-Za-z0-9_])test_[a-z0-9_]+' "$@" |
	    while IFS= read -r hit; do
		where=${hit%%:*}
		rest=${hit#*:}
		line=${rest%%:*}
		name=${rest#*:}
		name=${name#"${name%%test_*}"}
		grep -q "^START_TEST($name)" "$top_srcdir"/tests/check_*.c ||
		    printf '%s:%s: %s\n' "$where" "$line" "$name"
	done
}

# ---- self-check -----------------------------------------------------------

m=md
iss=issue
st=style
w=wire
SELF=$(mktemp "${TMPDIR:-/tmp}/fcgi-authz-docrefs.XXXXXX") ||
    bail "mktemp failed"
trap 'rm -f "$SELF"; cleanup' EXIT

# selfcheck MATCHER WANT LINE: the matcher on a file holding LINE flags
# it (WANT 1) or not (WANT 0).
selfcheck() {
	printf '%s\n' "$3" > "$SELF"
	got=0
	[ -z "$($1 "$SELF")" ] || got=1
	[ "$got" -eq "$2" ] ||
	    fail "$1 $([ "$2" -eq 1 ] && echo missed || echo flagged): $3"
}

begin "self-check: each known-bad line is flagged"
selfcheck team_refs 1 "see design.$m \"How a request is decided\""
selfcheck team_refs 1 "/* wire.$m 1.1: never read FCGI_STDIN */"
selfcheck team_refs 1 "(wire.$m §6)"
selfcheck team_refs 1 "(security-$n E5)"
selfcheck team_refs 1 "security-$n.$m, E10"
selfcheck team_refs 1 "# structure-$r"
selfcheck team_refs 1 "see ecosystem-$n"
selfcheck team_refs 1 "startup in a fixed order ($st rule 16)"
selfcheck team_refs 1 "($w 5.4)"
selfcheck team_refs 1 "$w §3"
selfcheck team_refs 1 "the design $n say so"
selfcheck issue_refs 1 "reloads under load ($iss 7)."
selfcheck issue_refs 1 "the targets of $iss #5"
selfcheck issue_refs 1 "I${iss#i}s 12 and 13"
selfcheck md_missing 1 "see docs/no-such-document.$m, lighttpd"
selfcheck md_missing 1 "[x](no-such-page.$m#anchor)"
selfcheck md_missing 1 "/usr/share/doc/fcgi-authz/no-such-page.$m"
selfcheck cases_missing 1 "Tests: \`check_authz.c: test_no_such_case\`"
end

begin "self-check: each known-good line passes"
selfcheck team_refs 0 "Exit codes (s6 style, also in usage())"
selfcheck team_refs 0 "-Wold-style-definition -Wpointer-arith"
selfcheck team_refs 0 "tests/data/conf/design.ini \\"
selfcheck team_refs 0 "START_TEST(test_conf_design)"
selfcheck team_refs 0 "static const struct canon_case canon_wire[] = {"
selfcheck team_refs 0 "bytes of a user-id accepted on the wire"
selfcheck team_refs 0 "the -t style: no checker, no cache"
selfcheck issue_refs 0 "nginx copies one WWW-Authenticate (nginx/nginx $iss #715)"
selfcheck issue_refs 0 "a known issue with 2 servers"
selfcheck md_missing 0 "see docs/servers.$m, lighttpd, and README.$m"
selfcheck md_missing 0 "[threats](security.$m#hostile-fastcgi-input)"
selfcheck md_missing 0 "https://example.org/elsewhere.$m"
selfcheck md_missing 0 ".I /usr/share/doc/fcgi-authz/servers.$m"
selfcheck cases_missing 0 "Tests: \`check_authz.c: test_authz_allow\`"
end

# ---- the tree -------------------------------------------------------------

# What is shipped and cites: sources, tests, scripts, examples, man pages,
# docs.  Build products of an in-tree build and the test logs are not.
FILES=$(
	for f in README.md Makefile.am configure.ac; do
		echo "$top_srcdir/$f"
	done
	find "$top_srcdir/src" "$top_srcdir/tests" "$top_srcdir/scripts" \
	    "$top_srcdir/etc" "$top_srcdir/docs" -type f \
	    ! -name '*.o' ! -name '*.a' ! -name '*.log' ! -name '*.trs' \
	    ! -name 'Makefile' ! -name 'Makefile.in' ! -name '.dirstamp' \
	    ! -path '*/.deps/*' | LC_ALL=C sort
)
nfiles=$(printf '%s\n' "$FILES" | grep -c .)
[ "$nfiles" -gt 100 ] || bail "only $nfiles files under $top_srcdir"
[ -d "$top_srcdir/docs" ] || bail "no docs/ under $top_srcdir"
note "$nfiles files"

# report OUTPUT: each line a failure, the path from the top of the tree
# (one line cut at 200 characters).
report() {
	[ -z "$1" ] && return
	ERRS="$ERRS$(printf '%s\n' "$1" | sed "s|^$top_srcdir/||" | cut -c1-200)$NL"
}

# shellcheck disable=SC2086 # FILES: one path a line, no spaces
begin "every *.md document named is in the tree"
report "$(md_missing $FILES)"
end

# shellcheck disable=SC2086
begin "no team note cited by name (cite docs/, an RFC or a man page)"
report "$(team_refs $FILES)"
end

# shellcheck disable=SC2086
begin "no issue number cited"
report "$(issue_refs $FILES)"
end

begin "every Check case docs/ names is defined"
report "$(cases_missing "$top_srcdir"/docs/*.md)"
end

finish
