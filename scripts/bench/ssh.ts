/**
 * SSH tunnel figures for `npm run bench` (section "ssh"), in the same run as the rest, against the sandbox's
 * bastion sshd: the engine's tunnel (ssh2, forwarded channel as the driver's stream) against OpenSSH's own
 * `ssh -L` plus bare mysql2, both VERIFY_IDENTITY to the tls server. Medians; engine and baseline interleaved.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { openSession } from '../../src/core/mysql/session';
import { streamQuery } from '../../src/core/mysql/queryStream';
import type { ConnectionProfile } from '../../src/core/profile';
import { TunnelManager } from '../../src/core/ssh/tunnel';
import { anyFreePort, type SandboxDescription } from '../sandbox';

export interface SshFigure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  goal?: string;
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function pair(n: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[number, number]> {
  for (let i = 0; i < 3; i++) {
    await a();
    await b();
  }
  const xa: number[] = [];
  const xb: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [fn, xs] of i % 2 === 0
      ? ([
          [a, xa],
          [b, xb],
        ] as const)
      : ([
          [b, xb],
          [a, xa],
        ] as const)) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
  }
  return [median(xa), median(xb)];
}

/** `ssh -N -L` to the tls server through the bastion; resolves once the local port accepts. */
async function opensshForward(sb: SandboxDescription): Promise<{ port: number; child: ChildProcess }> {
  const ssh = sb.ssh!;
  const port = await anyFreePort();
  const child = spawn(
    'ssh',
    [
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${ssh.knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-i',
      ssh.userKey,
      '-p',
      String(ssh.bastion.port),
      '-L',
      `127.0.0.1:${port}:localhost:${sb.servers.tls.port}`,
      `${ssh.user}@127.0.0.1`,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return { port, child };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('ssh -L did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function benchSsh(sb: SandboxDescription, iterations = 25): Promise<SshFigure[]> {
  if (!sb.ssh) throw new Error('the sandbox has no sshd (install openssh-server)');
  const a = sb.accounts.app_none!;
  const ssl = { mode: 'VERIFY_IDENTITY' as const, ca: sb.certs.ca };
  const profile: ConnectionProfile = {
    host: 'localhost',
    port: sb.servers.tls.port,
    user: a.user,
    ssl,
    ssh: { host: '127.0.0.1', port: sb.ssh.bastion.port, user: sb.ssh.user, auth: 'key', keyFile: sb.ssh.userKey, knownHosts: sb.ssh.knownHosts },
  };
  const secrets = { password: a.password };
  const tunnels = new TunnelManager();
  const figures: SshFigure[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql2 = require('mysql2') as typeof import('mysql2');
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(sb.certs.ca, 'utf8');
  const forward = await opensshForward(sb);
  // One session holds the tunnel open, as a connected connection does in the extension.
  const holder = await openSession({ profile, secrets, tunnels, sshKnownHostsTrusted: true });
  try {
    const bare = (): Promise<import('mysql2').Connection> =>
      new Promise((resolve, reject) => {
        const c = mysql2.createConnection({ host: '127.0.0.1', port: forward.port, user: a.user, password: a.password, ssl: { ca } });
        c.connect((err) => (err ? reject(err) : resolve(c)));
      });
    const [tunnel, openssh] = await pair(
      iterations,
      async () => {
        const s = await openSession({ profile, secrets, tunnels, plan: holder.plan, sshKnownHostsTrusted: true });
        await s.query('SELECT 1');
        await s.close();
      },
      async () => {
        const c = await bare();
        await c.promise().query('SELECT 1');
        await c.promise().end();
      },
    );
    figures.push({
      name: 'SSH: connect + SELECT 1 over a live tunnel (VERIFY_IDENTITY)',
      value: tunnel,
      unit: 'ms',
      baseline: { name: 'ssh -L + bare mysql2', value: openssh },
      goal: '<= 1.2x',
    });
    const reconnects: number[] = [];
    let current = await holder.reopen();
    for (let i = 0; i < iterations; i++) {
      current.destroy();
      const t0 = performance.now();
      current = await holder.reopen();
      reconnects.push(performance.now() - t0);
    }
    await current.close();
    figures.push({ name: 'SSH: reconnect over a live tunnel (Session.reopen)', value: median(reconnects), unit: 'ms' });
    const cold: number[] = [];
    for (let i = 0; i < Math.min(iterations, 10); i++) {
      const t0 = performance.now();
      const s = await openSession({ profile, secrets, tunnels: new TunnelManager(), plan: holder.plan, sshKnownHostsTrusted: true });
      cold.push(performance.now() - t0);
      await s.close();
    }
    figures.push({ name: 'SSH: connect with a new SSH connection (handshake + auth + TLS)', value: median(cold), unit: 'ms', note: 'informative' });

    const sql = "SELECT seq, CONCAT('row-', seq), seq * 1.5 FROM sandbox.seq_1_to_1000000";
    const [rowsTunnel, rowsOpenssh] = await pair(
      2,
      async () => {
        await streamQuery(holder, sql, { onRows: () => undefined }, { batchSize: 1000 });
      },
      async () => {
        const c = await bare();
        await new Promise<void>((resolve, reject) => {
          c.query({ sql, rowsAsArray: true })
            .stream()
            .on('data', () => undefined)
            .on('end', () => resolve())
            .on('error', reject);
        });
        await c.promise().end();
      },
    );
    figures.push({
      name: 'SSH: stream 1,000,000 rows through the tunnel',
      value: rowsTunnel,
      unit: 'ms',
      baseline: { name: 'ssh -L + bare mysql2 stream', value: rowsOpenssh },
      goal: '<= 1.2x',
    });
  } finally {
    await holder.close();
    tunnels.closeAll();
    forward.child.kill('SIGTERM');
  }
  return figures;
}
