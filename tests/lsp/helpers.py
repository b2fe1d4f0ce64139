"""Small conveniences for driving the server in tests."""

from __future__ import annotations

import asyncio
import itertools

from lsprotocol import types
from pytest_lsp import LanguageClient

_counter = itertools.count(1)


def new_uri(name: str = "visit") -> str:
    return f"file:///tmp/icd10ls-tests/{name}-{next(_counter)}.enc"


async def open_document(client: LanguageClient, text: str, uri: str | None = None) -> str:
    uri = uri or new_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="icd10-encounter", version=1, text=text)))
    await wait_for_diagnostics(client, uri, 1)
    return uri


async def wait_for_diagnostics(client: LanguageClient, uri: str, version: int, timeout: float = 20.0):
    """Wait until diagnostics for exactly this version of the document have arrived.

    This polls what the client recorded.  It must not wait on `client.wait_for_notification`
    with a timeout: pytest-lsp keeps the future a timeout cancels, the next notification then
    fails to set its result (InvalidStateError), and the client reports that as a server
    error on whatever request is pending, failing an unrelated step of the test.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while client.published_versions.get(uri) != version:
        if loop.time() >= deadline:
            raise TimeoutError(f"no diagnostics for {uri} version {version}")
        await asyncio.sleep(0.005)
    return client.diagnostics.get(uri, [])


def change(client: LanguageClient, uri: str, version: int, line: int, start: int, end: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=line, character=start),
                              end=types.Position(line=line, character=end)),
            text=text)]))


async def replace_text(client: LanguageClient, uri: str, version: int, text: str):
    """Send the whole new text as version `version` and wait for its diagnostics."""
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    return await wait_for_diagnostics(client, uri, version)


def codes_of(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (UTF-16 positions) to a text, last first."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: position.line])
        line_text = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for index, char in enumerate(line_text):
            if units >= position.character:
                return before + index
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(line_text)

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text
