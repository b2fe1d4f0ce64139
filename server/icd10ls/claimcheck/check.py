"""Checking claims: the engine's findings on a batch of claims, as findings on cells.

A batch of claims is one encounter file to the engine (see `icd10ls.claims.rows`);
each finding's line is traced back to its data row, column and claim id.  Fixes
become cell edits: the new content of the cell, empty to clear it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

from ..checker import check_parsed, collector_paused
from ..claims.mapping import ClaimsMapping
from ..claims.read import ClaimsSource
from ..claims.rows import ClaimLines, claim_lines
from ..encounter import parse_line
from ..codeset.store import DataStore, default_store
from ..findings import Finding, Severity
from ..settings import Settings

__all__ = ["CellEdit", "ClaimFix", "ClaimRelated", "ClaimFinding", "check_lines", "check_source"]


@dataclass(frozen=True, slots=True)
class CellEdit:
    row: int
    field: str | None
    new_text: str  # the cell's new content ('' clears it)


@dataclass(frozen=True, slots=True)
class ClaimFix:
    title: str
    safe: bool
    edits: tuple[CellEdit, ...]


@dataclass(frozen=True, slots=True)
class ClaimRelated:
    row: int
    field: str | None
    code: str | None
    message: str


@dataclass(slots=True)
class ClaimFinding:
    """A finding on one cell of a claims file (row 1 = the first data row)."""

    row: int
    field: str | None
    claim: str | None
    rule: str
    severity: Severity
    message: str
    code: str | None = None
    related: list[ClaimRelated] = field(default_factory=list)
    fixes: list[ClaimFix] = field(default_factory=list)

    def key(self) -> tuple:
        """What makes two findings the same, for comparing runs."""
        return (self.row, self.field or "", self.rule, self.message, self.code or "")


def _edits(lines: ClaimLines, edit) -> Iterator[CellEdit]:
    """An edit of a line as edits of cells: a rewritten `dx:` line (a move) gives its code to the
    DX cell and its flag to the POA cell; a deleted line clears its cell."""
    row, column, _claim = lines.origin(edit.span)
    poa = lines.poa_fields.get(edit.span.line)
    if edit.whole_line:
        yield CellEdit(row, column, "")
    elif column is not None and poa is not None and poa[1] == column:
        yield CellEdit(row, column, edit.new_text.split("=", 1)[-1])  # 'poa=N' -> 'N'
    elif edit.new_text.startswith("dx:"):
        rewritten = parse_line(edit.new_text).diagnosis
        yield CellEdit(row, column, rewritten.raw_code if rewritten else "")
        if poa is not None:
            yield CellEdit(row, poa[1], rewritten.poa or "" if rewritten else "")
    else:
        yield CellEdit(row, column, edit.new_text)


def _claim_finding(lines: ClaimLines, finding: Finding) -> ClaimFinding:
    row, column, claim = lines.origin(finding.span)
    related = [ClaimRelated(*lines.origin(r.span)[:2], r.code, r.message) for r in finding.related] \
        if finding.related else []
    fixes = [ClaimFix(fix.title, fix.safe, tuple(c for e in fix.edits for c in _edits(lines, e)))
             for fix in finding.fixes] if finding.fixes else []
    return ClaimFinding(row, column, claim, finding.rule, finding.severity, finding.message, finding.code,
                        related, fixes)


def check_lines(lines: ClaimLines, settings: Settings, store: DataStore) -> list[ClaimFinding]:
    """The findings of one batch of claims, by row."""
    with collector_paused():
        result = check_parsed(lines.file, settings, store)
        return [_claim_finding(lines, f) for f in result.findings]


@dataclass
class BatchResult:
    claims: int
    findings: list[ClaimFinding]


def check_source(source: ClaimsSource, mapping: ClaimsMapping, settings: Settings | None = None,
                 store: DataStore | None = None,
                 row_groups: Sequence[int] | None = None) -> Iterator[BatchResult]:
    """Every batch of a claims file checked, in order; memory is one batch's worth."""
    settings = settings or Settings()
    store = store or default_store()
    # Writing and parsing a batch makes hundreds of thousands of objects and no cycles: the
    # collector's passes over everything alive (the code sets too) would cost more than the check.
    with collector_paused():
        for lines in claim_lines(source.batches(mapping.columns(), row_groups=row_groups), mapping):
            yield BatchResult(lines.claim_count, check_lines(lines, settings, store))


def count_by_severity(findings: Sequence[ClaimFinding]) -> dict[Severity, int]:
    counts = {s: 0 for s in Severity}
    for f in findings:
        counts[f.severity] += 1
    return counts
