"""Each encounter of a parsed file with its claim, the code editor's edits and its MS-DRG, worked out once.

The rules, the code lens, the inlay badges and hover all read the same
`EncounterView`s; the last file's views are kept, so that the several rules
and editor features asking about one version of a document ask CMS's tools once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import date

from ..codeset.cms import CmsTables
from ..encounter import Encounter, EncounterFile
from .claims import Claim, claim_of, discharge_tables, table_note
from .drg import Grouper, Grouping, grouper
from .edits import ClaimEdits, ClaimEditor, claim_editor


@dataclass
class EncounterView:
    encounter: Encounter
    inpatient: bool
    covered: bool  # False: CMS's tools are unavailable or do not cover the date
    edits: ClaimEdits | None  # None when not covered (or not asked: no age, sex, procedures, outpatient)
    _grouper: Grouper
    tables: CmsTables
    _claim: Claim | None = None
    _grouping: Grouping | None = None
    _grouped: bool = False

    @property
    def claim(self) -> Claim | None:
        """The encounter's claim (built on first use: most encounters never need it)."""
        if self._claim is None and self.covered:
            self._claim = claim_of(self.encounter, self.tables)
        return self._claim

    @property
    def grouping(self) -> Grouping | None:
        """The MS-DRG (inpatient encounters only), grouped on first use."""
        if not self._grouped:
            if self.inpatient and self.claim is not None:
                self._grouping = self._grouper.group(self.claim)
            self._grouped = True
        return self._grouping

    @property
    def note(self) -> str | None:
        """Why CMS's tools say nothing about this encounter, when they do not."""
        if self.covered:
            return None
        day = self.encounter.date
        return table_note(day, self.tables) if day is not None else self.tables.problem


_lock = threading.Lock()
_last: list[tuple[EncounterFile, str, list[EncounterView]]] = []  # newest first
_KEEP = 4  # open documents whose views are kept (the rules, lens, hints and hover of each)


def encounter_views(file: EncounterFile, default_setting: str, editor: ClaimEditor | None = None,
                    group_with: Grouper | None = None) -> list[EncounterView]:
    """One view per encounter of the file, in order (remembered for the last few files asked about)."""
    shared = editor is None and group_with is None  # the process's tools: the answer may be kept
    if shared:
        for kept_file, kept_setting, kept in list(_last):
            if kept_file is file and kept_setting == default_setting:
                return kept
    editor = editor or claim_editor()
    group_with = group_with or grouper()
    tables = editor.tables
    views = []
    for encounter in file.encounters:
        inpatient = (encounter.setting or default_setting) == "inpatient"
        covered = discharge_tables(encounter, tables)
        view = EncounterView(encounter, inpatient, covered is not None, None, group_with, tables)
        if covered is not None and (inpatient or encounter.age is not None or encounter.sex in ("F", "M")
                                    or encounter.procedures):
            if editor.quiet_encounter(encounter, covered[0], inpatient):
                view.edits = ClaimEdits()
            else:
                claim = view.claim
                view.edits = editor.edits(claim, inpatient) if claim is not None else None
                if view.edits is not None:
                    editor.learn(encounter, covered[0], inpatient, view.edits)
        views.append(view)
    if shared:
        with _lock:
            _last.insert(0, (file, default_setting, views))
            del _last[_KEEP:]
    return views


def discharge_day(view: EncounterView) -> date | None:
    return view.encounter.date


# -- what the editor shows ------------------------------------------------------------

_SEVERITY_TEXT = {
    "MCC": "MCC: a major complication or comorbidity for the MS-DRG",
    "CC": "CC: a complication or comorbidity for the MS-DRG",
    "none": "neither CC nor MCC for the MS-DRG",
}


def severity_of(view: EncounterView, dx) -> tuple[str, str] | None:
    """(badge, sentence) for a secondary diagnosis of an inpatient encounter, when grouped."""
    grouping = view.grouping
    if grouping is None or dx.index == 0 or dx.code is None:
        return None
    coded = [d for d in view.encounter.diagnoses[1:] if d.code is not None]
    if view.encounter.diagnoses[0].code is None or dx not in coded:
        return None
    severity = grouping.secondary[coded.index(dx)]
    if severity.severity == "excluded":
        return (f"{severity.level} excl.",
                f"{severity.level} excluded with principal {grouping.principal} (CMS's CC exclusion list): "
                "it does not raise this MS-DRG")
    return severity.severity if severity.severity != "none" else "", _SEVERITY_TEXT[severity.severity]


def lens_title(view: EncounterView) -> str | None:
    """The code lens above an inpatient encounter."""
    if not view.inpatient:
        return None
    grouping = view.grouping
    if grouping is not None:
        return grouping.headline()
    if view.claim is None:
        return f"MS-DRG not available: {view.note}" if view.note else None
    if not view.claim.pdx:
        return "MS-DRG: no principal diagnosis"
    return "MS-DRG: no grouper for this discharge date (v40.0 is the first, from 2022-10-01)"


def drg_markdown(view: EncounterView) -> str | None:
    """Hover text of an inpatient encounter: its MS-DRG, the codes that made it CC/MCC, blocking edits."""
    title = lens_title(view)
    if title is None:
        return None
    lines = [f"**{title}**", ""]
    grouping = view.grouping
    if grouping is not None:
        if grouping.mdc_title:
            lines.append(f"MDC {grouping.mdc:02d}: {grouping.mdc_title}" if grouping.mdc is not None
                         else grouping.mdc_title)
        raising = [s for s in grouping.secondary if s.severity in ("MCC", "CC")]
        excluded = [s for s in grouping.secondary if s.severity == "excluded"]
        if raising:
            lines.append("CC/MCC: " + ", ".join(f"`{s.code}` {s.severity}" for s in raising))
        else:
            lines.append("No secondary diagnosis is a CC or MCC.")
        if excluded:
            lines.append(f"Excluded with principal `{grouping.principal}`: "
                         + ", ".join(f"`{s.code}` ({s.level})" for s in excluded))
        if view.encounter.age is None:
            lines.append("_No `age:` given: grouped as an adult (age 65)._")
    edits = view.edits.edit_names if view.edits is not None else []
    if edits:
        lines.append("CMS code editor edits: " + ", ".join(e.replace("_", " ").lower() for e in edits))
    return "\n\n".join(line for line in lines if line is not None).replace("\n\n\n\n", "\n\n")


def candidate_severities(view: EncounterView, line: int, codes: list[str]) -> dict[str, str]:
    """For completion on a secondary diagnosis line: each candidate code's CC/MCC label in this stay."""
    claim = view.claim
    diagnoses = view.encounter.diagnoses
    if not view.inpatient or claim is None or not claim.pdx or not diagnoses or diagnoses[0].line >= line:
        return {}
    others = tuple(dx.code.replace(".", "") for dx in diagnoses[1:] if dx.code is not None and dx.line != line)
    out = {}
    for code in codes:
        grouping = view._grouper.group(replace(claim, sdx=(*others, code.replace(".", ""))))
        if grouping is not None and grouping.secondary:
            severity = grouping.secondary[-1]
            out[code] = f"{severity.level} excluded with {grouping.principal}" if severity.severity == "excluded" \
                else ("" if severity.severity == "none" else severity.severity)
    return out
