"""The files of one ICD-10-CM release, read safely from what CMS publishes.

CMS publishes each fiscal year's release as zip files: "Code Tables, Tabular and
Index" (the tabular XML, which becomes the code set, and the Index, Neoplasm
Table, Table of Drugs and External Cause Index XML, kept beside it), the
addendum, and the POA-exempt list.  A zip is untrusted input: its member names
may climb out of a folder, its sizes may lie, and a small zip may expand to
gigabytes.  Nothing here is extracted to disk; members are read into memory
with a cap, and every problem is one `ReleaseError` sentence.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .tabular import TabularError, parse_xml

MAX_MEMBER_BYTES = 200 * 1024 * 1024  # the largest tabular XML is about 30 MB
MAX_RELEASE_BYTES = 600 * 1024 * 1024  # all members read from one release together
MAX_ARCHIVE_BYTES = 300 * 1024 * 1024  # a release zip is about 20 MB
MAX_MEMBERS = 2000

# What each kept file is, by its CMS name (case aside): icd10cm-tabular-2027.xml,
# icd10cm-index-2027.xml, icd10cm-neoplasm-2027.xml, icd10cm-drug-2027.xml,
# icd10cm-eindex-2027.xml, POAexemptCodesFY27.txt.
KINDS = {
    "tabular": re.compile(r"tabular[^/]*\.xml$"),
    "eindex": re.compile(r"eindex[^/]*\.xml$"),
    "neoplasm": re.compile(r"neoplasm[^/]*\.xml$"),
    "drug": re.compile(r"drug[^/]*\.xml$"),
    "index": re.compile(r"(?<!e)index[^/]*\.xml$"),
    "poa-exempt": re.compile(r"poa\s*exempt\s*codes[^/]*\.txt$"),
}
_POA_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$")


class ReleaseError(Exception):
    """A release file that cannot be used, in one sentence a user can act on."""


@dataclass
class ReleaseFiles:
    """The files found in what a user gave (one or more zips, or a bare tabular XML)."""

    tabular: bytes | None = None
    extras: dict[str, bytes] = field(default_factory=dict)  # kind -> content, as published
    sources: list[str] = field(default_factory=list)  # where each came from, for messages

    def merge(self, other: "ReleaseFiles") -> None:
        if other.tabular is not None:
            if self.tabular is not None:
                raise ReleaseError("two tabular XML files were given; give one release at a time")
            self.tabular = other.tabular
        for kind, content in other.extras.items():
            self.extras.setdefault(kind, content)
        self.sources += other.sources


def kind_of(member: str) -> str | None:
    """Which release file a zip member is, by its name."""
    name = PurePosixPath(member).name.lower()
    for kind, pattern in KINDS.items():
        if pattern.search(name):
            return kind
    return None


def read_release(path: Path) -> ReleaseFiles:
    """The release files in a zip as CMS publishes it, or in a bare tabular XML (compressed or not)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except OSError as error:
        raise ReleaseError(f"cannot read {path}: {error.strerror or error}") from None
    if head.startswith(b"PK"):
        return _read_zip(path)
    from .store import DataError, read_source_bytes

    try:
        data = read_source_bytes(path)
    except DataError as error:
        raise ReleaseError(str(error)) from None
    return ReleaseFiles(tabular=data, sources=[path.name])


def read_addendum(path: Path) -> ReleaseFiles:
    """CMS's addendum zip (what changed in the release), checked member by member and kept whole."""
    with path.open("rb") as stream:
        if not stream.read(4).startswith(b"PK"):
            raise ReleaseError(f"{path.name}: not a zip file")
    _walk_zip(path, lambda member, content: None)
    return ReleaseFiles(extras={"addendum": path.read_bytes()}, sources=[path.name])


def _read_zip(path: Path) -> ReleaseFiles:
    found = ReleaseFiles(sources=[path.name])

    def keep(member: zipfile.ZipInfo, content: bytes) -> None:
        kind = kind_of(member.filename)
        if kind == "tabular":
            if found.tabular is not None:
                raise ReleaseError(f"{path.name}: more than one tabular XML file")
            found.tabular = content
        elif kind is not None:
            found.extras.setdefault(kind, content)

    _walk_zip(path, keep, wanted=lambda member: kind_of(member.filename) is not None)
    if found.tabular is None and not found.extras:
        raise ReleaseError(f"{path.name}: no ICD-10-CM tabular XML, index or POA-exempt list in it")
    return found


def _walk_zip(path: Path, take, wanted=lambda member: True) -> None:
    """Check every member of a zip and read the wanted ones (with caps), handing each to `take`."""
    try:
        size = path.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise ReleaseError(f"{path.name}: {size // 2**20} MB, larger than any CMS release zip")
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ReleaseError(f"{path.name}: not a readable zip file ({error}); the download may be "
                           "truncated: fetch it again") from None
    except OSError as error:
        raise ReleaseError(f"cannot read {path}: {error.strerror or error}") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ReleaseError(f"{path.name}: {len(members)} files, far more than a CMS release has")
        total = 0
        for member in members:
            _check_member(path.name, member)
            if member.is_dir() or not wanted(member):
                continue
            content = _read_member(archive, member, path.name)
            total += len(content)
            if total > MAX_RELEASE_BYTES:
                raise ReleaseError(f"{path.name}: expands to more than {MAX_RELEASE_BYTES // 2**20} MB; "
                                   "this is not a CMS release")
            take(member, content)


def _check_member(archive_name: str, member: zipfile.ZipInfo) -> None:
    name = member.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise ReleaseError(f"{archive_name}: the member {name[:80]!r} points outside the archive's folder; "
                           "refused")
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise ReleaseError(f"{archive_name}: the member {name[:80]!r} is a link; refused")
    if member.file_size > MAX_MEMBER_BYTES:
        raise ReleaseError(f"{archive_name}: the member {name[:80]!r} expands to {member.file_size // 2**20} MB, "
                           "larger than any CMS release file; refused")


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, archive_name: str) -> bytes:
    """Read a member with a cap: the size a zip declares is not trusted."""
    try:
        with archive.open(member) as stream:
            content = stream.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ReleaseError(f"{archive_name}: the member {member.filename[:80]!r} cannot be read ({error}); "
                           "the download may be damaged: fetch it again") from None
    if len(content) > MAX_MEMBER_BYTES:
        raise ReleaseError(f"{archive_name}: the member {member.filename[:80]!r} expands to more than "
                           f"{MAX_MEMBER_BYTES // 2**20} MB; refused")
    return content


def check_extra(kind: str, content: bytes) -> None:
    """An index file must be safe, well-formed XML; a POA-exempt list must list codes."""
    if kind == "addendum":
        return  # checked member by member when it was read
    if kind == "poa-exempt":
        if not parse_poa_exempt(content):
            raise ReleaseError("the POA-exempt list names no codes")
        return
    try:
        parse_xml(content, root_tag="ICD10CM.")
    except TabularError as error:
        raise ReleaseError(f"the {kind} file: {error}") from None


def parse_poa_exempt(content: bytes) -> frozenset[str]:
    """The codes of CMS's POA-exempt list (tab-separated: order, dotted code, title)."""
    text = content.decode("utf-8", errors="replace")
    codes = set()
    for line in text.splitlines():
        fields = line.split("\t")
        for value in fields[:3]:
            value = value.strip()
            if _POA_CODE.match(value):
                codes.add(value)
                break
    return frozenset(codes)
