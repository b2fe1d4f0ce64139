/**
 * Read-only markdown documents under the `icd10ls-lookup:` scheme, one per
 * looked-up code, shown with the built-in markdown preview.
 */

import * as vscode from 'vscode';
import { LOOKUP_SCHEME } from './core/constants';
import { lookupDocumentPath } from './core/args';

export class LookupDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Store the markdown for `code` and open its preview beside the editor. */
  async show(code: string, markdown: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: LOOKUP_SCHEME, path: lookupDocumentPath(code) });
    const key = uri.toString();
    const changed = this.contents.has(key) && this.contents.get(key) !== markdown;
    this.contents.set(key, markdown);
    if (changed) {
      this.changeEmitter.fire(uri);
    }
    try {
      await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    } catch {
      // No markdown preview (the built-in extension disabled): show the markdown source instead.
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.languages.setTextDocumentLanguage(document, 'markdown');
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    }
  }

  dispose(): void {
    this.changeEmitter.dispose();
    this.contents.clear();
  }
}
