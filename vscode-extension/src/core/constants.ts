/**
 * Names shared by the extension, its manifest (package.json) and the server.
 *
 * Nothing here may import `vscode`: this folder is loaded by node's test
 * runner, where no `vscode` module exists.
 */

/** Language id of encounter files (`*.enc`). */
export const LANGUAGE_ID = 'icd10-encounter';

/** Configuration section of every setting, and the LanguageClient id (so `icd10ls.trace.server` works). */
export const CONFIG_SECTION = 'icd10ls';

/** The Python package (and module) that holds the server. */
export const SERVER_MODULE = 'icd10ls';

/** Oldest server version this extension can talk to. */
export const MIN_SERVER_VERSION = '0.1.0';

/** How long (ms) the `import icd10ls` version check may take before it is reported as hanging. */
export const VERSION_CHECK_TIMEOUT_MS = 20_000;

/**
 * Rule ids the server knows, in the order the settings UI lists them: the
 * contract's seventeen, then the server's informational ones.  Ids not listed
 * here still pass through `icd10ls.rules` to the server (a newer server may
 * have more).
 */
export const RULE_IDS = [
  'syntax',
  'unknown-code',
  'not-in-code-set',
  'non-billable',
  'missing-7th-character',
  'invalid-7th-character',
  'placeholder',
  'excludes1',
  'manifestation-first',
  'code-first',
  'external-cause-first',
  'sequela-first',
  'duplicate-code',
  'laterality',
  'use-additional-code',
  'code-also',
  'unspecified-code',
  'code-set',
  'non-canonical',
  'age-conflict',
  'sex-conflict',
  'unacceptable-principal',
  'questionable-admission',
  'invalid-procedure',
  'cms-coverage',
  'poa',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** Values of `icd10ls.rules`: `off` disables a rule, the others set its diagnostics' severity. */
export const SEVERITIES = ['off', 'error', 'warning', 'information', 'hint'] as const;
export type RuleSeverity = (typeof SEVERITIES)[number];

export const CARE_SETTINGS = ['outpatient', 'inpatient'] as const;
export type CareSetting = (typeof CARE_SETTINGS)[number];

/** Bounds of `icd10ls.codeSetYear` (ICD-10-CM started with fiscal year 2016). */
export const MIN_CODE_SET_YEAR = 2016;
export const MAX_CODE_SET_YEAR = 2100;

/** Bounds and default of `icd10ls.completion.limit`. */
export const MIN_COMPLETION_LIMIT = 1;
export const MAX_COMPLETION_LIMIT = 500;
export const DEFAULT_COMPLETION_LIMIT = 50;

/** Commands this extension contributes (the ids users bind keys to). */
export const COMMANDS = {
  restartServer: 'icd10ls.restartServer',
  lookupCode: 'icd10ls.lookupCode',
  searchCodes: 'icd10ls.searchCodes',
  showOutput: 'icd10ls.showOutput',
  installServer: 'icd10ls.installServer',
} as const;

/**
 * Commands the server executes through `workspace/executeCommand`.  They must
 * differ from {@link COMMANDS}: the language client registers every command
 * the server advertises as a VS Code command of the same id.
 */
export const SERVER_COMMANDS = {
  lookup: 'icd10ls.server.lookup',
  search: 'icd10ls.server.search',
  codeSetInfo: 'icd10ls.server.codeSetInfo',
} as const;

/** Setting: languages (besides encounter files) where codes get hovers and Search Codes inserts. */
export const DEFAULT_LOOKUP_LANGUAGES: readonly string[] = ['markdown', 'plaintext'];

/** URI scheme of the read-only documents that show a looked-up code. */
export const LOOKUP_SCHEME = 'icd10ls-lookup';
