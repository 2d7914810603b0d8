"""A webhook receiver for tests: records every POST (headers and raw body) and answers with
scripted status codes, then 200. It verifies signatures the way the README tells users to:
HMAC-SHA256(secret, f"{t}.{raw body}") compared with `v1` in `X-Scenefarm-Signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_ok(self, secret: str, tolerance_s: float = 300) -> bool:
        parts = dict(p.split("=", 1) for p in self.headers["x-scenefarm-signature"].split(","))
        timestamp = int(parts["t"])
        mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + self.body, hashlib.sha256)
        fresh = abs(time.time() - timestamp) <= tolerance_s
        return fresh and hmac.compare_digest(mac.hexdigest(), parts["v1"])


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()  # answered in order, then 200
        self.arrived = threading.Condition()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, path: str, count: int, timeout_s: float = 60) -> list[Received]:
        """The first `count` POSTs to `path`, waiting for them to arrive."""
        with self.arrived:
            self.arrived.wait_for(
                lambda: len([r for r in self.received if r.path == path]) >= count, timeout_s
            )
            return [r for r in self.received if r.path == path]

    def _record(self, received: Received) -> int:
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()
            return self.statuses.popleft() if self.statuses else 200


def _handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver._record(Received(self.path, headers, body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
