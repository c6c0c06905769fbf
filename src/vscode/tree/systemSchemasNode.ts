import * as vscode from 'vscode';
import type { DatabaseNode } from './databaseNode';
import type { TreeNode } from './treeNode';

/** A collapsed folder holding information_schema, mysql, performance_schema and sys (mysqlTls.showSystemSchemas off). */
export class SystemSchemasNode implements TreeNode {
  readonly id: string;
  constructor(
    connectionId: string,
    private readonly databases: DatabaseNode[],
  ) {
    this.id = `connection:${connectionId}/system-schemas`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('System schemas', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('folder-library');
    item.description = String(this.databases.length);
    item.tooltip = 'information_schema, mysql, performance_schema, sys. Set mysqlTls.showSystemSchemas to list them with the other databases.';
    item.contextValue = 'systemSchemas';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return this.databases;
  }
}
