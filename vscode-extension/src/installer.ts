/**
 * Runs the install steps of ./core/install: finds a Python 3.11+, makes the extension's own
 * environment in its global storage, and installs the server wheel of the .vsix into it,
 * with progress in a notification and pip's output in the icd10ls output.
 */

import * as childProcess from 'node:child_process';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import {
  ENVIRONMENT_FOLDER,
  createEnvironmentArguments,
  environmentPython,
  installArguments,
  isSupportedPython,
  lastMeaningfulLine,
  noPythonForInstallMessage,
  pythonCandidates,
  pythonVersionArguments,
} from './core/install';
import { formatCommand } from './core/interpreter';

export interface InstallOutcome {
  readonly ok: boolean;
  /** What to tell the coder when it failed. */
  readonly message?: string;
  /** Whether the failure was that no Python was found (then "Retry" after installing Python). */
  readonly noPython?: boolean;
}

interface RunResult {
  readonly exitCode: number | null;
  readonly output: string;
  readonly spawnError?: string;
}

/** Run a program, streaming its output to `log` (when given) line by line. */
function run(command: readonly string[], log: vscode.LogOutputChannel | undefined, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    const finish = (result: RunResult): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    let child: childProcess.ChildProcess;
    try {
      child = childProcess.spawn(command[0], command.slice(1), {
        windowsHide: true,
        env: { ...process.env, PYTHONUNBUFFERED: '1', PIP_NO_INPUT: '1' },
      });
    } catch (error) {
      finish({ exitCode: null, output: '', spawnError: error instanceof Error ? error.message : String(error) });
      return;
    }
    const timer = setTimeout(() => child.kill(), timeoutMs);
    let pending = '';
    const onData = (data: Buffer): void => {
      const text = data.toString();
      output += text;
      if (log !== undefined) {
        const lines = (pending + text).split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() !== '') {
            log.info(line);
          }
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (error) => {
      clearTimeout(timer);
      finish({ exitCode: null, output, spawnError: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (log !== undefined && pending.trim() !== '') {
        log.info(pending);
      }
      finish({ exitCode: code, output });
    });
  });
}

export class Installer {
  constructor(
    private readonly storage: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private get folder(): string {
    return vscode.Uri.joinPath(this.storage, ENVIRONMENT_FOLDER).fsPath;
  }

  /** The Python of the extension's own environment, when it has been made. */
  environmentPython(): string | undefined {
    const python = environmentPython(this.folder, process.platform);
    return fs.existsSync(python) ? python : undefined;
  }

  /** The first candidate Python that is 3.11 or newer. */
  private async findPython(candidates: readonly (readonly string[])[]): Promise<string[] | undefined> {
    for (const candidate of candidates) {
      const result = await run([...candidate, ...pythonVersionArguments()], undefined, 20_000);
      if (result.exitCode === 0 && isSupportedPython(result.output)) {
        this.log.info(`Using ${formatCommand(candidate, process.platform)} (Python ${result.output.trim()}) for the environment.`);
        return [...candidate];
      }
    }
    return undefined;
  }

  /** Make the environment and install `target` (the wheel of the .vsix) into it, with progress. */
  install(fromSetting: readonly string[] | undefined, fromPythonExtension: readonly string[] | undefined, target: string): Thenable<InstallOutcome> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Installing the icd10ls server', cancellable: false },
      async (progress): Promise<InstallOutcome> => {
        progress.report({ message: 'looking for Python…' });
        const candidates = pythonCandidates(process.platform, fromSetting, fromPythonExtension);
        const python = await this.findPython(candidates);
        if (python === undefined) {
          const message = noPythonForInstallMessage(candidates, process.platform);
          this.log.error(message);
          return { ok: false, message, noPython: true };
        }
        await fs.promises.mkdir(this.storage.fsPath, { recursive: true });
        progress.report({ message: 'creating its environment…' });
        this.log.info(`Creating the environment ${this.folder}`);
        const created = await run([...python, ...createEnvironmentArguments(this.folder)], this.log, 180_000);
        if (created.exitCode !== 0) {
          return this.failed('creating the environment', created);
        }
        progress.report({ message: 'installing the server and its dependencies (a minute or two)…' });
        const envPython = environmentPython(this.folder, process.platform);
        this.log.info(`Installing ${target}`);
        const installed = await run([envPython, ...installArguments(target)], this.log, 900_000);
        if (installed.exitCode !== 0) {
          return this.failed('installing', installed);
        }
        this.log.info('The icd10ls server is installed.');
        return { ok: true };
      },
    );
  }

  private failed(step: string, result: RunResult): InstallOutcome {
    const reason = result.spawnError ?? lastMeaningfulLine(result.output);
    this.log.error(`Installing the icd10ls server failed while ${step}: ${reason}`);
    return {
      ok: false,
      message: `Installing the icd10ls server failed while ${step}${reason !== '' ? ` (${reason})` : ''}. The details are in the icd10ls output; check your network or proxy, then click Retry.`,
    };
  }
}
