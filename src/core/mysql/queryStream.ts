import type { Connection, FieldPacket } from 'mysql2';
import { MysqlTlsError } from '../errors';
import { sqlTypeName } from '../query/sqlTypeName';
import type { Session } from './session';

/**
 * Streams the rows of a statement in batches with backpressure: the socket is paused while a batch is
 * handed over, so a consumer that cannot keep up (a webview, a file) holds memory flat. Cancelling runs
 * KILL QUERY over a second session with the same TLS plan; the first session stays usable.
 */
export interface ColumnMeta {
  name: string;
  table?: string;
  typeName: string;
  /** The SQL type (`VARCHAR(100)`, `BIGINT UNSIGNED`), from the column definition (sqlTypeName). */
  sqlType: string;
  nullable: boolean;
}

export interface ResultSummary {
  kind: 'rows' | 'ok';
  columns: ColumnMeta[];
  rowCount: number;
  affectedRows?: number;
  insertId?: number;
  warningCount?: number;
  info?: string;
}

export interface StreamHandlers {
  onColumns?: (columns: ColumnMeta[], resultIndex: number) => void;
  /** A batch of rows (arrays in column order). Returning a promise pauses the socket until it resolves. */
  onRows?: (rows: unknown[][], resultIndex: number) => void | Promise<void>;
}

export interface StreamOptions {
  batchSize?: number;
  signal?: AbortSignal;
  values?: unknown[];
}

/** Server-side failure of a statement, with the server's own words and error number. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    message: string,
    readonly errno?: number,
    readonly sqlState?: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const NOT_NULL_FLAG = 1;
let typeNames: Record<number, string> | undefined;
function typeName(columnType: number | undefined): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  typeNames ??= (require('mysql2') as { Types: Record<number, string> }).Types;
  return columnType === undefined ? 'UNKNOWN' : (typeNames[columnType] ?? `TYPE_${columnType}`);
}

function columnsOf(fields: FieldPacket[]): ColumnMeta[] {
  return fields.map((f) => ({
    name: f.name,
    table: f.table || undefined,
    typeName: typeName(f.columnType ?? f.type),
    sqlType: sqlTypeName({
      columnType: f.columnType ?? f.type ?? -1,
      columnLength: f.columnLength ?? f.length ?? 0,
      flags: Number(f.flags) || 0,
      decimals: f.decimals,
      characterSet: f.characterSet ?? f.charsetNr ?? 0,
      encoding: f.encoding,
      extendedTypeName: f.extendedTypeName,
      extendedFormat: f.extendedFormat,
    }),
    nullable: ((Number(f.flags) || 0) & NOT_NULL_FLAG) === 0,
  }));
}

/**
 * mysql2's generated (eval'd) row parser refuses some column names even with rowsAsArray, and refuses
 * them with a fatal error that closes the connection: `SELECT 1 AS __proto__` would end the session.
 * Any name that is a property of Object.prototype (`__proto__`, `constructor`, `toString`,
 * `__defineGetter__`…) switches the statement to mysql2's static parser, which fills arrays by position and
 * never looks at names. Only then: the generated parser is 30 to 70 % faster on large results.
 */
function refusedByGeneratedParser(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(Object.prototype, name);
}

/**
 * mysql2 builds the row parser right after it emits 'fields', from the query's own options; setting
 * disableEval there makes it pick the static parser for the rest of this statement (the connection's
 * setting and later statements are untouched). The test with `SELECT 1 AS __proto__` catches a mysql2
 * that stops doing so.
 */
function useStaticRowParser(query: unknown): void {
  const options = (query as { options?: { disableEval?: boolean } }).options;
  if (options) options.disableEval = true;
}

export async function streamQuery(session: Session, sql: string, handlers: StreamHandlers = {}, opts: StreamOptions = {}): Promise<ResultSummary[]> {
  const batchSize = opts.batchSize ?? 500;
  const conn: Connection = session.connection;
  const results: ResultSummary[] = [];
  let cancelled = false;
  const onAbort = (): void => {
    cancelled = true;
    void cancelRunningQuery(session).catch(() => session.destroy());
  };
  if (opts.signal?.aborted) throw new MysqlTlsError('cancelled', 'the query was cancelled before it started');
  if (!session.isOpen) throw new MysqlTlsError('connection-lost', 'the session is closed; reconnect to run queries');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let offEnd: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      // mysql2 reports a lost connection to a streaming query only through the connection, so the
      // session's end settles the stream too: a result cut short is an error, never a complete result.
      offEnd = session.onEnd((err) => reject(err ?? new MysqlTlsError('connection-lost', 'the connection closed while the result was being read')));
      const q = conn.query({ sql, values: opts.values, rowsAsArray: true });
      let batch: unknown[][] = [];
      let current: ResultSummary | undefined;
      let pending: Promise<void> = Promise.resolve();
      const flush = (index: number): void => {
        if (!batch.length || !handlers.onRows) {
          batch = [];
          return;
        }
        const rows = batch;
        batch = [];
        const r = handlers.onRows(rows, index);
        if (r && typeof (r as Promise<void>).then === 'function') {
          conn.pause();
          pending = pending.then(() => r).finally(() => conn.resume());
        }
      };
      q.on('fields', (fields: FieldPacket[] | undefined, index: number) => {
        if (!fields) return; // mysql2 emits 'fields' without fields for OK results
        if (fields.some((f) => refusedByGeneratedParser(f.name))) useStaticRowParser(q);
        if (current) flush(results.length - 1);
        current = { kind: 'rows', columns: columnsOf(fields), rowCount: 0 };
        results.push(current);
        handlers.onColumns?.(current.columns, index ?? results.length - 1);
      });
      q.on('result', (row: unknown, index: number) => {
        if (Array.isArray(row)) {
          current!.rowCount++;
          batch.push(row);
          if (batch.length >= batchSize) flush(index ?? results.length - 1);
          return;
        }
        const header = row as { affectedRows?: number; insertId?: number; warningStatus?: number; info?: string };
        if (current && current.kind === 'rows') flush(results.length - 1);
        current = undefined;
        results.push({
          kind: 'ok',
          columns: [],
          rowCount: 0,
          affectedRows: header.affectedRows,
          insertId: header.insertId,
          warningCount: header.warningStatus,
          info: header.info || undefined,
        });
      });
      q.on('error', (err: Error & { errno?: number; sqlState?: string; code?: string; sqlMessage?: string }) => {
        pending.finally(() => {
          if (cancelled && (err.errno === 1317 || err.code === 'ER_QUERY_INTERRUPTED'))
            reject(new MysqlTlsError('cancelled', 'the query was cancelled (KILL QUERY)'));
          else if (err.errno !== undefined) reject(new QueryError(err.sqlMessage ?? err.message, err.errno, err.sqlState, err.code));
          else reject(err);
        });
      });
      q.on('end', () => {
        if (current && current.kind === 'rows') flush(results.length - 1);
        pending.then(() => resolve(), reject);
      });
    });
  } finally {
    offEnd?.();
    opts.signal?.removeEventListener('abort', onAbort);
  }
  return results;
}

/** KILL QUERY for the session's running statement, over a second session with the same TLS plan. */
export async function cancelRunningQuery(session: Session): Promise<void> {
  const helper = await session.reopen();
  try {
    await helper.query(`KILL QUERY ${Number(session.threadId)}`);
  } finally {
    await helper.close();
  }
}
