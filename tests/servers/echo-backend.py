#!/usr/bin/env python3
"""A backend for the proxies that serve no files themselves (HAProxy):
serves ROOT's files, and for a path ending in whoami.cgi echoes the
identity headers the proxy sent, in whoami.cgi's format.  The app in
docs/servers.md's recipes: Remote-User, Remote-Groups, Remote-Rule.

usage: echo-backend.py PORT ROOT"""
import http.server
import os
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0].endswith("/whoami.cgi"):
            body = ("REMOTE_USER=%s\nAUTHZ_ROLES=%s\nAUTHZ_RULE=%s\n"
                    "METHOD=%s\n" % (
                        self.headers.get("Remote-User", ""),
                        self.headers.get("Remote-Groups", ""),
                        self.headers.get("Remote-Rule", ""),
                        self.command)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().do_GET()

    do_POST = do_GET

    def log_message(self, fmt, *args):
        pass


os.chdir(sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                Handler).serve_forever()
