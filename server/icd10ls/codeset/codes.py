"""The written form of an ICD-10-CM code.

Coders type codes with or without the dot and in any case; everything inside
icd10ls works on one canonical form (`E11.22`, `S06.0X0A`) so that lookups,
comparisons and ranges are plain string operations.
"""

from __future__ import annotations

import re

# A letter, then two alphanumerics of which at least one is a digit (`E11`, and
# since FY2026 also `QA0`), then up to four more alphanumerics.  The dot may be
# present (after the third character) or not.
_CATEGORY = r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])"
_SHAPE = re.compile(_CATEGORY + r"(?:\.?[0-9A-Z]{1,4})?\.?")

# What a code looks like inside running text (encounter lines, notes).  The
# lookahead refuses a dot followed by more characters too, so that an overlong
# "E11.22999" is no token at all rather than the category E11.
# ASCII classes rather than IGNORECASE, which would also accept look-alikes
# such as the long s or the Kelvin sign.
CODE_TOKEN = re.compile(
    r"(?<![A-Za-z0-9.])[A-Za-z](?:[0-9][0-9A-Za-z]|[A-Za-z][0-9])(?:\.?[0-9A-Za-z]{1,4})?"
    r"(?![A-Za-z0-9]|\.[A-Za-z0-9])"
)

MAX_CODE_LENGTH = 7


def compact(code: str) -> str:
    """The code without its dot, upper case: the form of CMS's code lists."""
    return code.replace(".", "").upper()


def normalize(text: str) -> str | None:
    """Canonical form of a code as a coder may type it, or None if it is not code-shaped.

    Accepts surrounding spaces, any case and a missing dot; a lone trailing dot
    (`E11.`) is dropped.  Nothing else is repaired here: a wrong character is the
    business of the "did you mean" suggestions, not of normalization.
    """
    if not isinstance(text, str):
        return None
    candidate = text.strip()
    # ASCII only: str.upper() turns some non-ASCII letters into ASCII ones
    # (dotless i -> I, the ligature ff -> FF), which would make `ı10` the code I10.
    if len(candidate) > 9 or not candidate.isascii():
        return None
    candidate = candidate.upper()
    if not _SHAPE.fullmatch(candidate):
        return None
    if "." in candidate and candidate.index(".") != 3:
        return None
    bare = candidate.replace(".", "")
    if len(bare) > MAX_CODE_LENGTH:
        return None
    return dotted(bare)


def dotted(bare: str) -> str:
    """Insert the dot after the category (three characters) when there is more."""
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def is_code_shaped(text: str) -> bool:
    return normalize(text) is not None


def category_of(code: str) -> str:
    return code[:3]


def pad_for_seventh(code: str) -> str:
    """Pad a code with placeholder X to six characters, ready for a 7th character.

    `T07` -> `T07.XXX`, `S03.40` -> `S03.40X`; codes already six characters long
    are returned unchanged.
    """
    bare = compact(code)
    return dotted(bare + "X" * (6 - len(bare))) if len(bare) < 6 else dotted(bare)
