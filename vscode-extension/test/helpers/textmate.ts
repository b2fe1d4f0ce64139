/** Tokenize text with the extension's TextMate grammar, as VS Code does (vscode-textmate + oniguruma). */

import * as fs from 'node:fs';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { extensionPath } from './paths';

export const SCOPE_NAME = 'source.icd10-encounter';
export const GRAMMAR_PATH = extensionPath('syntaxes', 'icd10-encounter.tmLanguage.json');

export interface Token {
  readonly text: string;
  readonly start: number;
  readonly scopes: readonly string[];
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;

async function createGrammar(): Promise<textmate.IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => oniguruma.createOnigScanner(patterns),
      createOnigString: (text: string) => oniguruma.createOnigString(text),
    }),
    loadGrammar: (scopeName: string) =>
      Promise.resolve(
        scopeName === SCOPE_NAME ? textmate.parseRawGrammar(fs.readFileSync(GRAMMAR_PATH, 'utf8'), GRAMMAR_PATH) : null,
      ),
  });
  const grammar = await registry.loadGrammar(SCOPE_NAME);
  if (grammar === null) {
    throw new Error(`could not load ${GRAMMAR_PATH}`);
  }
  return grammar;
}

export function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= createGrammar();
  return grammarPromise;
}

/** Tokens of each line of `text`, carrying the grammar state from line to line. */
export async function tokenize(text: string): Promise<Token[][]> {
  const grammar = await loadGrammar();
  let state: textmate.StateStack = textmate.INITIAL;
  const lines = text.split(/\r?\n/);
  return lines.map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((token) => ({
      text: line.slice(token.startIndex, token.endIndex),
      start: token.startIndex,
      scopes: token.scopes,
    }));
  });
}

/** Human-readable dump of tokens, for failure messages. */
export function describe(tokens: readonly Token[]): string {
  return tokens.map((token) => `${JSON.stringify(token.text)} ${token.scopes.slice(1).join(' ')}`).join('\n');
}
