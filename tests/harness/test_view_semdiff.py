"""harness.semdiff: field-level differences named by JSON path."""

from __future__ import annotations

from harness.semdiff import MISSING, Change, diff


def test_equal_values_have_no_change() -> None:
    value = {"a": [1, {"b": "x"}], "c": None}
    assert diff(value, {"c": None, "a": [1, {"b": "x"}]}) == []


def test_changed_added_and_removed_fields_are_named_by_path() -> None:
    changes = diff({"a": 1, "gone": True, "n": {"x": "y"}}, {"a": 2, "n": {"x": "z"}, "new": [1]})
    assert changes == [
        Change("$.a", 1, 2),
        Change("$.gone", True, MISSING),
        Change("$.n.x", "y", "z"),
        Change("$.new", MISSING, [1]),
    ]
    assert [c.kind for c in changes] == ["changed", "removed", "changed", "added"]


def test_an_inserted_list_element_is_one_change_not_a_shift() -> None:
    a = [{"t": "created"}, {"t": "delta", "d": "Hi"}, {"t": "done"}]
    b = [{"t": "created"}, {"t": "in_progress"}, {"t": "delta", "d": "Hi"}, {"t": "done"}]
    assert diff(a, b) == [Change("$[1]", MISSING, {"t": "in_progress"})]


def test_elements_facing_each_other_are_compared_field_by_field() -> None:
    a = {"events": [{"type": "delta", "delta": "Hel"}, {"type": "delta", "delta": "lo"}]}
    b = {"events": [{"type": "delta", "delta": "Hel"}, {"type": "delta", "delta": "p!"}]}
    assert diff(a, b) == [Change("$.events[1].delta", "lo", "p!")]


def test_types_differ_even_when_python_calls_them_equal() -> None:
    assert diff({"x": 1}, {"x": True}) == [Change("$.x", 1, True)]
    assert diff({"x": 1}, {"x": 1.0}) == [Change("$.x", 1, 1.0)]


def test_keys_that_are_not_identifiers_are_quoted() -> None:
    assert diff({"content-type": "a"}, {"content-type": "b"}) == [Change('$["content-type"]', "a", "b")]
