/**
 * Readable in every theme: in Light+, Dark+, High Contrast and High Contrast Light, the TLS details of a
 * verified sandbox connection, the status bar item (verified, and plaintext on its warning background) and
 * the tree's state icons are read back as computed colours, and each text colour must reach the WCAG AA
 * ratio of 4.5:1 on the background it is drawn on (semi-transparent layers composited).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { ROOT } from '../../scripts/e2e/codeServer';
import {
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

const VERIFIED = 'Sandbox VERIFY_IDENTITY';
const PLAINTEXT = 'Sandbox plaintext server';
const AA_TEXT = 4.5;

type ThemeKey = 'light' | 'dark' | 'highContrast' | 'highContrastLight';
// The ids of VS Code 1.100's bundled themes (extensions/theme-defaults) and the class the workbench gets.
// `label`: as the Color Theme picker names it (extensions/theme-defaults/package.nls.json).
const THEMES: { id: string; label: string; key: ThemeKey; workbenchClass: string }[] = [
  { id: 'Default Light+', label: 'Light+', key: 'light', workbenchClass: 'vs' },
  { id: 'Default Dark+', label: 'Dark+', key: 'dark', workbenchClass: 'vs-dark' },
  { id: 'Default High Contrast', label: 'Dark High Contrast', key: 'highContrast', workbenchClass: 'hc-black' },
  { id: 'Default High Contrast Light', label: 'Light High Contrast', key: 'highContrastLight', workbenchClass: 'hc-light' },
];

const contributed = new Map(
  (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { colors: { id: string; defaults: Record<ThemeKey, string> }[] } }
  ).contributes.colors.map((c) => [c.id, c.defaults]),
);

type Rgba = [number, number, number, number];

function parseColor(css: string): Rgba {
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  if (!m) throw new Error(`unexpected computed colour ${css}`);
  const [r, g, b, a] = m[1]!
    .split(/[\s,/]+/)
    .filter(Boolean)
    .map(Number);
  return [r!, g!, b!, a ?? 1];
}

function hexToRgb(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

/** `top` drawn over the opaque `bottom`. */
function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [0, 1, 2].map((i) => top[i]! * a + bottom[i]! * (1 - a)).concat(1) as Rgba;
}

function luminance([r, g, b]: Rgba): number {
  const lin = (c: number): number => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

interface Sample {
  what: string;
  color: string;
  /** Background colours from the element up to the first opaque one. */
  layers: string[];
}

/** A script (a string: the project compiles without the DOM lib) that samples every element matching `selector`. */
function sampler(selector: string): string {
  return `(() => {
    const alpha = (c) => { const m = /^rgba\\((?:[^,]+,){3}\\s*([\\d.]+)\\)$/.exec(c); return c === 'transparent' ? 0 : m ? Number(m[1]) : 1; };
    return [...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => {
      const layers = [];
      for (let n = e; n; n = n.parentElement) {
        const c = getComputedStyle(n).backgroundColor;
        if (alpha(c) > 0) layers.push(c);
        if (alpha(c) === 1) break;
      }
      return { what: (e.getAttribute('class') || '') + ' "' + (e.textContent || '').trim().slice(0, 50) + '"', color: getComputedStyle(e).color, layers };
    });
  })()`;
}

/** The ratio of each sample's text on its composited background. */
function ratios(samples: Sample[], fallbackBackground: string): { what: string; ratio: number; fg: string; bg: string }[] {
  return samples.map((s) => {
    let bg = parseColor(fallbackBackground);
    for (const layer of [...s.layers].reverse()) bg = over(parseColor(layer), bg);
    const fg = over(parseColor(s.color), bg);
    return { what: s.what, ratio: contrastRatio(fg, bg), fg: s.color, bg: `rgb(${bg.slice(0, 3).map(Math.round).join(', ')})` };
  });
}

function assertReadable(where: string, theme: string, samples: Sample[], fallbackBackground: string): void {
  assert.ok(samples.length > 0, `${where} (${theme}): something to measure`);
  for (const r of ratios(samples, fallbackBackground))
    assert.ok(r.ratio >= AA_TEXT, `${where} (${theme}): ${r.what}: ${r.fg} on ${r.bg} is ${r.ratio.toFixed(2)}:1, below ${AA_TEXT}:1`);
}

/**
 * Sets `workbench.colorTheme` in the user settings. The workbench does not always pick up a second write of
 * the file (the first one it does), so when the theme has not changed after a while the Color Theme picker
 * sets it, which writes the same setting; either way the setting must name the theme afterwards.
 */
async function setTheme(env: E2eEnv, page: Page, theme: (typeof THEMES)[number]): Promise<void> {
  const file = path.join(env.server.userDataDir, 'User', 'settings.json');
  writeFileSync(file, JSON.stringify({ ...readSettings(file), 'workbench.colorTheme': theme.id }, null, 2));
  const applied = page.locator(`.monaco-workbench.${theme.workbenchClass}`);
  const viaFile = await applied
    .waitFor({ state: 'attached', timeout: 8_000 })
    .then(() => true)
    .catch(() => false);
  if (!viaFile) {
    await runCommand(page, 'Preferences: Color Theme');
    await page.locator('.quick-input-widget .quick-input-box input').fill(theme.label);
    await pick(page, theme.label, `Color Theme: ${theme.label}`);
    await applied.waitFor({ state: 'attached', timeout: UI_TIMEOUT });
  }
  assert.equal(readSettings(file)['workbench.colorTheme'], theme.id, 'the user settings name the theme');
}

/** The TLS details webview's inner frame (the one with the badges). */
async function detailsFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + UI_TIMEOUT;
  for (;;) {
    for (const frame of page.frames()) {
      const n = await frame.evaluate<number>("document.querySelectorAll('main#root .badge').length").catch(() => 0);
      if (n > 0) return frame;
    }
    if (Date.now() > deadline) throw new Error('the TLS details webview did not render its badges');
    await page.waitForTimeout(200);
  }
}

async function select(page: Page, name: string, statusText: RegExp): Promise<void> {
  await openMysqlTlsView(page);
  // No hover (a row's or the status bar's tooltip) may cover the row.
  await page.mouse.move(700, 5);
  await page
    .locator('.context-view .rendered-markdown, .monaco-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5_000 })
    .catch(() => undefined);
  const row = treeItem(page, name).first();
  await row.waitFor({ state: 'visible', timeout: UI_TIMEOUT });
  await row.locator('.label-name').first().click();
  await page.locator(STATUS_BAR_ITEM).filter({ hasText: statusText }).waitFor({ state: 'visible', timeout: UI_TIMEOUT });
}

describe('e2e contrast', () => {
  let env: E2eEnv;
  let page: Page;

  before(async () => {
    env = await startE2e('contrast');
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'contrast-final');
    await env?.stop();
  });

  test('badges, state text, the status bar item and tree state icons reach 4.5:1 in Light+, Dark+ and both High Contrast themes', async () => {
    for (const name of [VERIFIED, PLAINTEXT]) {
      await runCommand(page, 'MySQL TLS: Connect');
      await pick(page, name, 'Connect: choose the connection');
    }
    await select(page, VERIFIED, /verified identity/);
    await page.locator(STATUS_BAR_ITEM).click();
    await page
      .getByRole('tab', { name: new RegExp(`TLS Details: ${VERIFIED}`) })
      .first()
      .waitFor({ state: 'visible', timeout: UI_TIMEOUT });

    for (const theme of THEMES) {
      await setTheme(env, page, theme);
      await select(page, VERIFIED, /verified identity/);

      // The webview takes the theme's colours (its contributed badge colours among them) once restyled.
      const expectedOk = hexToRgb(contributed.get('mysqlTls.badgeOkForeground')![theme.key]);
      let frame = await detailsFrame(page);
      const deadline = Date.now() + UI_TIMEOUT;
      let okColor = '';
      while (Date.now() < deadline) {
        frame = await detailsFrame(page);
        okColor = await frame.evaluate<string>("(() => { const b = document.querySelector('.badge.ok'); return b ? getComputedStyle(b).color : ''; })()");
        if (okColor === expectedOk) break;
        await page.waitForTimeout(200);
      }
      assert.equal(okColor, expectedOk, `${theme.id}: the "verified" badges use mysqlTls.badgeOkForeground`);
      const editorBackground = await frame.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      const details = await frame.evaluate<Sample[]>(sampler('.badge, .state'));
      assert.ok(
        details.some((d) => d.what.includes('badge ok')),
        `${theme.id}: a verified session shows green badges`,
      );
      assert.ok(
        details.some((d) => d.what.includes('state tone-ok')),
        `${theme.id}: the state line is coloured`,
      );
      assertReadable('TLS details', theme.id, details, editorBackground);

      const bar = await page.evaluate<string>(`getComputedStyle(document.querySelector('[id="workbench.parts.statusbar"]')).backgroundColor`);
      assertReadable('status bar, verified', theme.id, await page.evaluate<Sample[]>(sampler(`${STATUS_BAR_ITEM} a`)), bar);

      await select(page, PLAINTEXT, /plaintext/);
      assertReadable('status bar, plaintext', theme.id, await page.evaluate<Sample[]>(sampler(`${STATUS_BAR_ITEM} a`)), bar);
      // Tree state icons of rows that are not selected (a selected row takes the list's selection colours).
      const sidebar = await page.evaluate<string>(`getComputedStyle(document.querySelector('[id="workbench.parts.sidebar"]')).backgroundColor`);
      const icons = await page.evaluate<Sample[]>(
        sampler('[id="workbench.parts.sidebar"] [role=treeitem]:not([aria-selected=true]) .custom-view-tree-node-item-icon.codicon-verified-filled'),
      );
      assertReadable('tree icon, verified', theme.id, icons, sidebar);
      await screenshot(page, `contrast-${theme.key}`);
    }
  });
});
