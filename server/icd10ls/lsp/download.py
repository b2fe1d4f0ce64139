"""The editor's offer to download a fiscal year's files, and the download with progress.

When an open document has encounters in a fiscal year checked for validity only
(CMS's tables, no tabular file installed), the coder is asked once per session
and year; the Download button runs the same fetch as `icd10ls data fetch`, in a
worker thread, with LSP work-done progress, then every open document is checked
again.  Failures are one message; nothing is half installed (the store's doing).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Callable

from lsprotocol import types

if TYPE_CHECKING:
    from ..codeset.store import DataStore, Selection

log = logging.getLogger(__name__)

DOWNLOAD = "Download"


def years_to_offer(selections: "list[Selection]", offered: set[int]) -> list[int]:
    """The validity-only fiscal years of a document not offered yet this session."""
    years = {s.validity.fiscal_year for s in selections if s.validity_only and s.validity is not None}
    return sorted(years - offered)


def offer_message(year: int) -> str:
    return f"FY{year} codes are checked for validity; titles and notes need the FY{year} files."


def _supports_progress(ls) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


async def offer(ls, year: int, store: "DataStore", recheck: Callable[[], None]) -> None:
    """Ask once; on Download, fetch with progress and check the open documents again."""
    try:
        answer = await ls.window_show_message_request_async(types.ShowMessageRequestParams(
            type=types.MessageType.Info, message=offer_message(year),
            actions=[types.MessageActionItem(title=DOWNLOAD)]))
    except Exception as error:  # noqa: BLE001 - a client without message requests simply is not asked
        log.info("the offer to download FY%s was not shown: %s", year, error)
        return
    if answer is None or answer.title != DOWNLOAD:
        return
    await download(ls, year, store, recheck)


async def download(ls, year: int, store: "DataStore", recheck: Callable[[], None]) -> None:
    from ..codeset.fetch import fetch
    from ..codeset.store import DataError

    loop = asyncio.get_running_loop()
    token = str(uuid.uuid4()) if _supports_progress(ls) else None
    if token is not None:
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(
            title=f"Downloading ICD-10-CM FY{year}", percentage=0, cancellable=False))

    def report(name: str, received: int, total: int | None) -> None:
        if token is None:
            return
        percentage = int(100 * received / total) if total else None
        message = f"{name}: {received / 2**20:.1f} MB"
        loop.call_soon_threadsafe(ls.work_done_progress.report, token, types.WorkDoneProgressReport(
            message=message, percentage=percentage))

    try:
        result = await loop.run_in_executor(None, lambda: fetch(store, year, None, report))
    except DataError as error:
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="not installed"))
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Error, message=f"icd10ls: FY{year} was not installed: {error}"))
        return
    except Exception as error:  # noqa: BLE001 - the server must stay up whatever the network does
        log.exception("download of FY%s failed", year)
        if token is not None:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="failed"))
        ls.window_show_message(types.ShowMessageParams(
            type=types.MessageType.Error, message=f"icd10ls: the download of FY{year} failed: {error}"))
        return
    if token is not None:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"FY{year} installed"))
    ls.window_show_message(types.ShowMessageParams(
        type=types.MessageType.Info,
        message=f"icd10ls: FY{year} installed ({result.agreement}); open files are checked again."))
    recheck()
