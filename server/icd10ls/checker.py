"""Checking an encounter file: text in, findings out.

This is the one entry point the CLI and the language server share.  It is
pure (no printing, no editor types) and never raises on any text; the
language server keeps its own parse of each open document and calls
`check_parsed` with it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from .encounter import EncounterFile, parse
from .findings import Finding, Severity
from .rules.engine import run_rules
from .settings import Settings, find_config, load_toml
from .codeset.store import DataStore, Selection, default_store

__all__ = ["CheckResult", "check_text", "check_parsed", "apply_allows"]


@dataclass
class CheckResult:
    file: EncounterFile
    findings: list[Finding]  # sorted by position
    selections: list[Selection]  # per encounter, in file order: its code set and why
    problems: list[str] = field(default_factory=list)  # settings that could not be read

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def has_problems(self) -> bool:
        """Errors or warnings: what makes `icd10ls check` exit with 1."""
        return any(f.severity <= Severity.WARNING for f in self.findings)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a parse and check.

    Parsing and checking allocate hundreds of thousands of small objects and no
    reference cycles (everything is freed by reference counting), yet each
    allocation burst triggers collections that walk every live object, the
    parsed file and the code sets included; on a large file that was more than
    half of the time.  The collector is restored as it was, so a caller that
    had it off keeps it off.

    What was made meanwhile and is still alive (the parsed file, the findings)
    is handed to the oldest generation on the way out (`freeze` then
    `unfreeze`): left young, the first allocation after `enable` would make the
    collector walk all of it at once, a third of a second after a large check.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def check_text(text: str, settings: Settings | None = None, store: DataStore | None = None,
               path: str | None = None) -> CheckResult:
    """Parse and check `text`.

    Without `settings`, the `icd10ls.toml` found upward from `path` (when given)
    is used; problems reading it end up in `CheckResult.problems`.
    """
    with collector_paused():
        return check_parsed(parse(text), settings, store, path)


def check_parsed(file: EncounterFile, settings: Settings | None = None, store: DataStore | None = None,
                 path: str | None = None) -> CheckResult:
    """Check an already parsed file (the language server's cached parse)."""
    problems: list[str] = []
    if settings is None:
        settings = Settings()
        config = find_config(path) if path else None
        if config is not None:
            settings, problems = load_toml(config)
    with collector_paused():
        findings, selections = run_rules(file, settings, store or default_store())
        findings = apply_allows(file, findings)
        findings.sort(key=_position)
        return CheckResult(file, findings, selections, problems)


def _position(finding: Finding) -> tuple[int, int, int, str]:
    span = finding.span
    return (span.line, span.start, span.end, finding.rule)


def apply_allows(file: EncounterFile, findings: list[Finding]) -> list[Finding]:
    """Drop findings silenced by an `# allow: RULE` comment on their line (or a related line)."""
    allows = file.allows
    if not allows:
        return findings
    kept = []
    for finding in findings:
        rule = finding.rule
        allowed = allows.get(finding.span.line)
        if allowed is not None and rule in allowed.rules:
            continue
        if any((a := allows.get(r.span.line)) is not None and rule in a.rules for r in finding.related):
            continue
        kept.append(finding)
    return kept
