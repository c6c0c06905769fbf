import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FallbackSecretStore } from '../../../src/core/secrets/fallbackSecretStore';
import { InMemorySecretStore } from '../../../src/core/secrets/inMemorySecretStore';
import { KeytarSecretStore, type KeytarApi } from '../../../src/core/secrets/keytarSecretStore';
import { ConnectionVault } from '../../../src/core/secrets/connectionVault';
import { decodeBoundSecret, type SecretBinding } from '../../../src/core/secrets/secretBinding';
import { readConnectionSecrets, secretAccount, type SecretStore } from '../../../src/core/secrets/secretStore';

describe('SecretStore helpers', () => {
  it('keys secrets by connection id and kind, and removing a connection deletes all of them', async () => {
    const store = new InMemorySecretStore();
    await store.set('c1', 'password', 'pw1');
    await store.set('c1', 'passphrase', 'pp1');
    await store.set('c2', 'password', 'pw2');
    assert.deepEqual(await readConnectionSecrets(store, 'c1'), { password: 'pw1', passphrase: 'pp1' });
    assert.deepEqual(store.accounts(), ['c1/passphrase', 'c1/password', 'c2/password']);
    const vault = new ConnectionVault(store);
    const binding: SecretBinding = { scope: 'user', host: 'h', port: 3306, user: 'u', mode: 'REQUIRED', ca: 'none', servername: '' };
    await vault.copy({ scope: 'user', id: 'c1' }, { scope: 'user', id: 'c3' }, binding);
    assert.deepEqual(
      { password: decodeBoundSecret((await store.get('c3', 'password'))!).value, passphrase: decodeBoundSecret((await store.get('c3', 'passphrase'))!).value },
      { password: 'pw1', passphrase: 'pp1' },
    );
    await vault.remove({ scope: 'user', id: 'c1' });
    assert.deepEqual(await readConnectionSecrets(store, 'c1'), {});
    assert.deepEqual(await readConnectionSecrets(store, 'c2'), { password: 'pw2' }, 'other connections keep theirs');
    assert.equal(secretAccount('id-9', 'keyPem'), 'id-9/keyPem');
  });

  it('KeytarSecretStore uses service mysql-tls and account <id>/<kind>', async () => {
    const calls: string[] = [];
    const values = new Map<string, string>();
    const fake: KeytarApi = {
      async getPassword(service, account) {
        calls.push(`get ${service} ${account}`);
        return values.get(`${service}|${account}`) ?? null;
      },
      async setPassword(service, account, password) {
        calls.push(`set ${service} ${account}`);
        values.set(`${service}|${account}`, password);
      },
      async deletePassword(service, account) {
        calls.push(`delete ${service} ${account}`);
        return values.delete(`${service}|${account}`);
      },
    };
    const store = new KeytarSecretStore(fake);
    await store.set('abc', 'password', 's3cret');
    assert.equal(await store.get('abc', 'password'), 's3cret');
    await store.delete('abc', 'password');
    assert.equal(await store.get('abc', 'password'), undefined);
    assert.deepEqual(calls, ['set mysql-tls abc/password', 'get mysql-tls abc/password', 'delete mysql-tls abc/password', 'get mysql-tls abc/password']);
  });
});

describe('FallbackSecretStore', () => {
  it('uses the primary while it works, and does not create it before first use', async () => {
    let created = 0;
    const primary = new InMemorySecretStore();
    const fallback = new InMemorySecretStore();
    const notices: string[] = [];
    const store = new FallbackSecretStore(
      () => (created++, { ok: true, store: primary }),
      fallback,
      (r) => notices.push(r),
    );
    assert.equal(created, 0);
    await store.set('c', 'password', 'pw');
    assert.equal(created, 1);
    assert.equal(await primary.get('c', 'password'), 'pw');
    assert.deepEqual(fallback.accounts(), []);
    assert.deepEqual(notices, []);
  });

  it('falls back with one notice when the primary cannot load', async () => {
    const fallback = new InMemorySecretStore();
    const notices: string[] = [];
    const store = new FallbackSecretStore(
      () => ({ ok: false, reason: 'Cannot find module keytar' }),
      fallback,
      (r) => notices.push(r),
    );
    await store.set('c', 'password', 'pw');
    await store.set('c', 'passphrase', 'pp');
    assert.equal(await fallback.get('c', 'password'), 'pw');
    assert.deepEqual(notices, ['Cannot find module keytar']);
    assert.equal(store.description, fallback.description);
  });

  it('falls back when the primary throws or does not answer', async () => {
    const broken: SecretStore = {
      description: 'broken keychain',
      get: async () => {
        throw new Error('No Secret Service on the bus');
      },
      set: async () => {
        throw new Error('No Secret Service on the bus');
      },
      delete: async () => undefined,
    };
    const fallback = new InMemorySecretStore();
    const notices: string[] = [];
    const store = new FallbackSecretStore(
      () => ({ ok: true, store: broken }),
      fallback,
      (r) => notices.push(r),
    );
    await store.set('c', 'password', 'pw');
    assert.equal(await store.get('c', 'password'), 'pw');
    assert.deepEqual(notices, ['No Secret Service on the bus']);

    const hanging: SecretStore = {
      description: 'hanging',
      get: () => new Promise(() => {}),
      set: () => new Promise(() => {}),
      delete: () => new Promise(() => {}),
    };
    const slowNotices: string[] = [];
    const slow = new FallbackSecretStore(
      () => ({ ok: true, store: hanging }),
      new InMemorySecretStore(),
      (r) => slowNotices.push(r),
      50,
    );
    assert.equal(await slow.get('c', 'password'), undefined);
    assert.match(slowNotices[0]!, /did not answer within 50 ms/);
  });
});
