"""OpenAPI response documentation shared by the routers."""

from __future__ import annotations

from typing import Any

from api.errors import PROBLEM_JSON, type_uri

_WHY = {
    400: ("bad-request", "The request is malformed"),
    401: ("unauthorized", "No API key, or an unknown or revoked one"),
    404: ("not-found", "No such lesson for this caller (another owner's lesson is not found)"),
    409: ("conflict", "The lesson's state does not allow this now"),
    413: ("payload-too-large", "The body is over the size limit"),
    415: ("unsupported-media-type", "The body is not sent as `application/json`"),
    422: ("validation-error", "The request is invalid; `errors` names each field"),
    429: ("quota-exceeded", "A quota is used up; retry after `Retry-After` seconds"),
    503: ("service-unavailable", "Redis, Ray or lesson generation is unavailable"),
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Responses for these statuses, as problem+json with an example each."""
    return {status: _problem(status) for status in statuses}


_INT = {"type": "integer", "minimum": 1}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": '`Bearer realm="scenefarm"`',
            "schema": {"type": "string"},
        }
    },
    429: {"Retry-After": {"description": "seconds to wait before trying again", "schema": _INT}},
    503: {"Retry-After": {"description": "seconds to wait before trying again", "schema": _INT}},
}
LOCATION = {
    "Location": {"description": "the lesson: `/v1/lessons/{id}`", "schema": {"type": "string"}}
}


def accepted(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A 202 with its Location header, and problems for these statuses."""
    return {202: {"description": "Accepted", "headers": LOCATION}, **problems(*statuses)}


def _problem(status: int) -> dict[str, Any]:
    slug, why = _WHY[status]
    example = {"type": type_uri(slug), "title": why, "status": status, "detail": why}
    schema = {"$ref": "#/components/schemas/ProblemDetails"}
    answer: dict[str, Any] = {
        "description": why,
        "content": {PROBLEM_JSON: {"schema": schema, "example": example}},
    }
    if status in _HEADERS:
        answer["headers"] = _HEADERS[status]
    return answer


AUTHED = (401, 422, 503)
EVENT_STREAM = {  # OpenAPI 3.1 has no schema per event of a stream: an extension names it
    "schema": {"type": "string"},
    "x-event-data": {"$ref": "#/components/schemas/LessonEvent"},
}
