import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  extractInlineSecrets,
  parseConnectionSettings,
  scopeForNewConnection,
  settingsEntryOf,
  withEntry,
  withoutEntry,
  withPersistedId,
} from '../../../src/core/settings/connectionSettings';

const valid = { id: 'a', name: 'A', host: 'db.example.com', port: 3306, user: 'app', ssl: { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem' } };

describe('parseConnectionSettings', () => {
  it('accepts a valid entry and keeps its fields', () => {
    const parsed = parseConnectionSettings([{ scope: 'user', value: [valid] }]);
    assert.equal(parsed.connections.length, 1);
    assert.deepEqual(parsed.problems, []);
    const c = parsed.connections[0]!;
    assert.equal(c.id, 'a');
    assert.equal(c.name, 'A');
    assert.equal(c.scope, 'user');
    assert.deepEqual(c.profile, { id: 'a', name: 'A', host: 'db.example.com', port: 3306, user: 'app', ssl: { mode: 'VERIFY_IDENTITY', ca: '/etc/ca.pem' } });
  });

  it('names the field of each invalid entry and keeps the valid ones', () => {
    const entries = [
      { id: 'nohost', user: 'u' },
      valid,
      { id: 'badport', host: 'h', user: 'u', port: 70000 },
      { id: 'badmode', host: 'h', user: 'u', ssl: { mode: 'VERIFY_EVERYTHING' } },
      { id: 'wrongtype', host: 42, user: 'u' },
      { id: 'badversion', host: 'h', user: 'u', ssl: { minVersion: 'SSLv3' } },
      { id: 'strport', host: 'h', user: 'u', port: '3306' },
      'not an object',
      { id: 'ok2', host: 'h2', user: 'u2', ssl: { mode: 'verify-ca', ca: 'x' } },
    ];
    const parsed = parseConnectionSettings([{ scope: 'workspace', value: entries }]);
    assert.deepEqual(
      parsed.connections.map((c) => c.id),
      ['a', 'ok2'],
    );
    assert.equal(parsed.connections[1]!.profile.ssl?.mode, 'VERIFY_CA', 'MySQL spellings of the mode are normalized');
    const fieldOf = (index: number): string[] => parsed.problems.filter((p) => p.index === index).map((p) => p.field);
    assert.deepEqual(fieldOf(0), ['host']);
    assert.deepEqual(fieldOf(2), ['port']);
    assert.deepEqual(fieldOf(3), ['ssl.mode']);
    assert.deepEqual(fieldOf(4), ['host']);
    assert.match(parsed.problems.find((p) => p.index === 4)!.message, /must be a string/);
    assert.deepEqual(fieldOf(5), ['ssl.minVersion']);
    assert.deepEqual(fieldOf(6), ['port']);
    assert.deepEqual(fieldOf(7), ['']);
    assert.equal(parsed.invalid.length, 7);
    assert.ok(parsed.invalid.every((i) => i.problems.length > 0));
    assert.match(parsed.problems.find((p) => p.index === 3)!.message, /VERIFY_EVERYTHING/);
  });

  it('warns about unknown keys without dropping the entry', () => {
    const parsed = parseConnectionSettings([{ scope: 'user', value: [{ ...valid, colour: 'red', ssl: { ...valid.ssl, verify: true } }] }]);
    assert.equal(parsed.connections.length, 1);
    assert.deepEqual(
      parsed.problems.map((p) => [p.severity, p.field]),
      [
        ['warning', 'colour'],
        ['warning', 'ssl.verify'],
      ],
    );
  });

  it('reports duplicate ids within a scope and lets the workspace override the user by id', () => {
    const dup = parseConnectionSettings([{ scope: 'user', value: [valid, { ...valid, name: 'B' }] }]);
    assert.equal(dup.connections.length, 1);
    assert.equal(dup.problems[0]!.field, 'id');
    assert.match(dup.problems[0]!.message, /unique/);

    const merged = parseConnectionSettings([
      { scope: 'user', value: [valid, { id: 'u-only', host: 'h', user: 'u' }] },
      { scope: 'workspace', value: [{ ...valid, name: 'From workspace' }] },
    ]);
    assert.deepEqual(
      merged.connections.map((c) => [c.id, c.name, c.scope]),
      [
        ['u-only', 'u@h:3306', 'user'],
        ['a', 'From workspace', 'workspace'],
      ],
    );
  });

  it('derives a stable id for entries without one and marks it as not persisted', () => {
    const entry = { name: 'Hand written', host: 'h', user: 'u' };
    const first = parseConnectionSettings([{ scope: 'user', value: [entry] }]).connections[0]!;
    const again = parseConnectionSettings([{ scope: 'user', value: [entry] }]).connections[0]!;
    assert.equal(first.id, again.id);
    assert.match(first.id, /^auto-[0-9a-f]{12}$/);
    assert.equal(first.idPersisted, false);
  });

  it('expands ${workspaceFolder}, ~ and ${env:NAME} in paths, and reports what cannot expand', () => {
    const ctx = { workspaceFolder: '/ws', home: '/home/me', env: { CERTS: '/certs' } };
    const parsed = parseConnectionSettings(
      [{ scope: 'user', value: [{ id: 'p', host: 'h', user: 'u', ssl: { ca: '${workspaceFolder}/ca.pem', cert: '~/c.pem', key: '${env:CERTS}/k.pem' } }] }],
      ctx,
    );
    assert.deepEqual(parsed.connections[0]!.expandedPaths, { ca: '/ws/ca.pem', cert: '/home/me/c.pem', key: '/certs/k.pem' });
    const missing = parseConnectionSettings([{ scope: 'user', value: [{ id: 'p', host: 'h', user: 'u', ssl: { ca: '${env:NOPE_NOT_SET}/ca.pem' } }] }], {
      env: {},
    });
    assert.equal(missing.connections.length, 0);
    assert.equal(missing.problems[0]!.field, 'ssl.ca');
    assert.match(missing.problems[0]!.message, /NOPE_NOT_SET/);
  });

  it('finds passwords in settings without copying their values', () => {
    const parsed = parseConnectionSettings([{ scope: 'user', value: [{ ...valid, password: 'hunter2', ssl: { ...valid.ssl, passphrase: 'pp' } }] }]);
    assert.deepEqual(
      parsed.inlineSecrets.map((f) => f.keys),
      [['password', 'passphrase']],
    );
    assert.equal(parsed.connections.length, 1);
    assert.ok(!JSON.stringify(parsed).includes('hunter2'), 'the parsed settings never carry the password');
    assert.ok(!JSON.stringify(parsed).includes('"pp"'));
  });

  it('rejects a list that is not an array', () => {
    const parsed = parseConnectionSettings([{ scope: 'user', value: { host: 'h' } }]);
    assert.equal(parsed.connections.length, 0);
    assert.equal(parsed.invalid.length, 1);
    assert.match(parsed.problems[0]!.message, /must be an array/);
  });
});

describe('settings writers', () => {
  it('writes entries without secrets or empty fields, and replaces in place', () => {
    const entry = settingsEntryOf({ id: 'x', name: 'X', host: 'h', port: 3307, user: 'u', database: '', ssl: { mode: 'REQUIRED', ca: '' } });
    assert.deepEqual(entry, { id: 'x', name: 'X', host: 'h', port: 3307, user: 'u', ssl: { mode: 'REQUIRED' } });
    const list = withEntry([valid, { id: 'keep', host: 'h', user: 'u', comment: 'mine' }], { id: 'keep', host: 'h2', user: 'u' }, 1);
    assert.deepEqual(list[1], { id: 'keep', host: 'h2', user: 'u', comment: 'mine' });
    assert.equal(withEntry(undefined, entry).length, 1);
    assert.deepEqual(withoutEntry([valid, entry], 0), [entry]);
  });

  it('moves inline secrets out of an entry and persists its id', () => {
    const raw = [{ name: 'n', host: 'h', user: 'u', password: 'hunter2', ssl: { mode: 'REQUIRED', passphrase: 'pp' } }];
    const out = extractInlineSecrets(raw, 0, 'auto-123');
    assert.equal(out.password, 'hunter2');
    assert.equal(out.passphrase, 'pp');
    assert.equal(out.id, 'auto-123');
    assert.deepEqual(out.list[0], { id: 'auto-123', name: 'n', host: 'h', user: 'u', ssl: { mode: 'REQUIRED' } });
    assert.ok(!JSON.stringify(out.list).includes('hunter2'));
    assert.equal((raw[0] as { password?: string }).password, 'hunter2', 'the input list is not mutated');
    assert.deepEqual(withPersistedId([{ host: 'h' }], 0, 'auto-1'), [{ id: 'auto-1', host: 'h' }]);
  });

  it('puts new connections in the workspace only when a folder is open', () => {
    assert.equal(scopeForNewConnection(true), 'workspace');
    assert.equal(scopeForNewConnection(false), 'user');
  });
});

describe('a real file path round trip', () => {
  it('expands a relative path against the workspace folder', () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-settings-'));
    writeFileSync(path.join(ws, 'ca.pem'), 'x');
    const parsed = parseConnectionSettings([{ scope: 'workspace', value: [{ id: 'r', host: 'h', user: 'u', ssl: { ca: 'ca.pem' } }] }], {
      workspaceFolder: ws,
    });
    assert.equal(parsed.connections[0]!.expandedPaths.ca, path.join(ws, 'ca.pem'));
    rmSync(ws, { recursive: true, force: true });
  });
});
