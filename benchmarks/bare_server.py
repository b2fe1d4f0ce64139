"""The peer of the language-server benchmarks: a minimal pygls 2.x server over stdio.

It does no work of its own: hover answers a constant and completion a constant
list of 20 items, so what it costs is pygls, lsprotocol and the interpreter,
the floor any pygls server stands on.
"""

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls", "1.0", text_document_sync_kind=types.TextDocumentSyncKind.Incremental)

HOVER = types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                 value="### E11.22 — Type 2 diabetes mellitus with diabetic CKD"))
ITEMS = [types.CompletionItem(label=f"E11.{n:02d}", kind=types.CompletionItemKind.Value,
                              detail=f"constant completion item {n}", sort_text=f"{n:04d}")
         for n in range(20)]


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover:
    return HOVER


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    return types.CompletionList(is_incomplete=False, items=ITEMS)


if __name__ == "__main__":
    server.start_io()
