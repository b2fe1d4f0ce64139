"""The building blocks of the rules: suggestions, note qualifiers, placeholder readings."""

from __future__ import annotations

import pytest

from icd10ls.rules.facts import placeholder_readings
from icd10ls.rules.notes import qualifier_test
from icd10ls.codeset.suggest import same_code, suggest


def test_suggest_finds_the_code_behind_case_and_dot_slips(cs2026):
    assert suggest(cs2026, "e1122") == ["E11.22"]
    assert suggest(cs2026, "E11 22")[0] == "E11.22"


@pytest.mark.parametrize("typed, meant", [
    ("I1O", "I10"),  # letter O for zero
    ("E11.6S", "E11.65"),  # S for 5
    ("E1192", "E11.29"),  # two characters swapped
    ("E1399", "E13.9"),  # one character too many
    ("L709", "L70.9"),  # missing dot only: found as is
])
def test_suggest_ranks_the_likely_slip_first(cs2026, typed, meant):
    found = suggest(cs2026, typed)
    assert found and found[0] == meant
    assert len(found) <= 5
    assert all(code in cs2026 for code in found)


def test_suggest_returns_nothing_for_hopeless_input(cs2026):
    assert suggest(cs2026, "") == []
    assert suggest(cs2026, "hello world, this is not a code") == []
    assert suggest(cs2026, "ZZZZZZ") == []


def test_same_code_only_fixes_form(cs2026):
    assert same_code(cs2026, "E112.2") == "E11.22"
    assert same_code(cs2026, "E1399") is None


@pytest.mark.parametrize("qualifier, inside, outside", [
    ("with .42", ["E11.42", "E08.42"], ["E11.9", "E11.43"]),
    ("with .51-.52", ["E11.51", "E11.52"], ["E11.59", "E11.5"]),
    ("with .62-", ["E11.620", "E11.628"], ["E11.65"]),
    ("with fifth character 2", ["B27.02", "B27.92"], ["B27.01"]),
    ("with fifth or sixth character 5", ["T36.0X5A", "T36.5X5D"], ["T36.0X1A"]),
    ("with sixth character 1-4", ["T43.221A", "T43.224A"], ["T43.225A"]),
    ("with fifth to sixth characters 51", ["F11.151", "F12.951"], ["F11.150"]),
    ("with final character 6", ["T36.0X6A", "T50.996A"], ["T36.0X5A"]),
])
def test_qualifiers_narrow_references(qualifier, inside, outside):
    test = qualifier_test(qualifier)
    assert test is not None
    assert all(test(code) for code in inside)
    assert not any(test(code) for code in outside)


def test_unreadable_qualifiers_are_reported_as_such():
    assert qualifier_test("with ketoacidosis") is None
    assert qualifier_test("with open fracture 7th character") is None


@pytest.mark.parametrize("bare, readings", [
    ("T07A", ("T07.XXXA",)),
    ("S0340A", ("S03.40XA",)),
    ("T3601A", ("T36.0X1A",)),
    ("T3601", ("T36.0X1",)),
    ("E1122", ()),
])
def test_placeholder_readings(cs2026, bare, readings):
    assert placeholder_readings(cs2026, bare) == readings
