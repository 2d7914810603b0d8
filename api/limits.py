"""A cap on request bodies, enforced before any route parses one (413 problem+json)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import BadRequest, Problem, TooLarge, UnsupportedMediaType, problem_response

FORM_PREFIX = "/studio/"  # api/studio/routes.py: the studio's router


class BodyLimit:
    """Reads the body up to `max_bytes` (bodies here are small JSON) and replays it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._declared(scope)
        body = b""
        if problem is None:
            body, problem = await self._read(receive)
        if problem is None and body and not _is_form_path(scope):
            problem = _media_type(scope)
        if problem is not None:
            await problem_response(problem, scope.get("path", ""))(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _declared(self, scope: Scope) -> Problem | None:
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is None:
            return None
        if not declared.isdigit():
            return BadRequest("Content-Length is not a number")
        if int(declared) > self.max_bytes:
            return self._too_large()
        return None

    async def _read(self, receive: Receive) -> tuple[bytes, Problem | None]:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client left; the app sees an empty body and the disconnect later
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return b"", self._too_large()
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks), None

    def _too_large(self) -> Problem:
        return TooLarge(f"request bodies are limited to {self.max_bytes} bytes")


def _is_form_path(scope: Scope) -> bool:
    """The studio's pages post HTML forms (urlencoded or multipart) and answer with pages; its
    routes parse and check their own forms (CSRF first)."""
    path: str = scope.get("path", "")
    return path.startswith(FORM_PREFIX)


def _media_type(scope: Scope) -> Problem | None:
    """A body must say it is JSON: without a Content-Type (or with another) it is a 415,
    not a guess."""
    headers = dict(scope.get("headers", []))
    declared = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if declared == b"application/json" or (
        declared.startswith(b"application/") and declared.endswith(b"+json")
    ):
        return None
    shown = declared.decode("latin-1")[:100] or "none"
    return UnsupportedMediaType(f"send the body as application/json (Content-Type: {shown})")


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then the real stream: http.disconnect for SSE

    return replayed
