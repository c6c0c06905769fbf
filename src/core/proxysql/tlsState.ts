import {
  CONFIG_LAYERS,
  FRONTEND_TLS_VARIABLE,
  SELECT_CONNECTION_POOL,
  SELECT_FREE_CONNECTIONS,
  SELECT_VERSION,
  selectServers,
  selectServerSslParams,
  selectTlsVariables,
  TLS_VARIABLES,
  type AdminStep,
  type ConfigLayer,
  type ServerKey,
  type TlsVariable,
} from './adminSql';

/**
 * The TLS-relevant state of a ProxySQL admin interface, read from the three configuration layers and
 * compared: an entry whose memory differs from runtime needs LOAD ... TO RUNTIME; one whose runtime differs
 * from disk needs SAVE ... TO DISK (the classic mistake is a forgotten SAVE: the change is live but lost at
 * the next restart).
 */

/** Runs one admin statement. A `Session.query` fits; so does a plain mysql2 connection wrapper. */
export type AdminQuery = (sql: string) => Promise<{ rows: unknown; fields?: ReadonlyArray<{ name: string }> | undefined }>;

export interface ServerRow extends ServerKey {
  status: string;
  weight: number;
  maxConnections: number;
  useSsl: boolean;
  comment: string;
}

/**
 * What still has to run: LOAD ... TO RUNTIME, SAVE ... TO DISK, or a drain of pooled backend connections
 * that were opened before use_ssl=1 reached runtime (they stay plaintext until they are closed).
 */
export type PendingStep = 'load' | 'save' | 'drain';

/**
 * Whether a server's backend TLS switch has finished, from its runtime use_ssl and the idle connections in
 * stats_mysql_free_connections. Connections in use have no row there, so they cannot be counted.
 */
export interface BackendTlsStatus {
  /** 'off': runtime use_ssl=0; 'not-running': not in runtime; 'draining': use_ssl=1 but idle plaintext connections remain; 'done': none left. */
  state: 'off' | 'not-running' | 'draining' | 'done';
  idleTls: number;
  idlePlaintext: number;
  /** Idle connections whose mysql_info had no readable options.use_ssl. */
  idleUnknown: number;
  /** ConnUsed from stats_mysql_connection_pool: in use right now, TLS unknown. */
  inUse: number;
  text: string;
}

export interface ServerEntry extends ServerKey {
  key: string;
  memory?: ServerRow;
  runtime?: ServerRow;
  disk?: ServerRow;
  /** What still has to run for memory, runtime and disk to agree (and 'drain' for plaintext idle connections). */
  pending: PendingStep[];
  backendTls?: BackendTlsStatus;
}

export interface HostgroupEntry {
  hostgroupId: number;
  servers: ServerEntry[];
  pending: PendingStep[];
}

export interface VariableEntry {
  name: TlsVariable;
  /** False when this ProxySQL version has no such variable. */
  present: boolean;
  memory?: string;
  runtime?: string;
  disk?: string;
  pending: PendingStep[];
}

export interface PoolServerStats {
  hostgroup: number;
  host: string;
  port: number;
  status: string;
  connUsed: number;
  connFree: number;
  /** Pooled connections that use TLS, when this version reports them. */
  encrypted?: number;
  /** Idle pooled connections by their options.use_ssl (stats_mysql_free_connections.mysql_info). */
  idleTls?: number;
  idlePlaintext?: number;
  idleUnknown?: number;
}

export interface PoolState {
  /** The column that counts encrypted pooled connections, if this version has one. */
  encryptedColumn?: string;
  servers: PoolServerStats[];
  /** Why there is no per-connection encryption figure (shown instead of a number). */
  message?: string;
  /** False when this version has no stats_mysql_free_connections (then idle connections cannot be told apart). */
  freeConnectionsReported: boolean;
}

/** One row of mysql_servers_ssl_params across the layers. */
export interface ServerSslParamsEntry {
  key: string;
  hostname: string;
  port: number;
  username: string;
  memory?: Record<string, string>;
  runtime?: Record<string, string>;
  disk?: Record<string, string>;
  pending: PendingStep[];
}

export interface ServerSslParamsState {
  /** False on versions before 2.6 (no mysql_servers_ssl_params table). */
  supported: boolean;
  entries: ServerSslParamsEntry[];
  message?: string;
}

export interface ProxysqlTlsState {
  version: string;
  serverSslParams: ServerSslParamsState;
  hostgroups: HostgroupEntry[];
  variables: VariableEntry[];
  /** mysql-have_ssl in runtime (what clients of the proxy get now). */
  frontendTls?: boolean;
  pool: PoolState;
  pendingServers: PendingStep[];
  pendingVariables: PendingStep[];
}

export const PENDING_TEXT: Record<PendingStep, string> = {
  load: 'LOAD ... TO RUNTIME needed',
  save: 'SAVE ... TO DISK needed',
  drain: 'plaintext pooled connections left (drain needed)',
};

export function pendingLabel(pending: readonly PendingStep[]): string | undefined {
  if (pending.length === 0) return undefined;
  return `pending: ${pending.map((p) => PENDING_TEXT[p]).join(', ')}`;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}

/** The admin interface sends every column as a string (`use_ssl: "1"`). */
function int(v: unknown, field: string): number {
  const n = Number(text(v));
  if (!Number.isInteger(n)) throw new Error(`ProxySQL returned a non-numeric ${field}: ${JSON.stringify(text(v))}`);
  return n;
}

function rowsOf(result: { rows: unknown }): Record<string, unknown>[] {
  return Array.isArray(result.rows) ? (result.rows as Record<string, unknown>[]) : [];
}

export function serverKey(s: ServerKey): string {
  return `${s.hostgroupId}/${s.hostname}:${s.port}`;
}

export function parseServerRows(rows: Record<string, unknown>[]): ServerRow[] {
  return rows.map((r) => ({
    hostgroupId: int(r.hostgroup_id, 'hostgroup_id'),
    hostname: text(r.hostname),
    port: int(r.port, 'port'),
    status: text(r.status),
    weight: int(r.weight, 'weight'),
    maxConnections: int(r.max_connections, 'max_connections'),
    useSsl: text(r.use_ssl) === '1',
    comment: text(r.comment),
  }));
}

/**
 * The status an operator configures. Runtime also shows states ProxySQL sets by itself (SHUNNED when a
 * backend fails, SHUNNED_REPLICATION_LAG): those are ONLINE as configured, not a change waiting for LOAD.
 */
function configuredStatus(row: ServerRow, layer: ConfigLayer): string {
  return layer === 'runtime' && row.status.startsWith('SHUNNED') ? 'ONLINE' : row.status;
}

/**
 * Whether two layers hold the same configuration of one server. A few seconds after LOAD, ProxySQL drops
 * OFFLINE_HARD servers from runtime_mysql_servers (they stay in memory and on disk; observed on 2.7.1), so an
 * OFFLINE_HARD row facing no runtime row is what LOAD produced, not a pending change.
 */
function sameServer(entry: ServerEntry, x: ConfigLayer, y: ConfigLayer): boolean {
  const a = entry[x];
  const b = entry[y];
  if (!a || !b) {
    const present = a ?? b;
    const absentLayer = a ? y : x;
    return present === undefined || (absentLayer === 'runtime' && present.status === 'OFFLINE_HARD');
  }
  return (
    a.useSsl === b.useSsl &&
    a.weight === b.weight &&
    a.maxConnections === b.maxConnections &&
    a.comment === b.comment &&
    configuredStatus(a, x) === configuredStatus(b, y)
  );
}

function pendingOf(same: (x: ConfigLayer, y: ConfigLayer) => boolean): PendingStep[] {
  const pending: PendingStep[] = [];
  if (!same('memory', 'runtime')) pending.push('load');
  if (!same('runtime', 'disk') || !same('memory', 'disk')) pending.push('save');
  return pending;
}

function mergePending(lists: PendingStep[][]): PendingStep[] {
  const all = new Set(lists.flat());
  return (['load', 'save', 'drain'] as const).filter((p) => all.has(p));
}

export function compareServers(layers: Record<ConfigLayer, ServerRow[]>): HostgroupEntry[] {
  const entries = new Map<string, ServerEntry>();
  for (const layer of CONFIG_LAYERS) {
    for (const row of layers[layer]) {
      const key = serverKey(row);
      const entry = entries.get(key) ?? { key, hostgroupId: row.hostgroupId, hostname: row.hostname, port: row.port, pending: [] };
      entry[layer] = row;
      entries.set(key, entry);
    }
  }
  const groups = new Map<number, HostgroupEntry>();
  for (const entry of entries.values()) {
    entry.pending = pendingOf((x, y) => sameServer(entry, x, y));
    const group = groups.get(entry.hostgroupId) ?? { hostgroupId: entry.hostgroupId, servers: [], pending: [] };
    group.servers.push(entry);
    groups.set(entry.hostgroupId, group);
  }
  const sorted = [...groups.values()].sort((a, b) => a.hostgroupId - b.hostgroupId);
  for (const g of sorted) {
    g.servers.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.port - b.port);
    g.pending = mergePending(g.servers.map((s) => s.pending));
  }
  return sorted;
}

export function compareVariables(layers: Record<ConfigLayer, Record<string, unknown>[]>): VariableEntry[] {
  const maps = {} as Record<ConfigLayer, Map<string, string>>;
  for (const layer of CONFIG_LAYERS) maps[layer] = new Map(layers[layer].map((r) => [text(r.variable_name), text(r.variable_value)]));
  return TLS_VARIABLES.map((name) => {
    const entry: VariableEntry = { name, present: CONFIG_LAYERS.some((l) => maps[l].has(name)), pending: [] };
    for (const layer of CONFIG_LAYERS) if (maps[layer].has(name)) entry[layer] = maps[layer].get(name);
    if (entry.present) entry.pending = pendingOf((x, y) => entry[x] === entry[y]);
    return entry;
  });
}

/** Column names that would count TLS connections; ProxySQL 2.7.1's stats_mysql_connection_pool has none. */
const ENCRYPTED_COLUMN = /ssl|tls|encrypt/i;

export function readPool(rows: Record<string, unknown>[], columns: readonly string[], version: string): PoolState {
  const encryptedColumn = columns.find((c) => ENCRYPTED_COLUMN.test(c));
  const servers = rows.map((r) => {
    const s: PoolServerStats = {
      hostgroup: int(r.hostgroup, 'hostgroup'),
      host: text(r.srv_host),
      port: int(r.srv_port, 'srv_port'),
      status: text(r.status),
      connUsed: int(r.ConnUsed ?? 0, 'ConnUsed'),
      connFree: int(r.ConnFree ?? 0, 'ConnFree'),
    };
    if (encryptedColumn) s.encrypted = int(r[encryptedColumn], encryptedColumn);
    return s;
  });
  const pool: PoolState = { servers, freeConnectionsReported: false };
  if (encryptedColumn) pool.encryptedColumn = encryptedColumn;
  else
    pool.message = `ProxySQL ${version || '(unknown version)'} does not report which pooled backend connections are encrypted (stats_mysql_connection_pool has no TLS column); the runtime use_ssl of a server says whether its new backend connections use TLS.`;
  return pool;
}

/**
 * options.use_ssl of one idle connection's mysql_info JSON: true, false, or undefined when the text is not
 * JSON or has no such field (the JSON is the server's words: never trusted beyond this one field).
 */
export function idleConnectionUsesTls(mysqlInfo: string): boolean | undefined {
  let info: unknown;
  try {
    info = JSON.parse(mysqlInfo);
  } catch {
    return undefined;
  }
  const options = typeof info === 'object' && info !== null ? (info as { options?: unknown }).options : undefined;
  const v = typeof options === 'object' && options !== null ? (options as { use_ssl?: unknown }).use_ssl : undefined;
  if (v === 1 || v === true || v === '1') return true;
  if (v === 0 || v === false || v === '0') return false;
  return undefined;
}

/**
 * Counts the idle connections of stats_mysql_free_connections by TLS into the pool's servers. Pooled backend
 * connections keep the TLS setting they were opened with: after use_ssl=1 + LOAD, idle plaintext ones go on
 * serving queries (observed on 2.7.1; ProxySQL's SSL documentation says use_ssl applies to "new
 * connections"). Servers with idle connections but no pool row get one.
 */
export function countIdleConnections(pool: PoolState, rows: Record<string, unknown>[]): PoolState {
  const servers = pool.servers.map((s) => ({ ...s, idleTls: 0, idlePlaintext: 0, idleUnknown: 0 }));
  for (const r of rows) {
    const hostgroup = int(r.hostgroup, 'hostgroup');
    const host = text(r.srv_host);
    const port = int(r.srv_port, 'srv_port');
    let s = servers.find((x) => x.hostgroup === hostgroup && x.host === host && x.port === port);
    if (!s) {
      s = { hostgroup, host, port, status: '', connUsed: 0, connFree: 0, idleTls: 0, idlePlaintext: 0, idleUnknown: 0 };
      servers.push(s);
    }
    const tls = idleConnectionUsesTls(text(r.mysql_info));
    if (tls === true) s.idleTls++;
    else if (tls === false) s.idlePlaintext++;
    else s.idleUnknown++;
  }
  return { ...pool, servers, freeConnectionsReported: true };
}

/** How far a server's switch to backend TLS has got, from runtime and the idle pooled connections. */
export function backendTlsStatus(entry: ServerEntry, pool: PoolState): BackendTlsStatus | undefined {
  const s = pool.servers.find((x) => x.hostgroup === entry.hostgroupId && x.host === entry.hostname && x.port === entry.port);
  const counts = { idleTls: s?.idleTls ?? 0, idlePlaintext: s?.idlePlaintext ?? 0, idleUnknown: s?.idleUnknown ?? 0, inUse: s?.connUsed ?? 0 };
  const inUse = counts.inUse > 0 ? `; ${counts.inUse} in use (TLS of connections in use cannot be seen)` : '';
  if (!entry.runtime) return { state: 'not-running', ...counts, text: 'not in runtime: no backend connections' };
  if (!entry.runtime.useSsl)
    return {
      state: 'off',
      ...counts,
      text: `backend TLS off: new connections are plaintext${counts.idleTls ? `; ${counts.idleTls} idle TLS connections from before remain` : ''}${inUse}`,
    };
  if (!pool.freeConnectionsReported) return undefined;
  if (counts.idlePlaintext > 0) {
    return {
      state: 'draining',
      ...counts,
      text: `use_ssl=1, but ${counts.idlePlaintext} idle pooled connection${counts.idlePlaintext === 1 ? ' is' : 's are'} still plaintext and will serve queries: drain them${inUse}`,
    };
  }
  return {
    state: 'done',
    ...counts,
    text: `done: no idle plaintext connection (${counts.idleTls} idle with TLS${counts.idleUnknown ? `, ${counts.idleUnknown} unreadable` : ''})${inUse}`,
  };
}

export async function readServerSslParams(query: AdminQuery, version: string): Promise<ServerSslParamsState> {
  const layers = {} as Record<ConfigLayer, Record<string, unknown>[]>;
  try {
    for (const layer of CONFIG_LAYERS) layers[layer] = await selectRows(query, selectServerSslParams(layer));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!/no such table/i.test(message)) throw e;
    return {
      supported: false,
      entries: [],
      message: `ProxySQL ${version || '(unknown version)'} has no mysql_servers_ssl_params table (added in 2.6): per-server TLS settings are not available; the mysql-ssl_p2s_* variables apply to every backend.`,
    };
  }
  const entries = new Map<string, ServerSslParamsEntry>();
  for (const layer of CONFIG_LAYERS) {
    for (const r of layers[layer]) {
      const row = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)]));
      const key = `${row.hostname}:${row.port}/${row.username}`;
      const entry = entries.get(key) ?? { key, hostname: row.hostname ?? '', port: int(row.port, 'port'), username: row.username ?? '', pending: [] };
      entry[layer] = row;
      entries.set(key, entry);
    }
  }
  const same = (a?: Record<string, string>, b?: Record<string, string>): boolean => (a && b ? JSON.stringify(a) === JSON.stringify(b) : a === b);
  for (const entry of entries.values()) entry.pending = pendingOf((x, y) => same(entry[x], entry[y]));
  return { supported: true, entries: [...entries.values()] };
}

async function selectRows(query: AdminQuery, sql: string): Promise<Record<string, unknown>[]> {
  return rowsOf(await query(sql));
}

export async function readProxysqlTlsState(query: AdminQuery): Promise<ProxysqlTlsState> {
  const versionRows = await selectRows(query, SELECT_VERSION);
  const version = text(Object.values(versionRows[0] ?? {})[0]);
  const servers = {} as Record<ConfigLayer, ServerRow[]>;
  const variables = {} as Record<ConfigLayer, Record<string, unknown>[]>;
  for (const layer of CONFIG_LAYERS) {
    servers[layer] = parseServerRows(await selectRows(query, selectServers(layer)));
    variables[layer] = await selectRows(query, selectTlsVariables(layer));
  }
  const hostgroups = compareServers(servers);
  const vars = compareVariables(variables);
  const poolResult = await query(SELECT_CONNECTION_POOL);
  let pool = readPool(
    rowsOf(poolResult),
    (poolResult.fields ?? []).map((f) => f.name),
    version,
  );
  try {
    pool = countIdleConnections(pool, await selectRows(query, SELECT_FREE_CONNECTIONS));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!/no such (table|column)/i.test(message)) throw e;
  }
  for (const g of hostgroups) {
    for (const entry of g.servers) {
      const status = backendTlsStatus(entry, pool);
      if (!status) continue;
      entry.backendTls = status;
      if (status.state === 'draining') entry.pending = mergePending([entry.pending, ['drain']]);
    }
    g.pending = mergePending(g.servers.map((s) => s.pending));
  }
  const serverSslParams = await readServerSslParams(query, version);
  const haveSsl = vars.find((v) => v.name === FRONTEND_TLS_VARIABLE);
  const state: ProxysqlTlsState = {
    version,
    serverSslParams,
    hostgroups,
    variables: vars,
    pool,
    // mysql_servers_ssl_params is loaded and saved by the MYSQL SERVERS commands.
    pendingServers: mergePending([...hostgroups.map((g) => g.pending), ...serverSslParams.entries.map((e) => e.pending)]),
    pendingVariables: mergePending(vars.map((v) => v.pending)),
  };
  if (haveSsl?.runtime !== undefined) state.frontendTls = haveSsl.runtime === 'true' || haveSsl.runtime === '1';
  return state;
}

export class AdminStepError extends Error {
  constructor(
    readonly step: AdminStep,
    message: string,
  ) {
    super(message);
    this.name = 'AdminStepError';
  }
}

/** Runs the steps in order; stops at the first failure, naming the statement. */
export async function runAdminSteps(query: AdminQuery, steps: readonly AdminStep[]): Promise<void> {
  for (const step of steps) {
    let result: { rows: unknown };
    try {
      result = await query(step.sql);
    } catch (e) {
      throw new AdminStepError(step, `ProxySQL refused "${step.sql}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const header = result.rows as { affectedRows?: number; info?: string; message?: string } | undefined;
    const info = `${header?.info ?? ''}${header?.message ?? ''}`;
    // SET of an unknown variable answers OK with this text instead of an error packet.
    if (/ERROR:/i.test(info)) throw new AdminStepError(step, `ProxySQL answered "${info.trim()}" to "${step.sql}"`);
    if (step.expectRows && (header?.affectedRows ?? 0) === 0) {
      throw new AdminStepError(step, `"${step.sql}" changed no row: the server, hostgroup or variable is not in ProxySQL's configuration (any more).`);
    }
  }
}
