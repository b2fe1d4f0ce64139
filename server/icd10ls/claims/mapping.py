"""Which column of a claims extract holds what: the claim id, the date, the diagnoses...

Billing systems name their columns in many ways (`DX1`, `ICD_DGNS_CD1`, `PDX`,
`service_date`...), so the mapping starts from the headers a file has: common
names are recognised, and whatever a `[claims]` table in `icd10ls.toml` or a
`--claims-map KEY=COLUMN` flag says wins.  Two layouts exist:

* ``wide``: one row per claim, one column per diagnosis position (first = principal);
* ``long``: one row per code, with a claim id and a sequence column (1 = principal);
  the rows of one claim are adjacent.

A mapping that names a column the file does not have is a `MappingError`, said
once for the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

__all__ = ["ClaimsMapping", "MappingError", "KEYS", "resolve", "from_config", "parse_assignments"]

WIDE, LONG = "wide", "long"

# Mapping keys as written in icd10ls.toml and --claims-map; dx and poa take lists.
KEYS = ("layout", "claim", "date", "setting", "bill-type", "age", "sex", "discharge-status", "dx", "poa", "px", "code",
        "sequence")


class MappingError(Exception):
    """A mapping that cannot be applied to a file (a column that does not exist, a bad key)."""


@dataclass(frozen=True)
class ClaimsMapping:
    """The columns a file's claims are read from; None where the file has no such column."""

    layout: str = WIDE
    claim: str | None = None
    date: str | None = None
    setting: str | None = None
    bill_type: str | None = None
    age: str | None = None
    sex: str | None = None
    discharge_status: str | None = None
    dx: tuple[str, ...] = ()  # wide: diagnosis columns in order, the principal first
    poa: tuple[str | None, ...] = ()  # wide: the POA column of each dx column, or None
    px: tuple[str, ...] = ()  # wide: ICD-10-PCS procedure columns in order, the principal first
    code: str | None = None  # long: the diagnosis code column
    sequence: str | None = None  # long: the position column (1 = principal)
    long_poa: str | None = None  # long: the POA column

    def columns(self) -> list[str]:
        """Every column read, each once, in a stable order."""
        named = [self.claim, self.date, self.setting, self.bill_type, self.age, self.sex, self.discharge_status,
                 *self.dx, *self.poa, *self.px, self.code, self.sequence, self.long_poa]
        return list(dict.fromkeys(c for c in named if c))

    def describe(self) -> str:
        """One line for people: which column is read as what."""
        parts = [f"{key}={value}" for key, value in (
            ("claim", self.claim), ("date", self.date), ("setting", self.setting),
            ("bill-type", self.bill_type), ("age", self.age), ("sex", self.sex),
            ("discharge-status", self.discharge_status),
            ("code", self.code), ("sequence", self.sequence), ("poa", self.long_poa)) if value]
        if self.dx:
            parts.append(f"dx={','.join(self.dx)}")
        if any(self.poa):
            parts.append(f"poa={','.join(p or '-' for p in self.poa)}")
        if self.px:
            parts.append(f"px={','.join(self.px)}")
        return f"{self.layout}: " + " ".join(parts)


# -- recognising headers -------------------------------------------------------------------

def _key(name: str) -> str:
    """A header as compared: lower case, without blanks, '_', '-' and '.'."""
    return re.sub(r"[\s_.\-]+", "", name).lower()


_SINGLE = {
    "claim": ("claimid", "claim", "claimno", "claimnumber", "clmid", "claimkey", "encounterid", "encounter",
              "visitid", "id"),
    "date": ("dos", "servicedate", "dateofservice", "svcdate", "fromdate", "dischargedate", "thrudate",
             "throughdate", "date"),
    "setting": ("setting", "caresetting", "patienttype", "encountertype", "pttype"),
    "bill_type": ("billtype", "typeofbill", "tob"),
    "age": ("age", "patientage", "ageyears", "ptage"),
    "sex": ("sex", "gender", "patientsex", "ptsex"),
    "discharge_status": ("dischargestatus", "dischstatus", "patientstatus", "ptstatus", "dstat",
                         "ptntdschrgstuscd", "disposition", "dischargedisposition"),
    "code": ("code", "dxcode", "diagnosiscode", "icdcode", "icd10code", "icd10cm", "dx", "diagnosis"),
    "sequence": ("sequence", "seq", "dxseq", "sequencenumber", "position", "dxposition", "rank"),
    "long_poa": ("poa", "poaindicator", "poaflag", "dxpoa"),
}
_PRINCIPAL = ("pdx", "principaldx", "principaldiagnosis", "primarydx", "primarydiagnosis", "prncpaldgnscd",
              "dx0")
_PRINCIPAL_POA = ("pdxpoa", "poapdx", "principalpoa", "poa0")
_NUMBERED_DX = re.compile(r"(?:i10|icd10|icd)?(?:dx|diag|diagnosis|dgnscd|icddgnscd|dgns)0*([1-9][0-9]?)(?:cd)?")
_PRINCIPAL_PX = ("ppx", "principalpx", "principalprocedure", "prncpalprcdrcd")
_NUMBERED_PX = re.compile(r"(?:i10|icd10|icd|pcs)?(?:px|proc|procedure|prcdrcd|icdprcdrcd|prcdr)0*([1-9][0-9]?)(?:cd)?")
_NUMBERED_POA = re.compile(r"(?:dx|diag)?poa(?:ind|indicator|sw|flag|dx)?0*([1-9][0-9]?)|(?:dx|diag)0*([1-9][0-9]?)poa")


def _find(by_key: Mapping[str, str], candidates: Sequence[str]) -> str | None:
    for candidate in candidates:
        if candidate in by_key:
            return by_key[candidate]
    return None


def _numbered(columns: Iterable[str], pattern: re.Pattern) -> dict[int, str]:
    found: dict[int, str] = {}
    for column in columns:
        match = pattern.fullmatch(_key(column))
        if match:
            number = int(next(g for g in match.groups() if g is not None))
            found.setdefault(number, column)
    return found


def recognise(columns: Sequence[str]) -> ClaimsMapping:
    """The mapping the headers suggest on their own."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(_key(column), column)
    values: dict[str, Any] = {name: _find(by_key, candidates) for name, candidates in _SINGLE.items()}
    numbered = _numbered(columns, _NUMBERED_DX)
    poas = _numbered(columns, _NUMBERED_POA)
    principal = _find(by_key, _PRINCIPAL)
    dx: list[str] = []
    poa: list[str | None] = []
    if principal is not None:
        dx.append(principal)
        poa.append(_find(by_key, _PRINCIPAL_POA) or (poas.get(1) if 1 not in numbered else None))
    for number in sorted(numbered):
        dx.append(numbered[number])
        poa.append(poas.get(number))
    px = [column for column in (_find(by_key, _PRINCIPAL_PX),) if column is not None]
    numbered_px = _numbered(columns, _NUMBERED_PX)
    px += [numbered_px[number] for number in sorted(numbered_px)]
    if dx:
        values.update(layout=WIDE, dx=tuple(dx), poa=tuple(poa), px=tuple(px), code=None, sequence=None,
                      long_poa=None)
    elif values["code"] and values["sequence"]:
        values.update(layout=LONG)
    return ClaimsMapping(**values)


# -- what the user says --------------------------------------------------------------------

_LISTS = ("dx", "poa", "px")

_ATTRIBUTE = {"bill-type": "bill_type", "discharge-status": "discharge_status"}


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """`KEY=COLUMN` strings (from --claims-map) as a mapping table; dx and poa take comma lists."""
    table: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise MappingError(f"--claims-map {item!r}: write KEY=COLUMN (keys: {', '.join(KEYS)})")
        value = value.strip()
        table[key] = [part.strip() for part in value.split(",") if part.strip()] if key in _LISTS else value
    return table


def from_config(table: Any, where: str) -> dict[str, Any]:
    """The `[claims]` table of icd10ls.toml, checked: MappingError names the bad key."""
    if not isinstance(table, Mapping):
        raise MappingError(f"{where}: [claims] must be a table of KEY = \"COLUMN\"")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key == "delimiter":
            if not isinstance(value, str) or len(value) != 1:
                raise MappingError(f"{where}: [claims] delimiter must be one character, not {value!r}")
            out[key] = value
        elif key in _LISTS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise MappingError(f"{where}: [claims] {key} must be a list of column names")
            out[key] = value
        elif key in KEYS:
            if not isinstance(value, str):
                raise MappingError(f"{where}: [claims] {key} must be a column name, not {value!r}")
            out[key] = value
        else:
            raise MappingError(f"{where}: [claims] {key}: unknown key (keys: {', '.join(KEYS)}, delimiter)")
    return out


def resolve(columns: Sequence[str], table: Mapping[str, Any] | None = None) -> ClaimsMapping:
    """The mapping for a file with these headers: recognised names, then `table` over them.

    Raises MappingError when a named column is missing or no diagnosis column is found.
    """
    mapping = recognise(columns)
    table = dict(table or {})
    table.pop("delimiter", None)
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            raise MappingError(f"unknown claims mapping key {key!r} (keys: {', '.join(KEYS)})")
        if key == "layout":
            if value not in (WIDE, LONG):
                raise MappingError(f"claims layout must be '{WIDE}' or '{LONG}', not {value!r}")
            changes["layout"] = value
        elif key in ("dx", "px"):
            changes[key] = tuple(value)
        elif key == "poa":
            changes["poa"] = tuple(v if v not in ("", "-") else None for v in value)
        else:
            changes[_ATTRIBUTE.get(key, key)] = value or None
    layout = changes.get("layout", mapping.layout)
    if layout == LONG:
        if "poa" in changes:
            poa = changes.pop("poa")
            changes["long_poa"] = poa[0] if poa else None
        changes.update(dx=(), poa=(), px=())
    elif "dx" in changes and "poa" not in changes:
        changes["poa"] = _poa_for(changes["dx"], columns)
    mapping = replace(mapping, **changes)
    if mapping.layout == WIDE and len(mapping.poa) != len(mapping.dx):
        poa = tuple(mapping.poa[: len(mapping.dx)]) + (None,) * max(0, len(mapping.dx) - len(mapping.poa))
        mapping = replace(mapping, poa=poa)
    _check(mapping, columns)
    return mapping


def _poa_for(dx: Sequence[str], columns: Sequence[str]) -> tuple[str | None, ...]:
    """POA columns recognised for explicitly mapped dx columns, by their number."""
    poas = _numbered(columns, _NUMBERED_POA)
    out: list[str | None] = []
    for position, column in enumerate(dx, start=1):
        match = _NUMBERED_DX.fullmatch(_key(column))
        out.append(poas.get(int(match.group(1)) if match else position))
    return tuple(out)


def _check(mapping: ClaimsMapping, columns: Sequence[str]) -> None:
    present = set(columns)
    missing = [c for c in mapping.columns() if c not in present]
    if missing:
        shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
        raise MappingError(f"no column {', '.join(repr(c) for c in missing)} in the file "
                           f"(its columns: {shown}); fix the [claims] mapping or --claims-map")
    if mapping.layout == LONG:
        for key, value in (("code", mapping.code), ("sequence", mapping.sequence), ("claim", mapping.claim)):
            if value is None:
                raise MappingError(f"long layout needs a {key} column: map it with --claims-map {key}=COLUMN")
    elif not mapping.dx:
        raise MappingError("no diagnosis column found (such as PDX or DX1, DX2...): "
                           "map them with --claims-map dx=COL1,COL2,... or dx = [...] in [claims]")

