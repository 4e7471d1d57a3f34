#!/bin/sh
# tests/package.sh: the Debian package (debian/), built from the release
# tarball as a packager would build it.
#  - dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=nocheck: scripts/test
#    has run the suite) builds fcgi-authz and its -dbgsym;
#  - lintian reports no error and no warning;
#  - the package holds the files debian/ promises, in their places.
# With FCGI_AUTHZ_TEST_INSTALL=1 only, since it changes the machine
# (installs, removes and purges the package; starts Apache and lighttpd
# on port 80):
#  - the autopkgtest smoke test (debian/tests) under "autopkgtest -- null";
#  - install, upgrade to a rebuild with a higher version, remove, purge:
#    the users file and an edited fcgi-authz.ini survive each step but
#    the purge; on remove the Apache conf and the lighttpd module are
#    disabled; after the purge no link in conf-enabled dangles.
# Without it, those parts are skipped, and said to be.
#
#	tests/package.sh TARBALL
# Prints "ok"/"not ok" lines and "N passed, M failed"; exits 1 on a failure.
set -u

TARBALL=${1:?usage: tests/package.sh fcgi-authz-VERSION.tar.gz}
TARBALL=$(cd "$(dirname "$TARBALL")" && pwd)/$(basename "$TARBALL")
W=$(mktemp -d "${TMPDIR:-/tmp}/fcgi-authz-package.XXXXXX")
passed=0
failed=0
skipped=0
KEEP=${E2E_KEEP:-}

ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); }
skip() { echo "ok - # SKIP $*"; skipped=$((skipped + 1)); }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$2', not '$1')"; fi
}
finish() {
	[ -n "$KEEP" ] || rm -rf "$W"
	echo "$passed passed, $failed failed ($skipped skipped)"
	[ "$failed" -eq 0 ]
	exit
}
bail() {
	not_ok "$*"
	finish
}

# ---- build -----------------------------------------------------------------

# build DIR [VERSION]: the binary packages from the tarball unpacked in
# DIR, as VERSION (a changelog entry above the others) when given; the
# .deb files land in DIR.
build() {
	mkdir -p "$1" && tar -xzf "$TARBALL" -C "$1" || return 1
	src=$(ls -d "$1"/fcgi-authz-*/)
	if [ -n "${2:-}" ]; then
		{
			printf 'fcgi-authz (%s) unstable; urgency=medium\n\n' "$2"
			printf '  * A rebuild for the upgrade test.\n\n'
			printf ' -- fcgi-authz developers <fcgi-authz@lists.example.org>  %s\n\n' "$(date -R)"
			cat "$src/debian/changelog"
		} >"$1/changelog" && mv "$1/changelog" "$src/debian/changelog"
	fi
	(cd "$src" &&
	    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage \
	    -us -uc -b >"$1/build.log" 2>&1)
}

build "$W/a" || { tail -n 40 "$W/a/build.log"; bail "dpkg-buildpackage failed"; }
DEB=$(ls "$W"/a/fcgi-authz_*_*.deb 2>/dev/null | head -n 1)
VERSION=$(dpkg-deb -f "$DEB" Version)
check "dpkg-buildpackage -us -uc -b: fcgi-authz $VERSION" [ -s "$DEB" ]
check "... and fcgi-authz-dbgsym" \
    sh -c "ls '$W'/a/fcgi-authz-dbgsym_*.deb >/dev/null 2>&1"

# lintian: no E: and no W: line (I: and N: are information).
lintian --info "$W"/a/fcgi-authz_*.changes >"$W/lintian.out" 2>&1
grep -E '^[EW]: ' "$W/lintian.out" >"$W/lintian.bad"
if [ -s "$W/lintian.bad" ]; then
	not_ok "lintian: $(wc -l <"$W/lintian.bad") errors and warnings: $(head -n 5 "$W/lintian.bad" | tr '\n' '|')"
else
	ok "lintian: no error, no warning ($(grep -c '^I: ' "$W/lintian.out") I: lines)"
fi

dpkg-deb -c "$DEB" | awk '{ print $1, $2, $6 }' >"$W/contents"
# has PATH [MODE]: the package holds PATH (with that mode string).
has() {
	grep -q " \./${1#/}\$" "$W/contents" &&
	    { [ -z "${2:-}" ] || grep -q "^$2 .* \./${1#/}\$" "$W/contents"; }
}
for f in /usr/sbin/fcgi-authzd /usr/bin/fcgi-authz \
    /etc/fcgi-authz/fcgi-authz.ini \
    /lib/systemd/system/fcgi-authzd.service \
    /lib/systemd/system/fcgi-authzd.socket \
    /usr/lib/sysusers.d/fcgi-authz.conf \
    /etc/apache2/conf-available/fcgi-authz.conf \
    /etc/lighttpd/conf-available/05-fcgi-authz.conf \
    /etc/nginx/snippets/fcgi-authz.conf \
    /etc/fail2ban/filter.d/fcgi-authz.conf \
    /etc/fail2ban/jail.d/fcgi-authz.conf \
    /usr/share/man/man8/fcgi-authzd.8.gz \
    /usr/share/man/man5/fcgi-authz.ini.5.gz \
    /usr/share/man/man1/fcgi-authz.1.gz \
    /usr/share/doc/fcgi-authz/examples/apache/fcgi-authz-authnz.conf \
    /usr/share/doc/fcgi-authz/examples/caddy/fcgi-authz.caddy; do
	check "the package holds $f" has "$f"
done
check "users.ini is not in the package (the postinst makes it)" \
    sh -c "! grep -q 'etc/fcgi-authz/users.ini\$' '$W/contents'"
dpkg-deb -e "$DEB" "$W/control"
check "fcgi-authz.ini is a conffile, and so are the web servers' files" \
    sh -c "grep -qx /etc/fcgi-authz/fcgi-authz.ini '$W/control/conffiles' &&
	grep -qx /etc/apache2/conf-available/fcgi-authz.conf '$W/control/conffiles' &&
	grep -qx /etc/lighttpd/conf-available/05-fcgi-authz.conf '$W/control/conffiles'"
dpkg-deb -x "$DEB" "$W/root"
check "the packaged jail is not enabled" \
    grep -qx 'enabled = false' "$W/root/etc/fail2ban/jail.d/fcgi-authz.conf"
# Apache asks where the socket unit listens.
tcp=$(sed -n 's/^ListenStream=\([^/].*\)$/\1/p' \
    "$W/root/lib/systemd/system/fcgi-authzd.socket")
check "the Apache conf asks fcgi://$tcp/, where fcgi-authzd.socket listens" \
    grep -q "^AuthnzFcgiDefineProvider authnz fcgi-authz fcgi://$tcp/\$" \
    "$W/root/etc/apache2/conf-available/fcgi-authz.conf"
check "the lighttpd module and the nginx snippet name the socket unit's unix socket" \
    sh -c "sock=\$(sed -n 's|^ListenStream=\\(/.*\\)\$|\\1|p' '$W/root/lib/systemd/system/fcgi-authzd.socket') &&
	grep -q \"\$sock\" '$W/root/etc/lighttpd/conf-available/05-fcgi-authz.conf' &&
	grep -q \"unix:\$sock;\" '$W/root/etc/nginx/snippets/fcgi-authz.conf'"

if [ "${FCGI_AUTHZ_TEST_INSTALL:-}" != 1 ]; then
	skip "install, autopkgtest smoke, upgrade, remove, purge: set FCGI_AUTHZ_TEST_INSTALL=1 to let this test change the machine"
	finish
fi

# ---- the smoke test, under autopkgtest --------------------------------------

dpkg --purge fcgi-authz >/dev/null 2>&1
SRC=$(ls -d "$W"/a/fcgi-authz-*/)
# The null runner cannot revert the machine, so autopkgtest skips a
# breaks-testbed test unless told: FCGI_AUTHZ_TEST_INSTALL=1 says that
# this machine may be changed.
autopkgtest --ignore-restrictions=breaks-testbed "$DEB" "$SRC" -- null \
    >"$W/autopkgtest.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^smoke  *PASS' "$W/autopkgtest.log"; then
	ok "autopkgtest -- null: smoke PASS ($(grep -c '^ok - ' "$W/autopkgtest.log") checks)"
else
	grep -E '^(not ok|smoke )' "$W/autopkgtest.log"
	tail -n 30 "$W/autopkgtest.log"
	not_ok "autopkgtest -- null: exit $rc"
fi

# ---- install, upgrade, remove, purge ----------------------------------------

# A rebuild with a higher version, for the upgrade.
build "$W/b" "$VERSION+upgrade1" ||
    { tail -n 40 "$W/b/build.log"; bail "the rebuild as $VERSION+upgrade1 failed"; }
DEB2=$(ls "$W"/b/fcgi-authz_*+upgrade1_*.deb)

dpkg --purge fcgi-authz >/dev/null 2>&1
apt-get install -y -q "$DEB" >"$W/install.log" 2>&1
is "install ok installed $VERSION" \
    "$(dpkg-query -W -f='${Status} ${Version}' fcgi-authz 2>/dev/null)" \
    "apt-get install ./fcgi-authz_${VERSION}_*.deb"
check "the fcgi-authz user and group exist" \
    sh -c 'getent passwd fcgi-authz >/dev/null && getent group fcgi-authz >/dev/null'
is "640 root:fcgi-authz" "$(stat -c '%a %U:%G' /etc/fcgi-authz/users.ini)" \
    "users.ini made by the postinst: 0640 root:fcgi-authz"
is 0 "$(grep -c '^\[user:' /etc/fcgi-authz/users.ini)" "... with no users"
is "640 root:fcgi-authz" "$(stat -c '%a %U:%G' /etc/fcgi-authz/fcgi-authz.ini)" \
    "fcgi-authz.ini: 0640 root:fcgi-authz"
check "the Apache conf is installed, not enabled" \
    sh -c '[ -f /etc/apache2/conf-available/fcgi-authz.conf ] &&
	[ ! -e /etc/apache2/conf-enabled/fcgi-authz.conf ]'
check "fcgi-authzd -t passes" fcgi-authzd -t -c /etc/fcgi-authz/fcgi-authz.ini

# The administrator's changes.
printf 'bob-pw\n' | fcgi-authz user add bob --password-stdin >/dev/null 2>&1
echo "; edited by the administrator" >>/etc/fcgi-authz/fcgi-authz.ini
a2enmod -q authnz_fcgi >/dev/null
a2enconf -q fcgi-authz >/dev/null
lighty-enable-mod fcgi-authz >/dev/null 2>&1
check "a2enconf fcgi-authz and lighty-enable-mod fcgi-authz" \
    sh -c '[ -L /etc/apache2/conf-enabled/fcgi-authz.conf ] &&
	[ -L /etc/lighttpd/conf-enabled/05-fcgi-authz.conf ]'

# kept STEP: the users file and the edited config are still there.
kept() {
	check "$1: users.ini still has bob" \
	    grep -q '^\[user:bob\]' /etc/fcgi-authz/users.ini
	check "$1: the edited fcgi-authz.ini is kept" \
	    grep -q '^; edited by the administrator' /etc/fcgi-authz/fcgi-authz.ini
}

apt-get install -y -q "$DEB2" >"$W/upgrade.log" 2>&1
is "install ok installed $VERSION+upgrade1" \
    "$(dpkg-query -W -f='${Status} ${Version}' fcgi-authz 2>/dev/null)" \
    "upgrade to $VERSION+upgrade1"
kept upgrade
is "640 root:fcgi-authz" "$(stat -c '%a %U:%G' /etc/fcgi-authz/users.ini)" \
    "upgrade: users.ini still 0640 root:fcgi-authz"
check "upgrade: the Apache conf and the lighttpd module stay enabled" \
    sh -c '[ -L /etc/apache2/conf-enabled/fcgi-authz.conf ] &&
	[ -L /etc/lighttpd/conf-enabled/05-fcgi-authz.conf ]'

apt-get remove -y -q fcgi-authz >"$W/remove.log" 2>&1
is "deinstall ok config-files" \
    "$(dpkg-query -W -f='${Status}' fcgi-authz 2>/dev/null)" "remove"
kept remove
check "remove: the daemon is gone" [ ! -e /usr/sbin/fcgi-authzd ]
check "remove: the Apache conf is disabled" \
    sh -c '[ ! -e /etc/apache2/conf-enabled/fcgi-authz.conf ] &&
	[ ! -L /etc/apache2/conf-enabled/fcgi-authz.conf ]'
check "remove: the lighttpd module is disabled" \
    [ ! -L /etc/lighttpd/conf-enabled/05-fcgi-authz.conf ]

# Enabled again after the remove (the conffiles are still there), then
# purged: the links must not be left pointing at nothing.
a2enconf -q fcgi-authz >/dev/null 2>&1
ln -s ../conf-available/05-fcgi-authz.conf \
    /etc/lighttpd/conf-enabled/05-fcgi-authz.conf 2>/dev/null
dpkg --purge fcgi-authz >"$W/purge.log" 2>&1
is "" "$(dpkg-query -W -f='${Status}' fcgi-authz 2>/dev/null)" "purge"
check "purge: /etc/fcgi-authz is gone, users.ini with it" \
    [ ! -e /etc/fcgi-authz ]
dangling=$(find /etc/apache2/conf-enabled /etc/lighttpd/conf-enabled \
    -xtype l 2>/dev/null)
is "" "$dangling" "purge: no dangling link in conf-enabled"
check "purge: the web servers' conffiles are gone" \
    sh -c '[ ! -e /etc/apache2/conf-available/fcgi-authz.conf ] &&
	[ ! -e /etc/lighttpd/conf-available/05-fcgi-authz.conf ] &&
	[ ! -e /etc/nginx/snippets/fcgi-authz.conf ]'

finish
