import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConnectionProfile, ConnectionSecrets, SshSettings, SslSettings } from '../../src/core/profile';
import type { SandboxDescription, ServerName } from '../../scripts/sandbox';
import type { SandboxSsh } from '../../scripts/sandboxSsh';
import { sandboxProfile } from './sandbox';

/** The sandbox's sshd, or a clear failure (the SSH tests need openssh-server: scripts/setup.sh installs it). */
export function sandboxSsh(sb: SandboxDescription): SandboxSsh {
  if (!sb.ssh) throw new Error('the sandbox has no sshd: install openssh-server (scripts/setup.sh) and restart the sandbox');
  return sb.ssh;
}

/** The bastion hop with the sandbox user key (and its known_hosts, as a user setting). */
export function bastionHop(ssh: SandboxSsh, over: Partial<SshSettings> = {}): SshSettings {
  return { host: '127.0.0.1', port: ssh.bastion.port, user: ssh.user, auth: 'key', keyFile: ssh.userKey, knownHosts: ssh.knownHosts, ...over };
}

/**
 * A profile for a sandbox server reached through the bastion: `host` is the database as the bastion sees it
 * ('localhost' by default, a name the sandbox server certificate lists).
 */
export function sshProfile(
  sb: SandboxDescription,
  server: ServerName,
  ssl: SslSettings,
  over: { host?: string; port?: number; ssh?: Partial<SshSettings> } = {},
): { profile: ConnectionProfile; secrets: ConnectionSecrets } {
  const { profile, secrets } = sandboxProfile(sb, server, 'app_none', ssl);
  return {
    profile: { ...profile, host: over.host ?? 'localhost', port: over.port ?? profile.port, ssh: bastionHop(sandboxSsh(sb), over.ssh) },
    secrets,
  };
}

/** A throwaway home folder (an empty ~/.ssh/known_hosts) and an own known_hosts path; removed by cleanup(). */
export function tempHome(): { home: string; userKnownHosts: string; ownKnownHosts: string; cleanup: () => void } {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-ssh-home-'));
  const sshDir = path.join(home, '.ssh');
  spawnSync('mkdir', ['-p', sshDir]);
  const userKnownHosts = path.join(sshDir, 'known_hosts');
  writeFileSync(userKnownHosts, '');
  return {
    home,
    userKnownHosts,
    ownKnownHosts: path.join(home, 'globalStorage', 'known_hosts'),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** A real ssh-agent on its own socket with `keys` added; stop() kills it (by its pid) and removes the socket. */
export async function startAgent(keys: string[]): Promise<{ socket: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-agent-'));
  const socket = path.join(dir, 'agent.sock');
  // -D: foreground, so the child's pid is the agent's.
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (
    !(await fs.stat(socket).then(
      (s) => s.isSocket(),
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error('ssh-agent did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const key of keys) {
    const r = spawnSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ssh-add failed: ${r.stderr}`);
  }
  return {
    socket,
    stop: async () => {
      agent.kill('SIGTERM');
      await new Promise((r) => (agent.exitCode !== null ? r(undefined) : agent.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
