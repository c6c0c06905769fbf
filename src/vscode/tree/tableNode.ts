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

/** `db.t (table)`, the engine, the row estimate, the comment: plain text (server strings are not rendered as Markdown). */
export function tableTooltip(databaseName: string, table: TableInfo, estimate: number | undefined): string {
  return [
    `${databaseName}.${table.name} (${table.kind})`,
    table.engine && `engine ${table.engine}`,
    estimate !== undefined && `about ${estimate.toLocaleString('en-US')} rows (estimate)`,
    table.comment,
  ]
    .filter(Boolean)
    .join('\n');
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
    // No tooltip here: resolveTreeItem makes it on hover (VS Code resolves only what is undefined), so a level of
    // 10,000 tables sends 10,000 items without one, and a big level's row estimate is read for the table hovered.
    item.contextValue = this.table.kind === 'table' ? 'table' : 'view';
    return item;
  }

  /** The tooltip, on hover; a table of a big level (listed without estimates, src/core/mysql/schema.ts) gets its own. */
  async resolveTreeItem(item: vscode.TreeItem): Promise<vscode.TreeItem> {
    let estimate = this.table.rowEstimate;
    if (this.table.kind === 'table' && estimate === undefined) {
      try {
        estimate = await rowEstimate(this.session, this.databaseName, this.table.name);
      } catch {
        // The tooltip goes without it (the session may be gone); the node's own children report errors.
      }
    }
    item.tooltip = tableTooltip(this.databaseName, this.table, estimate);
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
