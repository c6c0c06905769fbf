import { X509Certificate } from 'node:crypto';
import { readCertificateContainer } from '../certificates/certificateContainer';
import { opensslSubject } from '../certificates/generateSet';
import { readSettingFile } from '../certificates/pemFiles';
import { MysqlTlsError, type Cause } from '../errors';
import { openSession } from '../mysql/session';
import type { PathContext } from '../paths';
import type { SslSettings } from '../profile';
import { requirementOfRow, type AccountTlsState, type TlsRequirement } from './accountTls';
import { requirementLabel } from './audit';
import { SQL, detectFlavor, type AccountRow, type SqlRunner } from './serverSql';

/**
 * The pure and server-side steps behind "Require TLS for Account…": the account list with each current
 * requirement, the issuer/subject of a client certificate in the form REQUIRE compares, and the plaintext
 * login check when no client certificate is at hand for the full verification.
 */

function text(v: string | Buffer | null | undefined): string {
  return v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Every account (roles excluded) with its current TLS requirement, ordered by user and host. */
export async function listAccountTls(runner: SqlRunner): Promise<AccountTlsState[]> {
  const { rows: v } = await runner.query<{ version: string; comment: string }[]>(SQL.version);
  const flavor = detectFlavor(v[0]?.version ?? '', v[0]?.comment ?? '');
  let rows: AccountRow[];
  try {
    rows = (await runner.query<AccountRow[]>(SQL[flavor].accounts)).rows;
  } catch (e) {
    const table = flavor === 'mariadb' ? 'mysql.global_priv' : 'mysql.user';
    throw new MysqlTlsError('access-denied', `the accounts cannot be listed: ${e instanceof Error ? e.message : String(e)}`, undefined, `Connect as an administrator (SELECT on ${table} and CREATE USER or UPDATE on mysql.*) to change account requirements.`);
  }
  return rows.map((row) => ({ user: text(row.user), host: text(row.host), requirement: requirementOfRow(row), locked: Number(row.locked) === 1 }));
}

/** "'app'@'%'" as MySQL writes an account. */
export function accountLabel(account: { user: string; host: string }): string {
  return `'${account.user}'@'${account.host}'`;
}

/** "REQUIRE SSL", "REQUIRE ISSUER '/CN=x' AND SUBJECT '/CN=y'", for the account picker. */
export function requirementDescription(req: TlsRequirement): string {
  return `REQUIRE ${requirementLabel(req)}`;
}

export interface CertificateNames {
  /** OpenSSL one-line subject, e.g. /O=Example/CN=app. */
  subject: string;
  issuer: string;
  /** The file held several certificates; the first non-CA one (the leaf) was used. */
  picked: number;
}

/** The subject and issuer of the client certificate in a file (PEM/DER/PKCS#12), as REQUIRE SUBJECT/ISSUER compare them. */
export async function certificateNamesOfFile(file: string, passphrase?: string): Promise<CertificateNames> {
  const data = await readSettingFile(file, 'clientCertificate');
  const container = readCertificateContainer(data, file, 'clientCertificate', passphrase);
  const certs: X509Certificate[] = container.certificates;
  if (certs.length === 0) throw new MysqlTlsError('file-wrong-kind', `${file} holds no certificate`, 'clientCertificate', 'Choose the client certificate file (BEGIN CERTIFICATE).');
  const leaf = certs.findIndex((c) => !c.ca);
  const picked = leaf >= 0 ? leaf : 0;
  const cert = certs[picked]!;
  return { subject: opensslSubject(cert, 'subject'), issuer: opensslSubject(cert, 'issuer'), picked };
}

export interface PlaintextCheck {
  /**
   * refused: plaintext refused and the same password logged in over TLS (so the refusal is about TLS);
   * refused-unconfirmed: plaintext refused, but no TLS login could confirm the password (MariaDB answers a
   * wrong password and a missing TLS requirement with the same "Access denied");
   * accepted: the plaintext login worked; inconclusive: the password is wrong or the server unreachable.
   */
  outcome: 'refused' | 'refused-unconfirmed' | 'accepted' | 'inconclusive';
  /** The classified cause of the failed plaintext login. */
  cause?: Cause;
  /** What happened, in words (no secrets). */
  detail: string;
}

const REFUSALS: Cause[] = ['account-requires-tls', 'account-requires-x509', 'server-requires-tls', 'tls-client-cert-rejected', 'access-denied'];

export interface PlaintextCheckOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** TLS settings for a confirming login with the same password (CA, mode, and client certificate when the account needs one). */
  tls?: SslSettings;
  /** Passphrase of the client key in `tls`. */
  passphrase?: string;
  paths?: PathContext;
  connectTimeoutMs?: number;
}

async function login(opts: PlaintextCheckOptions, ssl: SslSettings, passphrase?: string): Promise<{ ok: true } | { ok: false; cause: Cause; detail: string }> {
  try {
    const s = await openSession({
      profile: { host: opts.host, port: opts.port, user: opts.user, ssl, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000 },
      secrets: { password: opts.password, ...(passphrase ? { passphrase } : {}) },
      paths: opts.paths,
    });
    await s.close();
    return { ok: true };
  } catch (e) {
    return { ok: false, cause: e instanceof MysqlTlsError ? e.code : 'unknown', detail: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Checks that a plaintext login of the account is refused. A refusal alone proves little (a wrong password
 * looks the same), so a TLS login with the same password confirms it when `tls` is given.
 */
export async function checkPlaintextLogin(opts: PlaintextCheckOptions): Promise<PlaintextCheck> {
  const plain = await login(opts, { mode: 'DISABLED' });
  if (plain.ok) return { outcome: 'accepted', detail: 'The plaintext login was accepted: the account can still log in without TLS.' };
  if (!REFUSALS.includes(plain.cause)) return { outcome: 'inconclusive', cause: plain.cause, detail: `The check was inconclusive: ${plain.detail}` };
  if (!opts.tls) {
    return { outcome: 'refused-unconfirmed', cause: plain.cause, detail: `The plaintext login was refused (${plain.detail}), but without a TLS login (no client certificate configured) the password could not be confirmed: the server answers a wrong password the same way.` };
  }
  const tls = await login(opts, opts.tls, opts.passphrase);
  if (tls.ok) return { outcome: 'refused', cause: plain.cause, detail: `The plaintext login was refused and the same password logs in over TLS: ${plain.detail}` };
  return { outcome: 'inconclusive', cause: plain.cause, detail: `The check was inconclusive: the plaintext login was refused, and the TLS login with the same password failed too (${tls.detail}). Check the password.` };
}
