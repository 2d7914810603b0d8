"""What can go wrong while generating or editing a lesson."""

from __future__ import annotations


class GenerationError(Exception):
    """Base of lesson-generation failures."""


class ClaudeUnavailable(GenerationError):
    """No API key, or Claude could not be reached after retries."""


class MalformedReply(GenerationError):
    """Claude's tool output did not match the tool's schema, even after asking again."""


class StaticCheckError(GenerationError):
    """Scene code refused before any run: lists every problem found, with lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class SceneFailed(GenerationError):
    """A scene's code could not be made to work within the bounded repair rounds."""
