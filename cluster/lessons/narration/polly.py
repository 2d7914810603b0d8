"""Amazon Polly through boto3 (SynthesizeSpeech), as 16-bit PCM.

botocore's own retries are off: one policy of ours retries throttling (429,
ThrottlingException), Polly's 5xx and dropped connections with exponential backoff and full
jitter, the same policy storage uploads use, so attempts and waits are ours to bound.
"""

from __future__ import annotations

import logging
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from cluster.lessons.narration.config import NarrationConfig
from cluster.lessons.narration.tts import NarrationError, TtsRejected, TtsUnavailable, Voice
from renderers.audio import Pcm

API_VERSION = "2016-06-10"
DEFAULT_VOICE = "Joanna"
MAX_TEXT_CHARS = 3000  # SynthesizeSpeech's limit on billed characters
_THROTTLED = {"ThrottlingException", "TooManyRequestsException", "Throttling"}
_NETWORK = (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)
log = logging.getLogger(__name__)


class PollyProvider:
    def __init__(self, config: NarrationConfig, client: Any = None) -> None:
        self._config, self._settings = config, config.polly
        self._voice_id = config.voice or DEFAULT_VOICE
        self._client = client or _client(config)
        self.calls = 0  # requests sent, retries included

    def voice(self) -> Voice:
        s = self._settings
        return Voice("polly", f"{self._voice_id}/{s.engine}/{s.sample_rate}", API_VERSION)

    def synthesize(self, text: str) -> Pcm:
        if len(text) > MAX_TEXT_CHARS:
            raise TtsRejected(f"polly: a beat of {len(text)} characters (at most {MAX_TEXT_CHARS})")
        try:
            return self._config.retry.call(lambda: self._once(text), _retryable)
        except TtsUnavailable as e:
            raise TtsUnavailable(
                f"polly: gave up after {self._config.retry.attempts} tries: {e}"
            ) from e

    def _once(self, text: str) -> Pcm:
        self.calls += 1
        try:
            reply = self._client.synthesize_speech(
                Text=text,
                VoiceId=self._voice_id,
                Engine=self._settings.engine,
                OutputFormat="pcm",
                SampleRate=str(self._settings.sample_rate),
                TextType="text",
            )
            with reply["AudioStream"] as stream:
                data: bytes = stream.read()
        except ClientError as e:
            raise _classified(e) from e
        except _NETWORK as e:
            log.warning("polly: %s, retrying", e)
            raise TtsUnavailable(f"polly: {e}") from e
        except NoCredentialsError as e:
            raise TtsRejected("polly: no AWS credentials (boto3 found none)") from e
        except BotoCoreError as e:
            raise NarrationError(f"polly: {e}") from e
        return Pcm(data[: len(data) - len(data) % 2], self._settings.sample_rate)


def _client(config: NarrationConfig) -> Any:
    s = config.polly
    botocore_config = Config(
        retries={"total_max_attempts": 1},  # ours retry, see the module docstring
        connect_timeout=s.timeout_s,
        read_timeout=s.timeout_s,
    )
    return boto3.client(
        "polly", region_name=s.region, endpoint_url=s.endpoint_url, config=botocore_config
    )


def _classified(e: ClientError) -> NarrationError:
    code = e.response.get("Error", {}).get("Code", "")
    status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in _THROTTLED or status == 429 or status >= 500:
        log.warning("polly: %s (HTTP %s), retrying", code or "error", status)
        return TtsUnavailable(f"polly: {code or 'HTTP'} {status}: {e}")
    return TtsRejected(f"polly: {code} {status}: {e}")


def _retryable(e: BaseException) -> bool:
    return isinstance(e, TtsUnavailable)
