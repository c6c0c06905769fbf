/**
 * The audit over a real session to the MySQL 8 double (its protocol layer answering with its catalog): the
 * statements go over TLS, through mysql2's text and prepared-statement paths, as they would to MySQL 8.0 or
 * 8.4. MySQL cannot be installed here; the double and its sources are described in test/helpers/mysql8/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { auditServerTls } from '../../../src/core/server/audit';
import { mysql8Catalog } from '../../helpers/mysql8/catalog';
import { doubleProfile, withDouble } from '../../helpers/mysql8/testing';

describe('the audit over the wire to the MySQL double', () => {
  for (const flavour of ['8.0.36', '8.4.3'] as const) {
    test(`${flavour}: an audit over VERIFY_CA reads the TLS in force and counts TCP connections only`, async () => {
      await withDouble({ flavour, accounts: [{ user: 'auditor', password: 'audit-pw' }], query: mysql8Catalog({ flavour }) }, async (f) => {
        const session = await openSession({ profile: doubleProfile(f, 'auditor', { mode: 'VERIFY_CA', ca: f.caFile }), secrets: { password: 'audit-pw' } });
        try {
          assert.equal(session.report.security, 'verified-ca');
          const audit = await auditServerTls(session);
          assert.ok(audit.findings.length > 0, 'the audit produced findings');
          const connections = audit.findings.find((x) => x.id === 'encrypted-connections');
          assert.ok(connections, 'the connection count was read from performance_schema over the wire');
          assert.doesNotMatch(connections.title, /not|plaintext/i, connections.title);
          assert.ok(
            f.double.connections.some((c) => c.statements.some((s) => /CONNECTION_TYPE/i.test(s))),
            'the double received the CONNECTION_TYPE query',
          );
        } finally {
          await session.close();
        }
      });
    });
  }
});
