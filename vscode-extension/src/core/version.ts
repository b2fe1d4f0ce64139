/**
 * Python package versions (the PEP 440 forms that packages actually use) and
 * their order, to tell whether the installed server is recent enough.
 */

export interface Version {
  /** Release segment, e.g. [0, 1, 0]. */
  readonly release: readonly number[];
  /** Pre-release: phase 0 = alpha, 1 = beta, 2 = release candidate. */
  readonly pre?: { readonly phase: 0 | 1 | 2; readonly number: number };
  readonly post?: number;
  readonly dev?: number;
  /** Local label after `+`; it does not take part in comparisons. */
  readonly local?: string;
}

const VERSION_RE =
  /^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:[-_.]?(post|rev|r)[-_.]?(\d*)|-(\d+))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

function prePhase(word: string): 0 | 1 | 2 {
  switch (word.toLowerCase()) {
    case 'a':
    case 'alpha':
      return 0;
    case 'b':
    case 'beta':
      return 1;
    default:
      return 2;
  }
}

/** Parse a version string as Python packaging writes it; undefined when it is not one. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION_RE.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const [, release, preWord, preNum, , postNum, implicitPost, devWord, devNum, local] = match;
  const version: {
    release: number[];
    pre?: { phase: 0 | 1 | 2; number: number };
    post?: number;
    dev?: number;
    local?: string;
  } = { release: release.split('.').map((part) => Number.parseInt(part, 10)) };
  if (preWord !== undefined) {
    version.pre = { phase: prePhase(preWord), number: preNum ? Number.parseInt(preNum, 10) : 0 };
  }
  if (implicitPost !== undefined) {
    version.post = Number.parseInt(implicitPost, 10);
  } else if (match[4] !== undefined) {
    version.post = postNum ? Number.parseInt(postNum, 10) : 0;
  }
  if (devWord !== undefined) {
    version.dev = devNum ? Number.parseInt(devNum, 10) : 0;
  }
  if (local !== undefined) {
    version.local = local;
  }
  return version;
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The tuple that orders versions as PEP 440 does (the local label is ignored). */
function sortKey(v: Version): number[] {
  // A bare dev release (1.0.dev1) sorts before every pre-release of 1.0.
  const pre = v.pre
    ? [v.pre.phase, v.pre.number]
    : v.dev !== undefined && v.post === undefined
      ? [-1, 0]
      : [3, 0];
  const post = v.post ?? -1;
  const dev = v.dev ?? Number.POSITIVE_INFINITY;
  return [...pre, post, dev];
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  const length = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < length; i++) {
    const c = compareNumbers(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c !== 0) {
      return c;
    }
  }
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < ka.length; i++) {
    const c = compareNumbers(ka[i], kb[i]);
    if (c !== 0) {
      return c;
    }
  }
  return 0;
}

/** Whether `installed` is `minimum` or newer; false when either does not parse. */
export function meetsMinimum(installed: string, minimum: string): boolean {
  const a = parseVersion(installed);
  const b = parseVersion(minimum);
  return a !== undefined && b !== undefined && compareVersions(a, b) >= 0;
}
