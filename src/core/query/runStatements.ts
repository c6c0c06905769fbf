import { MysqlTlsError } from '../errors';
import { QueryError, streamQuery, type ColumnMeta, type ResultSummary } from '../mysql/queryStream';
import type { Session } from '../mysql/session';
import { isReadOnlyStatement, isUnboundedWrite, splitStatements, statementAt, type SqlStatement } from '../sql/splitStatements';

/**
 * Runs statements of a query editor in order over one session, stopping at the first failure.
 * A read-only connection is protected twice: statements that write are refused before anything is sent
 * (the whole batch, so it never runs half), and what is sent runs inside START TRANSACTION READ ONLY on a
 * session set to SESSION TRANSACTION READ ONLY, so the server refuses what the client check misses
 * (a stored function that writes, for instance).
 */
export interface StatementResultSet {
  /** Index among every result set of the run (the results view's tab). */
  resultIndex: number;
  statementIndex: number;
  columns: ColumnMeta[];
}

export interface RunHandlers {
  onStatementStart?(statementIndex: number, statement: SqlStatement): void;
  onResultSet?(resultSet: StatementResultSet): void;
  /**
   * Rows of a result set; a returned promise pauses the socket until it resolves (backpressure). Returning
   * (or resolving to) `false` or `{ stop }`, or rejecting, means the rows could not be kept (a full disk):
   * the run stops as Cancel stops it (KILL QUERY), later rows are dropped, and the outcome is `truncated`.
   */
  onRows?(resultIndex: number, rows: unknown[][]): RowsVerdict | Promise<RowsVerdict>;
  onStatementDone?(outcome: StatementOutcome): void;
}

export type RowsVerdict = void | boolean | { stop: string };

export interface StatementOutcome {
  statementIndex: number;
  statement: SqlStatement;
  results: ResultSummary[];
  elapsedMs: number;
}

export type RunOutcome =
  | { kind: 'done'; completed: StatementOutcome[]; elapsedMs: number }
  | { kind: 'error'; completed: StatementOutcome[]; elapsedMs: number; statementIndex: number; statement: SqlStatement; error: QueryError | MysqlTlsError }
  | { kind: 'cancelled'; completed: StatementOutcome[]; elapsedMs: number; statementIndex: number; statement: SqlStatement }
  | {
      kind: 'truncated';
      completed: StatementOutcome[];
      elapsedMs: number;
      statementIndex: number;
      statement: SqlStatement;
      resultIndex: number;
      reason: string;
    }
  | { kind: 'refused'; completed: []; elapsedMs: 0; statementIndex: number; statement: SqlStatement; reason: string };

export interface RunOptions {
  readOnly?: boolean;
  signal?: AbortSignal;
  batchSize?: number;
  handlers?: RunHandlers;
}

/** isReadOnlyStatement, plus: `SET ... TRANSACTION READ WRITE` would lift the read-only protection. */
export function allowedOnReadOnlyConnection(text: string): boolean {
  return isReadOnlyStatement(text) && !/\bread\s+write\b/i.test(text) && !/^\s*set\b[^;]*\b(transaction_read_only|tx_read_only)\b/i.test(text);
}

/** The first statement a read-only connection refuses, or undefined. */
export function firstRefused(statements: SqlStatement[]): number | undefined {
  const i = statements.findIndex((s) => !allowedOnReadOnlyConnection(s.text));
  return i < 0 ? undefined : i;
}

/** Statements that deserve a confirmation (UPDATE/DELETE without WHERE). */
export function unboundedWrites(statements: SqlStatement[]): SqlStatement[] {
  return statements.filter((s) => isUnboundedWrite(s.text));
}

/** What "run" means in an editor: the selection's statements, else the one at the cursor, or the whole text. */
export function statementsToRun(
  text: string,
  scope: { kind: 'all' } | { kind: 'selection'; start: number; end: number } | { kind: 'cursor'; offset: number },
): SqlStatement[] {
  if (scope.kind === 'selection') {
    return splitStatements(text.slice(scope.start, scope.end)).map((s) => ({ ...s, start: s.start + scope.start, end: s.end + scope.start }));
  }
  const all = splitStatements(text);
  if (scope.kind === 'all') return all;
  const one = statementAt(all, scope.offset);
  return one ? [one] : [];
}

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Prepares a dedicated query session: read-only mode and default database. */
export async function prepareQuerySession(session: Session, options: { readOnly?: boolean; database?: string }): Promise<void> {
  if (options.readOnly) await session.query('SET SESSION TRANSACTION READ ONLY');
  if (options.database) await session.query(`USE ${quoteIdentifier(options.database)}`);
}

export async function runStatements(session: Session, statements: SqlStatement[], options: RunOptions = {}): Promise<RunOutcome> {
  const handlers = options.handlers ?? {};
  if (options.readOnly) {
    const refused = firstRefused(statements);
    if (refused !== undefined) {
      return {
        kind: 'refused',
        completed: [],
        elapsedMs: 0,
        statementIndex: refused,
        statement: statements[refused]!,
        reason: 'this connection is read-only and the statement may write; nothing was sent',
      };
    }
  }
  const started = performance.now();
  const completed: StatementOutcome[] = [];
  let resultIndex = 0;
  let inTransaction = false;
  // A consumer that cannot keep rows stops the run through the same path as Cancel (streamQuery's KILL QUERY).
  const stopper = new AbortController();
  const forwardAbort = (): void => stopper.abort();
  if (options.signal?.aborted) stopper.abort();
  else options.signal?.addEventListener('abort', forwardAbort, { once: true });
  let truncated: { resultIndex: number; reason: string } | undefined;
  const judge = (index: number, verdict: RowsVerdict): void => {
    if (truncated || (verdict !== false && (typeof verdict !== 'object' || verdict === null))) return;
    truncated = { resultIndex: index, reason: verdict === false ? 'the rows could not be stored' : verdict.stop };
    stopper.abort();
  };
  const onRows = (rows: unknown[][]): void | Promise<void> => {
    const index = resultIndex - 1;
    // After a stop, rows still in flight before the KILL lands are not consumed.
    if (truncated || !handlers.onRows) return;
    let r: RowsVerdict | Promise<RowsVerdict>;
    try {
      r = handlers.onRows(index, rows);
    } catch (e) {
      return judge(index, { stop: e instanceof Error ? e.message : String(e) });
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => judge(index, v),
        (e: unknown) => judge(index, { stop: e instanceof Error ? e.message : String(e) }),
      );
    }
    judge(index, r);
  };
  const truncatedOutcome = (i: number): RunOutcome => ({
    kind: 'truncated',
    completed,
    elapsedMs: performance.now() - started,
    statementIndex: i,
    statement: statements[i]!,
    resultIndex: truncated!.resultIndex,
    reason: truncated!.reason,
  });
  try {
    if (options.readOnly) {
      await session.query('START TRANSACTION READ ONLY');
      inTransaction = true;
    }
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i]!;
      if (stopper.signal.aborted) return { kind: 'cancelled', completed, elapsedMs: performance.now() - started, statementIndex: i, statement };
      handlers.onStatementStart?.(i, statement);
      const t0 = performance.now();
      try {
        const results = await streamQuery(
          session,
          statement.text,
          {
            onColumns: (columns) => {
              handlers.onResultSet?.({ resultIndex: resultIndex++, statementIndex: i, columns });
            },
            onRows,
          },
          { signal: stopper.signal, batchSize: options.batchSize ?? 500 },
        );
        if (truncated) return truncatedOutcome(i);
        const outcome: StatementOutcome = { statementIndex: i, statement, results, elapsedMs: performance.now() - t0 };
        completed.push(outcome);
        handlers.onStatementDone?.(outcome);
      } catch (e) {
        const elapsedMs = performance.now() - started;
        // Stopped because rows could not be kept: the KILL (or the session it closed) is ours, not an error.
        if (truncated) return truncatedOutcome(i);
        if (e instanceof MysqlTlsError && e.code === 'cancelled') return { kind: 'cancelled', completed, elapsedMs, statementIndex: i, statement };
        if (e instanceof QueryError || e instanceof MysqlTlsError) return { kind: 'error', completed, elapsedMs, statementIndex: i, statement, error: e };
        const err = e as { message?: string; errno?: number; sqlState?: string; code?: string };
        return {
          kind: 'error',
          completed,
          elapsedMs,
          statementIndex: i,
          statement,
          error: new QueryError(err.message ?? String(e), err.errno, err.sqlState, err.code),
        };
      }
    }
    return { kind: 'done', completed, elapsedMs: performance.now() - started };
  } finally {
    options.signal?.removeEventListener('abort', forwardAbort);
    // The read-only transaction only reads: ending it with ROLLBACK is the same as COMMIT and always allowed.
    if (inTransaction && session.isOpen) await session.query('ROLLBACK').catch(() => undefined);
  }
}

/** One line per outcome for the results view: `3 rows · 12 ms`, `1 row affected · 3 ms`. */
export function summarizeStatement(outcome: StatementOutcome): string {
  const parts = outcome.results.map((r) =>
    r.kind === 'rows'
      ? `${r.rowCount.toLocaleString('en-US')} row${r.rowCount === 1 ? '' : 's'}`
      : `${(r.affectedRows ?? 0).toLocaleString('en-US')} row${r.affectedRows === 1 ? '' : 's'} affected${r.warningCount ? `, ${r.warningCount} warning${r.warningCount === 1 ? '' : 's'}` : ''}`,
  );
  return `${parts.join(', ') || 'done'} · ${formatElapsed(outcome.elapsedMs)}`;
}

export function formatElapsed(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** 1-based line and column of an offset, for "at line 3" in messages. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
