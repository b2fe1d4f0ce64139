"""The editor's FY2027 flow: validity only, the offer to download, progress, and the recheck.

The server runs with an empty data directory of its own and a mirror folder
(`ICD10LS_DATA_MIRROR`) holding a "2027" release built from the bundled FY2026
tabular XML with its version changed; nothing reaches beyond this machine.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from icd10ls.codeset.store import read_source_bytes

from .conftest import _client_factory, vscode_capabilities
from .helpers import open_document, wait_for_diagnostics_where, wait_until

ROOT = Path(__file__).resolve().parent.parent.parent
FY2027_VISIT = "encounter E\ndate: 2026-11-20\nsetting: outpatient\ndx: I42.0\ndx: E11.9\n"


def _mirror() -> str:
    folder = tempfile.mkdtemp(prefix="icd10ls-mirror-")
    xml = read_source_bytes(ROOT / "data" / "icd10cm-tabular-2026-04.xml.xz")
    xml = xml.replace(b"<version>2026</version>", b"<version>2027</version>", 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Table and Index/icd10cm-tabular-2027.xml", xml)
    (Path(folder) / "2027-code-tables-tabular-and-index.zip").write_bytes(buffer.getvalue())
    return folder


SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "icd10ls", "serve"],
    server_env={**os.environ, "ICD10LS_DATA_DIR": tempfile.mkdtemp(prefix="icd10ls-lsp-data-"),
                "ICD10LS_DATA_MIRROR": _mirror()},
    client_factory=_client_factory)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=vscode_capabilities()))
    yield
    await lsp_client.shutdown_session()


def _codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


async def test_validity_only_then_download_then_full_data(client: LanguageClient):
    uri = await open_document(client, FY2027_VISIT)
    diagnostics = client.diagnostics[uri]
    assert _codes(diagnostics).count("not-in-code-set") == 1  # I42.0: expanded into a header
    info = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.codeSetInfo", arguments=[uri]))
    assert info["label"] == "ICD-10-CM FY2027 · validity only" and info["validityOnly"] is True

    await wait_until(lambda: client.message_requests, "the offer to download")
    offer = client.message_requests[0]
    assert offer.message == "FY2027 codes are checked for validity; titles and notes need the FY2027 files."
    assert [a.title for a in offer.actions] == ["Download"]
    # Dismissed: asked once per session and year, not again for another document.
    await open_document(client, FY2027_VISIT)
    assert len(client.message_requests) == 1

    # The command the extension's button runs would do the same as accepting here: a new session
    # is not needed, the offer is taken up directly.
    client.message_request_answer = "Download"
    client.message_requests.clear()
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.downloadYear", arguments=[2027]))
    # Compiling the year and comparing it with CMS's table takes seconds; more on a busy machine.
    await wait_until(lambda: any("FY2027 installed" in m.message for m in client.messages), "the download",
                     timeout=120)
    assert any("74,719 billable codes; 30 not valid in CMS's code table of 2026-10-01: D69.1, I42.0" in m.message
               for m in client.messages)
    ends = [r for reports in client.progress_reports.values() for r in reports
            if isinstance(r, types.WorkDoneProgressEnd)]
    assert any(e.message == "FY2027 installed" for e in ends)
    # Rechecked with the installed FY2027 file: its I42.0 is a code, and no validity-only note.
    after = await wait_for_diagnostics_where(
        client, uri, lambda d: "code-set" not in _codes(d), "diagnostics with FY2027 installed")
    assert "not-in-code-set" not in _codes(after)
    info = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.codeSetInfo", arguments=[uri]))
    assert info["validityOnly"] is False and info["fiscalYear"] == 2027
