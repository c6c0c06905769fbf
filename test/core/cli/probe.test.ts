import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

function probe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, 'probe', ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

function mariadbSslStatus(args: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) =>
    execFile('mariadb', [...args, '-N', '-e', "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version','Ssl_cipher')"], (err, stdout) => {
      if (err) return reject(err);
      resolve(
        Object.fromEntries(
          stdout
            .trim()
            .split('\n')
            .map((l) => l.split('\t') as [string, string]),
        ),
      );
    }),
  );
}

describe('mysql-tls probe (command line)', () => {
  const sb = loadSandbox();

  it('VERIFY_IDENTITY --json: negotiated protocol and cipher match the server and the mariadb client', async () => {
    const r = await probe(['--sandbox', 'tls:app_x509', '--ssl-mode', 'VERIFY_IDENTITY', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { ok, report } = JSON.parse(r.stdout);
    assert.equal(ok, true);
    assert.equal(report.security, 'verified-identity');
    assert.equal(report.protocol, report.server.sslVersion);
    assert.equal(report.cipher.name, report.server.sslCipher);
    const a = sb.accounts.app_x509!;
    const viaClient = await mariadbSslStatus([
      '--no-defaults',
      '-h',
      sb.host,
      '-P',
      String(sb.servers.tls.port),
      '-u',
      a.user,
      `-p${a.password}`,
      `--ssl-ca=${sb.certs.ca}`,
      `--ssl-cert=${sb.certs.clientCert}`,
      `--ssl-key=${sb.certs.clientKey}`,
      '--ssl-verify-server-cert',
    ]);
    assert.equal(report.protocol, viaClient.Ssl_version);
    assert.equal(report.cipher.name, viaClient.Ssl_cipher);
    assert.ok(!r.stdout.includes(a.password), 'the password is not printed');
  });

  it('text output names mode, protocol, cipher and agreement', async () => {
    const r = await probe(['--sandbox', 'tls:app_none', '--ssl-mode', 'verify-ca']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mode VERIFY_CA/);
    assert.match(r.stdout, /protocol\s+TLSv1\.[23] \(server: TLSv1\.[23]\) agree/);
    assert.match(r.stdout, /chain\s+verified \(enforced\)/);
  });

  it('explicit options and the password from an environment variable', async () => {
    const a = sb.accounts.app_none!;
    const r = await probe(
      [
        '--host',
        sb.host,
        '--port',
        String(sb.servers.tls.port),
        '--user',
        a.user,
        '--ssl-mode',
        'VERIFY_IDENTITY',
        '--ssl-ca',
        sb.certs.ca,
        '--tls-version',
        'TLSv1.2',
        '--password-env',
        'PROBE_PW',
        '--json',
      ],
      { PROBE_PW: a.password, MYSQL_PWD: '' },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).report.protocol, 'TLSv1.2');
  });

  it('a failure exits 1 and prints the cause and the fix', async () => {
    const r = await probe(['--sandbox', 'wrongca:app_none', '--ssl-mode', 'VERIFY_IDENTITY']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error \[tls-ca-mismatch\]/);
    assert.match(r.stderr, /fix: /);
    const j = await probe(['--sandbox', 'plain:app_none', '--ssl-mode', 'REQUIRED', '--json']);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).error.cause, 'server-no-tls');
  });

  it('usage errors exit 2', async () => {
    assert.equal((await probe(['--ssl-mode', 'SOMETIMES', '--no-password', '--user', 'x'])).code, 2);
    assert.equal((await probe(['--no-such-flag'])).code, 2);
  });
});
