"""What changed between FY2025 and FY2026, checked against the CMS order lists."""

from __future__ import annotations

import pytest
from codelists import code_list

from icd10ls.codeset.changes import compare, describe_history, history
from icd10ls.codeset.codes import compact


@pytest.fixture(scope="module")
def changes(cs2025, cs2026):
    return compare(cs2025, cs2026)


def test_billable_codes_added_and_deleted(changes):
    assert (changes.old_year, changes.new_year) == (2025, 2026)
    assert len(changes.added) == 487
    assert len(changes.deleted) == 28


def test_the_changes_agree_with_the_official_lists(changes):
    old, new = code_list(2025).billable, code_list(2026).billable
    old_set, new_set = set(old), set(new)
    assert [compact(c) for c in changes.added] == [c for c in new if c not in old_set]
    assert [compact(c) for c in changes.deleted] == [c for c in old if c not in new_set]


def test_g35_became_a_header(changes, cs2025, cs2026):
    assert cs2025.get("G35").billable
    g35 = cs2026.get("G35")
    assert not g35.billable and g35.kind == "category"
    assert [cs2026.name_of(c) for c in cs2026.children_of(g35.node)] == ["G35.A", "G35.B", "G35.C", "G35.D"]
    assert "G35" in changes.deleted and "G35" in changes.became_header
    for code in ("G35.A", "G35.B0", "G35.C1", "G35.D"):
        assert code in changes.added and cs2026.is_billable(code) and cs2025.get(code) is None
    assert cs2026.get("G35.A").title == "Relapsing-remitting multiple sclerosis"
    assert set(changes.became_header) <= set(changes.deleted)
    assert all(cs2026.node_index(code) is not None for code in changes.became_header)


def test_retitled_codes(changes, cs2025, cs2026):
    retitled = {code: (old, new) for code, old, new in changes.retitled}
    assert retitled["L02.212"] == ("Cutaneous abscess of back [any part, except buttock]",
                                   "Cutaneous abscess of back [any part, except buttock and flank]")
    for code, (old, new) in retitled.items():
        assert cs2025.get(code).title == old and cs2026.get(code).title == new and old != new
    assert "E11.22" not in retitled


@pytest.mark.parametrize(
    ("code", "statuses", "sentences"),
    [
        ("G35", ["billable", "header"], ["FY2025: billable; FY2026: header."]),
        ("G35.A", ["absent", "billable"], ["New in FY2026 (billable)."]),
        ("S30.1XXA", ["billable", "absent"], ["Deleted in FY2026; valid through FY2025."]),
        ("E11.22", ["billable", "billable"], []),
        ("T07", ["needs 7th character", "needs 7th character"], []),
        ("E11", ["header", "header"], []),
        ("Z99.999", ["absent", "absent"], []),
        ("L02.212", ["billable", "billable"],
         ["Retitled in FY2026 (was: Cutaneous abscess of back [any part, except buttock])."]),
    ],
)
def test_history_of_a_code(cs2025, cs2026, code, statuses, sentences):
    found = history([cs2026, cs2025], code)  # any order in, oldest first out
    assert [s.fiscal_year for s in found] == [2025, 2026]
    assert [s.status for s in found] == statuses
    assert describe_history(found) == sentences
