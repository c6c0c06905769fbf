/**
 * The certificates and server toolkit as a user reaches it: "Audit Server TLS Setup" on the sandbox's
 * VERIFY_IDENTITY connection (connects first, then opens the Markdown report with its findings), and
 * "Inspect Certificate or Key File…" with the sandbox CA path typed into VS Code's own file dialog, and
 * "Require TLS for Account…" on a throwaway account: the exact SQL in the modal, then the login checks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  answerInput,
  chooseFileInDialog,
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  runCommand,
  screenshot,
  startE2e,
  treeItem,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

/** The body of the Markdown preview whose tab title matches (webviews are nested iframes). */
async function previewWithText(page: Page, text: RegExp): Promise<Locator> {
  const deadline = Date.now() + UI_TIMEOUT;
  for (;;) {
    const frames = page.locator('iframe.webview');
    const count = await frames.count();
    for (let i = count - 1; i >= 0; i--) {
      const body = page.frameLocator('iframe.webview').nth(i).frameLocator('#active-frame').locator('body');
      const content = await body.innerText({ timeout: 1_000 }).catch(() => '');
      if (text.test(content)) return body;
    }
    if (Date.now() > deadline) throw new Error(`no Markdown preview shows ${String(text)} (${count} webview(s) open)`);
    await page.waitForTimeout(250);
  }
}

async function step<T>(page: Page, shot: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } finally {
    await screenshot(page, shot);
  }
}

/** Runs SQL as the sandbox's root over verified TLS (test setup and checks, not the extension). */
async function asRoot<T>(env: E2eEnv, sql: string, values: unknown[] = []): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const conn = await mysql.createConnection({
    host: env.sandbox.host,
    port: env.sandbox.servers.tls.port,
    user: env.sandbox.admin.user,
    password: env.sandbox.admin.password,
    ssl: { ca: readFileSync(env.sandbox.certs.ca), rejectUnauthorized: true },
  });
  try {
    const [rows] = await conn.query(sql, values);
    return rows as T;
  } finally {
    await conn.end();
  }
}

describe('e2e certificates', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('certificates');
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
    await treeItem(page, 'Sandbox VERIFY_IDENTITY').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  });
  after(async () => {
    if (page) await screenshot(page, 'certificates-final');
    await env?.stop();
  });

  test('Audit Server TLS Setup connects and opens the report with the require_secure_transport finding', async () => {
    const body = await step(page, 'certificates-1-audit', async () => {
      await runCommand(page, 'MySQL TLS: Audit Server TLS Setup');
      await pick(page, 'Sandbox VERIFY_IDENTITY', 'audit: choose the connection');
      await page
        .getByRole('tab', { name: /Server TLS audit Sandbox VERIFY_IDENTITY/ })
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      return previewWithText(page, /require_secure_transport/);
    });
    const text = await body.innerText();
    assert.match(text, /Server TLS audit: Sandbox VERIFY_IDENTITY/);
    assert.match(text, /MariaDB 10\.11/);
    // The sandbox's tls server runs with require_secure_transport=OFF: a critical finding with its fix.
    assert.match(text, /CRITICAL\s+Plaintext logins are accepted\s+require_secure_transport = OFF/);
    assert.match(text, /SET GLOBAL require_secure_transport = ON/);
    assert.match(text, /TLS is available/);
  });

  test('Inspect Certificate or Key File shows the summary of the CA file typed into the file dialog', async () => {
    const ca = env.sandbox.certs.ca;
    const body = await step(page, 'certificates-2-inspect', async () => {
      await runCommand(page, 'MySQL TLS: Inspect Certificate or Key File…');
      await chooseFileInDialog(page, ca, page.getByRole('tab', { name: /Certificate ca\.pem/ }).first());
      return previewWithText(page, /Certificate 1: mysql-tls sandbox CA/);
    });
    const text = await body.innerText();
    assert.ok(text.includes(ca), 'the summary names the file');
    assert.match(text, /Subject: O=mysql-tls sandbox, CN=mysql-tls sandbox CA/);
    assert.match(text, /CA: yes/);
    assert.match(text, /SHA-256: [0-9A-F]{2}(:[0-9A-F]{2}){31}/);
  });

  test('Require TLS for Account shows the SQL in a modal, applies it and reports the plaintext login refused', async () => {
    const user = `e2e_req_${process.pid}`;
    const password = `E2e-${Date.now().toString(36)}`;
    await asRoot(env, `DROP USER IF EXISTS '${user}'@'%'`);
    await asRoot(env, `CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
    try {
      await step(page, 'certificates-3-require-tls-run', async () => {
        await runCommand(page, 'MySQL TLS: Require TLS for Account…');
        await pick(page, 'Sandbox VERIFY_IDENTITY', 'require TLS: choose the connection');
        await pick(page, `'${user}'@'%'`, 'require TLS: choose the account');
        await pick(page, 'SSL', 'require TLS: choose the requirement');
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        assert.ok((await dialog.innerText()).includes(`ALTER USER '${user}'@'%' REQUIRE SSL;`), 'the modal shows the exact statement');
        await screenshot(page, 'certificates-3-require-tls-sql');
        await dialog.getByRole('button', { name: 'Run' }).click();
      });
      await step(page, 'certificates-4-require-tls-checked', async () => {
        await answerInput(page, password, 'require TLS: the account password for the check');
        const toast = notification(page, /now has REQUIRE SSL/);
        await toast.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
        assert.match(await toast.first().innerText(), /plaintext login refused, TLS login works/);
        const report = await previewWithText(page, new RegExp(`Require TLS for '${user}'`));
        const text = await report.innerText();
        // The plaintext attempt uses a throwaway password (the real one never goes out without TLS), and the
        // grant tables are read back.
        assert.match(text, /plaintext \(throwaway password\)\s+refused\s+OK: refused/);
        assert.match(text, /grant tables\s+REQUIRE SSL\s+OK: REQUIRE SSL/);
        assert.match(text, /REQUIRE SSL;/);
      });
      const rows = await asRoot<{ ssl_type: string }[]>(
        env,
        "SELECT JSON_VALUE(Priv, '$.ssl_type') AS ssl_type FROM mysql.global_priv WHERE User = ? AND Host = '%'",
        [user],
      );
      assert.equal(Number(rows[0]?.ssl_type), 1, 'the server now has REQUIRE SSL for the account');
    } finally {
      await asRoot(env, `DROP USER IF EXISTS '${user}'@'%'`);
    }
  });
});
