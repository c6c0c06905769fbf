/**
 * Reports through ProxySQL's client port (6033), against the stand-in playing that port (ProxySQL cannot be
 * installed here). Observed on 2.7.1: SHOW SESSION STATUS there is forwarded to a backend connection, so its
 * Ssl_% values are the backend link's, and `SELECT @@version_comment LIMIT 1` answers `(ProxySQL)`. The
 * report must show them as the backend link's TLS beside the client's own socket, never "agree" or "differ".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { renderTlsDetailsBody } from '../../../src/core/presentation/tlsDetailsHtml';
import { serverViewWithProxy } from '../../../src/core/proxysql/clientPort';
import { formatReport } from '../../../src/core/tls/formatReport';
import { agreementVerdict } from '../../../src/core/tls/tlsReport';
import { startProxysqlStandIn } from '../../helpers/proxysqlStandIn';

const cases = [
  { name: 'client on TLS, backend plaintext (was "differ")', mode: 'REQUIRED', backend: { backendSslVersion: '', backendSslCipher: '' } },
  {
    name: 'plaintext client, backend on TLS (was "server says TLSv1.3")',
    mode: 'DISABLED',
    backend: { backendSslVersion: 'TLSv1.3', backendSslCipher: 'TLS_AES_256_GCM_SHA384' },
  },
  { name: 'both on TLS (was a coincidental "agree")', mode: 'REQUIRED', backend: { backendSslVersion: 'TLSv1.3', backendSslCipher: 'TLS_AES_256_GCM_SHA384' } },
] as const;

describe("TLS report through ProxySQL's client port", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const standIn = await startProxysqlStandIn({ clientPort: c.backend });
      try {
        const session = await openSession({
          profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: c.mode } },
          secrets: { password: standIn.password },
        });
        try {
          const r = await serverViewWithProxy(session);
          assert.equal(r.server.via, 'proxysql');
          assert.equal(r.server.sslVersion, c.backend.backendSslVersion, "the backend link's values are kept, labelled");
          assert.equal(agreementVerdict(r, r.agreement.protocol), 'other-link');
          assert.equal(agreementVerdict(r, r.agreement.cipher), 'other-link');
          assert.ok(r.hints.some((h) => /forwarded to a backend connection/.test(h)));
          const text = formatReport(r, standIn.user);
          assert.doesNotMatch(text, /DIFFER|agree|server says/);
          assert.match(text, /via\s+ProxySQL/);
          if (c.mode === 'DISABLED') assert.match(text, /backend link\s+Ssl_version=TLSv1\.3 .*Backend link's TLS, as ProxySQL forwarded it/);
          else assert.match(text, /protocol\s+TLSv1\.\d \(backend link: /);
          const html = renderTlsDetailsBody({
            name: 'proxy',
            profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: c.mode } },
            state: 'connected',
            report: r,
          });
          assert.match(html, /Backend link&#39;s TLS, as ProxySQL forwarded it|Backend link's TLS, as ProxySQL forwarded it/);
          assert.doesNotMatch(html, />(agree|differ)</);
          assert.equal(await serverViewWithProxy(session), r, 'asked once per session');
        } finally {
          await session.close();
        }
      } finally {
        await standIn.close();
      }
    });
  }

  it('a server that is not ProxySQL keeps the comparison (the admin port, here: not reported at all)', async () => {
    const standIn = await startProxysqlStandIn();
    try {
      const session = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'REQUIRED' } },
        secrets: { password: standIn.password },
      });
      const r = await serverViewWithProxy(session);
      assert.equal(r.server.via, undefined);
      assert.equal(agreementVerdict(r, r.agreement.protocol), 'not-reported');
      await session.close();
    } finally {
      await standIn.close();
    }
  });
});

describe('ProxySQL admin connections', () => {
  it('do not send SHOW SESSION STATUS (the admin port always refuses it): the report says why', async () => {
    const standIn = await startProxysqlStandIn();
    try {
      const session = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, kind: 'proxysqlAdmin', ssl: { mode: 'REQUIRED' } },
        secrets: { password: standIn.password },
      });
      const r = await serverViewWithProxy(session, 'proxysqlAdmin');
      assert.equal(r.server.reported, false);
      assert.equal(r.server.pending, undefined);
      assert.match(r.server.error ?? '', /admin interface refuses SHOW SESSION STATUS/);
      assert.equal(agreementVerdict(r, r.agreement.protocol), 'not-reported');
      assert.deepEqual(standIn.rejected, [], 'nothing was sent that ProxySQL refuses');
      await session.close();
    } finally {
      await standIn.close();
    }
  });
});
