/** Running editor statements over a real VERIFY_IDENTITY session: order, errors, read-only, cancel. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueryError } from '../../../src/core/mysql/queryStream';
import { openSession, type Session } from '../../../src/core/mysql/session';
import {
  allowedOnReadOnlyConnection,
  positionOf,
  prepareQuerySession,
  runStatements,
  statementsToRun,
  summarizeStatement,
  unboundedWrites,
  type StatementResultSet,
} from '../../../src/core/query/runStatements';
import { splitStatements } from '../../../src/core/sql/splitStatements';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('runStatements over TLS', () => {
  const DB = 'mysqltls_run_test';
  let admin: Session;
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    admin = await openSession({ profile, secrets });
    for (const sql of [
      `DROP DATABASE IF EXISTS ${DB}`,
      `CREATE DATABASE ${DB}`,
      `CREATE TABLE ${DB}.items (id INT PRIMARY KEY, name VARCHAR(50) NULL)`,
      `INSERT INTO ${DB}.items VALUES (1, 'one'), (2, NULL), (3, 'three')`,
      `CREATE PROCEDURE ${DB}.two_results() BEGIN SELECT 1 AS a; SELECT 'x' AS b, NULL AS c UNION ALL SELECT 'y', 2; END`,
      `CREATE FUNCTION ${DB}.sneaky_write() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO ${DB}.items VALUES (99, 'sneaky'); RETURN 1; END`,
    ])
      await admin.query(sql);
  });
  after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
    await admin.close();
  });

  const count = async (): Promise<number> => Number((await admin.query<{ n: number }[]>(`SELECT COUNT(*) AS n FROM ${DB}.items`)).rows[0]!.n);

  it('runs several statements in order on a session prepared with the default database', async () => {
    const session = await admin.reopen();
    try {
      await prepareQuerySession(session, { database: DB });
      const text = `SELECT id, name FROM items ORDER BY id;\nUPDATE items SET name = 'uno' WHERE id = 1;\nSELECT name FROM items WHERE id = 1;`;
      const sets: StatementResultSet[] = [];
      const rows = new Map<number, unknown[][]>();
      const started: number[] = [];
      const outcome = await runStatements(session, statementsToRun(text, { kind: 'all' }), {
        handlers: {
          onStatementStart: (i) => started.push(i),
          onResultSet: (s) => sets.push(s),
          onRows: (i, r) => void rows.set(i, [...(rows.get(i) ?? []), ...r]),
        },
      });
      assert.equal(outcome.kind, 'done');
      assert.deepEqual(started, [0, 1, 2]);
      assert.deepEqual(
        sets.map((s) => [s.resultIndex, s.statementIndex, s.columns.map((c) => c.name).join(',')]),
        [
          [0, 0, 'id,name'],
          [1, 2, 'name'],
        ],
      );
      assert.deepEqual(rows.get(0), [
        [1, 'one'],
        [2, null],
        [3, 'three'],
      ]);
      assert.deepEqual(rows.get(1), [['uno']]);
      assert.equal(outcome.completed[1]!.results[0]!.affectedRows, 1);
      assert.match(summarizeStatement(outcome.completed[0]!), /^3 rows · \d+ ms$/);
      assert.match(summarizeStatement(outcome.completed[1]!), /^1 row affected · \d+ ms$/);
    } finally {
      await session.close();
    }
  });

  it('gives each result set of a statement its own index (CALL with two SELECTs), then the next statement', async () => {
    const sets: StatementResultSet[] = [];
    const rows = new Map<number, unknown[][]>();
    const outcome = await runStatements(admin, splitStatements(`CALL ${DB}.two_results(); SELECT 3 AS d`), {
      handlers: { onResultSet: (set) => sets.push(set), onRows: (i, r) => void rows.set(i, [...(rows.get(i) ?? []), ...r]) },
    });
    assert.equal(outcome.kind, 'done');
    assert.deepEqual(
      sets.map((x) => [x.resultIndex, x.statementIndex, x.columns.map((c) => c.name).join(',')]),
      [
        [0, 0, 'a'],
        [1, 0, 'b,c'],
        [2, 1, 'd'],
      ],
    );
    assert.deepEqual(rows.get(0), [[1]]);
    assert.deepEqual(rows.get(1), [
      ['x', null],
      ['y', 2],
    ]);
    assert.deepEqual(rows.get(2), [[3]]);
  });

  it('stops at a failing statement with the server message, errno and the statement position', async () => {
    const text = `SELECT 1;\n\nSELECT * FROM ${DB}.no_such_table;\nSELECT 3;`;
    const statements = statementsToRun(text, { kind: 'all' });
    const outcome = await runStatements(admin, statements);
    assert.equal(outcome.kind, 'error');
    if (outcome.kind !== 'error') return;
    assert.equal(outcome.statementIndex, 1);
    assert.equal(outcome.completed.length, 1);
    assert.ok(outcome.error instanceof QueryError);
    assert.equal((outcome.error as QueryError).errno, 1146);
    assert.match(outcome.error.message, /no_such_table' doesn't exist/);
    assert.deepEqual(positionOf(text, outcome.statement.start), { line: 3, column: 1 });
    assert.equal(text.slice(outcome.statement.start, outcome.statement.end), `SELECT * FROM ${DB}.no_such_table`);
  });

  it('a read-only connection refuses writes before sending anything, for the whole batch', async () => {
    const session = await admin.reopen();
    try {
      await prepareQuerySession(session, { readOnly: true, database: DB });
      const before = await count();
      const text = `SELECT 1; DELETE FROM items WHERE id = 1; SELECT 2`;
      const seen: number[] = [];
      const outcome = await runStatements(session, statementsToRun(text, { kind: 'all' }), {
        readOnly: true,
        handlers: { onStatementStart: (i) => seen.push(i) },
      });
      assert.equal(outcome.kind, 'refused');
      if (outcome.kind === 'refused') assert.equal(outcome.statement.text, 'DELETE FROM items WHERE id = 1');
      assert.deepEqual(seen, [], 'not even the SELECT before it ran');
      assert.equal(await count(), before);
      for (const s of [
        'SET SESSION TRANSACTION READ WRITE',
        'SET TRANSACTION READ WRITE',
        'SET SESSION transaction_read_only = 0',
        'COMMIT',
        'INSERT INTO items VALUES (7, null)',
      ]) {
        assert.ok(!allowedOnReadOnlyConnection(s), s);
      }
      assert.ok(allowedOnReadOnlyConnection('SELECT * FROM items'));
    } finally {
      await session.close();
    }
  });

  it('a read-only connection is also enforced by the server (READ ONLY transaction)', async () => {
    const session = await admin.reopen();
    try {
      await prepareQuerySession(session, { readOnly: true, database: DB });
      const before = await count();
      // Passes the client check (a SELECT) but the function writes: the server refuses it.
      const outcome = await runStatements(session, splitStatements('SELECT sneaky_write()'), { readOnly: true });
      assert.equal(outcome.kind, 'error');
      if (outcome.kind === 'error') {
        assert.equal((outcome.error as QueryError).errno, 1792, outcome.error.message);
        assert.match(outcome.error.message, /READ ONLY transaction/);
      }
      assert.equal(await count(), before);
      // And the session goes on reading.
      const ok = await runStatements(session, splitStatements('SELECT COUNT(*) FROM items'), { readOnly: true });
      assert.equal(ok.kind, 'done');
    } finally {
      await session.close();
    }
  });

  it('flags UPDATE/DELETE without WHERE for confirmation', () => {
    const flagged = unboundedWrites(splitStatements(`UPDATE items SET name = 'x'; DELETE FROM items WHERE id = 2; DELETE FROM items`));
    assert.deepEqual(
      flagged.map((s) => s.text),
      [`UPDATE items SET name = 'x'`, 'DELETE FROM items'],
    );
  });

  it('cancels a running statement (KILL QUERY over a second TLS session) and skips the rest', async () => {
    const session = await admin.reopen();
    try {
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 400);
      const outcome = await runStatements(session, splitStatements('SELECT SLEEP(30); SELECT 2'), { signal: ac.signal });
      assert.equal(outcome.kind, 'cancelled');
      if (outcome.kind === 'cancelled') assert.equal(outcome.statementIndex, 0);
      assert.ok(Date.now() - t0 < 10_000, `cancelled after ${Date.now() - t0} ms`);
      const again = await runStatements(session, splitStatements('SELECT 5'));
      assert.equal(again.kind, 'done', 'the session stays usable');
    } finally {
      await session.close();
    }
  });

  it('picks the statement at the cursor or those of a selection', () => {
    const text = 'SELECT 1;\nSELECT 2;\nSELECT 3;';
    assert.deepEqual(
      statementsToRun(text, { kind: 'cursor', offset: 12 }).map((s) => s.text),
      ['SELECT 2'],
    );
    const sel = statementsToRun(text, { kind: 'selection', start: 10, end: text.length });
    assert.deepEqual(
      sel.map((s) => [s.text, s.start]),
      [
        ['SELECT 2', 10],
        ['SELECT 3', 20],
      ],
    );
  });
});
