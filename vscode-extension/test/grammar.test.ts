/** Tokenize the fixtures with the real TextMate engine and check the scopes of codes, keys and comments. */

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { before, describe, it } from 'node:test';
import { RULE_IDS } from '../src/core/constants';
import { extensionPath } from './helpers/paths';
import { describe as dump, GRAMMAR_PATH, tokenize, type Token } from './helpers/textmate';

const SUFFIX = '.icd10-encounter';
const CODE = `constant.other.icd10-code${SUFFIX}`;
const BAD_CODE = `invalid.illegal.icd10-code${SUFFIX}`;
const COMMENT = `comment.line.number-sign${SUFFIX}`;

/** Tokenized fixture, with lookup by the text of a token. */
class Fixture {
  constructor(
    readonly lines: readonly string[],
    readonly tokens: readonly Token[][],
  ) {}

  static async load(name: string): Promise<Fixture> {
    const text = fs.readFileSync(extensionPath('test', 'fixtures', name), 'utf8');
    return new Fixture(text.split(/\r?\n/), await tokenize(text));
  }

  /** Index of the only line that is exactly `line` (trailing spaces ignored). */
  lineIndex(line: string): number {
    const matches = this.lines.flatMap((text, index) => (text.trimEnd() === line ? [index] : []));
    assert.equal(matches.length, 1, `fixture line ${JSON.stringify(line)} must occur once`);
    return matches[0];
  }

  /** Scopes of the token that is exactly `text` on line `line` (the `nth` such token). */
  scopes(line: string, text: string, nth = 0): readonly string[] {
    const tokens = this.tokens[this.lineIndex(line)];
    const found = tokens.filter((token) => token.text === text)[nth];
    assert.ok(found, `no token ${JSON.stringify(text)} on ${JSON.stringify(line)}:\n${dump(tokens)}`);
    return found.scopes;
  }

  expect(line: string, text: string, scope: string, nth = 0): void {
    const scopes = this.scopes(line, text, nth);
    assert.ok(scopes.includes(scope), `${JSON.stringify(text)} on ${JSON.stringify(line)} has ${scopes.join(' ')}, not ${scope}`);
  }

  expectNot(line: string, text: string, scopePrefix: string): void {
    const scopes = this.scopes(line, text);
    assert.ok(
      !scopes.some((scope) => scope.startsWith(scopePrefix)),
      `${JSON.stringify(text)} on ${JSON.stringify(line)} should not have ${scopePrefix}: ${scopes.join(' ')}`,
    );
  }
}

describe('TextMate grammar: sample.enc', () => {
  let f: Fixture;
  before(async () => {
    f = await Fixture.load('sample.enc');
  });

  it('scopes whole-line and trailing comments', () => {
    const line = '# Sample encounter file used by the grammar test.';
    f.expect(line, '#', `punctuation.definition.comment${SUFFIX}`);
    f.expect(line, ' Sample encounter file used by the grammar test.', COMMENT);
    const trailing = 'encounter ENC-2026-0001      # starts an encounter; the id is optional';
    f.expect(trailing, ' starts an encounter; the id is optional', COMMENT);
    f.expectNot(trailing, 'ENC-2026-0001', 'comment');
  });

  it('scopes encounter lines and their ids', () => {
    const line = 'encounter ENC-2026-0001      # starts an encounter; the id is optional';
    f.expect(line, 'encounter', `keyword.other.encounter${SUFFIX}`);
    f.expect(line, 'ENC-2026-0001', `entity.name.section.encounter-id${SUFFIX}`);
    f.expect('encounter', 'encounter', `keyword.other.encounter${SUFFIX}`);
  });

  it('scopes header keys and their values', () => {
    const keys: [string, string, string, string][] = [
      ['date: 2026-03-14             # date of service or discharge', 'date', '2026-03-14', 'constant.numeric.date'],
      ['date: 03/14/2026', 'date', '03/14/2026', 'constant.numeric.date'],
      ['setting: inpatient', 'setting', 'inpatient', 'constant.language.setting'],
      ['sex: F', 'sex', 'F', 'constant.language.sex'],
      ['age: 67', 'age', '67', 'constant.numeric.integer.age'],
      ['note: free text documentation, ignored by the rules', 'note', 'free text documentation, ignored by the rules', 'string.unquoted.note'],
    ];
    for (const [line, key, value, valueScope] of keys) {
      f.expect(line, key, `support.type.property-name.${key}${SUFFIX}`);
      f.expect(line, ':', `punctuation.separator.key-value${SUFFIX}`);
      f.expect(line, value, valueScope + SUFFIX);
    }
  });

  it('scopes dx lines: key, code, poa flag; the description stays plain', () => {
    const line = 'dx: E11.22 poa=Y Type 2 diabetes with diabetic CKD';
    f.expect(line, 'dx', `support.type.property-name.dx${SUFFIX}`);
    f.expect(line, 'E11.22', CODE);
    f.expect(line, 'poa', `keyword.other.poa${SUFFIX}`);
    f.expect(line, 'Y', `constant.language.poa${SUFFIX}`);
    const description = f.scopes(line, ' Type 2 diabetes with diabetic CKD');
    assert.deepEqual(description.slice(1), [`meta.diagnosis${SUFFIX}`]);
    f.expect('dx: N18.4', 'N18.4', CODE);
    f.expect('dx: Z00.00', 'Z00.00', CODE);
  });

  it('scopes a line that starts with a code as a dx line', () => {
    f.expect('I12.9                        # a line that starts with a code is a dx line too', 'I12.9', CODE);
  });

  it('scopes # allow: comments with their rule ids', () => {
    const line = 'dx: S06.0X0A   # allow: excludes1, duplicate-code';
    f.expect(line, 'S06.0X0A', CODE);
    f.expect(line, 'allow', `keyword.control.allow${SUFFIX}`);
    f.expect(line, 'allow', COMMENT);
    f.expect(line, 'excludes1', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, 'duplicate-code', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, ',', `punctuation.separator.comma${SUFFIX}`);
  });
});

describe('TextMate grammar: edge-cases.enc', () => {
  let f: Fixture;
  before(async () => {
    f = await Fixture.load('edge-cases.enc');
  });

  it('matches keys in any case', () => {
    f.expect('Encounter: ENC-7', 'Encounter', `keyword.other.encounter${SUFFIX}`);
    f.expect('Encounter: ENC-7', 'ENC-7', `entity.name.section.encounter-id${SUFFIX}`);
    f.expect('DATE: 2026-13', 'DATE', `support.type.property-name.date${SUFFIX}`);
    f.expect('Dx: e1122 poa=n lower case, no dot', 'Dx', `support.type.property-name.dx${SUFFIX}`);
  });

  it('marks header values that break the format', () => {
    f.expect('DATE: 2026-13', '2026-13', `invalid.illegal.value.date${SUFFIX}`);
    f.expect('Setting: ambulance', 'ambulance', `invalid.illegal.value.setting${SUFFIX}`);
    f.expect('SEX: x', 'x', `invalid.illegal.value.sex${SUFFIX}`);
    f.expect('Age: 125', '125', `invalid.illegal.value.age${SUFFIX}`);
  });

  it('accepts codes without the dot and in lower case', () => {
    f.expect('Dx: e1122 poa=n lower case, no dot', 'e1122', CODE);
    f.expect('Dx: e1122 poa=n lower case, no dot', 'n', `constant.language.poa${SUFFIX}`);
  });

  it('marks code-position tokens that are not shaped like codes', () => {
    f.expect('dx: E11.222222 poa=Y too long to be a code', 'E11.222222', BAD_CODE);
    f.expect('dx: 11.9 no leading letter', '11.9', BAD_CODE);
    f.expect('dx: E1.9 dot in the wrong place', 'E1.9', BAD_CODE);
    f.expect('E11.     # trailing dot alone', 'E11.', BAD_CODE);
  });

  it('marks unknown poa flags and accepts them in any case', () => {
    f.expect('dx: I10 poa=Q unknown flag', 'I10', CODE);
    f.expect('dx: I10 poa=Q unknown flag', 'Q', `invalid.illegal.poa${SUFFIX}`);
    f.expect('dx: I10 POA=W', 'POA', `keyword.other.poa${SUFFIX}`);
    f.expect('dx: I10 POA=W', 'W', `constant.language.poa${SUFFIX}`);
    f.expect('S72.001A poa=1 mentions J45.909 in the description', '1', `constant.language.poa${SUFFIX}`);
  });

  it('scopes only the code position, not code-like words in the description or a note', () => {
    const line = 'S72.001A poa=1 mentions J45.909 in the description';
    f.expect(line, 'S72.001A', CODE);
    f.expectNot(line, ' mentions J45.909 in the description', 'constant.other.icd10-code');
    const note = 'note: a note with E11.9 inside # and a comment';
    f.expect(note, 'a note with E11.9 inside', `string.unquoted.note${SUFFIX}`);
    f.expect(note, ' and a comment', COMMENT);
  });

  it('scopes every id-shaped word of an allow list as a rule id, marks malformed ones, and needs the colon', () => {
    // Whether an id exists is the server's to say (it warns); the grammar only checks the shape.
    const line = 'dx: J45.909 # allow: excludes1, duplicate-cod, code-also';
    f.expect(line, 'excludes1', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, 'duplicate-cod', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, 'code-also', `entity.name.tag.rule${SUFFIX}`);
    f.expect('dx: R05.9 # allow: excludes_1', 'excludes_1', `invalid.illegal.rule${SUFFIX}`);
    f.expectNot('dx: J45.909 # allow excludes1', ' allow excludes1', 'keyword');
  });
});

describe('TextMate grammar: what the server accepts and rejects', () => {
  let f: Fixture;
  before(async () => {
    f = await Fixture.load('edge-cases.enc');
  });

  it('accepts poa with a colon, and marks a flag that does not follow the code', () => {
    f.expect('dx: I50.9 poa:U colon works too', ':', `punctuation.separator.key-value.poa${SUFFIX}`, 1);
    f.expect('dx: I50.9 poa:U colon works too', 'U', `constant.language.poa${SUFFIX}`);
    const misplaced = 'dx: I50.9 heart failure poa=Y flag after the description';
    f.expect(misplaced, 'I50.9', CODE);
    f.expect(misplaced, 'poa=Y', `invalid.illegal.poa.misplaced${SUFFIX}`);
  });

  it('accepts ages with leading zeros up to three digits', () => {
    f.expect('age: 067', '067', `constant.numeric.integer.age${SUFFIX}`);
  });

  it('marks keys the format does not know', () => {
    f.expect('provider: Dr. Example', 'provider', `invalid.illegal.unknown-key${SUFFIX}`);
  });

  it('reads allow lists separated by spaces, with a reason after a semicolon', () => {
    const line = 'dx: K21.9 # allow: code-also unspecified-code; reviewed with the physician';
    f.expect(line, 'code-also', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, 'unspecified-code', `entity.name.tag.rule${SUFFIX}`);
    f.expect(line, ';', `punctuation.separator.reason${SUFFIX}`);
    f.expect(line, ' reviewed with the physician', COMMENT);
    f.expectNot(line, ' reviewed with the physician', 'entity.name.tag');
  });
});

describe('TextMate grammar: rule ids', () => {
  it('knows every rule id of the server', async () => {
    const line = `dx: I10 # allow: ${RULE_IDS.join(', ')}`;
    const [tokens] = await tokenize(line);
    const ruleTokens = tokens.filter((token) => token.scopes.includes(`entity.name.tag.rule${SUFFIX}`));
    assert.deepEqual(
      ruleTokens.map((token) => token.text),
      [...RULE_IDS],
      dump(tokens),
    );
    assert.ok(fs.existsSync(GRAMMAR_PATH));
  });
});

describe('TextMate grammar: inpatient.enc', () => {
  let f: Fixture;
  before(async () => {
    f = await Fixture.load('inpatient.enc');
  });

  it('scopes the discharge status and marks a malformed one', () => {
    f.expect('discharge-status: 01', 'discharge-status', `support.type.property-name.discharge-status${SUFFIX}`);
    f.expect('discharge-status: 01', '01', `constant.numeric.integer.discharge-status${SUFFIX}`);
    f.expect('discharge-status: 1x', '1x', `invalid.illegal.value.discharge-status${SUFFIX}`);
  });

  it('scopes px lines: key and procedure code; a malformed code is marked', () => {
    const line = 'px: 02703DZ dilation of coronary artery';
    f.expect(line, 'px', `support.type.property-name.px${SUFFIX}`);
    f.expect(line, '02703DZ', `constant.other.procedure-code${SUFFIX}`);
    f.expectNot(line, ' dilation of coronary artery', 'constant.other.procedure-code');
    f.expect('px: 0270IXX', '0270IXX', `invalid.illegal.procedure-code${SUFFIX}`);
  });
});
