"""Fuzzing the engine on real codes, mutated files and hostile text (each test bounded to a few seconds).

* The parser and every rule never raise, under the settings that change what rules do
  (inpatient by default, a forced fiscal year); every finding, related place and fix
  edit lies inside the document; messages are one line; findings survive the JSON
  round trip the language server relies on.
* `fix_text` (what `check --fix` does) keeps every character that is not part of a
  fixed code: each line of the result is an original line in which at most the code
  token changed, into the same code up to case, dot and placeholder X (and the
  separators of a malformed token such as 'E11-22'); each line it removed was an exact
  duplicate of a line it kept; line endings stay.  A second
  `fix_text` changes nothing.
* The language server's formatting changes code tokens only, into their canonical form.
* Applying any single quick fix of any finding (the "allow" action included) and
  checking again never brings back that finding: the same rule and code at the same
  place, with the same partners (lines followed through deletions and moves).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import any_files, hostile_texts, mutated_files, valid_files

from icd10ls.checker import CheckResult, check_text
from icd10ls.codeset.codes import compact, normalize
from icd10ls.encounter import Span, parse_line, split_lines
from icd10ls.findings import Finding, Severity, TextEdit
from icd10ls.fixes import allow_edit, apply_edits, edits_of, fix_text, split_keeping_ends
from icd10ls.rules import RULES
from icd10ls.settings import Settings

BOUNDED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# What changes what the rules do: the setting of encounters without one, and a forced year.
CHECK_SETTINGS = st.sampled_from([
    Settings(),
    Settings(default_setting="inpatient"),
    Settings(year=2025),
    Settings(year=2026, default_setting="inpatient"),
])


# -- never raises, everything inside the document ------------------------------------------------


def _inside(span: Span, lines: list[str]) -> bool:
    return 0 <= span.line < len(lines) and 0 <= span.start <= span.end <= len(lines[span.line])


def assert_well_formed(text: str, result: CheckResult) -> None:
    lines = split_lines(text)
    assert result.file.lines == lines
    assert not [i for i in result.file.issues if i.kind == "internal"]  # the parser's own failure, caught
    assert [f.sort_key for f in result.findings] == sorted(f.sort_key for f in result.findings)
    for finding in result.findings:
        assert finding.rule in RULES, finding
        assert isinstance(finding.severity, Severity)
        assert finding.message and not re.search(r"[\r\n]", finding.message), finding
        assert finding.code is None or normalize(finding.code) == finding.code, finding
        assert _inside(finding.span, lines), finding
        for related in finding.related:
            assert _inside(related.span, lines), finding
        for fix in finding.fixes:
            assert fix.title and fix.edits, finding
            for edit in fix.edits:
                assert _inside(edit.span, lines), finding
                if edit.whole_line:
                    assert (edit.span.start, edit.span.end, edit.new_text) == (0, len(lines[edit.span.line]), "")
            apply_edits(text, fix.edits)  # never overlapping, never out of range
        assert Finding.from_data(json.loads(json.dumps(finding.to_data()))) == finding


@settings(BOUNDED, max_examples=120)
@given(valid_files(), CHECK_SETTINGS)
def test_valid_files(text, check_settings):
    result = check_text(text, check_settings)
    assert_well_formed(text, result)
    # The strategy writes well-formed files: the only syntax findings are the two slips it puts in on purpose.
    for finding in result.findings:
        if finding.rule == "syntax":
            assert "E112.2" in result.file.lines[finding.span.line] or "'nope' is not a rule id" in finding.message, \
                finding.message


@settings(BOUNDED, max_examples=150)
@given(mutated_files(), CHECK_SETTINGS)
def test_mutated_files(text, check_settings):
    assert_well_formed(text, check_text(text, check_settings))


@settings(BOUNDED, max_examples=150)
@given(hostile_texts(), CHECK_SETTINGS)
def test_hostile_text(text, check_settings):
    assert_well_formed(text, check_text(text, check_settings))


# -- --fix keeps everything but the fixed codes ----------------------------------------------------


def _code_token(line: str, number: int) -> tuple[int, int] | None:
    """Where a fix may rewrite this line: its diagnosis code, or the not-a-code token after 'dx:'."""
    if number == 0 and line.startswith("\ufeff"):
        line = " " + line[1:]  # the parser reads a byte order mark as a blank
    parsed = parse_line(line, number)
    if parsed.diagnosis is not None:
        return parsed.diagnosis.code_span.start, parsed.diagnosis.code_span.end
    for issue in parsed.issues:
        if issue.kind == "not-a-code":
            return issue.span.start, issue.span.end
    return None


_SEPARATORS = re.compile(r"[\s\-_/,X]")


def _equivalent(a: str, b: str) -> bool:
    """The same code up to case, dot and placeholder X (and the separators `suggest.same_code` drops
    from a malformed token, e.g. 'A/00' or 'E11-22', which the syntax rule then fixes safely)."""
    return _SEPARATORS.sub("", compact(a)) == _SEPARATORS.sub("", compact(b))


def _same_code(written: str, fixed: str) -> bool:
    """`fixed` is `written` in canonical form: all a safe fix may do to a code."""
    return normalize(fixed) == fixed and _equivalent(written, fixed)


def _rewritten(original: str, number: int, result: str) -> str | None:
    """The code `result` has where `original` has its code token, if that is all that differs."""
    if result == original:
        return ""
    token = _code_token(original, number)
    if token is None:
        return None
    start, end = token
    tail = len(original) - end
    if result[:start] != original[:start] or result[len(result) - tail:] != original[end:]:
        return None
    fixed = result[start:len(result) - tail]
    return fixed if _same_code(original[start:end], fixed) else None


def assert_only_codes_changed(original: str, fixed: str) -> None:
    before = split_keeping_ends(original)
    after = split_keeping_ends(fixed)
    kept: list[int] = []  # for each line of the result, the original line it comes from
    position = 0
    for content, _ending in after:
        while position < len(before) and _rewritten(before[position][0], position, content) is None:
            position += 1
        assert position < len(before), f"{content!r} is not an original line with only its code rewritten"
        kept.append(position)
        position += 1
    # Every removed line was an exact duplicate of an earlier line that stays (up to its code's spelling).
    for number in sorted(set(range(len(before))) - set(kept)):
        line = before[number][0]
        earlier = [(after[i][0], source) for i, source in enumerate(kept) if source < number]
        assert any(_is_duplicate(line, number, *other) for other in earlier), f"line {number + 1} {line!r} was removed"
    # Line endings stay with their lines; removing the last line takes the break before it.
    expected = [before[source][1] for source in kept]
    if kept and kept[-1] != len(before) - 1 and not before[-1][1]:
        expected[-1] = ""
    assert [ending for _content, ending in after] == expected


def _is_duplicate(line: str, number: int, kept: str, kept_number: int) -> bool:
    token = _code_token(line, number)
    other = _code_token(kept, kept_number)
    if token is None or other is None:
        return False
    code = kept[other[0]:other[1]]
    return _equivalent(line[token[0]:token[1]], code) and \
        (line[:token[0]] + code + line[token[1]:]).strip() == kept.strip()


@settings(BOUNDED, max_examples=150)
@given(any_files(), CHECK_SETTINGS)
def test_fix_keeps_every_character_but_the_fixed_codes(text, check_settings):
    outcome = fix_text(text, check_settings)
    assert_only_codes_changed(text, outcome.text)
    assert outcome.result.file.text == outcome.text
    again = fix_text(outcome.text, check_settings)
    assert (again.text, again.applied) == (outcome.text, 0)


def test_the_fix_property_catches_what_it_should():
    """The checker of the property above refuses the changes --fix must never make."""
    assert_only_codes_changed("e1122 poa=Y\r\nE11.22 poa=Y\r\n", "E11.22 poa=Y\r\n")
    assert_only_codes_changed("T07A  # x\nI10\nI10", "T07.XXXA  # x\nI10")
    for fixed in ("E11.22 poa=N\n", "E11.22  poa=Y\n", "E11.21 poa=Y\n", "e1122 poa=Y\r\n",
                  "E11.22 poa=Y\nX\n"):
        with pytest.raises(AssertionError):
            assert_only_codes_changed("e1122 poa=Y\n", fixed)
    with pytest.raises(AssertionError):  # a removed line that was not a duplicate
        assert_only_codes_changed("I10\nI10 poa=Y\n", "I10\n")


# -- the language server's formatting ------------------------------------------------------------


@pytest.fixture(scope="module")
def service(store):
    from icd10ls.lsp.service import LanguageService

    return LanguageService(store)


def apply_lsp_edits(text: str, edits) -> str:
    """Apply LSP text edits (UTF-16 positions, protocol lines) to a text, last first."""
    pieces = split_keeping_ends(text)
    starts = [0]
    for content, ending in pieces:
        starts.append(starts[-1] + len(content) + len(ending))

    def offset(position) -> int:
        content = pieces[position.line][0]
        units = 0
        for index, char in enumerate(content):
            if units >= position.character:
                return starts[position.line] + index
            units += 2 if ord(char) > 0xFFFF else 1
        assert units == position.character, "a position past the end of its line"
        return starts[position.line] + len(content)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for later, earlier in zip(spans, spans[1:]):
        assert earlier[1] <= later[0], "overlapping edits"
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


@settings(BOUNDED, max_examples=150)
@given(any_files())
@example("\ud800 e1122\ndx: \ud83d e11.22 \udfff\n\U0001f600 t07a")  # lone surrogates before and after codes
def test_formatting_changes_code_tokens_only(service, text):
    state = service.analyze("file:///tmp/fuzz.enc", text, 1)
    edits = service.formatting(state)
    for edit in edits:
        assert edit.range.start.line == edit.range.end.line and normalize(edit.new_text) == edit.new_text
    formatted = apply_lsp_edits(text, edits)
    before, after = split_keeping_ends(text), split_keeping_ends(formatted)
    assert len(before) == len(after)
    for number, ((old, old_end), (new, new_end)) in enumerate(zip(before, after)):
        assert old_end == new_end
        rewritten = _rewritten(old, number, new)
        assert rewritten is not None, (old, new)
        assert rewritten == "" or compact(rewritten) == compact(old[slice(*_code_token(old, number))]), (old, new)
    assert service.formatting(service.analyze("file:///tmp/fuzz.enc", formatted, 2)) == []


def test_a_lone_surrogate_counts_as_one_utf16_unit():
    from icd10ls.lsp.convert import from_client_character, span_to_range

    line = "\ud800 e1122 \U0001f600"
    assert span_to_range([line], Span(0, 2, 7)).end.character == 7
    assert span_to_range([line], Span(0, 8, 9)).end.character == 10
    assert from_client_character(line, 7) == 7


# -- any single quick fix converges ----------------------------------------------------------------


def line_map(lines: list[str], edits: list[TextEdit]) -> dict[int, int | None]:
    """Where each line of the text is after the edits: deleted lines go, later ones move up, and lines
    whose whole text an edit replaces by another edited line's text (a moved line) follow it."""
    deleted = {e.span.line for e in edits if e.whole_line}
    replaced = {e.span.line: e.new_text for e in edits
                if not e.whole_line and (e.span.start, e.span.end) == (0, len(lines[e.span.line]))}
    source_of: dict[int, int] = {}
    free = sorted(replaced)
    for target, new_text in sorted(replaced.items()):
        source = next((s for s in free if lines[s] == new_text), None)
        if source is not None:
            free.remove(source)
            source_of[target] = source
    moved = {source: target for target, source in source_of.items()} \
        if len(source_of) == len(replaced) and len(replaced) > 1 else {}
    out: dict[int, int | None] = {number: None for number in deleted}
    kept = [n for n in range(len(lines)) if n not in deleted]
    new_number = {n: i for i, n in enumerate(kept)}
    for number in kept:
        out[number] = new_number[moved.get(number, number)]
    return out


def _fix_candidates(result: CheckResult):
    """(finding, edits, title) for every quick fix the editor offers: each fix, and the allow comment."""
    file = result.file
    for finding in result.findings:
        for fix in finding.fixes:
            edits = edits_of(fix, file)
            assert edits, f"{fix.title!r} does not fit the document it was made for"
            yield finding, edits, fix.title
        if finding.rule != "syntax":
            yield finding, [allow_edit(file, finding.span.line, finding.rule)], f"allow {finding.rule}"


def _identity(finding: Finding, where: dict[int, int | None] | None = None) -> tuple:
    """What makes a finding the same one: rule, code, place, and its partners (code and place), with the
    lines of the original text followed to where the fix put them.  A pair rule's finding with another
    partner (a second copy of the partner code, say) is another finding."""
    def place(span: Span) -> tuple:
        return (span.line if where is None else where.get(span.line), span.start, span.end)

    return (finding.rule, finding.code, place(finding.span),
            tuple(sorted((str(r.code), place(r.span)) for r in finding.related)))


@settings(BOUNDED, max_examples=150)
@given(st.one_of(valid_files(), valid_files(), mutated_files()), CHECK_SETTINGS, st.randoms(use_true_random=False))
def test_any_single_quick_fix_does_not_bring_its_finding_back(text, check_settings, random):
    result = check_text(text, check_settings)
    candidates = list(_fix_candidates(result))
    for finding, edits, title in random.sample(candidates, min(len(candidates), 12)):
        fixed = apply_edits(text, edits)
        after = check_text(fixed, check_settings)
        where = line_map(result.file.lines, edits)
        if where[finding.span.line] is None:
            continue  # the fix deleted the finding's line
        back = [g for g in after.findings if _identity(g) == _identity(finding, where)]
        assert not back, f"{title!r} for {finding.rule} on line {finding.span.line + 1} brings it back:\n{fixed}"


def test_line_map_follows_moves_and_deletions():
    lines = ["a", "b", "c", "d"]
    move = [TextEdit(Span(1, 0, 1), "c"), TextEdit(Span(2, 0, 1), "b")]
    assert line_map(lines, move) == {0: 0, 1: 2, 2: 1, 3: 3}
    assert line_map(lines, [TextEdit.delete_line(1, 1)]) == {0: 0, 1: None, 2: 1, 3: 2}
    assert line_map(lines, [TextEdit(Span(1, 0, 1), "x")]) == {0: 0, 1: 1, 2: 2, 3: 3}
