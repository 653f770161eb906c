"""The code under test: a few ways an application talks to an LLM API.

The clients are built at import time, as applications usually do; `OPENAI_BASE_URL` and `OPENAI_API_KEY`
come from the environment (the openai SDK reads them), `CHAT_BASE_URL` names a Chat Completions service.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import aiohttp
import httpx2 as httpx
import openai

CLIENT = openai.OpenAI(max_retries=0)
ASYNC_CLIENT = openai.AsyncOpenAI(max_retries=0)
CHAT = openai.OpenAI(base_url=os.environ.get("CHAT_BASE_URL"), max_retries=0)
HTTP = httpx.Client(timeout=10)


def ask(question: str) -> str:
    """A non-streaming Responses call."""
    return CLIENT.responses.create(model="gpt-test", input=question).output_text


def stream_answer(question: str) -> str:
    """A streaming Responses call, assembled from its text deltas."""
    events = CLIENT.responses.create(model="gpt-test", input=question, stream=True)
    return "".join(e.delta for e in events if e.type == "response.output_text.delta")


async def astream_answer(question: str) -> str:
    events = await ASYNC_CLIENT.responses.create(model="gpt-test", input=question, stream=True)
    return "".join([e.delta async for e in events if e.type == "response.output_text.delta"])


def chat(question: str) -> str:
    """A streaming Chat Completions call."""
    chunks = CHAT.chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": question}], stream=True
    )
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def sse_raw(question: str) -> Iterator[bytes]:
    """Read a Responses stream with plain httpx, yielding the raw bytes as they come."""
    url = f"{CLIENT.base_url}responses".replace("//responses", "/responses")
    body = {"model": "gpt-test", "input": question, "stream": True}
    headers = {"Authorization": f"Bearer {os.environ.get('OPENAI_API_KEY', '')}"}
    with HTTP.stream("POST", url, json=body, headers=headers) as response:
        response.raise_for_status()
        yield from response.iter_raw()


def sse_events(raw: list[bytes]) -> list[str]:
    text = b"".join(raw).decode()
    return [json.loads(line[6:])["type"] for line in text.splitlines() if line.startswith("data: {")]


async def aiohttp_answer(question: str) -> tuple[str, list[bytes]]:
    """A non-streaming Responses call with aiohttp; returns the text and the raw body chunks."""
    url = str(CLIENT.base_url).rstrip("/") + "/responses"
    headers = {"Authorization": f"Bearer {os.environ.get('OPENAI_API_KEY', '')}"}
    body = {"model": "gpt-test", "input": question}
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as response:
        response.raise_for_status()
        raw = [data async for data, _ in response.content.iter_chunks()]
    body = json.loads(b"".join(raw))
    text = "".join(
        c["text"] for item in body["output"] for c in item.get("content", []) if c.get("type") == "output_text"
    )
    return text, raw
