/**
 * A cloud token login in real VS Code: a connection added through the Add Connection flow with "AWS IAM database
 * authentication" (no password asked), the consent modal on its first token login (a workspace connection), and a
 * real login through mysql_clear_password over VERIFY_IDENTITY to the sandbox MariaDB, whose auth_pam account
 * accepts exactly the token the test issued (test/helpers/tokenPamAccount.ts).
 *
 * The seam (no cloud is reachable here): MYSQL_TLS_E2E_TOKEN_FILE in code-server's environment makes every token
 * login read its token from that file (src/vscode/e2eTokenSource.ts); no setting can set it. Everything else — the
 * verified-TLS rule, the consent, a fresh read per connect — is the extension's real path.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadSandbox } from '../helpers/sandbox';
import { createTokenPamAccount, type TokenPamAccount } from '../helpers/tokenPamAccount';
import {
  answerInput,
  escapeRegExp,
  filesContaining,
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

describe('e2e cloud token login', () => {
  let env: E2eEnv;
  let page: Page;
  let account: TokenPamAccount;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-e2e-token-'));
  const tokenFile = path.join(dir, 'token');
  const token = `e2e-token-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const name = 'Token login';

  before(async () => {
    account = await createTokenPamAccount(loadSandbox(), ['tls']);
    assert.ok(account.ready, 'the token account needs root and /etc/pam.d (as the sandbox PAM account)');
    await account.expect(token);
    writeFileSync(tokenFile, token, { mode: 0o600 });
    // code-server (and so the extension host) inherits this process's environment.
    process.env.MYSQL_TLS_E2E_TOKEN_FILE = tokenFile;
    env = await startE2e('token');
    page = await openWorkbench(env);
    await openMysqlTlsView(page);
  });

  after(async () => {
    if (page) await screenshot(page, 'token-final');
    await env?.stop();
    await account?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Add Connection with AWS IAM authentication asks no password; the first login asks consent, then logs in verified', async () => {
    await runCommand(page, 'MySQL TLS: Add Connection');
    await pick(page, 'MySQL or MariaDB server', 'kind');
    await answerInput(page, name, 'name');
    await answerInput(page, env.sandbox.host, 'host');
    await answerInput(page, String(env.sandbox.servers.tls.port), 'port');
    await answerInput(page, account.user, 'user');
    await answerInput(page, '', 'database');
    await pick(page, 'Direct connection', 'SSH');
    await pick(page, 'VERIFY_IDENTITY', 'TLS mode');
    await pick(page, 'Enter path…', 'CA');
    await answerInput(page, env.sandbox.certs.ca, 'CA path');
    await pick(page, 'None', 'client certificate');
    await pick(page, 'AWS IAM database authentication', 'authentication');
    await answerInput(page, 'eu-west-1', 'AWS region');
    await answerInput(page, '', 'AWS profile');
    await openMysqlTlsView(page);
    await treeItem(page, name).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await page
      .locator('.notification-toast')
      .filter({ hasText: /"Token login" added \(workspace settings; a cloud token is fetched at each login, no password is stored\)/ })
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'token-1-added');

    const settingsFiles = [path.join(env.workspace, '.vscode', 'settings.json'), path.join(env.server.userDataDir, 'User', 'settings.json')];
    type Saved = { name?: string; user?: string; auth?: Record<string, unknown> };
    const saved = settingsFiles.flatMap((f) => (readSettings(f)['mysqlTls.connections'] as Saved[] | undefined) ?? []).find((c) => c.name === name);
    assert.ok(saved, 'the connection is saved');
    assert.deepEqual(saved.auth, { method: 'awsIam', region: 'eu-west-1' });

    // The first token login of a workspace connection asks, naming the host.
    await runCommand(page, 'MySQL TLS: Connect');
    await pick(page, name, 'the connection to open');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.ok((await dialog.innerText()).includes(env.sandbox.host), 'the consent names the host');
    await screenshot(page, 'token-2-consent');
    await dialog.getByRole('button', { name: 'Send Token', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: UI_TIMEOUT });

    // The server's PAM check accepted exactly the issued token, over a verified session.
    await openMysqlTlsView(page);
    await treeItem(page, name).first().click();
    const expected = new RegExp(`${escapeRegExp(name)}: verified identity · TLSv1\\.[23]`);
    await page.locator(STATUS_BAR_ITEM).filter({ hasText: expected }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'token-3-verified');

    // The token is never stored: no settings, state, log or workspace file holds it.
    assert.deepEqual(filesContaining([env.server.userDataDir, env.workspace], token), [], 'no file contains the token');
  });
});
