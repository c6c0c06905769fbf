import * as vscode from 'vscode';
import { tlsFacts, type TlsFact } from '../../core/presentation/connectionPresentation';
import { SECURITY_STATES } from '../../core/presentation/securityState';
import type { TlsReport } from '../../core/tls/tlsReport';
import type { TreeNode } from './treeNode';

const FACT_ICONS: Record<TlsFact['key'], string> = {
  protocol: 'symbol-enum',
  cipher: 'key',
  verification: 'verified',
  serverCertificate: 'calendar',
};

/** One fact under the TLS node: `Protocol: TLSv1.3`, `Cipher: …`, `Verification: …`, `Server certificate expires: …`. */
export class TlsFactNode implements TreeNode {
  readonly id: string;
  constructor(
    connectionId: string,
    private readonly fact: TlsFact,
  ) {
    this.id = `connection:${connectionId}/tls/${fact.key}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.fact.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    const level = this.fact.level && SECURITY_STATES[this.fact.level];
    item.iconPath = level
      ? new vscode.ThemeIcon(level.icon, level.color ? new vscode.ThemeColor(level.color) : undefined)
      : this.fact.warning
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon(FACT_ICONS[this.fact.key]);
    item.tooltip = this.fact.tooltip;
    item.contextValue = `tlsFact.${this.fact.key}`;
    return item;
  }
}

/** The `TLS` node under a connected connection. */
export class TlsGroupNode implements TreeNode {
  readonly id: string;
  constructor(
    private readonly connectionId: string,
    private readonly report: TlsReport,
  ) {
    this.id = `connection:${connectionId}/tls`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('TLS', vscode.TreeItemCollapsibleState.Expanded);
    item.id = this.id;
    const level = SECURITY_STATES[this.report.security];
    item.iconPath = new vscode.ThemeIcon(level.icon, level.color ? new vscode.ThemeColor(level.color) : undefined);
    item.description = level.words;
    item.contextValue = 'tlsGroup';
    item.command = { command: 'mysqlTls.showTlsDetails', title: 'Show TLS Details', arguments: [this.connectionId] };
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return tlsFacts(this.report).map((f) => new TlsFactNode(this.connectionId, f));
  }
}
