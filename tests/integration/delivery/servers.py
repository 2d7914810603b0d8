"""Real HTTP servers for the delivery tests: moto's S3 server, and a fault-injecting proxy.

The proxy is a real HTTP hop in front of moto: boto3 talks to it through AWS_ENDPOINT_URL, it
answers chosen requests with an error itself and forwards everything else unchanged.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from moto.server import ThreadedMotoServer

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto() -> tuple[ThreadedMotoServer, str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]  # searched in the request target (path and query)
    times: int  # how many matching requests fail; -1: all of them
    status: int = 500
    code: str = "InternalError"
    failed: int = 0
    matched: int = 0  # every matching request, failed or forwarded

    def take(self, method: str, target: str) -> bool:
        if method != self.method or not self.pattern.search(target):
            return False
        self.matched += 1
        if self.times == -1 or self.failed < self.times:
            self.failed += 1
            return True
        return False


@dataclass
class FaultProxy:
    upstream: str
    url: str = ""  # where clients send requests
    faults: list[Fault] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, target) seen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, method: str, pattern: str, times: int = 1, status: int = 500) -> Fault:
        code = "SlowDown" if status == 503 else "InternalError"
        fault = Fault(method, re.compile(pattern), times, status, code)
        with self.lock:
            self.faults.append(fault)
        return fault

    def fault_for(self, method: str, target: str) -> Fault | None:
        with self.lock:
            self.requests.append((method, target))
            return next((f for f in self.faults if f.take(method, target)), None)

    def seen(self, method: str, pattern: str) -> int:
        with self.lock:
            return sum(m == method and re.search(pattern, t) is not None for m, t in self.requests)


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and 100-continue as botocore expects

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._chunked()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _chunked(self) -> bytes:
            data = b""
            while (size := int(self.rfile.readline().split(b";")[0], 16)) > 0:
                data += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return data

        def _handle(self) -> None:
            body = self._body()
            fault = proxy.fault_for(self.command, self.path)
            if fault is not None:
                self._error(fault)
            else:
                self._forward(body)

        def _error(self, fault: Fault) -> None:
            xml = (
                f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{fault.code}</Code>"
                "<Message>injected by the test proxy</Message></Error>"
            ).encode()
            self.send_response(fault.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(xml)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(xml)

        def _forward(self, body: bytes) -> None:
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers.pop("Expect", None)
            if body or self.command in ("PUT", "POST"):
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            self.send_response(response.status)
            for k, v in response.getheaders():
                if k.lower() not in _HOP_BY_HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            length = response.getheader("Content-Length") if self.command == "HEAD" else None
            self.send_header("Content-Length", length or str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        # http.server dispatches on these names
        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815

    return Handler


def start_proxy(upstream: str) -> tuple[ThreadingHTTPServer, FaultProxy, str]:
    proxy = FaultProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server, proxy, proxy.url
