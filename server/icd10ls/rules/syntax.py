"""Findings about the file's form rather than its codes: syntax, `# allow:` and the code set used."""

from __future__ import annotations

import difflib

from ..findings import Fix, Severity, TextEdit
from ..codeset.suggest import same_code, suggest
from .engine import SELECTION_NOTE, EncounterContext, FileContext
from .registry import ENCOUNTER, FILE, RULES, rule

# Parser issue kinds that are about a comment, not about the encounter's data.
_COMMENT_ISSUES = frozenset({"bad-allow"})


@rule("syntax", Severity.ERROR, FILE, "-", "malformed lines, header values and `# allow:` comments")
def syntax(ctx: FileContext) -> None:
    """A line the parser cannot read, a header value that is not valid (a date that does
    not exist, a setting other than inpatient or outpatient), a token in a diagnosis
    line that is not shaped like a code, or an `# allow:` comment naming a rule that
    does not exist.  Nothing on such a line can be checked until it is readable, so
    these are errors; comment problems are warnings, since they change no code.  A
    token that is a code once its dot is moved (`E112.2`) gets a safe fix; other
    malformed codes get "did you mean" suggestions."""
    lines = ctx.file.lines
    for issue in ctx.file.issues:
        fixes: list[Fix] = []
        message = issue.message
        if issue.kind == "not-a-code":
            token = lines[issue.span.line][issue.span.start:issue.span.end]
            fixes = _code_fixes(ctx, issue.span, token)
            if fixes and fixes[0].safe:  # say the fix: the coder need not guess what was meant
                message = (f"'{token}' is not a code as written; it is {fixes[0].edits[0].new_text} with the dot "
                           "in its place (a safe fix: `icd10ls check --fix` applies it)")
            elif fixes:
                message += f"; did you mean {' or '.join(f.edits[0].new_text for f in fixes[:3])}?"
        severity = Severity.WARNING if issue.kind in _COMMENT_ISSUES else None
        ctx.report("syntax", issue.span, message, None, (), fixes, severity)
    for allow in ctx.file.allows.values():
        for rule_id, span in zip(allow.rules, allow.spans):
            if rule_id in RULES:
                continue
            close = difflib.get_close_matches(rule_id, list(RULES), n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
                " (`icd10ls check --list-rules` lists them)"
            fixes = [Fix(f"Replace with '{c}'", (TextEdit(span, c),)) for c in close]
            ctx.report("syntax", span, f"'{rule_id}' is not a rule id{hint}", None, (), fixes, Severity.WARNING)


def _code_fixes(ctx: FileContext, span, token: str) -> list[Fix]:
    kb = ctx.knowledge_at(span.line)
    exact = same_code(kb.codeset, token)
    if exact is not None:
        return [Fix(f"Write {exact}", (TextEdit(span, exact),), safe=True, preferred=True)]
    return [Fix(f"Replace with {code}", (TextEdit(span, code),)) for code in suggest(kb.codeset, token)]


@rule("code-set", Severity.INFORMATION, ENCOUNTER, "-",
      "the encounter's date is outside the installed code sets (or the settings force another year)",
      trigger=SELECTION_NOTE)
def code_set(ctx: EncounterContext) -> None:
    """Each encounter is checked against the ICD-10-CM code set in effect on its date
    (the date of service, or of discharge for inpatient stays; fiscal years start on
    October 1).  When no installed code set covers that date, the nearest installed
    year is used and this finding says so, on the date; the same when the settings
    force one fiscal year that is not the date's.  Add the right year with
    `icd10ls data add` to check such encounters exactly."""
    header = ctx.encounter.headers.get("date")
    if header is not None and ctx.selection.note:
        ctx.report("code-set", header.value_span, ctx.selection.note)
