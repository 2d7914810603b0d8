"""The interactive API docs at `/docs`: Swagger UI served from this server, with the files of
the `swagger-ui-bundle-v2` package (Swagger UI's dist, installed by uv), so the page loads
nothing from a CDN and works offline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"


def assets_dir() -> Path:
    """Swagger UI's dist files, as the package installed them."""
    return Path(str(swagger_ui_path))


def install(app: FastAPI, openapi_url: str) -> None:
    """`/docs` and its assets under `/docs/assets/` (the app is made with docs_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=assets_dir()), name="swagger-ui-assets")

    @app.get(DOCS_URL, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon-32x32.png",
        )
