import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import {
  isPresentedCertificateRequest,
  renderPresentedCertificateBody,
  renderPresentedCertificatePage,
  type PresentedCertificateAction,
  type PresentedCertificateModel,
} from '../../core/presentation/presentedCertificateHtml';
import type { PresentedChainAnalysis } from '../../core/tls/presentedCertificate';
import { DisposableBase, DisposableStore } from '../lifecycle';

export const PRESENTED_CERTIFICATE_SCRIPT = ['media', 'presentedCertificate.js'] as const;

/** One `Server Certificate: NAME` panel per connection, showing the last fetched analysis. */
export class PresentedCertificatePanels extends DisposableBase {
  private readonly panels = new Map<string, { panel: vscode.WebviewPanel; store: DisposableStore; model: PresentedCertificateModel }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly runAction: (action: PresentedCertificateAction, connectionId: string) => void,
  ) {
    super();
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.panel.dispose()) });
  }

  /** The analysis the panel of this connection shows (what "Trust this CA…" acts on). */
  analysisOf(connectionId: string): PresentedChainAnalysis | undefined {
    return this.panels.get(connectionId)?.model.analysis;
  }

  /** The HTML body currently shown (for tests and the e2e harness's checks). */
  bodyOf(connectionId: string): string | undefined {
    const model = this.panels.get(connectionId)?.model;
    return model && renderPresentedCertificateBody(model);
  }

  show(connectionId: string, model: PresentedCertificateModel): void {
    const title = `Server Certificate: ${model.connectionName}`;
    const existing = this.panels.get(connectionId);
    if (existing) {
      existing.model = model;
      existing.panel.title = title;
      existing.panel.reveal();
      void existing.panel.webview.postMessage({ type: 'render', bodyHtml: renderPresentedCertificateBody(model) });
      return;
    }
    const panel = vscode.window.createWebviewPanel('mysqlTls.presentedCertificate', title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media')],
    });
    const store = new DisposableStore();
    const entry = { panel, store, model };
    this.panels.set(connectionId, entry);
    store.add(
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (!isPresentedCertificateRequest(message)) return;
        if (message.type === 'ready') void panel.webview.postMessage({ type: 'render', bodyHtml: renderPresentedCertificateBody(entry.model) });
        else this.runAction(message.action, connectionId);
      }),
    );
    store.add(
      panel.onDidDispose(() => {
        store.dispose();
        this.panels.delete(connectionId);
      }),
    );
    panel.webview.html = renderPresentedCertificatePage({
      nonce: randomBytes(16).toString('base64'),
      cspSource: panel.webview.cspSource,
      viewScriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, ...PRESENTED_CERTIFICATE_SCRIPT)).toString(),
      title,
      bodyHtml: renderPresentedCertificateBody(model),
    });
  }
}
