/**
 * "Set SSH Key Passphrase or Password" in a fake VS Code against the real sandbox sshd and MariaDB: an encrypted
 * SSH key fails with the passphrase cause and its button runs this command; the passphrase it stores is bound
 * like the password (the route is part of the binding) and the next connect goes through the bastion verified.
 * A connection that authenticates with the agent has no SSH secret: nothing is asked or stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadSandbox } from '../../helpers/sandbox';
import { sandboxSsh } from '../../helpers/ssh';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret, storedSecret } from '../extension/fakeVscode';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('Set SSH Key Passphrase or Password (fake VS Code, real sshd and MariaDB)', () => {
  const sb = loadSandbox();
  const ssh = sandboxSsh(sb);
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-sshsecret-'));
  let ext: typeof import('../../../src/extension');
  const hop = { host: '127.0.0.1', port: ssh.bastion.port, user: ssh.user, knownHosts: ssh.knownHosts };
  const encrypted = {
    id: 'enc',
    name: 'Through the bastion',
    host: 'localhost',
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
    ssh: { ...hop, auth: 'key', keyFile: ssh.userKeyEncrypted },
  };
  const agent = { ...encrypted, id: 'agent', name: 'Agent hop', ssh: { ...hop, auth: 'agent' } };

  async function until(what: string, done: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !done(); i++) await tick();
    assert.ok(done(), `waited for ${what}`);
  }

  before(async () => {
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: dir } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [encrypted, agent];
    await seedBoundSecret(fake, 'user', encrypted, 'password', sb.accounts.app_none!.password);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate({ ...fakeExtensionContext(fake), globalStorageUri: { fsPath: dir } } as never);
    await tick();
  });

  after(async () => {
    await ext.deactivate();
    uninstall();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an encrypted key without its passphrase: the toast names the cause and its button stores the passphrase', async () => {
    const n = fake.notifications.length;
    fake.answers.push({ pattern: /^The SSH private key is encrypted/, item: 'Set SSH Key Passphrase or Password…' });
    fake.inputs.push(ssh.userKeyPassphrase);
    await fake.commands.get('mysqlTls.connect')!('enc');
    await until('the passphrase to be stored', () => storedSecret(fake, 'user', 'enc', 'sshPassphrase')?.value === ssh.userKeyPassphrase);
    const error = fake.notifications.slice(n).find((x) => x.level === 'error')!;
    assert.deepEqual(error.items, ['Set SSH Key Passphrase or Password…', 'Details']);
    assert.ok(!JSON.stringify(fake.notifications).includes(ssh.userKeyPassphrase), 'the passphrase is never shown');
    // Bound like the password: the endpoint and the route through the bastion.
    const stored = storedSecret(fake, 'user', 'enc', 'sshPassphrase')!;
    assert.match(JSON.stringify(stored.binding), new RegExp(`${ssh.user}@127\\.0\\.0\\.1:${ssh.bastion.port}`));
  });

  it('with the stored passphrase the connection goes through the bastion, verified', async () => {
    const status = (await fake.commands.get('mysqlTls.connect')!('enc')) as { state: string; report?: { security: string } };
    assert.equal(status.state, 'connected');
    assert.equal(status.report?.security, 'verified-identity');
    await fake.commands.get('mysqlTls.disconnect')!('enc');
  });

  it('an agent hop has no SSH secret: nothing is asked or stored', async () => {
    const n = fake.notifications.length;
    const inputs = fake.inputs.length;
    await fake.commands.get('mysqlTls.setSshSecret')!('agent');
    assert.equal(fake.inputs.length, inputs, 'no input box was shown');
    assert.match(fake.notifications.slice(n)[0]!.message, /authenticates to its bastion with the SSH agent/);
    assert.equal(storedSecret(fake, 'user', 'agent', 'sshPassphrase'), undefined);
    assert.equal(storedSecret(fake, 'user', 'agent', 'sshPassword'), undefined);
  });
});
