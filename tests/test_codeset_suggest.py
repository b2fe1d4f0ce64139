""""Did you mean": typical slips lead back to real codes of the code set."""

from __future__ import annotations

import pytest

from icd10ls.cli import main
from icd10ls.codeset.suggest import same_code, suggest


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("J4.41", "J44.1"),  # dot in the wrong place
        ("E1.122", "E11.22"),
        ("E11.2.2", "E11.22"),
        ("I1O", "I10"),  # letter O for zero
        ("R1O.9", "R10.9"),
        ("EO8.22", "E08.22"),
        ("EI1.22", "E11.22"),  # letter I for one
        ("S52.52lA", "S52.521A"),  # letter l for one
        ("E12.12", "E11.22"),  # two characters swapped
        ("L07.9", "L70.9"),
        ("E11.222", "E11.22"),  # one character too many
        ("K21.99", "K21.9"),
    ],
)
def test_typical_slips(cs2026, typed, first):
    assert cs2026.get(typed) is None
    found = suggest(cs2026, typed)
    assert found[0] == first, found


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("E11.23", {"E11.21", "E11.22", "E11.29"}),  # one character off
     ("S03.40A", {"S03.40XA"}),  # one character missing: the placeholder X
     ("S06.1X7D", {"S06.1X0D", "S06.1X1D"})],
)
def test_one_character_off(cs2026, typed, expected):
    found = suggest(cs2026, typed)
    assert expected <= set(found), found


def test_only_the_dot_or_case_was_off(cs2026):
    assert suggest(cs2026, "e1122") == ["E11.22"]
    assert same_code(cs2026, "e1122") == "E11.22"
    assert same_code(cs2026, "J4.41") == "J44.1"
    assert same_code(cs2026, "E11.23") is None


def test_suggestions_are_real_codes_and_limited(cs2026):
    for typed in ("E11.23", "I1O", "S06.1X7D", "E11.221", "L07.9", "M54.9"):
        found = suggest(cs2026, typed, limit=3)
        assert 0 < len(found) <= 3
        assert all(code in cs2026 for code in found), found


@pytest.mark.parametrize("typed", ["", "CKD", "diabetes", "x" * 10_000, "Ｅ11.22", "!!!", "Z99.999999"])
def test_nothing_to_suggest_for_what_is_not_a_code(cs2026, typed):
    assert suggest(cs2026, typed) == []


def test_lookup_prints_the_suggestions(cs2026, capsys):
    assert main(["lookup", "I1O"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "I1O is not a code in ICD-10-CM FY2026" and err[1].startswith("did you mean: I10")
    assert main(["lookup", "E12.12", "--format", "json"]) == 1
    assert '"E11.22"' in capsys.readouterr().out


def test_same_code_only_repairs_case_spaces_and_the_dot(cs2026):
    from icd10ls.codeset.suggest import same_code

    assert same_code(cs2026, " e11.22 ") == "E11.22"
    assert same_code(cs2026, "E1122") == "E11.22"
    assert same_code(cs2026, "I1/0") is None
    assert same_code(cs2026, "A-00") is None
