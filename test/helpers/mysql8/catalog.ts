import type { DoubleColumn, DoubleQueryHandler, DoubleResult, DoubleSession, Mysql8Flavour } from './types';

/**
 * The MySQL 8 test double's catalog: what the server answers to the statements the extension's server-side
 * code sends (src/core/server/audit.ts, serverSql.ts, accountTls.ts, accountTlsChoices.ts). A DOUBLE, not
 * MySQL and not a SQL engine: it recognises those statements (whitespace and case normalised) and answers
 * them from the options below; any other statement gets MySQL's 1064 (syntax) or 1146 (no such table), never
 * a silent empty result. MySQL cannot be installed here, so this is where MySQL's behaviour is reproduced.
 *
 * Reproduced, with sources (MySQL Reference Manual 5.6/5.7/8.0/8.4/9.x unless noted):
 * - Variables: `have_ssl`/`have_openssl` exist up to 8.0 and are gone in 8.4 (removed after their 8.0.26
 *   deprecation); `tls_version` from 5.7.10 (the 5.6 this double plays has none: a simplification, late 5.6
 *   releases may show it); `require_secure_transport` from
 *   5.7.8; `admin_tls_*`/`admin_ssl_*` from 8.0.21; `version_ssl_library` never (MariaDB only).
 * - Status: `Ssl_accepts`, `Ssl_finished_accepts`, `Connections`, `Threads_connected`,
 *   `Ssl_server_not_before/after` (OpenSSL's ASN1_TIME_print form); `Current_tls_*` from 8.0.16 (the values in
 *   force until ALTER INSTANCE RELOAD TLS, which may differ from the configured variables);
 *   `Tls_library_version` from 8.0.30; session `Ssl_version`/`Ssl_cipher` from the DoubleSession ('' without TLS).
 * - performance_schema.tls_channel_status (8.0.21+): one row per (CHANNEL, PROPERTY), channels `mysql_main` and,
 *   when the admin interface is configured, `mysql_admin`.
 * - performance_schema.threads: the event scheduler is TYPE='FOREGROUND' with a PROCESSLIST_ID on 8.0 (it is
 *   listed in SHOW PROCESSLIST as "event_scheduler") and CONNECTION_TYPE NULL; client threads have
 *   CONNECTION_TYPE 'SSL/TLS', 'TCP/IP' or 'Socket'. status_by_thread gives Ssl_cipher per thread ('' for
 *   socket and plaintext connections and for the event scheduler).
 * - performance_schema.replication_connection_configuration (5.7+): Group Replication's channels
 *   `group_replication_applier` / `group_replication_recovery` show HOST '<NULL>', PORT 0, SSL_ALLOWED 'NO'
 *   (what servers in an InnoDB Cluster show; the GR transport is configured by group_replication_ssl_mode).
 * - mysql.user: ssl_type is an enum ('', 'ANY', 'X509', 'SPECIFIED'); x509_issuer, x509_subject, ssl_cipher are
 *   BLOBs (they reach mysql2 as Buffers); account_locked ('N'/'Y') from 5.7.6, so 5.6 answers 1054.
 * - Managed-service fingerprints, where the services document them: RDS basedir under /rdsdbbin/ and its
 *   mysql.rds_* tables (AWS RDS user guide, "mysql.rds_configuration"); Cloud SQL's `cloudsql_*` flags
 *   (cloudsql_iam_authentication) and its "-google" version suffix; Azure Flexible Server's `aad_auth_only`
 *   server parameter (Microsoft Entra authentication), with require_secure_transport ON and TLS 1.2 by default.
 *   GUESS: TencentDB's seed (console > Data Security > SSL) documents no server-side fingerprint; the double
 *   uses `cdb_*` variables, which TencentDB's TXSQL is known to carry, but no TencentDB document says so.
 */

export type ManagedService = 'rds' | 'azure' | 'cloudsql' | 'tencentdb';

export interface CatalogAccount {
  user: string;
  host: string;
  /** mysql.user.ssl_type: '' = REQUIRE NONE, 'ANY' = REQUIRE SSL. */
  sslType?: '' | 'ANY' | 'X509' | 'SPECIFIED';
  issuer?: string;
  subject?: string;
  cipher?: string;
  locked?: boolean;
}

/** A client connection (besides the event scheduler, which the catalog adds on 8.0+ by itself). */
export interface CatalogConnection {
  processlistId: number;
  user: string;
  connectionType: 'SSL/TLS' | 'TCP/IP' | 'Socket';
  /** Ssl_cipher in status_by_thread; defaults to a TLS 1.3 suite for SSL/TLS and '' otherwise. */
  sslCipher?: string;
}

export interface CatalogReplicationChannel {
  channel: string;
  host: string;
  port: number;
  sslAllowed: 'YES' | 'NO' | 'IGNORED';
  sslVerifyServerCertificate: 'YES' | 'NO';
  sslCaFile?: string;
  sslCaPath?: string;
}

export interface Mysql8CatalogOptions {
  flavour: Mysql8Flavour;
  /** The server has a certificate and key (default true). */
  tls?: boolean;
  /** Configured tls_version (the variable); defaults per version. */
  tlsVersion?: string;
  /** Current_tls_version (in force, 8.0.16+); defaults to tlsVersion. */
  currentTlsVersion?: string;
  sslCipher?: string;
  requireSecureTransport?: boolean;
  performanceSchema?: boolean;
  certNotBefore?: Date;
  certNotAfter?: Date;
  accounts?: CatalogAccount[];
  connections?: CatalogConnection[];
  /** The event scheduler runs (default true; 8.0's default event_scheduler=ON). */
  eventScheduler?: boolean;
  replication?: CatalogReplicationChannel[];
  /** Group Replication plugin loaded: its two channels appear, and its TLS variables. */
  groupReplication?: { sslMode: 'DISABLED' | 'REQUIRED' | 'VERIFY_CA' | 'VERIFY_IDENTITY'; recoveryUseSsl: boolean };
  /** The admin interface (admin_address) is configured, with its own TLS versions in force. */
  adminChannel?: { tlsVersion: string; currentTlsVersion?: string };
  managed?: ManagedService;
  /** Tables the session's user may not read (1142, as MySQL answers a missing SELECT privilege). */
  denied?: ('mysql.user' | 'performance_schema')[];
  /** Counters. */
  connectionsTotal?: number;
  sslFinishedAccepts?: number;
}

interface VersionFacts {
  version: string;
  comment: string;
  major: number;
  minor: number;
  patch: number;
  yassl: boolean;
}

const COMMENTS: Record<Mysql8Flavour, string> = {
  '8.0.36': 'MySQL Community Server - GPL',
  '8.4.3': 'MySQL Community Server - GPL',
  '9.1.0': 'MySQL Community Server - GPL',
  '5.7.44': 'MySQL Community Server (GPL)',
  '8.0.36-28': 'Percona Server (GPL), Release 28, Revision 47601f19',
  '5.6.51': 'MySQL Community Server (GPL)',
  '5.7.26-yassl': 'MySQL Community Server (GPL)',
};

function factsOf(flavour: Mysql8Flavour, managed?: ManagedService): VersionFacts {
  const [major, minor, patch] = flavour.split(/[.-]/).map(Number) as [number, number, number];
  const base = flavour.replace('-yassl', '');
  const version = managed === 'cloudsql' ? `${base}-google` : base;
  const comment = managed === 'rds' ? 'Source distribution' : managed === 'cloudsql' ? '(Google)' : COMMENTS[flavour];
  return { version, comment, major, minor, patch, yassl: flavour.endsWith('-yassl') };
}

const atLeast = (f: VersionFacts, major: number, minor: number, patch: number): boolean =>
  f.major !== major ? f.major > major : f.minor !== minor ? f.minor > minor : f.patch >= patch;

/** OpenSSL's ASN1_TIME_print form, as Ssl_server_not_after shows it. */
function opensslTime(d: Date): string {
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()} GMT`;
}

function defaultTlsVersion(f: VersionFacts): string {
  if (f.yassl) return 'TLSv1,TLSv1.1';
  // 5.7 deprecated TLSv1/1.1 (5.7.35) but kept them enabled; TLSv1.3 on 5.7 builds with OpenSSL 1.1.1 is not played.
  if (f.major === 5 && f.minor === 7) return 'TLSv1,TLSv1.1,TLSv1.2';
  if (atLeast(f, 8, 0, 28)) return 'TLSv1.2,TLSv1.3';
  return 'TLSv1,TLSv1.1,TLSv1.2,TLSv1.3';
}

function err(errno: number, sqlState: string, message: string): DoubleResult {
  return { kind: 'error', errno, sqlState, message };
}

const syntaxError = (sql: string): DoubleResult =>
  err(
    1064,
    '42000',
    `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${sql.slice(0, 80)}' at line 1`,
  );

const str = (name: string): DoubleColumn => ({ name, type: 'string' });

/** The predicate of `SHOW ... WHERE Variable_name IN (...) [OR LEFT(Variable_name, n) = '...']...` / LIKE. */
function namePredicate(tail: string): ((name: string) => boolean) | undefined {
  const t = tail.trim();
  if (t === '') return () => true;
  const like = /^like\s+'((?:[^']|'')*)'$/i.exec(t);
  if (like) {
    const pattern = like[1]!.replace(/''/g, "'");
    let re = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      else if (c === '%') re += '.*';
      else if (c === '_') re += '.';
      else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    const rx = new RegExp(`^${re}$`, 'i');
    return (n) => rx.test(n);
  }
  const where = /^where\s+(.*)$/is.exec(t);
  if (!where) return undefined;
  const tests: ((n: string) => boolean)[] = [];
  for (const part of where[1]!.split(/\s+or\s+/i)) {
    const inList = /^variable_name\s+in\s*\(((?:\s*'[^']*'\s*,?)*)\)$/i.exec(part.trim());
    const left = /^left\(\s*variable_name\s*,\s*(\d+)\s*\)\s*=\s*'([^']*)'$/i.exec(part.trim());
    if (inList) {
      const names = new Set([...inList[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!.toLowerCase()));
      tests.push((n) => names.has(n.toLowerCase()));
    } else if (left) {
      const len = Number(left[1]);
      const prefix = left[2]!.toLowerCase();
      tests.push((n) => n.slice(0, len).toLowerCase() === prefix);
    } else return undefined;
  }
  return (n) => tests.some((f) => f(n));
}

export function mysql8Catalog(options: Mysql8CatalogOptions): DoubleQueryHandler {
  const f = factsOf(options.flavour, options.managed);
  const tls = options.tls ?? true;
  const is8 = f.major >= 8;
  const tlsVersion = options.tlsVersion ?? defaultTlsVersion(f);
  const pfs = options.performanceSchema ?? true;
  const notBefore = options.certNotBefore ?? new Date(Date.UTC(2025, 0, 1));
  const notAfter = options.certNotAfter ?? new Date(Date.UTC(2035, 0, 1));
  const rst = options.requireSecureTransport ?? options.managed === 'azure';
  const denied = new Set(options.denied ?? []);

  const globalVariables = (): [string, string][] => {
    const v: [string, string][] = [
      ['basedir', options.managed === 'rds' ? `/rdsdbbin/mysql-${f.version}.R2/` : '/usr/'],
      ['performance_schema', pfs ? 'ON' : 'OFF'],
      ['ssl_ca', tls ? 'ca.pem' : ''],
      ['ssl_cert', tls ? 'server-cert.pem' : ''],
      ['ssl_key', tls ? 'server-key.pem' : ''],
      ['ssl_cipher', options.sslCipher ?? ''],
      ['version', f.version],
      ['version_comment', f.comment],
    ];
    if (!atLeast(f, 8, 4, 0)) v.push(['have_ssl', tls ? 'YES' : 'DISABLED'], ['have_openssl', tls ? 'YES' : 'DISABLED']);
    if (atLeast(f, 5, 7, 10)) v.push(['tls_version', tlsVersion]);
    if (atLeast(f, 8, 0, 16)) v.push(['tls_ciphersuites', '']);
    if (atLeast(f, 5, 7, 8)) v.push(['require_secure_transport', rst ? 'ON' : 'OFF']);
    if (atLeast(f, 8, 0, 21)) {
      v.push(
        ['admin_address', options.adminChannel ? '127.0.0.1' : ''],
        ['admin_tls_version', options.adminChannel?.tlsVersion ?? tlsVersion],
        ['admin_ssl_ca', ''],
        ['admin_ssl_cert', ''],
        ['admin_ssl_key', ''],
        ['admin_ssl_cipher', ''],
      );
    }
    if (options.groupReplication) {
      v.push(
        ['group_replication_ssl_mode', options.groupReplication.sslMode],
        ['group_replication_recovery_use_ssl', options.groupReplication.recoveryUseSsl ? 'ON' : 'OFF'],
      );
    }
    switch (options.managed) {
      case 'rds':
        v.push(['rds_audit_log_enabled', 'OFF']); // GUESS: a representative rds_* name; basedir is the documented mark
        break;
      case 'azure':
        v.push(['aad_auth_only', 'OFF']);
        break;
      case 'cloudsql':
        v.push(['cloudsql_iam_authentication', 'OFF']);
        break;
      case 'tencentdb':
        v.push(['cdb_recycle_bin_enabled', 'OFF']); // GUESS, see the header
        break;
    }
    return v.sort((a, b) => a[0].localeCompare(b[0]));
  };

  const connections = (session: DoubleSession): (CatalogConnection & { name: string; threadId: number })[] => {
    const list: (CatalogConnection & { name: string; threadId: number })[] = [];
    if (is8 && (options.eventScheduler ?? true))
      list.push({ processlistId: 5, user: 'event_scheduler', connectionType: 'TCP/IP', name: 'thread/sql/event_scheduler', threadId: 45, sslCipher: '' });
    list.push({
      processlistId: session.threadId,
      user: session.user,
      connectionType: session.tls ? 'SSL/TLS' : 'TCP/IP',
      sslCipher: session.tls?.cipher ?? '',
      name: 'thread/sql/one_connection',
      threadId: session.threadId + 40,
    });
    for (const c of options.connections ?? []) list.push({ ...c, name: 'thread/sql/one_connection', threadId: c.processlistId + 40 });
    return list;
  };

  const globalStatus = (session: DoubleSession): [string, string][] => {
    const threads = connections(session).filter((c) => c.user !== 'event_scheduler').length;
    const s: [string, string][] = [
      ['Connections', String(options.connectionsTotal ?? 100)],
      ['Threads_connected', String(threads)],
      ['Ssl_accepts', String(tls ? (options.sslFinishedAccepts ?? 60) + 1 : 0)],
      ['Ssl_finished_accepts', String(tls ? (options.sslFinishedAccepts ?? 60) : 0)],
      ['Ssl_server_not_before', tls ? opensslTime(notBefore) : ''],
      ['Ssl_server_not_after', tls ? opensslTime(notAfter) : ''],
    ];
    if (atLeast(f, 8, 0, 16)) {
      s.push(
        ['Current_tls_version', tls ? (options.currentTlsVersion ?? tlsVersion) : ''],
        ['Current_tls_cipher', options.sslCipher ?? ''],
        ['Current_tls_ciphersuites', ''],
        ['Current_tls_ca', tls ? 'ca.pem' : ''],
        ['Current_tls_cert', tls ? 'server-cert.pem' : ''],
        ['Current_tls_key', tls ? 'server-key.pem' : ''],
      );
    }
    if (atLeast(f, 8, 0, 30)) s.push(['Tls_library_version', 'OpenSSL 3.0.13 30 Jan 2024']);
    return s.sort((a, b) => a[0].localeCompare(b[0]));
  };

  const sessionStatus = (session: DoubleSession): [string, string][] => [
    ['Ssl_cipher', session.tls?.cipher ?? ''],
    ['Ssl_version', session.tls?.version ?? ''],
    ...globalStatus(session).filter(([n]) => n.startsWith('Ssl_server')),
  ];

  const show = (scope: 'global' | 'session', what: 'variables' | 'status', tail: string, session: DoubleSession, raw: string): DoubleResult => {
    const pred = namePredicate(tail);
    if (!pred) return syntaxError(raw);
    const all =
      what === 'variables'
        ? [
            ...globalVariables(),
            ...(scope === 'session'
              ? ([['sql_mode', 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION']] as [
                  string,
                  string,
                ][])
              : []),
          ]
        : scope === 'session'
          ? sessionStatus(session)
          : globalStatus(session);
    return { kind: 'rows', columns: [str('Variable_name'), str('Value')], rows: all.filter(([n]) => pred(n)) };
  };

  const variable = (name: string): string | undefined => globalVariables().find(([n]) => n === name.toLowerCase())?.[1];

  const tableExists = (table: string): boolean => {
    switch (table) {
      case 'mysql.user':
        return true;
      case 'performance_schema.threads':
      case 'performance_schema.status_by_thread':
        return atLeast(f, 5, 7, 0) || table === 'performance_schema.threads';
      case 'performance_schema.replication_connection_configuration':
        return atLeast(f, 5, 7, 2);
      case 'performance_schema.tls_channel_status':
        return atLeast(f, 8, 0, 21);
      default:
        return options.managed === 'rds' && /^mysql\.rds_(configuration|history|replication_status)$/.test(table);
    }
  };

  const accountRows = (sql: string, params: unknown[] | undefined): DoubleResult => {
    if (!atLeast(f, 5, 7, 6) && /account_locked/.test(sql)) return err(1054, '42S22', "Unknown column 'account_locked' in 'field list'");
    let accounts = options.accounts ?? [{ user: 'root', host: 'localhost' }];
    if (/where\s+user\s*=\s*\?\s+and\s+host\s*=\s*\?/.test(sql)) {
      if (!params || params.length !== 2) return err(1210, 'HY000', 'Incorrect arguments to mysqld_stmt_execute');
      accounts = accounts.filter((a) => a.user === params[0] && a.host === params[1]);
    } else if (/\bwhere\b/.test(sql)) return syntaxError(sql);
    const label = (t: CatalogAccount['sslType']): string => (t === '' || t === undefined ? 'NONE' : t === 'ANY' ? 'SSL' : t);
    // The extension's query CONVERTs the BLOBs to text; a bare column would come back as a Buffer.
    const blob = (v: string | undefined): string | Buffer => (/convert\(x509_issuer using/.test(sql) ? (v ?? '') : Buffer.from(v ?? ''));
    const rows = [...accounts]
      .sort((a, b) => (a.user === b.user ? a.host.localeCompare(b.host) : a.user.localeCompare(b.user)))
      .map((a) => [a.user, a.host, label(a.sslType), blob(a.issuer), blob(a.subject), blob(a.cipher), a.locked ? 1 : 0]);
    return {
      kind: 'rows',
      columns: [
        str('user'),
        str('host'),
        { name: 'ssl_type', type: 'string' },
        { name: 'issuer', type: 'string' },
        { name: 'subject', type: 'string' },
        { name: 'cipher', type: 'string' },
        { name: 'locked', type: 'int' },
      ],
      rows,
    };
  };

  const replicationRows = (): DoubleResult => {
    const channels: CatalogReplicationChannel[] = [...(options.replication ?? [])];
    if (options.groupReplication) {
      for (const channel of ['group_replication_applier', 'group_replication_recovery'])
        channels.push({ channel, host: '<NULL>', port: 0, sslAllowed: 'NO', sslVerifyServerCertificate: 'NO' });
    }
    return {
      kind: 'rows',
      columns: [
        str('channel'),
        str('host'),
        { name: 'port', type: 'int' },
        { name: 'ssl_allowed', type: 'enum' },
        { name: 'ssl_verify', type: 'enum' },
        str('ssl_ca_file'),
        str('ssl_ca_path'),
      ],
      rows: channels.map((c) => [c.channel, c.host, c.port, c.sslAllowed, c.sslVerifyServerCertificate, c.sslCaFile ?? '', c.sslCaPath ?? '']),
    };
  };

  const tlsChannelRows = (): DoubleResult => {
    if (!pfs) return { kind: 'rows', columns: [str('channel'), str('property'), str('value')], rows: [] };
    const channel = (name: string, versions: string): (string | null)[][] => [
      [name, 'Enabled', tls ? 'Yes' : 'No'],
      [name, 'Current_tls_version', tls ? versions : ''],
      [name, 'Current_tls_ciphersuites', ''],
      [name, 'Current_tls_cipher', options.sslCipher ?? ''],
      [name, 'Ssl_server_not_after', tls ? opensslTime(notAfter) : ''],
      [name, 'Ssl_server_not_before', tls ? opensslTime(notBefore) : ''],
    ];
    const rows = channel('mysql_main', options.currentTlsVersion ?? tlsVersion);
    if (options.adminChannel) rows.push(...channel('mysql_admin', options.adminChannel.currentTlsVersion ?? options.adminChannel.tlsVersion));
    return { kind: 'rows', columns: [str('channel'), str('property'), str('value')], rows };
  };

  const threadsByType = (session: DoubleSession): DoubleResult => {
    const counts = new Map<string | null, number>();
    if (pfs) {
      for (const c of connections(session)) {
        const type = c.user === 'event_scheduler' ? null : c.connectionType;
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
    }
    return { kind: 'rows', columns: [str('connection_type'), { name: 'n', type: 'int' }], rows: [...counts].map(([t, n]) => [t, n]) };
  };

  /** The pre-fix query: per-thread Ssl_cipher joined with threads (kept so a regression shows its miscount). */
  const sslCipherByThread = (session: DoubleSession): DoubleResult => {
    const list = pfs ? connections(session) : [];
    const encrypted = list.filter((c) => (c.sslCipher ?? (c.connectionType === 'SSL/TLS' ? 'TLS_AES_256_GCM_SHA384' : '')) !== '').length;
    return {
      kind: 'rows',
      columns: [
        { name: 'total', type: 'int' },
        { name: 'encrypted', type: 'int' },
      ],
      rows: [[list.length, encrypted]],
    };
  };

  return (rawSql, session, params) => {
    const sql = rawSql.replace(/\s+/g, ' ').trim().replace(/;$/, '');
    const lower = sql.toLowerCase();

    if (lower === 'select version() as version, @@version_comment as comment') {
      return { kind: 'rows', columns: [str('version'), str('comment')], rows: [[f.version, f.comment]] };
    }
    const atat = /^select @@(global\.|session\.)?([a-z_]+)(?: as ([a-z_]+))?$/.exec(lower);
    if (atat) {
      const value =
        atat[2] === 'sql_mode'
          ? 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'
          : variable(atat[2]!);
      if (value === undefined) return err(1193, 'HY000', `Unknown system variable '${atat[2]}'`);
      return { kind: 'rows', columns: [str(atat[3] ?? sql.slice('select '.length))], rows: [[value]] };
    }
    const showM = /^show (global |session )?(variables|status)(.*)$/i.exec(sql);
    if (showM)
      return show(
        showM[1]?.trim().toLowerCase() === 'global' ? 'global' : 'session',
        showM[2]!.toLowerCase() as 'variables' | 'status',
        showM[3]!,
        session,
        sql,
      );
    if (/^alter user /.test(lower)) return { kind: 'ok', affectedRows: 0 };

    if (!lower.startsWith('select ')) return syntaxError(sql);
    const tables = [...lower.matchAll(/\b(?:from|join) ([a-z_]+\.[a-z_]+)/g)].map((m) => m[1]!);
    if (tables.length === 0) return syntaxError(sql);
    for (const t of tables) {
      if (!tableExists(t)) return err(1146, '42S02', `Table '${t}' doesn't exist`);
      const schema = t.split('.')[0] as 'mysql' | 'performance_schema';
      if (denied.has(t === 'mysql.user' ? 'mysql.user' : schema === 'performance_schema' ? 'performance_schema' : (t as 'mysql.user'))) {
        return err(1142, '42000', `SELECT command denied to user '${session.user}'@'${session.host}' for table '${t.split('.')[1]}'`);
      }
    }
    const main = tables[0]!;
    if (main === 'mysql.user') return accountRows(lower, params);
    if (main === 'performance_schema.replication_connection_configuration') return replicationRows();
    if (main === 'performance_schema.tls_channel_status') return tlsChannelRows();
    if (main === 'performance_schema.threads' && /group by connection_type/.test(lower)) return threadsByType(session);
    if (main === 'performance_schema.status_by_thread' && /variable_name = 'ssl_cipher'/.test(lower)) return sslCipherByThread(session);
    if (main.startsWith('mysql.rds_')) return { kind: 'rows', columns: [str('name'), str('value')], rows: [] };
    // A known table, but a statement shape this double was not written for: say so loudly.
    return syntaxError(sql);
  };
}
