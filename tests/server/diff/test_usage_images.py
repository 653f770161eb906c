"""Issue 18 against the real `codex app-server` 0.163.0, same mock provider script for both:

- `thread/tokenUsage/updated` over a three-turn thread with tool calls: every `total` and `last`, all
  fields; then a restart, a resume (the replayed totals), a fourth turn, and a fork with a turn of its own.
- `turn/start` with an image: a remote URL is refused with the same error (also by `turn/steer` and a
  second `turn/start` into a running turn), a data URL is accepted and reaches the provider as the same
  `input_image`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mockprovider import MockProvider
from mockprovider.codexhome import ProviderSettings, find_codex, write_codex_home
from mockprovider.events import usage_object
from tests.server.diff.test_differential import shape, squash
from tests.support.appserver import AppServerProcess

CODEX = [str(find_codex()), "app-server"]
Steps = list[dict[str, Any]]


def usage(inp: int, out: int, cached: int, reasoning: int) -> dict[str, Any]:
    return usage_object(inp, out, cached_tokens=cached, reasoning_tokens=reasoning)


def shell(call_id: str, inp: int) -> dict[str, Any]:
    call = {"name": "exec_command", "arguments": {"cmd": f"touch {call_id}.txt && echo {call_id}"}, "call_id": call_id}
    return {"function_call": call, "usage": usage(inp, inp // 10, inp // 20, 2)}


def text(words: str, inp: int) -> dict[str, Any]:
    return {"text": words, "usage": usage(inp, inp // 10, inp // 4, 3)}


# Turn 1: a command then an answer; turn 2: an answer; turn 3: two commands then an answer;
# after the restart, turn 4 on the thread and turn 5 on its fork. Distinct numbers per response.
USAGE_STEPS: Steps = [
    shell("c1", 1000), text("one", 1300),
    text("two", 1700),
    shell("c3", 2100), shell("c4", 2300), text("three", 2900),
    text("four", 3100),
    text("five", 3700),
]  # fmt: skip


class Run:
    """One server's side of a flow: its processes' transcripts and ids named by role, not by value."""

    def __init__(self, argv: list[str] | None, home: Path, ws: Path):
        self.argv, self.home, self.ws = argv, home, ws
        self.servers: list[AppServerProcess] = []
        self.names: dict[str, str] = {}

    async def start(self) -> AppServerProcess:
        srv = await AppServerProcess.start(self.home, argv=self.argv, cwd=self.ws, env={"HOME": str(self.home)})
        self.servers.append(srv)
        await srv.initialize()
        return srv

    def name(self, real_id: str, role: str) -> None:
        self.names[real_id] = role

    async def turn(self, srv: AppServerProcess, thread: str, words: str) -> None:
        result = await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": words}]})
        self.name(result["turn"]["id"], f"turn:{words}")
        await srv.read_notification("turn/completed", timeout=60)

    def usages(self) -> list[tuple[str, str, dict[str, Any]]]:
        """Every token usage notification: (thread role, turn role, tokenUsage)."""
        out = []
        for srv in self.servers:
            for direction, message in srv.transcript:
                if direction == "S->C" and message.get("method") == "thread/tokenUsage/updated":
                    params = message["params"]
                    thread, turn = self.names.get(params["threadId"], "?"), self.names.get(params["turnId"], "?")
                    out.append((thread, turn, params["tokenUsage"]))
        return out

    def shapes(self) -> list[list[str]]:
        """The notification sequences, less command items: whether the real server announces a quick command
        depends on timing (see the `tool-call` case of test_differential); the usage is what is compared here."""
        return [
            squash(
                [s for d, m in srv.transcript if d == "S->C" for s in [shape(m)] if s and "commandExecution" not in s]
            )
            for srv in self.servers
        ]

    async def close(self) -> None:
        for srv in self.servers:
            await srv.close()


async def usage_flow(argv: list[str] | None, tmp: Path) -> Run:
    ws, home = tmp / "ws", tmp / "home"
    ws.mkdir(parents=True)
    async with MockProvider(USAGE_STEPS, speed=0) as mock:
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", approval_policy="never",
                         sandbox_mode="workspace-write")  # fmt: skip
        run = Run(argv, home, ws)
        try:
            srv = await run.start()
            thread = (await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"]
            run.name(thread, "thread")
            for words in ("a", "b", "c"):
                await run.turn(srv, thread, words)
            await srv.close()
            srv = await run.start()  # a new process: the totals come back from the rollout
            await srv.call("thread/resume", {"threadId": thread})
            await srv.read_notification("thread/tokenUsage/updated", timeout=60)
            await run.turn(srv, thread, "d")
            fork = (await srv.call("thread/fork", {"threadId": thread}))["thread"]["id"]
            run.name(fork, "fork")
            await srv.read_notification("thread/started", timeout=60)
            await run.turn(srv, fork, "e")
        finally:
            await run.close()
        mock.assert_all_consumed()
    return run


async def test_token_usage_totals_match_the_real_server(tmp_path: Path) -> None:
    real = await usage_flow(CODEX, tmp_path / "codex")
    ours = await usage_flow(None, tmp_path / "ours")
    assert ours.usages() == real.usages()
    assert ours.shapes() == real.shapes()
    # The figures themselves: `total` runs over every response of the thread, `last` is the latest.
    totals = [u["total"]["inputTokens"] for _, _, u in ours.usages()]
    assert totals[:6] == [1000, 2300, 4000, 6100, 8400, 11300]
    assert ours.usages()[6][2]["total"]["inputTokens"] == 11300  # the resume's replay, from the rollout
    assert [u["last"]["inputTokens"] for _, _, u in ours.usages()][-3:] == [3100, 3100, 3700]


IMAGE = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)  # a 1x1 PNG


async def image_flow(argv: list[str] | None, tmp: Path) -> tuple[list[Any], list[dict[str, Any]]]:
    ws, home = tmp / "ws", tmp / "home"
    ws.mkdir(parents=True)
    stalled = {"text": "slow " * 40, "chunk_size": 5, "stall_ms": 20_000, "stall_after": 6}
    async with MockProvider([{"text": "A pixel."}, stalled], speed=0) as mock:
        write_codex_home(home, ProviderSettings(mock.url), model="mock-model", approval_policy="never",
                         sandbox_mode="workspace-write")  # fmt: skip
        run = Run(argv, home, ws)
        answers: list[Any] = []
        try:
            srv = await run.start()
            thread = (await srv.call("thread/start", {"cwd": str(ws)}))["thread"]["id"]
            for url in ("https://example.com/cat.png", "HTTP://example.com/cat.png", IMAGE):
                look = [{"type": "text", "text": "what is this?"}, {"type": "image", "url": url}]
                request_id = await srv.request("turn/start", {"threadId": thread, "input": look})
                answer = await srv.read_response(request_id, timeout=60)
                answers.append(answer.get("error") or sorted(answer["result"]["turn"]))
            await srv.read_notification("turn/completed", timeout=60)
            answers += await remote_image_mid_turn(srv, thread)
        finally:
            await run.close()
        sent = mock.response_requests[0].input()[-1]
    return answers, sent["content"]


async def remote_image_mid_turn(srv: AppServerProcess, thread: str) -> list[Any]:
    """A remote image steered into a running turn, by turn/steer and by a second turn/start: the answers."""
    turn = (await srv.call("turn/start", {"threadId": thread, "input": [{"type": "text", "text": "go"}]}))["turn"]
    # Once the turn streams (codex refuses an interrupt sent before its turn runs; see docs/differential.md).
    await srv.read_until(lambda m: m.get("method") == "item/agentMessage/delta" and m["params"]["turnId"] == turn["id"])
    remote = [{"type": "image", "url": "https://example.com/dog.png"}]
    answers = []
    for method, params in (("turn/steer", {"expectedTurnId": turn["id"]}), ("turn/start", {})):
        request_id = await srv.request(method, {"threadId": thread, "input": remote, **params})
        answers.append((await srv.read_response(request_id, timeout=60)).get("error"))
    await srv.call("turn/interrupt", {"threadId": thread, "turnId": turn["id"]})
    await srv.read_notification("turn/completed", timeout=60)
    return answers


async def test_image_urls_answer_as_the_real_server(tmp_path: Path) -> None:
    real = await image_flow(CODEX, tmp_path / "codex")
    ours = await image_flow(None, tmp_path / "ours")
    refused = {"code": -32600, "message": "remote image URLs are not supported; use an inline data URL instead"}
    assert ours[0][:2] == ours[0][3:] == [refused, refused]
    assert ours[0] == real[0]
    assert ours[1] == real[1]  # the same content parts reach the provider
    assert {"type": "input_image", "image_url": IMAGE, "detail": "high"} in ours[1]
