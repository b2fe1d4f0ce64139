/**
 * When the server's connection closes unexpectedly: restart it, a bounded
 * number of times within a time window, then give up and say so.  A server
 * that dies before it ever finished starting is not restarted at all: the same
 * command would fail the same way, and the user gets one message instead.
 */

export interface CrashDecision {
  readonly action: 'restart' | 'giveUp';
  /** Crashes counted in the current window, this one included. */
  readonly crashes: number;
  readonly reason?: 'startup' | 'tooMany';
}

export class CrashRestartPolicy {
  private crashTimes: number[] = [];

  constructor(
    /** Restarts allowed within {@link windowMs}; the crash after them gives up. */
    readonly maxRestarts = 4,
    readonly windowMs = 3 * 60_000,
  ) {}

  /** Decide for one closed connection; `reachedRunning` tells whether that server process had finished starting. */
  onClosed(now: number, reachedRunning: boolean): CrashDecision {
    this.crashTimes = this.crashTimes.filter((time) => now - time < this.windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    if (!reachedRunning) {
      return { action: 'giveUp', crashes, reason: 'startup' };
    }
    if (crashes > this.maxRestarts) {
      return { action: 'giveUp', crashes, reason: 'tooMany' };
    }
    return { action: 'restart', crashes };
  }

  /** Forget past crashes (after a restart the user asked for, or a settings change). */
  reset(): void {
    this.crashTimes = [];
  }
}

/** What the user is told when the policy gives up. */
export function crashMessage(decision: CrashDecision, windowMs: number): string {
  if (decision.reason === 'startup') {
    return 'The icd10ls server exited while starting and was not restarted. See the output for details.';
  }
  const minutes = Math.round(windowMs / 60_000);
  const window = minutes === 1 ? 'minute' : `${minutes} minutes`;
  return `The icd10ls server crashed ${decision.crashes} times in the last ${window} and will not be restarted. See the output for details.`;
}

/** Log line for a crash that is followed by a restart. */
export function restartLogLine(decision: CrashDecision, maxRestarts: number): string {
  return `The icd10ls server stopped unexpectedly; restarting it (restart ${decision.crashes} of at most ${maxRestarts}).`;
}
