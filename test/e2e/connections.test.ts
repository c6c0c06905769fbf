/**
 * What a user clicks: add a connection through the palette flow (password to the keychain, not settings),
 * connect with VERIFY_IDENTITY and see the TLS facts in the tree and status bar, open the TLS details
 * webview, and get a classified error for a server whose certificate comes from another CA.
 * The connections used for connecting come from the generated sandbox workspace (scripts/demo/workspace.ts),
 * so each test stands on its own rather than on the add flow.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { KEYCHAIN_SERVICE, passwordFor, workspacePasswordAccount, type DemoConnection } from '../../scripts/demo/workspace';
import { decodeBoundSecret } from '../../src/core/secrets/secretBinding';
import {
  answerInput,
  escapeRegExp,
  expand,
  filesContaining,
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  readSettings,
  runCommand,
  screenshot,
  startE2e,
  STATUS_BAR_ITEM,
  treeItem,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

type Keytar = typeof import('keytar');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const keytar = (): Keytar => require('keytar') as Keytar;

/** The server's own view of a session's cipher, over TLS as the same account and client certificate. */
async function serverCipher(env: E2eEnv, c: DemoConnection): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const ssl = c.profile.ssl!;
  const conn = await mysql.createConnection({
    host: c.profile.host,
    port: c.profile.port,
    user: c.profile.user,
    password: passwordFor(env.sandbox, c),
    ssl: {
      ca: readFileSync(ssl.ca!),
      cert: ssl.cert ? readFileSync(ssl.cert) : undefined,
      key: ssl.key ? readFileSync(ssl.key) : undefined,
      rejectUnauthorized: true,
    },
  });
  try {
    const [rows] = await conn.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    const value = (rows as Array<{ Value: string }>)[0]?.Value;
    assert.ok(value, 'the server reports an Ssl_cipher for a TLS session');
    return value;
  } finally {
    await conn.end();
  }
}

/** Runs a palette command that takes a connection and picks `name` in its QuickPick. */
async function runOnConnection(page: Page, command: string, name: string): Promise<void> {
  await runCommand(page, command);
  await pick(page, name, `${command}: choose the connection`);
}

async function step<T>(page: Page, shot: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await screenshot(page, shot);
  }
}

describe('e2e connections', () => {
  let env: E2eEnv;
  let page: Page;
  const byName = (name: string): DemoConnection => {
    const c = env.connections.find((x) => x.profile.name === name);
    assert.ok(c, `demo workspace defines ${name}`);
    return c;
  };

  before(async () => {
    env = await startE2e('connections');
    page = await openWorkbench(env);
    // The view must be open for tree assertions; opening it also activates the extension.
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'connections-final');
    await env?.stop();
  });

  test('(b) Add Connection stores the password in the keychain and the profile, without it, in settings', async () => {
    const template = byName('Sandbox VERIFY_IDENTITY');
    const password = passwordFor(env.sandbox, template);
    const name = 'E2E added';
    await step(page, 'b-1-add-connection', async () => {
      await runCommand(page, 'MySQL TLS: Add Connection');
      await pick(page, 'MySQL or MariaDB server', 'step 0 (kind)');
      await answerInput(page, name, 'step 1 (name)');
      await answerInput(page, template.profile.host, 'step 2 (host)');
      await answerInput(page, String(template.profile.port), 'step 3 (port)');
      await answerInput(page, template.profile.user, 'step 4 (user)');
      await answerInput(page, '', 'step 5 (database)');
      await pick(page, 'Direct connection', 'step 5 (SSH)');
      await pick(page, 'VERIFY_IDENTITY', 'step 6 (TLS mode)');
      await pick(page, 'Enter path…', 'step 7 (CA)');
      await answerInput(page, env.sandbox.certs.ca, 'step 7 (CA path)');
      await pick(page, 'Enter paths…', 'step 8 (client certificate)');
      await answerInput(page, env.sandbox.certs.clientCert, 'step 8 (certificate path)');
      await answerInput(page, env.sandbox.certs.clientKey, 'step 8 (key path)');
      await pick(page, 'Password', 'step 9 (authentication)');
      await answerInput(page, password, 'step 9 (password)');
    });

    await step(page, 'b-2-added', async () => {
      await treeItem(page, name).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    });

    // The profile is in the workspace or user settings, with the paths given and no secret.
    const settingsFiles = [path.join(env.workspace, '.vscode', 'settings.json'), path.join(env.server.userDataDir, 'User', 'settings.json')];
    type Saved = { id?: string; name?: string; host?: string; port?: number; user?: string; ssl?: { mode?: string; ca?: string; cert?: string; key?: string } };
    const saved = settingsFiles.flatMap((f) => (readSettings(f)['mysqlTls.connections'] as Saved[] | undefined) ?? []).find((c) => c.name === name);
    assert.ok(saved, `a connection named "${name}" is saved in ${settingsFiles.join(' or ')}`);
    assert.ok(saved.id, 'the saved connection has an id');
    assert.equal(saved.host, template.profile.host);
    assert.equal(Number(saved.port), template.profile.port);
    assert.equal(saved.user, template.profile.user);
    assert.equal(saved.ssl?.mode, 'VERIFY_IDENTITY');
    assert.equal(saved.ssl?.ca, env.sandbox.certs.ca);
    assert.equal(saved.ssl?.cert, env.sandbox.certs.clientCert);
    assert.equal(saved.ssl?.key, env.sandbox.certs.clientKey);

    // The password is in the Secret Service under workspace:<id>/password, bound to the endpoint it was entered for...
    const credentials = await keytar().findCredentials(KEYCHAIN_SERVICE);
    const entry = credentials.find((c) => c.account === workspacePasswordAccount(saved.id!));
    assert.ok(entry, `keychain has ${KEYCHAIN_SERVICE} / ${workspacePasswordAccount(saved.id)} (accounts: ${credentials.map((c) => c.account).join(', ')})`);
    const stored = decodeBoundSecret(entry.password);
    assert.equal(stored.value, password);
    assert.equal(stored.binding?.host, template.profile.host);
    assert.equal(stored.binding?.port, template.profile.port);
    assert.equal(stored.binding?.mode, 'VERIFY_IDENTITY');
    // ...and nowhere in settings, user data (state, logs) or the workspace.
    for (const f of settingsFiles) assert.ok(!readFileSync(f, 'utf8').includes(password), `${f} does not contain the password`);
    const leaks = filesContaining([env.server.userDataDir, env.workspace], password);
    assert.deepEqual(leaks, [], 'no file in the user data folder or workspace contains the password');
  });

  test('(c) connecting with VERIFY_IDENTITY shows the TLS facts in the tree and the status bar', async () => {
    const c = byName('Sandbox VERIFY_IDENTITY');
    const cipher = await serverCipher(env, c);
    await step(page, 'c-1-connect', async () => {
      await runOnConnection(page, 'MySQL TLS: Connect', c.profile.name);
      // The status bar follows the selected connection: select it in the tree.
      await openMysqlTlsView(page);
      await treeItem(page, c.profile.name).first().click();
      const status = page.locator(STATUS_BAR_ITEM);
      const expected = new RegExp(`${escapeRegExp(c.profile.name)}: verified identity · TLSv1\\.[23]`);
      await status.filter({ hasText: expected }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await status.innerText(), expected, 'status bar names the connection and its state');
    });
    await step(page, 'c-2-tree', async () => {
      await openMysqlTlsView(page);
      const row = treeItem(page, c.profile.name).first();
      await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await expand(row);
      const tls = treeItem(page, 'TLS').first();
      await tls.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await expand(tls);
      await treeItem(page, new RegExp(`^Cipher: ${escapeRegExp(cipher)}`))
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await treeItem(page, /^Protocol: TLSv1\.[23]/)
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    });
  });

  test('(d) the status bar item opens the TLS details webview with the cipher and the verification result', async () => {
    const c = byName('Sandbox VERIFY_IDENTITY');
    const cipher = await serverCipher(env, c);
    await step(page, 'd-1-tls-details', async () => {
      const status = page.locator(STATUS_BAR_ITEM);
      await status.filter({ hasText: `${c.profile.name}: verified identity` }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await status.click();
      await page
        .getByRole('tab', { name: new RegExp(`TLS Details: ${c.profile.name}`) })
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const body = page.frameLocator('iframe.webview').last().frameLocator('#active-frame').locator('body');
      await body.filter({ hasText: cipher }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const text = await body.innerText();
      assert.ok(text.includes(cipher), `details show ${cipher}`);
      assert.match(text, /verified/i, 'details say the server was verified');
      // The server's own view, asked by the extension right after connecting, agrees with the socket.
      await body.filter({ hasText: `Ssl_cipher = ${cipher}` }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.doesNotMatch(await body.innerText(), /not asked yet|differ/);
    });
  });

  test('(e) a server certificate from another CA gives a classified error notification', async () => {
    const c = byName('Sandbox wrong CA');
    await step(page, 'e-1-wrong-ca', async () => {
      await runOnConnection(page, 'MySQL TLS: Connect', c.profile.name);
      const toast = notification(page, /not signed by the configured CA/);
      await toast.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await toast.first().innerText(), /The server certificate was not signed by the configured CA/);
    });
  });
});
