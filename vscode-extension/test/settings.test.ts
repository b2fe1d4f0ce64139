import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  classifyConfigurationChange,
  defaultServerSettings,
  objectConfigReader,
  openSettingCommand,
  selectSection,
  toServerSettings,
} from '../src/core/settings';

describe('toServerSettings', () => {
  it('gives the documented defaults when nothing is set', () => {
    const { settings, problems } = toServerSettings(objectConfigReader({}));
    assert.deepEqual(settings, {
      rules: {},
      defaultSetting: 'outpatient',
      codeSetYear: null,
      inlayHints: { enabled: true, severity: true },
      completion: { limit: 50 },
    });
    assert.deepEqual(settings, defaultServerSettings());
    assert.deepEqual(problems, []);
  });

  it('maps every setting into the initializationOptions shape', () => {
    const { settings, problems } = toServerSettings(
      objectConfigReader({
        interpreter: '/usr/bin/python3',
        serverCommand: [],
        rules: { excludes1: 'error', 'unspecified-code': 'off', laterality: 'Hint' },
        defaultSetting: 'inpatient',
        codeSetYear: 2025,
        inlayHints: { enabled: false, severity: true },
        completion: { limit: 120 },
        trace: { server: 'verbose' },
      }),
    );
    assert.deepEqual(settings, {
      rules: { excludes1: 'error', 'unspecified-code': 'off', laterality: 'hint' },
      defaultSetting: 'inpatient',
      codeSetYear: 2025,
      inlayHints: { enabled: false, severity: true },
      completion: { limit: 120 },
    });
    assert.deepEqual(problems, []);
    // Only server settings are sent: no interpreter, command or trace.
    assert.deepEqual(Object.keys(settings).sort(), ['codeSetYear', 'completion', 'defaultSetting', 'inlayHints', 'rules']);
  });

  it('reads dotted keys as vscode.WorkspaceConfiguration does', () => {
    const { settings } = toServerSettings(objectConfigReader({ 'inlayHints.enabled': false, 'completion.limit': 7 }));
    assert.equal(settings.inlayHints.enabled, false);
    assert.equal(settings.completion.limit, 7);
  });

  it('drops bad rule severities and passes unknown but well-formed rule ids on', () => {
    const { settings, problems } = toServerSettings(
      objectConfigReader({ rules: { excludes1: 'fatal', 'future-rule': 'warning', 'Bad Id': 'error', syntax: 3 } }),
    );
    assert.deepEqual(settings.rules, { 'future-rule': 'warning' });
    assert.equal(problems.length, 4);
    assert.match(problems.join('\n'), /excludes1: "fatal" is not one of off, error, warning, information, hint/);
    assert.match(problems.join('\n'), /future-rule: not a rule this extension knows; passed to the server as is/);
  });

  it('repairs bad scalar values with a note', () => {
    const { settings, problems } = toServerSettings(
      objectConfigReader({
        rules: ['excludes1'],
        defaultSetting: 'ER',
        codeSetYear: 1999,
        inlayHints: { enabled: 'yes' },
        completion: { limit: 9999 },
      }),
    );
    assert.deepEqual(settings, {
      rules: {},
      defaultSetting: 'outpatient',
      codeSetYear: null,
      inlayHints: { enabled: true, severity: true },
      completion: { limit: 500 },
    });
    assert.equal(problems.length, 5);
  });

  it('accepts a year written as a string, clamps and rounds limits', () => {
    assert.equal(toServerSettings(objectConfigReader({ codeSetYear: ' 2026 ' })).settings.codeSetYear, 2026);
    assert.equal(toServerSettings(objectConfigReader({ codeSetYear: 2025.5 })).settings.codeSetYear, null);
    assert.equal(toServerSettings(objectConfigReader({ completion: { limit: 0 } })).settings.completion.limit, 1);
    assert.equal(toServerSettings(objectConfigReader({ completion: { limit: 12.4 } })).settings.completion.limit, 12);
    assert.equal(toServerSettings(objectConfigReader({ completion: { limit: 'many' } })).settings.completion.limit, 50);
  });
});

describe('selectSection', () => {
  const settings = toServerSettings(objectConfigReader({ codeSetYear: 2026, rules: { syntax: 'warning' } })).settings;
  it('answers the icd10ls section with the whole mapped object', () => {
    assert.deepEqual(selectSection(settings, 'icd10ls'), settings);
  });
  it('answers sub-sections with parts of it', () => {
    assert.deepEqual(selectSection(settings, 'icd10ls.inlayHints'), { enabled: true, severity: true });
    assert.equal(selectSection(settings, 'icd10ls.inlayHints.enabled'), true);
    assert.equal(selectSection(settings, 'icd10ls.codeSetYear'), 2026);
    assert.equal(selectSection(settings, 'icd10ls.rules.syntax'), 'warning');
  });
  it('leaves other sections to VS Code', () => {
    assert.equal(selectSection(settings, undefined), undefined);
    assert.equal(selectSection(settings, 'editor'), undefined);
    assert.equal(selectSection(settings, 'icd10lsx'), undefined);
    assert.equal(selectSection(settings, 'icd10ls.interpreter'), undefined);
    assert.equal(selectSection(settings, 'icd10ls.rules.toString'), undefined);
  });
});

describe('classifyConfigurationChange', () => {
  const affects =
    (...changed: string[]) =>
    (section: string): boolean =>
      changed.some((key) => key === section || key.startsWith(`${section}.`));
  it('restarts for the interpreter and the server command', () => {
    assert.equal(classifyConfigurationChange(affects('icd10ls.interpreter')), 'restart');
    assert.equal(classifyConfigurationChange(affects('icd10ls.serverCommand')), 'restart');
    assert.equal(classifyConfigurationChange(affects('icd10ls.rules', 'icd10ls.interpreter')), 'restart');
  });
  it('notifies the server for the other icd10ls settings', () => {
    for (const key of ['icd10ls.rules', 'icd10ls.codeSetYear', 'icd10ls.inlayHints.enabled', 'icd10ls.completion.limit', 'icd10ls.defaultSetting']) {
      assert.equal(classifyConfigurationChange(affects(key)), 'notify', key);
    }
  });
  it('ignores other sections, and the trace setting that the client follows itself', () => {
    assert.equal(classifyConfigurationChange(affects('editor.fontSize')), 'none');
    assert.equal(classifyConfigurationChange(affects('icd10ls.trace.server')), 'none');
  });
});

describe('opening a setting', () => {
  it('opens the Remote tab in a remote window, where machine-overridable settings apply', () => {
    for (const remote of ['ssh-remote', 'wsl', 'codespaces', 'remote']) {
      assert.deepEqual(openSettingCommand('icd10ls.interpreter', remote), {
        command: 'workbench.action.openRemoteSettings',
        argument: { query: 'icd10ls.interpreter' },
      });
    }
  });
  it('opens the User tab in a local window', () => {
    for (const local of [undefined, '']) {
      assert.deepEqual(openSettingCommand('icd10ls.serverCommand', local), {
        command: 'workbench.action.openSettings',
        argument: 'icd10ls.serverCommand',
      });
    }
  });
});
