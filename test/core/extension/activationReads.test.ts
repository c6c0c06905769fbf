import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFakeVscode, fakeExtensionContext, installFakeVscode } from './fakeVscode';

// Files named in settings can be anything (a FIFO, /dev/zero, a huge file, a hung network mount): activation and
// the first render of the tree must not open them; the first connect (or test) of that connection reads them.
describe('activation reads no file named in a setting', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-activation-reads-'));
  const named = new Set<string>();
  const touched: string[] = [];
  const restore: (() => void)[] = [];
  const fake = createFakeVscode();
  let uninstall: () => void = () => undefined;
  let ext: typeof import('../../../src/extension');

  /** Wraps fs functions whose first argument is a path: every path they are called with is recorded. */
  function hook(target: Record<string, unknown>, names: string[], label: string): void {
    for (const name of names) {
      const original = target[name] as (...args: unknown[]) => unknown;
      if (typeof original !== 'function') continue;
      target[name] = function (this: unknown, ...args: unknown[]): unknown {
        const p = args[0];
        if (typeof p === 'string' || p instanceof URL || Buffer.isBuffer(p))
          touched.push(`${label}.${name} ${path.resolve(p instanceof URL ? p.pathname : String(p))}`);
        return original.apply(this, args);
      };
      restore.push(() => (target[name] = original));
    }
  }

  before(async () => {
    // Real files (so a read would succeed and go unnoticed otherwise), named through every path setting.
    for (const f of ['ca.pem', 'cert.pem', 'key.pem', 'server-key.pem', 'user-ca.pem']) {
      fs.writeFileSync(path.join(dir, f), 'not a certificate\n');
      named.add(path.join(dir, f));
    }
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: dir } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [
      { id: 'u1', name: 'User one', host: 'db1.example.invalid', user: 'app', ssl: { mode: 'VERIFY_CA', ca: path.join(dir, 'user-ca.pem') } },
    ];
    fake.settings.workspace['mysqlTls.connections'] = [
      {
        id: 'w1',
        name: 'Workspace one',
        host: 'db2.example.invalid',
        user: 'app',
        serverPublicKey: path.join(dir, 'server-key.pem'),
        ssl: { mode: 'VERIFY_IDENTITY', ca: '${workspaceFolder}/ca.pem', cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') },
      },
    ];
    // The module object itself (an `import * as` namespace has only getters); the extension's modules read through it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fsModule = require('node:fs') as Record<string, unknown> & { promises: Record<string, unknown> };
    hook(fsModule, ['readFile', 'readFileSync', 'open', 'openSync', 'createReadStream', 'readdir', 'readdirSync'], 'fs');
    hook(fsModule.promises, ['readFile', 'open', 'readdir'], 'fs.promises');
    uninstall = installFakeVscode(fake);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
    // Whatever activation started asynchronously, and the first render of the Connections tree.
    await new Promise((r) => setTimeout(r, 50));
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    for (const node of await provider.getChildren()) provider.getTreeItem(node);
    await new Promise((r) => setTimeout(r, 50));
  });

  after(async () => {
    for (const r of restore) r();
    await ext?.deactivate();
    uninstall();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens none of the CA, certificate, key or server key files', () => {
    const tree = fake.treeViews.get('mysqlTls.connections');
    assert.ok(tree, 'the extension activated (the Connections view is registered)');
    const reads = touched.filter((t) => named.has(t.slice(t.indexOf(' ') + 1)));
    assert.deepEqual(reads, [], `read during activation: ${reads.join(', ')}`);
    // The hooks see the extension's reads at all: activation reads fs (package metadata, module files) or not,
    // but a read of a named file through them is recorded (checked directly here).
    (require('node:fs') as typeof fs).readFileSync(path.join(dir, 'ca.pem')); // eslint-disable-line @typescript-eslint/no-require-imports
    assert.ok(
      touched.some((t) => t.endsWith(path.join(dir, 'ca.pem'))),
      'the fs hooks record reads',
    );
  });
});
