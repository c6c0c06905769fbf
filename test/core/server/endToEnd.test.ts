import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateCertificateSet, type CertificateSet } from '../../../src/core/certificates/generateSet';
import { serverConfigArgs } from '../../../src/core/certificates/serverConfig';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { applyAccountTls, verifyAccountTls } from '../../../src/core/server/accountTls';
import { auditServerTls, type FindingId, type ServerTlsAudit } from '../../../src/core/server/audit';
import { tempDir } from '../certificates/fixtures';
import { ExtraServer } from './extraServer';

const finding = (a: ServerTlsAudit, id: FindingId) => a.findings.find((f) => f.id === id)!;

/**
 * Issue 5 "done": a MariaDB server without TLS gets a generated certificate set, is restarted with the
 * snippet's values, an account is switched to REQUIRE X509, and the generated client certificate logs in
 * with VERIFY_IDENTITY (PEM files with an encrypted key, and the PKCS#12 variant).
 */
describe('end to end: from a plaintext MariaDB to X509 logins with a generated certificate set', { timeout: 180_000 }, () => {
  const tmp = tempDir('mysql-tls-e2e-');
  const adminPassword = randomBytes(12).toString('base64url');
  const appPassword = randomBytes(12).toString('base64url');
  const admin = { user: 'e2e_admin', password: adminPassword };
  let server: ExtraServer;
  let set: CertificateSet;

  const adminSession = (mode: 'DISABLED' | 'VERIFY_IDENTITY'): Promise<Session> =>
    openSession({
      profile: { host: '127.0.0.1', port: server.port, user: admin.user, ssl: mode === 'DISABLED' ? { mode } : { mode, ca: set.files.ca } },
      secrets: { password: admin.password },
    });

  before(async () => {
    server = await ExtraServer.create();
    await server.start();
    await server.admin(`CREATE USER '${admin.user}'@'127.0.0.1' IDENTIFIED BY ?`, [admin.password]);
    await server.admin(`GRANT ALL PRIVILEGES ON *.* TO '${admin.user}'@'127.0.0.1' WITH GRANT OPTION`);
  });
  after(async () => {
    await server?.destroy();
    tmp.remove();
  });

  test('1. the server starts without TLS: the audit says so, VERIFY_IDENTITY fails', async () => {
    const s = await adminSession('DISABLED');
    try {
      const a = await auditServerTls(s);
      assert.equal(finding(a, 'tls-available').severity, 'critical');
      assert.match(finding(a, 'tls-available').detail, /have_ssl = DISABLED/);
    } finally {
      await s.close();
    }
    set = await generateCertificateSet({
      outputDir: path.join(tmp.dir, 'certs with space'),
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      organization: 'E2E',
      clientCommonName: 'e2e_app',
      clientKeyPassphrase: 'client key pass',
      pkcs12: { passphrase: 'pfx pass' },
      profile: { host: '127.0.0.1', port: server.port, user: 'e2e_app' },
    });
    await assert.rejects(adminSession('VERIFY_IDENTITY'), (e: unknown) => e instanceof MysqlTlsError && e.code === 'server-no-tls');
  });

  test('2. restarted with the snippet values, the server offers verified TLS', async () => {
    assert.match(set.serverConfigText, /ssl_ca = ".*certs with space\/ca\.pem"/, 'paths with spaces are quoted in the option file');
    await server.stop();
    await server.start(serverConfigArgs(set.serverConfig));
    const s = await adminSession('VERIFY_IDENTITY');
    try {
      assert.equal(s.report.security, 'verified-identity');
      assert.equal(s.report.verification.chain, 'verified');
      assert.equal(s.report.verification.host, 'verified');
      assert.match(s.report.protocol ?? '', /^TLSv1\.[23]$/);
      assert.equal(s.report.peerChain[0]?.subject, 'O=E2E, CN=localhost');
      const a = await auditServerTls(s);
      assert.equal(finding(a, 'tls-available').severity, 'ok');
      assert.equal(finding(a, 'tls-versions').severity, 'ok');
      assert.equal(finding(a, 'server-certificate').severity, 'ok');
      assert.match(finding(a, 'server-certificate').detail, /expires in 82[45] day/);
    } finally {
      await s.close();
    }
  });

  test('3. REQUIRE X509 account: generated client certificate logs in with VERIFY_IDENTITY (PEM and PKCS#12)', async () => {
    const s = await adminSession('VERIFY_IDENTITY');
    try {
      await s.query("CREATE USER 'e2e_app'@'%' IDENTIFIED BY ?", [appPassword]);
      await s.query("GRANT SELECT ON mysql.* TO 'e2e_app'@'%'");
      const r = await applyAccountTls(s, { user: 'e2e_app', host: '%' }, { type: 'X509' });
      assert.equal(r.statement.sql, "ALTER USER 'e2e_app'@'%' REQUIRE X509");
      assert.deepEqual(r.after.requirement, { type: 'X509' });
    } finally {
      await s.close();
    }

    const pem = await openSession({ profile: set.profile, secrets: { password: appPassword, passphrase: 'client key pass' } });
    try {
      assert.equal(pem.report.security, 'verified-identity');
      assert.equal(pem.report.clientCertificate?.subject, 'O=E2E, CN=e2e_app');
      const { rows } = await pem.query<{ u: string }[]>('SELECT CURRENT_USER() AS u');
      assert.equal(rows[0]!.u, 'e2e_app@%');
      assert.notEqual((await pem.serverView()).server.sslCipher, '');
    } finally {
      await pem.close();
    }

    assert.ok(set.pfxProfile);
    const pfx = await openSession({ profile: set.pfxProfile, secrets: { password: appPassword, passphrase: 'pfx pass' } });
    try {
      assert.equal(pfx.report.security, 'verified-identity');
      assert.equal(pfx.report.clientCertificate?.subject, 'O=E2E, CN=e2e_app');
    } finally {
      await pfx.close();
    }
    await assert.rejects(
      openSession({ profile: set.pfxProfile, secrets: { password: appPassword, passphrase: 'wrong' } }),
      (e: unknown) => e instanceof MysqlTlsError && e.code === 'key-wrong-passphrase' && e.field === 'ssl.pfx',
    );

    const v = await verifyAccountTls({
      host: '127.0.0.1',
      port: server.port,
      user: 'e2e_app',
      password: appPassword,
      requirement: { type: 'X509' },
      ssl: { mode: 'VERIFY_IDENTITY', ca: set.files.ca },
      clientCertificate: { cert: set.files.clientCert, key: set.files.clientKey },
      passphrase: 'client key pass',
    });
    assert.deepEqual(
      v.attempts.map((a) => `${a.name}:${a.outcome}`),
      ['plaintext:refused', 'tls-without-client-cert:refused', 'tls-with-client-cert:accepted'],
    );
    assert.equal(v.ok, true);

    // REQUIRE SUBJECT with the subject the set reports, as MariaDB compares it
    const s2 = await adminSession('VERIFY_IDENTITY');
    try {
      await applyAccountTls(s2, { user: 'e2e_app', host: '%' }, { type: 'SPECIFIED', issuer: set.subjects.ca, subject: set.subjects.client });
    } finally {
      await s2.close();
    }
    const sub = await openSession({ profile: set.profile, secrets: { password: appPassword, passphrase: 'client key pass' } });
    await sub.close();
  });

  test('4. replication channels: plaintext is critical, verified TLS is ok', async () => {
    const s = await adminSession('VERIFY_IDENTITY');
    try {
      await s.query("CHANGE MASTER 'e2e' TO MASTER_HOST='127.0.0.1', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='x', MASTER_SSL=0");
      let a = await auditServerTls(s);
      assert.equal(finding(a, 'replication-tls').severity, 'critical');
      assert.match(finding(a, 'replication-tls').detail, /"e2e" \(127\.0\.0\.1:3306\) replicates in plaintext/);
      await s.query(`CHANGE MASTER 'e2e' TO MASTER_SSL=1, MASTER_SSL_CA=?, MASTER_SSL_VERIFY_SERVER_CERT=1`, [set.files.ca]);
      a = await auditServerTls(s);
      assert.equal(finding(a, 'replication-tls').severity, 'ok');
      await s.query("RESET SLAVE 'e2e' ALL");
      a = await auditServerTls(s);
      assert.match(finding(a, 'replication-tls').title, /No replication channels/);
    } finally {
      await s.close();
    }
  });
});
