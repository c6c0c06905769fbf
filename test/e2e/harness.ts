/**
 * E2E harness: one code-server (with the packaged VSIX) on a generated sandbox workspace, driven by Debian's
 * Chromium through playwright-core. The test process runs inside scripts/e2e/with-keyring.sh, so it shares
 * the Secret Service with the extension host and can check the keychain itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { ROOT, startCodeServer, type CodeServer } from '../../scripts/e2e/codeServer';
import { loadSandboxDescription, seedKeychain, writeDemoWorkspace, type DemoConnection } from '../../scripts/demo/workspace';
import type { SandboxDescription } from '../../scripts/sandbox';

export const ARTIFACTS = process.env.MYSQL_TLS_E2E_ARTIFACTS ?? path.join(ROOT, 'test-artifacts', 'e2e');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
/** Long enough for a cold extension host on a 2-core machine; every wait is for something rendered. */
export const UI_TIMEOUT = 30_000;

export const STATUS_BAR_ITEM = '[id="mysql-tls.mysql-tls.mysqlTls.status"]';

export interface E2eEnv {
  sandbox: SandboxDescription;
  connections: DemoConnection[];
  workspace: string;
  server: CodeServer;
  browser: Browser;
  context: BrowserContext;
  /** Closes Chromium and stops code-server (its whole process group). */
  stop(): Promise<void>;
}

/**
 * Sandbox workspace + keychain seed + code-server + Chromium. `name` labels temp folders and screenshots.
 * `options.vsix`: another VSIX than $MYSQL_TLS_VSIX (the universal one); `options.seedKeychain: false` leaves the keychain empty.
 */
export async function startE2e(name: string, options: { vsix?: string; seedKeychain?: boolean } = {}): Promise<E2eEnv> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const base = mkdtempSync(path.join(os.tmpdir(), `mysql-tls-e2e-${name}-`));
  const sandbox = loadSandboxDescription();
  const workspace = path.join(base, 'workspace');
  const connections = writeDemoWorkspace(workspace, sandbox);
  if (options.seedKeychain !== false) await seedKeychain(sandbox, connections);
  const server = await startCodeServer({ workspace, stateDir: path.join(base, 'code-server'), vsix: options.vsix });
  let browser: Browser | undefined;
  try {
    const chromeXdg = path.join(base, 'chromium');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(chromeXdg, 'config'),
        XDG_CACHE_HOME: path.join(chromeXdg, 'cache'),
        XDG_DATA_HOME: path.join(chromeXdg, 'data'),
      } as Record<string, string>,
      timeout: 60_000,
    });
  } catch (e) {
    await server.stop();
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const b = browser;
  return {
    sandbox,
    connections,
    workspace,
    server,
    browser: b,
    context,
    async stop() {
      await b.close().catch(() => undefined);
      await server.stop();
      // Logs stay for a failed run when MYSQL_TLS_E2E_KEEP is set; the default leaves /tmp clean.
      if (!process.env.MYSQL_TLS_E2E_KEEP) rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Opens the workbench in a new page and waits until it has rendered. Each page gets a fresh extension host. */
export async function openWorkbench(env: E2eEnv): Promise<Page> {
  const page = await env.context.newPage();
  await page.goto(env.server.url, { waitUntil: 'domcontentloaded', timeout: UI_TIMEOUT });
  await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT });
  await page.locator('[id="workbench.parts.statusbar"]').waitFor({ timeout: UI_TIMEOUT });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) }).catch(() => undefined);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const quickInput = (page: Page): Locator => page.locator('.quick-input-widget');
const quickInputBox = (page: Page): Locator => page.locator('.quick-input-widget .quick-input-box input');

/** Rows of the visible quick pick whose label is exactly `label`. */
export function quickPickRow(page: Page, label: string): Locator {
  return quickInput(page)
    .locator('.monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }) });
}

/** A fingerprint of the quick input's current step, to know when the next step has replaced it. */
async function quickInputState(page: Page): Promise<string> {
  // A string, not a function: the project compiles without the DOM lib.
  return page.evaluate<string>(`(() => {
    const w = document.querySelector('.quick-input-widget');
    if (!w || w.style.display === 'none' || w.offsetParent === null) return 'hidden';
    const input = w.querySelector('.quick-input-box input');
    const text = (sel) => ((w.querySelector(sel) || {}).textContent || '').trim();
    const rows = Array.from(w.querySelectorAll('.monaco-list-row .label-name')).slice(0, 8).map((r) => r.textContent).join('|');
    return [text('.quick-input-title'), input && input.placeholder, input && input.type, input && input.getAttribute('aria-label'), text('.quick-input-message'), rows].join('\u00a6');
  })()`);
}

async function waitForNextStep(page: Page, before: string, what: string): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT;
  while ((await quickInputState(page)) === before) {
    if (Date.now() > deadline) throw new Error(`quick input did not move on after ${what}`);
    await page.waitForTimeout(50);
  }
}

/** Runs a command from the palette (F1) by its full title, e.g. "MySQL TLS: Add Connection". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page
    .locator('.monaco-workbench')
    .click({ position: { x: 700, y: 400 }, force: true })
    .catch(() => undefined);
  await page.keyboard.press('F1');
  const input = quickInputBox(page);
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await input.fill(`>${title}`);
  const row = quickPickRow(page, title);
  try {
    await row.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  } catch {
    throw new Error(`command "${title}" is not in the command palette`);
  }
  const before = await quickInputState(page);
  await row.first().click();
  await waitForNextStep(page, before, `running "${title}"`).catch(() => undefined); // a command may show nothing
}

/** Answers the current InputBox step with `value` (replacing any default) and waits for the next step. */
export async function answerInput(page: Page, value: string, what: string): Promise<void> {
  const input = quickInputBox(page);
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  const before = await quickInputState(page);
  await input.fill(value);
  await input.press('Enter');
  await waitForNextStep(page, before, what);
}

/** Picks the item labelled exactly `label` in the current QuickPick step and waits for the next step. */
export async function pick(page: Page, label: string, what: string): Promise<void> {
  const row = quickPickRow(page, label);
  try {
    await row.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  } catch {
    const labels = await quickInput(page).locator('.monaco-list-row .label-name').allTextContents();
    throw new Error(`${what}: no quick pick item "${label}" (items: ${labels.join(', ') || 'none'})`);
  }
  const before = await quickInputState(page);
  await row.first().click();
  await waitForNextStep(page, before, what);
}

/** Opens the MySQL TLS view container from the activity bar and waits for the Connections view. */
export async function openMysqlTlsView(page: Page): Promise<Locator> {
  const tab = page.getByRole('tab', { name: /^MySQL TLS/ });
  await tab.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  const sidebar = page.locator('[id="workbench.parts.sidebar"]');
  // With one view in the container its pane header is hidden and the side bar title reads "MySQL TLS: Connections".
  const title = sidebar.locator('.composite.title').filter({ hasText: /MySQL TLS/i });
  if (
    !(await title
      .first()
      .isVisible()
      .catch(() => false))
  )
    await tab.first().click();
  await title.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await sidebar.locator('.pane-header[aria-label^="Connections"]').first().waitFor({ state: 'attached', timeout: UI_TIMEOUT });
  return sidebar;
}

/**
 * The tree row whose label (not description or tooltip) matches: a string must match from the start up to
 * a word boundary (so "TLS" is not "TLS Details"), a RegExp as given.
 */
export function treeItem(page: Page, label: string | RegExp): Locator {
  const name = typeof label === 'string' ? new RegExp(`^\\s*${escapeRegExp(label)}(?![\\w-])`) : label;
  return page
    .locator('[id="workbench.parts.sidebar"]')
    .getByRole('treeitem')
    .filter({ has: page.locator('.label-name', { hasText: name }) });
}

/**
 * Expands a tree row (clicking its twistie, not the row, so no command runs). The row may only become
 * collapsible after a refresh (e.g. once connected), so this waits for that rather than checking once.
 */
export async function expand(row: Locator): Promise<void> {
  const deadline = Date.now() + UI_TIMEOUT;
  let clickedAt = 0;
  for (;;) {
    const state = await row.getAttribute('aria-expanded', { timeout: UI_TIMEOUT });
    if (state === 'true') return;
    if (Date.now() > deadline) throw new Error(`tree row did not expand (aria-expanded=${state})`);
    if (state === 'false' && Date.now() - clickedAt > 2000) {
      await row.locator('.monaco-tl-twistie').click();
      clickedAt = Date.now();
    }
    await row.page().waitForTimeout(100);
  }
}

/** A toast whose text matches `text`. */
export function notification(page: Page, text: RegExp): Locator {
  return page.locator('.notification-toast').filter({ hasText: text });
}

/** Every regular file below `dir` (bounded), for "the secret is nowhere on disk" checks. */
export function filesBelow(dir: string, limit = 20_000): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      const p = path.join(d, e);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 50_000_000) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Files below `dirs` whose bytes contain `secret`. */
export function filesContaining(dirs: string[], secret: string): string[] {
  const needle = Buffer.from(secret, 'utf8');
  return dirs
    .flatMap((d) => filesBelow(d))
    .filter((f) => {
      try {
        return readFileSync(f).includes(needle);
      } catch {
        return false;
      }
    });
}

/** Parses a settings.json (JSON with comments and trailing commas, as VS Code allows). */
export function readSettings(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const stripped = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_m, str: string | undefined) => str ?? '').replace(/,(\s*[}\]])/g, '$1');
  return stripped.trim() ? (JSON.parse(stripped) as Record<string, unknown>) : {};
}

/**
 * Answers VS Code's own (simple) file dialog by typing a path, until `done` shows up. The dialog writes its
 * start folder into the box asynchronously (a path typed before that is lost) and may still be reading the
 * folder on a busy machine, so the path is re-typed when replaced and Enter repeated, at most 3 times.
 */
export async function chooseFileInDialog(page: Page, filePath: string, done: Locator): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await page.waitForFunction("(document.querySelector('.quick-input-widget .quick-input-box input')?.value ?? '').length > 0", undefined, {
    timeout: UI_TIMEOUT,
  });
  // VS Code's simple file dialog fills in the folder first and the default file name just after: a path typed
  // in between is joined to the default. Wait until the value has stayed the same for 300 ms.
  for (let last = '', same = 0, deadline = Date.now() + UI_TIMEOUT; same < 3 && Date.now() < deadline;) {
    await page.waitForTimeout(100);
    const value = await input.inputValue().catch(() => '');
    same = value === last ? same + 1 : 0;
    last = value;
  }
  const row = quickPickRow(page, path.basename(filePath)).first();
  for (let i = 0; i < 3 && !(await done.isVisible()); i++) {
    if ((await input.isVisible()) && (await input.inputValue()) !== filePath) {
      await input.fill(filePath);
      await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT }).catch(() => undefined);
    }
    if (await input.isVisible()) await input.press('Enter');
    await done.waitFor({ state: 'visible', timeout: 8_000 }).catch(() => undefined);
  }
  await done.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}
