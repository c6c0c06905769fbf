import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../core/connections/connectionRegistry';
import { statusBarPresentation } from '../core/presentation/connectionPresentation';
import type { ActiveConnection } from './activeConnection';
import type { ConnectionSettings } from './connectionSettings';
import { DisposableBase } from './lifecycle';

/** `$(lock) TLSv1.3 TLS_AES_256_GCM_SHA384` for the active connection; click opens the TLS details. */
export class TlsStatusBar extends DisposableBase {
  private readonly item: vscode.StatusBarItem;

  constructor(
    settings: ConnectionSettings,
    private readonly registry: ConnectionRegistry,
    private readonly active: ActiveConnection,
  ) {
    super();
    this.item = this._register(vscode.window.createStatusBarItem('mysqlTls.status', vscode.StatusBarAlignment.Left, 50));
    this.item.name = 'MySQL TLS';
    this.item.command = 'mysqlTls.showTlsDetails';
    this._register(settings.onDidChange(() => this.update()));
    this._register(registry.onDidChange(() => this.update()));
    this._register(active.onDidChange(() => this.update()));
    this.update();
  }

  update(): void {
    const connection = this.active.get();
    if (!connection) {
      this.item.hide();
      return;
    }
    const view = statusBarPresentation(connection.name, connection.profile, this.registry.status(connection.id));
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(view.tooltipMarkdown, true);
    tooltip.appendMarkdown('\n\n_Click for the TLS details._');
    this.item.tooltip = tooltip;
    this.item.backgroundColor =
      view.background === 'warning'
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : view.background === 'error'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : undefined;
    this.item.accessibilityInformation = { label: `MySQL TLS: ${view.text.replace(/\$\([^)]*\)\s*/g, '')}` };
    this.item.show();
  }
}
