/**
 * The one status bar item follows the focused context: the connection selected in the Connections view,
 * else (when a query editor is focused) that editor's binding. Two connections in different states, one
 * verified (VERIFY_IDENTITY) and one plaintext (PREFERRED on the sandbox's server without TLS), and a failed
 * attempt on a third that shows on its own tree row, not in the item.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openMysqlTlsView, openWorkbench, pick, runCommand, screenshot, startE2e, STATUS_BAR_ITEM, treeItem, UI_TIMEOUT, type E2eEnv } from './harness';

const VERIFIED = 'Sandbox VERIFY_IDENTITY';
const PLAINTEXT = 'Sandbox plaintext server';
const WRONG_CA = 'Sandbox wrong CA';

async function connect(page: Page, name: string): Promise<void> {
  await runCommand(page, 'MySQL TLS: Connect');
  await pick(page, name, 'Connect: choose the connection');
}

/** Moves the mouse off the tree so no hover (a row's or the status bar's tooltip) covers the next click. */
async function dismissHovers(page: Page): Promise<void> {
  await page.mouse.move(700, 5);
  await page
    .locator('.context-view .rendered-markdown, .monaco-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5_000 })
    .catch(() => undefined);
}

/** Selects a connection's row (a click on its label: selecting, not a command). */
async function select(page: Page, name: string): Promise<void> {
  await openMysqlTlsView(page);
  await dismissHovers(page);
  const row = treeItem(page, name).first();
  await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await row.locator('.label-name').first().click();
}

async function statusText(page: Page, expected: RegExp): Promise<string> {
  const item = page.locator(STATUS_BAR_ITEM);
  await item.filter({ hasText: expected }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  return item.innerText();
}

describe('e2e status bar', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('statusbar');
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'statusbar-final');
    await env?.stop();
  });

  test('one item, naming the selected connection and its state; a failed attempt stays on its own row', async () => {
    await connect(page, VERIFIED);
    await connect(page, PLAINTEXT);

    await select(page, VERIFIED);
    const verified = await statusText(page, /Sandbox VERIFY_IDENTITY: verified identity · TLSv1\.[23]/);
    assert.doesNotMatch(verified, /TLS_AES|ECDHE/, 'the cipher is in the tooltip, not the text');
    await screenshot(page, 'statusbar-1-verified');

    await select(page, PLAINTEXT);
    await statusText(page, /Sandbox plaintext server: plaintext/);
    // The plaintext item has the status bar's warning background (the verified one has none).
    const [itemBackground, barBackground] = await page.evaluate<string[]>(`(() => {
      const opaque = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (c && c !== 'transparent' && !/rgba\\(.*, 0\\)$/.test(c)) return c; } return ''; };
      const label = document.querySelector('${STATUS_BAR_ITEM} a') || document.querySelector('${STATUS_BAR_ITEM}');
      return [opaque(label), opaque(document.querySelector('[id="workbench.parts.statusbar"]'))];
    })()`);
    assert.ok(itemBackground, 'the item has a background');
    assert.notEqual(itemBackground, barBackground, 'plaintext is shown with the warning background');
    await screenshot(page, 'statusbar-2-plaintext');

    // Only one MySQL TLS item in the status bar (no separate query-binding item).
    assert.equal(await page.locator('[id="workbench.parts.statusbar"] [id^="mysql-tls.mysql-tls."]').count(), 1);

    // A failed attempt on another connection: the item keeps the selected one; the failure is on that row.
    await connect(page, WRONG_CA);
    const failedRow = treeItem(page, WRONG_CA).first();
    await page.waitForFunction(
      `(() => [...document.querySelectorAll('[id="workbench.parts.sidebar"] [role=treeitem]')].some((r) => /^${WRONG_CA}, failed/.test(r.getAttribute('aria-label') || '')))()`,
      undefined,
      { timeout: UI_TIMEOUT },
    );
    assert.match((await failedRow.innerText()).replace(/\s+/g, ' '), /failed ·/, 'the row says failed');
    assert.match(await page.locator(STATUS_BAR_ITEM).innerText(), /Sandbox plaintext server: plaintext/, 'the status bar did not switch to the failure');
    await screenshot(page, 'statusbar-3-failed-on-its-row');
  });

  test('a focused query editor takes the item over; selecting in the tree gives it back', async () => {
    await runCommand(page, 'MySQL TLS: New Query');
    await pick(page, VERIFIED, 'New Query: choose the connection');
    await pick(page, 'sandbox', 'New Query: choose the database');
    await statusText(page, /Sandbox VERIFY_IDENTITY · sandbox: verified identity · TLSv1\.[23]/);
    // With a bound query editor focused there is still one item (no second query-binding item beside it).
    assert.equal(await page.locator('[id="workbench.parts.statusbar"] [id^="mysql-tls.mysql-tls."]').count(), 1);
    await screenshot(page, 'statusbar-4-query-editor');

    await select(page, PLAINTEXT);
    await statusText(page, /Sandbox plaintext server: plaintext/);
    // Back to work in the editor (typing moves its cursor): its binding again.
    await dismissHovers(page);
    await page.locator('[id="workbench.parts.editor"] .monaco-editor .view-lines').first().click();
    await page.keyboard.insertText('SELECT 1;');
    await statusText(page, /Sandbox VERIFY_IDENTITY · sandbox: verified identity/);
    await screenshot(page, 'statusbar-5-back-to-the-editor');
  });
});
