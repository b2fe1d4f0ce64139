"""What the checker reports: findings, with their fixes, in a form every front end shares.

The CLI prints findings, the language server turns them into diagnostics and
code actions, and `--fix` applies their safe fixes.  All three read the same
objects, so positions here follow the parser's conventions (0-based lines,
code-point offsets, exclusive ends) and a finding survives a JSON round trip
(`to_data` / `Fix.from_data`): the language server stores fixes in
`Diagnostic.data` and reads them back when the editor asks for code actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from .encounter import Span

__all__ = ["Severity", "TextEdit", "Fix", "Related", "Finding", "span_data", "span_from_data"]


class Severity(IntEnum):
    """Numbered as the language server protocol numbers DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> "Severity":
        """'error', 'warning', 'information' (or 'info'), 'hint'; ValueError otherwise."""
        key = label.strip().lower()
        if key == "info":
            key = "information"
        for member in cls:
            if member.label == key:
                return member
        raise ValueError(f"unknown severity {label!r} (use error, warning, information or hint)")


def span_data(span: Span) -> dict[str, int]:
    return {"line": span.line, "start": span.start, "end": span.end}


def span_from_data(data: Any) -> Span:
    return Span(int(data["line"]), int(data["start"]), int(data["end"]))


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace `span` (within one line) by `new_text`.

    A whole-line deletion (`delete_line`) has `whole_line=True`: the line *and
    its line ending* go away, so that no blank line is left behind.  Its span
    covers the line's text (0 to the line's length) only to say which line it
    is; in LSP terms the range is (line, 0) to (line + 1, 0).
    """

    span: Span
    new_text: str
    whole_line: bool = False

    @classmethod
    def delete_line(cls, line: int, length: int) -> "TextEdit":
        return cls(Span(line, 0, length), "", True)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"span": span_data(self.span), "newText": self.new_text}
        if self.whole_line:
            data["wholeLine"] = True
        return data

    @classmethod
    def from_data(cls, data: Any) -> "TextEdit":
        return cls(span_from_data(data["span"]), str(data["newText"]), bool(data.get("wholeLine", False)))


@dataclass(slots=True)
class Fix:
    """A way to resolve a finding.

    `safe` fixes cannot change what the file means (a code's case or dot, a
    placeholder X when only one code fits, an exact duplicate line); `--fix`
    applies only those.  `preferred` marks the fix an editor offers first.
    """

    title: str
    edits: tuple[TextEdit, ...]
    safe: bool = False
    preferred: bool = False

    def to_data(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "edits": [edit.to_data() for edit in self.edits],
            "safe": self.safe,
            "preferred": self.preferred,
        }

    @classmethod
    def from_data(cls, data: Any) -> "Fix":
        return cls(
            str(data["title"]),
            tuple(TextEdit.from_data(edit) for edit in data["edits"]),
            bool(data.get("safe", False)),
            bool(data.get("preferred", False)),
        )


@dataclass(slots=True)
class Related:
    """Another place that takes part in a finding (the other code of a pair)."""

    span: Span
    code: str | None
    message: str

    def to_data(self) -> dict[str, Any]:
        return {"span": span_data(self.span), "code": self.code, "message": self.message}

    @classmethod
    def from_data(cls, data: Any) -> "Related":
        return cls(span_from_data(data["span"]), data.get("code"), str(data.get("message", "")))


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    span: Span
    message: str
    code: str | None = None  # the canonical ICD-10-CM code concerned, if any
    related: list[Related] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.span.line, self.span.start, self.span.end, self.rule)

    @property
    def lines(self) -> set[int]:
        """The lines a finding is about: where an `# allow:` comment may silence it."""
        return {self.span.line, *(r.span.line for r in self.related)}

    def to_data(self) -> dict[str, Any]:
        """JSON-serialisable form (for LSP `Diagnostic.data`); `from_data` reads it back."""
        return {
            "rule": self.rule,
            "severity": int(self.severity),
            "span": span_data(self.span),
            "message": self.message,
            "code": self.code,
            "related": [r.to_data() for r in self.related],
            "fixes": [f.to_data() for f in self.fixes],
        }

    @classmethod
    def from_data(cls, data: Any) -> "Finding":
        return cls(
            str(data["rule"]),
            Severity(int(data["severity"])),
            span_from_data(data["span"]),
            str(data["message"]),
            data.get("code"),
            [Related.from_data(r) for r in data.get("related", ())],
            [Fix.from_data(f) for f in data.get("fixes", ())],
        )
