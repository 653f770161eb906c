"""Write the hostile-cassette corpus: `python tests/data/hostile/make_corpus.py [DIR]` (default: this folder).

Small static files are committed; the test suite also calls `truncations()` and `oversized()` to make the
variants that would bloat the repository (a file cut at many points, one over the size limit).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIBRARY = HERE.parents[2] / "cassettes" / "turns" / "text.yaml"

HEAD = "version: 1\nmetadata: {}\ninteractions:\n"


def _one(chunks: str, body: str = "data: x\\n\\n") -> str:
    return (
        HEAD + "- request: {method: POST, uri: 'http://h/v1/responses', body: null, headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, "
        f'body: {{string: "{body}"}}, chunks: {chunks}}}\n'
    )


def _bomb(levels: int = 12) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join([*lines, "version: 1", f"metadata: {{bomb: *a{levels - 1}}}", "interactions: []", ""])


def static_files() -> dict[str, bytes]:
    text = LIBRARY.read_text(encoding="utf-8")
    files = {
        "binary.yaml": bytes(range(256)) * 16,
        "bad_utf8.yaml": text.encode().replace(b"How can I help", b"How \xff\xfe can I help", 1),
        "alias_bomb.yaml": _bomb().encode(),
        "scalar_aliases.yaml": (
            f"s: &s {'y' * 4096}\nversion: 1\nmetadata: {{m: [{', '.join(['*s'] * 500)}]}}\ninteractions: []\n"
        ).encode(),
        "unknown_tag_python.yaml": (
            b"version: 1\nmetadata: !!python/object/apply:os.system ['echo pwned']\ninteractions: []\n"
        ),
        "unknown_tag_custom.yaml": b"version: 1\nmetadata: !mine {a: 1}\ninteractions: []\n",
        "deep_nesting.yaml": (
            "version: 1\nmetadata: {x: " + "[" * 100_000 + "]" * 100_000 + "}\ninteractions: []\n"
        ).encode(),
        "empty.yaml": b"",
        "plain_text.yaml": b"just some words, not a cassette\n",
        "version_2.yaml": b"version: 2\ninteractions: []\n",
        "metadata_list.yaml": b"version: 1\nmetadata: [1, 2]\ninteractions: []\n",
        "bad_status.yaml": _one("null").replace("code: 200", "code: 99999").encode(),
        "chunks_not_body.yaml": _one("[{offset_ms: 0, data: 'data: y'}]").encode(),
        "offset_negative.yaml": _one("[{offset_ms: -5, data: 'data: x\\n\\n'}]").encode(),
        "offset_nan.yaml": _one("[{offset_ms: .nan, data: 'data: x\\n\\n'}]").encode(),
        "offset_inf.yaml": _one("[{offset_ms: .inf, data: 'data: x\\n\\n'}]").encode(),
        "offset_huge.yaml": _one("[{offset_ms: 1.0e+12, data: 'data: x\\n\\n'}]").encode(),
        "offset_text.yaml": _one("[{offset_ms: soon, data: 'data: x\\n\\n'}]").encode(),
        "offset_out_of_order.yaml": _one("[{offset_ms: 9, data: 'data: '}, {offset_ms: 3, data: 'x\\n\\n'}]").encode(),
    }
    return files


def truncations(count: int = 16) -> dict[str, bytes]:
    """The library's text cassette, as reelkit writes it today, cut at `count` points spread over the file."""
    from mockprovider.cassette import Cassette

    raw = Cassette.load(LIBRARY).dumps().encode()
    points = sorted({max(1, len(raw) * i // (count + 1) + 7) for i in range(1, count + 1)})
    return {f"truncated_at_{p}.yaml": raw[:p] for p in points}


def oversized(limit_mb: int) -> bytes:
    """A cassette just over `limit_mb` (a long comment, then a valid cassette)."""
    return b"# " + b"x" * (limit_mb * 1024 * 1024) + b"\n" + LIBRARY.read_bytes()


def write(folder: Path, files: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE, static_files())
