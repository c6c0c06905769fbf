/**
 * Failure diagnostics as a user meets them: a failed certificate check's toast has a "Show Server Certificate…"
 * button that opens what the server presented (a wrong-CA server; a MySQL auto-generated certificate with its
 * advice), and "Trust this CA…" shows the fingerprint in a modal, saves the CA where the user picks, sets ssl.ca
 * in the workspace settings, and the connection then verifies. The auto-generated certificate is served by a
 * private MariaDB (test/core/server/extraServer.ts) with a chain named like MySQL's.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { passwordFor, storeWorkspacePassword } from '../../scripts/demo/workspace';
import { createCa, distinguishedName, issueCertificate } from '../../src/core/certificates/generate';
import { ExtraServer } from '../core/server/extraServer';
import {
  chooseFileInDialog,
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  readSettings,
  runCommand,
  screenshot,
  startE2e,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

const AUTO_USER = 'diag_auto';
const AUTO_PASSWORD = 'diag-auto-e2e';

async function step<T>(page: Page, shot: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await screenshot(page, shot);
  }
}

describe('e2e failure diagnostics', () => {
  let env: E2eEnv;
  let page: Page;
  let extra: ExtraServer;
  let autoCa: string;

  const webviewBody = (): ReturnType<FrameLocator['locator']> => page.frameLocator('iframe.webview').last().frameLocator('#active-frame').locator('body');

  async function connectAndShowCertificate(name: string, toastText: RegExp): Promise<void> {
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, name, 'Connect: choose the connection');
    const toast = notification(page, toastText).first();
    await toast.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await toast.getByRole('button', { name: 'Show Server Certificate…' }).click();
    await page
      .getByRole('tab', { name: new RegExp(`Server Certificate: ${name}`) })
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await webviewBody().filter({ hasText: 'Presented chain' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  }

  before(async () => {
    // A MariaDB presenting a chain named like MySQL's auto-generated one (no subjectAltName).
    extra = await ExtraServer.create();
    const ca = await createCa({ subject: distinguishedName({ commonName: 'MySQL_Server_8.0.40_Auto_Generated_CA_Certificate' }) });
    const leaf = await issueCertificate({
      issuer: ca,
      subject: distinguishedName({ commonName: 'MySQL_Server_8.0.40_Auto_Generated_Server_Certificate' }),
      usage: 'server',
    });
    autoCa = path.join(extra.dir, 'ca.pem');
    await fs.writeFile(autoCa, ca.certPem);
    await fs.writeFile(path.join(extra.dir, 'server-cert.pem'), leaf.certPem);
    await fs.writeFile(path.join(extra.dir, 'server-key.pem'), leaf.keyPem, { mode: 0o600 });
    await extra.start([`--ssl-ca=${autoCa}`, `--ssl-cert=${path.join(extra.dir, 'server-cert.pem')}`, `--ssl-key=${path.join(extra.dir, 'server-key.pem')}`]);
    await extra.admin(`CREATE USER '${AUTO_USER}'@'%' IDENTIFIED BY '${AUTO_PASSWORD}'`);

    env = await startE2e('diagnostics');
    const sb = env.sandbox;
    const otherCa = {
      id: 'diag-other-ca',
      name: 'Diag other CA',
      host: sb.host,
      port: sb.servers.tls.port,
      user: sb.accounts.app_none!.user,
      ssl: { mode: 'VERIFY_IDENTITY' as const, ca: sb.certs.otherCa },
    };
    const auto = {
      id: 'diag-auto',
      name: 'Diag auto-generated',
      host: sb.host,
      port: extra.port,
      user: AUTO_USER,
      ssl: { mode: 'VERIFY_IDENTITY' as const, ca: autoCa },
    };
    const settingsFile = path.join(env.workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown[]>;
    settings['mysqlTls.connections']!.push(otherCa, auto);
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
    await storeWorkspacePassword(otherCa, sb.accounts.app_none!.password);
    await storeWorkspacePassword(auto, AUTO_PASSWORD);
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });

  after(async () => {
    if (page) await screenshot(page, 'diagnostics-final');
    await env?.stop();
    await extra?.destroy();
  });

  test('a wrong-CA server: Show Server Certificate… opens what it presented and how it relates to the configured CA', async () => {
    const c = env.connections.find((x) => x.profile.name === 'Sandbox wrong CA')!;
    assert.ok(passwordFor(env.sandbox, c));
    await step(page, 'diagnostics-1-wrong-ca-presented-certificate', async () => {
      await connectAndShowCertificate('Sandbox wrong CA', /not signed by the configured CA/);
      const text = await webviewBody().innerText();
      assert.match(text, /Fetched with a second handshake that verified nothing and sent no credentials\./);
      assert.match(text, /Does not chain to the configured CA; chains to an unknown CA: O=unrelated, CN=unrelated CA/);
      assert.match(text, /O=unrelated, CN=unrelated server/);
      const fingerprint = new X509Certificate(readFileSync(env.sandbox.certs.otherServerCert)).fingerprint256;
      assert.ok(text.includes(fingerprint), 'the SHA-256 fingerprint of the presented certificate');
    });
  });

  test('a MySQL auto-generated certificate: the advice (VERIFY_CA with its own CA, or a certificate that names the host)', async () => {
    await step(page, 'diagnostics-2-auto-generated-advice', async () => {
      await connectAndShowCertificate('Diag auto-generated', /does not name this host/);
      const text = await webviewBody().innerText();
      assert.match(text, /MySQL auto-generated certificate/);
      assert.match(text, /VERIFY_IDENTITY can never pass with it/);
      assert.match(text, /VERIFY_CA with that server's own CA file/);
      assert.match(text, /none: this certificate names no host/);
    });
  });

  test('Trust this CA…: a modal with the fingerprint, then ssl.ca is set in the workspace settings and the connection verifies', async () => {
    const sandboxCa = new X509Certificate(readFileSync(env.sandbox.certs.ca)).fingerprint256;
    await connectAndShowCertificate('Diag other CA', /not signed by the configured CA/);
    await step(page, 'diagnostics-3-trust-this-ca-panel', async () => {
      await webviewBody()
        .filter({ hasText: 'chains to a CA the server sent itself (mysql-tls sandbox CA)' })
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    });
    const dialog = page.locator('.monaco-dialog-box');
    await step(page, 'diagnostics-4-trust-this-ca-modal', async () => {
      await webviewBody().locator('button[data-action="trustCa"]').click();
      await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const text = await dialog.innerText();
      assert.match(text, /Trust this CA for "Diag other CA"\?/);
      assert.ok(text.includes(`SHA-256 fingerprint: ${sandboxCa}`), 'the modal shows the fingerprint');
    });
    const file = path.join(env.workspace, 'diag-server-ca.pem');
    const trusted = notification(page, /now trusts/).first();
    await dialog.getByRole('button', { name: 'Trust and Save…' }).click();
    await chooseFileInDialog(page, file, trusted);
    assert.equal(new X509Certificate(readFileSync(file)).fingerprint256, sandboxCa, 'the saved file is the CA the modal showed');
    const saved = (readSettings(path.join(env.workspace, '.vscode', 'settings.json'))['mysqlTls.connections'] as { id: string; ssl: { ca?: string } }[]).find(
      (e) => e.id === 'diag-other-ca',
    );
    assert.equal(saved?.ssl.ca, file, 'ssl.ca is set in the workspace settings');
    const userSettings = readSettings(path.join(env.server.userDataDir, 'User', 'settings.json'));
    assert.ok(!JSON.stringify(userSettings).includes(file), 'and not in the user settings');
    await step(page, 'diagnostics-5-trusted-and-verified', async () => {
      await trusted.getByRole('button', { name: 'Test Connection' }).click();
      const works = notification(page, /Diag other CA: connection works: .*chain and host name verified/).first();
      await works.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    });
  });
});
