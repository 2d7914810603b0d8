"""Narration's cost: the offline TTS's real-time factor on one core, and the wall time narration
adds to a 4-scene lesson (speak every beat, cut each scene's track, normalise, encode and mux
once, write captions), cold and with the audio cache warm. Prints ratios; asserts nothing.

    .venv/bin/python bench/bench_tts.py [--runs 5]

RTF = synthesis time / length of the speech made (below 1: faster than real time). espeak-ng
runs pinned to one CPU (`taskset -c 0`) when taskset exists; its CPU time is printed too, since
other processes on a shared machine can stretch the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cluster.lessons.narration import (
    NarrationConfig,
    check,
    cues,
    layout,
    narrate_scene,
    scene_track,
    speaker,
    split_beats,
)
from cluster.lessons.narration.espeak import EspeakProvider, espeak_version
from renderers.audio import lesson_audio, mux, read_wav
from renderers.subtitles import SceneCaptions, chapters, lesson_cues, srt, webvtt

FPS = 15
LESSON = (
    "A right triangle has one angle of exactly ninety degrees. The side across from that angle "
    "is called the hypotenuse, and it is always the longest side.",
    "Let us draw a square on each of the three sides. The area of each square is the length of "
    "its side, multiplied by itself.",
    "Take the triangle with sides three, four and five. Nine plus sixteen makes twenty-five, "
    "which is exactly five squared.",
    "This is the Pythagorean theorem: the two smaller squares together always fill the "
    "largest one. Try it on a triangle of your own.",
)
T = TypeVar("T")
QUIET: dict[str, Any] = {"capture_output": True, "check": True}


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def one_core(argv: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *argv] if shutil.which("taskset") else argv


def espeak_rtf(runs: int) -> tuple[float, float, float]:
    """(median wall RTF, median CPU RTF, seconds of speech) over every beat of the lesson."""
    beats = [b for scene in LESSON for b in split_beats(scene)]
    provider = EspeakProvider(NarrationConfig())
    argv = one_core(["espeak-ng", "--stdin", "--stdout", "-v", "en-us", "-s", "165"])
    walls, cpus, speech = [], [], 0.0
    for _ in range(runs):
        wall = cpu = speech = 0.0
        for text in beats:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            took, done = timed(lambda t=text: subprocess.run(argv, input=t.encode(), **QUIET))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall += took
            cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            speech += read_wav(done.stdout).duration_s
        walls.append(wall / speech)
        cpus.append(cpu / speech)
    assert provider.voice().version  # the provider itself resolves the same binary
    return statistics.median(walls), statistics.median(cpus), speech


def silent_video(path: Path, frames: int) -> Path:
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
    argv += ["-i", f"testsrc=size=854x480:rate={FPS}", "-frames:v", str(frames)]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(argv, check=True, capture_output=True)
    return path


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (ffmpeg, espeak-ng)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def narrate_lesson(cache: Path, work: Path, video: Path | None) -> dict[str, float]:
    """Narration of the lesson, phase by phase (s); `video` None: make the silent video first
    (untimed), at the length the voice asks for."""
    phases: dict[str, float] = {}
    if video is None:
        spoken = [narrate_scene(text, speaker(NarrationConfig())) for text in LESSON]
        frames = [check(layout(s, FPS), 0, FPS).hold_frames + FPS // 2 for s in spoken]
        video = silent_video(work / "silent.mp4", sum(frames))
    started_cpu = cpu_s()
    say = speaker(NarrationConfig(cache_dir=cache))
    phases["tts"], spoken = timed(lambda: [narrate_scene(text, say) for text in LESSON])
    slots = [layout(s, FPS) for s in spoken]
    frames = [check(sl, 0, FPS).hold_frames + FPS // 2 for sl in slots]
    silent = video
    tracks_s, tracks = timed(
        lambda: [scene_track(s, sl, f, FPS) for s, sl, f in zip(spoken, slots, frames, strict=True)]
    )
    phases["tracks"] = tracks_s
    phases["loudness"], audio = timed(lambda: lesson_audio(tracks))
    phases["mux"], _ = timed(lambda: mux(silent, audio, work / "lesson.mp4"))

    def captions() -> None:
        scenes = [
            SceneCaptions(f"Scene {i + 1}", f, FPS, cues(s, sl, FPS))
            for i, (s, sl, f) in enumerate(zip(spoken, slots, frames, strict=True))
        ]
        (work / "lesson.vtt").write_text(webvtt(lesson_cues(scenes)))
        (work / "lesson.srt").write_text(srt(lesson_cues(scenes)))
        (work / "chapters.vtt").write_text(webvtt(chapters(scenes)))

    phases["captions"], _ = timed(captions)
    phases["cpu"] = cpu_s() - started_cpu
    phases["video_s"] = sum(frames) / FPS
    phases["beats"] = sum(len(s.beats) for s in spoken)
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    wall_rtf, cpu_rtf, speech = espeak_rtf(args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-tts-") as tmp:
        work = Path(tmp)
        cold = narrate_lesson(work / "cache-cold", work, None)
        video = work / "silent.mp4"
        colds = [cold] + [
            narrate_lesson(work / f"cache-{i}", work, video) for i in range(args.runs - 1)
        ]
        warms = [narrate_lesson(work / "cache-cold", work, video) for _ in range(args.runs)]
    print_table(wall_rtf, cpu_rtf, speech, colds, warms)


def med(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def total(run: dict[str, float]) -> float:
    return sum(run[k] for k in ("tts", "tracks", "loudness", "mux", "captions"))


def print_table(
    wall_rtf: float,
    cpu_rtf: float,
    speech: float,
    colds: list[dict[str, float]],
    warms: list[dict[str, float]],
) -> None:
    cold_total = statistics.median(total(r) for r in colds)
    warm_total = statistics.median(total(r) for r in warms)
    video_s = colds[0]["video_s"]
    rows = [
        ("espeak-ng version", espeak_version(), "Debian's espeak-ng, a separate process"),
        ("RTF, one core (wall)", f"{wall_rtf:.4f}", f"{speech:.1f} s of speech, medians"),
        ("RTF, CPU time", f"{cpu_rtf:.4f}", "user+sys of the espeak-ng processes"),
        ("speech per second of synthesis", f"{1 / wall_rtf:.0f}x", "1 / RTF (wall)"),
        ("lesson", f"4 scenes, {colds[0]['beats']:.0f} beats", f"{video_s:.1f} s of video"),
        ("narration wall, cold cache", f"{cold_total:.2f} s", "speak + tracks + loudness + mux"),
        ("narration wall, warm cache", f"{warm_total:.2f} s", "every beat from the audio cache"),
        ("cold: tts", f"{med(colds, 'tts'):.2f} s", "espeak-ng per beat, resampled to 48 kHz"),
        ("cold: scene tracks", f"{med(colds, 'tracks'):.3f} s", "cut to frame counts"),
        ("cold: loudness", f"{med(colds, 'loudness'):.2f} s", "EBU R128 to -16 LUFS"),
        ("cold: AAC + mux", f"{med(colds, 'mux'):.2f} s", "encode once, video stream copied"),
        ("cold: captions", f"{med(colds, 'captions'):.4f} s", "WebVTT, SRT, chapters"),
        ("cold narration / video length", f"{cold_total / video_s:.3f}", "added wall per s"),
        ("narration CPU, cold cache", f"{med(colds, 'cpu'):.2f} s", "this process + children"),
        ("narration CPU, warm cache", f"{med(warms, 'cpu'):.2f} s", "this process + children"),
    ]
    print(f"| measure | value | note |  (cpus: {os.cpu_count()}, runs: {len(colds)})")
    print("|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")


if __name__ == "__main__":
    main()
