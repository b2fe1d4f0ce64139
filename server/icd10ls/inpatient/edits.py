"""CMS's Medicare Code Editor (MCE) on one claim, with each edit tied to the code it is about.

The MCE says which edits a claim fails and how many times, not which code
failed them.  One call on the whole claim tells whether there is anything to
find; only then are the codes asked about one by one: the ages a code accepts,
whether it conflicts with the patient's sex, which procedure codes are
invalid.  Every answer is remembered (per claim, or per code and table), so a
file is asked about once and an edit re-asks about the changed encounter only.
"""

from __future__ import annotations

import bisect
import functools
import threading
from dataclasses import dataclass, field, replace
from datetime import date

from ..codeset.cms import CmsTables, cms_tables
from ..encounter import MAX_AGE, Encounter
from .claims import Claim

# The MCE's edits that concern the principal diagnosis of an inpatient stay.
UNACCEPTABLE_PDX = "UNACCEPTABLE_PDX"
QUESTIONABLE_ADMISSION = "QUESTIONABLE_ADMISSION"
MANIFESTATION_AS_PDX = "MANIFESTATION_AS_PDX"
E_CODE_AS_PDX = "E_CODE_AS_PDX"
PRINCIPAL_EDITS = (UNACCEPTABLE_PDX, QUESTIONABLE_ADMISSION, MANIFESTATION_AS_PDX, E_CODE_AS_PDX)
AGE_CONFLICT = "AGE_CONFLICT"
SEX_CONFLICT = "SEX_CONFLICT"
INVALID_CODE = "INVALID_CODE"

_CACHE_LIMIT = 200_000
# Ages between which none of the MCE's age groups begins or ends (newborn 0, pediatric 0-17,
# maternity 9-64 (12-55 before FY2022), adult 15-124): a code accepted at one age of a band
# is accepted at every age of it.
_AGE_BANDS = (0, 1, 9, 12, 15, 18, 56, 65)


def _band(age: int | None) -> int:
    return -1 if age is None else bisect.bisect_right(_AGE_BANDS, age) - 1


@dataclass(frozen=True, slots=True)
class AgeGroup:
    """The ages the MCE accepts for a code, and the MCE's name for that group of codes."""

    first: int
    last: int

    @property
    def name(self) -> str:
        if self.last == 0:
            return "newborn"
        if self.first == 0:
            return "pediatric"
        if self.last == MAX_AGE:
            return "adult"
        return "maternity"

    @property
    def ages(self) -> str:
        return "age 0" if self.last == 0 else f"ages {self.first}-{self.last}"


@dataclass
class ClaimEdits:
    """What the MCE says about one claim, by code (indices into `Claim.codes` and `Claim.procedures`)."""

    counts: dict[str, int] = field(default_factory=dict)  # every edit the claim fails, by MCE name
    age: dict[int, AgeGroup] = field(default_factory=dict)  # codes outside their age group
    sex: list[int] = field(default_factory=list)  # diagnosis codes that conflict with the sex
    procedure_sex: list[int] = field(default_factory=list)  # procedure codes that conflict with it
    invalid_procedures: list[int] = field(default_factory=list)
    principal: tuple[str, ...] = ()  # PRINCIPAL_EDITS the principal diagnosis fails

    @property
    def edit_names(self) -> list[str]:
        return sorted(self.counts)


class ClaimEditor:
    """Asks the MCE about claims and codes, remembering every answer."""

    def __init__(self, tables: CmsTables | None = None) -> None:
        self.tables = tables or cms_tables()
        self._claims: dict[Claim, dict[str, int]] = {}
        # Answers about single codes, keyed by the table's first day as an ordinal: plain
        # values, so that they are kept between runs as they are (`answers`, `adopt`).
        self._ages: dict[tuple[int, str], tuple[int, int] | None] = {}
        self._sex: dict[tuple[int, str, bool, str], bool] = {}
        self._quiet: set[tuple[int, str, int, str, bool]] = set()
        self._age_conflicts: dict[tuple[int, str, int], bool] = {}
        self.kept: dict[object, int] = {}  # where answers are kept between runs: answers known then
        self._lock = threading.Lock()

    def counts(self, claim: Claim) -> dict[str, int] | None:
        """The edits the whole claim fails, by name; None when the MCE is unavailable."""
        known = self._claims.get(claim)
        if known is not None:
            return known
        asked = claim if claim.pdx else replace(claim, pdx=claim.sdx[0] if claim.sdx else "", sdx=claim.sdx[1:])
        if not asked.pdx:
            return {}
        result = self.tables.edit(asked.to_msdrg())
        if result is None:
            return None
        counts: dict[str, int] = {}
        for edit in result.get("edits", ()):
            counts[edit["name"]] = counts.get(edit["name"], 0) + int(edit.get("count", 1))
        if not claim.pdx:  # the stand-in principal's own edits are not the claim's
            for name in PRINCIPAL_EDITS:
                counts.pop(name, None)
        with self._lock:
            if len(self._claims) >= _CACHE_LIMIT:
                self._claims.clear()
            self._claims[claim] = counts
        return counts

    def edits(self, claim: Claim, inpatient: bool) -> ClaimEdits | None:
        """The claim's edits tied to its codes; None when the MCE is unavailable."""
        counts = self.counts(claim)
        if counts is None:
            return None
        out = ClaimEdits(dict(counts))
        codes = claim.codes
        if counts.get(AGE_CONFLICT) and claim.age is not None:
            for index, code in enumerate(codes):
                if self._age_conflict(claim, code):
                    group = self.age_group(code, claim.table_day)
                    if group is not None:
                        out.age[index] = group
        if counts.get(SEX_CONFLICT) and claim.sex in ("F", "M"):
            out.sex = [i for i, code in enumerate(codes) if self._sex_conflict(claim, code, False)]
            out.procedure_sex = [i for i, code in enumerate(claim.procedures)
                                 if self._sex_conflict(claim, code, True)]
        if claim.procedures:
            valid = self.tables.procedure_validity(claim.procedures, claim.table_day) or {}
            out.invalid_procedures = [i for i, code in enumerate(claim.procedures) if valid.get(code) is False]
        if inpatient and claim.pdx:
            out.principal = tuple(name for name in PRINCIPAL_EDITS if counts.get(name))
        return out

    # -- which claims need asking ------------------------------------------------
    @staticmethod
    def _contexts(encounter: Encounter, table_day: date, inpatient: bool) -> list[tuple]:
        """Each diagnosis code in the patient's context, as `_quiet` keeps it."""
        band = _band(encounter.age)
        sex = encounter.sex if encounter.sex in ("F", "M") else "U"
        day = table_day.toordinal()
        return [(day, dx.code, band, sex, inpatient and dx.index == 0)
                for dx in encounter.diagnoses if dx.code is not None]

    def quiet_encounter(self, encounter: Encounter, table_day: date, inpatient: bool) -> bool:
        """Whether the MCE has already accepted each of the encounter's codes in the same
        context (table, age band, sex, as inpatient principal or not): then the claim
        cannot fail an edit the rules report and is not asked about.  Encounters with
        procedures are always asked."""
        if encounter.procedures:
            return False
        quiet = self._quiet
        return all(key in quiet for key in self._contexts(encounter, table_day, inpatient))

    def learn(self, encounter: Encounter, table_day: date, inpatient: bool, edits: ClaimEdits) -> None:
        """Remember the codes of an answered claim that the MCE accepted in their context: those
        not tied to an age, sex or principal-diagnosis edit (nothing when the claim fails
        another edit, which could be any code's)."""
        names = set(edits.counts)
        if not inpatient:
            names -= set(PRINCIPAL_EDITS)  # they do not concern an outpatient encounter
        if names - {AGE_CONFLICT, SEX_CONFLICT, *PRINCIPAL_EDITS}:
            return
        if AGE_CONFLICT in names and encounter.age is None:
            return  # the assumed age's conflicts were not tied to codes
        flagged = set(edits.age) | set(edits.sex) | ({0} if edits.principal else set())
        keys = self._contexts(encounter, table_day, inpatient)
        with self._lock:
            if len(self._quiet) >= _CACHE_LIMIT:
                self._quiet.clear()
            self._quiet.update(key for index, key in enumerate(keys) if index not in flagged)

    def _single(self, claim: Claim, code: str, procedure: bool, **changes) -> dict[str, int]:
        if procedure:
            single = replace(claim, pdx="I10", sdx=(), procedures=(code,), **changes)
        else:
            single = replace(claim, pdx=code, sdx=(), procedures=(), **changes)
        return self.counts(single) or {}

    def _age_conflict(self, claim: Claim, code: str) -> bool:
        """Whether the code alone fails the age edit at the claim's age (asked once per age band)."""
        key = (claim.table_day.toordinal(), code, _band(claim.age))
        known = self._age_conflicts.get(key)
        if known is None:
            known = bool(self._single(claim, code, False, sex="U").get(AGE_CONFLICT))
            with self._lock:
                self._age_conflicts[key] = known
        return known

    def age_group(self, code: str, table_day: date) -> AgeGroup | None:
        """The ages the MCE accepts for a diagnosis code (None: every age, or not known).

        The MCE's age groups are ranges: one accepted age is found among a few typical
        ones, and the range's ends by halving from there."""
        key = (table_day.toordinal(), code)
        if key in self._ages:
            known = self._ages[key]
            return AgeGroup(*known) if known is not None else None
        probe = Claim(table_day, None, 0, "U", 1, code, (), ())

        def accepted(age: int) -> bool:
            return not self._single(probe, code, False, age=age).get(AGE_CONFLICT)

        inside = next((age for age in (30, 0, 10, 16, 60, MAX_AGE) if accepted(age)), None)
        group = None
        if inside is not None:
            low, high = 0, inside  # the first accepted age is in (low - 1, high]
            while low < high:
                middle = (low + high) // 2
                low, high = (low, middle) if accepted(middle) else (middle + 1, high)
            first = low
            low, high = inside, MAX_AGE  # the last accepted age is in [low, high]
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if accepted(middle) else (low, middle - 1)
            if (first, low) != (0, MAX_AGE):
                group = AgeGroup(first, low)
        with self._lock:
            self._ages[key] = (group.first, group.last) if group is not None else None
        return group

    def _sex_conflict(self, claim: Claim, code: str, procedure: bool) -> bool:
        key = (claim.table_day.toordinal(), code, procedure, claim.sex or "U")
        known = self._sex.get(key)
        if known is None:
            known = bool(self._single(claim, code, procedure, age=None).get(SEX_CONFLICT))
            with self._lock:
                self._sex[key] = known
        return known

    def sex_of(self, code: str, table_day: date, procedure: bool = False) -> str | None:
        """"F" or "M" when the MCE accepts the code for one sex only on that day."""
        probe = Claim(table_day, None, None, "U", 1, code, (), ())
        female = self._sex_conflict(replace(probe, sex="F"), code, procedure)
        male = self._sex_conflict(replace(probe, sex="M"), code, procedure)
        if female != male:
            return "M" if female else "F"
        return None

    # -- answers kept between runs ----------------------------------------------------
    def answers(self) -> dict[str, object]:
        """What the MCE said about single codes in their context (not whole claims'), as plain values."""
        with self._lock:
            return {"quiet": set(self._quiet), "age_conflicts": dict(self._age_conflicts),
                    "ages": dict(self._ages), "sex": dict(self._sex)}

    def answer_count(self) -> int:
        return len(self._quiet) + len(self._age_conflicts) + len(self._ages) + len(self._sex)

    def adopt(self, answers: dict) -> None:
        """Take answers kept by `answers` (of the same msdrg and the same rules)."""
        quiet, age_conflicts, ages, sex = (answers.get(name) for name in ("quiet", "age_conflicts", "ages", "sex"))
        if not (isinstance(quiet, set) and all(isinstance(d, dict) for d in (age_conflicts, ages, sex))):
            raise ValueError("not the code editor's answers")
        with self._lock:
            self._quiet.update(quiet)
            self._age_conflicts.update(age_conflicts)
            self._ages.update(ages)
            self._sex.update(sex)


@functools.cache
def claim_editor() -> ClaimEditor:
    """The process's claim editor (its answers are shared by every file)."""
    return ClaimEditor()
