"""Agent frameworks complete a tool-calling loop against the mock, unchanged, on each API.

openai-agents (its Chat Completions model), langchain (`ChatOpenAI` on Chat Completions, `ChatAnthropic`)
and pydantic-ai (Chat Completions, Responses, Anthropic). Nothing leaves the machine: every client is
pointed at the loopback mock and tracing/telemetry is off.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from mockprovider import MockProvider

CALL = {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}
ANSWER = {"text": "It is sunny in Paris."}
SCRIPT: list[dict[str, Any]] = [
    {**CALL, "when": {"tool_result": False}},
    {**ANSWER, "when": {"tool_result": True}},
]
ran: list[str] = []


def get_weather(city: str) -> str:
    """Get the weather for a city."""
    ran.append(city)
    return f"sunny in {city}"


def tool_results(mock: MockProvider) -> list[str]:
    """The tool output the client sent back, read in each API's own terms."""
    second = mock.model_requests[1].body
    if "input" in second:
        return [i["output"] for i in second["input"] if i.get("type") == "function_call_output"]
    out = [m["content"] for m in second["messages"] if m.get("role") == "tool"]
    for msg in second["messages"]:
        blocks = msg["content"] if isinstance(msg["content"], list) else []
        out += [json.dumps(b["content"]) for b in blocks if b.get("type") == "tool_result"]
    return out


@pytest.fixture
async def mock() -> Any:
    ran.clear()
    async with MockProvider(SCRIPT, speed=0, strict=True) as provider:
        yield provider
    provider.assert_all_consumed()


async def test_openai_agents_chat_completions_model(mock: MockProvider) -> None:
    import agents
    from openai import AsyncOpenAI

    agents.set_tracing_disabled(True)  # no trace export to api.openai.com
    async with AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0) as client:
        model = agents.OpenAIChatCompletionsModel(model="mock-model", openai_client=client)
        tools: list[Any] = [agents.function_tool(get_weather)]
        agent = agents.Agent(name="weather", instructions="Answer.", tools=tools, model=model)
        result = await agents.Runner.run(agent, "Weather in Paris?")
    assert (result.final_output, ran) == ("It is sunny in Paris.", ["Paris"])
    assert [r.path for r in mock.model_requests] == ["/v1/chat/completions"] * 2
    assert tool_results(mock) == ["sunny in Paris"]


async def _langchain_loop(chat: Any) -> str:
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool

    weather = tool(get_weather)
    bound = chat.bind_tools([weather])
    history: list[Any] = [HumanMessage("Weather in Paris?")]
    reply = await bound.ainvoke(history)
    history.append(reply)
    for call in reply.tool_calls:
        history.append(ToolMessage(weather.invoke(call["args"]), tool_call_id=call["id"]))
    final = await bound.ainvoke(history)
    return str(final.content if isinstance(final.content, str) else final.content[0]["text"])


async def test_langchain_chat_openai_on_chat_completions(mock: MockProvider) -> None:
    from langchain_openai import ChatOpenAI

    async with httpx2.AsyncClient() as http:  # our own, closed here: langchain's default one outlives the loop
        chat = ChatOpenAI(model="mock-model", base_url=mock.url, api_key="sk-test", max_retries=0, streaming=True,
                          http_async_client=http)  # fmt: skip
        text = await _langchain_loop(chat)
    assert (text, ran) == ("It is sunny in Paris.", ["Paris"])
    assert [r.path for r in mock.model_requests] == ["/v1/chat/completions"] * 2
    assert tool_results(mock) == ["sunny in Paris"]


async def test_langchain_chat_anthropic(mock: MockProvider) -> None:
    from langchain_anthropic import ChatAnthropic

    chat = ChatAnthropic(
        model="claude-mock", base_url=mock.origin, api_key="sk-ant-test", max_retries=0, streaming=True
    )
    text = await _langchain_loop(chat)
    await chat._async_client.close()
    assert (text, ran) == ("It is sunny in Paris.", ["Paris"])
    assert [r.path for r in mock.model_requests] == ["/v1/messages"] * 2
    assert tool_results(mock) == ['"sunny in Paris"']


def _pydantic_ai_model(api: str, client: Any) -> Any:
    if api == "anthropic":
        from pydantic_ai.models.anthropic import AnthropicModel
        from pydantic_ai.providers.anthropic import AnthropicProvider

        return AnthropicModel("claude-mock", provider=AnthropicProvider(anthropic_client=client))
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    provider = OpenAIProvider(openai_client=client)
    return (OpenAIChatModel if api == "chat" else OpenAIResponsesModel)("mock-model", provider=provider)


@pytest.mark.parametrize(("api", "path"), [("chat", "/v1/chat/completions"), ("responses", "/v1/responses"),
                                           ("anthropic", "/v1/messages")])  # fmt: skip
@pytest.mark.parametrize("stream", [False, True])
async def test_pydantic_ai_on_all_three_apis(mock: MockProvider, api: str, path: str, stream: bool) -> None:
    import anthropic
    import openai
    from pydantic_ai import Agent

    client: Any = (
        anthropic.AsyncAnthropic(base_url=mock.origin, api_key="sk-ant-test", max_retries=0)
        if api == "anthropic"
        else openai.AsyncOpenAI(base_url=mock.url, api_key="sk-test", max_retries=0)
    )
    async with client:
        agent = Agent(_pydantic_ai_model(api, client), tools=[get_weather])
        if stream:
            async with agent.run_stream("Weather in Paris?") as run:
                output = await run.get_output()
        else:
            output = (await agent.run("Weather in Paris?")).output
    assert (output, ran) == ("It is sunny in Paris.", ["Paris"])
    assert [r.path for r in mock.model_requests] == [path] * 2
    assert len(tool_results(mock)) == 1
