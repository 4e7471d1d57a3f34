#!/usr/bin/env python3
"""A proxy that behaves as Traefik's forwardAuth and headers middlewares
do (pkg/middlewares/auth/forward.go, writeHeader with trustForwardHeader
false; customResponseHeaders), driven by a Traefik dynamic configuration
file in TOML: the routers' middlewares, in order, before their service.
Traefik is not in Debian; tests/servers/traefik.sh proves
etc/traefik/fcgi-authz.toml against this contract.

usage: traefik-contract.py PORT CONFIG.toml"""
import http.client
import http.server
import sys
import tomllib
import urllib.parse

# Removed from the auth request, and from an auth answer passed on.
HOP = {"connection", "keep-alive", "te", "trailers", "transfer-encoding",
       "upgrade"}
XFWD = {"x-forwarded-for", "x-forwarded-host", "x-forwarded-method",
        "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-proto",
        "x-forwarded-server", "x-forwarded-uri", "x-real-ip"}


def canon(name):
    return "-".join(p.capitalize() for p in name.split("-"))


def load(path):
    with open(path, "rb") as f:
        cf = tomllib.load(f)["http"]
    router = next(iter(cf["routers"].values()))
    chain = [cf["middlewares"][m] for m in router["middlewares"]]
    server = cf["services"][router["service"]]["loadBalancer"]["servers"][0]
    return chain, urllib.parse.urlsplit(server["url"])


def send(url, method, path, headers, body=None):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    conn.endheaders(body)
    res = conn.getresponse()
    data = res.read()
    conn.close()
    return res.status, res.getheaders(), data


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward_auth(self, fa):
        """None to go on (the request's headers replaced as Traefik does),
        else the answer for the client."""
        allowed = {h.lower() for h in fa.get("authRequestHeaders", [])}
        hdrs = []
        for name, value in self.headers.items():
            n = name.lower()
            if n in HOP or n in XFWD:
                continue
            if allowed and n not in allowed:
                continue
            hdrs.append((canon(name), value))
        hdrs += [("X-Forwarded-For", self.client_address[0]),
                 ("X-Forwarded-Method", self.command),
                 ("X-Forwarded-Proto", "http"),
                 ("X-Forwarded-Port", str(self.server.server_port)),
                 ("X-Forwarded-Host", self.headers.get("Host", "")),
                 ("X-Forwarded-Uri", self.path)]
        url = urllib.parse.urlsplit(fa["address"])
        hdrs.append(("Host", url.netloc))
        try:
            st, rh, body = send(url, "GET", url.path or "/", hdrs)
        except OSError:
            return 500, [], b""
        if not 200 <= st < 300:
            return st, [(n, v) for n, v in rh if n.lower() not in HOP], body
        for name in fa.get("authResponseHeaders", []):
            del self.headers[name]
            for n, v in rh:
                if n.lower() == name.lower():
                    self.headers[canon(name)] = v
        return None

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        answer = None
        extra = []
        for mw in self.server.chain:
            if "forwardAuth" in mw and answer is None:
                answer = self.forward_auth(mw["forwardAuth"])
            if "headers" in mw:
                extra += mw["headers"].get("customResponseHeaders",
                                           {}).items()
        if answer is None:
            try:
                answer = send(self.server.service, self.command, self.path,
                              self.headers.items(), body)
            except OSError:
                answer = (502, [], b"")
            # customResponseHeaders: on the service's answers.
            st, rh, data = answer
            names = {n.lower() for n, _ in extra}
            rh = [(n, v) for n, v in rh if n.lower() not in names] + extra
            answer = (st, rh, data)
        st, rh, data = answer
        self.send_response_only(st)
        for n, v in rh:
            if n.lower() not in HOP and n.lower() != "content-length":
                self.send_header(n, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def log_message(self, fmt, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])),
                                      Handler)
srv.chain, srv.service = load(sys.argv[2])
srv.serve_forever()
