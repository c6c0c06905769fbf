/**
 * When the Connections tree asks VS Code to re-render.
 *
 * VS Code's extension host merges a tree's change events (extHostTreeViews: `Event.debounce(…, 200, leading)`):
 * the first event goes out at once, and every later one that comes within 200 ms of the previous waits until 200 ms
 * after the last. A "connecting" refresh sent at the click therefore held the "connected" one back by ~200 ms on a
 * fast server (measured in the UI bench: Connect → verified icon 250 ms for a 7 ms connect). So the in-between
 * states of an attempt (connecting, reconnecting) reach the tree only when the attempt is still running after
 * `spinnerDelayMs` (the view's progress bar shows it meanwhile), and everything else is sent at once, merged per tick.
 */
export const SPINNER_DELAY_MS = 500;

export interface RefreshTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const NODE_TIMERS: RefreshTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class TreeRefreshScheduler {
  private queued = false;
  private delayed: unknown;
  private disposed = false;

  constructor(
    private readonly fire: () => void,
    private readonly spinnerDelayMs = SPINNER_DELAY_MS,
    private readonly timers: RefreshTimers = NODE_TIMERS,
  ) {}

  /** A change to show now (settings, connected, failed, closed): changes in the same tick make one refresh. */
  now(): void {
    if (this.disposed) return;
    // The refresh shows every connection's current state, so a pending spinner refresh is no longer needed.
    this.cancelDelayed();
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (!this.disposed) this.fire();
    });
  }

  /** An in-between state (connecting, reconnecting): shown only if nothing else refreshes the tree first. */
  later(): void {
    if (this.disposed || this.delayed !== undefined || this.queued) return;
    this.delayed = this.timers.setTimeout(() => {
      this.delayed = undefined;
      if (!this.disposed) this.fire();
    }, this.spinnerDelayMs);
  }

  dispose(): void {
    this.disposed = true;
    this.cancelDelayed();
  }

  private cancelDelayed(): void {
    if (this.delayed === undefined) return;
    this.timers.clearTimeout(this.delayed);
    this.delayed = undefined;
  }
}
