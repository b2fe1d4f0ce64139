"""Billable codes and the whole tree equal the CMS order lists, set and document order."""

from __future__ import annotations

import pytest
from codelists import code_list

from icd10ls.cli import main
from icd10ls.codeset.codes import compact
from icd10ls.codeset.tabular import KIND_CHAPTER

BILLABLE_COUNTS = {2026: 74_719, 2025: 74_260}


@pytest.fixture(params=[2025, 2026], ids=["FY2025", "FY2026"])
def year_codeset(request, cs2025, cs2026):
    return request.param, {2025: cs2025, 2026: cs2026}[request.param]


def test_the_oracle_lists_have_the_published_counts():
    for year, count in BILLABLE_COUNTS.items():
        assert len(code_list(year).billable) == count


def test_billable_codes_equal_the_official_list_in_document_order(year_codeset):
    year, codeset = year_codeset
    ours = [compact(code) for code in codeset.billable_codes()]
    official = list(code_list(year).billable)
    assert len(ours) == BILLABLE_COUNTS[year]
    missing, extra = set(official) - set(ours), set(ours) - set(official)
    assert not missing and not extra, f"missing {sorted(missing)[:10]}, extra {sorted(extra)[:10]}"
    assert ours == official
    assert all(codeset.is_billable(code) for code in codeset.billable_codes())


def test_every_node_and_expansion_is_in_the_official_list_in_order(year_codeset):
    """Chapters, sections, headers, codes and 7th-character codes, exactly as CMS lists them."""
    year, codeset = year_codeset
    expansions: dict[int, list[str]] = {}
    for code, node in zip(codeset.billable_codes(), codeset.compiled.billable_nodes):
        if code != codeset.name_of(node):
            expansions.setdefault(node, []).append(code)
    ours = []
    for node in range(len(codeset)):
        ours.append(compact(codeset.name_of(node)))
        ours.extend(compact(code) for code in expansions.get(node, ()))
    assert ours == list(code_list(year).items)


def test_chapters_are_the_official_chapters(year_codeset):
    year, codeset = year_codeset
    chapters = [codeset.name_of(n) for n in codeset.chapters()]
    assert chapters == [item for item in code_list(year).items if item.isdigit()]
    assert chapters == [str(n) for n in range(1, 23)]
    assert all(codeset.compiled.kinds[n] == KIND_CHAPTER for n in codeset.chapters())


def test_cli_codes_lists_the_official_codes(year_codeset, capsys):
    year, _codeset = year_codeset
    assert main(["codes", "--year", str(year)]) == 0
    listed = capsys.readouterr().out.split()
    assert [compact(code) for code in listed] == list(code_list(year).codes)
    assert all("." in code for code in listed if len(code) > 3)


def test_cli_codes_billable_lists_the_leaves(year_codeset, capsys):
    year, _codeset = year_codeset
    assert main(["codes", "--year", str(year), "--billable"]) == 0
    listed = capsys.readouterr().out.split()
    assert [compact(code) for code in listed] == list(code_list(year).billable)


@pytest.mark.parametrize(
    ("header", "codes"),
    [
        ("T07", ["T07.XXXA", "T07.XXXD", "T07.XXXS"]),
        ("S03.40", ["S03.40XA", "S03.40XD", "S03.40XS"]),
        ("S06.0X1", ["S06.0X1A", "S06.0X1D", "S06.0X1S"]),
        ("S52.529", ["S52.529A", "S52.529D", "S52.529G", "S52.529K", "S52.529P", "S52.529S"]),
    ],
)
def test_placeholder_padding(cs2026, header, codes):
    info = cs2026.get(header)
    assert info is not None and not info.billable and info.needs_seventh
    assert cs2026.billable_with_prefix(header) == sorted(codes)
    for code in codes:
        expanded = cs2026.get(code)
        assert expanded.billable and expanded.base_code == header and expanded.seventh == code[-1]
        assert compact(code) in code_list(2026).billable
    if len(compact(header)) < 6:
        assert cs2026.get(header + "A") is None  # the X placeholder cannot be skipped


def test_s06_death_before_consciousness_takes_only_initial_encounter(cs2026, cs2025):
    for codeset, year in ((cs2026, 2026), (cs2025, 2025)):
        official = set(code_list(year).billable)
        for sixth in "78":
            assert codeset.is_billable(f"S06.1X{sixth}A")
            assert not codeset.is_billable(f"S06.1X{sixth}D") and codeset.get(f"S06.1X{sixth}D") is None
            assert not codeset.is_billable(f"S06.1X{sixth}S") and codeset.get(f"S06.1X{sixth}S") is None
            assert f"S061X{sixth}A" in official and f"S061X{sixth}D" not in official
        assert codeset.is_billable("S06.1X6D") and codeset.is_billable("S06.1X6S")
        assert [c for c, _ in codeset.get("S06.1X7").seventh_characters.allowed] == ["A"]
