"""Applying fixes to text, the finding data round trip, and the edits the language server asks for."""

from __future__ import annotations

import json

import pytest

from icd10ls.checker import check_text
from icd10ls.encounter import Span, parse
from icd10ls.findings import Finding, Fix, Related, Severity, TextEdit
from icd10ls.fixes import allow_edit, apply_edits, choose_fixes, edits_of, fix_text, safe_edits


def test_finding_data_round_trips_through_json():
    finding = Finding("duplicate-code", Severity.WARNING, Span(4, 0, 3), "I10 twice", "I10",
                      [Related(Span(2, 0, 3), "I10", "first I10")],
                      [Fix("Delete line 5", (TextEdit.delete_line(4, 3),), safe=True, preferred=True),
                       Fix("Replace", (TextEdit(Span(4, 0, 3), "I11.9"),))])
    data = json.loads(json.dumps(finding.to_data()))
    assert Finding.from_data(data) == finding
    assert [Fix.from_data(f) for f in data["fixes"]] == finding.fixes


def test_real_findings_round_trip():
    result = check_text("date: 2026-01-15\nT07A\nA15.4\nA15.7\nI10\nI10\n")
    for finding in result.findings:
        assert Finding.from_data(json.loads(json.dumps(finding.to_data()))) == finding


def test_severity_labels():
    assert [s.label for s in Severity] == ["error", "warning", "information", "hint"]
    assert Severity.from_label("info") is Severity.INFORMATION
    with pytest.raises(ValueError):
        Severity.from_label("fatal")


def test_apply_edits_keeps_every_line_ending():
    text = "a1\r\nb22\nc333\rd"
    edits = [TextEdit(Span(1, 0, 3), "B"), TextEdit(Span(3, 0, 1), "D"), TextEdit.delete_line(2, 4)]
    assert apply_edits(text, edits) == "a1\r\nB\nD"


def test_deleting_the_last_line_takes_the_break_before_it():
    assert apply_edits("a\nb", [TextEdit.delete_line(1, 1)]) == "a"
    assert apply_edits("a\nb\n", [TextEdit.delete_line(1, 1)]) == "a\n"


def test_overlapping_or_out_of_range_edits_are_refused():
    with pytest.raises(ValueError):
        apply_edits("abc", [TextEdit(Span(0, 0, 2), "x"), TextEdit(Span(0, 1, 3), "y")])
    with pytest.raises(ValueError):
        apply_edits("abc", [TextEdit(Span(0, 0, 9), "x")])
    with pytest.raises(ValueError):
        apply_edits("abc", [TextEdit(Span(3, 0, 0), "x")])


def test_choose_fixes_takes_safe_fixes_that_do_not_collide():
    result = check_text("date: 2026-01-15\nt07a\nE11.2\nI10\nI10\n")
    chosen = choose_fixes(result.findings)
    assert all(fix.safe for fix in chosen)
    assert {fix.edits[0].new_text for fix in chosen} == {"T07.XXXA", ""}


def test_fix_text_converges_in_one_call():
    text = "date: 2026-01-15\r\ne1122 poa=Y\r\nE11.22 poa=Y\r\nT36.01A # allow: code-also\r\n"
    outcome = fix_text(text)
    assert outcome.text == "date: 2026-01-15\r\nE11.22 poa=Y\r\nT36.0X1A # allow: code-also\r\n"
    assert outcome.applied == 3  # normalize, then the lines are identical: delete; placeholder
    again = fix_text(outcome.text)
    assert again.text == outcome.text and again.applied == 0


def test_fix_text_never_touches_unsafe_findings():
    text = "date: 2026-01-15\nW19.XXXA\nS52.521A\nA15.4\nA15.7\nE11.2\n"
    assert fix_text(text).text == text


def test_edits_of_drops_fixes_that_no_longer_fit():
    file = parse("I10\n")
    assert edits_of(Fix("x", (TextEdit(Span(0, 0, 3), "I11.9"),)), file)
    assert edits_of(Fix("x", (TextEdit(Span(5, 0, 3), "I11.9"),)), file) == []
    assert edits_of(Fix("x", (TextEdit(Span(0, 0, 30), "I11.9"),)), file) == []


def test_safe_edits_for_fix_all():
    text = "date: 2026-01-15\nt07a\nI10\nI10\n"
    result = check_text(text)
    edits = safe_edits(result.findings, result.file)
    assert apply_edits(text, edits) == "date: 2026-01-15\nT07.XXXA\nI10\n"


@pytest.mark.parametrize("line, rule, expected", [
    ("A15.7", "excludes1", "A15.7  # allow: excludes1"),
    ("A15.7   ", "excludes1", "A15.7  # allow: excludes1   "),
    ("A15.7 # seen by Dr. K", "excludes1", "A15.7 # allow: excludes1; seen by Dr. K"),
    ("A15.7 # allow: duplicate-code", "excludes1", "A15.7 # allow: duplicate-code, excludes1"),
    ("A15.7 # allow: excludes1", "excludes1", "A15.7 # allow: excludes1"),
])
def test_allow_edit(line, rule, expected):
    file = parse(line)
    edit = allow_edit(file, 0, rule)
    fixed = apply_edits(line, [edit])
    assert fixed == expected
    assert rule in parse(fixed).allows[0].rules


def test_check_text_reads_icd10ls_toml_from_the_path(tmp_path):
    (tmp_path / "icd10ls.toml").write_text('[rules]\nexcludes1 = "error"\nnope = "off"\n', encoding="utf-8")
    result = check_text("A15.4\nA15.7\n", path=str(tmp_path / "x.enc"))
    assert [f.severity for f in result.findings if f.rule == "excludes1"] == [Severity.ERROR]
    assert any("nope" in p for p in result.problems)


def test_the_collector_is_restored_after_a_check():
    import gc

    assert gc.isenabled()
    check_text("I10\n")
    assert gc.isenabled()
    gc.disable()
    try:
        check_text("I10\n")
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_check_parsed_reuses_a_parse():
    from icd10ls.checker import check_parsed

    file = parse("date: 2026-01-15\nE11.2\n")
    result = check_parsed(file)
    assert result.file is file
    assert "non-billable" in [f.rule for f in result.findings]
