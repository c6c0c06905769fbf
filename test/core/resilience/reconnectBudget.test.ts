/**
 * The reconnect budget: a server (here a relay in front of the real sandbox) that drops every session 300 ms
 * after it opens must not get logins for ever. Attempts are refilled only after a session stayed up, and a
 * rate limit per window caps attempts whatever else happens.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ConnectionRegistry, type ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import type { ResilienceOptions } from '../../../src/core/connections/resilience';
import { createLogger } from '../../../src/core/logging/logger';
import { startRelay, type Relay } from '../../helpers/relay';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const quiet = createLogger({ trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });

/** A relay to `target` that resets each link `lifetimeMs` after it opens. */
function startDroppingRelay(target: { host: string; port: number }, lifetimeMs: number): Promise<Relay> {
  // A reset, as a server killing the session or a middlebox dropping it looks to the client.
  return startRelay(target, () => ({ onOpen: (client) => void setTimeout(() => client.resetAndDestroy(), lifetimeMs).unref() }));
}

function waitForState(registry: ConnectionRegistry, id: string, state: ConnectionStatus['state'], timeoutMs: number): Promise<ConnectionStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${state} within ${timeoutMs} ms (state ${registry.status(id).state})`)), timeoutMs);
    const sub = registry.onDidChange((s) => {
      if (s.id === id && s.state === state) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
  });
}

describe('reconnect budget against a server that drops every session after login', () => {
  const sb = loadSandbox();
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  async function run(resilience: Partial<ResilienceOptions>): Promise<{ error: ConnectionStatus['error']; links: number; attempts: number[] }> {
    const relay = await startDroppingRelay({ host: sb.host, port: sb.servers.tls.port }, 300);
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'DISABLED' });
    const registry = new ConnectionRegistry({
      readSecrets: async () => secrets,
      paths: () => ({}),
      logger: quiet,
      resilience: () => ({ keepaliveIntervalMs: 0, reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 40, ...resilience }),
    });
    cleanups.push(async () => {
      await registry.disconnectAll();
      await relay.close();
    });
    const attempts: number[] = [];
    registry.onDidChange((s) => void (s.state === 'reconnecting' && s.reconnect && attempts.push(s.reconnect.attempt)));
    const id = 'flapping';
    const errored = waitForState(registry, id, 'error', 20_000);
    await registry.connect({ ...profile, id, host: '127.0.0.1', port: relay.port });
    const final = await errored;
    await new Promise((r) => setTimeout(r, 500)); // nothing may follow the error state
    return { error: final.error, links: relay.connections(), attempts };
  }

  it('stops after reconnectMaxAttempts logins in a row that were each dropped, and says why', async () => {
    const { error, links, attempts } = await run({ reconnectMaxAttempts: 3 });
    assert.equal(links, 4, 'the first session and three reconnects, not one login every 300 ms for ever');
    assert.deepEqual(attempts, [1, 2, 3], 'the attempt count carries across reconnects');
    assert.equal(error?.code, 'connection-lost');
    assert.match(error!.detail, /closes every session soon after login/);
  });

  it('a rate limit per window caps attempts even when each session counts as stable', async () => {
    const { error, links } = await run({ reconnectMaxAttempts: 10, reconnectStableMs: 1, reconnectWindowMax: 2, reconnectWindowMs: 60_000 });
    assert.equal(links, 3, 'the first session and two reconnects in the window');
    assert.match(error!.detail, /2 reconnect attempts within 60 s/);
  });
});
