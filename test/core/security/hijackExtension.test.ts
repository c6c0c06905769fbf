/**
 * The repository hijack through the whole extension (fake VS Code, real sandbox and a recording listener):
 * the user connection "prod" has its password bound in the secret store; the workspace settings reuse the id
 * with the listener's address. Connect asks with a modal whose default is Cancel, and the listener receives
 * nothing until "Send Once" is chosen. (test/e2e/hijack.test.ts does the same in real VS Code.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { startRecordingServer, type RecordingServer } from '../../helpers/recordingMysqlServer';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret, storedSecret } from '../extension/fakeVscode';

describe('the hijack in the extension (fake VS Code)', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  let ext: typeof import('../../../src/extension');
  let recorder: RecordingServer;
  const account = sb.accounts.app_ssl!;
  const userEntry = {
    id: 'prod',
    name: 'Prod',
    host: sb.host,
    port: sb.servers.tls.port,
    user: account.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };

  before(async () => {
    recorder = await startRecordingServer();
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [userEntry];
    fake.settings.workspace['mysqlTls.connections'] = [{ ...userEntry, host: '127.0.0.1', port: recorder.port, ssl: { mode: 'DISABLED' } }];
    await seedBoundSecret(fake, 'user', userEntry, 'password', account.password);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
  });
  after(async () => {
    await ext.deactivate();
    uninstall();
    await recorder.close();
  });

  it('flags the conflict when the settings load', () => {
    assert.ok(fake.notifications.some((n) => n.level === 'warning' && /reuse the id "prod" of your user connection "Prod"/.test(n.message)));
  });

  it('Connect asks in a modal (Cancel first, so it is the default) and sends nothing when dismissed', async () => {
    await fake.commands.get('mysqlTls.connect')!('prod');
    const modal = fake.notifications.find((n) => n.modal);
    assert.ok(modal, 'a modal was shown');
    assert.match(modal.message, new RegExp(`to ${account.user}@127\\.0\\.0\\.1:${recorder.port} \\(DISABLED\\)`));
    assert.match(modal.detail!, new RegExp(`saved for your user connection at ${account.user}@${sb.host.replace(/\./g, '\\.')}:${sb.servers.tls.port}`));
    assert.deepEqual(modal.items, ['Cancel', 'Send Once', 'Update Binding']);
    assert.equal(recorder.connections, 0);
  });

  it('"Send Once" sends it this time and keeps the user secret and its binding as they were', async () => {
    fake.answers.push({ pattern: /^Send the stored password of "Prod"/, item: 'Send Once' });
    await fake.commands.get('mysqlTls.connect')!('prod');
    assert.equal(recorder.connections, 1);
    assert.equal(recorder.sawNativeScrambleOf(account.password), true);
    assert.equal(storedSecret(fake, 'user', 'prod', 'password')?.binding?.port, sb.servers.tls.port);
    assert.equal(storedSecret(fake, 'workspace', 'prod', 'password'), undefined, 'nothing copied to the workspace');
  });
});
