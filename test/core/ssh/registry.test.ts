/**
 * SSH tunnels through the connection registry: the bastion's sshd restarted mid-session (every SSH connection
 * cut), then the registry reconnects through its backoff with the same TLS plan; and 100 connect/disconnect
 * cycles through the tunnel leave no sockets, channels, timers or listeners behind (like test/core/resilience/load.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConnectionRegistry, type ConnectionStatus } from '../../../src/core/connections/connectionRegistry';
import { createLogger } from '../../../src/core/logging/logger';
import { TunnelManager } from '../../../src/core/ssh/tunnel';
import { restartSandboxSshd, type SandboxDescription } from '../../../scripts/sandbox';
import { loadSandbox } from '../../helpers/sandbox';
import { sshProfile, tempHome } from '../../helpers/ssh';

const quiet = createLogger({ trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });
const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first status of `id` that satisfies `ok` (the registry's own change events). */
function waitForState(
  registry: ConnectionRegistry,
  id: string,
  ok: (s: ConnectionStatus) => boolean,
  seen: ConnectionStatus[] = [],
): Promise<ConnectionStatus> {
  return new Promise((resolve) => {
    const sub = registry.onDidChange((s) => {
      if (s.id !== id) return;
      seen.push(s);
      if (ok(s)) {
        sub.dispose();
        resolve(s);
      }
    });
  });
}

describe('SSH tunnels in the connection registry', () => {
  let sb: SandboxDescription;
  let home: ReturnType<typeof tempHome>;
  let tunnels: TunnelManager;
  let registry: ConnectionRegistry;
  before(() => {
    sb = loadSandbox();
    home = tempHome();
    tunnels = new TunnelManager({ home: home.home });
    const { secrets } = sshProfile(sb, 'tls', {});
    registry = new ConnectionRegistry({
      readSecrets: async () => secrets,
      paths: () => ({}),
      logger: quiet,
      tunnels,
      resilience: () => ({ reconnectBaseDelayMs: 250, reconnectMaxDelayMs: 2000, keepaliveIntervalMs: 0 }),
    });
  });
  after(async () => {
    await registry.disconnectAll();
    tunnels.closeAll();
    home.cleanup();
  });
  const profile = (id: string) => ({ ...sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' }).profile, id, name: id });

  it('sshd restarted mid-session: the session ends as ssh-tunnel-lost, and the registry reconnects with the same TLS plan', async () => {
    const first = await registry.connect(profile('restart'));
    const firstSession = first.session!;
    assert.equal(first.report?.security, 'verified-identity');
    const seen: ConnectionStatus[] = [];
    const reconnected = waitForState(registry, 'restart', (s) => s.state === 'connected' || s.state === 'error', seen);
    await restartSandboxSshd('bastion');
    const status = await reconnected;
    assert.equal(status.state, 'connected', status.error?.explain());
    const lost = seen.find((s) => s.state === 'reconnecting');
    assert.equal(lost?.reconnect?.reason.code, 'ssh-tunnel-lost');
    assert.notEqual(status.session, firstSession);
    assert.equal(status.session!.plan, firstSession.plan, 'the same TLS plan (and ssl object) is reused');
    assert.equal(status.report?.security, 'verified-identity');
    const { rows } = await status.session!.query<{ x: number }[]>('SELECT 1 AS x');
    assert.equal(rows[0]!.x, 1);
    await registry.disconnect('restart');
    assert.deepEqual(tunnels.resourceCounts(), { tunnels: 0, clients: 0, channels: 0 });
  });

  it('100 connect/disconnect cycles through the tunnel leave no sockets, channels, timers or listeners', async () => {
    const id = 'cycle';
    const cycle = async (): Promise<void> => {
      const s = await registry.connect(profile(id));
      await s.session!.query('SELECT 1');
      await registry.disconnect(id);
    };
    for (let i = 0; i < 5; i++) await cycle(); // warm-up: plan, TLS session cache, ssh2 loaded
    await settle(2200); // Session.close's 2 s safety timers of the warm-up
    const resources = (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    const before = resources();
    for (let i = 0; i < 100; i++) await cycle();
    await settle(2300);
    const afterCycles = resources();
    for (const kind of new Set([...Object.keys(before), ...Object.keys(afterCycles)])) {
      assert.ok((afterCycles[kind] ?? 0) <= (before[kind] ?? 0), `${kind}: ${before[kind] ?? 0} before, ${afterCycles[kind] ?? 0} after 100 cycles`);
    }
    assert.deepEqual(tunnels.resourceCounts(), { tunnels: 0, clients: 0, channels: 0 });
    assert.deepEqual(registry.resourceCounts(), { listeners: 0, pending: 0, links: 0, keepalives: 0 });
  });
});
