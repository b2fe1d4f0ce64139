"""Data safety beyond what test_tabular_hardening, test_store and test_check_cli cover.

* `data add` into a data directory that already holds a release: every refused file
  (hostile XML, a billable list empty or far too long, also when the user's release
  replaces the bundled one that serves as the reference) leaves the directory exactly as
  it was, temporary files included; so does a write that fails half-way (disk full on
  the release file or on the code-set list), which is a one-line error, not a traceback,
  and leaves the previous release in use.
* The compiled cache: a source replaced under the same name is compiled again (the
  index is keyed by the source's hash), and a cache that cannot be written leaves no
  temporary file behind.
* `icd10ls check DIR` over a directory holding every kind of file that cannot be
  checked: one message per such file, the others checked, exit 2, fast, no traceback,
  and `--fix` writes only the files it checked.
"""

from __future__ import annotations

import errno
import lzma
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from test_store import SMALL, small_bundled
from test_tabular_hardening import CHOLERA, hostile_files, minimal

import icd10ls.codeset.store as store_module
from icd10ls.codeset.store import DataError, DataStore

# -- data add ---------------------------------------------------------------------------------------


@pytest.fixture
def bundled(tmp_path) -> Path:
    """A bundled directory with a one-category FY2026 code set: the reference `data add` compares with."""
    return small_bundled(tmp_path / "bundled")


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` (temporary files included) with its content."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def installed(bundled, tmp_path):
    """A store whose user directory already holds a release added with `data add`."""
    store = DataStore(bundled_dir=bundled, user_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    first = tmp_path / "first.xml"
    first.write_bytes(minimal())
    store.add(first)
    assert sorted(snapshot(store.user_dir)) == ["codesets.json", "icd10cm-fy2026-2025-10-01-tabular.xml.xz"]
    return store


def many_codes(categories: int = 9) -> bytes:
    """A well-formed file with 90 billable codes where the reference has 2: wildly off."""
    diags = "".join(f"<diag><name>A0{c}</name><desc>x</desc>"
                    + "".join(f"<diag><name>A0{c}.{d}</name><desc>x {d}</desc></diag>" for d in range(10))
                    + "</diag>" for c in range(1, categories + 1))
    return minimal(CHOLERA + diags)


REFUSED = {**hostile_files(Path("/nonexistent/secret"), 9), "far too many billable codes": many_codes()}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_add_leaves_the_data_directory_as_it_was(case, installed, tmp_path):
    before = snapshot(installed.user_dir)
    upload = tmp_path / "upload.xml"
    upload.write_bytes(REFUSED[case])
    with pytest.raises(DataError) as raised:
        installed.add(upload)
    message = str(raised.value)
    assert message.startswith("upload.xml: ") and "\n" not in message, message
    assert snapshot(installed.user_dir) == before
    assert [p.name for p in installed.cache_dir.glob(".*")] == []


def test_far_too_many_billable_codes_is_refused_even_once_a_users_release_replaces_the_bundled_one(
        bundled, installed, tmp_path):
    upload = tmp_path / "upload.xml"
    upload.write_bytes(many_codes())
    untouched = DataStore(bundled_dir=bundled, user_dir=tmp_path / "other", cache_dir=tmp_path / "cache")
    # `installed` holds a user's copy of the bundled release, which replaces it in sources(): the
    # bundled count must still be the reference.
    for store in (untouched, installed):
        with pytest.raises(DataError, match="92 billable codes, far from the 2 of FY2026"):
            store.add(upload)


def _fail_writes_of(monkeypatch, name: str) -> None:
    """Make the rename that completes the write of `name` fail as a full disk would."""
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target).name == name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize(("effective", "failing"), [
    ("2025-10-01", "icd10cm-fy2026-2025-10-01-tabular.xml.xz"),  # the installed release again: its file fails
    ("2025-10-01", "codesets.json"),  # its file is replaced, then the list fails: the file is put back
    ("2026-04-01", "icd10cm-fy2026-2026-04-01-tabular.xml.xz"),  # a new release: its file fails
    ("2026-04-01", "codesets.json"),  # its file is written, then the list fails: the file goes
])
def test_a_write_that_fails_half_way_leaves_the_previous_install(effective, failing, installed, tmp_path,
                                                                 monkeypatch):
    before = snapshot(installed.user_dir)
    update = tmp_path / "update.xml"
    update.write_bytes(minimal(CHOLERA.replace("Cholera, unspecified", "Cholera, not specified")))
    with monkeypatch.context() as patched:
        _fail_writes_of(patched, failing)
        with pytest.raises(DataError) as raised:
            installed.add(update, date.fromisoformat(effective))
    message = str(raised.value)
    assert message == f"cannot install into {installed.user_dir}: No space left on device"
    assert snapshot(installed.user_dir) == before  # no temporary file, no half install
    fresh = DataStore(bundled_dir=installed.bundled_dir, user_dir=installed.user_dir,
                      cache_dir=installed.cache_dir)
    assert [s.release for s in fresh.sources()] == ["FY2026 release of 2025-10-01"]
    assert fresh.for_year(2026).get("A00.9").title == "Cholera, unspecified"
    installed.add(update, date.fromisoformat(effective))  # once there is room again, it installs
    again = DataStore(bundled_dir=installed.bundled_dir, user_dir=installed.user_dir, cache_dir=installed.cache_dir)
    assert again.for_year(2026).get("A00.9").title == "Cholera, not specified"


def test_an_unusable_data_directory_is_a_one_line_error(bundled, tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data directory should be")
    store = DataStore(bundled_dir=bundled, user_dir=blocked, cache_dir=tmp_path / "cache")
    upload = tmp_path / "upload.xml"
    upload.write_bytes(minimal())
    with pytest.raises(DataError) as raised:
        store.add(upload)
    assert str(blocked) in str(raised.value) and "\n" not in str(raised.value)
    assert blocked.read_text() == "a file where the data directory should be"


def test_data_add_into_an_unusable_directory_from_the_command_line(tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("not a directory")
    upload = tmp_path / "upload.xml"
    upload.write_bytes(lzma.decompress((Path(__file__).parent.parent / "data" /
                                        "icd10cm-tabular-2026-04.xml.xz").read_bytes()))
    done = subprocess.run([sys.executable, "-m", "icd10ls", "data", "add", str(upload)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, ICD10LS_DATA_DIR=str(blocked)))
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert blocked.read_text() == "not a directory"


# -- the compiled cache -------------------------------------------------------------------------------


def test_a_source_replaced_under_the_same_name_is_compiled_again(bundled, tmp_path, monkeypatch):
    compiles = []
    real_compile = store_module.compile_tabular
    monkeypatch.setattr(store_module, "compile_tabular", lambda data: compiles.append(1) or real_compile(data))

    def load():
        return DataStore(bundled_dir=bundled, user_dir=tmp_path / "user", cache_dir=tmp_path / "cache").for_year(2026)

    assert load().billable_codes() == ["A00.0", "A00.9"]
    small_bundled(bundled, SMALL.replace(b"<diag><name>A00.9</name>",
                                         b"<diag><name>A00.1</name><desc>El Tor</desc></diag><diag><name>A00.9</name>"))
    assert load().billable_codes() == ["A00.0", "A00.1", "A00.9"]
    assert len(compiles) == 2, "the index of the old source was used"
    assert load().billable_codes() == ["A00.0", "A00.1", "A00.9"] and len(compiles) == 2


def test_a_cache_that_cannot_be_written_leaves_no_temporary_file(bundled, tmp_path):
    cache = tmp_path / "cache"

    def load():
        return DataStore(bundled_dir=bundled, user_dir=tmp_path / "user", cache_dir=cache).for_year(2026)

    load()
    (index,) = cache.glob("*.idx")
    index.unlink()
    index.mkdir()  # where the index goes, a directory: it can be neither read nor replaced
    assert load().get("A00.9").title == "Cholera, unspecified"
    assert sorted(p.name for p in cache.iterdir()) == [index.name, index.with_suffix(".names").name]


# -- check over a directory of unreadable files -----------------------------------------------------

ERRS = "encounter C\ndate: 2026-01-15\nE11.2\n"
WARNS = "encounter B\ndate: 2026-01-15\nA15.4\nA15.7\n"
FIXABLE = "date: 2026-01-15\ne1122\nI10\nI10\n"


@pytest.fixture
def messy(tmp_path) -> tuple[Path, dict[str, str]]:
    """A tree with good files and every kind of file that cannot be checked; the reason expected for each."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "good.enc").write_text(ERRS, encoding="utf-8")
    (root / "fixable.enc").write_text(FIXABLE, encoding="utf-8")
    (root / "x.enc").mkdir()  # a directory named like a file: walked, not read
    (root / "x.enc" / "inner.enc").write_text(WARNS, encoding="utf-8")
    (root / "y.enc").symlink_to(root / "nowhere.enc")
    (root / "latin.enc").write_bytes("note: caf\xe9\n".encode("latin-1"))
    (root / "binary.enc").write_bytes(b"I10\n\x00\x01\x02\xff")
    with (root / "huge.enc").open("wb") as stream:
        stream.truncate(200 * 1024 * 1024)  # sparse: refused by its size, never read
    os.mkfifo(root / "fifo.enc")  # reading it would wait for a writer forever
    (root / "a").mkdir()
    (root / "a" / "loop").symlink_to("..")
    (root / "a" / "deeper.enc").write_text(WARNS, encoding="utf-8")
    bad = {"y.enc": "cannot read", "latin.enc": "not UTF-8", "binary.enc": "a binary file",
           "huge.enc": "larger than 20 MB", "fifo.enc": "not a regular file"}
    return root, bad


def run_check(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "icd10ls", "check", "--no-config", *args], capture_output=True,
                          text=True, timeout=60)
    return done, time.monotonic() - started


def test_check_a_directory_of_unreadable_files(messy):
    root, bad = messy
    done, seconds = run_check(str(root))
    assert done.returncode == 2, done.stderr  # a file left unchecked wins over findings
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    for name, reason in bad.items():
        about = [line for line in lines if line.startswith(f"icd10ls check: {root / name}: ")]
        assert len(about) == 1 and reason in about[0], (name, done.stderr)
    assert len(lines) == len(bad) + 1  # and the summary
    assert f"{len(bad)} files could not be read" in lines[-1]
    checked = {line.split(":")[0] for line in done.stdout.splitlines()}
    assert checked == {str(root / "good.enc"), str(root / "fixable.enc"), str(root / "x.enc" / "inner.enc"),
                       str(root / "a" / "deeper.enc")}  # each once, the loop notwithstanding
    assert seconds < 20, f"took {seconds:.1f} s"


def test_fix_over_a_directory_of_unreadable_files_writes_only_what_it_checked(messy):
    root, bad = messy
    untouched = {name: (root / name).lstat() for name in bad}
    done, _seconds = run_check("--fix", str(root))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert (root / "fixable.enc").read_text(encoding="utf-8") == "date: 2026-01-15\nE11.22\nI10\n"
    assert (root / "good.enc").read_text(encoding="utf-8") == ERRS
    for name, before in untouched.items():
        after = (root / name).lstat()
        assert (after.st_ino, after.st_size, after.st_mtime_ns) == (before.st_ino, before.st_size, before.st_mtime_ns)
    assert not [p for p in root.rglob(".*") if p.name != "loop"], "a temporary file was left behind"
