import { cellText, isBinaryCell, type Cell } from './cells';

/**
 * CSV (RFC 4180) and JSON encoders for exports. CSV: fields with a comma, quote, CR/LF or edge spaces are
 * quoted with quotes doubled; NULL is an empty unquoted field and the empty string a quoted empty field
 * (`""`), so the two stay distinct; binary is a `0x…` hex literal. JSON: an array of objects keyed by
 * column name (a repeated name gets a `_2`, `_3`… suffix), NULL as null, binary as `{"base64": "…"}`,
 * DECIMAL and big integers as the strings the server sent (no precision lost).
 */
export type ExportFormat = 'csv' | 'json';

/**
 * CSV injection (OWASP): a spreadsheet opening the file runs a cell that starts with `=`, `+`, `-` or `@`
 * as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`), and a leading tab or carriage return can hide
 * such a start from a naive check. Neutralising puts a single quote in front, which every spreadsheet
 * takes as "this is text" and does not show.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export interface CsvOptions {
  /** Prefix `'` to cells and column names that start like a formula. */
  neutralizeFormulas?: boolean;
  /**
   * Per column: true when the server typed it numeric. Those values are left alone: a numeric column
   * holds only numbers, so `-5` there is data, never a formula, and a quote would corrupt it.
   */
  numericColumns?: readonly boolean[];
}

/** Server column types whose values are only numbers (mysql2's type names). */
const NUMERIC_TYPES = new Set(['TINY', 'SHORT', 'LONG', 'INT24', 'LONGLONG', 'FLOAT', 'DOUBLE', 'DECIMAL', 'NEWDECIMAL', 'YEAR']);

export function isNumericColumnType(typeName: string): boolean {
  return NUMERIC_TYPES.has(typeName.toUpperCase());
}

function csvQuote(text: string): string {
  if (text === '') return '""';
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function neutralize(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function csvField(cell: Cell, neutralizeFormulas = false, numericColumn = false): string {
  if (cell === null) return '';
  // Binary cells are 0x… hex literals and numbers are numbers: neither can start a formula.
  if (isBinaryCell(cell)) return csvQuote(cellText(cell));
  if (typeof cell === 'number' || !neutralizeFormulas || numericColumn) return csvQuote(String(cell));
  return csvQuote(neutralize(cell));
}

export function csvLine(cells: Cell[], options: CsvOptions = {}): string {
  const on = options.neutralizeFormulas === true;
  return `${cells.map((c, i) => csvField(c, on, options.numericColumns?.[i] === true)).join(',')}\r\n`;
}

/** The header line. Column names are the query's (or the server's) words too, so they are neutralised alike. */
export function csvHeader(columnNames: string[], options: CsvOptions = {}): string {
  return `${columnNames.map((n) => csvQuote(options.neutralizeFormulas === true ? neutralize(n) : n)).join(',')}\r\n`;
}

/** Unique keys for JSON objects: `id, id` becomes `id, id_2`. */
export function jsonKeys(columnNames: string[]): string[] {
  const seen = new Map<string, number>();
  const taken = new Set(columnNames);
  return columnNames.map((name) => {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n === 1) return name;
    let candidate = `${name}_${n}`;
    for (let i = n; taken.has(candidate); i++) candidate = `${name}_${i + 1}`;
    taken.add(candidate);
    return candidate;
  });
}

export function jsonValue(cell: Cell): unknown {
  return isBinaryCell(cell) ? { base64: cell.binary } : cell;
}

/**
 * One row as a JSON object text (no trailing separator). Written key by key rather than through an object:
 * `obj['__proto__'] = 1` would set the prototype (or be ignored) and the column would vanish.
 */
export function jsonRow(keys: string[], cells: Cell[]): string {
  return `{${keys.map((k, i) => `${JSON.stringify(k)}:${JSON.stringify(jsonValue(cells[i] ?? null))}`).join(',')}}`;
}

/** Encodes a whole result in memory (small results and tests); exports stream with `exportRows`. */
export function encodeRows(format: ExportFormat, columnNames: string[], rows: Cell[][], csvOptions: CsvOptions = {}): string {
  if (format === 'csv') return csvHeader(columnNames, csvOptions) + rows.map((r) => csvLine(r, csvOptions)).join('');
  const keys = jsonKeys(columnNames);
  return rows.length === 0 ? '[]\n' : `[\n${rows.map((r) => `  ${jsonRow(keys, r)}`).join(',\n')}\n]\n`;
}
