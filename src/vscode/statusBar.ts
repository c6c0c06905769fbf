import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import { codeSpan, statusBarPresentation } from '../core/presentation/connectionPresentation';
import type { TlsReport } from '../core/tls/tlsReport';
import type { ActiveConnection } from './activeConnection';
import type { ConnectionSettings } from './connectionSettings';
import { DisposableBase } from './lifecycle';

/** What the focused query editor is bound to. */
export type FocusedQuery =
  /** `report`: the editor's own session's, once it is open (the same TLS plan as the connection's). */
  | { kind: 'bound'; connectionId: string; database?: string; report?: TlsReport }
  /** A SQL editor with no binding yet. */
  | { kind: 'unbound' }
  /** Bound to a connection that is no longer in the settings. */
  | { kind: 'removed' };

/** The query editors' side of the status bar (QueryDocuments): which binding is focused, and when that changes. */
export interface QueryEditorFocus {
  /** The active editor's binding; undefined when the active editor is not a query editor. */
  focused(): FocusedQuery | undefined;
  readonly onDidChangeFocus: vscode.Event<void>;
}

const CHANGE_QUERY_CONNECTION = 'mysqlTls.changeQueryConnection';

/**
 * The one MySQL TLS status bar item, for the focused context: the focused query editor's connection, else
 * the connection selected in the Connections view. It names the connection and its state in words with the
 * state's icon (`$(verified-filled) Orders: verified identity · TLSv1.3`); the cipher and the socket/server
 * comparison are in the tooltip. A click opens that connection's TLS details.
 */
export class TlsStatusBar extends DisposableBase {
  private readonly item: vscode.StatusBarItem;
  private queries: QueryEditorFocus | undefined;
  /**
   * The tree's selection is the focused context since the user selected a connection there; the query
   * editor is again once it becomes active or is clicked into (VS Code keeps an editor "active" while the
   * side bar has the focus).
   */
  private treeFocused = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly active: ActiveConnection,
  ) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('mysqlTls.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'MySQL TLS';
    this._register(settings.onDidChange(() => this.update()));
    this._register(registry.onDidChange(() => this.update()));
    this._register(active.onDidChange(() => this.update()));
    this._register(
      active.onDidSelect(() => {
        this.treeFocused = true;
        this.update();
      }),
    );
    this._register(vscode.window.onDidChangeActiveTextEditor(() => this.focusEditor()));
    this._register(vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.focusEditor()));
    this.update();
  }

  private focusEditor(): void {
    if (!this.treeFocused) return;
    this.treeFocused = false;
    this.update();
  }

  /** Lets a focused query editor take the item over (its binding, not the tree's selection). */
  followQueryEditors(queries: QueryEditorFocus): void {
    this.queries = queries;
    this._register(queries.onDidChangeFocus(() => this.update()));
    this.update();
  }

  update(): void {
    const query = this.treeFocused ? undefined : this.queries?.focused();
    if (query?.kind === 'unbound' || query?.kind === 'removed') {
      this.show(
        query.kind === 'unbound' ? '$(database) Not bound: choose a MySQL TLS connection' : '$(error) Query connection removed',
        new vscode.MarkdownString(
          query.kind === 'unbound'
            ? 'Click to run this SQL on a MySQL TLS connection.'
            : 'The connection this editor was bound to is no longer in the settings. Click to choose another.',
        ),
        'none',
        { command: CHANGE_QUERY_CONNECTION, title: 'Change Query Connection' },
      );
      return;
    }
    const connection = query?.kind === 'bound' ? this.settings.find(query.connectionId) : this.active.get();
    if (!connection) {
      this.item.hide();
      return;
    }
    let status = this.registry.status(connection.id);
    // The editor's own session: same plan, but its own handshake (protocol, resumption) is what its queries use.
    if (query?.kind === 'bound' && query.report && status.state === 'connected') status = { ...status, report: query.report };
    const focus = query?.kind === 'bound' ? { database: query.database, readOnly: connection.profile.readOnly === true } : {};
    const view = statusBarPresentation(connection.name, connection.profile, status, focus);
    const tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
    if (query?.kind === 'bound') {
      // The only command link in the tooltip: every value above is escaped (escape.ts), so none can add another.
      tooltip.isTrusted = { enabledCommands: [CHANGE_QUERY_CONNECTION] };
      tooltip.appendMarkdown(
        `\n\n_Query editor bound to this connection${query.database ? ` (database ${codeSpan(query.database)})` : ''}${focus.readOnly ? ', read-only' : ''}._ [Change connection…](command:${CHANGE_QUERY_CONNECTION})`,
      );
    } else tooltip.appendMarkdown('\n\n_Selected connection._');
    tooltip.appendMarkdown(' _Click for the TLS details._');
    this.show(view.text, tooltip, view.background, { command: 'mysqlTls.showTlsDetails', title: 'Show TLS Details', arguments: [connection.id] });
  }

  private show(text: string, tooltip: vscode.MarkdownString, background: 'none' | 'warning' | 'error', command: vscode.Command): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.command = command;
    // Only the status bar's own warning/error backgrounds are allowed here; their text colours come with them.
    this.item.backgroundColor =
      background === 'warning'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : background === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    this.item.accessibilityInformation = { label: `MySQL TLS: ${text.replace(/\$\([^)]*\)\s*/g, '')}` };
    this.item.show();
  }
}
