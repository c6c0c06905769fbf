import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MysqlTlsError, type Cause } from '../../../src/core/errors';

/** A temporary folder removed by the returned function. */
export function tempDir(prefix = 'mysql-tls-cert-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a fixture tool (openssl, keytool) and fails the test with its output when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

export function hasTool(cmd: string): boolean {
  return spawnSync(cmd, ['-help'], { encoding: 'utf8', timeout: 10_000 }).error === undefined;
}

/** assert.rejects/throws predicate: a MysqlTlsError with this cause (and field, when given). */
export function classified(cause: Cause, field?: string, detail?: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!(e instanceof MysqlTlsError)) throw new Error(`expected MysqlTlsError ${cause}, got ${String(e)}`);
    if (e.code !== cause) throw new Error(`expected cause ${cause}, got ${e.code}: ${e.message}`);
    if (field !== undefined && e.field !== field) throw new Error(`expected field ${field}, got ${String(e.field)}`);
    if (detail && !detail.test(e.message)) throw new Error(`message "${e.message}" does not match ${String(detail)}`);
    if (!e.fix) throw new Error('no fix');
    return true;
  };
}
