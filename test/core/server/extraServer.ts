import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A private mariadbd for tests that restart a server with new certificates (the shared sandbox servers
 * are never touched). Same recipe as scripts/sandbox.ts: mariadb-install-db into a temp dir, then
 * mariadbd on a free loopback port. stop() kills it; always call it from after().
 */

function findBinary(names: string[]): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const name of names) for (const d of dirs) if (d && existsSync(path.join(d, name))) return path.join(d, name);
  throw new Error(`${names.join('/')} not found: install mariadb-server`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

export class ExtraServer {
  private child: ChildProcess | undefined;
  readonly datadir: string;
  readonly socket: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.datadir = path.join(dir, 'data');
    this.socket = path.join(dir, 'mariadb.sock');
  }

  static async create(): Promise<ExtraServer> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-extra-'));
    const server = new ExtraServer(dir, await freePort());
    const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
    const r = spawnSync(findBinary(['mariadb-install-db', 'mysql_install_db']), ['--no-defaults', `--datadir=${server.datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...asRoot], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mariadb-install-db failed: ${r.stderr || r.stdout}`);
    }
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts mariadbd with extra options (e.g. the --ssl-* flags) and waits until root can log in on the socket. */
  async start(extra: string[] = [], timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error('already running');
    const args = [
      '--no-defaults',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
      `--datadir=${this.datadir}`,
      `--socket=${this.socket}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(this.dir, 'mariadbd.pid')}`,
      `--log-error=${path.join(this.dir, 'error.log')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--performance-schema=OFF',
      '--server-id=7',
      ...extra,
    ];
    this.child = spawn(findBinary(['mariadbd', 'mysqld']), args, { stdio: 'ignore' });
    const deadline = Date.now() + timeoutMs;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
    let last: unknown;
    while (Date.now() < deadline && this.running) {
      try {
        const c = await mysql.createConnection({ socketPath: this.socket, user: 'root', password: '' });
        await c.end();
        return;
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    const log = await fs.readFile(path.join(this.dir, 'error.log'), 'utf8').catch(() => '');
    await this.stop();
    throw new Error(`mariadbd did not start (${String((last as Error)?.message ?? 'exited')}):\n${log.split('\n').slice(-12).join('\n')}`);
  }

  /** Runs statements as root over the socket. */
  async admin(sql: string, values?: unknown[]): Promise<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
    const c = await mysql.createConnection({ socketPath: this.socket, user: 'root', password: '' });
    try {
      const [rows] = await c.query(sql, values);
      return rows;
    } finally {
      await c.end();
    }
  }

  /** SIGTERM, then SIGKILL after a bound. */
  async stop(timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  async destroy(): Promise<void> {
    if (this.child && this.running) {
      const child = this.child;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
