/**
 * Which program starts the server, in the order the issue fixes:
 *
 * 1. `icd10ls.serverCommand`, when not empty, is the whole command;
 * 2. else `icd10ls.interpreter`;
 * 3. else the environment the extension's Install button made, when there is one;
 * 4. else the Python extension's active interpreter, when that extension is installed;
 * 5. else `python3` or `python` on PATH;
 *
 * and with a Python interpreter the server runs as `<python> -m icd10ls serve`.
 * Every source of the outside world (the Python extension, the file system,
 * the environment) is passed in, so the order is tested without any of them.
 */

import * as path from 'node:path';
import { SERVER_MODULE } from './constants';

export type InterpreterSource = 'setting' | 'managed' | 'pythonExtension' | 'path';

/** A Python interpreter: its executable, then any arguments it always needs (e.g. `py -3.12`). */
export interface PythonCommand {
  readonly command: readonly string[];
  readonly source: InterpreterSource;
}

export type ServerLaunch =
  | {
      readonly kind: 'serverCommand';
      readonly command: string;
      readonly args: readonly string[];
    }
  | {
      readonly kind: 'python';
      readonly python: PythonCommand;
      readonly command: string;
      readonly args: readonly string[];
    };

export type LaunchResolution = ServerLaunch | { readonly kind: 'noInterpreter' };

export interface ResolveInputs {
  /** `icd10ls.serverCommand` as read from the settings (not yet validated). */
  readonly serverCommand: unknown;
  /** `icd10ls.interpreter` as read from the settings (not yet validated). */
  readonly interpreter: unknown;
  /** The Python of the environment the extension installed the server into, when there is one. */
  readonly managedEnvironment?: () => string | undefined;
  /** The Python extension's interpreter; only called when the settings name none. */
  readonly pythonExtension: () => Promise<readonly string[] | undefined>;
  /** The first of these names found on PATH, as a full path; only called as the last resort. */
  readonly findOnPath: (names: readonly string[]) => string | undefined;
  readonly platform: NodeJS.Platform;
  /** Expands `~`, `${workspaceFolder}` and friends in a setting value. */
  readonly expand: (value: string) => string;
  /** Folder that relative interpreter paths are resolved against. */
  readonly workspaceFolder?: string;
}

/** Program names tried on PATH when nothing else names an interpreter. */
export function pathCandidates(platform: NodeJS.Platform): readonly string[] {
  // On Windows `python3` is often the Store's installer stub, so `python` goes first.
  return platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'];
}

/** Arguments after the interpreter that start the server. */
export function serverArguments(): readonly string[] {
  return ['-m', SERVER_MODULE, 'serve'];
}

/** Arguments after the interpreter that print the installed server version. */
export function versionCheckArguments(): readonly string[] {
  return ['-c', `import ${SERVER_MODULE}; print(${SERVER_MODULE}.__version__)`];
}

/** The non-empty strings of a setting that should be a string array. */
export function cleanServerCommand(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const parts = value.filter((part): part is string => typeof part === 'string');
  // Arguments keep their spaces; only the program itself must be non-blank.
  if (parts.length === 0 || parts[0].trim() === '') {
    return [];
  }
  return [parts[0].trim(), ...parts.slice(1)];
}

function pathModule(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * An interpreter setting made into a program to run: variables expanded, and a
 * relative path (one with a separator, like `.venv/bin/python`) resolved
 * against the workspace folder.  A bare name (`python3.12`) is left for PATH.
 */
export function resolveInterpreterSetting(
  value: string,
  expand: (value: string) => string,
  platform: NodeJS.Platform,
  workspaceFolder?: string,
): string {
  const expanded = expand(value.trim());
  const p = pathModule(platform);
  const hasSeparator = platform === 'win32' ? /[\\/]/.test(expanded) : expanded.includes('/');
  if (hasSeparator && !p.isAbsolute(expanded) && workspaceFolder !== undefined) {
    return p.resolve(workspaceFolder, expanded);
  }
  return expanded;
}

/** Decide how to start the server.  Later sources are consulted only when earlier ones are empty. */
export async function resolveLaunch(inputs: ResolveInputs): Promise<LaunchResolution> {
  const serverCommand = cleanServerCommand(inputs.serverCommand).map((part) => inputs.expand(part));
  if (serverCommand.length > 0) {
    return { kind: 'serverCommand', command: serverCommand[0], args: serverCommand.slice(1) };
  }
  const python = await resolvePython(inputs);
  if (python === undefined) {
    return { kind: 'noInterpreter' };
  }
  return {
    kind: 'python',
    python,
    command: python.command[0],
    args: [...python.command.slice(1), ...serverArguments()],
  };
}

async function resolvePython(inputs: ResolveInputs): Promise<PythonCommand | undefined> {
  if (typeof inputs.interpreter === 'string' && inputs.interpreter.trim() !== '') {
    const command = resolveInterpreterSetting(inputs.interpreter, inputs.expand, inputs.platform, inputs.workspaceFolder);
    return { command: [command], source: 'setting' };
  }
  // Made by the Install button, so it has the server: it comes before the other interpreters.
  const managed = inputs.managedEnvironment?.();
  if (managed !== undefined) {
    return { command: [managed], source: 'managed' };
  }
  let fromExtension: readonly string[] | undefined;
  try {
    fromExtension = await inputs.pythonExtension();
  } catch {
    fromExtension = undefined;
  }
  const cleaned = cleanServerCommand(fromExtension);
  if (cleaned.length > 0) {
    return { command: cleaned, source: 'pythonExtension' };
  }
  const found = inputs.findOnPath(pathCandidates(inputs.platform));
  if (found !== undefined) {
    return { command: [found], source: 'path' };
  }
  return undefined;
}

export interface PathLookupEnvironment {
  readonly platform: NodeJS.Platform;
  /** The PATH variable (Path on Windows). */
  readonly pathVariable: string | undefined;
  /** PATHEXT on Windows; ignored elsewhere. */
  readonly pathExt?: string | undefined;
  /** Whether a full path is an executable file. */
  readonly isExecutable: (fullPath: string) => boolean;
}

/** The first of `names` found in the PATH directories, as a full path. */
export function findOnPath(names: readonly string[], env: PathLookupEnvironment): string | undefined {
  const p = pathModule(env.platform);
  const delimiter = env.platform === 'win32' ? ';' : ':';
  const dirs = (env.pathVariable ?? '').split(delimiter).filter((dir) => dir.trim() !== '');
  const extensions =
    env.platform === 'win32'
      ? ['', ...(env.pathExt ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((ext) => ext !== '')]
      : [''];
  for (const name of names) {
    for (const dir of dirs) {
      for (const ext of extensions) {
        // On Windows a name that already has an extension is tried as is only.
        if (env.platform === 'win32' && ext === '' && p.extname(name) === '') {
          continue;
        }
        const candidate = p.join(dir.replace(/^"(.*)"$/, '$1'), name + ext);
        if (env.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
  }
  return undefined;
}

/** Whether a program name is a path (rather than a name to find on PATH). */
export function isPathLike(program: string, platform: NodeJS.Platform): boolean {
  return platform === 'win32' ? /[\\/]/.test(program) : program.includes('/');
}

export interface ExpandContext {
  readonly home: string;
  readonly workspaceFolder?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Expand `~` (at the start), `${userHome}`, `${workspaceFolder}` and
 * `${env:NAME}`.  A variable with no value (no folder open) is left as written,
 * so the "not found" message shows the user what was wrong.
 */
export function expandVariables(value: string, context: ExpandContext): string {
  let result = value.replace(/\$\{(userHome|workspaceFolder|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (name === 'userHome') {
      return context.home;
    }
    if (name === 'workspaceFolder') {
      return context.workspaceFolder ?? whole;
    }
    return envName !== undefined ? (context.env[envName] ?? '') : whole;
  });
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = context.home + result.slice(1);
  }
  return result;
}

/** A command line argument quoted for the user's shell, for messages and "Copy command". */
export function quoteArgument(arg: string, platform: NodeJS.Platform): string {
  if (arg !== '' && /^[A-Za-z0-9_\-./:\\=@+,%]+$/.test(arg)) {
    return arg;
  }
  if (platform === 'win32') {
    return `"${arg.replace(/"/g, '""')}"`;
  }
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A whole command for display, each part quoted as needed. */
export function formatCommand(parts: readonly string[], platform: NodeJS.Platform): string {
  return parts.map((part) => quoteArgument(part, platform)).join(' ');
}
