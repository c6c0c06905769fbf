/**
 * Smoke: the harness itself (code-server + VSIX + Chromium) and the extension's entry points in the workbench.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { EXTENSION_ID } from '../../scripts/e2e/codeServer';
import { openMysqlTlsView, openWorkbench, runCommand, screenshot, startE2e, treeItem, UI_TIMEOUT, type E2eEnv } from './harness';

describe('e2e smoke', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('smoke');
    page = await openWorkbench(env);
  });
  after(async () => {
    if (page) await screenshot(page, 'smoke-final');
    await env?.stop();
  });

  test('the workbench loads with the packaged extension installed', async () => {
    assert.ok(env.server.listExtensions().includes(EXTENSION_ID), 'code-server --list-extensions shows mysql-tls.mysql-tls');
    await runCommand(page, 'Extensions: Show Enabled Extensions');
    const item = page.locator('.extensions-viewlet .extension-list-item', { hasText: 'MySQL TLS Connections' });
    await item.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'smoke-1-installed');
    assert.match(await item.first().innerText(), /MySQL TLS Connections/);
  });

  test('the activity bar has the MySQL TLS container and the Connections view lists the workspace connections', async () => {
    try {
      const sidebar = await openMysqlTlsView(page);
      await treeItem(page, 'Sandbox VERIFY_IDENTITY').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await screenshot(page, 'smoke-2-connections-view');
      const labels = await sidebar.getByRole('treeitem').allInnerTexts();
      for (const c of env.connections)
        assert.ok(
          labels.some((l) => l.includes(c.profile.name)),
          `tree lists ${c.profile.name} (got: ${labels.join(' | ')})`,
        );
    } finally {
      await screenshot(page, 'smoke-2-connections-view');
    }
  });

  test('the extension is activated (Developer: Show Running Extensions)', async () => {
    try {
      await runCommand(page, 'Developer: Show Running Extensions');
      const row = page.locator('.runtime-extensions-editor .monaco-list-row', { hasText: 'MySQL TLS Connections' });
      await row.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await row.first().innerText(), /MySQL TLS Connections/);
    } finally {
      await screenshot(page, 'smoke-3-running-extensions');
    }
  });
});
