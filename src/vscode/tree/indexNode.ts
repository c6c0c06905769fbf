import * as vscode from 'vscode';
import { listIndexes, type IndexInfo } from '../../core/mysql/schema';
import type { Session } from '../../core/mysql/session';
import { errorNode } from './databaseNode';
import { MessageNode } from './messageNode';
import type { TreeNode } from './treeNode';

/** The "Indexes" folder under a table: lists them (one query) when opened. */
export class IndexesFolderNode implements TreeNode {
  readonly id: string;
  constructor(
    tableNodeId: string,
    private readonly databaseName: string,
    private readonly tableName: string,
    private readonly session: Session,
  ) {
    this.id = `${tableNodeId}/indexes`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Indexes', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('list-tree');
    item.contextValue = 'indexes';
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      const indexes = await listIndexes(this.session, this.databaseName, this.tableName);
      if (indexes.length === 0) return [new MessageNode(`${this.id}/none`, 'No indexes', new vscode.ThemeIcon('info'))];
      return indexes.map((i) => new IndexNode(this.id, i));
    } catch (e) {
      return [errorNode(`${this.id}/error`, 'indexes', e)];
    }
  }
}

/** `PRIMARY  unique (id)` */
export class IndexNode implements TreeNode {
  readonly id: string;
  constructor(
    parentId: string,
    readonly index: IndexInfo,
  ) {
    this.id = `${parentId}/${index.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.index.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.index.name === 'PRIMARY' ? 'key' : 'list-flat');
    item.description = `${this.index.unique ? 'unique ' : ''}(${this.index.columns.join(', ')})${this.index.type && this.index.type !== 'BTREE' ? ` ${this.index.type}` : ''}`;
    item.tooltip = `${this.index.name}: ${this.index.unique ? 'unique' : 'non-unique'} ${this.index.type} index on ${this.index.columns.join(', ')}`;
    item.contextValue = 'index';
    return item;
  }
}
