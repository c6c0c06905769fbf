import * as os from 'node:os';
import * as vscode from 'vscode';
import type { ResilienceOptions } from '../core/connections/resilience';
import type { Logger } from '../core/logging/logger';
import type { PathContext } from '../core/paths';
import type { ConnectionProfile } from '../core/profile';
import {
  extractInlineSecrets,
  parseConnectionSettings,
  scopeForNewConnection,
  settingsEntryOf,
  withEntry,
  withoutEntry,
  withPersistedId,
  type ConfiguredConnection,
  type ExtractedInlineSecrets,
  type InlineSecretFinding,
  type ParsedConnectionSettings,
  type SettingsScope,
} from '../core/settings/connectionSettings';
import { DisposableBase } from './lifecycle';

const SECTION = 'mysqlTls';
const KEY = 'connections';

function targetOf(scope: SettingsScope): vscode.ConfigurationTarget {
  return scope === 'user'
    ? vscode.ConfigurationTarget.Global
    : scope === 'workspace'
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.WorkspaceFolder;
}

/**
 * The one place that reads and writes `mysqlTls.connections`. Reads user and workspace values and merges
 * them (core parser); writes back to the scope an entry lives in; new entries go to the workspace when a
 * folder is open, else to the user settings.
 */
export class ConnectionSettings extends DisposableBase {
  private parsed: ParsedConnectionSettings;
  private readonly changed = this._register(new vscode.EventEmitter<ParsedConnectionSettings>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly logger: Logger) {
    super();
    this.parsed = this.read();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.${KEY}`)) this.reload();
      }),
    );
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()));
    // Restricted Mode ends when the user trusts the workspace: its connections become usable.
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload()));
  }

  /** Whether the workspace's own settings may be acted on (VS Code's workspace trust). */
  isWorkspaceTrusted(): boolean {
    return vscode.workspace.isTrusted !== false;
  }

  private rawScopes(): { user: unknown; workspace: unknown } {
    const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown>(KEY);
    return { user: inspected?.globalValue, workspace: inspected?.workspaceValue };
  }

  private read(): ParsedConnectionSettings {
    const raw = this.rawScopes();
    const parsed = parseConnectionSettings(
      [
        { scope: 'user', value: raw.user },
        { scope: 'workspace', value: raw.workspace },
      ],
      this.pathContext(),
    );
    for (const p of parsed.problems) this.logger.warn(`${p.scope} settings, connection #${p.index + 1}${p.field ? `, ${p.field}` : ''}: ${p.message}`);
    if (!this.isWorkspaceTrusted()) {
      // Restricted Mode: the workspace's connections are listed, but never connect or read their files.
      for (const c of parsed.connections) if (c.scope !== 'user') c.restricted = true;
    }
    return parsed;
  }

  reload(): void {
    this.parsed = this.read();
    this.changed.fire(this.parsed);
  }

  get current(): ParsedConnectionSettings {
    return this.parsed;
  }

  find(id: string): ConfiguredConnection | undefined {
    return this.parsed.connections.find((c) => c.id === id);
  }

  /** mysqlTls.autoReconnect / reconnectMaxAttempts / keepaliveIntervalSeconds, read on each use (the registry clamps them). */
  resilience(): Partial<ResilienceOptions> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const keepaliveSeconds = config.get<number>('keepaliveIntervalSeconds');
    return {
      autoReconnect: config.get<boolean>('autoReconnect'),
      reconnectMaxAttempts: config.get<number>('reconnectMaxAttempts'),
      keepaliveIntervalMs: typeof keepaliveSeconds === 'number' ? keepaliveSeconds * 1000 : undefined,
    };
  }

  pathContext(): PathContext {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const named: Record<string, string> = {};
    for (const f of folders) named[f.name] = f.uri.fsPath;
    return { workspaceFolder: folders[0]?.uri.fsPath, workspaceFolders: named, home: os.homedir(), env: process.env };
  }

  hasWorkspaceFolder(): boolean {
    return (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  }

  private listOf(scope: SettingsScope): unknown {
    const raw = this.rawScopes();
    return scope === 'user' ? raw.user : raw.workspace;
  }

  /** The entry's current position: by id when it has one (the list may have changed), else the parsed index. */
  private indexIn(list: unknown, id: string, fallback: number): number {
    if (Array.isArray(list)) {
      const byId = list.findIndex((e) => typeof e === 'object' && e !== null && (e as { id?: unknown }).id === id);
      if (byId >= 0) return byId;
    }
    return fallback;
  }

  private async write(scope: SettingsScope, list: unknown[]): Promise<void> {
    await vscode.workspace.getConfiguration(SECTION).update(KEY, list, targetOf(scope));
    this.reload();
  }

  /** Adds a connection (scope: workspace if a folder is open, else user) or updates one where it lives. */
  async save(profile: ConnectionProfile & { id: string }, existing?: { scope: SettingsScope; index: number; id: string }): Promise<SettingsScope> {
    const entry = settingsEntryOf(profile);
    if (existing) {
      const list = this.listOf(existing.scope);
      await this.write(existing.scope, withEntry(list, entry, this.indexIn(list, existing.id, existing.index)));
      return existing.scope;
    }
    const scope = scopeForNewConnection(this.hasWorkspaceFolder());
    await this.write(scope, withEntry(this.listOf(scope), entry));
    return scope;
  }

  /** The entry as written in its scope's settings (for an editor that must keep what it does not show). */
  rawEntry(connection: { scope: SettingsScope; index: number; id: string }): unknown {
    const list = this.listOf(connection.scope);
    return Array.isArray(list) ? (list as unknown[])[this.indexIn(list, connection.id, connection.index)] : undefined;
  }

  /** Replaces an entry where it lives with `entry` as given (the connection editor's merged entry); the other entries are untouched. */
  async replaceEntry(connection: { scope: SettingsScope; index: number; id: string }, entry: Record<string, unknown>): Promise<void> {
    const list = this.listOf(connection.scope);
    const out = Array.isArray(list) ? [...(list as unknown[])] : [];
    const index = this.indexIn(list, connection.id, connection.index);
    const current = out[index] as { id?: unknown } | undefined;
    // Never overwrite another connection: the list may have changed since the editor opened.
    if (typeof current !== 'object' || current === null || (current.id !== undefined && current.id !== connection.id))
      throw new Error(`the connection "${connection.id}" is no longer in the ${connection.scope} settings`);
    out[index] = entry;
    await this.write(connection.scope, out);
  }

  async remove(connection: { scope: SettingsScope; index: number; id: string }): Promise<void> {
    const list = this.listOf(connection.scope);
    await this.write(connection.scope, withoutEntry(list, this.indexIn(list, connection.id, connection.index)));
  }

  /** Writes a derived id into an entry that has none, before secrets are stored under it. */
  async persistId(connection: ConfiguredConnection): Promise<void> {
    if (connection.idPersisted) return;
    await this.write(connection.scope, withPersistedId(this.listOf(connection.scope), connection.index, connection.id));
  }

  /**
   * Moves password/passphrase out of an entry: `store` keeps them (in the secret store) first, and only then
   * is the entry rewritten without them, so a failing keychain never loses the value.
   */
  async moveInlineSecrets(finding: InlineSecretFinding, store: (secrets: Omit<ExtractedInlineSecrets, 'list'>) => Promise<void>): Promise<void> {
    const list = this.listOf(finding.scope);
    const extracted = extractInlineSecrets(list, this.indexIn(list, finding.id, finding.index), finding.id);
    await store({ id: extracted.id, password: extracted.password, passphrase: extracted.passphrase });
    await this.write(finding.scope, extracted.list);
  }
}
