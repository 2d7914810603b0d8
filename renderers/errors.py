"""Errors a renderer reports about a scene or a chunk."""

from __future__ import annotations


class RenderError(Exception):
    """Base of everything a renderer raises about the code it was given."""


class SceneCodeError(RenderError):
    """The scene file or one scene in it failed: names the exception, message and line."""

    def __init__(
        self,
        scene: str,
        kind: str,
        message: str,
        line: int | None,
        status: str = "error",
        traceback: str = "",
    ) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"{scene}: {kind}: {message}{where}")
        self.scene, self.kind, self.message, self.line = scene, kind, message, line
        self.status, self.traceback = status, traceback


class ChunkRenderError(RenderError):
    """A chunk failed to render (or its output failed the host's checks)."""

    def __init__(self, label: str, status: str, detail: str) -> None:
        super().__init__(f"{label}: {status}: {detail}")
        self.label, self.status, self.detail = label, status, detail


class StitchError(RenderError):
    """ffmpeg could not join or inspect media."""
