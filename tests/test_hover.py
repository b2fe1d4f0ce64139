"""Hover text from plain text, without a server."""

from __future__ import annotations

from icd10ls.encounter import parse
from pathlib import Path

from icd10ls.hover import codes_in_prose, hover, token_at


def test_token_at_finds_codes_anywhere_on_the_line():
    assert token_at("dx: E11.22 poa=Y", 6) == ("E11.22", 4, 10)
    assert token_at("# see also s52.521 here", 12) == ("s52.521", 11, 18)
    assert token_at("note: vitamin B12 level", 15) == ("B12", 14, 17)
    assert token_at("dx: E11.22", 2) is None


def test_hover_describes_the_code_with_inherited_notes(store, cs2026):
    file = parse("date: 2026-03-01\ndx: S06.0X1A\n")
    found = hover(file, 1, 6, lambda line: (cs2026, None), [store.for_year(2025), cs2026])
    text = found.markdown
    assert text.startswith("### S06.0X1A — Concussion with loss of consciousness of 30 minutes or less, initial")
    assert "7th character **A**: initial encounter" in text
    assert "head injury NOS (S09.90) _(from S06)_" in text
    assert "Chapter 19" in text
    assert (found.span.line, found.span.start, found.span.end) == (1, 4, 12)


def test_items_of_a_lead_in_are_nested_under_it(store, cs2026):
    file = parse("date: 2026-03-01\ndx: T39.015A\n")
    text = hover(file, 1, 6, lambda line: (cs2026, None), [cs2026]).markdown
    code_first = text.split("**Code first**\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert code_first[0] == "- for adverse effects, the nature of the adverse effect, such as: _(from T36-T50)_"
    assert code_first[1] == "  - adverse effect NOS (T88.7) _(from T36-T50)_"
    assert all(line.startswith("  - ") for line in code_first[1:])
    additional = text.split("**Use additional code**\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert additional[0].startswith("- code(s) to specify:") and additional[1].startswith("  - manifestations")
    assert additional[-1].startswith("- code to identify any retained foreign body")  # another note, not nested


def test_an_other_code_without_an_unspecified_sibling_is_not_told_to_prefer_one(cs2026):
    file = parse("date: 2026-03-01\ndx: A63.8\nA41.89\n")
    lone = hover(file, 1, 6, lambda line: (cs2026, None), [cs2026]).markdown
    assert "**Also for unspecified.**" in lone and "prefer this code to the unspecified" not in lone
    usual = hover(file, 2, 1, lambda line: (cs2026, None), [cs2026]).markdown
    assert "**Also for unspecified.**" not in usual and "prefer this code to the unspecified" in usual


def test_hover_on_an_unknown_code_says_so_and_suggests(cs2026):
    from icd10ls.codeset.suggest import suggest

    file = parse("dx: E11.2Z\n")
    text = hover(file, 0, 5, lambda line: (cs2026, None), [cs2026], suggest).markdown
    assert "Not a code in ICD-10-CM FY2026" in text


def test_hover_on_a_key_explains_it(cs2026):
    file = parse("setting: inpatient\n")
    assert "principal diagnosis" in hover(file, 0, 2, lambda line: (cs2026, None), [cs2026]).markdown
    assert hover(file, 0, 12, lambda line: (cs2026, None), [cs2026]) is None


GUIDELINES = Path("/work/shared/reference/icd10cm-guidelines-fy2025.txt")


def test_codes_in_prose_are_only_codes_written_as_codes(store):
    """Notes and queries: words and numbers that look a little like codes are never taken for one."""
    codesets = store.codesets()
    traps = ("HbA1c 7.2% on 03/01/2026, vitamin B12 low, CD4 350, G6PD normal, COVID-19 negative, T2DM, "
             "H1N1, section I.C.4.a, Chapter 19, room B12, bed A1C, 2025, e11.22, E11.22x, xE11.22, E1.22")
    assert codes_in_prose(traps, codesets) == []
    line = "Documented E11.22 with CKD (N184), then S52.521A; see I10."
    assert [code for code, _, _ in codes_in_prose(line, codesets)] == ["E11.22", "N18.4", "S52.521A", "I10"]
    # Real prose: the Official Guidelines.  Every hit is a code, as written, standing alone.
    text = GUIDELINES.read_text(encoding="utf-8")
    hits = 0
    for line in text.splitlines():
        for code, start, end in codes_in_prose(line, codesets):
            hits += 1
            written = line[start:end]
            assert written.replace(".", "") == code.replace(".", ""), (written, line)
            assert not line[start - 1:start].isalnum() and not line[end:end + 1].isalnum(), line
    assert hits > 900
    for shaped_but_not_codes in ("H1N1", "H3N2", "U00", "U85"):  # in the guidelines' text, not codes
        assert shaped_but_not_codes in text
        assert all(line[s:e] != shaped_but_not_codes
                   for line in text.splitlines() if shaped_but_not_codes in line
                   for _, s, e in codes_in_prose(line, codesets))
