/**
 * Session.reopen() (the query editor's own session, the KILL QUERY session) is never weaker than the session
 * it comes from: a PREFERRED session that was encrypted reopens with TLS or not at all, even when the server
 * (here a relay switched to the sandbox's plaintext server) stops offering TLS.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';
import { startSwitchProxy, type SwitchProxy } from './switchProxy';

describe('Session.reopen() never weaker', () => {
  const sb = loadSandbox();
  let proxy: SwitchProxy | undefined;
  after(() => proxy?.close());

  it('a PREFERRED session that was encrypted refuses to reopen in plaintext', async () => {
    proxy = await startSwitchProxy({ host: sb.host, port: sb.servers.tls.port });
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'PREFERRED' });
    const first = await openSession({ profile: { ...profile, port: proxy.port }, secrets });
    try {
      assert.equal(first.report.encrypted, true);
      const again = await first.reopen();
      assert.equal(again.report.encrypted, true, 'while the server offers TLS, the reopened session has it');
      await again.close();
      proxy.setTarget({ host: sb.host, port: sb.servers.plain.port }); // the server "loses" TLS
      await assert.rejects(first.reopen(), (e: { code?: string }) => e.code === 'server-no-tls');
    } finally {
      await first.close();
    }
  });

  it('a plaintext PREFERRED session may reopen in plaintext (nothing to lose)', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'plain', 'app_none', { mode: 'PREFERRED' });
    const first = await openSession({ profile, secrets });
    try {
      assert.equal(first.report.encrypted, false);
      const again = await first.reopen();
      assert.equal(again.report.security, 'plaintext');
      await again.close();
    } finally {
      await first.close();
    }
  });
});
