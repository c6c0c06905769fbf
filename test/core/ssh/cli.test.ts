/**
 * The probe CLI through SSH: --ssh/--ssh-key/--ssh-known-hosts/--ssh-jump against the sandbox's real sshd. The key
 * passphrase comes from MYSQL_TLS_SSH_PASSPHRASE (never argv); an unknown host key is an error unless --ssh-accept-new.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SandboxDescription } from '../../../scripts/sandbox';
import type { SandboxSsh } from '../../../scripts/sandboxSsh';
import { loadSandbox } from '../../helpers/sandbox';
import { sandboxSsh, tempHome } from '../../helpers/ssh';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

function probe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, 'probe', ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

describe('probe --ssh', () => {
  let sb: SandboxDescription;
  let ssh: SandboxSsh;
  let home: ReturnType<typeof tempHome>;
  let base: string[];
  before(() => {
    sb = loadSandbox();
    ssh = sandboxSsh(sb);
    home = tempHome();
    const a = sb.accounts.app_none!;
    base = [
      '--host',
      'localhost',
      '--port',
      String(sb.servers.tls.port),
      '--user',
      a.user,
      '--ssl-mode',
      'VERIFY_IDENTITY',
      '--ssl-ca',
      sb.certs.ca,
      '--no-password',
    ];
  });
  after(() => home.cleanup());
  const env = (): NodeJS.ProcessEnv => ({ MYSQL_PWD: sb.accounts.app_none!.password, HOME: home.home, SSH_AUTH_SOCK: '' });
  const bastion = (): string => `${ssh.user}@127.0.0.1:${ssh.bastion.port}`;

  it('connects verified through the bastion and prints the hop', async () => {
    const r = await probe([...base, '--ssh', bastion(), '--ssh-key', ssh.userKey, '--ssh-known-hosts', ssh.knownHosts], env());
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`via ${bastion()} (ED25519 ${ssh.bastion.hostKeyFingerprint})`), r.stdout);
    assert.match(r.stdout, /VERIFY_IDENTITY|verified-identity|identity/i);
  });

  it('an unknown host key is an error (exit 1) unless --ssh-accept-new, which writes nothing', async () => {
    const refused = await probe([...base, '--ssh', bastion(), '--ssh-key', ssh.userKey], env());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /SSH host key is not known/);
    assert.ok(refused.stderr.includes(ssh.bastion.hostKeyFingerprint));
    const accepted = await probe([...base, '--ssh', bastion(), '--ssh-key', ssh.userKey, '--ssh-accept-new'], env());
    assert.equal(accepted.code, 0, accepted.stderr);
    const again = await probe([...base, '--ssh', bastion(), '--ssh-key', ssh.userKey], env());
    assert.equal(again.code, 1, 'accepted for that run only');
  });

  it('the key passphrase comes from MYSQL_TLS_SSH_PASSPHRASE; a wrong one is reported without being printed', async () => {
    const args = [...base, '--ssh', bastion(), '--ssh-key', ssh.userKeyEncrypted, '--ssh-known-hosts', ssh.knownHosts];
    const ok = await probe(args, { ...env(), MYSQL_TLS_SSH_PASSPHRASE: ssh.userKeyPassphrase });
    assert.equal(ok.code, 0, ok.stderr);
    const wrong = await probe(args, { ...env(), MYSQL_TLS_SSH_PASSPHRASE: 'wrong-passphrase-123' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /passphrase/);
    assert.equal((wrong.stdout + wrong.stderr).includes('wrong-passphrase-123'), false);
  });

  it('--ssh-jump reaches the bastion through the jump host', async () => {
    const r = await probe(
      [...base, '--ssh', bastion(), '--ssh-jump', `${ssh.user}@127.0.0.1:${ssh.jump.port}`, '--ssh-key', ssh.userKey, '--ssh-known-hosts', ssh.knownHosts],
      env(),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`→ ${bastion()}`), r.stdout);
  });

  it('bad --ssh values and --ssh-key without --ssh are usage errors (exit 2)', async () => {
    for (const args of [
      ['--ssh', 'no-user-host'],
      ['--ssh', 'u@h:99999'],
      ['--ssh-key', ssh.userKey],
    ]) {
      const r = await probe([...base, ...args], env());
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /--ssh/);
    }
  });
});
