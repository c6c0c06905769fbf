/**
 * The SQL editor and results grid as a user drives them, over the "Sandbox VERIFY_IDENTITY" connection:
 * connect, open a query editor from a database node in the tree (in the MySQL language mode, highlighted by
 * the SQL grammar), run a query with Ctrl+Enter and see rows stream into the grid (NULL shown distinctly,
 * SQL type names in the header, a header that fits the default width with every action in its menu),
 * export and open the file from the toast, see a server error at its statement, then run SELECT SLEEP(30)
 * and cancel it from the results view (KILL QUERY over a second TLS session).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import {
  answerInput,
  expand,
  filesContaining,
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

// One status bar item for the focused context: with a query editor focused, it shows that editor's binding.
const QUERY_BINDING_ITEM = '[id="mysql-tls.mysql-tls.mysqlTls.status"]';
const CONNECTION = 'Sandbox VERIFY_IDENTITY';

/** The results webview (nested iframes). */
function results(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview').last().frameLocator('#active-frame');
}

async function replaceEditorText(page: Page, sql: string): Promise<void> {
  // A click (not a focus() call) makes the editor the active one again after the webview had focus.
  await page.locator('[id="workbench.parts.editor"] .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText: one input event, so auto-closing quotes and brackets do not double anything.
  await page.keyboard.insertText(sql);
}

/**
 * Answers the export's save dialog. VS Code's simple file dialog fills in the default path (…/result-1.csv)
 * just after it shows: a path typed before that would be joined to it.
 */
async function answerSaveDialog(page: Page, file: string, what: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  const deadline = Date.now() + UI_TIMEOUT;
  while (!/result-\d+\.(csv|json)$/.test(await input.inputValue()) && Date.now() < deadline) await page.waitForTimeout(50);
  await answerInput(page, file, what);
}

describe('e2e query editor', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('query');
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'query-final');
    await env?.stop();
  });

  test('opens a query editor from the tree, streams 1,000,000 rows into the grid, reports errors, cancels SLEEP(30)', async () => {
    try {
      await runCommand(page, 'MySQL TLS: Connect');
      await pick(page, CONNECTION, 'Connect: choose the connection');
      await openMysqlTlsView(page);
      const connectionRow = treeItem(page, CONNECTION).first();
      await connectionRow.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await expand(connectionRow);
      const dbRow = treeItem(page, 'sandbox').first();
      await dbRow.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await treeItem(page, 'System schemas').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await expand(dbRow);
      await treeItem(page, 'greetings').first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await screenshot(page, 'query-1-schema-tree');

      // "New Query" is an inline action of the database row.
      await dbRow.hover();
      await dbRow.locator('.action-label[aria-label^="New Query"]').first().click();
      const binding = page.locator(QUERY_BINDING_ITEM);
      await binding.filter({ hasText: `${CONNECTION} · sandbox` }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await binding.innerText(), /: verified identity · TLSv1\.[23]/, 'the binding shows the verified TLS session');
      // New Query documents are in the MySQL language (not VS Code's "MS SQL"), highlighted by the SQL grammar.
      await page.locator('[id="status.editor.mode"]', { hasText: /^MySQL$/ }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });

      await replaceEditorText(page, "SELECT seq AS n, CONCAT('row ', seq) AS label, IF(seq % 3 = 0, NULL, seq) AS maybe FROM seq_1_to_1000000;");
      const started = Date.now();
      await page.keyboard.press('Control+Enter');
      const view = results(page);
      await view
        .locator('.cell', { hasText: /^row 1$/ })
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await view.locator('#rowcount', { hasText: /^1,000,000 rows/ }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await view.locator('#state', { hasText: /^1 statement ran · / }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.ok(await view.locator('.cell.null', { hasText: 'NULL' }).first().isVisible(), 'NULL is shown distinctly');
      const keyword = page.locator('[id="workbench.parts.editor"] .view-lines span span', { hasText: /^SELECT$/ }).first();
      assert.notEqual(await keyword.getAttribute('class', { timeout: UI_TIMEOUT }), 'mtk1', 'SELECT is highlighted as a keyword (the SQL grammar applies)');
      const header = await view.locator('#grid-head').innerText();
      assert.match(header, /label/);
      // SQL type names, not the driver's (LONGLONG, VAR_STRING).
      assert.match(header, /BIGINT UNSIGNED/);
      assert.match(header, /VARCHAR\(\d+\)/);
      assert.doesNotMatch(header, /LONGLONG|VAR_STRING/);
      assert.match(await view.locator('[role="tab"]').first().innerText(), /^Statement 1 \(line 1\) · 1,000,000 rows$/);
      // Nothing in either toolbar is cut off at the default width: each fits, and the menu button is inside the view.
      for (const bar of ['header.toolbar', '#result-toolbar']) {
        const { scroll, client } = await view.locator(bar).evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth }));
        assert.ok(scroll <= client, `${bar} fits: ${scroll} <= ${client}`);
      }
      const { right, width } = await view
        .locator('#more')
        .evaluate((e) => ({ right: e.getBoundingClientRect().right, width: e.ownerDocument.documentElement.clientWidth }));
      assert.ok(right <= width, `the More actions button is visible (${right} <= ${width})`);
      await view.locator('#more').click();
      await view.locator('#more-menu').waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.deepEqual(await view.locator('#more-menu [role="menuitem"]').allTextContents(), [
        'Copy CellCtrl+C',
        'Copy RowCtrl+Shift+C',
        'Export as CSV…',
        'Export as JSON…',
      ]);
      await screenshot(page, 'query-2a-grid-header-menu');
      await page.keyboard.press('Escape');
      await view.locator('#more-menu').waitFor({ state: 'hidden', timeout: UI_TIMEOUT });
      // Keyboard: Ctrl+End jumps to the last row; the grid fetches that window by index.
      await view.locator('#grid').focus();
      await page.keyboard.press('Control+End');
      await view
        .locator('.cell', { hasText: /^row 1000000$/ })
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const rendered = await view.locator('#grid-body .row').count();
      // The grid scrolls by proportion past 8 M px; the last row is reachable and the DOM stays a window.
      assert.ok(rendered < 200, `only a window of rows is in the DOM (${rendered})`);
      await screenshot(page, 'query-2-rows');
      const elapsed = Date.now() - started;
      assert.ok(elapsed < UI_TIMEOUT, `1,000,000 rows shown in ${elapsed} ms`);

      // Export CSV streams the stored rows to a file (the save dialog is VS Code's own in the browser).
      const csvFile = path.join(env.workspace, 'result-1.csv');
      await view.locator('#more').click();
      await view.locator('#menu-export-csv').click();
      await answerSaveDialog(page, csvFile, 'export: save dialog');
      const exported = notification(page, /exported 1,000,000 rows/).first();
      await exported.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      // The next step is offered: Open. In a browser there is no OS file manager to reveal the file in.
      assert.deepEqual(await exported.locator('.monaco-button').allInnerTexts(), ['Open']);
      const csv = readFileSync(csvFile, 'utf8');
      assert.ok(csv.startsWith('n,label,maybe\r\n1,row 1,1\r\n2,row 2,2\r\n3,row 3,\r\n'), csv.slice(0, 80));
      assert.equal(csv.split('\r\n').length, 1_000_002, 'header, 1,000,000 rows and the final line break');
      await screenshot(page, 'query-2b-exported');

      // A server error names errno and message; the statement gets a diagnostic.
      await replaceEditorText(page, 'SELECT 1;\nSELECT * FROM no_such_table;');
      await page.keyboard.press('Control+Shift+Enter');
      await view.locator('#state', { hasText: /Statement 2 \(line 2, column 1\) failed: Error 1146/ }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await view.locator('#statements').innerText(), /^Statement 1 \(line 1\): 1 row · /);
      await screenshot(page, 'query-3-error');

      // Export JSON (the button that used to be cut off) from the menu, then Open from the toast.
      const jsonFile = path.join(env.workspace, 'result-1.json');
      await view.locator('#more').click();
      await view.locator('#menu-export-json').click();
      await answerSaveDialog(page, jsonFile, 'export JSON: save dialog');
      const exportedJson = notification(page, /exported 1 row to .*result-1\.json/).first();
      await exportedJson.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await exportedJson.locator('.monaco-button', { hasText: /^Open$/ }).click();
      await page.locator('.tabs-container .tab', { hasText: 'result-1.json' }).first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.deepEqual(JSON.parse(readFileSync(jsonFile, 'utf8')), [{ '1': 1 }]);
      await screenshot(page, 'query-3b-export-opened');
      // Back to the query editor (the JSON file opened in the active group; an untitled tab is named by its first line).
      await page.locator('.tabs-container .tab', { hasText: 'Untitled-1', hasNotText: 'Results' }).first().click();

      await replaceEditorText(page, 'SELECT SLEEP(30);');
      await page.keyboard.press('Control+Enter');
      const cancel = view.locator('#cancel');
      await cancel.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await view.locator('#state', { hasText: /Running/ }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await screenshot(page, 'query-4-running');
      const cancelAt = Date.now();
      await cancel.click();
      await view.locator('#state', { hasText: /Cancelled \(KILL QUERY\) during statement 1 \(line 1\) after .*; it did not finish\./ }).waitFor({
        state: 'visible',
        timeout: 15_000,
      });
      assert.ok(Date.now() - cancelAt < 15_000, 'cancelled well before SLEEP(30) would end');
      assert.ok(await cancel.isHidden(), 'the Cancel button goes away');
      await screenshot(page, 'query-5-cancelled');

      // mysqlTls.logQueries is off by default: no log file of the session holds the query text.
      const logged = filesContaining([env.server.userDataDir], 'run finished: 1 statement(s)').filter((f) => f.endsWith('.log'));
      assert.ok(logged.length > 0, 'the extension log (a .log file) records that runs happened');
      const logs = filesContaining([env.server.userDataDir], 'seq_1_to_1000000').filter((f) => f.endsWith('.log'));
      assert.deepEqual(logs, [], 'query text is not in any log');
    } catch (e) {
      await screenshot(page, 'query-failure');
      throw e;
    }
  });
});
