import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  ACTION_LABELS,
  checkProblemMessage,
  classifyVersionCheck,
  noInterpreterMessage,
  newestServerWheel,
  outcomeFromExecFile,
  pipCommand,
  serverCommandNotFoundMessage,
  startFailedMessage,
} from '../src/core/versionCheck';

const ok = (stdout: string) => ({ exitCode: 0, stdout, stderr: '' });
const failed = (stderr: string, exitCode = 1) => ({ exitCode, stdout: '', stderr });

describe('newestServerWheel', () => {
  it('picks the newest icd10ls wheel and ignores everything else', () => {
    assert.equal(newestServerWheel([]), undefined);
    assert.equal(newestServerWheel(['README.md', 'icd10ls-0.1.0.tar.gz', 'other-1.0-py3-none-any.whl']), undefined);
    assert.equal(newestServerWheel(['icd10ls-0.1.0-py3-none-any.whl']), 'icd10ls-0.1.0-py3-none-any.whl');
    assert.equal(
      newestServerWheel(['icd10ls-0.10.0-py3-none-any.whl', 'icd10ls-0.9.1-py3-none-any.whl', 'icd10ls-0.10.0rc1-py3-none-any.whl']),
      'icd10ls-0.10.0-py3-none-any.whl',
    );
    assert.equal(newestServerWheel(['icd10ls-0.1.0-cp311-cp311-linux_x86_64.whl']), undefined);
  });
});

describe('outcomeFromExecFile', () => {
  it('maps success, exit codes, spawn errors and timeouts', () => {
    assert.deepEqual(outcomeFromExecFile(null, '0.1.0\n', ''), { exitCode: 0, stdout: '0.1.0\n', stderr: '' });
    assert.deepEqual(outcomeFromExecFile({ code: 1 }, '', 'Traceback'), { exitCode: 1, stdout: '', stderr: 'Traceback' });
    assert.deepEqual(outcomeFromExecFile({ code: 'ENOENT' }, '', ''), { spawnError: 'ENOENT', exitCode: null, stdout: '', stderr: '' });
    assert.deepEqual(outcomeFromExecFile({ killed: true, signal: 'SIGTERM', code: null }, Buffer.from(''), Buffer.from('')), {
      timedOut: true,
      exitCode: null,
      stdout: '',
      stderr: '',
    });
  });
});

describe('classifyVersionCheck', () => {
  it('accepts the minimum version and newer', () => {
    assert.deepEqual(classifyVersionCheck(ok('0.1.0\n')), { kind: 'ok', version: '0.1.0' });
    assert.deepEqual(classifyVersionCheck(ok('some warning\r\n0.3.1\r\n')), { kind: 'ok', version: '0.3.1' });
  });
  it('reports an older version as too old', () => {
    assert.deepEqual(classifyVersionCheck(ok('0.0.9\n')), { kind: 'tooOld', version: '0.0.9' });
    assert.deepEqual(classifyVersionCheck(ok('0.2.0\n'), '1.0.0'), { kind: 'tooOld', version: '0.2.0' });
  });
  it('reports a missing module', () => {
    const stderr = "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\nModuleNotFoundError: No module named 'icd10ls'\n";
    assert.deepEqual(classifyVersionCheck(failed(stderr)), { kind: 'missing' });
    assert.deepEqual(classifyVersionCheck(failed('ImportError: No module named icd10ls')), { kind: 'missing' });
  });
  it('reports a package without __version__ as too old', () => {
    const stderr = "AttributeError: module 'icd10ls' has no attribute '__version__'";
    assert.deepEqual(classifyVersionCheck(failed(stderr)), { kind: 'tooOld', version: undefined });
  });
  it('reports other import failures as broken, with the last error line', () => {
    const stderr = "Traceback...\nModuleNotFoundError: No module named 'lxml'\n";
    assert.deepEqual(classifyVersionCheck(failed(stderr)), { kind: 'broken', detail: "ModuleNotFoundError: No module named 'lxml'" });
    assert.deepEqual(classifyVersionCheck(failed('', 9)), { kind: 'broken', detail: 'exit code 9' });
    assert.deepEqual(classifyVersionCheck(ok('not a version')), { kind: 'broken', detail: 'unexpected version "not a version"' });
  });
  it('reports interpreters that cannot start, and hangs', () => {
    assert.deepEqual(classifyVersionCheck({ spawnError: 'ENOENT', exitCode: null, stdout: '', stderr: '' }), {
      kind: 'interpreterNotFound',
      detail: 'ENOENT',
    });
    assert.deepEqual(classifyVersionCheck({ timedOut: true, exitCode: null, stdout: '', stderr: '' }), { kind: 'timeout' });
  });
});

describe('problem messages', () => {
  it('gives the exact install command and both buttons when the module is missing', () => {
    const message = checkProblemMessage({ kind: 'missing' }, ['/usr/bin/python3'], 'linux');
    assert.ok(message);
    assert.equal(
      message.text,
      'icd10ls is not installed for /usr/bin/python3. Install it with: /usr/bin/python3 -m pip install icd10ls',
    );
    assert.equal(message.copyCommand, '/usr/bin/python3 -m pip install icd10ls');
    assert.deepEqual(message.actions, ['openInterpreterSetting', 'copyCommand', 'retry']);
  });
  it('offers Install, not a terminal command, when the extension can install the server itself', () => {
    for (const kind of ['missing', 'tooOld'] as const) {
      const message = checkProblemMessage(kind === 'missing' ? { kind } : { kind, version: '0.0.5' }, ['python3'], 'linux', undefined, 'icd10ls', true);
      assert.ok(message);
      assert.deepEqual(message.actions, ['install', 'retry']);
      assert.equal(message.copyCommand, undefined);
      assert.doesNotMatch(message.text, /pip/);
      assert.match(message.text, /Click Install/);
    }
    assert.equal(ACTION_LABELS.install, 'Install');
    assert.equal(ACTION_LABELS.retryInstall, 'Retry');
    // A broken installation is not guessed away: it still says what failed.
    assert.deepEqual(checkProblemMessage({ kind: 'broken', detail: 'x' }, ['python3'], 'linux', undefined, 'icd10ls', true)?.actions,
      ['openInterpreterSetting', 'copyCommand', 'showOutput']);
  });
  it('upgrades when the module is too old', () => {
    const message = checkProblemMessage({ kind: 'tooOld', version: '0.0.5' }, ['python3'], 'linux');
    assert.ok(message);
    assert.match(message.text, /^icd10ls 0\.0\.5 for python3 is too old: this extension needs 0\.1\.0 or newer\. /);
    assert.equal(message.copyCommand, 'python3 -m pip install --upgrade icd10ls');
    assert.deepEqual(message.actions, ['openInterpreterSetting', 'copyCommand', 'retry']);
  });
  it('quotes interpreter paths with spaces in the command', () => {
    const message = checkProblemMessage({ kind: 'missing' }, ['C:\\Program Files\\Python312\\python.exe'], 'win32');
    assert.equal(message?.copyCommand, '"C:\\Program Files\\Python312\\python.exe" -m pip install icd10ls');
    assert.equal(pipCommand(['conda', 'run', '-n', 'x', 'python'], 'linux', 'reinstall'), 'conda run -n x python -m pip install --upgrade --force-reinstall icd10ls');
  });
  it('points the install command at the wheel shipped in the extension when there is one', () => {
    const wheel = '/home/me/.vscode/extensions/icd10ls 0.2.0/server/icd10ls-0.2.0-py3-none-any.whl';
    const missing = checkProblemMessage({ kind: 'missing' }, ['python3'], 'linux', undefined, wheel);
    assert.equal(missing?.copyCommand, `python3 -m pip install '${wheel}'`);
    assert.ok(missing?.text.endsWith(`python3 -m pip install '${wheel}'`));
    const old = checkProblemMessage({ kind: 'tooOld', version: '0.0.5' }, ['python3'], 'linux', undefined, wheel);
    assert.equal(old?.copyCommand, `python3 -m pip install --upgrade '${wheel}'`);
    const broken = checkProblemMessage({ kind: 'broken', detail: 'x' }, ['python3'], 'linux', undefined, wheel);
    assert.equal(broken?.copyCommand, `python3 -m pip install --upgrade --force-reinstall '${wheel}'`);
  });
  it('has one message per problem, with a stable key', () => {
    assert.equal(checkProblemMessage({ kind: 'ok', version: '0.1.0' }, ['python3'], 'linux'), undefined);
    const a = checkProblemMessage({ kind: 'missing' }, ['python3'], 'linux');
    const b = checkProblemMessage({ kind: 'missing' }, ['python3'], 'linux');
    const c = checkProblemMessage({ kind: 'missing' }, ['/other/python'], 'linux');
    assert.equal(a?.key, b?.key);
    assert.notEqual(a?.key, c?.key);
    for (const result of [
      { kind: 'broken', detail: 'x' },
      { kind: 'interpreterNotFound', detail: 'ENOENT' },
      { kind: 'timeout' },
    ] as const) {
      const message = checkProblemMessage(result, ['python3'], 'linux');
      assert.ok(message && message.text.length > 0 && message.actions.length > 0, result.kind);
    }
  });
  it('explains a missing interpreter, server command and failed start', () => {
    assert.match(noInterpreterMessage('linux').text, /python3 or python is on PATH/);
    assert.deepEqual(noInterpreterMessage('linux').actions, ['retry', 'openInterpreterSetting']);
    assert.match(serverCommandNotFoundMessage('/nope/icd10ls', 'linux').text, /\/nope\/icd10ls, was not found/);
    assert.deepEqual(serverCommandNotFoundMessage('x', 'linux').actions, ['openServerCommandSetting']);
    assert.equal(startFailedMessage(' boom ').text, 'The icd10ls server failed to start (boom). See the output for details.');
    assert.equal(startFailedMessage(undefined).text, 'The icd10ls server failed to start. See the output for details.');
  });
});
