/**
 * The probe command line against MySQL behaviour. MySQL cannot be installed here: the server is the double
 * in test/helpers/mysql8/server.ts (the MariaDB probe tests in test/core/cli stay against the real sandbox).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { withDouble } from '../../helpers/mysql8/testing';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');
const pw = 'Probe-pw-7';

function probe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [CLI, 'probe', '--json', '--password-env', 'DOUBLE_PW', '--timeout', '5000', ...args],
      { env: { ...process.env, DOUBLE_PW: pw }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('mysql-tls probe against the MySQL double', { timeout: 90_000 }, () => {
  it('8.4: VERIFY_CA connects through caching_sha2_password; the report agrees with the server and names the version', () =>
    withDouble({ flavour: '8.4.3', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      const r = await probe(['--host', '127.0.0.1', '--port', String(f.double.port), '--user', 'app', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', f.caFile]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const { report } = JSON.parse(r.stdout);
      assert.equal(report.security, 'verified-ca');
      assert.equal(report.serverVersion, '8.4.3');
      assert.equal(report.server.sslVersion, report.protocol);
      assert.equal(report.server.sslCipher, report.cipher.name);
      assert.ok(!r.stdout.includes(pw) && !r.stderr.includes(pw));
    }));

  it('a locked account and a native-password account on 9.1: exit 1 with their own causes', async () => {
    await withDouble(
      {
        flavour: '9.1.0',
        accounts: [
          { user: 'locked', password: pw, locked: true },
          { user: 'old', password: pw, plugin: 'mysql_native_password' },
        ],
      },
      async (f) => {
        for (const [user, cause] of [
          ['locked', 'account-locked'],
          ['old', 'auth-plugin-not-loaded'],
        ] as const) {
          const r = await probe(['--host', '127.0.0.1', '--port', String(f.double.port), '--user', user, '--ssl-mode', 'REQUIRED']);
          assert.equal(r.code, 1, r.stdout);
          assert.equal(JSON.parse(r.stdout).error.cause, cause);
        }
      },
    );
  });

  it('yaSSL 5.7.26: refused as a legacy server; the labelled override (--tls-version TLSv1,TLSv1.1 --ssl-cipher DEFAULT@SECLEVEL=0) connects', () =>
    withDouble({ flavour: '5.7.26-yassl', accounts: [{ user: 'app', password: pw }] }, async (f) => {
      const base = ['--host', '127.0.0.1', '--port', String(f.double.port), '--user', 'app', '--ssl-mode', 'VERIFY_CA', '--ssl-ca', f.caFile];
      const refused = await probe(base);
      assert.equal(refused.code, 1);
      assert.equal(JSON.parse(refused.stdout).error.cause, 'tls-legacy-server');
      const r = await probe([...base, '--tls-version', 'TLSv1,TLSv1.1', '--ssl-cipher', 'DEFAULT@SECLEVEL=0']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const { report } = JSON.parse(r.stdout);
      assert.equal(report.protocol, 'TLSv1.1');
      assert.ok(
        report.hints.some((h: string) => h.startsWith('INSECURE LEGACY OVERRIDE')),
        report.hints.join('\n'),
      );
    }));
});
