/**
 * MySQL's own login refusals, each classified with a cause and a fix (issue 15, items 3 and 9). MySQL 8
 * cannot be installed here: the server is the test double in test/helpers/mysql8/server.ts, which sends
 * the error packets MySQL sends, in the order its sql_authentication.cc checks them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryable } from '../../../src/core/connections/resilience';
import { CAUSES } from '../../../src/core/errors';
import { withDouble, loginOutcome } from '../../helpers/mysql8/testing';
import type { DoubleAccount } from '../../helpers/mysql8/server';

const pw = 'Secret-pw-1';
const tlsOn = { mode: 'REQUIRED' } as const;

describe('MySQL login refusals on the double: a cause and a fix, not "unknown"', { timeout: 60_000 }, () => {
  const cases: {
    name: string;
    flavour: '8.0.36' | '8.4.3' | '9.1.0';
    account: Partial<DoubleAccount>;
    server?: { offlineMode?: boolean };
    errno: number;
    cause: string;
    fix: RegExp;
  }[] = [
    {
      name: '1524 native password not loaded (8.4)',
      flavour: '8.4.3',
      account: { plugin: 'mysql_native_password' },
      errno: 1524,
      cause: 'auth-plugin-not-loaded',
      fix: /IDENTIFIED WITH caching_sha2_password/,
    },
    {
      name: '1524 native password not loaded (9.1)',
      flavour: '9.1.0',
      account: { plugin: 'mysql_native_password' },
      errno: 1524,
      cause: 'auth-plugin-not-loaded',
      fix: /caching_sha2_password/,
    },
    { name: '3118 account locked', flavour: '8.0.36', account: { locked: true }, errno: 3118, cause: 'account-locked', fix: /ACCOUNT UNLOCK/ },
    {
      name: '1862 password expired',
      flavour: '8.0.36',
      account: { passwordExpired: true },
      errno: 1862,
      cause: 'password-expired',
      fix: /connect-expired-password/,
    },
    { name: '3032 offline mode', flavour: '8.0.36', account: {}, server: { offlineMode: true }, errno: 3032, cause: 'server-offline', fix: /offline_mode/ },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.cause}, not retried`, () =>
      withDouble({ flavour: c.flavour, accounts: [{ user: 'app', password: pw, ...c.account }], ...(c.server ?? {}) }, async (f) => {
        const { outcome, error } = await loginOutcome(f, 'app', pw, tlsOn);
        assert.equal(f.double.connections.at(-1)!.outcome, c.errno, 'the double sent the error under test');
        assert.equal(outcome, c.cause, error?.message);
        assert.match(error!.fix, c.fix);
        assert.ok(!error!.explain().includes(pw), 'no password in the error');
        assert.equal(isRetryable(error!), false);
      }));
  }

  it('the 1524 fix recommends caching_sha2_password and never re-enabling native passwords as the fix', () => {
    assert.match(CAUSES['auth-plugin-not-loaded'].fix, /caching_sha2_password/);
    assert.doesNotMatch(CAUSES['auth-plugin-not-loaded'].fix, /Use an account with mysql_native_password/);
    assert.doesNotMatch(CAUSES['auth-plugin-unsupported'].fix, /^Use an account with mysql_native_password/);
    assert.match(CAUSES['auth-plugin-unsupported'].fix, /caching_sha2_password on MySQL 8\.0 and later \(recommended\)/);
  });

  it('3955: FAILED_LOGIN_ATTEMPTS blocks the account; then even the right password gets 3955 -> account-blocked-failed-logins, not retried', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw, failedLoginAttempts: 2 }] }, async (f) => {
      assert.equal((await loginOutcome(f, 'app', 'wrong-1', tlsOn)).outcome, 'access-denied');
      const blocked = await loginOutcome(f, 'app', 'wrong-2', tlsOn);
      assert.equal(f.double.connections.at(-1)!.outcome, 3955);
      assert.equal(blocked.outcome, 'account-blocked-failed-logins', blocked.error?.message);
      const right = await loginOutcome(f, 'app', pw, tlsOn);
      assert.equal(right.outcome, 'account-blocked-failed-logins');
      assert.match(right.error!.fix, /PASSWORD_LOCK_TIME/);
      assert.equal(isRetryable(right.error!), false);
    }));

  it('1040 before the greeting (no SQLSTATE marker) -> too-many-connections, retried with backoff', () =>
    withDouble({ flavour: '8.0.36', accounts: [{ user: 'app', password: pw }], maxConnections: 0 }, async (f) => {
      const { outcome, error } = await loginOutcome(f, 'app', pw, tlsOn);
      const raw = f.double.connections.at(-1)!;
      assert.equal(raw.outcome, 1040);
      assert.equal(outcome, 'too-many-connections', error?.message);
      assert.match(error!.fix, /max_connections/);
      assert.equal(isRetryable(error!), true);
    }));

  it('1820 (expired password, sandbox mode) is classified like 1862', async () => {
    // mysql2 does not announce CAN_HANDLE_EXPIRED_PASSWORDS, so MySQL answers 1862 at login; 1820 is what a
    // client in sandbox mode gets per statement. The driver error shape is mysql2's.
    const { classifyConnectError } = await import('../../../src/core/tls/classifyError');
    const { planTls } = await import('../../../src/core/tls/tlsPlan');
    const plan = await planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'REQUIRED' } }, secrets: {} });
    const e = Object.assign(new Error('You must reset your password using ALTER USER statement before executing this statement.'), {
      errno: 1820,
      code: 'ER_MUST_CHANGE_PASSWORD',
    });
    assert.equal(classifyConnectError(e, { plan, encrypted: true }).code, 'password-expired');
  });

  it("mysql2's MYSQL_CLEAR_PASSWORD_NOT_ENABLED has its own cause (covered by the earlier auth work)", async () => {
    const { classifyConnectError } = await import('../../../src/core/tls/classifyError');
    const { planTls } = await import('../../../src/core/tls/tlsPlan');
    const plan = await planTls({ profile: { host: 'db', user: 'u', ssl: { mode: 'DISABLED' } }, secrets: {} });
    const e = Object.assign(new Error('Authentication with mysql_clear_password is not enabled'), { code: 'MYSQL_CLEAR_PASSWORD_NOT_ENABLED' });
    const c = classifyConnectError(e, { plan, encrypted: false });
    assert.equal(c.code, 'clear-password-needs-tls');
    assert.equal(isRetryable(c), false);
  });

  it('checks after the password, in MySQL order: offline, REQUIRE (1045), locked, require_secure_transport, expired', () =>
    withDouble(
      {
        flavour: '8.0.36',
        tls: false,
        accounts: [{ user: 'all', password: pw, plugin: 'mysql_native_password', require: 'SSL', locked: true, passwordExpired: true }],
        offlineMode: true,
        requireSecureTransport: true,
      },
      async (f) => {
        const seen: number[] = [];
        const next = async (): Promise<void> => {
          await loginOutcome(f, 'all', pw, { mode: 'DISABLED' });
          seen.push(f.double.connections.at(-1)!.outcome as number);
        };
        await next();
        f.double.settings.offlineMode = false;
        await next();
        f.double.accounts[0]!.require = 'NONE';
        await next();
        f.double.accounts[0]!.locked = false;
        await next();
        f.double.settings.requireSecureTransport = false;
        await next();
        assert.deepEqual(seen, [3032, 1045, 3118, 3159, 1862]);
        // A wrong password is 1045 whatever else holds.
        f.double.settings.offlineMode = true;
        await loginOutcome(f, 'all', 'wrong', { mode: 'DISABLED' });
        assert.equal(f.double.connections.at(-1)!.outcome, 1045);
      },
    ));
});

describe('require_secure_transport (3159) is a confirmed refusal (issue 15, item 9)', { timeout: 30_000 }, () => {
  it('3159 arrives only after the password was accepted: server-requires-tls saying so, not the 1045 "either/or"', () =>
    withDouble(
      { flavour: '8.0.36', tls: false, accounts: [{ user: 'app', password: pw, plugin: 'mysql_native_password' }], requireSecureTransport: true },
      async (f) => {
        const right = await loginOutcome(f, 'app', pw, { mode: 'PREFERRED' });
        assert.equal(f.double.connections.at(-1)!.outcome, 3159);
        assert.equal(right.outcome, 'server-requires-tls');
        assert.match(right.error!.detail, /password was accepted/);
        assert.equal(isRetryable(right.error!), false);
        // The same server with a wrong password: 1045, and the classification stays the "either/or" one.
        const wrong = await loginOutcome(f, 'app', 'not-it', { mode: 'PREFERRED' });
        assert.equal(f.double.connections.at(-1)!.outcome, 1045);
        assert.equal(wrong.outcome, 'account-requires-tls');
      },
    ));
});
