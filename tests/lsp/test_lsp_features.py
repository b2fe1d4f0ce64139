"""End-to-end: every language feature over JSON-RPC, with VS Code's capabilities."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import (apply_edits, change, codes_of, open_document, replace_text, wait_for_diagnostics,
                      wait_for_diagnostics_where, wait_for_message)

VISIT = """encounter ENC-1
date: 2026-03-14
setting: outpatient
dx: E11.2 poa=Y diabetes with kidney complication
dx: N18.4
"""


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_diagnostics_on_open_carry_rule_fix_data_and_version(client: LanguageClient):
    uri = await open_document(client, VISIT)
    diagnostics = client.diagnostics[uri]
    non_billable = [d for d in diagnostics if d.code == "non-billable"]
    assert len(non_billable) == 1
    found = non_billable[0]
    assert found.range == types.Range(start=at(3, 4), end=at(3, 9))
    assert found.severity == types.DiagnosticSeverity.Error
    assert found.source == "icd10ls"
    assert "E11.2" in found.message
    assert found.code_description is not None and found.code_description.href.endswith("#non-billable")
    assert isinstance(found.data, dict)
    assert client.published_versions[uri] == 1


async def test_incremental_edit_updates_diagnostics(client: LanguageClient):
    uri = await open_document(client, VISIT)
    assert "non-billable" in codes_of(client.diagnostics[uri])
    change(client, uri, 2, 3, 9, 9, "2")  # E11.2 -> E11.22
    diagnostics = await wait_for_diagnostics(client, uri, 2)
    assert "non-billable" not in codes_of(diagnostics)
    change(client, uri, 3, 4, 4, 9, "E1399")  # N18.4 -> E1399
    diagnostics = await wait_for_diagnostics(client, uri, 3)
    assert "unknown-code" in codes_of(diagnostics)


async def test_close_clears_diagnostics(client: LanguageClient):
    uri = await open_document(client, VISIT)
    assert client.diagnostics[uri]
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc(uri)))
    await wait_for_diagnostics_where(client, uri, lambda diagnostics: len(diagnostics) == 0, "cleared diagnostics")


async def test_hover_on_a_dx_code(client: LanguageClient):
    uri = await open_document(client, VISIT.replace("E11.2 ", "E11.22 "))
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(3, 6)))
    assert result is not None
    text = result.contents.value
    assert "E11.22" in text and "Type 2 diabetes mellitus with diabetic chronic kidney disease" in text
    assert "billable" in text and "FY2026" in text
    assert "Excludes1" in text and "(from E11)" in text
    assert "Use additional code" in text
    assert "Chapter 4" in text
    assert result.range == types.Range(start=at(3, 4), end=at(3, 10))


async def test_hover_on_header_code_in_comment_and_key(client: LanguageClient):
    text = "date: 2025-03-01\ndx: G35  # compare S52.521\n"
    uri = await open_document(client, text)
    on_code = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(1, 5)))
    assert "G35" in on_code.contents.value and "FY2025" in on_code.contents.value
    assert "FY2025: billable; FY2026: header." in on_code.contents.value
    in_comment = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(1, 22)))
    assert "S52.521" in in_comment.contents.value and "7th character" in in_comment.contents.value
    on_key = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(0, 1)))
    assert "fiscal year" in on_key.contents.value


async def test_completion_by_prefix_reopens_on_headers(client: LanguageClient):
    uri = await open_document(client, "dx: E11.\n")
    result = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                               position=at(0, 8)))
    labels = [i.label for i in result.items]
    assert "E11.2" in labels and "E11.9" in labels
    header = next(i for i in result.items if i.label == "E11.2")
    assert header.command is not None and header.command.command == "editor.action.triggerSuggest"
    assert header.text_edit.range == types.Range(start=at(0, 4), end=at(0, 8))
    billable = next(i for i in result.items if i.label == "E11.9")
    assert billable.command is None


async def test_completion_by_words_survives_vscode_filtering(client: LanguageClient):
    uri = await open_document(client, "dx: diab ckd\n")
    result = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                               position=at(0, 12)))
    labels = [i.label for i in result.items]
    assert "E11.22" in labels[:5]
    item = next(i for i in result.items if i.label == "E11.22")
    assert item.filter_text == "diab ckd"  # VS Code filters on the typed words, so every hit survives
    assert item.text_edit.range == types.Range(start=at(0, 4), end=at(0, 12))
    assert item.text_edit.new_text == "E11.22"


async def test_completion_of_the_7th_character_fills_placeholders(client: LanguageClient):
    uri = await open_document(client, "dx: T07\ndx: S52.521\n")
    result = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                               position=at(0, 7)))
    assert {"T07.XXXA", "T07.XXXD", "T07.XXXS"} <= {i.label for i in result.items}
    result = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                               position=at(1, 11)))
    items = {i.label: i for i in result.items}
    assert "S52.521A" in items and "initial encounter" in items["S52.521A"].detail


async def test_completion_of_keys_and_values_and_lazy_resolve(client: LanguageClient):
    uri = await open_document(client, "se\nsetting: \ndx: E11.9\n")
    keys = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                             position=at(0, 2)))
    assert any(i.label == "setting" and i.text_edit.new_text == "setting: " for i in keys.items)
    values = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                               position=at(1, 9)))
    assert {i.label for i in values.items} == {"inpatient", "outpatient"}
    codes = await client.text_document_completion_async(types.CompletionParams(text_document=doc(uri),
                                                                              position=at(2, 8)))
    item = next(i for i in codes.items if i.label == "E11.9")
    assert item.documentation is None
    resolved = await client.completion_item_resolve_async(item)
    assert "Type 2 diabetes mellitus without complications" in resolved.documentation.value


async def test_quick_fix_applied_and_rechecked(client: LanguageClient):
    text = VISIT
    uri = await open_document(client, text)
    diagnostic = next(d for d in client.diagnostics[uri] if d.code == "non-billable")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(uri), range=diagnostic.range,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    fix = next(a for a in actions if a.edit and "E11.22" in a.title)
    new_text = apply_edits(text, fix.edit.changes[uri])
    assert "dx: E11.22 poa=Y" in new_text
    assert "non-billable" not in codes_of(await replace_text(client, uri, 2, new_text))


async def test_allow_excludes1_pair_action_silences_it(client: LanguageClient):
    text = "date: 2026-01-05\ndx: A15.4\ndx: A15.7\n"
    uri = await open_document(client, text)
    diagnostic = next(d for d in client.diagnostics[uri] if d.code == "excludes1")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(uri), range=diagnostic.range, context=types.CodeActionContext(diagnostics=[diagnostic])))
    allow = next(a for a in actions if a.title == "Allow this Excludes1 pair")
    new_text = apply_edits(text, allow.edit.changes[uri])
    assert "# allow: excludes1" in new_text
    assert "excludes1" not in codes_of(await replace_text(client, uri, 2, new_text))


async def test_fix_all_source_action(client: LanguageClient):
    text = "date: 2026-01-05\ndx: t07a\ndx: e119\ndx: e119\n"
    uri = await open_document(client, text)
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=doc(uri), range=types.Range(start=at(0, 0), end=at(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.icd10ls"])))
    assert len(actions) == 1
    fixed = apply_edits(text, actions[0].edit.changes[uri])
    assert fixed.splitlines() == ["date: 2026-01-05", "dx: T07.XXXA", "dx: E11.9"]


async def test_configuration_change_flips_a_rule_severity(client: LanguageClient):
    uri = await open_document(client, "date: 2026-01-05\ndx: A15.4\ndx: A15.7\n")
    excludes = [d for d in client.diagnostics[uri] if d.code == "excludes1"]
    assert excludes and all(d.severity == types.DiagnosticSeverity.Warning for d in excludes)
    client.set_configuration({"rules": {"excludes1": "error"}}, section="icd10ls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for_diagnostics_where(client, uri, lambda diagnostics: all(
        d.severity == types.DiagnosticSeverity.Error for d in diagnostics if d.code == "excludes1"
    ) and "excludes1" in codes_of(diagnostics), "excludes1 reported as an error")
    client.set_configuration({"rules": {"excludes1": "off"}}, section="icd10ls")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for_diagnostics_where(client, uri, lambda diagnostics: "excludes1" not in codes_of(diagnostics),
                                     "excludes1 switched off")


async def test_invalid_settings_give_one_message_and_keep_defaults(client: LanguageClient):
    text = "date: 2026-01-05\ndx: A15.4\ndx: A15.7\n"
    uri = await open_document(client, text)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"icd10ls": {"rules": {"excludes1": "loud", "no-such-rule": "off"}}}))
    message = await wait_for_message(client)
    assert "excludes1" in message.message and "no-such-rule" in message.message
    diagnostics = await replace_text(client, uri, 2, text)
    assert any(d.code == "excludes1" and d.severity == types.DiagnosticSeverity.Warning for d in diagnostics)
    assert len(client.messages) == 1


async def test_inlay_hints_symbols_folding_and_formatting(client: LanguageClient):
    text = "encounter A\ndate: 2026-01-05\ndx: e1122\ndx: N18.4\n\nencounter B\ndx: I10\n"
    uri = await open_document(client, text)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=doc(uri), range=types.Range(start=at(0, 0), end=at(7, 0))))
    labels = [h.label for h in hints]
    assert any("Chronic kidney disease, stage 4" in str(label) for label in labels)
    assert hints[0].position == at(2, 9)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(uri)))
    assert [s.name for s in symbols] == ["encounter A", "encounter B"]
    assert [c.name for c in symbols[0].children] == ["E11.22", "N18.4"]
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc(uri)))
    assert (folds[0].start_line, folds[0].end_line) == (0, 3)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert apply_edits(text, edits) == text.replace("e1122", "E11.22")


async def test_server_commands_for_the_extension(client: LanguageClient):
    uri = await open_document(client, "date: 2025-02-01\ndx: I10\n")
    info = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.codeSetInfo", arguments=[uri]))
    assert info == {"label": "ICD-10-CM FY2025", "fiscalYear": 2025, "validityOnly": False}
    lookup = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.lookup", arguments=["l709"]))
    assert lookup["found"] is True and "Acne, unspecified" in lookup["markdown"]
    hits = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="icd10ls.server.search", arguments=["nail disorder", 5]))
    assert len(hits) == 5 and any(h["code"].startswith("L60") for h in hits)


async def test_pull_diagnostics_when_the_client_supports_them(pull_client: LanguageClient):
    uri = "file:///tmp/icd10ls-tests/pull.enc"
    pull_client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="icd10-encounter", version=1, text="date: 2026-01-15\ndx: R51\n")))
    report = await pull_client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=doc(uri)))
    assert [d.code for d in report.items] == ["non-billable"]


@pytest.mark.parametrize("position", [at(0, 500), at(99, 0), at(0, 3)])
async def test_out_of_range_and_surrogate_positions(client: LanguageClient, position):
    uri = await open_document(client, "😀 dx: E11.9\n")
    result = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=position))
    assert result is None or result.contents.value


async def test_a_code_set_year_that_is_not_installed_is_reported_and_dropped(client: LanguageClient):
    text = "date: 2025-02-01\ndx: G35\n"  # billable in FY2025, a header in FY2026
    uri = await open_document(client, text)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"icd10ls": {"codeSetYear": 2030}}))
    message = await wait_for_message(client)
    assert "2030 is not installed" in message.message
    diagnostics = await replace_text(client, uri, 2, text)
    assert "non-billable" not in codes_of(diagnostics)  # the date still chooses FY2025
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc(uri), position=at(1, 5)))
    assert "FY2025" in hover.contents.value


async def test_formatting_leaves_unknown_codes_as_typed(client: LanguageClient):
    text = "date: 2026-01-05\ndx: t07a\ndx: e1399\ndx: e119\n"
    uri = await open_document(client, text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert apply_edits(text, edits) == "date: 2026-01-05\ndx: t07a\ndx: e1399\ndx: E11.9\n"
