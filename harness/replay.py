"""Play the client's side of a recorded transcript (a relay's golden) against an app-server, and compare.

Client messages are sent in their recorded order, each once the server has said at least as much as it
had said before it in the recording. Labels in them (`<thread 1>`, `<CWD>`) become the live values:
server-made ids are learnt from what the server sends (waiting for them if needed); client-made ids get
fresh values. Comparison (`canonical`) keeps the client's messages in order and treats the server's as
a multiset, since a live client's requests race with the server's notifications: what must match is
what was said, not how two concurrent streams happened to interleave.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import AppServerProcess, Message
from .transcript import Line, Normaliser, Transcript, normalise

_LABEL = re.compile(r"<(thread|turn|item|id|call|approval|process) \d+>")
_PROVIDER_ID = re.compile(r"\b(msg|fc|fco|rs|resp|ctc)_[0-9a-f]{16,}\b")
_CONFIG_VERSION = re.compile(r'"version": "sha256:[0-9a-f]{64}"')  # a config file's hash covers its ports
_LOOPBACK_PORT = re.compile(r"(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\]):\d+")
TIMEOUT = 20.0


@dataclass
class _Live:
    server: AppServerProcess
    labels: Mapping[str, str]
    raw: Transcript = field(default_factory=Transcript)
    normaliser: Normaliser = field(init=False)
    fresh: dict[str, str] = field(default_factory=dict)  # client-made labels -> the values we sent
    server_requests: set[Any] = field(default_factory=set)
    said: Counter[str] = field(default_factory=Counter)  # what the server said, in canonical form
    numbering: _Numbering = field(default_factory=lambda: _Numbering(set()))

    def __post_init__(self) -> None:
        self.normaliser = Normaliser(dict(self.labels))

    @property
    def received(self) -> int:
        return sum(1 for line in self.raw.lines if line.direction == "S->C")

    async def read_one(self, timeout: float) -> None:
        message = await self.server.read_until(lambda _: True, timeout)
        self.raw.add("S->C", message)
        shown = self.normaliser.value(message, None)  # also learns the labels of what the server made
        self.said[self.numbering.key(shown, message.get("id"))] += 1  # numbered by the id as sent
        if "method" in message and "id" in message:
            self.server_requests.add(message["id"])

    def known(self) -> dict[str, str]:
        # The live normaliser's label table, reversed: `<thread 1>` -> the id the server gave it this time.
        return {label: raw for raw, label in self.normaliser._labels.items()}

    async def value_of(self, label: str, timeout: float) -> str:
        if label in self.fresh:
            return self.fresh[label]
        known = self.known()
        if label in known:
            return known[label]
        if label.startswith("<id "):  # made by the client (request ids, message ids): any new value
            self.fresh[label] = str(uuid.uuid4())
            return self.fresh[label]
        async with asyncio.timeout(timeout):  # made by the server: wait until it has said it
            while label not in (known := self.known()):
                await self.read_one(timeout)
        return known[label]

    async def live(self, value: Any, timeout: float) -> Any:
        if isinstance(value, dict):
            return {k: await self.live(v, timeout) for k, v in value.items()}
        if isinstance(value, list):
            return [await self.live(v, timeout) for v in value]
        if not isinstance(value, str):
            return value
        for path, label in self.labels.items():
            value = value.replace(label, path)
        for label in dict.fromkeys(m.group(0) for m in _LABEL.finditer(value)):
            value = value.replace(label, await self.value_of(label, timeout))
        return value

    async def catch_up(self, expected: Counter[str], count: int, timeout: float) -> bool:
        """Read until the server has said everything the recording had it say by now (so its state is as
        far along); False if it does not within `timeout` (then only the count of messages paces us)."""
        try:
            async with asyncio.timeout(timeout):
                while expected - self.said:
                    await self.read_one(timeout)
        except TimeoutError:
            return False
        while self.received < count:
            await self.read_one(timeout)
        return True


async def replay_transcript(
    golden: Transcript, server: AppServerProcess, labels: Mapping[str, str], timeout: float = TIMEOUT
) -> Transcript:
    """Drive `server` with the golden's client messages; return what was said, normalised like the golden."""
    loose = racing_reads(golden)
    live = _Live(server, labels, numbering=_Numbering(loose))
    recorded = _Numbering(loose)
    said_before, expected, in_step = 0, Counter[str](), True
    for line in golden.lines:
        if line.direction == "S->C":
            said_before += 1
            if line.message.get("method") != "item/commandExecution/outputDelta":  # merged in goldens
                expected[recorded.key(line.message)] += 1
            continue
        recorded.sent(line.message)
        if in_step:
            in_step = await live.catch_up(expected, said_before, timeout)
        while live.received < said_before:
            await live.read_one(timeout)
        message: Message = await live.live(line.message, timeout)
        if "method" not in message and "id" in message:  # an answer: its server request must have come
            while message["id"] not in live.server_requests:
                await live.read_one(timeout)
        await server.send(message)
        live.numbering.sent(message)
        live.raw.add("C->S", message)
        live.normaliser.value(message, None)
    while live.received < said_before:
        await live.read_one(timeout)
    return normalise(live.raw, labels)


def canonical(transcript: Transcript, loose: set[int] | None = None) -> list[str]:
    """The client's messages in order, then the server's sorted; label numbers, provider ids, loopback
    ports and config file hashes dropped. Answers to the requests numbered in `loose` (by their order among
    the client's requests) are compared by shape only (see `racing_reads`)."""
    numbering = _Numbering(loose or set())
    client, server = [], []
    for line in transcript.lines:
        if line.direction == "C->S":
            numbering.sent(line.message)
            client.append(_plain(line.render()))
        else:
            server.append(numbering.key(line.message))
    return client + sorted(server)


@dataclass
class _Numbering:
    """Numbers the client's requests in order, so an answer can be told apart as one to a racing read."""

    loose: set[int]
    numbers: dict[str, int] = field(default_factory=dict)

    def sent(self, message: Message) -> None:
        if _is_request(message):
            self.numbers[json.dumps(message["id"])] = len(self.numbers)

    def key(self, message: Message, sent_id: Any = None) -> str:
        """The canonical form of a server message (`sent_id`: its id as the client sent it, if that differs)."""
        number = self.numbers.get(json.dumps(message.get("id") if sent_id is None else sent_id))
        if "result" in message and number in self.loose:
            message = {**message, "result": _shape(message["result"])}
        return _plain(Line("S->C", message).render())


# Reads of thread state: asked while a turn runs, their answer depends on how far the turn has got.
READS = frozenset({"thread/list", "thread/read", "thread/turns/list", "thread/loaded/list"})


def racing_reads(transcript: Transcript) -> set[int]:
    """The numbers (order among the client's requests) of reads sent from a turn/start until its turn ended."""
    starting, running = 0, set()
    out, number = set(), 0
    for line in transcript.lines:
        message, method = line.message, line.message.get("method")
        if line.direction == "S->C" and method == "turn/started":
            starting = max(0, starting - 1)
            running.add(message["params"]["turn"]["id"])
        elif line.direction == "S->C" and method == "turn/completed":
            running.discard(message["params"]["turn"]["id"])
        elif line.direction == "C->S" and _is_request(message):
            starting += method == "turn/start"
            if (starting or running) and method in READS:
                out.add(number)
            number += 1
    return out


def _is_request(message: Message) -> bool:
    return "method" in message and "id" in message


def _shape(value: Any, depth: int = 0) -> Any:
    """An answer's outer keys (the result's and its objects'), without values: those depend on when it was
    asked (a thread's status object gains `activeFlags` once its turn runs)."""
    if isinstance(value, dict) and depth < 2:
        # a thread's read state is null until one of its turns has ended, an object after: a value either way
        return {k: "<value>" if k == "readState" else _shape(v, depth + 1) for k, v in value.items()}
    return "<value>"


def _plain(text: str) -> str:
    """A rendered line without what differs from run to run: label numbers, a provider's ids, local ports."""
    text = _CONFIG_VERSION.sub('"version": "sha256:<hash>"', _LOOPBACK_PORT.sub(r"\1://\2:<port>", text))
    return _PROVIDER_ID.sub(r"\1_<id>", _LABEL.sub(r"<\1>", text))
