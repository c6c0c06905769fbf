/**
 * SSH tunnels in real VS Code: a connection added through the Add Connection flow with "Connect through SSH"
 * (the sandbox's real OpenSSH bastion, a key file), its unknown host key shown in a modal with the SHA256
 * fingerprint and accepted, and the session verified end to end with the database (VERIFY_IDENTITY against
 * `localhost` as the bastion sees it). The accepted key lands in the extension's own known_hosts only.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  answerInput,
  escapeRegExp,
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

describe('e2e ssh', () => {
  let env: E2eEnv;
  let page: Page;
  const name = 'Through the bastion';

  before(async () => {
    env = await startE2e('ssh');
    page = await openWorkbench(env);
    // Opening the view activates the extension, so its commands are in the palette.
    await openMysqlTlsView(page);
  });

  after(async () => {
    if (page) await screenshot(page, 'ssh-final');
    await env?.stop();
  });

  test('Add Connection through SSH, accept the unknown host key, connect verified end to end', async () => {
    const ssh = env.sandbox.ssh;
    assert.ok(ssh, 'the sandbox runs the SSH bastion');
    const account = env.sandbox.accounts.app_none!;
    await runCommand(page, 'MySQL TLS: Add Connection');
    await pick(page, 'MySQL or MariaDB server', 'kind');
    await answerInput(page, name, 'name');
    // The database as the bastion sees it: a name the sandbox server certificate lists.
    await answerInput(page, 'localhost', 'host');
    await answerInput(page, String(env.sandbox.servers.tls.port), 'port');
    await answerInput(page, account.user, 'user');
    await answerInput(page, '', 'database');
    await pick(page, 'Connect through SSH', 'SSH');
    await answerInput(page, `${ssh.user}@127.0.0.1:${ssh.bastion.port}`, 'SSH bastion');
    await pick(page, 'key', 'SSH authentication');
    await answerInput(page, ssh.userKey, 'SSH key file');
    await pick(page, 'VERIFY_IDENTITY', 'TLS mode');
    await pick(page, 'Enter path…', 'CA');
    await answerInput(page, env.sandbox.certs.ca, 'CA path');
    await pick(page, 'None', 'client certificate');
    await pick(page, 'Password', 'authentication');
    await answerInput(page, account.password, 'password');
    await openMysqlTlsView(page);
    await treeItem(page, name).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'ssh-1-added');

    const settingsFiles = [path.join(env.workspace, '.vscode', 'settings.json'), path.join(env.server.userDataDir, 'User', 'settings.json')];
    type Saved = { name?: string; host?: string; ssh?: { host?: string; port?: number; user?: string; auth?: string; keyFile?: string } };
    const saved = settingsFiles.flatMap((f) => (readSettings(f)['mysqlTls.connections'] as Saved[] | undefined) ?? []).find((c) => c.name === name);
    assert.ok(saved, 'the connection is saved');
    assert.equal(saved.host, 'localhost');
    assert.deepEqual(saved.ssh, { host: '127.0.0.1', port: ssh.bastion.port, user: ssh.user, auth: 'key', keyFile: ssh.userKey });

    // Connect: the bastion's key is unknown to this VS Code, so the modal shows its type and SHA256 fingerprint.
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, name, 'the connection to open');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const text = await dialog.innerText();
    assert.ok(text.includes(ssh.bastion.hostKeyFingerprint), `the modal shows the fingerprint ${ssh.bastion.hostKeyFingerprint}: ${text}`);
    assert.match(text, new RegExp(escapeRegExp(ssh.bastion.hostKeyType)));
    await screenshot(page, 'ssh-2-host-key');
    await dialog.getByRole('button', { name: 'Accept and Remember', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });

    // Verified end to end: the status bar names the state once the row is selected, and the tooltip the hop.
    await openMysqlTlsView(page);
    const row = treeItem(page, name).first();
    await row.click();
    const status = page.locator(STATUS_BAR_ITEM);
    const expected = new RegExp(`${escapeRegExp(name)}: verified identity · TLSv1\\.[23]`);
    await status.filter({ hasText: expected }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'ssh-3-verified');

    // The accepted key is in the extension's own known_hosts, nowhere else.
    const own = path.join(env.server.userDataDir, 'User', 'globalStorage', 'mysql-tls.mysql-tls', 'known_hosts');
    assert.ok(existsSync(own), `the extension's known_hosts exists (${own})`);
    assert.ok(readFileSync(own, 'utf8').includes(`[127.0.0.1]:${ssh.bastion.port}`), 'it records the accepted bastion key');
  });
});
