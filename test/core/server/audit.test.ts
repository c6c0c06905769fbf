import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Session } from '../../../src/core/mysql/session';
import { applyAccountTls } from '../../../src/core/server/accountTls';
import { auditServerTls, parseOpensslTime, renderAuditMarkdown, type FindingId, type ServerTlsAudit } from '../../../src/core/server/audit';
import { detectFlavor } from '../../../src/core/server/serverSql';
import { loadSandbox } from '../../helpers/sandbox';
import { rootSession, throwawayUser } from './sandboxAdmin';

const finding = (a: ServerTlsAudit, id: FindingId) => {
  const f = a.findings.find((x) => x.id === id);
  assert.ok(f, `no finding ${id}`);
  return f;
};

test('flavor detection and OpenSSL time parsing', () => {
  assert.equal(detectFlavor('10.11.19-MariaDB-0+deb12u1'), 'mariadb');
  assert.equal(detectFlavor('8.0.36', 'MySQL Community Server - GPL'), 'mysql');
  assert.equal(detectFlavor('5.5.5-10.6.12-MariaDB'), 'mariadb');
  assert.equal(parseOpensslTime('Nov 23 09:51:20 2027 GMT')?.toISOString(), '2027-11-23T09:51:20.000Z');
  assert.equal(parseOpensslTime('Feb  3 01:02:03 2030 GMT')?.toISOString(), '2030-02-03T01:02:03.000Z');
  assert.equal(parseOpensslTime(''), undefined);
});

describe('server TLS audit on the sandbox', { timeout: 120_000 }, () => {
  const sb = loadSandbox();
  const audits: Partial<Record<'tls' | 'plain' | 'strict' | 'expired', ServerTlsAudit>> = {};
  before(async () => {
    for (const name of ['tls', 'plain', 'strict'] as const) {
      const s = await rootSession(sb, name);
      try {
        audits[name] = await auditServerTls(s);
      } finally {
        await s.close();
      }
    }
    const s = await rootSession(sb, 'expired', 'REQUIRED');
    try {
      audits.expired = await auditServerTls(s);
    } finally {
      await s.close();
    }
  });

  test('tls server: TLS on, current versions, valid certificate, plaintext still accepted', () => {
    const a = audits.tls!;
    assert.equal(a.flavor, 'mariadb');
    assert.equal(finding(a, 'tls-available').severity, 'ok');
    assert.match(finding(a, 'tls-available').detail, /have_ssl = YES/);
    assert.equal(finding(a, 'tls-versions').severity, 'ok');
    assert.match(finding(a, 'tls-versions').detail, /TLSv1\.2,TLSv1\.3/);
    assert.equal(finding(a, 'ssl-cipher').severity, 'info');
    assert.equal(finding(a, 'require-secure-transport').severity, 'critical');
    assert.equal(finding(a, 'server-certificate').severity, 'ok');
    const accounts = finding(a, 'accounts-without-tls');
    assert.equal(accounts.severity, 'critical');
    assert.match(accounts.detail, /'app_none'@'%'/);
    assert.match(accounts.detail, /any host/);
    assert.doesNotMatch(accounts.detail, /'app_ssl'|'app_x509'|mariadb\.sys/);
    const cert = finding(a, 'accounts-with-client-certificates');
    assert.match(cert.detail, /'app_x509'@'%' REQUIRE X509/);
    assert.match(cert.detail, /'app_subject'@'%' REQUIRE ISSUER \/O=mysql-tls sandbox\/CN=mysql-tls sandbox CA AND SUBJECT/);
    assert.equal(finding(a, 'replication-tls').severity, 'info');
    assert.match(finding(a, 'replication-tls').title, /No replication channels/);
    const enc = finding(a, 'encrypted-connections');
    assert.equal(enc.measured, false);
    assert.match(enc.detail, /performance_schema is OFF/);
    assert.match(enc.detail, /connection attempts completed a TLS handshake/);
    assert.ok((a.connections?.sinceStart?.tlsHandshakes ?? 0) >= 1);
  });

  test('plain server: TLS disabled is critical; certificate and versions not applicable', () => {
    const a = audits.plain!;
    const tls = finding(a, 'tls-available');
    assert.equal(tls.severity, 'critical');
    assert.match(tls.detail, /have_ssl = DISABLED/);
    assert.equal(finding(a, 'server-certificate').measured, false);
    assert.equal(finding(a, 'require-secure-transport').severity, 'critical');
    assert.match(finding(a, 'require-secure-transport').fix ?? '', /First enable TLS/);
    assert.equal(finding(a, 'accounts-with-client-certificates').severity, 'warning', 'X509 accounts cannot log in without TLS');
    assert.equal(a.connections?.sinceStart?.tlsHandshakes, 0);
  });

  test('strict server: require_secure_transport ok, REQUIRE NONE accounts only informational', () => {
    const a = audits.strict!;
    assert.equal(finding(a, 'require-secure-transport').severity, 'ok');
    const accounts = finding(a, 'accounts-without-tls');
    assert.equal(accounts.severity, 'info');
    assert.match(accounts.detail, /require_secure_transport = ON refuses/);
  });

  test('expired server: the certificate is critical', () => {
    const f = finding(audits.expired!, 'server-certificate');
    assert.equal(f.severity, 'critical');
    assert.match(f.title, /expired/);
  });

  test('markdown report', () => {
    // Read as the preview shows it: the report backslash-escapes Markdown punctuation in every value.
    const md = renderAuditMarkdown(audits.tls!).replace(/\\([!-/:-@[-`{-~])/g, '$1');
    assert.match(md, /^# Server TLS audit\n\nMariaDB 10\.11/);
    assert.match(md, /\| CRITICAL \| Plaintext logins are accepted \|/);
    assert.match(md, /\| (Info|Warning) \(not measured\) \| Share of encrypted current connections not measured \|/);
    assert.match(md, /\| 'app_x509'@'%' \| REQUIRE X509 \|/);
    assert.match(md, /\| 'mariadb\.sys'@'localhost' \| REQUIRE NONE \| locked, local only \|/);
    // worst first
    assert.ok(md.indexOf('CRITICAL') < md.indexOf('| OK |'));
  });
});

describe('audit findings follow a runtime REQUIRE change', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  const user = throwawayUser('audit');
  let admin: Session;
  before(async () => {
    admin = await rootSession(sb, 'tls');
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [randomBytes(12).toString('base64url')]);
  });
  after(async () => {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await admin?.close();
  });

  test('a new REQUIRE NONE account is listed, and disappears after REQUIRE X509', async () => {
    const before1 = await auditServerTls(admin);
    assert.match(finding(before1, 'accounts-without-tls').detail, new RegExp(`'${user}'@'%'`));
    assert.doesNotMatch(finding(before1, 'accounts-with-client-certificates').detail, new RegExp(user));
    await applyAccountTls(admin, { user, host: '%' }, { type: 'X509' });
    const after1 = await auditServerTls(admin);
    assert.doesNotMatch(finding(after1, 'accounts-without-tls').detail, new RegExp(user));
    assert.match(finding(after1, 'accounts-with-client-certificates').detail, new RegExp(`'${user}'@'%' REQUIRE X509`));
  });

  test('an unprivileged auditor gets "not measured" findings, not an exception', async () => {
    const { openSession } = await import('../../../src/core/mysql/session');
    const acct = sb.accounts.app_none!;
    await admin.query(`CREATE USER '${user}_ro'@'%' IDENTIFIED BY ?`, [acct.password]);
    try {
      const s = await openSession({
        profile: { host: sb.host, port: sb.servers.tls.port, user: `${user}_ro`, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } },
        secrets: { password: acct.password },
      });
      try {
        const a = await auditServerTls(s);
        assert.equal(finding(a, 'accounts-without-tls').measured, false);
        assert.match(finding(a, 'accounts-without-tls').detail, /mysql\.global_priv/);
        assert.equal(finding(a, 'replication-tls').measured, false);
        assert.match(finding(a, 'replication-tls').fix ?? '', /REPLICA MONITOR/);
        assert.equal(finding(a, 'tls-available').severity, 'ok');
      } finally {
        await s.close();
      }
    } finally {
      await admin.query(`DROP USER IF EXISTS '${user}_ro'@'%'`);
    }
  });
});
