import * as vscode from 'vscode';
import type { Session } from '../../core/mysql/session';
import { listDatabases, listTables } from '../../core/mysql/schema';
import { MessageNode } from './messageNode';
import { SystemSchemasNode } from './systemSchemasNode';
import { TableNode } from './tableNode';
import type { TreeNode } from './treeNode';

/** The setting that decides whether system schemas are listed with the others or grouped in a collapsed folder. */
export const SHOW_SYSTEM_SCHEMAS_SETTING = 'showSystemSchemas';

function showSystemSchemas(): boolean {
  return vscode.workspace.getConfiguration('mysqlTls').get<boolean>(SHOW_SYSTEM_SCHEMAS_SETTING, false) === true;
}

export function errorNode(id: string, what: string, e: unknown): MessageNode {
  const message = e instanceof Error ? e.message : String(e);
  return new MessageNode(id, `Could not list ${what}: ${message}`, new vscode.ThemeIcon('warning'), message);
}

/**
 * The databases of a connected server (one query: information_schema.SCHEMATA). With
 * `mysqlTls.showSystemSchemas` off (the default), information_schema, mysql, performance_schema and sys are
 * grouped in a collapsed "System schemas" folder at the end; on, they are listed with the others.
 */
export async function databaseNodes(connectionId: string, session: Session): Promise<TreeNode[]> {
  const prefix = `connection:${connectionId}`;
  try {
    const databases = await listDatabases(session);
    if (databases.length === 0) return [new MessageNode(`${prefix}/databases/none`, 'No databases', new vscode.ThemeIcon('info'))];
    if (showSystemSchemas()) return databases.map((d) => new DatabaseNode(connectionId, d.name, session, d.system));
    const user = databases.filter((d) => !d.system).map((d) => new DatabaseNode(connectionId, d.name, session, false));
    const system = databases.filter((d) => d.system).map((d) => new DatabaseNode(connectionId, d.name, session, true));
    return system.length ? [...user, new SystemSchemasNode(connectionId, system)] : user;
  } catch (e) {
    return [errorNode(`${prefix}/databases/error`, 'databases', e)];
  }
}

/** A database of a connected server; expands to its tables and views (one query). */
export class DatabaseNode implements TreeNode {
  readonly id: string;
  constructor(
    readonly connectionId: string,
    readonly databaseName: string,
    private readonly session?: Session,
    readonly system = false,
  ) {
    this.id = `connection:${connectionId}/database/${databaseName}`;
  }

  toTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.databaseName, this.session ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = new vscode.ThemeIcon('database');
    item.description = this.system ? 'system' : undefined;
    item.contextValue = 'database';
    item.tooltip = `${this.databaseName}${this.system ? ' (system schema)' : ''}\nRight-click: New Query with this default database`;
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    if (!this.session) return [];
    try {
      const tables = await listTables(this.session, this.databaseName);
      if (tables.length === 0) return [new MessageNode(`${this.id}/none`, 'No tables', new vscode.ThemeIcon('info'))];
      return tables.map((t) => new TableNode(this.connectionId, this.databaseName, t, this.session!));
    } catch (e) {
      return [errorNode(`${this.id}/error`, 'tables', e)];
    }
  }
}
