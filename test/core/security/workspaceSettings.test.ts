/**
 * Trust boundaries: workspace settings are untrusted input (a repository, or one pull request, writes them).
 * - An id defined in both scopes is a visible conflict, flagged when it weakens the mode.
 * - Control characters are refused in every string setting; timeouts are bounded.
 * - In Restricted Mode, workspace connections are listed but neither connect nor read their files.
 * - Settings a workspace must never switch on (logQueries, the secret backend) are read from user settings only.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_TIMEOUT_MS, parseConnectionSettings } from '../../../src/core/settings/connectionSettings';
import { loadSandbox } from '../../helpers/sandbox';
import { createFakeVscode, fakeExtensionContext, installFakeVscode, seedBoundSecret } from '../extension/fakeVscode';

const root = path.resolve(__dirname, '../../../..');
const base = { id: 'a', name: 'A', host: 'db.example.com', port: 3306, user: 'app', ssl: { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem' } };

describe('settings are untrusted input', () => {
  it('an id in both scopes is a conflict naming both endpoints, and a weaker mode is flagged', () => {
    const parsed = parseConnectionSettings([
      { scope: 'user', value: [base] },
      { scope: 'workspace', value: [{ ...base, host: 'collector.example', ssl: { mode: 'PREFERRED' } }] },
    ]);
    const c = parsed.connections.find((x) => x.id === 'a')!;
    assert.ok(c.conflict, 'the replacement is marked');
    assert.equal(c.conflict.weakensMode, true);
    assert.equal(c.conflict.otherEndpoint, true);
    assert.match(c.conflict.message, /app@db\.example\.com:3306, VERIFY_IDENTITY/);
    assert.match(c.conflict.message, /app@collector\.example:3306/);
    assert.match(c.conflict.message, /weaker ssl-mode \(PREFERRED instead of VERIFY_IDENTITY\)/);
    const problem = parsed.problems.find((p) => p.conflict);
    assert.ok(problem, 'and listed with the settings problems');
    assert.equal(problem.scope, 'workspace');
    assert.equal(problem.field, 'id');
  });

  it('the same id with the same endpoint and mode is still a (mild) conflict, without the weakening flag', () => {
    const parsed = parseConnectionSettings([
      { scope: 'user', value: [base] },
      { scope: 'workspace', value: [base] },
    ]);
    const c = parsed.connections[0]!;
    assert.equal(c.conflict?.weakensMode, false);
    assert.equal(c.conflict?.otherEndpoint, false);
  });

  it('refuses control characters in every string field, naming the field', () => {
    const fields: [string, (v: string) => Record<string, unknown>][] = [
      ['id', (v) => ({ ...base, id: v })],
      ['name', (v) => ({ ...base, name: v })],
      ['host', (v) => ({ ...base, host: v })],
      ['user', (v) => ({ ...base, user: v })],
      ['database', (v) => ({ ...base, database: v })],
      ['serverPublicKey', (v) => ({ ...base, serverPublicKey: v })],
      ['ssl.ca', (v) => ({ ...base, ssl: { ...base.ssl, ca: v } })],
      ['ssl.cert', (v) => ({ ...base, ssl: { ...base.ssl, cert: v, key: '/k.pem' } })],
      ['ssl.key', (v) => ({ ...base, ssl: { ...base.ssl, cert: '/c.pem', key: v } })],
      ['ssl.pfx', (v) => ({ ...base, ssl: { ...base.ssl, pfx: v } })],
      ['ssl.ciphers', (v) => ({ ...base, ssl: { ...base.ssl, ciphers: v } })],
      ['ssl.servername', (v) => ({ ...base, ssl: { ...base.ssl, servername: v } })],
      ['ssl.caPreset', (v) => ({ ...base, ssl: { ...base.ssl, caPreset: v } })],
    ];
    for (const [field, make] of fields) {
      for (const bad of ['x\ntouch /tmp/pwned', 'x\r', 'a\u0000b', 'a\u001bb', 'a\u0085b', 'a\u2028b']) {
        const parsed = parseConnectionSettings([{ scope: 'workspace', value: [make(bad)] }]);
        const problem = parsed.problems.find((p) => p.field === field && p.severity === 'error');
        assert.ok(problem, `${field} = ${JSON.stringify(bad)} is refused`);
        assert.match(problem.message, /control character \(U\+[0-9A-F]{4}/);
        assert.equal(parsed.connections.length, 0, `${field}: the entry is not usable`);
      }
    }
  });

  it('${env:NAME} in a path is for user settings only: a workspace cannot pull environment variables into paths', () => {
    const env = { AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' };
    for (const [field, entry] of [
      ['ssl.ca', { ...base, ssl: { ...base.ssl, ca: '${env:AWS_SECRET_ACCESS_KEY}' } }],
      ['ssl.key', { ...base, ssl: { ...base.ssl, cert: '/c.pem', key: '/x/${env:AWS_SECRET_ACCESS_KEY}.pem' } }],
      ['serverPublicKey', { ...base, serverPublicKey: '${env:AWS_SECRET_ACCESS_KEY}' }],
    ] as const) {
      const ws = parseConnectionSettings([{ scope: 'workspace', value: [entry] }], { env });
      const problem = ws.problems.find((p) => p.field === field);
      assert.ok(problem, `${field}: refused in workspace settings`);
      assert.match(problem.message, /allowed in user settings only/);
      assert.ok(!JSON.stringify(ws).includes(env.AWS_SECRET_ACCESS_KEY), 'the value appears nowhere in what the settings yield');
      const user = parseConnectionSettings([{ scope: 'user', value: [entry] }], { env });
      assert.equal(user.connections.length, 1, `${field}: fine in user settings`);
    }
  });

  it('bounds connectTimeoutMs to 1..2^31-1 ms', () => {
    for (const bad of [0, -1, 1.5, MAX_TIMEOUT_MS + 1, 1e300]) {
      const parsed = parseConnectionSettings([{ scope: 'user', value: [{ ...base, connectTimeoutMs: bad }] }]);
      assert.ok(
        parsed.problems.some((p) => p.field === 'connectTimeoutMs' && /from 1 to 2147483647/.test(p.message)),
        `${bad} is refused`,
      );
    }
    for (const ok of [1, MAX_TIMEOUT_MS]) {
      const parsed = parseConnectionSettings([{ scope: 'user', value: [{ ...base, connectTimeoutMs: ok }] }]);
      assert.equal(parsed.connections[0]?.profile.connectTimeoutMs, ok);
    }
  });

  it('package.json: limited support in untrusted workspaces, every secret-routing, file-reading or logging setting restricted, and user-only scopes', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      capabilities?: { untrustedWorkspaces?: { supported?: unknown; restrictedConfigurations?: string[] } };
      contributes: { configuration: { properties: Record<string, { scope?: string }> } };
    };
    assert.equal(pkg.capabilities?.untrustedWorkspaces?.supported, 'limited');
    assert.deepEqual([...(pkg.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [])].sort(), [
      'mysqlTls.connections',
      'mysqlTls.export.neutralizeCsvFormulas',
      'mysqlTls.logQueries',
      'mysqlTls.secretStorage',
    ]);
    const props = pkg.contributes.configuration.properties;
    assert.equal(props['mysqlTls.logQueries']?.scope, 'application');
    assert.equal(props['mysqlTls.secretStorage']?.scope, 'application');
    assert.equal(props['mysqlTls.export.neutralizeCsvFormulas']?.scope, 'application', 'a workspace cannot turn the CSV formula guard off');
  });
});

describe('Restricted Mode and user-only settings in the extension (fake VS Code, real sandbox)', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-trust-'));
  const fifo = path.join(tmp, 'ca.fifo');
  let ext: typeof import('../../../src/extension');
  const userEntry = {
    id: 'mine',
    name: 'Mine',
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  // A repository's connection whose CA "file" is a FIFO: reading it would hang for ever.
  const repoEntry = {
    id: 'repo',
    name: 'Repo',
    host: sb.host,
    port: sb.servers.tls.port,
    user: sb.accounts.app_none!.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: fifo },
  };

  before(async () => {
    execFileSync('mkfifo', [fifo]);
    fake.trusted = false;
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [
      userEntry,
      { id: 'optin', name: 'Opt-in', host: sb.host, port: sb.servers.plain.port, user: 'u', getServerPublicKey: true, ssl: { mode: 'PREFERRED' } },
    ];
    fake.settings.workspace['mysqlTls.connections'] = [repoEntry];
    // A workspace switching on query logging and another secret backend: both ignored.
    fake.settings.workspace['mysqlTls.logQueries'] = true;
    fake.settings.workspace['mysqlTls.secretStorage'] = 'keychain';
    await seedBoundSecret(fake, 'user', userEntry, 'password', sb.accounts.app_none!.password);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
  });
  after(async () => {
    await ext.deactivate();
    uninstall();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the workspace connection as restricted, without Connect', async () => {
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const items = (await provider.getChildren()).map((n) => provider.getTreeItem(n));
    const repo = items.find((i) => i.label === 'Repo')!;
    assert.equal(repo.contextValue, 'connection.restricted');
    assert.match(repo.description!, /^Restricted Mode/);
    assert.equal(items.find((i) => i.label === 'Mine')!.contextValue, 'connection.disconnected');
  });

  it('refuses to connect it before reading its files (the FIFO is never opened), and the user connection works', { timeout: 20_000 }, async () => {
    await fake.commands.get('mysqlTls.connect')!('repo');
    const error = fake.notifications.find((n) => n.level === 'error' && /untrusted workspace/.test(n.message));
    assert.ok(error, `a clear error: ${fake.notifications.map((n) => n.message).join(' | ')}`);
    await fake.commands.get('mysqlTls.connect')!('mine');
    assert.match(fake.statusBarItems.get('mysqlTls.status')!.text, /TLSv1\.[23]/);
  });

  it('a connection with the getServerPublicKey opt-in is marked insecure in the tree', async () => {
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const items = (await provider.getChildren()).map((n) => provider.getTreeItem(n) as { label?: string; description?: string; tooltip?: { value: string } });
    const optIn = items.find((i) => i.label === 'Opt-in')!;
    assert.match(optIn.description!, /^insecure key retrieval/);
    assert.match(optIn.tooltip!.value, /getServerPublicKey/);
    assert.doesNotMatch(items.find((i) => i.label === 'Mine')!.description!, /insecure/);
  });

  it('the workspace cannot switch on logQueries or the secret backend', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { userOnlySetting } = require('../../../src/vscode/userOnlySettings') as typeof import('../../../src/vscode/userOnlySettings');
    assert.equal(userOnlySetting('logQueries', false), false);
    assert.equal(userOnlySetting('secretStorage', 'keychain'), 'secretStorage', 'the user setting wins over the workspace value');
  });

  it('trusting the workspace makes its connections usable', async () => {
    fake.grantTrust();
    const provider = fake.treeViews.get('mysqlTls.connections')!.treeDataProvider;
    const items = (await provider.getChildren()).map((n) => provider.getTreeItem(n));
    assert.notEqual(items.find((i) => i.label === 'Repo')!.contextValue, 'connection.restricted');
  });
});
