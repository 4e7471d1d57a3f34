#!/bin/bash
# nginx (auth_request with proxy_pass) asking fcgi-authzd's HTTP
# forward-auth listener, as in etc/nginx/fcgi-authz-http.conf: the cases of
# nginx.sh, through the other door.
NGINX_DOOR=http exec bash "$(dirname "$0")/nginx.sh" "$@"
