import * as vscode from 'vscode';
import type { TreeNode } from './treeNode';

/** A leaf that only says something ("No databases", "Could not list databases: …"). */
export class MessageNode implements TreeNode {
  constructor(
    readonly id: string,
    private readonly label: string,
    private readonly icon: vscode.ThemeIcon,
    private readonly tooltip?: string,
  ) {}

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = this.icon;
    item.tooltip = this.tooltip;
    item.contextValue = 'message';
    return item;
  }
}
