"""\"Did you mean\": the codes a mistyped code most likely stands for.

Coders' typos are few and typical: a dot in the wrong place or none, a letter
O for a zero or an I for a one (and back), two characters swapped, one
character too many, too few or wrong.  Every variant one such edit away is
generated and only those the code set knows are kept, so a suggestion is
always a real code; look-alike swaps and transpositions rank first because
they are the likeliest slips.
"""

from __future__ import annotations

import itertools
import re

from .codes import compact, dotted
from .model import CodeSet
from .specificity import SPECIFIC, classify

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOOK_ALIKES = {"O": "0", "0": "O", "I": "1", "1": "I", "L": "1", "S": "5", "5": "S", "Z": "2", "B": "8"}
_JUNK = re.compile(r"[\s.\-_/,]")


def _bare(text: str) -> str:
    return _JUNK.sub("", text).upper()


def _edits(bare: str) -> list[list[str]]:
    """Variants one edit away, grouped from likeliest to least likely."""
    n = len(bare)
    look_alike = [bare[:i] + _LOOK_ALIKES[c] + bare[i + 1:] for i, c in enumerate(bare) if c in _LOOK_ALIKES]
    swapped = [bare[:i] + bare[i + 1] + bare[i] + bare[i + 2:] for i in range(n - 1) if bare[i] != bare[i + 1]]
    deleted = [bare[:i] + bare[i + 1:] for i in range(n)]
    inserted = [bare[:i] + c + bare[i:] for i in range(1, n + 1) for c in _ALPHABET]
    replaced = [bare[:i] + c + bare[i + 1:] for i in range(1, n) for c in _ALPHABET if c != bare[i]]
    return [look_alike, swapped, deleted, inserted, replaced]


def suggest(codeset: CodeSet, text: str, limit: int = 5) -> list[str]:
    """Likely intended codes for `text`, canonical, billable ones first, at most `limit`.

    A placeholder X put right (`T07A` is `T07.XXXA`) comes first; then codes of the
    written category before those of another (`E11.23` suggests E11.21, E11.22, E11.29
    before E31.23), the likeliest slip first, and among equal slips the one sharing
    more characters from the start.
    """
    bare = _bare(text)
    if not bare or len(bare) > 9 or not bare.isalnum() or not bare.isascii():
        return []
    billable: list[tuple[tuple[int, int], str]] = []
    headers: list[tuple[tuple[int, int], str]] = []
    seen: set[str] = set()

    def consider(candidate: str, group: int) -> None:
        if len(candidate) < 3 or len(candidate) > 7:
            return
        code = dotted(candidate)
        if code in seen:
            return
        seen.add(code)
        shared = _shared(bare, candidate)
        key = (shared < 3, group, -shared)
        if codeset.is_billable(code):
            billable.append((key, code))
        elif codeset.node_index(code) is not None:
            headers.append((key, code))

    consider(bare, 0)  # only the dot or the case was off
    if billable:
        return [code for _, code in billable][:limit]
    readings = placeholder_readings(codeset, bare)
    if readings:
        return list(readings[:limit])
    for group, variants in enumerate(_edits(bare), start=1):
        for candidate in variants:
            consider(candidate, group)
        if sum(1 for key, _ in billable if not key[0]) >= limit:
            break
    billable.sort(key=lambda item: item[0])
    headers.sort(key=lambda item: item[0])
    return [code for _, code in billable + headers][:limit]


def _shared(written: str, candidate: str) -> int:
    """How many characters the two share from the start (3 or more: the same category)."""
    n = 0
    for a, b in zip(written, candidate):
        if a != b:
            break
        n += 1
    return n


_DEFAULT_TITLE = re.compile(r"\bwithout (?:complications?|mention of)\b", re.IGNORECASE)
_UNSPECIFIED_TITLE = re.compile(r"\bunspecified\b", re.IGNORECASE)


def defaults_first(codeset: CodeSet, codes: list[str], heading: str | None = None) -> list[str]:
    """Codes with the one to use when the record says no more first: a heading's code
    "without complications" (`E11.9`), then its "unspecified" codes (`I50.9`), then the
    other NOS and NEC codes, shortest first; the specific codes after them, in order.
    One of the first fits whatever the record says."""
    depth = len(compact(heading)) if heading else None

    def rank(item: tuple[int, str]) -> tuple:
        position, code = item
        info = codeset.get(code)
        if info is None:
            return (4, 0, True, position)
        title = info.title
        direct = depth is None or len(compact(code)) <= depth + 1 + (1 if "X" in code else 0)
        if direct and _DEFAULT_TITLE.search(title):
            group = 0
        elif direct and _UNSPECIFIED_TITLE.search(title):
            group = 1
        elif classify(codeset, info.node).label != SPECIFIC:
            group = 2
        else:
            return (3, 0, True, position)
        return (group, len(compact(code)), not code.endswith("9"), position)

    return [code for _, code in sorted(enumerate(codes), key=rank)]


def same_code(codeset: CodeSet, text: str) -> str | None:
    """The code `text` is, once spaces, dots and case are set right; None if none.

    Only those: a slash or a dash may be a typo for a character, so `I1/0` is
    not silently taken for `I10`."""
    bare = re.sub(r"[\s.]", "", text).upper()
    if 3 <= len(bare) <= 7 and bare.isascii() and bare.isalnum():
        code = dotted(bare)
        if code in codeset:
            return code
    return None


def placeholder_readings(cs: CodeSet, bare: str) -> tuple[str, ...]:
    """Codes the written one becomes with its placeholder X put right.

    The written X after the category are dropped and as many X as needed are
    placed again before the 7th character, in every possible way; a reading is
    kept when it is a billable code, or, when no 7th character seems to be
    written, a code waiting for one.
    """
    if not 4 <= len(bare) <= 7:
        return ()
    found: list[str] = []
    for body, seventh in ((bare[:-1], bare[-1]), (bare, "")):
        stem = body[3:].replace("X", "")
        free = 6 - 3 - len(stem)
        if free < 0 or (free == 0 and body[3:] == stem):
            continue
        for places in itertools.combinations(range(3), free):
            chars = iter(stem)
            tail = "".join("X" if i in places else next(chars) for i in range(3))
            candidate = dotted(body[:3] + tail + seventh)
            if candidate in found or compact(candidate) == bare:
                continue
            if seventh and cs.is_billable(candidate):
                found.append(candidate)
            elif not seventh:
                node = cs.node_index(candidate)
                if node is not None and cs.needs_seventh(node):
                    found.append(candidate)
        if found:
            break
    return tuple(found)
