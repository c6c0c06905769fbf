import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase } from '../lifecycle';
import { ConnectionNode } from './connectionNode';
import { InvalidConnectionNode } from './invalidConnectionNode';
import type { TreeNode } from './treeNode';

/** The Connections view: valid connections first (settings order), then invalid entries as error nodes. */
export class ConnectionsTreeProvider extends DisposableBase implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly activeConnectionId: () => string | undefined,
  ) {
    super();
    this._register(settings.onDidChange(() => this.refresh()));
    this._register(registry.onDidChange(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.getChildren ? node.getChildren() : [];
    const { connections, invalid } = this.settings.current;
    const active = this.activeConnectionId();
    return [...connections.map((c) => new ConnectionNode(c, this.registry.status(c.id), c.id === active)), ...invalid.map((i) => new InvalidConnectionNode(i))];
  }
}
