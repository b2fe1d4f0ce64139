"""User settings: which rules run and how loud, which code set, what the editor shows.

Settings come from three places.  On the command line they are merged as
defaults < `icd10ls.toml` (found upward from the checked file) < flags.  In the
editor they are merged as defaults < the editor's settings < `icd10ls.toml`:
the project's file wins, so that the editor and `icd10ls check` in CI agree
on a project's files.  A setting that cannot be read is never dropped silently: it
is returned as a problem, for the CLI to print (exit 2) and the language
server to show.

`icd10ls.toml`::

    default-setting = "inpatient"   # or "outpatient" (the default)
    year = 2026                     # force one fiscal year's code set
    inlay-hints = true
    severity-hints = true           # inpatient: MCC/CC badges after the codes
    completion-limit = 50

    [rules]
    excludes1 = "error"             # "off", "on", "error", "warning", "information", "hint"
    unspecified-code = "off"

The editor's settings (`icd10ls.*` in VS Code) have the shape
``{"rules": {...}, "defaultSetting": ..., "codeSetYear": ..., "inlayHints":
{"enabled": ...}, "completion": {"limit": ...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from .findings import Severity

CONFIG_NAME = "icd10ls.toml"
SETTINGS_VALUES = ("inpatient", "outpatient")
MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RuleSetting:
    enabled: bool = True
    severity: Severity | None = None  # None: the rule's default

    @classmethod
    def parse(cls, value: Any) -> "RuleSetting":
        """'off', 'on', a severity name, or a boolean; ValueError otherwise."""
        if isinstance(value, bool):
            return cls(value)
        if not isinstance(value, str):
            raise ValueError(f"expected a string, not {type(value).__name__}")
        word = value.strip().lower()
        if word in ("off", "false", "none", "disabled"):
            return cls(False)
        if word in ("on", "true", "default", "enabled"):
            return cls(True)
        try:
            return cls(True, Severity.from_label(word))
        except ValueError:
            raise ValueError(f"{value!r} is not off, on, error, warning, information or hint") from None

    @property
    def label(self) -> str:
        if not self.enabled:
            return "off"
        return self.severity.label if self.severity is not None else "on"


@dataclass(frozen=True)
class Settings:
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    default_setting: str = "outpatient"
    year: int | None = None
    inlay_hints: bool = True
    severity_hints: bool = True  # inpatient: a CC/MCC badge after each secondary diagnosis
    completion_limit: int = 50
    # Which fields were given explicitly (by a file or a mapping): `merge` takes
    # only those from an override, so a default never undoes a chosen value.
    explicit: frozenset[str] = field(default=frozenset(), compare=False)

    def rule_enabled(self, rule_id: str) -> bool:
        setting = self.rules.get(rule_id)
        return setting is None or setting.enabled

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        setting = self.rules.get(rule_id)
        return setting.severity if setting is not None and setting.severity is not None else default

    def with_rules(self, changes: Mapping[str, RuleSetting]) -> "Settings":
        rules = dict(self.rules)
        rules.update(changes)
        return replace(self, rules=rules, explicit=self.explicit | {"rules"})

    # -- reading -------------------------------------------------------------
    @classmethod
    def from_mapping(cls, mapping: Any) -> tuple["Settings", list[str]]:
        """Settings from the editor's shape; unknown keys and bad values become problems."""
        problems: list[str] = []
        if mapping is None:
            return cls(), problems
        if not isinstance(mapping, Mapping):
            return cls(), [f"settings must be an object, not {type(mapping).__name__}"]
        values: dict[str, Any] = {}
        for key, value in mapping.items():
            if key == "rules":
                values["rules"] = _read_rules(value, "rules", problems)
            elif key in _CLIENT_KEYS:
                name, reader, inner = _CLIENT_KEYS[key]
                where = key
                if inner is not None and isinstance(value, Mapping):  # {"enabled": false}, {"limit": 20}
                    extra = _CLIENT_INNER_KEYS.get(key, {})
                    _check_keys(value, (inner, *extra), key, problems)
                    for extra_key, (extra_name, extra_reader) in extra.items():
                        if extra_key in value:
                            _put(values, extra_name, extra_reader(value[extra_key], f"{key}.{extra_key}", problems))
                    if inner not in value:
                        continue
                    value, where = value[inner], f"{key}.{inner}"
                _put(values, name, reader(value, where, problems))
            elif key not in _IGNORED_CLIENT_KEYS:
                problems.append(f"{key}: unknown setting")
        return cls._build(values), problems

    @classmethod
    def _build(cls, values: dict[str, Any]) -> "Settings":
        return cls(**values, explicit=frozenset(values))


# The editor's keys: (field, reader, the one key of the object the value may be wrapped in).
_CLIENT_KEYS: dict[str, tuple[str, Any, str | None]] = {}

# Keys the VS Code extension sends for its own use (server path, tracing).
# Keys of the editor's `icd10ls` section that are for the extension, not the server.
_IGNORED_CLIENT_KEYS = frozenset({"trace", "server", "serverPath", "python", "enable", "interpreter",
                                  "serverCommand"})


def _put(values: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        values[name] = value


def _check_keys(mapping: Mapping, known: Iterable[str], where: str, problems: list[str]) -> None:
    for key in mapping:
        if key not in known:
            problems.append(f"{where}.{key}: unknown setting")


def known_rule_ids() -> frozenset[str]:
    from .rules import RULES

    return frozenset(RULES)


def _read_rules(value: Any, where: str, problems: list[str]) -> dict[str, RuleSetting]:
    if not isinstance(value, Mapping):
        problems.append(f"{where}: expected a table of rule ids, such as {{excludes1 = \"off\"}}")
        return {}
    known = known_rule_ids()
    out: dict[str, RuleSetting] = {}
    for rule_id, setting in value.items():
        if rule_id not in known:
            problems.append(f"{where}.{rule_id}: unknown rule id (see `icd10ls check --list-rules`)")
            continue
        try:
            out[rule_id] = RuleSetting.parse(setting)
        except ValueError as error:
            problems.append(f"{where}.{rule_id}: {error}")
    return out


def _read_setting(value: Any, where: str, problems: list[str]) -> str | None:
    if isinstance(value, str) and value.strip().lower() in SETTINGS_VALUES:
        return value.strip().lower()
    problems.append(f"{where}: must be \"inpatient\" or \"outpatient\", not {value!r}")
    return None


def _read_year(value: Any, where: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 2016 <= value <= 2100:
        return value
    problems.append(f"{where}: must be a fiscal year such as 2026, not {value!r}")
    return None


def _read_bool(value: Any, where: str, problems: list[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.append(f"{where}: must be true or false, not {value!r}")
    return None


def _read_limit(value: Any, where: str, problems: list[str]) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 10000:
        return value
    problems.append(f"{where}: must be a whole number from 1 to 10000, not {value!r}")
    return None


# More keys of the editor's objects, beside the one `_CLIENT_KEYS` names: {"severity": true}.
_CLIENT_INNER_KEYS: dict[str, dict[str, tuple[str, Any]]] = {}

_CLIENT_KEYS.update({
    "defaultSetting": ("default_setting", _read_setting, None),
    "codeSetYear": ("year", _read_year, None),
    "inlayHints": ("inlay_hints", _read_bool, "enabled"),
    "completion": ("completion_limit", _read_limit, "limit"),
})
_CLIENT_INNER_KEYS["inlayHints"] = {"severity": ("severity_hints", _read_bool)}

# -- icd10ls.toml ----------------------------------------------------------------

_TOML_KEYS = {
    "default-setting": ("default_setting", _read_setting),
    "year": ("year", _read_year),
    "inlay-hints": ("inlay_hints", _read_bool),
    "severity-hints": ("severity_hints", _read_bool),
    "completion-limit": ("completion_limit", _read_limit),
}


def settings_from_toml(document: Mapping[str, Any], where: str = CONFIG_NAME) -> tuple[Settings, list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key == "rules":
            values["rules"] = _read_rules(value, f"{where}: [rules]", problems)
        elif key == "claims":
            continue  # the columns of claims files: read and checked by icd10ls.claims.mapping
        elif key in _TOML_KEYS:
            name, reader = _TOML_KEYS[key]
            _put(values, name, reader(value, f"{where}: {key}", problems))
        else:
            problems.append(f"{where}: {key}: unknown setting")
    return Settings._build(values), problems


def load_toml(path: str | Path) -> tuple[Settings, list[str]]:
    """Settings from an `icd10ls.toml` file; an unreadable file is one problem."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        return Settings(), [f"{path}: cannot read ({error.strerror or error})"]
    if len(raw) > MAX_CONFIG_BYTES:
        return Settings(), [f"{path}: larger than 1 MB, which no settings file is"]
    try:
        import tomllib  # only when a project file exists: it is slow to import

        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Settings(), [f"{path}: not UTF-8 text"]
    except ValueError as error:  # tomllib.TOMLDecodeError
        return Settings(), [f"{path}: not valid TOML ({error})"]
    return settings_from_toml(document, str(path))


def find_config(start: str | Path) -> Path | None:
    """The nearest `icd10ls.toml` in the directory of `start` (a file or directory) or above it."""
    path = Path(start).absolute()
    directory = path if path.is_dir() else path.parent
    for candidate in (directory, *directory.parents):
        config = candidate / CONFIG_NAME
        if config.is_file():
            return config
    return None


def merge(base: Settings, override: Settings) -> Settings:
    """`base` with everything `override` sets explicitly; rule settings merge per rule."""
    changes: dict[str, Any] = {}
    for f in fields(Settings):
        name = f.name
        if name == "explicit" or name not in override.explicit:
            continue
        if name == "rules":
            rules = dict(base.rules)
            rules.update(override.rules)
            changes["rules"] = rules
        else:
            changes[name] = getattr(override, name)
    return replace(base, **changes, explicit=base.explicit | override.explicit)
