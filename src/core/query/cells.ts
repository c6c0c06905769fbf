/**
 * Result cells as they travel between the driver, the row store, the webview and the exporters: plain JSON
 * values, so a page of rows can be serialised as is. Binary data (BLOB, BINARY, BIT) keeps its bytes as
 * base64 so it is never confused with text; NULL stays `null`, distinct from the empty string.
 */
export interface BinaryCell {
  binary: string;
}

export type Cell = null | string | number | BinaryCell;

export function isBinaryCell(cell: Cell): cell is BinaryCell {
  return typeof cell === 'object' && cell !== null;
}

/** What mysql2 hands over (numbers, strings with dateStrings/supportBigNumbers, Buffers, parsed JSON) as a Cell. */
export function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (Buffer.isBuffer(value)) return { binary: value.toString('base64') };
  if (value instanceof Uint8Array) return { binary: Buffer.from(value).toString('base64') };
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  // MySQL's JSON type and spatial values arrive parsed: shown and exported as JSON text.
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function toCells(row: unknown[]): Cell[] {
  return row.map(toCell);
}

/** Text of a cell for copying: NULL as `NULL`, binary as a `0x…` hex literal, the rest as is. */
export function cellText(cell: Cell): string {
  if (cell === null) return 'NULL';
  if (isBinaryCell(cell)) return `0x${Buffer.from(cell.binary, 'base64').toString('hex').toUpperCase()}`;
  return String(cell);
}

/** A row as tab-separated text (what a spreadsheet paste expects); tabs and newlines inside cells become spaces. */
export function rowText(cells: Cell[]): string {
  return cells.map((c) => cellText(c).replace(/[\t\r\n]+/g, ' ')).join('\t');
}

/** Rough in-memory size of a cell, for the row store's page sealing. */
export function cellBytes(cell: Cell): number {
  if (cell === null) return 4;
  if (typeof cell === 'number') return 8;
  if (typeof cell === 'string') return cell.length * 2 + 8;
  return cell.binary.length + 16;
}

/**
 * Characters of a text cell that the results grid shows, and so the most of it that travels to the webview
 * (the extension cuts, the webview shows what it gets). Copy and Export read the full value from the store.
 */
export const CELL_DISPLAY_CHARS = 2000;

/** A text cell cut for display: its first characters and the full length in characters. */
export interface CutTextCell {
  cut: string;
  length: number;
}

/** A binary cell cut for display: the base64 of its first bytes and the full length in bytes. */
export interface CutBinaryCell {
  binary: string;
  length: number;
}

/** A cell as the webview gets it. */
export type DisplayCell = Cell | CutTextCell | CutBinaryCell;

export function isCutText(cell: DisplayCell): cell is CutTextCell {
  return typeof cell === 'object' && cell !== null && 'cut' in cell;
}

/** The first `max` UTF-16 units of a string, never ending in half a surrogate pair. */
function head(text: string, max: number): string {
  const n = Math.max(0, max);
  if (text.length <= n) return text;
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** Base64 bytes of a base64 string (without decoding it: a cell may be megabytes). */
function base64Bytes(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

/** A cell cut to at most `maxChars` characters of text (or base64), with a marker and its full length. */
export function displayCell(cell: DisplayCell, maxChars: number = CELL_DISPLAY_CHARS): DisplayCell {
  if (cell === null || typeof cell === 'number') return cell;
  if (typeof cell === 'string') return cell.length <= maxChars ? cell : { cut: head(cell, maxChars), length: cell.length };
  if (isCutText(cell)) return { cut: head(cell.cut, maxChars), length: cell.length };
  if (cell.binary.length <= maxChars) return cell;
  // Whole base64 quanta, so the cut text still decodes to the first bytes.
  const full = 'length' in cell ? cell.length : base64Bytes(cell.binary);
  return { binary: cell.binary.slice(0, Math.floor(Math.max(0, maxChars) / 4) * 4), length: full };
}
