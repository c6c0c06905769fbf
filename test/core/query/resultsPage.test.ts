/**
 * The results page keeps its strict CSP usable (no inline style or handler attributes, which the policy
 * would block) and puts every action in the "More actions" menu, so a narrow panel cuts none of them off.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { renderResultsPage } from '../../../src/core/query/resultsHtml';

const root = path.resolve(__dirname, '../../../..');
const html = renderResultsPage({
  nonce: 'n0nce',
  cspSource: 'vscode-webview://x',
  scriptUri: 'vscode-webview://x/r.js',
  styleUri: 'vscode-webview://x/r.css',
  title: 't',
});

describe('the results page', () => {
  it('has no inline styles or event handlers (the CSP allows neither)', () => {
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    assert.doesNotMatch(html, /<style/i);
  });

  it('has every result action in the More actions menu, wired by the script', () => {
    assert.match(html, /<button[^>]*id="more"[^>]*aria-haspopup="menu"[^>]*aria-controls="more-menu"/);
    const menu = /<div class="menu" id="more-menu" role="menu"[^>]*hidden>([\s\S]*?)<\/div>/.exec(html);
    assert.ok(menu, 'the menu is there, hidden until opened');
    const actions = [...menu[1]!.matchAll(/role="menuitem"[^>]*data-action="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(actions, ['copy-cell', 'copy-row', 'export-csv', 'export-json']);
    const script = readFileSync(path.join(root, 'media', 'results.js'), 'utf8');
    for (const action of actions) assert.ok(script.includes(`'${action}': () =>`), `media/results.js runs ${action}`);
  });

  it('shows the inline export buttons only when the toolbar has room', () => {
    assert.match(html, /id="export-csv" class="wide-only"/);
    assert.match(html, /id="export-json" class="wide-only"/);
    const css = readFileSync(path.join(root, 'media', 'results.css'), 'utf8');
    assert.match(css, /\.result-toolbar \{ container-type: inline-size; \}/);
    assert.match(css, /@container \(max-width: \d+px\) \{ \.wide-only \{ display: none; \} \}/);
  });
});
