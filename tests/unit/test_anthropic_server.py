"""The scripted Messages-API server, exercised through the real `anthropic` SDK."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from anthropic import Omit
from anthropic.types import Message, TextBlock, ToolUseBlock
from support.anthropic_server import (
    MessagesServer,
    any_request,
    api_error,
    delayed,
    forced_tool,
    garbage,
    malformed_tool_use,
    mentions,
    overloaded,
    rate_limited,
    text,
    tool_use,
)

PLAN_TOOL = {
    "name": "plan_lesson",
    "description": "Plan the lesson as scenes.",
    "input_schema": {
        "type": "object",
        "properties": {"scenes": {"type": "array", "items": {"type": "string"}}},
        "required": ["scenes"],
    },
}
SYSTEM = [
    {"type": "text", "text": "You write Manim. " * 40, "cache_control": {"type": "ephemeral"}}
]


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    with MessagesServer() as s:
        yield s


def client(server: MessagesServer, **options: Any) -> anthropic.Anthropic:
    options.setdefault("max_retries", 0)
    return anthropic.Anthropic(api_key="test-key", base_url=server.base_url, **options)


def ask(c: anthropic.Anthropic, prompt: str = "Explain derivatives", **extra: Any) -> Message:
    message: Message = c.messages.create(
        model="claude-test",
        max_tokens=1024,
        messages=[{"role": "user", "content": prompt}],
        **extra,
    )
    return message


def plan(c: anthropic.Anthropic, prompt: str = "Explain derivatives", **extra: Any) -> Message:
    choice = {"type": "tool", "name": "plan_lesson"}
    return ask(c, prompt, system=SYSTEM, tools=[PLAN_TOOL], tool_choice=choice, **extra)


def test_forced_tool_call_returns_a_parsed_tool_use_block(server: MessagesServer) -> None:
    server.route(
        forced_tool("plan_lesson"), tool_use("plan_lesson", {"scenes": ["Intro", "Slope"]})
    )
    message = plan(client(server))
    block = message.content[0]
    assert isinstance(block, ToolUseBlock)
    assert (block.name, block.input) == ("plan_lesson", {"scenes": ["Intro", "Slope"]})
    assert block.id.startswith("toolu_") and message.id.startswith("msg_")
    assert message.stop_reason == "tool_use" and message.model == "claude-test"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0
    assert server.pending() == [] and server.unmatched == []


def test_usage_given_to_the_builder_overrides_the_estimate(server: MessagesServer) -> None:
    server.route(any_request(), tool_use("plan_lesson", {"scenes": []}, usage={"input_tokens": 7}))
    assert plan(client(server)).usage.input_tokens == 7


def test_recorded_request_shows_system_cache_control_and_forced_tool(
    server: MessagesServer,
) -> None:
    server.route(any_request(), tool_use("plan_lesson", {"scenes": []}))
    plan(client(server))
    (ex,) = server.requests
    assert ex.system_blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert ex.forced_tool == "plan_lesson"
    assert ex.api_key == "test-key" and "anthropic-version" in ex.headers
    assert ex.status == 200 and ex.response is not None
    assert ex.response["content"][0]["input"] == {"scenes": []}


def test_cache_tokens_are_created_once_then_read(server: MessagesServer) -> None:
    server.route(any_request(), *[tool_use("plan_lesson", {"scenes": []}) for _ in range(3)])
    c = client(server)
    first, second = plan(c).usage, plan(c, "Explain integrals").usage
    assert first.cache_creation_input_tokens and not first.cache_read_input_tokens
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens
    assert not second.cache_creation_input_tokens
    other = [{**SYSTEM[0], "text": "You write Remotion. " * 40}]
    third = ask(c, system=other, tools=[PLAN_TOOL]).usage
    assert third.cache_creation_input_tokens and not third.cache_read_input_tokens


def test_no_cache_tokens_without_cache_control(server: MessagesServer) -> None:
    server.route(any_request(), text("hi"), text("hi"))
    c = client(server)
    usages = [ask(c, system="plain system prompt").usage for _ in range(2)]
    assert all(not u.cache_creation_input_tokens and not u.cache_read_input_tokens for u in usages)


def test_failed_attempts_do_not_warm_the_cache(server: MessagesServer) -> None:
    server.route(any_request(), overloaded(), tool_use("plan_lesson", {"scenes": []}))
    c = client(server)
    with pytest.raises(anthropic.APIStatusError):
        plan(c)
    assert plan(c).usage.cache_creation_input_tokens


def test_rate_limit_then_success_is_retried_by_the_sdk(server: MessagesServer) -> None:
    server.route(any_request(), rate_limited(0.01), tool_use("plan_lesson", {"scenes": ["A"]}))
    message = plan(client(server, max_retries=1))
    assert isinstance(message.content[0], ToolUseBlock)
    assert [ex.status for ex in server.requests] == [429, 200]
    limited = server.requests[0].response
    assert limited is not None and limited["error"]["type"] == "rate_limit_error"
    assert server.requests[1].headers["x-stainless-retry-count"] == "1"


def test_overloaded_surfaces_as_529_without_retries(server: MessagesServer) -> None:
    server.route(any_request(), overloaded())
    with pytest.raises(anthropic.InternalServerError) as raised:
        plan(client(server))
    assert raised.value.status_code == 529
    assert isinstance(raised.value, anthropic.APIStatusError)
    assert raised.value.body == server.requests[0].response
    assert server.requests[0].response["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_api_error_is_a_500(server: MessagesServer) -> None:
    server.route(any_request(), api_error())
    with pytest.raises(anthropic.InternalServerError) as raised:
        ask(client(server))
    assert raised.value.status_code == 500


def test_invalid_json_body_raises_a_json_error_not_an_sdk_error(server: MessagesServer) -> None:
    # What the SDK really does: the product must catch ValueError as well as anthropic.APIError.
    server.route(any_request(), garbage())
    with pytest.raises(json.JSONDecodeError):
        ask(client(server))


def test_non_json_page_is_returned_as_text_unless_strict(server: MessagesServer) -> None:
    page = garbage(b"<html>bad gateway</html>", content_type="text/html")
    server.route(any_request(), page, page)
    assert ask(client(server)) == "<html>bad gateway</html>"  # type: ignore[comparison-overlap]
    with pytest.raises(anthropic.APIResponseValidationError):
        ask(client(server, _strict_response_validation=True))


def test_text_and_malformed_tool_use_replies_reach_the_caller(server: MessagesServer) -> None:
    server.route(any_request(), text("I'd rather chat."), malformed_tool_use("plan_lesson", {}))
    c = client(server)
    chat = plan(c)
    assert isinstance(chat.content[0], TextBlock) and chat.stop_reason == "end_turn"
    broken = plan(c).content[0]
    assert isinstance(broken, ToolUseBlock) and broken.input == {}  # the SDK does not validate


def test_unmatched_request_is_a_500_listed_and_not_retried(server: MessagesServer) -> None:
    server.route(forced_tool("write_scene"), tool_use("write_scene", {"code": ""}))
    with pytest.raises(anthropic.InternalServerError) as raised:
        plan(client(server, max_retries=2), "Explain limits")
    assert raised.value.status_code == 500
    assert "no rule answers" in str(raised.value) and "Explain limits" in str(raised.value)
    assert server.unmatched == server.requests and len(server.unmatched) == 1
    assert server.pending() == ["forced_tool('write_scene') (1 left)"]


def test_rules_answer_in_order_then_fall_through(server: MessagesServer) -> None:
    server.route(mentions("Intro"), text("first"))
    server.route(any_request(), text("fallback"))
    c = client(server)
    answers = [ask(c, "Write Intro").content[0] for _ in range(2)]
    assert [a.text for a in answers if isinstance(a, TextBlock)] == ["first", "fallback"]


def test_mentions_reads_tool_results_in_the_last_user_turn(server: MessagesServer) -> None:
    server.route(mentions("NameError: circle"), text("fixed"))
    messages: list[Any] = [
        {"role": "user", "content": "Write Intro"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "t", "input": {}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "NameError: circle"}
            ],
        },
    ]
    tools: list[Any] = [{"name": "t", "input_schema": {"type": "object"}}]
    client(server).messages.create(model="m", max_tokens=5, messages=messages, tools=tools)
    assert server.requests[0].status == 200


def test_concurrent_requests_are_routed_to_their_own_rules(server: MessagesServer) -> None:
    names = [f"Scene{i}" for i in range(8)]
    for name in names:
        server.route(mentions(name), tool_use("write_scene", {"code": f"class {name}: ..."}))
    c, results, lock = client(server), {}, threading.Lock()

    def write(name: str) -> None:
        block = ask(c, f"Write the scene {name}").content[0]
        with lock:
            results[name] = block.input if isinstance(block, ToolUseBlock) else None

    threads = [threading.Thread(target=write, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {name: {"code": f"class {name}: ..."} for name in names}
    assert server.unmatched == [] and server.pending() == []


def test_delay_beyond_the_client_timeout_raises_api_timeout(server: MessagesServer) -> None:
    server.route(any_request(), delayed(30, text("too late")))
    with pytest.raises(anthropic.APITimeoutError):
        ask(client(server, timeout=0.3))
    assert len(server.requests) == 1


def test_delay_within_the_client_timeout_answers(server: MessagesServer) -> None:
    server.route(any_request(), delayed(0.05, text("in time")))
    assert isinstance(ask(client(server, timeout=10)).content[0], TextBlock)


@pytest.mark.parametrize(
    ("messages", "extra"),
    [
        ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], {}),
        ([{"role": "assistant", "content": "a"}], {}),
        ([], {}),
        ([{"role": "user", "content": "a"}], {"tool_choice": {"type": "tool", "name": "nope"}}),
    ],
)
def test_invalid_requests_get_400_and_consume_no_reply(
    server: MessagesServer, messages: list[Any], extra: dict[str, Any]
) -> None:
    server.route(any_request(), text("unused"))
    with pytest.raises(anthropic.BadRequestError) as raised:
        client(server).messages.create(model="m", max_tokens=5, messages=messages, **extra)
    assert raised.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert server.pending() == ["any_request() (1 left)"] and server.unmatched == []


def test_missing_headers_and_bodies_are_rejected_like_the_api(server: MessagesServer) -> None:
    c = client(server)
    with pytest.raises(anthropic.BadRequestError, match="anthropic-version"):
        ask(c, extra_headers={"anthropic-version": Omit()})
    with pytest.raises(anthropic.AuthenticationError, match="x-api-key"):
        ask(c, extra_headers={"Authorization": Omit()})
    with pytest.raises(anthropic.BadRequestError, match="not JSON"):
        c.post("/v1/messages", cast_to=object, content=b"{", options={"headers": {}})
    with pytest.raises(anthropic.NotFoundError):
        c.post("/v1/complete", cast_to=object, body={})
    assert [ex.status for ex in server.requests] == [400, 401, 400, 404]


def test_a_reused_reply_gets_a_fresh_tool_use_id_each_time(server: MessagesServer) -> None:
    reply = tool_use("plan_lesson", {"scenes": []})
    server.route(any_request(), reply, reply)
    c = client(server)
    blocks = [plan(c).content[0] for _ in range(2)]
    ids = {b.id for b in blocks if isinstance(b, ToolUseBlock)}
    assert len(ids) == 2


def test_a_broken_predicate_is_reported_as_a_500(server: MessagesServer) -> None:
    server.route(lambda ex: ex.body["no such field"] == 1, text("unused"))
    with pytest.raises(anthropic.InternalServerError, match="no such field"):
        ask(client(server, max_retries=2))
    assert len(server.requests) == 1
