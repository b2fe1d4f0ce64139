"""Findings as people and tools read them: text lines, a JSON array, a SARIF 2.1.0 log.

Positions inside icd10ls are 0-based code points; every output here is
1-based, with end columns exclusive, and SARIF says `unicodeCodePoints` so
that consumers count columns the same way.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePath
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from .. import __version__
from ..findings import Finding, Severity, TextEdit
from ..rules import RULES

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DOCS = "docs/rules.md"  # where each rule is explained, by its id as anchor
_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning",
                 Severity.INFORMATION: "note", Severity.HINT: "note"}

Checked = Sequence[tuple[str, Sequence[Finding]]]  # (display path, findings) per file


def _one_line(text: str) -> str:
    return " ".join(text.split())


def text_lines(path: str, findings: Sequence[Finding]) -> list[str]:
    """`path:line:col: severity[rule] message`, one finding a line."""
    return [f"{path}:{f.span.line + 1}:{f.span.start + 1}: {f.severity.label}[{f.rule}] {_one_line(f.message)}"
            for f in findings]


def format_text(checked: Checked) -> str:
    return join_lines("text", [line for path, findings in checked for line in text_lines(path, findings)])


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = {s: 0 for s in Severity}
    for f in findings:
        counts[f.severity] += 1
    return counts


def summary(checked: Checked, unreadable: int = 0, fixed: int = 0) -> str:
    counts = {s: 0 for s in Severity}
    for _, findings in checked:
        for severity, n in severity_counts(findings).items():
            counts[severity] += n
    return summary_of(counts, len(checked), unreadable, fixed)


def summary_of(counts: dict[Severity, int], files: int, unreadable: int = 0, fixed: int = 0) -> str:
    """'2 errors, 1 warning in 3 files; ...' from the findings' counts by severity."""
    parts = [f"{n} {s.label}{'s' if n != 1 and s != Severity.INFORMATION else ''}"
             for s, n in counts.items() if n]
    text = (", ".join(parts) if parts else "no problems") + f" in {files} file{'s' if files != 1 else ''}"
    if fixed:
        text += f"; {fixed} fix{'es' if fixed != 1 else ''} applied"
    if unreadable:
        text += f"; {unreadable} file{'s' if unreadable != 1 else ''} could not be read"
    return text


# One finding a line keeps the output readable, diffable and greppable by rule.  Each line
# is written directly: the fields are fixed and only strings need escaping, which the
# standard library's C escaper does; building dictionaries for its encoder took longer
# than checking.  tests/test_check_report.py holds it to json.dumps of the same fields.
_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _edit_json(edit: TextEdit) -> str:
    span = edit.span
    if edit.whole_line:
        return f'{{"line": {span.line + 1}, "column": 1, "endLine": {span.line + 2}, "endColumn": 1, "newText": ""}}'
    return (f'{{"line": {span.line + 1}, "column": {span.start + 1}, "endLine": {span.line + 1}, '
            f'"endColumn": {span.end + 1}, "newText": {_string(edit.new_text)}}}')


def _fix_json(fix) -> str:
    return (f'{{"title": {_string(fix.title)}, "safe": {"true" if fix.safe else "false"}, '
            f'"edits": [{", ".join(map(_edit_json, fix.edits))}]}}')


def _code_json(code: str | None) -> str:
    return "null" if code is None else _string(code)


def json_lines(path: str, findings: Sequence[Finding]) -> list[str]:
    """Each finding as one line of JSON: path, 1-based range, severity, rule, message, code,
    related lines and fixes."""
    quoted = _string(path)
    out = []
    for f in findings:
        span = f.span
        related = ", ".join(f'{{"line": {r.span.line + 1}, "column": {r.span.start + 1}, "code": {_code_json(r.code)}}}'
                            for r in f.related)
        out.append(f'{{"path": {quoted}, "line": {span.line + 1}, "column": {span.start + 1}, '
                   f'"endLine": {span.line + 1}, "endColumn": {span.end + 1}, "severity": "{f.severity.label}", '
                   f'"rule": {_string(f.rule)}, "message": {_string(f.message)}, "code": {_code_json(f.code)}, '
                   f'"related": [{related}], "fixes": [{", ".join(map(_fix_json, f.fixes))}]}}')
    return out


def format_json(checked: Checked) -> str:
    """A JSON array of findings, one finding a line."""
    return join_lines("json", [item for path, findings in checked for item in json_lines(path, findings)])


# -- SARIF ------------------------------------------------------------------------------


def artifact_uri(path: str) -> str:
    """A URI reference for a displayed path: relative stays relative, absolute becomes file://."""
    pure = PurePath(path)
    if pure.is_absolute():
        return Path(path).as_uri()
    return quote(pure.as_posix(), safe="/")


def _region(line: int, start: int, end: int) -> dict[str, int]:
    return {"startLine": line + 1, "startColumn": start + 1, "endLine": line + 1, "endColumn": end + 1}


def _location(uri: str, line: int, start: int, end: int) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": _region(line, start, end)}}


def _sarif_fix(uri: str, fix) -> dict[str, Any]:
    replacements = []
    for edit in fix.edits:
        span = edit.span
        if edit.whole_line:
            region = {"startLine": span.line + 1, "startColumn": 1, "endLine": span.line + 2, "endColumn": 1}
        else:
            region = _region(span.line, span.start, span.end)
        replacements.append({"deletedRegion": region, "insertedContent": {"text": edit.new_text}})
    return {"description": {"text": fix.title},
            "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": replacements}]}


def sarif_log(checked: Checked) -> dict[str, Any]:
    rule_ids = list(RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = []
    for rule_id in rule_ids:
        r = RULES[rule_id]
        rules.append({
            "id": rule_id,
            "name": "".join(part.capitalize() for part in rule_id.replace("7th", "seventh").split("-")),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": _one_line(r.doc)},
            "defaultConfiguration": {"level": _SARIF_LEVELS[r.severity]},
            "properties": {"guideline": r.guideline, "severity": r.severity.label, "docs": f"{DOCS}#{rule_id}"},
        })
    results = []
    artifacts = []
    for path, findings in checked:
        uri = artifact_uri(path)
        artifacts.append({"location": {"uri": uri}})
        for f in findings:
            result: dict[str, Any] = {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _SARIF_LEVELS[f.severity],
                "message": {"text": f.message},
                "locations": [_location(uri, f.span.line, f.span.start, f.span.end)],
            }
            if f.severity != RULES[f.rule].severity:
                result["properties"] = {"severity": f.severity.label}
            if f.related:
                result["relatedLocations"] = [
                    {"id": i, **_location(uri, r.span.line, r.span.start, r.span.end), "message": {"text": r.message}}
                    for i, r in enumerate(f.related)]
            if f.fixes:
                result["fixes"] = [_sarif_fix(uri, fix) for fix in f.fixes]
            results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "icd10ls", "version": __version__, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }],
    }


def format_sarif(checked: Checked) -> str:
    return json.dumps(sarif_log(checked), indent=2, ensure_ascii=False) + "\n"


FORMATS = {"text": format_text, "json": format_json, "sarif": format_sarif}
# The formats written one finding a line: each file's lines can be made on their own
# (by the process that checked it) and joined in the files' order.
LINES = {"text": text_lines, "json": json_lines}


def join_lines(kind: str, lines: Sequence[str]) -> str:
    if kind == "json":
        return "[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n"
    return "\n".join(lines) + ("\n" if lines else "")


def render(kind: str, checked: Iterable[tuple[str, Sequence[Finding]]]) -> str:
    return FORMATS[kind](list(checked))
