import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  lookupDocumentPath,
  lookupRequestArguments,
  normalizeCode,
  normalizeQuery,
  parseCodeSetInfo,
  parseLookupArgs,
  parseLookupResult,
  parseSearchArgs,
  parseSearchResults,
  searchRequestArguments,
  toSearchItems,
  uriArgument,
  validateCodeInput,
} from '../src/core/args';

/** Looks like a vscode.Uri to the argument parsers. */
const fakeUri = (text: string) => ({ scheme: 'file', path: text.replace('file://', ''), toString: () => text });

describe('validateCodeInput', () => {
  it('accepts codes with or without the dot, in any case', () => {
    for (const code of ['E11.22', 'e1122', 'I10', 'S06.0X0A', 'S060X0A', ' Z00.00 ', 'E11.', 'A0b']) {
      assert.equal(validateCodeInput(code), undefined, code);
    }
  });
  it('rejects everything else with a message', () => {
    for (const text of ['', '  ', '11.9', 'E1.19', 'E11.22222', 'E11..2', 'diabetes', 'E11 22', 'E11-22']) {
      assert.equal(typeof validateCodeInput(text), 'string', text);
    }
  });
});

describe('normalizeCode', () => {
  it('gives the canonical dotted upper-case form', () => {
    assert.equal(normalizeCode('e1122'), 'E11.22');
    assert.equal(normalizeCode(' s060x0a '), 'S06.0X0A');
    assert.equal(normalizeCode('I10'), 'I10');
    assert.equal(normalizeCode('E11.'), 'E11');
    assert.equal(normalizeCode('E11.9'), 'E11.9');
    assert.equal(normalizeCode('E1.19'), undefined);
  });
});

describe('parseLookupArgs', () => {
  it('asks the user when called without a code', () => {
    assert.deepEqual(parseLookupArgs([]), {});
    assert.deepEqual(parseLookupArgs([undefined]), {});
    assert.deepEqual(parseLookupArgs(['  ']), {});
    assert.deepEqual(parseLookupArgs([42]), {});
  });
  it('takes a code, and a URI as string or vscode.Uri', () => {
    assert.deepEqual(parseLookupArgs(['e1122']), { code: 'E11.22' });
    assert.deepEqual(parseLookupArgs(['I10', 'file:///a.enc']), { code: 'I10', uri: 'file:///a.enc' });
    assert.deepEqual(parseLookupArgs(['I10', fakeUri('file:///b.enc')]), { code: 'I10', uri: 'file:///b.enc' });
  });
  it('takes an object argument, as hover command links pass', () => {
    assert.deepEqual(parseLookupArgs([{ code: 'n18.4', uri: 'file:///c.enc' }]), { code: 'N18.4', uri: 'file:///c.enc' });
  });
  it('takes a lone URI, as editor menus pass', () => {
    assert.deepEqual(parseLookupArgs([fakeUri('file:///d.enc')]), { uri: 'file:///d.enc' });
  });
  it('reports a code that is not code-shaped', () => {
    const parsed = parseLookupArgs(['diabetes']);
    assert.equal(parsed.code, undefined);
    assert.match(parsed.error ?? '', /not shaped like an ICD-10-CM code/);
  });
});

describe('parseSearchArgs', () => {
  it('takes an optional query and URI', () => {
    assert.deepEqual(parseSearchArgs([]), {});
    assert.deepEqual(parseSearchArgs(['  type 2   diabetes ']), { query: 'type 2 diabetes' });
    assert.deepEqual(parseSearchArgs(['asthma', 'file:///e.enc']), { query: 'asthma', uri: 'file:///e.enc' });
    assert.deepEqual(parseSearchArgs([{ query: 'asthma' }]), { query: 'asthma' });
    assert.deepEqual(parseSearchArgs([fakeUri('file:///f.enc')]), { uri: 'file:///f.enc' });
    assert.deepEqual(parseSearchArgs([' ', 7]), {});
  });
});

describe('uriArgument', () => {
  it('accepts strings and Uri-like objects only', () => {
    assert.equal(uriArgument('file:///x.enc'), 'file:///x.enc');
    assert.equal(uriArgument(''), undefined);
    assert.equal(uriArgument({}), undefined);
    assert.equal(uriArgument({ scheme: 'file' }), undefined);
    assert.equal(uriArgument(null), undefined);
  });
});

describe('server request arguments', () => {
  it('follow the contract, leaving out an absent URI', () => {
    assert.deepEqual(lookupRequestArguments('E11.22', undefined), ['E11.22']);
    assert.deepEqual(lookupRequestArguments('E11.22', 'file:///a.enc'), ['E11.22', 'file:///a.enc']);
    assert.deepEqual(searchRequestArguments('diabetes', 50, undefined), ['diabetes', 50]);
    assert.deepEqual(searchRequestArguments('diabetes', 50, 'untitled:Untitled-1'), ['diabetes', 50, 'untitled:Untitled-1']);
  });
  it('normalizes queries', () => {
    assert.equal(normalizeQuery('   '), undefined);
    assert.equal(normalizeQuery(' a\tb\n c '), 'a b c');
    assert.equal(normalizeQuery('x'.repeat(500))?.length, 200);
  });
});

describe('search results', () => {
  it('become quick pick items, billable codes first, labelled so the quick pick keeps their order', () => {
    const results = parseSearchResults([
      { code: 'J45', title: 'Asthma', billable: false },
      { code: 'J45.2', title: 'Mild intermittent asthma', billable: false },
      { code: 'J45.909', title: 'Unspecified asthma, uncomplicated', billable: true },
      { code: 'J45.20', title: 'Mild intermittent asthma, uncomplicated', billable: true },
    ]);
    const items = toSearchItems(results);
    assert.deepEqual(items, [
      { label: 'J45.909', description: 'Unspecified asthma, uncomplicated', code: 'J45.909', alwaysShow: true },
      { label: 'J45.20', description: 'Mild intermittent asthma, uncomplicated', code: 'J45.20', alwaysShow: true },
      { label: 'headers: not billable, more specific codes below them', kind: -1 },
      { label: 'J45', description: 'Asthma', code: 'J45', alwaysShow: true },
      { label: 'J45.2', description: 'Mild intermittent asthma', code: 'J45.2', alwaysShow: true },
    ]);
    // The quick pick re-sorts items whose label matches the typed words; a code never contains them.
    for (const item of items) {
      assert.doesNotMatch(item.label.toLowerCase(), item.kind === -1 ? /^$/ : /asthma/);
    }
    assert.deepEqual(toSearchItems(results.filter((r) => r.billable)).map((i) => i.code), ['J45.909', 'J45.20']);
  });
  it('skip malformed entries and duplicates, and canonicalize codes', () => {
    const results = parseSearchResults([null, 'E11.9', { title: 'no code' }, { code: 'e119', title: 7 }, { code: 'E11.9', title: 'dup' }]);
    assert.deepEqual(results, [{ code: 'E11.9', title: '', billable: false }]);
    assert.deepEqual(toSearchItems(results)[1]?.label, 'E11.9');
    assert.deepEqual(parseSearchResults({ results: [] }), []);
  });
});

describe('lookup and code set answers', () => {
  it('parse the contract shapes', () => {
    assert.deepEqual(parseLookupResult({ found: true, markdown: '**E11.22**' }), { found: true, markdown: '**E11.22**' });
    assert.deepEqual(parseLookupResult({ found: false }), { found: false, markdown: '' });
    assert.equal(parseLookupResult({ markdown: 'x' }), undefined);
    assert.equal(parseLookupResult(null), undefined);
    assert.deepEqual(parseCodeSetInfo({ label: 'ICD-10-CM FY2026', fiscalYear: 2026 }), { label: 'ICD-10-CM FY2026', fiscalYear: 2026 });
    assert.deepEqual(parseCodeSetInfo({ fiscalYear: 2025 }), { label: 'ICD-10-CM FY2025', fiscalYear: 2025 });
    assert.equal(parseCodeSetInfo({ label: 'x', fiscalYear: '2026' }), undefined);
    // What the server answers when it failed.
    assert.deepEqual(parseCodeSetInfo({ label: 'ICD-10-CM', fiscalYear: 0 }), { label: 'ICD-10-CM', fiscalYear: 0 });
    assert.deepEqual(parseCodeSetInfo({ label: ' ', fiscalYear: 0 }), { label: 'ICD-10-CM', fiscalYear: 0 });
  });
  it('name lookup documents by code', () => {
    assert.equal(lookupDocumentPath('S06.0X0A'), '/S06.0X0A.md');
    assert.equal(lookupDocumentPath('../x'), '/.._x.md');
  });
});
