/**
 * Starts, stops and restarts the server: resolves the command, checks the
 * installed version, runs the language client, and reports its state.
 * The decisions themselves live in ./core; this file wires them to VS Code.
 */

import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  DocumentDiagnosticRequest,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type CloseHandlerResult,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import {
  COMMANDS,
  CONFIG_SECTION,
  DEFAULT_LOOKUP_LANGUAGES,
  LANGUAGE_ID,
  SERVER_MODULE,
  VERSION_CHECK_TIMEOUT_MS,
} from './core/constants';
import {
  expandVariables,
  findOnPath,
  formatCommand,
  isPathLike,
  resolveLaunch,
  versionCheckArguments,
  type ServerLaunch,
} from './core/interpreter';
import { CrashRestartPolicy, crashMessage, restartLogLine } from './core/restartPolicy';
import { openSettingCommand, selectSection, toServerSettings, type ServerSettings } from './core/settings';
import type { ServerState } from './core/status';
import {
  ACTION_LABELS,
  checkProblemMessage,
  classifyVersionCheck,
  newestServerWheel,
  noInterpreterMessage,
  outcomeFromExecFile,
  serverCommandNotFoundMessage,
  startFailedMessage,
  type ProblemAction,
  type ProblemMessage,
  type ProcessOutcome,
} from './core/versionCheck';
import { isRoutineClientError, LineBuffer } from './core/serverLog';
import { heldWhileTyping, TYPING_PAUSE_MS, typingOf, type Typing } from './core/typing';
import type { Installer } from './installer';
import { onDidChangePythonInterpreter, pythonExtensionInterpreter } from './pythonExtension';

/** Raised by {@link ServerManager.executeServerCommand} when there is no running server to ask. */
export class ServerNotRunningError extends Error {
  constructor() {
    super('The icd10ls server is not running.');
    this.name = 'ServerNotRunningError';
  }
}

/**
 * The language client, with one change: while the server is not running, the
 * client's own error notifications ("couldn't create connection to server",
 * "Restarting server failed") go to the output only, because the manager
 * reports start failures itself with one actionable message.
 */
class Icd10Client extends LanguageClient {
  override error(message: string, data?: unknown, showNotification: boolean | 'force' = true): void {
    if (isRoutineClientError(message)) {
      this.info(message, data, false); // a normal stop or restart
      return;
    }
    super.error(message, data, this.state === State.Running ? showNotification : false);
  }
}

/**
 * The output channel as the language client sees it: the server's standard error arrives
 * through `append` in chunks; each line becomes one log entry at the level the server gave it,
 * and blank lines are dropped.
 */
function serverOutputChannel(output: vscode.LogOutputChannel): vscode.LogOutputChannel {
  const lines = new LineBuffer();
  const write = (chunk: string): void => {
    for (const entry of lines.push(chunk)) {
      output[entry.level](entry.text);
    }
  };
  return new Proxy(output, {
    get(target, property) {
      if (property === 'append') {
        return write;
      }
      if (property === 'appendLine') {
        return (line: string) => write(`${line}\n`);
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The languages besides encounter files where codes are looked up, from `icd10ls.lookupLanguages`. */
export function lookupLanguages(): string[] {
  const value = vscode.workspace.getConfiguration(CONFIG_SECTION).get<unknown>('lookupLanguages', DEFAULT_LOOKUP_LANGUAGES);
  if (!Array.isArray(value)) {
    return [...DEFAULT_LOOKUP_LANGUAGES];
  }
  return value.filter((language): language is string => typeof language === 'string' && language.trim() !== '' && language !== LANGUAGE_ID);
}

/**
 * Open the Settings editor on one setting.  In a remote window (Remote-SSH, WSL, Codespaces,
 * code-server) the server runs on the remote machine, so its machine-overridable settings
 * belong on the Remote tab; the User tab would show them empty.
 */
export async function openSetting(id: string): Promise<void> {
  const { command, argument } = openSettingCommand(id, vscode.env.remoteName);
  try {
    await vscode.commands.executeCommand(command, argument);
    return;
  } catch {
    // A VS Code without the remote command: the User tab is better than nothing.
  }
  await vscode.commands.executeCommand('workbench.action.openSettings', id);
}

function isExecutableFile(fullPath: string): boolean {
  try {
    if (!fs.statSync(fullPath).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(fullPath, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function firstWorkspaceFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
}

function pathLookup(names: readonly string[]): string | undefined {
  return findOnPath(names, {
    platform: process.platform,
    pathVariable: process.env.PATH ?? process.env.Path,
    pathExt: process.env.PATHEXT,
    isExecutable: isExecutableFile,
  });
}

function runVersionCheck(python: readonly string[], cwd: string | undefined): Promise<ProcessOutcome> {
  return new Promise((resolve) => {
    childProcess.execFile(
      python[0],
      [...python.slice(1), ...versionCheckArguments()],
      { timeout: VERSION_CHECK_TIMEOUT_MS, windowsHide: true, cwd, encoding: 'utf8' },
      (error, stdout, stderr) => resolve(outcomeFromExecFile(error, stdout, stderr)),
    );
  });
}

/** The settings of `scope` (a document or folder URI), mapped for the server. */
export function serverSettingsFor(scope: vscode.Uri | undefined, log?: vscode.LogOutputChannel): ServerSettings {
  const mapped = toServerSettings(vscode.workspace.getConfiguration(CONFIG_SECTION, scope));
  if (log !== undefined) {
    for (const problem of mapped.problems) {
      log.warn(problem);
    }
  }
  return mapped.settings;
}

export class ServerManager implements vscode.Disposable {
  private client: Icd10Client | undefined;
  /** 'starting' from the outset: activation starts the server right away. */
  private currentState: ServerState = 'starting';
  private launch: ServerLaunch | undefined;
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  /** Fires whenever {@link state} changes. */
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly policy = new CrashRestartPolicy();
  /** Serializes start / stop / restart. */
  private queue: Promise<void> = Promise.resolve();
  /** Key of the last problem shown, so the same problem is not shown again and again. */
  private shownProblem: string | undefined;
  /** Whether the current server process finished its handshake. */
  private reachedRunning = false;
  /** True while {@link doStart} awaits the client: it then reports a failure itself. */
  private startingFromManager = false;
  private pythonListener: vscode.Disposable | undefined;
  private disposed = false;
  /** The line being typed on, per encounter document, and the timer that shows its held error. */
  private readonly typing = new Map<string, Typing>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  /** Pushed diagnostics shown without their held errors: showing them all, per document. */
  private readonly heldPushes = new Map<string, () => void>();
  private readonly typingListener = vscode.workspace.onDidChangeTextDocument((event) => {
    if (event.document.languageId !== LANGUAGE_ID || event.contentChanges.length === 0) {
      return;
    }
    const key = event.document.uri.toString();
    const now = Date.now();
    const typing = typingOf(
      event.contentChanges.map((change) => ({ startLine: change.range.start.line, endLine: change.range.end.line, text: change.text })),
      now,
    );
    if (typing === undefined) {
      this.typing.delete(key);
      return;
    }
    this.typing.set(key, typing);
    this.showHeldAfterPause();
  });

  constructor(
    private readonly output: vscode.LogOutputChannel,
    /** Called when the Python extension's interpreter changes and the server depends on it. */
    private readonly onPythonInterpreterChanged: () => void,
    /** The extension's `server` folder, where `make vsix` puts the server's wheel. */
    private readonly serverWheelFolder: string,
    private readonly installer: Installer,
  ) {}

  /** What the suggested pip command installs: the wheel shipped in the .vsix, else the package name. */
  private installTarget(): string {
    let names: string[];
    try {
      names = fs.readdirSync(this.serverWheelFolder);
    } catch {
      return SERVER_MODULE;
    }
    const wheel = newestServerWheel(names);
    return wheel === undefined ? SERVER_MODULE : path.join(this.serverWheelFolder, wheel);
  }

  get state(): ServerState {
    return this.currentState;
  }

  /** The server's command line, for tooltips. */
  get serverDescription(): string | undefined {
    return this.launch !== undefined ? formatCommand([this.launch.command, ...this.launch.args], process.platform) : undefined;
  }

  private setState(state: ServerState): void {
    if (state !== this.currentState) {
      this.currentState = state;
      this.stateEmitter.fire(state);
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task, task);
    this.queue = run.catch((error: unknown) => {
      this.output.error(`icd10ls: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.queue;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  /**
   * Stop the server and start it again.  `userAsked`: run from the command
   * (or a setting changed), so problems are reported again even if unchanged.
   */
  restart(userAsked: boolean): Promise<void> {
    return this.enqueue(async () => {
      await this.doStop();
      this.policy.reset();
      if (userAsked) {
        this.shownProblem = undefined;
      }
      await this.doStart();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** Send `workspace/executeCommand` to the running server. */
  async executeServerCommand(command: string, args: unknown[], token?: vscode.CancellationToken): Promise<unknown> {
    const client = this.client;
    if (client === undefined || client.state !== State.Running) {
      throw new ServerNotRunningError();
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }, token);
  }

  /** Tell the server that settings changed (those that need no restart). */
  async notifyConfigurationChanged(): Promise<void> {
    const client = this.client;
    if (client === undefined || client.state !== State.Running) {
      return;
    }
    const settings = serverSettingsFor(undefined, this.output);
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { [CONFIG_SECTION]: settings } });
  }

  private async doStart(): Promise<void> {
    if (this.disposed) {
      return;
    }
    this.setState('starting');
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const workspaceFolder = firstWorkspaceFolder();
    const expand = (value: string): string =>
      expandVariables(value, { home: os.homedir(), workspaceFolder, env: process.env });
    let consultedPythonExtension = false;
    const resolution = await resolveLaunch({
      serverCommand: config.get('serverCommand'),
      interpreter: config.get('interpreter'),
      pythonExtension: () => {
        consultedPythonExtension = true;
        return pythonExtensionInterpreter(vscode.window.activeTextEditor?.document.uri);
      },
      managedEnvironment: () => this.installer.environmentPython(),
      findOnPath: pathLookup,
      platform: process.platform,
      expand,
      workspaceFolder,
    });
    if (consultedPythonExtension) {
      await this.watchPythonInterpreter();
    }
    if (resolution.kind === 'noInterpreter') {
      this.launch = undefined;
      this.output.error('No Python interpreter found.');
      this.setState('notInstalled');
      this.report(noInterpreterMessage(process.platform));
      return;
    }
    this.launch = resolution;
    if (resolution.kind === 'python') {
      const python = resolution.python.command;
      this.output.info(`Checking ${formatCommand(python, process.platform)} (from ${resolution.python.source}) for icd10ls.`);
      const outcome = await runVersionCheck(python, workspaceFolder);
      const result = classifyVersionCheck(outcome);
      if (result.kind !== 'ok') {
        // Not installed yet is a state the Install button resolves, not an error of the server.
        const notInstalled = result.kind === 'missing' || result.kind === 'tooOld';
        const log = (text: string): void => (notInstalled ? this.output.warn(text) : this.output.error(text));
        if (result.kind !== 'missing' && outcome.stderr.trim() !== '') {
          log(outcome.stderr.trim());
        }
        // The Install button cannot help an interpreter the coder chose in the settings.
        const canInstall = resolution.python.source !== 'setting';
        const problem = checkProblemMessage(result, python, process.platform, undefined, this.installTarget(), canInstall);
        this.setState(result.kind === 'missing' || result.kind === 'tooOld' || result.kind === 'interpreterNotFound' ? 'notInstalled' : 'failed');
        if (problem !== undefined) {
          log(problem.text);
          this.report(problem);
        }
        return;
      }
      this.output.info(`Found icd10ls ${result.version}.`);
    } else {
      const program = resolution.command;
      const exists = isPathLike(program, process.platform) ? isExecutableFile(program) : pathLookup([program]) !== undefined;
      if (!exists) {
        const problem = serverCommandNotFoundMessage(program, process.platform);
        this.output.error(problem.text);
        this.setState('failed');
        this.report(problem);
        return;
      }
    }
    await this.startClient(resolution, workspaceFolder);
  }

  private async startClient(launch: ServerLaunch, cwd: string | undefined): Promise<void> {
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: [...launch.args],
      options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const client = new Icd10Client(CONFIG_SECTION, 'icd10ls', serverOptions, this.clientOptions());
    this.client = client;
    this.reachedRunning = false;
    client.onDidChangeState((event) => {
      if (this.client !== client) {
        return;
      }
      if (event.newState === State.Running) {
        this.reachedRunning = true;
        this.setState('running');
      } else if (event.newState === State.Starting) {
        this.reachedRunning = false;
        this.setState('starting');
      } else if (this.currentState !== 'crashed' && this.currentState !== 'failed') {
        this.setState('stopped');
      }
    });
    this.output.info(`Starting ${formatCommand([launch.command, ...launch.args], process.platform)}`);
    this.startingFromManager = true;
    let failure: string | undefined;
    try {
      await client.start();
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      this.startingFromManager = false;
    }
    // When the process dies during the handshake, start() may also resolve without a
    // running client (the close handler ran first), so the state decides.
    if (failure !== undefined || client.state !== State.Running) {
      // The server's own error (a traceback on stderr) is in the output already; the
      // client's error text ("Pending response rejected...") would only confuse.
      this.output.error(`Starting the server failed${failure !== undefined ? `: ${failure}` : '.'}`);
      this.setState('failed');
      this.report(startFailedMessage(undefined));
      return;
    }
    // A successful start clears the memory of earlier problems.
    this.shownProblem = undefined;
  }

  private clientOptions(): LanguageClientOptions {
    const languages = [LANGUAGE_ID, ...lookupLanguages()];
    return {
      // Encounter files get everything; notes and queries (Markdown, plain text) get hovers on codes.
      documentSelector: languages.flatMap((language) => [
        { scheme: 'file', language },
        { scheme: 'untitled', language },
      ]),
      outputChannel: serverOutputChannel(this.output),
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: () => serverSettingsFor(undefined, this.output),
      // Log a failed handshake and give up; the manager or the close handler tells the user once.
      initializationFailedHandler: (error: unknown) => {
        this.output.error(`Server initialization failed: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
      markdown: {
        // Hover text may link to these commands (e.g. "look up E11.9"); no other command runs from it.
        isTrusted: { enabledCommands: [COMMANDS.lookupCode, COMMANDS.searchCodes] },
        supportHtml: false,
      },
      errorHandler: {
        error: (error, _message, count): ErrorHandlerResult => {
          this.output.error(`Connection error: ${error.message}`);
          return (count ?? 0) <= 3 ? { action: ErrorAction.Continue, handled: true } : { action: ErrorAction.Shutdown };
        },
        closed: (): CloseHandlerResult => this.onConnectionClosed(),
      },
      middleware: {
        // Hold back the syntax error of the line being typed until typing pauses.
        provideDiagnostics: async (document, previousResultId, token, next) => {
          const report = await next(document, previousResultId, token);
          const uri = document instanceof vscode.Uri ? document : document.uri;
          const typing = this.typing.get(uri.toString());
          if (report === undefined || report === null || !('items' in report) || typing === undefined) {
            return report; // an unchanged report has no items to hold back
          }
          const now = Date.now();
          return { ...report, items: report.items.filter((diagnostic) => !heldWhileTyping(diagnostic, typing, now)) };
        },
        handleDiagnostics: (uri, diagnostics, next) => {
          const typing = this.typing.get(uri.toString());
          const now = Date.now();
          const shown = typing === undefined ? diagnostics : diagnostics.filter((diagnostic) => !heldWhileTyping(diagnostic, typing, now));
          if (shown.length !== diagnostics.length) {
            this.heldPushes.set(uri.toString(), () => next(uri, diagnostics));
          } else {
            this.heldPushes.delete(uri.toString());
          }
          next(uri, shown);
        },
        workspace: {
          // Answer `workspace/configuration` for `icd10ls` with the same mapped object as initializationOptions.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer;
            }
            return params.items.map((item, index) => {
              const scope = item.scopeUri !== undefined ? vscode.Uri.parse(item.scopeUri) : undefined;
              const mine =
                item.section === CONFIG_SECTION || item.section?.startsWith(`${CONFIG_SECTION}.`) === true
                  ? selectSection(serverSettingsFor(scope), item.section)
                  : undefined;
              return mine !== undefined ? mine : (answer[index] as unknown);
            });
          },
        },
      },
    };
  }

  private onConnectionClosed(): CloseHandlerResult {
    const decision = this.policy.onClosed(Date.now(), this.reachedRunning);
    if (decision.action === 'restart') {
      this.output.warn(restartLogLine(decision, this.policy.maxRestarts));
      return { action: CloseAction.Restart, handled: true };
    }
    const message = crashMessage(decision, this.policy.windowMs);
    this.output.error(message);
    const reportedByStart = decision.reason === 'startup' && (this.startingFromManager || this.currentState === 'failed');
    if (!reportedByStart) {
      // A failed start that the manager began is reported by startClient; everything else here.
      this.setState('crashed');
      this.report({ key: `crashed:${decision.reason ?? ''}`, severity: 'error', text: message, actions: ['showOutput', 'retry'] });
    }
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      try {
        await client.dispose(2000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.setState('stopped');
  }

  private async watchPythonInterpreter(): Promise<void> {
    if (this.pythonListener !== undefined) {
      return;
    }
    this.pythonListener = await onDidChangePythonInterpreter(() => {
      const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
      const interpreter = config.get<string>('interpreter') ?? '';
      const serverCommand = config.get<string[]>('serverCommand') ?? [];
      if (interpreter.trim() === '' && serverCommand.length === 0) {
        this.onPythonInterpreterChanged();
      }
    });
  }

  /** Show a problem once; the same problem again is only logged until something changes. */
  private report(problem: ProblemMessage): void {
    if (this.shownProblem === problem.key) {
      return;
    }
    this.shownProblem = problem.key;
    void this.showProblem(problem);
  }

  private async showProblem(problem: ProblemMessage): Promise<void> {
    const labels = problem.actions.map((action) => ACTION_LABELS[action]);
    const show = problem.severity === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    const chosen = await show(problem.text, ...labels);
    const action: ProblemAction | undefined = problem.actions.find((candidate) => ACTION_LABELS[candidate] === chosen);
    switch (action) {
      case 'install':
      case 'retryInstall':
        await this.install();
        break;
      case 'openInterpreterSetting':
        await openSetting(`${CONFIG_SECTION}.interpreter`);
        break;
      case 'openServerCommandSetting':
        await openSetting(`${CONFIG_SECTION}.serverCommand`);
        break;
      case 'copyCommand':
        if (problem.copyCommand !== undefined) {
          await vscode.env.clipboard.writeText(problem.copyCommand);
          void vscode.window.showInformationMessage(`Copied: ${problem.copyCommand}`);
        }
        break;
      case 'showOutput':
        this.output.show(true);
        break;
      case 'retry':
        await this.restart(true);
        break;
      case undefined:
        break;
    }
  }

  /**
   * Install the server into the extension's own environment and start it from there.  On
   * failure pip's output is in the output channel and one message offers Retry.
   */
  async install(): Promise<void> {
    if (this.currentState === 'installing') {
      return;
    }
    await this.stop();
    this.setState('installing');
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const interpreter = (config.get<string>('interpreter') ?? '').trim();
    const fromSetting = interpreter !== '' ? [expandVariables(interpreter, { home: os.homedir(), workspaceFolder: firstWorkspaceFolder(), env: process.env })] : undefined;
    let fromPythonExtension: string[] | undefined;
    try {
      fromPythonExtension = await pythonExtensionInterpreter(vscode.window.activeTextEditor?.document.uri);
    } catch {
      fromPythonExtension = undefined;
    }
    const outcome = await this.installer.install(fromSetting, fromPythonExtension, this.installTarget());
    if (!outcome.ok) {
      this.setState('notInstalled');
      this.shownProblem = undefined;
      this.report({
        key: 'installFailed',
        severity: 'error',
        text: outcome.message ?? 'Installing the icd10ls server failed.',
        actions: outcome.noPython === true ? ['retryInstall'] : ['showOutput', 'retryInstall'],
      });
      return;
    }
    await this.restart(true);
  }

  /** After the pause, ask for the diagnostics again: the held errors then show. */
  private showHeldAfterPause(): void {
    if (this.typingTimer !== undefined) {
      clearTimeout(this.typingTimer);
    }
    this.typingTimer = setTimeout(() => {
      this.typingTimer = undefined;
      const pushes = [...this.heldPushes.values()];
      this.heldPushes.clear();
      for (const push of pushes) {
        push();
      }
      const client = this.client;
      if (client === undefined || client.state !== State.Running) {
        return;
      }
      const feature = client.getFeature(DocumentDiagnosticRequest.method);
      for (const document of vscode.workspace.textDocuments) {
        if (document.languageId === LANGUAGE_ID && this.typing.has(document.uri.toString())) {
          feature?.getProvider(document)?.onDidChangeDiagnosticsEmitter.fire();
          break; // one refresh pulls every open document again
        }
      }
    }, TYPING_PAUSE_MS + 50);
  }

  dispose(): void {
    this.disposed = true;
    this.typingListener.dispose();
    if (this.typingTimer !== undefined) {
      clearTimeout(this.typingTimer);
    }
    this.pythonListener?.dispose();
    this.stateEmitter.dispose();
  }

  /** Stop the server for deactivation. */
  async shutdown(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }
}
