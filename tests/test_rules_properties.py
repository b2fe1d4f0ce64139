"""Properties of the checker and of --fix on any text (bounded to a few seconds)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icd10ls.checker import check_text
from icd10ls.encounter import split_lines
from icd10ls.fixes import fix_text

CODES = ["I10", "i10", "E1122", "e11.22", "E11.2", "T07A", "t07a", "S03.40A", "T36.01A", "T36.01", "S52.521",
         "S06.1X7D", "A15.4", "A15.7", "F02.80", "G20.A1", "W19.XXXA", "S02.2XXS", "J34.2", "H65.91", "H65.92",
         "E1399", "G35", "L70.9", "F05", "R41.0", "QA0.0141", "E11.", "Z99.99X", "N18.31"]
HEADERS = ["encounter X", "date: 2026-01-15", "date: 2025-03-01", "date: 2024-05-02", "date: 2026-02-30",
           "setting: inpatient", "setting: nowhere", "sex: F", "age: 200", "note: hello # allow: syntax", ""]
TAILS = ["", " poa=Y", " poa=Q", "  text here", " # allow: excludes1", " # allow: nope, duplicate-code",
         " # just a comment", "\t", " dx: E11.9"]
NEWLINES = ["\n", "\r\n", "\r"]

line = st.one_of(
    st.sampled_from(HEADERS),
    st.builds(lambda prefix, code, tail: prefix + code + tail,
              st.sampled_from(["", "dx: ", "  ", "DX:"]), st.sampled_from(CODES), st.sampled_from(TAILS)),
    st.text(max_size=30),
)
document = st.builds(lambda lines, ends: "".join(l + ends[i % len(ends)] for i, l in enumerate(lines)),
                     st.lists(line, max_size=14), st.lists(st.sampled_from(NEWLINES), min_size=1, max_size=3))

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(document)
def test_checker_never_raises_and_ranges_lie_inside_their_line(text):
    result = check_text(text)
    lines = split_lines(text)
    for finding in result.findings:
        for span in (finding.span, *(r.span for r in finding.related)):
            assert 0 <= span.line < len(lines)
            assert 0 <= span.start <= span.end <= len(lines[span.line])
        for fix in finding.fixes:
            for edit in fix.edits:
                assert 0 <= edit.span.line < len(lines)
                assert 0 <= edit.span.start <= edit.span.end <= len(lines[edit.span.line])


_CODE_TOKEN = re.compile(r"[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?\.?")


def _skeleton(line: str) -> str:
    """The line without its code tokens: what --fix must never change."""
    return _CODE_TOKEN.sub("", line)


@FAST
@given(document)
def test_fix_changes_only_codes_and_drops_only_duplicate_lines(text):
    outcome = fix_text(text)
    before = [_skeleton(l) for l in split_lines(text)]
    after = [_skeleton(l) for l in split_lines(outcome.text)]
    # Every line of the result is a line of the original with at most its codes rewritten, in order.
    position = 0
    for kept in after:
        while position < len(before) and before[position] != kept:
            position += 1
        assert position < len(before), f"line {kept!r} does not come from the original"
        position += 1
    # Line endings are kept: the result's breaks are a subsequence of the original's.
    breaks = re.findall(r"\r\n|\r|\n", text)
    assert len(re.findall(r"\r\n|\r|\n", outcome.text)) <= len(breaks)
    if "\r" not in text:
        assert "\r" not in outcome.text


@FAST
@given(document)
def test_fix_converges(text):
    once = fix_text(text)
    twice = fix_text(once.text)
    assert twice.text == once.text
    assert twice.applied == 0
    assert not [f for f in once.result.findings if any(fix.safe for fix in f.fixes)
                and not _blocked(f, once.result.findings)]


def _blocked(finding, findings) -> bool:
    """A safe fix left over only because another fix takes the same place (an overlap)."""
    lines = {e.span.line for fix in finding.fixes for e in fix.edits}
    return any(other is not finding and any(e.span.line in lines for fix in other.fixes for e in fix.edits)
               for other in findings)
