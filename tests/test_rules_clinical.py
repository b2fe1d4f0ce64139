"""The hints coders are audited on: must and must-not cases on the real codes of the bundled code sets."""

from __future__ import annotations

import pytest

from icd10ls.checker import check_text
from icd10ls.codeset.specificity import NOS, SPECIFIC, classify_code
from icd10ls.rules.findings import Severity
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
