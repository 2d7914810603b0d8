"""A local HTTP server that speaks Amazon Polly's SynthesizeSpeech (REST-JSON, POST /v1/speech).

Tests point the real boto3 client at it (`endpoint_url`), so the product's request, signing,
error parsing and retries run for real; only the voice is synthetic: a tone whose length grows
with the text (PCM at the requested rate, as Polly's `pcm` output: 16-bit mono LE).

    with PollyServer() as server:
        server.fail_next(throttled(), throttled())     # two 429s, then real answers
        ...  # PollySettings(endpoint_url=server.base_url)
        assert [r.status for r in server.requests] == [429, 429, 200]

Requests are checked as the real API checks them where that is cheap: a SigV4 signature for
the `polly` service, a JSON body with Text and VoiceId, OutputFormat and SampleRate values
Polly accepts. A rejected request gets Polly's error shape (`x-amzn-ErrorType` header and a
JSON `message`).
"""

from __future__ import annotations

import json
import math
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VOICES = frozenset({"Joanna", "Matthew", "Amy", "Brian"})
PCM_RATES = frozenset({"8000", "16000"})
SECONDS_PER_CHAR = 0.06


@dataclass(frozen=True)
class Failure:
    status: int
    error_type: str
    message: str
    delay_s: float = 0.0


def throttled() -> Failure:
    return Failure(429, "ThrottlingException", "Rate exceeded")


def service_failure() -> Failure:
    return Failure(500, "ServiceFailureException", "Internal failure")


def slow(delay_s: float) -> Failure:
    """Answers after `delay_s` (longer than the client's read timeout: a timeout)."""
    return Failure(200, "", "", delay_s)


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]
    status: int = 0
    at_s: float = field(default_factory=time.monotonic)


def tone(text: str, rate: int) -> bytes:
    """The synthetic voice: a 440 Hz tone, SECONDS_PER_CHAR per character of `text`."""
    n = round(len(text) * SECONDS_PER_CHAR * rate)
    samples = (round(8000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(n))
    return struct.pack(f"<{n}h", *samples)


class PollyServer:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, *failures: Failure) -> None:
        """The next requests (that pass validation) get these answers, in order."""
        with self._lock:
            self._failures.extend(failures)

    def synthesized(self) -> list[str]:
        """Texts answered with audio."""
        return [r.body["Text"] for r in self.requests if r.status == 200]

    def __enter__(self) -> PollyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def _next_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None


def _handler(server: PollyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            request = Request(self.path, headers, body if isinstance(body, dict) else {})
            with server._lock:
                server.requests.append(request)
            self._answer(request)

        def _answer(self, request: Request) -> None:
            problem = _invalid(request)
            if problem is not None:
                return self._error(request, 400, *problem)
            failure = server._next_failure()
            if failure is not None and failure.delay_s:
                time.sleep(failure.delay_s)  # a slow server, not test synchronisation
            if failure is not None and failure.status != 200:
                return self._error(request, failure.status, failure.error_type, failure.message)
            self._audio(request)

        def _audio(self, request: Request) -> None:
            text, rate = request.body["Text"], int(request.body.get("SampleRate", "16000"))
            audio = tone(text, rate)
            request.status = 200
            self.send_response(200)
            self.send_header("Content-Type", "audio/pcm")
            self.send_header("x-amzn-RequestCharacters", str(len(text)))
            self.send_header("Content-Length", str(len(audio)))
            self.end_headers()
            self.wfile.write(audio)

        def _error(self, request: Request, status: int, kind: str, message: str) -> None:
            payload = json.dumps({"message": message}).encode()
            request.status = status
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("x-amzn-ErrorType", f"{kind}:http://internal.amazon.com/coral/")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _invalid(request: Request) -> tuple[str, str] | None:
    """Why Polly would refuse this request, as (error type, message); None: it would not."""
    auth = request.headers.get("authorization", "")
    if request.path != "/v1/speech":
        return ("UnknownOperationException", f"no operation at {request.path}")
    if not auth.startswith("AWS4-HMAC-SHA256 ") or "/polly/aws4_request" not in auth:
        return ("MissingAuthenticationTokenException", "request is not signed for polly")
    body = request.body
    if not isinstance(body.get("Text"), str) or not body["Text"]:
        return ("ValidationException", "Text is required")
    if body.get("VoiceId") not in VOICES:
        return ("ValidationException", f"unknown VoiceId {body.get('VoiceId')!r}")
    if body.get("OutputFormat") != "pcm":
        return ("ValidationException", "this server only answers OutputFormat pcm")
    if body.get("SampleRate", "16000") not in PCM_RATES:
        return ("InvalidSampleRateException", f"SampleRate {body.get('SampleRate')!r}")
    return None
