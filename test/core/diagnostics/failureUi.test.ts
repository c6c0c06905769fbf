/**
 * The failure UI in a fake VS Code against the real sandbox: the error notification's button runs the fix
 * (no second toast), "Show Server Certificate…" fetches and shows what the server presented only after a
 * failed check, and "Trust this CA…" never trusts silently (a modal with the fingerprint, a file the user
 * picks) and writes ssl.ca only to the scope the connection comes from: a workspace connection's failure never
 * writes the user settings.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret, storedSecret, type Notification } from '../extension/fakeVscode';

const root = path.resolve(__dirname, '../../../..');
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('failure diagnostics in the extension (fake VS Code, real sandbox)', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-diag-'));
  let ext: typeof import('../../../src/extension');
  // The tls server checked with an unrelated CA: the server sends its own CA in the chain.
  const otherCa = {
    id: 'other',
    name: 'Other CA',
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.otherCa },
  };
  const wrongPassword = {
    id: 'wp',
    name: 'Wrong password',
    host: sb.host,
    port: sb.servers.tls.port,
    user: 'app_ssl',
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  const userEntry = { id: 'mine', name: 'Mine', host: sb.host, port: sb.servers.tls.port, user: 'app_none', ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } };
  const sandboxCaFingerprint = new X509Certificate(readFileSync(sb.certs.ca)).fingerprint256;

  const since = (n: number): Notification[] => fake.notifications.slice(n);
  async function until(what: string, done: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !done(); i++) await tick();
    assert.ok(done(), `waited for ${what}`);
  }

  before(async () => {
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: dir } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [userEntry];
    fake.settings.workspace['mysqlTls.connections'] = [otherCa, wrongPassword];
    await seedBoundSecret(fake, 'workspace', otherCa, 'password', sb.accounts.app_none!.password);
    await seedBoundSecret(fake, 'workspace', wrongPassword, 'password', 'not-the-password');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate({ ...fakeExtensionContext(fake), extensionUri: { fsPath: root, toString: () => `file://${root}` } } as never);
    await tick();
  });

  after(async () => {
    await ext.deactivate();
    uninstall();
    rmSync(dir, { recursive: true, force: true });
  });

  it('before any failure, Show Server Certificate fetches nothing', async () => {
    const n = fake.notifications.length;
    await fake.commands.get('mysqlTls.showPresentedCertificate')!('other');
    assert.equal(fake.webviews.length, 0, 'no panel, no second handshake');
    assert.match(since(n)[0]!.message, /fetched only after a failed certificate check/);
  });

  it('a wrong password: the toast names it and its button runs Set Password (no toast after the toast)', async () => {
    const n = fake.notifications.length;
    fake.answers.push({ pattern: /^Access denied: wrong user name or password/, item: 'Set Password…' });
    fake.inputs.push('the-new-password');
    await fake.commands.get('mysqlTls.connect')!('wp');
    await until('the new password to be stored', () => storedSecret(fake, 'workspace', 'wp', 'password')?.value === 'the-new-password');
    const shown = since(n);
    const error = shown.find((x) => x.level === 'error')!;
    assert.match(error.message, /^Access denied: wrong user name or password: Access denied for user 'app_ssl'/);
    assert.deepEqual(error.items, ['Set Password…', 'Details']);
    assert.ok(!shown.some((x) => /^Fix: /.test(x.message)), 'no second notification repeating the fix');
  });

  it('a wrong CA: the button is Show Server Certificate…, which opens the presented certificate', async () => {
    const n = fake.notifications.length;
    fake.answers.push({ pattern: /^The server certificate was not signed by the configured CA/, item: 'Show Server Certificate…' });
    await fake.commands.get('mysqlTls.connect')!('other');
    await until('the panel', () => fake.webviews.length === 1 && fake.webviews[0]!.html.includes('Presented chain'));
    const error = since(n).find((x) => x.level === 'error')!;
    assert.deepEqual(error.items, ['Show Server Certificate…', 'Details']);
    const panel = fake.webviews[0]!;
    assert.equal(panel.title, 'Server Certificate: Other CA');
    assert.match(panel.html, /Fetched with a second handshake that verified nothing and sent no credentials\./);
    assert.match(panel.html, /data-relation="sent-ca"/);
    assert.match(panel.html, /Does not chain to the configured CA; chains to a CA the server sent itself \(mysql-tls sandbox CA\)/);
    assert.ok(panel.html.includes(sandboxCaFingerprint));
    assert.match(panel.html, /data-action="trustCa"/);
  });

  it('Trust this CA, declined in the modal: nothing is written', async () => {
    const userBefore = JSON.stringify(fake.settings.user);
    const workspaceBefore = JSON.stringify(fake.settings.workspace);
    const n = fake.notifications.length;
    fake.saveDialogs.push(path.join(dir, 'declined.pem'));
    const trusted = await fake.commands.get('mysqlTls.trustPresentedCa')!('other');
    assert.equal(trusted, false);
    const modal = since(n).find((x) => x.modal)!;
    assert.equal(modal.message, 'Trust this CA for "Other CA"?');
    assert.ok(modal.detail!.includes(`SHA-256 fingerprint: ${sandboxCaFingerprint}`));
    assert.equal(fake.saveDialogs.length, 1, 'no save dialog before the modal is confirmed');
    fake.saveDialogs.length = 0;
    assert.equal(existsSync(path.join(dir, 'declined.pem')), false);
    assert.equal(JSON.stringify(fake.settings.user), userBefore);
    assert.equal(JSON.stringify(fake.settings.workspace), workspaceBefore);
  });

  it('Trust this CA, confirmed: saves the PEM where the user picked, sets ssl.ca in the workspace entry only, and the connection verifies', async () => {
    const userBefore = JSON.stringify(fake.settings.user);
    const file = path.join(dir, 'certs-server-ca.pem');
    fake.answers.push({ pattern: /^Trust this CA for "Other CA"/, item: 'Trust and Save…' });
    fake.saveDialogs.push(file);
    // The panel's button, as the webview posts it.
    fake.webviews[0]!.receive({ type: 'action', action: 'trustCa' });
    await until('ssl.ca to change', () =>
      (fake.settings.workspace['mysqlTls.connections'] as { id: string; ssl: { ca: string } }[]).some((e) => e.id === 'other' && e.ssl.ca === file),
    );
    assert.equal(new X509Certificate(readFileSync(file)).fingerprint256, sandboxCaFingerprint, 'the saved file is the CA the modal showed');
    const entry = (fake.settings.workspace['mysqlTls.connections'] as { id: string; ssl: Record<string, unknown> }[]).find((e) => e.id === 'other')!;
    assert.deepEqual(entry.ssl, { mode: 'VERIFY_IDENTITY', ca: file });
    assert.equal(JSON.stringify(fake.settings.user), userBefore, 'the user settings are untouched');

    const ok = await fake.commands.get('mysqlTls.testConnection')!('other');
    assert.equal(ok, true);
    assert.ok(fake.notifications.some((x) => /^Other CA: connection works: TLSv1\.[23] .*, encrypted, chain and host name verified\.$/.test(x.message)));
  });

  it('a webview message that is not a known action does nothing', async () => {
    const before = fake.notifications.length;
    fake.webviews[0]!.receive({ type: 'action', action: 'mysqlTls.removeConnection' });
    await tick();
    assert.equal(fake.notifications.length, before);
  });
});
