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
