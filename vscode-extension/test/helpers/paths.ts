import * as path from 'node:path';

/** The extension's folder (tests run from out/test/, two levels below it). */
export const EXTENSION_ROOT = path.resolve(__dirname, '..', '..', '..');

export function extensionPath(...parts: string[]): string {
  return path.join(EXTENSION_ROOT, ...parts);
}
