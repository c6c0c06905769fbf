/**
 * The ProxySQL admin STAND-IN (test/helpers/proxysqlStandIn.ts) against the facts observed on a real
 * ProxySQL 2.7.1 (/work/shared/notes/proxysql.md, 2026-12-01), one test per fact, through a plain mysql2
 * client and through the extension's engine. ProxySQL itself cannot be installed here.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Connection, FieldPacket, ResultSetHeader } from 'mysql2';
import { openSession } from '../../../src/core/mysql/session';
import { DEMO_STAND_IN_SERVERS, GREETING_STATUS_FLAGS, GREETING_VERSION, startProxysqlStandIn, type ProxysqlStandIn } from '../../helpers/proxysqlStandIn';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql2 = require('mysql2') as typeof import('mysql2');

function connect(standIn: ProxysqlStandIn, ssl?: { ca: string } | false): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const c = mysql2.createConnection({
      host: '127.0.0.1',
      port: standIn.port,
      user: standIn.user,
      password: standIn.password,
      ...(ssl ? { ssl: { ca: readFileSync(ssl.ca, 'utf8'), rejectUnauthorized: true } } : {}),
    });
    c.connect((err) => (err ? reject(err) : resolve(c)));
  });
}

function q(c: Connection, sql: string): Promise<{ rows: unknown; fields?: FieldPacket[] }> {
  return new Promise((resolve, reject) =>
    c.query(sql, (err, rows, fields) => (err ? reject(err) : resolve({ rows, fields: fields as FieldPacket[] | undefined }))),
  );
}

describe('ProxySQL stand-in behaves like the real 2.7.1 admin port', () => {
  let standIn: ProxysqlStandIn;
  let c: Connection;
  before(async () => {
    standIn = await startProxysqlStandIn({ servers: DEMO_STAND_IN_SERVERS });
    c = await connect(standIn);
  });
  after(async () => {
    c?.destroy();
    await standIn?.close();
  });

  it('greets with server version 8.0.11 (no suffix) and status flags 514', () => {
    const greeting = (c as unknown as { _handshakePacket: { serverVersion: string; statusFlags: number } })._handshakePacket;
    assert.equal(greeting.serverVersion, GREETING_VERSION);
    assert.equal(greeting.statusFlags, GREETING_STATUS_FLAGS);
    assert.equal(GREETING_VERSION, '8.0.11');
    assert.equal(GREETING_STATUS_FLAGS, 514);
  });

  it('sends every column as VAR_STRING, schema "", orgName "", length 15, flags 1, decimals 31, and values as strings', async () => {
    const { rows, fields } = await q(c, 'SELECT hostgroup_id, port, use_ssl FROM mysql_servers');
    const f = fields![0]! as FieldPacket & { columnType: number; columnLength: number; flags: number; decimals: number; schema: string; orgName: string };
    assert.deepEqual([f.columnType, f.schema, f.orgName, f.columnLength, f.flags, f.decimals], [253, '', '', 15, 1, 31]);
    assert.deepEqual((rows as Record<string, unknown>[])[0], { hostgroup_id: '10', port: '3306', use_ssl: '0' });
  });

  it('refuses SHOW SESSION STATUS with 1045 / 28000 "near \\"SHOW\\": syntax error"', async () => {
    await assert.rejects(q(c, "SHOW SESSION STATUS LIKE 'Ssl\\_%'"), (e: { errno?: number; sqlState?: string; sqlMessage?: string }) => {
      assert.equal(e.errno, 1045);
      assert.equal(e.sqlState, '28000');
      assert.equal(e.sqlMessage, 'ProxySQL Admin Error: near "SHOW": syntax error');
      return true;
    });
  });

  it('accepts SET (memory only); an unknown variable is OK with the "ERROR: Unknown global variable" info', async () => {
    const known = (await q(c, "SET mysql-ssl_p2s_cipher='ECDHE-RSA-AES128-GCM-SHA256'")).rows as ResultSetHeader;
    assert.equal(known.affectedRows, 1);
    assert.equal(standIn.variables('memory')['mysql-ssl_p2s_cipher'], 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(standIn.variables('runtime')['mysql-ssl_p2s_cipher'], '');
    const unknown = (await q(c, "SET mysql-no_such_thing='1'")).rows as ResultSetHeader;
    assert.equal(unknown.affectedRows, 0);
    assert.equal(unknown.info, "ERROR: Unknown global variable: 'mysql-no_such_thing'");
  });

  it("answers SELECT 1, SELECT * FROM mysql_servers_ssl_params and SHOW VARIABLES LIKE '%ssl%' (with the two processlist variables)", async () => {
    assert.deepEqual((await q(c, 'SELECT 1')).rows, [{ 1: '1' }]);
    const params = await q(c, 'SELECT * FROM mysql_servers_ssl_params');
    assert.deepEqual(params.rows, []);
    assert.deepEqual(
      params.fields!.map((f) => f.name),
      ['hostname', 'port', 'username', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_capath', 'ssl_crl', 'ssl_crlpath', 'ssl_cipher', 'tls_version', 'comment'],
    );
    const names = ((await q(c, "SHOW VARIABLES LIKE '%ssl%'")).rows as Array<{ Variable_name: string }>).map((r) => r.Variable_name);
    assert.ok(names.includes('mysql-have_ssl') && names.includes('mysql-ssl_p2s_crlpath'));
    assert.deepEqual(names.filter((n) => n.includes('processlist')).length, 2, 'LIKE matches "proceSSList"');
  });

  it('has no prepared statements and reports constraint failures as 1045', async () => {
    await assert.rejects(new Promise((resolve, reject) => c.execute('SELECT 1', (err, rows) => (err ? reject(err) : resolve(rows)))), /Command not supported/);
    await assert.rejects(
      q(c, "INSERT INTO mysql_servers (hostgroup_id, hostname, port) VALUES (10, 'db-primary.internal', 3306)"),
      (e: { errno?: number; sqlMessage?: string }) => e.errno === 1045 && /UNIQUE constraint failed: mysql_servers\.hostgroup_id/.test(e.sqlMessage ?? ''),
    );
  });

  it('answers stats_mysql_free_connections with one row per idle connection, mysql_info carrying options.use_ssl; connections in use only as ConnUsed', async () => {
    const key = { hostgroup_id: '20', hostname: 'db-replica-1.internal', port: '3306' };
    standIn.openBackendConnections(key, 2);
    standIn.openBackendConnections(key, 1, { inUse: true });
    const { rows, fields } = await q(c, 'SELECT * FROM stats_mysql_free_connections');
    assert.deepEqual(
      fields!.map((f) => f.name),
      [
        'fd',
        'hostgroup',
        'srv_host',
        'srv_port',
        'user',
        'schema',
        'init_connect',
        'time_zone',
        'sql_mode',
        'autocommit',
        'idle_ms',
        'statistics',
        'mysql_info',
      ],
    );
    const free = rows as Array<{ srv_host: string; mysql_info: string }>;
    assert.equal(free.length, 2);
    assert.equal((JSON.parse(free[0]!.mysql_info) as { options: { use_ssl: number } }).options.use_ssl, 0);
    const pool = (
      await q(c, "SELECT ConnUsed, ConnFree FROM stats_mysql_connection_pool WHERE hostgroup=20 AND srv_host='db-replica-1.internal' AND srv_port=3306")
    ).rows;
    assert.deepEqual(pool, [{ ConnUsed: '1', ConnFree: '2' }]);
  });

  it('keeps pooled plaintext connections after use_ssl=1 + LOAD; new connections use TLS', async () => {
    await q(c, "UPDATE mysql_servers SET use_ssl=1 WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306");
    await q(c, 'LOAD MYSQL SERVERS TO RUNTIME');
    standIn.openBackendConnections({ hostgroup_id: '20', hostname: 'db-replica-1.internal', port: '3306' }, 1);
    const tlsOf = ((await q(c, 'SELECT mysql_info FROM stats_mysql_free_connections')).rows as Array<{ mysql_info: string }>).map(
      (r) => (JSON.parse(r.mysql_info) as { options: { use_ssl: number } }).options.use_ssl,
    );
    assert.deepEqual(tlsOf, [0, 0, 1]);
  });

  it('OFFLINE_HARD + LOAD drops idle connections at once, in-use ones when returned, and the server leaves runtime a few seconds later', async () => {
    await q(c, "UPDATE mysql_servers SET status='OFFLINE_HARD' WHERE hostgroup_id=20 AND hostname='db-replica-1.internal' AND port=3306");
    await q(c, 'LOAD MYSQL SERVERS TO RUNTIME');
    assert.deepEqual(
      standIn.pool().map((p) => p.inUse),
      [true],
      'only the connection in use is left',
    );
    standIn.finishQueries();
    assert.deepEqual(standIn.pool(), []);
    assert.equal(standIn.servers('runtime').find((r) => r.hostname === 'db-replica-1.internal')?.status, 'OFFLINE_HARD', 'still there right after LOAD');
    standIn.purgeOfflineHard();
    assert.equal(
      standIn.servers('runtime').find((r) => r.hostname === 'db-replica-1.internal'),
      undefined,
    );
    assert.equal(standIn.servers('memory').find((r) => r.hostname === 'db-replica-1.internal')?.status, 'OFFLINE_HARD', 'memory keeps it');
  });
});

describe('ProxySQL stand-in: TLS on the admin port with its own CA', () => {
  it('offers TLS by default with proxysql-ca.pem in its data directory; the certificate has CN=ProxySQL_Auto_Generated_Server_Certificate and no SAN', async () => {
    const standIn = await startProxysqlStandIn();
    try {
      assert.equal(path.basename(standIn.caFile), 'proxysql-ca.pem');
      const leaf = new X509Certificate(readFileSync(path.join(standIn.dataDir, 'proxysql-cert.pem')));
      assert.equal(leaf.subject, 'CN=ProxySQL_Auto_Generated_Server_Certificate');
      assert.equal(leaf.subjectAltName, undefined);
      // VERIFY_CA with ProxySQL's CA works; VERIFY_IDENTITY cannot (no host name in the certificate).
      const verifyCa = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'VERIFY_CA', ca: standIn.caFile } },
        secrets: { password: standIn.password },
      });
      assert.equal(verifyCa.report.security, 'verified-ca');
      await verifyCa.close();
      await assert.rejects(
        openSession({
          profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'VERIFY_IDENTITY', ca: standIn.caFile } },
          secrets: { password: standIn.password },
        }),
      );
      assert.ok(standIn.tlsConnections >= 1);
    } finally {
      await standIn.close();
    }
  });

  it('mysql-have_ssl=false + LOAD MYSQL VARIABLES TO RUNTIME: new connections get no TLS (no restart); before LOAD they still do', async () => {
    const standIn = await startProxysqlStandIn();
    try {
      const admin = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'REQUIRED' } },
        secrets: { password: standIn.password },
      });
      await admin.query("UPDATE global_variables SET variable_value='false' WHERE variable_name='mysql-have_ssl'");
      const beforeLoad = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'PREFERRED' } },
        secrets: { password: standIn.password },
      });
      assert.equal(beforeLoad.report.encrypted, true, 'memory only: runtime still offers TLS');
      await beforeLoad.close();
      await admin.query('LOAD MYSQL VARIABLES TO RUNTIME');
      const afterLoad = await openSession({
        profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'PREFERRED' } },
        secrets: { password: standIn.password },
      });
      assert.equal(afterLoad.report.encrypted, false);
      assert.equal(afterLoad.report.fallback, true);
      await afterLoad.close();
      assert.deepEqual((await admin.query('SELECT 1')).rows, [{ 1: '1' }], 'the open TLS session keeps working');
      await admin.close();
    } finally {
      await standIn.close();
    }
  });
});
