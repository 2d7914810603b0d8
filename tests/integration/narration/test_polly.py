"""Amazon Polly through the real boto3 client, against a local server that speaks its API."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.polly_server import PollyServer, service_failure, slow, throttled, tone

from cluster.delivery.storage.retry import RetryPolicy
from cluster.lessons.narration import (
    AudioCache,
    NarrationConfig,
    PollySettings,
    ProviderName,
    Speaker,
    TtsRejected,
    TtsUnavailable,
    make_provider,
)
from cluster.lessons.narration.polly import PollyProvider
from renderers.audio import LESSON_RATE

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("aws_credentials")]
FAST = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)


def config(server: PollyServer, voice: str | None = None) -> NarrationConfig:
    settings = PollySettings(endpoint_url=server.base_url, timeout_s=2.0)
    return NarrationConfig(provider=ProviderName.POLLY, voice=voice, polly=settings, retry=FAST)


def test_speaks_pcm_at_the_requested_rate(polly_server: PollyServer) -> None:
    provider = make_provider(config(polly_server, voice="Matthew"))
    pcm = provider.synthesize("Two sides squared.")
    assert pcm.rate == 16_000 and pcm.data == tone("Two sides squared.", 16_000)
    [request] = polly_server.requests
    assert request.body["VoiceId"] == "Matthew" and request.body["OutputFormat"] == "pcm"
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256")


def test_a_429_then_success_is_retried_with_backoff(polly_server: PollyServer) -> None:
    polly_server.fail_next(throttled(), throttled())
    provider = PollyProvider(config(polly_server))
    pcm = provider.synthesize("Squares on each side.")
    assert pcm.samples > 0
    assert [r.status for r in polly_server.requests] == [429, 429, 200]
    assert provider.calls == 3


def test_server_failures_are_retried_too(polly_server: PollyServer) -> None:
    polly_server.fail_next(service_failure())
    assert make_provider(config(polly_server)).synthesize("Again.").samples > 0
    assert [r.status for r in polly_server.requests] == [500, 200]


def test_throttled_past_the_attempts_fails_clearly(polly_server: PollyServer) -> None:
    polly_server.fail_next(*[throttled()] * 4)
    with pytest.raises(TtsUnavailable, match=r"gave up after 4 tries.*ThrottlingException"):
        make_provider(config(polly_server)).synthesize("Never heard.")
    assert [r.status for r in polly_server.requests] == [429] * 4


def test_a_timeout_is_retried(polly_server: PollyServer) -> None:
    polly_server.fail_next(slow(3.0))  # past the client's 2 s read timeout
    provider = PollyProvider(config(polly_server))
    assert provider.synthesize("Late but heard.").samples > 0
    assert provider.calls == 2


def test_a_bad_voice_is_not_retried(polly_server: PollyServer) -> None:
    with pytest.raises(TtsRejected, match="ValidationException"):
        make_provider(config(polly_server, voice="Nobody")).synthesize("Hello.")
    assert len(polly_server.requests) == 1


def test_second_synthesis_comes_from_the_cache(polly_server: PollyServer, tmp_path: Path) -> None:
    cfg = config(polly_server)
    first = Speaker(make_provider(cfg), AudioCache(tmp_path))
    audio = first.speak("Cached by content.")
    again = Speaker(make_provider(cfg), AudioCache(tmp_path))  # a later run, same cache
    assert again.speak("Cached by content.") == audio
    assert polly_server.synthesized() == ["Cached by content."]
    assert (first.stats.synthesized, again.stats.cached, again.stats.synthesized) == (1, 1, 0)
    assert audio.rate == LESSON_RATE
    other_voice = Speaker(make_provider(config(polly_server, voice="Amy")), AudioCache(tmp_path))
    other_voice.speak("Cached by content.")
    assert len(polly_server.synthesized()) == 2  # another voice is another sound
