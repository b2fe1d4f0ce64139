"""Bundled data and its provenance, choosing a code set by date, and the compiled-index cache."""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import marshal
import shutil
from datetime import date
from pathlib import Path

import pytest

import icd10ls.codeset.store as store_module
from icd10ls.codeset.store import DataError, DataStore, fiscal_year_of, read_source_bytes
from icd10ls.codeset.tabular import INDEX_FORMAT

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


# -- bundled data and provenance ------------------------------------------------------


def manifest() -> list[dict]:
    return json.loads((DATA / "codesets.json").read_text())["codesets"]


def test_two_april_updates_are_bundled():
    entries = manifest()
    assert [(e["fiscal_year"], e["effective"]) for e in entries] == [(2025, "2025-04-01"), (2026, "2026-04-01")]
    assert all(e["file"].endswith(".xml.xz") and (DATA / e["file"]).is_file() for e in entries)


@pytest.mark.parametrize("entry", manifest(), ids=lambda e: f"FY{e['fiscal_year']}")
def test_bundled_files_match_the_recorded_hash(entry):
    data = lzma.decompress((DATA / entry["file"]).read_bytes())
    assert hashlib.sha256(data).hexdigest() == entry["sha256_uncompressed"]
    assert f"<version>{entry['fiscal_year']}</version>" in data[:1000].decode()
    provenance = (DATA / "PROVENANCE.md").read_text()
    assert entry["sha256_uncompressed"] in provenance and entry["file"] in provenance
    assert entry["cms_file"] in provenance


def test_store_lists_the_bundled_sources(store):
    assert store.fiscal_years() == [2025, 2026]
    assert [(s.fiscal_year, s.effective, s.origin) for s in store.sources()] == [
        (2025, date(2025, 4, 1), "bundled"), (2026, date(2026, 4, 1), "bundled")]
    assert store.latest().fiscal_year == 2026


# -- fiscal years --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2025, 9, 30), 2025), (date(2025, 10, 1), 2026), (date(2024, 10, 1), 2025),
     (date(2026, 1, 1), 2026), (date(2026, 9, 30), 2026), (date(2026, 10, 1), 2027)],
)
def test_october_first_starts_a_fiscal_year(day, year):
    assert fiscal_year_of(day) == year


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2025, 9, 30), 2025), (date(2025, 10, 1), 2026), (date(2024, 10, 1), 2025),
     (date(2025, 3, 31), 2025), (date(2026, 4, 1), 2026), (date(2026, 9, 30), 2026)],
)
def test_a_date_in_an_installed_year_picks_it_without_a_note(store, day, year):
    selection = store.for_date(day)
    assert selection.codeset.fiscal_year == year and selection.note is None


@pytest.mark.parametrize(
    ("day", "year", "note"),
    [
        (date(2024, 9, 30), 2025, "2024-09-30 falls in FY2024: codes are checked for validity against "
                                  "CMS's FY2024 code tables; titles and notes come from FY2025"),
        (date(1999, 1, 1), 2025, "FY1999, which is not installed; using the nearest code set, FY2025 "
                                 "(CMS's code tables do not reach this date)"),
        (date(2026, 10, 1), 2026, "2026-10-01 falls in FY2027: codes are checked for validity against "
                                  "CMS's FY2027 code tables; titles and notes come from FY2026"),
        (date(2100, 1, 1), 2026, "FY2100, which is not installed"),
    ],
)
def test_a_date_outside_the_bundled_years_uses_the_nearest_and_says_so(store, day, year, note):
    selection = store.for_date(day)
    assert selection.codeset.fiscal_year == year
    assert note in selection.note


def test_an_unknown_year_is_a_one_line_error(store):
    with pytest.raises(DataError) as raised:
        store.for_year(2019)
    message = str(raised.value)
    assert "FY2019" in message and "FY2025, FY2026" in message and "\n" not in message


# -- where things live -------------------------------------------------------------


def test_directories_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ICD10LS_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("ICD10LS_DATA_DIR", str(tmp_path / "d"))
    chosen = DataStore()
    assert (chosen.cache_dir, chosen.user_dir) == (tmp_path / "c", tmp_path / "d")
    monkeypatch.delenv("ICD10LS_CACHE_DIR")
    monkeypatch.delenv("ICD10LS_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xc"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xd"))
    chosen = DataStore()
    assert (chosen.cache_dir, chosen.user_dir) == (tmp_path / "xc" / "icd10ls", tmp_path / "xd" / "icd10ls")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    chosen = DataStore()
    assert chosen.cache_dir == tmp_path / "home" / ".cache" / "icd10ls"
    assert chosen.user_dir == tmp_path / "home" / ".local" / "share" / "icd10ls"


def test_the_suite_never_uses_the_home_cache(store):
    assert store.cache_dir != Path.home() / ".cache" / "icd10ls"
    assert store.user_dir != Path.home() / ".local" / "share" / "icd10ls"


# -- reading sources -----------------------------------------------------------------


def test_compressed_sources_are_read_and_capped(tmp_path, monkeypatch):
    payload = b"<ICD10CM.tabular/>" + b" " * 5000
    (tmp_path / "a.xz").write_bytes(lzma.compress(payload))
    (tmp_path / "a.gz").write_bytes(gzip.compress(payload))
    (tmp_path / "a.xml").write_bytes(payload)
    for name in ("a.xz", "a.gz", "a.xml"):
        assert read_source_bytes(tmp_path / name) == payload
    monkeypatch.setattr(store_module, "MAX_SOURCE_BYTES", 1000)
    for name, reason in (("a.xz", "larger than 200 MB"), ("a.gz", "larger than 200 MB"),
                         ("a.xml", "larger than 200 MB")):
        with pytest.raises(DataError, match=reason):
            read_source_bytes(tmp_path / name)
    with pytest.raises(DataError, match="cannot read"):
        read_source_bytes(tmp_path / "missing.xml")


def test_a_damaged_bundled_file_is_refused(tmp_path):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    entry = dict(manifest()[0])
    (bundled / "codesets.json").write_text(json.dumps({"format": 1, "codesets": [entry]}))
    (bundled / entry["file"]).write_bytes(lzma.compress(b"<ICD10CM.tabular><version>2025</version>"))
    damaged = DataStore(bundled_dir=bundled, user_dir=tmp_path / "user", cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match="does not match the hash recorded for it"):
        damaged.for_year(2025)


def test_an_unreadable_manifest_is_a_one_line_error(tmp_path):
    (tmp_path / "codesets.json").write_text("{not json")
    broken = DataStore(bundled_dir=tmp_path, user_dir=tmp_path / "user", cache_dir=tmp_path / "cache")
    with pytest.raises(DataError, match="unreadable code-set list"):
        broken.sources()


# -- the compiled-index cache ----------------------------------------------------------

SMALL = b"""<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular><version>2026</version>
  <chapter><name>1</name><desc>Certain infectious and parasitic diseases (A00-B99)</desc>
    <section id="A00-A09"><desc>Intestinal infectious diseases (A00-A09)</desc>
      <diag><name>A00</name><desc>Cholera</desc>
        <diag><name>A00.0</name><desc>Cholera due to Vibrio cholerae 01, biovar cholerae</desc></diag>
        <diag><name>A00.9</name><desc>Cholera, unspecified</desc></diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


def small_bundled(directory: Path, xml: bytes = SMALL) -> Path:
    """`directory` made a bundled data directory holding one FY2026 code set (SMALL by default)."""
    directory.mkdir(exist_ok=True)
    (directory / "small.xml.xz").write_bytes(lzma.compress(xml))
    (directory / "codesets.json").write_text(json.dumps({"format": 1, "codesets": [{
        "file": "small.xml.xz", "fiscal_year": 2026, "effective": "2025-10-01",
        "sha256_uncompressed": hashlib.sha256(xml).hexdigest()}]}))
    return directory


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A one-category code set in its own bundled directory, and a count of its compiles."""
    bundled = small_bundled(tmp_path / "bundled")
    compiles = []
    real_compile = store_module.compile_tabular
    monkeypatch.setattr(store_module, "compile_tabular", lambda data: compiles.append(1) or real_compile(data))

    def load(cache: Path | None = None):
        fresh = DataStore(bundled_dir=bundled, user_dir=tmp_path / "user", cache_dir=cache or tmp_path / "cache")
        return fresh.for_year(2026)

    return load, compiles, tmp_path / "cache"


def only_index(directory: Path) -> Path:
    (found,) = directory.glob("*.idx")
    return found


def truncate(blob: bytes) -> bytes:
    return blob[: len(blob) // 2]


def flip_a_bit(blob: bytes) -> bytes:
    middle = len(blob) // 2
    return blob[:middle] + bytes([blob[middle] ^ 0x10]) + blob[middle + 1:]


def other_format(blob: bytes) -> bytes:
    """A cache another version of icd10ls wrote under the same name, with a valid checksum."""
    header = len(b"ICD10LS-INDEX\n") + 32
    plain = marshal.loads(blob[header:])
    assert plain["format"] == INDEX_FORMAT
    plain["format"] = INDEX_FORMAT - 1
    payload = marshal.dumps(plain)
    return blob[: header - 32] + hashlib.sha256(payload).digest() + payload


def other_layout(blob: bytes) -> bytes:
    """A cache with a valid checksum whose content is not an index at all."""
    payload = marshal.dumps({"format": INDEX_FORMAT, "names": ["A00"]})
    return blob[: len(b"ICD10LS-INDEX\n")] + hashlib.sha256(payload).digest() + payload


def garbage(blob: bytes) -> bytes:
    return b"\x00" * 100


def test_the_first_load_compiles_and_the_next_uses_the_cache(small):
    load, compiles, cache = small
    assert load().billable_codes() == ["A00.0", "A00.9"]
    assert len(compiles) == 1
    source_hash = hashlib.sha256((cache.parent / "bundled" / "small.xml.xz").read_bytes()).hexdigest()
    assert only_index(cache).name == f"small.xml.xz.{source_hash[:20]}.v{INDEX_FORMAT}.idx"
    assert load().billable_codes() == ["A00.0", "A00.9"]
    assert len(compiles) == 1


@pytest.mark.parametrize("damage", [truncate, flip_a_bit, other_format, other_layout, garbage])
def test_a_damaged_or_stale_cache_is_detected_and_rebuilt(damage, small):
    load, compiles, cache = small
    load()
    index = only_index(cache)
    good = index.read_bytes()
    index.write_bytes(damage(good))
    assert store_module._read_cache(index) is None
    codeset = load()
    assert codeset.billable_codes() == ["A00.0", "A00.9"] and codeset.get("A00.9").title == "Cholera, unspecified"
    assert len(compiles) == 2, "the damaged cache was used"
    assert index.read_bytes() == good
    load()
    assert len(compiles) == 2


def test_a_cache_that_cannot_be_written_only_costs_a_recompile(small, tmp_path):
    load, compiles, _cache = small
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")
    assert load(blocked).billable_codes() == ["A00.0", "A00.9"]
    assert load(blocked).billable_codes() == ["A00.0", "A00.9"]
    assert len(compiles) == 2


def test_a_real_year_from_a_corrupt_cache(store, cs2025, tmp_path, monkeypatch):
    """FY2025 end to end: a good cache loads without compiling; a corrupt one is rebuilt."""
    source = next(s for s in store.sources() if s.fiscal_year == 2025)
    (good,) = store.cache_dir.glob(f"{source.path.name}.*.idx")
    cache = tmp_path / "cache"
    cache.mkdir()
    index = cache / good.name
    shutil.copy2(good, index)
    fresh = DataStore(user_dir=tmp_path / "user", cache_dir=cache)
    with monkeypatch.context() as patched:
        patched.setattr(store_module, "compile_tabular", lambda data: pytest.fail("compiled despite a good cache"))
        assert len(fresh.for_year(2025).billable_codes()) == 74_260
    index.write_bytes(flip_a_bit(good.read_bytes()))
    rebuilt = DataStore(user_dir=tmp_path / "user", cache_dir=cache).for_year(2025)
    assert len(rebuilt.billable_codes()) == 74_260
    assert rebuilt.billable_codes() == cs2025.billable_codes()
    assert rebuilt.get("G35").billable and rebuilt.get("S06.0X1A").title == cs2025.get("S06.0X1A").title
    assert index.read_bytes() == good.read_bytes()


# -- another year's codes without loading it ---------------------------------------------


def test_another_years_codes_are_answered_from_the_cache_without_loading_it(store, cs2025, cs2026, tmp_path):
    """A typo's 'is it another year's code?' reads a small list, not the whole code set."""
    store.codesets()  # writes each year's list of codes beside its index
    fresh = DataStore(user_dir=tmp_path / "user", cache_dir=store.cache_dir)
    written = [*cs2025.all_codes(), *cs2025.billable_codes()]
    assert all(fresh.has_code(2025, code) for code in written)
    for code in [*cs2026.all_codes(), *cs2026.billable_codes(), "E11.99", "A0", "", "Z", "S52.521AX", "e11.9",
                 "A00-A09", "1"]:
        assert fresh.has_code(2025, code) == (code in cs2025), code
    assert fresh.has_code(2025, "J45.909") and not fresh.has_code(2025, "E11.99")
    assert fresh.loaded() == [], "the FY2025 code set was loaded to answer"
    assert not fresh.has_code(2019, "A00.0")


def test_a_damaged_list_of_codes_falls_back_to_loading_the_year(store, tmp_path):
    store.codesets()
    cache = tmp_path / "cache"
    shutil.copytree(store.cache_dir, cache)
    for names in cache.glob("*.names"):
        names.write_bytes(flip_a_bit(names.read_bytes()))
    fresh = DataStore(user_dir=tmp_path / "user", cache_dir=cache)
    assert fresh.has_code(2025, "E11.9") and not fresh.has_code(2025, "E11.99")
    assert [cs.fiscal_year for cs in fresh.loaded()] == [2025]


def test_an_unknown_code_is_checked_without_loading_the_other_years(store, tmp_path):
    from icd10ls.checker import check_text

    store.codesets()
    fresh = DataStore(user_dir=tmp_path / "user", cache_dir=store.cache_dir)
    result = check_text("encounter\ndate: 2026-05-14\nE11.99\n", store=fresh)
    assert [f.message for f in result.findings if f.rule == "unknown-code"] == [
        "E11.99 is not an ICD-10-CM code (not in any installed code set: FY2025, FY2026); "
        "did you mean E11.9 or E11.29 or E11.39?"]
    assert [cs.fiscal_year for cs in fresh.loaded()] == [2026]
    retired = check_text("encounter\ndate: 2026-05-14\nS30.1XXA\n", store=fresh)
    assert [f.message for f in retired.findings] == [
        "S30.1XXA is not in the FY2026 code set that applies to this encounter: it was valid in FY2025 and "
        "deleted after FY2025; in FY2026 use S30.11XA"]
