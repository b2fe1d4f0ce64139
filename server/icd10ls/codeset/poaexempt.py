"""CMS's list of ICD-10-CM codes exempt from present-on-admission (POA) reporting, per fiscal year.

The list comes with each year's release (`POAexemptCodesFY25.txt`), and
`icd10ls data add/fetch` keeps it beside the year's code set
(`DataStore.poa_exempt`).  A list may also be given explicitly for a year
(`install_poa_exempt_file`: a CMS text file, compressed with xz or gzip, or
CMS's zip).  No list for a year: `poa_exempt_codes` says None, and the POA
rule then checks the flags' values only.
"""

from __future__ import annotations

import gzip
import lzma
import re
import threading
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from .release import parse_poa_exempt

if TYPE_CHECKING:
    from .store import DataStore

_given: dict[int, frozenset[str]] = {}
_lock = threading.Lock()


def read_poa_exempt(path: Path) -> frozenset[str]:
    """The codes of a CMS POA-exempt file (text, .xz, .gz, or CMS's .zip holding POAexemptCodes*.txt)."""
    path = Path(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if re.search(r"POAexemptCodes.*\.txt$", n, re.IGNORECASE)]
            if not names:
                raise ValueError(f"{path}: no POAexemptCodes*.txt in the archive")
            content = archive.read(names[0])
    elif path.suffix == ".xz":
        content = lzma.decompress(path.read_bytes())
    elif path.suffix == ".gz":
        content = gzip.decompress(path.read_bytes())
    else:
        content = path.read_bytes()
    return parse_poa_exempt(content)


def install_poa_exempt_file(fiscal_year: int, path: Path | None) -> None:
    """Use the list in `path` for a fiscal year, before any installed release's (None forgets it)."""
    with _lock:
        if path is None:
            _given.pop(fiscal_year, None)
        else:
            _given[fiscal_year] = read_poa_exempt(Path(path))


def poa_exempt_codes(fiscal_year: int, store: "DataStore | None" = None) -> frozenset[str] | None:
    """The dotted codes exempt from POA reporting in a fiscal year; None when no list is installed."""
    given = _given.get(fiscal_year)
    if given is not None:
        return given
    if store is None:
        from .store import default_store

        store = default_store()
    return store.poa_exempt(fiscal_year)
