"""Who is signed in (a session cookie), and CSRF checks for every state-changing form.

Signed in: `UserDep` gives the session and its API key, or sends the browser to sign in. Forms
carry the session's CSRF token in a hidden field; the sign-in form, made before any session
exists, uses a double-submit cookie instead. Cookies are HttpOnly, SameSite=Lax, scoped to
/studio, and Secure when the request came over https.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from api.deps import StoreDep
from api.studio.sessions import Session, SessionGone, Sessions
from api.studio.web import CsrfRejected, SignInRequired, is_https
from cluster.jobs.store import ApiKey

SESSION_COOKIE = "sf_studio"
SIGN_IN_COOKIE = "sf_studio_signin"
COOKIE_PATH = "/studio"


@dataclass(frozen=True)
class User:
    session: Session
    key: ApiKey

    @property
    def owner(self) -> str:
        return self.key.owner

    @property
    def csrf(self) -> str:
        return self.session.csrf


def sessions(store: StoreDep) -> Sessions:
    return Sessions(store)


SessionsDep = Annotated[Sessions, Depends(sessions)]


def current_user(request: Request, found: SessionsDep) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    try:
        session, key = found.load(token)
    except SessionGone as e:
        raise SignInRequired("expired") from e
    user = User(session, key)
    request.state.studio_user = user  # for the error pages' header
    return user


UserDep = Annotated[User, Depends(current_user)]


async def form_of(request: Request) -> FormData:
    return await request.form(max_files=12, max_fields=64)


def check_csrf(user: User, form: FormData) -> None:
    sent = form.get("csrf")
    if not isinstance(sent, str) or not user.session.csrf_ok(sent):
        raise CsrfRejected("this form is out of date: reload the page and send it again")


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def clear_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request)
    )


def sign_in_token(request: Request) -> str:
    """The sign-in form's double-submit token: the cookie's, or a new one."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(24)


def check_sign_in_csrf(request: Request, form: FormData) -> None:
    cookie, sent = request.cookies.get(SIGN_IN_COOKIE, ""), form.get("csrf")
    if not cookie or not isinstance(sent, str) or not hmac.compare_digest(cookie, sent):
        raise CsrfRejected("the sign-in form is out of date: reload the page and try again")
