"""The code-set command line: lookup, search, codes and data, in-process and as a subprocess.

Exit codes: 0 success, 1 not found, 2 usage or input error.  Bad input ends in one
line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
from codelists import code_list

from icd10ls.cli import main
from icd10ls.codeset.codes import compact

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_2026 = ROOT / "data" / "icd10cm-tabular-2026-04.xml.xz"


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "icd10ls", *args], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=180)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def call(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# -- packaging ---------------------------------------------------------------------


def test_python_m_icd10ls_and_the_console_script(cs2026):
    assert run("--version").stdout.strip() == "icd10ls 0.1.0"
    script = Path(sys.executable).parent / "icd10ls"
    assert script.is_file()
    result = subprocess.run([str(script), "lookup", "e1122"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("E11.22  Type 2 diabetes mellitus with diabetic")


def test_no_command_prints_help_and_exits_2():
    result = run()
    assert result.returncode == 2 and "lookup" in result.stderr and result.stdout == ""


# -- lookup --------------------------------------------------------------------------


def test_lookup_text(capsys, cs2026):
    code, out, _err = call(capsys, "lookup", "e1122")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "E11.22  Type 2 diabetes mellitus with diabetic chronic kidney disease"
    assert lines[1] == "  billable; code; ICD-10-CM FY2026"
    assert "    - type 1 diabetes mellitus (E10.-)  [from E11]" in lines
    assert "    - code to identify stage of chronic kidney disease (N18.1-N18.6)" in lines


def test_lookup_json_has_everything_a_coder_needs(capsys, cs2026):
    code, out, _err = call(capsys, "lookup", "S06.0X1A", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["found"] is True and found["note"] is None
    assert found["code"] == "S06.0X1A" and found["billable"] is True and found["kind"] == "code"
    assert found["title"] == "Concussion with loss of consciousness of 30 minutes or less, initial encounter"
    assert found["fiscal_year"] == 2026 and found["code_set"] == "ICD-10-CM FY2026"
    assert found["specificity"] == "specific" and not found["laterality_unspecified"]
    assert found["seventh_character_used"] == {"character": "A", "meaning": "initial encounter"}
    assert [s["character"] for s in found["seventh_characters"]] == ["A", "D", "S"]
    assert [p["code"] for p in found["path"]] == ["Chapter 19", "S00-S09", "S06", "S06.0", "S06.0X"]
    groups = {g["kind"]: g for g in found["notes"]}
    assert groups["excludes1"]["label"] == "Excludes1"
    assert {"text": "head injury NOS (S09.90)", "source": "S06", "inherited": True,
            "under_lead_in": False} in groups["excludes1"]["entries"]
    assert {"text": "Concussion with brief loss of consciousness", "source": "S06.0X1", "inherited": False,
            "under_lead_in": False} in groups["inclusionTerm"]["entries"]
    assert any(e["source"] == "Chapter 19" and e["inherited"] for e in groups["excludes2"]["entries"])
    assert found["history"] == []


def test_lookup_json_history_specificity_and_what_is_missing(capsys, cs2026, cs2025):
    found = json.loads(call(capsys, "lookup", "G35", "--format", "json")[1])
    assert found["billable"] is False and found["billable_below"] == 8
    assert found["missing"] == "more characters: 8 billable codes below it"
    assert found["history"] == ["FY2025: billable; FY2026: header."]
    found = json.loads(call(capsys, "lookup", "G35", "--year", "2025", "--format", "json")[1])
    assert found["billable"] is True and found["specificity"] == "specific"  # "Multiple sclerosis NOS" is its default
    found = json.loads(call(capsys, "lookup", "T07", "--format", "json")[1])
    assert found["missing"] == "a 7th character" and [s["character"] for s in found["seventh_characters"]] == [
        "A", "D", "S"]
    found = json.loads(call(capsys, "lookup", "h60.90", "--format", "json")[1])
    assert found["specificity"] == "nos" and found["laterality_unspecified"] is True
    assert "**Side unspecified.**" in found["specificity_explanation"]
    found = json.loads(call(capsys, "lookup", "L60.8", "--format", "json")[1])
    assert found["specificity"] == "nec" and "no code of its own" in found["specificity_explanation"]


def test_lookup_markdown(capsys, cs2026):
    code, out, _err = call(capsys, "lookup", "S06.0X1A", "--format", "markdown")
    assert code == 0
    assert out.startswith("### S06.0X1A — Concussion with loss of consciousness of 30 minutes or less, initial")
    assert "- head injury NOS (S09.90) _(from S06)_" in out
    assert "7th character **A**: initial encounter" in out


@pytest.mark.parametrize(
    ("date", "year", "note"),
    [("2025-09-30", 2025, None), ("2025-10-01", 2026, None), ("09/30/2025", 2025, None),
     ("2024-05-01", 2025, "2024-05-01 falls in FY2024: codes are checked for validity against CMS's FY2024 "
                          "code tables; titles and notes come from FY2025 (`icd10ls data fetch 2024` installs "
                          "FY2024's)"),
     ("2030-01-01", 2026, "2030-01-01 falls in FY2030, which is not installed; using the nearest code set, FY2026 "
                          "(CMS's code tables do not reach this date)")],
)
def test_lookup_by_date_of_service(capsys, cs2025, cs2026, date, year, note):
    code, out, _err = call(capsys, "lookup", "E11.22", "--date", date, "--format", "json")
    found = json.loads(out)
    assert code == 0 and found["fiscal_year"] == year and found["note"] == note
    code, out, _err = call(capsys, "lookup", "E11.22", "--date", date)
    assert out.startswith(f"note: {note}\n") if note else out.startswith("E11.22  ")


def test_lookup_by_year(capsys, cs2025):
    code, out, _err = call(capsys, "lookup", "G35", "--year", "2025")
    assert code == 0 and "  billable; category; ICD-10-CM FY2025" in out


def test_lookup_not_found_exits_1(capsys, cs2026, cs2025):
    code, out, err = call(capsys, "lookup", "Z99.999")
    assert code == 1 and out == "" and err.splitlines()[0] == "Z99.999 is not a code in ICD-10-CM FY2026"
    code, out, err = call(capsys, "lookup", "G35", "--year", "2026")
    assert code == 0
    code, out, err = call(capsys, "lookup", "S30.1XXA")
    assert code == 1 and err.splitlines()[0] == "S30.1XXA is not a code in ICD-10-CM FY2026 (it is in FY2025)"
    code, out, _err = call(capsys, "lookup", "S30.1XXA", "--format", "json")
    found = json.loads(out)
    assert code == 1 and found["found"] is False and found["in_years"] == [2025]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lookup", "CKD"], "'CKD' is not an ICD-10-CM code"),
        (["lookup", "E1.1"], "'E1.1' is not an ICD-10-CM code"),
        (["lookup", ""], "'' is not an ICD-10-CM code"),
        (["lookup", "x" * 10_000], "is not an ICD-10-CM code"),
        (["lookup", "Ｅ11.22"], "is not an ICD-10-CM code"),
        (["lookup", "E11.22", "--date", "2025-13-01"], "'2025-13-01' is not a valid date"),
        (["lookup", "E11.22", "--date", "yesterday"], "'yesterday' is not a valid date"),
        (["lookup", "E11.22", "--year", "2019"], "no code set for FY2019 is installed (installed: FY2025, FY2026)"),
        (["codes", "--year", "2031"], "no code set for FY2031 is installed"),
        (["search", "acne", "--limit", "0"], "--limit must be between 1 and 1000"),
        (["search", ""], "give some words to search for"),
        (["search", "x" * 600], "longer than 500 characters"),
    ],
)
def test_input_errors_exit_2_with_one_line(capsys, args, message):
    code, out, err = call(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("icd10ls: ") and message in err, err
    assert len(err) < 400


@pytest.mark.parametrize(
    "args",
    [
        ["lookup", "E11.22", "--date", "2025-01-01", "--year", "2025"],
        ["lookup", "E11.22", "--year", "twenty"],
        ["lookup", "E11.22", "--format", "xml"],
        ["lookup"],
        ["search"],
        ["codes", "--billable", "--year"],
        ["data"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert "usage: icd10ls" in result.stderr and "error:" in result.stderr


def test_errors_in_a_subprocess_are_one_line_without_traceback(cs2026):
    for args, code in ((["lookup", "CKD"], 2), (["lookup", "Z99.999"], 1), (["lookup", "x" * 10_000], 2),
                       (["lookup", "E11.22", "--date", "2025-02-30"], 2), (["codes", "--year", "1999"], 2)):
        result = run(*args)
        assert result.returncode == code and result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr


# -- search ------------------------------------------------------------------------


def test_search(capsys, cs2026):
    code, out, _err = call(capsys, "search", "diabetes", "ckd", "--limit", "5")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 5
    assert any(line.startswith("E11.22    Type 2 diabetes mellitus with diabetic chronic kidney disease")
               for line in lines)
    code, out, _err = call(capsys, "search", "acne", "--limit", "20")
    assert "L70       (header) Acne" in out.splitlines()
    code, out, _err = call(capsys, "search", "copd exacerbation", "--format", "json", "--limit", "3")
    hits = json.loads(out)
    assert hits[0] == {"code": "J44.1", "title": "Chronic obstructive pulmonary disease with (acute) exacerbation",
                       "billable": True, "score": 100.0}
    assert len(hits) == 3


def test_search_with_no_result_exits_1(capsys, cs2026):
    for query in ("!!!", "糖尿病", "zzzzqqqq"):
        code, out, err = call(capsys, "search", query)
        assert code == 1 and out == "" and err == ""


def test_search_in_a_subprocess(cs2026):
    result = run("search", "sprain", "jaw", "initial", "--limit", "4")
    assert result.returncode == 0
    assert sorted(line.split()[0] for line in result.stdout.splitlines()) == [
        "S03.40XA", "S03.41XA", "S03.42XA", "S03.43XA"]


# -- codes -------------------------------------------------------------------------


def test_codes_in_a_subprocess_equal_the_official_list(cs2026):
    result = run("codes", "--year", "2026")
    assert result.returncode == 0
    assert [compact(code) for code in result.stdout.split()] == list(code_list(2026).codes)
    result = run("codes", "--billable")
    assert result.returncode == 0
    assert [compact(code) for code in result.stdout.split()] == list(code_list(2026).billable)


# -- data ----------------------------------------------------------------------------


def test_data_list(capsys, store):
    code, out, _err = call(capsys, "data", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "FY2016  validity only (CMS code tables)"
    at = lines.index("FY2025  full data")
    assert lines[at + 1].startswith("    from 2025-04-01  bundled  FY2025 April 1, 2025 update  ")
    assert lines[at + 2] == "FY2026  full data"
    assert lines[at + 3].startswith("    from 2026-04-01  bundled  FY2026 April 1, 2026 update  ")
    assert lines[at + 4] == "FY2027  validity only (CMS code tables)"
    code, out, _err = call(capsys, "data", "list", "--format", "json")
    rows = json.loads(out)
    assert [(r["fiscal_year"], r["status"]) for r in rows] == \
        [(year, "validity") for year in range(2016, 2025)] + [(2025, "full"), (2026, "full"), (2027, "validity")]
    releases = [r for row in rows for r in row["releases"]]
    assert [(r["effective"], r["origin"]) for r in releases] == [("2025-04-01", "bundled"), ("2026-04-01", "bundled")]
    assert all(Path(r["path"]).is_file() for r in releases)


@pytest.fixture(scope="module")
def fy2026_xml(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xml") / "icd10cm-tabular-April-1-2026.xml"
    path.write_bytes(lzma.decompress(BUNDLED_2026.read_bytes()))
    return path


def test_data_add_installs_a_valid_release(fy2026_xml, tmp_path, cs2026):
    env = {"ICD10LS_DATA_DIR": str(tmp_path / "data")}
    result = run("data", "add", str(fy2026_xml), "--effective", "2026-04-01", env=env)
    installed = tmp_path / "data" / "icd10cm-fy2026-2026-04-01-tabular.xml.xz"
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"installed FY2026 (effective 2026-04-01) as {installed}"
    assert lzma.decompress(installed.read_bytes()) == fy2026_xml.read_bytes()
    listed = run("data", "list", "--format", "json", env=env)
    rows = [(row["fiscal_year"], r) for row in json.loads(listed.stdout) for r in row["releases"]]
    assert [(year, r["effective"], r["origin"]) for year, r in rows] == [
        (2025, "2025-04-01", "bundled"), (2026, "2026-04-01", "user")]
    assert rows[1][1]["path"] == str(installed)
    text = run("data", "list", env=env).stdout.splitlines()
    assert text[text.index("FY2026  full data") + 1].startswith("    from 2026-04-01  user     ")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["codesets.json", installed.name]


def test_data_add_refuses_a_file_with_most_chapters_missing(fy2026_xml, tmp_path, cs2026):
    from lxml import etree

    tree = etree.parse(str(fy2026_xml))
    chapters = tree.getroot().findall("chapter")
    for chapter in chapters[1:]:
        tree.getroot().remove(chapter)
    partial = tmp_path / "partial.xml"
    tree.write(str(partial), xml_declaration=True, encoding="utf-8")
    result = run("data", "add", str(partial), env={"ICD10LS_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "billable codes, far from the 74719 of FY2026" in result.stderr
    assert "not a complete ICD-10-CM tabular list" in result.stderr
    assert not (tmp_path / "data").exists()


def test_data_add_refuses_an_effective_date_outside_the_files_year(tmp_path):
    small = tmp_path / "small.xml"
    small.write_text('<ICD10CM.tabular><version>2026</version><chapter><name>1</name><desc>x</desc>'
                     '<section id="A00-A09"><diag><name>A00</name><desc>Cholera</desc></diag></section>'
                     "</chapter></ICD10CM.tabular>")
    env = {"ICD10LS_DATA_DIR": str(tmp_path / "data")}
    result = run("data", "add", str(small), "--effective", "2025-04-01", env=env)
    assert result.returncode == 2 and "2025-04-01 is not in FY2026, the year the file declares" in result.stderr
    result = run("data", "add", str(small), "--effective", "someday", env=env)
    assert result.returncode == 2 and "'someday' is not a valid date" in result.stderr
    assert not (tmp_path / "data").exists()
