"""Per-code facts kept on disk give the same findings as facts worked out afresh."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from icd10ls.checker import check_text
from icd10ls.codeset.store import DataStore
from icd10ls.rules import factcache
from icd10ls.rules.engine import keep_facts, save_facts, state_for
from icd10ls.settings import Settings

# Valid, unspecified, header, missing 7th character, placeholder, unknown, another year's
# code, an Excludes1 pair, a code-first pair out of order and a use-additional reminder; on
# a date CMS's code table decides (before the April file) and on one the April file covers.
TEXT = """encounter A
date: 2026-03-14
N18.30
E11.22
G47.50
E11.2
S52.521
T07A
E1399
I10
S06.0X1A
encounter B
date: 2026-05-01
A15.4
A15.7
E11.65
N39.0
"""


def _findings(result) -> list[tuple]:
    return [(f.rule, f.severity, f.span, f.message, f.code, [(r.span, r.code) for r in f.related],
             [(x.title, x.safe, [(e.span, e.new_text) for e in x.edits]) for x in f.fixes])
            for f in result.findings]


@pytest.fixture
def cache(store, tmp_path):
    """A cache directory with the compiled code sets of the session's cache, but no facts."""
    target = tmp_path / "cache"
    shutil.copytree(store.cache_dir, target, ignore=shutil.ignore_patterns("facts-*"))
    return target


def _store(store, cache) -> DataStore:
    return DataStore(store.bundled_dir, store.user_dir, cache)


def test_facts_made_in_one_run_are_read_in_the_next(store, cache):
    expected = _findings(check_text(TEXT, Settings(), store))
    assert {"code-first", "excludes1", "use-additional-code", "placeholder", "unknown-code"} <= {f[0] for f in expected}

    first = _store(store, cache)
    keep_facts(first)
    assert _findings(check_text(TEXT, Settings(), first)) == expected
    save_facts(first)
    written = sorted(cache.glob("facts-FY2026-*.bin"))
    assert len(written) == 2  # one file for the code set, one as CMS's table of 2025-10-01 judges it

    second = _store(store, cache)
    keep_facts(second)
    assert _findings(check_text(TEXT, Settings(), second)) == expected
    state = state_for(second)
    dated, exact = (state.select(day, None) for day in (date(2026, 3, 14), date(2026, 5, 1)))
    assert dated.validity is not None and exact.validity is None
    kb = state.knowledge(dated.codeset, dated.validity)
    assert {"N18.30", "E11.2", "T07.A", "E13.99"} <= set(kb.stored)
    assert "A15.4" in state.knowledge(exact.codeset, exact.validity).stored
    assert all(not k.fresh for k in state._knowledge.values())  # nothing had to be worked out again
    save_facts(second)
    assert sorted(cache.glob("facts-FY2026-*.bin")) == written


def test_a_damaged_facts_file_is_ignored_and_rewritten(store, cache):
    first = _store(store, cache)
    keep_facts(first)
    expected = _findings(check_text(TEXT, Settings(), first))
    save_facts(first)
    (written,) = cache.glob("facts-FY2026-on*.bin")
    blob = bytearray(written.read_bytes())
    blob[-10] ^= 0xFF
    written.write_bytes(bytes(blob))

    second = _store(store, cache)
    keep_facts(second)
    assert _findings(check_text(TEXT, Settings(), second)) == expected
    selection = state_for(second).select(date(2026, 3, 14), None)
    kb = state_for(second).knowledge(selection.codeset, selection.validity)
    assert kb.stored == {} and "E11.22" in kb.fresh
    save_facts(second)
    assert factcache.read(written)  # rewritten whole


def test_the_file_is_keyed_by_the_code_set_and_the_sources(store, cache, monkeypatch):
    probe = _store(store, cache)
    kb = state_for(probe).knowledge(probe.latest())
    older = state_for(probe).knowledge(probe.for_year(2025))
    path = factcache.cache_path(kb)
    assert path is not None and path != factcache.cache_path(older)
    monkeypatch.setattr(factcache, "sources_digest", lambda: "other rules")
    assert factcache.cache_path(kb) != path


# Inpatient stays whose codes the code editor is asked about one by one: ages (newborn,
# maternity, pediatric codes on adults), the principal's acceptability, and quiet codes.
STAYS = """encounter S1
date: 2026-03-14
setting: inpatient
age: 70
sex: F
O80 poa=Y
I10 poa=Y
encounter S2
date: 2026-05-01
setting: inpatient
age: 40
sex: M
Z38.2 poa=Y
E11.9 poa=Y
encounter S3
date: 2026-05-01
setting: inpatient
age: 8
I10 poa=Y
J45.909 poa=Y
encounter S4
date: 2026-05-01
setting: outpatient
age: 30
Z51.11
P07.30
"""


def test_the_code_editors_answers_are_kept_for_the_next_run(store, cache, monkeypatch):
    from icd10ls.inpatient import edits

    expected = _findings(check_text(STAYS, Settings(), store))
    assert {"age-conflict", "questionable-admission"} <= {f[0] for f in expected}
    asked: list[dict] = []
    tables = edits.claim_editor().tables
    real = tables.edit
    monkeypatch.setattr(tables, "edit", lambda claim: asked.append(claim) or real(claim))

    def fresh_editor():
        """A new process's claim editor (the code editor's calls are counted in `asked`)."""
        edits.claim_editor.cache_clear()
        return edits.claim_editor()

    try:
        fresh_editor()
        first = _store(store, cache)
        keep_facts(first)
        assert _findings(check_text(STAYS, Settings(), first)) == expected
        save_facts(first)
        (kept,) = cache.glob("mce-answers-*.bin")
        cold = len(asked)
        assert cold > 10

        asked.clear()
        fresh_editor()
        second = _store(store, cache)
        keep_facts(second)
        assert _findings(check_text(STAYS, Settings(), second)) == expected
        assert len(asked) < cold / 2, (len(asked), cold)
        assert all(claim["pdx"]["code"] != "O80" or claim["sdx"] for claim in asked), \
            "O80's ages were asked again"
        save_facts(second)
        assert list(cache.glob("mce-answers-*.bin")) == [kept]

        kept.write_bytes(kept.read_bytes()[:-20])  # damaged: ignored, asked again, rewritten
        asked.clear()
        fresh_editor()
        third = _store(store, cache)
        keep_facts(third)
        assert _findings(check_text(STAYS, Settings(), third)) == expected
        assert len(asked) == cold
        save_facts(third)
        assert factcache.read_blob(kept, factcache._EDITOR_MAGIC)
    finally:
        edits.claim_editor.cache_clear()
