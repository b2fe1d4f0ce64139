/**
 * Arguments of the extension's commands and answers of the server's commands,
 * checked before use: commands can be run from keybindings, hover links and
 * other extensions with anything as arguments, and a server of another version
 * may answer in another shape.
 */

/** What the lookup input box accepts: a code with or without its dot, maybe unfinished after the dot. */
export const CODE_INPUT_RE = /^[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{0,4})$/;

/** A whole code-shaped token, as the grammar and the server see it. */
export const CODE_TOKEN_RE = /[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?/;

/** Error text for the lookup input box, or undefined when the text is acceptable. */
export function validateCodeInput(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return 'Type an ICD-10-CM code, e.g. E11.22 or E1122.';
  }
  if (!CODE_INPUT_RE.test(trimmed)) {
    return `"${trimmed}" is not shaped like an ICD-10-CM code: a letter, two digits or letters, then up to four more characters after an optional dot (e.g. E11.22, S06.0X0A).`;
  }
  return undefined;
}

/** Canonical form of a code-shaped text (`e1122` → `E11.22`); undefined when it is not code-shaped. */
export function normalizeCode(text: string): string | undefined {
  const trimmed = text.trim();
  if (!CODE_INPUT_RE.test(trimmed)) {
    return undefined;
  }
  const bare = trimmed.replace('.', '').toUpperCase();
  return bare.length <= 3 ? bare : `${bare.slice(0, 3)}.${bare.slice(3)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A document URI passed as a string or as a vscode.Uri (anything with a scheme and toString). */
export function uriArgument(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value.trim() !== '' ? value : undefined;
  }
  // A vscode.Uri: its own toString() gives the URI text; a plain object's gives "[object Object]".
  if (isRecord(value) && typeof value.scheme === 'string' && value.toString !== Object.prototype.toString) {
    const text: unknown = (value.toString as () => unknown).call(value);
    return typeof text === 'string' && text !== '' ? text : undefined;
  }
  return undefined;
}

export interface LookupArguments {
  /** The code to look up, canonical; absent: ask the user. */
  readonly code?: string;
  readonly uri?: string;
  /** Set when a code was passed but is not code-shaped. */
  readonly error?: string;
}

/**
 * Arguments of `icd10ls.lookupCode`: none, `(code)`, `(code, uri)` or
 * `({code, uri})`.  Anything else is ignored rather than failing, except a code
 * that is not code-shaped.
 */
export function parseLookupArgs(args: readonly unknown[]): LookupArguments {
  let codeArg: unknown = args[0];
  let uriArg: unknown = args[1];
  if (isRecord(codeArg)) {
    if (typeof codeArg.scheme === 'string') {
      // Run from a menu on a document: the only argument is its URI.
      uriArg = codeArg;
      codeArg = undefined;
    } else {
      uriArg = codeArg.uri ?? uriArg;
      codeArg = codeArg.code;
    }
  }
  const uri = uriArgument(uriArg);
  if (typeof codeArg !== 'string' || codeArg.trim() === '') {
    return uri !== undefined ? { uri } : {};
  }
  const code = normalizeCode(codeArg);
  if (code === undefined) {
    return { error: validateCodeInput(codeArg), ...(uri !== undefined ? { uri } : {}) };
  }
  return uri !== undefined ? { code, uri } : { code };
}

export interface SearchArguments {
  /** Text to search for right away; absent: start with an empty box. */
  readonly query?: string;
  readonly uri?: string;
}

/** Arguments of `icd10ls.searchCodes`: none, `(query)`, `(query, uri)` or `({query, uri})`. */
export function parseSearchArgs(args: readonly unknown[]): SearchArguments {
  let queryArg: unknown = args[0];
  let uriArg: unknown = args[1];
  if (isRecord(queryArg)) {
    if (typeof queryArg.scheme === 'string') {
      uriArg = queryArg;
      queryArg = undefined;
    } else {
      uriArg = queryArg.uri ?? uriArg;
      queryArg = queryArg.query;
    }
  }
  const uri = uriArgument(uriArg);
  const query = typeof queryArg === 'string' ? normalizeQuery(queryArg) : undefined;
  return {
    ...(query !== undefined ? { query } : {}),
    ...(uri !== undefined ? { uri } : {}),
  };
}

/** Longest search text sent to the server. */
export const MAX_QUERY_LENGTH = 200;

/** The search text to send, or undefined when there is nothing to search for. */
export function normalizeQuery(text: string): string | undefined {
  const collapsed = text.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH);
  return collapsed !== '' ? collapsed : undefined;
}

/** Arguments of `icd10ls.server.search`. */
export function searchRequestArguments(query: string, limit: number, uri: string | undefined): unknown[] {
  return uri !== undefined ? [query, limit, uri] : [query, limit];
}

/** Arguments of `icd10ls.server.lookup`. */
export function lookupRequestArguments(code: string, uri: string | undefined): unknown[] {
  return uri !== undefined ? [code, uri] : [code];
}

export interface SearchResult {
  readonly code: string;
  readonly title: string;
  readonly billable: boolean;
}

/**
 * A quick pick item for one search result (the shape of vscode.QuickPickItem plus the code),
 * or the separator (kind -1, QuickPickItemKind.Separator) before the headers.
 */
export interface SearchPickItem {
  readonly label: string;
  readonly description?: string;
  readonly code?: string;
  readonly alwaysShow?: true;
  readonly kind?: -1;
}

/** The usable entries of an `icd10ls.server.search` answer; malformed entries are skipped. */
export function parseSearchResults(value: unknown): SearchResult[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.code !== 'string') {
      continue;
    }
    const code = normalizeCode(entry.code) ?? entry.code.trim();
    if (code === '' || seen.has(code)) {
      continue;
    }
    seen.add(code);
    results.push({
      code,
      title: typeof entry.title === 'string' ? entry.title.trim() : '',
      billable: entry.billable === true,
    });
  }
  return results;
}

/**
 * Quick pick items: the billable codes first, in the server's order, then the headers under a
 * separator, since choosing a header would put a non-billable code into the encounter.  The
 * label is the code alone and the title its description: the words typed match no label, so
 * the quick pick keeps this order instead of sorting by how well labels match.
 */
export function toSearchItems(results: readonly SearchResult[]): SearchPickItem[] {
  const item = (result: SearchResult): SearchPickItem => ({
    label: result.code,
    description: result.title,
    code: result.code,
    // The server has matched the words already; the quick pick must not filter them out again.
    alwaysShow: true,
  });
  const billable = results.filter((result) => result.billable).map(item);
  const headers = results.filter((result) => !result.billable).map(item);
  if (headers.length === 0) {
    return billable;
  }
  return [...billable, { label: 'headers: not billable, more specific codes below them', kind: -1 }, ...headers];
}

export interface LookupResult {
  readonly found: boolean;
  readonly markdown: string;
}

/** An `icd10ls.server.lookup` answer, or undefined when it is not one. */
export function parseLookupResult(value: unknown): LookupResult | undefined {
  if (!isRecord(value) || typeof value.found !== 'boolean') {
    return undefined;
  }
  return { found: value.found, markdown: typeof value.markdown === 'string' ? value.markdown : '' };
}

export interface CodeSetInfo {
  readonly label: string;
  readonly fiscalYear: number;
}

/** An `icd10ls.server.codeSetInfo` answer, or undefined when it is not one. */
export function parseCodeSetInfo(value: unknown): CodeSetInfo | undefined {
  if (!isRecord(value) || typeof value.fiscalYear !== 'number' || !Number.isInteger(value.fiscalYear)) {
    return undefined;
  }
  const fallback = value.fiscalYear > 0 ? `ICD-10-CM FY${value.fiscalYear}` : 'ICD-10-CM';
  const label = typeof value.label === 'string' && value.label.trim() !== '' ? value.label.trim() : fallback;
  return { label, fiscalYear: value.fiscalYear };
}

/** Path of the virtual markdown document that shows a looked-up code (one document per code). */
export function lookupDocumentPath(code: string): string {
  const safe = code.replace(/[^A-Za-z0-9.]/g, '_');
  return `/${safe}.md`;
}

/** The markdown shown when the server found nothing and said nothing. */
export function notFoundMarkdown(code: string): string {
  return `# ${code}\n\nNot an ICD-10-CM code in the code set in use.\n`;
}
