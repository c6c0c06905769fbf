import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import type { Logger } from '../../core/logging/logger';
import type { Session } from '../../core/mysql/session';
import { codeSpan, iconKindOf, tlsSummaryMarkdown } from '../../core/presentation/connectionPresentation';
import { prepareQuerySession } from '../../core/query/runStatements';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase } from '../lifecycle';

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
export const QUERY_BINDING_STATUS_ID = 'mysqlTls.queryBinding';

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
export class QueryDocuments extends DisposableBase {
  private readonly docs = new Map<string, BoundDocument>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri | undefined>());
  readonly onDidChange = this.changed.event;
  private readonly statusItem: vscode.StatusBarItem;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly logger: Logger,
  ) {
    super();
    this.statusItem = this._register(vscode.window.createStatusBarItem(QUERY_BINDING_STATUS_ID, vscode.StatusBarAlignment.Left, 49));
    this.statusItem.name = 'MySQL TLS Query Connection';
    this.statusItem.command = 'mysqlTls.changeQueryConnection';
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
    const editor = vscode.window.activeTextEditor;
    const bound = editor ? this.docs.get(editor.document.uri.toString()) : undefined;
    void vscode.commands.executeCommand('setContext', BOUND_CONTEXT_KEY, [...this.docs.keys()]);
    if (!editor || !bound) {
      // A SQL editor that is not bound offers the binding; other editors show nothing.
      if (editor && isQueryLanguage(editor.document.languageId)) {
        this.statusItem.text = '$(database) Not bound: choose a MySQL TLS connection';
        this.statusItem.tooltip = 'Click to run this SQL on a MySQL TLS connection';
        this.statusItem.backgroundColor = undefined;
        this.statusItem.show();
      } else this.statusItem.hide();
      return;
    }
    const connection = this.settings.find(bound.binding.connectionId);
    if (!connection) {
      this.statusItem.text = '$(error) Query connection removed';
      this.statusItem.tooltip = 'The connection this editor was bound to is no longer in the settings. Click to choose another.';
      this.statusItem.show();
      return;
    }
    const status = this.registry.status(connection.id);
    const report = bound.session?.report ?? status.report;
    const kind = iconKindOf(bound.session ? { ...status, state: 'connected', report } : status);
    const icons: Record<string, string> = {
      connecting: '$(sync~spin)',
      error: '$(error)',
      plaintext: '$(unlock)',
      encrypted: '$(unlock)',
      'verified-ca': '$(verified)',
      'verified-identity': '$(lock)',
    };
    const icon = icons[kind] ?? '$(plug)';
    const db = bound.binding.database ? ` · ${bound.binding.database}` : '';
    const tls =
      status.state === 'connected' && report
        ? ` · ${report.encrypted ? `${report.protocol ?? 'TLS'}${kind === 'verified-identity' ? ' verified' : kind === 'verified-ca' ? ' CA verified' : ' unverified'}` : 'plaintext'}`
        : status.state === 'connected'
          ? ''
          : ` · ${status.state}`;
    const ro = connection.profile.readOnly ? ' · read-only' : '';
    this.statusItem.text = `${icon} ${connection.name}${db}${tls}${ro}`;
    const tooltip = new vscode.MarkdownString(tlsSummaryMarkdown(connection.name, connection.profile, status), true);
    tooltip.appendMarkdown(
      `\n\n_Query editor bound to this connection${bound.binding.database ? ` (database ${codeSpan(bound.binding.database)})` : ''}${ro ? ', read-only' : ''}. Click to change._`,
    );
    this.statusItem.tooltip = tooltip;
    this.statusItem.backgroundColor =
      kind === 'plaintext' || kind === 'encrypted'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : kind === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    this.statusItem.accessibilityInformation = { label: `Query connection: ${this.statusItem.text.replace(/\$\([^)]*\)\s*/g, '')}` };
    this.statusItem.show();
  }
}
