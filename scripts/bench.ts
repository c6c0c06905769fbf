/**
 * `npm run bench`: figures with their baselines and ratios, measured in the same run against the same
 * sandbox server. Prints a table and writes bench/results.json. Not a test: nothing here fails on time.
 */
import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSession } from '../src/core/mysql/session';
import { streamQuery } from '../src/core/mysql/queryStream';
import { listTables } from '../src/core/mysql/schema';
import type { ConnectionProfile, ConnectionSecrets } from '../src/core/profile';
import { planTls } from '../src/core/tls/tlsPlan';
import { SSL_MODES, type SslMode } from '../src/core/tls/sslMode';
import { start, status, stop, type SandboxDescription } from './sandbox';

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  ratio?: number;
  goal?: string;
}

const figures: Figure[] = [];
const ITER = Number(process.env.BENCH_ITERATIONS ?? 25);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(n: number, fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

function record(f: Figure): void {
  if (f.baseline) f.ratio = f.value / f.baseline.value;
  figures.push(f);
}

function mariadb(args: string[], toDevNull = false): Promise<void> {
  return new Promise((resolve, reject) => {
    if (toDevNull) {
      const p = spawn('mariadb', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb exited ${code}`))));
      return;
    }
    execFile('mariadb', args, (err) => (err ? reject(err) : resolve()));
  });
}

async function benchConnect(sb: SandboxDescription): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const ca = await fs.readFile(sb.certs.ca, 'utf8');
  const a = sb.accounts.app_none!;
  const port = sb.servers.tls.port;
  for (const mode of SSL_MODES as readonly SslMode[]) {
    const profile: ConnectionProfile = { host: sb.host, port, user: a.user, ssl: { mode, ca: sb.certs.ca } };
    const secrets: ConnectionSecrets = { password: a.password };
    const engine = await timeIt(ITER, async () => {
      const s = await openSession({ profile, secrets }); // fresh plan: full handshake, files read, report built
      await s.close();
    });
    const sslFor = (): Record<string, unknown> | undefined =>
      mode === 'DISABLED' ? undefined : { ca, rejectUnauthorized: mode === 'VERIFY_CA' || mode === 'VERIFY_IDENTITY', verifyIdentity: mode === 'VERIFY_IDENTITY' };
    const bare = await timeIt(ITER, async () => {
      const c = await mysql.createConnection({ host: sb.host, port, user: a.user, password: a.password, ssl: sslFor() as never });
      await c.query('SELECT 1');
      await c.end();
    });
    record({ name: `connect+auth+query ${mode} (engine, full report)`, value: engine, unit: 'ms', baseline: { name: 'bare mysql2', value: bare }, goal: '<= 1.1x' });
    const cliArgs = ['--no-defaults', '-h', sb.host, '-P', String(port), '-u', a.user, `-p${a.password}`, '-N', '-e', 'SELECT 1'];
    const cliMode = mode === 'DISABLED' ? ['--skip-ssl'] : mode === 'VERIFY_IDENTITY' ? ['--ssl', `--ssl-ca=${sb.certs.ca}`, '--ssl-verify-server-cert'] : mode === 'VERIFY_CA' ? undefined : ['--ssl'];
    if (cliMode) {
      const cli = await timeIt(Math.min(ITER, 10), () => mariadb([...cliArgs, ...cliMode]));
      record({ name: `connect+auth+query ${mode} (engine)`, value: engine, unit: 'ms', baseline: { name: 'mariadb client process', value: cli } });
    }
  }
  // Resumption: the same plan (and ssl object) lets mysql2 resume the TLS session.
  const profile: ConnectionProfile = { host: sb.host, port, user: a.user, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } };
  const secrets = { password: a.password };
  const plan = await planTls({ profile, secrets });
  let reused = 0;
  const resumed = await timeIt(ITER, async () => {
    const s = await openSession({ profile, secrets, plan });
    if (s.report.sessionReused) reused++;
    await s.close();
  });
  const full = await timeIt(ITER, async () => {
    const s = await openSession({ profile, secrets, plan: await planTls({ profile, secrets }) });
    await s.close();
  });
  record({ name: `reconnect VERIFY_IDENTITY, resumed TLS session (${reused}/${ITER + 3} resumed)`, value: resumed, unit: 'ms', baseline: { name: 'full handshake', value: full }, goal: '<= 0.7x' });
}

async function benchSchema(sb: SandboxDescription): Promise<void> {
  const a = sb.accounts.app_none!;
  const profile: ConnectionProfile = { host: sb.host, port: sb.servers.tls.port, user: a.user, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } };
  const s = await openSession({ profile, secrets: { password: a.password } });
  const DB = 'bench_10k';
  try {
    const { rows } = await s.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [DB]);
    if (Number(rows[0]!.n) !== 10_000) {
      process.stderr.write('bench: creating 10,000 tables (once per sandbox)...\n');
      await s.query(`DROP DATABASE IF EXISTS ${DB}`);
      await s.query(`CREATE DATABASE ${DB}`);
      for (let i = 0; i < 10_000; i += 500) {
        const stmts = Array.from({ length: 500 }, (_, k) => `CREATE TABLE ${DB}.t${String(i + k).padStart(5, '0')} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=Aria`);
        for (const sql of stmts) await s.query(sql);
      }
    }
    const sql = 'SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS rowsEstimate, ENGINE AS engine, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME';
    const raw = await timeIt(5, async () => void (await s.query(sql, [DB])));
    let n = 0;
    const list = await timeIt(5, async () => void (n = (await listTables(s, DB)).length));
    record({ name: `list ${n} tables (schema tree level)`, value: list, unit: 'ms', baseline: { name: 'the single underlying query', value: raw }, goal: '<= 2x' });
  } finally {
    await s.close();
  }
}

async function benchStreaming(sb: SandboxDescription): Promise<void> {
  const a = sb.accounts.app_none!;
  const sql = "SELECT seq, CONCAT('row-', seq), seq * 1.5 FROM sandbox.seq_1_to_1000000";
  const profile: ConnectionProfile = { host: sb.host, port: sb.servers.tls.port, user: a.user, ssl: { mode: 'VERIFY_IDENTITY', ca: sb.certs.ca } };
  const s = await openSession({ profile, secrets: { password: a.password } });
  try {
    const runs: { total: number; first: number; peak: number }[] = [];
    for (let i = 0; i < 3; i++) {
      global.gc?.();
      const base = process.memoryUsage().rss;
      let peak = base;
      let first = -1;
      const t0 = performance.now();
      await streamQuery(s, sql, {
        onRows: (rows) => {
          if (first < 0) first = performance.now() - t0;
          peak = Math.max(peak, process.memoryUsage().rss);
          void rows;
        },
      }, { batchSize: 1000 });
      runs.push({ total: performance.now() - t0, first, peak: (peak - base) / 1048576 });
    }
    const cli = await timeIt(2, () => mariadb(['--no-defaults', '-h', sb.host, '-P', String(sb.servers.tls.port), '-u', a.user, `-p${a.password}`, '--ssl', `--ssl-ca=${sb.certs.ca}`, '--ssl-verify-server-cert', '--batch', '-e', sql], true));
    const total = median(runs.map((r) => r.total));
    record({ name: 'stream 1,000,000 rows over VERIFY_IDENTITY: total', value: total, unit: 'ms', baseline: { name: 'mariadb --batch > /dev/null', value: cli }, goal: '<= 1.5x' });
    record({ name: 'stream 1,000,000 rows: time to first batch', value: median(runs.map((r) => r.first)), unit: 'ms' });
    record({ name: 'stream 1,000,000 rows: peak RSS growth', value: Math.max(...runs.map((r) => r.peak)), unit: 'MB', goal: 'bounded' });
  } finally {
    await s.close();
  }
}

async function benchActivation(): Promise<void> {
  const bundle = path.resolve(__dirname, '..', '..', 'dist', 'extension.js');
  const stat = await fs.stat(bundle).catch(() => undefined);
  if (stat) record({ name: 'extension bundle size (dist/extension.js)', value: stat.size / 1024, unit: 'KiB' });
  const vsix = (await fs.readdir(path.resolve(__dirname, '..', '..')).catch(() => [] as string[])).find((f) => f.endsWith('.vsix'));
  if (vsix) record({ name: `VSIX size (${vsix})`, value: (await fs.stat(path.resolve(__dirname, '..', '..', vsix))).size / 1024, unit: 'KiB' });
}

function printTable(): void {
  const rows = figures.map((f) => [
    f.name,
    `${f.value.toFixed(f.unit === 'ms' ? 2 : 1)} ${f.unit}`,
    f.baseline ? `${f.baseline.value.toFixed(2)} ${f.unit} (${f.baseline.name})` : '-',
    f.ratio !== undefined ? `${f.ratio.toFixed(2)}x` : '-',
    f.goal ?? '',
  ]);
  const head = ['figure', 'value', 'baseline', 'ratio', 'goal'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write([line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n');
}

async function main(): Promise<void> {
  process.env.MYSQL_TLS_SANDBOX_DIR ??= path.resolve(__dirname, '..', '..', '.sandbox-bench');
  process.env.MYSQL_TLS_SANDBOX_PORT_BASE ??= '63306';
  const running = await status();
  const sb = running && Object.values(running.servers).every((s) => s.running) ? running : await start();
  try {
    await benchActivation();
    await benchConnect(sb);
    await benchSchema(sb);
    await benchStreaming(sb);
  } finally {
    if (!running) await stop();
  }
  printTable();
  const out = path.resolve(__dirname, '..', '..', 'bench', 'results.json');
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, iterations: ITER, figures }, null, 2) + '\n');
  process.stdout.write(`written ${path.relative(process.cwd(), out)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
