import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  applyEditorValues,
  EDITOR_BOOLEAN_FIELDS,
  EDITOR_CHOICES,
  EDITOR_TEXT_FIELDS,
  editorValuesOf,
  parseEditorRequest,
  validateEditedEntry,
} from '../../../src/core/settings/editorMessages';
import { COMMAND_IDS } from '../../../src/vscode/commandIds';
import { editorPageFields, renderConnectionEditorPage } from '../../../src/vscode/webviews/connectionEditorHtml';

const root = path.resolve(__dirname, '../../../..');
const entry = {
  id: 'a',
  name: 'A',
  host: 'db',
  port: 3306,
  user: 'u',
  ssl: { mode: 'VERIFY_IDENTITY', ca: '/ca.pem', caPreset: 'aws-rds', unknownTlsKey: 1 },
  ssh: { host: 'bastion', user: 'me', auth: 'agent', jump: { host: 'j', user: 'me', auth: 'key', keyFile: '/k' } },
  auth: { method: 'awsIam', region: 'us-east-1', profile: 'p', later: true },
  password: 'inline-secret-kept-for-the-move-offer',
};

describe('connection editor messages', () => {
  it('the page has a control for every form field, and the form field list covers every kind once', () => {
    const all = [...EDITOR_TEXT_FIELDS, ...EDITOR_BOOLEAN_FIELDS, ...Object.keys(EDITOR_CHOICES)].sort();
    assert.deepEqual([...editorPageFields()].sort(), all);
    assert.equal(new Set(all).size, all.length);
  });

  it('the page escapes its title and allows no inline script or style', () => {
    const html = renderConnectionEditorPage({
      nonce: 'n"1',
      cspSource: 'vscode-resource:',
      elementsScriptUri: 'e.js',
      viewScriptUri: 'v.js',
      styleUri: 's.css',
      title: '"><script>alert(1)</script>',
    });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(html.includes('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.doesNotMatch(html, /<style|style="|\son[a-z]+=/i);
  });

  it('accepts exactly the request shapes, and refuses anything else', () => {
    const values = editorValuesOf(entry);
    assert.deepEqual(parseEditorRequest({ type: 'save', values }), { type: 'save', values });
    assert.deepEqual(parseEditorRequest({ type: 'browse', field: 'ssl.ca' }), { type: 'browse', field: 'ssl.ca' });
    assert.deepEqual(parseEditorRequest({ type: 'cancel' }), { type: 'cancel' });
    const withProto = JSON.parse(`{"type":"validate","values":${JSON.stringify(values).slice(0, -1)},"__proto__":{"x":1}}}`) as unknown;
    for (const bad of [
      withProto,
      { type: 'validate', values: Object.assign(Object.create({ inherited: 1 }) as object, values) },
      { type: 'validate', values: { ...values, 'ssh.enabled': 1 } },
      { type: 'validate', values: { ...values, 'auth.method': 'kerberos' } },
      { type: 'validate', values: { ...values, constructor: 'x' } },
      { type: 'browse', field: 'ssl.mode' },
      { type: 'cancel', values },
    ]) {
      assert.equal(parseEditorRequest(bad), undefined, JSON.stringify(bad).slice(0, 80));
    }
  });

  it('writes only what the form shows: unknown keys, inline secrets and the id stay; empty fields are removed', () => {
    const values = editorValuesOf(entry);
    assert.deepEqual(applyEditorValues(entry, values), entry, 'no change, same entry');
    // Values written another way but meaning the same are left as written when the user did not touch them.
    const spelled = { ...entry, kind: 'mysql', readOnly: false, ssl: { ...entry.ssl, mode: 'verify_identity' } };
    assert.deepEqual(applyEditorValues(spelled, { ...editorValuesOf(spelled), user: 'v' }), { ...spelled, user: 'v' });
    const edited = applyEditorValues(entry, { ...values, database: ' ', port: '3307', 'ssl.ca': '/other-ca.pem' });
    assert.equal(edited.port, 3307);
    assert.equal('database' in edited, false);
    assert.equal(edited.password, entry.password);
    assert.deepEqual(edited.ssl, { mode: 'VERIFY_IDENTITY', ca: '/other-ca.pem', unknownTlsKey: 1 }, 'a preset no longer names a changed CA');
  });

  it('switching SSH off removes its block; a jump host off removes the jump; another login method keeps only its fields', () => {
    const values = editorValuesOf(entry);
    assert.equal(applyEditorValues(entry, { ...values, 'ssh.enabled': false }).ssh, undefined);
    assert.deepEqual(applyEditorValues(entry, { ...values, 'ssh.jump.enabled': false }).ssh, { host: 'bastion', user: 'me', auth: 'agent' });
    assert.deepEqual(applyEditorValues(entry, { ...values, 'auth.method': 'azureEntra', 'auth.tenantId': 't' }).auth, {
      method: 'azureEntra',
      tenantId: 't',
      later: true,
    });
    assert.deepEqual(applyEditorValues(entry, { ...values, 'auth.method': 'password' }).auth, { later: true });
  });

  it('validates the whole entry with the core validator, naming fields; a workspace ${env:} path is refused', async () => {
    const values = { ...editorValuesOf(entry), 'ssl.ca': '${env:HOME}/ca.pem' };
    const problems = await validateEditedEntry(applyEditorValues(entry, values), values, { scope: 'workspace', otherNames: [], restricted: true });
    assert.deepEqual(
      problems.filter((p) => p.severity === 'error').map((p) => p.field),
      ['ssl.ca'],
    );
    assert.match(problems[0]!.message, /allowed in user settings only/);
    // The auth validator (src/core/cloudAuth) names the unknown key the entry keeps, as a warning only.
    assert.deepEqual(
      problems.filter((p) => p.severity !== 'error').map((p) => p.field),
      ['auth.later'],
    );
  });
});

describe('walkthrough and menus', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    contributes: {
      walkthroughs: { title: string; steps: { description: string; media: { markdown: string }; completionEvents: string[] }[] }[];
      menus: Record<string, { command: string; when: string }[]>;
    };
  };

  it('"Connect securely in three steps": each step has a command button, its markdown, and completes on that command', () => {
    const [walkthrough] = pkg.contributes.walkthroughs;
    assert.equal(walkthrough!.title, 'Connect securely in three steps');
    assert.equal(walkthrough!.steps.length, 3);
    for (const step of walkthrough!.steps) {
      const command = /\(command:([\w.]+)\)$/.exec(step.description)?.[1];
      assert.ok(command && COMMAND_IDS.includes(command as never), `a button for a declared command: ${step.description}`);
      assert.deepEqual(step.completionEvents, [`onCommand:${command}`]);
      const file = path.join(root, step.media.markdown);
      assert.ok(existsSync(file), file);
      assert.ok(readFileSync(file, 'utf8').includes(`(command:${command})`));
    }
  });

  it('the connection context menu has Refresh', () => {
    assert.ok(pkg.contributes.menus['view/item/context']!.some((m) => m.command === 'mysqlTls.refresh' && m.when.includes('viewItem =~ /^connection\\./')));
  });
});
