"""A render worker whose answers a test scripts, for the farm's unit tests on threads.

It stands in for the sandboxed engine only; the pool, dispatcher, coordinator, cache and
stitching around it are the real ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cluster.farm.worker import Failure, Outcome, WorkerConfig


@dataclass
class Script:
    """What every worker made from it does: `answers[method](*args)` gives the outcome;
    `gate` holds calls of the named methods until it is set."""

    answers: dict[str, Callable[..., Outcome]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, what it was for)
    gates: dict[str, threading.Event] = field(default_factory=dict)
    started: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def worker_class(self) -> type:
        script = self

        class ScriptedWorker:
            def __init__(self, config: WorkerConfig) -> None:
                self.config = config

            def __getattr__(self, method: str) -> Callable[..., Outcome]:
                return lambda *args: script.run(method, args)

        return ScriptedWorker

    def run(self, method: str, args: tuple[Any, ...]) -> Outcome:
        with self.lock:
            self.log.append((method, _label(args)))
        self.started.release()
        gate = self.gates.get(method)
        if gate is not None:
            gate.wait(timeout=30)
        answer = self.answers.get(method)
        if answer is None:
            return Outcome(failure=Failure("", "Unscripted", f"no answer for {method}"))
        return answer(*args)

    def methods(self) -> list[str]:
        with self.lock:
            return [m for m, _ in self.log]


def _label(args: tuple[Any, ...]) -> str:
    """The chunk's or scout's label where the call has one, else its first argument."""
    labelled = [a.label for a in args if hasattr(a, "label")]
    return str(labelled[0] if labelled else args[0] if args else "")
