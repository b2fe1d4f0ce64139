"""Every rule on real codes of the bundled code sets: cases that must trigger and cases that must not."""

from __future__ import annotations

import pytest

from icd10ls.checker import check_text
from icd10ls.findings import Severity
from icd10ls.settings import RuleSetting, Settings

FY2026 = "2026-01-15"
FY2025 = "2025-03-01"


def encounter(*codes: str, date: str | None = FY2026, setting: str | None = None) -> str:
    lines = ["encounter E1"]
    if date:
        lines.append(f"date: {date}")
    if setting:
        lines.append(f"setting: {setting}")
    lines.extend(codes)
    return "\n".join(lines) + "\n"


def run(*codes: str, **kwargs):
    return check_text(encounter(*codes, **kwargs), Settings())


def of(result, rule: str):
    return [f for f in result.findings if f.rule == rule]


def rules_of(result) -> set[str]:
    return {f.rule for f in result.findings}


def line_of(result, finding) -> str:
    return result.file.lines[finding.span.line]


def replacements(finding) -> list[str]:
    return [fix.edits[0].new_text for fix in finding.fixes]


# -- syntax ------------------------------------------------------------------------------


def test_syntax_reports_parser_issues_as_errors():
    result = check_text("date: 2026-02-30\nI10\n")
    [finding] = of(result, "syntax")
    assert finding.severity is Severity.ERROR
    assert finding.span.line == 0 and result.file.lines[0][finding.span.start:finding.span.end] == "2026-02-30"


def test_syntax_offers_a_safe_fix_for_a_misplaced_dot():
    result = check_text("date: 2026-01-15\ndx: E112.2\n")
    [finding] = of(result, "syntax")
    assert [(fix.edits[0].new_text, fix.safe) for fix in finding.fixes] == [("E11.22", True)]


def test_syntax_warns_on_unknown_rule_ids_in_allow_comments():
    result = check_text("I10  # allow: excludez1, duplicate-code\n")
    [finding] = of(result, "syntax")
    assert finding.severity is Severity.WARNING
    assert "excludez1" in finding.message
    assert result.file.lines[0][finding.span.start:finding.span.end] == "excludez1"
    assert replacements(finding) == ["excludes1"]


def test_known_allow_ids_are_not_syntax_findings():
    assert not of(check_text("I10  # allow: excludes1, duplicate-code\n"), "syntax")


# -- code-set -----------------------------------------------------------------------------


def test_code_set_informs_when_the_date_is_outside_the_installed_years():
    result = run("I10", date="2024-05-02")
    [finding] = of(result, "code-set")
    assert finding.severity is Severity.INFORMATION
    assert "FY2024" in finding.message and "FY2025" in finding.message
    assert line_of(result, finding)[finding.span.start:finding.span.end] == "2024-05-02"
    assert result.selections[0].codeset.fiscal_year == 2025


def test_code_set_is_silent_for_installed_years_and_missing_dates():
    assert not of(run("I10", date=FY2025), "code-set")
    result = run("I10", date=None)
    assert not of(result, "code-set")
    assert result.selections[0].codeset.fiscal_year == 2026


def test_year_override_forces_the_code_set_and_says_so_on_other_dates():
    result = check_text(encounter("G35", date=FY2026), Settings(year=2025))
    assert result.selections[0].codeset.fiscal_year == 2025
    assert not of(result, "non-billable")  # G35 is billable in FY2025
    assert of(result, "code-set")


# -- unknown-code -------------------------------------------------------------------------


def test_unknown_code_with_suggestions():
    result = run("E1399")
    [finding] = of(result, "unknown-code")
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith("E1399 ")  # as written, not as normalized
    assert "E13.9" in replacements(finding)
    assert not any(fix.safe for fix in finding.fixes)


def test_valid_codes_are_not_unknown():
    assert not of(run("E13.9", "I10", "E11.22"), "unknown-code")


# -- not-in-code-set ----------------------------------------------------------------------


def test_deleted_code_is_not_in_the_later_code_set():
    result = run("S30.1XXA", date=FY2026)
    [finding] = of(result, "not-in-code-set")
    assert "FY2025" in finding.message and "FY2026" in finding.message
    assert "S30.11XA" in replacements(finding)
    assert not of(run("S30.1XXA", date=FY2025), "not-in-code-set")


def test_new_code_is_not_in_the_earlier_code_set():
    result = run("G35.A", date=FY2025)
    [finding] = of(result, "not-in-code-set")
    assert "created in FY2026" in finding.message
    assert replacements(finding) == ["G35"]
    assert not rules_of(run("G35.A", date=FY2026)) & {"not-in-code-set", "unknown-code", "non-billable"}


# -- non-billable -------------------------------------------------------------------------


@pytest.mark.parametrize("code, expected", [
    ("E11.2", ["E11.21", "E11.22", "E11.29"]),
    ("C50.91", ["C50.911", "C50.912", "C50.919"]),
    ("R51", ["R51.0", "R51.9"]),
    ("G20", ["G20.A1", "G20.A2", "G20.B1", "G20.B2", "G20.C"]),
])
def test_headings_are_not_billable(code, expected):
    [finding] = of(run(code), "non-billable")
    assert finding.severity is Severity.ERROR
    assert replacements(finding) == expected


def test_g35_is_billable_in_fy2025_and_a_heading_in_fy2026():
    assert not run("G35", date=FY2025).findings
    [finding] = of(run("G35", date=FY2026), "non-billable")
    assert "FY2025" in finding.message
    assert replacements(finding)[0] == "G35.A"


def test_many_codes_below_lists_residual_codes_first():
    [finding] = of(run("S52.5"), "non-billable")
    assert len(finding.fixes) == 10
    assert any("unspecified" in fix.title.lower() or "other" in fix.title.lower() for fix in finding.fixes[:3])


def test_billable_codes_are_not_reported_as_headings():
    assert not of(run("E11.22", "R51.9", "G20.A1", "C50.911"), "non-billable")


# -- non-canonical ------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["e1122", "E1122", "e11.22"])
def test_non_canonical_spelling_gets_a_safe_fix(written):
    [finding] = of(run(written), "non-canonical")
    assert finding.severity is Severity.HINT
    assert [(fix.edits[0].new_text, fix.safe) for fix in finding.fixes] == [("E11.22", True)]


def test_canonical_codes_are_left_alone():
    assert not of(run("E11.22", "I10"), "non-canonical")


# -- 7th characters -----------------------------------------------------------------------


def test_missing_seventh_character():
    [finding] = of(run("S52.521"), "missing-7th-character")
    assert finding.severity is Severity.ERROR
    assert replacements(finding) == ["S52.521A", "S52.521D", "S52.521G", "S52.521K", "S52.521P", "S52.521S"]
    assert "initial encounter for closed fracture" in finding.fixes[0].title


def test_missing_seventh_character_pads_with_placeholders():
    [finding] = of(run("T07"), "missing-7th-character")
    assert replacements(finding) == ["T07.XXXA", "T07.XXXD", "T07.XXXS"]


def test_complete_codes_have_their_seventh_character():
    assert not of(run("S52.521A", "T07.XXXA", "H40.1111"), "missing-7th-character")


def test_s06_restriction_makes_d_invalid_with_sixth_character_7():
    [finding] = of(run("S06.1X7D"), "invalid-7th-character")
    assert finding.severity is Severity.ERROR
    assert "do not apply" in finding.message
    assert replacements(finding) == ["S06.1X7A"]
    assert not of(run("S06.1X7A", "S06.0X1D"), "invalid-7th-character")


def test_seventh_character_the_category_does_not_define():
    [finding] = of(run("S52.521Z"), "invalid-7th-character")
    assert "S52.521A" in replacements(finding)


# -- placeholder --------------------------------------------------------------------------


@pytest.mark.parametrize("written, intended", [
    ("T07A", "T07.XXXA"), ("S03.40A", "S03.40XA"), ("T36.01A", "T36.0X1A"), ("T36.X01A", "T36.0X1A"),
])
def test_missing_placeholder_has_one_safe_fix(written, intended):
    [finding] = of(run(written), "placeholder")
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(written)
    assert [(fix.edits[0].new_text, fix.safe) for fix in finding.fixes] == [(intended, True)]
    assert not of(run(written), "unknown-code")


def test_missing_placeholder_and_seventh_character_offers_each_seventh():
    [finding] = of(run("T36.01"), "placeholder")
    assert replacements(finding) == ["T36.0X1A", "T36.0X1D", "T36.0X1S"]
    assert not any(fix.safe for fix in finding.fixes)


def test_correct_placeholders_are_not_reported():
    assert not of(run("T07.XXXA", "S03.40XA", "T36.0X1A"), "placeholder")


# -- excludes1 ----------------------------------------------------------------------------


@pytest.mark.parametrize("first, second", [
    ("A15.4", "A15.7"), ("A15.4", "P37.0"), ("D29.1", "N40.0"), ("H05.30", "Q10.7"), ("F05", "R41.0"),
])
@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_excludes1_pairs_warn_in_both_orders(first, second, order):
    codes = (first, second) if order == "forward" else (second, first)
    result = run(*codes)
    [finding] = of(result, "excludes1")
    assert finding.severity is Severity.WARNING
    assert finding.span.line == 3  # on the later code
    assert finding.related[0].span.line == 2 and finding.related[0].code == codes[0]
    assert first in finding.message and second in finding.message
    assert "Excludes1" in finding.message and '"' in finding.message  # quotes the note


def test_excludes2_pairs_do_not_warn():
    assert not of(run("F05", "F10.231"), "excludes1")
    assert not of(run("F05", "F10.921"), "excludes1")


@pytest.mark.parametrize("where", [0, 1])
def test_allow_comment_on_either_line_silences_an_excludes1_pair(where):
    codes = ["F45.8", "G47.63"]
    codes[where] += "  # allow: excludes1; unrelated conditions"
    result = run(*codes)
    assert not of(result, "excludes1")
    assert not of(result, "syntax")


def test_allow_of_another_rule_does_not_silence_excludes1():
    assert of(run("F45.8", "G47.63  # allow: duplicate-code"), "excludes1")


def test_excludes1_qualified_reference_only_covers_the_qualified_codes():
    # G63's Excludes1 names diabetes "(E08-E13 with .42)": E11.42 is excluded, E11.9 is not.
    assert of(run("E11.42", "G63"), "excludes1")
    assert not of(run("E11.9", "G63"), "excludes1")


def test_excludes1_does_not_involve_unknown_codes():
    assert not of(run("E11.22", "E1399"), "excludes1")


# -- sequencing ---------------------------------------------------------------------------


def test_a_manifestation_listed_first_is_one_error_not_also_a_code_first_warning():
    result = run("F02.80", "G20.A1")
    [manifestation] = of(result, "manifestation-first")
    assert manifestation.severity is Severity.ERROR
    assert manifestation.span.line == 2
    assert "first-listed" in manifestation.message
    assert manifestation.related[0].code == "G20.A1"
    assert not of(result, "code-first")


def test_code_first_is_a_warning():
    [code_first] = of(run("N18.4", "E11.22"), "code-first")
    assert code_first.severity is Severity.WARNING
    assert code_first.related[0].code == "E11.22"


def test_etiology_then_manifestation_is_fine():
    result = run("G20.A1", "F02.80")
    assert result.findings == []


def test_principal_wording_for_inpatient_encounters():
    [finding] = of(run("F02.80", "G20.A1", setting="inpatient"), "manifestation-first")
    assert "principal diagnosis" in finding.message


def test_default_setting_from_settings_changes_the_wording():
    result = check_text(encounter("F02.80", "G20.A1"), Settings(default_setting="inpatient"))
    assert "principal diagnosis" in of(result, "manifestation-first")[0].message


def test_manifestation_fix_moves_the_named_underlying_condition_up():
    result = run("F02.80", "I10", "G20.A1")
    [finding] = of(result, "manifestation-first")
    assert finding.related[0].code == "G20.A1"
    [fix] = finding.fixes
    assert [(e.span.line, e.new_text) for e in fix.edits] == [(2, "G20.A1"), (3, "F02.80"), (4, "I10")]


def test_code_first_pair_warns_when_the_named_code_comes_later():
    result = run("N18.31", "E11.22")
    [finding] = of(result, "code-first")
    assert finding.span.line == 2 and finding.related[0].code == "E11.22"
    assert "Code first" in finding.message
    assert not of(run("E11.22", "N18.31"), "code-first")


def test_code_first_underlying_condition_when_listed_first():
    [finding] = of(run("F05"), "code-first")
    assert "underlying" in finding.message
    assert of(run("E08.65"), "code-first")
    assert not of(run("G30.9", "F05"), "code-first")


@pytest.mark.parametrize("code", ["F05", "E08.65", "R65.20", "I85.10", "G46.3", "F07.81", "D89.810"])
def test_a_title_that_says_there_is_an_underlying_condition_makes_first_a_warning(code):
    """Due to ..., secondary ..., in ... diseases, sepsis, graft-versus-host: the condition exists."""
    [finding] = of(run(code), "code-first")
    assert finding.severity is Severity.WARNING and "list the underlying condition first" in finding.message


@pytest.mark.parametrize("code", ["M40.00", "J34.8210", "M02.9", "K74.00"])
def test_otherwise_code_first_the_underlying_cause_is_information_when_first(code):
    """Postural kyphosis, nasal valve collapse: the underlying cause is coded first only if known (I.B.7)."""
    [finding] = of(run(code), "code-first")
    assert finding.severity is Severity.INFORMATION and "if the record documents that condition" in finding.message


def test_a_manifestation_listed_first_is_reported_once():
    result = run("F02.80")
    assert rules_of(result) >= {"manifestation-first"} and not of(result, "code-first")


def test_any_associated_note_does_not_make_a_lone_first_code_wrong():
    assert not of(run("N18.31"), "code-first")


def test_the_adverse_effect_note_binds_adverse_effect_codes_only():
    """T36-T50: "Code first, for adverse effects, the nature of the adverse effect" (I.C.19.e.5)."""
    [finding] = of(run("T39.015A", "K29.70"), "code-first")  # adverse effect of aspirin, then gastritis
    assert finding.related[0].code == "K29.70"
    assert not of(run("K29.70", "T39.015A"), "code-first")
    [alone] = of(run("T38.3X5A", "E16.2"), "code-first")  # the note's list is open ("such as")
    assert "list the adverse effect itself first" in alone.message and "T88.7" in alone.message
    assert not of(run("E16.2", "T38.3X5A"), "code-first")
    # a poisoning code comes before its manifestations: the note does not apply to it
    assert not of(run("T39.011A", "K29.70"), "code-first")
    assert not of(run("T39.011A"), "code-first")


def test_any_causal_condition_note_never_triggers_code_first():
    assert not of(run("R35.0", "N40.1"), "code-first")
    assert not of(run("R35.0"), "code-first")


def test_external_cause_first():
    result = run("W19.XXXA", "S52.521A")
    [finding] = of(result, "external-cause-first")
    assert finding.severity is Severity.ERROR
    assert finding.related[0].code == "S52.521A"
    assert not of(run("S52.521A", "W19.XXXA"), "external-cause-first")


def test_sequela_first():
    result = run("S02.2XXS", "J34.2")
    [finding] = of(result, "sequela-first")
    assert finding.severity is Severity.WARNING
    assert finding.related[0].code == "J34.2"
    assert of(run("S52.521S", "M25.531"), "sequela-first")
    assert not of(run("J34.2", "S02.2XXS"), "sequela-first")
    assert not of(run("S52.521A", "M25.531"), "sequela-first")  # not a sequela


# -- duplicate-code -----------------------------------------------------------------------


def test_exact_duplicate_line_gets_a_safe_deletion():
    result = run("I10", "E78.5", "I10")
    [finding] = of(result, "duplicate-code")
    assert finding.severity is Severity.WARNING
    assert finding.span.line == 4 and finding.related[0].span.line == 2
    [fix] = finding.fixes
    assert fix.safe and fix.edits[0].whole_line and fix.edits[0].span.line == 4


def test_different_lines_with_one_code_are_not_safe_to_delete():
    [finding] = of(run("I10", "i10 poa=Y hypertension"), "duplicate-code")
    assert not finding.fixes[0].safe


def test_distinct_codes_are_not_duplicates():
    assert not of(run("I10", "I11.9", "E78.5"), "duplicate-code")


# -- laterality ---------------------------------------------------------------------------


@pytest.mark.parametrize("right, left, bilateral", [
    ("H65.91", "H65.92", "H65.93"), ("M17.11", "M17.12", "M17.0"), ("H40.1111", "H40.1121", "H40.1131"),
])
def test_right_and_left_codes_with_a_bilateral_code(right, left, bilateral):
    [finding] = of(run(right, left), "laterality")
    assert finding.severity is Severity.WARNING
    assert bilateral in finding.message
    [fix] = finding.fixes
    assert fix.edits[0].new_text == bilateral and fix.edits[1].whole_line


def test_no_laterality_finding_without_a_bilateral_code_or_a_pair():
    assert not of(run("M25.561", "M25.562"), "laterality")  # pain in knee has no bilateral code
    assert not of(run("H65.91"), "laterality")
    assert not of(run("H40.1111", "H40.1122"), "laterality")  # different stages


# -- reminders ----------------------------------------------------------------------------


def test_use_additional_code_when_the_named_codes_are_absent():
    findings = of(run("E11.22"), "use-additional-code")
    assert any("N18.1-N18.6" in f.message for f in findings)
    assert all(f.severity is Severity.INFORMATION for f in findings)


def test_use_additional_code_satisfied_by_a_code_in_the_range():
    assert not any("N18.1-N18.6" in f.message for f in of(run("E11.22", "N18.31"), "use-additional-code"))


def test_if_applicable_notes_are_not_reminders():
    # G20's "use additional code, if applicable, to identify dementia" is conditional.
    assert not of(run("G20.A1"), "use-additional-code")


def test_code_also_when_the_named_codes_are_absent():
    [finding] = of(run("S02.0XXA"), "code-also")
    assert finding.severity is Severity.INFORMATION
    assert "S06.-" in finding.message
    assert not of(run("S02.0XXA", "S06.0X1A"), "code-also")


def test_a_list_of_conditions_after_a_lead_in_is_not_a_reminder():
    # S06 "code also any associated: open wound of head (S01.-), skull fracture (S02.-)",
    # I25 "use additional code to identify: chronic total occlusion ..., tobacco use ...".
    assert not of(run("S06.0X1A"), "code-also")
    assert not of(run("I25.10"), "use-additional-code")
    assert not of(run("J45.909"), "use-additional-code")


def test_a_shared_note_is_reported_once_per_encounter():
    findings = of(run("J01.00", "J01.10"), "use-additional-code")
    assert sum("B95-B97" in f.message for f in findings) == 1


# -- unspecified-code ---------------------------------------------------------------------


def test_unspecified_code_lists_nec_first():
    [finding] = of(run("L70.9"), "unspecified-code")
    assert finding.severity is Severity.HINT
    assert replacements(finding)[0] == "L70.8"
    assert "L70.0" in finding.message


def test_specific_codes_get_no_unspecified_hint():
    assert not of(run("L70.0", "L70.8"), "unspecified-code")


def test_default_codes_nos_by_inclusion_term_get_no_hint():
    assert not of(run("G20.A1", "N40.0"), "unspecified-code")


# -- settings applied -----------------------------------------------------------------------


def test_rule_severity_override_and_off():
    text = encounter("A15.4", "A15.7")
    raised = check_text(text, Settings(rules={"excludes1": RuleSetting(True, Severity.ERROR)}))
    assert of(raised, "excludes1")[0].severity is Severity.ERROR
    assert not of(check_text(text, Settings(rules={"excludes1": RuleSetting(False)})), "excludes1")


def test_findings_are_sorted_by_position():
    result = run("W19.XXXA", "E11.2", "A15.4", "A15.7", "T07A")
    keys = [(f.span.line, f.span.start) for f in result.findings]
    assert keys == sorted(keys)


def test_encounters_use_their_own_code_set():
    text = encounter("G35", date=FY2025) + "\n" + encounter("G35", date=FY2026)
    result = check_text(text)
    assert [s.codeset.fiscal_year for s in result.selections] == [2025, 2026]
    assert [f.span.line for f in of(result, "non-billable")] == [6]


def test_code_first_is_satisfied_when_a_named_condition_already_comes_first():
    # G20.A1 is the underlying condition of F02.80 and is listed first; a second
    # Parkinson code after the manifestation does not make the order wrong.
    assert "code-first" not in rules_of(run("G20.A1", "F02.80", "G20.A2"))
    assert "code-first" in rules_of(run("I10", "F02.80", "G20.A1"))


def test_sequela_first_is_satisfied_when_a_condition_already_comes_first():
    assert "sequela-first" not in rules_of(run("A00.0", "S55.891S", "A00.0"))
    assert "sequela-first" in rules_of(run("S55.891S", "A00.0"))
