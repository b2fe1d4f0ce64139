"""Each encounter of a parsed file with its claim, the code editor's edits and its MS-DRG, worked out once.

The rules, the code lens, the inlay badges and hover all read the same
`EncounterView`s; the last file's views are kept, so that the several rules
and editor features asking about one version of a document ask CMS's tools once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from ..codeset.cms import cms_tables
from ..encounter import Encounter, EncounterFile
from .claims import Claim, claim_of, table_note
from .drg import Grouper, Grouping, grouper
from .edits import ClaimEdits, ClaimEditor, claim_editor


@dataclass
class EncounterView:
    encounter: Encounter
    inpatient: bool
    claim: Claim | None  # None: CMS's tools are unavailable or do not cover the date
    edits: ClaimEdits | None
    _grouper: Grouper
    _grouping: Grouping | None = None
    _grouped: bool = False

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
        if self.claim is not None:
            return None
        day = self.encounter.date
        return table_note(day) if day is not None else cms_tables().problem


_lock = threading.Lock()
_last: tuple[EncounterFile, str, list[EncounterView]] | None = None


def encounter_views(file: EncounterFile, default_setting: str, editor: ClaimEditor | None = None,
                    group_with: Grouper | None = None) -> list[EncounterView]:
    """One view per encounter of the file, in order (remembered for the last file asked about)."""
    global _last
    last = _last
    if last is not None and last[0] is file and last[1] == default_setting and editor is None:
        return last[2]
    editor = editor or claim_editor()
    group_with = group_with or grouper()
    tables = editor.tables
    views = []
    for encounter in file.encounters:
        inpatient = (encounter.setting or default_setting) == "inpatient"
        claim = edits = None
        if inpatient or encounter.age is not None or encounter.sex in ("F", "M") or encounter.procedures:
            claim = claim_of(encounter, tables)
            if claim is not None:
                edits = editor.edits(claim, inpatient)
        views.append(EncounterView(encounter, inpatient, claim, edits, group_with))
    with _lock:
        _last = (file, default_setting, views)
    return views


def discharge_day(view: EncounterView) -> date | None:
    return view.encounter.date
