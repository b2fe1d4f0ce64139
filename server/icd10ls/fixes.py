"""Applying fixes to text.

Edits address lines as the parser splits them, so they are applied line by
line and every line keeps its own line ending: a CRLF file stays CRLF, a file
without a final newline does not gain one, and nothing outside an edited span
changes.  `fix_text` is what `icd10ls check --fix` does: apply the safe fixes,
check again, and repeat until nothing is left to do (normalizing a code can
turn two lines into exact duplicates, whose safe fix then applies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .encounter import EncounterFile, Span
from .findings import Finding, Fix, TextEdit

if TYPE_CHECKING:
    from .checker import CheckResult
    from .settings import Settings
    from .codeset.store import DataStore

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")
MAX_ROUNDS = 10


def split_keeping_ends(text: str) -> list[tuple[str, str]]:
    """(line, ending) pairs, one per line as `encounter.split_lines` counts them."""
    out = []
    for m in _LINE.finditer(text):
        out.append((m.group(1), m.group(2)))
        if not m.group(2):
            break
    return out


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    if a.span.line != b.span.line:
        return False
    if a.whole_line or b.whole_line:
        return True
    # Two insertions at one point, or an insertion inside a replaced span, are ambiguous too.
    return (a.span.start < b.span.end and b.span.start < a.span.end) or a.span.start == b.span.start


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """The text with the edits applied; ValueError if two edits overlap or one is out of range."""
    lines = split_keeping_ends(text)
    by_line: dict[int, list[TextEdit]] = {}
    for edit in edits:
        line = edit.span.line
        if not 0 <= line < len(lines):
            raise ValueError(f"edit on line {line + 1}, but the text has {len(lines)} lines")
        content = lines[line][0]
        if not (0 <= edit.span.start <= edit.span.end <= len(content)):
            raise ValueError(f"edit {edit.span} is outside line {line + 1}")
        if any(_overlaps(edit, other) for other in by_line.get(line, ())):
            raise ValueError(f"overlapping edits on line {line + 1}")
        by_line.setdefault(line, []).append(edit)
    out = []
    for number, (content, ending) in enumerate(lines):
        line_edits = by_line.get(number)
        if not line_edits:
            out.append(content + ending)
            continue
        if line_edits[0].whole_line:
            if not ending and out:  # the last line goes: so does the line break before it
                out[-1] = out[-1].rstrip("\r\n")
            continue
        for edit in sorted(line_edits, key=lambda e: e.span.start, reverse=True):
            content = content[:edit.span.start] + edit.new_text + content[edit.span.end:]
        out.append(content + ending)
    return "".join(out)


def choose_fixes(findings: Sequence[Finding], safe_only: bool = True) -> list[Fix]:
    """One fix per finding (its first safe one), skipping any that collides with one already chosen."""
    chosen: list[Fix] = []
    taken: list[TextEdit] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        for fix in finding.fixes:
            if safe_only and not fix.safe:
                continue
            if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
                break
            chosen.append(fix)
            taken.extend(fix.edits)
            break
    return chosen


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    return apply_edits(text, [edit for fix in fixes for edit in fix.edits])


# -- for the language server: edits checked against the document they are for -------------


def _fits(edit: TextEdit, file: EncounterFile) -> bool:
    line = edit.span.line
    return 0 <= line < len(file.lines) and 0 <= edit.span.start <= edit.span.end <= len(file.lines[line])


def edits_of(fix: Fix, file: EncounterFile) -> list[TextEdit]:
    """The fix's edits if they still fit the document, else none (a fix from an older version)."""
    edits = list(fix.edits)
    return edits if all(_fits(edit, file) for edit in edits) else []


def safe_edits(findings: Sequence[Finding], file: EncounterFile) -> list[TextEdit]:
    """The edits of every safe fix that can be applied together ("fix all")."""
    return [edit for fix in choose_fixes(findings) for edit in edits_of(fix, file)]


def allow_edit(file: EncounterFile, line: int, rule: str) -> TextEdit:
    """The edit that silences `rule` on `line` with an `# allow:` comment.

    An existing `# allow:` list gets the rule appended; another comment becomes
    the allow comment's reason (`# allow: rule; what it said`); a line without
    a comment gets a new one after its text.
    """
    text = file.lines[line]
    allow = file.allows.get(line)
    if allow is not None and allow.spans:
        if rule in allow.rules:
            end = allow.spans[-1].end
            return TextEdit(Span(line, end, end), "")
        end = allow.spans[-1].end
        return TextEdit(Span(line, end, end), f", {rule}")
    comment = file.comments.get(line)
    if comment is not None:
        rest = text[comment.start + 1:comment.end].strip()
        new = f"# allow: {rule}" + (f"; {rest}" if rest else "")
        return TextEdit(Span(line, comment.start, comment.end), new)
    end = len(text.rstrip())
    return TextEdit(Span(line, end, end), f"  # allow: {rule}")


@dataclass
class FixOutcome:
    text: str  # the fixed text
    applied: int  # how many fixes were applied, over all rounds
    result: "CheckResult"  # the check of the fixed text


def fix_text(text: str, settings: "Settings | None" = None, store: "DataStore | None" = None,
             path: str | None = None) -> FixOutcome:
    """Apply safe fixes and re-check until none is left (at most MAX_ROUNDS rounds)."""
    from .checker import check_text

    applied = 0
    result = check_text(text, settings, store, path)
    for _ in range(MAX_ROUNDS):
        fixes = choose_fixes(result.findings)
        if not fixes:
            break
        text = apply_fixes(text, fixes)
        applied += len(fixes)
        result = check_text(text, settings, store, path)
    return FixOutcome(text, applied, result)
