import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { accountName, applyAccountTls, buildRequireStatement, readAccountTls, sqlString, verifyAccountTls } from '../../../src/core/server/accountTls';
import type { Session } from '../../../src/core/mysql/session';
import { MysqlTlsError } from '../../../src/core/errors';
import { startRelay, type Relay } from '../../helpers/relay';
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
    assert.throws(
      () => buildRequireStatement(acct, { type: 'SPECIFIED' }),
      (e: unknown) => e instanceof MysqlTlsError && e.field === 'requirement',
    );
    assert.throws(
      () => buildRequireStatement(acct, { type: 'SPECIFIED', subject: 'CN=app' }),
      (e: unknown) => e instanceof MysqlTlsError && e.field === 'requirement.subject',
    );
    assert.throws(
      () => buildRequireStatement({ user: '', host: '%' }, { type: 'SSL' }),
      (e: unknown) => e instanceof MysqlTlsError && e.field === 'user',
    );
  });
});

const sha1 = (...parts: Buffer[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest();

/** mysql_native_password's answer to a scramble: what a plaintext login with this password puts on the wire. */
function nativeToken(password: string, scramble: Buffer): Buffer {
  const s1 = sha1(Buffer.from(password));
  const s3 = sha1(scramble, sha1(s1));
  return Buffer.from(s1.map((b, i) => b ^ s3[i]!));
}

interface RelayedLogin {
  scramble: Buffer;
  /** The client's first packet: 32 bytes = SSLRequest (TLS follows), else the plaintext HandshakeResponse. */
  firstClientPacket: Buffer;
  clientBytes: Buffer;
}

/** A relay to the sandbox that records each connection's greeting scramble and what the client sent. */
async function startRecordingRelay(target: { host: string; port: number }): Promise<Relay & { logins: RelayedLogin[] }> {
  const logins: RelayedLogin[] = [];
  const relay = await startRelay(target, () => {
    const login: RelayedLogin = { scramble: Buffer.alloc(0), firstClientPacket: Buffer.alloc(0), clientBytes: Buffer.alloc(0) };
    logins.push(login);
    let greeting = Buffer.alloc(0);
    return {
      fromServer: (c) => {
        if (login.scramble.length === 0) {
          greeting = Buffer.concat([greeting, c]);
          const p = greeting.subarray(4);
          const afterVersion = p.indexOf(0, 1) + 1;
          if (p.length > afterVersion + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 12) {
            const part1 = p.subarray(afterVersion + 4, afterVersion + 12);
            const part2Start = afterVersion + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
            login.scramble = Buffer.concat([part1, p.subarray(part2Start, part2Start + 12)]);
          }
        }
        return true;
      },
      fromClient: (c) => {
        login.clientBytes = Buffer.concat([login.clientBytes, c]);
        if (login.firstClientPacket.length === 0 && login.clientBytes.length >= 4) {
          const len = login.clientBytes.readUIntLE(0, 3);
          if (login.clientBytes.length >= 4 + len) login.firstClientPacket = login.clientBytes.subarray(4, 4 + len);
        }
        return true;
      },
    };
  });
  return { ...relay, logins };
}

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

  test('starts as REQUIRE NONE: the grant tables say so and TLS works (no plaintext login with the password)', async () => {
    assert.deepEqual((await readAccountTls(admin, acct))?.requirement, { type: 'NONE' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'NONE' }, grants: { runner: admin, accountHost: '%' } });
    assert.deepEqual(
      v.attempts.map((a) => `${a.name}:${a.outcome}`),
      ['tls:accepted'],
    );
    assert.deepEqual(v.requirement?.actual, { type: 'NONE' });
    assert.equal(v.ok, true);
    const wrong = await verifyAccountTls({ ...base, requirement: { type: 'SSL' }, grants: { runner: admin, accountHost: '%' } });
    assert.equal(wrong.requirement?.ok, false, 'the grant tables contradict the expected REQUIRE SSL');
    assert.equal(wrong.ok, false);
  });

  test('the account password never goes onto a plaintext connection: the plaintext attempt uses a throwaway', async () => {
    await applyAccountTls(admin, acct, { type: 'SSL' });
    const relay = await startRecordingRelay({ host: sb.host, port: sb.servers.tls.port });
    try {
      const v = await verifyAccountTls({ ...base, port: relay.port, requirement: { type: 'SSL' } });
      assert.equal(v.ok, true, JSON.stringify(v.attempts));
      const plaintext = relay.logins.filter((l) => l.firstClientPacket.length !== 32);
      const tls = relay.logins.filter((l) => l.firstClientPacket.length === 32);
      assert.equal(plaintext.length, 1, 'one plaintext attempt');
      assert.equal(tls.length, 1, 'one TLS attempt');
      for (const l of relay.logins) assert.equal(l.clientBytes.includes(Buffer.from(password)), false, 'never the cleartext password');
      const p = plaintext[0]!;
      assert.equal(p.scramble.length, 20);
      assert.equal(p.clientBytes.includes(nativeToken(password, p.scramble)), false, 'the plaintext login did not answer with the account password');
      assert.ok(p.firstClientPacket.includes(Buffer.from(user)), 'it was a login of this account');
    } finally {
      await relay.close();
      await applyAccountTls(admin, acct, { type: 'NONE' });
    }
  });

  test('REQUIRE SSL: plaintext refused, TLS works', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'SSL' });
    assert.equal(r.statement.sql, `ALTER USER '${user}'@'%' REQUIRE SSL`);
    assert.deepEqual(r.before.requirement, { type: 'NONE' });
    assert.deepEqual(r.after.requirement, { type: 'SSL' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'SSL' }, grants: { runner: admin, accountHost: '%' } });
    assert.deepEqual(
      v.attempts.map((a) => `${a.name}:${a.outcome}:${a.cause ?? ''}`),
      ['plaintext:refused:account-requires-tls', 'tls:accepted:'],
    );
    assert.equal(v.requirement?.ok, true);
    assert.equal(v.ok, true);
  });

  test('REQUIRE X509: TLS without a client certificate refused, with one accepted', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'X509' });
    assert.deepEqual(r.after.requirement, { type: 'X509' });
    const v = await verifyAccountTls({ ...base, requirement: { type: 'X509' }, clientCertificate });
    assert.deepEqual(
      v.attempts.map((a) => `${a.name}:${a.outcome}`),
      ['plaintext:refused', 'tls-without-client-cert:refused', 'tls-with-client-cert:accepted'],
    );
    // A wrong password looks the same to the server, so the cause says both (see classifyError).
    assert.equal(v.attempts[1]!.cause, 'access-denied');
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
    assert.deepEqual(
      v.attempts.map((a) => `${a.name}:${a.outcome}`),
      ['plaintext:refused', 'tls-without-client-cert:refused', 'tls-with-client-cert:refused'],
    );
  });

  test('back to REQUIRE NONE; unknown accounts are reported', async () => {
    const r = await applyAccountTls(admin, acct, { type: 'NONE' });
    assert.deepEqual(r.after.requirement, { type: 'NONE' });
    await assert.rejects(
      applyAccountTls(admin, { user: `${user}_missing`, host: '%' }, { type: 'SSL' }),
      (e: unknown) => e instanceof MysqlTlsError && e.field === 'user',
    );
  });
});

describe('account SQL holds under NO_BACKSLASH_ESCAPES', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  let admin: Session;
  const tricky = `${throwawayUser('bs')}\\q'x`;
  before(async () => {
    admin = await rootSession(sb, 'tls');
  });
  after(async () => {
    await admin?.query('SET SESSION sql_mode = DEFAULT');
    await admin?.query(`DROP USER IF EXISTS ${accountName({ user: tricky, host: '%' })}`).catch(() => undefined);
    await admin?.close();
  });

  for (const mode of ['NO_BACKSLASH_ESCAPES', 'DEFAULT'] as const) {
    test(`sql_mode ${mode}: an injected account name finds no account`, async () => {
      await admin.query(mode === 'DEFAULT' ? 'SET SESSION sql_mode = DEFAULT' : "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
      for (const user of ["\\' OR 1=1 -- ", "' OR 1=1 -- ", "\\' OR User <> '' -- "]) {
        assert.equal(await readAccountTls(admin, { user, host: '%' }), undefined, user);
        assert.equal(await readAccountTls(admin, { user: 'app_none', host: user }), undefined, user);
      }
      assert.equal((await readAccountTls(admin, { user: 'app_ssl', host: '%' }))?.requirement.type, 'SSL', 'a real account is still found');
    });
  }

  test('a name with a backslash and a quote round-trips through ALTER USER in both modes', async () => {
    await admin.query("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'");
    await admin.query(
      `CREATE USER ${accountName({ user: tricky, host: '%' }, { noBackslashEscapes: true })} IDENTIFIED BY 'x-${randomBytes(6).toString('hex')}'`,
    );
    const nbe = await applyAccountTls(admin, { user: tricky, host: '%' }, { type: 'SSL' });
    assert.equal(nbe.after.user, tricky);
    assert.deepEqual(nbe.after.requirement, { type: 'SSL' });
    await admin.query('SET SESSION sql_mode = DEFAULT');
    const def = await applyAccountTls(admin, { user: tricky, host: '%' }, { type: 'NONE' });
    assert.equal(def.after.user, tricky);
    assert.deepEqual(def.after.requirement, { type: 'NONE' });
  });
});
