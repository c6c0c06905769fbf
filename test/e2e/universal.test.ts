/**
 * The universal VSIX (no native keytar) in code-server: the user sets a password with Set Password, the
 * extension says it goes to VS Code SecretStorage, connects with VERIFY_IDENTITY using it, and the password
 * is in SecretStorage and nowhere else: not in the keychain (which this build never touches), not in a
 * settings file, not in any file of the workspace or of code-server's folders.
 * code-server keeps SecretStorage in the browser's localStorage (`secrets.provider`), sealed with AES-GCM under
 * a key combined from a per-value client half and a server half (POST /mint-key); the test unseals it the way
 * the workbench does, to see the stored value itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { ROOT } from '../../scripts/e2e/codeServer';
import { KEYCHAIN_SERVICE, passwordFor, workspacePasswordAccount, type DemoConnection } from '../../scripts/demo/workspace';
import { decodeBoundSecret } from '../../src/core/secrets/secretBinding';
import {
  answerInput,
  filesBelow,
  filesContaining,
  notification,
  openMysqlTlsView,
  openWorkbench,
  pick,
  runCommand,
  screenshot,
  startE2e,
  STATUS_BAR_ITEM,
  treeItem,
  UI_TIMEOUT,
  type E2eEnv,
} from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const version = (require(path.join(ROOT, 'package.json')) as { version: string }).version;
/** scripts/e2e.sh exports it; package.sh writes it next to the linux-x64 VSIX. */
const UNIVERSAL_VSIX =
  process.env.MYSQL_TLS_VSIX_UNIVERSAL ??
  (process.env.MYSQL_TLS_VSIX ? process.env.MYSQL_TLS_VSIX.replace(/-linux-x64\.vsix$/, '.vsix') : path.join(ROOT, `mysql-tls-${version}.vsix`));
const STORED_IN = 'VS Code SecretStorage (OS keychain on desktop)';

type Keytar = typeof import('keytar');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const keytar = (): Keytar => require('keytar') as Keytar;

/** code-server's SecretStorage, unsealed in the page as its LocalStorageSecretStorageProvider does it. */
async function unsealedSecretStorage(page: Page): Promise<{ sealed: string; entries: Record<string, string> } | null> {
  // A string, not a function: the project compiles without the DOM lib.
  const raw = await page.evaluate<{ sealed: string; plain: string } | null>(`(async () => {
    const sealed = localStorage.getItem('secrets.provider');
    if (!sealed) return null;
    const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    const res = await fetch((location.pathname + '/mint-key').replace(/\\/\\/+/g, '/'), { method: 'POST', credentials: 'include' });
    const serverHalf = new Uint8Array(await res.arrayBuffer());
    const key = bytes.slice(0, 32).map((b, i) => b ^ serverHalf[i]);
    const aes = await crypto.subtle.importKey('raw', key, { name: 'AES-GCM' }, false, ['decrypt']);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(32, 44) }, aes, bytes.slice(44));
    return { sealed, plain: new TextDecoder().decode(plain) };
  })()`);
  return raw && { sealed: raw.sealed, entries: JSON.parse(raw.plain) as Record<string, string> };
}

function sortedCredentials(list: { account: string; password: string }[]): { account: string; password: string }[] {
  return [...list].sort((a, b) => a.account.localeCompare(b.account));
}

describe('e2e universal VSIX: secrets in VS Code SecretStorage', () => {
  let env: E2eEnv;
  let page: Page;
  let c: DemoConnection;
  let password: string;
  let keychainBefore: { account: string; password: string }[];

  before(async () => {
    // This build must not write the keychain: what it holds now (other e2e files share it) must stay as it is.
    keychainBefore = sortedCredentials(await keytar().findCredentials(KEYCHAIN_SERVICE));
    env = await startE2e('universal', { vsix: UNIVERSAL_VSIX, seedKeychain: false });
    c = env.connections.find((x) => x.profile.name === 'Sandbox VERIFY_IDENTITY')!;
    assert.ok(c, 'the demo workspace defines Sandbox VERIFY_IDENTITY');
    password = passwordFor(env.sandbox, c);
    page = await openWorkbench(env);
    await openMysqlTlsView(page).catch(() => undefined);
  });
  after(async () => {
    if (page) await screenshot(page, 'universal-final');
    await env?.stop();
  });

  test('code-server installed the universal VSIX: no keytar, no native module', () => {
    const installed = readdirSync(env.server.extensionsDir).filter((d) => d.startsWith('mysql-tls.mysql-tls-'));
    assert.deepEqual(installed, [`mysql-tls.mysql-tls-${version}`], 'the universal build (a platform build is installed as …-linux-x64)');
    const files = filesBelow(path.join(env.server.extensionsDir, installed[0]!));
    assert.ok(files.some((f) => f.endsWith(path.join('dist', 'extension.js'))));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.node') || f.includes(`${path.sep}node_modules${path.sep}`)),
      [],
    );
  });

  test('Set Password says where the password goes and stores it', async () => {
    try {
      await runCommand(page, 'MySQL TLS: Set Password');
      await pick(page, c.profile.name, 'Set Password: choose the connection');
      const prompt = page.locator('.quick-input-widget .quick-input-message').filter({ hasText: `Stored in ${STORED_IN}, never in settings` });
      await prompt.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      await screenshot(page, 'universal-1-set-password-prompt');
      await answerInput(page, password, 'Set Password: the password');
      const toast = notification(page, new RegExp(`password of "${c.profile.name}" stored in VS Code SecretStorage`));
      await toast.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      assert.match(await toast.first().innerText(), /stored in VS Code SecretStorage \(OS keychain on desktop\)/);
      // No warning: SecretStorage is what this build is for, not a fallback.
      assert.equal(await notification(page, /keychain cannot be used/).count(), 0);
    } finally {
      await screenshot(page, 'universal-2-password-stored');
    }
  });

  test('Connect with VERIFY_IDENTITY uses that password, and the tooltip names the store', async () => {
    try {
      await runCommand(page, 'MySQL TLS: Connect');
      await pick(page, c.profile.name, 'Connect: choose the connection');
      // A VERIFY_IDENTITY connection only comes up verified; the status bar shows its TLS version.
      await page
        .locator(STATUS_BAR_ITEM)
        .filter({ hasText: /TLSv1\.[23]/ })
        .first()
        .waitFor({ state: 'visible', timeout: UI_TIMEOUT });
      const row = treeItem(page, c.profile.name).first();
      const hover = page.locator('.monaco-hover').filter({ hasText: `stored in ${STORED_IN}, never in settings` });
      // A tree hover shows only after the mouse enters the row: move off and back when it did not come.
      for (let i = 0; i < 4 && !(await hover.first().isVisible()); i++) {
        await page.mouse.move(700, 5);
        await page.waitForTimeout(300);
        await row.locator('.label-name').first().hover();
        await hover
          .first()
          .waitFor({ state: 'visible', timeout: 6_000 })
          .catch(() => undefined);
      }
      await hover.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT });
    } finally {
      await screenshot(page, 'universal-3-connected-tooltip');
    }
  });

  test('the password is in code-server’s SecretStorage, sealed, under the extension and the connection’s account', async () => {
    const account = `${KEYCHAIN_SERVICE}:${workspacePasswordAccount(c.profile.id!)}`;
    let store: Awaited<ReturnType<typeof unsealedSecretStorage>> = null;
    const deadline = Date.now() + UI_TIMEOUT;
    // The provider writes localStorage asynchronously after store() resolves.
    while (Date.now() < deadline && !Object.keys((store = await unsealedSecretStorage(page))?.entries ?? {}).some((k) => k.includes(account)))
      await page.waitForTimeout(200);
    assert.ok(store, 'localStorage has secrets.provider');
    assert.ok(!store.sealed.includes(password), 'sealed, not plaintext');
    const key = Object.keys(store.entries).find((k) => k.includes(account));
    assert.ok(key, `an entry for ${account} (keys: ${Object.keys(store.entries).join(', ')})`);
    assert.match(key, /mysql-tls\.mysql-tls/i, 'stored by this extension');
    assert.equal(decodeBoundSecret(store.entries[key]!).value, password);
  });

  test('the password is in no settings file, no workspace or code-server file, and not in the keychain', async () => {
    const leaks = filesContaining([env.workspace, env.server.stateDir], password);
    assert.deepEqual(leaks, [], 'no file in the workspace, the user data (settings, state, logs) or the extensions contains it');
    assert.ok(
      filesBelow(env.server.userDataDir).some((f) => f.endsWith(path.join('User', 'settings.json'))),
      'the user settings file was scanned',
    );
    // The e2e tier shares one Secret Service between its files (other files seed it): the universal build must
    // have added or changed nothing there since this file started.
    const found = spawnSync('secret-tool', ['search', '--all', 'service', KEYCHAIN_SERVICE], { encoding: 'utf8' });
    assert.equal(found.error, undefined, 'secret-tool runs (Debian: libsecret-tools)');
    assert.deepEqual(sortedCredentials(await keytar().findCredentials(KEYCHAIN_SERVICE)), keychainBefore, 'no mysql-tls item added or changed');
  });
});
