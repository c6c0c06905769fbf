/**
 * A server that will not answer SHOW SESSION STATUS (as ProxySQL's admin interface may not) still gets a
 * session: the report says the server's view was not reported instead of failing the connect or claiming
 * that socket and server disagree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { formatReport } from '../../../src/core/tls/formatReport';
import { startProxysqlStandIn } from '../../helpers/proxysqlStandIn';

describe('server TLS view is best effort', () => {
  for (const sessionStatus of ['reject', 'empty'] as const) {
    it(`stand-in that answers the status query with ${sessionStatus === 'reject' ? 'an error' : 'no rows'}`, async () => {
      const standIn = await startProxysqlStandIn({ sessionStatus });
      try {
        const session = await openSession({
          profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } },
          secrets: { password: standIn.password },
        });
        try {
          assert.equal(session.report.server.pending, true, 'connecting does not ask the server');
          const r = await session.serverView();
          assert.equal(session.report, r);
          assert.equal(r.server.reported, sessionStatus === 'empty');
          assert.equal(r.agreement.reported, sessionStatus === 'empty');
          if (sessionStatus === 'reject') {
            assert.match(r.server.error ?? '', /syntax error/);
            assert.ok(r.hints.some((h) => /did not report its own TLS view/.test(h)));
          } else {
            assert.equal(r.agreement.cipher, true, 'plaintext and an empty Ssl_cipher agree');
          }
          // The session is usable afterwards.
          const { rows } = await session.query<Record<string, string>[]>('SELECT @@version');
          assert.ok(Object.values(rows[0]!)[0]);
          assert.doesNotMatch(formatReport(r, standIn.user), /DIFFER/);
        } finally {
          await session.close();
        }
      } finally {
        await standIn.close();
      }
    });
  }
});
