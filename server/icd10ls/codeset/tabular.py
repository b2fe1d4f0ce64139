"""Compile a CMS ICD-10-CM Tabular List XML file into the compact index icd10ls loads.

The XML comes from outside (bundled, or added by a user with `icd10ls data add`),
so it is read with a hardened parser: no DTD, no entities, no network. A file
that is not a well-formed tabular list is refused with a one-line reason
(`TabularError`), never a traceback.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

from .codes import compact, dotted

# Bumped whenever the compiled layout or the compile logic changes: a cache made
# by another version is rebuilt, never used.
INDEX_FORMAT = 3

NOTE_KINDS = (
    "includes",
    "inclusionTerm",
    "excludes1",
    "excludes2",
    "codeFirst",
    "useAdditionalCode",
    "codeAlso",
    "notes",
    "sevenChrNote",
)

KIND_CHAPTER, KIND_SECTION, KIND_DIAG = 0, 1, 2

_ROOT = "ICD10CM.tabular"
_FORBIDDEN_MARKUP = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_SECTION_ID = re.compile(r"([A-Z][0-9A-Z][0-9A-Z])(?:-([A-Z][0-9A-Z][0-9A-Z]))?")
_DIAG_NAME = re.compile(r"[A-Z][0-9A-Z][0-9A-Z](?:\.[0-9A-Z]{1,4})?")
_SEVENTH_RESTRICTION = re.compile(
    r"7th characters? ((?:[A-Z0-9](?:, | and | or |,? and |,? or )?)+) do(?:es)? not apply to codes in"
    r" (?:sub)?categor(?:y|ies) ([A-Z][0-9][0-9A-Z.]*) with 6th characters? (.*)",
    re.IGNORECASE,
)
_SIXTH_CHARACTER = re.compile(r"(?:6th characters?|,? or|,? and) ([0-9A-Z]) -")


class TabularError(Exception):
    """A tabular XML file that icd10ls refuses, with a one-line reason."""


@dataclass
class CompiledTabular:
    """Everything about one code set, as plain lists that marshal quickly."""

    version: str
    kinds: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    children: list[tuple[int, ...]] = field(default_factory=list)
    # node -> ((note kind, (text, ...)), ...), only for nodes that have notes
    notes: dict[int, tuple[tuple[str, tuple[str, ...]], ...]] = field(default_factory=dict)
    # node -> ((7th character, meaning), ...)
    seventh_definitions: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # node -> ((6th character, forbidden 7th characters), ...)
    seventh_restrictions: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    placeholders: list[int] = field(default_factory=list)
    section_ranges: dict[int, tuple[str, str]] = field(default_factory=dict)
    billable_codes: list[str] = field(default_factory=list)
    billable_nodes: list[int] = field(default_factory=list)

    def to_plain(self) -> dict:
        """A marshal-friendly form: long string lists joined, integer lists as packed arrays.

        Loading one big string and splitting it is several times faster than
        unmarshalling a hundred thousand small ones, which keeps a warm start quick.
        """
        return {
            "version": self.version,
            "kinds": bytes(self.kinds),
            "names": "\n".join(self.names),
            "titles": "\n".join(self.titles),
            "parents": array("i", self.parents).tobytes(),
            "subtree_ends": array("i", _subtree_ends(self.parents)).tobytes(),
            "notes": {
                node: _RECORD.join(kind + _FIELD + _FIELD.join(texts) for kind, texts in notes)
                for node, notes in self.notes.items()
            },
            "seventh_definitions": self.seventh_definitions,
            "seventh_restrictions": self.seventh_restrictions,
            "placeholders": self.placeholders,
            "section_ranges": self.section_ranges,
            "billable_codes": "\n".join(self.billable_codes),
            "billable_nodes": array("i", self.billable_nodes).tobytes(),
        }

    @classmethod
    def from_plain(cls, plain: dict) -> "CompiledTabular":
        parents = array("i")
        parents.frombytes(plain["parents"])
        billable_nodes = array("i")
        billable_nodes.frombytes(plain["billable_nodes"])
        subtree_ends = array("i")
        subtree_ends.frombytes(plain["subtree_ends"])
        return cls(
            version=plain["version"],
            kinds=plain["kinds"],
            names=plain["names"].split("\n"),
            titles=plain["titles"].split("\n"),
            parents=parents,
            children=_Children(subtree_ends),
            notes=_LazyNotes(plain["notes"]),
            seventh_definitions=plain["seventh_definitions"],
            seventh_restrictions=plain["seventh_restrictions"],
            placeholders=plain["placeholders"],
            section_ranges=plain["section_ranges"],
            billable_codes=plain["billable_codes"].split("\n"),
            billable_nodes=billable_nodes,
        )


_RECORD, _FIELD = "\x1e", "\x1f"


def _subtree_ends(parents) -> list[int]:
    """For nodes in document (pre-)order: the index just past each node's subtree."""
    ends = list(range(1, len(parents) + 1))
    for index in range(len(parents) - 1, -1, -1):
        parent = parents[index]
        if parent >= 0 and ends[index] > ends[parent]:
            ends[parent] = ends[index]
    return ends


class _Children:
    """Children of a node, read off the pre-order layout instead of stored lists."""

    def __init__(self, subtree_ends) -> None:
        self._ends = subtree_ends

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, node: int) -> tuple[int, ...]:
        ends = self._ends
        end = ends[node]
        child = node + 1
        out = []
        while child < end:
            out.append(child)
            child = ends[child]
        return tuple(out)


class _LazyNotes(dict):
    """Notes decoded per node on first access: most nodes are never looked at."""

    def __init__(self, packed: dict[int, str]) -> None:
        super().__init__()
        self._packed = packed

    def get(self, node: int, default=()):  # type: ignore[override]
        if dict.__contains__(self, node):
            return dict.__getitem__(self, node)
        packed = self._packed.get(node)
        if packed is None:
            return default
        decoded = tuple(
            (fields[0], tuple(fields[1:])) for fields in (record.split(_FIELD) for record in packed.split(_RECORD))
        )
        self[node] = decoded
        return decoded

    def __getitem__(self, node: int):
        value = self.get(node, None)
        if value is None:
            raise KeyError(node)
        return value

    def __contains__(self, node: object) -> bool:
        return node in self._packed

    def __len__(self) -> int:
        return len(self._packed)

    def __iter__(self):
        return iter(self._packed)

    def items(self):  # type: ignore[override]
        return ((node, self.get(node)) for node in self._packed)


def _hardened_parser():
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, root_tag: str = _ROOT):
    """Parse tabular XML bytes safely and return the root, or raise TabularError.

    `root_tag` names the root element wanted; the release's other files (index, neoplasm,
    drug tables) pass their kind's prefix, "ICD10CM.", to be parsed just as safely.

    lxml is imported here, not at module level: a warm start reads the compiled
    cache and never needs it."""
    from lxml import etree

    if not data or not data.strip():
        raise TabularError("the file is empty")
    head = data[:4096]
    if any(marker in data for marker in _FORBIDDEN_MARKUP):
        raise TabularError("the file declares a DTD or entities, which a CMS tabular file never does")
    if b"<" not in head:
        raise TabularError("not an XML file")
    try:
        root = etree.fromstring(data, parser=_hardened_parser())
    except etree.XMLSyntaxError as error:
        message = str(error).splitlines()[0] if str(error) else "malformed XML"
        raise TabularError(f"not well-formed XML: {message}") from None
    except (ValueError, etree.LxmlError) as error:
        raise TabularError(f"not readable as XML: {error}") from None
    if root is None:
        raise TabularError("not readable as XML")
    # The byte scan above misses a DOCTYPE in UTF-16 or another encoding; the
    # parser's own record of it does not.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise TabularError("the file declares a DTD or entities, which a CMS tabular file never does")
    if root.tag != root_tag and not (root_tag.endswith(".") and str(root.tag).startswith(root_tag)):
        what = "tabular list" if root_tag == _ROOT else "release file"
        raise TabularError(f"the root element is <{root.tag}>, not <{root_tag}>: not an ICD-10-CM {what}")
    return root


def _text(element) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


class _Compiler:
    def __init__(self, version: str) -> None:
        self.out = CompiledTabular(version=version)
        self._children: list[list[int]] = []

    def add(self, kind: int, name: str, title: str, parent: int) -> int:
        out = self.out
        index = len(out.names)
        out.kinds.append(kind)
        out.names.append(name)
        out.titles.append(title)
        out.parents.append(parent)
        self._children.append([])
        if parent >= 0:
            self._children[parent].append(index)
        return index

    def add_notes(self, index: int, element) -> None:
        collected: list[tuple[str, tuple[str, ...]]] = []
        for child in element:
            tag = child.tag
            if tag in NOTE_KINDS:
                texts = tuple(t for t in (_text(note) for note in child.iterfind("note")) if t)
                if texts:
                    collected.append((tag, texts))
                    if tag == "notes":
                        self._restriction(index, texts)
            elif tag == "sevenChrDef":
                definitions = tuple(
                    (ext.get("char", "").strip().upper(), _text(ext))
                    for ext in child.iterfind("extension")
                    if ext.get("char", "").strip()
                )
                if definitions:
                    self.out.seventh_definitions[index] = definitions
        if collected:
            self.out.notes[index] = tuple(collected)

    def _restriction(self, index: int, texts: tuple[str, ...]) -> None:
        """Read notes such as S06's "7th characters D and S do not apply ... 6th character 7 ..."."""
        found: list[tuple[str, str]] = []
        for text in texts:
            match = _SEVENTH_RESTRICTION.search(text)
            if not match:
                continue
            forbidden = "".join(re.findall(r"\b([A-Z0-9])\b", match.group(1)))
            for sixth in _SIXTH_CHARACTER.findall("6th character " + match.group(3).split("6th character", 1)[-1]):
                found.append((sixth.upper(), forbidden.upper()))
        if found:
            self.out.seventh_restrictions[index] = tuple(found)

    def diag(self, element, parent: int) -> None:
        name = _text(element.find("name")).upper()
        if not _DIAG_NAME.fullmatch(name):
            raise TabularError(f"a <diag> has the name {name[:40]!r}, which is not an ICD-10-CM code")
        index = self.add(KIND_DIAG, name, _text(element.find("desc")), parent)
        if element.get("placeholder") == "true":
            self.out.placeholders.append(index)
        self.add_notes(index, element)
        for child in element.iterfind("diag"):
            self.diag(child, index)

    def section(self, element, chapter: int, stack: list[int]) -> None:
        section_id = (element.get("id") or "").strip().upper()
        match = _SECTION_ID.fullmatch(section_id)
        if not match:
            raise TabularError(f"a <section> has the id {section_id[:40]!r}, which is not a code range")
        first, last = match.group(1), match.group(2) or match.group(1)
        ranges = self.out.section_ranges
        while stack and not (ranges[stack[-1]][0] <= first and last <= ranges[stack[-1]][1]):
            stack.pop()
        parent = stack[-1] if stack else chapter
        index = self.add(KIND_SECTION, section_id, _text(element.find("desc")), parent)
        ranges[index] = (first, last)
        stack.append(index)
        self.add_notes(index, element)
        for child in element.iterfind("diag"):
            self.diag(child, index)

    def finish(self) -> CompiledTabular:
        self.out.children = [tuple(c) for c in self._children]
        self._expand_billable()
        return self.out

    def _expand_billable(self) -> None:
        out = self.out
        for index, kind in enumerate(out.kinds):
            if kind != KIND_DIAG or out.children[index]:
                continue
            definitions, restrictions = self._seventh_for(index)
            name = out.names[index]
            if not definitions:
                out.billable_codes.append(name)
                out.billable_nodes.append(index)
                continue
            bare = compact(name)
            padded = bare + "X" * (6 - len(bare))
            forbidden = "".join(chars for sixth, chars in restrictions if padded[5] == sixth)
            for char, _meaning in definitions:
                if char in forbidden:
                    continue
                out.billable_codes.append(dotted(padded + char))
                out.billable_nodes.append(index)

    def _seventh_for(self, index: int) -> tuple[tuple[tuple[str, str], ...], list[tuple[str, str]]]:
        out = self.out
        definitions: tuple[tuple[str, str], ...] = ()
        restrictions: list[tuple[str, str]] = []
        node = index
        while node >= 0 and out.kinds[node] == KIND_DIAG:
            if not definitions and node in out.seventh_definitions:
                definitions = out.seventh_definitions[node]
            restrictions.extend(out.seventh_restrictions.get(node, ()))
            node = out.parents[node]
        return definitions, restrictions


def compile_tabular(data: bytes) -> CompiledTabular:
    """Compile tabular XML bytes; raise TabularError with a one-line reason when refused."""
    root = parse_xml(data)
    version = _text(root.find("version"))
    if not re.fullmatch(r"\d{4}", version):
        raise TabularError(f"the <version> element is {version[:20]!r}, not a fiscal year such as 2026")
    compiler = _Compiler(version)
    chapters = root.findall("chapter")
    if not chapters:
        raise TabularError("the file has no <chapter> elements")
    for chapter in chapters:
        number = _text(chapter.find("name"))
        if not re.fullmatch(r"[1-9][0-9]?", number):
            raise TabularError(f"a <chapter> has the name {number[:40]!r}, not a chapter number such as 19")
        index = compiler.add(KIND_CHAPTER, number, _text(chapter.find("desc")), -1)
        compiler.add_notes(index, chapter)
        stack: list[int] = []
        for section in chapter.iterfind("section"):
            compiler.section(section, index, stack)
    compiled = compiler.finish()
    if not compiled.billable_codes:
        raise TabularError("the file defines no billable codes")
    return compiled
