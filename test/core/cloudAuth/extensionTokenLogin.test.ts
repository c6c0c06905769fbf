/**
 * A token connection through the extension in a fake VS Code, against the sandbox token account: added with
 * the wizard's Authentication step (no password asked or stored), shown with its login line and without Set
 * Password, confirmed once by the user (a workspace connection), and connected with the token from the
 * MYSQL_TLS_E2E_TOKEN_FILE test seam (the file the account's PAM check reads).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { E2E_TOKEN_FILE_ENV } from '../../../src/vscode/e2eTokenSource';
import { loadSandbox } from '../../helpers/sandbox';
import { createTokenPamAccount, type TokenPamAccount } from '../../helpers/tokenPamAccount';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, storedSecret } from '../extension/fakeVscode';

const root = path.resolve(__dirname, '../../../..');

describe('a cloud token connection in the extension (fake VS Code, sandbox token account)', { timeout: 60_000 }, () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  let uninstall: () => void;
  let ext: typeof import('../../../src/extension');
  let account: TokenPamAccount;
  const saved = process.env[E2E_TOKEN_FILE_ENV];

  before(async () => {
    account = await createTokenPamAccount(sb, ['tls']);
    await account.expect('token-from-the-e2e-seam-0123456789');
    process.env[E2E_TOKEN_FILE_ENV] = path.join(sb.dir, 'token-pam', 'expected-token');
    uninstall = installFakeVscode(fake);
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: root } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.workspace['mysqlTls.connections'] = [];
    const state = new Map<string, unknown>();
    const context = fakeExtensionContext(fake) as unknown as Record<string, unknown>;
    context.globalState = { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void state.set(k, v), keys: () => [...state.keys()] };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(context as never);
  });

  after(async () => {
    await ext?.deactivate();
    uninstall?.();
    if (saved === undefined) delete process.env[E2E_TOKEN_FILE_ENV];
    else process.env[E2E_TOKEN_FILE_ENV] = saved;
    await account?.remove();
  });

  const node = async (): Promise<{ contextValue?: string; tooltip?: unknown }> => {
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    for (const n of await provider.getChildren()) {
      const item = provider.getTreeItem(n) as { label?: string; contextValue?: string; tooltip?: unknown };
      if (item.label === 'Token conn') return item;
    }
    throw new Error('no tree item "Token conn"');
  };

  it('the Authentication step writes auth, asks no password, stores none', async () => {
    fake.inputs.push(
      'MySQL or MariaDB server',
      'Token conn',
      sb.host,
      String(sb.servers.tls.port),
      account.user,
      '',
      'Direct connection',
      'VERIFY_IDENTITY',
      'Enter path…',
      sb.certs.ca,
      'None',
    );
    fake.inputs.push('AWS IAM database authentication', 'eu-west-1', 'dev');
    await fake.commands.get('mysqlTls.addConnection')!();
    assert.deepEqual(fake.inputs, [], 'every answer was asked for, no password step after the token method');
    const added = (fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).find((e) => e.name === 'Token conn')!;
    assert.deepEqual(added.auth, { method: 'awsIam', region: 'eu-west-1', profile: 'dev' });
    assert.equal(storedSecret(fake, 'workspace', String(added.id), 'password'), undefined);
  });

  it('the tree says how it logs in, and Set Password is neither offered (context value) nor done', async () => {
    const item = await node();
    assert.equal(item.contextValue, 'connection.disconnected.token');
    // The markdown as rendered: its escapes removed.
    const rendered = String((item.tooltip as { value?: string }).value ?? item.tooltip).replace(/\\(.)/g, '$1');
    assert.match(rendered, /\nlogin: AWS IAM token \(profile dev, eu-west-1\)\n/);
    const added = (fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).find((e) => e.name === 'Token conn')!;
    await fake.commands.get('mysqlTls.setPassword')!(String(added.id));
    assert.ok(fake.notifications.some((n) => n.level === 'warning' && /has no password to set/.test(n.message)));
    assert.equal(storedSecret(fake, 'workspace', String(added.id), 'password'), undefined);
  });

  it('a workspace token connection asks first (Cancel sends nothing), then connects with the seam token, and is not asked again', async () => {
    const added = (fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).find((e) => e.name === 'Token conn')!;
    const modals = (): number => fake.notifications.filter((n) => n.modal && /with your cloud identity/.test(n.message)).length;
    await fake.commands.get('mysqlTls.connect')!(String(added.id));
    assert.equal(modals(), 1);
    assert.match((await node()).contextValue!, /^connection\.(disconnected|error)/, 'cancelled');
    const modal = fake.notifications.filter((n) => n.modal).pop()!;
    assert.match(modal.detail!, /AWS IAM \(region eu-west-1, profile dev\)/);
    assert.match(modal.detail!, /workspace settings/);

    fake.answers.push({ pattern: /with your cloud identity/, item: 'Send Token' });
    await fake.commands.get('mysqlTls.connect')!(String(added.id));
    assert.equal((await node()).contextValue, 'connection.connected.token');
    assert.equal(modals(), 2);
    await fake.commands.get('mysqlTls.disconnect')!({ connectionId: String(added.id) });
    fake.answers.length = 0;
    await fake.commands.get('mysqlTls.connect')!(String(added.id));
    assert.equal((await node()).contextValue, 'connection.connected.token', 'the consent is remembered for this binding');
    assert.equal(modals(), 2);
    await fake.commands.get('mysqlTls.disconnect')!({ connectionId: String(added.id) });
  });
});
