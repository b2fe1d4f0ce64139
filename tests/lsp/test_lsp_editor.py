"""What a coder sees in VS Code: completion rows with titles, hints that leave the coder's text
alone, look-ups in notes, and a quiet log.  Driven with VS Code's client capabilities."""

from __future__ import annotations

import json
import subprocess
import sys

from lsprotocol import types
from pytest_lsp import LanguageClient

from icd10ls.codeset.search import index_for
from icd10ls.codeset.store import DataStore

from .helpers import apply_edits, new_uri, open_document, wait_until


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=doc(uri), position=at(line, character)))
    return list(result.items) if isinstance(result, types.CompletionList) else list(result or [])


async def test_every_completion_row_shows_the_title(client: LanguageClient):
    """Defect 1: VS Code shows `detail` on the selected row only; labelDetails on every row."""
    text = "date: 2026-01-05\ndx: E11.\ndx: type 2 diabetes\n"
    uri = await open_document(client, text)
    by_prefix = await complete(client, uri, 1, 8)
    rows = {item.label: item.label_details.description for item in by_prefix}
    assert rows["E11.9"] == "Type 2 diabetes mellitus without complications"
    assert rows["E11.2"].startswith("Type 2 diabetes mellitus with kidney complications")
    assert "(header)" in rows["E11.2"]  # a header says so on its row, so it is not taken for a code
    by_words = await complete(client, uri, 2, 20)
    assert len(by_words) >= 5
    for item in by_words:
        assert item.label_details.description == item.detail != ""
        assert item.label_details.description.startswith("Type 2 diabetes")


def _billable_search(text: str, limit: int) -> list[str]:
    return [hit.code for hit in index_for(DataStore().latest()).search(text, limit) if hit.billable]


async def test_words_at_the_start_of_a_line_complete_like_icd10ls_search(client: LanguageClient):
    """Defect 7: a quick-list file has no `dx:`; words typed at a line's start are searched."""
    text = "date: 2026-01-05\nJ06.9\ntype 2 diabetes\nencounter ENC\n"
    uri = await open_document(client, text)
    items = await complete(client, uri, 2, len("type 2 diabetes"))
    assert [item.label for item in items] == _billable_search("type 2 diabetes", 50)
    assert items[0].preselect
    assert apply_edits(text, [items[0].text_edit]).splitlines()[2] == items[0].label
    assert await complete(client, uri, 3, len("encounter ENC")) == []  # a header, not words
    assert await complete(client, uri, 1, len("J06.9")) != []  # still code completion there


async def test_inlay_hints_leave_the_coders_text_alone(client: LanguageClient):
    """Defect 6: no hint when the coder wrote a description; after a comment, not before it."""
    text = ("date: 2026-01-05\n"
            "E11.22 type 2 diabetes with CKD\n"
            "dx: N18.4\n"
            "dx: I10 poa=Y   # allow: unspecified-code\n")
    uri = await open_document(client, text)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=doc(uri), range=types.Range(start=at(0, 0), end=at(4, 0))))
    by_line = {hint.position.line: hint for hint in hints}
    assert 1 not in by_line  # its own words follow the code
    assert by_line[2].position == at(2, 9) and by_line[2].label == "Chronic kidney disease, stage 4 (severe)"
    assert by_line[3].position == at(3, len(text.splitlines()[3]))  # after the comment, which stays put
    assert all(len(hint.label) <= 48 for hint in hints)


QUERY_NOTE = """# Physician query, 2026-03-14

HbA1c 7.2% on 03/01; vitamin B12 low, CD4 350, G6PD normal, COVID-19 negative, T2DM per PCP.
Documented: E11.22 and CKD stage 4 (N184). Room B12, bed A1C.
"""


async def test_codes_in_a_markdown_note_hover_without_encounter_diagnostics(client: LanguageClient):
    """Item 5: look-ups in notes; words and numbers are not codes; no encounter checks."""
    uri = new_uri("query").replace(".enc", ".md")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="markdown", version=1, text=QUERY_NOTE)))
    line = QUERY_NOTE.splitlines()[3]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=at(3, line.index("E11.22") + 2)))
    assert "Type 2 diabetes mellitus with diabetic chronic kidney disease" in hover.contents.value
    assert hover.range == types.Range(start=at(3, line.index("E11.22")), end=at(3, line.index("E11.22") + 6))
    undotted = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=at(3, line.index("N184") + 1)))
    assert "Chronic kidney disease, stage 4" in undotted.contents.value
    prose = QUERY_NOTE.splitlines()[2]
    for word in ("HbA1c", "7.2", "B12", "CD4", "G6PD", "COVID-19", "T2DM", "03/01"):
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=doc(uri), position=at(2, prose.index(word) + 1)))
        assert result is None, word
    for word in ("B12", "A1C"):
        result = await client.text_document_hover_async(types.HoverParams(
            text_document=doc(uri), position=at(3, line.index(word) + 1)))
        assert result is None, word
    assert await complete(client, uri, 3, 5) == []
    assert not await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=doc(uri), range=types.Range(start=at(0, 0), end=at(4, 0))))
    # A note next to an encounter file: the encounter gets diagnostics, the note never does.
    enc = await open_document(client, "dx: R51\n")
    assert "non-billable" in [d.code for d in client.diagnostics[enc]]
    assert client.diagnostics.get(uri, []) == []


def _message(payload: dict) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_a_cancelled_request_and_a_normal_restart_log_nothing_alarming():
    """Defect 5: VS Code cancels answered requests all the time; a normal stop exits with 0."""
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                        "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 77}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    done = subprocess.run([sys.executable, "-m", "icd10ls", "serve"], input=b"".join(map(_message, messages)),
                          capture_output=True, timeout=60)
    assert done.returncode == 0
    log = done.stderr.decode()
    assert "WARNING" not in log and "ERROR" not in log and "Traceback" not in log, log
    assert b'"id": 2' in done.stdout or b'"id":2' in done.stdout
