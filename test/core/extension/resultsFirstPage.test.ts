/**
 * The results grid's first rows: the first page goes to the webview with the first row count, so the grid paints
 * without asking for it (a round trip to the extension host less). In the fake VS Code: the panel records what the
 * extension posts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { GRID_PAGE_ROWS, isResultsRequest, PUSHED_ROWS_REQUEST, type ResultsUpdate } from '../../../src/core/query/resultsMessages';
import { createLogger } from '../../../src/core/logging/logger';
import { createFakeVscode, installFakeVscode } from './fakeVscode';

const quiet = createLogger({ trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined });
const root = path.resolve(__dirname, '../../../..');

describe('the first page of a result set', () => {
  const fake = createFakeVscode();
  const uninstall = installFakeVscode(fake);
  after(() => uninstall());

  it('is pushed with the first row count, once, and the grid takes it without a request', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ResultsPanel } = require('../../../src/vscode/query/resultsPanel') as typeof import('../../../src/vscode/query/resultsPanel');
    const panel = new ResultsPanel((fake.module.Uri as { file(p: string): unknown }).file(root) as never, 'Results', quiet, () => undefined);
    const record = fake.webviews.at(-1)!;
    record.receive({ type: 'ready' });
    const columns = [{ name: 'n', typeName: 'LONGLONG', sqlType: 'BIGINT', nullable: false }];
    panel.addResultSet(0, 0, 'Statement 1', columns);
    const batch = (from: number, n: number): unknown[][] => Array.from({ length: n }, (_, i) => [from + i]);
    await panel.addRows(0, batch(0, 500));
    await panel.addRows(0, batch(500, 500));
    const posted = record.posted as ResultsUpdate[];
    const pushed = posted.filter((m): m is Extract<ResultsUpdate, { type: 'rows' }> => m.type === 'rows');
    assert.equal(pushed.length, 1, 'one pushed page, not one per batch');
    assert.equal(pushed[0]!.requestId, PUSHED_ROWS_REQUEST);
    assert.equal(pushed[0]!.start, 0);
    assert.equal(pushed[0]!.rows.length, GRID_PAGE_ROWS);
    assert.equal(pushed[0]!.rows[99]![0], 99);
    const countAt = posted.findIndex((m) => m.type === 'rowCount' && m.rowCount === 500);
    assert.ok(countAt >= 0 && countAt < posted.indexOf(pushed[0]!), 'the count first, then its page');
    panel.dispose();
  });

  it('holds the stream (the batch promise is the backpressure) until the grid says it painted the first page', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ResultsPanel } = require('../../../src/vscode/query/resultsPanel') as typeof import('../../../src/vscode/query/resultsPanel');
    const panel = new ResultsPanel((fake.module.Uri as { file(p: string): unknown }).file(root) as never, 'Results', quiet, () => undefined);
    const record = fake.webviews.at(-1)!;
    record.receive({ type: 'ready' });
    panel.addResultSet(0, 0, 'Statement 1', [{ name: 'n', typeName: 'LONGLONG', sqlType: 'BIGINT', nullable: false }]);
    let settled = false;
    const first = panel.addRows(0, [[1], [2]]).then(() => (settled = true));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.ok(
      (record.posted as ResultsUpdate[]).some((m) => m.type === 'rows' && m.requestId === PUSHED_ROWS_REQUEST),
      'the page went out',
    );
    assert.equal(settled, false, 'the next batch waits for the paint');
    record.receive({ type: 'painted', resultIndex: 0 });
    await first;
    assert.equal(settled, true);
    panel.dispose();
  });

  it('"painted" is a request the extension parses strictly', () => {
    assert.equal(isResultsRequest({ type: 'painted', resultIndex: 0 }), true);
    assert.equal(isResultsRequest({ type: 'painted', resultIndex: -1 }), false);
    assert.equal(isResultsRequest({ type: 'painted', resultIndex: '0' }), false);
    assert.equal(isResultsRequest({ type: 'painted' }), false);
  });

  it("is the grid's page: media/results.js pages by the same number of rows and files request 0 under the pushed page", () => {
    const script = readFileSync(path.join(root, 'media', 'results.js'), 'utf8');
    assert.match(script, new RegExp(`const PAGE = ${GRID_PAGE_ROWS};`));
    assert.match(script, /m\.requestId === 0 \? key\(m\.resultIndex, Math\.floor\(m\.start \/ PAGE\)\)/);
    assert.match(script, /let nextRequest = 1;/, 'the grid never uses request id 0 for its own requests');
    assert.match(script, /post\(\{ type: 'painted', resultIndex \}\)/, 'the grid acknowledges the pushed page');
  });
});
