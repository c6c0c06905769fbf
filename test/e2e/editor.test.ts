/**
 * The connection editor form in a real workbench: Edit Connection on a connection of the generated sandbox
 * workspace opens the form; changing the port and pressing Enter saves it to the workspace settings (where the
 * connection is defined) and leaves the user settings alone. Also shows the walkthrough.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  quickPickRow,
  readSettings,
  runCommand,
  screenshot,
  startE2e,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

type Entry = { id?: string; name?: string; port?: number };

describe('e2e connection editor', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('editor');
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'editor-final');
    await env?.stop();
  });

  test('Edit Connection opens a form; a new port saved with Enter lands in the workspace settings only', async () => {
    const workspaceFile = path.join(env.workspace, '.vscode', 'settings.json');
    const userFile = path.join(env.server.userDataDir, 'User', 'settings.json');
    const userBefore = readFileSync(userFile, 'utf8');
    const entriesBefore = readSettings(workspaceFile)['mysqlTls.connections'] as Entry[];
    const name = 'Sandbox VERIFY_IDENTITY';
    const target = entriesBefore.find((e) => e.name === name);
    assert.ok(target?.port, `the workspace defines "${name}"`);
    const newPort = target.port + 1000;

    await runCommand(page, 'MySQL TLS: Edit Connection');
    await pick(page, name, 'Edit Connection: choose the connection');
    await page
      .getByRole('tab', { name: new RegExp(`Edit Connection: ${name}`) })
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    const form = page.frameLocator('iframe.webview').last().frameLocator('#active-frame');
    // Playwright's CSS locators pierce the elements' open shadow roots to their <input>.
    const port = form.locator('vscode-textfield[data-field="port"] input');
    await port.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await form.locator('#scope').filter({ hasText: 'workspace settings' }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    assert.equal(await port.inputValue(), String(target.port), 'the form shows the stored port');
    assert.equal(await form.locator('vscode-textfield[data-field="host"] input').inputValue(), String((target as { host?: string }).host));

    await port.fill(String(newPort));
    await form.locator('[data-problem-for="port"]').filter({ hasText: /^$/ }).waitFor({ state: 'attached', timeout: UI_TIMEOUT });
    await screenshot(page, 'editor-1-form');
    await port.press('Enter');

    await notification(page, /saved to the workspace settings/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'editor-2-saved');
    const entriesAfter = readSettings(workspaceFile)['mysqlTls.connections'] as Entry[];
    assert.equal(entriesAfter.find((e) => e.id === target.id)?.port, newPort, 'the workspace settings have the new port');
    assert.deepEqual(
      entriesAfter.filter((e) => e.id !== target.id),
      entriesBefore.filter((e) => e.id !== target.id),
      'the other connections are unchanged',
    );
    assert.deepEqual({ ...entriesAfter.find((e) => e.id === target.id), port: target.port }, target, 'only the port changed');
    assert.equal(readFileSync(userFile, 'utf8'), userBefore, 'the user settings file did not change');
  });

  test('the walkthrough "Connect securely in three steps" shows its steps with command buttons', async () => {
    await page
      .locator('.monaco-workbench')
      .click({ position: { x: 700, y: 400 }, force: true })
      .catch(() => undefined);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await input.fill('>Welcome: Open Walkthrough');
    const command = page
      .locator('.quick-input-widget .monaco-list-row')
      .filter({ hasText: /Open Walkthrough/ })
      .first();
    await command.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await command.click();
    const row = quickPickRow(page, 'Connect securely in three steps').first();
    await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await row.click();
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough.getByText('Add a connection with a CA').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    for (const title of ['Connect with VERIFY_IDENTITY', 'Read the TLS details'])
      await walkthrough.getByText(title).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await walkthrough.getByRole('button', { name: 'Add Connection' }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    // The step's markdown (media/walkthrough/add-connection.md) renders in a webview beside the steps.
    await page
      .frameLocator('iframe.webview')
      .last()
      .frameLocator('#active-frame')
      .getByText(/A TLS connection is only as good as what it verifies/)
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    await screenshot(page, 'editor-3-walkthrough');
  });
});
