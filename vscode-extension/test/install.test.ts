import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  createEnvironmentArguments,
  environmentPython,
  installArguments,
  isSupportedPython,
  lastMeaningfulLine,
  noPythonForInstallMessage,
  pythonCandidates,
} from '../src/core/install';
import { resolveLaunch } from '../src/core/interpreter';
import { isRoutineClientError, LineBuffer, logEntry } from '../src/core/serverLog';
import { heldWhileTyping, TYPING_PAUSE_MS, typingOf } from '../src/core/typing';

describe('install without a terminal', () => {
  it('tries the setting, the Python extension, then the usual commands, each once', () => {
    assert.deepEqual(pythonCandidates('linux', ['/opt/py/bin/python3'], ['/home/me/.venv/bin/python']), [
      ['/opt/py/bin/python3'],
      ['/home/me/.venv/bin/python'],
      ['python3'],
      ['python'],
    ]);
    assert.deepEqual(pythonCandidates('win32', undefined, ['python']), [['python'], ['py', '-3'], ['python3']]);
    assert.deepEqual(pythonCandidates('darwin', [' '], undefined), [['python3'], ['python']]);
  });
  it('accepts Python 3.11 and newer only', () => {
    for (const ok of ['3.11', '3.12\n', '3.14', '4.0']) {
      assert.equal(isSupportedPython(ok), true, ok);
    }
    for (const old of ['3.10', '2.7', '', 'Python 3.12', '3']) {
      assert.equal(isSupportedPython(old), false, old);
    }
  });
  it('makes a venv in its own folder and installs the shipped wheel with its dependencies', () => {
    assert.equal(environmentPython('/g/server-env', 'linux'), '/g/server-env/bin/python');
    assert.equal(environmentPython('C:\\g\\server-env', 'win32'), 'C:\\g\\server-env\\Scripts\\python.exe');
    assert.deepEqual(createEnvironmentArguments('/g/server-env'), ['-m', 'venv', '--clear', '/g/server-env']);
    const args = installArguments('/ext/server/icd10ls-0.1.0-py3-none-any.whl');
    assert.deepEqual(args.slice(0, 3), ['-m', 'pip', 'install']);
    assert.equal(args.at(-1), '/ext/server/icd10ls-0.1.0-py3-none-any.whl');
    assert.equal(args.includes('--no-deps'), false);
  });
  it('says what to do when no Python is found, and quotes pip\'s reason when it fails', () => {
    const text = noPythonForInstallMessage([['py', '-3'], ['python']], 'win32');
    assert.match(text, /Python 3\.11 or newer/);
    assert.match(text, /tried py -3, python/);
    assert.match(text, /Retry/);
    assert.equal(lastMeaningfulLine('Collecting x\nERROR: No matching distribution found for lxml\n\n'), 'ERROR: No matching distribution found for lxml');
  });
  it('runs the server from the environment it made, before the Python extension and PATH', async () => {
    const launch = await resolveLaunch({
      serverCommand: [],
      interpreter: '',
      managedEnvironment: () => '/g/server-env/bin/python',
      pythonExtension: () => Promise.resolve(['/other/python']),
      findOnPath: () => '/usr/bin/python3',
      platform: 'linux',
      expand: (value) => value,
    });
    assert.deepEqual(launch.kind === 'python' && launch.python, { command: ['/g/server-env/bin/python'], source: 'managed' });
    const chosen = await resolveLaunch({
      serverCommand: [],
      interpreter: '/mine/python',
      managedEnvironment: () => '/g/server-env/bin/python',
      pythonExtension: () => Promise.resolve(undefined),
      findOnPath: () => undefined,
      platform: 'linux',
      expand: (value) => value,
    });
    assert.deepEqual(chosen.kind === 'python' && chosen.python, { command: ['/mine/python'], source: 'setting' });
  });
});

describe('the server output', () => {
  it('becomes one entry per line at the level the server gave it, without blank lines', () => {
    const buffer = new LineBuffer();
    assert.deepEqual(buffer.push('icd10ls INFO loaded FY2026\n\nicd10ls WARN'), [{ level: 'info', text: 'loaded FY2026' }]);
    assert.deepEqual(buffer.push('ING slow\r\nicd10ls ERROR hover failed: x\nTraceback (most recent call last):\n'), [
      { level: 'warn', text: 'slow' },
      { level: 'error', text: 'hover failed: x' },
      { level: 'error', text: 'Traceback (most recent call last):' },
    ]);
    assert.equal(logEntry('   '), undefined);
  });
  it('treats a normal stop (exit code 0) as routine', () => {
    assert.equal(isRoutineClientError('Server process exited with code 0.'), true);
    assert.equal(isRoutineClientError('Server process exited with code 1.'), false);
  });
});

describe('a word being typed', () => {
  const syntax = (line: number) => ({ code: 'syntax', range: { start: { line } } });
  it('is typing only for one change within one line', () => {
    assert.deepEqual(typingOf([{ startLine: 3, endLine: 3, text: 'b' }], 10), { line: 3, at: 10 });
    assert.equal(typingOf([{ startLine: 3, endLine: 3, text: '\n' }], 10), undefined);
    assert.equal(typingOf([{ startLine: 3, endLine: 4, text: '' }], 10), undefined);
    assert.equal(typingOf([{ startLine: 3, endLine: 3, text: 'a' }, { startLine: 5, endLine: 5, text: 'b' }], 10), undefined);
  });
  it('holds back only the syntax error of that line, and only until typing pauses', () => {
    const typing = { line: 3, at: 1000 };
    assert.equal(heldWhileTyping(syntax(3), typing, 1000 + 200), true);
    assert.equal(heldWhileTyping({ code: { value: 'syntax', target: 'x' }, range: { start: { line: 3 } } }, typing, 1200), true);
    assert.equal(heldWhileTyping(syntax(3), typing, 1000 + TYPING_PAUSE_MS), false);
    assert.equal(heldWhileTyping(syntax(2), typing, 1200), false);
    assert.equal(heldWhileTyping({ code: 'non-billable', range: { start: { line: 3 } } }, typing, 1200), false);
    assert.equal(heldWhileTyping(syntax(3), undefined, 1200), false);
  });
});
