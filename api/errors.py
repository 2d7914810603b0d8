"""Every error the API answers, as RFC 9457 problem+json, mapped in this one place.

Each problem has a stable `type` URI (`urn:scenefarm:problem:<slug>`), a `title` fixed per
type, a `detail` for this occurrence and the `status`. Validation problems list `errors`, each
naming the field (`body.scenes[1].code`); a body that is not JSON names where it breaks
(line, column and character offset), not a field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cluster.jobs.store import (
    Busy,
    IdempotencyConflict,
    JobStoreUnavailable,
    KeyRejected,
    LessonMissing,
    QuotaExceeded,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:scenefarm:problem:"


class Problem(Exception):
    """An HTTP error the API answers on purpose; subclasses fix status, slug and title."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"WWW-Authenticate": 'Bearer realm="scenefarm"'})


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict with the lesson's state"


class IdempotencyReused(Problem):
    status, slug, title = 409, "idempotency-key-reused", "Idempotency-Key used for another request"


class QuotaProblem(Problem):
    status, slug, title = 429, "quota-exceeded", "Quota exceeded"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(
            detail, {"Retry-After": str(retry_after_s)}, {"retry_after": retry_after_s}
        )


class TooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class InvalidRequest(Problem):
    status, slug, title = 422, "validation-error", "The request is invalid"

    def __init__(self, errors: Sequence[Mapping[str, Any]]) -> None:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
        super().__init__(detail, extra={"errors": list(errors)})


class Unavailable(Problem):
    status, slug, title = 503, "service-unavailable", "A backing service is unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, {"Retry-After": "5"})


class GenerationUnavailable(Problem):
    status, slug, title = 503, "generation-unavailable", "Lesson generation is not configured"


def type_uri(slug: str) -> str:
    return TYPE_PREFIX + slug


def problem_response(problem: Problem, instance: str = "") -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_uri(problem.slug),
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        **problem.extra,
    }
    if instance:
        body["instance"] = instance
    return JSONResponse(body, problem.status, problem.headers, media_type=PROBLEM_JSON)


def field_name(loc: Sequence[int | str]) -> str:
    """('body', 'scenes', 1, 'code') -> 'body.scenes[1].code'."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _validation(exc: RequestValidationError) -> InvalidRequest:
    found = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            found.append(_json_error(error, exc.body))
            continue
        loc = [p for p in error.get("loc", ()) if p not in ("function-after", "model")]
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        found.append({"field": field_name(loc), "message": message})
    return InvalidRequest(found)


def _json_error(error: Mapping[str, Any], body: Any) -> dict[str, Any]:
    """A body that does not parse as JSON: FastAPI puts the character offset where the
    `loc` of a field would be (`('body', 17)`); it is a position in the text, not an index."""
    loc = error.get("loc", ())
    offset = loc[-1] if loc and isinstance(loc[-1], int) else 0
    text = body if isinstance(body, str) else ""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    why = str(error.get("ctx", {}).get("error", "")) or "not valid JSON"
    message = f"malformed JSON at line {line}, column {column} (character {offset}): {why}"
    return {"field": "body", "message": message, "line": line, "column": column, "offset": offset}


_MAPPED: list[tuple[type[Exception], Any]] = [
    (LessonMissing, lambda e: NotFound(str(e))),
    (KeyRejected, lambda e: Unauthorized(str(e))),
    (QuotaExceeded, lambda e: QuotaProblem(str(e), e.retry_after_s)),
    (Busy, lambda e: Conflict(str(e))),
    (IdempotencyConflict, lambda e: IdempotencyReused(str(e))),
    (JobStoreUnavailable, lambda e: Unavailable(str(e))),
]


def to_problem(exc: Exception) -> Problem:
    """The problem an exception is answered with (an unknown one is a 500, logged)."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, RequestValidationError):
        return _validation(exc)
    for kind, make in _MAPPED:
        if isinstance(exc, kind):
            problem: Problem = make(exc)
            return problem
    if isinstance(exc, StarletteHTTPException):
        return _http(exc)
    log.exception("unhandled error", exc_info=exc)
    return Problem("an unexpected error occurred; it has been logged")


def _http(exc: StarletteHTTPException) -> Problem:
    """Starlette's own errors (no such route, method not allowed) as problems."""
    problem = Problem(str(exc.detail), exc.headers)
    problem.status = exc.status_code
    problem.slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    problem.title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
    return problem


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(to_problem(exc), request.url.path)

    for kind in (Problem, RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, handle)
    for kind, _ in _MAPPED:
        app.add_exception_handler(kind, handle)
