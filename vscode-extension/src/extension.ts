/**
 * Entry point: contributes nothing clever itself.  It creates the output
 * channel, the server manager, the status bar and the commands, and routes
 * configuration changes to a restart or a notification.
 */

import * as vscode from 'vscode';
import { COMMANDS, LOOKUP_SCHEME } from './core/constants';
import { debounce } from './core/debounce';
import { classifyConfigurationChange } from './core/settings';
import { EditorTracker, lookupCode, searchCodes } from './commands';
import { Installer } from './installer';
import { LookupDocuments } from './lookupDocuments';
import { lookupLanguages, ServerManager } from './serverManager';
import { StatusBar } from './statusBar';

let manager: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('icd10ls', { log: true });
  // Several quick changes of the interpreter (typing a path in the settings UI) restart once.
  const restartSoon = debounce(() => void manager?.restart(true), 500);
  const installer = new Installer(context.globalStorageUri, output);
  manager = new ServerManager(output, () => restartSoon.trigger(), context.asAbsolutePath('server'), installer);
  const server = manager;
  const documents = new LookupDocuments();
  const editors = new EditorTracker();
  const statusBar = new StatusBar(server);

  context.subscriptions.push(
    output,
    server,
    documents,
    editors,
    statusBar,
    { dispose: () => restartSoon.cancel() },
    vscode.workspace.registerTextDocumentContentProvider(LOOKUP_SCHEME, documents),
    vscode.commands.registerCommand(COMMANDS.restartServer, () => server.restart(true)),
    vscode.commands.registerCommand(COMMANDS.showOutput, () => output.show(true)),
    vscode.commands.registerCommand(COMMANDS.installServer, () => server.install()),
    vscode.commands.registerCommand(COMMANDS.lookupCode, (...args: unknown[]) => lookupCode(server, documents, ...args)),
    vscode.commands.registerCommand(COMMANDS.searchCodes, (...args: unknown[]) => searchCodes(server, editors, ...args)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      switch (classifyConfigurationChange((section) => event.affectsConfiguration(section))) {
        case 'restart':
          restartSoon.trigger();
          break;
        case 'notify':
          void server.notifyConfigurationChanged().then(() => statusBar.refresh());
          break;
        case 'none':
          break;
      }
    }),
    // Trusting the workspace makes its interpreter settings apply.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartSoon.trigger()),
  );

  setLookupLanguagesContext();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('icd10ls.lookupLanguages')) {
        setLookupLanguagesContext();
      }
    }),
  );
  void server.start();
}

/** For the editor's context menu: Look Up and Search are offered in these languages too. */
function setLookupLanguagesContext(): void {
  void vscode.commands.executeCommand('setContext', 'icd10ls.lookupLanguages', lookupLanguages());
}

export async function deactivate(): Promise<void> {
  const current = manager;
  manager = undefined;
  await current?.shutdown();
}
