import { isAbsolute, win32 } from 'node:path';
import {
  AdminSqlValueError,
  FRONTEND_TLS_VARIABLE,
  insertServer,
  loadStep,
  P2S_VARIABLES,
  saveStep,
  selectServerPool,
  updateGlobalVariable,
  updateServerStatus,
  updateUseSsl,
  type AdminStep,
  type P2sVariable,
  type ServerKey,
  type ServerStatus,
} from './adminSql';
import type { AdminQuery, HostgroupEntry, ProxysqlTlsState, ServerEntry } from './tlsState';

/**
 * Plans of admin statements for each user action. Each plan only changes memory (or moves memory to runtime
 * or disk), so the user sees and confirms every step; nothing here talks to the server.
 */

export function toggleServerTlsSteps(entry: ServerEntry, useSsl: boolean): AdminStep[] {
  return [
    {
      sql: updateUseSsl(useSsl, { hostgroupId: entry.hostgroupId, server: { hostname: entry.hostname, port: entry.port } }),
      description: `${useSsl ? 'use' : 'stop using'} TLS from ProxySQL to ${entry.hostname}:${entry.port} in hostgroup ${entry.hostgroupId} (memory only)`,
      expectRows: true,
    },
  ];
}

export function toggleHostgroupTlsSteps(group: HostgroupEntry, useSsl: boolean): AdminStep[] {
  return [
    {
      sql: updateUseSsl(useSsl, { hostgroupId: group.hostgroupId }),
      description: `${useSsl ? 'use' : 'stop using'} TLS from ProxySQL to every server of hostgroup ${group.hostgroupId} (memory only)`,
      expectRows: true,
    },
  ];
}

/** The memory row is what an UPDATE changes; the server's current TLS setting is read from it. */
export function memoryUseSsl(entry: ServerEntry): boolean | undefined {
  return entry.memory?.useSsl;
}

export type ClientCertificateSettings = Partial<Record<P2sVariable, string>>;

/**
 * Checks a path ProxySQL will read on its own host: ProxySQL does not validate it (SET and LOAD accept any
 * string), so at least refuse what cannot be a file path. An empty value clears the variable.
 */
export function checkP2sPath(name: P2sVariable, value: string): string | undefined {
  if (name === 'mysql-ssl_p2s_cipher' || value === '') return undefined;
  if (!isAbsolute(value) && !win32.isAbsolute(value)) return `${name} must be an absolute path on the ProxySQL host, not "${value}"`;
  return undefined;
}

export function clientCertificateSteps(state: ProxysqlTlsState, settings: ClientCertificateSettings): AdminStep[] {
  const steps: AdminStep[] = [];
  for (const name of P2S_VARIABLES) {
    const value = settings[name];
    if (value === undefined) continue;
    const variable = state.variables.find((v) => v.name === name);
    if (!variable?.present)
      throw new AdminSqlValueError(`${name} does not exist in ProxySQL ${state.version || '(unknown version)'}; this version cannot set it.`);
    const problem = checkP2sPath(name, value);
    if (problem) throw new AdminSqlValueError(problem);
    if (variable.memory === value) continue;
    steps.push({ sql: updateGlobalVariable(name, value), description: `set ${name} (memory only)`, expectRows: true });
  }
  return steps;
}

/** LOAD ... TO RUNTIME for whatever is pending (servers, variables or both). */
export function applySteps(state: ProxysqlTlsState): AdminStep[] {
  const steps: AdminStep[] = [];
  if (state.pendingServers.includes('load')) steps.push(loadStep('servers'));
  if (state.pendingVariables.includes('load')) steps.push(loadStep('variables'));
  return steps;
}

/** SAVE ... TO DISK for whatever differs from disk. */
export function persistSteps(state: ProxysqlTlsState): AdminStep[] {
  const steps: AdminStep[] = [];
  if (state.pendingServers.includes('save')) steps.push(saveStep('servers'));
  if (state.pendingVariables.includes('save')) steps.push(saveStep('variables'));
  return steps;
}

/**
 * The documented "same server with and without TLS" pattern: copies `entry` into `targetHostgroup` with the
 * opposite use_ssl. Refuses a hostgroup that already has that server.
 */
export function tlsHostgroupSteps(state: ProxysqlTlsState, entry: ServerEntry, targetHostgroup: number): AdminStep[] {
  const source = entry.memory;
  if (!source) throw new AdminSqlValueError(`${entry.hostname}:${entry.port} is not in mysql_servers (memory) any more; refresh and try again.`);
  if (targetHostgroup === entry.hostgroupId) throw new AdminSqlValueError("the new hostgroup must differ from the server's hostgroup");
  const clash = state.hostgroups
    .find((g) => g.hostgroupId === targetHostgroup)
    ?.servers.find((s) => s.hostname === entry.hostname && s.port === entry.port && s.memory);
  if (clash) throw new AdminSqlValueError(`hostgroup ${targetHostgroup} already has ${entry.hostname}:${entry.port}`);
  const useSsl = !source.useSsl;
  return [
    {
      sql: insertServer({
        hostgroupId: targetHostgroup,
        hostname: source.hostname,
        port: source.port,
        weight: source.weight,
        maxConnections: source.maxConnections,
        useSsl,
        comment: `${useSsl ? 'TLS' : 'non-TLS'} copy of hostgroup ${entry.hostgroupId}`,
      }),
      description: `add ${entry.hostname}:${entry.port} to hostgroup ${targetHostgroup} with use_ssl=${useSsl ? 1 : 0}, so clients reach it ${useSsl ? 'with' : 'without'} TLS through that hostgroup (memory only; route users or query rules to it)`,
      expectRows: true,
    },
  ];
}

/** The confirmation text: every statement, numbered, with what it does. */
export function previewSteps(steps: readonly AdminStep[]): string {
  return steps.map((s, i) => `${i + 1}. ${s.sql};\n   -- ${s.description}`).join('\n');
}

/**
 * Frontend TLS (mysql-have_ssl): whether clients may use TLS to reach the proxy, on the client port and, since
 * 2.6.0, on the admin port too (default true). UPDATE changes memory; LOAD MYSQL VARIABLES TO RUNTIME makes it
 * apply to NEW connections (no restart; sessions already open keep what they negotiated).
 */
export function frontendTlsSteps(state: ProxysqlTlsState, enable: boolean): AdminStep[] {
  const variable = state.variables.find((v) => v.name === FRONTEND_TLS_VARIABLE);
  if (!variable?.present) throw new AdminSqlValueError(`${FRONTEND_TLS_VARIABLE} does not exist in ProxySQL ${state.version || '(unknown version)'}`);
  return [
    {
      sql: updateGlobalVariable(FRONTEND_TLS_VARIABLE, enable ? 'true' : 'false'),
      description: `${enable ? 'offer' : 'stop offering'} TLS to clients of the proxy (memory only)`,
      expectRows: true,
    },
    {
      ...loadStep('variables'),
      description: enable
        ? 'apply it: new connections to the client and admin ports are offered TLS; open sessions keep what they negotiated'
        : 'apply it: new connections to the client AND admin ports get no TLS (a connection that requires TLS, like this admin connection when its mode is REQUIRED or stricter, can no longer reconnect); open sessions keep what they negotiated',
    },
  ];
}

/**
 * Draining one server's pooled backend connections so that every connection it serves is opened again with
 * the runtime use_ssl. ProxySQL's documentation of mysql_servers.status (the "Main (runtime)" page):
 * - OFFLINE_SOFT: no new connections are created; "existing connections are kept until they are returned to
 *   the connection pool or destructed" - running queries and open transactions finish normally;
 * - OFFLINE_HARD: "existing free connections are immediately dropped, while backend connections currently
 *   associated with a client session are dropped as soon as the client tries to use them".
 * Observed on 2.7.1: after use_ssl=1 + LOAD, only OFFLINE_HARD and back ONLINE (each with LOAD) closed the
 * plaintext idle connections. So the drain is: OFFLINE_SOFT (stop new work, let running queries finish), wait
 * until ConnUsed is 0, then OFFLINE_HARD (drops only idle connections now), then ONLINE; each with LOAD.
 */
export interface DrainPlan {
  /** Before waiting: take the server out of rotation gently. */
  soft: AdminStep[];
  /** Polled until ConnUsed is 0 (connections in use; their TLS cannot be seen). */
  waitSql: string;
  /** After the wait: drop the idle connections, then bring the server back. */
  finish: AdminStep[];
  /** What happens to clients meanwhile, for the confirmation. */
  effects: string[];
}

function statusStep(status: ServerStatus, key: ServerKey, description: string): AdminStep {
  return { sql: updateServerStatus(status, key), description, expectRows: true };
}

export function drainSteps(state: ProxysqlTlsState, entry: ServerEntry): DrainPlan {
  if (!entry.memory) throw new AdminSqlValueError(`${entry.hostname}:${entry.port} is not in mysql_servers (memory) any more; refresh and try again.`);
  if (entry.pending.includes('load'))
    throw new AdminSqlValueError(
      `${entry.hostname}:${entry.port} has changes not loaded to runtime: run "Apply ProxySQL Changes to Runtime" first, or the drain would load them too.`,
    );
  const key: ServerKey = { hostgroupId: entry.hostgroupId, hostname: entry.hostname, port: entry.port };
  const name = `${entry.hostname}:${entry.port} in hostgroup ${entry.hostgroupId}`;
  const others =
    state.hostgroups
      .find((g) => g.hostgroupId === entry.hostgroupId)
      ?.servers.filter((s) => s.key !== entry.key && s.runtime && s.runtime.status === 'ONLINE') ?? [];
  const effects = [
    'Queries already running on this server, and open transactions, finish normally: OFFLINE_SOFT only stops new work, and a connection in use is closed when it is returned to the pool.',
    others.length > 0
      ? `New queries for hostgroup ${entry.hostgroupId} go to its other ONLINE server${others.length === 1 ? '' : 's'} (${others.map((o) => `${o.hostname}:${o.port}`).join(', ')}) meanwhile.`
      : `This is the only ONLINE server of hostgroup ${entry.hostgroupId}: until it is ONLINE again, new queries for that hostgroup wait for it (up to mysql-connect_timeout_server_max) or fail.`,
    'OFFLINE_HARD comes only after no connection is in use, so it drops idle connections only. A client that starts a query in that moment on a connection it already holds gets an error and can retry.',
    'Back ONLINE, the server gets new backend connections, opened with the runtime use_ssl.',
  ];
  const load = loadStep('servers');
  return {
    soft: [
      statusStep('OFFLINE_SOFT', key, `stop sending new work to ${name} (memory only)`),
      { ...load, description: 'apply it: running queries and transactions finish, nothing new starts there' },
    ],
    waitSql: selectServerPool(key),
    finish: [
      statusStep('OFFLINE_HARD', key, `take ${name} fully offline (memory only)`),
      { ...load, description: 'apply it: its idle pooled connections (plaintext ones included) are closed' },
      statusStep('ONLINE', key, `bring ${name} back (memory only)`),
      { ...load, description: 'apply it: new backend connections are opened with the runtime use_ssl' },
    ],
    effects,
  };
}

/** The drain's confirmation: every statement, numbered in order, with the wait between them. */
export function previewDrain(plan: DrainPlan): string {
  const soft = previewSteps(plan.soft);
  const finish = previewSteps(plan.finish).replace(/^(\d+)\./gm, (_m, n: string) => `${Number(n) + plan.soft.length}.`);
  return `${soft}\n   -- then wait until no connection is in use (polls: ${plan.waitSql})\n${finish}\n\n${plan.effects.join('\n')}`;
}

export interface DrainWaitOptions {
  /** Called between polls; the default waits `intervalMs`. Rejecting (e.g. on cancel) stops the wait. */
  sleep?: (ms: number) => Promise<void>;
  intervalMs?: number;
  /** Gives up after this many polls (the caller then brings the server back ONLINE). */
  maxPolls?: number;
  onPoll?: (inUse: number) => void;
}

/** Polls the server's ConnUsed until it is 0. Returns false when it did not reach 0 within maxPolls. */
export async function waitUntilNoConnectionInUse(query: AdminQuery, plan: DrainPlan, options: DrainWaitOptions = {}): Promise<boolean> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxPolls = options.maxPolls ?? 300;
  for (let i = 0; i < maxPolls; i++) {
    const { rows } = await query(plan.waitSql);
    const row = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
    const inUse = row ? Number(String(row.ConnUsed ?? '0')) : 0;
    if (!Number.isFinite(inUse)) throw new Error(`ProxySQL returned a non-numeric ConnUsed: ${JSON.stringify(String(row?.ConnUsed))}`);
    options.onPoll?.(inUse);
    if (inUse === 0) return true;
    await sleep(options.intervalMs ?? 1000);
  }
  return false;
}
