import * as vscode from 'vscode';
import { isTokenAuth } from '../../core/cloudAuth/authSettings';
import type { ConnectionStatus } from '../../core/connections/connectionRegistry';
import { connectionDescription, escapeMarkdown, iconKindOf, tlsSummaryMarkdown, type ConnectionIconKind } from '../../core/presentation/connectionPresentation';
import { publicKeyRetrievalIsInsecure } from '../../core/mysql/publicKeyRetrieval';
import { SECURITY_STATES } from '../../core/presentation/securityState';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { TreeNode } from './treeNode';
import { secretsLocationText } from '../../core/presentation/secretStoreText';
import { ConfiguredSecretStore } from '../secrets';

/** Icon per state, from the one security scale: a stronger state never looks weaker, and only verified ones are green. */
export function connectionIcon(kind: ConnectionIconKind): vscode.ThemeIcon {
  const style = SECURITY_STATES[kind];
  // The tree's own spinner (the status bar's sync~spin would read as "syncing" here).
  if (kind === 'connecting') return new vscode.ThemeIcon('loading~spin');
  return new vscode.ThemeIcon(style.icon, style.color ? new vscode.ThemeColor(style.color) : undefined);
}

/** A configured connection. Children (when connected): the TLS node, then the databases. */
export class ConnectionNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connection: ConfiguredConnection,
    readonly status: ConnectionStatus,
    private readonly isActive: boolean,
  ) {
    this.id = `connection:${connection.id}`;
  }

  /** Commands receive the node; they read this. */
  get connectionId(): string {
    return this.connection.id;
  }

  toTreeItem(): vscode.TreeItem {
    const connected = this.status.state === 'connected';
    const item = new vscode.TreeItem(this.connection.name, connected ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const reconnect = this.status.state === 'reconnecting' ? this.status.reconnect : undefined;
    const state = iconKindOf(this.status);
    // The state in words on every node (a failed attempt shows here, on its own connection), not by colour alone.
    const stateWords = reconnect ? `reconnecting (${reconnect.attempt}/${reconnect.maxAttempts})` : SECURITY_STATES[state].words;
    item.description =
      state === 'not-connected' ? connectionDescription(this.connection.profile) : `${stateWords} · ${connectionDescription(this.connection.profile)}`;
    item.iconPath = connectionIcon(state);
    let summary = tlsSummaryMarkdown(this.connection.name, this.connection.profile, this.status);
    const { conflict, restricted } = this.connection;
    if (conflict) {
      // A workspace entry that replaced a user entry of the same id: never silently.
      item.description = `${conflict.weakensMode ? 'weaker mode · ' : ''}overrides user connection · ${item.description}`;
      if (this.status.state === 'disconnected') item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      summary = `$(warning) **Conflict:** ${escapeMarkdown(conflict.message)}\n\n${summary}`;
    }
    if (publicKeyRetrievalIsInsecure(this.connection.profile)) {
      // The explicit opt-in to MySQL's --get-server-public-key: visible wherever the connection is.
      item.description = `insecure key retrieval · ${item.description}`;
      summary = `$(warning) **Insecure:** \`getServerPublicKey\` is on. Without TLS, the password is encrypted to whatever RSA key the server sends, and anyone on the network path can send theirs. Use TLS (REQUIRED or stronger) or pin the key with \`serverPublicKey\`.\n\n${summary}`;
    }
    if (restricted) {
      item.description = `Restricted Mode · ${item.description}`;
      item.iconPath = new vscode.ThemeIcon('workspace-untrusted');
      summary = `$(workspace-untrusted) **Restricted Mode:** this connection comes from the workspace settings, and the workspace is not trusted. It is listed, but it does not connect or read its files until you trust the workspace.\n\n${summary}`;
    }
    if (ConfiguredSecretStore.active) summary += `\n\n$(key) ${escapeMarkdown(secretsLocationText(ConfiguredSecretStore.active.description))}`;
    const tooltip = new vscode.MarkdownString(this.isActive ? `${summary}\n\n_Active connection (status bar)_` : summary, true);
    item.tooltip = tooltip;
    // 'connection.connecting.reconnecting': the menus that match connecting (Disconnect, which cancels) apply.
    // 'connection.restricted': only the menus for every connection (edit, remove), not Connect.
    item.contextValue = restricted
      ? 'connection.restricted'
      : this.status.state === 'reconnecting'
        ? 'connection.connecting.reconnecting'
        : `connection.${this.status.state}`;
    // A click shows the connection in the status bar, also when its row is already selected (the selection
    // event does not fire then, and a query editor may have had the item meanwhile).
    item.command = { command: 'mysqlTls.selectActiveConnection', title: 'Show in the Status Bar', arguments: [this.connection.id] };
    // A cloud token login has no password to set: package.json hides Set Password for '.token'.
    if (isTokenAuth(this.connection.profile.auth)) item.contextValue += '.token';
    item.accessibilityInformation = {
      label: `${this.connection.name}, ${reconnect ? `reconnecting, attempt ${reconnect.attempt} of ${reconnect.maxAttempts}` : SECURITY_STATES[state].words}`,
    };
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    const { session, report } = this.status;
    if (this.status.state !== 'connected' || !session || !report) return [];
    // The levels below a connection load on first expansion (a chunk of their own), not at activation.
    const [{ TlsGroupNode }, { databaseNodes }, { proxysqlAdminChildren }] = await Promise.all([
      import(/* webpackChunkName: "schemaTree" */ './tlsNodes'),
      import(/* webpackChunkName: "schemaTree" */ './databaseNode'),
      import(/* webpackChunkName: "schemaTree" */ './proxysqlNodes'),
    ]);
    // A ProxySQL admin interface has no databases to browse: its TLS configuration instead.
    if (this.connection.profile.kind === 'proxysqlAdmin')
      return [new TlsGroupNode(this.connection.id, report), ...(await proxysqlAdminChildren(this.connection.id, session))];
    // Databases (and the schema below them) come from databaseNodes: one query per level.
    return [new TlsGroupNode(this.connection.id, report), ...(await databaseNodes(this.connection.id, session))];
  }
}
