"""Clarifying questions before a lesson is planned: Claude asks two to four short questions
about the prompt; the educator's answers (or none: skipping is fine) go into the prompt the
planner reads.

Asked by the API (`POST /v1/lessons/questions`) and the studio alike, in the web process with
the runners' Claude settings, before any lesson exists, so the tokens are not on a lesson's
bill. A client that skips the step still gets its lesson.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, Field

from scenes.claude import Claude, ClaudeConfig, Tool

MAX_QUESTIONS = 4
SYSTEM = (
    "You help an educator brief an explainer video before it is planned. Read their request "
    "and ask two to four short questions whose answers would change the lesson most: who it is "
    "for, how deep to go, what to emphasise, how long it should be. One sentence each, no "
    "preamble, nothing the request already answers."
)


class Questions(BaseModel):
    questions: Annotated[
        list[Annotated[str, Field(min_length=3, max_length=300)]],
        Field(min_length=2, max_length=MAX_QUESTIONS),
    ]


TOOL = Tool(
    name="ask_clarifying_questions",
    description="Ask the educator two to four short questions about their lesson request.",
    model=Questions,
)


def ask(config: ClaudeConfig, prompt: str) -> list[str]:
    """Claude's questions about `prompt`; GenerationError (scenes) when it cannot ask."""
    messages = [{"role": "user", "content": f"The educator's request:\n\n{prompt}"}]
    found, _ = Claude(config).call([SYSTEM], messages, TOOL, Questions)
    return found.questions


def answered(prompt: str, pairs: Sequence[tuple[str, str]]) -> str:
    """The prompt with the questions that were answered, for the planner."""
    lines = [f"- {q.strip()} {a.strip()}" for q, a in pairs if q.strip() and a.strip()]
    if not lines:
        return prompt
    return prompt + "\n\nThe educator's answers to clarifying questions:\n" + "\n".join(lines)
