/**
 * Issue 5 "done", through the commands: a MariaDB server without TLS is audited, a certificate set is
 * generated with the wizard (plus a connection profile for the client certificate), the server is
 * restarted with the [mysqld] snippet the wizard opened, the account is switched to REQUIRE X509 with the
 * follow-up login checks, and the generated profile connects in VERIFY_IDENTITY with its client certificate.
 * Only the server restart (and creating the accounts) happens outside the extension.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CertificateSet } from '../../../src/core/certificates/generateSet';
import { tempDir } from '../certificates/fixtures';
import { ExtraServer } from '../server/extraServer';
import { KEEP, startCommandHarness, type CommandHarness } from './commandHarness';
import { seedBoundSecret, storedSecret } from '../extension/fakeVscode';

/** `key = value` lines of a [mysqld] snippet as mariadbd command-line options. */
function snippetToArgs(snippet: string): string[] {
  return snippet
    .split('\n')
    .map((l) => /^\s*([a-z_]+)\s*=\s*(.+?)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `--${m[1]!.replace(/_/g, '-')}=${m[2]!.replace(/^"(.*)"$/, '$1')}`);
}

describe('from a plaintext server to REQUIRE X509 and VERIFY_IDENTITY with the commands', { timeout: 120_000 }, () => {
  const tmp = tempDir('mysql-tls-certui-done-');
  const adminPassword = randomBytes(12).toString('base64url');
  const appPassword = randomBytes(12).toString('base64url');
  let server: ExtraServer;
  let h: CommandHarness;
  let set: CertificateSet;

  before(async () => {
    server = await ExtraServer.create();
    await server.start();
    await server.admin("CREATE USER 'ui_admin'@'127.0.0.1' IDENTIFIED BY ?", [adminPassword]);
    await server.admin("GRANT ALL PRIVILEGES ON *.* TO 'ui_admin'@'127.0.0.1' WITH GRANT OPTION");
    await server.admin("CREATE USER 'ui_app'@'%' IDENTIFIED BY ?", [appPassword]);
    h = startCommandHarness({
      storageDir: tmp.dir,
      connections: [{ id: 'admin', name: 'Admin', host: '127.0.0.1', port: server.port, user: 'ui_admin', ssl: { mode: 'PREFERRED' } }],
      secrets: { 'admin/password': adminPassword },
    });
    h.fake.answers.push({ pattern: /is not connected/, item: 'Connect' });
  });
  after(async () => {
    await h?.dispose();
    await server?.destroy();
    tmp.remove();
  });
  // Read as the preview shows it: reports backslash-escape Markdown punctuation in server and user values.
  const lastReport = (): string => h.reports[h.reports.length - 1]!.text.replace(/\\([!-/:-@[-`{-~])/g, '$1');

  test('1. the audit of the plaintext server says TLS is not available', async () => {
    await h.run('mysqlTls.auditServer', 'admin');
    assert.match(lastReport(), /\| CRITICAL \| [^|]*TLS[^|]* \| [^|]*have_ssl = DISABLED/);
  });

  test('2. the wizard writes the set and a VERIFY_IDENTITY profile for the client certificate', async () => {
    h.openDialogAnswers.push(path.join(tmp.dir, 'certs'));
    h.fake.inputs.push('RSA 2048', '90', 'localhost, 127.0.0.1', KEEP, KEEP, 'ui_app', 'client key pass', 'No PKCS#12 file');
    h.fake.answers.push({ pattern: /certificates written to/, item: 'Create Connection Profile' });
    h.fake.inputs.push('Generated app', '127.0.0.1', String(server.port), KEEP);
    set = (await h.run('mysqlTls.generateCertificates')) as CertificateSet;
    assert.ok(set?.files.ca, 'the wizard finished');
    const entry = h.connections().find((c) => c.name === 'Generated app') as { id: string; ssl: Record<string, string> };
    assert.equal(entry.ssl.mode, 'VERIFY_IDENTITY');
    assert.equal(entry.ssl.cert, set.files.clientCert);
    assert.equal(storedSecret(h.fake, 'workspace', String(entry.id), 'passphrase')?.value, 'client key pass');
  });

  test('3. restarted with the snippet the wizard opened, the server offers TLS', async () => {
    const snippet = h.untitled.find((d) => d.language === 'ini')?.content ?? '';
    const args = snippetToArgs(snippet);
    assert.deepEqual(
      args.map((a) => a.split('=')[0]),
      ['--ssl-ca', '--ssl-cert', '--ssl-key', '--tls-version'],
    );
    await h.registry.disconnect('admin');
    await server.stop();
    await server.start(args);
    await h.run('mysqlTls.connect', 'admin');
    await h.run('mysqlTls.auditServer', 'admin');
    assert.match(lastReport(), /\| OK \| TLS is available/);
  });

  test('4. REQUIRE X509 for the account, checked with real logins using the generated client certificate', async () => {
    h.fake.inputs.push("'ui_app'@'%'", 'X509', appPassword);
    h.fake.answers.push({ pattern: /Run this statement on Admin/, item: 'Run' });
    const notes = h.fake.notifications.length;
    await h.run('mysqlTls.requireTlsForAccount', 'admin');
    const report = lastReport();
    assert.match(report, /ALTER USER 'ui_app'@'%' REQUIRE X509;/);
    assert.match(report, /\| plaintext \(throwaway password\) \| refused \| OK: refused/);
    assert.match(report, /\| grant tables \| REQUIRE X509 \| OK: REQUIRE X509/);
    assert.match(report, /\| tls-without-client-cert \| refused \| OK: refused/);
    assert.match(report, /\| tls-with-client-cert \| accepted \| OK: accepted/);
    assert.match(report, /settings \(CA, client certificate\) of the connection "Generated app"/);
    const result = h.fake.notifications.slice(notes).find((n) => n.message.includes('now has REQUIRE X509'));
    assert.equal(result?.level, 'info', result?.message);
  });

  test('5. the generated profile connects in VERIFY_IDENTITY with its client certificate', async () => {
    const entry = h.connections().find((c) => c.name === 'Generated app') as { id: string };
    await seedBoundSecret(h.fake, 'workspace', entry as never, 'password', appPassword); // what "Set Password" stores
    const status = (await h.run('mysqlTls.connect', entry.id)) as { report?: { security: string; clientCertificateSent?: boolean } };
    assert.equal(status.report?.security, 'verified-identity');
    const { rows } = await (status as unknown as { session: { query<T>(sql: string): Promise<{ rows: T }> } }).session.query<{ Value: string }[]>(
      "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    );
    assert.ok(rows[0]?.Value, 'the session is encrypted');
  });
});
