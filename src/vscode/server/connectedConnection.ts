import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import { isMysqlTlsError } from '../../core/errors';
import type { Session } from '../../core/mysql/session';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import { connectionIdOfArgument } from '../commandIds';
import type { ConnectionSettings } from '../connectionSettings';

export interface ConnectedConnection {
  connection: ConfiguredConnection;
  session: Session;
}

/**
 * The connection a server command runs on, with its open session. From a tree node: that connection
 * (offering to connect it when it is not). From the palette: a pick among the connected ones, or, when none
 * is connected, among all (connecting the chosen one first through the Connect command).
 */
export async function pickConnectedConnection(
  settings: ConnectionSettings,
  registry: ConnectionRegistry,
  arg: unknown,
  placeHolder: string,
): Promise<ConnectedConnection | undefined> {
  const sessionOf = (c: ConfiguredConnection): Session | undefined => {
    const status = registry.status(c.id);
    return status.state === 'connected' && status.session?.isOpen ? status.session : undefined;
  };
  const connectFirst = async (c: ConfiguredConnection): Promise<ConnectedConnection | undefined> => {
    await vscode.commands.executeCommand('mysqlTls.connect', c.id);
    const session = sessionOf(c);
    return session ? { connection: c, session } : undefined;
  };

  const id = connectionIdOfArgument(arg);
  if (id !== undefined) {
    const connection = settings.find(id);
    if (!connection) {
      void vscode.window.showErrorMessage(`MySQL TLS: there is no connection with id "${id}".`);
      return undefined;
    }
    const session = sessionOf(connection);
    if (session) return { connection, session };
    const choice = await vscode.window.showInformationMessage(`MySQL TLS: "${connection.name}" is not connected.`, 'Connect');
    return choice ? connectFirst(connection) : undefined;
  }

  const all = settings.current.connections;
  if (all.length === 0) {
    void vscode.window.showInformationMessage('MySQL TLS: there are no connections yet. Add one first.');
    return undefined;
  }
  const connected = all.filter((c) => sessionOf(c) !== undefined);
  const candidates = connected.length ? connected : all;
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.name,
      description: `${c.profile.host}:${c.profile.port ?? 3306} · ${c.profile.user}`,
      detail: sessionOf(c) ? 'connected' : 'not connected: connects first',
      connection: c,
    })),
    { placeHolder: connected.length ? placeHolder : `${placeHolder} (none is connected; the one you pick connects first)`, ignoreFocusOut: true },
  );
  if (!picked) return undefined;
  const session = sessionOf(picked.connection);
  return session ? { connection: picked.connection, session } : connectFirst(picked.connection);
}

/** An error notification with the classified title, detail and fix (when the error carries them). Not awaited by callers. */
export function showCommandError(what: string, e: unknown): void {
  const text = isMysqlTlsError(e) ? `${e.title}: ${e.detail}. Fix: ${e.fix}` : e instanceof Error ? e.message : String(e);
  void vscode.window.showErrorMessage(`MySQL TLS: ${what}: ${text}`);
}
