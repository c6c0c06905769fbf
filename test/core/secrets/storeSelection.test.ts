/**
 * Which store keeps secrets. The universal VSIX ships no keytar: SecretStorage then, chosen up front without a
 * warning, and never a keytar found outside the extension's own folder. A workspace setting cannot change the
 * choice (mysqlTls.secretStorage is read from the user settings only).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SECRET_STORE_DESCRIPTIONS, secretsLocationText } from '../../../src/core/presentation/secretStoreText';
import { FallbackSecretStore } from '../../../src/core/secrets/fallbackSecretStore';
import { InMemorySecretStore } from '../../../src/core/secrets/inMemorySecretStore';
import { loadPackagedKeytar } from '../../../src/core/secrets/keytarSecretStore';
import { chooseSecretStore, keytarIsPackaged } from '../../../src/core/secrets/storeSelection';
import { createLogger } from '../../../src/core/logging/logger';
import { tempDir } from '../certificates/fixtures';
import { createFakeVscode, fakeExtensionContext, installFakeVscode } from '../extension/fakeVscode';

const repoRoot = path.resolve(__dirname, '../../../..');
const keytarLoaded = (): boolean => Object.keys(require.cache).some((k) => k.includes(`${path.sep}node_modules${path.sep}keytar${path.sep}`));

describe('secret store selection', () => {
  const tmp = tempDir('mysql-tls-store-');
  // A universal install: no node_modules/keytar of its own, but one in a parent folder (as in ~/node_modules).
  const universalRoot = path.join(tmp.dir, 'extensions', 'mysql-tls.mysql-tls-0.1.0');
  mkdirSync(universalRoot, { recursive: true });
  mkdirSync(path.join(tmp.dir, 'extensions', 'node_modules', 'keytar'), { recursive: true });
  writeFileSync(path.join(tmp.dir, 'extensions', 'node_modules', 'keytar', 'package.json'), '{"name":"keytar","main":"index.js"}');
  after(() => tmp.remove());

  it('chooses SecretStorage when the setting says so or keytar is not packaged, else the keychain', () => {
    assert.deepEqual(chooseSecretStore('keychain', true), { kind: 'keychain' });
    assert.deepEqual(chooseSecretStore('keychain', false), { kind: 'secretStorage', because: 'keytarNotPackaged' });
    assert.deepEqual(chooseSecretStore('secretStorage', true), { kind: 'secretStorage', because: 'setting' });
    assert.deepEqual(chooseSecretStore('secretStorage', false), { kind: 'secretStorage', because: 'setting' });
  });

  it('counts only <extension>/node_modules/keytar/package.json (a file) as packaged keytar', () => {
    assert.equal(keytarIsPackaged(universalRoot), false, 'a keytar in a parent folder does not count');
    const odd = path.join(tmp.dir, 'odd');
    mkdirSync(path.join(odd, 'node_modules', 'keytar', 'package.json'), { recursive: true });
    assert.equal(keytarIsPackaged(odd), false, 'a folder named package.json is not a package');
    assert.equal(keytarIsPackaged(repoRoot), true, 'the development checkout has keytar in node_modules');
  });

  it('does not require keytar from anywhere when the extension folder has none', () => {
    const result = loadPackagedKeytar(universalRoot);
    assert.equal(result.ok, false);
    assert.match((result as { reason: string }).reason, /keytar is not packaged/);
    assert.equal(keytarLoaded(), false, 'require("keytar") would have found the checkout\'s keytar further up');
  });

  it('names the store in words the UI shows', () => {
    assert.equal(SECRET_STORE_DESCRIPTIONS.secretStorage, 'VS Code SecretStorage (OS keychain on desktop)');
    assert.equal(SECRET_STORE_DESCRIPTIONS.keychain, 'the OS keychain (keytar)');
    assert.equal(
      secretsLocationText(SECRET_STORE_DESCRIPTIONS.secretStorage),
      'Password and passphrase: stored in VS Code SecretStorage (OS keychain on desktop), never in settings.',
    );
  });

  it('a FallbackSecretStore names its primary before first use, and the fallback once the primary failed', async () => {
    const notices: string[] = [];
    const fallback = new InMemorySecretStore();
    const store = new FallbackSecretStore(
      () => ({ ok: false, reason: 'no keytar' }),
      fallback,
      (r) => notices.push(r),
      50,
      'the OS keychain (keytar)',
    );
    assert.equal(store.description, 'the OS keychain (keytar)');
    await store.set('c', 'password', 'pw');
    assert.equal(store.description, fallback.description);
    assert.deepEqual(notices, ['no keytar']);
  });

  describe('ConfiguredSecretStore in a fake VS Code', () => {
    const fake = createFakeVscode();
    const uninstall = installFakeVscode(fake);
    after(() => uninstall());
    const logLines: string[] = [];
    const push = (level: string) => (msg: string) => void logLines.push(`${level} ${msg}`);
    const logger = createLogger({ trace: push('trace'), debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ConfiguredSecretStore } = require('../../../src/vscode/secrets') as typeof import('../../../src/vscode/secrets');
    const context = fakeExtensionContext(fake) as { secrets: never };

    it('the universal build (no keytar in its folder) stores in SecretStorage, without a warning and without loading keytar', async () => {
      // The default (keychain) in the user settings, and a workspace asking for the keychain too.
      fake.settings.workspace['mysqlTls.secretStorage'] = 'keychain';
      const store = new ConfiguredSecretStore(context.secrets, logger, universalRoot);
      assert.equal(store.description, SECRET_STORE_DESCRIPTIONS.secretStorage);
      await store.set('c1', 'password', 'universal-pw');
      assert.equal(fake.secrets.get('mysql-tls:c1/password'), 'universal-pw');
      assert.equal(await store.get('c1', 'password'), 'universal-pw');
      assert.deepEqual(
        fake.notifications.filter((n) => n.level !== 'info'),
        [],
        'the designed store of the universal build is not a failure',
      );
      assert.ok(
        logLines.some((l) => /^info .*universal VSIX.*VS Code SecretStorage/.test(l)),
        `the log says where secrets go: ${logLines.join(' | ')}`,
      );
      assert.equal(keytarLoaded(), false);
      assert.equal(ConfiguredSecretStore.active, store, 'the tree tooltip reads the running store');
    });

    it('a platform build (keytar in its folder) uses the keychain; a workspace cannot switch it to SecretStorage, the user can', () => {
      fake.settings.workspace['mysqlTls.secretStorage'] = 'secretStorage';
      const store = new ConfiguredSecretStore(context.secrets, logger, repoRoot);
      assert.equal(store.description, SECRET_STORE_DESCRIPTIONS.keychain);
      assert.equal(keytarLoaded(), false, 'naming the store does not load keytar');
      fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
      store.refresh();
      assert.equal(store.description, SECRET_STORE_DESCRIPTIONS.secretStorage);
    });
  });
});
