"""RetryPolicy: bounded exponential backoff; and which S3 errors are retried."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from cluster.delivery.storage import RetryPolicy
from cluster.delivery.storage.s3_client import ChecksumMismatch, describe, is_missing, retryable


class Flaky:
    """Fails `failures` times with `error`, then returns "done"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def _run(policy: RetryPolicy, fn: Callable[[], str], retry: bool = True) -> tuple[str, list[float]]:
    slept: list[float] = []
    result = policy.call(fn, lambda e: retry, sleep=slept.append, jitter=lambda: 1.0)
    return result, slept


def test_delays_grow_exponentially_up_to_the_cap() -> None:
    policy = RetryPolicy(attempts=8, base_delay_s=0.5, max_delay_s=3.0)
    assert [policy.delay_s(i, 1.0) for i in range(6)] == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert policy.delay_s(3, 0.5) == 1.5  # full jitter: a fraction of the cap
    assert policy.delay_s(2, 0.0) == 0.0


def test_retries_until_success_and_sleeps_between_tries() -> None:
    flaky = Flaky(2, RuntimeError("503"))
    result, slept = _run(RetryPolicy(attempts=5, base_delay_s=0.1, max_delay_s=1.0), flaky)
    assert (result, flaky.calls) == ("done", 3)
    assert slept == [0.1, 0.2]


def test_gives_up_after_the_attempts_with_the_last_error() -> None:
    flaky = Flaky(10, RuntimeError("still down"))
    with pytest.raises(RuntimeError, match="still down"):
        _run(RetryPolicy(attempts=3, base_delay_s=0.1, max_delay_s=1.0), flaky)
    assert flaky.calls == 3


def test_non_retryable_errors_fail_at_once() -> None:
    flaky = Flaky(1, ValueError("bad request"))
    with pytest.raises(ValueError, match="bad request"):
        _run(RetryPolicy(), flaky, retry=False)
    assert flaky.calls == 1


@pytest.mark.parametrize(
    "policy", [{"attempts": 0}, {"base_delay_s": -1.0}, {"base_delay_s": 2.0, "max_delay_s": 1.0}]
)
def test_invalid_policies(policy: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(**policy)  # type: ignore[arg-type]


def _client_error(status: int, code: str) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": "msg"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "PutObject")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_client_error(500, "InternalError"), True),
        (_client_error(503, "SlowDown"), True),
        (_client_error(400, "RequestTimeout"), True),
        (_client_error(400, "BadDigest"), True),
        (_client_error(429, "TooManyRequests"), True),
        (_client_error(400, "ThrottlingException"), True),
        (_client_error(404, "NoSuchBucket"), False),
        (_client_error(403, "AccessDenied"), False),
        (_client_error(400, "InvalidArgument"), False),
        (EndpointConnectionError(endpoint_url="http://x"), True),
        (ReadTimeoutError(endpoint_url="http://x"), True),
        (ChecksumMismatch("damaged"), True),
        (NoCredentialsError(), False),
        (OSError("disk"), False),
    ],
)
def test_what_is_retried(error: Exception, expected: bool) -> None:
    assert retryable(error) is expected


def test_error_descriptions_and_missing_objects() -> None:
    assert describe(_client_error(404, "NoSuchKey")) == "NoSuchKey (HTTP 404) msg"
    assert is_missing(_client_error(404, "NoSuchKey"))
    assert is_missing(_client_error(404, "404"))
    assert not is_missing(_client_error(403, "AccessDenied"))
    assert describe(OSError("disk full")) == "OSError: disk full"
