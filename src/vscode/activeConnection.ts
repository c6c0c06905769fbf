import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import type { ConfiguredConnection } from '../core/settings/connectionSettings';
import type { ConnectionSettings } from './connectionSettings';
import { DisposableBase } from './lifecycle';

const STATE_KEY = 'mysqlTls.activeConnection';

/**
 * The selected connection, which the status bar follows when no query editor is focused: the connection of
 * the node selected in the Connections view (or picked with Select Active Connection), stored by id in
 * workspaceState (not a setting). When it is unset or gone, the first connected connection, else the first
 * configured one. Connecting does not change it: an attempt on another connection shows on that
 * connection's node, not in the status bar.
 */
export class ActiveConnection extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly selected = this._register(new vscode.EventEmitter<void>());
  /** The user selected a connection (even the one already active): the status bar turns to it from a query editor. */
  readonly onDidSelect = this.selected.event;

  constructor(
    private readonly state: vscode.Memento,
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
  ) {
    super();
  }

  get id(): string | undefined {
    return this.get()?.id;
  }

  get(): ConfiguredConnection | undefined {
    const stored = this.state.get<string>(STATE_KEY);
    const { connections } = this.settings.current;
    return (
      (stored ? connections.find((c) => c.id === stored) : undefined) ??
      connections.find((c) => this.registry.status(c.id).state === 'connected') ??
      connections[0]
    );
  }

  /** Follows the Connections view's selection: any node below a connection selects that connection. */
  followTreeSelection(view: vscode.TreeView<{ readonly id: string }>): void {
    this._register(
      view.onDidChangeSelection((e) => {
        const id = e.selection[0] && connectionIdOfNode(e.selection[0].id, this.settings.current.connections);
        if (id) void this.set(id);
      }),
    );
  }

  async set(id: string): Promise<void> {
    if (this.state.get<string>(STATE_KEY) !== id) {
      await this.state.update(STATE_KEY, id);
      this.changed.fire();
    }
    this.selected.fire();
  }
}

/** The connection a tree node belongs to, by its id (`connection:ID` or `connection:ID/...`); the longest id wins. */
export function connectionIdOfNode(nodeId: string, connections: readonly { id: string }[]): string | undefined {
  let best: string | undefined;
  for (const c of connections) {
    const prefix = `connection:${c.id}`;
    if ((nodeId === prefix || nodeId.startsWith(`${prefix}/`)) && (!best || c.id.length > best.length)) best = c.id;
  }
  return best;
}
