from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mockprovider.sse import SSEDecoder, decode_all, encode_event, encode_raw


def test_encode_frames_event_and_one_line_data() -> None:
    frame = encode_event({"type": "response.output_text.delta", "delta": "a\nb"})
    assert (
        frame == b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"a\\nb"}\n\n'
    )


def test_decoder_handles_crlf_comments_and_multiline_data() -> None:
    raw = b": keepalive\r\nevent: x\r\ndata: one\r\ndata: two\r\n\r\ndata: [DONE]\n\n"
    events = decode_all(raw)
    assert [(e.event, e.data) for e in events] == [("x", "one\ntwo"), (None, "[DONE]")]


def test_decoder_drops_a_trailing_event_without_its_blank_line() -> None:
    assert decode_all(b"data: {}\n") == []


@given(st.lists(st.text(max_size=40), min_size=1, max_size=8), st.integers(min_value=1, max_value=7))
def test_any_split_of_the_bytes_decodes_the_same(texts: list[str], step: int) -> None:
    raw = b"".join(encode_event({"type": "t", "delta": t}) for t in texts) + encode_raw("bad", "{not json")
    decoder = SSEDecoder()
    got = []
    for i in range(0, len(raw), step):
        got.extend(decoder.feed(raw[i : i + step]))
    assert [e.data for e in got] == [e.data for e in decode_all(raw)]
    assert [e.json()["delta"] for e in got[:-1]] == texts
