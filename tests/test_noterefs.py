"""Code references in instructional notes: single codes, wildcards, ranges, lists, qualifiers."""

from __future__ import annotations

import re

import pytest

from icd10ls.codeset.noterefs import parse_note, resolve


def refs(text, codeset):
    return [(r.first, r.last, r.written) for r in parse_note(text, codeset).refs]


def test_a_single_code(cs2026):
    note = parse_note("benign neoplasm of prostate (D29.1)", cs2026)
    assert refs(note.text, cs2026) == [("D29.1", "D29.1", "D29.1")]
    assert resolve(note.refs[0], cs2026) == ["D29.1"]
    assert not note.text_only


@pytest.mark.parametrize(("text", "category"), [("enlarged prostate (N40.-)", "N40"),
                                                 ("alcohol related disorders (F10.-)", "F10")])
def test_a_wildcard_stands_for_everything_below(cs2026, text, category):
    (ref,) = parse_note(text, cs2026).refs
    assert (ref.first, ref.last, ref.written) == (category, category, f"{category}.-")
    codes = resolve(ref, cs2026)
    assert codes == cs2026.billable_with_prefix(category) and len(codes) > 1
    assert ref.covers(codes[0]) and not ref.covers("E11.22")


def test_a_category_range(cs2026):
    (ref,) = parse_note("malignant neoplasms (C00-C96)", cs2026).refs
    assert (ref.first, ref.last, ref.is_range) == ("C00", "C96", True)
    codes = resolve(ref, cs2026)
    assert "C00.0" in codes and "C7A.00" in codes and "C96.9" in codes and "D00.00" not in codes
    assert all("C00" <= code[:3] <= "C96" for code in codes)
    assert ref.covers("C50.911") and ref.covers("C96.A") and not ref.covers("D03.9")


def test_a_subcategory_range_with_trailing_dashes(cs2026):
    for text in ("abdominal pain (R10.1-R10.4)", "abdominal pain (R10.1-R10.4-)"):
        (ref,) = parse_note(text, cs2026).refs
        assert (ref.first, ref.last) == ("R10.1", "R10.4")
        codes = resolve(ref, cs2026)
        assert codes[0] == "R10.10" and codes[-1] == "R10.33"
        assert "R10.0" not in codes and "R10.84" not in codes and "R10.9" not in codes
    (ref,) = parse_note("concussion with other intracranial injuries (S06.1- to S06.6-)", cs2026).refs
    assert (ref.first, ref.last, ref.written) == ("S06.1", "S06.6", "S06.1- to S06.6-")
    assert ref.covers("S06.6X0A") and ref.covers("S06.1X7A") and not ref.covers("S06.0X1A")


def test_a_list_of_ranges(cs2026):
    note = parse_note("intestinal infectious diseases (A00-A09, B95-B97)", cs2026)
    assert refs(note.text, cs2026) == [("A00", "A09", "A00-A09"), ("B95", "B97", "B95-B97")]
    assert note.covers("A09") and note.covers("B96.20") and note.covers("B10.01") is None
    assert len(parse_note("vascular dementia (F01.5-, F01.A-, F01.B-, F01.C-)", cs2026).refs) == 4


def test_a_seventh_character_qualifier_is_kept_as_text_and_narrows(cs2026):
    note = parse_note("open skull fracture (S02.- with 7th character B)", cs2026)
    (ref,) = note.refs
    assert ref.qualifier == "with 7th character B" and ref.seventh == "B"
    codes = resolve(ref, cs2026)
    assert codes and all(code.startswith("S02") and code.endswith("B") for code in codes)
    assert ref.covers("S02.0XXB") and not ref.covers("S02.0XXA")
    (ref,) = parse_note("open fracture of shoulder and upper arm (S42.- with 7th character B or C)", cs2026).refs
    assert ref.seventh == "BC" and ref.qualifier == "with 7th character B or C"
    (ref,) = parse_note("current concussion (brain) (S06.0X- with seventh character A)", cs2026).refs
    assert ref.seventh == "A" and resolve(ref, cs2026)[0] == "S06.0X0A"


def test_a_qualifier_glued_to_the_dash(cs2026):
    """CMS writes 'S92.-with 7th character B' without a space under S91."""
    text = "open fracture of ankle, foot and toes (S92.-with 7th character B)"
    assert text in dict(cs2026.own_notes(cs2026.get("S91").node))["excludes1"]
    (ref,) = parse_note(text, cs2026).refs
    assert (ref.written, ref.seventh) == ("S92.-", "B")
    assert not ref.covers("S92.001A") and ref.covers("S92.001B")


def test_other_qualifiers_are_kept_as_text(cs2026):
    (ref,) = parse_note("dementia in alcohol use disorders (F10.2- with dementia)", cs2026).refs
    assert ref.qualifier == "with dementia" and ref.seventh == ""


@pytest.mark.parametrize("text", [
    "vitamin B12 deficiency",
    "CD30-positive anaplastic large cell lymphoma",
    "GM2 gangliosidosis",
    "type A12 virus",
    "stage 3a",
    "E1.1 is not a code",
])
def test_false_tokens_are_not_references(cs2026, text):
    note = parse_note(text, cs2026)
    assert note.refs == () and note.text_only and note.text == text


def test_a_false_token_next_to_a_real_reference(cs2026):
    note = parse_note("vitamin B12 deficiency anemia (D51.-)", cs2026)
    assert refs(note.text, cs2026) == [("D51", "D51", "D51.-")]


def test_a_note_without_references_keeps_its_text(cs2026):
    text = "code to identify any retained foreign body, if applicable"
    note = parse_note(text, cs2026)
    assert note.text == text and note.text_only and note.covers("E11.22") is None


def test_reference_offsets_point_into_the_text(cs2026):
    text = "type 1 diabetes mellitus (E10.-) and neonatal diabetes mellitus (P70.2)"
    for ref in parse_note(text, cs2026).refs:
        assert text[ref.start:ref.end] == ref.written


# Any letter + digit + character token, dotted or not: deliberately broader than the
# parser's own pattern, so that references the parser misses count against it.
ORACLE = re.compile(r"(?<![A-Za-z0-9])[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?![A-Za-z0-9])")


def excludes1_coverage(codeset):
    """Share of Excludes1 notes with a code reference whose references all resolve.

    A note resolves when every token of it that the code set knows is inside a parsed
    reference and every parsed reference stands for at least one billable code.
    """
    with_reference = resolved = 0
    failures = []
    for node in range(len(codeset)):
        for kind, texts in codeset.own_notes(node):
            if kind != "excludes1":
                continue
            for text in texts:
                known = [m for m in ORACLE.finditer(text)
                         if m.group(0) in codeset or codeset.section_by_id(m.group(0)) is not None]
                if not known:
                    continue
                with_reference += 1
                note = parse_note(text, codeset)
                inside = all(any(r.start <= m.start() and m.end() <= r.end for r in note.refs) for m in known)
                if inside and note.refs and all(resolve(r, codeset) for r in note.refs):
                    resolved += 1
                else:
                    failures.append(f"{codeset.name_of(node)}: {text}")
    return with_reference, resolved, failures


@pytest.mark.parametrize("year", [2025, 2026])
def test_excludes1_references_resolve_to_billable_codes(year, cs2025, cs2026):
    codeset = {2025: cs2025, 2026: cs2026}[year]
    total, resolved, failures = excludes1_coverage(codeset)
    coverage = resolved / total
    report = (f"FY{year}: {resolved} of {total} Excludes1 notes with a code reference resolve to billable "
              f"codes ({coverage:.2%}); unresolved: {failures[:10]}")
    print(report)
    assert total > 5000, report
    assert coverage >= 0.97, report
