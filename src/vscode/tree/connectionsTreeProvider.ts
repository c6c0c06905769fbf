import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import { TreeRefreshScheduler } from '../../core/presentation/treeRefresh';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase } from '../lifecycle';
import { ConnectionNode } from './connectionNode';
import { InvalidConnectionNode } from './invalidConnectionNode';
import type { TreeNode } from './treeNode';

/** The Connections view: valid connections first (settings order), then invalid entries as error nodes. */
export class ConnectionsTreeProvider extends DisposableBase implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = this._register(new vscode.EventEmitter<TreeNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly scheduler = new TreeRefreshScheduler(() => this.changed.fire(undefined));

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly activeConnectionId: () => string | undefined,
  ) {
    super();
    this._register(this.scheduler);
    this._register(settings.onDidChange(() => this.refresh()));
    // An attempt's in-between states wait (src/core/presentation/treeRefresh.ts): a fast connect then reaches the
    // tree as one refresh, which VS Code sends on at once instead of 200 ms after the spinner's.
    this._register(registry.onDidChange((s) => (s.state === 'connecting' || s.state === 'reconnecting' ? this.scheduler.later() : this.scheduler.now())));
  }

  refresh(): void {
    this.scheduler.now();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.toTreeItem();
  }

  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    return node.resolveTreeItem ? node.resolveTreeItem(item) : item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (node) return node.getChildren ? node.getChildren() : [];
    const { connections, invalid } = this.settings.current;
    const active = this.activeConnectionId();
    return [...connections.map((c) => new ConnectionNode(c, this.registry.status(c.id), c.id === active)), ...invalid.map((i) => new InvalidConnectionNode(i))];
  }
}
