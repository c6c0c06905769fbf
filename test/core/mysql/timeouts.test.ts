import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { MAX_TIMEOUT_MS, openSession } from '../../../src/core/mysql/session';
import { startRelay, type Relay } from '../../helpers/relay';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

/** A relay to the sandbox that can stop forwarding (both ways) while keeping both sockets open. */
async function startMutableRelay(target: { host: string; port: number }): Promise<Relay & { silence: () => void }> {
  let silent = false;
  const relay = await startRelay(target, () => ({ fromClient: () => !silent, fromServer: () => !silent }));
  return { ...relay, silence: () => (silent = true) };
}

describe('timeouts', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  let relay: Awaited<ReturnType<typeof startMutableRelay>>;
  before(async () => (relay = await startMutableRelay({ host: sb.host, port: sb.servers.tls.port })));
  after(() => relay.close());

  function profileVia(connectTimeoutMs?: number): ReturnType<typeof sandboxProfile> {
    const p = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    p.profile.port = relay.port;
    if (connectTimeoutMs !== undefined) p.profile.connectTimeoutMs = connectTimeoutMs;
    return p;
  }

  it('connectTimeoutMs outside 1..2^31-1 (or not a whole number) is a config error naming it, before any socket', async () => {
    const before = relay.connections();
    for (const bad of [0, -1, MAX_TIMEOUT_MS + 1, 2 ** 32, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1000' as unknown as number]) {
      const { profile, secrets } = profileVia(bad);
      await assert.rejects(
        openSession({ profile, secrets }),
        (e: unknown) => e instanceof MysqlTlsError && e.code === 'config-invalid' && e.field === 'connectTimeoutMs' && /2147483647/.test(e.fix),
        String(bad),
      );
    }
    assert.equal(relay.connections(), before, 'nothing was opened');
    for (const good of [1000, MAX_TIMEOUT_MS]) {
      const { profile, secrets } = profileVia(good);
      const s = await openSession({ profile, secrets });
      await s.close();
    }
  });

  it('serverView() of a server that logged in and then went silent gives up (its own timeout) and closes the session', async () => {
    // A relay per test: silence() applies to every connection of this relay.
    const quiet = await startMutableRelay({ host: sb.host, port: sb.servers.tls.port });
    try {
      const { profile, secrets } = profileVia();
      profile.port = quiet.port;
      const s = await openSession({ profile, secrets });
      quiet.silence();
      await assert.rejects(
        s.serverView({ timeoutMs: 200 }),
        (e: unknown) => e instanceof MysqlTlsError && e.code === 'connect-timeout' && /SHOW SESSION STATUS/.test(e.message),
      );
      assert.equal(s.isOpen, false, 'the session that stopped answering was closed');
      assert.equal(s.report.server.pending, true, 'the report still says the server view was not had');
    } finally {
      await quiet.close();
    }
  });

  it('serverView() can be cancelled with an AbortSignal, before and while it waits', async () => {
    const quiet = await startMutableRelay({ host: sb.host, port: sb.servers.tls.port });
    try {
      const { profile, secrets } = profileVia();
      profile.port = quiet.port;
      const s = await openSession({ profile, secrets });
      const aborted = new AbortController();
      aborted.abort();
      await assert.rejects(s.serverView({ signal: aborted.signal }), (e: unknown) => e instanceof MysqlTlsError && e.code === 'cancelled');
      quiet.silence();
      const c = new AbortController();
      const waiting = s.serverView({ signal: c.signal, timeoutMs: MAX_TIMEOUT_MS });
      c.abort();
      await assert.rejects(waiting, (e: unknown) => e instanceof MysqlTlsError && e.code === 'cancelled');
      s.destroy();
    } finally {
      await quiet.close();
    }
  });

  it('serverView() timeoutMs is validated', async () => {
    const { profile, secrets } = profileVia();
    const s = await openSession({ profile, secrets });
    try {
      await assert.rejects(
        s.serverView({ timeoutMs: 0 }),
        (e: unknown) => e instanceof MysqlTlsError && e.code === 'config-invalid' && e.field === 'timeoutMs',
      );
      const r = await s.serverView();
      assert.equal(r.server.reported, true, 'a live server answers within the default timeout');
    } finally {
      await s.close();
    }
  });
});
