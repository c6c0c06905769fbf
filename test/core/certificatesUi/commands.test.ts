/**
 * The certificate and server commands driven through the extension in the fake VS Code (the same stand-in
 * the activation test uses), against the sandbox: each wizard answered step by step, then the files,
 * settings, secrets and server state checked for what the user asked for.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Session } from '../../../src/core/mysql/session';
import { loadSandbox } from '../../helpers/sandbox';
import { tempDir } from '../certificates/fixtures';
import { rootSession, throwawayUser } from '../server/sandboxAdmin';
import { KEEP, startCommandHarness, type CommandHarness } from './commandHarness';
import { storedSecret } from '../extension/fakeVscode';

describe('certificate and server commands in a fake VS Code, against the sandbox', () => {
  const sb = loadSandbox();
  const tmp = tempDir('mysql-tls-certui-');
  const rootEntry = {
    id: 'root',
    name: 'Sandbox root',
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.admin.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  const appEntry = { id: 'app', name: 'Sandbox app', host: sb.host, port: sb.servers.tls.port, user: 'app_ssl', ssl: { mode: 'REQUIRED' } };
  let h: CommandHarness;
  let root: Session;
  const cleanupUsers: string[] = [];

  before(async () => {
    h = startCommandHarness({
      storageDir: tmp.dir,
      connections: [rootEntry, appEntry],
      secrets: { 'root/password': sb.admin.password, 'app/password': sb.accounts.app_ssl!.password },
    });
    root = await rootSession(sb, 'tls');
  });

  after(async () => {
    for (const u of cleanupUsers) await root.query(`DROP USER IF EXISTS '${u}'@'%'`).catch(() => undefined);
    await root?.close();
    await h?.dispose();
    tmp.remove();
  });

  // Read as the preview shows it: reports backslash-escape Markdown punctuation in server and user values.
  const lastReport = (): string => h.reports[h.reports.length - 1]!.text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
  const run = (id: string, ...args: unknown[]): Promise<unknown> => h.run(id, ...args);

  it('Generate Certificates writes the set, opens the server snippet and creates a VERIFY_IDENTITY profile with the passphrase in the secret store', async () => {
    const out = path.join(tmp.dir, 'generated');
    h.openDialogAnswers.push(out);
    h.fake.inputs.push('RSA 2048', '30', 'localhost, 127.0.0.1', KEEP, KEEP, 'app_x509', 'gen-pass-1', 'Also write client.p12', '');
    h.fake.answers.push({ pattern: /certificates written to/, item: 'Create Connection Profile' });
    h.fake.inputs.push('Generated', KEEP, '3306', KEEP);
    await run('mysqlTls.generateCertificates');

    for (const f of ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem', 'client-cert.pem', 'client-key.pem', 'client.p12', 'mysqld-tls.cnf']) {
      assert.ok(statSync(path.join(out, f)).isFile(), `${f} written`);
    }
    assert.equal(statSync(path.join(out, 'client-key.pem')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(out, 'client-key.pem'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
    const snippet = h.untitled.find((d) => d.language === 'ini');
    assert.ok(snippet?.content?.includes(`ssl_cert = ${path.join(out, 'server-cert.pem')}`), 'the [mysqld] snippet opens as an ini document');

    const entry = h.connections().find((c) => c.name === 'Generated') as
      { id: string; host: string; port: number; user: string; ssl: Record<string, string> } | undefined;
    assert.ok(entry, 'the profile is in the workspace settings');
    assert.deepEqual({ host: entry.host, port: entry.port, user: entry.user }, { host: 'localhost', port: 3306, user: 'app_x509' });
    assert.deepEqual(entry.ssl, {
      mode: 'VERIFY_IDENTITY',
      ca: path.join(out, 'ca.pem'),
      cert: path.join(out, 'client-cert.pem'),
      key: path.join(out, 'client-key.pem'),
    });
    assert.equal(storedSecret(h.fake, 'workspace', String(entry.id), 'passphrase')?.value, 'gen-pass-1');
    assert.ok(!JSON.stringify(h.fake.settings).includes('gen-pass-1'), 'no passphrase in settings');
    assert.ok(!h.fake.logLines.join('\n').includes('gen-pass-1'), 'no passphrase in the log');

    // The CNs were prefilled distinct: CA "MySQL TLS CA", server "localhost".
    await run('mysqlTls.inspectCertificate', path.join(out, 'server-cert.pem'));
    assert.match(lastReport(), /Subject: CN=localhost/);
    assert.match(lastReport(), /Issuer: CN=MySQL TLS CA/);
    assert.match(lastReport(), /IP Address:127\.0\.0\.1/);
  });

  it('Generate Certificates asks before overwriting and leaves the files alone when declined', async () => {
    const out = path.join(tmp.dir, 'generated');
    const before = readFileSync(path.join(out, 'ca.pem'), 'utf8');
    h.openDialogAnswers.push(out);
    h.fake.inputs.push('ECDSA P-256', '30', 'db.example.com', KEEP, KEEP, KEEP, '');
    const notes = h.fake.notifications.length;
    await run('mysqlTls.generateCertificates');
    const asked = h.fake.notifications.slice(notes).find((n) => /Replace \d+ existing file/.test(n.message));
    assert.ok(asked, 'a confirmation was shown');
    assert.deepEqual(asked.items, ['Overwrite']);
    assert.equal(readFileSync(path.join(out, 'ca.pem'), 'utf8'), before, 'ca.pem unchanged');
    assert.equal(h.fake.inputs.length, 0);
  });

  it('Inspect asks for the passphrase of an encrypted key only when needed, again after a wrong one', async () => {
    const key = path.join(tmp.dir, 'generated', 'client-key.pem');
    h.fake.inputs.push('wrong-pass', 'gen-pass-1');
    await run('mysqlTls.inspectCertificate', { fsPath: key, scheme: 'file' });
    assert.equal(h.fake.inputs.length, 0, 'both passphrase prompts were shown');
    assert.match(lastReport(), /RSA 2048 bits \(encrypted\)/);
    // A plain certificate asks nothing.
    await run('mysqlTls.inspectCertificate', sb.certs.ca);
    assert.match(lastReport(), /Certificate 1: mysql-tls sandbox CA/);
  });

  it('Import CA Bundle shows the certificates, writes the normalized PEM and attaches it to a connection', async () => {
    const bundle = path.join(tmp.dir, 'provider-bundle.crt');
    writeFileSync(bundle, readFileSync(sb.certs.ca, 'utf8') + '\n' + readFileSync(sb.certs.otherCa, 'utf8'));
    const dest = path.join(tmp.dir, 'cas');
    h.openDialogAnswers.push(bundle, dest);
    h.fake.inputs.push('Import 2 certificate(s)', 'Choose a folder…', 'Sandbox app');
    h.fake.answers.push({ pattern: /CA certificate\(s\) written to/, item: 'Attach to Connection' });
    await run('mysqlTls.importCaBundle');
    const written = path.join(dest, 'provider-bundle.pem');
    const pem = readFileSync(written, 'utf8');
    assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 2);
    assert.match(pem, /# Subject: O=mysql-tls sandbox, CN=mysql-tls sandbox CA/);
    const app = h.connections().find((c) => c.id === 'app') as { ssl: Record<string, string> };
    assert.equal(app.ssl.ca, written);
    assert.equal(app.ssl.mode, 'REQUIRED', 'the mode is left as it was');
    assert.ok(
      h.fake.notifications.some((n) => /does not verify the server/.test(n.message)),
      'and the user is told REQUIRED does not use the CA',
    );
  });

  it('Import CA Bundle writes exactly the certificates it showed, even if the file is swapped after the preview', async () => {
    const bundle = path.join(tmp.dir, 'swap-bundle.crt');
    writeFileSync(bundle, readFileSync(sb.certs.ca, 'utf8'));
    const dest = path.join(tmp.dir, 'cas-swap');
    h.openDialogAnswers.push(bundle, dest);
    h.fake.inputs.push('Import 1 certificate(s)', 'Choose a folder…');
    const win = h.fake.module.window as { showQuickPick: (items: unknown, o?: { placeHolder?: string }) => Promise<unknown> };
    const original = win.showQuickPick;
    win.showQuickPick = async (items, o) => {
      // While the user looks at the preview, the file is replaced by another CA.
      if (o?.placeHolder === 'Check the certificates, then import') writeFileSync(bundle, readFileSync(sb.certs.otherCa, 'utf8'));
      return original(items, o);
    };
    try {
      await run('mysqlTls.importCaBundle');
    } finally {
      win.showQuickPick = original;
    }
    const pem = readFileSync(path.join(dest, 'swap-bundle.pem'), 'utf8');
    assert.match(pem, /# Subject: O=mysql-tls sandbox, CN=mysql-tls sandbox CA/, 'the previewed CA was written');
    assert.equal(pem.match(/BEGIN CERTIFICATE/g)?.length, 1, 'and nothing else');
  });

  it('Import CA Bundle gives the keytool advice for a Java KeyStore', async () => {
    const jks = path.join(tmp.dir, 'truststore.jks');
    writeFileSync(jks, Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 0]));
    const notes = h.fake.notifications.length;
    await run('mysqlTls.importCaBundle', jks);
    const error = h.fake.notifications.slice(notes).find((n) => n.level === 'error');
    assert.ok(error, 'an error is shown');
    assert.match(error.message, /Java KeyStore/);
    assert.match(error.message, /keytool -exportcert -rfc/);
  });

  it('Audit Server TLS Setup reports require_secure_transport OFF with its fix', async () => {
    await run('mysqlTls.connect', 'root');
    await run('mysqlTls.auditServer', { connectionId: 'root' });
    assert.match(lastReport(), /# Server TLS audit: Sandbox root/);
    assert.match(lastReport(), /require_secure_transport = OFF/);
    assert.match(lastReport(), /\| CRITICAL \| Plaintext logins are accepted/);
  });

  it('Require TLS for Account shows the SQL, applies REQUIRE SSL and proves the plaintext login is refused', async () => {
    const user = throwawayUser('certui_ssl');
    const password = `Pw-${Date.now().toString(36)}`;
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    cleanupUsers.push(user);
    h.fake.inputs.push(`'${user}'@'%'`, 'SSL', password);
    h.fake.answers.push({ pattern: /Run this statement on Sandbox root/, item: 'Run' });
    const notes = h.fake.notifications.length;
    await run('mysqlTls.requireTlsForAccount', 'root');
    const confirm = h.fake.notifications.slice(notes).find((n) => /Run this statement/.test(n.message));
    assert.ok(confirm, 'a confirmation was shown');
    const { rows } = await root.query<{ ssl_type: string }[]>(
      "SELECT JSON_VALUE(Priv, '$.ssl_type') AS ssl_type FROM mysql.global_priv WHERE User = ? AND Host = '%'",
      [user],
    );
    assert.equal(Number(rows[0]!.ssl_type), 1, 'the account now has REQUIRE SSL');
    assert.match(lastReport(), new RegExp(`ALTER USER '${user}'@'%' REQUIRE SSL;`));
    assert.match(lastReport(), /\| plaintext \(throwaway password\) \| refused \| OK: refused/);
    assert.match(lastReport(), /\| grant tables \| REQUIRE SSL \| OK: REQUIRE SSL/);
    assert.match(lastReport(), /\| tls \| accepted \| OK: accepted/);
    const result = h.fake.notifications.slice(notes).find((n) => n.message.includes('now has REQUIRE SSL'));
    assert.equal(result?.level, 'info');
    assert.match(result!.message, /plaintext login refused, TLS login works/);
    assert.ok(!h.fake.logLines.join('\n').includes(password), 'the password is not logged');
    assert.ok(![...h.fake.secrets.values()].includes(password), 'nor stored');
  });

  it('Require TLS for Account prefills ISSUER and SUBJECT from a client certificate file', async () => {
    const user = throwawayUser('certui_subj');
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'x-${Date.now()}'`);
    cleanupUsers.push(user);
    h.openDialogAnswers.push(sb.certs.clientCert);
    h.fake.inputs.push(`'${user}'@'%'`, 'ISSUER + SUBJECT', 'From a client certificate file…', KEEP, KEEP, undefined);
    h.fake.answers.push({ pattern: /Run this statement on Sandbox root/, item: 'Run' });
    await run('mysqlTls.requireTlsForAccount', 'root');
    const { rows } = await root.query<{ issuer: string; subject: string }[]>(
      "SELECT JSON_VALUE(Priv, '$.x509_issuer') AS issuer, JSON_VALUE(Priv, '$.x509_subject') AS subject FROM mysql.global_priv WHERE User = ? AND Host = '%'",
      [user],
    );
    assert.deepEqual(rows[0], { issuer: sb.certs.caSubject, subject: sb.certs.clientSubject });
    assert.match(lastReport(), /follow-up login check was skipped/);
  });
});
