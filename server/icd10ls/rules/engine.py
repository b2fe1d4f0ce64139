"""Running the rules over a parsed file.

The engine picks each encounter's code set, fetches the cached facts of its
codes, turns the codes' cached problems into findings, and calls an encounter
rule only when some code of the encounter carries one of the flags the rule
is triggered by.  An encounter whose codes are all valid and unrelated costs a
handful of dictionary look-ups; that is what keeps a large file fast.
"""

from __future__ import annotations

import threading
import weakref
from datetime import date
from typing import TYPE_CHECKING, Callable, Sequence

from ..encounter import Diagnosis, Encounter, EncounterFile, Span
from ..findings import Finding, Fix, Related, Severity, TextEdit
from ..codeset.cms import fiscal_year_of
from ..codeset.dated import DateValidity
from ..codeset.store import DataStore, Selection
from . import factcache
from .facts import WRITTEN, CodeFacts, Knowledge
from .registry import CODE, ENCOUNTER, FILE, RULES, Rule

if TYPE_CHECKING:
    from ..settings import Settings

# Flags the engine sets itself, beside the code flags of `facts`.
DUPLICATE = 1 << 20  # the same code twice in the encounter
NON_CANONICAL = 1 << 21  # a code not written in its canonical form
SELECTION_NOTE = 1 << 22  # the encounter's date is outside the installed years

Report = Callable[..., None]


def _rules(scope: str) -> list[Rule]:
    return [r for r in RULES.values() if r.scope == scope]


class EncounterContext:
    """One encounter as the encounter rules see it."""

    __slots__ = ("file", "encounter", "items", "kb", "selection", "report", "default_setting", "_categories")

    def __init__(self, file: EncounterFile, encounter: Encounter, items: list[tuple[Diagnosis, CodeFacts]],
                 kb: Knowledge, selection: Selection, report: Report, default_setting: str) -> None:
        self.file = file
        self.encounter = encounter
        self.items = items  # (diagnosis, facts) in the order written, for codes of the code set
        self.kb = kb
        self.selection = selection
        self.report = report
        self.default_setting = default_setting  # for encounters without a 'setting:' header
        self._categories: set[str] | None = None

    @property
    def categories(self) -> set[str]:
        """The categories of the encounter's codes: the cheap first test of the pair rules."""
        if self._categories is None:
            self._categories = {facts.code[:3] for _, facts in self.items}
        return self._categories

    @property
    def inpatient(self) -> bool:
        return (self.encounter.setting or self.default_setting) == "inpatient"

    @property
    def first_name(self) -> str:
        """What the first code is called in this setting (Official Guidelines, sections II and IV)."""
        return "principal diagnosis" if self.inpatient else "first-listed diagnosis"


class FileContext:
    __slots__ = ("file", "selections", "state", "report", "settings")

    def __init__(self, file: EncounterFile, selections: list[Selection], state: "StoreState",
                 report: Report, settings: "Settings") -> None:
        self.file = file
        self.selections = selections
        self.state = state
        self.report = report
        self.settings = settings

    def knowledge_at(self, line: int) -> Knowledge:
        """The knowledge of the code set that applies on a line (the latest outside encounters)."""
        encounter = self.file.encounter_at(line)
        if encounter is not None:
            for candidate, selection in zip(self.file.encounters, self.selections):
                if candidate is encounter:
                    return self.state.knowledge(selection.codeset, selection.validity)
        return self.state.knowledge(self.state.store.latest())


class StoreState:
    """Per data store: the knowledge of each code set, and the code set of each date."""

    def __init__(self, store: DataStore) -> None:
        self.store = store
        self._knowledge: dict[tuple[int, date | None], Knowledge] = {}
        self._by_date: dict[tuple[date | None, int | None], Selection] = {}
        self._sources: object = None
        self._lock = threading.Lock()
        self.code_rules = _rules(CODE)
        self.on_disk = False  # read and keep per-code facts in the cache directory (`keep_facts`)

    def knowledge(self, codeset, validity: DateValidity | None = None) -> Knowledge:
        """The facts of one code set, on its own or as CMS's table of one date judges its codes."""
        key = (id(codeset), validity.day if validity is not None else None)
        kb = self._knowledge.get(key)
        if kb is None or kb.codeset is not codeset:
            with self._lock:
                kb = self._knowledge.get(key)
                if kb is None or kb.codeset is not codeset:
                    kb = Knowledge(codeset, self.store, self.code_rules, validity)
                    if self.on_disk:
                        factcache.attach(kb)
                    self._knowledge[key] = kb
        return kb

    def take_fresh(self) -> dict[str, dict[str, tuple]]:
        """The facts made since the last call, by code set hash (a worker sends them back)."""
        out: dict[str, dict[str, tuple]] = {}
        with self._lock:
            knowledge = list(self._knowledge.values())
        for kb in knowledge:
            if kb.fresh and kb.codeset.digest:
                out.setdefault(kb.codeset.digest, {}).update(kb.fresh)
                kb.fresh = {}
        return out

    def add_fresh(self, fresh: dict[str, dict[str, tuple]]) -> None:
        for codeset in self.store.loaded():
            records = fresh.get(codeset.digest)
            if records:
                self.knowledge(codeset).fresh.update(records)

    def save_facts(self) -> None:
        with self._lock:
            knowledge = list(self._knowledge.values())
        for kb in knowledge:
            factcache.save(kb)

    def select(self, day: date | None, year: int | None) -> Selection:
        sources = self.store.sources()
        if sources is not self._sources:  # a code set was added: forget the old choices
            self._by_date = {}
            self._sources = sources
        key = (day, year)
        selection = self._by_date.get(key)
        if selection is None:
            selection = self._select(day, year)
            self._by_date[key] = selection
        return selection

    def _select(self, day: date | None, year: int | None) -> Selection:
        if year is not None:
            codeset = self.store.for_year(year)
            note = None
            if day is not None and fiscal_year_of(day) != year:
                note = (f"{day.isoformat()} falls in FY{fiscal_year_of(day)}, but the settings force "
                        f"FY{year}; checking against FY{year}")
            return Selection(codeset, note)
        if day is None:
            return Selection(self.store.latest(), None)
        return self.store.for_date(day)


_states: "weakref.WeakKeyDictionary[DataStore, StoreState]" = weakref.WeakKeyDictionary()
_states_lock = threading.Lock()


def state_for(store: DataStore) -> StoreState:
    state = _states.get(store)
    if state is None:
        with _states_lock:
            state = _states.get(store)
            if state is None:
                state = StoreState(store)
                _states[store] = state
    return state


def keep_facts(store: DataStore) -> None:
    """Read per-code facts from the cache directory, and keep new ones for `save_facts`:
    for runs that end (the CLI); a language server works out the few codes it sees."""
    state_for(store).on_disk = True
    factcache.attach_editor(store)


def save_facts(store: DataStore) -> None:
    """Write the per-code facts made since `keep_facts` to the cache directory."""
    state_for(store).save_facts()
    factcache.save_editor(store)


def take_fresh_facts(store: DataStore) -> dict[str, dict[str, tuple]]:
    """The per-code facts made since the last call (in a worker process), for `add_fresh_facts`."""
    return state_for(store).take_fresh()


def add_fresh_facts(store: DataStore, fresh: dict[str, dict[str, tuple]]) -> None:
    """Facts a worker made, to be saved with this process's (`save_facts`)."""
    state_for(store).add_fresh(fresh)


def _severities(settings: "Settings") -> dict[str, tuple[Severity, bool]]:
    """Enabled rules: (severity, whether the settings chose it)."""
    out = {}
    for rule_id, r in RULES.items():
        setting = settings.rules.get(rule_id)
        if setting is None:
            out[rule_id] = (r.severity, False)
        elif setting.enabled:
            out[rule_id] = (setting.severity or r.severity, setting.severity is not None)
    return out


_new = object.__new__


def _text_edit(span: Span, new_text: str) -> TextEdit:
    """TextEdit(span, new_text) without a frozen dataclass's slow __init__ (one per fix)."""
    edit = _new(TextEdit)
    _set_span(edit, span)
    _set_text(edit, new_text)
    _set_whole(edit, False)
    return edit


_set_span = TextEdit.span.__set__  # type: ignore[attr-defined]
_set_text = TextEdit.new_text.__set__  # type: ignore[attr-defined]
_set_whole = TextEdit.whole_line.__set__  # type: ignore[attr-defined]


def code_fixes(span: Span, specs) -> list[Fix]:
    return [Fix(s.title, (_text_edit(span, s.new_code),), s.safe, s.preferred) for s in specs]


def _ask_cms_at_once(file: EncounterFile, selections: list[Selection], state: StoreState) -> None:
    """Where CMS's table of a date decides validity, ask it about all new codes of the file in a
    few batched calls, instead of one call per code when each code's facts are made."""
    wanted: dict[int, tuple[DateValidity, Knowledge, set[str]]] = {}
    for encounter, selection in zip(file.encounters, selections):
        validity = selection.validity
        if validity is None:
            continue
        entry = wanted.get(id(validity))
        if entry is None:
            entry = wanted[id(validity)] = (validity, state.knowledge(selection.codeset, validity), set())
        known = entry[1].known
        entry[2].update(dx.code for dx in encounter.diagnoses if dx.code is not None and dx.code not in known)
    for validity, _kb, codes in wanted.values():
        if codes:
            validity.valid_codes(sorted(codes))


def run_rules(file: EncounterFile, settings: "Settings", store: DataStore) -> tuple[list[Finding], list[Selection]]:
    """Every enabled rule's findings for a parsed file (unsorted, `# allow:` not applied)."""
    state = state_for(store)
    severities = _severities(settings)
    findings: list[Finding] = []
    append = findings.append

    def report(rule_id: str, span: Span, message: str, code: str | None = None,
               related: Sequence[Related] = (), fixes: Sequence[Fix] = (), severity: Severity | None = None) -> None:
        chosen = severities.get(rule_id)
        if chosen is None:
            return
        default, forced = chosen
        append(Finding(rule_id, default if forced or severity is None else severity, span, message, code,
                       related if type(related) is list else list(related),
                       fixes if type(fixes) is list else list(fixes)))

    encounter_rules = [r for r in _rules(ENCOUNTER) if r.id in severities]
    default_setting = settings.default_setting
    selections: list[Selection] = []
    year = settings.year
    select = state.select
    last_key: tuple | None = None
    kb = facts_of = known = None
    for encounter in file.encounters:
        header = encounter.headers.get("date")
        selections.append(select(header.value if header is not None else None, year))
    _ask_cms_at_once(file, selections, state)
    for encounter, selection in zip(file.encounters, selections):
        key = (selection.codeset, selection.validity.day if selection.validity else None)
        if key != last_key:
            last_key = key
            kb = state.knowledge(selection.codeset, selection.validity)
            facts_of = kb.facts
            known = kb.known
        items = []
        mask = SELECTION_NOTE if selection.note is not None else 0
        for dx in encounter.diagnoses:
            code = dx.code
            if code is None:
                continue
            facts = known.get(code) or facts_of(code)
            if facts.in_set:
                items.append((dx, facts))
                mask |= facts.flags
            if dx.raw_code != code:
                mask |= NON_CANONICAL
            if facts.problems:
                for problem in facts.problems:
                    if problem.rule not in severities:
                        continue
                    message = problem.message
                    if WRITTEN in message:
                        message = message.replace(WRITTEN, dx.raw_code)
                    report(problem.rule, dx.code_span, message, code, [],
                           code_fixes(dx.code_span, problem.fixes), problem.severity)
        if len(items) > 1 and len({f.code for _, f in items}) < len(items):
            mask |= DUPLICATE
        if mask:
            context = EncounterContext(file, encounter, items, kb, selection, report, default_setting)
            for r in encounter_rules:
                if r.trigger & mask:
                    r.run(context)
    file_context = FileContext(file, selections, state, report, settings)
    for r in _rules(FILE):
        if r.id in severities:
            r.run(file_context)
    return findings, selections
