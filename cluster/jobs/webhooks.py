"""Signed webhooks: POST a JSON body with `X-Scenefarm-Signature: t=TIMESTAMP,v1=HEX`, where HEX
is HMAC-SHA256(secret, f"{t}.{body}"); bounded retries with exponential backoff; every
attempt is reported (the lesson's delivery log).

A webhook URL is the caller's, so it must not make the farm a proxy into its own network
(SSRF): the name is resolved, and every address it resolves to must be public (not loopback,
private, link-local, unique-local, multicast, reserved or unspecified, in any spelling: `127.1`,
`0x7f000001`, `2130706433` and `[::ffff:127.0.0.1]` all resolve to loopback), unless it is in
the policy's explicit allow-list. Only https, except to allowed addresses. This is checked when
the lesson is made (`validate_webhook_url`, for the API) and again before every attempt, and
the attempt connects to the address just checked (a name that resolves elsewhere a moment
later is never asked again). Redirects are not followed. The delivery log says only what kind
of failure it was, so it cannot be used to map a network.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cluster.jobs.store.models import Delivery

SIGNATURE_HEADER = "X-Scenefarm-Signature"
TOLERANCE_S = 300  # receivers should refuse signatures older than this (replays)


@dataclass(frozen=True)
class WebhookPolicy:
    max_attempts: int = 5
    backoff_s: float = 1.0  # doubles after each failed attempt
    timeout_s: float = 10.0
    # networks ("127.0.0.1/32", "10.1.0.0/16") delivered to although not public, over http
    # too: an operator's explicit choice (tests: their loopback receiver). Empty: none.
    allow: tuple[str, ...] = ()


class WebhookTargetRefused(ValueError):
    """The webhook URL points where the farm does not deliver (the message says why)."""


@dataclass(frozen=True)
class Target:
    """A webhook URL as checked: where to connect (`address`) and what to call it (`host`)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


Resolver = Callable[[str, int], list[str]]
_DEFAULT_PORTS = {"https": 443, "http": 80}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address inside an IPv6 one


def _resolve(host: str, port: int) -> list[str]:
    """Every address `host` has (numeric spellings parse without any lookup)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[Any]:
    """The address itself and any IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return [ip]
    found: list[Any] = [ip]
    found += [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo is not None:
        found += list(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _public(ip: Any) -> bool:
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_reserved


def _allowed(ip: Any, allow: Iterable[str]) -> bool:
    networks = [ipaddress.ip_network(n, strict=False) for n in allow]
    return any(ip.version == n.version and ip in n for n in networks)


def check_target(url: str, policy: WebhookPolicy, resolve: Resolver = _resolve) -> Target:
    """The checked target of `url`, or WebhookTargetRefused saying why not."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        raise WebhookTargetRefused("only http(s) URLs with a host are delivered to")
    if parts.username is not None or parts.password is not None:
        raise WebhookTargetRefused("credentials in the URL are not accepted")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
        addresses = resolve(host.rstrip("."), port)
    except (OSError, ValueError, UnicodeError) as e:
        raise WebhookTargetRefused("the host does not resolve") from e
    if not addresses:
        raise WebhookTargetRefused("the host does not resolve")
    allowed = True
    for raw in addresses:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
        if _allowed(ip, policy.allow):
            continue
        allowed = False
        if not all(_public(a) for a in _embedded(ip)):
            raise WebhookTargetRefused("the host is not a public address")
    if scheme != "https" and not allowed:
        raise WebhookTargetRefused("only https URLs are delivered to")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, addresses[0].split("%", 1)[0])


def validate_webhook_url(url: str, policy: WebhookPolicy, resolve: Resolver = _resolve) -> None:
    """For the API, when a lesson is made: raises WebhookTargetRefused (a ValueError) with a
    message fit for the caller. Delivery checks again: a name may resolve elsewhere later."""
    check_target(url, policy, resolve)


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


def _post(target: Target, body: bytes, headers: dict[str, str], timeout_s: float) -> int:
    """One POST to the checked address; the URL's host names it (Host header, TLS SNI and
    certificate check). http.client follows no redirect: a 3xx is only an answer."""
    conn: http.client.HTTPConnection
    if target.scheme == "https":
        context = ssl.create_default_context()
        conn = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout_s, context=context
        )
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout_s)
    pinned = (target.address, target.port)

    def connect(_: object, timeout: float | None = timeout_s, source: Any = None) -> socket.socket:
        return socket.create_connection(pinned, timeout, source)  # never the name again

    conn._create_connection = connect  # type: ignore[attr-defined]
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        return int(conn.getresponse().status)
    finally:
        conn.close()


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
    resolve: Resolver = _resolve,
) -> bool:
    """POSTs the payload until a 2xx answer or the attempts run out; True if delivered. A URL
    refused by the target check is not tried at all (one attempt logged, not retried)."""
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    delivery_id = uuid.uuid4().hex  # the same on every retry: receivers dedupe by it
    for attempt in range(1, policy.max_attempts + 1):
        try:
            target = check_target(url, policy, resolve)
        except WebhookTargetRefused as e:
            record(Delivery(event=event, url=url, attempt=attempt, error=f"refused: {e}"))
            return False
        status, error = _attempt(target, secret, event, body, delivery_id, policy.timeout_s)
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
    target: Target, secret: str, event: str, body: bytes, delivery_id: str, timeout_s: float
) -> tuple[int | None, str]:
    """One POST, signed now: the status code, or None and what kind of failure it was (only
    the kind: a refused port, a silent one and a TLS error read alike to the caller)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "scenefarm-webhooks/1",
        "X-Scenefarm-Event": event,
        "X-Scenefarm-Delivery": delivery_id,
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
    }
    try:
        return _post(target, body, headers, timeout_s), ""
    except (OSError, ValueError, http.client.HTTPException):
        return None, "delivery failed (no HTTP answer)"
