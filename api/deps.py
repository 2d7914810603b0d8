"""Dependencies, as Annotated aliases: the runtime, the job store, and the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Unauthorized
from api.runtime import Runtime
from cluster.jobs.store import ApiKey, JobStore, KeyRejected

_bearer = HTTPBearer(auto_error=False, description="an API key from `scenefarm keys create`")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_store(runtime: RuntimeDep) -> JobStore:
    return runtime.store


StoreDep = Annotated[JobStore, Depends(get_store)]


def get_caller(
    store: StoreDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None:
        raise Unauthorized("send an API key as `Authorization: Bearer KEY`")
    try:
        return store.keys.authenticate(credentials.credentials)
    except KeyRejected as e:
        raise Unauthorized(str(e)) from e


CallerDep = Annotated[ApiKey, Depends(get_caller)]
