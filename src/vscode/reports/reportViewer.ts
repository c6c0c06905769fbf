import * as vscode from 'vscode';

export const REPORT_SCHEME = 'mysql-tls-report';
const MAX_REPORTS = 50;

/**
 * Read-only Markdown reports (certificate summaries, server audits) as virtual documents with scheme
 * `mysql-tls-report`, opened in the Markdown preview. Nothing is written to disk, and the document cannot
 * be edited or saved by accident. The provider is registered on first use, so activation stays cheap.
 * The Markdown is shown as given and the preview renders raw HTML and links in it: every report builder
 * escapes the server's and the user's strings with core/presentation/escape.ts before it gets here.
 */
export class ReportViewer implements vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private registration: vscode.Disposable | undefined;
  private counter = 0;

  private ensureRegistered(): void {
    if (this.registration) return;
    const provider: vscode.TextDocumentContentProvider = {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.contents.get(uri.toString()) ?? '# This report is no longer available\n\nRun the command again.\n',
    };
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, provider);
  }

  /** A file-name-safe title ("Server TLS audit: Sandbox" -> "Server TLS audit - Sandbox"). */
  private static fileName(title: string): string {
    const safe =
      title
        .replace(/[\\/:*?"<>|#%]+/g, ' - ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 120) || 'Report';
    return `${safe}.md`;
  }

  /** The URI the report is served under (a new one per call: each run stays viewable next to the last). */
  store(title: string, markdown: string): vscode.Uri {
    this.ensureRegistered();
    this.counter += 1;
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${this.counter}/${ReportViewer.fileName(title)}` });
    this.contents.set(uri.toString(), markdown);
    // Bounded: old reports drop out (their documents then say so).
    while (this.contents.size > MAX_REPORTS) {
      const oldest = this.contents.keys().next().value;
      if (oldest === undefined) break;
      this.contents.delete(oldest);
    }
    this.changed.fire(uri);
    return uri;
  }

  /** Stores the report and opens it in the Markdown preview (or, should the preview be unavailable, as text). */
  async show(title: string, markdown: string): Promise<vscode.Uri> {
    const uri = this.store(title, markdown);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      await vscode.window.showTextDocument(doc, { preview: false });
    }
    return uri;
  }

  dispose(): void {
    this.registration?.dispose();
    this.changed.dispose();
    this.contents.clear();
  }
}
