import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import { isTlsDetailsRequest, type TlsDetailsAction, type TlsDetailsUpdate } from '../../core/presentation/tlsDetailsMessages';
import { renderTlsDetailsBody, renderTlsDetailsPage, type TlsDetailsModel } from '../../core/presentation/tlsDetailsHtml';
import type { TlsReport } from '../../core/tls/tlsReport';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase, DisposableStore } from '../lifecycle';

/** Where the webview assets are: the vscode-elements bundle is copied to dist/webview by the webpack build. */
export const ELEMENTS_SCRIPT = ['dist', 'webview', 'vscode-elements.js'] as const;
export const VIEW_SCRIPT = ['media', 'tlsDetails.js'] as const;

/** Whether two reports describe one session (a report completed with the server's view is a new object of the same session). */
function sameSession(a: TlsReport | undefined, b: TlsReport): boolean {
  return a !== undefined && (a === b || (a.threadId === b.threadId && a.host === b.host && a.port === b.port));
}

/** One `TLS Details: NAME` panel per connection, re-rendered when its state changes. */
export class TlsDetailsPanels extends DisposableBase {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; store: DisposableStore }>();
  /** The report of each connection's latest session: a report shown later that is not it came from Test Connection. */
  private readonly sessionReports = new Map<string, TlsReport>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly runAction: (action: TlsDetailsAction, connectionId: string) => void,
  ) {
    super();
    this._register(
      registry.onDidChange((s) => {
        if ((s.state === 'connected' || s.state === 'reconnecting') && s.report) this.sessionReports.set(s.id, s.report);
        this.render(s.id);
      }),
    );
    this._register(settings.onDidChange(() => [...this.panels.keys()].forEach((id) => this.render(id))));
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.panel.dispose()) });
  }

  private model(connectionId: string): TlsDetailsModel | undefined {
    const connection = this.settings.find(connectionId);
    if (!connection) return undefined;
    const status = this.registry.status(connectionId);
    return {
      name: connection.name,
      profile: connection.profile,
      state: status.state,
      report: status.report,
      error: status.error,
      reportFrom:
        status.state === 'connected' || !status.report
          ? undefined
          : sameSession(this.sessionReports.get(connectionId), status.report)
            ? 'last-session'
            : 'test',
    };
  }

  show(connectionId: string): void {
    const existing = this.panels.get(connectionId);
    if (existing) {
      existing.panel.reveal();
      this.render(connectionId);
      return;
    }
    const model = this.model(connectionId);
    if (!model) return;
    const panel = vscode.window.createWebviewPanel('mysqlTls.tlsDetails', `TLS Details: ${model.name}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    const store = new DisposableStore();
    this.panels.set(connectionId, { panel, store });
    store.add(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (!isTlsDetailsRequest(message)) return;
        if (message.type === 'ready') this.render(connectionId);
        else this.runAction(message.action, connectionId);
      }),
    );
    store.add(
      panel.onDidDispose(() => {
        store.dispose();
        this.panels.delete(connectionId);
      }),
    );
    const nonce = randomBytes(16).toString('base64');
    panel.webview.html = renderTlsDetailsPage({
      nonce,
      cspSource: panel.webview.cspSource,
      elementsScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...ELEMENTS_SCRIPT)).toString(),
      viewScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...VIEW_SCRIPT)).toString(),
      title: `TLS Details: ${model.name}`,
      bodyHtml: renderTlsDetailsBody(model),
    });
  }

  private render(connectionId: string): void {
    const entry = this.panels.get(connectionId);
    if (!entry) return;
    const model = this.model(connectionId);
    if (!model) {
      entry.panel.dispose();
      return;
    }
    entry.panel.title = `TLS Details: ${model.name}`;
    const update: TlsDetailsUpdate = { type: 'render', title: entry.panel.title, bodyHtml: renderTlsDetailsBody(model) };
    void entry.panel.webview.postMessage(update);
  }
}
