"""The offline default: espeak-ng, Debian's package (GPL-3.0-or-later).

It runs as a separate process that reads the text on stdin and writes a WAV to stdout; none of
its code is linked into or imported by ours, so our code keeps its own licence. It needs no key
and no model download: the voice data ships with the package.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache

from cluster.lessons.narration.config import NarrationConfig
from cluster.lessons.narration.tts import NarrationError, TtsRejected, Voice
from renderers.audio import AudioError, Pcm, read_wav

BINARY = "espeak-ng"
DEFAULT_VOICE = "en-us"
_VOICE_NAME = re.compile(r"[A-Za-z0-9_+-]{1,40}")


@cache
def espeak_version() -> str:
    """`espeak-ng --version`'s version number ("1.51"), part of every cache key."""
    done = subprocess.run(
        [_binary(), "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    found = re.search(r"text-to-speech:\s*(\S+)", done.stdout)
    if done.returncode != 0 or found is None:
        raise NarrationError(f"{BINARY} --version said nothing usable: {done.stdout[:200]!r}")
    return found.group(1)


def _binary() -> str:
    path = shutil.which(BINARY)
    if path is None:
        raise NarrationError(f"{BINARY} is not installed (Debian package espeak-ng)")
    return path


class EspeakProvider:
    def __init__(self, config: NarrationConfig) -> None:
        self._voice = config.voice or DEFAULT_VOICE
        if not _VOICE_NAME.fullmatch(self._voice):
            raise TtsRejected(f"espeak-ng: not a voice name: {self._voice!r}")
        self._wpm, self._timeout_s = config.words_per_minute, config.timeout_s

    def voice(self) -> Voice:
        return Voice("espeak-ng", f"{self._voice}@{self._wpm}wpm", espeak_version())

    def synthesize(self, text: str) -> Pcm:
        # Text on stdin, never in argv: a beat starting with "-" is not an option.
        argv = [_binary(), "--stdin", "--stdout", "-v", self._voice, "-s", str(self._wpm)]
        try:
            done = subprocess.run(
                argv, input=text.encode(), capture_output=True, timeout=self._timeout_s, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise NarrationError(f"espeak-ng timed out after {self._timeout_s} s") from e
        if done.returncode != 0:
            raise TtsRejected(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:300]}")
        try:
            return read_wav(done.stdout)
        except AudioError as e:
            raise NarrationError(f"espeak-ng wrote no usable WAV: {e}") from e
