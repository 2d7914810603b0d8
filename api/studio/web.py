"""The studio's HTML plumbing: templates, security headers, and errors as pages (not JSON).

Studio routes use `StudioRoute`, which turns every exception a page raises into an HTML page
with the status the API would have answered (via the API's own `to_problem`), so another owner's
lesson is the same 404 here as there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api.errors import to_problem
from api.studio.sessions import KeyRevoked

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")


def clock(seconds: float) -> str:
    """62.4 -> '1:02'."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def when(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch_s))


templates.env.filters["clock"] = clock
templates.env.filters["when"] = when
SIGN_IN = "/studio/sign-in"

# Everything is ours: no inline script or style, no other origin. Media may be redirected to
# the storage's own URL (S3, CloudFront), hence https: for media and images.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:; "
    "media-src 'self' https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """No (valid) session: the page sends the browser to sign in."""

    def __init__(self, notice: str = "") -> None:
        super().__init__(notice)
        self.notice = notice


class CsrfRejected(Exception):
    """A state-changing form without this session's CSRF token."""


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(HEADERS)
    return response


def is_https(request: Request) -> bool:
    """Behind a TLS-terminating proxy the app sees http; the proxy says so in a header."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
    return request.url.scheme == "https" or forwarded == "https"


def error_page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired):
        target = SIGN_IN + (f"?notice={exc.notice}" if exc.notice else "")
        return RedirectResponse(target, status_code=303)
    if isinstance(exc, KeyRevoked):
        return page(request, "revoked.html", {"user": None}, status_code=401)
    if isinstance(exc, CsrfRejected):
        context = {"user": None, "status": 403, "title": "Form expired", "detail": str(exc)}
        return page(request, "error.html", context, status_code=403)
    problem = to_problem(exc)
    context = {
        "user": getattr(request.state, "studio_user", None),
        "status": problem.status,
        "title": problem.title,
        "detail": problem.detail,
    }
    response = page(request, "error.html", context, status_code=problem.status)
    response.headers.update({k: v for k, v in problem.headers.items() if k == "Retry-After"})
    return response


class StudioRoute(APIRoute):
    """An APIRoute whose errors are HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:  # noqa: BLE001 (every failure of a page is a page)
                return error_page(request, exc)

        return handle
