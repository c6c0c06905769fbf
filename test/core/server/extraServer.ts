import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { anyFreePort, baseServerArgs, binaries, installDataDirectory } from '../../../scripts/sandbox';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A private mariadbd for tests that restart a server with new certificates (the shared sandbox servers
 * are never touched). Same recipe as scripts/sandbox.ts: mariadb-install-db into a temp dir, then
 * mariadbd on a free loopback port. stop() kills it; always call it from after().
 */

export { anyFreePort as freePort } from '../../../scripts/sandbox';

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
    const server = new ExtraServer(dir, await anyFreePort());
    try {
      installDataDirectory(server.datadir, 60_000);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts mariadbd with extra options (e.g. the --ssl-* flags) and waits until root can log in on the socket. */
  async start(extra: string[] = [], timeoutMs = 30_000): Promise<void> {
    if (this.running) throw new Error('already running');
    const args = [...baseServerArgs({ datadir: this.datadir, socket: this.socket, port: this.port, dir: this.dir }), '--server-id=7', ...extra];
    this.child = spawn(binaries().mariadbd, args, { stdio: 'ignore' });
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
