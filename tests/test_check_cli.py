"""`icd10ls check` from the command line: formats, exit codes, inputs, --fix."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from icd10ls.cli import check as check_command

ROOT = Path(__file__).resolve().parent.parent
CLEAN = "encounter A\ndate: 2026-01-15\nI10\nE78.5\n"
WARNS = "encounter B\ndate: 2026-01-15\nA15.4\nA15.7\n"
ERRS = "encounter C\ndate: 2026-01-15\nE11.2\n"


def check(capsys, *argv: str) -> tuple[int, str, str]:
    code = check_command.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "clean.enc").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "warns.enc").write_text(WARNS, encoding="utf-8")
    (tmp_path / "sub" / "notes.txt").write_text("E11.2\n", encoding="utf-8")  # not *.enc: not checked
    return tmp_path


def test_clean_file_exits_0(tmp_path, capsys):
    path = tmp_path / "a.enc"
    path.write_text(CLEAN, encoding="utf-8")
    code, out, err = check(capsys, "--no-config", str(path))
    assert code == 0
    assert "error[" not in out and "warning[" not in out
    assert "in 1 file" in err


def test_text_format_and_exit_1(tmp_path, capsys):
    path = tmp_path / "b.enc"
    path.write_text(WARNS, encoding="utf-8")
    code, out, _ = check(capsys, "--no-config", str(path))
    assert code == 1
    assert f"{path}:4:1: warning[excludes1] A15.7 and A15.4" in out


def test_information_and_hints_do_not_fail_a_run(tmp_path, capsys):
    path = tmp_path / "c.enc"
    path.write_text("date: 2026-01-15\nL70.9\ne1122\nN18.31\n", encoding="utf-8")
    code, out, _ = check(capsys, "--no-config", str(path))
    assert "hint[unspecified-code]" in out
    assert code == 0


def test_directories_are_walked_for_enc_files_sorted(tree, capsys):
    (tree / "a.enc").write_text(ERRS, encoding="utf-8")
    code, out, _ = check(capsys, "--no-config", "--format", "json", str(tree))
    assert code == 1
    paths = [item["path"] for item in json.loads(out)]
    assert paths == sorted(paths)
    names = {Path(p).name for p in paths}
    assert {"a.enc", "warns.enc"} <= names <= {"a.enc", "clean.enc", "warns.enc"}  # never notes.txt


def test_json_fields(tmp_path, capsys):
    path = tmp_path / "b.enc"
    path.write_text(WARNS, encoding="utf-8")
    _, out, _ = check(capsys, "--no-config", "--format", "json", str(path))
    [item] = [i for i in json.loads(out) if i["rule"] == "excludes1"]
    assert item["path"] == str(path)
    assert (item["line"], item["column"], item["endLine"], item["endColumn"]) == (4, 1, 4, 6)
    assert item["severity"] == "warning" and item["code"] == "A15.7"
    assert item["related"] == [{"line": 3, "column": 1, "code": "A15.4"}]
    assert "Excludes1" in item["message"]


def test_stdin(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ERRS.encode())))
    code, out, _ = check(capsys, "--no-config", "-")
    assert code == 1
    assert "<stdin>:3:1: error[non-billable]" in out


def test_stdin_fix_prints_the_fixed_text(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"date: 2026-01-15\r\nt07a\r\nI10\r\nI10\r\n")))
    code, out, err = check(capsys, "--no-config", "--fix", "-")
    assert out == "date: 2026-01-15\r\nT07.XXXA\r\nI10\r\n"
    assert code == 0
    assert "fixes applied" in err


def test_fix_in_place_keeps_crlf_and_everything_else(tmp_path, capsys):
    path = tmp_path / "f.enc"
    original = ("# clinic list\r\nencounter X  # first\r\ndate: 2026-01-15\r\n  e1122 poa=Y  CKD  # ok\r\n"
                "T36.01A\r\nA15.4\r\nA15.7\r\nI10\r\nI10\r\nW19.XXXA")
    path.write_bytes(original.encode())
    mode = 0o640
    os.chmod(path, mode)
    code, _, _ = check(capsys, "--no-config", "--fix", str(path))
    fixed = path.read_bytes().decode()
    assert fixed == ("# clinic list\r\nencounter X  # first\r\ndate: 2026-01-15\r\n  E11.22 poa=Y  CKD  # ok\r\n"
                     "T36.0X1A\r\nA15.4\r\nA15.7\r\nI10\r\nW19.XXXA")
    assert os.stat(path).st_mode & 0o777 == mode
    assert code == 1  # the Excludes1 pair is still there
    code, _, _ = check(capsys, "--no-config", "--fix", str(path))
    assert path.read_bytes().decode() == fixed


def test_unreadable_inputs_are_reported_and_the_run_goes_on(tmp_path, capsys):
    good = tmp_path / "good.enc"
    good.write_text(ERRS, encoding="utf-8")
    binary = tmp_path / "binary.enc"
    binary.write_bytes(b"I10\x00\x01\x02")
    latin = tmp_path / "latin.enc"
    latin.write_bytes("note: caf\xe9\n".encode("latin-1"))
    dangling = tmp_path / "dangling.enc"
    dangling.symlink_to(tmp_path / "nowhere.enc")
    a_directory = tmp_path / "dir.enc"
    a_directory.mkdir()
    locked = tmp_path / "locked.enc"
    locked.write_text(CLEAN, encoding="utf-8")
    locked.chmod(0)
    try:
        code, out, err = check(capsys, "--no-config", str(good), str(binary), str(latin), str(dangling),
                               str(tmp_path / "missing.enc"), str(locked))
    finally:
        locked.chmod(0o644)
    assert code == 2  # an unchecked file wins over findings
    assert "error[non-billable]" in out
    assert "binary" in err and "not UTF-8" in err
    assert f"{dangling}: cannot read" in err and "missing.enc: cannot read" in err
    if os.geteuid() != 0:  # root reads anything
        assert "locked.enc: cannot read" in err


def test_huge_file_is_refused(tmp_path, capsys):
    huge = tmp_path / "huge.enc"
    with huge.open("wb") as stream:
        stream.truncate(check_command.MAX_FILE_BYTES + 1)
    code, _, err = check(capsys, "--no-config", str(huge))
    assert code == 2 and "larger than 20 MB" in err


def test_symlink_loops_are_walked_once(tree, capsys):
    (tree / "sub" / "loop").symlink_to(tree)
    (tree / "sub" / "self").symlink_to(tree / "sub")
    code, out, _ = check(capsys, "--no-config", "--format", "json", str(tree))
    items = json.loads(out)
    keys = [(i["path"], i["line"], i["rule"], i["message"]) for i in items]
    assert len(keys) == len(set(keys))  # no file checked twice
    assert {i["path"] for i in items} <= {str(tree / "clean.enc"), str(tree / "sub" / "warns.enc")}
    assert code == 1


def test_select_ignore_year_setting(tmp_path, capsys):
    path = tmp_path / "m.enc"
    path.write_text("date: 2026-01-15\nF02.80\nG20.A1\nA15.4\nA15.7\n", encoding="utf-8")
    _, out, _ = check(capsys, "--no-config", "--select", "excludes1", str(path))
    assert {line.split("[")[1].split("]")[0] for line in out.splitlines()} == {"excludes1"}
    _, out, _ = check(capsys, "--no-config", "--ignore", "excludes1,code-first", str(path))
    assert "excludes1" not in out and "code-first" not in out and "manifestation-first" in out
    _, out, _ = check(capsys, "--no-config", str(path))
    assert "first-listed" in out and "principal" not in out
    _, out, _ = check(capsys, "--no-config", "--setting", "inpatient", str(path))
    assert "principal diagnosis" in out and "first-listed" not in out
    path.write_text("setting: outpatient\nF02.80\nG20.A1\n", encoding="utf-8")
    _, out, _ = check(capsys, "--no-config", "--setting", "inpatient", str(path))
    assert "first-listed" in out  # the encounter's own setting wins
    path.write_text("G35\n", encoding="utf-8")
    assert check(capsys, "--no-config", "--year", "2025", str(path))[0] == 0
    assert check(capsys, "--no-config", "--year", "2026", str(path))[0] == 1


def test_usage_errors_exit_2(tmp_path, capsys):
    path = tmp_path / "a.enc"
    path.write_text(CLEAN, encoding="utf-8")
    assert check(capsys, "--select", "nope", str(path))[0] == 2
    assert check(capsys, "--year", "1999", str(path))[0] == 2
    assert check(capsys, "--format", "xml", str(path))[0] == 2
    assert check(capsys)[0] == 2
    assert check(capsys, "--config", str(path), "--no-config", str(path))[0] == 2


def test_config_file_is_found_and_used(tree, capsys):
    (tree / "icd10ls.toml").write_text('[rules]\nexcludes1 = "off"\n', encoding="utf-8")
    code, out, _ = check(capsys, str(tree / "sub" / "warns.enc"))
    assert "excludes1" not in out and code == 0
    code, out, _ = check(capsys, "--no-config", str(tree / "sub" / "warns.enc"))
    assert "excludes1" in out and code == 1


def test_broken_config_stops_the_run(tree, capsys):
    (tree / "icd10ls.toml").write_text('[rules]\nexcludes11 = "off"\n', encoding="utf-8")
    code, out, err = check(capsys, str(tree))
    assert code == 2 and out == ""
    assert "excludes11" in err
    explicit = tree / "other.toml"
    explicit.write_text('year = "soon"\n', encoding="utf-8")
    assert check(capsys, "--config", str(explicit), str(tree / "clean.enc"))[0] == 2


def test_list_rules(capsys):
    code, out, _ = check(capsys, "--list-rules")
    assert code == 0 and "excludes1" in out and "warning" in out


@pytest.mark.skipif(not (ROOT / "server" / "icd10ls" / "__main__.py").exists(), reason="no __main__ yet")
def test_python_m_icd10ls_check(tmp_path):
    path = tmp_path / "b.enc"
    path.write_text(WARNS, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "icd10ls", "check", "--no-config", "--format", "sarif", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    log = json.loads(done.stdout)
    assert log["version"] == "2.1.0"
    assert any(r["ruleId"] == "excludes1" for r in log["runs"][0]["results"])


def test_fix_keeps_a_byte_order_mark(tmp_path, capsys):
    path = tmp_path / "bom.enc"
    path.write_bytes(b"\xef\xbb\xbfdate: 2026-01-15\ne1122\n")
    check(capsys, "--no-config", "--fix", str(path))
    assert path.read_bytes() == b"\xef\xbb\xbfdate: 2026-01-15\nE11.22\n"


@pytest.mark.parametrize("kind", ["text", "json", "sarif"])
def test_several_processes_give_the_same_report_in_the_same_order(tmp_path, capsys, kind):
    for number, text in enumerate([CLEAN, WARNS, ERRS, WARNS + ERRS, CLEAN + "E1399\n"] * 2):
        (tmp_path / f"{number:02d}.enc").write_text(text, encoding="utf-8")
    (tmp_path / "03.enc").write_bytes(b"I10\x00\n")  # unreadable: reported, the others still checked
    alone = check(capsys, "--no-config", "--format", kind, "-j", "1", str(tmp_path))
    together = check(capsys, "--no-config", "--format", kind, "-j", "3", str(tmp_path))
    assert together == alone
    assert alone[0] == 2 and "03.enc: a binary file" in alone[2]
    assert alone[1].count("E1399") >= 2  # the unknown code, in both files that have it


def test_fixes_from_several_processes_are_written_like_from_one(tmp_path, capsys):
    texts = ["encounter A\ndate: 2026-01-15\ne1122\nN18.31\n", ERRS, "encounter D\ndate: 2026-01-15\nT07A\n"]
    for jobs in ("1", "2"):
        directory = tmp_path / jobs
        directory.mkdir()
        for number, text in enumerate(texts):
            (directory / f"{number}.enc").write_text(text, encoding="utf-8")
        code, _out, err = check(capsys, "--no-config", "--fix", "-j", jobs, str(directory))
        assert code == 1 and "fixes applied" in err
    for number in range(len(texts)):
        fixed = (tmp_path / "2" / f"{number}.enc").read_text(encoding="utf-8")
        assert fixed == (tmp_path / "1" / f"{number}.enc").read_text(encoding="utf-8")
    assert "E11.22" in (tmp_path / "2" / "0.enc").read_text(encoding="utf-8")


def test_jobs_must_be_a_positive_number(tmp_path, capsys):
    code, _out, err = check(capsys, "--no-config", "-j", "0", str(tmp_path))
    assert code == 2 and "-j/--jobs" in err


# -- the whole process: a quick exit that loses nothing ------------------------------------------


def _icd10ls(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "icd10ls", *argv], capture_output=True, text=True, timeout=300,
                          **kwargs)


def test_a_large_report_is_written_whole_before_the_process_ends(tmp_path):
    """The command skips the interpreter's teardown: every byte of a large report still arrives."""
    path = tmp_path / "many.enc"
    path.write_text("".join(f"encounter V{n}\ndate: 2026-01-15\nE11.2\nI10\nI10\n\n" for n in range(3000)),
                    encoding="utf-8")
    done = _icd10ls("check", "--no-config", "--format", "json", str(path))
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)
    assert sum(f["rule"] == "non-billable" for f in findings) == 3000
    assert sum(f["rule"] == "duplicate-code" for f in findings) == 3000
    text = _icd10ls("check", "--no-config", str(path))
    assert text.returncode == 1
    assert text.stdout.count("\n") == len(findings) and text.stdout.endswith("\n")
    assert text.stderr.strip().endswith("in 1 file")


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    path = tmp_path / "many.enc"
    path.write_text("".join(f"encounter V{n}\ndate: 2026-01-15\nE11.2\n\n" for n in range(3000)), encoding="utf-8")
    done = subprocess.run(f"'{sys.executable}' -m icd10ls check --no-config '{path}' | head -1", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.count("\n") == 1 and "non-billable" in done.stdout
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr


def test_usage_errors_and_help_keep_their_exit_codes():
    wrong = _icd10ls("check", "--format", "yaml", "x.enc")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
    assert _icd10ls("--help").returncode == 0
    assert _icd10ls("lookup", "E11.22").returncode == 0
    assert _icd10ls("lookup", "E11.99").returncode == 1
