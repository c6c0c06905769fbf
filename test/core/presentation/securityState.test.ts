import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { validityWords } from '../../../src/core/presentation/expiry';
import {
  BADGE_COLORS,
  goodTone,
  isVerified,
  SECURITY_COLORS,
  SECURITY_SCALE,
  SECURITY_STATES,
  securityRank,
  securityStateOf,
  type SecurityState,
} from '../../../src/core/presentation/securityState';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
type Defaults = Record<'light' | 'dark' | 'highContrast' | 'highContrastLight', string>;
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { contributes: { colors?: { id: string; defaults: Defaults }[] } };
const colors = new Map((pkg.contributes.colors ?? []).map((c) => [c.id, c.defaults]));

/** WCAG 2.x relative luminance and contrast ratio of two #RRGGBB colours. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

// The backgrounds state text and icons sit on in VS Code 1.100's default themes: editor.background (the TLS
// details webview) and sideBar.background (the tree). Light+ and Dark+ take them from light_vs/dark_vs and
// the colour registry; both high-contrast themes use pure black / white.
const THEME_BACKGROUNDS: Record<keyof Defaults, string[]> = {
  light: ['#FFFFFF', '#F3F3F3'],
  dark: ['#1E1E1E', '#252526'],
  highContrast: ['#000000'],
  highContrastLight: ['#FFFFFF'],
};

// Codicons from weakest-looking to strongest-looking: open lock, closed lock, outlined check badge, filled check badge.
const ICON_STRENGTH = ['unlock', 'lock', 'verified', 'verified-filled'];

describe('the security-state scale', () => {
  it('orders plaintext < encrypted < verified CA < verified identity; the other states are off the scale', () => {
    assert.deepEqual(SECURITY_SCALE, ['plaintext', 'encrypted', 'verified-ca', 'verified-identity']);
    assert.ok(securityRank('plaintext') < securityRank('encrypted'));
    assert.ok(securityRank('encrypted') < securityRank('verified-ca'));
    assert.ok(securityRank('verified-ca') < securityRank('verified-identity'));
    for (const s of ['not-connected', 'connecting', 'error'] as const) assert.equal(securityRank(s), -1);
  });

  it('a stronger level never has a weaker-looking icon (VERIFY_CA no longer outranks VERIFY_IDENTITY; encrypted is a closed lock)', () => {
    const strengths = SECURITY_SCALE.map((level) => ICON_STRENGTH.indexOf(SECURITY_STATES[level].icon));
    assert.ok(
      strengths.every((s) => s >= 0),
      `every level uses an icon of the strength order: ${SECURITY_SCALE.map((l) => SECURITY_STATES[l].icon).join(', ')}`,
    );
    for (let i = 1; i < strengths.length; i++)
      assert.ok(strengths[i]! > strengths[i - 1]!, `${SECURITY_SCALE[i]} looks stronger than ${SECURITY_SCALE[i - 1]}`);
    assert.notEqual(SECURITY_STATES.encrypted.icon, SECURITY_STATES.plaintext.icon, 'encrypted does not look like plaintext');
  });

  it('green (the verified colour, the ok tone) only for verified states', () => {
    const all = Object.keys(SECURITY_STATES) as SecurityState[];
    for (const s of all) {
      const style = SECURITY_STATES[s];
      const green = style.color === SECURITY_COLORS.verified || style.tone === 'ok';
      assert.equal(green, isVerified(s), `${s}: green only when verified`);
    }
    assert.equal(goodTone('plaintext'), 'neutral');
    assert.equal(goodTone('encrypted'), 'neutral');
    assert.equal(goodTone('verified-ca'), 'ok');
    assert.equal(SECURITY_STATES.plaintext.statusBackground, 'warning');
    assert.equal(SECURITY_STATES.encrypted.statusBackground, 'warning');
    assert.equal(SECURITY_STATES.error.statusBackground, 'error');
  });

  it('words: a state is named, never a raw value', () => {
    assert.equal(SECURITY_STATES['not-connected'].words, 'not connected');
    assert.equal(SECURITY_STATES.encrypted.words, 'encrypted, not verified');
    assert.equal(SECURITY_STATES['verified-ca'].words, 'verified CA');
    assert.equal(SECURITY_STATES['verified-identity'].words, 'verified identity');
    for (const s of Object.values(SECURITY_STATES)) assert.doesNotMatch(s.words, /-/, 'no identifier-like words (not-checked, verified-ca)');
    assert.equal(securityStateOf({ state: 'disconnected' }), 'not-connected');
    assert.equal(securityStateOf({ state: 'reconnecting' }), 'connecting');
    assert.equal(securityStateOf({ state: 'error' }), 'error');
  });

  it('every contributed colour has light, dark and both high-contrast values, and an id a webview can use', () => {
    const ids = [...Object.values(SECURITY_COLORS), ...Object.values(BADGE_COLORS).flatMap((b) => [b.background, b.foreground])];
    for (const id of ids) {
      // Webviews get `--vscode-` + the id with its first dot replaced: a second dot would make an unusable variable.
      assert.equal(id.split('.').length, 2, `${id} has exactly one dot`);
      const d = colors.get(id);
      assert.ok(d, `${id} is in package.json contributes.colors`);
      for (const theme of ['light', 'dark', 'highContrast', 'highContrastLight'] as const) assert.match(d[theme], /^#[0-9A-Fa-f]{6}$/, `${id}.${theme}`);
    }
  });

  it('state colours reach 4.5:1 on the editor and side bar of Light+, Dark+ and both High Contrast themes', () => {
    for (const id of Object.values(SECURITY_COLORS)) {
      const d = colors.get(id)!;
      for (const theme of Object.keys(THEME_BACKGROUNDS) as (keyof Defaults)[])
        for (const bg of THEME_BACKGROUNDS[theme]) {
          const ratio = contrast(d[theme], bg);
          assert.ok(ratio >= 4.5, `${id} ${d[theme]} on ${bg} (${theme}): ${ratio.toFixed(2)}:1`);
        }
    }
  });

  it('badge text reaches 4.5:1 on its badge background in every theme', () => {
    for (const [tone, pair] of Object.entries(BADGE_COLORS)) {
      const bg = colors.get(pair.background)!;
      const fg = colors.get(pair.foreground)!;
      for (const theme of Object.keys(THEME_BACKGROUNDS) as (keyof Defaults)[]) {
        const ratio = contrast(fg[theme], bg[theme]);
        assert.ok(ratio >= 4.5, `${tone} badge in ${theme}: ${ratio.toFixed(2)}:1`);
      }
    }
    // The check itself can fail: the old Light+ badge (white on #388a34) was about 4.3:1, the amber one 2:1.
    assert.ok(contrast('#FFFFFF', '#cca700') < 4.5);
  });
});

describe('validityWords', () => {
  const day = 86_400_000;
  const now = new Date('2026-12-02T12:00:00Z');
  const at = (ms: number): string => new Date(now.getTime() + ms).toISOString();

  it('a certificate that expired 2 days and 5 hours ago "expired 2 days ago" (not 3)', () => {
    assert.equal(validityWords(at(-(2 * day + 5 * 3_600_000)), now), 'expired 2 days ago');
  });

  it('counts whole days both ways, with singular and plural', () => {
    assert.equal(validityWords(at(-(day + 1000)), now), 'expired 1 day ago');
    assert.equal(validityWords(at(-60_000), now), 'expired less than a day ago');
    assert.equal(validityWords(at(364 * day + 3_600_000), now), '364 days left');
    assert.equal(validityWords(at(day + 1), now), '1 day left');
    assert.equal(validityWords(at(3_600_000), now), '0 days left');
  });
});
