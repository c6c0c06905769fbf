import { isAbsolute, win32 } from 'node:path';
import { AdminSqlValueError, insertServer, loadStep, P2S_VARIABLES, saveStep, updateGlobalVariable, updateUseSsl, type AdminStep, type P2sVariable } from './adminSql';
import type { HostgroupEntry, ProxysqlTlsState, ServerEntry } from './tlsState';

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
    if (!variable?.present) throw new AdminSqlValueError(`${name} does not exist in ProxySQL ${state.version || '(unknown version)'}; this version cannot set it.`);
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
  if (targetHostgroup === entry.hostgroupId) throw new AdminSqlValueError('the new hostgroup must differ from the server\'s hostgroup');
  const clash = state.hostgroups.find((g) => g.hostgroupId === targetHostgroup)?.servers.find((s) => s.hostname === entry.hostname && s.port === entry.port && s.memory);
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
