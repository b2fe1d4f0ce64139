"""The icd10ls language server: LSP handlers only.

Each handler reads the per-URI cache and asks the `LanguageService` facade;
nothing here knows ICD-10-CM.  A handler that fails logs the error and answers
empty, so a bug never takes the editor's server down.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import threading
import time
import traceback
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..settings import Settings
from . import DRG_COMMAND, FIX_ALL_KIND
from .documents import adopt

if TYPE_CHECKING:
    from .service import DocumentState, LanguageService

# The engine (rules, code sets) is imported on first use, not before
# `initialize` is answered: an editor waits for that answer.

log = logging.getLogger("icd10ls")

DEBOUNCE_SECONDS = 0.03
ENCOUNTER_LANGUAGE = "icd10-encounter"
WARM_UP_DELAY_SECONDS = 1.5
OTHER_YEARS_DELAY_SECONDS = 2.0
LOOKUP_COMMAND = "icd10ls.server.lookup"
SEARCH_COMMAND = "icd10ls.server.search"
CODESET_COMMAND = "icd10ls.server.codeSetInfo"
DOWNLOAD_COMMAND = "icd10ls.server.downloadYear"
CONFIG_SECTION = "icd10ls"


class Icd10LanguageServer(LanguageServer):
    """Keeps one parsed and checked state per open document."""

    def __init__(self) -> None:
        super().__init__("icd10ls", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.states: dict[str, DocumentState] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self._service: "LanguageService | None" = None
        self._service_lock = threading.Lock()
        self._settings = Settings()
        self.pull_diagnostics = False
        self.first_published = threading.Event()
        self.offered_years: set[int] = set()  # fiscal years whose files were offered for download

    @property
    def service(self) -> "LanguageService":
        with self._service_lock:
            if self._service is None:
                from ..codeset.store import DataStore
                from .service import LanguageService

                self._service = LanguageService(DataStore(), self._settings)
            return self._service

    def state(self, uri: str) -> DocumentState | None:
        """The analysed document, re-analysed if the workspace holds a newer version.

        None for a document that is not an encounter file: notes and queries get look-ups only."""
        try:
            document = self.workspace.get_text_document(uri)
        except Exception:  # noqa: BLE001 - an unknown URI is simply not ours
            return self.states.get(uri)
        if not is_encounter(document):
            return None
        cached = self.states.get(uri)
        if cached is not None and cached.version == document.version and cached.text == document.source:
            return cached
        if uri not in self.workspace.text_documents:
            return cached
        state = self.service.analyze(uri, document.source, document.version)
        self.states[uri] = state
        if self.service.config_problems:
            problems, self.service.config_problems[:] = list(self.service.config_problems), []
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning, message="icd10ls.toml: " + "; ".join(problems)))
        return state

    def apply_settings(self, mapping: dict | None) -> None:
        settings, problems = Settings.from_mapping(mapping or {})
        if settings.year is not None:
            settings, year_problems = self.service.without_missing_year(settings, "codeSetYear")
            problems += year_problems
        self._settings = settings
        if self._service is not None:
            self._service.settings = settings
        if problems:
            self.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Warning,
                message="icd10ls settings: " + "; ".join(problems) + " (defaults kept for those)"))

    def publish(self, uri: str) -> None:
        if self.pull_diagnostics:
            return
        state = self.state(uri)
        if state is None:
            return
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=state.diagnostics, version=state.version))
        self.first_published.set()
        self.offer_downloads(state)

    def offer_downloads(self, state: DocumentState) -> None:
        """Offer, once per session, the files of a fiscal year the document is checked for validity only."""
        from .download import offer, years_to_offer

        for year in years_to_offer(state.result.selections, self.offered_years):
            self.offered_years.add(year)
            try:
                asyncio.ensure_future(offer(self, year, self.service.store, self.recheck_all))
            except RuntimeError:  # not on the server's event loop: offered with the next publication
                self.offered_years.discard(year)

    def recheck_all(self) -> None:
        self.states.clear()
        if self.pull_diagnostics:
            capabilities = self.client_capabilities.workspace
            if capabilities and capabilities.diagnostics and capabilities.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
        else:
            for uri in list(self.workspace.text_documents):
                self.publish(uri)
        capabilities = self.client_capabilities.workspace
        if capabilities and capabilities.inlay_hint and capabilities.inlay_hint.refresh_support:
            self.workspace_inlay_hint_refresh(None)
        if capabilities and capabilities.code_lens and capabilities.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)  # default-setting may make stays in- or outpatient


server = Icd10LanguageServer()


def is_encounter(document) -> bool:
    """An encounter file by its language id, or by its `.enc` name when the client sends no id.

    Other documents (Markdown notes, plain-text queries) only get hovers on the codes in them."""
    language = getattr(document, "language_id", None)
    if language:
        return language == ENCOUNTER_LANGUAGE
    return document.uri.lower().endswith(".enc")


def safe(default=None):
    """Log a handler's exception and answer `default` instead of failing the request."""

    def wrap(handler):
        @functools.wraps(handler)
        def run(ls: Icd10LanguageServer, *args):
            try:
                return handler(ls, *args)
            except Exception as error:  # noqa: BLE001 - the server must stay up
                log.error("%s failed: %s\n%s", handler.__name__, error, traceback.format_exc())
                try:
                    ls.window_log_message(types.LogMessageParams(
                        type=types.MessageType.Error, message=f"icd10ls: {handler.__name__} failed: {error}"))
                except Exception:  # noqa: BLE001
                    pass
                return default() if callable(default) else default

        return run

    return wrap


# -- lifecycle ---------------------------------------------------------------------
@server.feature(types.INITIALIZE)
@safe()
def initialize(ls: Icd10LanguageServer, params: types.InitializeParams) -> None:
    adopt(ls.workspace)
    text_document = params.capabilities.text_document
    ls.pull_diagnostics = bool(text_document and text_document.diagnostic)
    ls.apply_settings(params.initialization_options if isinstance(params.initialization_options, dict) else {})


@server.feature(types.INITIALIZED)
@safe()
def initialized(ls: Icd10LanguageServer, params: types.InitializedParams) -> None:
    threading.Thread(target=_warm_up, args=(ls,), name="icd10ls-warm-up", daemon=True).start()
    if _supports_configuration(ls):
        asyncio.ensure_future(_pull_configuration(ls))


def _warm_up(ls: Icd10LanguageServer) -> None:
    """Get the engine ready off the request path.

    First what the first diagnostics need (the engine, the latest code set and
    CMS's code tables), while the editor is still sending the first document; then, once those
    diagnostics are out (or after a moment of quiet), the search index (read from
    the cache directory: a word completion right after opening a file waits for
    it); the other code sets last, after another moment, so that loading them
    does not hold up the first completions (a file or hover that needs one
    earlier loads it itself)."""
    try:
        ls.service.store.latest()  # creating the service imports the engine
        from ..codeset.cms import cms_tables

        cms_tables().problem  # opens CMS's code tables: most dates' validity comes from them
    except Exception as error:  # noqa: BLE001
        log.error("loading the latest code set failed: %s", error)
    ls.first_published.wait(timeout=WARM_UP_DELAY_SECONDS)
    try:
        store = ls.service.store
        from ..codeset.search import index_for

        index_for(store.latest())
        time.sleep(OTHER_YEARS_DELAY_SECONDS)
        store.codesets()
    except Exception as error:  # noqa: BLE001
        log.error("loading code sets failed: %s", error)


def _supports_configuration(ls: Icd10LanguageServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def _pull_configuration(ls: Icd10LanguageServer) -> None:
    try:
        answer = await ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=CONFIG_SECTION)]))
    except Exception as error:  # noqa: BLE001
        log.warning("workspace/configuration failed: %s", error)
        return
    if answer and isinstance(answer[0], dict):
        ls.apply_settings(answer[0])
        ls.recheck_all()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@safe()
def did_change_configuration(ls: Icd10LanguageServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get(CONFIG_SECTION), dict):
        ls.apply_settings(settings[CONFIG_SECTION])
        ls.recheck_all()
    elif _supports_configuration(ls):
        asyncio.ensure_future(_pull_configuration(ls))


# -- documents ---------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@safe()
def did_open(ls: Icd10LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.publish(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@safe()
def did_change(ls: Icd10LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    _cancel_pending(ls, uri)
    if not ls.pull_diagnostics:
        ls.pending[uri] = asyncio.ensure_future(_publish_later(ls, uri, params.text_document.version))


def _cancel_pending(ls: Icd10LanguageServer, uri: str) -> None:
    """Forget a debounced publication that a newer change or a close makes stale."""
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()


async def _publish_later(ls: Icd10LanguageServer, uri: str, version: int) -> None:
    """Publish after a short pause, and only if no newer version arrived meanwhile."""
    await asyncio.sleep(DEBOUNCE_SECONDS)
    try:
        document = ls.workspace.get_text_document(uri)
        if document.version != version:
            return
        ls.publish(uri)
    except Exception as error:  # noqa: BLE001
        log.error("diagnostics for %s failed: %s", uri, error)
    finally:
        if ls.pending.get(uri) is asyncio.current_task():
            ls.pending.pop(uri, None)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@safe()
def did_close(ls: Icd10LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    _cancel_pending(ls, uri)
    ls.states.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(identifier="icd10ls", inter_file_dependencies=False,
                                        workspace_diagnostics=False))
@safe(lambda: types.RelatedFullDocumentDiagnosticReport(items=[]))
def pull_diagnostics(ls: Icd10LanguageServer, params: types.DocumentDiagnosticParams):
    state = ls.state(params.text_document.uri)
    ls.first_published.set()
    return types.RelatedFullDocumentDiagnosticReport(items=state.diagnostics if state else [])


# -- features ------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_HOVER)
@safe()
def hover(ls: Icd10LanguageServer, params: types.HoverParams):
    state = ls.state(params.text_document.uri)
    if state is not None:
        return ls.service.hover(state, params.position)
    if params.text_document.uri not in ls.workspace.text_documents:
        return None
    document = ls.workspace.get_text_document(params.text_document.uri)
    if is_encounter(document):
        return None
    return ls.service.lookup_hover([line.rstrip("\r\n") for line in document.lines], params.position)


@server.feature(types.TEXT_DOCUMENT_COMPLETION,
                types.CompletionOptions(trigger_characters=[".", ":", " "], resolve_provider=True))
@safe(lambda: types.CompletionList(is_incomplete=False, items=[]))
def completion(ls: Icd10LanguageServer, params: types.CompletionParams):
    state = ls.state(params.text_document.uri)
    if state is None:
        return types.CompletionList(is_incomplete=False, items=[])
    return ls.service.completion(state, params.position)


@server.feature(types.COMPLETION_ITEM_RESOLVE)
@safe()
def completion_resolve(ls: Icd10LanguageServer, item: types.CompletionItem):
    return ls.service.resolve_completion(item)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
@safe(list)
def code_action(ls: Icd10LanguageServer, params: types.CodeActionParams):
    state = ls.state(params.text_document.uri)
    return ls.service.code_actions(state, params) if state else []


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
@safe(list)
def inlay_hint(ls: Icd10LanguageServer, params: types.InlayHintParams):
    state = ls.state(params.text_document.uri)
    return ls.service.inlay_hints(state, params.range) if state else []


@server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
@safe(list)
def code_lens(ls: Icd10LanguageServer, params: types.CodeLensParams):
    state = ls.state(params.text_document.uri)
    return ls.service.code_lenses(state) if state else []


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@safe(list)
def document_symbol(ls: Icd10LanguageServer, params: types.DocumentSymbolParams):
    state = ls.state(params.text_document.uri)
    return ls.service.symbols(state) if state else []


@server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
@safe(list)
def folding_range(ls: Icd10LanguageServer, params: types.FoldingRangeParams):
    state = ls.state(params.text_document.uri)
    return ls.service.folding(state) if state else []


@server.feature(types.TEXT_DOCUMENT_FORMATTING)
@safe(list)
def formatting(ls: Icd10LanguageServer, params: types.DocumentFormattingParams):
    state = ls.state(params.text_document.uri)
    return ls.service.formatting(state) if state else []


# -- commands --------------------------------------------------------------------------
def _codeset_for_uri(ls: Icd10LanguageServer, uri: str | None):
    state = ls.state(uri) if isinstance(uri, str) else None
    if state is not None and state.file.encounters:
        return ls.service.codeset_for_line(state, state.file.encounters[0].start_line)[0]
    return ls.service.store.latest()


@server.command(LOOKUP_COMMAND)
@safe(lambda: {"found": False, "markdown": "The lookup failed; see the icd10ls output."})
def lookup_command(ls: Icd10LanguageServer, *args):
    code = args[0] if args else ""
    uri = args[1] if len(args) > 1 else None
    return ls.service.lookup_command(str(code), _codeset_for_uri(ls, uri))


@server.command(SEARCH_COMMAND)
@safe(list)
def search_command(ls: Icd10LanguageServer, *args):
    text = str(args[0]) if args else ""
    limit = args[1] if len(args) > 1 and isinstance(args[1], int) else ls.service.settings.completion_limit
    uri = args[2] if len(args) > 2 else None
    from ..codeset.search import index_for

    hits = index_for(_codeset_for_uri(ls, uri)).search(text[:500], max(1, min(limit, 500)))
    return [{"code": h.code, "title": h.title, "billable": h.billable} for h in hits]


@server.command(DRG_COMMAND)
@safe(lambda: {"found": False, "markdown": "The MS-DRG could not be worked out; see the icd10ls output."})
def drg_command(ls: Icd10LanguageServer, *args):
    uri = args[0] if args else None
    line = args[1] if len(args) > 1 and isinstance(args[1], int) else 0
    state = ls.state(uri) if isinstance(uri, str) else None
    if state is None:
        return {"found": False, "markdown": "No such document."}
    return ls.service.drg_details(state, line)


@server.command(CODESET_COMMAND)
@safe(lambda: {"label": "ICD-10-CM", "fiscalYear": 0})
def codeset_command(ls: Icd10LanguageServer, *args):
    uri = args[0] if args else None
    state = ls.state(uri) if isinstance(uri, str) else None
    if state is not None and state.result.selections:
        return ls.service.codeset_info(state.result.selections[0])
    codeset = ls.service.store.latest()
    return {"label": codeset.label, "fiscalYear": codeset.fiscal_year, "validityOnly": False}


@server.command(DOWNLOAD_COMMAND)
@safe()
def download_command(ls: Icd10LanguageServer, *args):
    """Download and install a fiscal year's files (`[2027]`), with progress; open files are rechecked."""
    from .download import download

    year = args[0] if args else None
    if not isinstance(year, int) or isinstance(year, bool):
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Error, message="icd10ls: downloadYear takes a fiscal year such as 2027"))
        return None
    ls.offered_years.add(year)
    asyncio.ensure_future(download(ls, year, ls.service.store, ls.recheck_all))
    return None


def _not_routine(record: logging.LogRecord) -> bool:
    """Drop pygls' warning for a cancelled request that was already answered: editors cancel
    requests all the time (a completion list overtaken by typing), and nothing is wrong."""
    return not record.getMessage().startswith("Cancel notification for unknown message id")


def run(tcp: bool = False, host: str = "127.0.0.1", port: int = 2087) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="icd10ls %(levelname)s %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)  # not every message sent and received
    for handler in logging.getLogger().handlers:
        handler.addFilter(_not_routine)
    if tcp:
        server.start_tcp(host, port)
    else:
        server.start_io()
