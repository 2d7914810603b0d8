"""The web studio: sign in with an API key, make lessons, follow them live, play and edit them.

Server-rendered pages (Jinja2) on the same app and the same lower-level code as the API's
routes, with htmx for the parts refreshed live and a little JavaScript for EventSource and the
player. Every asset is served from `static/`; nothing is loaded from another origin.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.studio import lesson_routes, routes, storyboard
from api.studio.web import HERE


def install(app: FastAPI) -> None:
    """Adds the studio's pages under /studio and its assets under /studio/static."""
    app.include_router(routes.router)
    app.include_router(lesson_routes.router)
    app.include_router(storyboard.router)
    app.mount("/studio/static", StaticFiles(directory=HERE / "static"), name="studio-static")
