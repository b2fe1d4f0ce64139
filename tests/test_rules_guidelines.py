"""The guideline rules coders are audited on: must and must-not cases on real codes."""

from __future__ import annotations

import pytest

from icd10ls.checker import check_text
from icd10ls.findings import Severity
from icd10ls.settings import Settings

FY2026 = "2026-01-15"
FY2025 = "2025-03-01"


def run(*codes: str, date: str | None = FY2026, settings: Settings | None = None, **headers: str):
    lines = ["encounter E1"]
    if date:
        lines.append(f"date: {date}")
    lines += [f"{key}: {value}" for key, value in headers.items()]
    lines += [f"dx: {code}" for code in codes]
    return check_text("\n".join(lines) + "\n", settings or Settings())


def of(result, rule: str):
    return [f for f in result.findings if f.rule == rule]


def fixes(finding) -> list[str]:
    return [fix.edits[0].new_text for fix in finding.fixes]


def serious(result) -> list[str]:
    return sorted(f.rule for f in result.findings if f.severity <= Severity.WARNING)


# -- combination-code ----------------------------------------------------------------------------


@pytest.mark.parametrize(("codes", "written", "target"), [
    (("I10", "N18.4"), "I10", "I12.9"),
    (("I10", "N18.6"), "I10", "I12.0"),
    (("I10", "N18.30"), "I10", "I12.9"),
    (("I10", "I50.9"), "I10", "I11.0"),
    (("I10", "I51.9"), "I10", "I11.9"),
    (("I10", "I50.22", "N18.4"), "I10", "I13.0"),
    (("I10", "I50.9", "N18.5"), "I10", "I13.2"),
    (("I11.9", "N18.31"), "I11.9", "I13.10"),
    (("I12.9", "N18.5"), "I12.9", "I12.0"),
    (("I12.0", "N18.4"), "I12.0", "I12.9"),
    (("I12.9", "N18.4", "I50.9"), "I12.9", "I13.0"),
])
def test_hypertension_with_heart_or_kidney_disease_is_the_combination_code(codes, written, target):
    [finding] = of(run(*codes), "combination-code")
    assert finding.code == written and target in finding.message
    assert fixes(finding) == [target]
    assert finding.severity is Severity.WARNING


@pytest.mark.parametrize("codes", [("I12.9", "N18.4"), ("I12.0", "N18.6"), ("I11.0", "I50.9"), ("I10",),
                                   ("I13.0", "I50.9", "N18.4"), ("I10", "E11.9"), ("N18.4",), ("I50.9",)])
def test_matching_combination_codes_are_fine(codes):
    assert not of(run(*codes), "combination-code")


def test_hypertension_beside_its_combination_code_is_deleted():
    [finding] = of(run("I12.9", "N18.4", "I10"), "combination-code")
    assert finding.code == "I10" and "delete" in finding.message
    assert finding.fixes[0].edits[0].whole_line


def test_unrelated_conditions_can_be_allowed():
    text = f"date: {FY2026}\ndx: I10  # allow: combination-code\ndx: N18.4\n"
    assert not of(check_text(text, Settings()), "combination-code")


@pytest.mark.parametrize(("without", "other"), [("E11.9", "E11.22"), ("E11.9", "E11.65"), ("E10.9", "E10.10"),
                                                ("O03.9", "O03.5"), ("K50.00", "K50.011")])
def test_without_complications_beside_a_complication_of_its_category(without, other):
    [finding] = of(run(without, other), "combination-code")
    assert finding.code == without and other in finding.message


@pytest.mark.parametrize("codes", [("E11.9", "E10.22"), ("E11.9", "I10"), ("E11.9",), ("E11.22", "E11.65"),
                                   ("I87.001", "I87.012"), ("K50.00", "K50.111"), ("E11.9", "E11.A")])
def test_without_complications_alone_in_its_category_is_fine(codes):
    assert not of(run(*codes), "combination-code")


def test_systolic_and_diastolic_failure_are_the_combined_code():
    [finding] = of(run("I50.21", "I50.31"), "combination-code")
    assert fixes(finding) == ["I50.41"] and finding.fixes[0].preferred
    [mixed] = of(run("I50.23", "I50.32"), "combination-code")
    assert fixes(mixed) == ["I50.40", "I50.41", "I50.42", "I50.43"]
    assert not of(run("I50.21", "I50.22"), "combination-code")
    assert not of(run("I50.41"), "combination-code")


# -- additional-only, first-listed-only ------------------------------------------------------------


@pytest.mark.parametrize(("first", "then"), [("B96.20", "N39.0"), ("B95.2", "L03.115"), ("Z16.10", "A41.9"),
                                             ("Z3A.32", "O26.893"), ("Z37.0", "O80"), ("Z68.41", "E66.01"),
                                             ("Z33.1", "J06.9")])
def test_additional_only_codes_are_never_first(first, then):
    result = run(first, then)
    [finding] = of(result, "additional-only")
    assert finding.code == first and fixes(finding) and then in fixes(finding)[0]
    assert serious(result) == ["additional-only"]  # one problem, one finding
    assert not of(run(then, first), "additional-only")


def test_an_additional_only_code_alone_is_reported():
    [finding] = of(run("B96.20"), "additional-only")
    assert "only code" in finding.message and "B95-B97" in finding.message


@pytest.mark.parametrize(("first", "later"), [("I10", "Z00.00"), ("R05.9", "Z01.818"), ("P07.14", "Z38.00"),
                                              ("C50.911", "Z51.11"), ("O26.893", "Z34.03"), ("D64.9", "Z52.000")])
def test_first_listed_only_codes_after_another(first, later):
    [finding] = of(run(first, later), "first-listed-only")
    assert finding.code == later and fixes(finding)
    assert not of(run(later, first), "first-listed-only")


@pytest.mark.parametrize("code", ["Z00.6", "Z52.9", "Z51.81", "Z79.4"])
def test_the_exceptions_and_other_z_codes_may_follow(code):
    assert not of(run("I10", code), "first-listed-only")


# -- chapter 15 and 16 -----------------------------------------------------------------------------


def test_obstetric_codes_come_first():
    [finding] = of(run("N39.0", "O23.43"), "obstetric-first")
    assert finding.code == "O23.43" and "Z33.1" in finding.message
    assert not of(run("O23.43", "N39.0"), "obstetric-first")
    assert not of(run("Z34.03", "Z3A.30"), "obstetric-first")
    assert not of(run("N39.0", "Z33.1"), "obstetric-first")


def test_o80_only_without_other_chapter_15_codes():
    [finding] = of(run("O80", "O26.893", "Z37.0"), "normal-delivery")
    assert "O26.893" in finding.message
    assert not of(run("O80", "Z37.0", "Z3A.39", "J45.909"), "normal-delivery")
    [late] = of(run("J45.909", "O80", "Z37.0"), "normal-delivery")
    assert "principal" in late.message


@pytest.mark.parametrize(("code", "weeks", "better"), [("O26.891", "Z3A.30", "O26.893"),
                                                       ("O26.893", "Z3A.12", "O26.891"),
                                                       ("O99.213", "Z3A.20", "O99.212"),
                                                       ("O36.5110", "Z3A.32", "O36.5130")])
def test_a_trimester_that_contradicts_the_weeks(code, weeks, better):
    [finding] = of(run(code, weeks), "trimester")
    assert finding.severity is Severity.WARNING and fixes(finding) == [better]


@pytest.mark.parametrize(("code", "weeks"), [("O26.891", "Z3A.13"), ("O26.892", "Z3A.14"), ("O26.892", "Z3A.27"),
                                             ("O26.893", "Z3A.28"), ("O26.891", "Z3A.01"), ("O26.893", "Z3A.49")])
def test_the_trimester_boundaries_of_the_chapter_note(code, weeks):
    assert not of(run(code, weeks), "trimester")


def test_an_open_trimester_is_a_hint_naming_the_one_the_weeks_give():
    [finding] = of(run("O26.899", "Z3A.30"), "trimester")
    assert finding.severity is Severity.HINT and fixes(finding) == ["O26.893"]
    [alone] = of(run("O26.899"), "trimester")
    assert alone.severity is Severity.HINT and fixes(alone) == ["O26.891", "O26.892", "O26.893"]
    assert not of(run("O26.899"), "unspecified-side")


def test_newborn_codes_stay_off_the_mothers_record_and_back():
    [finding] = of(run("O80", "Z37.0", "P07.14"), "maternal-newborn-record")
    assert finding.code == "P07.14"
    [other] = of(run("Z38.00", "O80"), "maternal-newborn-record")
    assert other.code == "O80"
    assert not of(run("Z38.00", "P07.14", "P07.32"), "maternal-newborn-record")
    assert not of(run("O80", "Z37.0"), "maternal-newborn-record")


def test_birth_weight_before_gestational_age():
    [finding] = of(run("Z38.00", "P07.32", "P07.14"), "birth-weight-first")
    assert finding.code == "P07.32" and finding.related[0].code == "P07.14"
    assert not of(run("Z38.00", "P07.14", "P07.32"), "birth-weight-first")
    assert not of(run("Z38.00", "P07.32"), "birth-weight-first")


# -- encounter consistency -------------------------------------------------------------------------


def test_one_injury_initial_and_subsequent():
    [finding] = of(run("S52.521A", "S52.521D"), "injury-encounter")
    assert finding.code == "S52.521D"
    assert not of(run("S52.521A", "S52.522D"), "injury-encounter")
    assert not of(run("S52.521A", "S52.521S"), "injury-encounter")


def test_a_sequela_needs_its_residual_condition():
    [finding] = of(run("S02.2XXS"), "sequela-residual")
    assert "residual" in finding.message
    assert of(run("S02.2XXS", "W19.XXXS"), "sequela-residual")
    assert not of(run("J34.2", "S02.2XXS"), "sequela-residual")
    assert not of(run("S02.2XXA"), "sequela-residual")
    assert not of(run("J34.2", "W19.XXXS"), "sequela-residual")


def test_a_coma_scale_takes_one_code_of_each_part_at_one_time():
    [finding] = of(run("S06.0X1A", "R40.2112"), "coma-scale")
    assert "R40.22-" in finding.message and "R40.23-" in finding.message
    assert not of(run("S06.0X1A", "R40.2112", "R40.2212", "R40.2312"), "coma-scale")
    [timing] = of(run("S06.0X1A", "R40.2112", "R40.2212", "R40.2313"), "coma-scale")
    assert "7th character" in timing.message
    assert not of(run("S06.0X1A", "R40.2412"), "coma-scale")


@pytest.mark.parametrize(("code", "age"), [("Z68.30", "16"), ("Z68.1", "19"), ("Z68.54", "20"), ("Z68.52", "1")])
def test_bmi_codes_by_age(code, age):
    [finding] = of(run("E66.01", code, age=age), "bmi-age")
    assert age in finding.message


@pytest.mark.parametrize(("code", "age"), [("Z68.30", "20"), ("Z68.54", "19"), ("Z68.52", "2"), ("Z68.30", None)])
def test_bmi_codes_of_the_right_age(code, age):
    headers = {"age": age} if age else {}
    assert not of(run("E66.01", code, **headers), "bmi-age")


def test_no_bmi_in_pregnancy():
    [finding] = of(run("O99.213", "Z68.41", "Z3A.30"), "bmi-age")
    assert "pregnancy" in finding.message


def test_bmi_needs_its_condition():
    [finding] = of(run("I10", "Z68.30"), "bmi-condition")
    assert finding.code == "Z68.30"
    for condition in ("E66.01", "E44.0", "R63.4", "R62.51", "F50.00"):
        assert not of(run(condition, "Z68.30"), "bmi-condition"), condition


# -- no-date, broad Excludes1 notes ---------------------------------------------------------------


def test_an_encounter_without_a_date_names_the_code_set_used():
    [finding] = of(run("I10", date=None), "no-date")
    assert "FY2026" in finding.message and finding.span.line == 0
    assert not of(run("I10"), "no-date")
    assert not of(check_text("encounter E1\ndate: 2026-01-15\n", Settings()), "no-date")


def test_an_implicit_encounter_without_a_date_is_reported_on_its_first_code():
    result = check_text("# codes only\nI10\n", Settings())
    [finding] = of(result, "no-date")
    assert finding.span.line == 1


def test_no_date_is_not_reported_when_the_settings_choose_the_year():
    assert not of(run("I10", date=None, settings=Settings(year=2025)), "no-date")


@pytest.mark.parametrize("codes", [("R40.20", "E11.9"), ("R40.2112", "E11.65"), ("T88.7XXA", "I10"),
                                   ("T88.7XXA", "J45.909")])
def test_broad_excludes1_notes_do_not_pair_with_everything(codes):
    assert not of(run(*codes), "excludes1")


@pytest.mark.parametrize("codes", [("R40.20", "E11.641"), ("R40.0", "E11.01"), ("F53.1", "F20.0"),
                                   ("Z34.00", "O26.891")])
def test_the_conditions_broad_notes_mean_still_pair(codes):
    assert of(run(*codes), "excludes1")
