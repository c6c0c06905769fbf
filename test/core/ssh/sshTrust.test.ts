/**
 * The SSH threat model at the settings and secrets boundary: workspace settings are untrusted. A workspace that
 * adds or changes a connection's ssh block meets the secret gate before the stored password is used; a workspace
 * cannot choose the known_hosts file; every ssh field is validated with a problem naming it and the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionProfile } from '../../../src/core/profile';
import { ConnectionVault, SecretGate, type GatedConnection, type SecretConfirmation } from '../../../src/core/secrets/connectionVault';
import { InMemorySecretStore } from '../../../src/core/secrets/inMemorySecretStore';
import { SECRET_KINDS } from '../../../src/core/secrets/secretStore';
import { decodeBoundSecret, encodeBoundSecret, sshRouteOf } from '../../../src/core/secrets/secretBinding';
import { parseConnectionSettings } from '../../../src/core/settings/connectionSettings';

const direct: ConnectionProfile & { id: string } = { id: 'prod', host: 'db.internal', port: 3306, user: 'app', ssl: { mode: 'REQUIRED' } };
const viaBastion = { ...direct, ssh: { host: 'bastion.example.com', user: 'deploy' } };

function gate(): { gate: SecretGate; asked: SecretConfirmation[] } {
  const asked: SecretConfirmation[] = [];
  return {
    gate: new SecretGate(new ConnectionVault(new InMemorySecretStore()), async (c) => {
      asked.push(c);
      return 'cancel';
    }),
    asked,
  };
}

describe('SSH and the secret binding', () => {
  it('SSH secrets are secret kinds of their own (kept in the keychain, covered by the gate)', () => {
    assert.ok(SECRET_KINDS.includes('sshPassword'));
    assert.ok(SECRET_KINDS.includes('sshPassphrase'));
  });

  it('adding an ssh block to a connection asks before the stored password is sent (the route changed)', async () => {
    const { gate: g, asked } = gate();
    const saved: GatedConnection = { scope: 'workspace', id: 'prod', name: 'Prod', profile: direct };
    await g.save(saved, 'password', 's3cret', undefined);
    await g.save(saved, 'sshPassphrase', 'pp', undefined);
    // Without an ssh block the SSH passphrase is not read (nothing would use it).
    assert.deepEqual(await g.secretsFor(saved, undefined, 'connect'), { password: 's3cret' });
    assert.equal(asked.length, 0);
    const rerouted: GatedConnection = { ...saved, profile: viaBastion };
    await assert.rejects(g.secretsFor(rerouted, undefined, 'connect'), (e: Error & { code?: string }) => e.code === 'cancelled');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.resolution.difference?.endpoint, true);
    assert.match(asked[0]!.resolution.difference!.reasons.join(' '), /through SSH via deploy@bastion\.example\.com:22/);
  });

  it('changing the bastion (or adding a jump host) asks too; the same route does not', async () => {
    const { gate: g, asked } = gate();
    const saved: GatedConnection = { scope: 'workspace', id: 'prod', name: 'Prod', profile: viaBastion };
    await g.save(saved, 'password', 's3cret', undefined);
    assert.deepEqual(await g.secretsFor(saved, undefined, 'connect'), { password: 's3cret' });
    for (const ssh of [
      { host: 'evil.example.com', user: 'deploy' },
      { host: 'bastion.example.com', user: 'deploy', port: 2222 },
      { host: 'bastion.example.com', user: 'deploy', jump: { host: 'jump.example.com', user: 'x' } },
    ]) {
      await assert.rejects(g.secretsFor({ ...saved, profile: { ...direct, ssh } }, undefined, 'connect'));
    }
    assert.equal(asked.length, 3);
    assert.equal(sshRouteOf({ ssh: { host: 'b', user: 'u', jump: { host: 'j', user: 'v', port: 2200 } } }), 'v@j:2200 -> u@b:22');
  });

  it('a binding saved before SSH tunnels existed (no ssh field) still matches a direct connection', async () => {
    const old = encodeBoundSecret('pw', { scope: 'user', host: 'db.internal', port: 3306, user: 'app', mode: 'REQUIRED', ca: 'none', servername: '' });
    assert.equal(decodeBoundSecret(old).binding?.host, 'db.internal');
    const store = new InMemorySecretStore();
    await store.set('prod', 'password', old);
    const asked: SecretConfirmation[] = [];
    const g = new SecretGate(new ConnectionVault(store), async (c) => {
      asked.push(c);
      return 'cancel';
    });
    assert.deepEqual(await g.secretsFor({ scope: 'user', id: 'prod', name: 'Prod', profile: direct }, undefined, 'connect'), { password: 'pw' });
    assert.equal(asked.length, 0);
  });
});

describe('ssh settings validation', () => {
  const entry = { id: 'a', host: 'db.internal', user: 'app', ssh: { host: 'bastion', user: 'deploy', knownHosts: '/tmp/kh' } };

  it('ssh.knownHosts is honoured from user settings and ignored, with a warning, from workspace settings', () => {
    const user = parseConnectionSettings([{ scope: 'user', value: [entry] }]);
    assert.equal(user.connections[0]!.profile.ssh?.knownHosts, '/tmp/kh');
    const ws = parseConnectionSettings([{ scope: 'workspace', value: [entry] }]);
    assert.equal(ws.connections.length, 1);
    assert.equal(ws.connections[0]!.profile.ssh?.knownHosts, undefined);
    const p = ws.problems.find((x) => x.field === 'ssh.knownHosts');
    assert.equal(p?.severity, 'warning');
    assert.match(p!.message, /ignored in workspace settings/);
  });

  it('every field is checked and named with the fix', () => {
    const bad = {
      id: 'b',
      host: 'db',
      user: 'app',
      ssh: { host: 'bastion host', port: 70000, user: '', auth: 'kerberos', keepaliveSeconds: -1, password: 'x', jump: { host: 'j', user: 'u', auth: 'key' } },
    };
    const parsed = parseConnectionSettings([{ scope: 'user', value: [bad] }]);
    assert.equal(parsed.connections.length, 0);
    const fields = parsed.problems.filter((p) => p.severity === 'error').map((p) => p.field);
    for (const f of ['ssh.host', 'ssh.port', 'ssh.user', 'ssh.auth', 'ssh.keepaliveSeconds', 'ssh.password', 'ssh.jump.keyFile'])
      assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
    const pw = parsed.problems.find((p) => p.field === 'ssh.password')!;
    assert.match(pw.message, /OS keychain/);
    assert.equal(pw.message.includes('"x"'), false, 'the value is not repeated');
    assert.ok(parseConnectionSettings([{ scope: 'user', value: [{ ...bad, ssh: 'bastion' }] }]).problems.some((p) => p.field === 'ssh'));
  });

  it('a valid block round-trips into the profile; ${env:} in ssh.keyFile is refused in workspace settings', () => {
    const ok = {
      id: 'c',
      host: 'db',
      user: 'app',
      ssh: { host: 'b', port: 2222, user: 'u', auth: 'key', keyFile: '~/.ssh/id_ed25519', jump: { host: 'j', user: 'v' }, keepaliveSeconds: 30 },
    };
    const parsed = parseConnectionSettings([{ scope: 'user', value: [ok] }]);
    assert.deepEqual(parsed.connections[0]!.profile.ssh, ok.ssh);
    const ws = parseConnectionSettings([{ scope: 'workspace', value: [{ ...ok, ssh: { ...ok.ssh, keyFile: '${env:HOME}/.ssh/id' } }] }]);
    assert.ok(ws.problems.some((p) => p.field === 'ssh.keyFile' && p.severity === 'error'));
  });
});
