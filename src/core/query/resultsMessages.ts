import type { ColumnMeta } from '../mysql/queryStream';
import type { Cell } from './cells';
import type { RowStore } from './rowStore';

/**
 * Messages between the results webview (media/results.js, which reads these types through JSDoc) and the
 * extension. The webview holds only the rows it shows: it asks for windows by index (`requestRows`) and
 * the extension answers from the RowStore.
 */
export interface ResultColumnView {
  name: string;
  typeName: string;
  nullable: boolean;
}

export interface ResultSetView {
  resultIndex: number;
  statementIndex: number;
  /** `Statement 2, line 5` */
  label: string;
  columns: ResultColumnView[];
}

export type RunState = 'running' | 'done' | 'error' | 'cancelled' | 'refused';

/** Extension -> webview. */
export type ResultsUpdate =
  | { type: 'reset'; title: string; binding: string; tls: string; statementCount: number }
  | { type: 'resultSet'; resultSet: ResultSetView }
  | { type: 'rowCount'; resultIndex: number; rowCount: number; complete: boolean }
  | { type: 'rows'; requestId: number; resultIndex: number; start: number; rows: Cell[][] }
  | { type: 'statement'; statementIndex: number; label: string; summary: string; state: 'done' | 'error' }
  | { type: 'state'; state: RunState; message: string };

/**
 * The announcement of a result set. Columns travel as an array in result order, never as an object keyed
 * by name: a column may be called `__proto__` or `constructor`, and two columns may share a name.
 */
export function resultSetMessage(resultIndex: number, statementIndex: number, label: string, columns: readonly ColumnMeta[]): ResultsUpdate {
  return { type: 'resultSet', resultSet: { resultIndex, statementIndex, label, columns: columns.map((c) => ({ name: c.name, typeName: c.typeName, nullable: c.nullable })) } };
}

/** A window of rows for the webview, read from the store: each row an array of cells in column order. */
export async function rowsMessage(store: RowStore, requestId: number, resultIndex: number, start: number, count: number): Promise<ResultsUpdate> {
  return { type: 'rows', requestId, resultIndex, start, rows: await store.rows(start, count) };
}

export type ExportFormatRequest = 'csv' | 'json';

/** Webview -> extension. */
export type ResultsRequest =
  | { type: 'ready' }
  | { type: 'requestRows'; requestId: number; resultIndex: number; start: number; count: number }
  | { type: 'cancel' }
  | { type: 'copy'; resultIndex: number; row: number; column?: number }
  | { type: 'export'; resultIndex: number; format: ExportFormatRequest };

/** The most rows one request may ask for (the webview asks for a screenful and a margin). */
export const MAX_ROWS_PER_REQUEST = 2000;

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function isResultsRequest(value: unknown): value is ResultsRequest {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'ready':
    case 'cancel':
      return true;
    case 'requestRows':
      return isIndex(v.requestId) && isIndex(v.resultIndex) && isIndex(v.start) && isIndex(v.count) && (v.count as number) <= MAX_ROWS_PER_REQUEST;
    case 'copy':
      return isIndex(v.resultIndex) && isIndex(v.row) && (v.column === undefined || isIndex(v.column));
    case 'export':
      return isIndex(v.resultIndex) && (v.format === 'csv' || v.format === 'json');
    default:
      return false;
  }
}
