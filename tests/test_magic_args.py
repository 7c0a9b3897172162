"""Argument parsing of the magics: line splitting and ``-i KEY=EXPR``, with properties.

These run without a shell or a service: the parsing is pure, so hypothesis can
throw thousands of lines at it quickly.
"""

from __future__ import annotations

import keyword
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.error import UsageError

from qrt_jupyter.magics.args import evaluate_inputs, parse_input, parse_inputs, split_line
from qrt_jupyter.magics.core import QRTMagics

identifiers = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True),
    st.text(min_size=1, max_size=8).filter(str.isidentifier),
).filter(lambda name: not keyword.iskeyword(name))

literals = st.one_of(
    st.integers(),
    st.text(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=5),
    st.floats(allow_nan=False, allow_infinity=False),
)


def run_parser():
    """The real ``%qrt_run`` argparse parser, as the magic uses it."""
    return QRTMagics.qrt_run.parser


def inputs_of(line: str, namespace: dict | None = None) -> dict:
    args = run_parser().parse_args(split_line(line))
    return evaluate_inputs(parse_inputs(args.input_exprs), dict(namespace or {}))


# ------------------------------------------------------------------ properties


@given(key=identifiers, value=literals)
def test_any_identifier_and_literal_round_trips(key, value):
    assert inputs_of(f"prog -i {key}={value!r}") == {key: value}


@given(key=identifiers, value=st.one_of(st.integers(), st.text()))
def test_a_shell_quoted_input_round_trips(key, value):
    """``-i 'k=v'`` as a shell user would write it, with shlex's own quoting."""
    line = "prog -i " + shlex.quote(f"{key}={value!r}")
    assert inputs_of(line) == {key: value}


@given(pairs=st.dictionaries(identifiers, literals, max_size=5), shots=st.integers(min_value=1, max_value=10**6))
def test_several_inputs_mixed_with_other_flags(pairs, shots):
    parts = ["sampler", "--shots", str(shots)]
    for key, value in pairs.items():
        parts += ["-i", f"{key}={value!r}"]
    parts += ["--backend", "fake_manila", "--wait"]
    args = run_parser().parse_args(split_line(" ".join(parts)))
    assert args.program == "sampler" and args.shots == shots and args.backend == "fake_manila" and args.wait
    assert evaluate_inputs(parse_inputs(args.input_exprs), {}) == pairs


@given(words=st.lists(st.text(max_size=12).filter(lambda w: not w.startswith("-i")), max_size=6))
def test_other_words_split_like_a_posix_shell(words):
    line = " ".join(shlex.quote(word) for word in words)
    assert split_line(line) == words


@given(key=identifiers, left=st.text(max_size=10), right=st.text(max_size=10))
def test_equals_signs_inside_the_expression_stay_in_it(key, left, right):
    text = f"{left}={right}"
    assert inputs_of(f"prog -i {key}={text!r}") == {key: text}


@settings(max_examples=50)
@given(key=identifiers, values=st.lists(st.integers(), max_size=6))
def test_brackets_may_contain_spaces(key, values):
    expression = "[" + ", ".join(map(str, values)) + "]"
    assert inputs_of(f"prog -i {key}={expression}") == {key: values}


# ------------------------------------------------------------------ examples


@pytest.mark.parametrize(
    "line, expected",
    [
        ('-i name="Bell pair"', {"name": "Bell pair"}),
        ("-i s='a=b'", {"s": "a=b"}),
        ("-i ok=1==1", {"ok": True}),
        ("-i d={'a': [1, 2], 'b': (3, 4)}", {"d": {"a": [1, 2], "b": (3, 4)}}),
        ("-i 'x=1 + 2'", {"x": 3}),
        ('-i "x=len(\'a b\')"', {"x": 3}),
        ("-i x=r'\\d' -i y=\"\"\"a \"quoted\" b\"\"\"", {"x": "\\d", "y": 'a "quoted" b'}),
        ("-ishots=100", {"shots": 100}),
        ("-i t=(1, 2) -i u=-1", {"t": (1, 2), "u": -1}),
    ],
)
def test_input_examples(line, expected):
    assert inputs_of("prog " + line) == expected


def test_expressions_see_the_namespace():
    assert inputs_of("prog -i circuits=[bell, bell] -i n=len(bell)", {"bell": "ab"}) == {
        "circuits": ["ab", "ab"],
        "n": 2,
    }


def test_flags_keep_shell_quoting():
    assert split_line('NAME --description "two words" --version \'1.0 beta\'') == [
        "NAME",
        "--description",
        "two words",
        "--version",
        "1.0 beta",
    ]


@pytest.mark.parametrize(
    "token, problem",
    [
        ("shots", "expects KEY=EXPR"),
        ("=3", "expects KEY=EXPR"),
        ("1x=3", "not a valid input name"),
        ("class=3", "not a valid input name"),
        ("x=", "missing"),
        ("a b=1", "not a valid input name"),
    ],
)
def test_bad_input_tokens_say_what_is_wrong(token, problem):
    with pytest.raises(UsageError, match=problem):
        parse_input(token)


def test_an_input_given_twice_is_a_mistake():
    with pytest.raises(UsageError, match="given twice"):
        parse_inputs(["x=1", "x=2"])


def test_failing_expression_names_the_input_and_the_exception():
    with pytest.raises(UsageError) as info:
        evaluate_inputs([("circuits", "[bell, ghz]")], {"bell": 1})
    message = str(info.value)
    assert "-i circuits=[bell, ghz]" in message and "NameError" in message and "ghz" in message
    assert "\n" not in message


def test_syntax_error_names_the_input():
    with pytest.raises(UsageError, match=r"-i x=\(1: not a Python expression"):
        evaluate_inputs([("x", "(1")], {})


def test_unterminated_string_does_not_swallow_the_parser():
    tokens = split_line("prog -i x='abc --wait")
    assert tokens == ["prog", "-i", "x='abc --wait"]
    with pytest.raises(UsageError, match="-i x="):
        evaluate_inputs(parse_inputs([tokens[2]]), {})
