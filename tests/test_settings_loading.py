"""Settings: the editor's shape, icd10ls.toml, merging, and problems never dropped silently."""

from __future__ import annotations

from pathlib import Path

from icd10ls.findings import Severity
from icd10ls.settings import CONFIG_NAME, RuleSetting, Settings, find_config, load_toml, merge


def test_defaults():
    settings = Settings()
    assert settings.default_setting == "outpatient" and settings.year is None
    assert settings.inlay_hints and settings.completion_limit == 50
    assert settings.rule_enabled("excludes1")
    assert settings.severity_of("excludes1", Severity.WARNING) is Severity.WARNING


def test_from_mapping_reads_the_editor_shape():
    settings, problems = Settings.from_mapping({
        "rules": {"excludes1": "error", "unspecified-code": "off", "code-also": "on"},
        "defaultSetting": "inpatient", "codeSetYear": 2025,
        "inlayHints": {"enabled": False}, "completion": {"limit": 20},
    })
    assert problems == []
    assert settings.rules["excludes1"] == RuleSetting(True, Severity.ERROR)
    assert not settings.rule_enabled("unspecified-code")
    assert settings.rules["code-also"] == RuleSetting(True, None)
    assert (settings.default_setting, settings.year, settings.inlay_hints, settings.completion_limit) == \
        ("inpatient", 2025, False, 20)


def test_from_mapping_reports_every_problem():
    settings, problems = Settings.from_mapping({
        "rules": {"excludes3": "off", "excludes1": "loud"}, "defaultSetting": "ambulance",
        "codeSetYear": "twenty", "inlayHints": {"enabled": "yes", "colour": 1},
        "completion": {"limit": 0}, "colour": "blue",
    })
    text = "\n".join(problems)
    for word in ("excludes3", "loud", "ambulance", "twenty", "inlayHints.enabled", "inlayHints.colour",
                 "completion.limit", "colour"):
        assert word in text
    assert settings == Settings()  # nothing bad was taken


def test_from_mapping_tolerates_none_and_rejects_non_objects():
    assert Settings.from_mapping(None) == (Settings(), [])
    settings, problems = Settings.from_mapping(["rules"])
    assert problems and settings == Settings()


def test_toml_file(tmp_path: Path):
    config = tmp_path / CONFIG_NAME
    config.write_text('default-setting = "inpatient"\nyear = 2026\n\n[rules]\nexcludes1 = "off"\n'
                      'unspecified-code = "warning"\n', encoding="utf-8")
    settings, problems = load_toml(config)
    assert problems == []
    assert settings.default_setting == "inpatient" and settings.year == 2026
    assert not settings.rule_enabled("excludes1")
    assert settings.severity_of("unspecified-code", Severity.HINT) is Severity.WARNING


def test_toml_problems(tmp_path: Path):
    config = tmp_path / CONFIG_NAME
    config.write_text('colour = "blue"\n[rules]\nexcludes9 = "off"\n', encoding="utf-8")
    _, problems = load_toml(config)
    assert any("colour" in p for p in problems) and any("excludes9" in p for p in problems)
    config.write_text("[rules\n", encoding="utf-8")
    assert "not valid TOML" in load_toml(config)[1][0]
    assert "cannot read" in load_toml(tmp_path / "missing.toml")[1][0]


def test_find_config_walks_upward(tmp_path: Path):
    (tmp_path / CONFIG_NAME).write_text("", encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "x.enc").write_text("I10\n", encoding="utf-8")
    assert find_config(deep / "x.enc") == tmp_path / CONFIG_NAME
    assert find_config(deep) == tmp_path / CONFIG_NAME


def test_merge_takes_only_what_the_override_sets():
    base, _ = Settings.from_mapping({"defaultSetting": "inpatient", "rules": {"excludes1": "off"}})
    override, _ = Settings.from_mapping({"rules": {"code-also": "off"}, "codeSetYear": 2025})
    merged = merge(base, override)
    assert merged.default_setting == "inpatient"  # not reset by the override's default
    assert merged.year == 2025
    assert not merged.rule_enabled("excludes1") and not merged.rule_enabled("code-also")
    explicit_default, _ = Settings.from_mapping({"defaultSetting": "outpatient"})
    assert merge(base, explicit_default).default_setting == "outpatient"
