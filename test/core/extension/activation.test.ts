import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, storedSecret } from './fakeVscode';

const root = path.resolve(__dirname, '../../../..');
const loaded = (pkg: string): boolean => Object.keys(require.cache).some((k) => k.includes(`${path.sep}node_modules${path.sep}${pkg}${path.sep}`));
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('the extension in a fake VS Code, against the sandbox', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  let ext: typeof import('../../../src/extension');
  const sbEntry = {
    id: 'sb',
    name: 'Sandbox TLS',
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  const wrongHost = {
    id: 'wh',
    name: 'Wrong host',
    host: sb.host,
    port: sb.servers.wronghost.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  const inlinePassword = sb.accounts.app_none!.password;

  before(async () => {
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: root } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.workspace['mysqlTls.connections'] = [{ ...sbEntry, password: inlinePassword }, { id: 'bad', name: 'No host', user: 'u' }, wrongHost];
    fake.answers.push({ pattern: /contain a password/, item: 'Move to Keychain' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
    await tick();
  });

  after(async () => {
    await ext.deactivate();
    uninstall();
  });

  it('activates without loading mysql2 or keytar', () => {
    assert.equal(loaded('mysql2'), false, 'mysql2 is loaded on first connect, not at activation');
    assert.equal(loaded('keytar'), false);
    // Nor the command handlers, webviews and wizards (src/vscode/features.ts): the first command loads them.
    assert.equal(
      Object.keys(require.cache).some((k) => k.endsWith(path.join('src', 'vscode', 'features.js'))),
      false,
    );
  });

  it('registers exactly the commands package.json declares, the view and the status bar item', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    assert.deepEqual([...fake.commands.keys()].sort(), pkg.contributes.commands.map((c) => c.command).sort());
    assert.ok(fake.treeViews.has('mysqlTls.connections'));
    const item = fake.statusBarItems.get('mysqlTls.status')!;
    assert.equal(item.name, 'MySQL TLS');
    assert.deepEqual(item.command, { command: 'mysqlTls.showTlsDetails', title: 'Show TLS Details', arguments: ['sb'] });
    assert.equal(item.visible, true);
    assert.equal(item.text, '$(plug) Sandbox TLS: not connected');
  });

  it('shows an invalid entry as an error node naming the field, next to the valid ones', async () => {
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const items = (await provider.getChildren()).map((n) => provider.getTreeItem(n));
    assert.deepEqual(
      items.map((i) => i.label),
      ['Sandbox TLS', 'Wrong host', 'No host'],
    );
    assert.equal(items[0]!.description, `${sb.host}:${sb.servers.tls.port} · VERIFY_IDENTITY`);
    assert.equal(items[0]!.contextValue, 'connection.disconnected');
    // A click on a connection shows it in the status bar (a command: it runs even when the row is already selected).
    assert.deepEqual((items[0] as { command?: unknown }).command, {
      command: 'mysqlTls.selectActiveConnection',
      title: 'Show in the Status Bar',
      arguments: ['sb'],
    });
    assert.equal(items[2]!.contextValue, 'invalidConnection');
    assert.match(items[2]!.description!, /^host: host is missing/);
    assert.ok(fake.notifications.some((n) => n.level === 'warning' && /host: host is missing/.test(n.message)));
  });

  it('moves a password found in settings to the secret store and out of the settings', async () => {
    assert.ok(fake.notifications.some((n) => n.level === 'warning' && n.items.includes('Move to Keychain')));
    // The move runs after activation (the secret is bound first: that reads the CA file); wait for it, bounded.
    for (let i = 0; i < 250 && JSON.stringify(fake.settings.workspace['mysqlTls.connections']).includes(inlinePassword); i++) await tick();
    const list = fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[];
    assert.ok(!JSON.stringify(list).includes(inlinePassword), 'the password left the settings');
    assert.equal(list[0]!.id, 'sb');
    const stored = storedSecret(fake, 'workspace', 'sb', 'password');
    assert.equal(stored?.value, inlinePassword);
    assert.deepEqual(
      stored?.binding && {
        scope: stored.binding.scope,
        host: stored.binding.host,
        port: stored.binding.port,
        user: stored.binding.user,
        mode: stored.binding.mode,
      },
      { scope: 'workspace', host: sb.host, port: sb.servers.tls.port, user: sbEntry.user, mode: 'VERIFY_IDENTITY' },
      'bound to the entry it came from',
    );
    assert.ok(!fake.logLines.join('\n').includes(inlinePassword), 'and never reached the log');
  });

  it('connects: tree shows TLS facts and databases, status bar names the connection and its state, the tooltip the socket cipher', async () => {
    await fake.commands.get('mysqlTls.connect')!('sb');
    const item = fake.statusBarItems.get('mysqlTls.status')!;
    assert.match(item.text, /^\$\(verified-filled\) Sandbox TLS: verified identity · TLSv1\.[23]$/);
    assert.equal(loaded('mysql2'), true);
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const [node] = await provider.getChildren();
    assert.equal(provider.getTreeItem(node).contextValue, 'connection.connected');
    const children = await provider.getChildren(node);
    const labels = children.map((c) => provider.getTreeItem(c).label);
    assert.equal(labels[0], 'TLS');
    // System schemas are grouped in a collapsed folder unless mysqlTls.showSystemSchemas is on.
    assert.ok(labels.includes('System schemas'));
    const tls = (await provider.getChildren(children[0])).map((c) => provider.getTreeItem(c).label!);
    const protocol = item.text.split(' ').pop()!;
    const cipher = /^Cipher: (\S+)$/.exec(tls[1] ?? '')?.[1];
    assert.ok(cipher, `a cipher fact: ${tls.join(' | ')}`);
    assert.deepEqual(tls.slice(0, 3), [`Protocol: ${protocol}`, `Cipher: ${cipher}`, 'Verification: verified identity']);
    assert.match(tls[3]!, /^Server certificate expires: /);
    assert.ok(item.tooltip!.value.includes(`| cipher | \`${cipher}\``), 'the cipher and the socket/server comparison are in the tooltip');
  });

  it('Duplicate Connection gives the copy its own secret, bound to the copy; the original keeps its own', async () => {
    await fake.commands.get('mysqlTls.duplicateConnection')!('sb');
    const list = fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[];
    const copy = list.find((e) => e.name === 'Sandbox TLS (copy)');
    assert.ok(copy, 'the copy is in the workspace settings');
    const copied = storedSecret(fake, 'workspace', String(copy.id), 'password');
    assert.equal(copied?.value, inlinePassword);
    assert.equal(copied?.binding?.scope, 'workspace');
    assert.equal(copied?.binding?.port, sb.servers.tls.port);
    assert.equal(storedSecret(fake, 'workspace', 'sb', 'password')?.value, inlinePassword, 'the original keeps its secret');
    fake.answers.push({ pattern: /^Remove connection "Sandbox TLS \(copy\)"/, item: 'Remove' });
    await fake.commands.get('mysqlTls.removeConnection')!(String(copy.id));
    assert.equal(storedSecret(fake, 'workspace', String(copy.id), 'password'), undefined);
  });

  it('copies the mysql command line without the password', async () => {
    fake.inputs.push('MySQL 8 client');
    const line = (await fake.commands.get('mysqlTls.copyAsMysqlCommand')!('sb')) as string;
    assert.equal(fake.clipboard, line);
    assert.match(line, /--ssl-mode=VERIFY_IDENTITY --ssl-ca=\S+ca\.pem/);
    assert.ok(!line.includes(inlinePassword));
  });

  it('disconnects', async () => {
    await fake.commands.get('mysqlTls.disconnect')!({ connectionId: 'sb' });
    assert.equal(fake.statusBarItems.get('mysqlTls.status')!.text, '$(plug) Sandbox TLS: not connected');
  });

  it('a failed connect shows `title: detail` with the fix as a button (Show Server Certificate…) and Details, and the error state', async () => {
    const before = fake.notifications.length;
    await fake.commands.get('mysqlTls.connect')!('wh');
    await tick();
    const error = fake.notifications.slice(before).find((n) => n.level === 'error')!;
    assert.match(error.message, /^The server certificate does not name this host: /);
    assert.deepEqual(error.items, ['Show Server Certificate…', 'Details']);
    // The failed attempt shows on its own node; the status bar keeps the selected connection...
    assert.equal(fake.statusBarItems.get('mysqlTls.status')!.text, '$(plug) Sandbox TLS: not connected');
    const view = fake.treeViews.get('mysqlTls.connections')!;
    const nodes = await view.treeDataProvider.getChildren();
    const wrongHost = view.treeDataProvider.getTreeItem(nodes[1]);
    assert.equal(wrongHost.label, 'Wrong host');
    assert.match(wrongHost.description!, /^failed · /);
    assert.deepEqual(JSON.parse(JSON.stringify(wrongHost.iconPath)), { id: 'error', color: { id: 'mysqlTls.errorForeground' } });
    // ...until that node is selected: then the item follows the selection.
    view.select!([nodes[1]]);
    await tick();
    assert.equal(fake.statusBarItems.get('mysqlTls.status')!.text, '$(error) Wrong host: failed');
    view.select!([nodes[0]]);
    await tick();
    assert.equal(fake.statusBarItems.get('mysqlTls.status')!.text, '$(plug) Sandbox TLS: not connected');
  });

  it('Add Connection: Escape writes nothing; the full flow writes the entry and stores the password', async () => {
    const before = JSON.stringify(fake.settings);
    fake.inputs.push('MySQL or MariaDB server', 'New one', '127.0.0.1', String(sb.servers.tls.port), undefined);
    await fake.commands.get('mysqlTls.addConnection')!();
    assert.equal(JSON.stringify(fake.settings), before, 'cancelled: settings untouched');

    fake.inputs.push(
      'MySQL or MariaDB server',
      'New one',
      sb.host,
      String(sb.servers.tls.port),
      sb.accounts.app_none!.user,
      '',
      'Direct connection',
      'VERIFY_IDENTITY',
      'Enter path…',
      sb.certs.ca,
      'None',
      'Password',
      'pw-from-wizard',
    );
    await fake.commands.get('mysqlTls.addConnection')!();
    const list = fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[];
    const added = list.find((e) => e.name === 'New one')!;
    assert.ok(added, 'written to the workspace settings (a folder is open)');
    assert.match(String(added.id), /^[0-9a-f-]{36}$/);
    assert.deepEqual(added.ssl, { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca });
    assert.ok(!JSON.stringify(list).includes('pw-from-wizard'));
    assert.equal(storedSecret(fake, 'workspace', String(added.id), 'password')?.value, 'pw-from-wizard');
    assert.ok(fake.notifications.some((n) => n.level === 'info' && /"New one" added/.test(n.message)));

    fake.answers.push({ pattern: /^Remove connection "New one"/, item: 'Remove' });
    await fake.commands.get('mysqlTls.removeConnection')!(String(added.id));
    assert.ok(!(fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).some((e) => e.name === 'New one'));
    assert.equal(storedSecret(fake, 'workspace', String(added.id), 'password'), undefined, 'its secrets are deleted');
  });
});
