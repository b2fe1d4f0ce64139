"""What changed for codes between installed fiscal years.

Coders meet the annual update as "this code was valid last year": a code that
was deleted, a code that became a header (FY2026 split `G35`), a new code, or a
new title.  Both the `not-in-code-set` rule and hover read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .model import CodeSet


@dataclass(frozen=True)
class CodeSetChanges:
    old_year: int
    new_year: int
    added: tuple[str, ...]  # billable in new, not billable (or absent) in old
    deleted: tuple[str, ...]  # billable in old, not billable (or absent) in new
    retitled: tuple[tuple[str, str, str], ...]  # (code, old title, new title), billable in both
    became_header: tuple[str, ...] = field(default=())  # billable in old, a header with codes below in new


@lru_cache(maxsize=16)
def compare(old: CodeSet, new: CodeSet) -> CodeSetChanges:
    old_codes = old.compiled.billable_codes
    new_codes = new.compiled.billable_codes
    old_set, new_set = set(old_codes), set(new_codes)
    added = tuple(c for c in new_codes if c not in old_set)
    deleted = tuple(c for c in old_codes if c not in new_set)
    retitled = []
    for code in new_codes:
        if code in old_set:
            old_title, new_title = old.get(code).title, new.get(code).title
            if old_title != new_title:
                retitled.append((code, old_title, new_title))
    became_header = tuple(c for c in deleted if new.node_index(c) is not None)
    return CodeSetChanges(old.fiscal_year, new.fiscal_year, added, deleted, tuple(retitled), became_header)


@dataclass(frozen=True)
class YearStatus:
    fiscal_year: int
    status: str  # "billable", "header", "needs 7th character", "absent"
    title: str | None


def history(codesets: list[CodeSet], code: str) -> list[YearStatus]:
    """How one code stood in each installed code set, oldest first."""
    out = []
    for codeset in sorted(codesets, key=lambda c: (c.fiscal_year, c.effective)):
        info = codeset.get(code)
        if info is None:
            out.append(YearStatus(codeset.fiscal_year, "absent", None))
        elif info.billable:
            out.append(YearStatus(codeset.fiscal_year, "billable", info.title))
        elif info.needs_seventh:
            out.append(YearStatus(codeset.fiscal_year, "needs 7th character", info.title))
        else:
            out.append(YearStatus(codeset.fiscal_year, "header", info.title))
    return out


def describe_history(statuses: list[YearStatus]) -> list[str]:
    """Sentences for the years in which a code's standing or title changed."""
    lines = []
    for before, after in zip(statuses, statuses[1:]):
        if before.status == after.status and before.title == after.title:
            continue
        if before.status == "absent":
            lines.append(f"New in FY{after.fiscal_year} ({after.status}).")
        elif after.status == "absent":
            lines.append(f"Deleted in FY{after.fiscal_year}; valid through FY{before.fiscal_year}.")
        elif before.status != after.status:
            lines.append(f"FY{before.fiscal_year}: {before.status}; FY{after.fiscal_year}: {after.status}.")
        if before.title and after.title and before.title != after.title:
            lines.append(f"Retitled in FY{after.fiscal_year} (was: {before.title}).")
    return lines
