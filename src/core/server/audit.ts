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
  | 'group-replication-tls'
  | 'admin-tls'
  | 'server-version'
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
  /** MySQL: a CA is set (SOURCE_SSL_CA/CAPATH), so the replica verifies the chain (VERIFY_CA) even without VERIFY_SERVER_CERT. */
  sslCaSet?: boolean;
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
  /** The managed service the server runs on, when it shows one. */
  managed?: ManagedService;
  /** current: TCP connections (total) and those with TLS (encrypted); local: socket/pipe connections, not counted. */
  connections?: { current?: { total: number; encrypted: number; local?: number }; sinceStart?: { connections: number; tlsHandshakes: number } };
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
  return [req.issuer ? `ISSUER ${req.issuer}` : '', req.subject ? `SUBJECT ${req.subject}` : '', req.cipher ? `CIPHER ${req.cipher}` : '']
    .filter(Boolean)
    .join(' AND ');
}

/** "Nov 23 09:51:20 2027 GMT" (OpenSSL's ASN1_TIME_print) to a Date. */
export function parseOpensslTime(value: string): Date | undefined {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})\s+GMT$/.exec(value.trim());
  if (!m) return undefined;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[1]!);
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

/** A MySQL version as numbers (8.0.36-28 -> [8, 0, 36]); undefined when it does not parse. */
export function parseServerVersion(version: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function atLeast(v: [number, number, number] | undefined, major: number, minor: number, patch: number): boolean {
  if (!v) return true; // unparsable: assume current, the statements then name the newest syntax
  return v[0] !== major ? v[0] > major : v[1] !== minor ? v[1] > minor : v[2] >= patch;
}

export type ManagedService = 'rds' | 'azure' | 'cloudsql' | 'tencentdb';

/**
 * The managed service the server runs on, from what the server itself shows: RDS's basedir (/rdsdbbin/...) and
 * rds_/aurora_ variables, Azure Flexible Server's aad_auth_only / azure_ parameters, Cloud SQL's "-google"
 * version suffix and cloudsql_ flags, TencentDB's cdb_/txsql_ variables (a guess: its documentation names no
 * server-side mark).
 */
export function detectManagedService(version: string, variables: Record<string, string>): ManagedService | undefined {
  const names = Object.keys(variables);
  const has = (prefix: string): boolean => names.some((n) => n.startsWith(prefix));
  if ((variables.basedir ?? '').startsWith('/rdsdbbin/') || has('rds_') || has('aurora_')) return 'rds';
  if (variables.aad_auth_only !== undefined || has('azure_')) return 'azure';
  if (/-google$/i.test(version) || has('cloudsql_')) return 'cloudsql';
  if (has('cdb_') || has('txsql_')) return 'tencentdb';
  return undefined;
}

interface ManagedControls {
  name: string;
  enableTls: string;
  requireTls: string;
  tlsVersions: string;
  cipher: string;
  certificate: string;
  performanceSchema: string;
  replication: string;
}

/** Where each managed service lets its users change what the audit finds (SET GLOBAL, my.cnf, restarts and certificate files are not theirs). */
const MANAGED: Record<ManagedService, ManagedControls> = {
  rds: {
    name: 'Amazon RDS',
    enableTls: 'RDS instances come with TLS; if it is off, check the instance with AWS support (the server files are not yours to change).',
    requireTls:
      'Set require_secure_transport = 1 in the DB parameter group attached to the instance (dynamic: no reboot), once every client connects with TLS.',
    tlsVersions: 'Set tls_version in the DB parameter group attached to the instance (it applies after a reboot).',
    cipher: 'Set ssl_cipher in the DB parameter group attached to the instance, or reset it to the default.',
    certificate:
      "RDS manages the server certificate: switch the instance to a current certificate authority (Modify > Certificate authority) and give clients RDS's CA bundle.",
    performanceSchema: 'Set performance_schema = 1 in the DB parameter group and reboot the instance.',
    replication:
      "Set replication up again with the RDS procedure and its ssl_encryption = 1 argument (CALL mysql.rds_set_external_source, or mysql.rds_set_external_master on older versions), after importing the source's CA with mysql.rds_import_binlog_ssl_material.",
  },
  azure: {
    name: 'Azure Database for MySQL Flexible Server',
    enableTls: 'Azure Flexible Server has TLS on; set require_secure_transport and tls_version in the server parameters (Azure portal > Server parameters).',
    requireTls:
      'Set the server parameter require_secure_transport = ON (Azure portal > Server parameters, or az mysql flexible-server parameter set); ON is the default.',
    tlsVersions: 'Set the server parameter tls_version (TLSv1.2 is the default; add TLSv1.3 if clients support it) in Azure portal > Server parameters.',
    cipher: 'Azure does not let the cipher list be changed; nothing to do on the server.',
    certificate: 'Azure manages the server certificate; give clients the CA certificates Azure publishes for Flexible Server.',
    performanceSchema: 'Set the server parameter performance_schema = ON (Azure portal > Server parameters; it needs a restart).',
    replication:
      "Set data-in replication up again with CALL mysql.az_replication_change_master_with_gtid / az_replication_change_master, passing the source's CA certificate.",
  },
  cloudsql: {
    name: 'Google Cloud SQL',
    enableTls:
      'Cloud SQL instances always have a server certificate; set the instance\'s SSL mode (console: Connections > Security, "Allow only SSL connections"; or gcloud sql instances patch INSTANCE --ssl-mode=ENCRYPTED_ONLY).',
    requireTls:
      "Set the instance's SSL mode to ENCRYPTED_ONLY or TRUSTED_CLIENT_CERTIFICATE_REQUIRED (console: Connections > Security; or gcloud sql instances patch INSTANCE --ssl-mode=ENCRYPTED_ONLY). The Cloud SQL Auth Proxy and connectors always use TLS.",
    tlsVersions:
      'Cloud SQL chooses the TLS versions; tls_version is not one of the flags it lets you set. Connect through the Cloud SQL Auth Proxy or a connector for TLS 1.3.',
    cipher: 'Cloud SQL does not let the cipher list be changed; nothing to do on the server.',
    certificate: 'Rotate the server CA in Cloud SQL (gcloud sql ssl server-ca-certs create, then rotate) and give clients the new server-ca.pem.',
    performanceSchema:
      'Set the performance_schema flag on the instance (gcloud sql instances patch INSTANCE --database-flags=performance_schema=on; it restarts the instance).',
    replication: "Set replication from the external server up again through Cloud SQL's external server configuration, with the source's CA certificate.",
  },
  tencentdb: {
    name: 'TencentDB for MySQL',
    enableTls:
      'Enable SSL in the TencentDB console (instance > Data Security > SSL); the instance restarts, and a new certificate is generated each time SSL is switched on. Give clients the CA from the Download button.',
    requireTls:
      "Switch SSL on in the TencentDB console (instance > Data Security > SSL); whether the console's parameter settings offer require_secure_transport is not in TencentDB's SSL documentation: check there, or REQUIRE SSL per account.",
    tlsVersions: "Change TLS versions through the TencentDB console's parameter settings, if offered; the server's files are not yours to change.",
    cipher: "Change the cipher list through the TencentDB console's parameter settings, if offered.",
    certificate:
      "The certificate is TencentDB's: switching SSL off and on in the console (Data Security > SSL) generates a new one; download the new CA for clients.",
    performanceSchema: "Set performance_schema in the TencentDB console's parameter settings (it restarts the instance).",
    replication: 'Replication into TencentDB is set up in its console (data migration / sync), not with CHANGE REPLICATION SOURCE.',
  },
};

/** The statements a fix names, in the form this server version accepts. */
interface FixStatements {
  /** Reloads the certificate and TLS settings without a restart, or undefined when only a restart does. */
  reloadTls?: string;
  persist: (assignment: string) => string;
  replication: string;
  verifyReplication: string;
}

function fixStatements(flavor: ServerFlavor, v: [number, number, number] | undefined): FixStatements {
  if (flavor === 'mariadb') {
    return {
      reloadTls: 'FLUSH SSL',
      persist: (a) => `SET GLOBAL ${a} (and ${a} in [mysqld] to keep it after a restart)`,
      replication: 'STOP SLAVE; CHANGE MASTER TO MASTER_SSL=1, MASTER_SSL_CA=..., MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE;',
      verifyReplication: "Set MASTER_SSL_VERIFY_SERVER_CERT=1 with the primary's CA (MASTER_SSL_CA).",
    };
  }
  const replica = atLeast(v, 8, 0, 22);
  const source = atLeast(v, 8, 0, 23);
  const change = source
    ? 'CHANGE REPLICATION SOURCE TO SOURCE_SSL=1, SOURCE_SSL_CA=..., SOURCE_SSL_VERIFY_SERVER_CERT=1'
    : 'CHANGE MASTER TO MASTER_SSL=1, MASTER_SSL_CA=..., MASTER_SSL_VERIFY_SERVER_CERT=1';
  return {
    reloadTls: atLeast(v, 8, 0, 16) ? 'ALTER INSTANCE RELOAD TLS' : undefined,
    persist: (a) => (atLeast(v, 8, 0, 0) ? `SET PERSIST ${a}` : `SET GLOBAL ${a} (and ${a} in [mysqld] to keep it after a restart)`),
    replication: `${replica ? 'STOP REPLICA' : 'STOP SLAVE'}; ${change}; ${replica ? 'START REPLICA' : 'START SLAVE'};`,
    verifyReplication: source
      ? "Set SOURCE_SSL_VERIFY_SERVER_CERT=1 (CHANGE REPLICATION SOURCE TO) with the primary's CA."
      : "Set MASTER_SSL_VERIFY_SERVER_CERT=1 (CHANGE MASTER TO) with the primary's CA.",
  };
}

const GROUP_REPLICATION_CHANNEL = /^group_replication_/;

export async function auditServerTls(runner: SqlRunner, opts: { now?: Date } = {}): Promise<ServerTlsAudit> {
  const now = opts.now ?? new Date();
  const { rows: vrows } = await runner.query<{ version: string; comment: string }[]>(SQL.version);
  const version = String(vrows[0]?.version ?? '');
  const flavor = detectFlavor(version, String(vrows[0]?.comment ?? ''));
  // The version first: what a server can be asked (and which statements it accepts) depends on it.
  const v = parseServerVersion(version);
  const mysql56 = flavor === 'mysql' && v !== undefined && !atLeast(v, 5, 7, 0);
  const variables = await keyValues(runner, SQL.variables);
  const status = await keyValues(runner, SQL.status);
  const findings: AuditFinding[] = [];
  const managed = flavor === 'mysql' ? detectManagedService(version, variables) : undefined;
  const control = managed ? MANAGED[managed] : undefined;
  const stmt = fixStatements(flavor, v);
  const audit: ServerTlsAudit = { flavor, version, generatedAt: now.toISOString(), variables, status, findings, ...(managed ? { managed } : {}) };
  if (control) {
    findings.push({
      id: 'server-version',
      severity: 'info',
      title: `Managed service: ${control.name}`,
      detail: `The server shows the marks of ${control.name}: the fixes below name its own controls, not SET GLOBAL, my.cnf or certificate files, which it does not let you change.`,
      measured: true,
    });
  }
  if (mysql56) {
    findings.push({
      id: 'server-version',
      severity: 'warning',
      title: 'MySQL 5.6: parts of the audit cannot be made',
      detail: `MySQL ${version} has no require_secure_transport (5.7.8+), no account locking (5.7.6+), no performance_schema replication tables (5.7.2+) and no per-connection transport in performance_schema.threads (5.7+): those checks are reported as not measured because the server cannot answer them, not for lack of privileges. MySQL 5.6 is past its end of life (February 2021).`,
      fix: control ? `Upgrade the instance to MySQL 8.0 in the ${control.name} console.` : 'Upgrade to MySQL 8.0 or 8.4 LTS.',
      measured: true,
    });
  }

  // TLS available, and the TLS context in force per channel (MySQL 8.0.21+)
  let tlsOn: boolean | undefined;
  let tlsHow = '';
  const haveSsl = variables.have_ssl?.toUpperCase();
  const channels = new Map<string, Record<string, string>>();
  if (flavor === 'mysql' && SQL.mysql.tlsChannel && !mysql56) {
    try {
      const { rows } = await runner.query<{ channel: string; property: string; value: string }[]>(SQL.mysql.tlsChannel);
      for (const r of rows) {
        const ch = channels.get(String(r.channel)) ?? {};
        ch[String(r.property).toLowerCase()] = String(r.value ?? '');
        channels.set(String(r.channel), ch);
      }
      const enabled = channels.get('mysql_main')?.enabled;
      if (enabled !== undefined) {
        tlsOn = enabled.toLowerCase() === 'yes';
        tlsHow = `performance_schema.tls_channel_status says Enabled=${enabled}`;
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
  // version_ssl_library is MariaDB's; MySQL 8.0.30+ names its library in Tls_library_version.
  const library = variables.version_ssl_library || status.tls_library_version || '';
  findings.push(
    tlsOn === undefined
      ? {
          id: 'tls-available',
          severity: 'warning',
          title: 'TLS availability unknown',
          detail: 'Neither have_ssl nor tls_channel_status could be read.',
          measured: false,
        }
      : tlsOn
        ? { id: 'tls-available', severity: 'ok', title: 'TLS is available', detail: `${tlsHow}${library ? `; ${library}` : ''}.`, measured: true }
        : {
            id: 'tls-available',
            severity: 'critical',
            title: 'TLS is not available',
            detail: `${tlsHow}: every connection to this server is plaintext, including passwords and data.`,
            fix: control
              ? control.enableTls
              : `Configure ssl_ca, ssl_cert and ssl_key in [mysqld] (the "Generate certificate set" command writes them) and ${stmt.reloadTls && flavor === 'mysql' ? `run ${stmt.reloadTls} (or restart the server)` : 'restart the server'}.`,
            measured: true,
          },
  );

  // Protocol versions: those in force (Current_tls_version, tls_channel_status) over the configured tls_version,
  // which on MySQL 8.0.16+ only applies at the next ALTER INSTANCE RELOAD TLS.
  const splitList = (s: string | undefined): string[] =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const configured = splitList(variables.tls_version);
  const mainInForce = channels.get('mysql_main')?.current_tls_version ?? status.current_tls_version;
  const inForce = mainInForce !== undefined && mainInForce !== '' ? splitList(mainInForce) : undefined;
  const versions = inForce ?? configured;
  const tlsVersionFix = control
    ? control.tlsVersions
    : `${stmt.persist(`tls_version = '${v && !atLeast(v, 8, 0, 0) ? 'TLSv1.2' : 'TLSv1.2,TLSv1.3'}'`)}${stmt.reloadTls && flavor === 'mysql' ? `; ${stmt.reloadTls}` : ''}${flavor === 'mysql' && !stmt.reloadTls ? '; tls_version is read at startup on this version: restart the server' : ''}.`;
  const oldOf = (list: string[]): string[] => list.filter((x) => OLD_PROTOCOLS.includes(x));
  if (versions.length === 0) {
    findings.push({
      id: 'tls-versions',
      severity: 'info',
      title: 'TLS protocol versions not reported',
      detail: 'The server has no tls_version variable (older server): it accepts what its TLS library allows.',
      measured: false,
    });
  } else {
    const old = oldOf(versions);
    const source = inForce ? `In force (Current_tls_version): ${versions.join(',')}` : `tls_version = ${versions.join(',')}`;
    const pending =
      inForce && configured.length && configured.join(',') !== versions.join(',')
        ? ` tls_version is set to ${configured.join(',')} but not in force yet: it applies at the next ${stmt.reloadTls ?? 'restart'}.`
        : '';
    findings.push(
      old.length
        ? {
            id: 'tls-versions',
            severity: tlsOn ? 'warning' : 'info',
            title: 'Deprecated TLS versions enabled',
            detail: `${source}; ${old.join(', ')} ${old.length > 1 ? 'are' : 'is'} deprecated (removed in MySQL 8.0.28).${pending}`,
            fix:
              pending && oldOf(configured).length === 0 && stmt.reloadTls && !control
                ? `Run ${stmt.reloadTls} to put the configured versions in force.`
                : tlsVersionFix,
            measured: true,
          }
        : {
            id: 'tls-versions',
            severity: pending ? 'warning' : 'ok',
            title: 'Only current TLS versions enabled',
            detail: `${source}.${pending}`,
            ...(pending ? { fix: stmt.reloadTls && !control ? `Check tls_version, then run ${stmt.reloadTls}.` : tlsVersionFix } : {}),
            measured: true,
          },
    );
  }
  // The admin interface (MySQL 8.0.21+, admin_address set) has its own TLS context.
  const admin = channels.get('mysql_admin');
  if (admin) {
    const adminVersions = splitList(admin.current_tls_version || variables.admin_tls_version);
    const old = oldOf(adminVersions);
    findings.push(
      old.length
        ? {
            id: 'admin-tls',
            severity: 'warning',
            title: 'Deprecated TLS versions on the admin interface',
            detail: `mysql_admin channel in force: ${adminVersions.join(',')}; ${old.join(', ')} deprecated.`,
            fix: control ? control.tlsVersions : `${stmt.persist("admin_tls_version = 'TLSv1.2,TLSv1.3'")}; ALTER INSTANCE RELOAD TLS FOR CHANNEL mysql_admin.`,
            measured: true,
          }
        : {
            id: 'admin-tls',
            severity: 'ok',
            title: 'Admin interface: only current TLS versions',
            detail: `mysql_admin channel in force: ${adminVersions.join(',') || '(none)'}, Enabled=${admin.enabled ?? '?'}.`,
            measured: true,
          },
    );
  }

  // Cipher list (the one in force on MySQL 8.0.16+)
  const cipher = status.current_tls_cipher ?? variables.ssl_cipher ?? '';
  if (cipher === '') {
    findings.push({
      id: 'ssl-cipher',
      severity: 'info',
      title: 'Default cipher list',
      detail: "ssl_cipher is empty: the TLS library's default cipher list is used (sound for current OpenSSL).",
      measured: true,
    });
  } else {
    const weak = cipher.split(':').filter((c) => WEAK_CIPHER.test(c) && !c.startsWith('!'));
    findings.push(
      weak.length
        ? {
            id: 'ssl-cipher',
            severity: 'warning',
            title: 'Weak ciphers allowed',
            detail: `${status.current_tls_cipher !== undefined ? 'The cipher list in force (Current_tls_cipher)' : 'ssl_cipher'} allows ${weak.join(', ')}.`,
            fix: control
              ? control.cipher
              : 'Remove RC4/DES/3DES/MD5/NULL/EXPORT/anonymous ciphers from ssl_cipher, or leave it empty for the library defaults.',
            measured: true,
          }
        : {
            id: 'ssl-cipher',
            severity: 'ok',
            title: 'Cipher list restricted',
            detail: `${status.current_tls_cipher !== undefined ? 'Current_tls_cipher' : 'ssl_cipher'} = ${cipher}.`,
            measured: true,
          },
    );
  }

  // require_secure_transport
  const rst = (variables.require_secure_transport ?? '').toUpperCase();
  const rstOn = rst === 'ON' || rst === '1';
  if (variables.require_secure_transport === undefined) {
    findings.push({
      id: 'require-secure-transport',
      severity: 'warning',
      title: 'require_secure_transport not available',
      detail: `${mysql56 ? 'MySQL 5.6 has' : 'This server version has'} no require_secure_transport; enforce TLS per account (REQUIRE SSL).`,
      ...(control ? { fix: control.requireTls } : {}),
      measured: false,
    });
  } else if (rstOn) {
    findings.push({
      id: 'require-secure-transport',
      severity: 'ok',
      title: 'Plaintext TCP logins are refused',
      detail: 'require_secure_transport = ON (local socket connections remain allowed).',
      measured: true,
    });
  } else if (managed === 'cloudsql') {
    // Cloud SQL enforces TLS with the instance's SSL mode, outside the server's variables: OFF here does not show that plaintext is accepted.
    findings.push({
      id: 'require-secure-transport',
      severity: 'warning',
      title: "Plaintext logins: decided by the instance's SSL mode",
      detail:
        "require_secure_transport = OFF, but Cloud SQL enforces TLS with the instance's SSL mode (ENCRYPTED_ONLY, TRUSTED_CLIENT_CERTIFICATE_REQUIRED), which this variable does not necessarily show. Check it: gcloud sql instances describe INSTANCE --format='value(settings.ipConfiguration.sslMode)'.",
      fix: control!.requireTls,
      measured: false,
    });
  } else {
    findings.push({
      id: 'require-secure-transport',
      severity: 'critical',
      title: 'Plaintext logins are accepted',
      detail: 'require_secure_transport = OFF: any account without REQUIRE SSL/X509 can log in over plaintext TCP.',
      fix: control
        ? control.requireTls
        : tlsOn
          ? `${stmt.persist('require_secure_transport = ON')}, once every client connects with TLS.`
          : 'First enable TLS (ssl_ca/ssl_cert/ssl_key), then set require_secure_transport = ON.',
      measured: true,
    });
  }

  // Server certificate
  const renew = control
    ? control.certificate
    : stmt.reloadTls
      ? `reload with ${stmt.reloadTls}`
      : 'restart the server to load it (this version cannot reload TLS at runtime)';
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
        ? {
            id: 'server-certificate',
            severity: 'critical',
            title: 'The server certificate has expired',
            detail: `It expired on ${notAfter.toISOString()}; verifying clients refuse to connect.`,
            fix: control ? renew : `Install a new certificate and ${renew}.`,
            measured: true,
          }
        : days < 30
          ? {
              id: 'server-certificate',
              severity: 'warning',
              title: 'The server certificate expires soon',
              detail: `It expires in ${days} day(s), on ${notAfter.toISOString()}.`,
              fix: control ? renew : `Renew it now and ${renew}.`,
              measured: true,
            }
          : {
              id: 'server-certificate',
              severity: 'ok',
              title: 'The server certificate is valid',
              detail: `It expires in ${days} day(s), on ${notAfter.toISOString()}.`,
              measured: true,
            },
    );
  }

  // Accounts
  try {
    const { rows } = await runner.query<AccountRow[]>(mysql56 && SQL.mysql.accountsWithoutLocking ? SQL.mysql.accountsWithoutLocking : SQL[flavor].accounts);
    audit.accounts = rows.map((r) => {
      const user = String(r.user);
      const host = String(r.host);
      return { user, host, requirement: requirementOfRow(r), locked: Number(r.locked) === 1, local: LOCAL_HOSTS.has(host.toLowerCase()) };
    });
  } catch (e) {
    const table = flavor === 'mariadb' ? 'mysql.global_priv' : 'mysql.user';
    for (const id of ['accounts-without-tls', 'accounts-with-client-certificates'] as const) {
      findings.push({
        id,
        severity: 'info',
        title: 'Accounts could not be read',
        detail: `Reading ${table} failed: ${why(e)}.`,
        fix: `Run the audit as a user with SELECT on ${table}.`,
        measured: false,
      });
    }
  }
  if (audit.accounts) {
    const name = (a: AuditedAccount): string => `'${a.user}'@'${a.host}'`;
    const open = audit.accounts.filter((a) => !a.locked && a.requirement.type === 'NONE');
    const remote = open.filter((a) => !a.local);
    const list = (as: AuditedAccount[]): string => as.map(name).join(', ');
    const lockNote = mysql56 ? ' (MySQL 5.6 has no account locking: every account counts as unlocked)' : '';
    if (open.length === 0) {
      findings.push({
        id: 'accounts-without-tls',
        severity: 'ok',
        title: 'Every account requires TLS',
        detail: 'No unlocked account has REQUIRE NONE.',
        measured: true,
      });
    } else if (rstOn) {
      findings.push({
        id: 'accounts-without-tls',
        severity: 'info',
        title: 'Accounts without REQUIRE SSL (covered by require_secure_transport)',
        detail: `${list(open)} have REQUIRE NONE; require_secure_transport = ON refuses their plaintext TCP logins anyway.`,
        measured: true,
      });
    } else if (remote.length) {
      findings.push({
        id: 'accounts-without-tls',
        severity: 'critical',
        title: 'Accounts can log in without TLS',
        detail: `${list(remote)} can log in over plaintext from ${[...new Set(remote.map((a) => (a.host === '%' ? 'any host' : a.host)))].join(', ')}${open.length > remote.length ? `; local only: ${list(open.filter((a) => a.local))}` : ''}${lockNote}.`,
        fix: `ALTER USER 'user'@'host' REQUIRE SSL (or X509) for each${variables.require_secure_transport === undefined ? '' : control ? `, or require TLS for every login: ${control.requireTls}` : `, or ${stmt.persist('require_secure_transport = ON')}`}.`,
        measured: true,
      });
    } else {
      findings.push({
        id: 'accounts-without-tls',
        severity: 'info',
        title: 'Only local accounts can log in without TLS',
        detail: `${list(open)} (loopback/socket only)${lockNote}.`,
        measured: true,
      });
    }
    const certAccounts = audit.accounts.filter((a) => a.requirement.type === 'X509' || a.requirement.type === 'SPECIFIED');
    findings.push({
      id: 'accounts-with-client-certificates',
      severity: 'info',
      title: certAccounts.length ? 'Accounts that need a client certificate' : 'No account needs a client certificate',
      detail: certAccounts.length
        ? certAccounts.map((a) => `${name(a)} REQUIRE ${requirementLabel(a.requirement)}`).join('; ')
        : 'No account has REQUIRE X509, ISSUER or SUBJECT.',
      ...(certAccounts.length && !tlsOn
        ? { severity: 'warning' as const, fix: 'These accounts cannot log in at all while TLS is off: enable TLS on the server.' }
        : {}),
      measured: true,
    });
  }

  // Replication (asynchronous channels; Group Replication's own channels are judged by its variables below)
  if (mysql56) {
    findings.push({
      id: 'replication-tls',
      severity: 'info',
      title: 'Replication not checked on MySQL 5.6',
      detail: 'MySQL 5.6 has no performance_schema.replication_connection_configuration; this audit does not read SHOW SLAVE STATUS there.',
      fix: 'On the replica, check Master_SSL_Allowed and Master_SSL_Verify_Server_Cert in SHOW SLAVE STATUS.',
      measured: false,
    });
  } else {
    try {
      const { rows } = await runner.query<Record<string, unknown>[]>(SQL[flavor].replication);
      const all = rows.map((r) => SQL[flavor].replicationRow(r) as ReplicationChannel);
      // group_replication_applier/_recovery rows show HOST '<NULL>' and SSL_ALLOWED 'NO' whatever the group's TLS is.
      audit.replication = flavor === 'mysql' ? all.filter((c) => !GROUP_REPLICATION_CHANNEL.test(c.channel)) : all;
      const chans = audit.replication;
      const label = (c: ReplicationChannel): string => `${c.channel ? `"${c.channel}"` : 'default channel'} (${c.host})`;
      const plain = chans.filter((c) => !c.sslAllowed);
      const unverified = chans.filter((c) => c.sslAllowed && !c.sslVerifyServerCert && !c.sslCaSet);
      const chainOnly = chans.filter((c) => c.sslAllowed && !c.sslVerifyServerCert && c.sslCaSet);
      if (chans.length === 0)
        findings.push({
          id: 'replication-tls',
          severity: 'info',
          title: 'No replication channels',
          detail: all.length
            ? 'This server replicates only through Group Replication (judged separately).'
            : 'This server does not replicate from another server.',
          measured: true,
        });
      else if (plain.length)
        findings.push({
          id: 'replication-tls',
          severity: 'critical',
          title: 'Replication without TLS',
          detail: `${plain.map(label).join(', ')} replicate${plain.length === 1 ? 's' : ''} in plaintext (data and replication password).`,
          fix: control ? control.replication : stmt.replication,
          measured: true,
        });
      else if (unverified.length)
        findings.push({
          id: 'replication-tls',
          severity: 'warning',
          title: 'Replication encrypted but not verified',
          detail: `${unverified.map(label).join(', ')} do not verify the primary's certificate.`,
          fix: control ? control.replication : stmt.verifyReplication,
          measured: true,
        });
      else if (chainOnly.length)
        findings.push({
          id: 'replication-tls',
          severity: 'info',
          title: 'Replication verifies the chain, not the host name',
          detail: `${chainOnly.map(label).join(', ')}: a CA is set, so the replica verifies the primary's certificate chain (VERIFY_CA), but not that it names the primary's host.`,
          fix: control ? control.replication : stmt.verifyReplication,
          measured: true,
        });
      else
        findings.push({ id: 'replication-tls', severity: 'ok', title: 'Replication uses verified TLS', detail: chans.map(label).join(', '), measured: true });
    } catch (e) {
      findings.push({
        id: 'replication-tls',
        severity: 'info',
        title: 'Replication could not be checked',
        detail: `${SQL[flavor].replication} failed: ${why(e)}.`,
        fix:
          flavor === 'mariadb'
            ? 'Run the audit as a user with the REPLICA MONITOR (or SUPER) privilege.'
            : 'Run the audit as a user that can read performance_schema.',
        measured: false,
      });
    }
  }

  // Group Replication: its transport is group_replication_ssl_mode, its distributed recovery group_replication_recovery_use_ssl.
  const grMode = variables.group_replication_ssl_mode?.toUpperCase();
  if (flavor === 'mysql' && grMode !== undefined) {
    const recoverySsl = ['ON', '1'].includes((variables.group_replication_recovery_use_ssl ?? '').toUpperCase());
    const grFix = `${stmt.persist("group_replication_ssl_mode = 'VERIFY_IDENTITY'")} and ${stmt.persist('group_replication_recovery_use_ssl = ON')} on every member (with group_replication_recovery_ssl_ca), then restart Group Replication member by member (STOP GROUP_REPLICATION; START GROUP_REPLICATION).`;
    const plainParts = [
      grMode === 'DISABLED' ? 'group communication (group_replication_ssl_mode = DISABLED)' : '',
      !recoverySsl ? "distributed recovery, with the recovery user's password (group_replication_recovery_use_ssl = OFF)" : '',
    ].filter(Boolean);
    findings.push(
      plainParts.length
        ? {
            id: 'group-replication-tls',
            severity: 'critical',
            title: 'Group Replication without TLS',
            detail: `In plaintext: ${plainParts.join('; ')}.`,
            fix: control ? control.replication : grFix,
            measured: true,
          }
        : grMode === 'REQUIRED'
          ? {
              id: 'group-replication-tls',
              severity: 'warning',
              title: 'Group Replication encrypted but not verified',
              detail: "group_replication_ssl_mode = REQUIRED: members encrypt but do not verify each other's certificates.",
              fix: control ? control.replication : grFix,
              measured: true,
            }
          : grMode === 'VERIFY_CA'
            ? {
                id: 'group-replication-tls',
                severity: 'info',
                title: 'Group Replication verifies the chain, not the host name',
                detail: 'group_replication_ssl_mode = VERIFY_CA; distributed recovery uses TLS.',
                measured: true,
              }
            : {
                id: 'group-replication-tls',
                severity: 'ok',
                title: 'Group Replication uses verified TLS',
                detail: `group_replication_ssl_mode = ${grMode}; distributed recovery uses TLS.`,
                measured: true,
              },
    );
  }

  // Encrypted share of connections
  const connections: NonNullable<ServerTlsAudit['connections']> = {};
  const total = Number(status.connections);
  const handshakes = Number(status.ssl_finished_accepts ?? status.ssl_accepts);
  if (Number.isFinite(total) && Number.isFinite(handshakes) && status.connections !== undefined)
    connections.sinceStart = { connections: total, tlsHandshakes: handshakes };
  let currentWhy = '';
  const pfsOn = ['ON', '1'].includes((variables.performance_schema ?? '').toUpperCase());
  if (mysql56) {
    currentWhy = 'MySQL 5.6 shows no per-connection transport (performance_schema.threads has no CONNECTION_TYPE before 5.7)';
  } else if (pfsOn) {
    try {
      const { rows } = await runner.query<{ connection_type: string | null; n: number | string }[]>(SQL.connectionTypes);
      const count = (type: string): number => rows.filter((r) => r.connection_type === type).reduce((sum, r) => sum + Number(r.n), 0);
      // TCP connections only: a socket (or named pipe, shared memory) never leaves the host and has no TLS to count.
      const encrypted = count('SSL/TLS');
      connections.current = { total: encrypted + count('TCP/IP'), encrypted, local: count('Socket') + count('Named Pipe') + count('Shared Memory') };
    } catch (e) {
      currentWhy = `performance_schema.threads could not be read: ${why(e)}`;
    }
  } else {
    currentWhy = 'performance_schema is OFF, and MariaDB/MySQL show no per-connection TLS state anywhere else (PROCESSLIST has none)';
  }
  audit.connections = connections;
  const since = connections.sinceStart
    ? `Since the server started, ${connections.sinceStart.tlsHandshakes} of ${connections.sinceStart.connections} connection attempts completed a TLS handshake (Ssl_finished_accepts / Connections; failed logins count too).`
    : 'The Ssl_accepts/Connections counters were not available.';
  if (connections.current) {
    const { total: t, encrypted: enc, local } = connections.current;
    findings.push({
      id: 'encrypted-connections',
      severity: t > enc ? 'warning' : 'ok',
      title: `${enc} of ${t} current TCP connections are encrypted`,
      detail: `${since} Current connections measured with performance_schema.threads (CONNECTION_TYPE)${local ? `; ${local} local socket connection${local === 1 ? '' : 's'} not counted` : ''}.`,
      ...(t > enc
        ? {
            fix: "Find the plaintext clients (SELECT PROCESSLIST_USER, PROCESSLIST_HOST FROM performance_schema.threads WHERE CONNECTION_TYPE = 'TCP/IP') and switch them to a TLS mode.",
          }
        : {}),
      measured: true,
    });
  } else {
    const plaintextSeen = connections.sinceStart ? connections.sinceStart.connections > connections.sinceStart.tlsHandshakes : false;
    findings.push({
      id: 'encrypted-connections',
      severity: plaintextSeen && !rstOn ? 'warning' : 'info',
      title: 'Share of encrypted current connections not measured',
      detail: `${currentWhy}. ${since}${Number.isFinite(Number(status.threads_connected)) ? ` Threads_connected = ${status.threads_connected}.` : ''}`,
      ...(mysql56
        ? {}
        : {
            fix: control
              ? control.performanceSchema
              : 'Enable performance_schema (performance_schema = ON in [mysqld], restart) to count encrypted connections one by one.',
          }),
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
  const service = audit.managed ? ` (${MANAGED[audit.managed].name})` : '';
  const out: string[] = [
    `# ${escapeMarkdown(title)}`,
    '',
    `${audit.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${escapeMarkdown(audit.version)}${escapeMarkdown(service)}, ${escapeMarkdown(audit.generatedAt)}`,
    '',
  ];
  const counts = SEVERITY_ORDER.map((s) => `${audit.findings.filter((f) => f.severity === s).length} ${SEVERITY_LABEL[s].toLowerCase()}`);
  out.push(`Findings: ${counts.join(', ')}.`, '', '| Severity | Check | Detail | Fix |', '|---|---|---|---|');
  const sorted = [...audit.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  for (const f of sorted)
    out.push(`| ${SEVERITY_LABEL[f.severity]}${f.measured ? '' : ' (not measured)'} | ${cell(f.title)} | ${cell(f.detail)} | ${cell(f.fix ?? '')} |`);
  if (audit.accounts?.length) {
    out.push('', '## Accounts', '', '| Account | Requirement | Notes |', '|---|---|---|');
    for (const a of audit.accounts)
      out.push(
        `| ${cell(`'${a.user}'@'${a.host}'`)} | ${cell(`REQUIRE ${requirementLabel(a.requirement)}`)} | ${[a.locked ? 'locked' : '', a.local ? 'local only' : ''].filter(Boolean).join(', ')} |`,
      );
  }
  if (audit.replication?.length) {
    out.push('', '## Replication channels', '', '| Channel | Primary | TLS | Verifies certificate |', '|---|---|---|---|');
    for (const c of audit.replication)
      out.push(
        `| ${cell(c.channel || '(default)')} | ${cell(c.host)} | ${c.sslAllowed ? 'yes' : 'no'} | ${c.sslVerifyServerCert ? 'yes' : c.sslCaSet ? 'chain only, not the host name' : 'no'} |`,
      );
  }
  return out.join('\n') + '\n';
}
