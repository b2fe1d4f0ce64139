/**
 * Installing the server without a terminal: the extension makes its own Python
 * environment (in its global storage), installs the server's wheel shipped in the
 * .vsix into it, and from then on runs the server from there.  The steps are
 * decided here; ../installer.ts runs them.
 */

import * as path from 'node:path';
import { SERVER_MODULE } from './constants';
import { formatCommand } from './interpreter';

/** Oldest Python the server runs on. */
export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** Folder of the extension's own environment, below its global storage folder. */
export const ENVIRONMENT_FOLDER = 'server-env';

/** The Python of an environment made by `python -m venv <folder>`. */
export function environmentPython(folder: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.win32.join(folder, 'Scripts', 'python.exe') : path.posix.join(folder, 'bin', 'python');
}

/**
 * Pythons to make the environment with, best first: the one the settings name, the Python
 * extension's, then the usual commands (`py -3` is the Windows launcher).  Duplicates dropped.
 */
export function pythonCandidates(
  platform: NodeJS.Platform,
  fromSetting: readonly string[] | undefined,
  fromPythonExtension: readonly string[] | undefined,
): string[][] {
  const usual = platform === 'win32' ? [['py', '-3'], ['python'], ['python3']] : [['python3'], ['python']];
  const all = [fromSetting, fromPythonExtension, ...usual].filter(
    (command): command is readonly string[] => command !== undefined && command.length > 0 && command[0].trim() !== '',
  );
  const seen = new Set<string>();
  const out: string[][] = [];
  for (const command of all) {
    const key = command.join('\u0000');
    if (!seen.has(key)) {
      seen.add(key);
      out.push([...command]);
    }
  }
  return out;
}

/** Arguments that make a Python print its `major.minor` version. */
export function pythonVersionArguments(): string[] {
  return ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'];
}

/** Whether what {@link pythonVersionArguments} printed is a Python new enough for the server. */
export function isSupportedPython(printed: string): boolean {
  const match = /^(\d+)\.(\d+)\s*$/.exec(printed.trim());
  if (match === null) {
    return false;
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

/** Arguments (after the chosen Python) that create the environment. */
export function createEnvironmentArguments(folder: string): string[] {
  return ['-m', 'venv', '--clear', folder];
}

/** Arguments (after the environment's Python) that install the server with its dependencies. */
export function installArguments(target: string = SERVER_MODULE): string[] {
  return ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--upgrade', target];
}

/** The message when no usable Python was found. */
export function noPythonForInstallMessage(tried: readonly (readonly string[])[], platform: NodeJS.Platform): string {
  const names = tried.map((command) => formatCommand(command, platform)).join(', ');
  return (
    `Installing the icd10ls server needs Python ${MIN_PYTHON.join('.')} or newer, and none was found` +
    (names !== '' ? ` (tried ${names})` : '') +
    '. Install Python from python.org (on Windows tick "Add python.exe to PATH"), then click Retry.'
  );
}

/** The last non-blank line of a program's output: the reason pip gives for failing. */
export function lastMeaningfulLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length > 0 ? lines[lines.length - 1] : '';
}
