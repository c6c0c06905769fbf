import { MysqlTlsError, type Cause } from '../errors';
import { authRefusalCause } from '../mysql/authSha2';
import type { TlsPlan } from './tlsPlan';

/** What was known about the attempt when it failed. */
export interface FailureContext {
  plan: TlsPlan;
  /** Whether the socket had completed a TLS handshake when the error came. */
  encrypted: boolean;
}

interface DriverError extends Error {
  code?: string;
  errno?: number;
  sqlMessage?: string;
}

// Node/OpenSSL (and BoringSSL in desktop VS Code) wording. mysql2 relabels every TLS failure as
// HANDSHAKE_SSL_ERROR, so the message is what is left to read.
const TLS_PATTERNS: [RegExp, (ctx: FailureContext) => Cause][] = [
  [/socket disconnected|socket hang up|ECONNRESET|EPIPE/i, () => 'connection-lost'],
  [/Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate/i, () => 'tls-hostname-mismatch'],
  [/certificate has expired|CERT_HAS_EXPIRED/i, () => 'tls-cert-expired'],
  [/certificate is not yet valid|CERT_NOT_YET_VALID/i, () => 'tls-cert-not-yet-valid'],
  [
    /self[- ]signed certificate|unable to get local issuer certificate|unable to verify the first certificate|unable to get issuer certificate|certificate signature failure|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN/i,
    (ctx) => (ctx.plan.caSource === 'none' ? 'tls-self-signed-no-ca' : 'tls-ca-mismatch'),
  ],
  [
    /alert (unknown ca|bad certificate|certificate unknown|certificate required|access denied)|peer did not return a certificate/i,
    () => 'tls-client-cert-rejected',
  ],
  // OpenSSL 3 refusing a TLS 1.0/1.1 server's MD5/SHA-1 key-exchange signature (yaSSL builds) once minVersion is lowered.
  [/legacy sigalg/i, () => 'tls-legacy-server'],
  [
    /unsupported protocol|no protocols available|wrong version number|protocol version|version too low|UNSUPPORTED_PROTOCOL|TLSV1_ALERT_PROTOCOL_VERSION/i,
    (ctx) => (serverBelowTls12(ctx) ? 'tls-legacy-server' : 'tls-protocol-mismatch'),
  ],
  [
    /no cipher|no shared cipher|NO_CIPHERS_AVAILABLE|alert handshake failure|no suitable signature|invalid cipher|Invalid cipher list/i,
    () => 'tls-cipher-mismatch',
  ],
];

const TLS_RANK = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The client offered TLS 1.2 up to 1.3 and the server still answered "protocol version": its whole range is
 * below TLS 1.2 (yaSSL builds of MySQL 5.7 up to 5.7.27 and 5.6 speak TLS 1.0/1.1 only).
 */
function serverBelowTls12(ctx: FailureContext): boolean {
  const min = ctx.plan.driverSsl?.minVersion ?? 'TLSv1.2';
  const max = ctx.plan.driverSsl?.maxVersion ?? 'TLSv1.3';
  return TLS_RANK.indexOf(min) >= 2 && max === 'TLSv1.3';
}

/** "80EC..:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/..." -> "tlsv1 alert unknown ca". */
export function plainTlsMessage(message: string): string {
  const m = /SSL routines:[^:]*:([^:]+)/.exec(message);
  return (m ? m[1]! : message).trim();
}

function classifyTls(message: string, ctx: FailureContext): Cause {
  for (const [re, cause] of TLS_PATTERNS) if (re.test(message)) return cause(ctx);
  return 'tls-handshake-failed';
}

/** Maps a driver/network/TLS failure to a cause with plain words and the fix. */
export function classifyConnectError(error: unknown, ctx: FailureContext): MysqlTlsError {
  if (error instanceof MysqlTlsError) return error;
  const err = (error instanceof Error ? error : new Error(String(error))) as DriverError;
  const message = err.sqlMessage ?? err.message ?? String(error);
  const where = `${ctx.plan.host}:${ctx.plan.port}`;
  const make = (cause: Cause, detail: string = message): MysqlTlsError => {
    const e = new MysqlTlsError(cause, detail);
    (e as { driverCode?: string }).driverCode = err.code;
    return e;
  };

  // Our auth plugins refused to send the password (mysql2 relabels their errors AUTH_SWITCH_PLUGIN_ERROR).
  const refusal = authRefusalCause(err);
  if (refusal) return make(refusal, `${where}: ${message}`);

  switch (err.code) {
    case 'MYSQL_CLEAR_PASSWORD_NOT_ENABLED':
      // mysql2's own refusal (only reachable without our mysql_clear_password plugin): not a TLS failure.
      return make('clear-password-needs-tls', `${where}: the server asked for mysql_clear_password; nothing was sent`);
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return make('server-no-tls', `${where} did not offer TLS in its greeting; nothing was sent (mode ${ctx.plan.mode})`);
    case 'HANDSHAKE_SSL_ERROR':
      return make(classifyTls(message, ctx), `${where}: ${plainTlsMessage(message)}`);
    case 'ECONNREFUSED':
      return make('host-unreachable', `${where} refused the connection (nothing listens there)`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return make('host-unreachable', `${where}: ${message}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make('host-not-found', `${ctx.plan.host} could not be resolved`);
    case 'ETIMEDOUT':
      return make('connect-timeout', `no answer from ${where} in time`);
    case 'PROTOCOL_NOT_MYSQL':
      return make('protocol-error');
    case 'ER_NOT_SUPPORTED_AUTH_MODE':
      return make('auth-plugin-unsupported');
    case 'PROTOCOL_CONNECTION_LOST':
    case 'ECONNRESET':
    case 'EPIPE':
      return make('connection-lost', `${where}: ${message}`);
    default:
      break;
  }
  // MySQL's login refusals after the password passed (sql_authentication.cc), and the server's own limits.
  switch (err.errno) {
    case 3159:
      // require_secure_transport: MySQL sends it only after the password was accepted, so this is the server
      // itself saying TLS is required: a confirmed refusal (nothing else to try or confirm).
      return make(
        'server-requires-tls',
        `${where}: the password was accepted, then the server refused the unencrypted connection (require_secure_transport=ON): ${message}`,
      );
    case 1524:
      return make('auth-plugin-not-loaded', `${where}: ${message}`);
    case 3118:
      return make('account-locked', `${where}: ${message}`);
    case 3955:
      return make('account-blocked-failed-logins', `${where}: ${message}`);
    case 1862:
    case 1820:
      return make('password-expired', `${where}: ${message}`);
    case 3032:
      return make('server-offline', `${where}: ${message}`);
    case 1040:
      return make('too-many-connections', `${where}: ${message}`);
    default:
      break;
  }
  if (err.errno === 1045 || err.code === 'ER_ACCESS_DENIED_ERROR') {
    if (!ctx.encrypted) return make('account-requires-tls');
    // MariaDB and MySQL answer a wrong password and a missing client certificate (REQUIRE X509/ISSUER/SUBJECT)
    // with the same 1045: without a certificate, say both instead of guessing the requirement.
    // The headline names the likely cause first (a wrong password); the requirement the server cannot be asked
    // about before a login comes second. "using password: NO" means no password was stored at all.
    const detail = /using password: NO/i.test(message) ? `${message}: no password is stored for this connection` : message;
    if (!ctx.plan.clientCertificate) {
      const e = new MysqlTlsError(
        'access-denied',
        detail,
        undefined,
        "Set the right password for this connection (Set Password) and check the user name. If that is right, the account may require a client certificate (REQUIRE X509, ISSUER or SUBJECT): set ssl.cert and ssl.key to one the server's CA issued (the server answers both cases with the same error).",
      );
      (e as { driverCode?: string }).driverCode = err.code;
      return e;
    }
    return make('access-denied', detail);
  }
  if (/authentication plugin|auth_switch|unknown plugin|client_ed25519|AUTH_SWITCH_PLUGIN_ERROR/i.test(message)) return make('auth-plugin-unsupported');
  if (typeof err.code === 'string' && err.code.startsWith('ERR_SSL'))
    return make(classifyTls(`${err.code} ${message}`, ctx), `${where}: ${plainTlsMessage(message)}`);
  if (/ssl|tls|certificate/i.test(message) && !ctx.encrypted && ctx.plan.rules.tls !== 'never') return make(classifyTls(message, ctx));
  if (typeof err.code === 'string' && err.code.startsWith('PROTOCOL_')) return make('protocol-error', `${where}: ${message}`);
  return make('unknown');
}
