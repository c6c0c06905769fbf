/**
 * The VS Code layer during a reconnect (fake `vscode` module, real sandbox server): after a KILL from an admin
 * session, the status bar and the tree show "reconnecting (1/N)" with N from mysqlTls.reconnectMaxAttempts,
 * then the lock again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminConnection } from '../../../scripts/sandbox';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret } from '../extension/fakeVscode';
import { loadSandbox } from '../../helpers/sandbox';

describe('reconnecting, as the status bar and the tree show it', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  let ext: typeof import('../../../src/extension');

  before(async () => {
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.reconnectMaxAttempts'] = 5;
    fake.settings.user['mysqlTls.keepaliveIntervalSeconds'] = 0;
    const entry = {
      id: 'sb',
      name: 'Sandbox TLS',
      host: sb.host,
      port: sb.servers.tls.port,
      user: sb.accounts.app_none!.user,
      ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
    };
    fake.settings.user['mysqlTls.connections'] = [entry];
    await seedBoundSecret(fake, 'user', entry, 'password', sb.accounts.app_none!.password);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
  });

  after(async () => {
    await ext.deactivate();
    uninstall();
  });

  it('KILL: "$(sync~spin) NAME: reconnecting (1/5)" in the status bar and the tree, then verified identity again', async () => {
    await fake.commands.get('mysqlTls.connect')!('sb');
    const item = fake.statusBarItems.get('mysqlTls.status')!;
    assert.match(item.text, /^\$\(verified-filled\) Sandbox TLS: verified identity · TLSv1\.[23]$/);
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const treeItem = async (): Promise<{ description?: string; contextValue?: string }> => provider.getTreeItem((await provider.getChildren())[0]);

    const admin = await adminConnection(sb.servers.tls, sb.admin.password);
    const [rows] = await admin.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app_none'");
    const ids = (rows as { ID: number }[]).map((r) => r.ID);
    assert.ok(ids.length >= 1);
    for (const id of ids) await admin.query(`KILL CONNECTION ${id}`);
    await admin.end();

    const texts = new Set<string>();
    const descriptions = new Set<string>();
    const contexts = new Set<string>();
    const deadline = Date.now() + 8000;
    let sawReconnecting = false;
    while (Date.now() < deadline) {
      texts.add(item.text);
      const t = await treeItem();
      if (t.description) descriptions.add(t.description);
      if (t.contextValue) contexts.add(t.contextValue);
      if (item.text.includes('reconnecting')) sawReconnecting = true;
      if (sawReconnecting && item.text.startsWith('$(verified-filled)')) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(texts.has('$(sync~spin) Sandbox TLS: reconnecting (1/5)'), [...texts].join(' | '));
    assert.ok(
      [...descriptions].some((d) => d.startsWith('reconnecting (1/5) · ')),
      [...descriptions].join(' | '),
    );
    assert.ok(contexts.has('connection.connecting.reconnecting'), 'Disconnect (cancel) stays available while reconnecting');
    assert.match(item.text, /^\$\(verified-filled\) Sandbox TLS: verified identity · TLSv1\.[23]$/, 'connected again, verified');
    assert.equal((await treeItem()).contextValue, 'connection.connected');
  });
});
