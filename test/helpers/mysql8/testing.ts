import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MysqlTlsError } from '../../../src/core/errors';
import { openSession, type Session } from '../../../src/core/mysql/session';
import type { ConnectionProfile, SslSettings } from '../../../src/core/profile';
import { startMysql8Double, type Mysql8Double, type Mysql8DoubleOptions } from './server';

/** A running double with its CA, client certificate and public key written to files (settings take paths). */
export interface DoubleFixture {
  double: Mysql8Double;
  dir: string;
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  publicKeyFile: string;
}

export async function withDouble<T>(opts: Mysql8DoubleOptions, run: (f: DoubleFixture) => Promise<T>): Promise<T> {
  const double = await startMysql8Double(opts);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql8-double-'));
  const write = (name: string, text: string | undefined): string => {
    const file = path.join(dir, name);
    if (text !== undefined) writeFileSync(file, text);
    return file;
  };
  const fixture: DoubleFixture = {
    double,
    dir,
    caFile: write('ca.pem', double.caPem),
    clientCertFile: write('client-cert.pem', double.client?.certPem),
    clientKeyFile: write('client-key.pem', double.client?.keyPem),
    publicKeyFile: write('public_key.pem', double.publicKeyPem),
  };
  try {
    return await run(fixture);
  } finally {
    await double.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function doubleProfile(f: DoubleFixture, user: string, ssl: SslSettings, extra: Partial<ConnectionProfile> = {}): ConnectionProfile {
  return { host: '127.0.0.1', port: f.double.port, user, ssl, connectTimeoutMs: 5000, ...extra };
}

/** Logs in and closes: the session's security level, or the classified error. */
export async function loginOutcome(
  f: DoubleFixture,
  user: string,
  password: string,
  ssl: SslSettings,
  extra: Partial<ConnectionProfile> = {},
): Promise<{ outcome: string; error?: MysqlTlsError; session?: Session }> {
  try {
    const s = await openSession({ profile: doubleProfile(f, user, ssl, extra), secrets: { password } });
    const r = await s.serverView();
    await s.close();
    return { outcome: r.fallback ? 'plaintext-fallback' : r.security };
  } catch (e) {
    if (e instanceof MysqlTlsError) return { outcome: e.code, error: e };
    throw e;
  }
}
