import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import type { ConfiguredConnection } from '../core/settings/connectionSettings';
import type { ConnectionSettings } from './connectionSettings';
import { DisposableBase } from './lifecycle';

const STATE_KEY = 'mysqlTls.activeConnection';

/**
 * The connection the status bar follows: stored by id in workspaceState (not a setting). When it is unset
 * or gone, the first connected connection, else the first configured one.
 */
export class ActiveConnection extends DisposableBase {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

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

  async set(id: string): Promise<void> {
    if (this.state.get<string>(STATE_KEY) === id) return;
    await this.state.update(STATE_KEY, id);
    this.changed.fire();
  }
}
