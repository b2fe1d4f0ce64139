"""Where code sets come from, how they are cached, and which one a date uses.

Bundled CMS files live in `data/` (or inside the wheel); users may add newer
releases with `icd10ls data add`, which go to a per-user data directory.  Each
source is compiled once into a cache file keyed by the source's hash and the
index format; a cache that does not match (stale, truncated, tampered) is
rebuilt, never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import lzma
import marshal
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .cms import CmsTables, cms_tables, fiscal_year_of
from .dated import DateValidity
from .model import CodeSet
from .release import ReleaseError, ReleaseFiles, check_extra, parse_poa_exempt, read_release
from .tabular import INDEX_FORMAT, CompiledTabular, TabularError, compile_tabular

_MAGIC = b"ICD10LS-INDEX\n"
_MANIFEST = "codesets.json"
_EXTENSIONS = {"poa-exempt": "txt", "addendum": "zip"}  # kept release files that are not XML
MAX_SOURCE_BYTES = 200 * 1024 * 1024


class DataError(Exception):
    """A code-set problem a user can act on, with a one-line message."""


@dataclass(frozen=True)
class Source:
    """One installed release of the tabular list."""

    path: Path
    fiscal_year: int
    effective: date
    release: str
    sha256: str | None  # expected hash of the uncompressed XML, when known
    origin: str  # "bundled" or "user"
    extras: tuple[tuple[str, Path], ...] = ()  # kept release files: ("index", path), ("poa-exempt", path)

    def extra(self, kind: str) -> Path | None:
        return next((path for k, path in self.extras if k == kind), None)

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year} ({self.release})"


@dataclass(frozen=True)
class Selection:
    """The code set chosen for a date, and why, when it is not the obvious one.

    `validity` is set when the installed file does not cover the date exactly (no file
    for its fiscal year, or only the year's April file for a date before April): CMS's
    code table of the date then says which codes are valid.
    """

    codeset: CodeSet
    note: str | None = None
    validity: DateValidity | None = None

    @property
    def validity_only(self) -> bool:
        """No installed file of the date's fiscal year: titles and notes are another year's."""
        return self.validity is not None and not self.validity.full


def _bundled_dir() -> Path:
    package = Path(__file__).resolve().parent.parent  # icd10ls/
    for candidate in (package / "bundled_data", package.parent.parent / "data"):
        if (candidate / _MANIFEST).is_file():
            return candidate
    raise DataError("the bundled ICD-10-CM data was not found; reinstall icd10ls")


def _user_dir() -> Path:
    explicit = os.environ.get("ICD10LS_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "icd10ls"


def _cache_dir() -> Path:
    explicit = os.environ.get("ICD10LS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "icd10ls"


def read_source_bytes(path: Path) -> bytes:
    """The XML bytes of a source file, plain or xz/gzip-compressed."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    if raw.startswith(b"\xfd7zXZ\x00"):
        try:
            decompressor = lzma.LZMADecompressor()
            data = decompressor.decompress(raw, max_length=MAX_SOURCE_BYTES)
            if not decompressor.eof:
                raise DataError(f"{path.name}: compressed data is truncated or larger than 200 MB")
            return data
        except lzma.LZMAError as error:
            raise DataError(f"{path.name}: broken xz data ({error})") from None
    if raw.startswith(b"\x1f\x8b"):
        import zlib

        # Decompressed with a cap, like xz: a small gzip file can expand to gigabytes.
        decompressor = zlib.decompressobj(wbits=31)
        try:
            data = decompressor.decompress(raw, MAX_SOURCE_BYTES)
        except zlib.error as error:
            raise DataError(f"{path.name}: broken gzip data ({error})") from None
        if not decompressor.eof:
            raise DataError(f"{path.name}: compressed data is truncated or larger than 200 MB")
        return data
    if len(raw) > MAX_SOURCE_BYTES:
        raise DataError(f"{path.name}: larger than 200 MB, which no tabular list is")
    return raw


def _read_manifest(directory: Path, origin: str) -> list[Source]:
    manifest = directory / _MANIFEST
    if not manifest.is_file():
        return []
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))["codesets"]
        return [
            Source(
                path=directory / entry["file"],
                fiscal_year=int(entry["fiscal_year"]),
                effective=date.fromisoformat(entry["effective"]),
                release=entry.get("release") or f"FY{entry['fiscal_year']}",
                sha256=entry.get("sha256_uncompressed"),
                origin=origin,
                extras=tuple((str(kind), directory / str(name))
                             for kind, name in sorted((entry.get("extras") or {}).items())),
            )
            for entry in entries
        ]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{manifest}: unreadable code-set list ({error})") from None


class DataStore:
    """All installed code sets; compiles and caches them on first use, thread-safely."""

    def __init__(self, bundled_dir: Path | None = None, user_dir: Path | None = None,
                 cache_dir: Path | None = None, tables: CmsTables | None = None) -> None:
        self.tables = tables or cms_tables()  # CMS's code tables: validity on dates no file covers
        self.bundled_dir = bundled_dir or _bundled_dir()
        self.user_dir = user_dir or _user_dir()
        self.cache_dir = cache_dir or _cache_dir()
        self._loaded: dict[Path, CodeSet] = {}
        self._names: dict[Path, CodeNames] = {}
        self._lock = threading.RLock()
        self._sources: list[Source] | None = None
        self._poa_exempt: dict[int, frozenset[str] | None] = {}

    # -- sources -----------------------------------------------------------
    def sources(self) -> list[Source]:
        if self._sources is None:
            found = _read_manifest(self.bundled_dir, "bundled") + _read_manifest(self.user_dir, "user")
            by_release: dict[tuple[int, date], Source] = {}
            for source in found:  # a user's copy of the same release wins over the bundled one
                by_release[(source.fiscal_year, source.effective)] = source
            self._sources = sorted(by_release.values(), key=lambda s: (s.fiscal_year, s.effective))
        return self._sources

    def fiscal_years(self) -> list[int]:
        return sorted({s.fiscal_year for s in self.sources()})

    def latest(self) -> CodeSet:
        return self.load(self.sources()[-1])

    def for_year(self, fiscal_year: int) -> CodeSet:
        source = self._source_of_year(fiscal_year)
        if source is None:
            years = ", ".join(f"FY{y}" for y in self.fiscal_years())
            raise DataError(f"no code set for FY{fiscal_year} is installed (installed: {years}); "
                            "add one with `icd10ls data add FILE`")
        return self.load(source)

    def source_for_date(self, day: date) -> tuple[Source, str | None]:
        sources = self.sources()
        wanted = fiscal_year_of(day)
        same_year = [s for s in sources if s.fiscal_year == wanted]
        if same_year:
            in_effect = [s for s in same_year if s.effective <= day]
            return (in_effect[-1] if in_effect else same_year[0]), None
        nearest = min(sources, key=lambda s: (abs(s.fiscal_year - wanted), -s.fiscal_year, -s.effective.toordinal()))
        nearest = [s for s in sources if s.fiscal_year == nearest.fiscal_year][-1]
        note = (f"{day.isoformat()} falls in FY{wanted}, which is not installed; "
                f"using the nearest code set, FY{nearest.fiscal_year}")
        return nearest, note

    def for_date(self, day: date) -> Selection:
        """The code set for a date; CMS's code table decides validity where no file covers the date."""
        source, note = self.source_for_date(day)
        codeset = self.load(source)
        if source.effective <= day and source.fiscal_year == fiscal_year_of(day):
            return Selection(codeset, note)
        table_day = self.tables.table_day(day)
        if table_day is None:
            problem = self.tables.problem
            if note and problem:
                note += f" ({problem})"
            elif note:
                note += " (CMS's code tables do not reach this date)"
            return Selection(codeset, note)
        validity = DateValidity(table_day, codeset, self.tables)
        if validity.full:
            return Selection(codeset, None, validity)
        note = (f"{day.isoformat()} falls in FY{validity.fiscal_year}: codes are checked for validity "
                f"against CMS's FY{validity.fiscal_year} code tables; titles and notes come from "
                f"FY{codeset.fiscal_year} (`icd10ls data fetch {validity.fiscal_year}` installs "
                f"FY{validity.fiscal_year}'s)")
        return Selection(codeset, note, validity)

    def has_code(self, fiscal_year: int, code: str) -> bool:
        """Whether a year's code set has the code (as `code in codeset`), without loading the
        set when its list of codes is in the cache: asking whether a typo is another year's code
        must not hold up the first diagnostics by loading every other year."""
        source = self._source_of_year(fiscal_year)
        if source is None:
            return False
        loaded = self._loaded.get(source.path)
        if loaded is not None:
            return code in loaded
        names = self._names.get(source.path)
        if names is None:
            names = self._read_names(source)
            if names is None:
                return code in self.load(source)  # loading writes the list for next time
            self._names[source.path] = names
        return code in names

    def _source_of_year(self, fiscal_year: int) -> Source | None:
        """The year's latest release."""
        matching = [s for s in self.sources() if s.fiscal_year == fiscal_year]
        return matching[-1] if matching else None

    def _read_names(self, source: Source) -> CodeNames | None:
        try:
            digest = hashlib.sha256(source.path.read_bytes()).hexdigest()
        except OSError:
            return None
        plain = read_blob(self._names_path(source.path, digest), _NAMES_MAGIC)
        try:
            return CodeNames(*plain) if isinstance(plain, tuple) else None
        except (TypeError, ValueError):
            return None

    def _write_names(self, path: Path, codeset: CodeSet) -> None:
        if not path.exists():
            names = CodeNames.of([*codeset.all_codes(), *codeset.billable_codes()])
            write_blob(path, _NAMES_MAGIC, (names.width, names.packed))

    def codesets(self) -> list[CodeSet]:
        """Every installed code set, loaded, oldest first (what changed across years needs them all)."""
        return [self.load(source) for source in self.sources()]

    def loaded(self) -> list[CodeSet]:
        with self._lock:
            return list(self._loaded.values())

    # -- loading -----------------------------------------------------------
    def load(self, source: Source) -> CodeSet:
        with self._lock:
            cached = self._loaded.get(source.path)
            if cached is None:
                compiled, digest = self._compiled(source)
                cached = CodeSet(compiled, fiscal_year=source.fiscal_year, effective=source.effective,
                                 release=source.release, digest=digest, cache_dir=self.cache_dir)
                self._loaded[source.path] = cached
                self._write_names(self._names_path(source.path, digest), cached)
            return cached

    def _cache_path(self, source: Path, digest: str) -> Path:
        return self.cache_dir / f"{source.name}.{digest[:20]}.v{INDEX_FORMAT}.idx"

    def _names_path(self, source: Path, digest: str) -> Path:
        """The list of the code set's codes, beside its index (`has_code`)."""
        return self._cache_path(source, digest).with_suffix(".names")

    def _compiled(self, source: Source) -> tuple[CompiledTabular, str]:
        """The compiled code set, and the SHA-256 of its source file (what caches are keyed by)."""
        try:
            raw = source.path.read_bytes()
        except OSError as error:
            raise DataError(f"cannot read the code set {source.path}: {error.strerror or error}") from None
        digest = hashlib.sha256(raw).hexdigest()
        cache = self._cache_path(source.path, digest)
        compiled = _read_cache(cache)
        if compiled is not None:
            return compiled, digest
        data = read_source_bytes(source.path)
        if source.sha256 and hashlib.sha256(data).hexdigest() != source.sha256:
            raise DataError(f"{source.path.name} does not match the hash recorded for it; "
                            "the file is damaged or was replaced")
        try:
            compiled = compile_tabular(data)
        except TabularError as error:
            raise DataError(f"{source.path.name}: {error}") from None
        _write_cache(cache, compiled)
        return compiled, digest

    # -- adding and removing --------------------------------------------------
    def add(self, path: Path, effective: date | None = None) -> Source:
        """Install a release as CMS publishes it (its zip) or a bare tabular XML, for this user."""
        try:
            files = read_release(path)
        except ReleaseError as error:
            raise DataError(str(error)) from None
        if files.tabular is None:
            raise DataError(f"{path.name}: no tabular XML in it (CMS's \"Code Tables, Tabular and Index\" "
                            "zip has one)")
        return self.install(files, effective, path.name)

    def install(self, files: ReleaseFiles, effective: date | None = None, label: str = "the release") -> Source:
        """Validate a release's files and install them together: all of them, or nothing."""
        data = files.tabular
        if data is None:
            raise DataError(f"{label}: no tabular XML")
        try:
            compiled = compile_tabular(data)
            for kind, content in files.extras.items():
                check_extra(kind, content)
        except (TabularError, ReleaseError) as error:
            raise DataError(f"{label}: {error}") from None
        fiscal_year = int(compiled.version)
        effective = effective or date(fiscal_year - 1, 10, 1)
        if fiscal_year_of(effective) != fiscal_year:
            raise DataError(f"{effective.isoformat()} is not in FY{fiscal_year}, the year the file declares")
        self._check_plausible(compiled, fiscal_year, Path(label))
        base = f"icd10cm-fy{fiscal_year}-{effective.isoformat()}"
        tabular_name = f"{base}-tabular.xml.xz"
        payloads = {tabular_name: data}
        extras: dict[str, str] = {}
        for kind, content in sorted(files.extras.items()):
            extras[kind] = f"{base}-{kind}.{_EXTENSIONS.get(kind, 'xml')}.xz"
            payloads[extras[kind]] = content
        # Read what is there before writing anything: an unreadable list stops the install untouched.
        previous = _read_manifest(self.user_dir, "user")
        replaced = [s for s in previous if (s.fiscal_year, s.effective) == (fiscal_year, effective)]
        release = f"FY{fiscal_year} release of {effective.isoformat()}"
        source = Source(self.user_dir / tabular_name, fiscal_year, effective, release,
                        hashlib.sha256(data).hexdigest(), "user",
                        tuple((kind, self.user_dir / name) for kind, name in extras.items()))
        kept = [s for s in previous if s not in replaced] + [source]
        self._commit({name: lzma.compress(content, preset=6) for name, content in payloads.items()},
                     kept, stale=[p for s in replaced for p in _files_of(s) if p.name not in payloads])
        return source

    def remove(self, target: str) -> list[Source]:
        """Remove the user's releases of a fiscal year (`2027`, `FY2027`) or the one with a file name."""
        sources = _read_manifest(self.user_dir, "user")
        year = re.fullmatch(r"(?:FY)?(\d{4})", target.strip(), re.IGNORECASE)
        if year:
            chosen = [s for s in sources if s.fiscal_year == int(year.group(1))]
        else:
            name = Path(target).name
            chosen = [s for s in sources if name in (s.path.name, *(p.name for _, p in s.extras))]
        if not chosen:
            bundled = [s for s in _read_manifest(self.bundled_dir, "bundled")
                       if (year and s.fiscal_year == int(year.group(1))) or s.path.name == Path(target).name]
            if bundled:
                raise DataError(f"{bundled[0].label} comes with icd10ls and cannot be removed; "
                                "a release you add for the same year replaces it")
            raise DataError(f"nothing installed matches {target[:60]!r}; `icd10ls data list` shows what is")
        self._commit({}, [s for s in sources if s not in chosen],
                     stale=[p for s in chosen for p in _files_of(s)])
        return chosen

    def _commit(self, payloads: dict[str, bytes], sources: list[Source], stale: list[Path]) -> None:
        """Write files, then the list that names them; put everything back if any write fails.

        Files no longer named are removed last, once the new list is in place: a failure
        at any step before leaves the data directory byte for byte as it was.
        """
        manifest = {"format": 1, "codesets": [
            {"file": s.path.name, "fiscal_year": s.fiscal_year, "effective": s.effective.isoformat(),
             "release": s.release, "sha256_uncompressed": s.sha256,
             **({"extras": {kind: path.name for kind, path in s.extras}} if s.extras else {})}
            for s in sources]}
        written: list[tuple[Path, bytes | None]] = []
        try:
            self.user_dir.mkdir(parents=True, exist_ok=True)
            for name, payload in payloads.items():
                target = self.user_dir / name
                before = target.read_bytes() if target.is_file() else None
                _atomic_write(target, payload)
                written.append((target, before))
            _atomic_write(self.user_dir / _MANIFEST, json.dumps(manifest, indent=2).encode())
        except OSError as error:
            for target, before in reversed(written):  # the list still describes the files as they were
                with contextlib.suppress(OSError):
                    if before is None:
                        target.unlink()
                    else:
                        _atomic_write(target, before)
            raise DataError(f"cannot install into {self.user_dir}: {error.strerror or error}") from None
        for path in stale:
            with contextlib.suppress(OSError):
                path.unlink()
        self._sources = None
        self._poa_exempt.clear()

    # -- kept release files ------------------------------------------------------
    def poa_exempt(self, fiscal_year: int) -> frozenset[str] | None:
        """The POA-exempt codes (dotted) of the newest installed release of a fiscal year that came
        with CMS's list; None when no release of that year has one."""
        if fiscal_year not in self._poa_exempt:
            found = None
            for source in reversed(self.sources()):
                path = source.extra("poa-exempt")
                if source.fiscal_year == fiscal_year and path is not None:
                    try:
                        found = parse_poa_exempt(read_source_bytes(path))
                    except DataError:
                        found = None
                    break
            self._poa_exempt[fiscal_year] = found
        return self._poa_exempt[fiscal_year]

    def availability(self) -> list[tuple[int, str, list[Source]]]:
        """Every fiscal year from the first CMS table to the newest year known, with what there is:
        "full" (a tabular file), "validity" (CMS's code tables only) or "none"."""
        sources = self.sources()
        coverage = self.tables.coverage
        years = {s.fiscal_year for s in sources}
        if coverage is not None:
            years |= set(range(fiscal_year_of(coverage.first), fiscal_year_of(coverage.last) + 1))
        rows = []
        for year in range(min(years), max(years) + 1):
            mine = [s for s in sources if s.fiscal_year == year]
            covered = coverage is not None and \
                fiscal_year_of(coverage.first) <= year <= fiscal_year_of(coverage.last)
            rows.append((year, "full" if mine else "validity" if covered else "none", mine))
        return rows

    def _check_plausible(self, compiled: CompiledTabular, fiscal_year: int, path: Path) -> None:
        count = len(compiled.billable_codes)
        # The bundled releases, even those a user's copy of the same release replaces in `sources()`.
        reference = _read_manifest(self.bundled_dir, "bundled")
        if not reference:
            return
        nearest = min(reference, key=lambda s: abs(s.fiscal_year - fiscal_year))
        expected = len(self.load(nearest).billable_codes())
        if not 0.85 * expected <= count <= 1.15 * expected:
            raise DataError(f"{path.name}: {count} billable codes, far from the {expected} of "
                            f"FY{nearest.fiscal_year}; this is not a complete ICD-10-CM tabular list")


def _files_of(source: Source) -> list[Path]:
    return [source.path, *(path for _, path in source.extras)]


def _atomic_write(target: Path, payload: bytes) -> None:
    """Write to a temporary file beside the target, then rename: never half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_blob(path: Path, magic: bytes) -> object | None:
    """What `write_blob` wrote, or None when the file is missing, damaged or of another kind."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    header = len(magic) + 32
    if len(blob) <= header or not blob.startswith(magic):
        return None
    payload = blob[header:]
    if hashlib.sha256(payload).digest() != blob[len(magic):header]:
        return None
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def write_blob(path: Path, magic: bytes, value: object) -> None:
    """A marshalled value behind a magic line and its hash; a directory that cannot be
    written costs only the time to make the value again next time."""
    payload = marshal.dumps(value)
    try:
        _atomic_write(path, magic + hashlib.sha256(payload).digest() + payload)
    except OSError:
        pass


_NAMES_MAGIC = b"ICD10LS-CODE-NAMES\n"


class CodeNames:
    """A code set's codes as one sorted string of fixed-width records: read back without
    making a hundred thousand strings, searched by halving."""

    def __init__(self, width: int, packed: str) -> None:
        if width <= 0 or len(packed) % width:
            raise ValueError("damaged list of codes")
        self.width, self.packed = width, packed
        self._count = len(packed) // width

    @classmethod
    def of(cls, codes: list[str]) -> CodeNames:
        width = max(map(len, codes), default=1)
        return cls(width, "".join(code.ljust(width) for code in sorted(set(codes))))

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str) or len(code) > self.width:
            return False
        key, width, packed = code.ljust(self.width), self.width, self.packed
        low, high = 0, self._count
        while low < high:
            middle = (low + high) // 2
            if packed[middle * width:(middle + 1) * width] < key:
                low = middle + 1
            else:
                high = middle
        return low < self._count and packed[low * width:(low + 1) * width] == key


def _read_cache(path: Path) -> CompiledTabular | None:
    plain = read_blob(path, _MAGIC)
    if not isinstance(plain, dict) or plain.get("format") != INDEX_FORMAT:
        return None  # missing, damaged, or made by another version of icd10ls
    try:
        return CompiledTabular.from_plain(plain)
    except Exception:  # noqa: BLE001 - whatever is wrong with a cache, it is rebuilt
        return None


def _write_cache(path: Path, compiled: CompiledTabular) -> None:
    write_blob(path, _MAGIC, {**compiled.to_plain(), "format": INDEX_FORMAT})


_default_store: DataStore | None = None


def default_store() -> DataStore:
    global _default_store
    if _default_store is None:
        _default_store = DataStore()
    return _default_store
