"""Webhook SSRF (issue 21, item 7): targets are refused after resolution, in every spelling,
at creation and again at delivery; the attempt connects to the address it checked; https only
unless allowed; the delivery log stays coarse. Refusals are tested by resolving and
classifying: nothing here sends a packet to a private or link-local address."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from support.webhook_receiver import WebhookReceiver

from cluster.jobs.store import Delivery
from cluster.jobs.webhooks import (
    WebhookPolicy,
    WebhookTargetRefused,
    check_target,
    deliver,
    validate_webhook_url,
)

STRICT = WebhookPolicy(max_attempts=2, backoff_s=0.0, timeout_s=5.0)
LOOPBACK_ALLOWED = WebhookPolicy(
    max_attempts=2, backoff_s=0.0, timeout_s=5.0, allow=("127.0.0.1/32",)
)
REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.1/hook",
    "https://0x7f000001/hook",
    "https://2130706433/hook",
    "https://017700000001/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
    "https://0.0.0.0/hook",
    "https://10.0.0.1/hook",
    "https://192.168.1.1/hook",
    "https://172.16.0.1/hook",
    "https://100.64.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_targets_are_refused_in_every_spelling(url: str) -> None:
    with pytest.raises(WebhookTargetRefused, match="not a public address"):
        validate_webhook_url(url, STRICT)


def _resolves_to(*addresses: str) -> object:
    return lambda host, port: list(addresses)


def test_a_name_resolving_to_any_private_address_is_refused() -> None:
    resolve = _resolves_to("93.184.215.14", "10.0.0.1")
    with pytest.raises(WebhookTargetRefused, match="not a public address"):
        check_target("https://rebind.example/hook", STRICT, resolve)  # type: ignore[arg-type]


def test_public_https_is_accepted_and_pinned_to_the_checked_address() -> None:
    resolve = _resolves_to("93.184.215.14")
    target = check_target("https://hooks.example:8443/a?b=1", STRICT, resolve)  # type: ignore[arg-type]
    assert (target.host, target.address, target.port, target.path) == (
        "hooks.example",
        "93.184.215.14",
        8443,
        "/a?b=1",
    )


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.215.14/hook", "only https"),
        ("ftp://93.184.215.14/hook", "only http"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
    ],
)
def test_other_refusals(url: str, why: str) -> None:
    with pytest.raises(WebhookTargetRefused, match=why):
        validate_webhook_url(url, STRICT)


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def resolve(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(WebhookTargetRefused, match="does not resolve"):
        validate_webhook_url("https://nowhere.example/hook", STRICT, resolve)


def test_the_allow_list_permits_loopback_over_http_and_nothing_else() -> None:
    validate_webhook_url("http://127.0.0.1:9/hook", LOOPBACK_ALLOWED)
    with pytest.raises(WebhookTargetRefused):
        validate_webhook_url("http://127.0.0.2:9/hook", LOOPBACK_ALLOWED)
    with pytest.raises(WebhookTargetRefused):
        validate_webhook_url("https://10.0.0.1/hook", LOOPBACK_ALLOWED)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def test_delivery_checks_again_and_never_connects_to_a_refused_target(
    receiver: WebhookReceiver,
) -> None:
    log: list[Delivery] = []
    assert not deliver(receiver.url(), "s", "lesson.ready", {"x": 1}, STRICT, log.append)
    assert [(d.attempt, d.status_code, d.ok) for d in log] == [(1, None, False)]
    assert log[0].error.startswith("refused:")
    assert receiver.received == []
    log.clear()
    assert deliver(receiver.url(), "s", "lesson.ready", {"x": 1}, LOOPBACK_ALLOWED, log.append)
    assert [d.ok for d in log] == [True]


def test_the_attempt_connects_to_the_checked_address_not_the_name(
    receiver: WebhookReceiver,
) -> None:
    """The name resolves once, to the receiver; the POST goes there under the URL's own
    name (a second lookup could have answered anything)."""
    port = int(receiver.url().rsplit(":", 1)[1].split("/", 1)[0])
    lookups: list[str] = []

    def resolve(host: str, _: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    url = f"http://hooks.invalid:{port}/hook"
    assert deliver(url, "s", "lesson.ready", {"x": 1}, LOOPBACK_ALLOWED, [].append, resolve=resolve)
    assert lookups == ["hooks.invalid"]
    assert receiver.received[0].headers["host"] == f"hooks.invalid:{port}"


def test_failures_are_logged_coarsely() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    log: list[Delivery] = []
    url = f"http://127.0.0.1:{port}/hook"
    assert not deliver(url, "s", "lesson.ready", {}, LOOPBACK_ALLOWED, log.append, lambda _: None)
    assert {d.error for d in log} == {"delivery failed (no HTTP answer)"}
    assert all("Errno" not in d.error and "refused" not in d.error for d in log)
