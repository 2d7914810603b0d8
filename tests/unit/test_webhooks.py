"""Webhook signatures and delivery, against a local receiver (no cluster, no Redis)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import pytest
from support.webhook_receiver import WebhookReceiver

from cluster.jobs.store import Delivery
from cluster.jobs.webhooks import SIGNATURE_HEADER, WebhookPolicy, deliver, sign, verify

SECRET = "whsec_test"
# The receiver listens on loopback: an operator's allow-list is what lets webhooks reach it.
LOOPBACK = ("127.0.0.1/32",)
FAST = WebhookPolicy(max_attempts=3, backoff_s=0.0, timeout_s=5.0, allow=LOOPBACK)


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1700000000, body) == f"t=1700000000,v1={expected}"


def test_verify_refuses_other_bodies_secrets_and_stale_timestamps() -> None:
    now = time.time()
    header = sign(SECRET, int(now), b"body")
    assert verify(SECRET, header, b"body", now=now)
    assert not verify(SECRET, header, b"body!", now=now)
    assert not verify("whsec_other", header, b"body", now=now)
    assert not verify(SECRET, header, b"body", now=now + 301)
    assert not verify(SECRET, "v1=deadbeef", b"body", now=now)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def test_failed_attempts_are_retried_with_backoff_and_logged(receiver: WebhookReceiver) -> None:
    receiver.statuses.extend([503, 500])
    log: list[Delivery] = []
    sleeps: list[float] = []
    policy = WebhookPolicy(max_attempts=4, backoff_s=0.5, allow=LOOPBACK)
    assert deliver(
        receiver.url(), SECRET, "lesson.ready", {"x": 1}, policy, log.append, sleeps.append
    )
    assert [(d.attempt, d.status_code, d.ok) for d in log] == [
        (1, 503, False),
        (2, 500, False),
        (3, 200, True),
    ]
    assert sleeps == [0.5, 1.0]
    got = receiver.received
    assert len({r.headers["x-scenefarm-delivery"] for r in got}) == 1  # one id across retries
    assert all(r.signature_ok(SECRET) and json.loads(r.body) == {"x": 1} for r in got)
    assert SIGNATURE_HEADER.lower() in got[0].headers


def test_a_permanent_refusal_is_not_retried(receiver: WebhookReceiver) -> None:
    receiver.statuses.extend([410])
    log: list[Delivery] = []
    assert not deliver(
        receiver.url(), SECRET, "lesson.failed", {}, FAST, log.append, lambda _: None
    )
    assert [d.status_code for d in log] == [410]


def test_an_unreachable_receiver_uses_every_attempt() -> None:
    log: list[Delivery] = []
    url = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    assert not deliver(url, SECRET, "lesson.ready", {}, FAST, log.append, lambda _: None)
    assert [d.attempt for d in log] == [1, 2, 3]
    assert all(d.status_code is None and d.error for d in log)
