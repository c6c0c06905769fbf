/**
 * The UI figures of `npm run bench`: the packaged extension in code-server, driven by Chromium (playwright-core),
 * each figure against a baseline measured in the same run, interleaved. Runs inside scripts/e2e/with-keyring.sh
 * (the extension reads its passwords from the keychain), started by scripts/bench.ts:
 *   bash scripts/e2e/with-keyring.sh node out/scripts/bench/ui.js [--runs N] [--tables 1000,10000] [--only connect]
 * Prints one JSON line (UiResult) last. Not a test: nothing here fails on time.
 *
 * Timing happens inside the page: a capturing listener takes the input event's own timestamp (event.timeStamp) and
 * a MutationObserver the moment the DOM shows the result, both as performance.timeOrigin + a high-resolution
 * offset, so playwright's polling and its round trips to the browser are not counted. The results grid lives in a
 * webview (an iframe of another origin): its clock is read the same way (timeOrigin + now), which puts both frames
 * on one epoch timeline.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, openMysqlTlsView, treeItem } from '../../test/e2e/harness';
import { ROOT, startCodeServer, type CodeServer } from '../e2e/codeServer';
import { KEYCHAIN_SERVICE, loadSandboxDescription, passwordFor, seedKeychain, workspacePasswordAccount, writeDemoWorkspace } from '../demo/workspace';
import { openSession } from '../../src/core/mysql/session';
import { planTls } from '../../src/core/tls/tlsPlan';
import { TABLES_SQL } from '../../src/core/mysql/schema';
import { decodeBoundSecret } from '../../src/core/secrets/secretBinding';
import { tablesDatabase } from './fixtures';

export interface UiSample {
  ui: number[];
  baseline: number[];
  /** Connect: click → the spinner icon (the command ran and the tree re-rendered once). */
  spinner?: number[];
  /** Run: key → the first row count announced in the grid (before the grid asked for the rows' page). */
  counted?: number[];
}

export interface UiResult {
  connect?: UiSample;
  /** Run → first rows painted / → final count shown, and the bare driver's first 100 rows / all rows. */
  query?: { first: UiSample; final: UiSample; rowsAtFirstPaint: number[]; visibleRows: number };
  /** Per table count: expand → first table node visible, and the single information_schema query. */
  expand?: Record<string, UiSample>;
  memory?: { extHostBeforeMB: number; extHostAfterMB: number; extHostAfter3MB: number; webviewHeapMB: number; webviewHeapBeforeMB: number };
  durationS: number;
}

const CONNECTION = 'Sandbox VERIFY_IDENTITY';
const CONNECTION_ID = 'sandbox-verify-identity';
const WAIT = 60_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (line: string): void => void process.stderr.write(`bench ui: ${line}\n`);

/** In the workbench page: resolves with ms from the click on the row's Connect action to the verified icon on that row. */
const CONNECT_OBSERVER = `(label) => {
  window.__benchConnect = new Promise((resolve, reject) => {
    let clickAt;
    let spinnerAt;
    const find = () => {
      for (const r of document.querySelectorAll('[id="workbench.parts.sidebar"] [role="treeitem"]')) {
        const n = r.querySelector('.label-name');
        if (n && n.textContent.trim() === label) return r;
      }
      return undefined;
    };
    const check = () => {
      if (clickAt === undefined) return;
      const row = find();
      // The connected-and-verified icons (VERIFY_IDENTITY: verified-filled, VERIFY_CA: verified; src/core/presentation/securityState.ts).
      if (row && spinnerAt === undefined && row.querySelector('.codicon-loading')) spinnerAt = performance.timeOrigin + performance.now();
      if (!row || !row.querySelector('.codicon-verified-filled, .codicon-verified')) return;
      const at = performance.timeOrigin + performance.now();
      done();
      resolve({ total: at - clickAt, spinner: spinnerAt === undefined ? -1 : spinnerAt - clickAt });
    };
    const onClick = (e) => { if (clickAt === undefined) clickAt = performance.timeOrigin + e.timeStamp; check(); };
    const mo = new MutationObserver(check);
    const timer = setTimeout(() => { done(); reject(new Error('no verified icon within 60 s')); }, 60000);
    const done = () => { mo.disconnect(); clearTimeout(timer); document.removeEventListener('click', onClick, true); };
    document.addEventListener('click', onClick, true);
    mo.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
  });
}`;

/** In the workbench page: resolves with ms from the click on a twistie to a tree row labelled `child` in the DOM. */
const EXPAND_OBSERVER = `(child) => {
  window.__benchExpand = new Promise((resolve, reject) => {
    let clickAt;
    const check = () => {
      if (clickAt === undefined) return;
      for (const n of document.querySelectorAll('[id="workbench.parts.sidebar"] [role="treeitem"] .label-name')) {
        if (n.textContent.trim() === child) {
          const at = performance.timeOrigin + performance.now();
          done();
          resolve(at - clickAt);
          return;
        }
      }
    };
    const onClick = (e) => { if (clickAt === undefined) clickAt = performance.timeOrigin + e.timeStamp; check(); };
    const mo = new MutationObserver(check);
    const timer = setTimeout(() => { done(); reject(new Error('no ' + child + ' node within 120 s')); }, 120000);
    const done = () => { mo.disconnect(); clearTimeout(timer); document.removeEventListener('click', onClick, true); };
    document.addEventListener('click', onClick, true);
    mo.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}`;

/** In the workbench page: the epoch time of the next Ctrl+Enter keydown. */
const KEY_OBSERVER = `() => {
  window.__benchKey = new Promise((resolve) => {
    const onKey = (e) => {
      if (e.key !== 'Enter' || !e.ctrlKey) return;
      document.removeEventListener('keydown', onKey, true);
      resolve(performance.timeOrigin + e.timeStamp);
    };
    document.addEventListener('keydown', onKey, true);
  });
}`;

/**
 * In the results webview: epoch times when the first row of this run (its first cell reads `firstCell`) is in the
 * DOM, when the frame that paints it starts (requestAnimationFrame), and when the count shows all `total` rows.
 */
const GRID_OBSERVER = `([firstCell, total]) => {
  window.__benchGrid = new Promise((resolve, reject) => {
    const r = {};
    const now = () => performance.timeOrigin + performance.now();
    const check = () => {
      if (r.count === undefined && /^[1-9][0-9,]* rows? so far/.test((document.getElementById('rowcount') || {}).textContent || '')) r.count = now();
      if (r.dom === undefined) {
        const cell = document.getElementById('cell-0-1');
        if (cell && cell.textContent === firstCell) {
          r.dom = now();
          r.rows = Number(((document.getElementById('rowcount') || {}).textContent || '').split(' ')[0].replace(/,/g, ''));
          r.visible = document.querySelectorAll('#grid-body .row').length;
          requestAnimationFrame(() => { r.paint = now(); finish(); });
        }
      }
      if (r.final === undefined && r.dom !== undefined) {
        const text = (document.getElementById('rowcount') || {}).textContent || '';
        if (text.startsWith(total + ' row') && !text.includes('so far')) r.final = now();
      }
      finish();
    };
    const finish = () => {
      if (r.paint === undefined || r.final === undefined) return;
      mo.disconnect();
      clearTimeout(timer);
      resolve(r);
    };
    const mo = new MutationObserver(check);
    const timer = setTimeout(() => { mo.disconnect(); reject(new Error('the grid did not finish within 120 s: ' + JSON.stringify(r))); }, 120000);
    mo.observe(document.body, { subtree: true, childList: true, characterData: true });
    check();
  });
}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The extension host of this code-server (its process group): resident memory in MB. */
function extensionHostRssMB(server: CodeServer): number {
  let best = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp !== server.pid) continue;
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('extensionHost')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) best = Math.max(best, Number(rss[1]) / 1024);
    } catch {
      /* a process that ended meanwhile */
    }
  }
  return best;
}

async function resultsFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (await f.evaluate("!!document.getElementById('grid-body')").catch(() => false)) return f;
    }
    await page.waitForTimeout(100);
  }
  throw new Error('no results webview');
}

async function replaceEditorText(page: Page, sql: string): Promise<void> {
  await page.locator('[id="workbench.parts.editor"] .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
}

/** Whether the connection row shows `icon` (a codicon name). */
function rowIcon(page: Page, icon: string): Promise<unknown> {
  return page.waitForFunction(
    `(() => { for (const r of document.querySelectorAll('[id="workbench.parts.sidebar"] [role="treeitem"]')) { const n = r.querySelector('.label-name'); if (n && n.textContent.trim() === ${JSON.stringify(CONNECTION)}) return !!r.querySelector('.codicon-${icon}'); } return false; })()`,
    undefined,
    { timeout: WAIT },
  );
}

async function clickRowAction(page: Page, label: string, action: string): Promise<void> {
  const row = treeItem(page, label).first();
  await row.hover();
  await row.locator(`.action-label[aria-label^="${action}"]`).first().click();
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const runs = Number(arg('--runs') ?? 10);
  const tableSizes = (arg('--tables') ?? '1000,10000,50000').split(',').filter(Boolean).map(Number);
  const only = arg('--only')?.split(',');
  const want = (name: string): boolean => !only || only.includes(name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2') as typeof import('mysql2');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const keytar = require('keytar') as typeof import('keytar');

  const sb = loadSandboxDescription();
  const base = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-bench-ui-'));
  const workspace = path.join(base, 'workspace');
  const connections = writeDemoWorkspace(workspace, sb);
  await seedKeychain(sb, connections);
  const server = await startCodeServer({ workspace, stateDir: path.join(base, 'code-server') });
  let browser: Browser | undefined;
  const result: UiResult = { durationS: 0 };
  const bare = mysql.createConnection({
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    password: sb.accounts.app_none!.password,
    ssl: { ca: readFileSync(sb.certs.ca, 'utf8'), rejectUnauthorized: true, verifyIdentity: true } as never,
    database: 'sandbox',
  });
  bare.on('error', () => undefined); // a lost link fails the query that needed it, not the process
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Precise (not bucketed) performance.memory, and gc() so the webview's heap is read after a collection.
      args: [...CHROMIUM_FLAGS, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
      env: { ...process.env, XDG_CONFIG_HOME: path.join(base, 'chromium') } as Record<string, string>,
      timeout: WAIT,
    });
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await page.goto(server.url, { waitUntil: 'domcontentloaded', timeout: WAIT });
    await page.locator('.monaco-workbench').waitFor({ timeout: WAIT });
    await openMysqlTlsView(page);
    const row = treeItem(page, CONNECTION).first();
    await row.waitFor({ state: 'visible', timeout: WAIT });

    // 1. Connect → verified icon, vs the keychain read + the engine's connect with a cached plan (what the
    // extension's registry does from the second connect on: the plan is cached and the TLS session resumes).
    const demo = connections.find((c) => c.profile.id === CONNECTION_ID)!;
    const profile = demo.profile;
    const plan = await planTls({ profile, secrets: { password: passwordFor(sb, demo) } });
    const engineConnect = async (): Promise<number> => {
      const started = performance.now();
      const stored = await keytar.getPassword(KEYCHAIN_SERVICE, workspacePasswordAccount(CONNECTION_ID));
      if (!stored) throw new Error('the seeded password is not in the keychain');
      const s = await openSession({ profile, secrets: { password: decodeBoundSecret(stored).value }, plan });
      const ms = performance.now() - started;
      await s.close();
      return ms;
    };
    const spinner: number[] = [];
    const uiConnect = async (): Promise<number> => {
      await page.evaluate(`(${CONNECT_OBSERVER})(${JSON.stringify(CONNECTION)})`);
      await clickRowAction(page, CONNECTION, 'Connect');
      const seen = (await page.evaluate('window.__benchConnect')) as { total: number; spinner: number };
      spinner.push(seen.spinner);
      return seen.total;
    };
    const connectRuns = want('connect') ? runs : 0;
    const connect: UiSample = { ui: [], baseline: [] };
    for (let i = -1; i < connectRuns; i++) {
      const ui = await uiConnect();
      // The extension asks the server's own view right after connecting; let that finish before disconnecting.
      await page.waitForTimeout(300);
      await clickRowAction(page, CONNECTION, 'Disconnect');
      await rowIcon(page, 'plug');
      // VS Code holds a tree change that comes within 200 ms of the previous one until 200 ms after it
      // (src/core/presentation/treeRefresh.ts): a click right after the Disconnect's refresh would measure that
      // window, not the connect. A user's next click comes later than that; so does this one.
      await page.waitForTimeout(400);
      const engine = await engineConnect();
      if (i >= 0) {
        connect.ui.push(ui);
        connect.baseline.push(engine);
      }
    }
    if (connectRuns > 0) {
      result.connect = { ...connect, spinner: spinner.slice(1) };
      log(`connect: ui ${median(connect.ui).toFixed(1)} ms, engine ${median(connect.baseline).toFixed(1)} ms`);
    }

    // Connected for what follows; the connection's databases listed.
    await uiConnect();
    await row.locator('.monaco-tl-twistie').click();
    const dbRow = treeItem(page, 'sandbox').first();
    await dbRow.waitFor({ state: 'visible', timeout: WAIT });
    result.memory = { extHostBeforeMB: extensionHostRssMB(server), extHostAfterMB: 0, extHostAfter3MB: 0, webviewHeapMB: 0, webviewHeapBeforeMB: 0 };

    // 2. Run → first rows painted / final count, vs bare mysql2's first 100 rows / all rows of the same query.
    const queryRuns = want('query') ? runs : 0;
    if (queryRuns > 0) {
      await dbRow.hover();
      await dbRow.locator('.action-label[aria-label^="New Query"]').first().click();
      await page
        .locator('[id="mysql-tls.mysql-tls.mysqlTls.status"]')
        .filter({ hasText: `${CONNECTION} · sandbox` })
        .waitFor({ timeout: WAIT });
      await replaceEditorText(page, 'SELECT 1 AS warm, 2 AS up');
      await page.keyboard.press('Control+Enter');
      const grid = await resultsFrame(page);
      // Polled with evaluate: waitForFunction compiles its predicate inside the page, which the grid's CSP forbids.
      for (const deadline = Date.now() + WAIT; !(await grid.evaluate("!!(document.getElementById('rowcount') || {}).textContent?.startsWith('1 row')"));) {
        if (Date.now() > deadline) throw new Error('the warm-up query did not show its row');
        await page.waitForTimeout(50);
      }
      const gc = async (): Promise<number> =>
        (await grid.evaluate('(window.gc && window.gc(), performance.memory ? performance.memory.usedJSHeapSize : 0)')) as number;
      result.memory.webviewHeapBeforeMB = (await gc()) / 1048576;
      const sqlOf = (i: number): string => `SELECT seq AS n, CONCAT('r${i} ', seq) AS label, seq * 1.5 AS x FROM seq_1_to_1000000`;
      const bareRun = (sql: string): Promise<{ first: number; all: number }> =>
        new Promise((resolve, reject) => {
          const started = performance.now();
          let n = 0;
          let first = 0;
          bare
            .query(sql)
            .on('result', () => {
              if (++n === 100) first = performance.now() - started;
            })
            .on('error', reject)
            .on('end', () => resolve({ first, all: performance.now() - started }));
        });
      const q = {
        first: { ui: [] as number[], baseline: [] as number[], counted: [] as number[] },
        final: { ui: [] as number[], baseline: [] as number[] },
        rowsAtFirstPaint: [] as number[],
        visibleRows: 0,
      };
      for (let i = -1; i < queryRuns; i++) {
        const label = i + 2; // r1 is the warm-up
        await replaceEditorText(page, sqlOf(label));
        await grid.evaluate(`(${GRID_OBSERVER})(${JSON.stringify([`r${label} 1`, '1,000,000'])})`);
        await page.evaluate(`(${KEY_OBSERVER})()`);
        await page.keyboard.press('Control+Enter');
        const seen = (await grid.evaluate('window.__benchGrid')) as {
          count?: number;
          dom: number;
          paint: number;
          final: number;
          rows: number;
          visible: number;
        };
        const keyAt = (await page.evaluate('window.__benchKey')) as number;
        if (process.env.BENCH_KEEP) log(`key ${keyAt.toFixed(1)} count ${seen.count?.toFixed(1)} dom ${seen.dom.toFixed(1)} paint ${seen.paint.toFixed(1)}`);
        const b = await bareRun(sqlOf(label));
        if (i >= 0) {
          q.first.ui.push(seen.paint - keyAt);
          q.first.counted!.push(seen.count === undefined ? -1 : seen.count - keyAt);
          q.final.ui.push(seen.final - keyAt);
          q.first.baseline.push(b.first);
          q.final.baseline.push(b.all);
          q.rowsAtFirstPaint.push(seen.rows);
          q.visibleRows = seen.visible;
        }
        if (i === 0) result.memory.extHostAfterMB = extensionHostRssMB(server);
      }
      result.query = q;
      result.memory.extHostAfter3MB = extensionHostRssMB(server);
      result.memory.webviewHeapMB = (await gc()) / 1048576;
      log(
        `query: first rows ${median(q.first.ui).toFixed(0)} ms (bare ${median(q.first.baseline).toFixed(0)}), all ${median(q.final.ui).toFixed(0)} ms (bare ${median(q.final.baseline).toFixed(0)})`,
      );
    }

    // 3. Expand a database of N tables → its first table node visible, vs the single information_schema query.
    // Before each expand the view is refreshed (the tree keeps a collapsed node's children until then).
    if (want('expand')) {
      result.expand = {};
      const sidebar = page.locator('[id="workbench.parts.sidebar"]');
      for (const n of tableSizes) {
        const db = tablesDatabase(n);
        const sample: UiSample = { ui: [], baseline: [] };
        const reps = n >= 50_000 ? Math.max(1, Math.ceil(runs / 4)) : n <= 1000 ? runs : runs;
        for (let i = -1; i < reps; i++) {
          await sidebar.locator('.action-label[aria-label^="Refresh"]').first().click();
          const dbNode = treeItem(page, db).first();
          await dbNode.waitFor({ state: 'visible', timeout: WAIT });
          await page.waitForTimeout(300);
          if ((await dbNode.getAttribute('aria-expanded')) === 'true') {
            await dbNode.locator('.monaco-tl-twistie').click();
            await page.waitForTimeout(200);
            continue;
          }
          await page.evaluate(`(${EXPAND_OBSERVER})('t00000')`);
          await dbNode.locator('.monaco-tl-twistie').click();
          const ui = (await page.evaluate('window.__benchExpand')) as number;
          await dbNode.locator('.monaco-tl-twistie').click(); // collapse again
          const started = performance.now();
          await new Promise<void>((resolve, reject) => bare.query(TABLES_SQL, [db], (err) => (err ? reject(err) : resolve())));
          const query = performance.now() - started;
          if (i >= 0) {
            sample.ui.push(ui);
            sample.baseline.push(query);
          }
        }
        result.expand[String(n)] = sample;
        log(`expand ${db}: ui ${median(sample.ui).toFixed(0)} ms, query ${median(sample.baseline).toFixed(0)} ms`);
      }
    }
  } catch (e) {
    // What the page showed when a figure could not be taken: a screenshot and the connection row's markup.
    const pages = browser?.contexts().flatMap((c) => c.pages()) ?? [];
    const artifacts = path.join(ROOT, 'test-artifacts', 'bench');
    mkdirSync(artifacts, { recursive: true });
    for (const p of pages) {
      await p.screenshot({ path: path.join(artifacts, 'ui-failure.png') }).catch(() => undefined);
      const html = await treeItem(p, CONNECTION)
        .first()
        .evaluate('(e) => e.outerHTML', undefined, { timeout: 2000 })
        .catch(() => 'no row');
      log(`failed; screenshot in ${path.relative(ROOT, artifacts)}/ui-failure.png; the connection row: ${String(html).slice(0, 1500)}`);
    }
    throw e;
  } finally {
    bare.destroy();
    await browser?.close().catch(() => undefined);
    await server.stop();
    for (const c of connections) await keytar.deletePassword(KEYCHAIN_SERVICE, workspacePasswordAccount(c.profile.id)).catch(() => false);
    if (process.env.BENCH_KEEP) log(`kept ${base}`);
    else rmSync(base, { recursive: true, force: true });
  }
  result.durationS = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify(result) + '\n');
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`bench ui: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
