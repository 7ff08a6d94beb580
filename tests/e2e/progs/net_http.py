# An HTTP server and clients in one process over the network stack, as
# `python3 -m http.server` does it (a dual-stack socket on ::, IPV6_V6ONLY
# off), fetched over 127.0.0.1 and ::1. e2e.net_bypass_http runs it on
# Linux and under junction with the LibOS stack and compares the output.
import hashlib
import http.server
import os
import socket
import sys
import tempfile
import threading
import urllib.request

root = tempfile.mkdtemp()
blob = bytes((i * 31 + 7) % 251 for i in range(3 << 20))
with open(os.path.join(root, "blob.bin"), "wb") as f:
    f.write(blob)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **kw):
        super().__init__(*a, directory=root, **kw)

    def log_message(self, *a):
        pass


class DualStack(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


srv = DualStack(("::", 0), Quiet)
port = srv.server_address[1]
print("listening on", srv.server_address[0], "v6only", srv.socket.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
t = threading.Thread(target=srv.serve_forever, daemon=True)
t.start()
for host in ("127.0.0.1", "[::1]"):
    for _ in range(3):
        with urllib.request.urlopen(f"http://{host}:{port}/blob.bin", timeout=30) as r:
            body = r.read()
        print(host, r.status, len(body), hashlib.sha256(body).hexdigest() == hashlib.sha256(blob).hexdigest())
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/missing", timeout=30)
except urllib.error.HTTPError as e:
    print("missing:", e.code)
# A v6-only socket takes no IPv4 port: an AF_INET socket can bind it too.
v6 = socket.socket(socket.AF_INET6)
v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
v6.bind(("::", 0))
v4 = socket.socket(socket.AF_INET)
v4.bind(("0.0.0.0", v6.getsockname()[1]))
print("v4 and v6-only share a port")
srv.shutdown()
print("done")
