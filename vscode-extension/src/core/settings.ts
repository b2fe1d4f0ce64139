/**
 * The `icd10ls.*` settings as the server reads them: the same object is sent
 * as `initializationOptions`, as the answer to `workspace/configuration` for
 * section `icd10ls`, and in `workspace/didChangeConfiguration`.
 */

import {
  CARE_SETTINGS,
  CONFIG_SECTION,
  DEFAULT_COMPLETION_LIMIT,
  MAX_CODE_SET_YEAR,
  MAX_COMPLETION_LIMIT,
  MIN_CODE_SET_YEAR,
  MIN_COMPLETION_LIMIT,
  RULE_IDS,
  SEVERITIES,
  type CareSetting,
  type RuleSeverity,
} from './constants';

export interface ServerSettings {
  rules: Record<string, RuleSeverity>;
  defaultSetting: CareSetting;
  codeSetYear: number | null;
  inlayHints: { enabled: boolean; severity: boolean };
  completion: { limit: number };
}

/** Reads a setting by its key below `icd10ls.` (e.g. `inlayHints.enabled`); vscode's WorkspaceConfiguration fits. */
export interface ConfigReader {
  get(key: string): unknown;
}

export interface MappedSettings {
  readonly settings: ServerSettings;
  /** One line for each value that was ignored, for the output channel. */
  readonly problems: readonly string[];
}

/** The server's settings when the user has set nothing. */
export function defaultServerSettings(): ServerSettings {
  return {
    rules: {},
    defaultSetting: 'outpatient',
    codeSetYear: null,
    inlayHints: { enabled: true, severity: true },
    completion: { limit: DEFAULT_COMPLETION_LIMIT },
  };
}

const RULE_ID_SHAPE = /^[a-z0-9][a-z0-9-]*$/;
const KNOWN_RULES: ReadonlySet<string> = new Set(RULE_IDS);
const KNOWN_SEVERITIES: ReadonlySet<string> = new Set(SEVERITIES);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapRules(value: unknown, problems: string[]): Record<string, RuleSeverity> {
  const rules: Record<string, RuleSeverity> = {};
  if (value === undefined || value === null) {
    return rules;
  }
  if (!isPlainObject(value)) {
    problems.push(`${CONFIG_SECTION}.rules must be an object of rule id to severity; ignored.`);
    return rules;
  }
  for (const [rule, severity] of Object.entries(value)) {
    const normalized = typeof severity === 'string' ? severity.trim().toLowerCase() : undefined;
    if (normalized === undefined || !KNOWN_SEVERITIES.has(normalized)) {
      problems.push(
        `${CONFIG_SECTION}.rules.${rule}: ${JSON.stringify(severity)} is not one of ${SEVERITIES.join(', ')}; ignored.`,
      );
      continue;
    }
    if (!RULE_ID_SHAPE.test(rule)) {
      problems.push(`${CONFIG_SECTION}.rules: ${JSON.stringify(rule)} is not a rule id; ignored.`);
      continue;
    }
    if (!KNOWN_RULES.has(rule)) {
      // Passed on all the same: a newer server may know rules this extension does not.
      problems.push(`${CONFIG_SECTION}.rules.${rule}: not a rule this extension knows; passed to the server as is.`);
    }
    rules[rule] = normalized as RuleSeverity;
  }
  return rules;
}

function mapDefaultSetting(value: unknown, problems: string[]): CareSetting {
  if (value === undefined || value === null) {
    return 'outpatient';
  }
  const normalized = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (normalized !== undefined && (CARE_SETTINGS as readonly string[]).includes(normalized)) {
    return normalized as CareSetting;
  }
  problems.push(`${CONFIG_SECTION}.defaultSetting: ${JSON.stringify(value)} is not outpatient or inpatient; using outpatient.`);
  return 'outpatient';
}

function mapCodeSetYear(value: unknown, problems: string[]): number | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  const year = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number.parseInt(value, 10) : value;
  if (typeof year === 'number' && Number.isInteger(year) && year >= MIN_CODE_SET_YEAR && year <= MAX_CODE_SET_YEAR) {
    return year;
  }
  problems.push(
    `${CONFIG_SECTION}.codeSetYear: ${JSON.stringify(value)} is not a fiscal year from ${MIN_CODE_SET_YEAR} to ${MAX_CODE_SET_YEAR}; choosing the code set by each encounter's date.`,
  );
  return null;
}

function mapBoolean(key: string, value: unknown, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  problems.push(`${CONFIG_SECTION}.${key}: ${JSON.stringify(value)} is not true or false; using ${String(fallback)}.`);
  return fallback;
}

function mapLimit(value: unknown, problems: string[]): number {
  if (value === undefined || value === null) {
    return DEFAULT_COMPLETION_LIMIT;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`${CONFIG_SECTION}.completion.limit: ${JSON.stringify(value)} is not a number; using ${DEFAULT_COMPLETION_LIMIT}.`);
    return DEFAULT_COMPLETION_LIMIT;
  }
  const limit = Math.min(MAX_COMPLETION_LIMIT, Math.max(MIN_COMPLETION_LIMIT, Math.round(value)));
  if (limit !== value) {
    problems.push(`${CONFIG_SECTION}.completion.limit: ${value} is outside ${MIN_COMPLETION_LIMIT}-${MAX_COMPLETION_LIMIT}; using ${limit}.`);
  }
  return limit;
}

/** Map the user's settings to what the server reads, repairing or dropping bad values. */
export function toServerSettings(config: ConfigReader): MappedSettings {
  const problems: string[] = [];
  const settings: ServerSettings = {
    rules: mapRules(config.get('rules'), problems),
    defaultSetting: mapDefaultSetting(config.get('defaultSetting'), problems),
    codeSetYear: mapCodeSetYear(config.get('codeSetYear'), problems),
    inlayHints: {
      enabled: mapBoolean('inlayHints.enabled', config.get('inlayHints.enabled'), true, problems),
      severity: mapBoolean('inlayHints.severity', config.get('inlayHints.severity'), true, problems),
    },
    completion: { limit: mapLimit(config.get('completion.limit'), problems) },
  };
  return { settings, problems };
}

/** A {@link ConfigReader} over a plain object shaped like settings.json below `icd10ls` (dotted keys or nested objects). */
export function objectConfigReader(values: Readonly<Record<string, unknown>>): ConfigReader {
  return {
    get(key: string): unknown {
      if (Object.prototype.hasOwnProperty.call(values, key)) {
        return values[key];
      }
      let current: unknown = values;
      for (const part of key.split('.')) {
        if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, part)) {
          return undefined;
        }
        current = current[part];
      }
      return current;
    },
  };
}

/**
 * The answer for one `workspace/configuration` item: `icd10ls` gives the whole
 * mapped object, `icd10ls.inlayHints` a part of it.  Undefined when the section
 * is not one this mapping covers (the caller then answers as VS Code would).
 */
export function selectSection(settings: ServerSettings, section: string | undefined): unknown {
  if (section === CONFIG_SECTION) {
    return settings;
  }
  if (section === undefined || !section.startsWith(`${CONFIG_SECTION}.`)) {
    return undefined;
  }
  let current: unknown = settings;
  for (const part of section.slice(CONFIG_SECTION.length + 1).split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, part)) {
      return undefined;
    }
    current = current[part];
  }
  return current;
}

/** Settings whose change needs a new server process rather than a notification. */
export const RESTART_SETTINGS = [
  `${CONFIG_SECTION}.interpreter`,
  `${CONFIG_SECTION}.serverCommand`,
  // Which documents the client sends the server is fixed when it starts.
  `${CONFIG_SECTION}.lookupLanguages`,
] as const;

/** Settings the server reads; a change is sent to it with `workspace/didChangeConfiguration`. */
export const SERVER_SETTINGS = ['rules', 'defaultSetting', 'codeSetYear', 'inlayHints', 'completion'].map(
  (key) => `${CONFIG_SECTION}.${key}`,
);

export type ConfigurationChange = 'restart' | 'notify' | 'none';

/**
 * What a configuration change means for the server, given vscode's
 * `affectsConfiguration`.  `icd10ls.trace.server` needs neither: the language
 * client follows it by itself.
 */
export function classifyConfigurationChange(affects: (section: string) => boolean): ConfigurationChange {
  if (RESTART_SETTINGS.some((section) => affects(section))) {
    return 'restart';
  }
  if (SERVER_SETTINGS.some((section) => affects(section))) {
    return 'notify';
  }
  return 'none';
}

/**
 * The command (and its argument) that opens the Settings editor on one setting.  In a remote
 * window (Remote-SSH, WSL, Codespaces, code-server: `vscode.env.remoteName` is set) the server
 * runs on the remote machine, so its machine-overridable settings (`icd10ls.interpreter`,
 * `icd10ls.serverCommand`) are read from the Remote tab; the User tab would show them unused.
 */
export function openSettingCommand(settingId: string, remoteName: string | undefined): { command: string; argument: unknown } {
  return remoteName !== undefined && remoteName !== ''
    ? { command: 'workbench.action.openRemoteSettings', argument: { query: settingId } }
    : { command: 'workbench.action.openSettings', argument: settingId };
}
