import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSession } from '../../../src/core/mysql/session';
import { failure } from '../../helpers/failure';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

/**
 * mysql_clear_password against a real server: the sandbox's app_pam account is MariaDB auth_pam with the
 * cleartext plugin, checked by pam_exec (scripts/sandbox.ts), the way PAM/LDAP and cloud IAM-token logins
 * work. The password goes out inside TLS only.
 */
describe('mysql_clear_password (auth_pam) on the sandbox', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  const account = sb.accounts.app_pam;

  it('the sandbox has the PAM account (root, auth_pam and pam_exec available)', () => {
    assert.ok(account, 'app_pam is missing: the sandbox needs root, /etc/pam.d and MariaDB auth_pam');
  });

  it('logs in over VERIFY_IDENTITY', async () => {
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_pam', { mode: 'VERIFY_IDENTITY' });
    const s = await openSession({ profile, secrets });
    try {
      const { rows } = await s.query<{ u: string }[]>('SELECT CURRENT_USER() AS u');
      assert.equal(rows[0]!.u, 'app_pam@%');
      assert.equal(s.report.encrypted, true);
    } finally {
      await s.close();
    }
  });

  it('a wrong password over TLS is refused by PAM', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_pam', { mode: 'VERIFY_IDENTITY' });
    const e = await failure(openSession({ profile, secrets: { password: 'not-the-pam-password' } }));
    assert.equal(e.code, 'access-denied', e.message);
  });

  for (const [server, mode] of [
    ['tls', 'DISABLED'],
    ['plain', 'PREFERRED'],
  ] as const) {
    it(`${mode} on the ${server} server: refused before the password leaves, with its own cause`, async () => {
      const { profile, secrets } = sandboxProfile(sb, server, 'app_pam', { mode });
      const e = await failure(openSession({ profile, secrets }));
      assert.equal(e.code, 'clear-password-needs-tls', e.message);
      assert.ok(!e.explain().includes(account!.password));
    });
  }
});
