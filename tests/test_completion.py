"""Completion candidates from plain text, without a server."""

from __future__ import annotations

import pytest

from icd10ls.completion import complete
from icd10ls.codeset.search import index_for


@pytest.fixture(scope="module")
def search(cs2026):
    index = index_for(cs2026)
    return index.search


def labels(candidates):
    return [c.label for c in candidates]


def test_prefix_lists_children_of_a_header(cs2026):
    found = complete("dx: E11.", 8, cs2026)
    assert labels(found)[:3] == ["E11.0", "E11.1", "E11.2"]
    assert all(c.start == 4 and c.end == 8 for c in found)
    assert found[0].reopen and found[0].kind == "header-code"


def test_dotless_lowercase_prefix_keeps_the_typed_style_for_filtering(cs2026):
    found = complete("e112", 4, cs2026)
    assert labels(found) == ["E11.21", "E11.22", "E11.29"]
    assert [c.filter_text for c in found] == ["E1121", "E1122", "E1129"]
    assert not any(c.reopen for c in found)


def test_partial_category_lists_shallow_codes_first(cs2026):
    found = complete("dx: L7", 6, cs2026, limit=5)
    assert labels(found)[0] == "L70"
    assert all(label.startswith("L7") for label in labels(found))


def test_seventh_character_with_placeholders(cs2026):
    assert labels(complete("T07", 3, cs2026)) == ["T07.XXXA", "T07.XXXD", "T07.XXXS"]
    s06 = complete("dx: S06.1X7", 11, cs2026)
    assert labels(s06) == ["S06.1X7A"]  # 6th character 7 takes only A
    s52 = {c.label: c.detail for c in complete("S52.521", 7, cs2026)}
    assert s52["S52.521A"] == "7th character A: initial encounter for closed fracture"


def test_words_give_billable_codes_replacing_the_words(cs2026, search):
    found = complete("dx: diab ckd", 12, cs2026, search=search)
    assert "E11.22" in labels(found)[:5]
    assert all(c.kind == "search" and c.filter_text == "diab ckd" and (c.start, c.end) == (4, 12) for c in found)
    assert found[0].preselect


def test_keys_and_values(cs2026):
    assert [(c.label, c.insert_text) for c in complete("se", 2, cs2026)] == [("setting", "setting: "),
                                                                             ("sex", "sex: ")]
    assert labels(complete("setting: ou", 11, cs2026)) == ["outpatient"]
    assert labels(complete("sex: ", 5, cs2026)) == ["F", "M", "U"]


@pytest.mark.parametrize("line,character", [("dx: E11.9 # E11", 15), ("", 0), ("x" * 10_000, 10_000),
                                            ("dx: 😀", 5), ("date: 2026", 10), ("dx: E11.22", 99)])
def test_nothing_sensible_to_offer_gives_nothing_or_harmless_items(cs2026, search, line, character):
    found = complete(line, character, cs2026, search=search)
    assert all(0 <= c.start <= c.end <= len(line) for c in found)


@pytest.mark.parametrize("line", ["dx: E11.22 ", "dx: E11.22 Type 2 diab", "dx: E11.22 poa=", "E11.22 diab ckd"])
def test_nothing_replaces_a_finished_code(cs2026, search, line):
    assert complete(line, len(line), cs2026, search=search) == []
