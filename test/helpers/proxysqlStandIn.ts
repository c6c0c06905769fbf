/**
 * A STAND-IN for a ProxySQL 2.7.1 admin interface (ProxySQL cannot be installed here). It is NOT ProxySQL: it
 * is a small MySQL-protocol server built on mysql2's server API that keeps the memory / runtime / disk layers
 * of `mysql_servers`, `mysql_servers_ssl_params` and `global_variables`, answers the admin statements the
 * extension sends (the strings src/core/proxysql/adminSql.ts produces, parsed loosely) plus the few the notes
 * record, and rejects every other statement with ProxySQL's error shape (1045 "ProxySQL Admin Error: ...").
 *
 * What it copies from the real 2.7.1 (/work/shared/notes/proxysql.md, "Observed on 2026-12-01"), each fact
 * with a test in test/core/proxysql/standIn.test.ts:
 * - TLS on the admin port when the RUNTIME mysql-have_ssl is true (the default since 2.6.0), decided per new
 *   connection (so SET + LOAD MYSQL VARIABLES TO RUNTIME switches it for the next connection, no restart),
 *   with its own CA and server certificate written to its data directory as proxysql-ca.pem,
 *   proxysql-cert.pem and proxysql-key.pem: CN=ProxySQL_Auto_Generated_Server_Certificate, no SAN, 10 years.
 * - SHOW SESSION STATUS is refused with 1045 / SQLSTATE 28000 `ProxySQL Admin Error: near "SHOW": syntax error`.
 * - Greeting: server version `8.0.11` (no suffix), status flags 514. Every result column is VAR_STRING with
 *   schema '', orgName '', length 15, flags 1, decimals 31, and every value a string.
 * - `SET mysql-x='v'` changes memory; an unknown name answers OK with info `ERROR: Unknown global variable: 'x'`.
 *   `SELECT 1`, `SELECT * FROM mysql_servers_ssl_params`, `SHOW VARIABLES LIKE '%ssl%'` (memory; also matches
 *   the two *processlist variables) work. No prepared statements (1045 "Command not supported").
 * - Constraint failures are 1045 (CHECK use_ssl IN(0,1), UNIQUE on the server key).
 * - Pooled backend connections keep the TLS they were opened with: LOAD of use_ssl=1 leaves idle plaintext
 *   connections plaintext. `stats_mysql_free_connections` has one row per idle connection, its mysql_info JSON
 *   carrying options.use_ssl; connections in use appear only as ConnUsed in stats_mysql_connection_pool.
 * - OFFLINE_HARD after LOAD drops the server's idle connections at once and its connections in use when they
 *   are next used (returned); a few seconds after LOAD the server disappears from runtime_mysql_servers.
 *
 * Where it simplifies, and why:
 * - `clientPort` plays the client port (6033) for the two statements the extension sends there; the backend
 *   link's Ssl_% values are given by the test, since there is no backend to forward to.
 * - There are no backends and no client port: the pool is a model driven by the test (openBackendConnections,
 *   finishQueries); new connections take the server's runtime use_ssl, as observed.
 * - mysql_info is abridged to a few fields around options.use_ssl (the only one the extension reads); the
 *   real JSON is larger.
 * - OFFLINE_SOFT keeps idle connections (ProxySQL documents only that connections in use are kept until they
 *   are returned; the notes saw only OFFLINE_HARD drain idle ones), and closes connections returned to it.
 * - The removal of OFFLINE_HARD servers from runtime runs `offlineHardPurgeMs` after LOAD (default 3000 ms,
 *   "a few seconds"); tests call purgeOfflineHard() instead of waiting (no timed tests).
 * - Only the statement shapes the extension and the notes use are parsed; the capability flags other than
 *   CLIENT_SSL are mysql2's usual ones; the CA's subject (CN=ProxySQL_Auto_Generated_CA_Certificate) is
 *   ProxySQL's naming as far as known, not observed.
 * - SAVE MYSQL VARIABLES TO DISK reports as many rows as the stand-in has variables (163 on the real one).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Duplex } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createCa, issueCertificate, type Issued } from '../../src/core/certificates/generate';

type Mysql2 = typeof import('mysql2');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql2 = require('mysql2') as Mysql2 & { createServer(handler?: (conn: ServerConnection) => void): Mysql2Server };
interface Mysql2Packet {
  buffer: Buffer;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql2Packets = require(path.join(path.dirname(require.resolve('mysql2')), 'lib', 'packets', 'index.js')) as {
  Error: { toPacket(args: { code: number; message: string }, encoding: string): Mysql2Packet };
  Packet: new (sequenceId: number, buffer: Buffer, start: number, end: number) => Mysql2Packet;
};

/** An OK packet with an info text (mysql2's OK.toPacket leaves no room for the message). Small counts only. */
function okPacket(affectedRows: number, info: string): Mysql2Packet {
  if (affectedRows > 250) throw new Error('okPacket: small counts only');
  const message = Buffer.from(info, 'utf8');
  const payload = Buffer.concat([Buffer.from([0x00, affectedRows, 0x00, 0x02, 0x00, 0x00, 0x00]), message]);
  const buffer = Buffer.concat([Buffer.alloc(4), payload]);
  return new mysql2Packets.Packet(0, buffer, 0, buffer.length);
}

/** mysql2's Server wraps a net.Server (not exported as one) in `_server`. */
interface Mysql2Server {
  _server: net.Server;
  _handleConnection(stream: Duplex): void;
  on(event: 'connection', listener: (conn: ServerConnection) => void): void;
  close(cb: () => void): void;
}

interface ColumnDefinition {
  catalog: string;
  schema: string;
  table: string;
  orgTable: string;
  name: string;
  orgName: string;
  characterSet: number;
  columnLength: number;
  columnType: number;
  flags: number;
  decimals: number;
}

interface ServerConnection {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  writeTextResult(rows: Record<string, string | null>[], columns: ColumnDefinition[]): void;
  writeOk(args?: { affectedRows?: number; message?: string; serverStatus?: number }): void;
  writePacket(packet: Mysql2Packet): void;
  close(): void;
  stream: Duplex;
  /** mysql2's server side does not reset it per command: the next command (sequence 0) must find 0. */
  sequenceId: number;
}

export const STAND_IN_VERSION = '2.7.1-stand-in';
/** The greeting of the real admin port: no "(ProxySQL Admin Module)" suffix, status flags 514. */
export const GREETING_VERSION = '8.0.11';
export const GREETING_STATUS_FLAGS = 514;
export const AUTO_SERVER_CERT_CN = 'ProxySQL_Auto_Generated_Server_Certificate';
const SERVER_FIELDS = [
  'hostgroup_id',
  'hostname',
  'port',
  'gtid_port',
  'status',
  'weight',
  'compression',
  'max_connections',
  'max_replication_lag',
  'use_ssl',
  'max_latency_ms',
  'comment',
] as const;
type ServerField = (typeof SERVER_FIELDS)[number];
export type StandInServerRow = Record<ServerField, string>;
type Layer = 'memory' | 'runtime' | 'disk';
const SERVER_STATUSES = ['ONLINE', 'SHUNNED', 'OFFLINE_SOFT', 'OFFLINE_HARD'];

const POOL_FIELDS = [
  'hostgroup',
  'srv_host',
  'srv_port',
  'status',
  'ConnUsed',
  'ConnFree',
  'ConnOK',
  'ConnERR',
  'MaxConnUsed',
  'Queries',
  'Queries_GTID_sync',
  'Bytes_data_sent',
  'Bytes_data_recv',
  'Latency_us',
];
const FREE_CONNECTION_FIELDS = [
  'fd',
  'hostgroup',
  'srv_host',
  'srv_port',
  'user',
  'schema',
  'init_connect',
  'time_zone',
  'sql_mode',
  'autocommit',
  'idle_ms',
  'statistics',
  'mysql_info',
];
const SSL_PARAMS_FIELDS = [
  'hostname',
  'port',
  'username',
  'ssl_ca',
  'ssl_cert',
  'ssl_key',
  'ssl_capath',
  'ssl_crl',
  'ssl_crlpath',
  'ssl_cipher',
  'tls_version',
  'comment',
];

/** 2.7.1's TLS variables (p2s all empty, have_ssl true by default since 2.6.0) and the two that `LIKE '%ssl%'` also matches. */
export const DEFAULT_STAND_IN_VARIABLES: Readonly<Record<string, string>> = {
  'mysql-have_ssl': 'true',
  'mysql-ssl_p2s_ca': '',
  'mysql-ssl_p2s_capath': '',
  'mysql-ssl_p2s_cert': '',
  'mysql-ssl_p2s_key': '',
  'mysql-ssl_p2s_cipher': '',
  'mysql-ssl_p2s_crl': '',
  'mysql-ssl_p2s_crlpath': '',
  'mysql-session_idle_show_processlist': 'true',
  'mysql-show_processlist_extended': '0',
};

type ServerKeyFields = { hostgroup_id: string; hostname: string; port: string };

export interface StandInOptions {
  user?: string;
  password?: string;
  servers?: Array<Partial<StandInServerRow> & ServerKeyFields>;
  /** Variables present in this "version" (default: DEFAULT_STAND_IN_VARIABLES). */
  variables?: Record<string, string>;
  /** Rows of mysql_servers_ssl_params (2.6+; default: the table exists, empty); false = a version without it. */
  serverSslParams?: Array<Record<string, string>> | false;
  /** Pretend the version has a pool column counting TLS connections (2.7.1 has none). */
  poolTlsColumn?: string;
  /** Pretend a version without stats_mysql_free_connections. */
  noFreeConnectionsTable?: boolean;
  /** Backend connections pooled at start (opened with each server's initial use_ssl). Default: none, as after a fresh start. */
  pool?: Array<ServerKeyFields & { free?: number; used?: number }>;
  /** Where proxysql-ca.pem, -cert.pem and -key.pem are written (default: a new temporary directory). */
  dataDir?: string;
  /** Delay before OFFLINE_HARD servers leave runtime after LOAD (default 3000 ms); tests use purgeOfflineHard(). */
  offlineHardPurgeMs?: number;
  /**
   * Play the CLIENT port (6033) instead, for what the extension asks there: `SELECT @@version_comment LIMIT 1`
   * answers `(ProxySQL)`, and SHOW SESSION STATUS answers with the backend link's TLS given here (the real
   * proxy forwards it to a backend connection; the stand-in has no backend, so the test says what it is).
   */
  clientPort?: { backendSslVersion: string; backendSslCipher: string };
}

export interface PooledConnection {
  fd: number;
  hostgroup: string;
  host: string;
  port: string;
  useSsl: boolean;
  inUse: boolean;
}

export interface ProxysqlStandIn {
  port: number;
  user: string;
  password: string;
  /** The data directory holding proxysql-ca.pem, proxysql-cert.pem, proxysql-key.pem. */
  dataDir: string;
  caFile: string;
  /** Every statement received, in order (so tests can check what the extension sent). */
  statements: string[];
  /** Statements rejected as unsupported. */
  rejected: string[];
  servers(layer: Layer): StandInServerRow[];
  variables(layer: Layer): Record<string, string>;
  /** The modelled backend connection pool. */
  pool(): PooledConnection[];
  /** Client traffic: opens `n` backend connections to a runtime ONLINE server with its runtime use_ssl. */
  openBackendConnections(key: ServerKeyFields, n: number, opts?: { inUse?: boolean }): void;
  /** Running queries end: connections in use go back to the pool (ONLINE) or are closed (any other status). */
  finishQueries(key?: ServerKeyFields): void;
  /** What ProxySQL does a few seconds after LOAD: OFFLINE_HARD servers leave runtime_mysql_servers. */
  purgeOfflineHard(): void;
  /** TLS connections accepted on the admin port so far. */
  readonly tlsConnections: number;
  close(): Promise<void>;
}

class AdminError extends Error {
  constructor(
    message: string,
    readonly sqlState = 'HY000',
  ) {
    super(message);
  }
}

function serverRow(partial: Partial<StandInServerRow>): StandInServerRow {
  return {
    hostgroup_id: '0',
    hostname: '',
    port: '3306',
    gtid_port: '0',
    status: 'ONLINE',
    weight: '1',
    compression: '0',
    max_connections: '1000',
    max_replication_lag: '0',
    use_ssl: '0',
    max_latency_ms: '0',
    comment: '',
    ...partial,
  };
}

/** Tokens of a statement: quoted strings (SQLite '' escape), words, numbers and punctuation. */
function tokenize(sql: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw new AdminError('unrecognized token: "' + c + '"');
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i++];
      }
      tokens.push(`'${value}`); // a leading quote marks a string literal token
    } else if (/[A-Za-z0-9_.@-]/.test(c)) {
      let word = '';
      while (i < sql.length && /[A-Za-z0-9_.@-]/.test(sql[i]!)) word += sql[i++];
      tokens.push(word);
    } else {
      tokens.push(c);
      i++;
    }
  }
  return tokens;
}

const literal = (t: string | undefined): string | undefined => (t?.startsWith("'") ? t.slice(1) : t);

/** SQL LIKE with % and _ (and backslash escapes), case-insensitive like SQLite's. */
function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

/** ProxySQL's own CA and server certificate, made once per test process (RSA key generation is slow). */
let autoCertificates: Promise<{ ca: Issued; server: Issued }> | undefined;
function proxysqlAutoCertificates(): Promise<{ ca: Issued; server: Issued }> {
  autoCertificates ??= (async () => {
    const ca = await createCa({ subject: 'CN=ProxySQL_Auto_Generated_CA_Certificate', days: 3650 });
    const server = await issueCertificate({ issuer: ca, subject: `CN=${AUTO_SERVER_CERT_CN}`, usage: 'server', days: 3650 });
    return { ca, server };
  })();
  return autoCertificates;
}

/** A stream over `socket` that starts with `first` (bytes already read while looking for the SSL request). */
function replayingStream(socket: net.Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  if (first.length > 0) d.push(first);
  socket.on('data', (c: Buffer) => d.push(c));
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  return d;
}

const CLIENT_SSL = 0x800;

export async function startProxysqlStandIn(options: StandInOptions = {}): Promise<ProxysqlStandIn> {
  const user = options.user ?? 'admin';
  const password = options.password ?? 'stand-in-admin';
  const initial = (options.servers ?? []).map(serverRow);
  const layers: Record<Layer, StandInServerRow[]> = {
    memory: initial.map((r) => ({ ...r })),
    runtime: initial.map((r) => ({ ...r })),
    disk: initial.map((r) => ({ ...r })),
  };
  const initialVars = options.variables ?? DEFAULT_STAND_IN_VARIABLES;
  const vars: Record<Layer, Record<string, string>> = { memory: { ...initialVars }, runtime: { ...initialVars }, disk: { ...initialVars } };
  const sslParamsInitial =
    options.serverSslParams === false
      ? undefined
      : (options.serverSslParams ?? []).map((r) => Object.fromEntries(SSL_PARAMS_FIELDS.map((f) => [f, r[f] ?? ''])));
  const sslParams: Record<Layer, Array<Record<string, string>>> | undefined = sslParamsInitial && {
    memory: sslParamsInitial.map((r) => ({ ...r })),
    runtime: sslParamsInitial.map((r) => ({ ...r })),
    disk: sslParamsInitial.map((r) => ({ ...r })),
  };
  const statements: string[] = [];
  const rejected: string[] = [];
  const sockets = new Set<net.Socket>();
  const doubleSha = createHash('sha1').update(createHash('sha1').update(password).digest()).digest();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'proxysql-stand-in-'));
  const certs = await proxysqlAutoCertificates();
  const caFile = path.join(dataDir, 'proxysql-ca.pem');
  writeFileSync(caFile, certs.ca.certPem);
  writeFileSync(path.join(dataDir, 'proxysql-cert.pem'), certs.server.certPem);
  writeFileSync(path.join(dataDir, 'proxysql-key.pem'), certs.server.keyPem, { mode: 0o600 });
  const secureContext = tls.createSecureContext({ cert: certs.server.certPem, key: certs.server.keyPem });
  let tlsConnections = 0;
  let purgeTimer: NodeJS.Timeout | undefined;

  // The backend connection pool model.
  let nextFd = 100;
  let pool: PooledConnection[] = [];
  const sameServer = (a: ServerKeyFields, b: { hostgroup: string; host: string; port: string }): boolean =>
    a.hostgroup_id === b.hostgroup && a.hostname === b.host && a.port === b.port;
  const runtimeRow = (c: { hostgroup: string; host: string; port: string }): StandInServerRow | undefined => layers.runtime.find((r) => sameServer(r, c));
  const open = (key: ServerKeyFields, n: number, inUse: boolean, useSsl: boolean): void => {
    for (let i = 0; i < n; i++) pool.push({ fd: nextFd++, hostgroup: key.hostgroup_id, host: key.hostname, port: key.port, useSsl, inUse });
  };
  for (const p of options.pool ?? []) {
    const row = layers.runtime.find((r) => r.hostgroup_id === p.hostgroup_id && r.hostname === p.hostname && r.port === p.port);
    if (!row) throw new Error(`stand-in pool: ${p.hostgroup_id}/${p.hostname}:${p.port} is not a server`);
    open(p, p.free ?? 0, false, row.use_ssl === '1');
    open(p, p.used ?? 0, true, row.use_ssl === '1');
  }
  /** After LOAD: what each runtime status does to the pooled connections. */
  const applyRuntimeToPool = (): void => {
    pool = pool.filter((c) => {
      const row = runtimeRow(c);
      if (!row) return false; // removed from the configuration
      if (row.status === 'OFFLINE_HARD') return c.inUse; // free ones dropped now, used ones when next used
      return true;
    });
  };
  const purgeOfflineHard = (): void => {
    layers.runtime = layers.runtime.filter((r) => r.status !== 'OFFLINE_HARD');
  };

  const columns = (names: readonly string[]): ColumnDefinition[] =>
    names.map((name) => ({
      catalog: 'def',
      schema: '',
      table: '',
      orgTable: '',
      name,
      orgName: '',
      characterSet: 33,
      columnLength: 15,
      columnType: 253,
      flags: 1,
      decimals: 31,
    }));

  const serverTable = (name: string): Layer | undefined =>
    (({ mysql_servers: 'memory', runtime_mysql_servers: 'runtime', 'disk.mysql_servers': 'disk' }) as Record<string, Layer>)[name.toLowerCase()];
  const variableTable = (name: string): Layer | undefined =>
    (({ global_variables: 'memory', runtime_global_variables: 'runtime', 'disk.global_variables': 'disk' }) as Record<string, Layer>)[name.toLowerCase()];

  type Answer = { rows: Record<string, string | null>[]; columns: string[] } | { affectedRows: number; info?: string };

  function where(tokens: string[], from: number): Array<[string, string]> {
    // WHERE a=b [AND c=d ...]
    const conditions: Array<[string, string]> = [];
    let i = from;
    while (i < tokens.length) {
      const field = tokens[i]!.toLowerCase();
      if (tokens[i + 1] !== '=') throw new AdminError(`near "${tokens[i + 1] ?? ''}": syntax error`);
      const value = literal(tokens[i + 2]);
      if (value === undefined) throw new AdminError('incomplete input');
      conditions.push([field, value]);
      i += 3;
      if (i < tokens.length) {
        if (tokens[i]!.toUpperCase() !== 'AND') throw new AdminError(`near "${tokens[i]}": syntax error`);
        i++;
      }
    }
    return conditions;
  }

  /** Picks columns (or *) from full rows; unknown names fail like SQLite. */
  function project(all: readonly string[], picked: string[], rows: Record<string, string>[]): { rows: Record<string, string>[]; columns: string[] } {
    const names = picked.length === 1 && picked[0] === '*' ? [...all] : picked;
    for (const n of names) if (!all.some((a) => a.toLowerCase() === n.toLowerCase())) throw new AdminError(`no such column: ${n}`);
    const real = names.map((n) => all.find((a) => a.toLowerCase() === n.toLowerCase())!);
    return { rows: rows.map((r) => Object.fromEntries(real.map((n) => [n, r[n] ?? '']))), columns: real };
  }

  function filter(rows: Record<string, string>[], conditions: Array<[string, string]>): Record<string, string>[] {
    return rows.filter((r) => conditions.every(([f, v]) => Object.entries(r).some(([k, x]) => k.toLowerCase() === f && x === v)));
  }

  function poolRows(): Record<string, string>[] {
    return layers.runtime.map((r) => {
      const row: Record<string, string> = Object.fromEntries(POOL_FIELDS.map((n) => [n, '0']));
      const mine = pool.filter((c) => sameServer(r, c));
      Object.assign(row, {
        hostgroup: r.hostgroup_id,
        srv_host: r.hostname,
        srv_port: r.port,
        status: r.status,
        ConnUsed: String(mine.filter((c) => c.inUse).length),
        ConnFree: String(mine.filter((c) => !c.inUse).length),
        ConnOK: String(mine.length),
      });
      if (options.poolTlsColumn) row[options.poolTlsColumn] = String(mine.filter((c) => c.useSsl).length);
      return row;
    });
  }

  function freeConnectionRows(): Record<string, string>[] {
    return pool
      .filter((c) => !c.inUse)
      .map((c) => ({
        fd: String(c.fd),
        hostgroup: c.hostgroup,
        srv_host: c.host,
        srv_port: c.port,
        user: 'app',
        schema: 'information_schema',
        init_connect: '',
        time_zone: '',
        sql_mode: '',
        autocommit: '1',
        idle_ms: '1200',
        statistics: JSON.stringify({ bytes_recv: 0, bytes_sent: 0, myconnpoll_get: 1, myconnpoll_put: 1, questions: 1 }),
        // Abridged: the real mysql_info has many more fields; options.use_ssl is the one the extension reads.
        mysql_info: JSON.stringify({
          host: c.host,
          host_info: `${c.host} via TCP/IP`,
          port: Number(c.port),
          server_version: '10.11.6-MariaDB',
          net: { fd: c.fd },
          options: { charset_name: 'utf8mb4', compress: false, use_ssl: c.useSsl ? 1 : 0 },
        }),
      }));
  }

  function answer(sql: string): Answer {
    const tokens = tokenize(sql.trim().replace(/;\s*$/, ''));
    const upper = tokens.map((t) => (t.startsWith("'") ? t : t.toUpperCase()));
    const words = upper.join(' ');
    if (words === 'SELECT @@VERSION') return { rows: [{ '@@version': STAND_IN_VERSION }], columns: ['@@version'] };
    if (words === 'SELECT 1') return { rows: [{ '1': '1' }], columns: ['1'] };
    if (options.clientPort && words === 'SELECT @@VERSION_COMMENT LIMIT 1')
      return { rows: [{ '@@version_comment': '(ProxySQL)' }], columns: ['@@version_comment'] };
    if (options.clientPort && upper[0] === 'SHOW' && upper[1] === 'SESSION' && upper[2] === 'STATUS') {
      const backend = options.clientPort;
      const rows = [
        { Variable_name: 'Ssl_cipher', Value: backend.backendSslCipher },
        { Variable_name: 'Ssl_version', Value: backend.backendSslVersion },
      ];
      return { rows, columns: ['Variable_name', 'Value'] };
    }
    // The real admin port refuses it, with or without TLS (SQLite does not know SHOW SESSION STATUS).
    if (upper[0] === 'SHOW' && upper[1] === 'SESSION') throw new AdminError('near "SHOW": syntax error', '28000');
    if (upper[0] === 'SHOW' && upper[1] === 'VARIABLES') {
      const pattern = upper[2] === 'LIKE' ? literal(tokens[3]) : undefined;
      if (upper[2] !== undefined && pattern === undefined) throw new AdminError(`near "${tokens[2]}": syntax error`);
      const re = pattern === undefined ? undefined : likeToRegExp(pattern);
      // SHOW VARIABLES reads memory, not runtime.
      const rows = Object.entries(vars.memory)
        .filter(([k]) => !re || re.test(k))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => ({ Variable_name: k, Value: v }));
      return { rows, columns: ['Variable_name', 'Value'] };
    }
    if (upper[0] === 'SET' && upper[2] === '=' && tokens.length === 4) {
      const name = tokens[1]!;
      const value = literal(tokens[3]) ?? '';
      if (!(name in vars.memory)) return { affectedRows: 0, info: `ERROR: Unknown global variable: '${name}'` };
      vars.memory[name] = value;
      return { affectedRows: 1 };
    }
    if (/^(LOAD|SAVE) MYSQL (SERVERS|VARIABLES) (TO|FROM) (RUNTIME|RUN|DISK|MEMORY|MEM)$/.test(words)) {
      const [verb, , what, dir, place] = upper as [string, string, string, string, string];
      const toRuntime = (verb === 'LOAD' && dir === 'TO' && place.startsWith('RUN')) || (verb === 'LOAD' && dir === 'FROM' && place.startsWith('MEM'));
      const toDisk = (verb === 'SAVE' && dir === 'TO' && place === 'DISK') || (verb === 'SAVE' && dir === 'FROM' && place.startsWith('MEM'));
      const memoryFromDisk = verb === 'LOAD' && dir === 'FROM' && place === 'DISK';
      const memoryFromRuntime = verb === 'SAVE' && dir === 'FROM' && place.startsWith('RUN');
      const copy = (fromLayer: Layer, toLayer: Layer): void => {
        if (what === 'SERVERS' && sslParams) sslParams[toLayer] = sslParams[fromLayer].map((r) => ({ ...r }));
        if (what === 'SERVERS') {
          layers[toLayer] = layers[fromLayer].map((r) => {
            // A SHUNNED server stays SHUNNED while its configuration says ONLINE (ProxySQL decides that).
            const before =
              toLayer === 'runtime'
                ? layers.runtime.find((x) => x.hostgroup_id === r.hostgroup_id && x.hostname === r.hostname && x.port === r.port)
                : undefined;
            return { ...r, status: before?.status === 'SHUNNED' && r.status === 'ONLINE' ? 'SHUNNED' : r.status };
          });
        } else vars[toLayer] = { ...vars[fromLayer] };
      };
      if (toRuntime) {
        copy('memory', 'runtime');
        if (what === 'SERVERS') {
          applyRuntimeToPool();
          if (layers.runtime.some((r) => r.status === 'OFFLINE_HARD')) {
            clearTimeout(purgeTimer);
            purgeTimer = setTimeout(purgeOfflineHard, options.offlineHardPurgeMs ?? 3000).unref();
          }
        }
      } else if (toDisk) copy('memory', 'disk');
      else if (memoryFromDisk) copy('disk', 'memory');
      else if (memoryFromRuntime) copy('runtime', 'memory');
      else throw new AdminError(`near "${dir}": syntax error`);
      return { affectedRows: what === 'VARIABLES' && toDisk ? Object.keys(vars.disk).length : 0 };
    }
    if (upper[0] === 'SELECT') {
      const fromAt = upper.indexOf('FROM');
      if (fromAt < 0) throw new AdminError('no such column: ' + (tokens[1] ?? ''));
      const table = tokens[fromAt + 1] ?? '';
      const picked = tokens.slice(1, fromAt).filter((t) => t !== ',');
      const restTokens = tokens.slice(fromAt + 2);
      const orderAt = restTokens.findIndex((t) => t.toUpperCase() === 'ORDER');
      const whereTokens = orderAt >= 0 ? restTokens.slice(0, orderAt) : restTokens;
      const serverLayer = serverTable(table);
      if (serverLayer) {
        if (whereTokens.length > 0) throw new AdminError('the stand-in reads mysql_servers without WHERE only');
        const rows = [...layers[serverLayer]].sort(
          (a, b) => Number(a.hostgroup_id) - Number(b.hostgroup_id) || a.hostname.localeCompare(b.hostname) || Number(a.port) - Number(b.port),
        );
        return project(SERVER_FIELDS, picked, rows);
      }
      const paramsLayer = (
        { mysql_servers_ssl_params: 'memory', runtime_mysql_servers_ssl_params: 'runtime', 'disk.mysql_servers_ssl_params': 'disk' } as Record<string, Layer>
      )[table.toLowerCase()];
      if (paramsLayer && sslParams) {
        if (whereTokens.length > 0) throw new AdminError('the stand-in reads mysql_servers_ssl_params without WHERE only');
        return project(SSL_PARAMS_FIELDS, picked, sslParams[paramsLayer]);
      }
      const varLayer = variableTable(table);
      if (varLayer) {
        // WHERE variable_name IN ('a', 'b', ...)
        if (whereTokens[0]?.toUpperCase() !== 'WHERE' || whereTokens[1]?.toLowerCase() !== 'variable_name' || whereTokens[2]?.toUpperCase() !== 'IN')
          throw new AdminError('the stand-in reads global_variables by exact names only');
        const wanted = whereTokens
          .slice(3)
          .filter((t) => t.startsWith("'"))
          .map((t) => t.slice(1));
        const rows = Object.entries(vars[varLayer])
          .filter(([k]) => wanted.includes(k))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => ({ variable_name: k, variable_value: v }));
        return project(['variable_name', 'variable_value'], picked, rows);
      }
      const conditions =
        whereTokens.length > 0
          ? whereTokens[0]!.toUpperCase() === 'WHERE'
            ? where(whereTokens, 1)
            : (() => {
                throw new AdminError(`near "${whereTokens[0]}": syntax error`);
              })()
          : [];
      if (table.toLowerCase() === 'stats_mysql_connection_pool') {
        const all = options.poolTlsColumn ? [...POOL_FIELDS, options.poolTlsColumn] : POOL_FIELDS;
        return project(all, picked, filter(poolRows(), conditions));
      }
      if (table.toLowerCase() === 'stats_mysql_free_connections' && !options.noFreeConnectionsTable) {
        return project(FREE_CONNECTION_FIELDS, picked, filter(freeConnectionRows(), conditions));
      }
      throw new AdminError(`no such table: ${table}`);
    }
    if (upper[0] === 'UPDATE' && upper[2] === 'SET' && upper[4] === '=') {
      const table = tokens[1]!.toLowerCase();
      const field = tokens[3]!.toLowerCase();
      const value = literal(tokens[5]) ?? '';
      if (upper[6] !== 'WHERE') throw new AdminError('the stand-in updates with a WHERE clause only');
      const conditions = where(tokens, 7);
      if (table === 'mysql_servers' && (field === 'use_ssl' || field === 'status')) {
        if (field === 'use_ssl' && value !== '0' && value !== '1') throw new AdminError('CHECK constraint failed: use_ssl IN(0,1)');
        if (field === 'status' && !SERVER_STATUSES.includes(value.toUpperCase()))
          throw new AdminError("CHECK constraint failed: UPPER(status) IN ('ONLINE','SHUNNED','OFFLINE_SOFT', 'OFFLINE_HARD')");
        let n = 0;
        for (const row of layers.memory) {
          if (conditions.every(([f, v]) => (SERVER_FIELDS as readonly string[]).includes(f) && row[f as ServerField] === v)) {
            row[field] = field === 'status' ? value.toUpperCase() : value;
            n++;
          }
        }
        return { affectedRows: n };
      }
      if (table === 'global_variables' && field === 'variable_value' && conditions.length === 1 && conditions[0]![0] === 'variable_name') {
        const name = conditions[0]![1];
        if (!(name in vars.memory)) return { affectedRows: 0 };
        vars.memory[name] = value;
        return { affectedRows: 1 };
      }
      throw new AdminError(`the stand-in does not support UPDATE ${table} SET ${field}`);
    }
    if (upper[0] === 'INSERT' && upper[1] === 'INTO' && tokens[2]?.toLowerCase() === 'mysql_servers') {
      const valuesAt = upper.indexOf('VALUES');
      const names = tokens
        .slice(4, valuesAt - 1)
        .filter((t) => t !== ',')
        .map((t) => t.toLowerCase());
      const values = tokens
        .slice(valuesAt + 2, tokens.length - 1)
        .filter((t) => t !== ',')
        .map((t) => literal(t) ?? '');
      if (valuesAt < 0 || names.length !== values.length) throw new AdminError(`${values.length} values for ${names.length} columns`);
      const partial: Partial<StandInServerRow> = {};
      names.forEach((n, i) => {
        if (!(SERVER_FIELDS as readonly string[]).includes(n)) throw new AdminError(`table mysql_servers has no column named ${n}`);
        partial[n as ServerField] = values[i]!;
      });
      const row = serverRow(partial);
      if (row.use_ssl !== '0' && row.use_ssl !== '1') throw new AdminError('CHECK constraint failed: use_ssl IN(0,1)');
      if (layers.memory.some((r) => r.hostgroup_id === row.hostgroup_id && r.hostname === row.hostname && r.port === row.port)) {
        throw new AdminError('UNIQUE constraint failed: mysql_servers.hostgroup_id, mysql_servers.hostname, mysql_servers.port');
      }
      layers.memory.push(row);
      return { affectedRows: 1 };
    }
    throw new AdminError(`near "${tokens[0] ?? ''}": syntax error`);
  }

  /** An error packet with ProxySQL's SQLSTATE (mysql2's writeError always sends "#_____"). */
  function writeAdminError(conn: ServerConnection, e: AdminError): void {
    const packet = mysql2Packets.Error.toPacket({ code: 1045, message: `ProxySQL Admin Error: ${e.message}` }, 'utf8');
    // Payload: 0xff, code (2 bytes), '#', SQLSTATE (5 bytes); the payload starts after the 4-byte header.
    packet.buffer.write(`#${e.sqlState}`, 4 + 3, 'latin1');
    conn.writePacket(packet);
  }

  const mysqlServer = mysql2.createServer();
  mysqlServer.on('connection', (conn: ServerConnection) => {
    const offerTls = (conn.stream as Duplex & { offerTls?: boolean }).offerTls === true;
    conn.on('error', () => undefined);
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: GREETING_VERSION,
      connectionId: 1 + Math.floor(Math.random() * 1000),
      statusFlags: GREETING_STATUS_FLAGS,
      characterSet: 33,
      // CLIENT_PROTOCOL_41 | SECURE_CONNECTION | LONG_PASSWORD | TRANSACTIONS ..., and CLIENT_SSL when mysql-have_ssl is on in runtime.
      capabilityFlags: (0xa3ff & ~CLIENT_SSL) | (offerTls ? CLIENT_SSL : 0),
      authCallback: (
        params: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer },
        cb: (err: null, mysqlError?: { code: number; message: string }) => void,
      ) => {
        let ok = params.user === user;
        if (ok) {
          // mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw)))
          const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2.subarray(0, 12)]);
          const mask = createHash('sha1').update(scramble).update(doubleSha).digest();
          const token = params.authToken;
          if (token.length !== 20) ok = false;
          else {
            const stage1 = Buffer.alloc(20);
            for (let i = 0; i < 20; i++) stage1[i] = token[i]! ^ mask[i]!;
            ok = timingSafeEqual(createHash('sha1').update(stage1).digest(), doubleSha);
          }
        }
        if (ok) {
          cb(null);
          conn.sequenceId = 0;
        } else cb(null, { code: 1045, message: `ProxySQL Error: Access denied for user '${params.user}' (using password: YES)` });
      },
    });
    const respond = (text: string): void => {
      statements.push(text);
      try {
        const a = answer(text);
        if ('rows' in a) conn.writeTextResult(a.rows, columns(a.columns));
        else if (a.info) conn.writePacket(okPacket(a.affectedRows, a.info));
        else conn.writeOk({ affectedRows: a.affectedRows, serverStatus: 2 });
      } catch (e) {
        if (!(e instanceof AdminError)) throw e;
        rejected.push(text);
        writeAdminError(conn, e);
      }
      conn.sequenceId = 0;
    };
    conn.on('query', (sql: unknown) => respond(String(sql)));
    // mysql2's server routes both COM_STMT_PREPARE and COM_QUERY "SET ..." here; the 'packet' event that
    // follows says which it was. ProxySQL's admin has no prepared statements.
    let prepared: string | undefined;
    conn.on('stmt_prepare', (sql: unknown) => {
      prepared = String(sql);
    });
    conn.on('packet', (_packet: unknown, _known: unknown, commandCode: unknown) => {
      const sql = prepared;
      prepared = undefined;
      if (sql === undefined) return;
      if (commandCode === 0x03) return respond(sql);
      statements.push(sql);
      rejected.push(sql);
      writeAdminError(conn, new AdminError('Command not supported'));
      conn.sequenceId = 0;
    });
    conn.on('ping', () => {
      conn.writeOk();
      conn.sequenceId = 0;
    });
    conn.on('quit', () => conn.close());
  });

  // Our own listener: the TLS decision (runtime mysql-have_ssl) is made per new connection, and when the
  // client answers the greeting with an SSL request, the rest of the session runs inside TLS.
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    // A result set is several small writes: without this, Nagle + delayed ACK add ~40 ms per query.
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const offerTls = vars.runtime['mysql-have_ssl'] === 'true' || vars.runtime['mysql-have_ssl'] === '1';
    // The stream mysql2 talks to: writes go to the socket, or into TLS once it is started.
    let out: { write(b: Buffer, cb: (e?: Error | null) => void): void; end(): void; destroy(): void } = socket;
    const front = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        out.write(chunk, cb);
      },
      final(cb) {
        out.end();
        cb();
      },
      destroy(err, cb) {
        out.destroy();
        cb(err);
      },
    });
    let head = Buffer.alloc(0);
    const sniff = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      const length = head.readUIntLE(0, 3);
      if (head.length < 4 + length) return;
      socket.off('data', sniff);
      const caps = length >= 4 ? head.readUInt32LE(4) : 0;
      if (offerTls && length === 32 && (caps & CLIENT_SSL) !== 0) {
        // The SSL request: start TLS, then hand mysql2 the rest (the handshake response, sequence 2).
        tlsConnections++;
        const secure = new tls.TLSSocket(replayingStream(socket, head.subarray(4 + length)), { isServer: true, secureContext });
        secure.on('error', () => socket.destroy());
        secure.on('data', (d: Buffer) => front.push(d));
        secure.on('end', () => front.push(null));
        out = secure;
        mysqlConnectionOf(front).sequenceId = 2;
        return;
      }
      front.push(head);
      socket.on('data', (d: Buffer) => front.push(d));
      socket.on('end', () => front.push(null));
    };
    socket.on('data', sniff);
    socket.on('close', () => front.destroy());
    (front as Duplex & { offerTls?: boolean }).offerTls = offerTls;
    mysqlServer._handleConnection(front);
  });
  const connectionsByStream = new WeakMap<Duplex, ServerConnection>();
  const mysqlConnectionOf = (d: Duplex): ServerConnection => connectionsByStream.get(d)!;
  mysqlServer.on('connection', (conn: ServerConnection) => {
    connectionsByStream.set(conn.stream, conn);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (listener.address() as net.AddressInfo).port;
  const keyMatch = (key: ServerKeyFields | undefined, c: PooledConnection): boolean => !key || sameServer(key, c);
  return {
    port,
    user,
    password,
    dataDir,
    caFile,
    statements,
    rejected,
    servers: (layer) => layers[layer].map((r) => ({ ...r })),
    variables: (layer) => ({ ...vars[layer] }),
    pool: () => pool.map((c) => ({ ...c })),
    openBackendConnections: (key, n, opts = {}) => {
      const row = layers.runtime.find((r) => r.hostgroup_id === key.hostgroup_id && r.hostname === key.hostname && r.port === key.port);
      if (!row || row.status !== 'ONLINE')
        throw new Error(`stand-in: ${key.hostgroup_id}/${key.hostname}:${key.port} is not ONLINE in runtime; ProxySQL opens no connection to it`);
      open(key, n, opts.inUse === true, row.use_ssl === '1');
    },
    finishQueries: (key) => {
      pool = pool.flatMap((c) => {
        if (!c.inUse || !keyMatch(key, c)) return [c];
        return runtimeRow(c)?.status === 'ONLINE' ? [{ ...c, inUse: false }] : [];
      });
    },
    purgeOfflineHard,
    get tlsConnections() {
      return tlsConnections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(purgeTimer);
        for (const s of sockets) s.destroy();
        // The data folder goes with the stand-in, unless the caller brought its own.
        if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
        listener.close(() => resolve());
      }),
  };
}

/** A small fleet: two hostgroups (writer 10, readers 20), TLS off everywhere, as after a fresh install. */
export const DEMO_STAND_IN_SERVERS: NonNullable<StandInOptions['servers']> = [
  { hostgroup_id: '10', hostname: 'db-primary.internal', port: '3306', comment: 'writer' },
  { hostgroup_id: '20', hostname: 'db-replica-1.internal', port: '3306', comment: 'reader' },
  { hostgroup_id: '20', hostname: 'db-replica-2.internal', port: '3306', comment: 'reader' },
];
