/**
 * Before starting the server the extension runs
 * `<python> -c "import icd10ls; print(icd10ls.__version__)"` and turns what
 * happened into one of a few outcomes, each with one actionable message.
 */

import { MIN_SERVER_VERSION, SERVER_MODULE } from './constants';
import { formatCommand } from './interpreter';
import { compareVersions, meetsMinimum, parseVersion, type Version } from './version';

/** What running the check process did, independent of how it was run. */
export interface ProcessOutcome {
  /** Set when the program could not be started at all (`ENOENT`, `EACCES`, ...). */
  readonly spawnError?: string;
  /** Set when the process was killed for taking too long. */
  readonly timedOut?: boolean;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export type CheckResult =
  | { readonly kind: 'ok'; readonly version: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'tooOld'; readonly version: string | undefined }
  | { readonly kind: 'broken'; readonly detail: string }
  | { readonly kind: 'interpreterNotFound'; readonly detail: string }
  | { readonly kind: 'timeout' };

/** Shape of the error `child_process.execFile` passes to its callback. */
export interface ExecFileErrorLike {
  readonly code?: unknown;
  readonly killed?: boolean;
  readonly signal?: unknown;
  readonly message?: string;
}

/** Convert `execFile`'s callback arguments into a {@link ProcessOutcome}. */
export function outcomeFromExecFile(
  error: ExecFileErrorLike | null | undefined,
  stdout: string | Buffer,
  stderr: string | Buffer,
): ProcessOutcome {
  const out = stdout.toString();
  const err = stderr.toString();
  if (!error) {
    return { exitCode: 0, stdout: out, stderr: err };
  }
  if (typeof error.code === 'string') {
    // A string code is an error of spawn itself (ENOENT, EACCES...); a number is the exit code.
    return { spawnError: error.code, exitCode: null, stdout: out, stderr: err };
  }
  if (error.killed === true) {
    return { timedOut: true, exitCode: null, stdout: out, stderr: err };
  }
  return { exitCode: typeof error.code === 'number' ? error.code : null, stdout: out, stderr: err };
}

function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length > 0 ? lines[lines.length - 1] : '';
}

/** Classify the check's outcome against the minimum server version. */
export function classifyVersionCheck(outcome: ProcessOutcome, minimum: string = MIN_SERVER_VERSION): CheckResult {
  if (outcome.spawnError !== undefined) {
    return { kind: 'interpreterNotFound', detail: outcome.spawnError };
  }
  if (outcome.timedOut === true) {
    return { kind: 'timeout' };
  }
  if (outcome.exitCode !== 0) {
    const error = lastLine(outcome.stderr);
    const missing = new RegExp(`No module named '?${SERVER_MODULE}'?(\\s|$)`);
    if (missing.test(outcome.stderr)) {
      return { kind: 'missing' };
    }
    if (/AttributeError\b.*__version__/.test(outcome.stderr)) {
      // A package so old (or so different) that it has no __version__.
      return { kind: 'tooOld', version: undefined };
    }
    return {
      kind: 'broken',
      detail: error !== '' ? error : `exit code ${outcome.exitCode === null ? 'unknown' : outcome.exitCode}`,
    };
  }
  const version = lastLine(outcome.stdout);
  if (parseVersion(version) === undefined) {
    return { kind: 'broken', detail: `unexpected version ${JSON.stringify(version)}` };
  }
  if (!meetsMinimum(version, minimum)) {
    return { kind: 'tooOld', version };
  }
  return { kind: 'ok', version };
}

/** A button of a problem message. */
export type ProblemAction =
  | 'install'
  | 'retryInstall'
  | 'openInterpreterSetting'
  | 'openServerCommandSetting'
  | 'copyCommand'
  | 'showOutput'
  | 'retry';

export const ACTION_LABELS: Readonly<Record<ProblemAction, string>> = {
  install: 'Install',
  retryInstall: 'Retry',
  openInterpreterSetting: 'Open setting',
  openServerCommandSetting: 'Open setting',
  copyCommand: 'Copy command',
  showOutput: 'Show output',
  retry: 'Retry',
};

export interface ProblemMessage {
  /** Same key, same problem: a message is not repeated for it until something changes. */
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly text: string;
  /** The command "Copy command" puts on the clipboard. */
  readonly copyCommand?: string;
  readonly actions: readonly ProblemAction[];
}

/**
 * The pip command that installs (or upgrades) the server for an interpreter.  `target` is what
 * pip installs: the server wheel shipped inside the .vsix when there is one, else the package name.
 */
export function pipCommand(
  python: readonly string[],
  platform: NodeJS.Platform,
  mode: 'install' | 'upgrade' | 'reinstall',
  target: string = SERVER_MODULE,
): string {
  const extra = mode === 'install' ? [] : mode === 'upgrade' ? ['--upgrade'] : ['--upgrade', '--force-reinstall'];
  return formatCommand([...python, '-m', 'pip', 'install', ...extra, target], platform);
}

// Wheel file names write the version with "_" for "-" (PEP 427); a pure-Python server only.
const WHEEL_NAME = /^icd10ls-([^-]+)-py3-none-any\.whl$/;

/** The newest server wheel among file names (those of the extension's `server` folder), if any. */
export function newestServerWheel(fileNames: readonly string[]): string | undefined {
  let best: { name: string; version: Version } | undefined;
  for (const name of fileNames) {
    const match = WHEEL_NAME.exec(name);
    const version = match === null ? undefined : parseVersion(match[1]);
    if (version !== undefined && (best === undefined || compareVersions(version, best.version) > 0)) {
      best = { name, version };
    }
  }
  return best?.name;
}

/** The one message for a failed check; undefined when the check passed. */
export function checkProblemMessage(
  result: CheckResult,
  python: readonly string[],
  platform: NodeJS.Platform,
  minimum: string = MIN_SERVER_VERSION,
  installTarget: string = SERVER_MODULE,
  canInstall = false,
): ProblemMessage | undefined {
  const shown = formatCommand(python, platform);
  if (canInstall && (result.kind === 'missing' || result.kind === 'tooOld')) {
    return installMessage(result.kind === 'tooOld');
  }
  switch (result.kind) {
    case 'ok':
      return undefined;
    case 'missing': {
      const command = pipCommand(python, platform, 'install', installTarget);
      return {
        key: `missing:${shown}`,
        severity: 'error',
        text: `${SERVER_MODULE} is not installed for ${shown}. Install it with: ${command}`,
        copyCommand: command,
        actions: ['openInterpreterSetting', 'copyCommand', 'retry'],
      };
    }
    case 'tooOld': {
      const command = pipCommand(python, platform, 'upgrade', installTarget);
      const installed = result.version !== undefined ? `${SERVER_MODULE} ${result.version}` : `The installed ${SERVER_MODULE}`;
      return {
        key: `tooOld:${shown}:${result.version ?? '?'}`,
        severity: 'error',
        text: `${installed} for ${shown} is too old: this extension needs ${minimum} or newer. Upgrade it with: ${command}`,
        copyCommand: command,
        actions: ['openInterpreterSetting', 'copyCommand', 'retry'],
      };
    }
    case 'broken': {
      const command = pipCommand(python, platform, 'reinstall', installTarget);
      return {
        key: `broken:${shown}:${result.detail}`,
        severity: 'error',
        text: `${SERVER_MODULE} could not be imported by ${shown} (${result.detail}). Reinstall it with: ${command}`,
        copyCommand: command,
        actions: ['openInterpreterSetting', 'copyCommand', 'showOutput'],
      };
    }
    case 'interpreterNotFound':
      return {
        key: `notFound:${shown}`,
        severity: 'error',
        text: `The Python interpreter ${shown} could not be started (${result.detail}). Set icd10ls.interpreter to a Python 3.11+ interpreter that has ${SERVER_MODULE} installed.`,
        actions: ['openInterpreterSetting'],
      };
    case 'timeout':
      return {
        key: `timeout:${shown}`,
        severity: 'warning',
        text: `Checking the ${SERVER_MODULE} version with ${shown} did not finish in time, so the server was not started.`,
        actions: ['retry', 'openInterpreterSetting'],
      };
  }
}

/**
 * The one message when the server is not installed (or too old) and the extension can install
 * it itself: no terminal, no pip command to copy.
 */
export function installMessage(upgrade: boolean): ProblemMessage {
  return {
    key: upgrade ? 'install:upgrade' : 'install',
    severity: 'warning',
    text: upgrade
      ? `The ${SERVER_MODULE} server is too old for this extension. Click Install to update it (a minute or two).`
      : `The ${SERVER_MODULE} server is not installed yet. Click Install to set it up (a minute or two; it gets its own Python environment).`,
    actions: ['install', 'retry'],
  };
}

/** Message when no interpreter was found anywhere. */
export function noInterpreterMessage(platform: NodeJS.Platform): ProblemMessage {
  const names = platform === 'win32' ? 'python or python3' : 'python3 or python';
  return {
    key: 'noInterpreter',
    severity: 'error',
    text: `No Python interpreter found for ${SERVER_MODULE}: icd10ls.interpreter is empty, the Python extension has no active interpreter, and neither ${names} is on PATH. Install Python 3.11 or newer (python.org), then click Retry, or set icd10ls.interpreter.`,
    actions: ['retry', 'openInterpreterSetting'],
  };
}

/** Message when the program of `icd10ls.serverCommand` does not exist. */
export function serverCommandNotFoundMessage(program: string, platform: NodeJS.Platform): ProblemMessage {
  const shown = formatCommand([program], platform);
  return {
    key: `serverCommandNotFound:${shown}`,
    severity: 'error',
    text: `The program of icd10ls.serverCommand, ${shown}, was not found. Fix the setting or clear it to run the server with a Python interpreter.`,
    actions: ['openServerCommandSetting'],
  };
}

/** Message when the server process started but did not complete the LSP handshake. */
export function startFailedMessage(detail: string | undefined): ProblemMessage {
  const suffix = detail !== undefined && detail.trim() !== '' ? ` (${detail.trim()})` : '';
  return {
    key: `startFailed:${detail ?? ''}`,
    severity: 'error',
    text: `The ${SERVER_MODULE} server failed to start${suffix}. See the output for details.`,
    actions: ['showOutput', 'retry'],
  };
}
