"""The CMS order lists in tests/data, read as an independent oracle for the code sets.

Each list holds every chapter (as its number), section (as its range, e.g.
`A00-A09`, or a single category such as `B10`) and code, 7th-character codes
included, without dots, in document order.  An item with nothing below it is
billable.  A single-category section is written just before its category with
the same text (`B10`, then `B10`).
"""

from __future__ import annotations

import lzma
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class CodeList:
    items: tuple[str, ...]  # everything, in document order
    codes: tuple[str, ...]  # without chapters and sections
    billable: tuple[str, ...]  # codes with nothing below them


def _is_chapter(item: str) -> bool:
    return item.isdigit()


@lru_cache(maxsize=None)
def code_list(fiscal_year: int) -> CodeList:
    text = lzma.decompress((DATA / f"code-list-{fiscal_year}-04.txt.xz").read_bytes()).decode("ascii")
    items = tuple(line.strip() for line in text.splitlines() if line.strip())
    codes = []
    for index, item in enumerate(items):
        if _is_chapter(item) or "-" in item:
            continue
        if index + 1 < len(items) and items[index + 1] == item:
            continue  # a single-category section, followed by its category
        codes.append(item)
    billable = [code for code, after in zip(codes, codes[1:] + [""]) if not after.startswith(code)]
    return CodeList(items, tuple(codes), tuple(billable))
