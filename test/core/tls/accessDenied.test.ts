import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { classifyConnectError } from '../../../src/core/tls/classifyError';
import { planTls } from '../../../src/core/tls/tlsPlan';
import { failure } from '../../helpers/failure';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

/** Access-denied classification against the real sandbox: say only what the server's answer supports. */
describe('access denied on a TLS connection', { timeout: 60_000 }, () => {
  const sb = loadSandbox();

  it('a wrong password on a REQUIRE SSL account is access denied, not "the account requires X509"', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_ssl', { mode: 'VERIFY_IDENTITY' });
    const e = await failure(openSession({ profile, secrets: { password: 'not-the-password' } }));
    assert.equal(e.code, 'access-denied', e.message);
    assert.match(e.fix, /password/);
    assert.ok(!e.explain().includes('not-the-password'));
  });

  it('the right password on a REQUIRE X509 account without a certificate: the same answer, and the fix names the certificate', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_x509', { mode: 'VERIFY_IDENTITY' });
    const e = await failure(openSession({ profile, secrets }));
    assert.equal(e.code, 'access-denied', e.message);
    assert.match(e.fix, /ssl\.cert and ssl\.key/);
  });
});

describe("mysql2's own refusal of mysql_clear_password", () => {
  it('is its own cause, not a TLS handshake failure', async () => {
    const plan = await planTls({ profile: { host: '127.0.0.1', port: 3306, user: 'u', ssl: { mode: 'PREFERRED' } } });
    // Exactly what mysql2 3.24 throws (lib/commands/auth_switch.js) when no clear-password plugin is given.
    const driverError = Object.assign(
      new Error(
        'Server requested authentication using mysql_clear_password, which sends the password in plaintext over the network and is disabled by default. To enable it, set the `enableCleartextPlugin` option to `true` in your connection configuration, or provide a custom `mysql_clear_password` auth plugin via the `authPlugins` option. Only use this over a secure connection (TLS/SSL).',
      ),
      { code: 'MYSQL_CLEAR_PASSWORD_NOT_ENABLED', fatal: true },
    );
    const e = classifyConnectError(driverError, { plan, encrypted: false });
    assert.equal(e.code, 'clear-password-needs-tls');
    assert.match(e.fix, /TLS/);
  });
});
