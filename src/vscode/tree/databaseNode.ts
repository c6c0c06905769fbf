import * as vscode from 'vscode';
import type { TreeNode } from './treeNode';

/** A database of a connected server (from SHOW DATABASES). */
export class DatabaseNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    readonly databaseName: string,
  ) {
    this.id = `connection:${connectionId}/database/${databaseName}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.databaseName, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('database');
    item.contextValue = 'database';
    return item;
  }
}
