"""End-to-end over JSON-RPC: the MS-DRG code lens follows edits, its command answers, badges arrive."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import change, open_document, wait_for_diagnostics

STAY = """encounter HF-1
date: 2026-05-05
setting: inpatient
age: 70
dx: I50.21 poa=Y
dx: J96.01 poa=Y
dx: N17.9 poa=Y
"""


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_code_lens_follows_an_edit_and_its_command_gives_the_details(client: LanguageClient):
    uri = await open_document(client, STAY)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc(uri)))
    assert [lens.command.title for lens in lenses] == ["MS-DRG 291 Heart Failure and Shock with MCC · MDC 05 · v43.1"]
    change(client, uri, 2, 5, 4, 10, "I10")  # J96.01 -> I10: no MCC left, N17.9 is a CC
    await wait_for_diagnostics(client, uri, 2)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc(uri)))
    assert lenses[0].command.title == "MS-DRG 292 Heart Failure and Shock with CC · MDC 05 · v43.1"
    details = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=lenses[0].command.command, arguments=lenses[0].command.arguments))
    assert details["found"] is True and "`N17.9` CC" in details["markdown"]
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=doc(uri), range=types.Range(start=types.Position(line=0, character=0),
                                                   end=types.Position(line=8, character=0))))
    assert [(h.position.line, h.label) for h in hints if h.label in ("CC", "MCC")] == [(6, "CC")]
