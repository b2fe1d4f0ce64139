/**
 * Text of the status bar item: the code set in use for the active encounter
 * file while the server runs, the server's trouble otherwise.
 */

import { COMMANDS } from './constants';
import type { CodeSetInfo } from './args';

export type ServerState =
  | 'starting'
  | 'running'
  | 'stopped'
  /** The version check failed: no interpreter, module missing or too old. */
  | 'notInstalled'
  /** The Install button is making the extension's own environment. */
  | 'installing'
  /** The process did not start or did not complete the handshake. */
  | 'failed'
  /** It crashed too often and is not restarted any more. */
  | 'crashed';

export interface StatusInput {
  /** Whether the active editor shows an encounter file. */
  readonly encounterFileActive: boolean;
  readonly state: ServerState;
  /** The server's answer for the active file, when there is one. */
  readonly codeSet?: CodeSetInfo;
  /** The command line of the server, for the tooltip. */
  readonly serverDescription?: string;
}

export interface StatusView {
  readonly visible: boolean;
  readonly text: string;
  readonly tooltip: string;
  /** Command run on click. */
  readonly command: string;
  readonly severity: 'normal' | 'warning' | 'error';
}

/** " (fiscal year 2026)", or nothing when the server could not tell (it answers 0 then). */
function year(codeSet: CodeSetInfo): string {
  return codeSet.fiscalYear > 0 ? ` (fiscal year ${codeSet.fiscalYear})` : '';
}

const HIDDEN: StatusView = { visible: false, text: '', tooltip: '', command: COMMANDS.showOutput, severity: 'normal' };

export function statusView(input: StatusInput): StatusView {
  if (!input.encounterFileActive) {
    return HIDDEN;
  }
  const server = input.serverDescription !== undefined ? `\nServer: ${input.serverDescription}` : '';
  switch (input.state) {
    case 'running':
      if (input.codeSet !== undefined) {
        return {
          visible: true,
          text: `$(book) ${input.codeSet.label}`,
          tooltip: `Code set for this file: ${input.codeSet.label}${year(input.codeSet)}${server}\nClick to show the server output.`,
          command: COMMANDS.showOutput,
          severity: 'normal',
        };
      }
      return {
        visible: true,
        text: '$(book) ICD-10-CM',
        tooltip: `icd10ls is running; the code set for this file is not known yet.${server}\nClick to show the server output.`,
        command: COMMANDS.showOutput,
        severity: 'normal',
      };
    case 'starting':
      return {
        visible: true,
        text: '$(sync~spin) icd10ls starting',
        tooltip: `The icd10ls server is starting.${server}`,
        command: COMMANDS.showOutput,
        severity: 'normal',
      };
    case 'stopped':
      return {
        visible: true,
        text: '$(warning) icd10ls stopped',
        tooltip: 'The icd10ls server is not running. Click to start it.',
        command: COMMANDS.restartServer,
        severity: 'warning',
      };
    case 'notInstalled':
      return {
        visible: true,
        text: '$(warning) icd10ls not installed',
        tooltip: 'The icd10ls server is not installed (or too old) for the Python interpreter in use. Click to install it.',
        command: COMMANDS.installServer,
        severity: 'warning',
      };
    case 'installing':
      return {
        visible: true,
        text: '$(sync~spin) icd10ls installing',
        tooltip: 'The icd10ls server is being installed into its own environment.',
        command: COMMANDS.showOutput,
        severity: 'normal',
      };
    case 'failed':
      return {
        visible: true,
        text: '$(error) icd10ls failed',
        tooltip: `The icd10ls server failed to start.${server}\nClick to try again.`,
        command: COMMANDS.restartServer,
        severity: 'error',
      };
    case 'crashed':
      return {
        visible: true,
        text: '$(error) icd10ls crashed',
        tooltip: `The icd10ls server crashed repeatedly and was not restarted.${server}\nClick to restart it.`,
        command: COMMANDS.restartServer,
        severity: 'error',
      };
  }
}
