import { userOnlySetting } from '../userOnlySettings';
import * as vscode from 'vscode';
import type { ConnectionRegistry } from '../../core/connections/connectionRegistry';
import { isMysqlTlsError } from '../../core/errors';
import type { Logger } from '../../core/logging/logger';
import { QueryError } from '../../core/mysql/queryStream';
import { listDatabases } from '../../core/mysql/schema';
import { cancelledMessage, doneMessage, runningMessage, statementLabel, truncatedMessage } from '../../core/query/resultsMessages';
import { removeStaleSpillFolders } from '../../core/query/rowStore';
import {
  formatElapsed,
  positionOf,
  quoteIdentifier,
  runStatements,
  statementsToRun,
  summarizeStatement,
  unboundedWrites,
  type RunOutcome,
} from '../../core/query/runStatements';
import type { SqlStatement } from '../../core/sql/splitStatements';
import type { ConfiguredConnection } from '../../core/settings/connectionSettings';
import type { TlsReport } from '../../core/tls/tlsReport';
import type { QueryCommandId } from '../commandIds';
import type { ConnectionSettings } from '../connectionSettings';
import { DisposableBase } from '../lifecycle';
import { QueryCodeLensProvider } from './queryCodeLens';
import { MYSQL_LANGUAGE_ID, QUERY_LANGUAGE_IDS, QueryDocuments } from './queryDocuments';
import { ResultsPanel } from './resultsPanel';

export const LOG_QUERIES_SETTING = 'logQueries';
const STALE_SPILL_SWEEP_DELAY_MS = 3000;

export interface QueryServices {
  extensionUri: vscode.Uri;
  settings: ConnectionSettings;
  registry: ConnectionRegistry;
  logger: Logger;
  /** Re-renders the Connections view (mysqlTls.showSystemSchemas changed). */
  refreshTree(): void;
  /** The bindings, when activation built them already (the status bar follows them from the start); owned by the caller then. */
  docs?: QueryDocuments;
}

interface RunTarget {
  uri: string;
  start: number;
  end: number;
}

function isRunTarget(arg: unknown): arg is RunTarget {
  const a = arg as Partial<RunTarget> | undefined;
  return typeof a === 'object' && a !== null && typeof a.uri === 'string' && typeof a.start === 'number' && typeof a.end === 'number';
}

/** What a tree node or an id says: connection, and maybe database and table. */
function targetOf(arg: unknown): { connectionId?: string; database?: string; table?: string } {
  if (typeof arg === 'string') return { connectionId: arg };
  if (typeof arg !== 'object' || arg === null) return {};
  const a = arg as { connectionId?: unknown; databaseName?: unknown; table?: { name?: unknown } };
  return {
    connectionId: typeof a.connectionId === 'string' ? a.connectionId : undefined,
    database: typeof a.databaseName === 'string' ? a.databaseName : undefined,
    table: typeof a.table?.name === 'string' ? a.table.name : undefined,
  };
}

/**
 * The query editor feature: bound SQL documents, their status bar item, CodeLens, diagnostics for server
 * errors, and one results panel per editor. Query text and results reach the log only when
 * `mysqlTls.logQueries` is true; otherwise the log says that a run happened, how many statements, and how
 * long it took.
 */
export class QueryFeature extends DisposableBase {
  readonly docs: QueryDocuments;
  private readonly panels = new Map<string, ResultsPanel>();
  private readonly diagnostics: vscode.DiagnosticCollection;
  private readonly codeLens: QueryCodeLensProvider;
  private readonly log: Logger;

  constructor(private readonly s: QueryServices) {
    super();
    this.log = s.logger.child('query');
    this.docs = s.docs ?? this._register(new QueryDocuments(s.settings, s.registry, s.logger.child('query')));
    this.diagnostics = this._register(vscode.languages.createDiagnosticCollection('mysqlTls.query'));
    this.codeLens = this._register(new QueryCodeLensProvider(this.docs));
    this._register(
      vscode.languages.registerCodeLensProvider(
        QUERY_LANGUAGE_IDS.map((language) => ({ language })),
        this.codeLens,
      ),
    );
    this._register(this.docs.onDidChange(() => this.codeLens.refresh()));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('mysqlTls.showSystemSchemas')) s.refreshTree();
      }),
    );
    this._register(vscode.workspace.onDidCloseTextDocument((doc) => this.diagnostics.delete(doc.uri)));
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.close()) });
    // Spill files of an extension host that was killed (no dispose ran) would keep result rows on disk.
    // Swept shortly after start, off the activation path (the temp folder can be large).
    const sweep = setTimeout(() => {
      void removeStaleSpillFolders().then(
        (removed) => removed.length && this.log.info(`removed ${removed.length} leftover result spill folder(s)`),
        (e: unknown) => this.log.warn(`could not remove leftover result spill folders: ${e instanceof Error ? e.message : String(e)}`),
      );
    }, STALE_SPILL_SWEEP_DELAY_MS);
    sweep.unref?.();
    this._register({ dispose: () => clearTimeout(sweep) });
  }

  private logQueries(): boolean {
    return userOnlySetting<boolean>(LOG_QUERIES_SETTING, false) === true;
  }

  private async pickConnection(placeHolder: string): Promise<ConfiguredConnection | undefined> {
    const { connections } = this.s.settings.current;
    if (connections.length === 0) {
      void vscode.window.showInformationMessage('MySQL TLS: there are no connections yet.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      connections.map((c) => ({
        label: c.name,
        description: `${c.profile.user}@${c.profile.host}:${c.profile.port ?? 3306} · ${c.profile.ssl?.mode ?? 'PREFERRED'}${c.profile.readOnly ? ' · read-only' : ''}`,
        detail: this.s.registry.status(c.id).state,
        connection: c,
      })),
      { placeHolder },
    );
    return picked?.connection;
  }

  /** Connects when needed (through the Connect command, so errors look the same everywhere). */
  private async ensureConnected(connection: ConfiguredConnection): Promise<boolean> {
    if (this.s.registry.status(connection.id).state === 'connected') return true;
    await vscode.commands.executeCommand('mysqlTls.connect', connection.id);
    return this.s.registry.status(connection.id).state === 'connected';
  }

  private async pickDatabase(connection: ConfiguredConnection): Promise<{ database?: string } | undefined> {
    const session = this.s.registry.status(connection.id).session;
    const defaultItem = { label: '(connection default)', description: connection.profile.database || 'none', database: undefined as string | undefined };
    if (!session) return { database: undefined };
    let names: string[] = [];
    try {
      names = (await listDatabases(session)).map((d) => d.name);
    } catch {
      // Listing is a convenience; the default still works.
    }
    const picked = await vscode.window.showQuickPick([defaultItem, ...names.map((n) => ({ label: n, description: '', database: n as string | undefined }))], {
      placeHolder: `Default database for queries on ${connection.name}`,
    });
    return picked ? { database: picked.database } : undefined;
  }

  async newQuery(arg: unknown): Promise<vscode.TextEditor | undefined> {
    const target = targetOf(arg);
    const connection = target.connectionId ? this.s.settings.find(target.connectionId) : await this.pickConnection('Connection for the new query');
    if (!connection) return undefined;
    if (!(await this.ensureConnected(connection))) return undefined;
    let database = target.database ?? (connection.profile.database || undefined);
    if (!target.connectionId) {
      // From the palette: the database is picked too (the connection's default is the first choice).
      const picked = await this.pickDatabase(connection);
      if (!picked) return undefined;
      database = picked.database ?? database;
    }
    const content = target.table ? `SELECT * FROM ${quoteIdentifier(target.table)} LIMIT 1000;\n` : '';
    const doc = await vscode.workspace.openTextDocument({ language: MYSQL_LANGUAGE_ID, content });
    this.docs.bind(doc.uri, { connectionId: connection.id, database });
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    if (content) editor.selection = new vscode.Selection(doc.positionAt(content.length), doc.positionAt(content.length));
    this.docs.updateStatus();
    return editor;
  }

  async changeConnection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage('MySQL TLS: open a SQL editor first (or use New Query).');
      return;
    }
    if (this.docs.isRunning(editor.document.uri)) {
      void vscode.window.showWarningMessage('MySQL TLS: a query is running in this editor; cancel it first.');
      return;
    }
    const connection = await this.pickConnection('Run this editor on…');
    if (!connection) return;
    if (!(await this.ensureConnected(connection))) return;
    const db = await this.pickDatabase(connection);
    if (!db) return;
    this.docs.bind(editor.document.uri, { connectionId: connection.id, database: db.database ?? (connection.profile.database || undefined) });
  }

  cancel(): boolean {
    const editor = vscode.window.activeTextEditor;
    const uri = editor?.document.uri;
    const cancelled = uri ? this.docs.cancel(uri) : [...this.panelsRunning()].some((u) => this.docs.cancel(vscode.Uri.parse(u)));
    if (!cancelled) void vscode.window.showInformationMessage('MySQL TLS: no query is running.');
    return cancelled;
  }

  private *panelsRunning(): Iterable<string> {
    for (const uri of this.panels.keys()) if (this.docs.isRunning(vscode.Uri.parse(uri))) yield uri;
  }

  async run(scope: 'cursor' | 'all', arg?: unknown): Promise<RunOutcome | undefined> {
    let document: vscode.TextDocument | undefined;
    let statements: SqlStatement[];
    if (isRunTarget(arg)) {
      document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === arg.uri);
      if (!document) return undefined;
      const text = document.getText();
      statements = statementsToRun(text, { kind: 'selection', start: arg.start, end: arg.end });
    } else {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('MySQL TLS: open a SQL editor first (or use New Query).');
        return undefined;
      }
      document = editor.document;
      const text = document.getText();
      const sel = editor.selection;
      statements =
        scope === 'all'
          ? statementsToRun(text, { kind: 'all' })
          : !sel.isEmpty
            ? statementsToRun(text, { kind: 'selection', start: document.offsetAt(sel.start), end: document.offsetAt(sel.end) })
            : statementsToRun(text, { kind: 'cursor', offset: document.offsetAt(sel.active) });
    }
    if (statements.length === 0) {
      void vscode.window.showInformationMessage('MySQL TLS: there is no statement to run here.');
      return undefined;
    }
    const uri = document.uri;
    if (!this.docs.get(uri)) {
      // An unbound SQL file: bind it first.
      await this.changeConnectionFor(document);
      if (!this.docs.get(uri)) return undefined;
    }
    if (this.docs.isRunning(uri)) {
      const choice = await vscode.window.showWarningMessage('MySQL TLS: a query is already running in this editor.', 'Cancel It');
      if (choice) this.docs.cancel(uri);
      return undefined;
    }
    const connection = this.docs.connectionOf(uri);
    if (!connection) {
      void vscode.window.showErrorMessage('MySQL TLS: the connection of this editor is no longer configured; use Change Query Connection.');
      return undefined;
    }
    const unbounded = unboundedWrites(statements);
    if (unbounded.length > 0 && !connection.profile.readOnly) {
      const first = unbounded[0]!;
      const choice = await vscode.window.showWarningMessage(
        `${unbounded.length === 1 ? 'A statement changes' : `${unbounded.length} statements change`} every row of a table (UPDATE/DELETE without WHERE).`,
        { modal: true, detail: `Line ${positionOf(document.getText(), first.start).line}: ${first.text.slice(0, 200)}` },
        'Run Anyway',
      );
      if (choice !== 'Run Anyway') return undefined;
    }
    if (!(await this.ensureConnected(connection))) return undefined;
    return this.execute(document, connection, statements);
  }

  private async changeConnectionFor(document: vscode.TextDocument): Promise<void> {
    const connection = await this.pickConnection('Run this SQL on…');
    if (!connection || !(await this.ensureConnected(connection))) return;
    this.docs.bind(document.uri, { connectionId: connection.id, database: connection.profile.database || undefined });
  }

  private panelFor(document: vscode.TextDocument): ResultsPanel {
    const key = document.uri.toString();
    let panel = this.panels.get(key);
    if (!panel || panel.isDisposed) {
      const name = document.uri.path.split('/').pop() ?? 'query';
      panel = new ResultsPanel(this.s.extensionUri, `Results: ${name}`, this.log, () => this.docs.cancel(document.uri));
      this.panels.set(key, panel);
      const created = panel;
      panel.onDidDispose(() => {
        if (this.panels.get(key) === created) this.panels.delete(key);
      });
    } else panel.reveal();
    return panel;
  }

  private async execute(document: vscode.TextDocument, connection: ConfiguredConnection, statements: SqlStatement[]): Promise<RunOutcome> {
    const uri = document.uri;
    const text = document.getText();
    const logQueries = this.logQueries();
    const controller = this.docs.startRun(uri);
    this.diagnostics.delete(uri);
    const panel = this.panelFor(document);
    const binding = this.docs.get(uri)!;
    const readOnly = connection.profile.readOnly === true;
    const lineOf = (i: number): number => positionOf(text, statements[i]!.start).line;
    const label = (i: number): string => statementLabel(i, lineOf(i));
    let outcome: RunOutcome;
    try {
      const header = {
        type: 'reset' as const,
        title: `Results: ${document.uri.path.split('/').pop() ?? 'query'}`,
        binding: `${connection.name}${binding.database ? ` · ${binding.database}` : ''}${readOnly ? ' · read-only' : ''}`,
        statementCount: statements.length,
      };
      await panel.reset({ ...header, tls: 'query session: opening…' });
      panel.state('running', `Opening a session on ${connection.name}…`);
      const session = await this.docs.sessionFor(uri);
      // The header shows the TLS of the session the statements run on (the editor's own), not the tree's.
      await panel.reset({ ...header, tls: tlsLabel(session.report) });
      const r = session.report;
      panel.state(
        'running',
        `Running ${statements.length} statement${statements.length === 1 ? '' : 's'} over ${r.encrypted ? `${r.protocol ?? 'TLS'} (${r.security.replace('-', ' ')})` : 'a plaintext connection'}…`,
      );
      this.log.info(`run: ${statements.length} statement(s) on ${connection.name}${logQueries ? `:\n${statements.map((s) => s.text).join(';\n')}` : ''}`);
      outcome = await runStatements(session, statements, {
        readOnly,
        signal: controller.signal,
        handlers: {
          onStatementStart: (i) => panel.state('running', runningMessage(i, statements.length, lineOf(i))),
          onResultSet: (set) => panel.addResultSet(set.resultIndex, set.statementIndex, label(set.statementIndex), set.columns),
          onRows: (resultIndex, rows) => panel.addRows(resultIndex, rows),
          onStatementDone: (o) => {
            const summary = summarizeStatement(o);
            panel.statement(o.statementIndex, label(o.statementIndex), summary, 'done');
            if (logQueries) this.log.info(`${label(o.statementIndex)}: ${summary}`);
          },
        },
      });
    } catch (e) {
      // Opening or preparing the session failed: nothing ran, so no statement gets a diagnostic.
      const message = isMysqlTlsError(e) ? `${e.title}: ${e.detail}` : e instanceof Error ? e.message : String(e);
      this.docs.endRun(uri, controller);
      panel.state('error', `Could not run: ${message}`);
      void vscode.window.showErrorMessage(`MySQL TLS: could not run the query: ${message}`);
      this.log.warn(`run could not start: ${message}`);
      return { kind: 'error', completed: [], elapsedMs: 0, statementIndex: 0, statement: statements[0]!, error: new QueryError(message) };
    } finally {
      this.docs.endRun(uri, controller);
    }
    await panel.finishResults();
    this.report(document, text, statements.length, panel, outcome, logQueries, label);
    return outcome;
  }

  private report(
    document: vscode.TextDocument,
    text: string,
    statementCount: number,
    panel: ResultsPanel,
    outcome: RunOutcome,
    logQueries: boolean,
    label: (i: number) => string,
  ): void {
    const total = formatElapsed(outcome.elapsedMs);
    switch (outcome.kind) {
      case 'done':
        panel.state('done', doneMessage(outcome.completed.length, total));
        this.log.info(`run finished: ${outcome.completed.length} statement(s) in ${total}`);
        return;
      case 'truncated': {
        // Rows that could not be kept (a full disk) stopped the run as Cancel does; the rows before stay.
        const reason = outcome.reason;
        panel.statement(outcome.statementIndex, label(outcome.statementIndex), reason, 'error');
        const line = positionOf(text, outcome.statement.start).line;
        panel.state('truncated', truncatedMessage(reason, outcome.statementIndex, line, statementCount, outcome.completed.length));
        void vscode.window.showWarningMessage(`MySQL TLS: ${reason}. The query was stopped.`);
        this.log.warn(`run stopped at statement ${outcome.statementIndex + 1}: ${reason}`);
        return;
      }
      case 'cancelled':
        panel.state(
          'cancelled',
          cancelledMessage(outcome.statementIndex, positionOf(text, outcome.statement.start).line, statementCount, outcome.completed.length, total),
        );
        this.log.info(`run cancelled after ${outcome.completed.length} statement(s)`);
        return;
      case 'refused': {
        const pos = positionOf(text, outcome.statement.start);
        const message = `Refused: the connection is read-only and this statement may write (line ${pos.line}). Nothing was sent.`;
        this.setDiagnostic(document, outcome.statement, message, vscode.DiagnosticSeverity.Error);
        panel.state('refused', message);
        void vscode.window.showErrorMessage(`MySQL TLS: ${message}`);
        this.log.warn(`run refused on a read-only connection (statement at line ${pos.line})${logQueries ? `: ${outcome.statement.text}` : ''}`);
        return;
      }
      case 'error': {
        const pos = positionOf(text, outcome.statement.start);
        const e = outcome.error;
        const errno = e instanceof QueryError && e.errno !== undefined ? `Error ${e.errno}${e.sqlState ? ` (${e.sqlState})` : ''}: ` : '';
        const message = `${errno}${e.message}`;
        this.setDiagnostic(document, outcome.statement, message, vscode.DiagnosticSeverity.Error);
        panel.statement(outcome.statementIndex, label(outcome.statementIndex), message, 'error');
        panel.state('error', `Statement ${outcome.statementIndex + 1} (line ${pos.line}, column ${pos.column}) failed: ${message}`);
        // The server's message can quote the statement: it is logged only with logQueries.
        this.log.warn(
          `run failed at statement ${outcome.statementIndex + 1} (line ${pos.line})${e instanceof QueryError && e.errno !== undefined ? ` with error ${e.errno}` : ''}${logQueries ? `: ${e.message}` : ''}`,
        );
        return;
      }
    }
  }

  private setDiagnostic(document: vscode.TextDocument, statement: SqlStatement, message: string, severity: vscode.DiagnosticSeverity): void {
    const range = new vscode.Range(document.positionAt(statement.start), document.positionAt(statement.end));
    const diagnostic = new vscode.Diagnostic(range, message, severity);
    diagnostic.source = 'MySQL TLS';
    this.diagnostics.set(document.uri, [diagnostic]);
  }
}

/** `TLSv1.3 TLS_AES_256_GCM_SHA384 · verified identity`, or `plaintext`. */
function tlsLabel(report: TlsReport | undefined): string {
  if (!report) return '';
  if (!report.encrypted) return 'plaintext (not encrypted)';
  return `${report.protocol ?? 'TLS'} ${report.cipher?.name ?? ''} · ${report.security.replace('-', ' ')}`.replace(/\s+·/, ' ·');
}

/** The query commands, keyed by id (merged into the command table in extension.ts). */
export function createQueryCommands(feature: QueryFeature): Record<QueryCommandId, (...args: unknown[]) => unknown> {
  return {
    'mysqlTls.newQuery': (arg) => feature.newQuery(arg),
    'mysqlTls.runStatement': (arg) => feature.run('cursor', arg),
    'mysqlTls.runAll': () => feature.run('all'),
    'mysqlTls.changeQueryConnection': () => feature.changeConnection(),
    'mysqlTls.cancelQuery': () => feature.cancel(),
  };
}
