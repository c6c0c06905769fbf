import { randomBytes } from 'node:crypto';
import { MysqlTlsError, type Cause } from '../errors';
import { openSession } from '../mysql/session';
import type { ConnectionProfile, ConnectionSecrets, SslSettings } from '../profile';
import type { PathContext } from '../paths';
import { SQL, detectFlavor, isUnknownColumn, withoutAccountLocked, type AccountRow, type ServerFlavor, type SqlRunner } from './serverSql';

/**
 * Per-account TLS requirements: the exact ALTER USER ... REQUIRE statement (shown before it runs), running
 * it, and checking the effect without ever sending the account's password on plaintext: the requirement is
 * read back from the grant tables, a plaintext login with a random throwaway password must be refused, and
 * the real password logs in only over TLS (with the client certificate when one is required).
 */

export type TlsRequirement =
  | { type: 'NONE' }
  | { type: 'SSL' }
  | { type: 'X509' }
  /** REQUIRE ISSUER / SUBJECT / CIPHER (any combination, at least one). Names in OpenSSL one-line form "/O=x/CN=y". */
  | { type: 'SPECIFIED'; issuer?: string; subject?: string; cipher?: string };

export interface AccountRef {
  user: string;
  host: string;
}

export interface AccountTlsState extends AccountRef {
  requirement: TlsRequirement;
  locked: boolean;
}

export interface RequireStatement {
  /** The exact statement that runs. */
  sql: string;
  /** The statement with a plain-words explanation, for the confirmation dialog. */
  preview: string;
  /** What it means, in one sentence. */
  meaning: string;
}

export interface SqlStringOptions {
  /** The session has sql_mode NO_BACKSLASH_ESCAPES: a backslash is then literal and must not be doubled. */
  noBackslashEscapes?: boolean;
}

/** A SQL string literal. Quotes are doubled (valid in every sql_mode); control characters are refused. */
export function sqlString(value: string, opts: SqlStringOptions = {}): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f]/.test(value))
    throw new MysqlTlsError('config-invalid', 'the value contains control characters', undefined, 'Remove line breaks and control characters.');
  const escaped = (opts.noBackslashEscapes ? value : value.replace(/\\/g, '\\\\')).replace(/'/g, "''");
  return `'${escaped}'`;
}

export function accountName(account: AccountRef, opts: SqlStringOptions = {}): string {
  if (!account.user) throw new MysqlTlsError('config-invalid', 'the account has no user name', 'user', 'Give the user name of the account.');
  return `${sqlString(account.user, opts)}@${sqlString(account.host || '%', opts)}`;
}

function requireClause(req: TlsRequirement, opts: SqlStringOptions): string {
  switch (req.type) {
    case 'NONE':
    case 'SSL':
    case 'X509':
      return `REQUIRE ${req.type}`;
    case 'SPECIFIED': {
      const parts = [
        req.issuer !== undefined && req.issuer !== '' ? `ISSUER ${sqlString(req.issuer, opts)}` : undefined,
        req.subject !== undefined && req.subject !== '' ? `SUBJECT ${sqlString(req.subject, opts)}` : undefined,
        req.cipher !== undefined && req.cipher !== '' ? `CIPHER ${sqlString(req.cipher, opts)}` : undefined,
      ].filter((p): p is string => p !== undefined);
      if (parts.length === 0)
        throw new MysqlTlsError(
          'config-invalid',
          'REQUIRE with issuer/subject/cipher needs at least one of them',
          'requirement',
          'Give the issuer and/or subject the client certificate must have, or choose X509.',
        );
      for (const [name, v] of [
        ['issuer', req.issuer],
        ['subject', req.subject],
      ] as const) {
        if (v && !v.startsWith('/')) {
          throw new MysqlTlsError(
            'config-invalid',
            `the ${name} "${v}" is not in OpenSSL one-line form`,
            `requirement.${name}`,
            'Write it the way the server compares it, e.g. /C=US/O=Example/CN=app (openssl x509 -noout -subject -nameopt compat).',
          );
        }
      }
      return `REQUIRE ${parts.join(' AND ')}`;
    }
  }
}

export function describeRequirement(req: TlsRequirement): string {
  switch (req.type) {
    case 'NONE':
      return 'The account may log in without TLS (unless the server sets require_secure_transport).';
    case 'SSL':
      return 'The account must log in over TLS; plaintext logins are refused.';
    case 'X509':
      return 'The account must log in over TLS with a client certificate issued by a CA the server trusts (ssl_ca).';
    case 'SPECIFIED':
      return `The account must log in over TLS with a client certificate${req.issuer ? ` issued by ${req.issuer}` : ''}${req.subject ? ` whose subject is exactly ${req.subject}` : ''}${req.cipher ? ` using cipher ${req.cipher}` : ''}.`;
  }
}

export function buildRequireStatement(account: AccountRef, req: TlsRequirement, opts: SqlStringOptions = {}): RequireStatement {
  const sql = `ALTER USER ${accountName(account, opts)} ${requireClause(req, opts)}`;
  const meaning = describeRequirement(req);
  return { sql, meaning, preview: `${sql};\n-- ${meaning}\n-- Existing sessions keep running; the requirement applies to new logins.` };
}

function text(v: string | Buffer | null | undefined): string {
  return v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export function requirementOfRow(row: AccountRow): TlsRequirement {
  if (row.ssl_type === 'SPECIFIED') {
    const issuer = text(row.issuer);
    const subject = text(row.subject);
    const cipher = text(row.cipher);
    return { type: 'SPECIFIED', ...(issuer ? { issuer } : {}), ...(subject ? { subject } : {}), ...(cipher ? { cipher } : {}) };
  }
  return { type: row.ssl_type };
}

async function flavorOf(runner: SqlRunner): Promise<ServerFlavor> {
  const { rows } = await runner.query<{ version: string; comment: string }[]>(SQL.version);
  return detectFlavor(rows[0]?.version ?? '', rows[0]?.comment ?? '');
}

/** The account's current requirement, from the grant tables (needs SELECT on mysql.global_priv / mysql.user). */
export async function readAccountTls(runner: SqlRunner, account: AccountRef, flavor?: ServerFlavor): Promise<AccountTlsState | undefined> {
  const f = flavor ?? (await flavorOf(runner));
  let rows: AccountRow[];
  try {
    rows = (await runner.execute<AccountRow[]>(SQL[f].account, [account.user, account.host])).rows;
  } catch (e) {
    if (f !== 'mysql' || !isUnknownColumn(e)) throw e;
    rows = (await runner.execute<AccountRow[]>(withoutAccountLocked(SQL.mysql.account), [account.user, account.host])).rows;
  }
  const row = rows[0];
  if (!row) return undefined;
  return { user: text(row.user), host: text(row.host), requirement: requirementOfRow(row), locked: Number(row.locked) === 1 };
}

export interface ApplyResult {
  statement: RequireStatement;
  before: AccountTlsState;
  after: AccountTlsState;
}

/** Runs ALTER USER ... REQUIRE over an admin session and reads the result back. */
export async function applyAccountTls(runner: SqlRunner, account: AccountRef, req: TlsRequirement): Promise<ApplyResult> {
  const flavor = await flavorOf(runner);
  const before = await readAccountTls(runner, account, flavor);
  if (!before)
    throw new MysqlTlsError(
      'config-invalid',
      `there is no account '${account.user}'@'${account.host}'`,
      'user',
      'Pick an existing account (user and host exactly as in the grant tables).',
    );
  const { rows } = await runner.query<{ sql_mode: string }[]>(SQL.sqlMode);
  const statement = buildRequireStatement(account, req, { noBackslashEscapes: /NO_BACKSLASH_ESCAPES/.test(rows[0]?.sql_mode ?? '') });
  await runner.query(statement.sql);
  const after = await readAccountTls(runner, account, flavor);
  if (!after) throw new MysqlTlsError('unknown', `the account '${account.user}'@'${account.host}' disappeared while it was changed`);
  return { statement, before, after };
}

export interface LoginAttempt {
  /** 'plaintext' always uses a random throwaway password, never the account's. */
  name: 'plaintext' | 'tls' | 'tls-without-client-cert' | 'tls-with-client-cert';
  expected: 'refused' | 'accepted';
  outcome: 'refused' | 'accepted' | 'error';
  /** Classified cause when the login did not succeed. */
  cause?: Cause;
  detail?: string;
  ok: boolean;
}

export interface VerifyOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  requirement: TlsRequirement;
  /** TLS settings for the TLS attempts (CA and mode; VERIFY_CA or VERIFY_IDENTITY recommended). */
  ssl: SslSettings;
  /** Client certificate settings (cert+key or pfx) for X509/SPECIFIED accounts. */
  clientCertificate?: Pick<SslSettings, 'cert' | 'key' | 'pfx'>;
  /** Passphrase of the client key or PKCS#12 file. */
  passphrase?: string;
  paths?: PathContext;
  connectTimeoutMs?: number;
  /** An admin session and the account's host: the requirement is then read back from the grant tables. */
  grants?: { runner: SqlRunner; accountHost: string };
}

/** The account's requirement as the grant tables hold it, compared with the one expected. */
export interface RequirementCheck {
  expected: TlsRequirement;
  actual?: TlsRequirement;
  ok: boolean;
  detail: string;
}

export interface VerifyResult {
  requirement?: RequirementCheck;
  attempts: LoginAttempt[];
  ok: boolean;
}

/** The settings with a mode that never falls back to plaintext: the real password goes out only inside TLS. */
function tlsOnly(ssl: SslSettings): SslSettings {
  if (ssl.mode === undefined) return { ...ssl, mode: ssl.ca || ssl.caSource === 'system' ? 'VERIFY_CA' : 'REQUIRED' };
  if (ssl.mode === 'DISABLED' || ssl.mode === 'PREFERRED') {
    throw new MysqlTlsError(
      'config-invalid',
      `the login check sends the account's password and needs a TLS mode, not ${ssl.mode}`,
      'ssl.mode',
      'Use VERIFY_IDENTITY (best), VERIFY_CA or REQUIRED.',
    );
  }
  return ssl;
}

/** A password nobody has: a plaintext attempt with it shows the server refuses, and gives nothing away. */
export function throwawayPassword(): string {
  return `throwaway-${randomBytes(18).toString('base64url')}`;
}

function sameRequirement(a: TlsRequirement, b: TlsRequirement): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

/** Reads the account's requirement over the admin session and compares it with `expected`. */
export async function checkRequirement(runner: SqlRunner, account: AccountRef, expected: TlsRequirement): Promise<RequirementCheck> {
  let state: AccountTlsState | undefined;
  try {
    state = await readAccountTls(runner, account);
  } catch (e) {
    return { expected, ok: false, detail: `The grant tables could not be read: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!state) return { expected, ok: false, detail: `There is no account '${account.user}'@'${account.host}'.` };
  const ok = sameRequirement(state.requirement, expected);
  return {
    expected,
    actual: state.requirement,
    ok,
    detail: ok ? 'The grant tables hold the expected requirement.' : 'The grant tables hold a different requirement.',
  };
}

const REFUSAL_CAUSES: Cause[] = ['account-requires-tls', 'account-requires-x509', 'server-requires-tls', 'access-denied', 'tls-client-cert-rejected'];

/**
 * The profile of the plaintext attempt, which only ever carries a throwaway password. MySQL 8 answers every
 * caching_sha2_password / sha256_password login that is not in its cache (and every wrong scramble) with
 * "perform full authentication" before it looks at the password, REQUIRE or require_secure_transport; our
 * plugins refuse that on plaintext, so the attempt would end as an inconclusive error. A random password has
 * nothing to protect: fetching the server's key lets the server check it and answer with its refusal.
 */
export function throwawayPlaintextProfile(host: string, port: number, user: string, connectTimeoutMs?: number): ConnectionProfile {
  return { host, port, user, ssl: { mode: 'DISABLED' }, getServerPublicKey: true, connectTimeoutMs: connectTimeoutMs ?? 10_000 };
}

async function attempt(
  name: LoginAttempt['name'],
  expected: LoginAttempt['expected'],
  opts: VerifyOptions,
  ssl: SslSettings,
  secrets: ConnectionSecrets,
): Promise<LoginAttempt> {
  // Defence in depth: the plaintext attempt (which may fetch an unpinned key) never carries a real password.
  if (name === 'plaintext' && !opts.password.startsWith('throwaway-'))
    throw new MysqlTlsError('unknown', 'internal: the plaintext login check must use a throwaway password');
  try {
    const s = await openSession({
      profile:
        name === 'plaintext'
          ? throwawayPlaintextProfile(opts.host, opts.port, opts.user, opts.connectTimeoutMs)
          : { host: opts.host, port: opts.port, user: opts.user, ssl, connectTimeoutMs: opts.connectTimeoutMs ?? 10_000 },
      secrets: { password: opts.password, ...secrets },
      paths: opts.paths,
    });
    await s.close();
    return { name, expected, outcome: 'accepted', ok: expected === 'accepted' };
  } catch (e) {
    const cause = e instanceof MysqlTlsError ? e.code : 'unknown';
    const outcome = REFUSAL_CAUSES.includes(cause) ? 'refused' : 'error';
    return { name, expected, outcome, cause, detail: e instanceof Error ? e.message : String(e), ok: outcome === expected };
  }
}

/**
 * Checks what the requirement does without sending the account's password on plaintext: the grant tables
 * hold it (when `grants` is given); for anything but NONE a plaintext login with a throwaway password is
 * refused (MariaDB answers a wrong password and a TLS refusal alike, so this only shows the plaintext path
 * lets nobody in; the requirement itself is what the grant tables say); TLS without a client certificate
 * must be refused for X509/SPECIFIED; TLS with the given settings (and client certificate) must be accepted.
 */
export async function verifyAccountTls(opts: VerifyOptions): Promise<VerifyResult> {
  const attempts: LoginAttempt[] = [];
  const needsCert = opts.requirement.type === 'X509' || opts.requirement.type === 'SPECIFIED';
  const requirement = opts.grants
    ? await checkRequirement(opts.grants.runner, { user: opts.user, host: opts.grants.accountHost }, opts.requirement)
    : undefined;
  if (opts.requirement.type !== 'NONE')
    attempts.push(await attempt('plaintext', 'refused', { ...opts, password: throwawayPassword() }, { mode: 'DISABLED' }, {}));
  const tlsBase: SslSettings = { ...tlsOnly(opts.ssl), cert: undefined, key: undefined, pfx: undefined };
  if (needsCert) {
    attempts.push(await attempt('tls-without-client-cert', 'refused', opts, tlsBase, {}));
    if (!opts.clientCertificate)
      throw new MysqlTlsError(
        'config-incomplete-client-cert',
        'the account requires a client certificate but none was given to test with',
        'clientCertificate',
      );
    attempts.push(
      await attempt(
        'tls-with-client-cert',
        'accepted',
        opts,
        { ...tlsBase, ...opts.clientCertificate },
        opts.passphrase ? { passphrase: opts.passphrase } : {},
      ),
    );
  } else {
    attempts.push(
      await attempt(
        opts.clientCertificate ? 'tls-with-client-cert' : 'tls',
        'accepted',
        opts,
        { ...tlsBase, ...(opts.clientCertificate ?? {}) },
        opts.passphrase ? { passphrase: opts.passphrase } : {},
      ),
    );
  }
  return { ...(requirement ? { requirement } : {}), attempts, ok: attempts.every((a) => a.ok) && (requirement?.ok ?? true) };
}
