#!/bin/bash
# Caddy's forward_auth with its FastCGI transport, as in
# etc/caddy/fcgi-authz-fastcgi.caddy: the cases of caddy.sh, through the
# daemon's FastCGI socket in the RESPONDER role.
CADDY_DOOR=fastcgi exec bash "$(dirname "$0")/caddy.sh" "$@"
