# tests/servers/apache.sh: what the Apache setups (apache-authnz.sh,
# apache-fcgid.sh) share.  Sourced after common.sh:
#	. "$(dirname "$0")/common.sh"
#	. "$(dirname "$0")/apache.sh"
# The setup script sets $setup (the name of the setup being run) and
# defines apache_conf, which prints Apache's configuration for $port
# (apache_conf_head and apache_conf_site print the parts every setup
# has; apache_modules is launch.sh's).  apache_start sets port, base (the
# URL) and pid.

# apache_need MODULE: skips the test (exit 77) unless apache2 and
# mod_MODULE are installed.
apache_need() {
	command -v apache2 >/dev/null || { echo "# apache2 not installed"; exit 77; }
	[ -f "$APACHE_MODDIR/mod_$1.so" ] ||
	    { echo "# mod_$1 not installed"; exit 77; }
}

# apache_fixture: srv_fixture, then a .htaccess that tries to open /site
# to everybody: the snippet's <Location> is merged after it and must still
# win (its comment says so), which every /site scenario checks.
apache_fixture() {
	srv_fixture
	echo 'Require all granted' > "$SRV_DIR/www/site/.htaccess"
	chmod 644 "$SRV_DIR/www/site/.htaccess"
}

# check NAME WANT GOT: one extra assertion.
check() {
	if [ "$2" = "$3" ]; then
		echo "ok - $setup: $1"
		echo pass >> "$SRV_DIR/tally"
	else
		echo "not ok - $setup: $1: got '$3', expected '$2'"
		echo fail >> "$SRV_DIR/tally"
	fi
}

# get PATH [CURL ARGS...]: "STATUS|body lines joined by ;" of one request.
get() {
	_path=$1
	shift
	_out=$(curl -s -i --path-as-is --max-time 10 "$@" "$base$_path" | tr -d '\r')
	printf '%s|%s\n' \
	    "$(printf '%s\n' "$_out" | sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p')" \
	    "$(printf '%s\n' "$_out" | sed '1,/^$/d' | paste -sd';')"
}

# headers PATH [CURL ARGS...]: the response header lines.
headers() {
	_path=$1
	shift
	curl -s -i --path-as-is --max-time 10 "$@" "$base$_path" | tr -d '\r' |
	    sed '/^$/q'
}

# apache_401_status KIND CRED: expect_status for a setup in which Apache
# answers every refusal of the daemon with its own 401 and carries only
# Basic credentials to it.  "allow" is 200 with Basic credentials; a
# Bearer token cannot be carried at all, "skip" (the token_bad scenario
# shows the 401 it gets); a public path without credentials is 401 too
# (the snippets say how to exempt such paths).  Apache refuses an encoded
# slash itself, with 404, before any authentication (AllowEncodedSlashes
# Off; docs/security.md, Path tricks).
apache_401_status() {
	case $1 in
	allow)
		case $2 in
		bearer:*) echo skip ;;
		-) echo 401 ;;
		*) echo 200 ;;
		esac ;;
	challenge|token_bad|forbidden|dot_forbidden|dot_challenge|throttled)
		echo 401 ;;
	badpath) echo 404 ;;
	esac
}

# apache_conf_head: the start of a minimal self-contained Apache for
# $setup (launch.sh), with an access log, up to the modules.
apache_conf_head() {
	launch_apache_head "$setup"
	cat <<CONF
LogFormat "%h %u \"%r\" %>s" short
CustomLog "$SRV_DIR/logs/apache-$setup-access.log" short

CONF
}

# apache_conf_site: the site, $SRV_DIR/www with its CGIs.
apache_conf_site() {
	cat <<CONF
TypesConfig /etc/mime.types
DocumentRoot "$SRV_DIR/www"
DirectoryIndex index.txt
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$SRV_DIR/www">
    Options +ExecCGI
    AddHandler cgi-script .cgi
    Require all granted
    AllowOverride AuthConfig
</Directory>
CONF
}

# apache_start [ARG]: start_apache (launch.sh) for $setup, with the
# configuration apache_conf ARG prints; "not ok" when Apache refused it
# or did not start.  Sets port, base and pid.
apache_write_conf() {
	apache_conf "$_apache_arg"
}
apache_start() {
	_apache_arg=${1:-}
	start_apache "$setup" apache_write_conf
	case $? in
	0)	on_exit "kill $pid 2>/dev/null"
		return 0 ;;
	1)	srv_report "$setup" "apache2 -t refused the config" \
		    "$(cat "$SRV_DIR/logs/apache-$setup-check.log")" 20 ;;
	*)	srv_report "$setup" "apache2 did not start" "" 0 ;;
	esac
	return 1
}
