#!/bin/bash
# A real browser in front of lighttpd with etc/lighttpd-demo.conf (the
# recipe scripts/demo runs), templated only for paths and the port: two
# users share one Chromium profile, and the second must never get the
# first one's page from the browser's cache (srv_check_browser in
# common.sh).  nginx.sh and the Apache setups run the same check with
# their recipes.
. "$(dirname "$0")/common.sh"

command -v lighttpd >/dev/null || { echo "# lighttpd not installed"; exit 77; }
srv_fixture

"$AUTHZD" -f -c "$SRV_DIR/fcgi-authz.ini" -l "unix:$SRV_DIR/run/authz.sock" \
    2> "$SRV_DIR/logs/fcgi-authzd.log" &
on_exit "kill $! 2>/dev/null"
wait_for_socket "$SRV_DIR/run/authz.sock" || { echo "# fcgi-authzd did not start"; exit 99; }

demo_conf() {
	sed -e "s|@DEMO_DIR@|$SRV_DIR|g" -e "s|@PORT@|$port|g" \
	    -e "s|@SOCKET@|$SRV_DIR/run/authz.sock|g" \
	    "$top_srcdir/etc/lighttpd-demo.conf"
}
start_lighttpd demo demo_conf /public/hello.txt ||
    { echo "# lighttpd did not start"; exit 99; }
on_exit "kill $pid 2>/dev/null"

srv_check_browser lighttpd-demo "$base" "403 Forbidden"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
srv_finish
