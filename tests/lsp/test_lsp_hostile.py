"""Hostile input over the protocol: the server stays up and agrees with `icd10ls check`."""

from __future__ import annotations

import random
import re

from lsprotocol import types
from pytest_lsp import LanguageClient

from icd10ls.checker import check_text

from .helpers import new_uri, open_document, wait_for_diagnostics


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def summary_of_diagnostics(diagnostics) -> list[tuple]:
    return sorted((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
                   str(d.code), d.message) for d in diagnostics)


def summary_of_check(text: str) -> list[tuple]:
    """What `icd10ls check` finds, in the diagnostics' UTF-16 units."""
    result = check_text(text)
    lines = result.file.lines

    def units(line: int, character: int) -> int:
        return len(lines[line][:character].encode("utf-16-le", "surrogatepass")) // 2

    return sorted((f.span.line, units(f.span.line, f.span.start), f.span.line, units(f.span.line, f.span.end),
                   f.rule, f.message) for f in result.findings)


async def assert_alive(client: LanguageClient, uri: str) -> None:
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=types.Position(line=0, character=0)))
    assert result is None or result.contents


async def test_a_50000_line_document(client: LanguageClient):
    body = "".join(f"encounter E{i}\ndate: 2026-01-05\ndx: E11.22\ndx: N18.4\ndx: E11.2\n" for i in range(10_000))
    uri = await open_document(client, body)
    diagnostics = client.diagnostics[uri]
    assert sum(1 for d in diagnostics if d.code == "non-billable") == 10_000
    await assert_alive(client, uri)


async def test_a_100000_character_line_and_binary_garbage(client: LanguageClient):
    long_line = "dx: E11.22 " + "x" * 100_000
    garbage = bytes(random.Random(7).randrange(256) for _ in range(5000)).decode("latin-1")
    uri = await open_document(client, long_line + "\n" + garbage + "\n\x00\x01dx: E11.9\n")
    await assert_alive(client, uri)
    assert any(d.code == "syntax" for d in client.diagnostics[uri])


async def test_requests_for_unknown_uris_answer_empty(client: LanguageClient):
    uri = "file:///nowhere/never-opened.enc"
    assert await client.text_document_hover_async(types.HoverParams(
        text_document=doc(uri), position=types.Position(line=0, character=0))) is None
    completion = await client.text_document_completion_async(types.CompletionParams(
        text_document=doc(uri), position=types.Position(line=0, character=0)))
    assert completion is None or len(completion.items) == 0
    assert not await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(uri)))


async def test_1000_rapid_incremental_edits_end_like_check(client: LanguageClient):
    rng = random.Random(1234)
    text = "encounter A\ndate: 2026-02-01\ndx: E11.22\ndx: N18.4\n"
    uri = await open_document(client, text)
    pieces = ["E11.2", "x", "\n", "dx: A15.4\n", "dx: A15.7\n", "😀", "\r\n", " ", "S52.521", "# allow: excludes1",
              "date: 2025-02-30\n", "T07A\n", "dx: ", "é"]
    version = 1
    for _ in range(1000):
        version += 1
        starts = _line_starts(text)
        line = rng.randrange(len(starts))
        line_text = _line_text(text, starts, line)
        character = rng.randint(0, len(line_text))
        end = min(len(line_text), character + rng.choice([0, 0, 1, 3]))
        insert = rng.choice(pieces)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=line, character=_units(line_text, character)),
                                  end=types.Position(line=line, character=_units(line_text, end))),
                text=insert)]))
        offset = starts[line]
        text = text[:offset + character] + insert + text[offset + end:]
    diagnostics = await wait_for_diagnostics(client, uri, version, timeout=60)
    assert summary_of_diagnostics(diagnostics) == summary_of_check(text)


_BREAK = re.compile(r"\r\n|\r|\n")


def _line_starts(text: str) -> list[int]:
    """Offsets where lines start, with the protocol's line breaks (\\r\\n, \\r, \\n)."""
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def _line_text(text: str, starts: list[int], line: int) -> str:
    end = starts[line + 1] if line + 1 < len(starts) else len(text)
    return _BREAK.sub("", text[starts[line]:end])


def _units(line: str, character: int) -> int:
    return len(line[:character].encode("utf-16-le")) // 2


async def test_two_documents_edited_in_interleaved_bursts(client: LanguageClient):
    first = await open_document(client, "date: 2026-01-05\ndx: E11.22\n", new_uri("first"))
    second = await open_document(client, "date: 2026-01-05\ndx: I10\n", new_uri("second"))
    version = 1
    for burst in range(10):
        version += 1
        for uri, code in ((first, "E11.2"), (second, "R51")):
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(
                    text=f"date: 2026-01-05\ndx: {code}\n" + "dx: I10\n" * burst)]))
    first_diagnostics = await wait_for_diagnostics(client, first, version)
    second_diagnostics = await wait_for_diagnostics(client, second, version)
    assert [d.message for d in first_diagnostics if d.code == "non-billable"][0].count("E11.2") >= 1
    assert all("R51" not in d.message for d in first_diagnostics)
    assert all("E11.2" not in d.message for d in second_diagnostics)
