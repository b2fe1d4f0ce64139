/** The pure modules run without VS Code: none of them may load `vscode` or the language client. */

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { extensionPath } from './helpers/paths';

/** Loads a module as the extension host would, in a process that has no `vscode` module. */
const load = createRequire(__filename);

describe('src/core', () => {
  const dir = extensionPath('out', 'src', 'core');
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.js'));

  it('has compiled modules', () => {
    assert.ok(files.length >= 8, files.join(', '));
  });

  for (const name of files) {
    it(`${name} loads without vscode`, () => {
      const source = fs.readFileSync(path.join(dir, name), 'utf8');
      assert.doesNotMatch(source, /require\("vscode(-languageclient[^"]*)?"\)/);
      assert.doesNotThrow(() => load(path.join(dir, name)) as unknown);
    });
  }
});
