"""Present-on-admission (POA) indicators: one per inpatient diagnosis, `1` or none for exempt codes.

Which codes are exempt comes from CMS's POA-exempt list of the fiscal year
(`codeset.poaexempt`); where none is installed, only the flags' values are
checked (the parser does that) and nothing is said about missing flags.
"""

from __future__ import annotations

from ..codeset.poaexempt import poa_exempt_codes
from ..encounter import Diagnosis, Span
from .engine import FileContext
from ..findings import Fix, Severity, TextEdit
from .registry import FILE, rule

FLAGS = ("Y", "N", "U", "W")


def _add_flag_fixes(dx: Diagnosis) -> list[Fix]:
    at = Span(dx.line, dx.code_span.end, dx.code_span.end)
    return [Fix(f"Add poa={flag}", (TextEdit(at, f" poa={flag}"),)) for flag in FLAGS]


def _flag_span(dx: Diagnosis) -> Span:
    assert dx.poa_span is not None
    return Span(dx.line, dx.poa_span.end - 1, dx.poa_span.end)


@rule("poa", Severity.WARNING, FILE, "Appendix I",
      "an inpatient diagnosis without its POA indicator, or with one that does not fit the exempt list")
def poa(ctx: FileContext) -> None:
    """Inpatient claims carry a present-on-admission indicator for every diagnosis (ICD-10-CM
    Official Guidelines, Appendix I): Y, N, U or W, and none (blank, or `1` on the claim) for
    the codes on CMS's POA-exempt list, "the only circumstance in which the field may be left
    blank".  The rule warns when an inpatient diagnosis has no `poa=` and its code is not
    exempt, when `poa=1` is given for a code that is not exempt, and when Y, N, U or W is given
    for an exempt code.  The exempt list is that of the discharge date's fiscal year, as
    installed beside the code set; without one only the flags' values are checked.  On an
    outpatient encounter `poa=` means nothing and is pointed out as a hint."""
    lists: dict[int, frozenset[str] | None] = {}
    for encounter, selection in zip(ctx.file.encounters, ctx.selections):
        inpatient = (encounter.setting or ctx.settings.default_setting) == "inpatient"
        if not inpatient:
            for dx in encounter.diagnoses:
                if dx.poa is not None:
                    ctx.report("poa", dx.poa_span, "POA indicators are for inpatient stays: poa= is ignored "
                               "on an outpatient encounter", dx.code, severity=Severity.HINT)
            continue
        year = selection.codeset.fiscal_year
        if year not in lists:
            lists[year] = poa_exempt_codes(year, ctx.state.store)
        exempt = lists[year]
        if exempt is None:
            continue
        codeset = selection.codeset
        for dx in encounter.diagnoses:
            code = dx.code
            if code is None or not codeset.is_billable(code):
                continue  # other rules report what is not a code of the year
            if code in exempt:
                if dx.poa in FLAGS:
                    ctx.report("poa", _flag_span(dx),
                               f"{code} is exempt from POA reporting (CMS's FY{year} exempt list): "
                               "leave the flag out or write poa=1", code,
                               fixes=[Fix("Write poa=1", (TextEdit(_flag_span(dx), "1"),))])
            elif dx.poa is None:
                ctx.report("poa", dx.code_span,
                           f"{code} has no POA indicator: an inpatient diagnosis needs poa=Y, N, U or W "
                           f"(it is not on CMS's FY{year} exempt list)", code, fixes=_add_flag_fixes(dx))
            elif dx.poa == "1":
                ctx.report("poa", _flag_span(dx),
                           f"{code} is not exempt from POA reporting (CMS's FY{year} exempt list): "
                           "write Y, N, U or W", code,
                           fixes=[Fix(f"Write poa={flag}", (TextEdit(_flag_span(dx), flag),)) for flag in FLAGS])
