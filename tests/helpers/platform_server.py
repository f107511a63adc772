#!/usr/bin/env python3
"""platform_server.py - a stand-in for the city's education platform, for Xinyu's tests.

Serves GET /submissions?since=CURSOR&limit=N (any path prefix before /submissions is
accepted) as {"items": [...], "next_cursor": "..." | null}. The items are the files of
--data DIR (*.json, sorted by name), each put into the page as its raw bytes without
trailing white space, so the hash Xinyu stores is the hash of those bytes. The directory is read on every request: files added
between runs are "new on the platform". The cursor of a page points after its last item;
a page with no items has next_cursor null.

Faults come from --control FILE (JSON, read on every request; when its content changes
the request counter starts again at 1):
  {"status": 500, "status_count": 2}   the first 2 requests answer 500 (then normal)
  {"status": 429, "retry_after": "1"}  with a Retry-After header (seconds or HTTP-date)
  {"delay": 3, "delay_from": 2}        requests from the 2nd on wait 3 s before answering
  {"truncate": true}                   Content-Length larger than what is sent, then close
  {"oversize": 200000, "gzip": false}  a valid page padded to 200000 bytes; with gzip
                                       allowed its Content-Length is small and only the
                                       decoded size is over a limit
  {"invalid_json": true}               a page that is not valid JSON outside its items
  {"same_cursor": true}                next_cursor echoes the since it was asked with
  {"cycle_to": 2}                      the page that reaches the last item hands out the
                                       cursor of position 2 (one given out before), so the
                                       cursors go round: after 2, after 4, after 2, ...
  {"endless": true}                    every page is full and has a new cursor; the items
                                       repeat from the first once all were sent
  {"next_cursor": 7}                   next_cursor of the wrong type
  {"fault_count": N}                   truncate/oversize/invalid_json/delay only for the
                                       first N requests

The server checks "Authorization: Bearer TOKEN" when --token-file is given (401
otherwise), compresses with gzip when the client accepts it, speaks TLS with --cert and
--key, logs every request as one JSON line to --log (the Authorization value replaced
by whether it matched; a held request also logs a line with status "delaying" when it
arrives), and stops on SIGTERM or after --max-seconds.
"""
import argparse
import gzip
import json
import os
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CURSOR_PREFIX = "after "
# Characters that need escaping in a query, so that the client's escaping is tested.
CURSOR_SUFFIX = "/+&=\u00e9 #"


def make_cursor(position):
    return "%s%d%s" % (CURSOR_PREFIX, position, CURSOR_SUFFIX)


def parse_cursor(text):
    if not text.startswith(CURSOR_PREFIX) or not text.endswith(CURSOR_SUFFIX):
        raise ValueError("unknown cursor")
    return int(text[len(CURSOR_PREFIX):len(text) - len(CURSOR_SUFFIX)])


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.control_text = None
        self.count = 0
        self.token = None
        if args.token_file:
            with open(args.token_file, "rb") as f:
                self.token = f.read().rstrip(b"\r\n").decode("ascii")

    def next_request(self):
        """Returns (control, text, n): the faults in force, as parsed and as written, and
        this request's number under them."""
        text = ""
        if self.args.control:
            try:
                with open(self.args.control, encoding="utf-8") as f:
                    text = f.read()
            except FileNotFoundError:
                text = ""
        with self.lock:
            if text != self.control_text:
                self.control_text = text
                self.count = 0
            self.count += 1
            n = self.count
        control = json.loads(text) if text.strip() else {}
        return control, text, n

    def log(self, entry):
        if not self.args.log:
            return
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self.lock:
            with open(self.args.log, "a", encoding="utf-8") as f:
                f.write(line)


def items_of(data_dir):
    names = sorted(n for n in os.listdir(data_dir) if n.endswith(".json"))
    items = []
    for name in names:
        with open(os.path.join(data_dir, name), "rb") as f:
            items.append(f.read().rstrip(b" \t\r\n"))
    return items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "platform/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is what tests read
        pass

    def do_GET(self):
        state = self.server.state
        control, control_text, n = state.next_request()
        auth = self.headers.get("Authorization")
        if state.token is None:
            auth_state = "absent" if auth is None else "present"
        else:
            auth_state = "ok" if auth == "Bearer " + state.token else ("missing" if auth is None else "wrong")
        headers = {k: ("<%s>" % auth_state if k.lower() == "authorization" else v)
                   for k, v in self.headers.items()}
        # logged when the answer is decided, before it is sent: a client that has its
        # answer finds the request in the log
        self.entry = {"t": time.time(), "n": n, "control": control_text, "path": self.path,
                      "headers": headers, "auth": auth_state, "gzip": False}
        try:
            self.answer(control, n, auth_state)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_answer(self, status, gzipped):
        self.entry["status"] = status
        self.entry["gzip"] = gzipped
        self.server.state.log(self.entry)

    def send(self, status, body, extra_headers=(), allow_gzip=True, close=False):
        encoding = None
        if allow_gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            encoding = "gzip"
        self.log_answer(status, encoding is not None)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if encoding:
            self.send_header("Content-Encoding", encoding)
        for k, v in extra_headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        return status

    def answer(self, control, n, auth_state):
        fault_count = control.get("fault_count")
        faulty = fault_count is None or n <= fault_count
        if control.get("delay") and n >= control.get("delay_from", 1) and faulty:
            # an extra line, so that a test can see the request is being held
            self.server.state.log(dict(self.entry, status="delaying"))
            time.sleep(float(control["delay"]))
        if auth_state in ("missing", "wrong"):
            return self.send(401, b'{"error":"unauthorized"}', [("WWW-Authenticate", "Bearer")])
        if control.get("status") and n <= control.get("status_count", 1 << 30):
            extra = []
            if control.get("retry_after") is not None:
                extra.append(("Retry-After", str(control["retry_after"])))
            return self.send(int(control["status"]), b'{"error":"try later"}', extra)

        url = urlsplit(self.path)
        if not url.path.endswith("/submissions"):
            return self.send(404, b'{"error":"not found"}')
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            limit = int(query.get("limit", ["100"])[0])
            since = query.get("since", [None])[0]
            start = parse_cursor(since) if since is not None else 0
        except ValueError:
            return self.send(400, b'{"error":"bad query"}')

        if control.get("invalid_json") and faulty:
            return self.send(200, b'{"items": [{"schema": "mhe.submission/1"}], "next_cursor": null,}')
        if control.get("oversize") and faulty:
            size = int(control["oversize"])
            head = b'{"items": [], "next_cursor": null, "padding": "'
            tail = b'"}'
            body = head + b"x" * max(0, size - len(head) - len(tail)) + tail
            return self.send(200, body, allow_gzip=control.get("gzip", True))

        items = items_of(self.server.args.data)
        if control.get("endless") and items:
            page = [items[(start + i) % len(items)] for i in range(limit)]
        else:
            page = items[start:start + limit]
        if "next_cursor" in control:
            next_cursor = json.dumps(control["next_cursor"]).encode()
        elif control.get("same_cursor") and since is not None and page:
            next_cursor = json.dumps(since).encode()
        elif control.get("cycle_to") is not None and page and start + len(page) >= len(items):
            next_cursor = json.dumps(make_cursor(int(control["cycle_to"]))).encode()
        elif page:
            next_cursor = json.dumps(make_cursor(start + len(page))).encode()
        else:
            next_cursor = b"null"
        body = b'{"items": [' + b",\n  ".join(page) + b'], "next_cursor": ' + next_cursor + b"}"

        if control.get("truncate") and faulty:
            self.log_answer("truncated", False)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) + 1000))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send(200, body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="where to write the port (0: the one chosen)")
    ap.add_argument("--data", required=True, help="directory of submission files (*.json)")
    ap.add_argument("--control", help="JSON file selecting faults, read on every request")
    ap.add_argument("--token-file", help="require this bearer token")
    ap.add_argument("--log", help="append one JSON line per request here")
    ap.add_argument("--cert", help="TLS certificate (PEM); with --key serves https")
    ap.add_argument("--key", help="TLS private key (PEM)")
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.args = args
    server.state = State(args)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def stop(*_):
        # shutdown() waits for serve_forever, so it must not run on the serving thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    timer = threading.Timer(args.max_seconds, stop)
    timer.daemon = True
    timer.start()

    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(tmp, args.port_file)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
