import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { statusView, type ServerState } from '../src/core/status';

describe('statusView', () => {
  it('shows the code set of the active file while the server runs', () => {
    const view = statusView({
      encounterFileActive: true,
      state: 'running',
      codeSet: { label: 'ICD-10-CM FY2026', fiscalYear: 2026 },
      serverDescription: 'python3 -m icd10ls serve',
    });
    assert.equal(view.visible, true);
    assert.equal(view.text, '$(book) ICD-10-CM FY2026');
    assert.match(view.tooltip, /fiscal year 2026/);
    assert.match(view.tooltip, /python3 -m icd10ls serve/);
    assert.equal(view.command, 'icd10ls.showOutput');
    assert.equal(view.severity, 'normal');
  });

  it('leaves the year out of the tooltip when the server could not tell it', () => {
    const view = statusView({ encounterFileActive: true, state: 'running', codeSet: { label: 'ICD-10-CM', fiscalYear: 0 } });
    assert.equal(view.text, '$(book) ICD-10-CM');
    assert.doesNotMatch(view.tooltip, /fiscal year/);
  });

  it('shows a generic label while the code set is not known', () => {
    assert.equal(statusView({ encounterFileActive: true, state: 'running' }).text, '$(book) ICD-10-CM');
  });

  it('says when the server is not running, and clicking restarts it (or installs it)', () => {
    const expected: Record<Exclude<ServerState, 'running' | 'starting' | 'installing'>, [string, string]> = {
      stopped: ['$(warning) icd10ls stopped', 'icd10ls.restartServer'],
      notInstalled: ['$(warning) icd10ls not installed', 'icd10ls.installServer'],
      failed: ['$(error) icd10ls failed', 'icd10ls.restartServer'],
      crashed: ['$(error) icd10ls crashed', 'icd10ls.restartServer'],
    };
    for (const [state, [text, command]] of Object.entries(expected)) {
      const view = statusView({ encounterFileActive: true, state: state as ServerState, codeSet: { label: 'X', fiscalYear: 2026 } });
      assert.equal(view.text, text, state);
      assert.equal(view.command, command, state);
      assert.notEqual(view.severity, 'normal', state);
    }
    assert.match(statusView({ encounterFileActive: true, state: 'starting' }).text, /starting/);
    assert.match(statusView({ encounterFileActive: true, state: 'installing' }).text, /installing/);
  });

  it('is hidden for other languages whatever the state', () => {
    for (const state of ['running', 'starting', 'stopped', 'notInstalled', 'failed', 'crashed'] as const) {
      assert.equal(statusView({ encounterFileActive: false, state }).visible, false, state);
    }
  });
});
