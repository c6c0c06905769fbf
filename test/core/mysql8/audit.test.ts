import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditServerTls, renderAuditMarkdown, type FindingId, type ServerTlsAudit } from '../../../src/core/server/audit';
import { mysql8Catalog, type Mysql8CatalogOptions } from '../../helpers/mysql8/catalog';
import { catalogRunner } from './catalogRunner';

/*
 * The server audit against MySQL's answers. MySQL (5.6 to 9.x, Percona, the managed services) cannot be
 * installed here, so these tests run the audit over the MySQL 8 double's catalog (test/helpers/mysql8/catalog.ts:
 * what each version documents it answers), through a SqlRunner that hands rows and errors over as mysql2 does.
 * The MariaDB audit runs against the real sandbox in test/core/server/audit.test.ts.
 */

const NOW = new Date(Date.UTC(2026, 5, 1));

async function audit(options: Mysql8CatalogOptions, session?: Parameters<typeof catalogRunner>[1]): Promise<ServerTlsAudit & { statements: string[] }> {
  const runner = catalogRunner(mysql8Catalog(options), session);
  const a = await auditServerTls(runner, { now: NOW });
  return Object.assign(a, { statements: runner.statements });
}

const finding = (a: ServerTlsAudit, id: FindingId) => {
  const f = a.findings.find((x) => x.id === id);
  assert.ok(f, `no finding ${id}`);
  return f;
};
const noFinding = (a: ServerTlsAudit, id: FindingId): void =>
  assert.equal(
    a.findings.find((x) => x.id === id),
    undefined,
    `unexpected finding ${id}`,
  );

describe('audit on the MySQL double: encrypted connections (performance_schema.threads.CONNECTION_TYPE)', () => {
  test('the 8.0 event scheduler and socket connections are not counted as plaintext', async () => {
    // The auditor over TLS, one more TLS client, one socket client; the event scheduler runs (8.0's default).
    const a = await audit({
      flavour: '8.0.36',
      connections: [
        { processlistId: 20, user: 'app', connectionType: 'SSL/TLS' },
        { processlistId: 21, user: 'backup', connectionType: 'Socket' },
      ],
    });
    const f = finding(a, 'encrypted-connections');
    assert.equal(f.severity, 'ok', f.title);
    assert.equal(f.title, '2 of 2 current TCP connections are encrypted');
    assert.match(f.detail, /1 local socket connection not counted/);
    assert.deepEqual(a.connections?.current, { total: 2, encrypted: 2, local: 1 });
  });

  test('a plaintext TCP client is found', async () => {
    const a = await audit({ flavour: '8.4.3', connections: [{ processlistId: 20, user: 'legacy', connectionType: 'TCP/IP' }] });
    const f = finding(a, 'encrypted-connections');
    assert.equal(f.severity, 'warning');
    assert.equal(f.title, '1 of 2 current TCP connections are encrypted');
    assert.match(f.fix ?? '', /CONNECTION_TYPE = 'TCP\/IP'/);
  });
});

describe('audit on the MySQL double: replication', () => {
  test('Group Replication channels are not "replication in plaintext"; the group is judged by its variables', async () => {
    const a = await audit({ flavour: '8.0.36', groupReplication: { sslMode: 'VERIFY_IDENTITY', recoveryUseSsl: true } });
    const r = finding(a, 'replication-tls');
    assert.notEqual(r.severity, 'critical', r.detail);
    assert.match(r.detail, /only through Group Replication/);
    assert.deepEqual(a.replication, []);
    assert.equal(finding(a, 'group-replication-tls').severity, 'ok');
  });

  test('Group Replication with TLS off, or recovery in plaintext, is critical', async () => {
    const off = await audit({ flavour: '8.4.3', groupReplication: { sslMode: 'DISABLED', recoveryUseSsl: false } });
    const f = finding(off, 'group-replication-tls');
    assert.equal(f.severity, 'critical');
    assert.match(f.detail, /group_replication_ssl_mode = DISABLED/);
    assert.match(f.detail, /group_replication_recovery_use_ssl = OFF/);
    assert.match(f.fix ?? '', /SET PERSIST group_replication_ssl_mode = 'VERIFY_IDENTITY'/);
    const required = await audit({ flavour: '8.0.36', groupReplication: { sslMode: 'REQUIRED', recoveryUseSsl: true } });
    assert.equal(finding(required, 'group-replication-tls').severity, 'warning');
  });

  test('a channel with SOURCE_SSL_CA set verifies the chain (VERIFY_CA), not the host name', async () => {
    const a = await audit({
      flavour: '8.0.36',
      replication: [
        { channel: '', host: 'primary.example', port: 3306, sslAllowed: 'YES', sslVerifyServerCertificate: 'NO', sslCaFile: '/etc/mysql/primary-ca.pem' },
      ],
    });
    const f = finding(a, 'replication-tls');
    assert.equal(f.title, 'Replication verifies the chain, not the host name');
    assert.doesNotMatch(f.detail, /do not verify/);
    assert.match(f.fix ?? '', /SOURCE_SSL_VERIFY_SERVER_CERT=1/);
    assert.match(renderAuditMarkdown(a), /chain only, not the host name/);
    const noCa = await audit({
      flavour: '8.0.36',
      replication: [{ channel: '', host: 'primary.example', port: 3306, sslAllowed: 'YES', sslVerifyServerCertificate: 'NO' }],
    });
    assert.equal(finding(noCa, 'replication-tls').severity, 'warning');
    assert.match(finding(noCa, 'replication-tls').detail, /do not verify the primary's certificate/);
  });
});

describe('audit on the MySQL double: fix statements suit the version', () => {
  const plainChannel = [{ channel: 'from_dc1', host: 'dc1', port: 3306, sslAllowed: 'NO' as const, sslVerifyServerCertificate: 'NO' as const }];
  test('8.0.36: STOP REPLICA / CHANGE REPLICATION SOURCE, ALTER INSTANCE RELOAD TLS, SET PERSIST', async () => {
    const a = await audit({ flavour: '8.0.36', replication: plainChannel, certNotAfter: new Date(Date.UTC(2026, 5, 10)) });
    assert.match(finding(a, 'replication-tls').fix ?? '', /^STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_SSL=1/);
    assert.match(finding(a, 'server-certificate').fix ?? '', /ALTER INSTANCE RELOAD TLS/);
    assert.match(finding(a, 'require-secure-transport').fix ?? '', /^SET PERSIST require_secure_transport = ON/);
  });

  test('5.7.44: STOP SLAVE / CHANGE MASTER TO, and a restart instead of ALTER INSTANCE RELOAD TLS', async () => {
    const a = await audit({ flavour: '5.7.44', replication: plainChannel, certNotAfter: new Date(Date.UTC(2026, 5, 10)), tlsVersion: 'TLSv1,TLSv1.1,TLSv1.2' });
    const repl = finding(a, 'replication-tls').fix ?? '';
    assert.match(repl, /^STOP SLAVE; CHANGE MASTER TO MASTER_SSL=1, MASTER_SSL_CA=\.\.\., MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE;$/);
    const allFixes = a.findings.map((f) => f.fix ?? '').join('\n');
    assert.doesNotMatch(allFixes, /ALTER INSTANCE RELOAD TLS|REPLICA|SET PERSIST/);
    assert.match(finding(a, 'server-certificate').fix ?? '', /restart the server/);
    assert.match(finding(a, 'tls-versions').fix ?? '', /tls_version = 'TLSv1\.2'.*restart the server/);
  });
});

describe('audit on the MySQL double: TLS values in force', () => {
  test('Current_tls_version, not the configured tls_version, decides; a pending change is named', async () => {
    const a = await audit({ flavour: '8.0.36', tlsVersion: 'TLSv1.2,TLSv1.3', currentTlsVersion: 'TLSv1.1,TLSv1.2' });
    const f = finding(a, 'tls-versions');
    assert.equal(f.severity, 'warning');
    assert.match(f.detail, /In force \(Current_tls_version\): TLSv1\.1,TLSv1\.2/);
    assert.match(f.detail, /set to TLSv1\.2,TLSv1\.3 but not in force yet/);
    assert.equal(f.fix, 'Run ALTER INSTANCE RELOAD TLS to put the configured versions in force.');
  });

  test('the admin channel is audited on its own', async () => {
    const a = await audit({ flavour: '8.0.36', adminChannel: { tlsVersion: 'TLSv1.2,TLSv1.3', currentTlsVersion: 'TLSv1,TLSv1.2' } });
    const f = finding(a, 'admin-tls');
    assert.equal(f.severity, 'warning');
    assert.match(f.detail, /mysql_admin channel in force: TLSv1,TLSv1\.2/);
    assert.match(f.fix ?? '', /FOR CHANNEL mysql_admin/);
    noFinding(await audit({ flavour: '8.0.36' }), 'admin-tls');
  });

  test('Tls_library_version is reported on 8.0.30+; version_ssl_library is never asked of MySQL for it', async () => {
    const a = await audit({ flavour: '8.4.3' });
    assert.match(finding(a, 'tls-available').detail, /Enabled=Yes; OpenSSL 3\.0\.13/);
    assert.equal(a.variables.version_ssl_library, undefined);
    assert.equal(a.variables.have_ssl, undefined, '8.4 has no have_ssl');
  });
});

describe('audit on the MySQL double: managed services', () => {
  const SERVER_FIXES = /SET GLOBAL|SET PERSIST|\[mysqld\]|my\.cnf|restart the server|ALTER INSTANCE RELOAD TLS|Generate certificate/;
  const weak: Omit<Mysql8CatalogOptions, 'flavour'> = {
    requireSecureTransport: false,
    currentTlsVersion: 'TLSv1.1,TLSv1.2',
    certNotAfter: new Date(Date.UTC(2026, 5, 10)),
    accounts: [{ user: 'app', host: '%' }],
    performanceSchema: false,
  };

  for (const [service, control] of [
    ['rds', /parameter group/],
    ['azure', /Server parameters/],
    ['tencentdb', /TencentDB console/],
  ] as const) {
    test(`${service}: detected, and every fix names the service's own control`, async () => {
      const a = await audit({ flavour: '8.0.36', managed: service, ...weak, requireSecureTransport: false });
      assert.equal(a.managed, service);
      const fixes = a.findings.map((f) => f.fix ?? '').filter(Boolean);
      assert.ok(fixes.length >= 3);
      for (const fix of fixes) assert.doesNotMatch(fix, SERVER_FIXES, fix);
      assert.match(finding(a, 'require-secure-transport').fix ?? '', control);
    });
  }

  test('Azure: ciphers cannot be changed; require_secure_transport is ON by default', async () => {
    const a = await audit({ flavour: '8.0.36', managed: 'azure', sslCipher: 'ECDHE-RSA-AES256-SHA:DES-CBC3-SHA' });
    assert.match(finding(a, 'ssl-cipher').fix ?? '', /does not let the cipher list be changed/);
    assert.equal(finding(a, 'require-secure-transport').severity, 'ok');
  });

  test("Cloud SQL: require_secure_transport OFF is not CRITICAL; the fix is the instance's SSL mode", async () => {
    const a = await audit({ flavour: '8.0.36', managed: 'cloudsql', ...weak });
    assert.equal(a.managed, 'cloudsql');
    assert.match(a.version, /-google$/);
    const f = finding(a, 'require-secure-transport');
    assert.notEqual(f.severity, 'critical');
    assert.equal(f.measured, false);
    assert.match(f.fix ?? '', /--ssl-mode=ENCRYPTED_ONLY/);
    for (const fix of a.findings.map((x) => x.fix ?? '').filter(Boolean)) assert.doesNotMatch(fix, SERVER_FIXES, fix);
  });

  test('the report names the service', async () => {
    const md = renderAuditMarkdown(await audit({ flavour: '8.0.36', managed: 'rds' })).replace(/\\([!-/:-@[-`{-~])/g, '$1');
    assert.match(md, /^MySQL 8\.0\.36 \(Amazon RDS\), /m);
  });

  test('a self-run MySQL is not taken for a managed service', async () => {
    const a = await audit({ flavour: '8.0.36-28' });
    assert.equal(a.managed, undefined);
    noFinding(a, 'server-version');
  });
});

describe('audit on the MySQL double: MySQL 5.6', () => {
  test('says what cannot be audited there, and blames no privilege', async () => {
    const a = await audit({
      flavour: '5.6.51',
      accounts: [
        { user: 'app', host: '%' },
        { user: 'secure', host: '%', sslType: 'X509' },
      ],
    });
    const v = finding(a, 'server-version');
    assert.match(v.title, /MySQL 5\.6/);
    assert.match(v.detail, /not for lack of privileges/);
    // Accounts are still read (without account_locked, which 5.6 lacks).
    assert.equal(finding(a, 'accounts-without-tls').severity, 'critical');
    assert.match(finding(a, 'accounts-without-tls').detail, /'app'@'%'.*no account locking/);
    const repl = finding(a, 'replication-tls');
    assert.equal(repl.measured, false);
    assert.doesNotMatch(`${repl.detail} ${repl.fix}`, /privilege|performance_schema\.$/);
    assert.match(finding(a, 'require-secure-transport').detail, /MySQL 5\.6 has no require_secure_transport/);
    assert.doesNotMatch(finding(a, 'encrypted-connections').fix ?? '', /privilege/);
    for (const f of a.findings) assert.doesNotMatch(`${f.detail} ${f.fix ?? ''}`, /Unknown column|doesn't exist|error 1054|error 1146/, f.id);
  });
});

describe('audit on the MySQL double: other flavours and privileges', () => {
  test('yaSSL 5.7: TLSv1/1.1 only is a warning, fixed the 5.7 way', async () => {
    const a = await audit({ flavour: '5.7.26-yassl' });
    const f = finding(a, 'tls-versions');
    assert.equal(f.severity, 'warning');
    assert.match(f.detail, /tls_version = TLSv1,TLSv1\.1; TLSv1, TLSv1\.1 are deprecated/);
    assert.match(f.fix ?? '', /^SET GLOBAL tls_version = 'TLSv1\.2'/);
  });

  test('Percona 8.0 is audited as MySQL 8.0', async () => {
    const a = await audit({ flavour: '8.0.36-28', accounts: [{ user: 'app', host: '%', sslType: 'ANY' }] });
    assert.equal(a.flavor, 'mysql');
    assert.equal(finding(a, 'tls-available').severity, 'ok');
    assert.equal(finding(a, 'accounts-without-tls').severity, 'ok');
    assert.equal(finding(a, 'encrypted-connections').title, '1 of 1 current TCP connections are encrypted');
  });

  test('without SELECT on performance_schema: not measured, with the reason and the privilege to grant', async () => {
    const a = await audit({ flavour: '8.0.36', denied: ['performance_schema'] });
    const repl = finding(a, 'replication-tls');
    assert.equal(repl.measured, false);
    assert.match(repl.detail, /SELECT command denied.*\(error 1142\)/);
    assert.match(repl.fix ?? '', /read performance_schema/);
    const enc = finding(a, 'encrypted-connections');
    assert.equal(enc.measured, false);
    assert.match(enc.detail, /performance_schema\.threads could not be read/);
    // tls_channel_status unreadable too: TLS availability falls back to have_ssl.
    assert.match(finding(a, 'tls-available').detail, /have_ssl = YES/);
  });
});
