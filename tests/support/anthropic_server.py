"""A local HTTP server that speaks the Anthropic Messages API with scripted replies.

Tests point the real `anthropic` SDK at it, so the product's client code, retries, timeouts and
parsing run for real; only the model is scripted:

    with MessagesServer() as server:
        server.route(forced_tool("plan_lesson"), rate_limited(0.01), tool_use("plan_lesson", plan))
        server.route(mentions("IntroScene"), tool_use("write_scene", {"code": "..."}))
        client = anthropic.Anthropic(api_key="test", base_url=server.base_url)
        ...  # run the product with `client`
        assert server.unmatched == [] and server.pending() == []
        assert "NameError" in server.requests[-1].last_user_text()

Scenes are generated concurrently, so replies are chosen by rules, not arrival order: the first
rule whose predicate matches and still has replies answers with its next one. A request no rule
answers gets a 500 that the SDK does not retry, and is listed in `.unmatched`. Requests are
validated where the real API's checks are cheap; a rejected one gets the API's error shape (400,
401, 404), is recorded, and consumes no reply.

Usage is estimated at 4 characters a token. When system blocks carry `cache_control`, the prefix
(tools, then system up to the last such block) counts as `cache_creation_input_tokens` on its
first success and as `cache_read_input_tokens` after (no minimum length, no expiry).

What the SDK (anthropic 2.x) does with `garbage()`: with a JSON content type it raises
`json.JSONDecodeError`, not an `anthropic` error; with another content type `messages.create`
returns the body as a `str` (`APIResponseValidationError` with `_strict_response_validation`).
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Json = dict[str, Any]
_NO_RETRY = {"x-should-retry": "false"}  # the SDK obeys this: scripting mistakes fail at once


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a message (`content`), an API error (`error`) or raw bytes."""

    status: int = 200
    content: tuple[Json, ...] = ()
    stop_reason: str = "end_turn"
    usage: Mapping[str, int] | None = None  # overrides the estimated usage fields
    error: Json | None = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Exchange:
    """A recorded request and what the server answered."""

    path: str
    headers: dict[str, str]  # names lower-cased
    body: Json
    status: int = 0
    reply: Reply | None = None
    response: Json | None = None  # the JSON sent back; None for raw bytes
    json_error: str | None = None  # why the body was not a JSON object, if it was not

    @property
    def system_blocks(self) -> list[Json]:
        system = self.body.get("system", [])
        return [{"type": "text", "text": system}] if isinstance(system, str) else list(system)

    @property
    def api_key(self) -> str | None:
        """The key sent as `x-api-key` or, as anthropic 2.x sends it, `Authorization: Bearer`."""
        bearer = self.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return self.headers.get("x-api-key") or bearer or None

    @property
    def forced_tool(self) -> str | None:
        choice = self.body.get("tool_choice") or {}
        return choice.get("name") if choice.get("type") == "tool" else None

    def last_user_text(self) -> str:
        """The text of the last user turn, tool results included (where errors are fed back)."""
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        return _text_of(users[-1].get("content", "")) if users else ""


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [_text_of(b.get("text", b.get("content", ""))) for b in content if isinstance(b, dict)]
    return "\n".join(parts)


Predicate = Callable[[Exchange], bool]


def _named(name: str, predicate: Predicate) -> Predicate:
    predicate.__name__ = name  # shown in the unmatched-request message
    return predicate


def forced_tool(name: str) -> Predicate:
    """Matches requests whose `tool_choice` forces the tool `name`."""
    return _named(f"forced_tool({name!r})", lambda ex: ex.forced_tool == name)


def mentions(text: str) -> Predicate:
    """Matches requests whose last user turn contains `text`."""
    return _named(f"mentions({text!r})", lambda ex: text in ex.last_user_text())


def any_request() -> Predicate:
    return _named("any_request()", lambda ex: True)


def tool_use(name: str, input: Json, usage: Mapping[str, int] | None = None) -> Reply:
    block = {"type": "tool_use", "name": name, "input": input}  # its id is given per answer
    return Reply(content=(block,), stop_reason="tool_use", usage=usage)


def malformed_tool_use(name: str, input: Json) -> Reply:
    """A tool call whose `input` breaks the tool's schema (missing fields, wrong types)."""
    return tool_use(name, input)


def text(answer: str, usage: Mapping[str, int] | None = None) -> Reply:
    """A plain text answer, e.g. from a model that ignored the tool it was asked to use."""
    return Reply(content=({"type": "text", "text": answer},), usage=usage)


def error(status: int, type: str, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status=status, error={"type": type, "message": message}, headers=headers or {})


def rate_limited(retry_after_s: float = 1.0) -> Reply:
    headers = {"retry-after": f"{retry_after_s:g}"}
    return error(
        429, "rate_limit_error", "Number of requests has exceeded your rate limit", headers
    )


def overloaded() -> Reply:
    return error(529, "overloaded_error", "Overloaded")


def api_error() -> Reply:
    return error(500, "api_error", "Internal server error")


def garbage(body: bytes = b'{"id": "msg_01', content_type: str = "application/json") -> Reply:
    """A 200 whose body is not valid JSON (e.g. a truncated answer or a proxy's page)."""
    return Reply(raw=body, content_type=content_type)


def delayed(seconds: float, reply: Reply) -> Reply:
    return replace(reply, delay_s=seconds)


def _id(prefix: str) -> str:
    return prefix + "01" + uuid.uuid4().hex[:22]


def _with_id(block: Json) -> Json:
    return {"id": _id("toolu_"), **block} if block["type"] == "tool_use" else block


def _tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)


class _Invalid(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.error)
        self.reply = reply


def _require(
    ok: bool, message: str, status: int = 400, kind: str = "invalid_request_error"
) -> None:
    if not ok:
        raise _Invalid(error(status, kind, message))


def _validate(ex: Exchange) -> None:
    _require(ex.path == "/v1/messages", f"Not found: {ex.path}", 404, "not_found_error")
    _require(ex.json_error is None, f"Request body is not JSON: {ex.json_error}")
    _require(bool(ex.api_key), "x-api-key header is required", 401, "authentication_error")
    _require("anthropic-version" in ex.headers, "anthropic-version: header is required")
    _require(isinstance(ex.body.get("model"), str), "model: Field required")
    max_tokens = ex.body.get("max_tokens")
    _require(isinstance(max_tokens, int) and max_tokens >= 1, "max_tokens: integer >= 1 required")
    _validate_messages(ex.body.get("messages"))
    _validate_tool_choice(ex.body)


def _validate_messages(messages: Any) -> None:
    _require(isinstance(messages, list) and bool(messages), "messages: at least one is required")
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    ok = roles[0] == "user" and all(r in ("user", "assistant") for r in roles)
    _require(ok, f"messages: the first must be a user turn, then user or assistant: {roles}")
    alternate = all(a != b for a, b in itertools.pairwise(roles))
    _require(alternate, f"messages: roles must alternate between user and assistant: {roles}")


def _validate_tool_choice(body: Json) -> None:
    choice = body.get("tool_choice") or {}
    names = sorted(str(t.get("name")) for t in body.get("tools", []))
    forced = choice.get("name")
    ok = choice.get("type") != "tool" or forced in names
    _require(ok, f"tool_choice: tool {forced!r} is not among the tools given: {names}")


@dataclass
class _Rule:
    predicate: Predicate
    replies: deque[Reply]

    def __str__(self) -> str:
        return f"{getattr(self.predicate, '__name__', 'predicate')} ({len(self.replies)} left)"


class MessagesServer:
    """Serves `POST /v1/messages` on 127.0.0.1 from scripted rules; a context manager."""

    def __init__(self) -> None:
        self.requests: list[Exchange] = []
        self.unmatched: list[Exchange] = []
        self._rules: list[_Rule] = []
        self._cached: set[str] = set()
        self._lock = threading.Lock()
        self.closing = threading.Event()  # set on exit; delayed replies wait on it
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> MessagesServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def route(self, predicate: Predicate, *replies: Reply) -> MessagesServer:
        """Adds a rule: requests matching `predicate` get `replies`, one each, in order."""
        with self._lock:
            self._rules.append(_Rule(predicate, deque(replies)))
        return self

    def pending(self) -> list[str]:
        """Rules that still hold replies (a test can assert its script was used up)."""
        with self._lock:
            return [str(rule) for rule in self._rules if rule.replies]

    def answer(self, ex: Exchange) -> Reply:
        """Validates, routes and records one request; returns the reply to send."""
        with self._lock:
            self.requests.append(ex)
            try:
                ex.reply = self._choose(ex)
            except Exception as e:  # a broken predicate: say so rather than drop the connection
                ex.reply = error(500, "api_error", f"test server: {e!r}", _NO_RETRY)
            ex.status = ex.reply.status
            ex.response = self._render(ex, ex.reply)
        return ex.reply

    def _choose(self, ex: Exchange) -> Reply:
        try:
            _validate(ex)
        except _Invalid as invalid:
            return invalid.reply
        for rule in self._rules:
            if rule.replies and rule.predicate(ex):
                return rule.replies.popleft()
        self.unmatched.append(ex)
        return self._unmatched_reply(ex)

    def _unmatched_reply(self, ex: Exchange) -> Reply:
        message = (
            f"test server: no rule answers this request (forced tool {ex.forced_tool!r}, "
            f"last user text {ex.last_user_text()[:200]!r}); rules: {[str(r) for r in self._rules]}"
        )
        return error(500, "api_error", message, _NO_RETRY)

    def _render(self, ex: Exchange, reply: Reply) -> Json | None:
        if reply.raw is not None:
            return None
        if reply.error is not None:
            return {"type": "error", "error": reply.error, "request_id": _id("req_")}
        return {
            "id": _id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": ex.body.get("model"),
            "content": [_with_id(block) for block in reply.content],
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {**self._usage(ex, reply), **(reply.usage or {})},
        }

    def _usage(self, ex: Exchange, reply: Reply) -> dict[str, int]:
        # The real cache prefix runs tools, then system, up to the last `cache_control` block.
        system = ex.system_blocks
        cut = max((i + 1 for i, block in enumerate(system) if "cache_control" in block), default=0)
        prefix = [*ex.body.get("tools", []), *system[:cut]] if cut else []
        rest = [*([] if cut else ex.body.get("tools", [])), *system[cut:], *ex.body["messages"]]
        key = json.dumps(prefix, sort_keys=True)
        seen, cached = key in self._cached, _tokens(prefix) if cut else 0
        if cut:
            self._cached.add(key)
        return {
            "input_tokens": _tokens(rest),
            "output_tokens": _tokens(list(reply.content)),
            "cache_creation_input_tokens": 0 if seen else cached,
            "cache_read_input_tokens": cached if seen else 0,
        }


def _handler_for(server: MessagesServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            ex = self._exchange()
            reply = server.answer(ex)
            # Recorded and consumed at once, like a real request the client later gives up on.
            if reply.delay_s and server.closing.wait(reply.delay_s):
                return  # shutting down: drop the connection instead of answering late
            self._send(reply, ex.response)

        def do_GET(self) -> None:
            reply = error(404, "not_found_error", f"Not found: {self.path}")
            self._send(reply, {"type": "error", "error": reply.error})

        def _exchange(self) -> Exchange:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            ex = Exchange(path=self.path.split("?")[0], headers=headers, body={})
            try:
                body = json.loads(raw)
            except ValueError as e:
                ex.json_error = str(e)
                return ex
            if isinstance(body, dict):
                ex.body = body
            else:
                ex.json_error = f"expected an object, got {type(body).__name__}"
            return ex

        def _send(self, reply: Reply, response: Json | None) -> None:
            body = reply.raw if reply.raw is not None else json.dumps(response).encode()
            try:
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                self.send_header("content-length", str(len(body)))
                self.send_header("request-id", _id("req_"))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (its timeout): nothing left to tell it

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean; everything is in `server.requests`

    return Handler
