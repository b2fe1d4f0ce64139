/** package.json, the language configuration and the grammar agree with the code and the server contract. */

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import {
  COMMANDS,
  CONFIG_SECTION,
  DEFAULT_COMPLETION_LIMIT,
  LANGUAGE_ID,
  MAX_COMPLETION_LIMIT,
  MIN_COMPLETION_LIMIT,
  RULE_IDS,
  SERVER_COMMANDS,
  SEVERITIES,
  DEFAULT_LOOKUP_LANGUAGES,
} from '../src/core/constants';
import { defaultServerSettings } from '../src/core/settings';
import { extensionPath } from './helpers/paths';

interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  scope?: string;
  items?: { type: string };
  properties?: Record<string, SettingSchema>;
  additionalProperties?: SettingSchema;
}

interface Manifest {
  name: string;
  publisher: string;
  license: string;
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
  contributes: {
    languages: { id: string; extensions: string[]; configuration: string }[];
    grammars: { language: string; scopeName: string; path: string }[];
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, SettingSchema> };
  };
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
}

const manifest = JSON.parse(fs.readFileSync(extensionPath('package.json'), 'utf8')) as Manifest;
const properties = manifest.contributes.configuration.properties;

describe('package.json settings', () => {
  it('has exactly the settings of the contract, each with a description and a default', () => {
    assert.deepEqual(Object.keys(properties).sort(), [
      'icd10ls.codeSetYear',
      'icd10ls.completion.limit',
      'icd10ls.defaultSetting',
      'icd10ls.inlayHints.enabled',
      'icd10ls.inlayHints.severity',
      'icd10ls.interpreter',
      'icd10ls.lookupLanguages',
      'icd10ls.rules',
      'icd10ls.serverCommand',
      'icd10ls.trace.server',
    ]);
    for (const [key, schema] of Object.entries(properties)) {
      assert.ok((schema.description ?? schema.markdownDescription ?? '').length > 20, `${key} needs a description`);
      assert.ok('default' in schema, `${key} needs a default`);
    }
  });

  it('has the defaults the mapping uses', () => {
    const defaults = defaultServerSettings();
    assert.equal(properties['icd10ls.interpreter'].default, '');
    assert.equal(properties['icd10ls.interpreter'].type, 'string');
    assert.deepEqual(properties['icd10ls.serverCommand'].default, []);
    assert.deepEqual(properties['icd10ls.serverCommand'].items, { type: 'string' });
    assert.deepEqual(properties['icd10ls.rules'].default, defaults.rules);
    assert.equal(properties['icd10ls.defaultSetting'].default, defaults.defaultSetting);
    assert.deepEqual(properties['icd10ls.defaultSetting'].enum, ['outpatient', 'inpatient']);
    assert.equal(properties['icd10ls.codeSetYear'].default, defaults.codeSetYear);
    assert.deepEqual(properties['icd10ls.codeSetYear'].type, ['integer', 'null']);
    assert.equal(properties['icd10ls.inlayHints.enabled'].default, defaults.inlayHints.enabled);
    const limit = properties['icd10ls.completion.limit'];
    assert.equal(limit.default, DEFAULT_COMPLETION_LIMIT);
    assert.equal(limit.minimum, MIN_COMPLETION_LIMIT);
    assert.equal(limit.maximum, MAX_COMPLETION_LIMIT);
    assert.deepEqual(properties['icd10ls.trace.server'].enum, ['off', 'messages', 'verbose']);
    assert.equal(properties['icd10ls.trace.server'].default, 'off');
  });

  it('lists every rule id with the severities as its enum, for completion in settings.json', () => {
    const rules = properties['icd10ls.rules'];
    assert.deepEqual(Object.keys(rules.properties ?? {}), [...RULE_IDS]);
    for (const [rule, schema] of Object.entries(rules.properties ?? {})) {
      assert.deepEqual(schema.enum, [...SEVERITIES], rule);
      assert.ok((schema.description ?? schema.markdownDescription ?? '').length > 10, `${rule} needs a description`);
    }
    assert.deepEqual(rules.additionalProperties?.enum, [...SEVERITIES]);
  });

  it('keeps workspace folders from choosing the program that runs', () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    assert.deepEqual(restricted.sort(), ['icd10ls.interpreter', 'icd10ls.serverCommand']);
    for (const key of restricted) {
      assert.equal(properties[key].scope, 'machine-overridable', key);
    }
  });
});

describe('package.json commands, language and grammar', () => {
  it('contributes its commands under the ICD-10-CM category', () => {
    assert.deepEqual(
      manifest.contributes.commands.map((c) => c.command).sort(),
      Object.values(COMMANDS).sort(),
    );
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, 'ICD-10-CM');
    }
  });

  it('never reuses a server command id for an extension command', () => {
    const own = new Set<string>(Object.values(COMMANDS));
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.equal(own.has(id), false, id);
    }
  });

  it('contributes the language for *.enc with its configuration and grammar', () => {
    const [language] = manifest.contributes.languages;
    assert.equal(language.id, LANGUAGE_ID);
    assert.deepEqual(language.extensions, ['.enc']);
    assert.ok(fs.existsSync(extensionPath(language.configuration)));
    const [grammar] = manifest.contributes.grammars;
    assert.equal(grammar.language, LANGUAGE_ID);
    const raw = JSON.parse(fs.readFileSync(extensionPath(grammar.path), 'utf8')) as { scopeName: string };
    assert.equal(raw.scopeName, grammar.scopeName);
    // Encounter files, and the default look-up languages (notes and queries).
    assert.deepEqual(manifest.activationEvents, [`onLanguage:${LANGUAGE_ID}`, ...DEFAULT_LOOKUP_LANGUAGES.map((l) => `onLanguage:${l}`)]);
    const lookup = properties['icd10ls.lookupLanguages'] as { default: unknown };
    assert.deepEqual(lookup.default, DEFAULT_LOOKUP_LANGUAGES);
  });

  it('has a main module, a license and matching engine and API versions', () => {
    assert.equal(manifest.main, './out/src/extension.js');
    assert.ok(fs.existsSync(extensionPath(manifest.main)), 'run npm run compile first');
    assert.equal(manifest.license, 'MIT');
    assert.ok(fs.existsSync(extensionPath('LICENSE')));
    const engine = /^\^(\d+)\.(\d+)\./.exec(manifest.engines.vscode);
    const types = /^[~^]?(\d+)\.(\d+)\./.exec(manifest.devDependencies['@types/vscode']);
    assert.ok(engine && types);
    assert.deepEqual(engine.slice(1), types.slice(1), '@types/vscode must match engines.vscode');
    assert.equal(manifest.name, CONFIG_SECTION);
    assert.deepEqual(Object.keys(manifest.dependencies), ['vscode-languageclient']);
  });
});

describe('language configuration', () => {
  const config = JSON.parse(fs.readFileSync(extensionPath('language-configuration.json'), 'utf8')) as {
    comments: { lineComment: string };
    wordPattern: string;
  };

  it('comments lines with #', () => {
    assert.equal(config.comments.lineComment, '#');
  });

  it('treats a code, with or without its dot, and a rule id as one word', () => {
    const word = new RegExp(config.wordPattern, 'g');
    const words = (text: string): string[] => text.match(word) ?? [];
    assert.deepEqual(words('dx: E11.22 poa=Y'), ['dx', 'E11.22', 'poa', 'Y']);
    assert.deepEqual(words('S060X0A'), ['S060X0A']);
    assert.deepEqual(words('E11.'), ['E11.']);
    assert.deepEqual(words('# allow: duplicate-code, excludes1'), ['allow', 'duplicate-code', 'excludes1']);
    assert.equal(word.test(''), false);
  });
});

describe('packaging', () => {
  it('keeps tests, sources and maps out of the .vsix', () => {
    const ignore = fs.readFileSync(extensionPath('.vscodeignore'), 'utf8');
    assert.match(ignore, /^\*\*$/m);
    assert.match(ignore, /^out\/test\/\*\*$/m);
    assert.match(ignore, /^out\/\*\*\/\*\.map$/m);
    assert.doesNotMatch(ignore, /^!src/m);
  });

  it('ships the server wheel that make vsix builds', () => {
    const ignore = fs.readFileSync(extensionPath('.vscodeignore'), 'utf8');
    assert.match(ignore, /^!server\/\*\.whl$/m);
  });
});
