import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CrashRestartPolicy, crashMessage, restartLogLine } from '../src/core/restartPolicy';

describe('CrashRestartPolicy', () => {
  it('restarts a bounded number of times within the window, then gives up', () => {
    const policy = new CrashRestartPolicy(4, 180_000);
    const decisions = [0, 1000, 2000, 3000, 4000].map((t) => policy.onClosed(t, true));
    assert.deepEqual(
      decisions.map((d) => d.action),
      ['restart', 'restart', 'restart', 'restart', 'giveUp'],
    );
    assert.deepEqual(decisions[4], { action: 'giveUp', crashes: 5, reason: 'tooMany' });
  });

  it('forgets crashes older than the window', () => {
    const policy = new CrashRestartPolicy(2, 60_000);
    assert.equal(policy.onClosed(0, true).action, 'restart');
    assert.equal(policy.onClosed(30_000, true).action, 'restart');
    assert.equal(policy.onClosed(70_001, true).action, 'restart'); // the crash at 0 has left the window
    assert.deepEqual(policy.onClosed(70_002, true), { action: 'giveUp', crashes: 3, reason: 'tooMany' });
  });

  it('does not restart a server that never finished starting', () => {
    const policy = new CrashRestartPolicy();
    assert.deepEqual(policy.onClosed(0, false), { action: 'giveUp', crashes: 1, reason: 'startup' });
  });

  it('starts counting again after a reset', () => {
    const policy = new CrashRestartPolicy(1, 60_000);
    policy.onClosed(0, true);
    assert.equal(policy.onClosed(1, true).action, 'giveUp');
    policy.reset();
    assert.equal(policy.onClosed(2, true).action, 'restart');
  });

  it('says what happened', () => {
    assert.equal(
      crashMessage({ action: 'giveUp', crashes: 5, reason: 'tooMany' }, 180_000),
      'The icd10ls server crashed 5 times in the last 3 minutes and will not be restarted. See the output for details.',
    );
    assert.match(crashMessage({ action: 'giveUp', crashes: 1, reason: 'startup' }, 180_000), /exited while starting/);
    assert.match(restartLogLine({ action: 'restart', crashes: 2 }, 4), /restart 2 of at most 4/);
  });
});
