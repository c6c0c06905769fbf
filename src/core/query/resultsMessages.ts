import type { ColumnMeta } from '../mysql/queryStream';
import { CELL_DISPLAY_CHARS, cellText, displayCell, rowText, type Cell, type DisplayCell } from './cells';
import type { RowStore } from './rowStore';

/**
 * Messages between the results webview (media/results.js, which reads these types through JSDoc) and the
 * extension. The webview holds only the rows it shows: it asks for windows by index (`requestRows`) and
 * the extension answers from the RowStore.
 */
export interface ResultColumnView {
  name: string;
  /** `VARCHAR(100)`, `BIGINT UNSIGNED` (sqlTypeName). */
  sqlType: string;
  nullable: boolean;
}

export interface ResultSetView {
  resultIndex: number;
  statementIndex: number;
  /** `Statement 2 (line 5)` (statementLabel) */
  label: string;
  columns: ResultColumnView[];
}

export type RunState = 'running' | 'done' | 'error' | 'cancelled' | 'refused' | 'truncated';

/**
 * The most bytes (as JSON) of one message to the webview. postMessage serialises the whole message as one
 * string: an uncapped window of large cells would exceed what V8 can hold. A window that would be larger
 * is sent as several `rows` messages.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The grid's page: it asks for rows a page at a time (`PAGE` in media/results.js, checked by a test). The first page
 * of a result set is pushed with its first row count, as a `rows` message with `PUSHED_ROWS_REQUEST`: the grid
 * paints it without a round trip to the extension host while the rest of the rows stream in.
 */
export const GRID_PAGE_ROWS = 100;
export const PUSHED_ROWS_REQUEST = 0;

/**
 * How long the stream waits, after the first batch, for the grid to say it painted the first page. Streaming at
 * full speed keeps the CPU busy (the extension host parsing, the server sending), and the browser painted the first
 * rows 100-500 ms late on a 2-core machine (UI bench); a pause this short costs the run's total time little.
 */
export const FIRST_PAINT_WAIT_MS = 150;

/** Longest text of a server-supplied string in a status message (an error message, a column name). */
export const MAX_STATUS_CHARS = 10_000;

/** Extension -> webview. */
export type ResultsUpdate =
  | { type: 'reset'; title: string; binding: string; tls: string; statementCount: number }
  | { type: 'resultSet'; resultSet: ResultSetView }
  | { type: 'rowCount'; resultIndex: number; rowCount: number; complete: boolean; truncated?: string }
  /**
   * Rows [start, start + rows.length) of a request; one request may be answered in several parts, `last`
   * on the final one. Cells are cut for display (DisplayCell). `error`: the rows cannot be read.
   */
  | { type: 'rows'; requestId: number; resultIndex: number; start: number; rows: DisplayCell[][]; last: boolean; error?: string }
  | { type: 'statement'; statementIndex: number; label: string; summary: string; state: 'done' | 'error' }
  | { type: 'state'; state: RunState; message: string };

/** `1 row`, `3 rows`, `1,000,000 rows` (en-US digit groups, like the rest of the view). */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}

/** The name of a statement of a run, in tabs and lists: `Statement 2 (line 3)`. */
export function statementLabel(statementIndex: number, line: number): string {
  return `Statement ${statementIndex + 1} (line ${line})`;
}

/** The same inside a sentence: `statement 2 (line 3)`. */
export function statementInSentence(statementIndex: number, line: number): string {
  return `statement ${statementIndex + 1} (line ${line})`;
}

/** `1 statement ran`, `3 statements ran` when all ran; `2 of 3 statements ran`, `0 of 3 statements ran` when not. */
export function statementsRan(ran: number, total: number): string {
  // A lone statement that was stopped: "0 of 1 statements" would read oddly.
  if (ran === 0 && total === 1) return 'it did not finish';
  if (ran >= total) return `${countOf(ran, 'statement')} ran`;
  return `${ran.toLocaleString('en-US')} of ${countOf(total, 'statement')} ran`;
}

/** The run's state line while a statement runs: `Running statement 2 of 3 (line 3)…`, `Running the statement (line 1)…`. */
export function runningMessage(statementIndex: number, total: number, line: number): string {
  return total === 1 ? `Running the statement (line ${line})…` : `Running statement ${statementIndex + 1} of ${total} (line ${line})…`;
}

/** The run's state line at the end: `3 statements ran · 12 ms`. */
export function doneMessage(ran: number, elapsed: string): string {
  return `${statementsRan(ran, ran)} · ${elapsed}`;
}

/** `Cancelled (KILL QUERY) during statement 2 (line 3) after 1.20 s; 1 of 3 statements ran.` */
export function cancelledMessage(statementIndex: number, line: number, total: number, ran: number, elapsed: string): string {
  return `Cancelled (KILL QUERY) during ${statementInSentence(statementIndex, line)} after ${elapsed}; ${statementsRan(ran, total)}.`;
}

/** `<reason>. The query was stopped (KILL QUERY) during statement 2 (line 3); 1 of 3 statements ran.` */
export function truncatedMessage(reason: string, statementIndex: number, line: number, total: number, ran: number): string {
  return `${reason}. The query was stopped (KILL QUERY) during ${statementInSentence(statementIndex, line)}; ${statementsRan(ran, total)}.`;
}

/** A string from the server, cut for a message to the webview. */
export function statusText(text: string, max: number = MAX_STATUS_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Bytes of a message as postMessage sends it (JSON, UTF-8). */
export function messageBytes(update: ResultsUpdate): number {
  return Buffer.byteLength(JSON.stringify(update), 'utf8');
}

/**
 * The announcement of a result set. Columns travel as an array in result order, never as an object keyed
 * by name: a column may be called `__proto__` or `constructor`, and two columns may share a name. Names
 * and types are cut like cells (a hostile server can send megabytes of name), and further if thousands of
 * columns would still exceed the message cap.
 */
export function resultSetMessage(
  resultIndex: number,
  statementIndex: number,
  label: string,
  columns: readonly ColumnMeta[],
  maxMessageBytes: number = MAX_MESSAGE_BYTES,
): ResultsUpdate {
  const build = (chars: number): ResultsUpdate => ({
    type: 'resultSet',
    resultSet: {
      resultIndex,
      statementIndex,
      label: statusText(label, chars),
      columns: columns.map((c) => ({ name: statusText(c.name, chars), sqlType: statusText(c.sqlType, chars), nullable: c.nullable })),
    },
  });
  let chars = CELL_DISPLAY_CHARS;
  let message = build(chars);
  // 6 bytes per character is the worst case (`\u0001`); 64 for the rest of a column's JSON.
  while (chars > 0 && messageBytes(message) > maxMessageBytes) {
    chars = Math.min(chars - 1, Math.floor((maxMessageBytes / Math.max(1, columns.length) - 64) / 12));
    message = build(Math.max(0, chars));
  }
  return message;
}

export interface RowsMessageOptions {
  maxMessageBytes?: number;
  cellChars?: number;
}

/** Room in a rows message for the envelope (type, ids, start, flags). */
const ROWS_ENVELOPE_BYTES = 256;

/**
 * A window of rows for the webview, read from the store: each row an array of cells in column order, cut
 * for display, in as many messages as the byte cap needs (never one giant string). A row that alone would
 * exceed the cap (thousands of wide columns) has its cells cut shorter. An unreadable window (a corrupt
 * spill file) is one message with `error`, never an exception.
 */
export async function rowsMessages(
  store: RowStore,
  requestId: number,
  resultIndex: number,
  start: number,
  count: number,
  options: RowsMessageOptions = {},
): Promise<ResultsUpdate[]> {
  const cap = Math.max(1024, options.maxMessageBytes ?? MAX_MESSAGE_BYTES);
  const cellChars = options.cellChars ?? CELL_DISPLAY_CHARS;
  const room = cap - ROWS_ENVELOPE_BYTES;
  let rows: DisplayCell[][];
  try {
    rows = await store.mapRows(start, count, (row) => row.map((c) => displayCell(c, cellChars)));
  } catch (e) {
    return [{ type: 'rows', requestId, resultIndex, start, rows: [], last: true, error: e instanceof Error ? e.message : String(e) }];
  }
  const messages: ResultsUpdate[] = [];
  let part: DisplayCell[][] = [];
  let partStart = start;
  let partBytes = 2;
  for (let i = 0; i < rows.length; i++) {
    let row = rows[i]!;
    let bytes = Buffer.byteLength(JSON.stringify(row), 'utf8') + 1;
    if (bytes > room) {
      // Worst case 6 bytes a character, and about 48 bytes of JSON around each cell.
      const chars = Math.max(0, Math.floor((room / Math.max(1, row.length) - 48) / 6));
      row = row.map((c) => displayCell(c, chars));
      bytes = Buffer.byteLength(JSON.stringify(row), 'utf8') + 1;
      if (bytes > room) {
        messages.push({
          type: 'rows',
          requestId,
          resultIndex,
          start: partStart,
          rows: part,
          last: true,
          error: `row ${start + i + 1} has too many columns to show`,
        });
        return messages;
      }
    }
    if (partBytes + bytes > room && part.length) {
      messages.push({ type: 'rows', requestId, resultIndex, start: partStart, rows: part, last: false });
      part = [];
      partStart = start + i;
      partBytes = 2;
    }
    part.push(row);
    partBytes += bytes;
  }
  messages.push({ type: 'rows', requestId, resultIndex, start: partStart, rows: part, last: true });
  return messages;
}

/** What Copy puts on the clipboard: the full value from the store (the grid only has the cut text). */
export async function copyText(store: RowStore, row: number, column?: number): Promise<string | undefined> {
  const cells: Cell[] | undefined = (await store.rows(row, 1))[0];
  if (!cells) return undefined;
  return column === undefined ? rowText(cells) : cellText(cells[column] ?? null);
}

/** Server strings in status messages cut to MAX_STATUS_CHARS (rows and result sets are bounded by their builders). */
export function boundedUpdate(update: ResultsUpdate): ResultsUpdate {
  switch (update.type) {
    case 'reset':
      return { ...update, title: statusText(update.title), binding: statusText(update.binding), tls: statusText(update.tls) };
    case 'statement':
      return { ...update, label: statusText(update.label), summary: statusText(update.summary) };
    case 'state':
      return { ...update, message: statusText(update.message) };
    case 'rowCount':
      return update.truncated === undefined ? update : { ...update, truncated: statusText(update.truncated) };
    default:
      return update;
  }
}

export type ExportFormatRequest = 'csv' | 'json';

/** Webview -> extension. */
export type ResultsRequest =
  | { type: 'ready' }
  | { type: 'requestRows'; requestId: number; resultIndex: number; start: number; count: number }
  | { type: 'cancel' }
  /** The grid painted the pushed first page of this result set. */
  | { type: 'painted'; resultIndex: number }
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
    case 'painted':
      return isIndex(v.resultIndex);
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
