import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadKeytar, KeytarSecretStore } from '../../src/core/secrets/keytarSecretStore';
import { deleteConnectionSecrets, KEYCHAIN_SERVICE, readConnectionSecrets } from '../../src/core/secrets/secretStore';
import { extractInlineSecrets, parseConnectionSettings, settingsEntryOf } from '../../src/core/settings/connectionSettings';

// Runs against the real Secret Service (gnome-keyring in a private D-Bus session: scripts/test.sh keychain).
describe('KeytarSecretStore against the real Secret Service', () => {
  const loaded = loadKeytar();

  it('loads keytar', () => {
    assert.ok(loaded.ok, loaded.ok ? '' : `keytar did not load: ${loaded.reason}`);
  });

  it('stores, reads and deletes under service mysql-tls, account <id>/<kind>', async () => {
    assert.ok(loaded.ok);
    const store = new KeytarSecretStore(loaded.keytar);
    const id = `test-${randomUUID()}`;
    const password = `pw-${randomUUID()}`;
    await store.set(id, 'password', password);
    assert.equal(await store.get(id, 'password'), password);
    // Visible to any Secret Service client under the documented names.
    assert.equal(await loaded.keytar.getPassword(KEYCHAIN_SERVICE, `${id}/password`), password);
    await store.delete(id, 'password');
    assert.equal(await store.get(id, 'password'), undefined);
    assert.equal(await loaded.keytar.getPassword(KEYCHAIN_SERVICE, `${id}/password`), null);
  });

  it('removing a connection deletes every secret; renaming keeps them (keyed by id)', async () => {
    assert.ok(loaded.ok);
    const store = new KeytarSecretStore(loaded.keytar);
    const id = `test-${randomUUID()}`;
    const other = `test-${randomUUID()}`;
    await store.set(id, 'password', 'pw');
    await store.set(id, 'passphrase', 'pp');
    await store.set(id, 'keyPem', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await store.set(other, 'password', 'other-pw');
    // A rename changes the settings entry, not the id the secrets are stored under.
    const renamed = parseConnectionSettings([{ scope: 'user', value: [{ id, name: 'New name', host: 'h', user: 'u' }] }]).connections[0]!;
    assert.equal((await readConnectionSecrets(store, renamed.id)).password, 'pw');
    await deleteConnectionSecrets(store, id);
    assert.deepEqual(await readConnectionSecrets(store, id), {});
    assert.equal(await store.get(other, 'password'), 'other-pw', 'other connections keep their secrets');
    await deleteConnectionSecrets(store, other);
  });

  it('moving a password out of settings leaves no secret in the settings entry', async () => {
    assert.ok(loaded.ok);
    const store = new KeytarSecretStore(loaded.keytar);
    const password = `inline-${randomUUID()}`;
    const list = [{ name: 'n', host: 'h', user: 'u', password }];
    const parsed = parseConnectionSettings([{ scope: 'user', value: list }]);
    const finding = parsed.inlineSecrets[0]!;
    const moved = extractInlineSecrets(list, finding.index, finding.id);
    await store.set(moved.id, 'password', moved.password!);
    assert.ok(!JSON.stringify(moved.list).includes(password), 'the settings no longer hold the password');
    assert.equal(await store.get(moved.id, 'password'), password);
    // What the extension writes for a connection never includes secrets.
    const entry = settingsEntryOf({ ...parsed.connections[0]!.profile });
    assert.ok(!JSON.stringify(entry).includes(password));
    await deleteConnectionSecrets(store, moved.id);
  });
});
