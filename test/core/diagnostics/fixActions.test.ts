/**
 * Each failure carries the command that fixes it (the notification's button), and a wrong password on a
 * REQUIRE SSL account over TLS is headlined as a wrong password, not as a missing client certificate.
 * Real sandbox servers and accounts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { CAUSES, MysqlTlsError, type Cause } from '../../../src/core/errors';
import { fixActionFor, fixCommandArgs } from '../../../src/core/fixActions';
import { openSession } from '../../../src/core/mysql/session';
import type { SandboxDescription } from '../../../scripts/sandbox';
import { failure } from '../../helpers/failure';
import { clientCert, loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const root = path.resolve(__dirname, '../../../..');

describe('a wrong password on a REQUIRE SSL account (real sandbox)', () => {
  let sb: SandboxDescription;
  before(() => {
    sb = loadSandbox();
  });

  it('over TLS is "Access denied: wrong user name or password", names the user, and its fix is Set Password…', async () => {
    assert.equal(sb.accounts.app_ssl?.require, 'SSL');
    const { profile } = sandboxProfile(sb, 'tls', 'app_ssl', { mode: 'VERIFY_IDENTITY' });
    const error = await failure(openSession({ profile, secrets: { password: 'not-the-password' } }));
    assert.equal(error.code, 'access-denied');
    assert.equal(error.title, 'Access denied: wrong user name or password');
    assert.doesNotMatch(error.title, /client certificate/);
    assert.match(error.detail, /Access denied for user 'app_ssl'/);
    // Both causes are named, the wrong password first.
    assert.ok(error.fix.indexOf('Set the right password') < error.fix.indexOf('client certificate'), error.fix);
    assert.deepEqual(error.fixAction, { command: 'mysqlTls.setPassword', label: 'Set Password…', target: 'connection' });
    assert.deepEqual(fixCommandArgs(error.fixAction!, 'conn-1'), ['conn-1']);
    assert.ok(!error.message.includes('not-the-password'));
  });

  it('with no password stored, says so', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_ssl', { mode: 'VERIFY_IDENTITY' });
    const error = await failure(openSession({ profile, secrets: {} }));
    assert.equal(error.code, 'access-denied');
    assert.match(error.detail, /no password is stored for this connection$/);
  });

  it('with a client certificate (REQUIRE X509 account, wrong password): also access denied with Set Password…', async () => {
    const { profile } = sandboxProfile(sb, 'tls', 'app_x509', { mode: 'VERIFY_IDENTITY', ...clientCert(sb) });
    const error = await failure(openSession({ profile, secrets: { password: 'wrong' } }));
    assert.equal(error.code, 'access-denied');
    assert.equal(error.fixAction?.command, 'mysqlTls.setPassword');
  });
});

describe('the fix action of each failure', () => {
  let sb: SandboxDescription;
  before(() => {
    sb = loadSandbox();
  });

  it('real failures carry the command that fixes them', async () => {
    const cases: [string, () => Promise<unknown>, Cause, string, unknown[]][] = [
      [
        'wrong CA',
        () => openSession(sandboxProfile(sb, 'wrongca', 'app_none', { mode: 'VERIFY_IDENTITY' })),
        'tls-ca-mismatch',
        'mysqlTls.showPresentedCertificate',
        ['c'],
      ],
      [
        'expired',
        () => openSession(sandboxProfile(sb, 'expired', 'app_none', { mode: 'VERIFY_IDENTITY' })),
        'tls-cert-expired',
        'mysqlTls.showPresentedCertificate',
        ['c'],
      ],
      [
        'no CA in VERIFY_CA',
        () => openSession({ profile: { host: sb.host, port: sb.servers.tls.port, user: 'u', ssl: { mode: 'VERIFY_CA' } } }),
        'config-missing-ca',
        'mysqlTls.importCaBundle',
        [],
      ],
      [
        'ssl.ca missing',
        () => openSession({ profile: { host: sb.host, port: sb.servers.tls.port, user: 'u', ssl: { mode: 'VERIFY_CA', ca: '/nonexistent/ca.pem' } } }),
        'file-missing',
        'mysqlTls.editConnection',
        ['c', { field: 'ssl.ca' }],
      ],
      [
        'plaintext to a REQUIRE SSL account',
        () => {
          const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_ssl');
          return openSession({ profile: { ...profile, ssl: { mode: 'DISABLED' } }, secrets });
        },
        'account-requires-tls',
        'mysqlTls.editConnection',
        ['c', { field: 'ssl.mode' }],
      ],
      [
        'nothing listens',
        () => openSession({ profile: { host: sb.host, port: 1, user: 'u', ssl: { mode: 'DISABLED' } } }),
        'host-unreachable',
        'mysqlTls.editConnection',
        ['c', { field: 'host' }],
      ],
    ];
    for (const [name, attempt, cause, command, args] of cases) {
      const error = await failure(attempt());
      assert.equal(error.code, cause, name);
      assert.equal(error.fixAction?.command, command, name);
      assert.deepEqual(fixCommandArgs(error.fixAction!, 'c'), args, name);
    }
  });

  it('a key without its passphrase: Set Key Passphrase…', () => {
    assert.equal(new MysqlTlsError('key-needs-passphrase', 'x', 'ssl.key').fixAction?.label, 'Set Key Passphrase…');
  });

  it('every fix command is one the extension contributes (or a VS Code command), and labels say what they do', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const declared = new Set(pkg.contributes.commands.map((c) => c.command));
    for (const cause of Object.keys(CAUSES) as Cause[]) {
      const action = fixActionFor({ code: cause });
      if (!action) continue;
      assert.ok(declared.has(action.command) || action.command.startsWith('workbench.'), `${cause}: ${action.command} is not contributed`);
      assert.match(action.label, /…$/, `${cause}: the label names a command that asks something (${action.label})`);
      assert.notEqual(action.label, 'Show Fix');
    }
  });
});
