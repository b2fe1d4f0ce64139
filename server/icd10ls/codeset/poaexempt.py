"""CMS's list of ICD-10-CM codes exempt from present-on-admission (POA) reporting, per fiscal year.

CMS publishes the list with each year's code files (`POAexemptCodesFY25.txt`:
tab-separated, the dotted code in the second column, a header line first).
An installed list is found by fiscal year: registered with
`install_poa_exempt_file` (as `icd10ls data add` does beside the tabular XML),
or a file named `poa-exempt-fy2025.txt` / `POAexemptCodesFY25.txt` (optionally
`.xz`, `.gz` or in a `.zip`) in the data directories.  No list for a year:
`poa_exempt_codes` says None and the POA rule checks the flags' values only.
"""

from __future__ import annotations

import gzip
import lzma
import re
import threading
import time
import zipfile
from pathlib import Path
from typing import Iterable

_installed: dict[int, Path] = {}
_loaded: dict[tuple[Path, int], frozenset[str]] = {}
_found: dict[int, tuple[float, Path | None]] = {}  # fiscal year -> (when looked, file)
_LOOK_AGAIN_SECONDS = 5.0  # a list installed meanwhile is seen this soon
_lock = threading.Lock()
_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?")


def install_poa_exempt_file(fiscal_year: int, path: Path | None) -> None:
    """Use `path` as the POA-exempt list of a fiscal year (None forgets it)."""
    with _lock:
        if path is None:
            _installed.pop(fiscal_year, None)
        else:
            _installed[fiscal_year] = Path(path)
        _found.pop(fiscal_year, None)


def _names(fiscal_year: int) -> list[str]:
    short = fiscal_year % 100
    return [f"poa-exempt-fy{fiscal_year}", f"POAexemptCodesFY{short:02d}", f"poa-exempt-codes-fy{fiscal_year}"]


def _directories() -> list[Path]:
    from .store import default_store  # the same directories the code sets come from

    store = default_store()
    return [store.user_dir, store.bundled_dir]


def find_poa_exempt_file(fiscal_year: int, directories: Iterable[Path] | None = None) -> Path | None:
    """The installed POA-exempt list of a fiscal year, if any."""
    installed = _installed.get(fiscal_year)
    if installed is not None:
        return installed
    for directory in directories if directories is not None else _directories():
        for name in _names(fiscal_year):
            for suffix in (".txt", ".txt.xz", ".txt.gz", ".zip"):
                candidate = Path(directory) / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
    return None


def read_poa_exempt(path: Path) -> frozenset[str]:
    """The codes of a CMS POA-exempt file (text, .xz, .gz, or a .zip holding POAexemptCodes*.txt)."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist()
                     if re.search(r"POAexemptCodes.*\.txt$", n, re.IGNORECASE)]
            if not names:
                raise ValueError(f"{path}: no POAexemptCodes*.txt in the archive")
            text = archive.read(names[0]).decode("utf-8", "replace")
    elif path.suffix == ".xz":
        text = lzma.decompress(path.read_bytes()).decode("utf-8", "replace")
    elif path.suffix == ".gz":
        text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
    return parse_poa_exempt(text)


def parse_poa_exempt(text: str) -> frozenset[str]:
    """Codes from CMS's tab-separated list (code in the second column) or one code per line."""
    codes = set()
    for line in text.splitlines():
        fields = line.strip().split("\t")
        for value in (fields[1] if len(fields) > 1 else "", fields[0]):
            value = value.strip().upper()
            if _CODE.fullmatch(value):
                codes.add(value)
                break
    return frozenset(codes)


def poa_exempt_codes(fiscal_year: int) -> frozenset[str] | None:
    """The dotted codes exempt from POA reporting in a fiscal year; None when no list is installed."""
    now = time.monotonic()
    found = _found.get(fiscal_year)
    if found is None or now - found[0] > _LOOK_AGAIN_SECONDS:
        found = _found[fiscal_year] = (now, find_poa_exempt_file(fiscal_year))
    path = found[1]
    if path is None:
        return None
    try:
        key = (path, path.stat().st_mtime_ns)
    except OSError:
        return None
    codes = _loaded.get(key)
    if codes is None:
        try:
            codes = read_poa_exempt(path)
        except (OSError, ValueError, lzma.LZMAError, zipfile.BadZipFile, EOFError):
            return None
        with _lock:
            _loaded[key] = codes
    return codes
