/** The extension's commands: look up a code and search codes by words. */

import * as vscode from 'vscode';
import { CONFIG_SECTION, LANGUAGE_ID, SERVER_COMMANDS } from './core/constants';
import {
  CODE_TOKEN_RE,
  lookupRequestArguments,
  normalizeCode,
  normalizeQuery,
  notFoundMarkdown,
  parseLookupArgs,
  parseLookupResult,
  parseSearchArgs,
  parseSearchResults,
  searchRequestArguments,
  toSearchItems,
  validateCodeInput,
  type SearchPickItem,
} from './core/args';
import { debounce, RequestSequencer } from './core/debounce';
import { toServerSettings } from './core/settings';
import type { LookupDocuments } from './lookupDocuments';
import { ServerNotRunningError, type ServerManager } from './serverManager';

/** Delay between the last keystroke and the search request. */
const SEARCH_DEBOUNCE_MS = 150;

/**
 * The text editor a code goes into: the active one, or, when a look-up preview or a panel has
 * the focus, the editor the coder was last typing in (if it is still open).
 */
export class EditorTracker implements vscode.Disposable {
  private last: vscode.TextEditor | undefined = usableEditor(vscode.window.activeTextEditor);
  private readonly listener = vscode.window.onDidChangeActiveTextEditor((editor) => {
    this.last = usableEditor(editor) ?? this.last;
  });

  get editor(): vscode.TextEditor | undefined {
    const active = usableEditor(vscode.window.activeTextEditor);
    if (active !== undefined) {
      return active;
    }
    return this.last !== undefined && !this.last.document.isClosed ? this.last : undefined;
  }

  dispose(): void {
    this.listener.dispose();
  }
}

/** An editor of a file or an unsaved document (not the output, not a look-up preview). */
function usableEditor(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  const scheme = editor?.document.uri.scheme;
  return scheme === 'file' || scheme === 'untitled' || scheme === 'vscode-remote' ? editor : undefined;
}

/** The URI of an encounter file, which decides the code set; undefined for other editors. */
function encounterUri(editor: vscode.TextEditor | undefined): string | undefined {
  const document = editor?.document;
  return document?.languageId === LANGUAGE_ID ? document.uri.toString() : undefined;
}

function activeEncounterUri(): string | undefined {
  return encounterUri(vscode.window.activeTextEditor);
}

/** The code under the cursor of the active editor, to prefill the lookup box. */
function codeUnderCursor(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return undefined;
  }
  const range = editor.document.getWordRangeAtPosition(editor.selection.active, CODE_TOKEN_RE);
  return range !== undefined ? normalizeCode(editor.document.getText(range)) : undefined;
}

/** Tell the user the server is not there, with a way to start it. */
async function reportNotRunning(manager: ServerManager): Promise<void> {
  const restart = 'Restart server';
  const chosen = await vscode.window.showWarningMessage('The icd10ls server is not running.', restart);
  if (chosen === restart) {
    await manager.restart(true);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function lookupCode(manager: ServerManager, documents: LookupDocuments, ...args: unknown[]): Promise<void> {
  const parsed = parseLookupArgs(args);
  if (parsed.error !== undefined) {
    void vscode.window.showErrorMessage(parsed.error);
    return;
  }
  let code = parsed.code;
  if (code === undefined) {
    const typed = await vscode.window.showInputBox({
      title: 'Look up an ICD-10-CM code',
      prompt: 'Code, with or without the dot',
      // A look-up preview that had the focus takes it back as the palette closes;
      // the box must not vanish then (Escape closes it).
      ignoreFocusOut: true,
      placeHolder: 'E11.22',
      value: codeUnderCursor() ?? '',
      validateInput: validateCodeInput,
    });
    if (typed === undefined) {
      return;
    }
    code = normalizeCode(typed);
    if (code === undefined) {
      return;
    }
  }
  const uri = parsed.uri ?? activeEncounterUri();
  let answer: unknown;
  try {
    answer = await manager.executeServerCommand(SERVER_COMMANDS.lookup, lookupRequestArguments(code, uri));
  } catch (error) {
    if (error instanceof ServerNotRunningError) {
      await reportNotRunning(manager);
    } else {
      void vscode.window.showErrorMessage(`Looking up ${code} failed: ${errorText(error)}`);
    }
    return;
  }
  const result = parseLookupResult(answer);
  if (result === undefined) {
    void vscode.window.showErrorMessage(`The icd10ls server gave an unexpected answer for ${code}; is it up to date?`);
    return;
  }
  const markdown = result.markdown.trim() !== '' ? result.markdown : notFoundMarkdown(code);
  await documents.show(code, markdown);
}

/** Replace each selection of `editor` with `code`; copy it when there is no editor to type into. */
async function insertCode(editor: vscode.TextEditor | undefined, code: string): Promise<void> {
  if (editor !== undefined && !editor.document.isClosed) {
    // An editor hidden behind another tab meanwhile is shown again, with its cursor where it was.
    const target = vscode.window.visibleTextEditors.includes(editor)
      ? editor
      : await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection });
    const selections = target.selections;
    const done = await target.edit((builder) => {
      for (const selection of selections) {
        builder.replace(selection, code);
      }
    });
    if (done) {
      await vscode.window.showTextDocument(target.document, target.viewColumn);
      return;
    }
  }
  await vscode.env.clipboard.writeText(code);
  void vscode.window.showInformationMessage(`No editor to insert into: copied ${code} to the clipboard.`);
}

/** Keep the server's order (billable codes first): VS Code 1.92+ has `sortByLabel`. */
function keepOrder(pick: vscode.QuickPick<SearchPickItem>): void {
  if ('sortByLabel' in pick) {
    try {
      (pick as { sortByLabel: boolean }).sortByLabel = false;
    } catch {
      // A VS Code where it is still a proposal: the labels alone keep the order there.
    }
  }
}

export function searchCodes(manager: ServerManager, editors: EditorTracker, ...args: unknown[]): void {
  const parsed = parseSearchArgs(args);
  const editor = editors.editor;
  const uri = parsed.uri ?? encounterUri(editor);
  // The completion limit also caps the search results.
  const limit = toServerSettings(vscode.workspace.getConfiguration(CONFIG_SECTION, editor?.document.uri)).settings.completion
    .limit;

  const pick = vscode.window.createQuickPick<SearchPickItem>();
  pick.title = 'Search ICD-10-CM codes';
  pick.ignoreFocusOut = true; // as for Look Up: a preview taking the focus back must not close it
  pick.placeholder = 'Words of the diagnosis, e.g. "type 2 diabetes kidney", or the start of a code';
  pick.matchOnDescription = false;
  pick.matchOnDetail = false;
  keepOrder(pick);
  const sequencer = new RequestSequencer();
  let closed = false;

  const search = async (query: string): Promise<void> => {
    const id = sequencer.next();
    pick.busy = true;
    try {
      const answer = await manager.executeServerCommand(SERVER_COMMANDS.search, searchRequestArguments(query, limit, uri));
      if (closed || !sequencer.isLatest(id)) {
        return; // A newer query (or a closed picker) makes this answer stale.
      }
      pick.items = toSearchItems(parseSearchResults(answer));
    } catch (error) {
      if (closed || !sequencer.isLatest(id)) {
        return;
      }
      pick.items = [];
      if (error instanceof ServerNotRunningError) {
        pick.hide();
        await reportNotRunning(manager);
      } else {
        void vscode.window.showErrorMessage(`Searching codes failed: ${errorText(error)}`);
      }
    } finally {
      if (!closed && sequencer.isLatest(id)) {
        pick.busy = false;
      }
    }
  };
  const debounced = debounce((query: string) => void search(query), SEARCH_DEBOUNCE_MS);

  pick.onDidChangeValue((value) => {
    const query = normalizeQuery(value);
    if (query === undefined) {
      debounced.cancel();
      sequencer.invalidate();
      pick.items = [];
      pick.busy = false;
      return;
    }
    pick.busy = true;
    debounced.trigger(query);
  });
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
    if (chosen?.code === undefined) {
      return;
    }
    pick.hide();
    void insertCode(editor, chosen.code);
  });
  pick.onDidHide(() => {
    closed = true;
    debounced.cancel();
    sequencer.invalidate();
    pick.dispose();
  });

  pick.show();
  if (parsed.query !== undefined) {
    pick.value = parsed.query;
    pick.busy = true;
    debounced.trigger(parsed.query);
  }
}
