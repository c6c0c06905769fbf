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

export const TLS_VARIABLES = ['have_ssl', 'have_openssl', 'tls_version', 'ssl_cipher', 'require_secure_transport', 'ssl_ca', 'ssl_cert', 'ssl_key', 'version_ssl_library', 'performance_schema'] as const;
export const TLS_STATUS = ['Ssl_accepts', 'Ssl_finished_accepts', 'Connections', 'Threads_connected', 'Ssl_server_not_before', 'Ssl_server_not_after'] as const;

const inList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(',');

export interface FlavorSql {
  /** Rows: user, host, ssl_type (NONE|SSL|X509|SPECIFIED), issuer, subject, cipher, locked (0/1). */
  accounts: string;
  /** Same columns for one account; placeholders user, host. */
  account: string;
  /** Rows with channel, host, ssl_allowed ('Yes'/'No'), ssl_verify ('Yes'/'No'). */
  replication: string;
  /** Normalizes a row of `replication` (the two flavors name the columns differently). */
  replicationRow: (row: Record<string, unknown>) => { channel: string; host: string; sslAllowed: boolean; sslVerifyServerCert: boolean };
  /** MySQL 8: whether the main TLS channel is enabled (have_ssl is deprecated there). */
  tlsChannel?: string;
}

export const SQL = {
  version: 'SELECT VERSION() AS version, @@version_comment AS comment',
  variables: `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${inList(TLS_VARIABLES)})`,
  status: `SHOW GLOBAL STATUS WHERE Variable_name IN (${inList(TLS_STATUS)})`,
  sqlMode: 'SELECT @@SESSION.sql_mode AS sql_mode',
  requireSecureTransport: 'SELECT @@GLOBAL.require_secure_transport AS rst',
  /** Foreground connections by whether they negotiated TLS (needs performance_schema). */
  encryptedThreads:
    "SELECT COUNT(*) AS total, COALESCE(SUM(s.VARIABLE_VALUE <> ''), 0) AS encrypted FROM performance_schema.status_by_thread s JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID WHERE s.VARIABLE_NAME = 'Ssl_cipher' AND t.TYPE = 'FOREGROUND' AND t.PROCESSLIST_ID IS NOT NULL",
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
    replication: 'SELECT CHANNEL_NAME AS channel, HOST AS host, PORT AS port, SSL_ALLOWED AS ssl_allowed, SSL_VERIFY_SERVER_CERTIFICATE AS ssl_verify FROM performance_schema.replication_connection_configuration',
    replicationRow: (r) => ({
      channel: String(r.channel ?? ''),
      host: `${String(r.host ?? '')}:${String(r.port ?? '')}`,
      sslAllowed: String(r.ssl_allowed ?? '').toLowerCase() === 'yes',
      sslVerifyServerCert: String(r.ssl_verify ?? '').toLowerCase() === 'yes',
    }),
    tlsChannel: "SELECT PROPERTY AS property, VALUE AS value FROM performance_schema.tls_channel_status WHERE CHANNEL = 'mysql_main'",
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
