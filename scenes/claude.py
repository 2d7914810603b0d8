"""Claude through the `anthropic` SDK: forced tool calls validated with pydantic.

The SDK retries 408/409/429/5xx (529 overloaded included), connection errors and timeouts with
exponential backoff that honours `retry-after`; `ClaudeConfig.max_retries` bounds it. On top,
a tool reply that does not match its schema is asked for once more with the validation error,
then fails as `MalformedReply`. Every call's token usage is returned with its result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from scenes.errors import ClaudeUnavailable, MalformedReply
from scenes.models import Usage

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
DEFAULT_MODEL = "claude-sonnet-5-5"


@dataclass(frozen=True)
class ClaudeConfig:
    api_key: str
    model: str = DEFAULT_MODEL
    base_url: str | None = None  # ANTHROPIC_BASE_URL: a proxy or a local test server
    max_retries: int = 4
    timeout_s: float = 120.0
    max_tokens: int = 8000


def estimate_cost_usd(usage: Usage) -> float:
    return usage.cost_usd()


@dataclass(frozen=True)
class Tool:
    """A tool Claude is forced to call; its input schema is the pydantic model's."""

    name: str
    description: str
    model: type[BaseModel]

    def as_param(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.model.model_json_schema(),
        }


class LLM(Protocol):
    """What generation needs from a model: one forced tool call, validated."""

    def call(
        self, system: Sequence[str], messages: list[dict[str, Any]], tool: Tool, model: type[M]
    ) -> tuple[M, Usage]: ...


class Claude:
    """The real client. Thread-safe: scenes are written in parallel threads."""

    def __init__(self, config: ClaudeConfig) -> None:
        if not config.api_key:
            raise ClaudeUnavailable(
                "ANTHROPIC_API_KEY is not set: lesson generation needs Claude "
                "(rendering your own scene files with `scenefarm render` works without it)"
            )
        self.config = config
        # Imported here: the SDK takes 1-2 s to import, which rendering alone never needs.
        import anthropic

        self._sdk: ModuleType = anthropic
        self._client = anthropic.Anthropic(
            api_key=config.api_key,
            base_url=config.base_url,
            max_retries=config.max_retries,
            timeout=config.timeout_s,
        )

    def call(
        self, system: Sequence[str], messages: list[dict[str, Any]], tool: Tool, model: type[M]
    ) -> tuple[M, Usage]:
        """Forces `tool`; a reply failing validation is asked for once more, then refused."""
        usage = Usage()
        conversation = list(messages)
        for attempt in range(2):
            raw, tool_id, spent = self._create(system, conversation, tool)
            usage += spent
            try:
                return model.model_validate(raw), usage
            except ValidationError as e:
                problem = _validation_summary(e)
            log.warning("malformed tool output", extra={"tool": tool.name, "attempt": attempt})
            conversation += _ask_again(raw, tool_id, tool.name, problem)
        raise MalformedReply(f"Claude's {tool.name} output was invalid twice: {problem}")

    def _create(
        self, system: Sequence[str], messages: list[dict[str, Any]], tool: Tool
    ) -> tuple[Any, str, Usage]:
        sdk = self._sdk
        try:
            reply = self._client.messages.create(  # type: ignore[call-overload]
                model=self.config.model,
                max_tokens=self.config.max_tokens,
                system=_system_blocks(system),
                messages=messages,
                tools=[tool.as_param()],
                tool_choice={"type": "tool", "name": tool.name},
            )
        except sdk.APIStatusError as e:
            raise ClaudeUnavailable(f"Claude answered {e.status_code}: {_message(e)}") from e
        except sdk.APIError as e:  # connection errors, timeouts, undecodable answers
            raise ClaudeUnavailable(f"Claude could not be reached: {type(e).__name__}: {e}") from e
        except ValueError as e:  # a body that is not JSON surfaces as a bare JSONDecodeError
            raise ClaudeUnavailable(f"Claude's answer could not be decoded: {e}") from e
        if not isinstance(reply, sdk.types.Message):  # e.g. an HTML error page from a proxy
            raise ClaudeUnavailable(f"Claude's answer was not a message: {str(reply)[:200]!r}")
        usage = _usage(reply.usage)
        for block in reply.content:
            if block.type == "tool_use" and block.name == tool.name:
                return block.input, block.id, usage
        return None, "", usage  # ignored the tool: validation fails and we ask again


def _system_blocks(system: Sequence[str]) -> list[dict[str, Any]]:
    """System text as blocks; the last one marked for prompt caching (the long, stable guide)."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text} for text in system]
    if blocks:
        blocks[-1]["cache_control"] = {"type": "ephemeral"}
    return blocks


def _ask_again(raw: Any, tool_id: str, name: str, problem: str) -> list[dict[str, Any]]:
    """The invalid reply and why, so the next call can correct it."""
    note = f"Your {name} input was invalid: {problem}. Call {name} again with valid input."
    if not tool_id:
        return [
            {"role": "assistant", "content": "(no tool call)"},
            {"role": "user", "content": note},
        ]
    return [
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": tool_id,
                    "name": name,
                    "input": raw if isinstance(raw, dict) else {},
                }
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": tool_id, "is_error": True, "content": note}
            ],
        },
    ]


def _validation_summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:8]:
        where = ".".join(str(p) for p in item["loc"]) or "input"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def _usage(raw: Any) -> Usage:
    def count(name: str) -> int:
        return int(getattr(raw, name, 0) or 0)

    return Usage(
        input_tokens=count("input_tokens"),
        output_tokens=count("output_tokens"),
        cache_creation_input_tokens=count("cache_creation_input_tokens"),
        cache_read_input_tokens=count("cache_read_input_tokens"),
        calls=1,
    )


def _message(error: Any) -> str:
    """The API's own error message from an APIStatusError."""
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("error", {}) if isinstance(body.get("error"), dict) else {}
    return str(detail.get("message") or error.message)[:300]
