/**
 * Every SQL statement the server audit and the account tools run, per server flavor, in one place.
 * MariaDB and MySQL 8 keep TLS facts in different tables (mysql.global_priv JSON vs mysql.user columns,
 * SHOW ALL SLAVES STATUS vs performance_schema), so the differences live here and nowhere else.
 */

export type ServerFlavor = 'mariadb' | 'mysql';

/**
 * The minimal query port: Session fits it. Statements with values go through `execute` (a server-side prepared
 * statement): client-side escaping (`query` with values) writes \' for a quote, which NO_BACKSLASH_ESCAPES
 * reads as a backslash and the end of the string, so a crafted name would rewrite the statement.
 */
export interface SqlRunner {
  query<T = Record<string, unknown>[]>(sql: string): Promise<{ rows: T }>;
  execute<T = Record<string, unknown>[]>(sql: string, values: unknown[]): Promise<{ rows: T }>;
}

export function detectFlavor(version: string, versionComment = ''): ServerFlavor {
  return /mariadb/i.test(version) || /mariadb/i.test(versionComment) ? 'mariadb' : 'mysql';
}

export const TLS_VARIABLES = [
  'have_ssl',
  'have_openssl',
  'tls_version',
  'ssl_cipher',
  'require_secure_transport',
  'ssl_ca',
  'ssl_cert',
  'ssl_key',
  'version_ssl_library',
  'performance_schema',
  // MySQL 8.0.21+: the admin interface's own TLS settings
  'admin_address',
  'admin_tls_version',
  // Group Replication's transport (only present while its plugin is loaded)
  'group_replication_ssl_mode',
  'group_replication_recovery_use_ssl',
  // Managed-service fingerprints (RDS: basedir /rdsdbbin/...; Azure Flexible Server: aad_auth_only)
  'basedir',
  'aad_auth_only',
] as const;
/** Name prefixes of variables only managed services define (RDS/Aurora, Azure, Cloud SQL, TencentDB). */
export const MANAGED_VARIABLE_PREFIXES = ['rds_', 'aurora_', 'azure_', 'cloudsql_', 'cdb_', 'txsql_'] as const;
export const TLS_STATUS = [
  'Ssl_accepts',
  'Ssl_finished_accepts',
  'Connections',
  'Threads_connected',
  'Ssl_server_not_before',
  'Ssl_server_not_after',
  // MySQL 8.0.16+: the TLS context in force (tls_version & co. are what the next ALTER INSTANCE RELOAD TLS loads)
  'Current_tls_version',
  'Current_tls_cipher',
  'Current_tls_ciphersuites',
  // MySQL 8.0.30+
  'Tls_library_version',
] as const;

const inList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(',');

export interface FlavorSql {
  /** Rows: user, host, ssl_type (NONE|SSL|X509|SPECIFIED), issuer, subject, cipher, locked (0/1). */
  accounts: string;
  /** Same columns for one account; placeholders user, host. */
  account: string;
  /** Rows with channel, host, ssl_allowed ('Yes'/'No'), ssl_verify ('Yes'/'No'). */
  replication: string;
  /** Normalizes a row of `replication` (the two flavors name the columns differently). */
  replicationRow: (row: Record<string, unknown>) => { channel: string; host: string; sslAllowed: boolean; sslVerifyServerCert: boolean; sslCaSet?: boolean };
  /** MySQL 8.0.21+: the TLS context in force per channel (mysql_main, mysql_admin); rows channel, property, value. */
  tlsChannel?: string;
  /** MySQL 5.6: `accounts` without account_locked (added in 5.7.6); locked reads 0. */
  accountsWithoutLocking?: string;
}

export const SQL = {
  version: 'SELECT VERSION() AS version, @@version_comment AS comment',
  // LEFT(), not LIKE 'rds\\_%': a LIKE escape reads differently under NO_BACKSLASH_ESCAPES.
  variables: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${inList(TLS_VARIABLES)})${MANAGED_VARIABLE_PREFIXES.map((p) => ` OR LEFT(Variable_name, ${p.length}) = '${p}'`).join('')}`,
  status: `SHOW GLOBAL STATUS WHERE Variable_name IN (${inList(TLS_STATUS)})`,
  sqlMode: 'SELECT @@SESSION.sql_mode AS sql_mode',
  requireSecureTransport: 'SELECT @@GLOBAL.require_secure_transport AS rst',
  /**
   * Client connections by transport (needs performance_schema; MySQL 5.7+, MariaDB 10.5+): CONNECTION_TYPE is
   * 'SSL/TLS', 'TCP/IP', 'Socket', 'Named Pipe', 'Shared Memory', or NULL for the 8.0 event scheduler, which is
   * a FOREGROUND thread with a processlist id. Per-thread Ssl_cipher cannot tell a socket from plaintext TCP.
   */
  connectionTypes:
    "SELECT CONNECTION_TYPE AS connection_type, COUNT(*) AS n FROM performance_schema.threads WHERE TYPE = 'FOREGROUND' AND PROCESSLIST_ID IS NOT NULL GROUP BY CONNECTION_TYPE",
  mariadb: {
    accounts: `SELECT User AS user, Host AS host,
        CASE CAST(COALESCE(JSON_VALUE(Priv, '$.ssl_type'), 0) AS UNSIGNED) WHEN 1 THEN 'SSL' WHEN 2 THEN 'X509' WHEN 3 THEN 'SPECIFIED' ELSE 'NONE' END AS ssl_type,
        COALESCE(JSON_VALUE(Priv, '$.x509_issuer'), '') AS issuer, COALESCE(JSON_VALUE(Priv, '$.x509_subject'), '') AS subject,
        COALESCE(JSON_VALUE(Priv, '$.ssl_cipher'), '') AS cipher,
        IF(JSON_VALUE(Priv, '$.account_locked') IN ('1', 'true'), 1, 0) AS locked
      FROM mysql.global_priv WHERE COALESCE(JSON_VALUE(Priv, '$.is_role'), 'false') NOT IN ('1', 'true') ORDER BY User, Host`,
    account: `SELECT User AS user, Host AS host,
        CASE CAST(COALESCE(JSON_VALUE(Priv, '$.ssl_type'), 0) AS UNSIGNED) WHEN 1 THEN 'SSL' WHEN 2 THEN 'X509' WHEN 3 THEN 'SPECIFIED' ELSE 'NONE' END AS ssl_type,
        COALESCE(JSON_VALUE(Priv, '$.x509_issuer'), '') AS issuer, COALESCE(JSON_VALUE(Priv, '$.x509_subject'), '') AS subject,
        COALESCE(JSON_VALUE(Priv, '$.ssl_cipher'), '') AS cipher,
        IF(JSON_VALUE(Priv, '$.account_locked') IN ('1', 'true'), 1, 0) AS locked
      FROM mysql.global_priv WHERE User = ? AND Host = ?`,
    replication: 'SHOW ALL SLAVES STATUS',
    replicationRow: (r) => ({
      channel: String(r.Connection_name ?? ''),
      host: `${String(r.Master_Host ?? '')}:${String(r.Master_Port ?? '')}`,
      sslAllowed: String(r.Master_SSL_Allowed ?? '').toLowerCase() === 'yes',
      sslVerifyServerCert: String(r.Master_SSL_Verify_Server_Cert ?? '').toLowerCase() === 'yes',
    }),
  },
  mysql: {
    accounts: `SELECT User AS user, Host AS host, IF(ssl_type = '', 'NONE', IF(ssl_type = 'ANY', 'SSL', ssl_type)) AS ssl_type,
        CONVERT(x509_issuer USING utf8mb4) AS issuer, CONVERT(x509_subject USING utf8mb4) AS subject, CONVERT(ssl_cipher USING utf8mb4) AS cipher,
        IF(account_locked = 'Y', 1, 0) AS locked
      FROM mysql.user ORDER BY User, Host`,
    account: `SELECT User AS user, Host AS host, IF(ssl_type = '', 'NONE', IF(ssl_type = 'ANY', 'SSL', ssl_type)) AS ssl_type,
        CONVERT(x509_issuer USING utf8mb4) AS issuer, CONVERT(x509_subject USING utf8mb4) AS subject, CONVERT(ssl_cipher USING utf8mb4) AS cipher,
        IF(account_locked = 'Y', 1, 0) AS locked
      FROM mysql.user WHERE User = ? AND Host = ?`,
    get accountsWithoutLocking(): string {
      return withoutAccountLocked(this.accounts);
    },
    replication:
      'SELECT CHANNEL_NAME AS channel, HOST AS host, PORT AS port, SSL_ALLOWED AS ssl_allowed, SSL_VERIFY_SERVER_CERTIFICATE AS ssl_verify, SSL_CA_FILE AS ssl_ca_file, SSL_CA_PATH AS ssl_ca_path FROM performance_schema.replication_connection_configuration',
    replicationRow: (r) => ({
      channel: String(r.channel ?? ''),
      host: `${String(r.host ?? '')}:${String(r.port ?? '')}`,
      sslAllowed: String(r.ssl_allowed ?? '').toLowerCase() === 'yes',
      sslVerifyServerCert: String(r.ssl_verify ?? '').toLowerCase() === 'yes',
      // The replica verifies the chain whenever a CA is set (VERIFY_CA), and the host name only with VERIFY_SERVER_CERT.
      sslCaSet: String(r.ssl_ca_file ?? '') !== '' || String(r.ssl_ca_path ?? '') !== '',
    }),
    tlsChannel: 'SELECT CHANNEL AS channel, PROPERTY AS property, VALUE AS value FROM performance_schema.tls_channel_status',
  },
} as const satisfies Record<string, unknown> & Record<ServerFlavor, FlavorSql>;

/** Raw account row as both flavors' queries return it. */
export interface AccountRow {
  user: string;
  host: string;
  ssl_type: 'NONE' | 'SSL' | 'X509' | 'SPECIFIED';
  issuer: string | Buffer | null;
  subject: string | Buffer | null;
  cipher: string | Buffer | null;
  locked: number | string;
}

/**
 * The same account query for MySQL 5.6, whose mysql.user has no account_locked column (added in 5.7.6):
 * locked reads 0 there.
 */
export function withoutAccountLocked(sql: string): string {
  return sql.replace("IF(account_locked = 'Y', 1, 0) AS locked", '0 AS locked');
}

/** MySQL's "unknown column" error (1054): what a 5.6 server answers to a query that names account_locked. */
export function isUnknownColumn(e: unknown): boolean {
  return (e as { errno?: number }).errno === 1054;
}
