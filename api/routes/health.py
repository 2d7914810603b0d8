"""Liveness, readiness and Prometheus metrics (no API key: for the orchestrator)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.deps import RuntimeDep
from api.schemas import Health, Readiness
from cluster.farm import ray_api
from cluster.jobs.store import JobStoreUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process answers (on the event loop: no thread of the pool is needed)."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(runtime: RuntimeDep) -> Response:
    """Redis and Ray are reachable."""
    checks = {"redis": "ok", "ray": "ok"}
    try:
        runtime.store.ping()
    except JobStoreUnavailable as e:
        checks["redis"] = str(e)
    if not ray_api.is_connected():
        checks["ray"] = "not connected"
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}
    },
)
def metrics(request: Request) -> Response:
    """Prometheus metrics: requests, lessons by status, chunk render seconds, queue depth,
    sandbox violations."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
