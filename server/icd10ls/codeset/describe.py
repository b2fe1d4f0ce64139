"""Everything a coder wants to know about one code, gathered once.

`icd10ls lookup` prints it and the language server's hover renders it, so both
say the same thing: title, billable or what is missing, the NEC/NOS label,
the place in the tree, every note in effect (own and inherited, with where it
comes from), the 7th characters, and what changed between installed years.
"""

from __future__ import annotations

import re

from dataclasses import asdict, dataclass, field

from .changes import describe_history, history
from .model import NOTE_LABELS, CodeInfo, CodeSet
from .specificity import classify_code

# Order in which note groups are shown; inclusion terms and includes come first
# because they tell what the code is, excludes what it is not.
NOTE_ORDER = ("includes", "inclusionTerm", "excludes1", "excludes2", "codeFirst", "useAdditionalCode",
              "codeAlso", "notes", "sevenChrNote")


@dataclass
class NoteGroup:
    kind: str
    label: str
    entries: list[dict] = field(default_factory=list)  # {"text", "source", "inherited"}


@dataclass
class CodeDescription:
    code: str
    title: str
    kind: str
    billable: bool
    fiscal_year: int
    code_set: str
    missing: str | None
    specificity: str
    specificity_reason: str
    specificity_explanation: str
    laterality_unspecified: bool
    trimester_unspecified: bool
    also_unspecified: bool
    path: list[dict]
    notes: list[NoteGroup]
    seventh_characters: list[dict]
    seventh_character_used: dict | None
    billable_below: int
    history: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def describe(codeset: CodeSet, info: CodeInfo, others: list[CodeSet] | None = None) -> CodeDescription:
    node = info.node
    label = classify_code(codeset, node, info.seventh)
    path = [{"code": codeset.display_name(a), "title": codeset.title_of(a), "kind": codeset.kind_of(a)}
            for a in reversed(codeset.ancestors(node))]
    groups: dict[str, NoteGroup] = {}
    for note in codeset.notes_in_effect(node):
        group = groups.setdefault(note.kind, NoteGroup(note.kind, NOTE_LABELS[note.kind]))
        under_lead_in = False
        for text in leading_condition_apart(note.texts):
            # "Code first, for adverse effects, ... such as:" introduces the items after it.
            group.entries.append({"text": text, "source": note.source, "inherited": note.inherited,
                                  "under_lead_in": under_lead_in})
            if text.rstrip().endswith(":"):
                under_lead_in = True
    seventh = info.seventh_characters
    allowed = [{"character": c, "meaning": m} for c, m in seventh.allowed] if seventh else []
    used = None
    if info.seventh and seventh:
        used = {"character": info.seventh, "meaning": seventh.meaning(info.seventh) or ""}
    below = 0 if info.billable else len(codeset.billable_below(node))
    missing = None
    if not info.billable:
        if info.needs_seventh:
            missing = "a 7th character"
        elif below:
            missing = f"more characters: {below} billable code{'s' if below != 1 else ''} below it"
    years = describe_history(history(others or [codeset], info.code)) if others else []
    return CodeDescription(
        code=info.code, title=info.title, kind=info.kind, billable=info.billable,
        fiscal_year=codeset.fiscal_year, code_set=codeset.label, missing=missing,
        specificity=label.label, specificity_reason=label.reason, specificity_explanation=label.explanation(),
        laterality_unspecified=label.laterality_unspecified, trimester_unspecified=label.trimester_unspecified,
        also_unspecified=label.also_unspecified,
        path=path, notes=[groups[k] for k in NOTE_ORDER if k in groups], seventh_characters=allowed,
        seventh_character_used=used, billable_below=below, history=years,
    )


_LEADING_CONDITION = re.compile(r"^\W*(if (?:applicable|known))\s*,\s*(.*)$", re.IGNORECASE | re.DOTALL)


def leading_condition_apart(texts) -> tuple[str, ...]:
    """A41's "Code first, if applicable," written into its first item: the condition holds
    for every item, so it is shown as their lead-in ("if applicable:", then the items)."""
    m = _LEADING_CONDITION.match(texts[0]) if texts else None
    if m is None or not m.group(2) or m.group(2).rstrip().endswith(":"):
        return tuple(texts)  # ", if applicable, any causal condition, such as:" is a lead-in already
    return (f"{m.group(1)}:", m.group(2), *texts[1:])


def _readable(text: str) -> str:
    """A note text as shown: CMS writes some lead-ins as the rest of a sentence under the
    note's heading (", for adverse effects, the nature of ..."), which reads oddly alone."""
    return text.lstrip(", ")


def _source(entry: dict) -> str:
    return f" _(from {entry['source']})_" if entry["inherited"] else ""


def to_markdown(d: CodeDescription) -> str:
    status = "billable" if d.billable else f"**not billable** — needs {d.missing}" if d.missing else "not billable"
    lines = [f"### {d.code} — {d.title}", "", f"{status} · {d.kind} · {d.code_set}", ""]
    if d.billable:  # a heading's label would describe a title, not a code one can report
        lines.append(d.specificity_explanation)
    if d.path:
        lines += ["", " › ".join(f"{p['code']} {p['title']}" for p in d.path)]
    if d.seventh_character_used:
        used = d.seventh_character_used
        lines += ["", f"7th character **{used['character']}**: {used['meaning']}"]
    elif d.seventh_characters:
        lines += ["", "**7th characters:** " + ", ".join(f"`{s['character']}` {s['meaning']}"
                                                        for s in d.seventh_characters)]
    for group in d.notes:
        if group.kind == "sevenChrNote" and (d.seventh_characters or d.seventh_character_used):
            continue
        lines += ["", f"**{group.label}**"]
        lines += [f"{'  ' if e['under_lead_in'] else ''}- {_readable(e['text'])}{_source(e)}"
                  for e in group.entries]
    if d.history:
        lines += ["", "**Changes:** " + " ".join(d.history)]
    return "\n".join(lines)


def to_text(d: CodeDescription) -> str:
    status = "billable" if d.billable else f"not billable: needs {d.missing}" if d.missing else "not billable"
    lines = [f"{d.code}  {d.title}", f"  {status}; {d.kind}; {d.code_set}"]
    if d.billable:
        lines.append(f"  {d.specificity.upper() if d.specificity != 'specific' else 'specific'}"
                     + (f" ({d.specificity_reason})" if d.specificity_reason else ""))
    if d.laterality_unspecified:
        lines.append("  side (laterality) unspecified")
    if d.trimester_unspecified:
        lines.append("  trimester unspecified")
    if d.also_unspecified:
        lines.append("  also for unspecified documentation: its category has no unspecified code")
    for depth, p in enumerate(d.path):
        lines.append("  " + "  " * depth + f"{p['code']}  {p['title']}")
    if d.seventh_character_used:
        lines.append(f"  7th character {d.seventh_character_used['character']}: {d.seventh_character_used['meaning']}")
    elif d.seventh_characters:
        lines.append("  7th characters: " + "; ".join(f"{s['character']} {s['meaning']}" for s in d.seventh_characters))
    for group in d.notes:
        lines.append(f"  {group.label}:")
        for e in group.entries:
            indent = "      " if e["under_lead_in"] else "    "
            lines.append(f"{indent}- {_readable(e['text'])}" + (f"  [from {e['source']}]" if e["inherited"] else ""))
    for sentence in d.history:
        lines.append(f"  {sentence}")
    return "\n".join(lines)
