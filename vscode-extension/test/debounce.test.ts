import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { debounce, RequestSequencer } from '../src/core/debounce';

describe('debounce', () => {
  it('runs once, with the last arguments, after the calls stop', async () => {
    const calls: string[] = [];
    const debounced = debounce((query: string) => calls.push(query), 20);
    debounced.trigger('d');
    debounced.trigger('di');
    debounced.trigger('dia');
    assert.equal(debounced.pending, true);
    await sleep(60);
    assert.deepEqual(calls, ['dia']);
    assert.equal(debounced.pending, false);
  });

  it('can be cancelled', async () => {
    const calls: string[] = [];
    const debounced = debounce((query: string) => calls.push(query), 10);
    debounced.trigger('x');
    debounced.cancel();
    await sleep(30);
    assert.deepEqual(calls, []);
  });
});

describe('RequestSequencer', () => {
  it('treats only the latest request as current', async () => {
    const sequencer = new RequestSequencer();
    const shown: string[] = [];
    // A slow answer for "diab" arrives after the fast answer for "diabetes".
    const request = async (query: string, delay: number): Promise<void> => {
      const id = sequencer.next();
      await sleep(delay);
      if (sequencer.isLatest(id)) {
        shown.push(query);
      }
    };
    await Promise.all([request('diab', 40), request('diabetes', 5)]);
    assert.deepEqual(shown, ['diabetes']);
  });

  it('can make every outstanding request stale', () => {
    const sequencer = new RequestSequencer();
    const id = sequencer.next();
    sequencer.invalidate();
    assert.equal(sequencer.isLatest(id), false);
  });
});
