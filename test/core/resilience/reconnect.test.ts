/**
 * The registry keeps sessions alive against the real sandbox: a server restart, a KILL from an admin session,
 * a dead link, a server that lost TLS and a blackholing host. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectionRegistry, type ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import type { ResilienceOptions } from '../../../src/core/connections/resilience';
import { createLogger, type LogSink } from '../../../src/core/logging/logger';
import type { ConnectionProfile } from '../../../src/core/profile';
import { adminConnection, restartServer, type SandboxDescription } from '../../../scripts/sandbox';
import { startSilentServer } from '../../helpers/proxies';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { startSwitchProxy, type SwitchProxy } from './switchProxy';

const lines: string[] = [];
const sink: LogSink = {
  trace: (m) => lines.push(m),
  debug: (m) => lines.push(m),
  info: (m) => lines.push(m),
  warn: (m) => lines.push(m),
  error: (m) => lines.push(m),
};

const FAST: Partial<ResilienceOptions> = { reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 800, reconnectMaxAttempts: 12, keepaliveIntervalMs: 0 };

function makeRegistry(password: string, resilience: Partial<ResilienceOptions> = FAST): { registry: ConnectionRegistry; seen: ConnectionStatus[] } {
  const registry = new ConnectionRegistry({
    readSecrets: async () => ({ password }),
    paths: () => ({}),
    logger: createLogger(sink),
    resilience: () => resilience,
  });
  const seen: ConnectionStatus[] = [];
  registry.onDidChange((s) => seen.push(s));
  return { registry, seen };
}

/** Resolves when `predicate` holds for the connection's status; fails after `timeoutMs`. */
function waitFor(
  registry: ConnectionRegistry,
  id: string,
  predicate: (s: ConnectionStatus) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ConnectionStatus> {
  return new Promise((resolve, reject) => {
    if (predicate(registry.status(id))) return resolve(registry.status(id));
    const timer = setTimeout(() => {
      sub.dispose();
      const st = registry.status(id);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; state ${st.state}${st.error ? ` (${st.error.code}: ${st.error.detail})` : ''}`));
    }, timeoutMs);
    const sub = registry.onDidChange((s) => {
      if (s.id === id && predicate(s)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(s);
      }
    });
  });
}

describe('resilience: reconnect, keepalive, never weaker, blackhole', () => {
  let sb: SandboxDescription;
  const registries: ConnectionRegistry[] = [];
  const proxies: SwitchProxy[] = [];
  const track = (r: { registry: ConnectionRegistry; seen: ConnectionStatus[] }): { registry: ConnectionRegistry; seen: ConnectionStatus[] } => {
    registries.push(r.registry);
    return r;
  };
  before(() => {
    sb = loadSandbox();
  });
  after(async () => {
    await Promise.all(registries.map((r) => r.disconnectAll()));
    await Promise.all(proxies.map((p) => p.close()));
  });

  const tlsProfile = (
    id: string,
    mode: 'VERIFY_IDENTITY' | 'PREFERRED' = 'VERIFY_IDENTITY',
  ): { profile: ConnectionProfile & { id: string }; password: string } => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode });
    return { profile: { ...profile, id, name: id, connectTimeoutMs: 2000 }, password: secrets.password! };
  };

  it('a KILL from an admin session: state shows reconnecting (1/N), then connected again with the same mode and a resumed TLS session', async () => {
    const { profile, password } = tlsProfile('kill');
    const { registry, seen } = track(makeRegistry(password));
    const first = await registry.connect(profile);
    assert.equal(first.report?.security, 'verified-identity');
    const oldThread = first.session!.threadId;
    const admin = await adminConnection(sb.servers.tls, sb.admin.password);
    try {
      await admin.query(`KILL CONNECTION ${oldThread}`);
    } finally {
      await admin.end();
    }
    const back = await waitFor(registry, 'kill', (s) => s.state === 'connected' && s.session!.threadId !== oldThread, 8000, 'the reconnect after KILL');
    const reconnecting = seen.filter((s) => s.state === 'reconnecting');
    assert.ok(reconnecting.length >= 1, 'the reconnecting state was shown');
    assert.equal(reconnecting[0]!.reconnect?.attempt, 1);
    assert.equal(reconnecting[0]!.reconnect?.maxAttempts, 12);
    assert.equal(reconnecting[0]!.reconnect?.reason.code, 'connection-lost');
    assert.equal(back.report?.security, 'verified-identity', 'same mode, verification enforced');
    assert.equal(back.report?.sessionReused, true, 'the cached plan resumed the TLS session');
    assert.equal(registry.plans.built, 1, 'one plan for the connection, reused');
    const { rows } = await back.session!.query<{ one: number }[]>('SELECT 1 AS one');
    assert.equal(rows[0]!.one, 1);
  });

  it('a server restart while connected: detected, reconnected with backoff once the server is back, same mode', async () => {
    const { profile, password } = tlsProfile('restart');
    // Enough attempts to outlast a slow restart on a busy machine (about 30 s of backoff at most), still bounded.
    const { registry, seen } = track(makeRegistry(password, { ...FAST, reconnectMaxAttempts: 40 }));
    const first = await registry.connect(profile);
    const oldThread = first.session!.threadId;
    const t0 = Date.now();
    const restarted = restartServer('tls', { downMs: 600 });
    const lost = await waitFor(registry, 'restart', (s) => s.state === 'reconnecting', 15_000, 'the loss to be detected');
    assert.equal(lost.session, undefined, 'no stale session is offered while reconnecting');
    await restarted;
    const back = await waitFor(registry, 'restart', (s) => s.state === 'connected' || s.state === 'error', 20_000, 'the reconnect after the restart');
    assert.equal(back.state, 'connected', `reconnected, not given up: ${back.error?.code ?? ''} ${back.error?.detail ?? ''}`);
    assert.notEqual(back.session!.threadId, oldThread);
    assert.equal(back.report?.security, 'verified-identity');
    assert.equal(back.report?.modeRequested, 'VERIFY_IDENTITY');
    const attempts = seen.filter((s) => s.state === 'reconnecting').map((s) => s.reconnect!.attempt);
    assert.ok(Math.max(...attempts) >= 2, `the server was down for a while, so more than one attempt (${attempts.join(',')})`);
    assert.deepEqual(
      attempts,
      [...attempts].sort((a, b) => a - b),
      'attempt numbers only go up',
    );
    assert.ok(Date.now() - t0 < 45_000);
  });

  it('PREFERRED: a reconnect to a server that lost TLS fails instead of downgrading to plaintext', async () => {
    const { profile, password } = tlsProfile('lost-tls', 'PREFERRED');
    const proxy = await startSwitchProxy({ host: sb.host, port: sb.servers.tls.port });
    proxies.push(proxy);
    const { registry, seen } = track(makeRegistry(password));
    const first = await registry.connect({ ...profile, port: proxy.port });
    assert.equal(first.report?.encrypted, true);
    // The same address now answers with a server that offers no TLS (the sandbox's plain server, same accounts).
    proxy.setTarget({ host: sb.host, port: sb.servers.plain.port });
    proxy.dropAll();
    const final = await waitFor(registry, 'lost-tls', (s) => s.state === 'error', 8000, 'the refused reconnect');
    assert.equal(final.error?.code, 'server-no-tls');
    assert.ok(!seen.some((s) => s.state === 'connected' && s.report?.encrypted === false), 'never connected in plaintext');
    // A fresh user-initiated PREFERRED connect still follows the mode (plaintext fallback, shown as such).
    const fresh = await registry.connect({ ...profile, port: proxy.port });
    assert.equal(fresh.report?.security, 'plaintext');
    await registry.disconnect('lost-tls');
  });

  it('the real server restarted without TLS: a PREFERRED session that was encrypted is not reopened in plaintext', async () => {
    const { profile, password } = tlsProfile('restart-no-tls', 'PREFERRED');
    const { registry, seen } = track(makeRegistry(password));
    const first = await registry.connect(profile);
    assert.equal(first.report?.encrypted, true);
    try {
      await restartServer('tls', { extraArgs: ['--skip-ssl'] });
      const final = await waitFor(registry, 'restart-no-tls', (s) => s.state === 'error', 15_000, 'the refused reconnect');
      assert.equal(final.error?.code, 'server-no-tls');
      assert.ok(!seen.some((s) => s.state === 'connected' && s.report?.encrypted === false), 'never connected in plaintext');
    } finally {
      await restartServer('tls');
    }
    const again = await registry.connect(profile);
    assert.equal(again.report?.encrypted, true, 'TLS is back after the normal restart');
  });

  it('keepalive: a dead link (frozen, sockets still open) is detected by the ping and reconnected transparently', async () => {
    const { profile, password } = tlsProfile('dead-link');
    const proxy = await startSwitchProxy({ host: sb.host, port: sb.servers.tls.port });
    proxies.push(proxy);
    const { registry, seen } = track(makeRegistry(password, { ...FAST, keepaliveIntervalMs: 200, keepaliveTimeoutMs: 400 }));
    const first = await registry.connect({ ...profile, port: proxy.port });
    const oldThread = first.session!.threadId;
    await new Promise((r) => setTimeout(r, 500)); // a few pings answered
    assert.equal(registry.status('dead-link').state, 'connected', 'pings on a live link change nothing');
    proxy.freezeExisting();
    const t0 = Date.now();
    const back = await waitFor(registry, 'dead-link', (s) => s.state === 'connected' && s.session!.threadId !== oldThread, 5000, 'the keepalive reconnect');
    assert.ok(Date.now() - t0 < 3000, 'detected within interval + timeout + backoff');
    assert.match(seen.find((s) => s.state === 'reconnecting')!.reconnect!.reason.detail, /keepalive/);
    assert.equal(back.report?.security, 'verified-identity');
    assert.equal(registry.resourceCounts().keepalives, 1, 'one keepalive timer for the one session');
  });

  it('keepalive keeps an idle session past the server wait_timeout; without it the session is reopened by itself', async () => {
    const { profile, password } = tlsProfile('idle');
    const kept = track(makeRegistry(password, { ...FAST, keepaliveIntervalMs: 300 }));
    const a = await kept.registry.connect(profile);
    await a.session!.query('SET SESSION wait_timeout = 1');
    const plain = track(makeRegistry(password, { ...FAST, keepaliveIntervalMs: 0 }));
    const b = await plain.registry.connect({ ...profile, id: 'idle2' });
    await b.session!.query('SET SESSION wait_timeout = 1');
    await new Promise((r) => setTimeout(r, 2200));
    assert.equal(kept.registry.status('idle').session?.threadId, a.session!.threadId, 'the pinged session is the same one');
    const reopened = await waitFor(
      plain.registry,
      'idle2',
      (s) => s.state === 'connected' && s.session!.threadId !== b.session!.threadId,
      5000,
      'the transparent reopen',
    );
    assert.ok(plain.seen.some((s) => s.state === 'reconnecting'));
    assert.equal(reopened.report?.security, 'verified-identity');
  });

  it('autoReconnect off: a lost session ends in the error state with the cause', async () => {
    const { profile, password } = tlsProfile('no-auto');
    const { registry } = track(makeRegistry(password, { ...FAST, autoReconnect: false }));
    const first = await registry.connect(profile);
    const admin = await adminConnection(sb.servers.tls, sb.admin.password);
    await admin.query(`KILL CONNECTION ${first.session!.threadId}`).finally(() => admin.end());
    const s = await waitFor(registry, 'no-auto', (st) => st.state === 'error', 5000, 'the error state');
    assert.equal(s.error?.code, 'connection-lost');
  });

  it('a blackholing host: the connect timeout is honoured, and disconnect cancels an attempt at once', async () => {
    const silent = await startSilentServer();
    try {
      const { profile, password } = tlsProfile('blackhole');
      const { registry } = track(makeRegistry(password));
      const t0 = Date.now();
      await assert.rejects(registry.connect({ ...profile, port: silent.port, connectTimeoutMs: 400 }), (e: { code?: string }) => e.code === 'connect-timeout');
      const took = Date.now() - t0;
      assert.ok(took >= 350 && took < 2000, `timeout honoured (${took} ms)`);
      assert.equal(registry.status('blackhole').state, 'error');

      const slow = registry.connect({ ...profile, port: silent.port, connectTimeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 100));
      const t1 = Date.now();
      await registry.disconnect('blackhole');
      await assert.rejects(slow, (e: { code?: string }) => e.code === 'cancelled');
      assert.ok(Date.now() - t1 < 500, 'cancelled at once, not at the 30 s timeout');
      assert.equal(registry.status('blackhole').state, 'disconnected');
    } finally {
      await silent.close();
    }
  });

  it('a reconnect loop against a host that went dark is bounded and disconnect stops it at once', async () => {
    const { profile, password } = tlsProfile('dark');
    const proxy = await startSwitchProxy({ host: sb.host, port: sb.servers.tls.port });
    proxies.push(proxy);
    const silent = await startSilentServer();
    try {
      const { registry, seen } = track(makeRegistry(password, { ...FAST, reconnectMaxAttempts: 3 }));
      await registry.connect({ ...profile, port: proxy.port, connectTimeoutMs: 300 });
      proxy.setTarget({ host: '127.0.0.1', port: silent.port });
      proxy.dropAll();
      const t0 = Date.now();
      const end = await waitFor(registry, 'dark', (s) => s.state === 'error', 6000, 'giving up');
      assert.equal(end.error?.code, 'connect-timeout');
      assert.deepEqual([...new Set(seen.filter((s) => s.state === 'reconnecting').map((s) => s.reconnect!.attempt))], [1, 2, 3]);
      assert.ok(Date.now() - t0 < 4000, 'three attempts of 300 ms plus backoff');
      // Again, but the user disconnects during the loop.
      proxy.setTarget({ host: sb.host, port: sb.servers.tls.port });
      await registry.connect({ ...profile, port: proxy.port, connectTimeoutMs: 300 });
      proxy.setTarget({ host: '127.0.0.1', port: silent.port });
      proxy.dropAll();
      await waitFor(registry, 'dark', (s) => s.state === 'reconnecting', 3000, 'the loop to start');
      await registry.disconnect('dark');
      assert.equal(registry.status('dark').state, 'disconnected');
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal(registry.status('dark').state, 'disconnected', 'the cancelled loop did not come back');
      assert.deepEqual(registry.resourceCounts(), { listeners: 1, pending: 0, links: 0, keepalives: 0 });
    } finally {
      await silent.close();
    }
  });
});
