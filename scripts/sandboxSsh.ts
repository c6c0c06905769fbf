/**
 * The sandbox's SSH part: two real OpenSSH servers on 127.0.0.1 (a bastion that may forward anywhere on
 * loopback, and a jump host that forwards only to the bastion), run as the current user with host keys and user
 * keys generated on start. For the SSH tunnel tests (test/core/ssh) and the benchmark. Skipped (absent from
 * sandbox.json) when sshd or ssh-keygen is not installed; scripts/setup.sh installs openssh-server.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SandboxSshServer {
  port: number;
  pid: number;
  config: string;
  hostKey: string;
  /** `ED25519` and `SHA256:...` as OpenSSH prints them. */
  hostKeyType: string;
  hostKeyFingerprint: string;
  /** The known_hosts line for this server. */
  knownHostsLine: string;
  running?: boolean;
}

export interface SandboxSsh {
  /** The account both servers accept (the user running the sandbox). */
  user: string;
  dir: string;
  bastion: SandboxSshServer;
  jump: SandboxSshServer;
  /** A user key without passphrase (listed in authorized_keys), and an encrypted copy of the same key. */
  userKey: string;
  userKeyEncrypted: string;
  userKeyPassphrase: string;
  /** known_hosts naming both servers with their real keys. */
  knownHosts: string;
  /** A host key no server uses: a known_hosts line with it for the bastion makes a "changed key". */
  otherHostKeyPub: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function bin(name: string): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/usr/local/sbin'])
    if (d && existsSync(path.join(d, name))) return path.join(d, name);
  return undefined;
}

function keygen(file: string, passphrase = ''): void {
  const r = spawnSync(bin('ssh-keygen')!, ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'mysql-tls sandbox', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

function fingerprint(pubFile: string): { type: string; fingerprint: string; blob: string; keyType: string } {
  const [keyType, blob] = readFileSync(pubFile, 'utf8').trim().split(/\s+/) as [string, string];
  const fp = `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
  return { type: keyType === 'ssh-ed25519' ? 'ED25519' : keyType, fingerprint: fp, blob, keyType };
}

function free(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

function sshdConfig(dir: string, name: string, port: number, permitOpen: string): string {
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${path.join(dir, `${name}_host_ed25519_key`)}`,
    `PidFile ${path.join(dir, `${name}.pid`)}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    `PermitOpen ${permitOpen}`,
    'AllowAgentForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    'GatewayPorts no',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

async function waitBanner(port: number, pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString('latin1').startsWith('SSH-2.0'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!isAlive(pid) || Date.now() > deadline) throw new Error(`sshd on port ${port} did not start (see its log next to ${port})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startSshd(server: Pick<SandboxSshServer, 'config'>, log: string): number {
  // -D: stay in the foreground as our child (its pid is the one we stop); -e off, -E: log to a file.
  const child = spawn(bin('sshd')!, ['-D', '-f', server.config, '-E', log], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid!;
}

/** Starts both sshd; undefined when OpenSSH is not installed. */
export async function startSsh(runDir: string): Promise<SandboxSsh | undefined> {
  if (!bin('sshd') || !bin('ssh-keygen')) return undefined;
  const dir = path.join(runDir, 'ssh');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // sshd refuses to start as root without its privilege separation directory (Debian creates it at boot).
  if (process.getuid?.() === 0) await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  for (const name of ['bastion', 'jump', 'other']) keygen(path.join(dir, `${name}_host_ed25519_key`));
  const userKey = path.join(dir, 'id_ed25519');
  keygen(userKey);
  const userKeyEncrypted = path.join(dir, 'id_ed25519_encrypted');
  const userKeyPassphrase = 'sandbox ssh passphrase';
  await fs.copyFile(userKey, userKeyEncrypted);
  const re = spawnSync(bin('ssh-keygen')!, ['-q', '-p', '-N', userKeyPassphrase, '-f', userKeyEncrypted], { encoding: 'utf8' });
  if (re.status !== 0) throw new Error(`ssh-keygen -p failed: ${re.stderr}`);
  await fs.copyFile(`${userKey}.pub`, path.join(dir, 'authorized_keys'));
  const [bastionPort, jumpPort] = [await free(), await free()];
  const servers = {} as { bastion: SandboxSshServer; jump: SandboxSshServer };
  for (const [name, port, permitOpen] of [
    ['bastion', bastionPort, 'any'],
    ['jump', jumpPort, `127.0.0.1:${bastionPort}`],
  ] as const) {
    const config = path.join(dir, `${name}_sshd_config`);
    await fs.writeFile(config, sshdConfig(dir, name, port, permitOpen));
    const hostKey = path.join(dir, `${name}_host_ed25519_key`);
    const fp = fingerprint(`${hostKey}.pub`);
    servers[name] = {
      port,
      pid: 0,
      config,
      hostKey,
      hostKeyType: fp.type,
      hostKeyFingerprint: fp.fingerprint,
      knownHostsLine: `[127.0.0.1]:${port} ${fp.keyType} ${fp.blob}`,
    };
    servers[name].pid = startSshd(servers[name], path.join(dir, `${name}.log`));
  }
  await Promise.all(Object.values(servers).map((s) => waitBanner(s.port, s.pid)));
  const knownHosts = path.join(dir, 'known_hosts');
  await fs.writeFile(knownHosts, `${servers.bastion.knownHostsLine}\n${servers.jump.knownHostsLine}\n`, { mode: 0o600 });
  return {
    user: os.userInfo().username,
    dir,
    ...servers,
    userKey,
    userKeyEncrypted,
    userKeyPassphrase,
    knownHosts,
    otherHostKeyPub: path.join(dir, 'other_host_ed25519_key.pub'),
  };
}

/** The sshd processes serving connections of `pid` (OpenSSH forks one per connection, plus its privsep child). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...childrenOf(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Stops one sshd and every connection it serves (as a reboot of the bastion does). */
export async function stopSshd(server: Pick<SandboxSshServer, 'pid'>): Promise<void> {
  const pids = [server.pid, ...childrenOf(server.pid)];
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

export async function stopSsh(ssh: SandboxSsh | undefined): Promise<void> {
  if (!ssh) return;
  await Promise.all([stopSshd(ssh.bastion), stopSshd(ssh.jump)]);
}

/** Restarts one sshd (same config and host key): live SSH connections through it are cut. Returns the new pid. */
export async function restartSshd(server: SandboxSshServer, dir: string, name: 'bastion' | 'jump'): Promise<number> {
  await stopSshd(server);
  const pid = startSshd(server, path.join(dir, `${name}.log`));
  await waitBanner(server.port, pid);
  return pid;
}
