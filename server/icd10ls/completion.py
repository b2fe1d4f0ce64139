"""What to offer while a coder types a line of an encounter file.

Four situations, read from the text before the cursor: a header key at the
start of a line, a header value (`setting: `), a code prefix (`E11.`), the 7th
character of a code that needs one (`S52.521`), or words of the condition
(`dx: diab ckd`).  Positions are code points within the line; the language
server converts them.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .codeset.codes import compact, dotted, normalize, pad_for_seventh
from .codeset.dated import DateValidity
from .codeset.model import CodeSet
from .encounter import DISCHARGE_STATUSES

HEADER_HELP = {
    "encounter": "Starts an encounter; an id after the word is optional.",
    "date": "Date of service (outpatient) or discharge (inpatient), YYYY-MM-DD or MM/DD/YYYY. It picks the "
            "fiscal year's code set (fiscal years start October 1).",
    "setting": "inpatient or outpatient (default outpatient): the first dx is the principal diagnosis "
               "(inpatient) or the first-listed diagnosis (outpatient).",
    "sex": "F, M or U.",
    "age": "Age in whole years, 0-124.",
    "discharge-status": "Patient discharge status of an inpatient stay, two digits (default 01, home); "
                        "CMS's code editor and the MS-DRG grouper read it.",
    "note": "Free-text documentation; the rules ignore it.",
    "dx": "A diagnosis code, optionally `poa=Y|N|U|W|1`, then free text. Order matters: the first is the "
          "principal or first-listed diagnosis.",
    "px": "An ICD-10-PCS procedure code of an inpatient stay (7 characters, e.g. 02703DZ), then free text; "
          "the first is the principal procedure.",
}
HEADER_VALUES = {
    "setting": (("inpatient", "principal diagnosis sequencing"), ("outpatient", "first-listed diagnosis")),
    "sex": (("F", "female"), ("M", "male"), ("U", "unknown")),
    "discharge-status": tuple((f"{number:02d}", meaning) for number, meaning in DISCHARGE_STATUSES.items()),
}

_KEY_PREFIX = re.compile(r"^\s*([A-Za-z][A-Za-z-]*|)$")
_HEADER_VALUE = re.compile(r"^\s*(setting|sex|discharge-status)\s*:\s*(\S*)$", re.IGNORECASE)
_DX_VALUE = re.compile(r"^\s*dx\s*:\s*(.*)$", re.IGNORECASE)
_SINGLE_TOKEN = re.compile(r"^\s*(\S+)$")
# Words typed at the start of a line, as in a quick list of codes: `type 2 diab`.
_LINE_WORDS = re.compile(r"^\s*([A-Za-z][^:#]*)$")
# The start of a code: a letter alone, or a letter and a digit (or two letters and
# a digit, as in QA0) with what may follow.  Plain words such as "acne" or "uti"
# are not code prefixes; they go to word search.
_PARTIAL_CODE = re.compile(
    r"[A-Za-z](?:[0-9](?:[0-9A-Za-z](?:\.?[0-9A-Za-z]{0,4})?\.?)?|[A-Za-z][0-9](?:\.?[0-9A-Za-z]{0,4})?\.?)?"
)


# A code followed by a blank: the cursor is in the poa flag or the free text.
_FINISHED_CODE = re.compile(r"[A-Za-z](?:[0-9][0-9A-Za-z]|[A-Za-z][0-9])(?:\.?[0-9A-Za-z]{0,4})?\.?\s")


@dataclass(frozen=True, slots=True)
class Candidate:
    label: str
    insert_text: str
    start: int  # replaced range on the cursor's line
    end: int
    kind: str  # "code", "header-code", "seventh", "key", "value", "search"
    detail: str = ""
    filter_text: str | None = None
    sort_text: str | None = None
    code: str | None = None  # canonical code, for lazy documentation
    reopen: bool = False  # choosing it should open completion again (a header code)
    preselect: bool = False
    title: str = ""  # the code's title, shown on every row of the list (not only the selected one)


def complete(line_text: str, character: int, codeset: CodeSet | None, *, limit: int = 50,
             search=None, validity: DateValidity | None = None) -> list[Candidate]:
    """Candidates at `character` of `line_text`; `search(text, limit)` gives word-search hits.

    With `validity` (CMS's table of a date the installed file does not cover), codes the
    date's table does not have are left out and its codes below a typed code are added.
    """
    found = _complete(line_text, character, codeset, limit, search)
    if validity is None or not found:
        return found
    return _on_date(found, line_text[:max(0, min(character, len(line_text)))], validity, limit)


_TYPED_CODE = re.compile(r"[A-Za-z][0-9A-Za-z.]*$")


def _on_date(found: list[Candidate], before: str, validity: DateValidity, limit: int) -> list[Candidate]:
    codes = [c.code for c in found if c.kind in ("code", "seventh", "search") and c.code]
    valid = set(validity.valid_codes(codes))
    kept = [c for c in found if c.kind not in ("code", "seventh", "search") or c.code in valid]
    like = next((c for c in found if c.kind in ("code", "header-code", "seventh")), None)
    typed = _TYPED_CODE.search(before)
    if like is None or typed is None or len(kept) >= limit:
        return kept
    # The date's codes below what is typed that the installed file lacks (a header's new codes).
    shown = {c.code for c in kept}
    in_file = validity.codeset.is_billable
    added = [_dated_candidate(code, like, validity)
             for code in validity.codes_below(compact(typed.group(0).upper().rstrip(".")))
             if code not in shown and not in_file(code)]
    return kept + added[: limit - len(kept)]


def _dated_candidate(code: str, like: Candidate, validity: DateValidity) -> Candidate:
    return Candidate(
        label=code, insert_text=code, start=like.start, end=like.end, kind="code",
        detail=f"valid in FY{validity.fiscal_year} (CMS code tables); title not installed",
        filter_text=code if "." in (like.filter_text or "") else compact(code),
        sort_text=f"{len(compact(code))}{code}", code=code,
    )


def _complete(line_text: str, character: int, codeset: CodeSet | None, limit: int, search) -> list[Candidate]:
    character = max(0, min(character, len(line_text)))
    before = line_text[:character]
    if "#" in before:
        return []  # inside a comment
    key = _KEY_PREFIX.match(before)
    if key is not None:
        word = key.group(1)
        start = character - len(word)
        out = _keys(word, start, character)
        if codeset is not None and word and _PARTIAL_CODE.fullmatch(word):
            out += _codes(word, start, character, codeset, limit)
        elif codeset is not None and search is not None and not out and len(word) >= 3:
            out += _search(word, start, character, search, limit)  # a line that starts with words
        return out
    value = _HEADER_VALUE.match(before)
    if value is not None:
        typed = value.group(2)
        return [Candidate(v, v, character - len(typed), character, "value", detail)
                for v, detail in HEADER_VALUES[value.group(1).lower()] if v.lower().startswith(typed.lower())]
    value = _DX_VALUE.match(before) or _SINGLE_TOKEN.match(before) or _words_at_line_start(before)
    if value is None or codeset is None:
        return []
    typed = value.group(1)
    start = character - len(typed)
    if not typed or _FINISHED_CODE.match(typed):
        return []  # nothing typed yet, or past the code: poa= and free text, never replaced
    if _PARTIAL_CODE.fullmatch(typed):
        return _codes(typed, start, character, codeset, limit)
    if search is not None and len(typed.strip()) >= 2:
        return _search(typed, start, character, search, limit)
    return []


def _words_at_line_start(before: str) -> re.Match | None:
    """Words at a line's start that do not begin a header (`encounter ENC-1` is not a search)."""
    match = _LINE_WORDS.match(before)
    if match is None or match.group(1).split()[0].lower() in HEADER_HELP:
        return None
    return match


def _keys(word: str, start: int, end: int) -> list[Candidate]:
    out = []
    for key, help_text in HEADER_HELP.items():
        if key.startswith(word.lower()):
            insert = f"{key} " if key == "encounter" else f"{key}: "
            out.append(Candidate(key, insert, start, end, "key", help_text.split(".")[0],
                                 sort_text=f"0{key}"))
    return out


def _codes(typed: str, start: int, end: int, codeset: CodeSet, limit: int) -> list[Candidate]:
    code = normalize(typed)
    dotted_style = "." in typed
    out: list[Candidate] = []
    if code is not None:
        info = codeset.get(code)
        if info is not None and info.needs_seventh:
            return _seventh(info, start, end, dotted_style)
        if info is not None and not info.billable:
            children = codeset.children_of(info.node)
            out.extend(_node_candidate(codeset, child, start, end, dotted_style) for child in children[:limit])
            if out:
                return out
    prefix = (code or typed.upper().rstrip(".")).replace(".", "")
    matches = _prefix_nodes(codeset, prefix, limit)
    return [_node_candidate(codeset, node, start, end, dotted_style) for node in matches]


def _prefix_nodes(codeset: CodeSet, prefix: str, limit: int) -> list[int]:
    """Nodes whose compact code starts with the prefix, shallowest first (categories before codes)."""
    compacts, nodes = _sorted_codes(codeset)
    lo = bisect.bisect_left(compacts, prefix)
    hi = bisect.bisect_left(compacts, prefix + "\x7f", lo)
    found = sorted(range(lo, hi), key=lambda i: (len(compacts[i]), compacts[i]))
    return [nodes[i] for i in found[:limit]]


_sorted_cache: dict[int, tuple[list[str], list[int]]] = {}


def _sorted_codes(codeset: CodeSet) -> tuple[list[str], list[int]]:
    """Every node's compact code, sorted, with its node: prefix look-ups by bisection."""
    cached = _sorted_cache.get(id(codeset))
    if cached is None:
        pairs = sorted((compact(code), codeset.node_index(code)) for code in codeset.all_codes())
        cached = _sorted_cache[id(codeset)] = ([p[0] for p in pairs], [p[1] for p in pairs])
    return cached


def _node_candidate(codeset: CodeSet, node: int, start: int, end: int, dotted_style: bool) -> Candidate:
    code = codeset.name_of(node)
    billable = codeset.is_billable(code)
    needs_seventh = codeset.needs_seventh(node)
    status = "billable" if billable else "needs 7th character" if needs_seventh else "header"
    return Candidate(
        label=code, insert_text=code, start=start, end=end,
        kind="code" if billable else "header-code",
        detail=f"{codeset.title_of(node)} ({status})",
        filter_text=code if dotted_style else compact(code),
        sort_text=f"{len(compact(code))}{code}", code=code, reopen=not billable,
        title=codeset.title_of(node) if billable else f"{codeset.title_of(node)} ({status})",
    )


def _seventh(info, start: int, end: int, dotted_style: bool) -> list[Candidate]:
    seventh = info.seventh_characters
    base = pad_for_seventh(info.code)
    out = []
    for char, meaning in seventh.allowed:
        code = dotted(compact(base) + char)
        out.append(Candidate(
            label=code, insert_text=code, start=start, end=end, kind="seventh",
            detail=f"7th character {char}: {meaning}",
            filter_text=code if dotted_style else compact(code),
            sort_text=f"{char}", code=code, title=meaning,
        ))
    return out


def _search(typed: str, start: int, end: int, search, limit: int) -> list[Candidate]:
    text = typed.rstrip()
    out = []
    for rank, hit in enumerate(search(text, limit)):
        if not hit.billable:
            continue
        out.append(Candidate(
            label=hit.code, insert_text=hit.code, start=start, end=start + len(text), kind="search",
            detail=hit.title, filter_text=text, sort_text=f"{rank:04d}", code=hit.code,
            preselect=not out, title=hit.title,
        ))
    return out
