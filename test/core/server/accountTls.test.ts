import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { applyAccountTls, buildRequireStatement, readAccountTls, sqlString, verifyAccountTls } from '../../../src/core/server/accountTls';
import type { Session } from '../../../src/core/mysql/session';
import { MysqlTlsError } from '../../../src/core/errors';
import { loadSandbox } from '../../helpers/sandbox';
import { rootSession, throwawayUser } from './sandboxAdmin';

describe('buildRequireStatement', () => {
  const acct = { user: 'app', host: '10.0.%' };
  test('each requirement, exactly', () => {
    assert.equal(buildRequireStatement(acct, { type: 'NONE' }).sql, "ALTER USER 'app'@'10.0.%' REQUIRE NONE");
    assert.equal(buildRequireStatement(acct, { type: 'SSL' }).sql, "ALTER USER 'app'@'10.0.%' REQUIRE SSL");
    assert.equal(buildRequireStatement(acct, { type: 'X509' }).sql, "ALTER USER 'app'@'10.0.%' REQUIRE X509");
    assert.equal(
      buildRequireStatement(acct, { type: 'SPECIFIED', issuer: '/O=Acme/CN=Acme CA', subject: '/O=Acme/CN=app' }).sql,
      "ALTER USER 'app'@'10.0.%' REQUIRE ISSUER '/O=Acme/CN=Acme CA' AND SUBJECT '/O=Acme/CN=app'",
    );
    assert.equal(buildRequireStatement(acct, { type: 'SPECIFIED', subject: '/CN=app' }).sql, "ALTER USER 'app'@'10.0.%' REQUIRE SUBJECT '/CN=app'");
    const p = buildRequireStatement(acct, { type: 'X509' }).preview;
    assert.match(p, /^ALTER USER 'app'@'10\.0\.%' REQUIRE X509;\n-- The account must log in over TLS with a client certificate/);
  });
  test('escaping of quotes and backslashes, in both sql modes', () => {
    assert.equal(sqlString("O'Brien"), "'O''Brien'");
    assert.equal(sqlString('a\\b'), "'a\\\\b'");
    assert.equal(sqlString('a\\b', { noBackslashEscapes: true }), "'a\\b'");
    assert.equal(
      buildRequireStatement({ user: "o'x", host: '%' }, { type: 'SPECIFIED', subject: "/O=O'Reilly/CN=x\\y" }).sql,
      "ALTER USER 'o''x'@'%' REQUIRE SUBJECT '/O=O''Reilly/CN=x\\\\y'",
    );
    assert.throws(() => sqlString('a\nb'), MysqlTlsError);
  });
  test('refuses empty or malformed requirements', () => {
    assert.throws(() => buildRequireStatement(acct, { type: 'SPECIFIED' }), (e: unknown) => e instanceof MysqlTlsError && e.field === 'requirement');
    assert.throws(() => buildRequireStatement(acct, { type: 'SPECIFIED', subject: 'CN=app' }), (e: unknown) => e instanceof MysqlTlsError && e.field === 'requirement.subject');
    assert.throws(() => buildRequireStatement({ user: '', host: '%' }, { type: 'SSL' }), (e: unknown) => e instanceof MysqlTlsError && e.field === 'user');
  });
});

describe('account TLS requirements on the sandbox tls server', { timeout: 120_000 }, () => {
  const sb = loadSandbox();
  const user = throwawayUser('tlsreq');
  const password = randomBytes(12).toString('base64url');
  const acct = { user, host: '%' };
  const base = { host: sb.host, port: sb.servers.tls.port, user, password, ssl: { mode: 'VERIFY_IDENTITY' as const, ca: sb.certs.ca } };
  const clientCertificate = { cert: sb.certs.clientCert, key: sb.certs.clientKey };
  let admin: Session;
  before(async () => {
    admin = await rootSession(sb, 'tls');
    await admin.query(`CREATE USER ${"'" + user + "'"}@'%' IDENTIFIED BY ?`, [password]);
    await admin.query(`GRANT SELECT ON sandbox.* TO '${user}'@'%'`);
  });
  after(async () => {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
    await admin?.close();
  });

  test('starts as REQUIRE NONE: plaintext accepted', async () => {
    assert.deepEqual((await readAccountTls(admin, acct))?.requirement, { type: 'NONE' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'NONE' } });
    assert.deepEqual(v.attempts.map((a) => `${a.name}:${a.outcome}`), ['plaintext:accepted', 'tls:accepted']);
    assert.equal(v.ok, true);
  });

  test('REQUIRE SSL: plaintext refused, TLS works', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'SSL' });
    assert.equal(r.statement.sql, `ALTER USER '${user}'@'%' REQUIRE SSL`);
    assert.deepEqual(r.before.requirement, { type: 'NONE' });
    assert.deepEqual(r.after.requirement, { type: 'SSL' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'SSL' } });
    assert.deepEqual(v.attempts.map((a) => `${a.name}:${a.outcome}:${a.cause ?? ''}`), ['plaintext:refused:account-requires-tls', 'tls:accepted:']);
    assert.equal(v.ok, true);
  });

  test('REQUIRE X509: TLS without a client certificate refused, with one accepted', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'X509' });
    assert.deepEqual(r.after.requirement, { type: 'X509' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'X509' }, clientCertificate });
    assert.deepEqual(v.attempts.map((a) => `${a.name}:${a.outcome}`), ['plaintext:refused', 'tls-without-client-cert:refused', 'tls-with-client-cert:accepted']);
    assert.equal(v.attempts[1]!.cause, 'account-requires-x509');
    assert.equal(v.ok, true);
  });

  test('REQUIRE ISSUER AND SUBJECT: matching certificate accepted; a wrong subject refuses it', async () => {
    const req = { type: 'SPECIFIED' as const, issuer: sb.certs.caSubject, subject: sb.certs.clientSubject };
    const r = await applyAccountTls(admin, acct, req);
    assert.deepEqual(r.after.requirement, req);
    assert.equal((await verifyAccountTls({ ...base, requirement: req, clientCertificate })).ok, true);

    const wrong = { type: 'SPECIFIED' as const, subject: "/O=mysql-tls sandbox/CN=someone else's cert" };
    const w = await applyAccountTls(admin, acct, wrong);
    assert.deepEqual(w.after.requirement, wrong, 'the quote round-trips through escaping');
    const v = await verifyAccountTls({ ...base, requirement: wrong, clientCertificate });
    assert.equal(v.ok, false);
    assert.deepEqual(v.attempts.map((a) => `${a.name}:${a.outcome}`), ['plaintext:refused', 'tls-without-client-cert:refused', 'tls-with-client-cert:refused']);
  });

  test('back to REQUIRE NONE; unknown accounts are reported', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'NONE' });
    assert.deepEqual(r.after.requirement, { type: 'NONE' });
    await assert.rejects(applyAccountTls(admin, { user: `${user}_missing`, host: '%' }, { type: 'SSL' }), (e: unknown) => e instanceof MysqlTlsError && e.field === 'user');
  });
});
