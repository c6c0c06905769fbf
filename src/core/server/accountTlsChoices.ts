import { X509Certificate } from 'node:crypto';
import { readCertificateContainer } from '../certificates/certificateContainer';
import { opensslSubject } from '../certificates/generateSet';
import { readSettingFile } from '../certificates/pemFiles';
import { MysqlTlsError, type Cause } from '../errors';
import { openSession } from '../mysql/session';
import type { PathContext } from '../paths';
import { checkRequirement, requirementOfRow, throwawayPassword, throwawayPlaintextProfile, type AccountTlsState, type TlsRequirement } from './accountTls';
import { requirementLabel } from './audit';
import { SQL, detectFlavor, isUnknownColumn, withoutAccountLocked, type AccountRow, type SqlRunner } from './serverSql';

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
    try {
      rows = (await runner.query<AccountRow[]>(SQL[flavor].accounts)).rows;
    } catch (e) {
      if (flavor !== 'mysql' || !isUnknownColumn(e)) throw e;
      rows = (await runner.query<AccountRow[]>(withoutAccountLocked(SQL.mysql.accounts))).rows;
    }
  } catch (e) {
    const table = flavor === 'mariadb' ? 'mysql.global_priv' : 'mysql.user';
    throw new MysqlTlsError(
      'access-denied',
      `the accounts cannot be listed: ${e instanceof Error ? e.message : String(e)}`,
      undefined,
      `Connect as an administrator (SELECT on ${table} and CREATE USER or UPDATE on mysql.*) to change account requirements.`,
    );
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
  if (certs.length === 0)
    throw new MysqlTlsError('file-wrong-kind', `${file} holds no certificate`, 'clientCertificate', 'Choose the client certificate file (BEGIN CERTIFICATE).');
  const leaf = certs.findIndex((c) => !c.ca);
  const picked = leaf >= 0 ? leaf : 0;
  const cert = certs[picked]!;
  return { subject: opensslSubject(cert, 'subject'), issuer: opensslSubject(cert, 'issuer'), picked };
}

export interface PlaintextCheck {
  /**
   * refused: the grant tables hold a TLS requirement (or the server sets require_secure_transport) and a
   * plaintext login with a throwaway password was refused; refused-unconfirmed: the throwaway login was
   * refused but the requirement could not be read (MariaDB answers a wrong password and a missing TLS
   * requirement with the same "Access denied"); accepted: the requirement is NONE without
   * require_secure_transport (or the server let a throwaway password in); inconclusive: the server could not
   * be asked. The account's own password is never used.
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
  /** The admin session and the account's host: the requirement is read from the grant tables. */
  grants?: { runner: SqlRunner; accountHost: string };
  paths?: PathContext;
  connectTimeoutMs?: number;
}

async function plaintextLogin(opts: PlaintextCheckOptions): Promise<{ ok: true } | { ok: false; cause: Cause; detail: string }> {
  try {
    const s = await openSession({
      profile: throwawayPlaintextProfile(opts.host, opts.port, opts.user, opts.connectTimeoutMs),
      secrets: { password: throwawayPassword() },
      paths: opts.paths,
    });
    await s.close();
    return { ok: true };
  } catch (e) {
    return { ok: false, cause: e instanceof MysqlTlsError ? e.code : 'unknown', detail: e instanceof Error ? e.message : String(e) };
  }
}

async function requireSecureTransport(runner: SqlRunner): Promise<boolean> {
  try {
    const { rows } = await runner.query<{ rst: unknown }[]>(SQL.requireSecureTransport);
    return ['1', 'ON', 'true'].includes(String(rows[0]?.rst).toUpperCase());
  } catch {
    return false;
  }
}

/**
 * Checks, without the account's password, that the account cannot log in over plaintext: the requirement
 * from the grant tables (and require_secure_transport), plus a plaintext login with a throwaway password that
 * must be refused.
 */
export async function checkPlaintextLogin(opts: PlaintextCheckOptions): Promise<PlaintextCheck> {
  const plain = await plaintextLogin(opts);
  if (plain.ok)
    return {
      outcome: 'accepted',
      detail: 'A plaintext login with a random throwaway password was accepted: the account takes any password (or none) without TLS.',
    };
  if (!REFUSALS.includes(plain.cause)) return { outcome: 'inconclusive', cause: plain.cause, detail: `The check was inconclusive: ${plain.detail}` };
  if (!opts.grants) {
    return {
      outcome: 'refused-unconfirmed',
      cause: plain.cause,
      detail:
        "A plaintext login with a throwaway password was refused, but the account's requirement could not be read back: the server answers a wrong password the same way.",
    };
  }
  const check = await checkRequirement(opts.grants.runner, { user: opts.user, host: opts.grants.accountHost }, { type: 'NONE' });
  if (!check.actual)
    return {
      outcome: 'refused-unconfirmed',
      cause: plain.cause,
      detail: `A plaintext login with a throwaway password was refused, but the requirement could not be read back: ${check.detail}`,
    };
  const rst = await requireSecureTransport(opts.grants.runner);
  if (check.actual.type === 'NONE' && !rst) {
    return {
      outcome: 'accepted',
      cause: plain.cause,
      detail: 'The grant tables say REQUIRE NONE and require_secure_transport is OFF: the account can log in without TLS.',
    };
  }
  const why = check.actual.type !== 'NONE' ? `the grant tables say REQUIRE ${requirementLabel(check.actual)}` : 'the server sets require_secure_transport';
  return {
    outcome: 'refused',
    cause: plain.cause,
    detail: `Plaintext logins are refused: ${why}, and a plaintext login with a throwaway password was refused.`,
  };
}
