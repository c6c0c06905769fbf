/**
 * Edit Connection's form and the Add flow, in the fake VS Code against the sandbox: the extension is activated
 * as in activation.test.ts, and the webview is a stand-in that records what the extension posts and delivers
 * what the form would send (or what a hostile script in the webview could send).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { editorValuesOf, type EditorUpdate, type EditorValues } from '../../../src/core/settings/editorMessages';
import { loadSandbox } from '../../helpers/sandbox';
import { createFakeVscode, FAKE_BACK, FAKE_KEEP, fakeExtensionContext, installFakeVscode, seedBoundSecret, storedSecret } from './fakeVscode';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

interface FakePanel {
  html: string;
  title: string;
  posted: EditorUpdate[];
  disposed: boolean;
  dispose(): void;
  /** Delivers a message as the webview would; resolves when the extension has handled it. */
  send(message: unknown): Promise<void>;
}

describe('the connection editor form and the Add flow', () => {
  const sb = loadSandbox();
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  const folder = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-editor-'));
  const panels: FakePanel[] = [];
  let ext: typeof import('../../../src/extension');
  const account = sb.accounts.app_none!;
  const hostileName = 'Prod <img src=x onerror=alert(1)>';
  const workspaceEntry = {
    id: 'w1',
    name: hostileName,
    host: sb.host,
    port: sb.servers.tls.port,
    user: account.user,
    ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca },
  };
  const otherWorkspaceEntry = { id: 'w2', name: 'Other', host: 'db.example.com', user: 'other', ssl: { mode: 'REQUIRED' } };
  // A user entry with the ssh and auth blocks (an ssh key no validator knows), a key no one knows, and a TLS key
  // the form does not show (caPreset).
  const userEntry = {
    id: 'u1',
    name: 'User one',
    host: 'db.internal',
    port: 3307,
    user: 'report',
    ssl: { mode: 'VERIFY_IDENTITY', caSource: 'system', caPreset: 'public-roots' },
    ssh: {
      host: 'bastion',
      port: 22,
      user: 'me',
      auth: 'key',
      keyFile: '~/.ssh/id_ed25519',
      futureSshKey: 'kept',
      jump: { host: 'jump', user: 'me', auth: 'agent' },
    },
    auth: { method: 'awsIam', region: 'eu-west-1', profile: 'prod' },
    futureSetting: { nested: [1, 2, 3] },
  };

  const lastPanel = (): FakePanel => panels[panels.length - 1]!;
  const lastOf = <T extends EditorUpdate['type']>(panel: FakePanel, type: T): Extract<EditorUpdate, { type: T }> | undefined =>
    [...panel.posted].reverse().find((m): m is Extract<EditorUpdate, { type: T }> => m.type === type);

  async function openEditor(id: string): Promise<{ panel: FakePanel; values: EditorValues }> {
    await fake.commands.get('mysqlTls.editConnection')!(id);
    const panel = lastPanel();
    await panel.send({ type: 'ready' });
    const init = lastOf(panel, 'init');
    assert.ok(init, 'the form gets its values on ready');
    return { panel, values: init.values };
  }

  before(async () => {
    const m = fake.module as Record<string, Record<string, unknown>>;
    m.window!.createWebviewPanel = (_type: string, title: string) => {
      let listener: ((m: unknown) => unknown) | undefined;
      const disposeListeners: (() => void)[] = [];
      const panel: FakePanel & Record<string, unknown> = {
        html: '',
        title,
        posted: [],
        disposed: false,
        send: async (message: unknown) => void (await listener?.(message)),
        reveal() {},
        dispose() {
          if (panel.disposed) return;
          panel.disposed = true;
          disposeListeners.forEach((l) => l());
        },
        onDidDispose: (l: () => void) => {
          disposeListeners.push(l);
          return { dispose() {} };
        },
        webview: {
          cspSource: 'vscode-resource:',
          asWebviewUri: (u: { fsPath: string }) => ({ toString: () => `vscode-resource:${u.fsPath}` }),
          postMessage: async (message: EditorUpdate) => void panel.posted.push(clone(message)),
          onDidReceiveMessage: (l: (m: unknown) => unknown) => {
            listener = l;
            return { dispose: () => (listener = undefined) };
          },
          set html(v: string) {
            panel.html = v;
          },
          get html() {
            return panel.html;
          },
        },
      };
      // The page is set through panel.webview.html.
      Object.defineProperty(panel.webview, 'html', {
        set: (v: string) => void (panel.html = v),
        get: () => panel.html,
      });
      panels.push(panel);
      return panel;
    };
    fake.workspaceFolders = [{ name: 'ws', uri: { fsPath: folder } }];
    fake.settings.user['mysqlTls.secretStorage'] = 'secretStorage';
    fake.settings.user['mysqlTls.connections'] = [clone(userEntry)];
    fake.settings.workspace['mysqlTls.connections'] = [clone(workspaceEntry), clone(otherWorkspaceEntry)];
    await seedBoundSecret(fake, 'workspace', workspaceEntry, 'password', account.password);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ext = require('../../../src/extension') as typeof import('../../../src/extension');
    ext.activate(fakeExtensionContext(fake) as never);
    await tick();
  });

  after(async () => {
    await ext.deactivate();
    uninstall();
    rmSync(folder, { recursive: true, force: true });
  });

  it('opens a page with a strict CSP, only nonce-carrying scripts and the escaped connection name', async () => {
    await fake.commands.get('mysqlTls.editConnection')!('w1');
    const { html } = lastPanel();
    const nonce = /script-src 'nonce-([^']+)'/.exec(html)?.[1];
    assert.ok(nonce, 'scripts are allowed by nonce only');
    assert.match(html, /default-src 'none'/);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 2, 'the elements bundle and the form script');
    for (const s of scripts) assert.ok(s.includes(`nonce="${nonce}"`) && /\ssrc="/.test(s), `external script with the nonce: ${s}`);
    assert.ok(!html.includes('<img'), 'the name is not markup');
    assert.ok(html.includes('Prod &lt;img src=x onerror=alert(1)&gt;'));
    lastPanel().dispose();
  });

  it('fills the form with every setting of the entry and names the scope; no secret reaches the webview', async () => {
    const { panel, values } = await openEditor('w1');
    assert.equal(values.port, String(sb.servers.tls.port));
    assert.equal(values['ssl.mode'], 'VERIFY_IDENTITY');
    assert.equal(values['ssl.ca'], sb.certs.ca);
    assert.equal(values.name, hostileName);
    assert.equal(lastOf(panel, 'init')!.scope, 'workspace');
    assert.ok(!JSON.stringify(panel.posted).includes(account.password));
    panel.dispose();
  });

  it("a fix's Edit Connection… opens the form at its setting; an unknown field is not passed on", async () => {
    await fake.commands.get('mysqlTls.editConnection')!('w1', { field: 'ssl.ca' });
    const panel = lastPanel();
    await panel.send({ type: 'ready' });
    assert.equal(lastOf(panel, 'init')!.focus, 'ssl.ca');
    // The form is open: another fix for the same connection focuses its field in place.
    await fake.commands.get('mysqlTls.editConnection')!('w1', { field: 'ssl.mode' });
    assert.equal(lastPanel(), panel, 'the open form is reused');
    assert.deepEqual(lastOf(panel, 'focus'), { type: 'focus', field: 'ssl.mode' });
    panel.dispose();
    await fake.commands.get('mysqlTls.editConnection')!('w1', { field: '__proto__' });
    const other = lastPanel();
    await other.send({ type: 'ready' });
    assert.equal(lastOf(other, 'init')!.focus, undefined);
    other.dispose();
  });

  it('reports each validation problem next to the field it names', async () => {
    const { panel, values } = await openEditor('w1');
    const bad: EditorValues = {
      ...values,
      name: 'Other',
      host: '',
      port: 'abc',
      connectTimeoutMs: '0',
      'ssl.minVersion': 'TLSv1.3',
      'ssl.maxVersion': 'TLSv1.2',
      'ssl.ca': path.join(folder, 'missing-ca.pem'),
      'ssl.clientCertificate': 'pem',
      'ssl.cert': sb.certs.ca,
      'ssl.key': '',
    };
    await panel.send({ type: 'validate', values: bad });
    const problems = lastOf(panel, 'problems')!.problems;
    const byField = (field: string): string =>
      problems
        .filter((p) => p.field === field && p.severity === 'error')
        .map((p) => p.message)
        .join(' | ');
    assert.match(byField('name'), /named "Other" already exists/);
    assert.match(byField('host'), /^host is missing$/);
    assert.match(byField('port'), /port must be a whole number/);
    assert.match(byField('connectTimeoutMs'), /from 1 to/);
    assert.match(byField('ssl.minVersion'), /above ssl\.maxVersion/);
    assert.match(byField('ssl.ca'), /missing-ca\.pem/);
    assert.match(byField('ssl.key'), /needs both ssl\.cert and ssl\.key/);
    // Save with errors writes nothing.
    const before = clone(fake.settings);
    await panel.send({ type: 'save', values: bad });
    assert.deepEqual(fake.settings, before);
    assert.equal(panel.disposed, false);
    await panel.send({ type: 'validate', values });
    assert.deepEqual(lastOf(panel, 'problems')!.problems, [], 'the entry as stored has no problem');
    panel.dispose();
  });

  it('Test Connection runs the test path on the edited, unsaved entry and shows the TLS steps', async () => {
    const { panel, values } = await openEditor('w1');
    const before = clone(fake.settings);
    await panel.send({ type: 'test', values: { ...values, database: 'mysql' } });
    const result = lastOf(panel, 'testResult')!.result;
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.match(result.steps.find((s) => s.label === 'TLS')!.detail, /^TLSv1\.[23] /);
    assert.equal(result.steps.find((s) => s.label === 'Verification')!.detail, 'encrypted, chain and host name verified');
    assert.deepEqual(fake.settings, before, 'testing writes nothing');
    await panel.send({ type: 'test', values: { ...values, port: '0' } });
    assert.equal(lastOf(panel, 'testResult')!.result.ok, false, 'an invalid entry is not tested');
    panel.dispose();
  });

  it('Save writes the workspace entry where it lives, keeps the other connections, the user settings and the password', async () => {
    const userBefore = clone(fake.settings.user);
    const { panel, values } = await openEditor('w1');
    await panel.send({ type: 'save', values: { ...values, port: String(sb.servers.tls.port + 0), database: 'app' } });
    assert.equal(panel.disposed, true, 'the form closes after saving');
    const list = fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[];
    assert.deepEqual(list[0], { ...workspaceEntry, database: 'app' });
    assert.deepEqual(list[1], otherWorkspaceEntry);
    assert.deepEqual(fake.settings.user, userBefore, 'the user settings are untouched');
    assert.equal(storedSecret(fake, 'workspace', 'w1', 'password')?.value, account.password);
    assert.ok(fake.notifications.some((n) => /saved to the workspace settings/.test(n.message)));
  });

  it('Save of a changed port rebinds the password to the new endpoint', async () => {
    const { panel, values } = await openEditor('w1');
    const port = sb.servers.wronghost.port;
    await panel.send({ type: 'save', values: { ...values, port: String(port) } });
    assert.equal((fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[])[0]!.port, port);
    const stored = storedSecret(fake, 'workspace', 'w1', 'password');
    assert.equal(stored?.value, account.password);
    assert.equal(stored?.binding?.port, port);
  });

  it('Save of a user connection writes the user settings only, and keeps every field the form does not know', async () => {
    const workspaceBefore = clone(fake.settings.workspace);
    const { panel, values } = await openEditor('u1');
    assert.equal(lastOf(panel, 'init')!.scope, 'user');
    assert.equal(values['ssh.enabled'], true);
    assert.equal(values['ssh.host'], 'bastion');
    assert.equal(values['auth.method'], 'awsIam');
    await panel.send({ type: 'save', values: { ...values, database: 'reports', 'ssh.port': '2222' } });
    assert.deepEqual(fake.settings.workspace, workspaceBefore, 'the workspace settings are untouched');
    const [saved] = fake.settings.user['mysqlTls.connections'] as Record<string, unknown>[];
    assert.deepEqual(saved, { ...userEntry, database: 'reports', ssh: { ...userEntry.ssh, port: 2222 } });
  });

  it('drops hostile messages from the webview: wrong types, extra or prototype keys, unknown fields and options', async () => {
    const { panel, values } = await openEditor('w2');
    const settingsBefore = clone(fake.settings);
    const postedBefore = panel.posted.length;
    const hostile: unknown[] = [
      null,
      'save',
      [{ type: 'save', values }],
      { type: 'save' },
      { type: 'save', values, extra: 1 },
      { type: 'save', values: { ...values, port: 3306 } },
      { type: 'save', values: { ...values, readOnly: 'true' } },
      { type: 'save', values: { ...values, 'ssl.mode': 'NONE' } },
      { type: 'save', values: { ...values, password: 'x' } },
      { type: 'save', values: { ...values, host: 'h'.repeat(5000) } },
      JSON.parse(`{"type":"save","values":${JSON.stringify(values).slice(0, -1)},"__proto__":{"polluted":true}}}`),
      JSON.parse(`{"type":"save","__proto__":{"values":${JSON.stringify(values)}}}`),
      { type: 'browse', field: '../../etc/passwd' },
      { type: 'ready', then: 1 },
      { type: 'eval', code: 'x' },
    ];
    for (const message of hostile) await panel.send(message);
    assert.deepEqual(fake.settings, settingsBefore, 'nothing was written');
    assert.equal(panel.posted.length, postedBefore, 'nothing was answered');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.ok(fake.logLines.filter((l) => l.includes('ignored a malformed message from the connection editor')).length >= hostile.length);
    panel.dispose();
  });

  it('Set Password runs the existing command for this connection; Cancel closes without writing', async () => {
    const { panel } = await openEditor('w2');
    fake.inputs.push('new-secret');
    await panel.send({ type: 'setPassword' });
    assert.equal(storedSecret(fake, 'workspace', 'w2', 'password')?.value, 'new-secret');
    const before = clone(fake.settings);
    await panel.send({ type: 'cancel' });
    assert.equal(panel.disposed, true);
    assert.deepEqual(fake.settings, before);
  });

  it('Add: Back returns to the previous step with its answer kept, and the result uses the new answer', async () => {
    fake.quickInputs.length = 0;
    fake.rejectedInputs.length = 0;
    fake.inputs.push(
      'MySQL or MariaDB server',
      'Back test',
      'first.example.com',
      FAKE_BACK, // at the port step: back to the host
      'second.example.com',
      '3306',
      FAKE_BACK, // at the user step: back to the port (kept)
      FAKE_KEEP,
      'app',
      '',
      'Direct connection',
      'REQUIRED',
      'None',
      'None',
      'Password',
      '',
    );
    await fake.commands.get('mysqlTls.addConnection')!();
    assert.deepEqual(fake.rejectedInputs, []);
    const shown = fake.quickInputs;
    assert.equal(shown[0]!.kind, 'quickPick');
    assert.equal(shown[0]!.hasBack, false, 'no Back on the first step');
    assert.ok(
      shown.slice(1).every((q) => q.hasBack),
      'Back on every later step',
    );
    const hostSteps = shown.filter((q) => q.prompt === 'Server host name or IP address');
    assert.deepEqual(
      hostSteps.map((q) => q.value),
      ['', 'first.example.com'],
      'the host step shows its earlier answer after Back',
    );
    const portSteps = shown.filter((q) => q.prompt === 'TCP port');
    assert.deepEqual(
      portSteps.map((q) => q.value),
      ['3306', '3306', '3306'],
    );
    // Steps 7 (Connect through SSH) and 11 (Authentication) are quick picks of their own, not recorded here.
    assert.deepEqual(
      shown.map((q) => q.step),
      [1, 2, 3, 4, 3, 4, 5, 4, 5, 6, 8, 9, 10, 12],
    );
    const added = (fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).find((e) => e.name === 'Back test')!;
    assert.equal(added.host, 'second.example.com');
    assert.equal(added.port, 3306);
    assert.equal(added.kind, undefined);
    assert.deepEqual(added.ssl, { mode: 'REQUIRED' });
    const toast = fake.notifications.find((n) => /"Back test" added/.test(n.message))!;
    assert.deepEqual(toast.items, ['Connect', 'Test Connection'], 'the toast offers the next step');
  });

  it('Add: Back from the second step returns to the kind, and the kind step sets a ProxySQL admin connection on 6032', async () => {
    fake.quickInputs.length = 0;
    fake.inputs.push(
      'MySQL or MariaDB server',
      FAKE_BACK,
      'ProxySQL admin interface',
      'Admin',
      '127.0.0.1',
      FAKE_KEEP,
      'radmin',
      '',
      'Direct connection',
      'VERIFY_CA',
      'Enter path…',
      sb.certs.ca,
      'None',
      '',
    );
    await fake.commands.get('mysqlTls.addConnection')!();
    assert.deepEqual(fake.rejectedInputs, []);
    const kinds = fake.quickInputs.filter((q) => q.items?.includes('ProxySQL admin interface'));
    assert.deepEqual(
      kinds.map((q) => q.active),
      ['MySQL or MariaDB server', 'MySQL or MariaDB server'],
    );
    assert.equal(fake.quickInputs.find((q) => q.prompt?.startsWith('TCP port'))!.value, '6032');
    const added = (fake.settings.workspace['mysqlTls.connections'] as Record<string, unknown>[]).find((e) => e.name === 'Admin')!;
    assert.equal(added.kind, 'proxysqlAdmin');
    assert.equal(added.port, 6032);
    assert.deepEqual(added.ssl, { mode: 'VERIFY_CA', ca: sb.certs.ca });
  });

  it('Add: a value the step refuses is not accepted (the validation message is shown), Escape writes nothing', async () => {
    fake.rejectedInputs.length = 0;
    const before = clone(fake.settings);
    fake.inputs.push('MySQL or MariaDB server', 'Refused', 'db.example.com', '99999');
    await fake.commands.get('mysqlTls.addConnection')!();
    assert.deepEqual(fake.rejectedInputs, [{ value: '99999', message: 'The port must be from 1 to 65535.' }]);
    assert.deepEqual(fake.settings, before);
  });

  it('the form values of a stored entry survive a round trip unchanged', () => {
    // editorValuesOf then applyEditorValues without a change must give back the same entry (nothing lost).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { applyEditorValues } = require('../../../src/core/settings/editorMessages') as typeof import('../../../src/core/settings/editorMessages');
    assert.deepEqual(applyEditorValues(userEntry, editorValuesOf(userEntry)), userEntry);
    assert.deepEqual(applyEditorValues(workspaceEntry, editorValuesOf(workspaceEntry)), workspaceEntry);
  });
});
