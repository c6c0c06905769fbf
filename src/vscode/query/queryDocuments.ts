import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import type { Logger } from '../../core/logging/logger';
import type { Session } from '../../core/mysql/session';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase } from '../lifecycle';
import type { FocusedQuery, QueryEditorFocus } from '../statusBar';

/** Which connection (and default database) a SQL document runs on. */
export interface QueryBinding {
  connectionId: string;
  database?: string;
}

interface BoundDocument {
  binding: QueryBinding;
  /** The editor's own session: opened with the connection's TLS plan (Session.reopen), never a weaker one. */
  session?: Session;
  /** The connection session it was opened from: a reconnect means a new query session. */
  base?: Session;
  opening?: Promise<Session>;
  running?: AbortController;
}

/**
 * Context key: the URIs of bound documents, for `resource in mysqlTls.boundQueryDocuments` in keybindings and
 * menus (true for the focused editor even while a webview was last active, unlike a flag on the active editor).
 */
export const BOUND_CONTEXT_KEY = 'mysqlTls.boundQueryDocuments';

/** The language of New Query documents (package.json contributes.languages; it reuses the SQL grammar). */
export const MYSQL_LANGUAGE_ID = 'mysql';
/** Languages the query commands work in: ours and VS Code's own `sql` (package.json `when` clauses list both). */
export const QUERY_LANGUAGE_IDS: readonly string[] = ['sql', MYSQL_LANGUAGE_ID];

export function isQueryLanguage(languageId: string): boolean {
  return QUERY_LANGUAGE_IDS.includes(languageId);
}

/**
 * SQL documents bound to connections. Each bound document gets its own session (so a long query never
 * blocks the tree or another editor, and `USE` stays per editor), opened lazily from the connection's
 * session with the same TLS plan, prepared read-only when the connection says `readOnly`, and closed when
 * the document closes, its binding changes, or the connection disconnects.
 */
export class QueryDocuments extends DisposableBase implements QueryEditorFocus {
  private readonly docs = new Map<string, BoundDocument>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri | undefined>());
  readonly onDidChange = this.changed.event;
  /** The status bar (statusBar.ts) shows the focused editor's binding: one item for the focused context. */
  private readonly focusChanged = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeFocus = this.focusChanged.event;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly logger: Logger,
  ) {
    super();
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.updateStatus()));
    this._register(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        const key = doc.uri.toString();
        const bound = this.docs.get(key);
        if (!bound) return;
        this.docs.delete(key);
        bound.running?.abort();
        void this.closeSession(bound);
        this.changed.fire(doc.uri);
        this.updateStatus();
      }),
    );
    this._register(
      registry.onDidChange((status) => {
        // A disconnect (or error, or reconnect) ends every query session of that connection.
        for (const bound of this.docs.values()) {
          if (bound.binding.connectionId !== status.id) continue;
          if (status.state !== 'connected' || (bound.base && status.session !== bound.base)) {
            bound.running?.abort();
            void this.closeSession(bound);
          }
        }
        this.updateStatus();
      }),
    );
    this._register(settings.onDidChange(() => this.updateStatus()));
    this._register({ dispose: () => [...this.docs.values()].forEach((b) => void this.closeSession(b)) });
    this.updateStatus();
  }

  get(uri: vscode.Uri): QueryBinding | undefined {
    return this.docs.get(uri.toString())?.binding;
  }

  connectionOf(uri: vscode.Uri): ConfiguredConnection | undefined {
    const binding = this.get(uri);
    return binding && this.settings.find(binding.connectionId);
  }

  bind(uri: vscode.Uri, binding: QueryBinding): void {
    const key = uri.toString();
    const previous = this.docs.get(key);
    if (previous) {
      previous.running?.abort();
      void this.closeSession(previous);
    }
    this.docs.set(key, { binding });
    this.logger.info(`query editor bound to ${binding.connectionId}${binding.database ? ` (database ${binding.database})` : ''}`);
    this.changed.fire(uri);
    this.updateStatus();
  }

  isRunning(uri: vscode.Uri): boolean {
    return this.docs.get(uri.toString())?.running !== undefined;
  }

  /** Marks a run as started; returns its AbortController (cancel aborts it: KILL QUERY). */
  startRun(uri: vscode.Uri): AbortController {
    const bound = this.docs.get(uri.toString());
    if (!bound) throw new Error('the document is not bound to a connection');
    const controller = new AbortController();
    bound.running = controller;
    return controller;
  }

  endRun(uri: vscode.Uri, controller: AbortController): void {
    const bound = this.docs.get(uri.toString());
    if (bound?.running === controller) bound.running = undefined;
  }

  cancel(uri: vscode.Uri): boolean {
    const running = this.docs.get(uri.toString())?.running;
    running?.abort();
    return running !== undefined;
  }

  /**
   * The document's session, opened on first use. The connection must be connected (the caller connects
   * first); the new session reuses its TLS plan, so it is exactly as verified as the one in the tree.
   */
  async sessionFor(uri: vscode.Uri): Promise<Session> {
    const bound = this.docs.get(uri.toString());
    if (!bound) throw new Error('the document is not bound to a connection');
    const status = this.registry.status(bound.binding.connectionId);
    if (status.state !== 'connected' || !status.session) throw new Error('the connection is not connected');
    if (bound.session?.isOpen && bound.base === status.session) return bound.session;
    if (bound.opening) return bound.opening;
    const connection = this.settings.find(bound.binding.connectionId);
    const base = status.session;
    bound.opening = (async () => {
      const session = await base.reopen();
      try {
        // Loaded with the engine (the "session" chunk), not at activation: this class is built there for the status bar.
        const { prepareQuerySession } = await import(/* webpackChunkName: "session" */ '../../core/query/runStatements');
        await prepareQuerySession(session, { readOnly: connection?.profile.readOnly === true, database: bound.binding.database });
      } catch (e) {
        await session.close();
        throw e;
      }
      if (this.docs.get(uri.toString()) !== bound) {
        await session.close();
        throw new Error('the query editor was closed or rebound');
      }
      bound.session = session;
      bound.base = base;
      session.onEnd(() => {
        if (bound.session === session) bound.session = undefined;
        this.updateStatus();
      });
      this.updateStatus();
      return session;
    })().finally(() => (bound.opening = undefined));
    return bound.opening;
  }

  private async closeSession(bound: BoundDocument): Promise<void> {
    const session = bound.session;
    bound.session = undefined;
    bound.base = undefined;
    await session?.close().catch(() => undefined);
  }

  updateStatus(): void {
    void vscode.commands.executeCommand('setContext', BOUND_CONTEXT_KEY, [...this.docs.keys()]);
    this.focusChanged.fire();
  }

  focused(): FocusedQuery | undefined {
    const editor = vscode.window.activeTextEditor;
    const bound = editor ? this.docs.get(editor.document.uri.toString()) : undefined;
    // A SQL editor that is not bound offers the binding; other editors leave the item to the tree's selection.
    if (!bound) return editor && isQueryLanguage(editor.document.languageId) ? { kind: 'unbound' } : undefined;
    if (!this.settings.find(bound.binding.connectionId)) return { kind: 'removed' };
    return { kind: 'bound', connectionId: bound.binding.connectionId, database: bound.binding.database, report: bound.session?.report };
  }
}
