/**
 * The active interpreter of the Python extension (ms-python.python), when it is
 * installed.  Only the few members used here are declared, so the extension
 * needs no dependency on the Python extension's API package.
 */

import * as vscode from 'vscode';

const PYTHON_EXTENSION_ID = 'ms-python.python';

interface EnvironmentPath {
  readonly id: string;
  readonly path: string;
}

interface ResolvedEnvironment {
  readonly executable?: { readonly uri?: vscode.Uri };
}

interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    readonly onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  readonly settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    readonly onDidChangeExecutionDetails?: vscode.Event<vscode.Uri | undefined>;
  };
}

/** How long to wait for the Python extension to activate before going on without it. */
const ACTIVATION_TIMEOUT_MS = 10_000;

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (extension === undefined) {
    return undefined;
  }
  if (extension.isActive) {
    return extension.exports;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ACTIVATION_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve(extension.activate()), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The interpreter command of the Python extension for `resource`, or undefined. */
export async function pythonExtensionInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const api = await pythonApi();
  if (api === undefined) {
    return undefined;
  }
  if (api.environments !== undefined) {
    const active = api.environments.getActiveEnvironmentPath(resource);
    const resolved = await api.environments.resolveEnvironment(active);
    const executable = resolved?.executable?.uri?.fsPath;
    if (executable !== undefined && executable !== '') {
      return [executable];
    }
  }
  const details = api.settings?.getExecutionDetails(resource);
  return details?.execCommand !== undefined && details.execCommand.length > 0 ? details.execCommand : undefined;
}

/** Call `listener` when the Python extension's active interpreter changes; a no-op without that extension. */
export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable> {
  const api = await pythonApi().catch(() => undefined);
  const event = api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
  if (event === undefined) {
    return new vscode.Disposable(() => undefined);
  }
  return event(() => listener());
}
