"""The HTTP API app: wiring only (routers, middleware, error handlers, start-up)."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api import docs_ui, errors, runtime
from api.headers import ResponseHeaders
from api.limits import BodyLimit
from api.metrics import Metrics, RequestMetrics
from api.routes import artifacts, health, lessons, scenes
from api.routes.docs import problems
from api.schemas import DOCUMENTED, ProblemDetails
from api.settings import Settings, get_settings
from api.studio import install as install_studio

DESCRIPTION = (
    "Lessons rendered on a farm of sandboxed Manim workers. Authenticate with "
    "`Authorization: Bearer KEY` (`scenefarm keys create --owner NAME`). Errors are RFC 9457 "
    "problem+json with a stable `type` per error."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = _keeping_signals(lambda: runtime.start(settings))
        app.state.metrics = Metrics(app.state.runtime.store)
        try:
            yield
        finally:
            await app.state.runtime.aclose()
            app.state.runtime.close()

    app = FastAPI(
        title="scenefarm",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        docs_url=None,  # docs_ui serves /docs without a CDN
        redoc_url=None,  # ReDoc would load its script from a CDN
    )
    for router in (lessons.router, scenes.router, health.router, artifacts.router):
        app.include_router(router)
    install_studio(app)  # the web studio: /studio
    docs_ui.install(app, app.openapi_url or "/openapi.json")
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(RequestMetrics, metrics=lambda: getattr(app.state, "metrics", None))
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def operation_id(route: APIRoute) -> str:
    """Stable operation ids for client generators: the route function's name in camelCase
    (`create_lesson` -> `createLesson`)."""
    head, *rest = route.name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _keeping_signals(start: Callable[[], runtime.Runtime]) -> runtime.Runtime:
    """Runs start() and puts back the SIGTERM/SIGINT handlers it replaced: joining Ray installs
    its own, which exit mid-request with a traceback instead of uvicorn's graceful drain."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return start()
    finally:
        for sig, handler in kept.items():
            signal.signal(sig, handler)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the problem+json schema the responses refer to, with every 422
    answered by that schema (not FastAPI's HTTPValidationError, which the API never sends)."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        documented: tuple[type[BaseModel], ...] = (ProblemDetails, *DOCUMENTED)
        for model in documented:
            _add_schema(schemas, model)
        _problems_for_validation(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> None:
    """A model (and the models it uses) as components, for schemas no route names."""
    found = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(found.pop("$defs", {}))
    schemas[model.__name__] = found


def _problems_for_validation(schema: dict[str, Any]) -> None:
    for operation in (op for ops in schema.get("paths", {}).values() for op in ops.values()):
        responses = operation.get("responses", {})
        if "422" in responses:
            responses["422"] = problems(422)[422]
    for fastapi_own in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(fastapi_own, None)
