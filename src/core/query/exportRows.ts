import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { csvHeader, csvLine, isNumericColumnType, jsonKeys, jsonRow, type CsvOptions, type ExportFormat } from './encoders';
import type { RowStore } from './rowStore';

export interface ExportOptions {
  /** Called after each chunk with the rows written so far and the total. */
  onProgress?: (written: number, total: number) => void;
  signal?: AbortSignal;
  /** Rows read from the store per step. Default 5000. */
  chunkRows?: number;
  /**
   * CSV only: prefix `'` to text cells and column names that a spreadsheet would run as a formula
   * (see csvField). Default true; the setting mysqlTls.export.neutralizeCsvFormulas turns it off.
   */
  neutralizeCsvFormulas?: boolean;
  /** Server type names of the columns (ColumnMeta.typeName): values of numeric columns are never prefixed. */
  columnTypes?: readonly string[];
}

/** Characters handed to the file stream per write, and read from the store per step (about). */
const WRITE_CHARS = 1024 * 1024;
const READ_CHARS = 16 * 1024 * 1024;

/**
 * Writes a stored result to a file as CSV or JSON, reading the store window by window (the rows are never
 * all in memory, and the query is not run again). The file is created with mode 0600: results can be
 * sensitive. An aborted export removes nothing by itself; the caller decides (the extension deletes it).
 */
export async function exportRows(store: RowStore, columnNames: string[], format: ExportFormat, file: string, options: ExportOptions = {}): Promise<number> {
  const out = createWriteStream(file, { mode: 0o600, encoding: 'utf8' });
  const failed = once(out, 'error').then(([e]) => Promise.reject(e as Error));
  failed.catch(() => undefined);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  const total = store.rowCount;
  const chunk = Math.max(1, options.chunkRows ?? 5000);
  const keys = jsonKeys(columnNames);
  const csv: CsvOptions = { neutralizeFormulas: options.neutralizeCsvFormulas ?? true, numericColumns: options.columnTypes?.map(isNumericColumnType) };
  let written = 0;
  // Rows per read adapt to their size: 5000 rows of 8 MiB cells would not fit one string (nor the heap).
  let step = Math.min(chunk, 256);
  try {
    await write(format === 'csv' ? csvHeader(columnNames, csv) : '[');
    while (written < total) {
      if (options.signal?.aborted) throw new Error('the export was cancelled');
      const rows = await store.rows(written, step);
      if (rows.length === 0) break;
      let text = '';
      let chars = 0;
      for (let i = 0; i < rows.length; i++) {
        const line = format === 'csv' ? csvLine(rows[i]!, csv) : `${written + i === 0 ? '\n' : ',\n'}  ${jsonRow(keys, rows[i]!)}`;
        chars += line.length;
        if (text.length + line.length > WRITE_CHARS && text) {
          await write(text);
          text = '';
        }
        text += line;
      }
      await write(text);
      written += rows.length;
      step = Math.max(1, Math.min(chunk, Math.floor(READ_CHARS / Math.max(1, chars / rows.length))));
      options.onProgress?.(written, total);
    }
    if (format === 'json') await write(written === 0 ? ']\n' : '\n]\n');
  } finally {
    out.end();
    await Promise.race([once(out, 'close'), failed]).catch(() => undefined);
  }
  await Promise.race([Promise.resolve(), failed]);
  return written;
}
