import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { withServerView, type ServerTlsView } from '../../../src/core/tls/tlsReport';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

/*
 * A re-encrypting proxy (Cloud SQL Auth Proxy, RDS Proxy) terminates the client's connection and opens its own
 * TLS connection to the server, so SHOW SESSION STATUS describes that second leg. Neither proxy can run here:
 * the socket side is a real session to the MariaDB sandbox, and the server's view is the one such a proxy's
 * server would give (substituted with withServerView, the function the session itself completes the report with).
 */
describe('report: a server view that describes another link hints at a proxy in between', () => {
  const sb = loadSandbox();
  const PROXY_LEG: ServerTlsView = { reported: true, sslVersion: 'TLSv1.3', sslCipher: 'TLS_AES_128_GCM_SHA256' };

  it('plaintext socket, server says TLS (Cloud SQL Auth Proxy on localhost)', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'DISABLED' });
    const s = await openSession({ profile, secrets });
    try {
      const real = await s.serverView();
      assert.equal(real.encrypted, false);
      assert.ok(!real.hints.some((h) => /proxy may sit in between/.test(h)), 'the real server agrees with the socket');
      const viaProxy = withServerView(real, PROXY_LEG);
      const hint = viaProxy.hints.find((h) => /proxy may sit in between/.test(h));
      assert.ok(hint, viaProxy.hints.join('\n'));
      assert.match(hint, /socket: plaintext; server: TLSv1\.3 TLS_AES_128_GCM_SHA256/);
      assert.match(hint, /Cloud SQL Auth Proxy, RDS Proxy/);
      // Asked again with the real view, the hint goes away (hints are recomputed, not accumulated).
      assert.ok(!withServerView(viaProxy, real.server).hints.some((h) => /proxy may sit in between/.test(h)));
    } finally {
      await s.close();
    }
  });

  it('TLS socket, server names another protocol and cipher', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    const s = await openSession({ profile, secrets });
    try {
      const real = await s.serverView();
      assert.ok(!real.hints.some((h) => /proxy may sit in between/.test(h)));
      const viaProxy = withServerView(real, { reported: true, sslVersion: 'TLSv1.2', sslCipher: 'ECDHE-RSA-AES128-GCM-SHA256' });
      assert.ok(
        viaProxy.hints.some((h) => /socket: TLSv1\.3 .*; server: TLSv1\.2 ECDHE-RSA-AES128-GCM-SHA256\): a proxy may sit in between/.test(h)),
        viaProxy.hints.join('\n'),
      );
      // ProxySQL keeps its own, more precise hint, and is never called "a proxy may sit in between".
      const proxysql = withServerView(real, { ...PROXY_LEG, via: 'proxysql' });
      assert.ok(!proxysql.hints.some((h) => /proxy may sit in between/.test(h)));
    } finally {
      await s.close();
    }
  });
});
