import * as vscode from 'vscode';

/**
 * Settings a workspace must never switch on (the secret backend, query logging) are declared with
 * application scope in package.json, so VS Code ignores them in workspace settings. This reads them the same
 * way on purpose, from the user settings (or the default) only, so a workspace value is ignored here too.
 */
export function userOnlySetting<T>(key: string, fallback: T): T {
  const inspected = vscode.workspace.getConfiguration('mysqlTls').inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}
