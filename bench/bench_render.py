"""Plain `manim -a` against the farm on the same lesson, measured as the user sees it.

Prints a markdown table of medians and ratios against the DESIGN.md targets; never asserts a
timing. Both sides keep their LaTeX caches, as they would for a user who renders again:
manim's media dir lives across its runs (its partial-movie cache is off, `--disable_caching`;
an untimed first run warms its LaTeX cache), and the farm's warm workers keep theirs (its
chunk cache is off, `--no-cache`). Two lessons are timed:

- the same lesson again: every formula is in both LaTeX caches;
- new formulas: each run renders a copy whose MathTex/Tex strings start with the definition
  of a macro named for the run (it typesets nothing) and whose Text strings end in a number
  of spaces of the run's (they draw nothing): the same frames, but neither side has seen its
  formulas or texts, and the farm has none of its scenes, posters or scene list cached (the
  glyphs of numbers stay cached, as after any earlier lesson). This is a new lesson as a user
  renders it.

manim and the farm take turns on the same files (a machine that slows down for a while, as a
shared VM does, slows both sides of a pair); the farm's cluster idles during manim's turns.
The farm uses a fresh SCENEFARM_DATA_DIR (no cache of the user's is read or written) and is
stopped with `scenefarm down` at the end.

    .venv/bin/python bench/bench_render.py [--file F] [--quality l] [--workers N] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUALITIES = ("l", "m", "h", "k")
TRIVIAL_SCENE = "Trivial"
# What sandbox/guest/zygote.py sets with mallopt() in every job (JOB_MMAP_THRESHOLD,
# JOB_TRIM_THRESHOLD), as glibc's environment variables: plain manim given the same allocator.
JOB_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(64 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}
TRIVIAL_CODE = f'''"""A one-frame scene: what is left of a render is its per-chunk overhead."""

from manim import Dot, FadeIn, Scene, config


class {TRIVIAL_SCENE}(Scene):
    def construct(self) -> None:
        self.play(FadeIn(Dot()), run_time=1 / config.frame_rate)
'''


@dataclass(frozen=True)
class Options:
    file: Path
    quality: str
    workers: int
    runs: int
    sandbox: str = "auto"


@dataclass(frozen=True)
class FarmRun:
    """One `scenefarm render` as the user saw it, plus what its report says."""

    wall_s: float
    phases: dict[str, float]  # the coordinator's list_s, probe_s, render_s, stitch_s
    report_wall_s: float  # the CLI's own clock: connect to the cluster and warm pool, render
    render_phase_s: float  # the coordinator's render phase: first chunk dispatched to last back
    chunk_render_s: tuple[float, ...]  # per rendered chunk: time inside the sandbox job
    chunks: int
    cached_chunks: int
    ran_in: str  # "render-server" or "cli" (api/render_server.py)

    @classmethod
    def from_report(cls, wall_s: float, report: dict[str, Any]) -> FarmRun:
        chunks = [c for s in report["scenes"] for c in s["chunks"]]
        totals = report["totals"]
        return cls(
            wall_s=wall_s,
            phases={k: float(v) for k, v in totals["phases"].items()},
            report_wall_s=float(totals["wall_s"]),
            render_phase_s=float(totals["phases"]["render_s"]),
            chunk_render_s=tuple(float(c["render_s"]) for c in chunks if not c["cached"]),
            chunks=int(totals["chunks"]),
            cached_chunks=int(totals["cached_chunks"]),
            ran_in=str(totals.get("ran_in", "cli")),
        )

    def breakdown(self) -> dict[str, float]:
        """Where the command's wall time went, in order; the parts add up to `wall_s`."""
        inside = sum(self.phases.values())
        return {
            "process": self.wall_s - self.report_wall_s,  # interpreter start, imports, exit
            "connect": self.report_wall_s - inside,  # cluster connect, warm-pool check
            **{k.removesuffix("_s"): v for k, v in self.phases.items()},
        }

    def scheduling_overhead_s(self, workers: int) -> float:
        """Worker time from the first probe (or scout) sent to the last chunk back that was not
        spent inside a chunk's sandbox job (probes count as overhead), per rendered chunk."""
        rendered = len(self.chunk_render_s)
        if rendered == 0:
            return 0.0
        work_s = self.phases.get("probe_s", 0.0) + self.render_phase_s
        return (work_s * workers - sum(self.chunk_render_s)) / rendered


# -- running commands ------------------------------------------------------------------------


def tool(name: str) -> str:
    """The venv's own executable (next to this interpreter), else whatever PATH has."""
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"bench: cannot find {name!r} next to {sys.executable} or on PATH")
    return found


def timed(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall time of the whole command; a failed command ends the benchmark with its stderr."""
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip()[-2000:]
        raise SystemExit(f"bench: `{' '.join(argv)}` exited {done.returncode}:\n{tail}")
    return elapsed


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# -- the lessons -----------------------------------------------------------------------------

TEX_STRING = re.compile(r'((?:Math)?Tex\(\s*(r?)")')
TEXT_STRING = re.compile(r'(\bText\(\s*)"([^"\\\n]*)"')


def with_new_formulas(code: str, nonce: str, spaces: int = 0) -> str:
    """The lesson with every MathTex/Tex string starting with the definition of a macro named
    for `nonce` (it typesets nothing), and every plain Text string ending in `spaces` more
    spaces (they draw nothing): the same frames, from formulas and texts no LaTeX or Pango
    cache has seen, and scenes no farm cache has."""
    name = "benchnonce" + "".join(chr(ord("a") + int(c, 16)) for c in nonce.encode().hex()[:16])

    def define(match: re.Match[str]) -> str:
        slash = "\\" if match.group(2) else "\\\\"  # r"..." or an escaped "..."
        return f"{match.group(1)}{slash}def{slash}{name}{{}}"

    def pad(match: re.Match[str]) -> str:
        return f'{match.group(1)}"{match.group(2)}{" " * spaces}"'

    return TEXT_STRING.sub(pad, TEX_STRING.sub(define, code))


@dataclass(frozen=True)
class Lessons:
    """The file each timed run renders: the lesson itself, or a copy with new formulas."""

    file: Path
    work: Path

    def new_formulas(self, tag: str, spaces: int = 0) -> Path:
        path = self.work / f"new-{tag}" / self.file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        nonce = f"{tag}-{uuid.uuid4().hex}"
        path.write_text(with_new_formulas(self.file.read_text(), nonce, spaces))
        return path


# -- plain manim -----------------------------------------------------------------------------


def manim_argv(file: Path, quality: str, media_dir: Path, scene: str | None) -> list[str]:
    head = [tool("manim"), "render", f"-q{quality}", "--disable_caching", "-v", "WARNING"]
    return [*head, "--media_dir", str(media_dir), str(file), scene or "-a"]


@dataclass(frozen=True)
class Manim:
    """Plain manim with one media dir for all its runs: its LaTeX cache lives on, as a user's
    does; its partial movies are never reused (caching is disabled)."""

    opts: Options
    media: Path

    def render(self, file: Path, scene: str | None = None, malloc: bool = False) -> float:
        """`malloc`: with the allocator settings the farm's sandbox jobs run with."""
        env = {**os.environ, **JOB_MALLOC_ENV} if malloc else None
        return timed(manim_argv(file, self.opts.quality, self.media, scene), env)


# -- the farm --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Farm:
    opts: Options
    work: Path
    env: dict[str, str]

    def render(self, file: Path, tag: str, *, cache: bool, scene: str | None = None) -> FarmRun:
        out, report = self.work / f"{tag}.mp4", self.work / f"{tag}.json"
        argv = [
            tool("scenefarm"), "render", str(file), *([scene] if scene else []),
            "-o", str(out), "--quality", self.opts.quality,
            "--workers", str(self.opts.workers), "--report", str(report),
            "--sandbox", self.opts.sandbox,
        ]  # fmt: skip
        if not cache:
            argv.append("--no-cache")
        wall_s = timed(argv, self.env)
        return FarmRun.from_report(wall_s, json.loads(report.read_text()))

    def repeat(self, label: str, once: Callable[[str], FarmRun]) -> list[FarmRun]:
        runs = []
        for i in range(self.opts.runs):
            runs.append(once(f"{label}-{i}"))
            say(f"{label} run {i + 1}/{self.opts.runs}: {runs[-1].wall_s:.2f} s")
        return runs

    def down(self) -> None:
        subprocess.run([tool("scenefarm"), "down"], env=self.env, capture_output=True, check=False)
        stop_watchdog(self.env["SCENEFARM_DATA_DIR"])


def await_render_server(env: dict[str, str], timeout_s: float = 60.0) -> None:
    """The render server starts in the background after a first command (the warm-up): timed
    runs should find it up, as a user's later commands do (api/render_server.py)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = subprocess.run(
            [tool("scenefarm"), "status"], env=env, capture_output=True, text=True, check=False
        )
        if "render server running" in status.stdout:
            time.sleep(1.0)  # joined to the cluster and listening
            return
        time.sleep(0.5)
    say("no render server came up: the farm's commands run in their own process")


def stop_watchdog(data_dir: str) -> None:
    """`scenefarm down` leaves the cluster's idle watchdog polling for up to 10 s; it would
    recreate the data dir after the temp dir is gone. Ours is the one watching our data dir."""
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if "cluster.farm.idle_watchdog" in cmdline and data_dir in cmdline:
            with contextlib.suppress(psutil.Error):
                proc.terminate()
                proc.wait(timeout=5)


@dataclass(frozen=True)
class FarmResults:
    cold: FarmRun
    lesson: list[FarmRun]
    new_formulas: list[FarmRun]
    resubmit: list[FarmRun]
    trivial: list[FarmRun]


def lesson_pairs(
    opts: Options, manim: Manim, farm: Farm, lessons: Lessons
) -> tuple[Baselines, list[FarmRun], list[FarmRun]]:
    """manim and the farm in turns, on the same files: a machine that slows down for a while
    (a shared VM does) slows both sides of a pair, not one side of the whole comparison."""
    same: tuple[list[float], list[FarmRun]] = ([], [])
    new: tuple[list[float], list[FarmRun]] = ([], [])
    tuned: list[float] = []
    for i in range(opts.runs):
        fresh = lessons.new_formulas(f"run{i}", spaces=i + 1)
        for label, file, (base, runs) in (
            ("same lesson", lessons.file, same),
            ("new formulas", fresh, new),
        ):
            base.append(manim.render(file))
            runs.append(farm.render(file, f"{label.replace(' ', '-')}-{i}", cache=False))
            times = f"manim {base[-1]:.2f} s, farm {runs[-1].wall_s:.2f} s"
            say(f"{label} run {i + 1}/{opts.runs}: {times}")
        tuned.append(manim.render(lessons.file, malloc=True))
        say(f"same lesson run {i + 1}/{opts.runs}: manim, jobs' allocator, {tuned[-1]:.2f} s")
    return Baselines(same[0], new[0], [], tuned), same[1], new[1]


def farm_results(
    farm: Farm, lessons: Lessons, manim: Manim, trivial_file: Path
) -> tuple[Baselines, FarmResults]:
    file = farm.opts.file
    say("manim warm-up (fills its LaTeX cache) and farm warm-up (starts Ray and warm workers)")
    manim.render(file)
    cold = farm.render(file, "cold", cache=False)
    say(f"farm cold start: {cold.wall_s:.2f} s")
    await_render_server(farm.env)
    base, lesson, new = lesson_pairs(farm.opts, manim, farm, lessons)
    farm.render(file, "prime", cache=True)  # fills every cache the resubmits read
    resubmit = farm.repeat("resubmit", lambda tag: farm.render(file, tag, cache=True))
    trivial = farm.repeat(
        "farm-trivial",
        lambda tag: farm.render(trivial_file, tag, cache=False, scene=TRIVIAL_SCENE),
    )
    manim_trivial = []
    for i in range(farm.opts.runs):
        manim_trivial.append(manim.render(trivial_file, TRIVIAL_SCENE))
        say(f"manim trivial run {i + 1}/{farm.opts.runs}: {manim_trivial[-1]:.2f} s")
    base = replace(base, trivial=manim_trivial)
    return base, FarmResults(cold, lesson, new, resubmit, trivial)


@dataclass(frozen=True)
class Baselines:
    lesson: list[float]  # the same lesson again
    new_formulas: list[float]
    trivial: list[float]
    malloc_tuned: list[float]  # the same lesson again, with the jobs' allocator settings


# -- the table -------------------------------------------------------------------------------


def med(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def split(runs: Sequence[FarmRun]) -> str:
    """Median of each part of the wall time (see FarmRun.breakdown)."""
    parts = [r.breakdown() for r in runs]
    return ", ".join(f"{k} {med([p[k] for p in parts]):.2f}" for k in parts[0])


def served(runs: Sequence[FarmRun]) -> str:
    return f"{sum(r.ran_in == 'render-server' for r in runs)}/{len(runs)}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


Row = tuple[str, str, str]  # metric, value, what it means


def setup_rows(opts: Options) -> list[Row]:
    return [
        ("N (workers)", str(opts.workers), "`--workers` given to the farm"),
        ("cores", str(os.cpu_count()), "os.cpu_count() on this machine"),
        ("quality", opts.quality, "manim `-q` / scenefarm `--quality`"),
        ("sandbox", opts.sandbox, "scenefarm `--sandbox` (auto: docker if its image is built)"),
        ("runs", str(opts.runs), "timed runs per measurement; every time below is their median"),
    ]


def speed_rows(n: int, base: Baselines, farm: FarmResults) -> list[Row]:
    base_s, farm_s = med(base.lesson), med([r.wall_s for r in farm.lesson])
    new_base_s, new_farm_s = med(base.new_formulas), med([r.wall_s for r in farm.new_formulas])
    tuned_s = med(base.malloc_tuned)
    work_s = med([sum(r.chunk_render_s) for r in farm.lesson])
    resub = med([r.wall_s for r in farm.resubmit])
    cached = f"{min(r.cached_chunks for r in farm.resubmit)}/{farm.resubmit[0].chunks}"
    chunks = farm.lesson[0].chunks
    target = 0.85 * n
    return [
        ("baseline wall", f"{base_s:.2f} s",
         "same lesson again: `manim render -a`, one process, its LaTeX cache warm"),
        ("farm wall", f"{farm_s:.2f} s",
         f"same lesson again: `scenefarm render --no-cache`, warm workers, {chunks} chunks"),
        ("speedup", ratio(base_s, farm_s), "baseline wall / farm wall"),
        ("target speedup", f"{target:.2f}x", "DESIGN.md: >= 0.85 * N"),
        ("speedup / target", ratio(base_s / farm_s, target), ">= 1.00x meets the target"),
        ("baseline, jobs' allocator", f"{tuned_s:.2f} s",
         "same lesson again: `manim render -a` with the malloc settings of the farm's jobs "
         "(MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_): what of the speedup is not the farm's "
         "own doing"),
        ("speedup over it", ratio(tuned_s, farm_s), "baseline with jobs' allocator / farm wall"),
        ("new formulas: baseline wall", f"{new_base_s:.2f} s",
         "a copy with new formulas and texts, each run: `manim render -a`"),
        ("new formulas: farm wall", f"{new_farm_s:.2f} s",
         "the same copies: `scenefarm render --no-cache`, warm workers"),
        ("new formulas: speedup", ratio(new_base_s, new_farm_s),
         "new formulas: baseline wall / farm wall"),
        ("new formulas: speedup / target", ratio(new_base_s / new_farm_s, target),
         ">= 1.00x meets the target"),
        ("farm wall split", split(farm.lesson),
         "same lesson, medians, s: process = CLI start/imports/exit, connect = Ray + warm "
         "pool; probe = until the last probe or scout is in (chunks render meanwhile; a scout "
         "draws its scene's first chunk), render = the rest"),
        ("new formulas: farm wall split", split(farm.new_formulas), "medians, s: as above"),
        ("farm chunk work", f"{work_s:.2f} s", "sum of chunk render_s (time inside sandboxes)"),
        ("served", served(farm.lesson + farm.new_formulas),
         "timed farm runs run by the render server (the rest by their own CLI process)"),
        ("cold start wall", f"{farm.cold.wall_s:.2f} s", "first farm run: starts Ray + workers"),
        ("cached resubmit wall", f"{resub:.2f} s", f"unchanged lesson, {cached} chunks cached"),
        ("resubmit wall split", split(farm.resubmit), "medians, s: as for the farm wall"),
        ("resubmit target", "< 1.00 s", "DESIGN.md"),
    ]  # fmt: skip


def overhead_rows(n: int, cold_trivial: list[float], farm: FarmResults) -> list[Row]:
    phase = med([r.render_phase_s for r in farm.trivial])
    job = med([r.chunk_render_s[0] for r in farm.trivial])
    command = med([r.wall_s for r in farm.trivial])
    cold = med(cold_trivial)
    sched = med([r.scheduling_overhead_s(n) for r in farm.lesson])
    return [
        ("trivial chunk: render phase", f"{phase:.3f} s",
         "farm per-chunk overhead: a 1-frame chunk, dispatched -> mp4 back"),
        ("trivial chunk: sandbox job", f"{job:.3f} s",
         "its render_s: fork + build scene + 1 frame + encode, in the sandbox"),
        ("trivial chunk: outside sandbox", f"{phase - job:.3f} s",
         "render phase - sandbox job: Ray call, mp4 bytes back, its index checked"),
        ("per-chunk overhead target", "<= 0.300 s", "DESIGN.md, vs 2-3.5 s for a cold manim"),
        ("trivial: cold manim wall", f"{cold:.2f} s", "the same scene in one `manim` process"),
        ("cold manim / farm chunk", ratio(cold, phase),
         "trivial cold manim wall / trivial chunk render phase"),
        ("trivial: farm command wall", f"{command:.2f} s",
         "whole `scenefarm render` of it: CLI start, connect, list, probe, stitch"),
        ("lesson scheduling overhead", f"{sched:.3f} s",
         "per chunk: ((probe + render phase) * N - sum render_s) / chunks; counts probes "
         "and the idle tail too"),
    ]  # fmt: skip


def rows(opts: Options, base: Baselines, farm: FarmResults) -> list[Row]:
    n = opts.workers
    return setup_rows(opts) + speed_rows(n, base, farm) + overhead_rows(n, base.trivial, farm)


def markdown(table: list[Row]) -> str:
    lines = ["| metric | value | meaning |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in table]
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_file = ROOT / "examples" / "lesson.py"
    parser.add_argument("--file", type=Path, default=default_file, help="the lesson to render")
    parser.add_argument("--quality", choices=QUALITIES, default="l", help="default: l (480p15)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="default: cores")
    parser.add_argument("--runs", type=int, default=3, help="timed runs each (medians reported)")
    parser.add_argument("--sandbox", choices=("auto", "docker", "bwrap"), default="auto")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.runs < 1:
        parser.error("--workers and --runs must be positive")
    if not args.file.is_file():
        parser.error(f"no such file: {args.file}")
    return Options(args.file.resolve(), args.quality, args.workers, args.runs, args.sandbox)


def farm_env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "SCENEFARM_DATA_DIR": str(data_dir)}


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scenefarm-bench-") as tmp:
        work = Path(tmp)
        trivial = work / "trivial.py"
        trivial.write_text(TRIVIAL_CODE)
        lessons = Lessons(opts.file, work)
        if lessons.new_formulas("check", 1).read_text() == opts.file.read_text():
            say(f"{opts.file.name} has no Text/MathTex/Tex string: 'new formulas' is the same")
        manim = Manim(opts, work / "media")
        farm = Farm(opts, work, farm_env(work / "data"))
        try:
            base, results = farm_results(farm, lessons, manim, trivial)
        finally:
            farm.down()
    print(markdown(rows(opts, base, results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
