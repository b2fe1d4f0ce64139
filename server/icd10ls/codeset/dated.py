"""Which codes are valid on a date that no installed tabular file covers exactly.

A tabular XML file describes one release: FY2026's April file is exact from
2026-04-01 on.  For the months before it (October to March) and for fiscal
years with no file installed (FY2027 until its files are added, FY2016 to
FY2024), validity comes from CMS's own code tables, through `cms`, and the
titles, notes and tree still come from the nearest installed file.  This module
says, for one such date, whether a code is valid, and when it is not, what
happened to it: added later, deleted, or expanded into a header.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from .cms import CmsTables, fiscal_year_of, period_start
from .codes import compact, dotted
from .model import CodeSet

_NEXT_CHARACTERS = string.digits + string.ascii_uppercase


def _later_period(day: date) -> date:
    """The first day of the update after the one in force on a day."""
    start = period_start(day)
    return date(start.year + 1, 4, 1) if start.month == 10 else date(start.year, 10, 1)


def _earlier_period(day: date) -> date:
    start = period_start(day)
    return date(start.year - 1, 10, 1) if start.month == 4 else date(start.year, 4, 1)


@dataclass(frozen=True, eq=False)
class DateValidity:
    """Validity on one date from CMS's tables, beside the code set that gives the titles."""

    day: date  # the first day of the table in force (October 1 or April 1)
    codeset: CodeSet  # titles, notes and the tree
    tables: CmsTables = field(repr=False)

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.day)

    @property
    def full(self) -> bool:
        """Whether the titles come from the date's own fiscal year (only its April file is later)."""
        return self.codeset.fiscal_year == self.fiscal_year

    @property
    def source_label(self) -> str:
        """Where validity and where titles come from, in a phrase for hover and lookup."""
        if self.full:
            return (f"validity from CMS's code table of {self.day.isoformat()}; titles and notes from "
                    f"{self.codeset.label}")
        return (f"titles and notes from FY{self.codeset.fiscal_year}; validity from CMS code tables "
                f"for FY{self.fiscal_year}")

    def valid(self, code: str) -> bool:
        bare = compact(code)
        answers = self.tables.validity([bare], self.day)
        return bool(answers and answers[bare])

    def valid_codes(self, codes: Iterable[str]) -> list[str]:
        """The codes (any written form) valid on the date, in the order given."""
        codes = list(codes)
        answers = self.tables.validity([compact(c) for c in codes], self.day) or {}
        return [c for c in codes if answers.get(compact(c))]

    def codes_below(self, code: str, depth: int = 2) -> list[str]:
        """Valid codes one or two characters longer than a code (what a header was expanded into).

        CMS's tables answer for whole codes only, so the level below is found by asking for
        every next character; a second level is asked for only below a level that has none.
        """
        bare = compact(code)
        found: list[str] = []
        stems = [bare]
        for _ in range(depth):
            if len(stems[0]) >= 7:
                break
            candidates = [stem + c for stem in stems for c in _NEXT_CHARACTERS]
            answers = self.tables.validity(candidates, self.day) or {}
            found += [dotted(c) for c in candidates if answers.get(c)]
            if found:
                break
            stems = candidates if len(candidates) <= 36 else []
            if not stems:
                break
        return found

    def why_invalid(self, code: str) -> tuple[str, list[str]]:
        """Why a code of the installed files is not valid on the date, and what replaces it."""
        bare = compact(code)
        later = _later_period(self.day)
        if self.tables.validity([bare], later) == {bare: True}:
            update = "April 1" if later.month == 4 else "October 1"
            return f"it is valid only from {later.isoformat()} (CMS's {update} update)", []
        earlier = _earlier_period(self.day)
        on = f" on {self.day.isoformat()}" if self.tables.validity([bare], earlier) == {bare: True} else ""
        below = self.codes_below(code, depth=1)
        if below:
            return f"it was expanded into a header{on}", below
        replacement = self.tables.converted(bare, fiscal_year_of(earlier), self.fiscal_year)
        if replacement and self.valid(replacement):
            return (f"it was deleted{on}; CMS's conversion table maps it to {dotted(replacement)}",
                    [dotted(replacement)])
        if on:
            return f"it was deleted{on}", []
        return f"it is not in CMS's code table of {self.day.isoformat()}", []

    def explain(self, code: str, in_file: bool) -> tuple[bool, str] | None:
        """Whether a code is valid on the date, and a sentence for hover and lookup; None when there
        is nothing to add: a code of the date's own fiscal year that is valid, or a code that is
        neither valid nor in the installed file (then it is simply not a code)."""
        if self.valid(code):
            if in_file and self.full:
                return None
            if in_file:
                return True, f"Valid on this date: {self.source_label}."
            return True, (f"Valid on this date per CMS's FY{self.fiscal_year} code tables; title not "
                          f"installed: run `icd10ls data fetch {self.fiscal_year}`.")
        if not in_file:
            return None
        why, replacements = self.why_invalid(code)
        sentence = f"Not valid on this date (FY{self.fiscal_year}): {why}"
        if replacements:
            sentence += "; use " + ", ".join(replacements[:8])
        return False, sentence + "."
