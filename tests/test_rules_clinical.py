"""The hints coders are audited on: must and must-not cases on the real codes of the bundled code sets."""

from __future__ import annotations

import pytest

from icd10ls.checker import check_text
from icd10ls.codeset.specificity import NOS, SPECIFIC, classify_code
from icd10ls.findings import Severity
from icd10ls.settings import Settings

FY2026 = "2026-01-15"
FY2025 = "2025-03-01"


def run(*codes: str, date: str | None = FY2026, **headers: str):
    lines = ["encounter E1"]
    if date:
        lines.append(f"date: {date}")
    lines += [f"{key}: {value}" for key, value in headers.items()]
    lines += [f"dx: {code}" for code in codes]
    return check_text("\n".join(lines) + "\n", Settings())


def of(result, rule: str):
    return [f for f in result.findings if f.rule == rule]


def fixes(finding) -> list[str]:
    return [fix.edits[0].new_text for fix in finding.fixes]


# -- 1, 2: note scopes -----------------------------------------------------------------------


@pytest.mark.parametrize(("late_effect", "symptom", "rule"), [
    ("I69.320", "R47.01", "excludes1"),   # "(I69. with final characters -20)"
    ("I69.120", "R47.01", "excludes1"),
    ("I69.391", "R13.12", "code-first"),  # "(I69. with final characters -91)"
])
def test_final_character_scopes_apply_to_the_codes_they_name(late_effect, symptom, rule):
    [finding] = of(run(symptom, late_effect), rule)
    assert {finding.code, *(r.code for r in finding.related)} >= {symptom}


@pytest.mark.parametrize(("late_effect", "symptom"), [("I69.351", "R47.01"), ("I69.351", "R13.12"),
                                                      ("I69.328", "R47.01")])
def test_final_character_scopes_leave_the_rest_of_the_category_alone(late_effect, symptom):
    result = run(symptom, late_effect)
    assert not of(result, "excludes1") and not of(result, "code-first")


@pytest.mark.parametrize("fracture", ["S52.501B", "S52.501C", "S52.501E"])
def test_open_fracture_seventh_character_scope_applies(fracture):
    [finding] = of(run(fracture, "S51.011A"), "excludes1")
    assert "open fracture 7th character" in finding.message


@pytest.mark.parametrize("fracture", ["S52.501A", "S52.501D", "S52.501S"])
def test_closed_fracture_is_outside_the_open_fracture_scope(fracture):
    assert not of(run(fracture, "S51.011A"), "excludes1")


def test_seventh_character_b_scopes_still_apply():
    assert of(run("S01.01XA", "S02.0XXB"), "excludes1")
    assert not of(run("S01.01XA", "S02.0XXA"), "excludes1")


# -- 3: the side or the detail in the 7th character ----------------------------------------


@pytest.mark.parametrize(("right", "left", "both"), [("E11.3291", "E11.3292", "E11.3293"),
                                                     ("E11.3511", "E11.3512", "E11.3513")])
def test_right_and_left_eye_in_the_seventh_character_make_the_bilateral_code(right, left, both):
    [finding] = of(run(right, left), "laterality")
    assert fixes(finding) == [both]


def test_different_conditions_of_each_eye_are_not_a_bilateral_pair():
    assert not of(run("E11.3291", "E11.3392"), "laterality")
    assert not of(run("E11.3291", "E11.3291"), "laterality")


@pytest.mark.parametrize(("code", "better"), [("H40.1110", "H40.1111"), ("R40.2410", "R40.2411")])
def test_an_unspecified_seventh_character_is_nos(cs2026, code, better):
    info = cs2026.get(code)
    assert classify_code(cs2026, info.node, info.seventh).label == NOS
    [finding] = of(run(code), "unspecified-code")
    assert better in fixes(finding)


def test_a_stated_seventh_character_is_specific(cs2026):
    info = cs2026.get("H40.1112")
    assert classify_code(cs2026, info.node, info.seventh).label == SPECIFIC
    assert not of(run("H40.1112"), "unspecified-code")


def test_an_unspecified_eye_is_a_side_hint():
    [finding] = of(run("E11.3299"), "unspecified-side")
    assert fixes(finding) == ["E11.3291", "E11.3292", "E11.3293"]
    assert finding.severity is Severity.HINT
    assert not of(run("E11.3293"), "unspecified-side")


# -- 6: labels that mislead ------------------------------------------------------------------


@pytest.mark.parametrize("code", ["I12.9", "I13.10", "K25.4", "T36.0X1A", "R65.20", "N17.0"])
def test_codes_that_are_not_nos(cs2026, code):
    info = cs2026.get(code)
    assert not classify_code(cs2026, info.node, info.seventh).is_nos
    assert not of(run(code), "unspecified-code")


def test_ckd_stage_4_with_i12_9_gets_no_hint():
    result = run("I12.9", "N18.4")
    assert not of(result, "unspecified-code")


def test_n17_9_lists_every_more_specific_sibling():
    [finding] = of(run("N17.9"), "unspecified-code")
    for code in ("N17.0", "N17.1", "N17.2", "N17.8"):
        assert code in finding.message


@pytest.mark.parametrize(("code", "heading"), [("I50.9", "I50.2-"), ("H25.9", "H25.0-"), ("H40.9", "H40.1-"),
                                               ("S82.001A", "S82.01-")])
def test_headings_that_say_more_are_named(code, heading):
    [finding] = of(run(code), "unspecified-code")
    assert heading in finding.message


def test_a_heading_has_no_specificity_in_its_hover(cs2026):
    from icd10ls.codeset.describe import describe, to_markdown

    text = to_markdown(describe(cs2026, cs2026.get("E11.32")))
    assert "not billable" in text and "**Specific.**" not in text
    assert "**Specific.**" in to_markdown(describe(cs2026, cs2026.get("E11.3293")))


# -- 4: "code first" notes in other words ----------------------------------------------------


@pytest.mark.parametrize("code", ["M10.30", "M1A.30X0", "R53.0", "B90.9", "B94.8", "G09",
                                  "E64.0", "O94"])
def test_generic_code_first_notes_bind_a_first_listed_code(code):
    [finding] = of(run(code), "code-first")
    assert finding.severity is Severity.WARNING
    assert "first" in finding.message


@pytest.mark.parametrize("codes", [("A41.9", "B90.9"), ("N18.4", "M10.30"), ("C50.911", "R53.0"),
                                   ("A41.9", "Z16.10")])
def test_generic_code_first_notes_are_satisfied_by_any_condition_before(codes):
    assert not of(run(*codes), "code-first")


def test_the_infection_note_of_z16_is_one_finding_with_additional_only():
    result = run("Z16.10")
    assert [f.rule for f in result.findings if f.severity <= Severity.WARNING] == ["additional-only"]
    assert not of(run("Z16.10", "A41.9"), "code-first")


@pytest.mark.parametrize("code", ["N18.4", "R40.2142", "M40.00"])
def test_any_associated_notes_do_not_make_a_lone_code_wrong(code):
    assert all(f.severity is not Severity.WARNING for f in of(run(code), "code-first"))


def test_a_sequela_note_asks_for_the_condition_it_resulted_in():
    [finding] = of(run("B90.9"), "code-first")
    assert "condition it resulted in" in finding.message


# -- 5: a manifestation without its etiology -------------------------------------------------


@pytest.mark.parametrize(("other", "manifestation", "named"), [("I10", "F02.80", "G30.-"),
                                                                ("J45.909", "H36.89", "E75.-")])
def test_a_manifestation_without_a_named_etiology_is_a_warning(other, manifestation, named):
    [finding] = of(run(other, manifestation), "missing-etiology")
    assert finding.severity is Severity.WARNING and finding.code == manifestation
    assert named in finding.message and len(finding.message) < 160


@pytest.mark.parametrize("codes", [("G30.9", "F02.80"), ("G20.A1", "F02.80"), ("B20", "F02.80"),
                                   ("E75.4", "H36.89"), ("G20.A1", "F02.80", "I10")])
def test_a_manifestation_with_its_etiology_is_fine(codes):
    assert not of(run(*codes), "missing-etiology")


def test_a_lone_manifestation_is_one_finding_naming_what_is_missing():
    result = run("F02.80")
    assert [f.rule for f in result.findings if f.severity <= Severity.WARNING] == ["manifestation-first"]
    assert "G30.-" in of(result, "manifestation-first")[0].message


def test_missing_etiology_can_be_allowed():
    text = "date: 2026-01-15\ndx: I10\ndx: F02.80  # allow: missing-etiology\n"
    assert not of(check_text(text, Settings()), "missing-etiology")


# -- 9: one problem, one finding; reminders only where they apply; short messages --------------


def test_z79_codes_are_not_reminded_of_drug_level_monitoring():
    for code in ("Z79.01", "Z79.4", "Z79.899"):
        assert not of(run(code), "code-also"), code


def test_a_sequela_code_gets_no_reminder_of_the_acute_injury():
    assert not of(run("J34.2", "S02.2XXS"), "code-also")
    assert of(run("S02.2XXA"), "code-also")  # the acute fracture still is


def test_the_missing_seventh_character_message_is_short_and_the_fixes_carry_the_meanings():
    [finding] = of(run("S72.001"), "missing-7th-character")
    assert len(finding.message) < 140
    assert "A, B, C" in finding.message and "initial encounter" not in finding.message
    assert any("initial encounter for closed fracture" in fix.title for fix in finding.fixes)


def test_reminder_messages_fit_a_tooltip():
    for finding in of(run("E11.22"), "use-additional-code"):
        assert len(finding.message) < 260


def test_a_leading_if_applicable_holds_for_every_item():
    [finding] = of(run("A41.9", "T80.211A"), "code-first")
    assert "if applicable: sepsis due to central venous catheter" in finding.message


def test_a_list_of_possible_manifestations_is_not_a_reminder():
    assert not of(run("M10.30"), "use-additional-code")
    assert not of(run("M1A.30X0"), "use-additional-code")
    assert of(run("E11.22"), "use-additional-code")


# -- 7: suggestions that point the right way --------------------------------------------------


def test_a_mistyped_code_suggests_its_own_category_first():
    [finding] = of(run("E11.23"), "unknown-code")
    assert fixes(finding)[:3] == ["E11.21", "E11.22", "E11.29"]
    assert "E31.23" not in finding.message


def test_a_look_alike_slip_still_comes_first(cs2026):
    from icd10ls.codeset.suggest import suggest

    assert suggest(cs2026, "I1O")[0] == "I10"
    assert suggest(cs2026, "L07.9")[0] == "L70.9"


@pytest.mark.parametrize(("heading", "default"), [("E11", "E11.9"), ("I50", "I50.9"), ("E10", "E10.9")])
def test_a_heading_offers_its_default_code_first(heading, default):
    [finding] = of(run(heading), "non-billable")
    assert fixes(finding)[0] == default


def test_a_code_of_a_later_year_suggests_the_default_code():
    [finding] = of(run("E11.A", date=FY2025), "not-in-code-set")
    assert fixes(finding)[0] == "E11.9"


@pytest.mark.parametrize(("written", "code"), [("T07A", "T07.XXXA"), ("T36.01A", "T36.0X1A"),
                                               ("S03.40A", "S03.40XA")])
def test_lookup_suggestions_find_the_placeholder_form(cs2026, written, code):
    from icd10ls.codeset.suggest import suggest

    assert suggest(cs2026, written)[0] == code


# -- 10: messages that say what to do ------------------------------------------------------------


def test_a_misplaced_dot_message_names_the_code_and_the_safe_fix():
    [finding] = of(run("E112.2"), "syntax")
    assert "E11.22" in finding.message and "safe fix" in finding.message
    assert [(fix.edits[0].new_text, fix.safe) for fix in finding.fixes] == [("E11.22", True)]


def test_a_malformed_code_message_names_the_likeliest_codes():
    [finding] = of(run("I1/0"), "syntax")
    assert "did you mean I10" in finding.message


def test_a_file_that_is_not_utf8_is_reported_with_line_and_column(tmp_path, capsys):
    from icd10ls.cli import main

    path = tmp_path / "latin1.enc"
    path.write_bytes("date: 2026-01-15\ndx: I10  # café\n".encode("latin-1"))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: not UTF-8 text at line 2, column 15 (byte 0xE9" in err


# -- the example files -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["outpatient-clinic.enc", "inpatient-mixed.enc", "inpatient-drg.enc", "quick-list.enc"])
def test_the_clean_examples_have_no_errors_or_warnings(name):
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / name
    result = check_text(path.read_text(encoding="utf-8"), Settings())
    assert [(f.rule, f.message) for f in result.findings if f.severity <= Severity.WARNING] == []
