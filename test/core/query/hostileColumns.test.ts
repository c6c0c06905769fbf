/**
 * Column names that are Object.prototype properties (`__proto__`, `constructor`, `toString`, …) and
 * repeated names, through the path the extension uses: runStatements (streamQuery) -> RowStore -> the
 * resultSet/rows messages the webview gets (JSON-cloned like postMessage) -> CSV/JSON export. Against the
 * real sandbox MariaDB over VERIFY_IDENTITY.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ColumnMeta } from '../../../src/core/mysql/queryStream';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { exportRows } from '../../../src/core/query/exportRows';
import { resultSetMessage, rowsMessages, type ResultsUpdate } from '../../../src/core/query/resultsMessages';
import { RowStore } from '../../../src/core/query/rowStore';
import { runStatements } from '../../../src/core/query/runStatements';
import { splitStatements } from '../../../src/core/sql/splitStatements';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

const HOSTILE_SQL =
  'SELECT 1 AS __proto__, 2 AS constructor, 3 AS toString, 4 AS hasOwnProperty, 5 AS __defineGetter__, 6 AS valueOf, 7 AS dup, 8 AS dup ' +
  'UNION ALL SELECT 11, 12, 13, 14, 15, 16, 17, 18';
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf', 'dup', 'dup'];

/** What the webview receives: postMessage clones the message, as a JSON round trip does for these values. */
const delivered = (m: ResultsUpdate): ResultsUpdate => JSON.parse(JSON.stringify(m)) as ResultsUpdate;

describe('hostile column names', () => {
  let session: Session;
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
  });
  after(async () => {
    await session.close();
  });

  it('arrive with their values in the results view and exports, and the session stays usable', async () => {
    const store = new RowStore({ pageRows: 1 });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mysql-tls-hostile-columns-'));
    let columns: ColumnMeta[] = [];
    try {
      const outcome = await runStatements(session, splitStatements(HOSTILE_SQL), {
        handlers: {
          onResultSet: (rs) => (columns = rs.columns),
          onRows: (_i, rows) => store.append(rows),
        },
      });
      assert.equal(outcome.kind, 'done', outcome.kind === 'error' ? outcome.error.message : outcome.kind);
      await store.finish();

      const announced = delivered(resultSetMessage(0, 0, 'Statement 1 (line 1)', columns));
      assert.equal(announced.type, 'resultSet');
      assert.deepEqual(announced.type === 'resultSet' && announced.resultSet.columns.map((c) => c.name), NAMES);
      const [window] = (await rowsMessages(store, 1, 0, 0, 10)).map(delivered);
      assert.ok(window);
      assert.equal(window.type, 'rows');
      assert.deepEqual(window.type === 'rows' && window.rows, [
        [1, 2, 3, 4, 5, 6, 7, 8],
        [11, 12, 13, 14, 15, 16, 17, 18],
      ]);

      // CSV keeps both `dup` columns; JSON keeps every key as an own property (`dup_2` for the repeat).
      const csvFile = path.join(dir, 'r.csv');
      await exportRows(
        store,
        columns.map((c) => c.name),
        'csv',
        csvFile,
        { columnTypes: columns.map((c) => c.typeName) },
      );
      assert.equal(readFileSync(csvFile, 'utf8'), `${NAMES.join(',')}\r\n1,2,3,4,5,6,7,8\r\n11,12,13,14,15,16,17,18\r\n`);
      const jsonFile = path.join(dir, 'r.json');
      await exportRows(
        store,
        columns.map((c) => c.name),
        'json',
        jsonFile,
      );
      const parsed = JSON.parse(readFileSync(jsonFile, 'utf8')) as Record<string, unknown>[];
      assert.deepEqual(Object.keys(parsed[1]!), ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf', 'dup', 'dup_2']);
      assert.deepEqual(Object.values(parsed[1]!), [11, 12, 13, 14, 15, 16, 17, 18]);
    } finally {
      await store.dispose();
      rmSync(dir, { recursive: true, force: true });
    }

    // The same session runs the next statement (a fatal parser error would have closed it).
    assert.ok(session.isOpen);
    const next = await runStatements(session, splitStatements('SELECT 42 AS answer'), {});
    assert.equal(next.kind, 'done');
    assert.equal(next.kind === 'done' && next.completed[0]!.results[0]!.rowCount, 1);
  });
});
