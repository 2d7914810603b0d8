"""A guest module for sandbox tests: runs the test's snippet inside the sandbox."""

from typing import Any


def run(payload: dict[str, Any]) -> Any:
    scope: dict[str, Any] = {}
    exec(payload["code"], scope)  # the point of a sandbox: arbitrary code
    return scope.get("result")
