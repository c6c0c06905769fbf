/**
 * A STAND-IN for a ProxySQL admin interface (ProxySQL cannot be installed here). It is NOT ProxySQL: it is a
 * small MySQL-protocol server built on mysql2's server API that keeps the memory / runtime / disk layers of
 * `mysql_servers` and `global_variables`, answers only the admin statements ProxySQL documents that the
 * extension sends (the strings src/core/proxysql/adminSql.ts produces, parsed loosely), and rejects every
 * other statement with an error shaped like ProxySQL's ("ProxySQL Admin Error: ...", code 1045).
 * Like the real admin port it speaks plaintext only (no TLS) and has no prepared statements.
 * Behaviour copied from observations of ProxySQL 2.7.1 (see /work/shared/notes/proxysql.md): every column
 * is sent as a string, use_ssl has CHECK (use_ssl IN (0,1)), runtime status can differ from memory.
 */
import * as net from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';

type Mysql2 = typeof import('mysql2');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql2 = require('mysql2') as Mysql2 & { createServer(handler?: (conn: ServerConnection) => void): Mysql2Server };

/** mysql2's Server wraps a net.Server (not exported as one) in `_server`. */
interface Mysql2Server {
  _server: net.Server;
  listen(port: number, host: string, cb: () => void): void;
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
  writeOk(args?: { affectedRows?: number; message?: string }): void;
  writeError(args: { code: number; message: string }): void;
  close(): void;
  stream: net.Socket;
  /** mysql2's server side does not reset it per command: the next command (sequence 0) must find 0. */
  sequenceId: number;
}

export const STAND_IN_VERSION = '2.7.1-stand-in';
const SERVER_FIELDS = ['hostgroup_id', 'hostname', 'port', 'gtid_port', 'status', 'weight', 'compression', 'max_connections', 'max_replication_lag', 'use_ssl', 'max_latency_ms', 'comment'] as const;
type ServerField = (typeof SERVER_FIELDS)[number];
export type StandInServerRow = Record<ServerField, string>;
type Layer = 'memory' | 'runtime' | 'disk';

const POOL_FIELDS = ['hostgroup', 'srv_host', 'srv_port', 'status', 'ConnUsed', 'ConnFree', 'ConnOK', 'ConnERR', 'MaxConnUsed', 'Queries', 'Queries_GTID_sync', 'Bytes_data_sent', 'Bytes_data_recv', 'Latency_us'];

export interface StandInOptions {
  user?: string;
  password?: string;
  servers?: Array<Partial<StandInServerRow> & { hostgroup_id: string; hostname: string; port: string }>;
  /** Variables present in this "version" (default: have_ssl and the four p2s variables, all empty but have_ssl). */
  variables?: Record<string, string>;
  /** Rows of mysql_servers_ssl_params (2.6+; default: the table exists, empty); false = a version without it. */
  serverSslParams?: Array<Record<string, string>> | false;
  /** Pretend the version has a pool column counting TLS connections (2.7.1 has none). */
  poolTlsColumn?: string;
  /**
   * How the stand-in answers the engine's `SHOW SESSION STATUS LIKE 'Ssl\_%'` (what a real ProxySQL admin
   * does is not recorded in the notes): 'empty' (default) or 'reject' with an admin error.
   */
  sessionStatus?: 'empty' | 'reject';
}

export interface ProxysqlStandIn {
  port: number;
  user: string;
  password: string;
  /** Every statement received, in order (so tests can check what the extension sent). */
  statements: string[];
  /** Statements rejected as unsupported. */
  rejected: string[];
  servers(layer: Layer): StandInServerRow[];
  variables(layer: Layer): Record<string, string>;
  close(): Promise<void>;
}

class AdminError extends Error {}

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
    } else if (/[A-Za-z0-9_.@\-]/.test(c)) {
      let word = '';
      while (i < sql.length && /[A-Za-z0-9_.@\-]/.test(sql[i]!)) word += sql[i++];
      tokens.push(word);
    } else {
      tokens.push(c);
      i++;
    }
  }
  return tokens;
}

const literal = (t: string | undefined): string | undefined => (t?.startsWith("'") ? t.slice(1) : t);

export async function startProxysqlStandIn(options: StandInOptions = {}): Promise<ProxysqlStandIn> {
  const user = options.user ?? 'admin';
  const password = options.password ?? 'stand-in-admin';
  const initial = (options.servers ?? []).map(serverRow);
  const layers: Record<Layer, StandInServerRow[]> = { memory: initial.map((r) => ({ ...r })), runtime: initial.map((r) => ({ ...r })), disk: initial.map((r) => ({ ...r })) };
  const initialVars = options.variables ?? { 'mysql-have_ssl': 'true', 'mysql-ssl_p2s_ca': '', 'mysql-ssl_p2s_cert': '', 'mysql-ssl_p2s_key': '', 'mysql-ssl_p2s_cipher': '' };
  const vars: Record<Layer, Record<string, string>> = { memory: { ...initialVars }, runtime: { ...initialVars }, disk: { ...initialVars } };
  const SSL_PARAMS_FIELDS = ['hostname', 'port', 'username', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_capath', 'ssl_crl', 'ssl_crlpath', 'ssl_cipher', 'tls_version', 'comment'];
  const sslParamsInitial = options.serverSslParams === false ? undefined : (options.serverSslParams ?? []).map((r) => Object.fromEntries(SSL_PARAMS_FIELDS.map((f) => [f, r[f] ?? ''])));
  const sslParams: Record<Layer, Array<Record<string, string>>> | undefined = sslParamsInitial && {
    memory: sslParamsInitial.map((r) => ({ ...r })),
    runtime: sslParamsInitial.map((r) => ({ ...r })),
    disk: sslParamsInitial.map((r) => ({ ...r })),
  };
  const statements: string[] = [];
  const rejected: string[] = [];
  const sockets = new Set<net.Socket>();
  const doubleSha = createHash('sha1').update(createHash('sha1').update(password).digest()).digest();

  const columns = (names: readonly string[]): ColumnDefinition[] =>
    names.map((name) => ({ catalog: 'def', schema: 'main', table: '', orgTable: '', name, orgName: name, characterSet: 33, columnLength: 1024, columnType: 253, flags: 0, decimals: 0 }));

  const serverTable = (name: string): Layer | undefined => ({ mysql_servers: 'memory', runtime_mysql_servers: 'runtime', 'disk.mysql_servers': 'disk' } as Record<string, Layer>)[name.toLowerCase()];
  const variableTable = (name: string): Layer | undefined =>
    ({ global_variables: 'memory', runtime_global_variables: 'runtime', 'disk.global_variables': 'disk' } as Record<string, Layer>)[name.toLowerCase()];

  type Answer = { rows: Record<string, string | null>[]; columns: string[] } | { affectedRows: number };

  function where(tokens: string[], from: number): Array<[string, string]> {
    // WHERE a=b [AND c=d ...] or WHERE name IN ('x', ...)
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

  function answer(sql: string): Answer {
    const tokens = tokenize(sql.trim().replace(/;\s*$/, ''));
    const upper = tokens.map((t) => (t.startsWith("'") ? t : t.toUpperCase()));
    const words = upper.join(' ');
    if (words === 'SELECT @@VERSION') return { rows: [{ '@@version': STAND_IN_VERSION }], columns: ['@@version'] };
    // The engine's TLS report query on connect: the admin port has no TLS, so no Ssl_ values.
    if (/^SHOW SESSION STATUS LIKE 'Ssl\\_%$/i.test(words)) {
      if (options.sessionStatus === 'reject') throw new AdminError('near "SHOW": syntax error');
      return { rows: [], columns: ['Variable_name', 'Value'] };
    }
    if (/^(LOAD|SAVE) MYSQL (SERVERS|VARIABLES) (TO|FROM) (RUNTIME|RUN|DISK|MEMORY|MEM)$/.test(words)) {
      const [verb, , what, dir, place] = upper as [string, string, string, string, string];
      const toRuntime = (verb === 'LOAD' && dir === 'TO' && place.startsWith('RUN')) || (verb === 'LOAD' && dir === 'FROM' && place.startsWith('MEM'));
      const toDisk = (verb === 'SAVE' && dir === 'TO' && place === 'DISK') || (verb === 'SAVE' && dir === 'FROM' && place.startsWith('MEM'));
      const memoryFromDisk = verb === 'LOAD' && dir === 'FROM' && place === 'DISK';
      const memoryFromRuntime = verb === 'SAVE' && dir === 'FROM' && place.startsWith('RUN');
      const copy = (fromLayer: Layer, toLayer: Layer): void => {
        if (what === 'SERVERS' && sslParams) sslParams[toLayer] = sslParams[fromLayer].map((r) => ({ ...r }));
        if (what === 'SERVERS') layers[toLayer] = layers[fromLayer].map((r) => ({ ...r, status: toLayer === 'runtime' ? (layers.runtime.find((x) => x.hostgroup_id === r.hostgroup_id && x.hostname === r.hostname && x.port === r.port)?.status ?? r.status) : r.status }));
        else vars[toLayer] = { ...vars[fromLayer] };
      };
      if (toRuntime) copy('memory', 'runtime');
      else if (toDisk) copy('memory', 'disk');
      else if (memoryFromDisk) copy('disk', 'memory');
      else if (memoryFromRuntime) copy('runtime', 'memory');
      else throw new AdminError(`near "${dir}": syntax error`);
      return { affectedRows: 0 };
    }
    if (upper[0] === 'SELECT') {
      const fromAt = upper.indexOf('FROM');
      if (fromAt < 0) throw new AdminError('no such column: ' + (tokens[1] ?? ''));
      const table = tokens[fromAt + 1] ?? '';
      const picked = tokens.slice(1, fromAt).filter((t) => t !== ',');
      const rest = upper.slice(fromAt + 2);
      const orderAt = rest.indexOf('ORDER');
      const whereTokens = orderAt >= 0 ? rest.slice(0, orderAt) : rest;
      const serverLayer = serverTable(table);
      if (serverLayer) {
        if (whereTokens.length > 0) throw new AdminError('the stand-in reads mysql_servers without WHERE only');
        const names = picked.length === 1 && picked[0] === '*' ? [...SERVER_FIELDS] : picked.map((p) => p.toLowerCase());
        for (const n of names) if (!(SERVER_FIELDS as readonly string[]).includes(n)) throw new AdminError(`no such column: ${n}`);
        const rows = [...layers[serverLayer]]
          .sort((a, b) => Number(a.hostgroup_id) - Number(b.hostgroup_id) || a.hostname.localeCompare(b.hostname) || Number(a.port) - Number(b.port))
          .map((r) => Object.fromEntries(names.map((n) => [n, r[n as ServerField]])));
        return { rows, columns: names };
      }
      const paramsLayer = ({ mysql_servers_ssl_params: 'memory', runtime_mysql_servers_ssl_params: 'runtime', 'disk.mysql_servers_ssl_params': 'disk' } as Record<string, Layer>)[table.toLowerCase()];
      if (paramsLayer && sslParams) {
        if (whereTokens.length > 0) throw new AdminError('the stand-in reads mysql_servers_ssl_params without WHERE only');
        const names = picked.map((p) => p.toLowerCase());
        for (const n of names) if (!SSL_PARAMS_FIELDS.includes(n)) throw new AdminError(`no such column: ${n}`);
        return { rows: sslParams[paramsLayer].map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? '']))), columns: names };
      }
      const varLayer = variableTable(table);
      if (varLayer) {
        // WHERE variable_name IN ('a', 'b', ...)
        if (whereTokens[0] !== 'WHERE' || whereTokens[1]?.toLowerCase() !== 'variable_name' || whereTokens[2] !== 'IN') throw new AdminError('the stand-in reads global_variables by exact names only');
        const wanted = whereTokens.slice(3).filter((t) => t.startsWith("'")).map((t) => t.slice(1));
        const rows = Object.entries(vars[varLayer])
          .filter(([k]) => wanted.includes(k))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => ({ variable_name: k, variable_value: v }));
        return { rows, columns: ['variable_name', 'variable_value'] };
      }
      if (table.toLowerCase() === 'stats_mysql_connection_pool' && picked.join('') === '*' && whereTokens.length === 0) {
        const names = options.poolTlsColumn ? [...POOL_FIELDS, options.poolTlsColumn] : POOL_FIELDS;
        const rows = layers.runtime.map((r) => {
          const row: Record<string, string> = Object.fromEntries(POOL_FIELDS.map((n) => [n, '0']));
          Object.assign(row, { hostgroup: r.hostgroup_id, srv_host: r.hostname, srv_port: r.port, status: r.status, ConnFree: '2' });
          if (options.poolTlsColumn) row[options.poolTlsColumn] = r.use_ssl === '1' ? '2' : '0';
          return row;
        });
        return { rows, columns: names };
      }
      throw new AdminError(`no such table: ${table}`);
    }
    if (upper[0] === 'UPDATE' && upper[2] === 'SET' && upper[4] === '=') {
      const table = tokens[1]!.toLowerCase();
      const field = tokens[3]!.toLowerCase();
      const value = literal(tokens[5]) ?? '';
      if (upper[6] !== 'WHERE') throw new AdminError('the stand-in updates with a WHERE clause only');
      const conditions = where(tokens, 7);
      if (table === 'mysql_servers' && field === 'use_ssl') {
        if (value !== '0' && value !== '1') throw new AdminError('CHECK constraint failed: use_ssl IN(0,1)');
        let n = 0;
        for (const row of layers.memory) {
          if (conditions.every(([f, v]) => (SERVER_FIELDS as readonly string[]).includes(f) && row[f as ServerField] === v)) {
            row.use_ssl = value;
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
      const names = tokens.slice(4, valuesAt - 1).filter((t) => t !== ',').map((t) => t.toLowerCase());
      const values = tokens.slice(valuesAt + 2, tokens.length - 1).filter((t) => t !== ',').map((t) => literal(t) ?? '');
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
    throw new AdminError(`near "${tokens[0] ?? ''}": syntax error (the stand-in answers only the admin statements the extension uses)`);
  }

  const server = mysql2.createServer((conn: ServerConnection) => {
    sockets.add(conn.stream);
    // A result set is several small writes: without this, Nagle + delayed ACK add ~40 ms per query.
    conn.stream.setNoDelay(true);
    conn.stream.on('close', () => sockets.delete(conn.stream));
    conn.on('error', () => undefined);
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '8.0.11 (ProxySQL Admin Module)',
      connectionId: 1 + Math.floor(Math.random() * 1000),
      statusFlags: 2,
      characterSet: 33,
      // CLIENT_PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | LONG_PASSWORD | TRANSACTIONS ... but no SSL: the admin port is plaintext.
      capabilityFlags: 0xa3ff & ~0x800,
      authCallback: (params: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer }, cb: (err: null, mysqlError?: { code: number; message: string }) => void) => {
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
    conn.on('query', (sql: unknown) => {
      const text = String(sql);
      statements.push(text);
      try {
        const a = answer(text);
        if ('rows' in a) conn.writeTextResult(a.rows, columns(a.columns));
        else conn.writeOk({ affectedRows: a.affectedRows });
      } catch (e) {
        if (!(e instanceof AdminError)) throw e;
        rejected.push(text);
        conn.writeError({ code: 1045, message: `ProxySQL Admin Error: ${e.message}` });
      }
      conn.sequenceId = 0;
    });
    // mysql2's server routes COM_STMT_PREPARE (and, oddly, COM_QUERY "SET ...") here; ProxySQL's admin has no prepared statements.
    conn.on('stmt_prepare', (sql: unknown) => {
      statements.push(String(sql));
      rejected.push(String(sql));
      conn.writeError({ code: 1045, message: 'Command not supported' });
      conn.sequenceId = 0;
    });
    conn.on('ping', () => {
      conn.writeOk();
      conn.sequenceId = 0;
    });
    conn.on('quit', () => conn.close());
  });
  await new Promise<void>((resolve, reject) => {
    server._server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server._server.address() as net.AddressInfo).port;
  return {
    port,
    user,
    password,
    statements,
    rejected,
    servers: (layer) => layers[layer].map((r) => ({ ...r })),
    variables: (layer) => ({ ...vars[layer] }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A small fleet: two hostgroups (writer 10, readers 20), TLS off everywhere, as after a fresh install. */
export const DEMO_STAND_IN_SERVERS: NonNullable<StandInOptions['servers']> = [
  { hostgroup_id: '10', hostname: 'db-primary.internal', port: '3306', comment: 'writer' },
  { hostgroup_id: '20', hostname: 'db-replica-1.internal', port: '3306', comment: 'reader' },
  { hostgroup_id: '20', hostname: 'db-replica-2.internal', port: '3306', comment: 'reader' },
];
