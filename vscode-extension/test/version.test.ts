import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { compareVersions, meetsMinimum, parseVersion } from '../src/core/version';

function cmp(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  assert.ok(va && vb, `${a} and ${b} must parse`);
  return Math.sign(compareVersions(va, vb));
}

describe('parseVersion', () => {
  it('parses plain, pre, post, dev and local versions', () => {
    assert.deepEqual(parseVersion('0.1.0'), { release: [0, 1, 0] });
    assert.deepEqual(parseVersion('1.2rc1'), { release: [1, 2], pre: { phase: 2, number: 1 } });
    assert.deepEqual(parseVersion('1.0.post2'), { release: [1, 0], post: 2 });
    assert.deepEqual(parseVersion('1.0-3'), { release: [1, 0], post: 3 });
    assert.deepEqual(parseVersion('0.2.0.dev5'), { release: [0, 2, 0], dev: 5 });
    assert.deepEqual(parseVersion('0.1.0+g1234.dirty'), { release: [0, 1, 0], local: 'g1234.dirty' });
    assert.deepEqual(parseVersion(' v1.0a '), { release: [1, 0], pre: { phase: 0, number: 0 } });
  });

  it('rejects what is not a version', () => {
    for (const text of ['', 'abc', '1..0', '1.0.0 beta', 'Traceback (most recent call last):']) {
      assert.equal(parseVersion(text), undefined, text);
    }
  });
});

describe('compareVersions', () => {
  it('orders release segments numerically, padding with zeros', () => {
    assert.equal(cmp('0.10.0', '0.9.9'), 1);
    assert.equal(cmp('1.0', '1.0.0'), 0);
    assert.equal(cmp('1.0.1', '1.0'), 1);
    assert.equal(cmp('2', '10'), -1);
  });

  it('orders dev < alpha < beta < rc < release < post', () => {
    const ordered = ['1.0.dev1', '1.0a1', '1.0a2', '1.0b1', '1.0rc1', '1.0', '1.0.post1', '1.0.post2', '1.1.dev0'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.equal(cmp(ordered[i], ordered[i + 1]), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    }
  });

  it('puts a dev release of a pre-release before that pre-release', () => {
    assert.equal(cmp('1.0rc1.dev1', '1.0rc1'), -1);
    assert.equal(cmp('1.0.post1.dev1', '1.0.post1'), -1);
    assert.equal(cmp('1.0.post1.dev1', '1.0'), 1);
  });

  it('ignores local labels', () => {
    assert.equal(cmp('0.1.0+local', '0.1.0'), 0);
  });
});

describe('meetsMinimum', () => {
  it('accepts the minimum and newer, rejects older and unparsable', () => {
    assert.equal(meetsMinimum('0.1.0', '0.1.0'), true);
    assert.equal(meetsMinimum('0.1.1', '0.1.0'), true);
    assert.equal(meetsMinimum('1.0.0', '0.1.0'), true);
    assert.equal(meetsMinimum('0.0.9', '0.1.0'), false);
    assert.equal(meetsMinimum('0.1.0rc1', '0.1.0'), false);
    assert.equal(meetsMinimum('0.1.0.dev3', '0.1.0'), false);
    assert.equal(meetsMinimum('unknown', '0.1.0'), false);
  });
});
