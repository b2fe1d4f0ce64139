"""The written form of a code: what normalizes, to what, and what is not a code."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icd10ls.codeset.codes import CODE_TOKEN, compact, dotted, is_code_shaped, normalize, pad_for_seventh

CANONICAL = re.compile(r"[A-Z][0-9A-Z]{2}(?:\.[0-9A-Z]{1,4})?")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("E11.22", "E11.22"),
        ("E1122", "E11.22"),
        ("e11.22", "E11.22"),
        ("e1122", "E11.22"),
        ("  E11.22  ", "E11.22"),
        ("\tE1122\n", "E11.22"),
        (" " * 40 + "e11.22" + " " * 40, "E11.22"),
        ("S060X1A", "S06.0X1A"),
        ("s06.0x1a", "S06.0X1A"),
        ("I10", "I10"),
        ("i10", "I10"),
        ("E11.", "E11"),  # a lone trailing dot is dropped
        ("E11.9", "E11.9"),
        ("QA0.1", "QA0.1"),  # FY2026 categories may start with two letters
        ("T07.XXXA", "T07.XXXA"),
    ],
)
def test_normalize_accepts_any_case_with_or_without_the_dot(typed, canonical):
    assert normalize(typed) == canonical
    assert is_code_shaped(typed)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "E1.1",  # dot in the wrong place
        "E11..22",
        ".E11",
        "E 11.22",
        "E11 .22",
        "CKD",
        "diabetes",
        "E1122334",  # eight characters
        "E11.22334",
        "11.22",
        "EEE.22",  # a category needs a digit
        "A00-A09",
        "N40.-",
        "E11.22/",
        "x" * 10_000,
        "E" * 10_000,
        "E11.22" + " " * 10_000 + "x",
        "Ｅ11.22",  # full-width E
        "E١١.22",  # Arabic-Indic digits
        "ı10",  # dotless i upper-cases to I
        "a0ﬀ",  # the ligature ff upper-cases to FF
        "E11.2\u200b2",  # zero-width space
        "😀",
    ],
)
def test_normalize_refuses_what_is_not_a_code(text):
    assert normalize(text) is None
    assert not is_code_shaped(text)


def test_normalize_refuses_non_strings():
    assert normalize(None) is None  # type: ignore[arg-type]
    assert normalize(1122) is None  # type: ignore[arg-type]


def test_compact_dotted_and_padding():
    assert compact("s06.0x1a") == "S060X1A"
    assert dotted("E1122") == "E11.22"
    assert dotted("I10") == "I10"
    assert pad_for_seventh("T07") == "T07.XXX"
    assert pad_for_seventh("S03.40") == "S03.40X"
    assert pad_for_seventh("S06.0X1") == "S06.0X1"


def test_code_token_finds_codes_in_running_text():
    text = "dx: E11.22, i10 and S060X1A; not 11.22, E11.22x9x9 or CKD"
    assert [m.group(0) for m in CODE_TOKEN.finditer(text)] == ["E11.22", "i10", "S060X1A"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_normalize_never_fails_and_is_idempotent(text):
    code = normalize(text)
    if code is not None:
        assert CANONICAL.fullmatch(code)
        assert normalize(code) == code
        assert normalize(compact(code)) == code
        assert normalize(code.lower()) == code


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", fullmatch=True))
def test_every_canonical_shape_round_trips(code):
    assert normalize(code) == code
    assert normalize(f"  {compact(code).lower()} ") == code
