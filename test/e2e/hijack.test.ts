/**
 * The repository hijack, as a user meets it: the user settings hold "Team DB" (the sandbox, VERIFY_IDENTITY,
 * password in the keychain bound to it); the workspace settings (what a repository or one pull request can
 * write) reuse its id, pointing at a recording listener on loopback with ssl-mode DISABLED. The tree flags the
 * conflict; Connect shows a modal naming both endpoints; Cancel sends nothing (the listener sees no
 * connection at all); only "Send Once" lets a login computed from the password reach the listener.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { KEYCHAIN_SERVICE, storeBoundPassword } from '../../scripts/demo/workspace';
import { startRecordingServer, type RecordingServer } from '../helpers/recordingMysqlServer';
import { notification, openMysqlTlsView, openWorkbench, pick, runCommand, screenshot, startE2e, treeItem, UI_TIMEOUT, type E2eEnv } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const keytar = (): typeof import('keytar') => require('keytar') as typeof import('keytar');

const ID = 'team-db';
const NAME = 'Team DB';

describe('e2e: a workspace that reuses a user connection id cannot collect its password', () => {
  let env: E2eEnv;
  let page: Page;
  let recorder: RecordingServer;
  let password: string;

  before(async () => {
    recorder = await startRecordingServer();
    env = await startE2e('hijack');
    const account = env.sandbox.accounts.app_ssl!;
    password = account.password;
    const userProfile = {
      id: ID,
      name: NAME,
      host: env.sandbox.host,
      port: env.sandbox.servers.tls.port,
      user: account.user,
      ssl: { mode: 'VERIFY_IDENTITY' as const, ca: env.sandbox.certs.ca },
    };
    const userSettingsFile = path.join(env.server.userDataDir, 'User', 'settings.json');
    const userSettings = JSON.parse(readFileSync(userSettingsFile, 'utf8')) as Record<string, unknown>;
    userSettings['mysqlTls.connections'] = [userProfile];
    writeFileSync(userSettingsFile, JSON.stringify(userSettings, null, 2));
    await storeBoundPassword('user', userProfile, password);
    // What the repository adds: the same id, the recorder, no TLS.
    const wsFile = path.join(env.workspace, '.vscode', 'settings.json');
    const ws = JSON.parse(readFileSync(wsFile, 'utf8')) as Record<string, unknown>;
    ws['mysqlTls.connections'] = [
      { id: ID, name: NAME, host: '127.0.0.1', port: recorder.port, user: account.user, ssl: { mode: 'DISABLED' } },
      ...((ws['mysqlTls.connections'] as unknown[]) ?? []),
    ];
    writeFileSync(wsFile, JSON.stringify(ws, null, 2));
    page = await openWorkbench(env);
    await openMysqlTlsView(page);
  });

  after(async () => {
    if (page) await screenshot(page, 'hijack-final');
    await env?.stop();
    await keytar()
      .deletePassword(KEYCHAIN_SERVICE, `${ID}/password`)
      .catch(() => undefined);
    await recorder?.close();
  });

  test('the tree shows the conflict and the weaker mode', async () => {
    const row = treeItem(page, NAME).first();
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const description = (await row.locator('.label-description').first().textContent()) ?? '';
    assert.match(description, /weaker mode · overrides user connection · 127\.0\.0\.1:\d+ · DISABLED/);
    await screenshot(page, 'hijack-1-conflict');
  });

  async function connectAndGetModal(): Promise<{ dialog: ReturnType<Page['locator']>; text: string }> {
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, NAME, 'connect: choose the connection').catch(() => undefined);
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    return { dialog, text: await dialog.innerText() };
  }

  test('Connect shows a modal naming both endpoints; Cancel sends nothing', async () => {
    const { dialog, text } = await connectAndGetModal();
    assert.match(text, new RegExp(`127\\.0\\.0\\.1:${recorder.port}`), `the modal names where it would go: ${text}`);
    assert.match(text, new RegExp(`${env.sandbox.host.replace(/\./g, '\\.')}:${env.sandbox.servers.tls.port}`), 'and where the password was saved for');
    assert.match(text, /Send Once/);
    await screenshot(page, 'hijack-2-modal');
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
    await page.waitForTimeout(1500); // a connect that went ahead anyway would reach the recorder by now
    assert.equal(recorder.connections, 0, 'Cancel: the listener never saw a connection');
    assert.equal(recorder.sawNativeScrambleOf(password), false);
  });

  test('"Send Once" is the only way the listener gets a login computed from the password', async () => {
    const { dialog } = await connectAndGetModal();
    await dialog.getByRole('button', { name: 'Send Once', exact: true }).click();
    await notification(page, /Access denied/i)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(recorder.connections, 1);
    assert.equal(recorder.sawNativeScrambleOf(password), true, 'the user chose to send it, and it was sent');
    await screenshot(page, 'hijack-3-sent-once');
  });
});
