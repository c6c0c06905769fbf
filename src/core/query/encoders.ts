import { cellText, isBinaryCell, type Cell } from './cells';

/**
 * CSV (RFC 4180) and JSON encoders for exports. CSV: fields with a comma, quote, CR/LF or edge spaces are
 * quoted with quotes doubled; NULL is an empty unquoted field and the empty string a quoted empty field
 * (`""`), so the two stay distinct; binary is a `0x…` hex literal. JSON: an array of objects keyed by
 * column name (a repeated name gets a `_2`, `_3`… suffix), NULL as null, binary as `{"base64": "…"}`,
 * DECIMAL and big integers as the strings the server sent (no precision lost).
 */
export type ExportFormat = 'csv' | 'json';

export function csvField(cell: Cell): string {
  if (cell === null) return '';
  const text = isBinaryCell(cell) ? cellText(cell) : String(cell);
  if (text === '') return '""';
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

export function csvHeader(columnNames: string[]): string {
  return `${columnNames.map((n) => (/[",\r\n]|^\s|\s$/.test(n) || n === '' ? `"${n.replace(/"/g, '""')}"` : n)).join(',')}\r\n`;
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

/** One row as a JSON object text (no trailing separator). */
export function jsonRow(keys: string[], cells: Cell[]): string {
  const obj: Record<string, unknown> = {};
  keys.forEach((k, i) => (obj[k] = jsonValue(cells[i] ?? null)));
  return JSON.stringify(obj);
}

/** Encodes a whole result in memory (small results and tests); exports stream with `exportRows`. */
export function encodeRows(format: ExportFormat, columnNames: string[], rows: Cell[][]): string {
  if (format === 'csv') return csvHeader(columnNames) + rows.map(csvLine).join('');
  const keys = jsonKeys(columnNames);
  return rows.length === 0 ? '[]\n' : `[\n${rows.map((r) => `  ${jsonRow(keys, r)}`).join(',\n')}\n]\n`;
}
