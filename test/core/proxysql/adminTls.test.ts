/**
 * ProxySQL TLS management against the ProxySQL admin STAND-IN (test/helpers/proxysqlStandIn.ts; ProxySQL
 * itself cannot be installed here). The extension's engine connects to it like to a real 2.7.1 admin port
 * (TLS by default, since mysql-have_ssl is true), and every statement comes from src/core/proxysql/adminSql.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  insertServer,
  LOAD_SERVERS_TO_RUNTIME,
  SAVE_SERVERS_TO_DISK,
  selectServers,
  selectTlsVariables,
  sqlString,
  updateGlobalVariable,
  updateUseSsl,
} from '../../../src/core/proxysql/adminSql';
import {
  applySteps,
  clientCertificateSteps,
  persistSteps,
  tlsHostgroupSteps,
  toggleHostgroupTlsSteps,
  toggleServerTlsSteps,
} from '../../../src/core/proxysql/tlsChanges';
import { AdminStepError, pendingLabel, readProxysqlTlsState, runAdminSteps, type AdminQuery, type ProxysqlTlsState } from '../../../src/core/proxysql/tlsState';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { DEMO_STAND_IN_SERVERS, startProxysqlStandIn, STAND_IN_VERSION, type ProxysqlStandIn } from '../../helpers/proxysqlStandIn';

describe('adminSql: statements and escaping', () => {
  it('quotes strings the SQLite way and refuses control characters', () => {
    assert.equal(sqlString("it's"), "'it''s'");
    assert.equal(sqlString('C:\\certs\\ca.pem'), "'C:\\certs\\ca.pem'", 'backslashes stay literal');
    assert.throws(() => sqlString('a\nb'), /control character/);
  });
  it('builds the documented statements', () => {
    assert.equal(updateUseSsl(true, { hostgroupId: 10 }), 'UPDATE mysql_servers SET use_ssl=1 WHERE hostgroup_id=10');
    assert.equal(
      updateUseSsl(false, { hostgroupId: 20, server: { hostname: "o'brien", port: 3307 } }),
      "UPDATE mysql_servers SET use_ssl=0 WHERE hostgroup_id=20 AND hostname='o''brien' AND port=3307",
    );
    assert.throws(() => updateUseSsl(true, { hostgroupId: 1.5 }), /whole number/);
    assert.equal(
      updateGlobalVariable('mysql-ssl_p2s_ca', '/etc/proxysql/ca.pem'),
      "UPDATE global_variables SET variable_value='/etc/proxysql/ca.pem' WHERE variable_name='mysql-ssl_p2s_ca'",
    );
    assert.match(selectServers('disk'), /FROM disk\.mysql_servers /);
    assert.match(selectServers('runtime'), /FROM runtime_mysql_servers /);
    assert.match(selectTlsVariables('runtime'), /FROM runtime_global_variables WHERE variable_name IN \('mysql-have_ssl', 'mysql-ssl_p2s_ca'/);
    assert.equal(
      insertServer({ hostgroupId: 11, hostname: 'h', port: 3306, weight: 1, maxConnections: 100, useSsl: true, comment: 'x' }),
      "INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight, max_connections, use_ssl, comment) VALUES (11, 'h', 3306, 1, 100, 1, 'x')",
    );
  });
});

describe('ProxySQL TLS state against the stand-in admin server', () => {
  let standIn: ProxysqlStandIn;
  let session: Session;
  let query: AdminQuery;
  const read = (): Promise<ProxysqlTlsState> => readProxysqlTlsState(query);

  before(async () => {
    standIn = await startProxysqlStandIn({ servers: DEMO_STAND_IN_SERVERS });
    session = await openSession({
      profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'PREFERRED' } },
      secrets: { password: standIn.password },
    });
    query = (sql) => session.query(sql);
  });
  after(async () => {
    await session?.close();
    await standIn?.close();
  });

  it('connects with the engine (PREFERRED gets TLS: the admin port offers it by default) and reads all layers', async () => {
    assert.equal(session.report.encrypted, true);
    const state = await read();
    assert.equal(state.version, STAND_IN_VERSION);
    assert.deepEqual(
      state.hostgroups.map((g) => g.hostgroupId),
      [10, 20],
    );
    assert.deepEqual(
      state.hostgroups[1]!.servers.map((s) => s.hostname),
      ['db-replica-1.internal', 'db-replica-2.internal'],
    );
    assert.deepEqual(state.pendingServers, []);
    assert.equal(state.frontendTls, true);
    assert.equal(state.variables.find((v) => v.name === 'mysql-ssl_p2s_ca')?.present, true);
    // 2.7.1 has no TLS column in the pool stats: say so instead of a number.
    assert.equal(state.pool.encryptedColumn, undefined);
    assert.equal(state.pool.freeConnectionsReported, true);
    assert.match(state.pool.message ?? '', /does not report which pooled backend connections are encrypted/);
    assert.ok(standIn.statements.includes(selectServers('disk')), 'the disk layer is read');
    assert.equal(state.serverSslParams.supported, true);
    assert.deepEqual(state.serverSslParams.entries, []);
  });

  it('toggle -> pending LOAD; apply -> pending SAVE (the forgotten SAVE); persist -> clear', async () => {
    let state = await read();
    const replica = state.hostgroups[1]!.servers[0]!;
    await runAdminSteps(query, toggleServerTlsSteps(replica, true));
    state = await read();
    let entry = state.hostgroups[1]!.servers[0]!;
    assert.equal(entry.memory?.useSsl, true);
    assert.equal(entry.runtime?.useSsl, false);
    assert.deepEqual(entry.pending, ['load', 'save']);
    assert.deepEqual(state.hostgroups[1]!.servers[1]!.pending, [], 'the other server is untouched');
    assert.equal(pendingLabel(entry.pending), 'pending: LOAD ... TO RUNTIME needed, SAVE ... TO DISK needed');

    const apply = applySteps(state);
    assert.deepEqual(
      apply.map((s) => s.sql),
      [LOAD_SERVERS_TO_RUNTIME],
    );
    await runAdminSteps(query, apply);
    state = await read();
    entry = state.hostgroups[1]!.servers[0]!;
    assert.equal(entry.runtime?.useSsl, true);
    assert.deepEqual(entry.pending, ['save'], 'live but not saved: lost at the next restart');
    assert.equal(standIn.servers('disk').find((r) => r.hostname === replica.hostname)?.use_ssl, '0');

    const persist = persistSteps(state);
    assert.deepEqual(
      persist.map((s) => s.sql),
      [SAVE_SERVERS_TO_DISK],
    );
    await runAdminSteps(query, persist);
    state = await read();
    assert.deepEqual(state.hostgroups[1]!.servers[0]!.pending, []);
    assert.deepEqual(state.pendingServers, []);
    assert.equal(standIn.servers('disk').find((r) => r.hostname === replica.hostname)?.use_ssl, '1');
  });

  it('toggles a whole hostgroup', async () => {
    const state = await read();
    await runAdminSteps(query, toggleHostgroupTlsSteps(state.hostgroups[0]!, true));
    const after = await read();
    assert.equal(after.hostgroups[0]!.servers[0]!.memory?.useSsl, true);
    assert.deepEqual(after.hostgroups[0]!.pending, ['load', 'save']);
    await runAdminSteps(query, [...applySteps(after), ...persistSteps(after)]);
    assert.deepEqual((await read()).pendingServers, []);
  });

  it('sets the proxy-to-server client certificate variables, then LOAD/SAVE MYSQL VARIABLES', async () => {
    let state = await read();
    const steps = clientCertificateSteps(state, {
      'mysql-ssl_p2s_ca': '/etc/proxysql/ca.pem',
      'mysql-ssl_p2s_cert': "/etc/proxysql/client's.pem",
      'mysql-ssl_p2s_key': '/etc/proxysql/client-key.pem',
    });
    assert.equal(steps.length, 3);
    await runAdminSteps(query, steps);
    state = await read();
    const cert = state.variables.find((v) => v.name === 'mysql-ssl_p2s_cert')!;
    assert.equal(cert.memory, "/etc/proxysql/client's.pem", 'the quote survived escaping');
    assert.deepEqual(cert.pending, ['load', 'save']);
    assert.deepEqual(state.pendingVariables, ['load', 'save']);
    await runAdminSteps(query, applySteps(state));
    state = await read();
    assert.deepEqual(state.pendingVariables, ['save']);
    await runAdminSteps(query, persistSteps(state));
    state = await read();
    assert.deepEqual(state.pendingVariables, []);
    assert.equal(standIn.variables('disk')['mysql-ssl_p2s_key'], '/etc/proxysql/client-key.pem');
    assert.throws(() => clientCertificateSteps(state, { 'mysql-ssl_p2s_ca': 'relative/ca.pem' }), /absolute path/);
  });

  it('adds the same server in a TLS hostgroup (the two-hostgroup pattern)', async () => {
    let state = await read();
    const writer = state.hostgroups[0]!.servers[0]!;
    await runAdminSteps(query, toggleServerTlsSteps(writer, false));
    state = await read();
    const steps = tlsHostgroupSteps(state, state.hostgroups[0]!.servers[0]!, 11);
    assert.match(steps[0]!.sql, /^INSERT INTO mysql_servers .* VALUES \(11, 'db-primary\.internal', 3306, 1, 1000, 1, /);
    await runAdminSteps(query, steps);
    state = await read();
    const copy = state.hostgroups.find((g) => g.hostgroupId === 11)?.servers[0];
    assert.equal(copy?.memory?.useSsl, true);
    assert.equal(copy?.runtime, undefined);
    assert.deepEqual(copy?.pending, ['load', 'save']);
    assert.throws(() => tlsHostgroupSteps(state, state.hostgroups[0]!.servers[0]!, 11), /already has/);
    await runAdminSteps(query, [...applySteps(state), ...persistSteps(state)]);
    assert.deepEqual((await read()).pendingServers, []);
  });

  it('rejects what ProxySQL would reject, and unsupported statements', async () => {
    await assert.rejects(session.query('UPDATE mysql_servers SET use_ssl=2 WHERE hostgroup_id=10'), /CHECK constraint failed: use_ssl IN\(0,1\)/);
    await assert.rejects(
      session.query('DROP TABLE mysql_servers'),
      (e: Error & { errno?: number }) => e.errno === 1045 && /^ProxySQL Admin Error:/.test(e.message),
    );
    await assert.rejects(session.query('SELECT * FROM mysql_users'), /no such table: mysql_users/);
    await assert.rejects(
      new Promise((resolve, reject) => session.connection.execute('SELECT 1', (err, rows) => (err ? reject(err) : resolve(rows)))),
      /Command not supported/,
    );
    assert.ok(standIn.rejected.includes('DROP TABLE mysql_servers'));
    // An UPDATE that matches nothing is an error for the extension, not a silent success.
    const ghost = { key: 'x', hostgroupId: 99, hostname: 'gone', port: 3306, pending: [] };
    await assert.rejects(
      runAdminSteps(query, toggleServerTlsSteps(ghost, true)),
      (e: unknown) => e instanceof AdminStepError && /changed no row/.test(e.message),
    );
  });
});

describe('per-server TLS parameters (mysql_servers_ssl_params, 2.6+)', () => {
  it('are read from all three layers and compared (nothing pending when they agree)', async () => {
    const row = {
      hostname: 'db-primary.internal',
      port: '3306',
      username: '',
      ssl_ca: '/etc/proxysql/ca.pem',
      ssl_cert: '',
      ssl_key: '',
      ssl_cipher: '',
      tls_version: 'TLSv1.3',
      comment: '',
    };
    const standIn = await startProxysqlStandIn({ servers: DEMO_STAND_IN_SERVERS, serverSslParams: [row] });
    const session = await openSession({
      profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } },
      secrets: { password: standIn.password },
    });
    try {
      const state = await readProxysqlTlsState((sql) => session.query(sql));
      assert.equal(state.serverSslParams.supported, true);
      assert.equal(state.serverSslParams.entries.length, 1);
      assert.equal(state.serverSslParams.entries[0]!.runtime?.tls_version, 'TLSv1.3');
      assert.deepEqual(state.serverSslParams.entries[0]!.pending, []);
    } finally {
      await session.close();
      await standIn.close();
    }
  });
});

describe('version differences', () => {
  it('a version without mysql-ssl_p2s_cipher: the variable is absent and cannot be set; a pool TLS column is read when present', async () => {
    const standIn = await startProxysqlStandIn({
      servers: DEMO_STAND_IN_SERVERS,
      variables: { 'mysql-have_ssl': 'false', 'mysql-ssl_p2s_ca': '', 'mysql-ssl_p2s_cert': '', 'mysql-ssl_p2s_key': '' },
      poolTlsColumn: 'ConnUsed_ssl',
      serverSslParams: false,
      noFreeConnectionsTable: true,
    });
    const session = await openSession({
      profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } },
      secrets: { password: standIn.password },
    });
    try {
      const q: AdminQuery = (sql) => session.query(sql);
      let state = await readProxysqlTlsState(q);
      assert.equal(state.frontendTls, false);
      assert.equal(state.variables.find((v) => v.name === 'mysql-ssl_p2s_cipher')?.present, false);
      assert.throws(() => clientCertificateSteps(state, { 'mysql-ssl_p2s_cipher': 'ECDHE-RSA-AES256-GCM-SHA384' }), /does not exist in ProxySQL/);
      assert.equal(state.serverSslParams.supported, false);
      assert.match(state.serverSslParams.message ?? '', /no mysql_servers_ssl_params table \(added in 2\.6\)/);
      assert.equal(state.pool.encryptedColumn, 'ConnUsed_ssl');
      assert.equal(state.pool.servers[0]!.encrypted, 0);
      await runAdminSteps(q, [...toggleServerTlsSteps(state.hostgroups[0]!.servers[0]!, true), ...applySteps({ ...state, pendingServers: ['load'] })]);
      standIn.openBackendConnections({ hostgroup_id: '10', hostname: 'db-primary.internal', port: '3306' }, 2);
      state = await readProxysqlTlsState(q);
      assert.equal(state.pool.servers.find((s) => s.hostgroup === 10)?.encrypted, 2);
      // Without stats_mysql_free_connections the switch's progress is unknown: no "done", no "draining".
      assert.equal(state.pool.freeConnectionsReported, false);
      assert.equal(state.hostgroups[0]!.servers[0]!.backendTls, undefined);
    } finally {
      await session.close();
      await standIn.close();
    }
  });

  it('a wrong admin password is refused', async () => {
    const standIn = await startProxysqlStandIn();
    try {
      await assert.rejects(
        openSession({ profile: { host: '127.0.0.1', port: standIn.port, user: standIn.user, ssl: { mode: 'DISABLED' } }, secrets: { password: 'wrong' } }),
        /denied|password/i,
      );
    } finally {
      await standIn.close();
    }
  });
});
