/**
 * A word typed at the start of a line (`diab`, before choosing `E11.9` from the completion
 * list) is an unrecognized line until it is finished.  The server reports that at once, as
 * `icd10ls check` would; the editor holds the red squiggle back while the coder is still
 * typing on that line, and shows it once typing has paused.
 */

/** How long after the last keystroke on a line its syntax error waits. */
export const TYPING_PAUSE_MS = 1500;

export interface Typing {
  readonly line: number;
  /** When the last keystroke on it happened (ms). */
  readonly at: number;
}

/** A text change as VS Code reports it: the replaced range's lines and the new text. */
export interface ChangeLike {
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
}

/** The typing a document change means: one change within one line; anything else is not typing. */
export function typingOf(changes: readonly ChangeLike[], now: number): Typing | undefined {
  if (changes.length !== 1) {
    return undefined;
  }
  const [change] = changes;
  if (change.startLine !== change.endLine || /[\r\n]/.test(change.text)) {
    return undefined;
  }
  return { line: change.startLine, at: now };
}

export interface DiagnosticLike {
  readonly code?: unknown;
  readonly range: { readonly start: { readonly line: number } };
}

/** Whether a diagnostic waits: a syntax error on the line being typed, within the pause. */
export function heldWhileTyping(diagnostic: DiagnosticLike, typing: Typing | undefined, now: number): boolean {
  if (typing === undefined || now - typing.at >= TYPING_PAUSE_MS) {
    return false;
  }
  const code = typeof diagnostic.code === 'object' && diagnostic.code !== null && 'value' in diagnostic.code ? diagnostic.code.value : diagnostic.code;
  return code === 'syntax' && diagnostic.range.start.line === typing.line;
}
