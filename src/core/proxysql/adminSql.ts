/**
 * Every SQL statement the extension sends to a ProxySQL admin interface (default port 6032), in one module,
 * so it can be checked against a real ProxySQL. The statements are the ones ProxySQL documents for its
 * SSL configuration (mysql_servers.use_ssl, the mysql-ssl_p2s_* variables, LOAD ... TO RUNTIME and
 * SAVE ... TO DISK) plus the reads of the three layers (memory, runtime_, disk.).
 *
 * The admin port does not support prepared statements (COM_STMT_PREPARE fails with 1045 "Command not
 * supported"), so values are inlined here with escaping. The admin database is SQLite: a string literal
 * escapes a quote by doubling it and treats a backslash literally (Windows paths stay as typed).
 */

/** The three places ProxySQL keeps its configuration. */
export type ConfigLayer = 'memory' | 'runtime' | 'disk';
export const CONFIG_LAYERS: readonly ConfigLayer[] = ['memory', 'runtime', 'disk'];

/** Proxy-to-server TLS variables the extension manages, and the frontend (client-to-proxy) switch. */
export const P2S_VARIABLES = ['mysql-ssl_p2s_ca', 'mysql-ssl_p2s_cert', 'mysql-ssl_p2s_key', 'mysql-ssl_p2s_cipher'] as const;
export type P2sVariable = (typeof P2S_VARIABLES)[number];
export const FRONTEND_TLS_VARIABLE = 'mysql-have_ssl';
export const TLS_VARIABLES = [FRONTEND_TLS_VARIABLE, ...P2S_VARIABLES] as const;
export type TlsVariable = (typeof TLS_VARIABLES)[number];

export class AdminSqlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminSqlValueError';
  }
}

/** A string literal for the admin interface (SQLite rules: quotes doubled, backslashes literal). */
export function sqlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) throw new AdminSqlValueError(`value ${JSON.stringify(value)} contains a control character`);
  return `'${value.replace(/'/g, "''")}'`;
}

/** A whole number literal; anything else is refused before it reaches the admin interface. */
export function sqlInteger(value: number, what: string, min = 0, max = 2 ** 31 - 1): string {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new AdminSqlValueError(`${what} must be a whole number from ${min} to ${max}, not ${String(value)}`);
  return String(value);
}

function layerTable(layer: ConfigLayer, table: string): string {
  return layer === 'memory' ? table : layer === 'runtime' ? `runtime_${table}` : `disk.${table}`;
}

/** The mysql_servers columns the extension reads (same schema in all three layers). */
export const SERVER_COLUMNS = ['hostgroup_id', 'hostname', 'port', 'status', 'weight', 'max_connections', 'use_ssl', 'comment'] as const;

export function selectServers(layer: ConfigLayer): string {
  return `SELECT ${SERVER_COLUMNS.join(', ')} FROM ${layerTable(layer, 'mysql_servers')} ORDER BY hostgroup_id, hostname, port`;
}

/** Per-server TLS settings (ProxySQL 2.6+; older versions have no such table). Loaded/saved with MYSQL SERVERS. */
export const SERVER_SSL_PARAMS_COLUMNS = ['hostname', 'port', 'username', 'ssl_ca', 'ssl_cert', 'ssl_key', 'ssl_cipher', 'tls_version', 'comment'] as const;

export function selectServerSslParams(layer: ConfigLayer): string {
  return `SELECT ${SERVER_SSL_PARAMS_COLUMNS.join(', ')} FROM ${layerTable(layer, 'mysql_servers_ssl_params')} ORDER BY hostname, port, username`;
}

/** Exact names: `LIKE '%ssl%'` also matches unrelated processlist variables. */
export function selectTlsVariables(layer: ConfigLayer): string {
  return `SELECT variable_name, variable_value FROM ${layerTable(layer, 'global_variables')} WHERE variable_name IN (${TLS_VARIABLES.map(sqlString).join(', ')}) ORDER BY variable_name`;
}

export const SELECT_VERSION = 'SELECT @@version';
export const SELECT_CONNECTION_POOL = 'SELECT * FROM stats_mysql_connection_pool';
/**
 * One row per idle pooled backend connection; `mysql_info` is a JSON object whose `options.use_ssl` says
 * whether that connection was opened with TLS (observed on 2.7.1). Connections in use have no row anywhere.
 */
export const SELECT_FREE_CONNECTIONS = 'SELECT hostgroup, srv_host, srv_port, mysql_info FROM stats_mysql_free_connections';

/** One server's pool counters (ConnUsed: connections serving a client right now). */
export function selectServerPool(key: ServerKey): string {
  return `SELECT ConnUsed, ConnFree FROM stats_mysql_connection_pool WHERE hostgroup=${sqlInteger(key.hostgroupId, 'hostgroup_id')} AND srv_host=${sqlString(key.hostname)} AND srv_port=${sqlInteger(key.port, 'port', 1, 65535)}`;
}

/** On a client port (6033) ProxySQL answers this itself with `(ProxySQL)`; it is not forwarded. */
export const SELECT_VERSION_COMMENT = 'SELECT @@version_comment LIMIT 1';

export const LOAD_SERVERS_TO_RUNTIME = 'LOAD MYSQL SERVERS TO RUNTIME';
export const SAVE_SERVERS_TO_DISK = 'SAVE MYSQL SERVERS TO DISK';
export const LOAD_VARIABLES_TO_RUNTIME = 'LOAD MYSQL VARIABLES TO RUNTIME';
export const SAVE_VARIABLES_TO_DISK = 'SAVE MYSQL VARIABLES TO DISK';

export interface ServerKey {
  hostgroupId: number;
  hostname: string;
  port: number;
}

/** Whether a hostgroup's servers (or one server) use TLS to the backend. Changes memory only. */
export function updateUseSsl(useSsl: boolean, target: { hostgroupId: number; server?: Omit<ServerKey, 'hostgroupId'> }): string {
  let sql = `UPDATE mysql_servers SET use_ssl=${useSsl ? 1 : 0} WHERE hostgroup_id=${sqlInteger(target.hostgroupId, 'hostgroup_id')}`;
  if (target.server) sql += ` AND hostname=${sqlString(target.server.hostname)} AND port=${sqlInteger(target.server.port, 'port', 1, 65535)}`;
  return sql;
}

export type ServerStatus = 'ONLINE' | 'OFFLINE_SOFT' | 'OFFLINE_HARD';

/** A server's configured status in one hostgroup (memory only). */
export function updateServerStatus(status: ServerStatus, key: ServerKey): string {
  if (!['ONLINE', 'OFFLINE_SOFT', 'OFFLINE_HARD'].includes(status))
    throw new AdminSqlValueError(`status must be ONLINE, OFFLINE_SOFT or OFFLINE_HARD, not ${String(status)}`);
  return `UPDATE mysql_servers SET status=${sqlString(status)} WHERE hostgroup_id=${sqlInteger(key.hostgroupId, 'hostgroup_id')} AND hostname=${sqlString(key.hostname)} AND port=${sqlInteger(key.port, 'port', 1, 65535)}`;
}

/** Sets one global variable (memory only). Only the TLS variables this module knows are accepted. */
export function updateGlobalVariable(name: TlsVariable, value: string): string {
  if (!(TLS_VARIABLES as readonly string[]).includes(name)) throw new AdminSqlValueError(`${name} is not a variable the extension manages`);
  return `UPDATE global_variables SET variable_value=${sqlString(value)} WHERE variable_name=${sqlString(name)}`;
}

export interface ServerCopy extends ServerKey {
  weight: number;
  maxConnections: number;
  useSsl: boolean;
  comment: string;
}

/**
 * The documented way to reach one backend both with and without TLS: the same hostname:port in a second
 * hostgroup with the other use_ssl (query rules or users then pick the hostgroup).
 */
export function insertServer(server: ServerCopy): string {
  const values = [
    sqlInteger(server.hostgroupId, 'hostgroup_id'),
    sqlString(server.hostname),
    sqlInteger(server.port, 'port', 1, 65535),
    sqlInteger(server.weight, 'weight'),
    sqlInteger(server.maxConnections, 'max_connections'),
    server.useSsl ? '1' : '0',
    sqlString(server.comment),
  ];
  return `INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight, max_connections, use_ssl, comment) VALUES (${values.join(', ')})`;
}

/** One statement of a change, with what it does in words (shown in the confirmation). */
export interface AdminStep {
  sql: string;
  description: string;
  /** UPDATE/INSERT statements must change at least one row, else the target was not there. */
  expectRows: boolean;
}

export function loadStep(what: 'servers' | 'variables'): AdminStep {
  return what === 'servers'
    ? { sql: LOAD_SERVERS_TO_RUNTIME, description: 'make the servers table in memory the running configuration', expectRows: false }
    : { sql: LOAD_VARIABLES_TO_RUNTIME, description: 'make the variables in memory the running configuration', expectRows: false };
}

export function saveStep(what: 'servers' | 'variables'): AdminStep {
  return what === 'servers'
    ? { sql: SAVE_SERVERS_TO_DISK, description: 'write the servers table in memory to the on-disk database (survives a restart)', expectRows: false }
    : { sql: SAVE_VARIABLES_TO_DISK, description: 'write the variables in memory to the on-disk database (survives a restart)', expectRows: false };
}
