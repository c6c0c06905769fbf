/**
 * SSH tunnels against the real sandbox: MariaDB reached through a real OpenSSH bastion (and a jump host), TLS end
 * to end with the database inside the forwarded channel, host keys checked before anything else is sent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCa, distinguishedName, issueCertificate } from '../../../src/core/certificates/generate';
import { openSession } from '../../../src/core/mysql/session';
import { isRetryable } from '../../../src/core/connections/resilience';
import { TunnelManager } from '../../../src/core/ssh/tunnel';
import { SSL_MODES } from '../../../src/core/tls/sslMode';
import { anyFreePort, type SandboxDescription } from '../../../scripts/sandbox';
import type { SandboxSsh } from '../../../scripts/sandboxSsh';
import { failure } from '../../helpers/failure';
import { startTlsTerminatingProxy, type ProxyHandle } from '../../helpers/proxies';
import { startRelay, type Relay } from '../../helpers/relay';
import { loadSandbox } from '../../helpers/sandbox';
import { sandboxSsh, sshProfile, startAgent, tempHome } from '../../helpers/ssh';

describe('SSH tunnel to the sandbox MariaDB', () => {
  let sb: SandboxDescription;
  let ssh: SandboxSsh;
  let home: ReturnType<typeof tempHome>;
  let tunnels: TunnelManager;
  before(() => {
    sb = loadSandbox();
    ssh = sandboxSsh(sb);
    home = tempHome();
    tunnels = new TunnelManager({ home: home.home, ownKnownHostsFile: home.ownKnownHosts });
  });
  after(() => {
    tunnels.closeAll();
    home.cleanup();
  });
  const open = (p: ReturnType<typeof sshProfile>, t = tunnels) => openSession({ ...p, tunnels: t, sshKnownHostsTrusted: true });

  for (const mode of SSL_MODES) {
    it(`ssl-mode ${mode} through the bastion gives the same security as a direct connection`, async () => {
      const s = await open(sshProfile(sb, 'tls', { mode }));
      try {
        const expected = {
          DISABLED: 'plaintext',
          PREFERRED: 'encrypted',
          REQUIRED: 'encrypted',
          VERIFY_CA: 'verified-ca',
          VERIFY_IDENTITY: 'verified-identity',
        }[mode];
        assert.equal(s.report.security, expected);
        assert.equal(s.report.encrypted, mode !== 'DISABLED');
        const { rows } = await s.query<{ v: string }[]>(
          "SELECT VARIABLE_VALUE AS v FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'",
        );
        // The server's own view: TLS is between the client and MariaDB, not only up to the bastion.
        assert.equal(rows[0]!.v !== '', mode !== 'DISABLED');
        assert.equal(s.report.ssh?.hops.length, 1);
        assert.equal(s.report.ssh?.hops[0]!.fingerprint, ssh.bastion.hostKeyFingerprint);
      } finally {
        await s.close();
      }
    });
  }

  it('PREFERRED to a server without TLS falls back inside the tunnel (a second channel), and REQUIRED refuses it', async () => {
    const s = await open(sshProfile(sb, 'plain', { mode: 'PREFERRED' }));
    assert.equal(s.report.fallback, true);
    await s.close();
    const err = await failure(open(sshProfile(sb, 'plain', { mode: 'REQUIRED' })));
    assert.equal(err.code, 'server-no-tls');
  });

  it('VERIFY_IDENTITY checks the database name as the bastion sees it: "localhost" and 127.0.0.1 (both in the certificate) pass', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const s = await open(sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' }, { host }));
      assert.equal(s.report.verification.host, 'verified');
      assert.equal(s.report.verification.verifiedName, host);
      await s.close();
    }
  });

  it('VERIFY_IDENTITY fails when the certificate does not name the database host (the wrong-host server via "localhost")', async () => {
    const err = await failure(open(sshProfile(sb, 'wronghost', { mode: 'VERIFY_IDENTITY' })));
    assert.equal(err.code, 'tls-hostname-mismatch');
    // ... and passes with ssl.servername set to the name its certificate has: the check is real both ways.
    const s = await open(sshProfile(sb, 'wronghost', { mode: 'VERIFY_IDENTITY', servername: sb.certs.wrongHostName }));
    assert.equal(s.report.verification.host, 'verified');
    await s.close();
  });

  describe('an IP database host is checked against that IP inside the tunnel', () => {
    let proxy: ProxyHandle;
    let caFile: string;
    before(async () => {
      // A TLS endpoint (a machine in the middle for MariaDB) whose certificate, from a CA we trust, names only "localhost".
      const ca = await createCa({ subject: distinguishedName({ commonName: 'ssh test CA' }) });
      const leaf = await issueCertificate({ issuer: ca, subject: 'CN=localhost only', usage: 'server', dnsNames: ['localhost'] });
      proxy = await startTlsTerminatingProxy({ host: sb.host, port: sb.servers.tls.port }, { cert: leaf.certPem, key: leaf.keyPem });
      caFile = path.join(home.home, 'ssh-test-ca.pem');
      writeFileSync(caFile, ca.certPem);
    });
    after(() => proxy.close());

    it('VERIFY_IDENTITY to 127.0.0.1 through the bastion rejects a certificate naming only "localhost"', async () => {
      // Without the _host pin on the channel, Node would check "localhost" (its fallback) and accept it.
      const err = await failure(open(sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY', ca: caFile }, { host: '127.0.0.1', port: proxy.port })));
      assert.equal(err.code, 'tls-hostname-mismatch');
      assert.equal(proxy.lastConnectionDecryptedBytes(), 0, 'no login bytes reached the endpoint');
    });

    it('the same certificate passes for the name it has ("localhost")', async () => {
      const s = await open(sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY', ca: caFile }, { host: 'localhost', port: proxy.port }));
      assert.equal(s.report.verification.host, 'verified');
      await s.close();
    });
  });

  it('one SSH connection is shared by the sessions of a tunnel (reopen too) and closed with the last one', async () => {
    const own = new TunnelManager({ home: home.home });
    const p = sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' });
    const a = await open(p, own);
    const b = await open(p, own);
    const c = await a.reopen();
    assert.deepEqual(own.resourceCounts(), { tunnels: 1, clients: 1, channels: 3 });
    const threads = new Set([a.threadId, b.threadId, c.threadId]);
    assert.equal(threads.size, 3, 'each session has its own channel and server thread');
    await a.close();
    await c.close();
    assert.deepEqual(own.resourceCounts(), { tunnels: 1, clients: 1, channels: 1 });
    await b.close();
    assert.deepEqual(own.resourceCounts(), { tunnels: 0, clients: 0, channels: 0 });
  });

  describe('host keys', () => {
    it('an unknown host key is refused without a callback (the CLI default), with its type and fingerprint', async () => {
      const t = new TunnelManager({ home: home.home });
      const err = await failure(open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { knownHosts: undefined } }), t));
      assert.equal(err.code, 'ssh-host-key-unknown');
      assert.ok(err.detail.includes(`ED25519 ${ssh.bastion.hostKeyFingerprint}`), err.detail);
      assert.equal(isRetryable(err), false);
    });

    it('an unknown key accepted by the callback is written to the own known_hosts only, and not asked again', async () => {
      const h = tempHome();
      try {
        const asked: string[] = [];
        const t = new TunnelManager({
          home: h.home,
          ownKnownHostsFile: h.ownKnownHosts,
          onUnknownHostKey: async (host, port, type, fp) => {
            asked.push(`${host}:${port} ${type} ${fp}`);
            return true;
          },
        });
        const p = sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' }, { ssh: { knownHosts: undefined } });
        const s = await open(p, t);
        await s.close();
        assert.deepEqual(asked, [`127.0.0.1:${ssh.bastion.port} ED25519 ${ssh.bastion.hostKeyFingerprint}`]);
        assert.equal(readFileSync(h.ownKnownHosts, 'utf8'), `${ssh.bastion.knownHostsLine}\n`);
        assert.equal(readFileSync(h.userKnownHosts, 'utf8'), '', '~/.ssh/known_hosts is never written');
        // A new manager (a restart of the extension) reads the own file: no question.
        const again = new TunnelManager({ home: h.home, ownKnownHostsFile: h.ownKnownHosts, onUnknownHostKey: async () => assert.fail('asked again') });
        const s2 = await open(p, again);
        await s2.close();
      } finally {
        h.cleanup();
      }
    });

    it('a declined unknown key is refused and nothing is written', async () => {
      const h = tempHome();
      try {
        const t = new TunnelManager({ home: h.home, ownKnownHostsFile: h.ownKnownHosts, onUnknownHostKey: async () => false });
        const err = await failure(open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { knownHosts: undefined } }), t));
        assert.equal(err.code, 'ssh-host-key-unknown');
        assert.equal(existsSync(h.ownKnownHosts), false);
      } finally {
        h.cleanup();
      }
    });

    describe('a changed host key', () => {
      let relay: Relay;
      /** Bytes sent towards MySQL, per link the relay accepted. */
      const links: { bytes: number }[] = [];
      let changedKnownHosts: string;
      before(async () => {
        // Everything the bastion forwards to MariaDB passes this relay: it counts the bytes.
        relay = await startRelay({ host: sb.host, port: sb.servers.tls.port }, () => {
          const link = { bytes: 0 };
          links.push(link);
          return {
            fromClient: (c) => {
              link.bytes += c.length;
              return true;
            },
          };
        });
        const [type, blob] = readFileSync(ssh.otherHostKeyPub, 'utf8').trim().split(/\s+/);
        changedKnownHosts = path.join(home.home, 'changed_known_hosts');
        writeFileSync(changedKnownHosts, `[127.0.0.1]:${ssh.bastion.port} ${type} ${blob}\n`);
      });
      after(() => relay.close());

      it('is refused ("REMOTE HOST IDENTIFICATION HAS CHANGED"), never asked about, with zero bytes forwarded to MySQL', async () => {
        const relayed = await open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { host: '127.0.0.1', port: relay.port }));
        await relayed.close();
        assert.ok(links[0]!.bytes > 0, 'the relay counts what a login sends');
        const linksBefore = links.length;
        const t = new TunnelManager({ home: home.home, onUnknownHostKey: async () => assert.fail('a changed key is never asked about') });
        const err = await failure(
          open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { host: '127.0.0.1', port: relay.port, ssh: { knownHosts: changedKnownHosts } }), t),
        );
        assert.equal(err.code, 'ssh-host-key-changed');
        assert.match(err.title, /REMOTE HOST IDENTIFICATION HAS CHANGED/);
        assert.ok(err.detail.includes(ssh.bastion.hostKeyFingerprint), 'the presented fingerprint is shown');
        assert.equal(isRetryable(err), false);
        assert.equal(links.length, linksBefore, 'no channel was opened to MySQL');
        assert.equal(
          links.slice(linksBefore).reduce((n, l) => n + l.bytes, 0),
          0,
        );
      });

      it('a key marked @revoked is refused even when it is also listed as known', async () => {
        const [type, blob] = ssh.bastion.knownHostsLine.split(' ').slice(1);
        const file = path.join(home.home, 'revoked_known_hosts');
        writeFileSync(file, `${ssh.bastion.knownHostsLine}\n@revoked * ${type} ${blob}\n`);
        const err = await failure(open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { knownHosts: file } }), new TunnelManager({ home: home.home })));
        assert.equal(err.code, 'ssh-host-key-revoked');
      });
    });

    it('ssh.knownHosts is ignored unless the connection comes from user settings', async () => {
      const err = await failure(openSession({ ...sshProfile(sb, 'tls', { mode: 'REQUIRED' }), tunnels: new TunnelManager({ home: home.home }) }));
      assert.equal(err.code, 'ssh-host-key-unknown', 'the sandbox known_hosts named by the profile was not read');
    });
  });

  describe('authentication', () => {
    it('a key with its passphrase connects; a missing or wrong passphrase is ssh-key-passphrase, not retried', async () => {
      const p = sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' }, { ssh: { keyFile: ssh.userKeyEncrypted } });
      const t = new TunnelManager({ home: home.home });
      const s = await open({ ...p, secrets: { ...p.secrets, sshPassphrase: ssh.userKeyPassphrase } }, t);
      assert.equal(s.report.security, 'verified-identity');
      await s.close();
      const missing = await failure(open(p, new TunnelManager({ home: home.home })));
      assert.equal(missing.code, 'ssh-key-passphrase');
      assert.match(missing.detail, /no SSH key passphrase is stored/);
      const wrong = await failure(open({ ...p, secrets: { ...p.secrets, sshPassphrase: 'not the passphrase' } }, new TunnelManager({ home: home.home })));
      assert.equal(wrong.code, 'ssh-key-passphrase');
      assert.equal(wrong.message.includes('not the passphrase'), false, 'the passphrase is never in a message');
      assert.equal(isRetryable(wrong), false);
    });

    it('a key the bastion does not know is ssh-auth-failed, not retried', async () => {
      const other = path.join(home.home, 'other_key');
      assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]).status, 0);
      const err = await failure(open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { keyFile: other } }), new TunnelManager({ home: home.home })));
      assert.equal(err.code, 'ssh-auth-failed');
      assert.equal(isRetryable(err), false);
    });

    it('agent authentication with a real ssh-agent; no agent is ssh-agent-unavailable', async () => {
      const agent = await startAgent([ssh.userKey]);
      try {
        const t = new TunnelManager({ home: home.home, env: { SSH_AUTH_SOCK: agent.socket } });
        const s = await open(sshProfile(sb, 'tls', { mode: 'VERIFY_IDENTITY' }, { ssh: { auth: 'agent', keyFile: undefined } }), t);
        assert.equal(s.report.security, 'verified-identity');
        await s.close();
      } finally {
        await agent.stop();
      }
      for (const env of [{}, { SSH_AUTH_SOCK: agent.socket }]) {
        const err = await failure(
          open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { auth: 'agent', keyFile: undefined } }), new TunnelManager({ home: home.home, env })),
        );
        assert.equal(err.code, 'ssh-agent-unavailable');
      }
    });
  });

  it('through a jump host: both host keys checked, both hops reported', async () => {
    const p = sshProfile(
      sb,
      'tls',
      { mode: 'VERIFY_IDENTITY' },
      { ssh: { jump: { host: '127.0.0.1', port: ssh.jump.port, user: ssh.user, auth: 'key', keyFile: ssh.userKey } } },
    );
    const s = await open(p, new TunnelManager({ home: home.home }));
    try {
      assert.equal(s.report.security, 'verified-identity');
      assert.deepEqual(
        s.report.ssh?.hops.map((h) => [h.port, h.fingerprint]),
        [
          [ssh.jump.port, ssh.jump.hostKeyFingerprint],
          [ssh.bastion.port, ssh.bastion.hostKeyFingerprint],
        ],
      );
    } finally {
      await s.close();
    }
  });

  it('a forward the SSH host does not permit is ssh-forward-refused (the jump host only forwards to the bastion)', async () => {
    const p = sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { port: ssh.jump.port } });
    const err = await failure(open(p, new TunnelManager({ home: home.home })));
    assert.equal(err.code, 'ssh-forward-refused');
    assert.equal(isRetryable(err), false);
  });

  it('a bastion that does not answer is ssh-unreachable (retryable)', async () => {
    const closed = await anyFreePort();
    const err = await failure(open(sshProfile(sb, 'tls', { mode: 'REQUIRED' }, { ssh: { port: closed } }), new TunnelManager({ home: home.home })));
    assert.equal(err.code, 'ssh-unreachable');
    assert.equal(isRetryable(err), true);
  });
});
