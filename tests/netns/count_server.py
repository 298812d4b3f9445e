#!/usr/bin/python3
"""The user's service for the netns tests: answers each key with a deterministic value and counts computes per key.

GET /v/<key>  -> 200 text/plain "computed-<key>" (one compute of <key> counted)
GET /counts   -> 200 text/plain, one line "<count> <key>" per key computed so far
GET /repeats  -> 200 text/plain, one line "<key> <caller address> <UTC time>" per compute of
                 each key computed more than once (which nodes, and when: for a post-mortem)
Usage: count_server.py BIND_ADDRESS PORT_FILE  (binds port 0, writes the port to PORT_FILE)
"""
import collections
import datetime
import http.server
import os
import sys
import threading
import urllib.parse

counts = collections.Counter()
callers = collections.defaultdict(list)  # key -> [(caller address, time)], every compute
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the node's loader reuses its connections

    def do_GET(self):
        if self.path.startswith("/v/"):
            key = urllib.parse.unquote(self.path[3:])
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]
            with lock:
                counts[key] += 1
                callers[key].append((self.client_address[0], now))
            self.answer(("computed-" + key).encode())
        elif self.path == "/counts":
            with lock:
                body = "".join(f"{n} {k}\n" for k, n in counts.items())
            self.answer(body.encode())
        elif self.path == "/repeats":
            with lock:
                body = "".join(f"{k} {addr} {t}\n" for k, n in counts.items() if n > 1
                               for addr, t in callers[k])
            self.answer(body.encode())
        else:
            self.send_error(404)

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # thousands of requests: no line each


def main():
    bind, port_file = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer((bind, 0), Handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(port_file + ".tmp", port_file)  # whole, so the test never reads half a number
    server.serve_forever()


if __name__ == "__main__":
    main()
