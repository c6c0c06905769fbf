/** CSV injection: cells a spreadsheet would run as formulas are neutralised on export (on by default). */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { Cell } from '../../../src/core/query/cells';
import { csvHeader, csvLine, encodeRows, isNumericColumnType } from '../../../src/core/query/encoders';
import { exportRows } from '../../../src/core/query/exportRows';
import { RowStore } from '../../../src/core/query/rowStore';

// The OWASP list of formula starts, plus values that only look close to one.
const HOSTILE: Cell[] = ['=HYPERLINK("http://x","y")', "+1+cmd|' /C calc'!A0", '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', 'plain', ' =lead space', '', null];
const NEUTRALISED = [
  `"'=HYPERLINK(""http://x"",""y"")"`,
  `'+1+cmd|' /C calc'!A0`,
  `'-2+3`,
  `'@SUM(A1:A9)`,
  `'\t=1+1`,
  `"'\r=1+1"`,
  'plain',
  '" =lead space"',
  '""',
  '',
];
const EXACT = [`"=HYPERLINK(""http://x"",""y"")"`, `+1+cmd|' /C calc'!A0`, '-2+3', '@SUM(A1:A9)', '"\t=1+1"', '"\r=1+1"', 'plain', '" =lead space"', '""', ''];

describe('CSV formula neutralisation', () => {
  it('prefixes a quote to text cells that start with = + - @ tab or CR when on', () => {
    assert.equal(csvLine(HOSTILE, { neutralizeFormulas: true }), `${NEUTRALISED.join(',')}\r\n`);
  });

  it('writes the exact values when off (and by default at the encoder level)', () => {
    assert.equal(csvLine(HOSTILE, { neutralizeFormulas: false }), `${EXACT.join(',')}\r\n`);
    assert.equal(csvLine(HOSTILE), `${EXACT.join(',')}\r\n`);
  });

  it('leaves numbers alone: driver numbers, and text of numeric-typed columns (DECIMAL), but not a "-5" in a text column', () => {
    const row: Cell[] = [-5, '-12.50', '-5', { binary: Buffer.from([0x3d]).toString('base64') }];
    const numericColumns = ['LONG', 'NEWDECIMAL', 'VAR_STRING', 'BLOB'].map(isNumericColumnType);
    assert.deepEqual(numericColumns, [true, true, false, false]);
    assert.equal(csvLine(row, { neutralizeFormulas: true, numericColumns }), `-5,-12.50,'-5,0x3D\r\n`);
  });

  it('neutralises column names too (a query chooses them: SELECT 1 AS `=cmd`)', () => {
    assert.equal(csvHeader(['id', '=cmd|x', '-a'], { neutralizeFormulas: true }), `id,'=cmd|x,'-a\r\n`);
    assert.equal(csvHeader(['id', '=cmd|x', '-a']), 'id,=cmd|x,-a\r\n');
  });

  it('never changes JSON', () => {
    const json = encodeRows('json', ['f'], [['=1+1']], { neutralizeFormulas: true });
    assert.deepEqual(JSON.parse(json), [{ f: '=1+1' }]);
  });

  it('exportRows neutralises by default, keeps numeric columns exact, and writes exact values when turned off', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-csvformula-test-'));
    const store = new RowStore({ pageRows: 2, tempDir: dir });
    try {
      await store.append([
        [-5, '-7.25', '=1+2'],
        [3, '0.50', '@A1'],
        [-1, '-1.00', 'safe'],
      ]);
      await store.finish();
      const names = ['n', 'amount', '+note'];
      const columnTypes = ['LONGLONG', 'NEWDECIMAL', 'VAR_STRING'];
      const onFile = path.join(dir, 'on.csv');
      await exportRows(store, names, 'csv', onFile, { columnTypes });
      assert.equal(readFileSync(onFile, 'utf8'), `n,amount,'+note\r\n-5,-7.25,'=1+2\r\n3,0.50,'@A1\r\n-1,-1.00,safe\r\n`);
      const offFile = path.join(dir, 'off.csv');
      await exportRows(store, names, 'csv', offFile, { columnTypes, neutralizeCsvFormulas: false });
      assert.equal(readFileSync(offFile, 'utf8'), `n,amount,+note\r\n-5,-7.25,=1+2\r\n3,0.50,@A1\r\n-1,-1.00,safe\r\n`);
      // Without type information every text cell is treated as text (OWASP's rule): '-7.25 is prefixed.
      const untypedFile = path.join(dir, 'untyped.csv');
      await exportRows(store, names, 'csv', untypedFile);
      assert.match(readFileSync(untypedFile, 'utf8'), /^n,amount,'\+note\r\n-5,'-7\.25,'=1\+2\r\n/);
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
