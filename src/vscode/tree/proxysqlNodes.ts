import * as vscode from 'vscode';
import { pendingLabel, type HostgroupEntry, type PendingStep, type ProxysqlTlsState, type ServerEntry, type VariableEntry } from '../../core/proxysql/tlsState';
import type { Session } from '../../core/mysql/session';
import { readProxysqlTlsState } from '../../core/proxysql/tlsState';
import { proxysqlServerTooltipMarkdown } from '../../core/proxysql/tooltips';
import { MessageNode } from './messageNode';
import type { TreeNode } from './treeNode';

/**
 * The tree of a ProxySQL admin connection: hostgroups -> backend servers (use_ssl, pending marker), the
 * frontend TLS switch, the proxy-to-server certificate variables and the pool. Small node classes kept in
 * one file because they only make sense together and share the pending rendering.
 */

function pendingIcon(pending: readonly PendingStep[], fallback: vscode.ThemeIcon): vscode.ThemeIcon {
  return pending.length > 0 ? new vscode.ThemeIcon('history', new vscode.ThemeColor('list.warningForeground')) : fallback;
}

function withPending(text: string, pending: readonly PendingStep[]): string {
  const p = pendingLabel(pending);
  return p ? `${text} · ${p}` : text;
}

/** A backend server (mysql_servers row) in one hostgroup. */
export class ProxysqlServerNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    readonly entry: ServerEntry,
  ) {
    this.id = `connection:${connectionId}/proxysql/server/${entry.key}`;
  }

  get hostgroupId(): number {
    return this.entry.hostgroupId;
  }

  toTreeItem(): vscode.TreeItem {
    const e = this.entry;
    const item = new vscode.TreeItem(`${e.hostname}:${e.port}`, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const memoryTls = e.memory ? (e.memory.useSsl ? 'TLS on' : 'TLS off') : 'removed';
    const live = e.runtime ? `${e.runtime.status}` : e.memory?.status === 'OFFLINE_HARD' ? 'OFFLINE_HARD (not in runtime)' : 'not running';
    const plaintextIdle = e.backendTls?.state === 'draining' ? ` · ${e.backendTls.idlePlaintext} idle still plaintext` : '';
    item.description = withPending(`${memoryTls} · ${live}${plaintextIdle}`, e.pending);
    // Not trusted, no HTML: the host name and status are the admin interface's words (escaped in the text too).
    item.tooltip = new vscode.MarkdownString(proxysqlServerTooltipMarkdown(e));
    item.iconPath = pendingIcon(e.pending, new vscode.ThemeIcon(e.memory?.useSsl ? 'lock' : 'unlock'));
    item.contextValue = `proxysqlServer${e.pending.length > 0 ? '.pending' : ''}${e.backendTls?.state === 'draining' ? '.draining' : ''}`;
    item.accessibilityInformation = { label: `${e.hostname}:${e.port}, ${item.description}` };
    return item;
  }
}

export class ProxysqlHostgroupNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    readonly group: HostgroupEntry,
  ) {
    this.id = `connection:${connectionId}/proxysql/hostgroup/${group.hostgroupId}`;
  }

  get hostgroupId(): number {
    return this.group.hostgroupId;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(`Hostgroup ${this.group.hostgroupId}`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    const withTls = this.group.servers.filter((s) => s.memory?.useSsl).length;
    item.description = withPending(`${withTls}/${this.group.servers.length} servers with TLS`, this.group.pending);
    item.iconPath = pendingIcon(this.group.pending, new vscode.ThemeIcon('server-environment'));
    item.contextValue = 'proxysqlHostgroup';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return this.group.servers.map((s) => new ProxysqlServerNode(this.connectionId, s));
  }
}

class ProxysqlVariableNode implements TreeNode {
  readonly id: string;
  constructor(
    connectionId: string,
    private readonly variable: VariableEntry,
  ) {
    this.id = `connection:${connectionId}/proxysql/variable/${variable.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const v = this.variable;
    const item = new vscode.TreeItem(v.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    if (!v.present) {
      item.description = 'not in this ProxySQL version';
      item.iconPath = new vscode.ThemeIcon('circle-slash');
    } else {
      item.description = withPending(v.runtime ? v.runtime : '(empty)', v.pending);
      item.tooltip = `memory: ${v.memory || '(empty)'}\nruntime: ${v.runtime || '(empty)'}\ndisk: ${v.disk || '(empty)'}`;
      item.iconPath = pendingIcon(v.pending, new vscode.ThemeIcon('symbol-variable'));
    }
    item.contextValue = 'proxysqlVariable';
    return item;
  }
}

class ProxysqlCertificateGroupNode implements TreeNode {
  readonly id: string;
  constructor(
    private readonly connectionId: string,
    private readonly variables: VariableEntry[],
  ) {
    this.id = `connection:${connectionId}/proxysql/p2s`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Proxy-to-server certificate', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const pending = [...new Set(this.variables.flatMap((v) => v.pending))];
    item.description = withPending('mysql-ssl_p2s_*', pending);
    item.iconPath = new vscode.ThemeIcon('key');
    item.contextValue = 'proxysqlCertificate';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return this.variables.map((v) => new ProxysqlVariableNode(this.connectionId, v));
  }
}

class ProxysqlPoolNode implements TreeNode {
  readonly id: string;
  constructor(
    connectionId: string,
    private readonly state: ProxysqlTlsState,
  ) {
    this.id = `connection:${connectionId}/proxysql/pool`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Backend connection pool', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    const plaintext = this.state.pool.servers.reduce((n, s) => n + (s.idlePlaintext ?? 0), 0);
    item.description = this.state.pool.encryptedColumn
      ? `encrypted: ${this.state.pool.encryptedColumn}`
      : this.state.pool.freeConnectionsReported
        ? `${plaintext} idle plaintext · in use: not visible`
        : 'encryption not reported';
    item.tooltip = this.state.pool.freeConnectionsReported
      ? 'Idle pooled connections show their TLS (stats_mysql_free_connections, options.use_ssl); connections in use cannot be seen.'
      : this.state.pool.message;
    item.iconPath = new vscode.ThemeIcon('pulse');
    item.contextValue = 'proxysqlPool';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    const nodes: TreeNode[] = [];
    if (this.state.pool.message && !this.state.pool.freeConnectionsReported)
      nodes.push(new MessageNode(`${this.id}/message`, this.state.pool.message, new vscode.ThemeIcon('info'), this.state.pool.message));
    for (const s of this.state.pool.servers) {
      const enc = s.encrypted !== undefined ? `, ${s.encrypted} encrypted` : '';
      const idle =
        s.idlePlaintext !== undefined ? `; idle: ${s.idleTls ?? 0} TLS, ${s.idlePlaintext} plaintext${s.idleUnknown ? `, ${s.idleUnknown} unknown` : ''}` : '';
      nodes.push(
        new MessageNode(
          `${this.id}/${s.hostgroup}/${s.host}:${s.port}`,
          `HG ${s.hostgroup} ${s.host}:${s.port}: ${s.status}, ${s.connUsed} used, ${s.connFree} free${enc}${idle}`,
          new vscode.ThemeIcon(s.idlePlaintext ? 'unlock' : 'plug'),
          'Idle connections: TLS from stats_mysql_free_connections (mysql_info options.use_ssl). Connections in use cannot be seen: their TLS is unknown.',
        ),
      );
    }
    if (nodes.length === 0) nodes.push(new MessageNode(`${this.id}/empty`, 'No pooled connections', new vscode.ThemeIcon('info')));
    return nodes;
  }
}

/** mysql-have_ssl: TLS offered to clients on the client port and (since 2.6.0) the admin port. */
class ProxysqlFrontendNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    private readonly state: ProxysqlTlsState,
    private readonly variable: VariableEntry | undefined,
  ) {
    this.id = `connection:${connectionId}/proxysql/frontend`;
  }

  toTreeItem(): vscode.TreeItem {
    const present = this.variable?.present === true;
    const item = new vscode.TreeItem(
      present ? `Frontend TLS (mysql-have_ssl): ${this.state.frontendTls ? 'on' : 'off'}` : 'Frontend TLS: mysql-have_ssl is not in this ProxySQL version',
      vscode.TreeItemCollapsibleState.None,
    );
    item.id = this.id;
    if (present) item.description = pendingLabel(this.variable!.pending);
    item.iconPath = new vscode.ThemeIcon(this.state.frontendTls ? 'shield' : 'unlock');
    item.tooltip =
      'Whether ProxySQL offers TLS to its clients, on the client port and (since 2.6.0) the admin port too (runtime value; default true). A change applies to new connections after LOAD MYSQL VARIABLES TO RUNTIME; open sessions keep what they negotiated.';
    item.contextValue = present ? 'proxysqlFrontend' : 'message';
    return item;
  }
}

/** Children of a connected ProxySQL admin connection, read fresh from the admin interface. */
export async function proxysqlAdminChildren(connectionId: string, session: Session): Promise<TreeNode[]> {
  let state: ProxysqlTlsState;
  try {
    state = await readProxysqlTlsState((sql) => session.query(sql));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return [
      new MessageNode(
        `connection:${connectionId}/proxysql/error`,
        `Could not read the ProxySQL configuration: ${message}`,
        new vscode.ThemeIcon('warning'),
        message,
      ),
    ];
  }
  const nodes: TreeNode[] = [];
  const pending = [...new Set([...state.pendingServers, ...state.pendingVariables])] as PendingStep[];
  nodes.push(
    new MessageNode(
      `connection:${connectionId}/proxysql/version`,
      withPending(`ProxySQL ${state.version}`, pending),
      pendingIcon(pending, new vscode.ThemeIcon('info')),
      pending.length === 0
        ? 'memory, runtime and disk agree, and no idle pooled connection is plaintext where use_ssl=1 (connections in use cannot be seen)'
        : [
            pending.includes('load') || pending.includes('save') ? 'Run "Apply ProxySQL Changes to Runtime", then "Persist ProxySQL Changes to Disk".' : '',
            pending.includes('drain')
              ? 'Some servers have use_ssl=1 but idle pooled connections still in plaintext: run "Drain ProxySQL Plaintext Backend Connections" on them.'
              : '',
          ]
            .filter(Boolean)
            .join(' '),
    ),
  );
  const have = state.variables.find((v) => v.name === 'mysql-have_ssl');
  nodes.push(new ProxysqlFrontendNode(connectionId, state, have));
  for (const group of state.hostgroups) nodes.push(new ProxysqlHostgroupNode(connectionId, group));
  if (state.hostgroups.length === 0)
    nodes.push(new MessageNode(`connection:${connectionId}/proxysql/noservers`, 'No backend servers in mysql_servers', new vscode.ThemeIcon('info')));
  nodes.push(
    new ProxysqlCertificateGroupNode(
      connectionId,
      state.variables.filter((v) => v.name !== 'mysql-have_ssl'),
    ),
  );
  const params = state.serverSslParams;
  if (!params.supported) {
    nodes.push(
      new MessageNode(
        `connection:${connectionId}/proxysql/sslparams`,
        'Per-server TLS parameters: not in this ProxySQL version',
        new vscode.ThemeIcon('circle-slash'),
        params.message,
      ),
    );
  } else {
    for (const e of params.entries) {
      const r = e.runtime ?? e.memory ?? {};
      const text = `${e.hostname}:${e.port}${e.username ? ` (${e.username})` : ''}: ${[r.ssl_ca && `CA ${r.ssl_ca}`, r.ssl_cert && `cert ${r.ssl_cert}`, r.tls_version].filter(Boolean).join(', ') || 'defaults'}`;
      nodes.push(
        new MessageNode(
          `connection:${connectionId}/proxysql/sslparams/${e.key}`,
          withPending(`TLS params ${text}`, e.pending),
          pendingIcon(e.pending, new vscode.ThemeIcon('settings')),
          'mysql_servers_ssl_params (runtime values)',
        ),
      );
    }
  }
  nodes.push(new ProxysqlPoolNode(connectionId, state));
  return nodes;
}
