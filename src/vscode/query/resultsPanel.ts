import { userOnlySetting } from '../userOnlySettings';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Logger } from '../../core/logging/logger';
import type { ColumnMeta } from '../../core/mysql/queryStream';
import { exportRows } from '../../core/query/exportRows';
import { renderResultsPage } from '../../core/query/resultsHtml';
import {
  boundedUpdate,
  copyText,
  FIRST_PAINT_WAIT_MS,
  GRID_PAGE_ROWS,
  isResultsRequest,
  PUSHED_ROWS_REQUEST,
  resultSetMessage,
  rowsMessages,
  type ResultsRequest,
  type ResultsUpdate,
  type RunState,
} from '../../core/query/resultsMessages';
import { RowStore, SharedMemoryBudget } from '../../core/query/rowStore';
import { DisposableBase, DisposableStore } from '../lifecycle';
import { offerExportedFile } from './exportToast';

/** In-memory rows of one run, all result sets together; the rest spills to a private temp file. */
export const RUN_MEMORY_BUDGET = 64 * 1024 * 1024;

/** mysqlTls.export.neutralizeCsvFormulas (package.json): CSV cells that start like a formula get a leading `'`. */
export const NEUTRALIZE_CSV_FORMULAS_SETTING = 'export.neutralizeCsvFormulas';

export const RESULTS_SCRIPT = ['media', 'results.js'] as const;
export const RESULTS_STYLE = ['media', 'results.css'] as const;
const ROW_COUNT_INTERVAL_MS = 150;

interface StoredResult {
  store: RowStore;
  columns: ColumnMeta[];
  lastCountPost: number;
}

/**
 * The results of one query editor: a webview that shows a window of rows, asking the extension for the
 * rows it needs by index. Rows live in RowStores here (bounded memory, spilling to a temp file), never all
 * in the webview. One panel per editor, reused by each run; closing it deletes the stored rows.
 */
export class ResultsPanel extends DisposableBase {
  private readonly panel: vscode.WebviewPanel;
  private results: StoredResult[] = [];
  private budget = new SharedMemoryBudget(RUN_MEMORY_BUDGET);
  private ready = false;
  private queue: ResultsUpdate[] = [];
  /** Result sets whose first page the stream waits to see painted (firstPaint). */
  private readonly paintWaiters = new Map<number, () => void>();
  private disposedFlag = false;
  private readonly disposedEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    extensionUri: vscode.Uri,
    title: string,
    private readonly logger: Logger,
    private readonly onCancel: () => void,
  ) {
    super();
    this.panel = vscode.window.createWebviewPanel(
      'mysqlTls.results',
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
      },
    );
    const store = this._register(new DisposableStore());
    store.add(
      this.panel.webview.onDidReceiveMessage((m: unknown) =>
        // Every failure on this path is reported (a corrupt spill file, a clipboard error), never left unhandled.
        this.onMessage(m).catch((e: unknown) => this.logger.warn(`results view request failed: ${e instanceof Error ? e.message : String(e)}`)),
      ),
    );
    store.add(
      this.panel.onDidDispose(() => {
        this.disposedFlag = true;
        void this.clear();
        this.disposedEmitter.fire();
        this.dispose();
      }),
    );
    const nonce = randomBytes(16).toString('base64');
    this.panel.webview.html = renderResultsPage({
      nonce,
      cspSource: this.panel.webview.cspSource,
      scriptUri: this.panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...RESULTS_SCRIPT)).toString(),
      styleUri: this.panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...RESULTS_STYLE)).toString(),
      title,
    });
  }

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** Every update goes through here: server strings cut (rows and result sets are already bounded). */
  private post(update: ResultsUpdate): void {
    if (this.disposedFlag) return;
    update = boundedUpdate(update);
    if (!this.ready) {
      this.queue.push(update);
      return;
    }
    void this.panel.webview.postMessage(update);
  }

  /** Forgets the previous run's rows (deleting their temp files) and shows a new run starting. */
  async reset(update: Extract<ResultsUpdate, { type: 'reset' }>): Promise<void> {
    await this.clear();
    this.queue = [];
    this.panel.title = update.title;
    this.post(update);
  }

  private async clear(): Promise<void> {
    for (const release of [...this.paintWaiters.values()]) release();
    const old = this.results;
    this.results = [];
    this.budget = new SharedMemoryBudget(RUN_MEMORY_BUDGET);
    await Promise.all(old.map((r) => r.store.dispose()));
  }

  addResultSet(resultIndex: number, statementIndex: number, label: string, columns: ColumnMeta[]): void {
    this.results[resultIndex] = { store: new RowStore({ sharedBudget: this.budget }), columns, lastCountPost: 0 };
    this.post(resultSetMessage(resultIndex, statementIndex, label, columns));
    this.post({ type: 'rowCount', resultIndex, rowCount: 0, complete: false });
  }

  /**
   * Stores a batch; the returned promise is the backpressure (the socket waits for the store). Resolves
   * `{ stop }` when the store could not keep the rows (a failed spill): runStatements then stops the run.
   */
  async addRows(resultIndex: number, rows: unknown[][]): Promise<void | { stop: string }> {
    const result = this.results[resultIndex];
    if (!result) return;
    if (!(await result.store.append(rows))) {
      const reason = this.truncationMessage(result.store);
      this.post({ type: 'rowCount', resultIndex, rowCount: result.store.rowCount, complete: true, truncated: reason });
      return { stop: reason };
    }
    const now = Date.now();
    // The first batch is announced at once (first rows visible while the rest arrive), then at most every 150 ms.
    if (result.lastCountPost === 0 || now - result.lastCountPost >= ROW_COUNT_INTERVAL_MS) {
      const first = result.lastCountPost === 0;
      result.lastCountPost = now;
      this.post({ type: 'rowCount', resultIndex, rowCount: result.store.rowCount, complete: false });
      if (first) {
        // With the first count, the first page: the grid paints it without asking for it first. The socket
        // waits (this is the backpressure) until the grid has painted it, or FIRST_PAINT_WAIT_MS.
        const painted = this.firstPaint(resultIndex);
        for (const m of await rowsMessages(result.store, PUSHED_ROWS_REQUEST, resultIndex, 0, GRID_PAGE_ROWS)) this.post(m);
        await painted;
      }
    }
  }

  /** Resolves when the grid says it painted `resultIndex`'s first page, or after FIRST_PAINT_WAIT_MS (never rejects). */
  private firstPaint(resultIndex: number): Promise<void> {
    if (!this.ready || !this.panel.visible) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.paintWaiters.get(resultIndex) === done) this.paintWaiters.delete(resultIndex);
        resolve();
      };
      const timer = setTimeout(done, FIRST_PAINT_WAIT_MS);
      this.paintWaiters.set(resultIndex, done);
    });
  }

  async finishResults(): Promise<void> {
    for (const [resultIndex, result] of this.results.entries()) {
      if (!result) continue;
      await result.store.finish().catch(() => undefined);
      const truncated = result.store.truncated === undefined ? undefined : this.truncationMessage(result.store);
      this.post({ type: 'rowCount', resultIndex, rowCount: result.store.rowCount, complete: true, truncated });
    }
  }

  /** `Truncated after 1,234 rows: the disk is full (ENOSPC) writing the spill file` */
  private truncationMessage(store: RowStore): string {
    return `Truncated after ${store.rowCount.toLocaleString('en-US')} row${store.rowCount === 1 ? '' : 's'}: ${store.truncated ?? 'the rows could not be stored'}`;
  }

  statement(statementIndex: number, label: string, summary: string, state: 'done' | 'error'): void {
    this.post({ type: 'statement', statementIndex, label, summary, state });
  }

  state(state: RunState, message: string): void {
    this.post({ type: 'state', state, message });
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!isResultsRequest(message)) return;
    const request: ResultsRequest = message;
    switch (request.type) {
      case 'ready':
        this.ready = true;
        for (const u of this.queue.splice(0)) void this.panel.webview.postMessage(u);
        return;
      case 'cancel':
        this.onCancel();
        return;
      case 'painted':
        this.paintWaiters.get(request.resultIndex)?.();
        return;
      case 'requestRows': {
        const result = this.results[request.resultIndex];
        if (!result) return;
        for (const m of await rowsMessages(result.store, request.requestId, request.resultIndex, request.start, request.count)) this.post(m);
        return;
      }
      case 'copy': {
        const result = this.results[request.resultIndex];
        if (!result) return;
        let text: string | undefined;
        try {
          // The full value from the store: the grid only has the cut text.
          text = await copyText(result.store, request.row, request.column);
        } catch (e) {
          void vscode.window.showErrorMessage(`MySQL TLS: copy failed: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        if (text === undefined) return;
        await vscode.env.clipboard.writeText(text);
        vscode.window.setStatusBarMessage(request.column === undefined ? 'MySQL TLS: row copied' : 'MySQL TLS: cell copied', 2000);
        return;
      }
      case 'export':
        await this.export(request.resultIndex, request.format);
        return;
    }
  }

  /** Streams a stored result to a file (from the row store; the query is not run again). */
  private async export(resultIndex: number, format: 'csv' | 'json'): Promise<void> {
    const result = this.results[resultIndex];
    if (!result) return;
    const target = await vscode.window.showSaveDialog({
      title: `Export result ${resultIndex + 1} as ${format.toUpperCase()}`,
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]
        ? vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, `result-${resultIndex + 1}.${format}`)
        : undefined,
    });
    if (!target) return;
    const total = result.store.rowCount;
    const file = target.fsPath;
    try {
      const written = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Exporting ${total.toLocaleString('en-US')} rows as ${format.toUpperCase()}`,
          cancellable: true,
        },
        async (progress, token) => {
          const controller = new AbortController();
          const sub = token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          try {
            return await exportRows(
              result.store,
              result.columns.map((c) => c.name),
              format,
              file,
              {
                signal: controller.signal,
                neutralizeCsvFormulas: userOnlySetting<boolean>(NEUTRALIZE_CSV_FORMULAS_SETTING, true) !== false,
                columnTypes: result.columns.map((c) => c.typeName),
                onProgress: (done, all) => {
                  const pct = all ? (done / all) * 100 : 100;
                  progress.report({ increment: pct - reported, message: `${done.toLocaleString('en-US')} / ${all.toLocaleString('en-US')}` });
                  reported = pct;
                },
              },
            );
          } finally {
            sub.dispose();
          }
        },
      );
      void offerExportedFile(target, written);
    } catch (e) {
      await rm(file, { force: true }).catch(() => undefined);
      // The message names the file and the failure, never row data.
      this.logger.warn(`export to ${file} failed: ${e instanceof Error ? e.message : String(e)}`);
      void vscode.window.showErrorMessage(`MySQL TLS: export failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  close(): void {
    this.panel.dispose();
  }
}
