"""Hostile or malformed tabular files are refused with one line, never a traceback.

Each case is refused twice: by `tabular.compile_tabular` (TabularError) and by
`icd10ls data add FILE` in a subprocess (exit 2, one line on stderr, nothing
written to the user data directory).
"""

from __future__ import annotations

import lzma
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from icd10ls.codeset.tabular import TabularError, compile_tabular

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_2026 = ROOT / "data" / "icd10cm-tabular-2026-04.xml.xz"

MINIMAL = (
    '<?xml version="1.0" encoding="utf-8"?>\n<ICD10CM.tabular><version>2026</version>'
    "<chapter><name>1</name><desc>Certain infectious and parasitic diseases (A00-B99)</desc>"
    '<section id="A00-A09"><desc>Intestinal infectious diseases (A00-A09)</desc>{diags}</section>'
    "</chapter></ICD10CM.tabular>"
)
CHOLERA = ("<diag><name>A00</name><desc>Cholera</desc>"
           "<diag><name>A00.0</name><desc>Cholera due to Vibrio cholerae 01, biovar cholerae</desc></diag>"
           "<diag><name>A00.9</name><desc>Cholera, unspecified</desc></diag></diag>")


def minimal(diags: str = CHOLERA, encoding: str = "utf-8") -> bytes:
    return MINIMAL.format(diags=diags).replace('encoding="utf-8"', f'encoding="{encoding}"').encode(encoding)


def with_doctype(doctype: str, version: str = "2026", encoding: str = "utf-8") -> bytes:
    text = MINIMAL.format(diags=CHOLERA).replace("<version>2026</version>", f"<version>{version}</version>")
    text = text.replace("\n<ICD10CM.tabular>", f"\n{doctype}<ICD10CM.tabular>")
    return text.replace('encoding="utf-8"', f'encoding="{encoding}"').encode(encoding)


@pytest.fixture(scope="module")
def listener():
    """A local TCP port that records whether anything connected to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def real_file_head(size: int = 200_000) -> bytes:
    return lzma.LZMADecompressor().decompress(BUNDLED_2026.read_bytes(), max_length=size)


def hostile_files(secret: Path, port: int) -> dict[str, bytes]:
    laughs = '<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1) if i else "&lol;") * 10}">' for i in range(10)) + "]>"
    return {
        "billion laughs": with_doctype(laughs, "&lol9;"),
        "billion laughs in UTF-16": with_doctype(laughs, "&lol9;", encoding="utf-16"),
        "external entity (file)": with_doctype(f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;"),
        "external entity (file) in UTF-16": with_doctype(
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>', "&x;", encoding="utf-16"),
        "external entity (network)": with_doctype(
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>', "&x;"),
        "external entity (network) in UTF-16": with_doctype(
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>', "&x;", encoding="utf-16"),
        "parameter entity": with_doctype(
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;]>'),
        "external DTD": with_doctype(f'<!DOCTYPE ICD10CM.tabular SYSTEM "http://127.0.0.1:{port}/t.dtd">'),
        "external DTD in UTF-16": with_doctype(
            f'<!DOCTYPE ICD10CM.tabular SYSTEM "http://127.0.0.1:{port}/t.dtd">', encoding="utf-16"),
        "internal DTD": with_doctype("<!DOCTYPE ICD10CM.tabular []>"),
        "truncated XML": minimal()[:-40],
        "truncated real file": real_file_head(),
        "wrong root": b'<?xml version="1.0"?><html><body>A00 Cholera</body></html>',
        "namespaced root": b'<t:ICD10CM.tabular xmlns:t="urn:x"><version>2026</version></t:ICD10CM.tabular>',
        "empty": b"",
        "only whitespace": b" \n\t\n",
        "binary": bytes(range(256)) * 64,
        "zeros": b"\x00" * 4096,
        "not XML (a code list)": b"A00\nA000\nA001\nA009\n",
        "not XML (JSON)": b'{"codes": ["A00.0"]}',
        "diag with a bogus name": minimal("<diag><name>../../etc/passwd</name><desc>x</desc></diag>"),
        "diag with a prose name": minimal("<diag><name>Cholera</name><desc>x</desc></diag>"),
        "diag without a name": minimal("<diag><desc>x</desc></diag>"),
        "section with a bogus id": minimal().replace(b'id="A00-A09"', b'id="intestinal"'),
        "chapter with a bogus name": minimal().replace(b"<name>1</name>", b"<name>A00</name>"),
        "no version": minimal().replace(b"<version>2026</version>", b""),
        "no chapters": b"<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>",
        "no codes": minimal(""),
        "nested too deep": b"<ICD10CM.tabular>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</ICD10CM.tabular>",
    }


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT")
    return path


CASES = list(hostile_files(Path("/x"), 1))


@pytest.mark.parametrize("case", CASES)
def test_compile_refuses_with_one_line(case, secret, listener):
    data = hostile_files(secret, listener.getsockname()[1])[case]
    with pytest.raises(TabularError) as raised:
        compile_tabular(data)
    message = str(raised.value)
    assert message and "\n" not in message and len(message) < 300, message
    assert "TOP-SECRET" not in message
    assert connections(listener) == 0, "the parser reached the network"


def test_refusals_name_the_problem(secret, listener):
    files = hostile_files(secret, listener.getsockname()[1])

    def reason(case: str) -> str:
        with pytest.raises(TabularError) as raised:
            compile_tabular(files[case])
        return str(raised.value)

    assert "DTD or entities" in reason("billion laughs")
    assert "DTD or entities" in reason("external entity (file) in UTF-16")
    assert "DTD or entities" in reason("external DTD in UTF-16")
    assert "not well-formed" in reason("truncated XML")
    assert "<html>" in reason("wrong root")
    assert reason("empty") == "the file is empty"
    assert "../../ETC/PASSWD" in reason("diag with a bogus name")
    assert "'A00'" in reason("chapter with a bogus name")
    assert "no billable codes" in reason("no codes")


def test_a_minimal_valid_file_compiles():
    compiled = compile_tabular(minimal())
    assert compiled.version == "2026"
    assert compiled.billable_codes == ["A00.0", "A00.9"]
    assert compiled.names == ["1", "A00-A09", "A00", "A00.0", "A00.9"]


def test_a_minimal_valid_file_compiles_in_utf16():
    assert compile_tabular(minimal(encoding="utf-16")).billable_codes == ["A00.0", "A00.9"]


# -- the same files through the command line ----------------------------------------


def run_cli(*args: str, data_dir: Path, cache_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ICD10LS_DATA_DIR=str(data_dir), ICD10LS_CACHE_DIR=str(cache_dir))
    return subprocess.run([sys.executable, "-m", "icd10ls", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def files_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*")) if directory.exists() else []


@pytest.mark.parametrize("case", CASES)
def test_data_add_refuses_with_one_line_and_writes_nothing(case, secret, listener, tmp_path):
    source = tmp_path / "upload.xml"
    source.write_bytes(hostile_files(secret, listener.getsockname()[1])[case])
    data_dir, cache_dir = tmp_path / "data", tmp_path / "cache"
    result = run_cli("data", "add", str(source), data_dir=data_dir, cache_dir=cache_dir)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("icd10ls: upload.xml: "), result.stderr
    assert "Traceback" not in result.stderr and "TOP-SECRET" not in result.stderr
    assert files_in(data_dir) == [] and files_in(cache_dir) == []
    assert connections(listener) == 0


@pytest.mark.parametrize(
    ("name", "payload", "reason"),
    [
        ("broken.xml.xz", b"\xfd7zXZ\x00" + b"\x00" * 64, "broken xz data"),
        ("truncated.xml.xz", BUNDLED_2026.read_bytes()[:50_000], "truncated"),
        ("broken.xml.gz", b"\x1f\x8b" + b"\xff" * 64, "broken gzip data"),
    ],
)
def test_data_add_refuses_broken_compressed_files(name, payload, reason, tmp_path):
    source = tmp_path / name
    source.write_bytes(payload)
    result = run_cli("data", "add", str(source), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and reason in result.stderr, result.stderr
    assert files_in(tmp_path / "data") == []


def test_data_add_of_a_missing_file_or_a_directory(tmp_path):
    for target in (tmp_path / "nope.xml", tmp_path):
        result = run_cli("data", "add", str(target), data_dir=tmp_path / "data", cache_dir=tmp_path / "cache")
        assert result.returncode == 2
        assert "no such file" in result.stderr and len(result.stderr.splitlines()) == 1
