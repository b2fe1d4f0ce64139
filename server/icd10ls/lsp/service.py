"""The language-service facade: engine results in, LSP types out.

Handlers in `server.py` hold no logic; they call this facade with a cached
`DocumentState` and a position.  Everything here is translation: which code
set an encounter uses, spans to UTF-16 ranges, findings to diagnostics, fixes
to workspace edits, candidates to completion items.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types

from .. import checker, fixes as fix_engine
from ..codeset.model import CodeSet
from ..completion import Candidate, complete
from ..codeset.describe import describe, to_markdown
from ..encounter import EncounterFile, Span, parse
from ..findings import Finding, Fix, Severity, TextEdit
from ..hover import code_in_prose, describe_code, hover
from ..rules.engine import state_for
from ..inpatient.view import candidate_severities, drg_markdown, encounter_views, lens_title, severity_of
from ..settings import Settings, find_config, load_toml, merge
from ..codeset.store import DataStore, Selection
from . import DRG_COMMAND, FIX_ALL_KIND
from .convert import position_to_engine, span_to_range

SOURCE = "icd10ls"
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def _rules_doc() -> str | None:
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "docs" / "rules.md", here.parent.parent / "docs" / "rules.md"):
        if candidate.is_file():
            return candidate.as_uri()
    return None


RULES_DOC = _rules_doc()


def path_of(uri: str) -> str | None:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else None


@dataclass
class DocumentState:
    """One open document, parsed and checked once per version."""

    uri: str
    version: int | None
    text: str
    file: EncounterFile
    result: checker.CheckResult
    settings: Settings  # the client's, with the document's icd10ls.toml over them
    diagnostics: list[types.Diagnostic] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.file.lines


class LanguageService:
    def __init__(self, store: DataStore, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self._configs: dict[Path, tuple[int, Settings, list[str]]] = {}
        self.config_problems: list[str] = []  # from icd10ls.toml files, for the server to show once

    # -- analysis ------------------------------------------------------------
    def analyze(self, uri: str, text: str, version: int | None) -> DocumentState:
        settings = self.settings_for(uri)
        file = parse(text)
        result = checker.check_parsed(file, settings, self.store)
        state = DocumentState(uri, version, text, file, result, settings)
        state.diagnostics = [self._diagnostic(uri, file.lines, f) for f in result.findings]
        return state

    def settings_for(self, uri: str) -> Settings:
        """The client's settings, overridden by the workspace's `icd10ls.toml` as on the command line."""
        path = path_of(uri)
        config = find_config(path) if path else None
        if config is None:
            return self.settings
        try:
            stamp = config.stat().st_mtime_ns
        except OSError:
            return self.settings
        cached = self._configs.get(config)
        if cached is None or cached[0] != stamp:
            project, problems = load_toml(config)
            project, year_problem = self.without_missing_year(project, str(config))
            problems += year_problem
            cached = self._configs[config] = (stamp, project, problems)
            self.config_problems.extend(problems)
        return merge(self.settings, cached[1])

    def without_missing_year(self, settings: Settings, where: str) -> tuple[Settings, list[str]]:
        """Drop a forced fiscal year that is not installed, with a message: every encounter
        would otherwise fail to check."""
        if settings.year is None or settings.year in self.store.fiscal_years():
            return settings, []
        installed = ", ".join(f"FY{y}" for y in self.store.fiscal_years())
        return (replace(settings, year=None),
                [f"{where}: code set year {settings.year} is not installed (installed: {installed}); "
                 "each encounter's date chooses the code set instead"])

    def codeset_for_line(self, state: DocumentState, line: int):
        """The code set the rules use for the encounter on `line` (the latest outside encounters),
        its note, and CMS's validity for the date where the installed file does not cover it."""
        encounter = state.file.encounter_at(line)
        selection = state_for(self.store).select(encounter.date if encounter else None, state.settings.year)
        return selection.codeset, selection.note, selection.validity

    @staticmethod
    def codeset_info(selection: Selection) -> dict:
        """What the status bar shows: the code set, and whether only validity is known for the year."""
        validity = selection.validity
        if selection.validity_only and validity is not None:
            return {"label": f"ICD-10-CM FY{validity.fiscal_year} · validity only",
                    "fiscalYear": validity.fiscal_year, "validityOnly": True,
                    "titlesFrom": selection.codeset.label}
        return {"label": selection.codeset.label, "fiscalYear": selection.codeset.fiscal_year,
                "validityOnly": False}

    def others(self) -> list[CodeSet]:
        return self.store.codesets()

    # -- diagnostics -----------------------------------------------------------
    def _diagnostic(self, uri: str, lines: list[str], finding: Finding) -> types.Diagnostic:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=span_to_range(lines, r.span)), message=r.message)
            for r in finding.related
        ]
        return types.Diagnostic(
            range=span_to_range(lines, finding.span),
            severity=_SEVERITY[finding.severity],
            code=finding.rule,
            code_description=types.CodeDescription(href=f"{RULES_DOC}#{finding.rule}") if RULES_DOC else None,
            source=SOURCE,
            message=finding.message,
            related_information=related or None,
            data=fix_data(finding.fixes) if finding.fixes else None,
        )

    # -- hover -------------------------------------------------------------------
    def hover(self, state: DocumentState, position: types.Position) -> types.Hover | None:
        line, character = position_to_engine(state.lines, position)
        found = hover(state.file, line, character, lambda ln: self.codeset_for_line(state, ln), self.others(),
                      _suggest)
        markdown = found.markdown if found is not None else None
        view = self._view_at(state, line)
        if view is not None and view.inpatient:
            if line == view.encounter.start_line:
                drg = drg_markdown(view)
                if drg is not None:
                    markdown = drg if markdown is None else f"{drg}\n\n---\n\n{markdown}"
            dx = state.file.diagnosis_at(line, character)
            severity = severity_of(view, dx) if dx is not None and found is not None else None
            if severity is not None and markdown is not None:
                markdown += f"\n\n**{severity[0] or 'No CC/MCC'}** in this stay: {severity[1]}"
        if markdown is None:
            return None
        span = found.span if found is not None else Span(line, 0, len(state.lines[line]))
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
            range=span_to_range(state.lines, span),
        )

    def _views(self, state: DocumentState):
        return encounter_views(state.file, state.settings.default_setting)

    def _view_at(self, state: DocumentState, line: int):
        encounter = state.file.encounter_at(line)
        if encounter is None:
            return None
        return next((v for v in self._views(state) if v.encounter is encounter), None)

    # -- code lenses: the MS-DRG above each inpatient encounter ---------------------------
    def code_lenses(self, state: DocumentState) -> list[types.CodeLens]:
        lenses = []
        for view in self._views(state):
            title = lens_title(view)
            if title is None:
                continue
            line = view.encounter.start_line
            lenses.append(types.CodeLens(
                range=self._lines_range(state, line, line),
                command=types.Command(title=title, command=DRG_COMMAND, arguments=[state.uri, line])))
        return lenses

    def drg_details(self, state: DocumentState, line: int) -> dict:
        view = self._view_at(state, line)
        markdown = drg_markdown(view) if view is not None else None
        return {"found": markdown is not None, "markdown": markdown or "No inpatient encounter here."}

    def lookup_hover(self, lines: list[str], position: types.Position) -> types.Hover | None:
        """Hover in a file that is not an encounter file (notes, queries): codes written as codes only,
        described against the newest code set, and only when some installed year has them."""
        if not lines:
            return None
        line, character = position_to_engine(lines, position)
        codesets = self.others()
        found = code_in_prose(lines[line], character, codesets)
        if found is None:
            return None
        code, start, end = found
        markdown = describe_code(code, self.store.latest(), codesets)
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
                           range=span_to_range(lines, Span(line, start, end)))

    # -- completion ----------------------------------------------------------------
    def completion(self, state: DocumentState, position: types.Position) -> types.CompletionList:
        line, character = position_to_engine(state.lines, position)
        text = state.lines[line] if state.lines else ""
        codeset, _note, validity = self.codeset_for_line(state, line)
        limit = state.settings.completion_limit
        from ..codeset.search import index_for

        search = (lambda q, n: index_for(codeset).search(q, n)) if codeset is not None else None
        candidates = complete(text, character, codeset, limit=limit, search=search, validity=validity)
        candidates = self._with_severity(state, line, candidates)
        year = codeset.fiscal_year if codeset is not None else None
        items = [self._item(state.lines, line, c, year) for c in candidates]
        return types.CompletionList(is_incomplete=True, items=items)

    def _with_severity(self, state: DocumentState, line: int, candidates: list[Candidate]) -> list[Candidate]:
        """On a secondary diagnosis line of an inpatient encounter: each code's CC/MCC in the detail."""
        codes = [c.code for c in candidates if c.code and c.kind in ("code", "seventh", "search")]
        view = self._view_at(state, line) if codes else None
        if view is None or not view.inpatient:
            return candidates
        labels = candidate_severities(view, line, codes)
        return [replace(c, detail=f"{labels[c.code]} · {c.detail}") if labels.get(c.code) else c
                for c in candidates]

    def _item(self, lines: list[str], line: int, c: Candidate, year: int | None) -> types.CompletionItem:
        edit_range = span_to_range(lines, Span(line, c.start, c.end))
        kind = {"key": types.CompletionItemKind.Keyword, "value": types.CompletionItemKind.EnumMember,
                "header-code": types.CompletionItemKind.Module}.get(c.kind, types.CompletionItemKind.Value)
        return types.CompletionItem(
            label=c.label,
            kind=kind,
            detail=c.detail or None,
            label_details=types.CompletionItemLabelDetails(description=c.title) if c.title else None,
            filter_text=c.filter_text,
            sort_text=c.sort_text,
            preselect=c.preselect or None,
            text_edit=types.TextEdit(range=edit_range, new_text=c.insert_text),
            command=types.Command(title="More characters", command="editor.action.triggerSuggest")
            if c.reopen else None,
            data={"code": c.code, "year": year} if c.code else None,
        )

    def resolve_completion(self, item: types.CompletionItem) -> types.CompletionItem:
        data = item.data if isinstance(item.data, dict) else None
        if not data or not data.get("code"):
            return item
        try:
            codeset = self.store.for_year(int(data["year"])) if data.get("year") else self.store.latest()
        except Exception:  # noqa: BLE001 - an unknown year only loses the documentation
            return item
        info = codeset.get(str(data["code"]))
        if info is not None:
            item.documentation = types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                     value=to_markdown(describe(codeset, info, self.others())))
        return item

    # -- code actions -----------------------------------------------------------------
    def code_actions(self, state: DocumentState, params: types.CodeActionParams) -> list[types.CodeAction]:
        only = params.context.only
        actions: list[types.CodeAction] = []
        wants_quickfix = not only or any(str(k).startswith("quickfix") for k in only)
        wants_fix_all = not only or any(FIX_ALL_KIND.startswith(str(k)) for k in only)
        if wants_quickfix:
            for diagnostic in params.context.diagnostics:
                if diagnostic.source != SOURCE:
                    continue
                for fix in _fixes_of(diagnostic):
                    actions.append(types.CodeAction(
                        title=fix.title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                        is_preferred=fix.preferred or None,
                        edit=self._workspace_edit(state, fix_engine.edits_of(fix, state.file))))
                allow = self._allow_action(state, diagnostic)
                if allow is not None:
                    actions.append(allow)
        if wants_fix_all:
            edits = fix_engine.safe_edits(state.result.findings, state.file)
            if edits:
                actions.append(types.CodeAction(title="Fix all safe icd10ls problems", kind=FIX_ALL_KIND,
                                                edit=self._workspace_edit(state, edits)))
        return actions

    def _allow_action(self, state: DocumentState, diagnostic: types.Diagnostic) -> types.CodeAction | None:
        rule = diagnostic.code
        if not isinstance(rule, str) or rule == "syntax":
            return None
        line = diagnostic.range.start.line
        if not 0 <= line < len(state.lines):
            return None
        edit = fix_engine.allow_edit(state.file, line, rule)
        title = "Allow this Excludes1 pair" if rule == "excludes1" else f"Allow {rule} on this line"
        return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                edit=self._workspace_edit(state, [edit]))

    def _workspace_edit(self, state: DocumentState, edits) -> types.WorkspaceEdit:
        text_edits = [types.TextEdit(range=self._edit_range(state, e), new_text=e.new_text) for e in edits]
        return types.WorkspaceEdit(changes={state.uri: text_edits})

    def _edit_range(self, state: DocumentState, edit: TextEdit) -> types.Range:
        line = edit.span.line
        if not edit.whole_line:
            return span_to_range(state.lines, edit.span)
        # Delete the line with its line break (or the previous break on the last line).
        if line + 1 < len(state.lines):
            return types.Range(start=types.Position(line=line, character=0),
                               end=types.Position(line=line + 1, character=0))
        start = self._line_end(state, line - 1) if line > 0 else types.Position(line=line, character=0)
        return types.Range(start=start, end=self._line_end(state, line))

    def _line_end(self, state: DocumentState, line: int) -> types.Position:
        text = state.lines[line] if 0 <= line < len(state.lines) else ""
        return span_to_range(state.lines, Span(line, len(text), len(text))).end

    # -- inlay hints, symbols, folding, formatting -------------------------------------
    def inlay_hints(self, state: DocumentState, range_: types.Range) -> list[types.InlayHint]:
        if not state.settings.inlay_hints:
            return []
        hints = self._severity_hints(state, range_) if state.settings.severity_hints else []
        for encounter in state.file.encounters:
            if encounter.end_line < range_.start.line or encounter.start_line > range_.end.line:
                continue
            codeset, _note, _validity = self.codeset_for_line(state, encounter.start_line)
            if codeset is None:
                continue
            for dx in encounter.diagnoses:
                if dx.code is None or not range_.start.line <= dx.line <= range_.end.line:
                    continue
                info = codeset.get(dx.code)
                if info is None or dx.text:
                    continue  # free text after the code: the coder has described it already
                hints.append(types.InlayHint(position=self._hint_position(state, dx), label=_shorten(info.title),
                                             padding_left=True,
                                             tooltip=f"{info.code} — {info.title} ({codeset.label})"))
        return hints

    def _severity_hints(self, state: DocumentState, range_: types.Range) -> list[types.InlayHint]:
        """A CC/MCC badge after each secondary diagnosis of an inpatient encounter."""
        hints = []
        for view in self._views(state):
            encounter = view.encounter
            if not view.inpatient or encounter.end_line < range_.start.line or \
                    encounter.start_line > range_.end.line:
                continue
            for dx in encounter.diagnoses[1:]:
                if not range_.start.line <= dx.line <= range_.end.line:
                    continue
                severity = severity_of(view, dx)
                if severity is None or not severity[0]:
                    continue
                hints.append(types.InlayHint(position=span_to_range(state.lines, dx.code_span).end,
                                             label=severity[0], padding_left=True, tooltip=severity[1]))
        return hints

    def _hint_position(self, state: DocumentState, dx) -> types.Position:
        """After the last thing written on the line (the code, its poa flag, a comment), so a
        title never pushes the coder's own text aside."""
        text = state.lines[dx.line]
        end = max(dx.code_span.end, len(text.rstrip()))
        return span_to_range(state.lines, Span(dx.line, end, end)).end

    def symbols(self, state: DocumentState) -> list[types.DocumentSymbol]:
        out = []
        for number, encounter in enumerate(state.file.encounters, 1):
            whole = self._lines_range(state, encounter.start_line, encounter.end_line)
            name = f"encounter {encounter.id}" if encounter.id else f"encounter #{number}"
            setting = encounter.setting or state.settings.default_setting
            detail = " · ".join(str(x) for x in (encounter.date, setting) if x)
            children = []
            for dx in encounter.diagnoses:
                code_range = span_to_range(state.lines, dx.code_span)
                children.append(types.DocumentSymbol(
                    name=dx.code or dx.raw_code or "(no code)", kind=types.SymbolKind.Constant,
                    range=self._lines_range(state, dx.line, dx.line), selection_range=code_range,
                    detail=("principal" if setting == "inpatient" else "first-listed")
                    if dx.index == 0 else None))
            selection = span_to_range(state.lines, encounter.id_span) if encounter.id_span else \
                self._lines_range(state, encounter.start_line, encounter.start_line)
            out.append(types.DocumentSymbol(name=name, kind=types.SymbolKind.Namespace, range=whole,
                                            selection_range=selection, detail=detail or None,
                                            children=children))
        return out

    def folding(self, state: DocumentState) -> list[types.FoldingRange]:
        return [types.FoldingRange(start_line=e.start_line, end_line=e.end_line, kind=types.FoldingRangeKind.Region)
                for e in state.file.encounters if e.end_line > e.start_line]

    def formatting(self, state: DocumentState) -> list[types.TextEdit]:
        """Write each known code in canonical form; an unknown code is left as typed, since
        moving its dot (`T07A` to `T07.A`) would only disguise the mistake."""
        edits = []
        for encounter in state.file.encounters:
            for px in encounter.procedures:
                if px.code is not None and px.raw_code != px.code:
                    edits.append(types.TextEdit(range=span_to_range(state.lines, px.code_span), new_text=px.code))
            codeset, _note, _validity = self.codeset_for_line(state, encounter.start_line)
            for dx in encounter.diagnoses:
                if dx.code is None or dx.raw_code == dx.code or codeset is None or codeset.get(dx.code) is None:
                    continue
                edits.append(types.TextEdit(range=span_to_range(state.lines, dx.code_span), new_text=dx.code))
        return edits

    def _lines_range(self, state: DocumentState, first: int, last: int) -> types.Range:
        return types.Range(start=types.Position(line=first, character=0), end=self._line_end(state, last))

    # -- commands ------------------------------------------------------------------------
    def lookup_command(self, code: str, codeset: CodeSet) -> dict:
        from ..codeset.codes import normalize

        canonical = normalize(code or "")
        if canonical is None:
            return {"found": False, "markdown": f"`{str(code)[:40]}` is not an ICD-10-CM code."}
        markdown = describe_code(canonical, codeset, self.others(), None, _suggest)
        return {"found": codeset.get(canonical) is not None, "markdown": markdown}


def _shorten(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def fix_data(fixes: list[Fix]) -> dict:
    """The fixes of a finding, compactly, for `Diagnostic.data`.

    Every diagnostic of a document travels on each change, so only what a code
    action needs goes here: per fix its title, edits as
    `[line, start, end, new text, whole line]`, and the safe/preferred flags.
    """
    return {"fixes": [[fix.title, [[e.span.line, e.span.start, e.span.end, e.new_text, int(e.whole_line)]
                                   for e in fix.edits], int(fix.safe), int(fix.preferred)] for fix in fixes]}


def fixes_from_data(data: object) -> list[Fix]:
    """Read `fix_data` back; anything malformed (a client may echo data back changed) gives no fixes."""
    if not isinstance(data, dict) or not isinstance(data.get("fixes"), list):
        return []
    try:
        return [Fix(str(title), tuple(TextEdit(Span(int(line), int(start), int(end)), str(text), bool(whole))
                                      for line, start, end, text, whole in edits), bool(safe), bool(preferred))
                for title, edits, safe, preferred in data["fixes"]]
    except (TypeError, ValueError):
        return []


def _fixes_of(diagnostic: types.Diagnostic) -> list[Fix]:
    return fixes_from_data(diagnostic.data)


def _suggest(codeset: CodeSet, code: str) -> list[str]:
    from ..codeset.suggest import suggest

    return suggest(codeset, code)

