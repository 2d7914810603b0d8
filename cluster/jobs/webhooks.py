"""Signed webhooks: POST a JSON body with `X-Scenefarm-Signature: t=TIMESTAMP,v1=HEX`, where HEX
is HMAC-SHA256(secret, f"{t}.{body}"); bounded retries with exponential backoff; every
attempt is reported (the lesson's delivery log).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cluster.jobs.store.models import Delivery

SIGNATURE_HEADER = "X-Scenefarm-Signature"
TOLERANCE_S = 300  # receivers should refuse signatures older than this (replays)


@dataclass(frozen=True)
class WebhookPolicy:
    max_attempts: int = 5
    backoff_s: float = 1.0  # doubles after each failed attempt
    timeout_s: float = 10.0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, now: float | None = None, tolerance_s: int = TOLERANCE_S
) -> bool:
    """What a receiver does: recompute the MAC over the raw body and compare in constant time."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).split(",v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the signed POST goes nowhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def _permanent(status: int) -> bool:
    """A 4xx other than timeout / too-many-requests will not change by retrying."""
    return 400 <= status < 500 and status not in (408, 429)


def deliver(
    url: str,
    secret: str,
    event: str,
    payload: dict[str, Any],
    policy: WebhookPolicy,
    record: Callable[[Delivery], None],
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POSTs the payload until a 2xx answer or the attempts run out; True if delivered."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    delivery_id = uuid.uuid4().hex  # the same on every retry: receivers dedupe by it
    for attempt in range(1, policy.max_attempts + 1):
        status, error = _attempt(url, secret, event, body, delivery_id, policy.timeout_s)
        ok = status is not None and 200 <= status < 300
        record(
            Delivery(event=event, url=url, attempt=attempt, status_code=status, error=error, ok=ok)
        )
        if ok or (status is not None and _permanent(status)):
            return ok
        if attempt < policy.max_attempts:
            sleep(policy.backoff_s * 2 ** (attempt - 1))
    return False


def _attempt(
    url: str, secret: str, event: str, body: bytes, delivery_id: str, timeout_s: float
) -> tuple[int | None, str]:
    """One POST, signed now: the status code, or None and why there was none."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "scenefarm-webhooks/1",
        "X-Scenefarm-Event": event,
        "X-Scenefarm-Delivery": delivery_id,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    try:
        return _post(url, body, headers, timeout_s), ""
    except (OSError, ValueError) as e:  # refused, DNS, timeout, a URL urllib cannot use
        return None, f"{type(e).__name__}: {e}"[:500]
