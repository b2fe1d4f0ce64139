"""\"Did you mean\": the codes a mistyped code most likely stands for.

Coders' typos are few and typical: a dot in the wrong place or none, a letter
O for a zero or an I for a one (and back), two characters swapped, one
character too many, too few or wrong.  Every variant one such edit away is
generated and only those the code set knows are kept, so a suggestion is
always a real code; look-alike swaps and transpositions rank first because
they are the likeliest slips.
"""

from __future__ import annotations

import re

from .codes import dotted
from .model import CodeSet

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
    """Likely intended codes for `text`, canonical, billable ones first, at most `limit`."""
    bare = _bare(text)
    if not bare or len(bare) > 9 or not bare.isalnum() or not bare.isascii():
        return []
    billable: list[str] = []
    headers: list[str] = []
    seen: set[str] = set()

    def consider(candidate: str) -> None:
        if len(candidate) < 3 or len(candidate) > 7:
            return
        code = dotted(candidate)
        if code in seen:
            return
        seen.add(code)
        if codeset.is_billable(code):
            billable.append(code)
        elif codeset.node_index(code) is not None:
            headers.append(code)

    consider(bare)  # only the dot or the case was off
    if billable:
        return billable[:limit]
    for group in _edits(bare):
        for candidate in group:
            consider(candidate)
        if len(billable) >= limit:
            break
    return (billable + headers)[:limit]


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

