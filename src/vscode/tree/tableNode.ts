import * as vscode from 'vscode';
import { listColumns, rowEstimate, type TableInfo } from '../../core/mysql/schema';
import type { Session } from '../../core/mysql/session';
import { ColumnNode } from './columnNode';
import { errorNode } from './databaseNode';
import { IndexesFolderNode } from './indexNode';
import { MessageNode } from './messageNode';
import type { TreeNode } from './treeNode';

const ICONS: Record<TableInfo['kind'], string> = { table: 'table', view: 'eye', 'system view': 'eye', sequence: 'list-ordered' };

/** `~1,234 rows` (InnoDB's estimate), `view`. */
export function tableDescription(table: TableInfo): string {
  if (table.kind !== 'table') return table.kind;
  return table.rowEstimate === undefined ? '' : `~${table.rowEstimate.toLocaleString('en-US')} row${table.rowEstimate === 1 ? '' : 's'}`;
}

/** A table or view; expands to its columns (one query) and an "Indexes" folder (one more query, when opened). */
export class TableNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    readonly databaseName: string,
    readonly table: TableInfo,
    private readonly session: Session,
  ) {
    this.id = `connection:${connectionId}/database/${databaseName}/table/${table.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.table.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(ICONS[this.table.kind]);
    item.description = tableDescription(this.table);
    item.tooltip = [
      `${this.databaseName}.${this.table.name} (${this.table.kind})`,
      this.table.engine && `engine ${this.table.engine}`,
      this.table.rowEstimate !== undefined && `about ${this.table.rowEstimate.toLocaleString('en-US')} rows (estimate)`,
      this.table.comment,
    ]
      .filter(Boolean)
      .join('\n');
    item.contextValue = this.table.kind === 'table' ? 'table' : 'view';
    return item;
  }

  /** A big level is listed without row estimates (src/core/mysql/schema.ts): the tooltip reads this table's on hover. */
  async resolveTreeItem(item: vscode.TreeItem): Promise<vscode.TreeItem> {
    if (this.table.kind !== 'table' || this.table.rowEstimate !== undefined) return item;
    try {
      const estimate = await rowEstimate(this.session, this.databaseName, this.table.name);
      if (estimate !== undefined) item.tooltip = `${String(item.tooltip ?? '')}\nabout ${estimate.toLocaleString('en-US')} rows (estimate)`;
    } catch {
      // The tooltip stays without it (the session may be gone); the node's own children report errors.
    }
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    try {
      const columns = await listColumns(this.session, this.databaseName, this.table.name);
      const nodes: TreeNode[] = columns.map((c) => new ColumnNode(this.id, c));
      if (nodes.length === 0) nodes.push(new MessageNode(`${this.id}/none`, 'No columns visible', new vscode.ThemeIcon('info')));
      if (this.table.kind === 'table') nodes.push(new IndexesFolderNode(this.id, this.databaseName, this.table.name, this.session));
      return nodes;
    } catch (e) {
      return [errorNode(`${this.id}/error`, 'columns', e)];
    }
  }
}
