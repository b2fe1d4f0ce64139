/** Timing helpers for requests made while the user types. */

export interface Debounced<A extends unknown[]> {
  /** Run after `delayMs` without another call; a newer call replaces the pending one. */
  trigger(...args: A): void;
  /** Drop the pending call, if any. */
  cancel(): void;
  /** Whether a call is pending. */
  readonly pending: boolean;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, delayMs: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    trigger(...args: A): void {
      if (timer !== undefined) {
        clearTimeout(timer);
      }
      timer = setTimeout(() => {
        timer = undefined;
        fn(...args);
      }, delayMs);
    },
    cancel(): void {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
    },
    get pending(): boolean {
      return timer !== undefined;
    },
  };
}

/**
 * Numbers requests so that an answer to anything but the latest one is
 * ignored: answers can arrive out of order, and a slow answer for "diab" must
 * not replace the list for "diabetes".
 */
export class RequestSequencer {
  private latest = 0;

  /** Number a new request; it becomes the latest. */
  next(): number {
    this.latest += 1;
    return this.latest;
  }

  /** Whether `id` is still the latest request. */
  isLatest(id: number): boolean {
    return id === this.latest;
  }

  /** Make every outstanding request stale. */
  invalidate(): void {
    this.latest += 1;
  }
}
