import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadKeytar, KeytarSecretStore } from '../../src/core/secrets/keytarSecretStore';
import { ConnectionVault, SecretGate } from '../../src/core/secrets/connectionVault';
import { decodeBoundSecret } from '../../src/core/secrets/secretBinding';
import { KEYCHAIN_SERVICE } from '../../src/core/secrets/secretStore';
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

  it('bound secrets: renaming keeps them (keyed by id), a workspace entry with the same id has its own, removing deletes only its own', async () => {
    assert.ok(loaded.ok);
    const store = new KeytarSecretStore(loaded.keytar);
    const gate = new SecretGate(new ConnectionVault(store), async () => 'cancel');
    const id = `test-${randomUUID()}`;
    const profile = { host: 'db.example', port: 3306, user: 'u', ssl: { mode: 'REQUIRED' as const } };
    const user = { scope: 'user' as const, id, name: 'Old name', profile };
    const workspace = { scope: 'workspace' as const, id, name: 'Team', profile: { ...profile, host: 'elsewhere.example' } };
    await gate.save(user, 'password', 'pw', undefined);
    await gate.save(user, 'passphrase', 'pp', undefined);
    await gate.save(workspace, 'password', 'team-pw', undefined);
    // In the real keychain: the documented accounts, each value bound to its endpoint.
    assert.equal(decodeBoundSecret((await loaded.keytar.getPassword(KEYCHAIN_SERVICE, `${id}/password`))!).binding?.host, 'db.example');
    assert.equal(decodeBoundSecret((await loaded.keytar.getPassword(KEYCHAIN_SERVICE, `workspace:${id}/password`))!).binding?.host, 'elsewhere.example');
    // A rename changes the settings entry, not the id the secrets are stored under.
    const renamed = parseConnectionSettings([{ scope: 'user', value: [{ id, name: 'New name', ...profile }] }]).connections[0]!;
    assert.deepEqual(await gate.secretsFor({ ...user, name: renamed.name }, undefined, 'connect'), { password: 'pw', passphrase: 'pp' });
    assert.deepEqual(await gate.secretsFor(workspace, undefined, 'connect'), { password: 'team-pw' });
    await gate.vault.remove(workspace);
    assert.equal(decodeBoundSecret((await store.get(id, 'password'))!).value, 'pw', 'the user connection keeps its secrets');
    await gate.vault.remove(user);
    assert.equal(await store.get(id, 'password'), undefined);
    assert.equal(await store.get(id, 'passphrase'), undefined);
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
    await store.delete(moved.id, 'password');
  });
});
