/**
 * The two VSIXs scripts/e2e/package.sh builds, read back from their zip files: the linux-x64 one carries
 * keytar's native binary, the universal one no native code and nothing from node_modules, and otherwise the
 * same files. Then the universal VSIX's own bundle, unpacked and activated in the fake VS Code: Set Password
 * stores into SecretStorage, says so in its prompt, toast and the connection's tooltip, warns about nothing,
 * and never loads keytar.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../certificates/fixtures';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, storedSecret } from '../extension/fakeVscode';

const root = path.resolve(__dirname, '../../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const version = (require(path.join(root, 'package.json')) as { version: string }).version;
const platformVsix = path.join(root, `mysql-tls-${version}-linux-x64.vsix`);
const universalVsix = path.join(root, `mysql-tls-${version}.vsix`);
const STORED_IN_SECRET_STORAGE = 'VS Code SecretStorage (OS keychain on desktop)';

const entries = (vsix: string): string[] => {
  const r = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
};
const manifest = (vsix: string): string => spawnSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
const newestMtime = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestMtime(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)),
  );

describe('the universal and the linux-x64 VSIX', { timeout: 600_000 }, () => {
  before(() => {
    // --if-stale reuses VSIXs newer than dist/; dist/ itself is rebuilt when a source is newer than all of it
    // (webpack leaves an unchanged dist/extension.js alone, so the newest file counts).
    let distTime = 0;
    try {
      distTime = newestMtime(path.join(root, 'dist'));
    } catch {
      /* no bundle yet */
    }
    const args = newestMtime(path.join(root, 'src')) > distTime ? [] : ['--if-stale'];
    const r = spawnSync('bash', [path.join(root, 'scripts', 'e2e', 'package.sh'), ...args], { cwd: root, encoding: 'utf8', timeout: 580_000 });
    assert.equal(r.status, 0, `package.sh failed:\n${r.stderr.slice(-3000)}`);
    assert.equal(r.stdout.trim().split('\n').at(-1), platformVsix, 'the last line is the linux-x64 VSIX (scripts/e2e.sh reads it)');
  });

  it('the universal VSIX has no native module, nothing from node_modules, and no target platform', () => {
    const files = entries(universalVsix);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.node') || f.includes('node_modules/')),
      [],
    );
    for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/readme.md']) assert.ok(files.includes(f), `has ${f}`);
    assert.doesNotMatch(manifest(universalVsix), /TargetPlatform=/);
  });

  it('the linux-x64 VSIX has keytar and its binary, and otherwise the same files', () => {
    const files = entries(platformVsix);
    const keytar = files.filter((f) => f.startsWith('extension/node_modules/'));
    assert.ok(keytar.includes('extension/node_modules/keytar/build/Release/keytar.node'));
    assert.ok(
      keytar.every((f) => f.startsWith('extension/node_modules/keytar/')),
      `only keytar from node_modules: ${keytar.join(', ')}`,
    );
    assert.match(manifest(platformVsix), /TargetPlatform="linux-x64"/);
    const common = (list: string[]) => list.filter((f) => !f.startsWith('extension/node_modules/') && f !== 'extension.vsixmanifest');
    assert.deepEqual(common(entries(universalVsix)), common(files));
  });

  describe("the universal VSIX's bundle in the fake VS Code", () => {
    const tmp = tempDir('mysql-tls-universal-');
    const extensionRoot = path.join(tmp.dir, 'extension');
    const fake = createFakeVscode();
    let uninstall: (() => void) | undefined;
    let ext: { activate(context: unknown): void; deactivate(): Promise<void> } | undefined;
    const prompts: string[] = [];
    const entry = { id: 'u1', name: 'Universal one', host: '127.0.0.1', port: 3306, user: 'app', ssl: { mode: 'VERIFY_IDENTITY', ca: '/nonexistent/ca.pem' } };
    const keytarLoaded = (): boolean => Object.keys(require.cache).some((k) => /[\\/]keytar[\\/]/.test(k));

    before(() => {
      const r = spawnSync('unzip', ['-q', universalVsix, '-d', tmp.dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      uninstall = installFakeVscode(fake);
      const window = (fake.module as { window: Record<string, unknown> }).window;
      const showInputBox = window.showInputBox as (o: { prompt?: string }) => Promise<string | undefined>;
      window.showInputBox = (o: { prompt?: string }) => (prompts.push(o.prompt ?? ''), showInputBox(o));
      fake.settings.user['mysqlTls.connections'] = [entry];
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ext = require(path.join(extensionRoot, 'dist', 'extension.js')) as typeof ext;
      ext!.activate({ ...fakeExtensionContext(fake), extensionUri: { fsPath: extensionRoot, toString: () => `file://${extensionRoot}` } });
    });
    after(async () => {
      await ext?.deactivate();
      uninstall?.();
      tmp.remove();
    });

    it('Set Password stores in SecretStorage and says so, with no warning and without loading keytar', async () => {
      fake.inputs.push('universal-secret-1');
      await fake.commands.get('mysqlTls.setPassword')!('u1');
      assert.equal(storedSecret(fake, 'user', 'u1', 'password')?.value, 'universal-secret-1');
      assert.deepEqual(prompts, [`Stored in ${STORED_IN_SECRET_STORAGE}, never in settings. Empty is allowed.`]);
      assert.deepEqual(
        fake.notifications.map((n) => `${n.level}: ${n.message}`),
        [`info: MySQL TLS: password of "Universal one" stored in ${STORED_IN_SECRET_STORAGE}.`],
      );
      assert.equal(keytarLoaded(), false);
    });

    it("the connection's tooltip says where its password is stored", async () => {
      const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
      const items = (await provider.getChildren()).map((n) => provider.getTreeItem(n) as { label?: string; tooltip?: { value: string } });
      const tooltip = items.find((i) => i.label === 'Universal one')?.tooltip?.value ?? '';
      assert.match(tooltip, /stored in VS Code SecretStorage \\\(OS keychain on desktop\\\), never in settings/);
    });
  });
});
