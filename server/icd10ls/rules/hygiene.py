"""What an encounter must say for its codes to be checked exactly: its date."""

from __future__ import annotations

from ..encounter import Span
from ..findings import Severity
from .engine import FileContext
from .registry import FILE, rule


@rule("no-date", Severity.WARNING, FILE, "I.B.1",
      "an encounter with codes but no `date:`, checked against a code set chosen without one")
def no_date(ctx: FileContext) -> None:
    """The code set that applies is the one in effect on the date of service (the discharge
    date for inpatient stays): codes are added, deleted and changed every October 1 and
    sometimes April 1, and each code must be verified in the Tabular List of that release
    (Official Guidelines I.B.1).  An encounter without a `date:` header is checked against
    the newest installed code set, which may not be its own; the warning names the code
    set used.  Add `date: YYYY-MM-DD` to the encounter.  When the settings force a fiscal
    year (`year = 2025`, `--year`), that choice is explicit and nothing is reported."""
    if ctx.settings.year is not None:
        return  # the settings chose the code set: nothing is silent
    for encounter, selection in zip(ctx.file.encounters, ctx.selections):
        if "date" in encounter.headers or not any(dx.code for dx in encounter.diagnoses):
            continue
        if encounter.implicit:
            first = next(dx for dx in encounter.diagnoses if dx.code)
            span = first.code_span
        else:
            line = ctx.file.lines[encounter.start_line]
            start = len(line) - len(line.lstrip())
            span = Span(encounter.start_line, start, start + len("encounter"))
        ctx.report("no-date", span,
                   f"no date: the codes are checked against {selection.codeset.label} (the newest installed); "
                   f"add 'date: YYYY-MM-DD' (the date of service, or of discharge for an inpatient stay)")
