/**
 * Load against the sandbox, bounded: 50 concurrent queries over several connections, then 300 connect /
 * disconnect cycles (a working day of reconnects in a few seconds) with leak checks by count — sockets and
 * timers created by the loop and still alive, registry listeners and pending work, server-side connections —
 * and heap after forced GC.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { ConnectionRegistry } from '../../../src/core/connections/connectionRegistry';
import { createLogger } from '../../../src/core/logging/logger';
import { adminConnection, type SandboxDescription } from '../../../scripts/sandbox';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const quiet = createLogger({ trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function serverThreads(sb: SandboxDescription): Promise<number> {
  const admin = await adminConnection(sb.servers.tls, sb.admin.password);
  try {
    const [rows] = await admin.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'");
    return Number((rows as { Value: string }[])[0]!.Value) - 1; // minus this admin session
  } finally {
    await admin.end();
  }
}

describe('load: concurrency and connect/disconnect cycles without leaks', () => {
  let sb: SandboxDescription;
  let registry: ConnectionRegistry;
  before(() => {
    sb = loadSandbox();
    const { secrets } = sandboxProfile(sb, 'tls', 'app_none');
    registry = new ConnectionRegistry({
      readSecrets: async () => secrets,
      paths: () => ({}),
      logger: quiet,
      resilience: () => ({ keepaliveIntervalMs: 1000 }),
    });
  });
  after(async () => {
    await registry.disconnectAll();
  });

  const profile = (id: string): ReturnType<typeof sandboxProfile>['profile'] & { id: string } => ({
    ...sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' }).profile,
    id,
    name: id,
  });

  it('50 concurrent queries over 5 connections each get their own answer', async () => {
    const ids = ['q0', 'q1', 'q2', 'q3', 'q4'];
    await Promise.all(ids.map((id) => registry.connect(profile(id))));
    const t0 = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, n) => {
        const session = registry.status(ids[n % ids.length]!).session!;
        const { rows } = await session.query<{ n: number; t: number }[]>('SELECT ? AS n, CONNECTION_ID() AS t, SLEEP(0.01) AS s', [n]);
        return { n: Number(rows[0]!.n), thread: Number(rows[0]!.t), expected: session.threadId };
      }),
    );
    assert.deepEqual(
      answers.map((a) => a.n),
      Array.from({ length: 50 }, (_, n) => n),
    );
    assert.ok(
      answers.every((a) => a.thread === a.expected),
      'each answer came from the session that asked',
    );
    assert.equal(new Set(answers.map((a) => a.thread)).size, 5);
    assert.ok(Date.now() - t0 < 5000);
    await Promise.all(ids.map((id) => registry.disconnect(id)));
    assert.ok(ids.every((id) => registry.status(id).state === 'disconnected'));
  });

  it('300 connect/disconnect cycles: no leaked sockets, timers, listeners or server sessions; heap flat', async () => {
    const threadsBefore = await serverThreads(sb);
    const id = 'cycle';
    const cycle = async (): Promise<void> => {
      const s = await registry.connect(profile(id));
      await s.session!.query('SELECT 1');
      await registry.disconnect(id);
    };
    for (let i = 0; i < 20; i++) await cycle(); // warm-up: plan, TLS session cache, JIT
    await settle(2200); // Session.close's 2 s safety timers of the warm-up
    const heapBefore = heapAfterGc();
    const resourcesBefore = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;

    const live = new Map<number, string>();
    const timers = new Map<number, { _idleTimeout?: number; _onTimeout?: { name?: string } }>();
    const hook = createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (type === 'Timeout' || type === 'TCPWRAP' || type === 'TLSWRAP') live.set(asyncId, type);
        if (type === 'Timeout') timers.set(asyncId, resource as { _idleTimeout?: number });
      },
      destroy: (asyncId) => void live.delete(asyncId),
    }).enable();
    const t0 = Date.now();
    let resumed = 0;
    try {
      for (let i = 0; i < 300; i++) {
        const s = await registry.connect(profile(id));
        if (s.report?.sessionReused) resumed++;
        await s.session!.query('SELECT 1');
        await registry.disconnect(id);
      }
    } finally {
      // keep the hook on until the delayed cleanups had their chance
    }
    const loopMs = Date.now() - t0;
    await settle(2300);
    heapAfterGc(); // TLS wraps are released when collected
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); // their destroy hooks run
    hook.disable();
    const heapAfter = heapAfterGc();
    const leftovers = [...live.values()].reduce<Record<string, number>>((acc, t) => ((acc[t] = (acc[t] ?? 0) + 1), acc), {});
    const resourcesAfter = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;
    const threadsAfter = await serverThreads(sb);
    process.stdout.write(
      `# 300 cycles in ${loopMs} ms (${resumed} resumed); heap ${(heapBefore / 1048576).toFixed(1)} -> ${(heapAfter / 1048576).toFixed(1)} MiB; handles alive from the loop: ${JSON.stringify(leftovers)}\n`,
    );

    for (const [asyncId, t] of timers)
      if (live.has(asyncId)) process.stdout.write(`# timer alive: ${t._idleTimeout} ms ${t._onTimeout?.name ?? ''} ${String(t._onTimeout).slice(0, 200)}\n`);
    assert.ok(loopMs < 20_000, `bounded: ${loopMs} ms`);
    assert.ok(resumed >= 290, `the cached plan resumes TLS (${resumed}/300)`);
    assert.equal(leftovers.TCPWRAP ?? 0, 0, 'no socket from the loop is still open');
    assert.equal(leftovers.TLSWRAP ?? 0, 0, 'no TLS socket from the loop is still open');
    assert.equal(leftovers.Timeout ?? 0, 0, 'no timer from the loop is still pending');
    assert.ok(resourcesAfter <= resourcesBefore, `active handles ${resourcesBefore} -> ${resourcesAfter}`);
    assert.deepEqual(registry.resourceCounts(), { listeners: 0, pending: 0, links: 0, keepalives: 0 });
    assert.equal(registry.plans.size, 6, 'one cached plan per connection id (5 from the first test, 1 here)');
    assert.equal(threadsAfter, threadsBefore, 'the server has no session left over');
    assert.ok(heapAfter - heapBefore < 3 * 1048576, `heap flat: grew ${((heapAfter - heapBefore) / 1024).toFixed(0)} KiB over 300 cycles`);
  });
});
