import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  cleanServerCommand,
  expandVariables,
  findOnPath,
  formatCommand,
  isPathLike,
  pathCandidates,
  quoteArgument,
  resolveInterpreterSetting,
  resolveLaunch,
  serverArguments,
  versionCheckArguments,
  type ResolveInputs,
} from '../src/core/interpreter';

/** Inputs where every source is empty and records whether it was consulted. */
function inputs(overrides: Partial<ResolveInputs> = {}): { inputs: ResolveInputs; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    inputs: {
      serverCommand: [],
      interpreter: '',
      pythonExtension: () => {
        calls.push('pythonExtension');
        return Promise.resolve(undefined);
      },
      findOnPath: (names) => {
        calls.push(`path:${names.join(',')}`);
        return undefined;
      },
      platform: 'linux',
      expand: (value) => value,
      ...overrides,
    },
  };
}

describe('resolveLaunch: the order of sources', () => {
  it('uses icd10ls.serverCommand as the whole command, consulting nothing else', async () => {
    const { inputs: i, calls } = inputs({ serverCommand: ['/opt/icd10ls/bin/icd10ls', 'serve', '--log', 'debug'], interpreter: '/usr/bin/python3' });
    const launch = await resolveLaunch(i);
    assert.deepEqual(launch, { kind: 'serverCommand', command: '/opt/icd10ls/bin/icd10ls', args: ['serve', '--log', 'debug'] });
    assert.deepEqual(calls, []);
  });

  it('uses icd10ls.interpreter next, without asking the Python extension', async () => {
    const { inputs: i, calls } = inputs({ interpreter: '/venv/bin/python' });
    const launch = await resolveLaunch(i);
    assert.deepEqual(launch, {
      kind: 'python',
      python: { command: ['/venv/bin/python'], source: 'setting' },
      command: '/venv/bin/python',
      args: ['-m', 'icd10ls', 'serve'],
    });
    assert.deepEqual(calls, []);
  });

  it('asks the Python extension when the settings name nothing', async () => {
    const { inputs: i, calls } = inputs({
      pythonExtension: () => {
        calls.push('pythonExtension');
        return Promise.resolve(['/home/me/.venv/bin/python']);
      },
    });
    const launch = await resolveLaunch(i);
    assert.equal(launch.kind, 'python');
    assert.deepEqual(launch.kind === 'python' && launch.python, { command: ['/home/me/.venv/bin/python'], source: 'pythonExtension' });
    assert.deepEqual(calls, ['pythonExtension']);
  });

  it('keeps the extra arguments of a multi-part interpreter command', async () => {
    const { inputs: i } = inputs({ pythonExtension: () => Promise.resolve(['conda', 'run', '-n', 'coding', 'python']) });
    const launch = await resolveLaunch(i);
    assert.equal(launch.kind, 'python');
    if (launch.kind === 'python') {
      assert.equal(launch.command, 'conda');
      assert.deepEqual(launch.args, ['run', '-n', 'coding', 'python', '-m', 'icd10ls', 'serve']);
    }
  });

  it('falls back to python3/python on PATH when the Python extension has nothing or fails', async () => {
    for (const pythonExtension of [() => Promise.resolve(undefined), () => Promise.resolve([]), () => Promise.reject(new Error('boom'))]) {
      const calls: string[] = [];
      const { inputs: i } = inputs({
        pythonExtension,
        findOnPath: (names) => {
          calls.push(names.join(','));
          return '/usr/bin/python3';
        },
      });
      const launch = await resolveLaunch(i);
      assert.deepEqual(launch.kind === 'python' && launch.python, { command: ['/usr/bin/python3'], source: 'path' });
      assert.deepEqual(calls, ['python3,python']);
    }
  });

  it('reports no interpreter when every source is empty', async () => {
    const { inputs: i, calls } = inputs();
    assert.deepEqual(await resolveLaunch(i), { kind: 'noInterpreter' });
    assert.deepEqual(calls, ['pythonExtension', 'path:python3,python']);
  });

  it('treats blank and malformed settings as unset', async () => {
    const { inputs: i, calls } = inputs({ serverCommand: ['  ', 'serve'], interpreter: '   ' });
    assert.deepEqual(await resolveLaunch(i), { kind: 'noInterpreter' });
    assert.deepEqual(calls, ['pythonExtension', 'path:python3,python']);
    const { inputs: j } = inputs({ serverCommand: 'icd10ls serve', interpreter: 42 });
    assert.deepEqual(await resolveLaunch(j), { kind: 'noInterpreter' });
  });

  it('expands variables in the server command and the interpreter', async () => {
    const expand = (value: string): string => value.replace('${workspaceFolder}', '/ws');
    const a = await resolveLaunch(inputs({ serverCommand: ['${workspaceFolder}/bin/icd10ls', 'serve'], expand }).inputs);
    assert.deepEqual(a, { kind: 'serverCommand', command: '/ws/bin/icd10ls', args: ['serve'] });
    const b = await resolveLaunch(inputs({ interpreter: '${workspaceFolder}/.venv/bin/python', expand }).inputs);
    assert.equal(b.kind === 'python' && b.command, '/ws/.venv/bin/python');
  });
});

describe('resolveInterpreterSetting', () => {
  const same = (value: string): string => value;
  it('resolves relative paths against the workspace folder', () => {
    assert.equal(resolveInterpreterSetting('.venv/bin/python', same, 'linux', '/ws'), '/ws/.venv/bin/python');
    assert.equal(resolveInterpreterSetting('.venv\\Scripts\\python.exe', same, 'win32', 'C:\\ws'), 'C:\\ws\\.venv\\Scripts\\python.exe');
  });
  it('leaves absolute paths and bare names alone', () => {
    assert.equal(resolveInterpreterSetting('/usr/bin/python3', same, 'linux', '/ws'), '/usr/bin/python3');
    assert.equal(resolveInterpreterSetting('python3.12', same, 'linux', '/ws'), 'python3.12');
    assert.equal(resolveInterpreterSetting('C:\\Python312\\python.exe', same, 'win32', 'C:\\ws'), 'C:\\Python312\\python.exe');
  });
  it('keeps relative paths when no folder is open', () => {
    assert.equal(resolveInterpreterSetting(' .venv/bin/python ', same, 'linux'), '.venv/bin/python');
  });
});

describe('expandVariables', () => {
  const context = { home: '/home/me', workspaceFolder: '/ws', env: { VENV: '/opt/venv' } };
  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    assert.equal(expandVariables('~/venv/bin/python', context), '/home/me/venv/bin/python');
    assert.equal(expandVariables('~', context), '/home/me');
    assert.equal(expandVariables('${userHome}/x', context), '/home/me/x');
    assert.equal(expandVariables('${workspaceFolder}/.venv/bin/python', context), '/ws/.venv/bin/python');
    assert.equal(expandVariables('${env:VENV}/bin/python', context), '/opt/venv/bin/python');
    assert.equal(expandVariables('${env:MISSING}/python', context), '/python');
  });
  it('leaves ~user, unknown variables and a folder-less ${workspaceFolder} as written', () => {
    assert.equal(expandVariables('~other/python', context), '~other/python');
    assert.equal(expandVariables('${config:python.path}', context), '${config:python.path}');
    assert.equal(expandVariables('${workspaceFolder}/py', { home: '/h', env: {} }), '${workspaceFolder}/py');
  });
});

describe('findOnPath', () => {
  it('returns the first name found, trying names in order and directories in PATH order', () => {
    const existing = new Set(['/usr/local/bin/python', '/usr/bin/python3']);
    const found = findOnPath(['python3', 'python'], {
      platform: 'linux',
      pathVariable: '/usr/local/bin::/usr/bin',
      isExecutable: (p) => existing.has(p),
    });
    assert.equal(found, '/usr/bin/python3');
  });
  it('tries PATHEXT extensions on Windows', () => {
    const existing = new Set([path.win32.join('C:\\Python312', 'python.EXE')]);
    const found = findOnPath(['python', 'python3'], {
      platform: 'win32',
      pathVariable: 'C:\\Windows;"C:\\Python312"',
      pathExt: '.COM;.EXE',
      isExecutable: (p) => existing.has(p),
    });
    assert.equal(found, 'C:\\Python312\\python.EXE');
  });
  it('returns undefined without PATH', () => {
    assert.equal(findOnPath(['python3'], { platform: 'linux', pathVariable: undefined, isExecutable: () => true }), undefined);
  });
});

describe('commands and quoting', () => {
  it('builds the server and version check arguments of the contract', () => {
    assert.deepEqual(serverArguments(), ['-m', 'icd10ls', 'serve']);
    assert.deepEqual(versionCheckArguments(), ['-c', 'import icd10ls; print(icd10ls.__version__)']);
  });
  it('tries python3 first except on Windows', () => {
    assert.deepEqual(pathCandidates('linux'), ['python3', 'python']);
    assert.deepEqual(pathCandidates('darwin'), ['python3', 'python']);
    assert.deepEqual(pathCandidates('win32'), ['python', 'python3']);
  });
  it('quotes only arguments that need it', () => {
    assert.equal(quoteArgument('/usr/bin/python3', 'linux'), '/usr/bin/python3');
    assert.equal(quoteArgument('/Users/me/My Env/bin/python', 'darwin'), `'/Users/me/My Env/bin/python'`);
    assert.equal(quoteArgument(`it's`, 'linux'), `'it'\\''s'`);
    assert.equal(quoteArgument('C:\\Program Files\\Python\\python.exe', 'win32'), '"C:\\Program Files\\Python\\python.exe"');
    assert.equal(quoteArgument('', 'linux'), `''`);
    assert.equal(formatCommand(['python3', '-m', 'pip', 'install', 'icd10ls'], 'linux'), 'python3 -m pip install icd10ls');
  });
  it('cleans server command arrays', () => {
    assert.deepEqual(cleanServerCommand([' icd10ls ', 'serve', 3, ' --flag ']), ['icd10ls', 'serve', ' --flag ']);
    assert.deepEqual(cleanServerCommand(['', 'serve']), []);
    assert.deepEqual(cleanServerCommand(undefined), []);
  });
  it('tells paths from names', () => {
    assert.equal(isPathLike('python3', 'linux'), false);
    assert.equal(isPathLike('./bin/icd10ls', 'linux'), true);
    assert.equal(isPathLike('C:\\bin\\icd10ls.exe', 'win32'), true);
    assert.equal(isPathLike('icd10ls.exe', 'win32'), false);
  });
});
