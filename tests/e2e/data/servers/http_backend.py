# A threaded HTTP/1.1 backend for the haproxy scenario: GET /size/N (N
# bytes of a fixed pattern), GET / (which backend answered), POST (the
# body back). Prints "listening" once it accepts.
#
# usage: http_backend.py ADDRESS PORT NAME
import http.server, socketserver, sys

addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/size/"):
            n = int(self.path[6:])
            self.reply((b"0123456789abcdef" * (n // 16 + 1))[:n])
        else:
            self.reply(("backend %s\n" % name).encode())

    def do_POST(self):
        self.reply(self.rfile.read(int(self.headers["Content-Length"])))

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except ConnectionError:
            pass  # haproxy closes idle server connections with a reset

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

server = Server((addr, port), Handler)
print("listening", flush=True)
server.serve_forever()
