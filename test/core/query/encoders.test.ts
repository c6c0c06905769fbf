/** CSV/JSON encoding, cells, messages and the results page: pure, no server. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cellText, rowText, toCell } from '../../../src/core/query/cells';
import { csvField, csvHeader, csvLine, encodeRows, jsonKeys } from '../../../src/core/query/encoders';
import { exportRows } from '../../../src/core/query/exportRows';
import { renderResultsPage, resultsCsp } from '../../../src/core/query/resultsHtml';
import { isResultsRequest, MAX_ROWS_PER_REQUEST } from '../../../src/core/query/resultsMessages';
import { RowStore } from '../../../src/core/query/rowStore';

describe('cells', () => {
  it('keeps NULL, text, numbers and binary distinct', () => {
    assert.equal(toCell(null), null);
    assert.equal(toCell(undefined), null);
    assert.equal(toCell(''), '');
    assert.equal(toCell(42), 42);
    assert.equal(toCell(12345678901234567890n), '12345678901234567890');
    assert.deepEqual(toCell(Buffer.from([0, 255, 10])), { binary: 'AP8K' });
    assert.equal(toCell({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(cellText(null), 'NULL');
    assert.equal(cellText({ binary: 'AP8K' }), '0x00FF0A');
    assert.equal(rowText([1, null, 'a\tb\nc']), '1\tNULL\ta b c');
  });
});

describe('CSV', () => {
  it('quotes what needs quoting and keeps NULL apart from the empty string', () => {
    assert.equal(csvField(null), '');
    assert.equal(csvField(''), '""');
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('line1\nline2'), '"line1\nline2"');
    assert.equal(csvField('cr\r'), '"cr\r"');
    assert.equal(csvField(' lead'), '" lead"');
    assert.equal(csvField(3.5), '3.5');
    assert.equal(csvField({ binary: Buffer.from('\x00\x01binary').toString('base64') }), '0x000162696E617279');
    assert.equal(csvLine([1, null, '', 'x,y']), '1,,"","x,y"\r\n');
    assert.equal(csvHeader(['id', 'a,b', 'q"']), 'id,"a,b","q"""\r\n');
  });
});

describe('JSON', () => {
  it('encodes rows as objects with unique keys, null, strings and base64 binary', () => {
    assert.deepEqual(jsonKeys(['id', 'id', 'id_2', 'x']), ['id', 'id_3', 'id_2', 'x']);
    const text = encodeRows(
      'json',
      ['id', 'note', 'blob', 'id'],
      [
        [1, 'quote " and\nnewline', { binary: 'AP8=' }, 2],
        [2, null, null, 3],
      ],
    );
    const parsed = JSON.parse(text) as unknown[];
    assert.deepEqual(parsed, [
      { id: 1, note: 'quote " and\nnewline', blob: { base64: 'AP8=' }, id_2: 2 },
      { id: 2, note: null, blob: null, id_2: 3 },
    ]);
    assert.equal(encodeRows('json', ['a'], []), '[]\n');
  });

  it('exports from a row store to CSV and JSON files (mode 0600) that parse back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-export-test-'));
    const store = new RowStore({ pageRows: 3, memoryBudgetBytes: 100, tempDir: dir });
    try {
      const rows: unknown[][] = [];
      for (let i = 0; i < 10; i++) rows.push([i, i % 3 === 0 ? null : `v"${i},\n`, Buffer.from([i])]);
      await store.append(rows);
      await store.finish();
      assert.ok(store.spilledBytes > 0, 'the tiny budget made pages spill');
      const progress: number[] = [];
      const csvFile = path.join(dir, 'out.csv');
      assert.equal(await exportRows(store, ['n', 'text', 'bin'], 'csv', csvFile, { chunkRows: 4, onProgress: (w) => progress.push(w) }), 10);
      assert.deepEqual(progress, [4, 8, 10]);
      const csv = readFileSync(csvFile, 'utf8');
      assert.ok(csv.startsWith('n,text,bin\r\n0,,0x00\r\n1,"v""1,\n",0x01\r\n'), csv.slice(0, 60));
      assert.equal(statSync(csvFile).mode & 0o777, 0o600);
      const jsonFile = path.join(dir, 'out.json');
      await exportRows(store, ['n', 'text', 'bin'], 'json', jsonFile, { chunkRows: 4 });
      const parsed = JSON.parse(readFileSync(jsonFile, 'utf8')) as { n: number; text: string | null; bin: { base64: string } }[];
      assert.equal(parsed.length, 10);
      assert.deepEqual(parsed[3], { n: 3, text: null, bin: { base64: Buffer.from([3]).toString('base64') } });
      assert.equal(parsed[4]!.text, 'v"4,\n');
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('results messages and page', () => {
  it('accepts only well-formed requests', () => {
    assert.ok(isResultsRequest({ type: 'ready' }));
    assert.ok(isResultsRequest({ type: 'requestRows', requestId: 1, resultIndex: 0, start: 100, count: 200 }));
    assert.ok(!isResultsRequest({ type: 'requestRows', requestId: 1, resultIndex: 0, start: -1, count: 200 }));
    assert.ok(!isResultsRequest({ type: 'requestRows', requestId: 1, resultIndex: 0, start: 0, count: MAX_ROWS_PER_REQUEST + 1 }));
    assert.ok(isResultsRequest({ type: 'copy', resultIndex: 0, row: 3 }));
    assert.ok(isResultsRequest({ type: 'export', resultIndex: 1, format: 'json' }));
    assert.ok(!isResultsRequest({ type: 'export', resultIndex: 1, format: 'xml' }));
    assert.ok(!isResultsRequest({ type: 'run', sql: 'DROP TABLE x' }));
    assert.ok(!isResultsRequest(null));
  });

  it('renders a page with a nonce-only script policy and escaped values', () => {
    const html = renderResultsPage({
      nonce: 'abc123',
      cspSource: 'vscode-webview://x',
      scriptUri: 'vscode-webview://x/results.js',
      styleUri: 'vscode-webview://x/results.css',
      title: '<img src=x onerror=alert(1)>',
    });
    assert.match(html, /script-src 'nonce-abc123'/);
    assert.match(html, /default-src 'none'/);
    assert.ok(!html.includes('<img src=x'), 'the title is escaped');
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc123" src="vscode-webview:\/\/x\/results.js">/);
    assert.ok(!/unsafe-inline|unsafe-eval/.test(resultsCsp('n', 's')));
    assert.match(html, /role="grid"/);
  });
});
