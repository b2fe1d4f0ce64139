/**
 * The server's standard error, made into log entries of the right level: the server
 * writes `icd10ls WARNING text` lines, and the language client would otherwise append
 * each chunk as it comes, blank lines and all, at one level.
 */

export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEntry {
  readonly level: LogLevel;
  readonly text: string;
}

const SERVER_LINE = /^icd10ls (INFO|WARNING|ERROR|CRITICAL|DEBUG) ?(.*)$/;

/** The entry for one line of the server's output; undefined for a blank line. */
export function logEntry(line: string, previous: LogLevel = 'info'): LogEntry | undefined {
  const trimmed = line.replace(/\s+$/, '');
  if (trimmed === '') {
    return undefined;
  }
  const match = SERVER_LINE.exec(trimmed);
  if (match === null) {
    // A traceback's lines belong to the entry above them.
    return { level: previous, text: trimmed };
  }
  const level: LogLevel = match[1] === 'WARNING' ? 'warn' : match[1] === 'ERROR' || match[1] === 'CRITICAL' ? 'error' : 'info';
  return { level, text: match[2] };
}

/** Splits chunks of output into whole lines, keeping an unfinished last line for the next chunk. */
export class LineBuffer {
  private pending = '';
  private level: LogLevel = 'info';

  /** The entries of the whole lines that `chunk` completes. */
  push(chunk: string): LogEntry[] {
    const parts = (this.pending + chunk).split(/\r?\n|\r/);
    this.pending = parts.pop() ?? '';
    const out: LogEntry[] = [];
    for (const part of parts) {
      const entry = logEntry(part, this.level);
      if (entry !== undefined) {
        this.level = entry.level;
        out.push(entry);
      }
    }
    return out;
  }
}

/** The language client's own messages that describe normal operation, not an error. */
export function isRoutineClientError(message: string): boolean {
  return message === 'Server process exited with code 0.';
}
