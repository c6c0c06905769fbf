/**
 * ProxySQL's admin interface refuses SHOW SESSION STATUS (1045 / 28000 `near "SHOW": syntax error`, observed on
 * 2.7.1, with or without TLS). A session there still works: the report says the server's view was not
 * reported instead of failing the connect or claiming that socket and server disagree.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { formatReport } from '../../../src/core/tls/formatReport';
import { startProxysqlStandIn } from '../../helpers/proxysqlStandIn';

describe('server TLS view is best effort', () => {
  for (const mode of ['DISABLED', 'REQUIRED'] as const) {
    it(`the admin port refuses the status query (${mode === 'DISABLED' ? 'plaintext' : 'TLS'}): not reported, never DIFFER`, async () => {
      const standIn = await startProxysqlStandIn();
      try {
        const session = await openSession({
          profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode } },
          secrets: { password: standIn.password },
        });
        try {
          assert.equal(session.report.encrypted, mode === 'REQUIRED');
          assert.equal(session.report.server.pending, true, 'connecting does not ask the server');
          const r = await session.serverView();
          assert.equal(session.report, r);
          assert.equal(r.server.reported, false);
          assert.equal(r.agreement.reported, false);
          assert.equal(r.server.error, 'ProxySQL Admin Error: near "SHOW": syntax error');
          assert.ok(r.hints.some((h) => /did not report its own TLS view/.test(h)));
          // The session is usable afterwards.
          const { rows } = await session.query<Record<string, string>[]>('SELECT @@version');
          assert.ok(Object.values(rows[0]!)[0]);
          assert.doesNotMatch(formatReport(r, standIn.user), /DIFFER|agree/);
        } finally {
          await session.close();
        }
      } finally {
        await standIn.close();
      }
    });
  }
});
