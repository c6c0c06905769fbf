import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { SPINNER_DELAY_MS, TreeRefreshScheduler, type RefreshTimers } from '../../../src/core/presentation/treeRefresh';

/** Timers the test advances by hand. */
function manualTimers(): RefreshTimers & { pending: number; run(): void } {
  const due = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (fn) => {
      due.set(++next, fn);
      return next;
    },
    clearTimeout: (h) => void due.delete(h as number),
    get pending() {
      return due.size;
    },
    run() {
      const fns = [...due.values()];
      due.clear();
      for (const fn of fns) fn();
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TreeRefreshScheduler (when the Connections tree re-renders)', () => {
  it('a fast connect reaches the tree as one refresh: the connecting state is never sent', async () => {
    const timers = manualTimers();
    let fired = 0;
    const s = new TreeRefreshScheduler(() => fired++, SPINNER_DELAY_MS, timers);
    s.later(); // connecting
    await tick();
    assert.equal(fired, 0, 'the connecting state must wait');
    s.now(); // connected, before the spinner delay
    await tick();
    assert.equal(fired, 1);
    assert.equal(timers.pending, 0, 'the spinner refresh is cancelled once the result is shown');
  });

  it('a slow connect shows the spinner after the delay, then the result', async () => {
    const timers = manualTimers();
    let fired = 0;
    const s = new TreeRefreshScheduler(() => fired++, SPINNER_DELAY_MS, timers);
    s.later();
    s.later(); // a second in-between state (a reconnect attempt) does not queue a second spinner refresh
    assert.equal(timers.pending, 1);
    timers.run();
    assert.equal(fired, 1, 'the spinner is shown once the attempt outlasts the delay');
    s.now();
    await tick();
    assert.equal(fired, 2);
  });

  it('changes in the same tick make one refresh; a later tick another', async () => {
    let fired = 0;
    const s = new TreeRefreshScheduler(() => fired++, SPINNER_DELAY_MS, manualTimers());
    s.now();
    s.now();
    s.now();
    assert.equal(fired, 0, 'fired within the tick');
    await tick();
    assert.equal(fired, 1);
    s.now();
    await tick();
    assert.equal(fired, 2);
  });

  it('nothing fires after dispose', async () => {
    const timers = manualTimers();
    let fired = 0;
    const s = new TreeRefreshScheduler(() => fired++, SPINNER_DELAY_MS, timers);
    s.later();
    s.now();
    s.dispose();
    timers.run();
    await tick();
    assert.equal(fired, 0);
  });
});
