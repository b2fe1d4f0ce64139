/** The status bar item: code set of the active encounter file, or the server's trouble. */

import * as vscode from 'vscode';
import { LANGUAGE_ID, SERVER_COMMANDS } from './core/constants';
import { parseCodeSetInfo, type CodeSetInfo } from './core/args';
import { debounce, RequestSequencer } from './core/debounce';
import { statusView } from './core/status';
import type { ServerManager } from './serverManager';

/** Delay after an edit or save before asking the server again (the date line may have changed). */
const REFRESH_DEBOUNCE_MS = 400;

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly sequencer = new RequestSequencer();
  /** The last answer, with the document it is for. */
  private codeSet: { uri: string; info: CodeSetInfo } | undefined;
  private readonly debouncedRefresh = debounce(() => void this.refresh(), REFRESH_DEBOUNCE_MS);

  constructor(private readonly manager: ServerManager) {
    this.item = vscode.window.createStatusBarItem('icd10ls.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'ICD-10-CM code set';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.render();
        void this.refresh();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (this.isActiveEncounter(event.document)) {
          this.debouncedRefresh.trigger();
        }
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (this.isActiveEncounter(document)) {
          this.debouncedRefresh.trigger();
        }
      }),
      manager.onDidChangeState(() => {
        this.render();
        void this.refresh();
      }),
    );
    this.render();
  }

  private isActiveEncounter(document: vscode.TextDocument): boolean {
    const active = vscode.window.activeTextEditor?.document;
    return active !== undefined && active === document && document.languageId === LANGUAGE_ID;
  }

  /** Ask the server which code set applies to the active file, then redraw. */
  async refresh(): Promise<void> {
    const document = vscode.window.activeTextEditor?.document;
    if (document === undefined || document.languageId !== LANGUAGE_ID || this.manager.state !== 'running') {
      this.sequencer.invalidate();
      this.render();
      return;
    }
    const uri = document.uri.toString();
    const id = this.sequencer.next();
    try {
      const answer = await this.manager.executeServerCommand(SERVER_COMMANDS.codeSetInfo, [uri]);
      if (!this.sequencer.isLatest(id)) {
        return;
      }
      const info = parseCodeSetInfo(answer);
      this.codeSet = info !== undefined ? { uri, info } : undefined;
    } catch {
      if (!this.sequencer.isLatest(id)) {
        return;
      }
      this.codeSet = undefined;
    }
    this.render();
  }

  /** Draw the item from the current state, without asking the server. */
  render(): void {
    const document = vscode.window.activeTextEditor?.document;
    const encounterFileActive = document?.languageId === LANGUAGE_ID;
    const uri = document?.uri.toString();
    const codeSet = this.codeSet !== undefined && this.codeSet.uri === uri ? this.codeSet.info : undefined;
    const view = statusView({
      encounterFileActive,
      state: this.manager.state,
      ...(codeSet !== undefined ? { codeSet } : {}),
      ...(this.manager.serverDescription !== undefined ? { serverDescription: this.manager.serverDescription } : {}),
    });
    if (!view.visible) {
      this.item.hide();
      return;
    }
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor =
      view.severity === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : view.severity === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
  }

  dispose(): void {
    this.debouncedRefresh.cancel();
    this.sequencer.invalidate();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
