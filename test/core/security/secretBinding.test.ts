/**
 * Trust boundaries, point 1: a stored secret is bound to the endpoint and trust it was saved for, and to the
 * settings scope it came from. A repository's workspace settings that reuse a connection id, point it at
 * another host, weaken its mode or swap its CA get nothing without the user's explicit answer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConnectionRegistry } from '../../../src/core/connections/connectionRegistry';
import { createLogger } from '../../../src/core/logging/logger';
import type { ConnectionProfile } from '../../../src/core/profile';
import {
  ConnectionVault,
  SecretGate,
  vaultAccountId,
  type GatedConnection,
  type SecretAnswer,
  type SecretConfirmation,
} from '../../../src/core/secrets/connectionVault';
import { InMemorySecretStore } from '../../../src/core/secrets/inMemorySecretStore';
import { bindingOf, decodeBoundSecret } from '../../../src/core/secrets/secretBinding';
import { startRecordingServer } from '../../helpers/recordingMysqlServer';

const quiet = createLogger({ trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-binding-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const caFile = path.join(tmp, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nTEAM CA\n-----END CERTIFICATE-----\n');
const prodProfile: ConnectionProfile & { id: string } = {
  id: 'prod',
  host: 'db.internal.example',
  port: 3306,
  user: 'app',
  ssl: { mode: 'VERIFY_IDENTITY', ca: caFile },
};
const userProd: GatedConnection = { scope: 'user', id: 'prod', name: 'Production', profile: prodProfile };

/** A gate over an in-memory store whose confirmations are recorded and answered from a queue. */
function gateWith(answers: SecretAnswer[]): { gate: SecretGate; store: InMemorySecretStore; asked: SecretConfirmation[] } {
  const store = new InMemorySecretStore();
  const asked: SecretConfirmation[] = [];
  const gate = new SecretGate(new ConnectionVault(store), async (c) => {
    asked.push(c);
    return answers.shift() ?? 'cancel';
  });
  return { gate, store, asked };
}

describe('secrets bound to their endpoint, trust and scope', () => {
  it('a secret goes without a question to the connection it was saved for', async () => {
    const { gate, asked } = gateWith([]);
    await gate.save(userProd, 'password', 's3cret', undefined);
    assert.deepEqual(await gate.secretsFor(userProd, undefined, 'connect'), { password: 's3cret' });
    assert.equal(asked.length, 0);
  });

  it('a workspace entry that reuses a user connection id with another host gets nothing unless the user says "Send once"', async () => {
    const { gate, store, asked } = gateWith(['cancel', 'sendOnce']);
    await gate.save(userProd, 'password', 's3cret', undefined);
    const hijack: GatedConnection = {
      scope: 'workspace',
      id: 'prod',
      name: 'Production',
      profile: { ...prodProfile, host: 'collector.attacker.example', ssl: { mode: 'PREFERRED' } },
    };
    await assert.rejects(gate.secretsFor(hijack, undefined, 'connect'), (e: { code?: string }) => e.code === 'cancelled');
    assert.equal(asked.length, 1, 'the user was asked');
    const c = asked[0]!.resolution;
    assert.equal(c.origin, 'otherScope');
    assert.equal(c.difference?.endpoint, true);
    assert.equal(c.difference?.trust, true, 'PREFERRED instead of VERIFY_IDENTITY is weaker');
    assert.equal(c.stored?.host, 'db.internal.example', 'the confirmation names the endpoint the secret was saved for');
    assert.equal(c.current.host, 'collector.attacker.example', 'and where it would go');
    assert.deepEqual(await gate.secretsFor(hijack, undefined, 'connect'), { password: 's3cret' }, '"Send once" releases it');
    assert.deepEqual(store.accounts(), ['prod/password'], 'nothing was copied or rebound');
    assert.equal(decodeBoundSecret((await store.get('prod', 'password'))!).binding?.host, 'db.internal.example');
  });

  it('"Send once" holds for reconnects of that session only; the next connect asks again', async () => {
    const { gate, asked } = gateWith(['sendOnce', 'cancel']);
    await gate.save(userProd, 'password', 's3cret', undefined);
    const moved: GatedConnection = { ...userProd, profile: { ...prodProfile, host: 'db2.internal.example' } };
    assert.deepEqual(await gate.secretsFor(moved, undefined, 'connect'), { password: 's3cret' });
    assert.deepEqual(await gate.secretsFor(moved, undefined, 'reconnect'), { password: 's3cret' });
    assert.equal(asked.length, 1, 'a reconnect of the approved session is not asked again');
    await assert.rejects(gate.secretsFor(moved, undefined, 'connect'));
    assert.equal(asked.length, 2, 'a new connect asks again');
  });

  it('"Update binding" on a reused id copies into the workspace namespace and never touches the user secret', async () => {
    const { gate, store, asked } = gateWith(['updateBinding']);
    await gate.save(userProd, 'password', 's3cret', undefined);
    const ws: GatedConnection = { scope: 'workspace', id: 'prod', name: 'Production (team)', profile: { ...prodProfile, host: 'db-team.example' } };
    await gate.secretsFor(ws, undefined, 'connect');
    assert.deepEqual(store.accounts(), ['prod/password', 'workspace:prod/password']);
    assert.equal(decodeBoundSecret((await store.get('prod', 'password'))!).binding?.host, 'db.internal.example', 'the user secret keeps its binding');
    assert.equal(decodeBoundSecret((await store.get('workspace:prod', 'password'))!).binding?.host, 'db-team.example');
    assert.deepEqual(await gate.secretsFor(ws, undefined, 'connect'), { password: 's3cret' });
    assert.equal(asked.length, 1, 'bound now: no second question');
  });

  it('a secret saved for a workspace entry ("Move to Keychain") never overwrites the user secret of the same id', async () => {
    const { gate, store } = gateWith([]);
    await gate.save(userProd, 'password', 'user-secret', undefined);
    await gate.save({ scope: 'workspace', id: 'prod', name: 'x', profile: { ...prodProfile, host: 'evil.example' } }, 'password', 'typed-into-repo', undefined);
    assert.equal(decodeBoundSecret((await store.get('prod', 'password'))!).value, 'user-secret');
    assert.equal(vaultAccountId({ scope: 'workspace', id: 'prod' }), 'workspace:prod');
  });

  it("a workspace connection with secrets of its own never mixes in the user's secrets of the same id", async () => {
    const { gate, asked } = gateWith([]);
    await gate.save(userProd, 'password', 'user-pw', undefined);
    await gate.save(userProd, 'passphrase', 'user-key-pass', undefined);
    const ws: GatedConnection = { scope: 'workspace', id: 'prod', name: 'Team', profile: { ...prodProfile, host: 'team.example' } };
    await gate.save(ws, 'password', 'team-pw', undefined);
    assert.deepEqual(await gate.secretsFor(ws, undefined, 'connect'), { password: 'team-pw' });
    assert.equal(asked.length, 0);
  });

  it('a weaker mode on the same endpoint asks first', async () => {
    const { gate, asked } = gateWith(['cancel']);
    await gate.save(userProd, 'password', 's3cret', undefined);
    const weaker: GatedConnection = { ...userProd, profile: { ...prodProfile, ssl: { mode: 'REQUIRED' } } };
    await assert.rejects(gate.secretsFor(weaker, undefined, 'connect'));
    assert.equal(asked[0]!.resolution.difference?.endpoint, false);
    assert.equal(asked[0]!.resolution.difference?.trust, true);
    assert.match(asked[0]!.resolution.difference!.reasons.join(' '), /weaker REQUIRED/);
  });

  it('a CA file swapped behind the same path is another CA: asks first', async () => {
    const { gate, asked } = gateWith(['cancel']);
    const ca = path.join(tmp, 'swapped-ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nREAL CA\n-----END CERTIFICATE-----\n');
    const conn: GatedConnection = { ...userProd, profile: { ...prodProfile, ssl: { mode: 'VERIFY_CA', ca } } };
    await gate.save(conn, 'password', 's3cret', undefined);
    assert.deepEqual(await gate.secretsFor(conn, undefined, 'connect'), { password: 's3cret' });
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nATTACKER CA\n-----END CERTIFICATE-----\n');
    await assert.rejects(gate.secretsFor(conn, undefined, 'connect'));
    assert.equal(asked.length, 1);
    assert.match(asked[0]!.resolution.difference!.reasons.join(' '), /CA file/);
  });

  it('a stronger mode than the one saved with needs no question', async () => {
    const { gate, asked } = gateWith([]);
    const required: GatedConnection = { ...userProd, profile: { ...prodProfile, ssl: { mode: 'REQUIRED' } } };
    await gate.save(required, 'password', 's3cret', undefined);
    assert.deepEqual(await gate.secretsFor(userProd, undefined, 'connect'), { password: 's3cret' });
    assert.equal(asked.length, 0);
  });

  it('secrets saved before bindings migrate on first use with one confirmation, and none is lost on Cancel', async () => {
    const { gate, store, asked } = gateWith(['cancel', 'updateBinding']);
    await store.set('prod', 'password', 'old-secret'); // how every earlier version stored it
    await store.set('prod', 'passphrase', 'old-pass');
    const ws: GatedConnection = { scope: 'workspace', id: 'prod', name: 'Production', profile: prodProfile };
    await assert.rejects(gate.secretsFor(ws, undefined, 'connect'));
    assert.equal(await store.get('prod', 'password'), 'old-secret', 'Cancel keeps the old value');
    const secrets = await gate.secretsFor(ws, undefined, 'connect');
    assert.deepEqual(secrets, { password: 'old-secret', passphrase: 'old-pass' });
    assert.equal(asked.length, 2);
    assert.equal(asked[1]!.resolution.origin, 'unbound');
    assert.deepEqual(store.accounts(), ['workspace:prod/passphrase', 'workspace:prod/password'], 'moved to the workspace namespace, bound');
    const bound = decodeBoundSecret((await store.get('workspace:prod', 'password'))!);
    assert.deepEqual(
      { value: bound.value, host: bound.binding?.host, scope: bound.binding?.scope },
      { value: 'old-secret', host: 'db.internal.example', scope: 'workspace' },
    );
    assert.deepEqual(await gate.secretsFor(ws, undefined, 'connect'), secrets);
    assert.equal(asked.length, 2, 'one confirmation, once');
  });

  it('a user connection migrates in place', async () => {
    const { gate, store } = gateWith(['updateBinding']);
    await store.set('prod', 'password', 'old-secret');
    await gate.secretsFor(userProd, undefined, 'connect');
    const bound = decodeBoundSecret((await store.get('prod', 'password'))!);
    assert.equal(bound.value, 'old-secret');
    assert.deepEqual(await bindingOf(prodProfile, 'user', undefined), bound.binding);
  });
});

describe('the secrets a connect reads', () => {
  it('only the kinds the connection can use leave the keychain: SSH secrets only with an SSH hop', async () => {
    const { gate, store } = gateWith([]);
    const read: string[] = [];
    const get = store.get.bind(store);
    store.get = async (id, kind) => {
      read.push(kind);
      return get(id, kind);
    };
    await gate.save(userProd, 'password', 's3cret', undefined);
    await gate.save(userProd, 'sshPassphrase', 'ssh-s3cret', undefined);
    assert.deepEqual(await gate.secretsFor(userProd, undefined, 'connect'), { password: 's3cret' });
    assert.deepEqual(read.sort(), ['keyPem', 'passphrase', 'password'], 'a connection without ssh must not read the SSH secrets');
    read.length = 0;
    const viaBastion: GatedConnection = { ...userProd, profile: { ...prodProfile, ssh: { host: 'bastion.example', user: 'jump' } } };
    await gate.save(viaBastion, 'password', 's3cret', undefined);
    await gate.save(viaBastion, 'sshPassphrase', 'ssh-s3cret', undefined);
    assert.deepEqual(await gate.secretsFor(viaBastion, undefined, 'connect'), { password: 's3cret', sshPassphrase: 'ssh-s3cret' });
    assert.deepEqual(read.sort(), ['keyPem', 'passphrase', 'password', 'sshPassphrase', 'sshPassword']);
  });
});

describe('the hijack through the registry: nothing reaches the other host until the user answers', () => {
  it('Cancel: the recording server sees no connection at all; Send once: it receives a login made from the password', async () => {
    const recorder = await startRecordingServer();
    try {
      const { gate, asked } = gateWith(['cancel', 'sendOnce']);
      await gate.save(userProd, 'password', 's3cret', undefined);
      // The workspace entry the repository added: same id, the recorder's host and port, no TLS.
      const hijack = { ...prodProfile, host: '127.0.0.1', port: recorder.port, ssl: { mode: 'DISABLED' as const } };
      const registry = new ConnectionRegistry({
        readSecrets: (profile, purpose) => gate.secretsFor({ scope: 'workspace', id: profile.id, name: 'Production', profile }, undefined, purpose),
        paths: () => ({}),
        logger: quiet,
      });
      await assert.rejects(registry.connect(hijack), (e: { code?: string }) => e.code === 'cancelled');
      assert.equal(asked.length, 1, 'the modal was shown');
      assert.equal(recorder.connections, 0, 'nothing was dialled before the answer, and nothing after Cancel');
      await assert.rejects(registry.connect(hijack), (e: { code?: string }) => e.code !== 'cancelled');
      assert.equal(recorder.connections, 1, 'after "Send once" the connect went ahead');
      assert.equal(recorder.sawNativeScrambleOf('s3cret'), true, 'and the recorder got a login computed from the password (what Cancel prevents)');
      await registry.disconnectAll();
    } finally {
      await recorder.close();
    }
  });
});
