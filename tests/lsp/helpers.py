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


async def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    """Poll what the client has recorded until `condition()` holds.

    Tests never wait on `client.wait_for_notification`: it waits for the *next* notification,
    so one that arrived before the wait began (the server is sometimes quicker than the test)
    leaves it waiting forever.  With a timeout it is no better: pytest-lsp keeps the future
    the timeout cancels, and the next notification then fails on it (InvalidStateError),
    which the client reports as a server error on whatever request is pending.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() >= deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.005)


async def wait_for_diagnostics(client: LanguageClient, uri: str, version: int, timeout: float = 20.0):
    """Wait until diagnostics for exactly this version of the document have arrived."""
    await wait_until(lambda: client.published_versions.get(uri) == version,
                     f"diagnostics for {uri} version {version}", timeout)
    return client.diagnostics.get(uri, [])


async def wait_for_diagnostics_where(client: LanguageClient, uri: str, condition, what: str) -> list:
    """Wait until the diagnostics last published for `uri` satisfy `condition`.

    For changes whose publication may be preceded by others (the server also rechecks every
    document once it has pulled the client's configuration after start-up).
    """
    await wait_until(lambda: condition(client.diagnostics.get(uri, [])), what)
    return client.diagnostics[uri]


async def wait_for_message(client: LanguageClient):
    """Wait for the first window/showMessage and return it."""
    await wait_until(lambda: client.messages, "a window/showMessage")
    return client.messages[0]


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
