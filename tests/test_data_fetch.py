"""`icd10ls data fetch`, `data add` of CMS zips and `data remove`, all offline.

A local HTTP server on 127.0.0.1, started and stopped by each test, serves zips
built in CMS's layout from the bundled FY2026 tabular XML; every failure leaves
the user's data directory byte for byte as it was.
"""

from __future__ import annotations

import errno
import http.server
import io
import json
import os
import socket
import stat
import threading
import zipfile
from datetime import date
from pathlib import Path

import pytest

from icd10ls.cli import main as cli_main
from icd10ls.codeset.fetch import fetch, release_files
from icd10ls.codeset.store import DataError, DataStore, read_source_bytes

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 2)
INDEX_XML = b"<?xml version='1.0'?><ICD10CM.index><version>2026</version><title>Index</title></ICD10CM.index>"
POA_TEXT = b"OrdFY26\tPOAexemptCode\tDescription\r\n01236\tB90.0\tSequelae of tuberculosis\r\n" \
           b"01237\tZ38.00\tSingle liveborn infant, delivered vaginally\r\n"


@pytest.fixture(scope="module")
def tabular() -> bytes:
    return read_source_bytes(ROOT / "data" / "icd10cm-tabular-2026-04.xml.xz")


def zip_of(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, b"/etc/passwd")
    return buffer.getvalue()


def cms_layout(tabular: bytes) -> dict[str, bytes]:
    """The release files of FY2026 as CMS names them."""
    main, poa, addendum = (f.name for f in release_files(2026))
    return {
        main: zip_of({"Table and Index/icd10cm-tabular-2026.xml": tabular,
                      "Table and Index/icd10cm-index-2026.xml": INDEX_XML,
                      "Table and Index/icd10cm-neoplasm-2026.xml": INDEX_XML,
                      "Table and Index/icd10cm-drug-2026.xml": INDEX_XML,
                      "Table and Index/icd10cm-eindex-2026.xml": INDEX_XML}),
        poa: zip_of({"POAexemptCodesFY26.txt": POA_TEXT, "ReadMePOAexemptFY26.txt": b"readme"}),
        addendum: zip_of({"icd10cm-addenda-2026.txt": b"addenda"}),
    }


class Mirror:
    """A web server on 127.0.0.1 with a file per path: (status, headers, body)."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        routes_ = routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, headers, body = routes_.get(self.path.lstrip("/"), (404, {}, b"not found"))
                self.send_response(status)
                headers = {"Content-Type": "application/zip", "Content-Length": str(len(body)), **headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/files/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "Mirror":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def served(files: dict[str, bytes], **overrides) -> dict[str, tuple[int, dict[str, str], bytes]]:
    routes = {f"files/{name}": (200, {}, body) for name, body in files.items()}
    routes.update({f"files/{name}": value for name, value in overrides.items()})
    return routes


def snapshot(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def store(tmp_path, store):  # noqa: F811 - a store of its own, sharing the session's bundled data and cache
    return DataStore(store.bundled_dir, tmp_path / "data", store.cache_dir, tables=store.tables)


def test_fetch_installs_a_year_from_a_local_server(store, tabular):
    with Mirror(served(cms_layout(tabular))) as mirror:
        result = fetch(store, 2026, mirror.url, today=TODAY)
    assert result.files == [f.name for f in release_files(2026)] and result.missing == []
    assert result.agreement == "74,719 billable codes, all valid in CMS's code table of 2025-10-01"
    source = result.source
    assert (source.fiscal_year, source.effective, source.origin) == (2026, date(2025, 10, 1), "user")
    assert source.path.name == "icd10cm-fy2026-2025-10-01-tabular.xml.xz"
    assert sorted(kind for kind, _ in source.extras) == ["addendum", "drug", "eindex", "index", "neoplasm",
                                                        "poa-exempt"]
    fresh = DataStore(store.bundled_dir, store.user_dir, store.cache_dir, tables=store.tables)
    assert fresh.for_date(date(2025, 11, 1)).codeset.release == "FY2026 release of 2025-10-01"
    assert fresh.poa_exempt(2026) == frozenset({"B90.0", "Z38.00"})
    assert fresh.poa_exempt(2025) is None


def test_fetch_from_a_mirror_folder_and_optional_files_missing(store, tabular, tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    main = release_files(2026)[0].name
    (folder / main).write_bytes(cms_layout(tabular)[main])
    result = fetch(store, 2026, str(folder), today=TODAY)
    assert result.files == [main]
    assert result.missing == [f.name for f in release_files(2026)[1:]]
    assert store.poa_exempt(2026) is None


def _bomb() -> bytes:
    return zip_of({"icd10cm-tabular-2026.xml": b"\0" * (201 * 1024 * 1024)})


def _failures(tabular: bytes) -> dict[str, tuple[dict, str]]:
    files = cms_layout(tabular)
    main = release_files(2026)[0].name
    good = files[main]
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>' + tabular[tabular.index(b"<ICD10CM"):]
    return {
        "404": ({main: (404, {}, b"gone")}, "HTTP 404"),
        "500": ({main: (500, {}, b"oops")}, "answered HTTP 500"),
        "html page": ({main: (200, {"Content-Type": "text/html"}, b"<html>log in</html>")}, "text/html page"),
        "short body": ({main: (200, {"Content-Length": str(len(good) + 1000)}, good)}, "bytes but sent"),
        "truncated zip": ({main: (200, {}, good[: len(good) // 2])}, "not a readable zip file"),
        "no tabular": ({main: (200, {}, zip_of({"readme.txt": b"x"}))}, "no ICD-10-CM tabular XML"),
        "climbing path": ({main: (200, {}, zip_of({"../../icd10cm-tabular-2026.xml": tabular}))},
                          "points outside the archive's folder"),
        "absolute path": ({main: (200, {}, zip_of({"/tmp/icd10cm-tabular-2026.xml": tabular}))},
                          "points outside the archive's folder"),
        "link": ({main: (200, {}, zip_of({"icd10cm-tabular-2026.xml": tabular}, links=("icd10cm-index-2026.xml",)))},
                 "is a link"),
        "zip bomb": ({main: (200, {}, _bomb())}, "larger than any CMS release file"),
        "entities": ({main: (200, {}, zip_of({"icd10cm-tabular-2026.xml": doctype}))}, "DTD or entities"),
    }


def test_every_failure_is_one_line_and_leaves_the_data_as_it_was(store, tabular):
    with Mirror(served(cms_layout(tabular))) as mirror:  # something installed before
        fetch(store, 2026, mirror.url, today=TODAY)
    before = snapshot(store.user_dir)
    for case, (overrides, expected) in _failures(tabular).items():
        with Mirror(served(cms_layout(tabular), **overrides)) as mirror:
            with pytest.raises(DataError) as raised:
                fetch(store, 2026, mirror.url, today=TODAY)
        message = str(raised.value)
        assert expected in message and "\n" not in message, (case, message)
        assert snapshot(store.user_dir) == before, case


def test_connection_refused_and_years_without_releases(store):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataError, match=r"cannot reach 127.0.0.1:\d+: .*refused.*--mirror"):
        fetch(store, 2026, f"http://127.0.0.1:{port}/", today=TODAY)
    with pytest.raises(DataError, match="FY2015 is before ICD-10-CM"):
        fetch(store, 2015, "http://127.0.0.1:9/", today=TODAY)
    with pytest.raises(DataError, match="FY2028 has not been published yet"):
        fetch(store, 2028, "http://127.0.0.1:9/", today=TODAY)
    assert snapshot(store.user_dir) == {}


def test_a_full_disk_during_install_leaves_nothing_behind(store, tabular, monkeypatch):
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if Path(target).name == "codesets.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target, *args, **kwargs)

    with Mirror(served(cms_layout(tabular))) as mirror:
        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(DataError, match="No space left on device"):
            fetch(store, 2026, mirror.url, today=TODAY)
    assert snapshot(store.user_dir) == {}


def test_data_add_takes_the_zip_as_downloaded_and_remove_takes_it_away(store, tabular, tmp_path):
    main = release_files(2026)[0].name
    download = tmp_path / main
    download.write_bytes(cms_layout(tabular)[main])
    source = store.add(download)
    assert source.path.name == "icd10cm-fy2026-2025-10-01-tabular.xml.xz"
    assert sorted(kind for kind, _ in source.extras) == ["drug", "eindex", "index", "neoplasm"]
    assert store.remove("FY2026") == [source]
    assert sorted(snapshot(store.user_dir)) == ["codesets.json"]
    with pytest.raises(DataError, match="comes with icd10ls and cannot be removed"):
        store.remove("2026")
    with pytest.raises(DataError, match="nothing installed matches '2019'"):
        store.remove("2019")


def test_the_command_line(tabular, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ICD10LS_DATA_DIR", str(tmp_path / "data"))
    import icd10ls.codeset.store as store_module

    monkeypatch.setattr(store_module, "_default_store", None)
    with Mirror(served(cms_layout(tabular))) as mirror:
        assert cli_main(["data", "fetch", "2026", "--mirror", mirror.url]) == 0
        out, err = capsys.readouterr()
        assert out.startswith("installed FY2026 (effective 2025-10-01) from 2026-code-tables-tabular-and-index.zip")
        assert "74,719 billable codes, all valid in CMS's code table of 2025-10-01" in out
        assert err == ""  # no progress bar when the output is not a terminal
        assert cli_main(["data", "fetch", "2014", "--mirror", mirror.url]) == 2
        assert capsys.readouterr().err == "icd10ls: FY2014 is before ICD-10-CM (FY2016 is the first release)\n"
    assert cli_main(["data", "list", "--format", "json"]) == 0
    years = {row["fiscal_year"]: row for row in json.loads(capsys.readouterr().out)}
    assert years[2026]["status"] == "full" and len(years[2026]["releases"]) == 2
    assert years[2027]["status"] == "validity" and years[2016]["status"] == "validity"
    assert cli_main(["data", "list"]) == 0
    text = capsys.readouterr().out
    assert "FY2027  validity only (CMS code tables)" in text and "FY2025  full data" in text
    assert cli_main(["data", "remove", "2026"]) == 0
    assert capsys.readouterr().out == "removed FY2026 (FY2026 release of 2025-10-01) " \
                                      "(icd10cm-fy2026-2025-10-01-tabular.xml.xz)\n"
    with pytest.raises(SystemExit) as usage:
        cli_main(["data", "fetch", "twenty"])
    assert usage.value.code == 2
    assert "'twenty' is not a fiscal year such as 2027" in capsys.readouterr().err
