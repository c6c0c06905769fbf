import * as vscode from 'vscode';
import type { ColumnInfo } from '../../core/mysql/schema';
import type { TreeNode } from './treeNode';

const KEY_LABELS: Record<ColumnInfo['key'], string> = { '': '', PRI: 'primary key', UNI: 'unique', MUL: 'indexed' };

/** `int(11) · NOT NULL · PRI` */
export function columnDescription(column: ColumnInfo): string {
  return [column.type, column.nullable ? 'NULL' : 'NOT NULL', column.key, column.extra].filter(Boolean).join(' · ');
}

/** A column: type, nullability and key in the description. */
export class ColumnNode implements TreeNode {
  readonly id: string;
  constructor(
    parentId: string,
    readonly column: ColumnInfo,
  ) {
    this.id = `${parentId}/column/${column.name}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.column.name, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon(this.column.key === 'PRI' ? 'key' : 'symbol-field');
    item.description = columnDescription(this.column);
    item.tooltip = [
      `${this.column.name} ${this.column.type}`,
      this.column.nullable ? 'nullable' : 'not nullable',
      KEY_LABELS[this.column.key],
      this.column.defaultValue !== null ? `default ${this.column.defaultValue}` : '',
      this.column.extra,
    ]
      .filter(Boolean)
      .join('\n');
    item.contextValue = 'column';
    return item;
  }
}
