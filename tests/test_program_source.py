"""Program source checks and docstring metadata (what ``%%qrt_program`` reads from a cell)."""

from __future__ import annotations

import pytest

from qrt_jupyter.program_source import (
    ProgramSourceError,
    check_program_source,
    merge_metadata,
    metadata_from_docstring,
    metadata_from_source,
)

MAIN = "def main(backend, user_messenger, **kwargs):\n    return 1\n"


def test_key_value_lines_and_prose():
    source = '''"""Adds numbers.

It is a demo.

name: adder
Max execution time: 300
version: 1.0
parameters: {"type": "object",
             "properties": {"numbers": {"type": "array"}}}
interim-results: {"type": "integer"}
"""
''' + MAIN
    assert metadata_from_source(source) == {
        "name": "adder",
        "description": "Adds numbers.\n\nIt is a demo.",
        "max_execution_time": 300,
        "version": "1.0",  # text, not the float 1.0
        "spec": {
            "parameters": {"type": "object", "properties": {"numbers": {"type": "array"}}},
            "interim_results": {"type": "integer"},
        },
    }


def test_explicit_description_wins_over_prose():
    meta = metadata_from_docstring("Some prose.\ndescription: the real one\n")
    assert meta == {"description": "the real one"}


def test_json_docstring_is_the_metadata():
    meta = metadata_from_docstring(
        '{"name": "p", "max_execution_time": 10, "parameters": {"type": "object"}, '
        '"spec": {"return_values": {"type": "string"}}}'
    )
    assert meta == {
        "name": "p",
        "max_execution_time": 10,
        "spec": {"parameters": {"type": "object"}, "return_values": {"type": "string"}},
    }


def test_no_docstring_no_metadata():
    assert metadata_from_source(MAIN) == {}


@pytest.mark.parametrize(
    "docstring, problem",
    [
        ("max_execution_time: soon", "expected whole seconds"),
        ("max_execution_time: -5", "must be positive"),
        ("parameters: {not json", "not JSON"),
        ("parameters: [1, 2]", "expected a JSON object"),
        ("name: a\nname: b", "given twice"),
        ("{broken", "docstring JSON"),
        ("[1]", None),  # not JSON-looking: just prose
    ],
)
def test_malformed_docstrings(docstring, problem):
    if problem is None:
        assert metadata_from_docstring(docstring) == {"description": docstring}
        return
    with pytest.raises(ProgramSourceError, match=problem):
        metadata_from_docstring(docstring)


@pytest.mark.parametrize(
    "source, problem",
    [
        ("", "empty"),
        ("def main(:\n", "not valid Python: line 1"),
        ("x = 1\n", "no top-level main"),
        ("class A:\n    def main(self): pass\n", "no top-level main"),
    ],
)
def test_sources_that_are_not_programs(source, problem):
    with pytest.raises(ProgramSourceError, match=problem):
        check_program_source(source)


def test_merge_moves_spec_fields_and_ignores_none():
    merged = merge_metadata(
        {"name": "a", "spec": {"parameters": {"type": "object"}}},
        {"name": None, "description": "d", "return_values": {"type": "string"}},
    )
    assert merged == {
        "name": "a",
        "description": "d",
        "spec": {"parameters": {"type": "object"}, "return_values": {"type": "string"}},
    }
