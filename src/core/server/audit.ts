import { escapeMarkdown } from '../presentation/escape';
import { requirementOfRow, type AccountTlsState, type TlsRequirement } from './accountTls';
import { SQL, detectFlavor, type AccountRow, type ServerFlavor, type SqlRunner } from './serverSql';

/**
 * Server TLS audit over an open session: what the server offers, what it enforces, which accounts can
 * still log in without TLS, whether replication is encrypted, and how many connections actually are.
 * Every check that cannot be measured (missing privilege, performance_schema off, no replication) says so
 * instead of guessing.
 */

export type Severity = 'ok' | 'info' | 'warning' | 'critical';

export type FindingId =
  | 'tls-available'
  | 'tls-versions'
  | 'ssl-cipher'
  | 'require-secure-transport'
  | 'server-certificate'
  | 'accounts-without-tls'
  | 'accounts-with-client-certificates'
  | 'replication-tls'
  | 'encrypted-connections';

export interface AuditFinding {
  id: FindingId;
  severity: Severity;
  title: string;
  detail: string;
  fix?: string;
  /** False when the check could not be made (the detail says why). */
  measured: boolean;
}

export interface AuditedAccount extends AccountTlsState {
  /** Host is loopback/socket only (localhost, 127.0.0.1, ::1). */
  local: boolean;
}

export interface ReplicationChannel {
  channel: string;
  host: string;
  sslAllowed: boolean;
  sslVerifyServerCert: boolean;
}

export interface ServerTlsAudit {
  flavor: ServerFlavor;
  version: string;
  generatedAt: string;
  variables: Record<string, string>;
  status: Record<string, string>;
  findings: AuditFinding[];
  accounts?: AuditedAccount[];
  replication?: ReplicationChannel[];
  connections?: { current?: { total: number; encrypted: number }; sinceStart?: { connections: number; tlsHandshakes: number } };
}

const DAY_MS = 86_400_000;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1']);
const OLD_PROTOCOLS = ['TLSv1', 'TLSv1.0', 'TLSv1.1', 'SSLv3'];
const WEAK_CIPHER = /(^|[:\-_])(RC4|DES|3DES|MD5|NULL|EXPORT|EXP|anon|ADH|AECDH)([:\-_]|$)/i;

function errnoOf(e: unknown): number | undefined {
  return (e as { errno?: number }).errno;
}

function why(e: unknown): string {
  const errno = errnoOf(e);
  const msg = e instanceof Error ? e.message : String(e);
  return errno ? `${msg} (error ${errno})` : msg;
}

async function keyValues(runner: SqlRunner, sql: string): Promise<Record<string, string>> {
  const { rows } = await runner.query<{ Variable_name: string; Value: string }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value ?? '')]));
}

export function requirementLabel(req: TlsRequirement): string {
  if (req.type !== 'SPECIFIED') return req.type === 'SSL' ? 'SSL' : req.type;
  return [req.issuer ? `ISSUER ${req.issuer}` : '', req.subject ? `SUBJECT ${req.subject}` : '', req.cipher ? `CIPHER ${req.cipher}` : ''].filter(Boolean).join(' AND ');
}

/** "Nov 23 09:51:20 2027 GMT" (OpenSSL's ASN1_TIME_print) to a Date. */
export function parseOpensslTime(value: string): Date | undefined {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+GMT$/.exec(value.trim());
  if (!m) return undefined;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]!);
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

export async function auditServerTls(runner: SqlRunner, opts: { now?: Date } = {}): Promise<ServerTlsAudit> {
  const now = opts.now ?? new Date();
  const { rows: vrows } = await runner.query<{ version: string; comment: string }[]>(SQL.version);
  const version = String(vrows[0]?.version ?? '');
  const flavor = detectFlavor(version, String(vrows[0]?.comment ?? ''));
  const variables = await keyValues(runner, SQL.variables);
  const status = await keyValues(runner, SQL.status);
  const findings: AuditFinding[] = [];
  const audit: ServerTlsAudit = { flavor, version, generatedAt: now.toISOString(), variables, status, findings };

  // TLS available
  let tlsOn: boolean | undefined;
  let tlsHow = '';
  const haveSsl = variables.have_ssl?.toUpperCase();
  if (flavor === 'mysql' && SQL.mysql.tlsChannel) {
    try {
      const { rows } = await runner.query<{ property: string; value: string }[]>(SQL.mysql.tlsChannel);
      const enabled = rows.find((r) => r.property === 'Enabled');
      if (enabled) {
        tlsOn = String(enabled.value).toLowerCase() === 'yes';
        tlsHow = `performance_schema.tls_channel_status says Enabled=${enabled.value}`;
      }
    } catch {
      // MySQL before 8.0.21 or performance_schema off: fall back to have_ssl
    }
  }
  if (tlsOn === undefined && haveSsl) {
    tlsOn = haveSsl === 'YES';
    tlsHow = `have_ssl = ${variables.have_ssl}`;
  }
  if (tlsOn === undefined && variables.tls_version !== undefined) {
    tlsOn = status.ssl_server_not_after !== undefined && status.ssl_server_not_after !== '';
    tlsHow = tlsOn ? 'the server reports a certificate (Ssl_server_not_after)' : 'the server reports no certificate';
  }
  findings.push(
    tlsOn === undefined
      ? { id: 'tls-available', severity: 'warning', title: 'TLS availability unknown', detail: 'Neither have_ssl nor tls_channel_status could be read.', measured: false }
      : tlsOn
        ? { id: 'tls-available', severity: 'ok', title: 'TLS is available', detail: `${tlsHow}${variables.version_ssl_library ? `; ${variables.version_ssl_library}` : ''}.`, measured: true }
        : {
            id: 'tls-available',
            severity: 'critical',
            title: 'TLS is not available',
            detail: `${tlsHow}: every connection to this server is plaintext, including passwords and data.`,
            fix: 'Configure ssl_ca, ssl_cert and ssl_key in [mysqld] (the "Generate certificate set" command writes them) and restart the server.',
            measured: true,
          },
  );

  // Protocol versions
  const versions = (variables.tls_version ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (versions.length === 0) {
    findings.push({ id: 'tls-versions', severity: 'info', title: 'TLS protocol versions not reported', detail: 'The server has no tls_version variable (older server): it accepts what its TLS library allows.', measured: false });
  } else {
    const old = versions.filter((v) => OLD_PROTOCOLS.includes(v));
    findings.push(
      old.length
        ? {
            id: 'tls-versions',
            severity: tlsOn ? 'warning' : 'info',
            title: 'Deprecated TLS versions enabled',
            detail: `tls_version = ${versions.join(',')}; ${old.join(', ')} ${old.length > 1 ? 'are' : 'is'} deprecated (removed in MySQL 8.0.28).`,
            fix: 'Set tls_version = TLSv1.2,TLSv1.3 in [mysqld] and restart.',
            measured: true,
          }
        : { id: 'tls-versions', severity: 'ok', title: 'Only current TLS versions enabled', detail: `tls_version = ${versions.join(',')}.`, measured: true },
    );
  }

  // Cipher list
  const cipher = variables.ssl_cipher ?? '';
  if (cipher === '') {
    findings.push({ id: 'ssl-cipher', severity: 'info', title: 'Default cipher list', detail: "ssl_cipher is empty: the TLS library's default cipher list is used (sound for current OpenSSL).", measured: true });
  } else {
    const weak = cipher.split(':').filter((c) => WEAK_CIPHER.test(c) && !c.startsWith('!'));
    findings.push(
      weak.length
        ? { id: 'ssl-cipher', severity: 'warning', title: 'Weak ciphers allowed', detail: `ssl_cipher allows ${weak.join(', ')}.`, fix: 'Remove RC4/DES/3DES/MD5/NULL/EXPORT/anonymous ciphers from ssl_cipher, or leave it empty for the library defaults.', measured: true }
        : { id: 'ssl-cipher', severity: 'ok', title: 'Cipher list restricted', detail: `ssl_cipher = ${cipher}.`, measured: true },
    );
  }

  // require_secure_transport
  const rst = (variables.require_secure_transport ?? '').toUpperCase();
  const rstOn = rst === 'ON' || rst === '1';
  if (variables.require_secure_transport === undefined) {
    findings.push({ id: 'require-secure-transport', severity: 'warning', title: 'require_secure_transport not available', detail: 'This server version has no require_secure_transport; enforce TLS per account (REQUIRE SSL).', measured: false });
  } else if (rstOn) {
    findings.push({ id: 'require-secure-transport', severity: 'ok', title: 'Plaintext TCP logins are refused', detail: 'require_secure_transport = ON (local socket connections remain allowed).', measured: true });
  } else {
    findings.push({
      id: 'require-secure-transport',
      severity: 'critical',
      title: 'Plaintext logins are accepted',
      detail: 'require_secure_transport = OFF: any account without REQUIRE SSL/X509 can log in over plaintext TCP.',
      fix: tlsOn
        ? 'SET GLOBAL require_secure_transport = ON (and require_secure_transport = ON in [mysqld] to keep it after a restart), once every client connects with TLS.'
        : 'First enable TLS (ssl_ca/ssl_cert/ssl_key), then set require_secure_transport = ON.',
      measured: true,
    });
  }

  // Server certificate
  const notAfter = status.ssl_server_not_after ? parseOpensslTime(status.ssl_server_not_after) : undefined;
  if (!notAfter) {
    findings.push({
      id: 'server-certificate',
      severity: tlsOn ? 'warning' : 'info',
      title: 'Server certificate expiry unknown',
      detail: tlsOn ? `Ssl_server_not_after could not be read (${status.ssl_server_not_after ?? 'not reported'}).` : 'The server has no certificate.',
      measured: false,
    });
  } else {
    const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
    findings.push(
      days < 0
        ? { id: 'server-certificate', severity: 'critical', title: 'The server certificate has expired', detail: `It expired on ${notAfter.toISOString()}; verifying clients refuse to connect.`, fix: 'Install a new certificate and run FLUSH SSL (MariaDB) / ALTER INSTANCE RELOAD TLS (MySQL 8).', measured: true }
        : days < 30
          ? { id: 'server-certificate', severity: 'warning', title: 'The server certificate expires soon', detail: `It expires in ${days} day(s), on ${notAfter.toISOString()}.`, fix: 'Renew it now and reload with FLUSH SSL (MariaDB) / ALTER INSTANCE RELOAD TLS (MySQL 8).', measured: true }
          : { id: 'server-certificate', severity: 'ok', title: 'The server certificate is valid', detail: `It expires in ${days} day(s), on ${notAfter.toISOString()}.`, measured: true },
    );
  }

  // Accounts
  try {
    const { rows } = await runner.query<AccountRow[]>(SQL[flavor].accounts);
    audit.accounts = rows.map((r) => {
      const user = String(r.user);
      const host = String(r.host);
      return { user, host, requirement: requirementOfRow(r), locked: Number(r.locked) === 1, local: LOCAL_HOSTS.has(host.toLowerCase()) };
    });
  } catch (e) {
    const table = flavor === 'mariadb' ? 'mysql.global_priv' : 'mysql.user';
    for (const id of ['accounts-without-tls', 'accounts-with-client-certificates'] as const) {
      findings.push({ id, severity: 'info', title: 'Accounts could not be read', detail: `Reading ${table} failed: ${why(e)}.`, fix: `Run the audit as a user with SELECT on ${table}.`, measured: false });
    }
  }
  if (audit.accounts) {
    const name = (a: AuditedAccount): string => `'${a.user}'@'${a.host}'`;
    const open = audit.accounts.filter((a) => !a.locked && a.requirement.type === 'NONE');
    const remote = open.filter((a) => !a.local);
    const list = (as: AuditedAccount[]): string => as.map(name).join(', ');
    if (open.length === 0) {
      findings.push({ id: 'accounts-without-tls', severity: 'ok', title: 'Every account requires TLS', detail: 'No unlocked account has REQUIRE NONE.', measured: true });
    } else if (rstOn) {
      findings.push({ id: 'accounts-without-tls', severity: 'info', title: 'Accounts without REQUIRE SSL (covered by require_secure_transport)', detail: `${list(open)} have REQUIRE NONE; require_secure_transport = ON refuses their plaintext TCP logins anyway.`, measured: true });
    } else if (remote.length) {
      findings.push({
        id: 'accounts-without-tls',
        severity: 'critical',
        title: 'Accounts can log in without TLS',
        detail: `${list(remote)} can log in over plaintext from ${[...new Set(remote.map((a) => (a.host === '%' ? 'any host' : a.host)))].join(', ')}${open.length > remote.length ? `; local only: ${list(open.filter((a) => a.local))}` : ''}.`,
        fix: "ALTER USER 'user'@'host' REQUIRE SSL (or X509) for each, or SET GLOBAL require_secure_transport = ON.",
        measured: true,
      });
    } else {
      findings.push({ id: 'accounts-without-tls', severity: 'info', title: 'Only local accounts can log in without TLS', detail: `${list(open)} (loopback/socket only).`, measured: true });
    }
    const certAccounts = audit.accounts.filter((a) => a.requirement.type === 'X509' || a.requirement.type === 'SPECIFIED');
    findings.push({
      id: 'accounts-with-client-certificates',
      severity: 'info',
      title: certAccounts.length ? 'Accounts that need a client certificate' : 'No account needs a client certificate',
      detail: certAccounts.length ? certAccounts.map((a) => `${name(a)} REQUIRE ${requirementLabel(a.requirement)}`).join('; ') : 'No account has REQUIRE X509, ISSUER or SUBJECT.',
      ...(certAccounts.length && !tlsOn ? { severity: 'warning' as const, fix: 'These accounts cannot log in at all while TLS is off: enable TLS on the server.' } : {}),
      measured: true,
    });
  }

  // Replication
  try {
    const { rows } = await runner.query<Record<string, unknown>[]>(SQL[flavor].replication);
    audit.replication = rows.map((r) => SQL[flavor].replicationRow(r));
    const channels = audit.replication;
    const label = (c: ReplicationChannel): string => `${c.channel ? `"${c.channel}"` : 'default channel'} (${c.host})`;
    const plain = channels.filter((c) => !c.sslAllowed);
    const unverified = channels.filter((c) => c.sslAllowed && !c.sslVerifyServerCert);
    if (channels.length === 0) findings.push({ id: 'replication-tls', severity: 'info', title: 'No replication channels', detail: 'This server does not replicate from another server.', measured: true });
    else if (plain.length)
      findings.push({
        id: 'replication-tls',
        severity: 'critical',
        title: 'Replication without TLS',
        detail: `${plain.map(label).join(', ')} replicate${plain.length === 1 ? 's' : ''} in plaintext (data and replication password).`,
        fix: flavor === 'mariadb' ? 'STOP SLAVE; CHANGE MASTER TO MASTER_SSL=1, MASTER_SSL_CA=..., MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE;' : 'STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_SSL=1, SOURCE_SSL_CA=..., SOURCE_SSL_VERIFY_SERVER_CERT=1; START REPLICA;',
        measured: true,
      });
    else if (unverified.length)
      findings.push({ id: 'replication-tls', severity: 'warning', title: 'Replication encrypted but not verified', detail: `${unverified.map(label).join(', ')} do not verify the primary's certificate.`, fix: 'Set MASTER_SSL_VERIFY_SERVER_CERT=1 (SOURCE_SSL_VERIFY_SERVER_CERT on MySQL) with the primary\'s CA.', measured: true });
    else findings.push({ id: 'replication-tls', severity: 'ok', title: 'Replication uses verified TLS', detail: channels.map(label).join(', '), measured: true });
  } catch (e) {
    findings.push({
      id: 'replication-tls',
      severity: 'info',
      title: 'Replication could not be checked',
      detail: `${SQL[flavor].replication} failed: ${why(e)}.`,
      fix: flavor === 'mariadb' ? 'Run the audit as a user with the REPLICA MONITOR (or SUPER) privilege.' : 'Run the audit as a user that can read performance_schema.',
      measured: false,
    });
  }

  // Encrypted share of connections
  const connections: NonNullable<ServerTlsAudit['connections']> = {};
  const total = Number(status.connections);
  const handshakes = Number(status.ssl_finished_accepts ?? status.ssl_accepts);
  if (Number.isFinite(total) && Number.isFinite(handshakes) && status.connections !== undefined) connections.sinceStart = { connections: total, tlsHandshakes: handshakes };
  let currentWhy = '';
  const pfsOn = ['ON', '1'].includes((variables.performance_schema ?? '').toUpperCase());
  if (pfsOn) {
    try {
      const { rows } = await runner.query<{ total: number | string; encrypted: number | string }[]>(SQL.encryptedThreads);
      connections.current = { total: Number(rows[0]?.total ?? 0), encrypted: Number(rows[0]?.encrypted ?? 0) };
    } catch (e) {
      currentWhy = `performance_schema.status_by_thread could not be read: ${why(e)}`;
    }
  } else {
    currentWhy = 'performance_schema is OFF, and MariaDB/MySQL show no per-connection TLS state anywhere else (PROCESSLIST has none)';
  }
  audit.connections = connections;
  const since = connections.sinceStart
    ? `Since the server started, ${connections.sinceStart.tlsHandshakes} of ${connections.sinceStart.connections} connection attempts completed a TLS handshake (Ssl_finished_accepts / Connections; failed logins count too).`
    : 'The Ssl_accepts/Connections counters were not available.';
  if (connections.current) {
    const { total: t, encrypted: enc } = connections.current;
    findings.push({
      id: 'encrypted-connections',
      severity: t > enc ? 'warning' : 'ok',
      title: `${enc} of ${t} current connections are encrypted`,
      detail: `${since} Current connections measured with performance_schema.status_by_thread (Ssl_cipher).`,
      ...(t > enc ? { fix: 'Find the plaintext clients (performance_schema.threads joined with status_by_thread) and switch them to a TLS mode.' } : {}),
      measured: true,
    });
  } else {
    const plaintextSeen = connections.sinceStart ? connections.sinceStart.connections > connections.sinceStart.tlsHandshakes : false;
    findings.push({
      id: 'encrypted-connections',
      severity: plaintextSeen && !rstOn ? 'warning' : 'info',
      title: 'Share of encrypted current connections not measured',
      detail: `${currentWhy}. ${since}${Number.isFinite(Number(status.threads_connected)) ? ` Threads_connected = ${status.threads_connected}.` : ''}`,
      fix: 'Enable performance_schema (performance_schema = ON in [mysqld], restart) to count encrypted connections one by one.',
      measured: false,
    });
  }
  return audit;
}

const SEVERITY_ORDER: Severity[] = ['critical', 'warning', 'info', 'ok'];
const SEVERITY_LABEL: Record<Severity, string> = { critical: 'CRITICAL', warning: 'Warning', info: 'Info', ok: 'OK' };

/** A table cell from text that may come from the server (names, versions, error texts): inert, one line. */
function cell(s: string): string {
  return escapeMarkdown(s);
}

/**
 * The audit as Markdown: a findings table (worst first), then accounts and replication channels. Every
 * text goes through escapeMarkdown: account names, hosts, channel names, the version and the server's
 * error messages quoted in details are the server's words, and the title carries the connection's name.
 */
export function renderAuditMarkdown(audit: ServerTlsAudit, title = 'Server TLS audit'): string {
  const out: string[] = [`# ${escapeMarkdown(title)}`, '', `${audit.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${escapeMarkdown(audit.version)}, ${escapeMarkdown(audit.generatedAt)}`, ''];
  const counts = SEVERITY_ORDER.map((s) => `${audit.findings.filter((f) => f.severity === s).length} ${SEVERITY_LABEL[s].toLowerCase()}`);
  out.push(`Findings: ${counts.join(', ')}.`, '', '| Severity | Check | Detail | Fix |', '|---|---|---|---|');
  const sorted = [...audit.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  for (const f of sorted) out.push(`| ${SEVERITY_LABEL[f.severity]}${f.measured ? '' : ' (not measured)'} | ${cell(f.title)} | ${cell(f.detail)} | ${cell(f.fix ?? '')} |`);
  if (audit.accounts?.length) {
    out.push('', '## Accounts', '', '| Account | Requirement | Notes |', '|---|---|---|');
    for (const a of audit.accounts) out.push(`| ${cell(`'${a.user}'@'${a.host}'`)} | ${cell(`REQUIRE ${requirementLabel(a.requirement)}`)} | ${[a.locked ? 'locked' : '', a.local ? 'local only' : ''].filter(Boolean).join(', ')} |`);
  }
  if (audit.replication?.length) {
    out.push('', '## Replication channels', '', '| Channel | Primary | TLS | Verifies certificate |', '|---|---|---|---|');
    for (const c of audit.replication) out.push(`| ${cell(c.channel || '(default)')} | ${cell(c.host)} | ${c.sslAllowed ? 'yes' : 'no'} | ${c.sslVerifyServerCert ? 'yes' : 'no'} |`);
  }
  return out.join('\n') + '\n';
}
