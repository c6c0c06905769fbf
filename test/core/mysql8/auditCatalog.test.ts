import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SQL } from '../../../src/core/server/serverSql';
import { mysql8Catalog } from '../../helpers/mysql8/catalog';
import type { DoubleResult, DoubleSession } from '../../helpers/mysql8/types';
import { catalogRunner } from './catalogRunner';

/*
 * The MySQL double's catalog answers as MySQL documents it per version (MySQL cannot be installed here), and
 * refuses what it was not written for instead of answering with an empty result: the audit tests on the double
 * are only worth what these answers are.
 */

const session: DoubleSession = { user: 'auditor', host: '%', threadId: 12 };
const rowsOf = (r: DoubleResult): (string | number | null | Buffer)[][] => {
  assert.equal(r.kind, 'rows', JSON.stringify(r));
  return (r as Extract<DoubleResult, { kind: 'rows' }>).rows;
};
const names = (r: DoubleResult): string[] => rowsOf(r).map((row) => String(row[0]));

describe('MySQL double catalog', () => {
  test('variables per version: have_ssl until 8.0, none on 8.4/9.x; never version_ssl_library; admin_tls_* from 8.0.21', () => {
    for (const flavour of ['8.0.36', '5.7.44', '8.0.36-28'] as const)
      assert.ok(names(mysql8Catalog({ flavour })(SQL.variables, session)).includes('have_ssl'), flavour);
    for (const flavour of ['8.4.3', '9.1.0'] as const) {
      const vars = names(mysql8Catalog({ flavour })(SQL.variables, session));
      assert.ok(!vars.includes('have_ssl') && vars.includes('tls_version') && vars.includes('admin_tls_version'), flavour);
    }
    for (const flavour of ['8.0.36', '8.4.3', '9.1.0', '5.7.44', '8.0.36-28', '5.6.51', '5.7.26-yassl'] as const) {
      assert.ok(!names(mysql8Catalog({ flavour })("SHOW GLOBAL VARIABLES LIKE '%ssl%'", session)).includes('version_ssl_library'), flavour);
    }
    const v56 = names(mysql8Catalog({ flavour: '5.6.51' })(SQL.variables, session));
    assert.ok(!v56.includes('require_secure_transport') && !v56.includes('tls_version'));
    assert.ok(!names(mysql8Catalog({ flavour: '5.7.44' })(SQL.variables, session)).includes('admin_tls_version'));
  });

  test('status per version: Current_tls_* from 8.0.16, Tls_library_version from 8.0.30; session Ssl_* from the session', () => {
    assert.ok(names(mysql8Catalog({ flavour: '8.0.36' })(SQL.status, session)).includes('Tls_library_version'));
    assert.ok(!names(mysql8Catalog({ flavour: '5.7.44' })(SQL.status, session)).some((n) => /^Current_tls|^Tls_library/.test(n)));
    const tlsSession = { ...session, tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } };
    const view = rowsOf(mysql8Catalog({ flavour: '8.4.3' })("SHOW SESSION STATUS LIKE 'Ssl\\_%'", tlsSession));
    assert.deepEqual(
      view.filter((r) => r[0] === 'Ssl_version' || r[0] === 'Ssl_cipher'),
      [
        ['Ssl_cipher', 'TLS_AES_256_GCM_SHA384'],
        ['Ssl_version', 'TLSv1.3'],
      ],
    );
    assert.deepEqual(rowsOf(mysql8Catalog({ flavour: '8.4.3' })("SHOW SESSION STATUS LIKE 'Ssl\\_version'", session)), [['Ssl_version', '']]);
  });

  test('threads: the event scheduler is a foreground thread with no CONNECTION_TYPE; the old per-thread count miscounts it', () => {
    const cat = mysql8Catalog({ flavour: '8.0.36', connections: [{ processlistId: 30, user: 'cron', connectionType: 'Socket' }] });
    const tlsSession = { ...session, tls: { version: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } };
    assert.deepEqual(
      rowsOf(cat(SQL.connectionTypes, tlsSession)).sort(),
      [
        [null, 1],
        ['SSL/TLS', 1],
        ['Socket', 1],
      ].sort(),
    );
    const old =
      "SELECT COUNT(*) AS total, COALESCE(SUM(s.VARIABLE_VALUE <> ''), 0) AS encrypted FROM performance_schema.status_by_thread s JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID WHERE s.VARIABLE_NAME = 'Ssl_cipher' AND t.TYPE = 'FOREGROUND' AND t.PROCESSLIST_ID IS NOT NULL";
    assert.deepEqual(rowsOf(cat(old, tlsSession)), [[3, 1]]);
  });

  test('mysql.user: BLOB columns come back as Buffers when not converted; 5.6 has no account_locked (1054)', () => {
    const cat = mysql8Catalog({ flavour: '8.0.36', accounts: [{ user: 'a', host: '%', sslType: 'SPECIFIED', issuer: '/CN=ca' }] });
    const converted = rowsOf(cat(SQL.mysql.accounts, session))[0]!;
    assert.equal(converted[3], '/CN=ca');
    const raw = rowsOf(
      cat(
        'SELECT User AS user, Host AS host, ssl_type, x509_issuer AS issuer, x509_subject AS subject, ssl_cipher AS cipher, 0 AS locked FROM mysql.user',
        session,
      ),
    )[0]!;
    assert.ok(Buffer.isBuffer(raw[3]));
    const e = mysql8Catalog({ flavour: '5.6.51' })(SQL.mysql.accounts, session);
    assert.deepEqual(e.kind === 'error' && [e.errno, e.sqlState], [1054, '42S22']);
  });

  test('tables a version lacks are 1146; statements the double was not written for are 1064, never an empty result', () => {
    const e56 = mysql8Catalog({ flavour: '5.6.51' })(SQL.mysql.replication, session);
    assert.deepEqual(e56.kind === 'error' && [e56.errno, e56.sqlState], [1146, '42S02']);
    const e57 = mysql8Catalog({ flavour: '5.7.44' })(SQL.mysql.tlsChannel, session);
    assert.equal(e57.kind === 'error' && e57.errno, 1146);
    for (const sql of ['SELECT * FROM mysql.user WHERE 1', 'SELECT 1', 'DROP TABLE x', 'SELECT * FROM performance_schema.threads']) {
      const r = mysql8Catalog({ flavour: '8.0.36' })(sql, session);
      assert.equal(r.kind === 'error' && r.errno, 1064, sql);
    }
  });

  test('the runner hands errors over as mysql2 does', async () => {
    const runner = catalogRunner(mysql8Catalog({ flavour: '5.6.51' }));
    await assert.rejects(
      runner.query(SQL.requireSecureTransport),
      (e: Error & { errno?: number; sqlState?: string; sqlMessage?: string }) =>
        e.errno === 1193 && e.sqlState === 'HY000' && /require_secure_transport/.test(e.sqlMessage ?? ''),
    );
  });

  test('Group Replication channels as InnoDB Cluster members show them', () => {
    const rows = rowsOf(mysql8Catalog({ flavour: '8.0.36', groupReplication: { sslMode: 'REQUIRED', recoveryUseSsl: true } })(SQL.mysql.replication, session));
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[3]]),
      [
        ['group_replication_applier', '<NULL>', 'NO'],
        ['group_replication_recovery', '<NULL>', 'NO'],
      ],
    );
  });
});
