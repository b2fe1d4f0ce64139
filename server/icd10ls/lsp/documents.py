"""Open documents, with the protocol's idea of a line.

pygls splits a document with `str.splitlines`, which also breaks at form feeds,
U+2028 and other characters that editors do not treat as line ends.  A file
from another system with such a character would then receive incremental edits
on the wrong line and lose text.  The classes here keep pygls' behaviour but
split only at `\\r\\n`, `\\r` and `\\n`, as the protocol defines lines.
"""

from __future__ import annotations

import re

from pygls.workspace import TextDocument, Workspace

_PROTOCOL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class ProtocolTextDocument(TextDocument):
    @property
    def lines(self):
        return tuple(_PROTOCOL_LINE.findall(self.source))


class ProtocolWorkspace(Workspace):
    def _create_text_document(self, doc_uri, source=None, version=None, language_id=None):
        return ProtocolTextDocument(doc_uri, source=source, version=version, language_id=language_id,
                                    sync_kind=self._sync_kind, position_codec=self._position_codec)


def adopt(workspace: Workspace) -> None:
    """Make the workspace pygls created at `initialize` use protocol lines."""
    if type(workspace) is Workspace:
        workspace.__class__ = ProtocolWorkspace
