import * as vscode from 'vscode';
import { isTokenAuth } from '../../core/cloudAuth/authSettings';
import type { ConnectionStatus } from '../../core/connections/connectionRegistry';
import { connectionDescription, escapeMarkdown, iconKindOf, tlsSummaryMarkdown, type ConnectionIconKind } from '../../core/presentation/connectionPresentation';
import { publicKeyRetrievalIsInsecure } from '../../core/mysql/authSha2';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import { databaseNodes } from './databaseNode';
import { proxysqlAdminChildren } from './proxysqlNodes';
import { TlsGroupNode } from './tlsNodes';
import type { TreeNode } from './treeNode';

/** Icon per state; once connected, per the security the handshake enforced. */
export function connectionIcon(kind: ConnectionIconKind): vscode.ThemeIcon {
  switch (kind) {
    case 'disconnected':
      return new vscode.ThemeIcon('plug');
    case 'connecting':
      return new vscode.ThemeIcon('loading~spin');
    case 'error':
      return new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    case 'plaintext':
      return new vscode.ThemeIcon('unlock', new vscode.ThemeColor('errorForeground'));
    case 'encrypted':
      return new vscode.ThemeIcon('unlock', new vscode.ThemeColor('list.warningForeground'));
    case 'verified-ca':
      return new vscode.ThemeIcon('verified');
    case 'verified-identity':
      return new vscode.ThemeIcon('lock');
  }
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
    item.description = reconnect
      ? `${connectionDescription(this.connection.profile)} · reconnecting (${reconnect.attempt}/${reconnect.maxAttempts})`
      : connectionDescription(this.connection.profile);
    item.iconPath = connectionIcon(iconKindOf(this.status));
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
    const tooltip = new vscode.MarkdownString(this.isActive ? `${summary}\n\n_Active connection (status bar)_` : summary, true);
    item.tooltip = tooltip;
    // 'connection.connecting.reconnecting': the menus that match connecting (Disconnect, which cancels) apply.
    // 'connection.restricted': only the menus for every connection (edit, remove), not Connect.
    item.contextValue = restricted
      ? 'connection.restricted'
      : this.status.state === 'reconnecting'
        ? 'connection.connecting.reconnecting'
        : `connection.${this.status.state}`;
    // A cloud token login has no password to set: package.json hides Set Password for '.token'.
    if (isTokenAuth(this.connection.profile.auth)) item.contextValue += '.token';
    item.accessibilityInformation = {
      label: `${this.connection.name}, ${reconnect ? `reconnecting, attempt ${reconnect.attempt} of ${reconnect.maxAttempts}` : this.status.state}`,
    };
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    const { session, report } = this.status;
    if (this.status.state !== 'connected' || !session || !report) return [];
    // A ProxySQL admin interface has no databases to browse: its TLS configuration instead.
    if (this.connection.profile.kind === 'proxysqlAdmin')
      return [new TlsGroupNode(this.connection.id, report), ...(await proxysqlAdminChildren(this.connection.id, session))];
    // Databases (and the schema below them) come from databaseNodes: one query per level.
    return [new TlsGroupNode(this.connection.id, report), ...(await databaseNodes(this.connection.id, session))];
  }
}
