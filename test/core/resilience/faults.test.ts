/**
 * Fault injection through a loopback proxy: every fault gives a classified error, in bounded time, without
 * crashing the process, and a result cut short is never reported as complete.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { streamQuery } from '../../../src/core/mysql/queryStream';
import { openSession } from '../../../src/core/mysql/session';
import type { SslMode } from '../../../src/core/tls/sslMode';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { startFaultProxy, type Fault, type FaultProxy } from '../../helpers/faultProxy';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('faults between client and server', () => {
  let sb: SandboxDescription;
  let proxy: FaultProxy;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown): void => void uncaught.push(e);
  before(async () => {
    sb = loadSandbox();
    proxy = await startFaultProxy({ host: sb.host, port: sb.servers.tls.port });
    process.on('uncaughtException', onUncaught);
  });
  after(async () => {
    process.off('uncaughtException', onUncaught);
    await proxy.close();
    assert.deepEqual(uncaught, [], 'no fault may crash the process');
  });

  const connectVia = (fault: Fault, mode: SslMode = 'VERIFY_IDENTITY', timeoutMs = 2000) => {
    proxy.setFault(fault);
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode });
    profile.port = proxy.port;
    profile.connectTimeoutMs = timeoutMs;
    return openSession({ profile, secrets });
  };

  async function classified(p: Promise<unknown>, causes: MysqlTlsError['code'][]): Promise<void> {
    const t0 = Date.now();
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof MysqlTlsError, `unclassified: ${String(e)}`);
      assert.ok(causes.includes(e.code), `${e.code}: ${e.message}`);
      assert.ok(Date.now() - t0 < 8000, 'bounded time');
      return;
    }
    assert.fail('expected a failure');
  }

  it('drop right after the client starts TLS', () => classified(connectVia({ kind: 'drop-after-client-bytes', bytes: 1 }), ['connection-lost']));
  it('drop during the plaintext login', () => classified(connectVia({ kind: 'drop-after-client-bytes', bytes: 1 }, 'DISABLED'), ['connection-lost']));
  it('drop after part of the greeting', () => classified(connectVia({ kind: 'drop-after-server-bytes', bytes: 20 }), ['connection-lost']));
  it('garbage instead of a greeting fails at once, not at the timeout', async () => {
    const t0 = Date.now();
    await classified(connectVia({ kind: 'garbage-greeting' }, 'VERIFY_IDENTITY', 5000), ['protocol-error']);
    assert.ok(Date.now() - t0 < 2000);
  });
  it('a non-MySQL service (SSH-like banner) is named as such', async () => {
    const net = await import('node:net');
    const srv = net.createServer((s) => s.write('SSH-2.0-OpenSSH_9.2p1 Debian\r\n'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'DISABLED' });
      profile.port = (srv.address() as import('node:net').AddressInfo).port;
      await assert.rejects(
        openSession({ profile, secrets }),
        (e: unknown) => e instanceof MysqlTlsError && e.code === 'protocol-error' && /SSH-2\.0/.test(e.detail),
      );
    } finally {
      srv.close();
    }
  });
  it('garbage in the middle of the TLS handshake', () =>
    classified(connectVia({ kind: 'garbage-after-server-bytes', bytes: 120 }), ['tls-handshake-failed', 'connection-lost', 'protocol-error']));
  it('a server that drips one byte every 100 ms: the connect timeout is honoured', () =>
    classified(connectVia({ kind: 'drip', intervalMs: 100 }, 'VERIFY_IDENTITY', 500), ['connect-timeout']));

  it('drop in the middle of a result: the stream fails, the partial result is not complete', async () => {
    const session = await connectVia({ kind: 'none' });
    let rows = 0;
    // Cut the connection once 20,000 rows have come through.
    const p = streamQuery(
      session,
      "SELECT seq, REPEAT('x', 100) FROM sandbox.seq_1_to_1000000",
      {
        onRows: (r) => {
          rows += r.length;
          if (rows >= 20_000 && rows - r.length < 20_000) (session.connection as unknown as { stream: { destroy(): void } }).stream.destroy();
        },
      },
      { batchSize: 1000 },
    );
    await assert.rejects(p, (e: unknown) => e instanceof MysqlTlsError && e.code === 'connection-lost');
    assert.ok(rows < 1_000_000, 'not every row arrived');
    assert.equal(session.isOpen, false, 'the session knows it is gone');
  });

  it('the server goes away between statements: the next query fails with a classified error', async () => {
    const session = await connectVia({ kind: 'none' });
    const ended = new Promise<MysqlTlsError | undefined>((resolve) => session.onEnd(resolve));
    const admin = await openSession(sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' }));
    await admin.query(`KILL CONNECTION ${session.threadId}`);
    await admin.close();
    const why = await ended;
    assert.ok(why === undefined || why.code === 'connection-lost', String(why));
    assert.equal(session.isOpen, false);
    await assert.rejects(streamQuery(session, 'SELECT 1'), (e: unknown) => e instanceof MysqlTlsError && e.code === 'connection-lost');
  });
});
