/**
 * The account-TLS login checks against MySQL behaviour (issue 15, item 9). MySQL cannot be installed here:
 * the server is the double in test/helpers/mysql8/server.ts. MySQL checks the password before REQUIRE and
 * require_secure_transport, so the throwaway-password plaintext attempt always meets 1045 (never 3159): the
 * account's password is never needed on plaintext to see the refusal, and 3159 reaches only a real login.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyAccountTls } from '../../../src/core/server/accountTls';
import { checkPlaintextLogin } from '../../../src/core/server/accountTlsChoices';
import { loginOutcome, withDouble } from '../../helpers/mysql8/testing';

const pw = 'Acct-pw-5';

describe('account TLS checks on the MySQL 8.0 double', { timeout: 60_000 }, () => {
  it('REQUIRE SSL on a require_secure_transport server: plaintext (throwaway) refused with 1045, TLS accepted; the real password never on plaintext', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, require: 'SSL' }], requireSecureTransport: true }, async (f) => {
      const v = await verifyAccountTls({
        host: '127.0.0.1',
        port: f.double.port,
        user: 'app',
        password: pw,
        requirement: { type: 'SSL' },
        ssl: { mode: 'VERIFY_CA', ca: f.caFile },
        connectTimeoutMs: 5000,
      });
      assert.deepEqual(
        v.attempts.map((a) => `${a.name}:${a.outcome}:${a.cause ?? ''}`),
        ['plaintext:refused:account-requires-tls', 'tls:accepted:'],
      );
      assert.equal(v.ok, true);
      const plain = f.double.connections.find((c) => !c.tls)!;
      assert.equal(plain.outcome, 1045, 'the throwaway password fails before REQUIRE or require_secure_transport are looked at');
      for (const c of f.double.connections.filter((c) => !c.tls)) assert.equal(c.raw.includes(Buffer.from(pw)), false);
      // caching_sha2_password asked for full authentication: the throwaway went RSA-encrypted, and was wrong.
      assert.equal(plain.authPath, 'full-rsa');
    }));

  it('checkPlaintextLogin on a caching_sha2_password account (MySQL 8 default): the throwaway is checked and refused, not an inconclusive "needs TLS"', () =>
    withDouble({ flavour: '8.4.3', accounts: [{ user: 'app', password: pw, require: 'SSL', cached: true }] }, async (f) => {
      const r = await checkPlaintextLogin({ host: '127.0.0.1', port: f.double.port, user: 'app', connectTimeoutMs: 5000 });
      assert.equal(r.outcome, 'refused-unconfirmed', r.detail);
      assert.equal(r.cause, 'account-requires-tls');
      assert.equal(f.double.connections.at(-1)!.outcome, 1045);
      assert.equal(f.double.connections.at(-1)!.raw.includes(Buffer.from(pw)), false);
    }));

  it('checkPlaintextLogin without the grant tables: refused but unconfirmed (1045 is ambiguous on MySQL too)', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, plugin: 'mysql_native_password' }], requireSecureTransport: true }, async (f) => {
      const r = await checkPlaintextLogin({ host: '127.0.0.1', port: f.double.port, user: 'app', connectTimeoutMs: 5000 });
      assert.equal(r.outcome, 'refused-unconfirmed');
      assert.equal(f.double.connections.at(-1)!.outcome, 1045);
      // The account's own password on plaintext is what meets 3159, and that refusal is final.
      const real = await loginOutcome(f, 'app', pw, { mode: 'DISABLED' });
      assert.equal(real.outcome, 'server-requires-tls');
    }));
});
