/**
 * Bench fixtures on the sandbox's TLS server: databases of N empty tables (bench_1k, bench_10k, bench_50k),
 * made once per sandbox (the sandbox's data lives as long as it runs).
 */
import { adminConnection, type SandboxDescription } from '../sandbox';

/** The bench database of `n` tables: t00000, t00001, ... */
export function tablesDatabase(n: number): string {
  return n % 1000 === 0 ? `bench_${n / 1000}k` : `bench_${n}`;
}

/** Creates the database of `n` tables unless it already has exactly that many; returns its name. */
export async function ensureTables(sb: SandboxDescription, n: number, log: (line: string) => void = () => undefined): Promise<string> {
  const db = tablesDatabase(n);
  const admin = await adminConnection(sb.servers.tls, sb.admin.password);
  try {
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [db]);
    if (Number((rows as { n: number }[])[0]!.n) === n) return db;
    log(`bench: creating ${n.toLocaleString('en-US')} tables in ${db} (once per sandbox)...`);
    const started = Date.now();
    await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.query(`CREATE DATABASE \`${db}\``);
    // Each CREATE TABLE writes and syncs a .frm (10+ ms on a busy disk): 8 connections in parallel, each sending
    // multi-statement batches, make 10,000 tables in about a minute. MEMORY tables: no data files to create.
    const next = { i: 0 };
    const worker = async (): Promise<void> => {
      const c = await adminConnection(sb.servers.tls, sb.admin.password);
      try {
        for (let from = next.i; from < n; from = next.i) {
          next.i = Math.min(n, from + 250);
          const batch: string[] = [];
          for (let i = from; i < next.i; i++)
            batch.push(`CREATE TABLE \`${db}\`.t${String(i).padStart(5, '0')} (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=MEMORY`);
          await c.query(batch.join(';'));
        }
      } finally {
        await c.end();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    log(`bench: ${db} made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return db;
  } finally {
    await admin.end();
  }
}
