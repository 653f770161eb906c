"""The rest of the step kinds on Chat Completions and Anthropic Messages: raw events and chunks, resets,
instant-replay templates, the admin API and the journal."""

from __future__ import annotations

from typing import Any

import aiohttp
import anthropic
import openai
import pytest

from mockprovider import MockProvider

USER: list[Any] = [{"role": "user", "content": "hi"}]


async def chat_text(mock: MockProvider, **extra: Any) -> tuple[str, str]:
    async with openai.AsyncOpenAI(base_url=mock.url, api_key="k", max_retries=0, _strict_response_validation=True) as c:
        stream = await c.chat.completions.create(model="m", messages=USER, stream=True, **extra)
        chunks = [x async for x in stream]
    return chunks[0].id, "".join(x.choices[0].delta.content or "" for x in chunks if x.choices)


async def anthropic_text(mock: MockProvider) -> tuple[str, str]:
    client = anthropic.AsyncAnthropic(
        base_url=mock.origin, api_key="k", max_retries=0, _strict_response_validation=True
    )
    async with client, client.messages.stream(model="m", max_tokens=5, messages=USER) as stream:
        final = await stream.get_final_message()
    return final.id, "".join(b.text for b in final.content if b.type == "text")


@pytest.mark.parametrize("read", [chat_text, anthropic_text])
async def test_instant_replay_templates_give_fresh_valid_ids(read: Any) -> None:
    """At speed 0 a repeated request shape is served from a pre-rendered template: still valid, fresh ids."""
    async with MockProvider([{"text": "the same answer each time"}], speed=0, loop_script=True) as mock:
        got = [await read(mock) for _ in range(4)]
        built = len(mock.state.api_templates["chat" if read is chat_text else "anthropic"])
    assert [text for _, text in got] == ["the same answer each time"] * 4
    assert len({ident for ident, _ in got}) == 4
    assert built == 1


async def test_raw_events_and_chunks_steps() -> None:
    chunk = {"id": "chatcmpl-raw", "object": "chat.completion.chunk", "created": 1, "model": "m",
             "choices": [{"index": 0, "delta": {"content": "raw"}, "finish_reason": None}]}  # fmt: skip
    steps: list[Any] = [
        {"events": [chunk]},
        {"chunks": [{"data": 'data: {"id":"chatcmpl-c","object":"chat.completion.chunk","created":1,"model":"m",'},
                    {"data": '"choices":[{"index":0,"delta":{"content":"split"},"finish_reason":null}]}\n\n'},
                    {"data": "data: [DONE]\n\n"}]},
        {"events": [{"type": "message_start", "message": {"id": "msg_01raw", "type": "message", "role": "assistant",
                     "model": "m", "content": [], "stop_reason": None, "stop_sequence": None,
                     "usage": {"input_tokens": 1, "output_tokens": 1}}},
                    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hand"}},
                    {"type": "content_block_stop", "index": 0},
                    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                     "usage": {"output_tokens": 1}},
                    {"type": "message_stop"}]},
    ]  # fmt: skip
    async with MockProvider(steps, speed=0) as mock:
        assert await chat_text(mock) == ("chatcmpl-raw", "raw")
        assert await chat_text(mock) == ("chatcmpl-c", "split")
        assert await anthropic_text(mock) == ("msg_01raw", "hand")


async def test_reset_before_headers_on_each_api() -> None:
    async with MockProvider([{"reset": True}, {"reset": True}], speed=0) as mock:
        with pytest.raises(openai.APIConnectionError):
            await chat_text(mock)
        with pytest.raises(anthropic.APIConnectionError):
            await anthropic_text(mock)


async def test_admin_script_journal_and_exhaustion(http: aiohttp.ClientSession) -> None:
    async with MockProvider(speed=0) as mock:
        async with http.post(f"{mock.origin}/__admin/script", json=[{"text": "via admin", "label": "admin"}]) as resp:
            assert resp.status == 200
        assert (await chat_text(mock))[1] == "via admin"
        with pytest.raises(anthropic.InternalServerError, match="no scripted response left") as caught:
            await anthropic_text(mock)
        async with http.get(f"{mock.origin}/__admin/requests") as resp:
            journal = (await resp.json())["requests"]
    assert caught.value.body["error"]["type"] == "api_error"  # type: ignore[index]
    assert [(r["path"], r["status"], r["label"]) for r in journal] == [
        ("/v1/chat/completions", 200, "admin"),
        ("/v1/messages", 500, None),
    ]
    assert journal[0]["body"]["messages"] == USER
    keys = [v for k, v in journal[1]["headers"].items() if k in ("authorization", "x-api-key")]
    assert keys
    assert all(v.endswith("<redacted>") for v in keys)
    assert journal[1]["headers"]["anthropic-version"]


async def test_routed_path_with_expect_continue(http: aiohttp.ClientSession) -> None:
    """A request the fast path leaves to the router (`Expect: 100-continue`) is answered the same way."""
    async with MockProvider([{"text": "routed"}, {"text": "routed too"}], speed=0) as mock:
        request = {"model": "m", "messages": USER}
        async with http.post(f"{mock.url}/chat/completions", json=request, expect100=True) as resp:
            chat = (await resp.json())["choices"][0]["message"]["content"]
        headers = {"anthropic-version": "2023-06-01"}
        async with http.post(f"{mock.url}/messages", json={**request, "max_tokens": 5}, headers=headers,
                             expect100=True) as resp:  # fmt: skip
            messages = (await resp.json())["content"][0]["text"]
    assert (chat, messages) == ("routed", "routed too")
