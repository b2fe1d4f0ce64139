"""Downloading a fiscal year's ICD-10-CM release files from CMS, or from a mirror.

Only `icd10ls data fetch` (and the editor's Download button, which runs the same
code) reaches the network.  Each file is downloaded whole into a temporary
folder and checked against what the server said (status, type, length) before
anything is installed; the install itself is the store's, all files or none.
Proxies come from the usual environment variables (`https_proxy`, `no_proxy`);
`ICD10LS_DATA_MIRROR` names a mirror (a base URL or a folder) for every fetch,
the editor's included.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

from .cms import fiscal_year_of
from .release import MAX_ARCHIVE_BYTES, ReleaseError, ReleaseFiles, read_addendum, read_release
from .store import DataError, DataStore, Source

CMS_BASE = "https://www.cms.gov/files/zip/"
FIRST_YEAR = 2016  # the first fiscal year of ICD-10-CM on US claims
TIMEOUT_SECONDS = 60
_CHUNK = 256 * 1024

# Progress: (file name, bytes so far, total bytes or None).
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ReleaseFile:
    name: str
    required: bool
    what: str


def release_files(fiscal_year: int) -> list[ReleaseFile]:
    """The CMS file names of a fiscal year's release (a mirror holds the same names)."""
    return [
        ReleaseFile(f"{fiscal_year}-code-tables-tabular-and-index.zip", True,
                    "Code Tables, Tabular and Index"),
        ReleaseFile(f"{fiscal_year}-poa-exempt-codes.zip", False, "POA-exempt codes"),
        ReleaseFile(f"{fiscal_year}-addendum.zip", False, "addendum"),
    ]


def check_year(fiscal_year: int, today: date) -> None:
    """Refuse years CMS has no release for: before ICD-10-CM, or not published yet (CMS publishes
    a fiscal year's files in the summer before it starts on October 1)."""
    current = fiscal_year_of(today)
    published = current + 1 if today.month >= 6 and today.month < 10 else current
    if fiscal_year < FIRST_YEAR:
        raise DataError(f"FY{fiscal_year} is before ICD-10-CM (FY{FIRST_YEAR} is the first release)")
    if fiscal_year > published:
        raise DataError(f"FY{fiscal_year} has not been published yet (the newest release is FY{published})")


@dataclass
class FetchResult:
    source: Source
    files: list[str]  # what was downloaded
    missing: list[str]  # optional files the server did not have
    agreement: str  # the tabular file against CMS's code table for its year


def fetch(store: DataStore, fiscal_year: int, mirror: str | None = None, progress: Progress | None = None,
          today: date | None = None) -> FetchResult:
    """Download, verify and install a fiscal year's release; raise DataError with one sentence."""
    check_year(fiscal_year, today or date.today())
    base = mirror or os.environ.get("ICD10LS_DATA_MIRROR") or CMS_BASE
    with tempfile.TemporaryDirectory(prefix="icd10ls-fetch-") as scratch:
        files = ReleaseFiles()
        fetched, missing = [], []
        for item in release_files(fiscal_year):
            target = Path(scratch) / item.name
            try:
                _get(base, item.name, target, progress)
            except _NotThere as absent:
                if item.required:
                    raise DataError(f"{item.name}: {absent} at {_where(base)}; is FY{fiscal_year} published "
                                    "there? (`--mirror` points at another place)") from None
                missing.append(item.name)
                continue
            try:
                files.merge(read_addendum(target) if item.what == "addendum" else read_release(target))
            except ReleaseError as error:
                raise DataError(f"{error} (downloaded from {_where(base)})") from None
            fetched.append(item.name)
        if files.tabular is None:
            raise DataError(f"{release_files(fiscal_year)[0].name} has no tabular XML in it")
        source = store.install(files, date(fiscal_year - 1, 10, 1), release_files(fiscal_year)[0].name)
        if source.fiscal_year != fiscal_year:
            store.remove(source.path.name)
            raise DataError(f"the files for FY{fiscal_year} hold the FY{source.fiscal_year} tabular list; "
                            "nothing was installed")
    return FetchResult(source, fetched, missing, agreement(store, source))


def agreement(store: DataStore, source: Source) -> str:
    """How the installed tabular file's billable codes compare with CMS's code table of its date."""
    from .codes import compact

    codeset = store.load(source)
    codes = [compact(c) for c in codeset.billable_codes()]
    answers = store.tables.validity(codes, source.effective)
    if answers is None:
        return f"{len(codes):,} billable codes; CMS's code tables do not cover {source.effective.isoformat()}"
    differ = sorted(codeset.get(c).code for c in codes if not answers[c])
    if not differ:
        return f"{len(codes):,} billable codes, all valid in CMS's code table of {source.effective.isoformat()}"
    shown = ", ".join(differ[:10]) + (f" and {len(differ) - 10} more" if len(differ) > 10 else "")
    return (f"{len(codes):,} billable codes; {len(differ)} not valid in CMS's code table of "
            f"{source.effective.isoformat()}: {shown}")


class _NotThere(Exception):
    """The file is not at that place (HTTP 404, or no such file in a mirror folder)."""


def _where(base: str) -> str:
    parsed = urllib.parse.urlparse(base)
    return parsed.netloc or base


def _get(base: str, name: str, target: Path, progress: Progress | None) -> None:
    parsed = urllib.parse.urlparse(base)
    if parsed.scheme in ("http", "https"):
        _download(urllib.parse.urljoin(base if base.endswith("/") else base + "/", name), name, target, progress)
        return
    folder = Path(parsed.path if parsed.scheme == "file" else base).expanduser()
    if not folder.is_dir():
        raise DataError(f"the mirror {base[:200]} is neither a folder nor an http(s) address")
    source = folder / name
    if not source.is_file():
        raise _NotThere("not found")
    try:
        shutil.copyfile(source, target)
    except OSError as error:
        raise DataError(f"cannot copy {source}: {error.strerror or error}") from None


def _download(url: str, name: str, target: Path, progress: Progress | None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "icd10ls (ICD-10-CM release download)"})
    host = urllib.parse.urlparse(url).netloc
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as error:
        if error.code in (404, 410):
            raise _NotThere(f"HTTP {error.code} {error.reason}") from None
        raise DataError(f"{name}: {host} answered HTTP {error.code} {error.reason}; try again later") from None
    except (urllib.error.URLError, socket.timeout, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DataError(f"cannot reach {host}: {reason}; check the network or proxy settings "
                        "(https_proxy), or use --mirror") from None
    with response:
        kind = response.headers.get("Content-Type", "")
        if kind.split(";")[0].strip().lower() in ("text/html", "text/plain", "application/json"):
            raise DataError(f"{name}: {host} sent a {kind.split(';')[0]} page instead of the zip file "
                            "(a login or error page?); nothing was installed")
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > MAX_ARCHIVE_BYTES:
            raise DataError(f"{name}: {total // 2**20} MB, larger than any CMS release zip; refused")
        received = 0
        try:
            with target.open("wb") as out:
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > MAX_ARCHIVE_BYTES:
                        raise DataError(f"{name}: more than {MAX_ARCHIVE_BYTES // 2**20} MB; refused")
                    out.write(chunk)
                    if progress is not None:
                        progress(name, received, total)
        except (socket.timeout, ConnectionError, urllib.error.URLError, http.client.HTTPException) as error:
            raise DataError(f"{name}: the download from {host} broke off ({error}); "
                            "nothing was installed") from None
        except OSError as error:
            raise DataError(f"{name}: cannot write the download: {error.strerror or error}") from None
    if total is not None and received != total:
        raise DataError(f"{name}: {host} announced {total:,} bytes but sent {received:,}; "
                        "nothing was installed, try again")
