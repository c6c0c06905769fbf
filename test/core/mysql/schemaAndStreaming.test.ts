/** Schema browsing and streaming over a real VERIFY_IDENTITY session to the sandbox. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MysqlTlsError } from '../../../src/core/errors';
import { cancelRunningQuery, QueryError, streamQuery } from '../../../src/core/mysql/queryStream';
import { INLINE_ESTIMATES_MAX_TABLES, listColumns, listDatabases, listIndexes, listTables, rowEstimate } from '../../../src/core/mysql/schema';
import { openSession, type Session } from '../../../src/core/mysql/session';
import { loadSandbox, sandboxProfile } from '../../helpers/sandbox';

describe('schema and streaming over TLS', () => {
  let session: Session;
  const DB = 'mysqltls_schema_test';
  before(async () => {
    const sb = loadSandbox();
    const { profile, secrets } = sandboxProfile(sb, 'tls', 'app_none', { mode: 'VERIFY_IDENTITY' });
    session = await openSession({ profile, secrets });
    for (const sql of [
      `DROP DATABASE IF EXISTS ${DB}`,
      `CREATE DATABASE ${DB}`,
      `CREATE TABLE ${DB}.customers (id INT PRIMARY KEY AUTO_INCREMENT, email VARCHAR(200) NOT NULL, note TEXT NULL, UNIQUE KEY uq_email (email), KEY idx_note_email (note(10), email))`,
      `CREATE TABLE ${DB}.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, total DECIMAL(10,2), KEY (customer_id))`,
      `CREATE VIEW ${DB}.big_orders AS SELECT * FROM ${DB}.orders WHERE total > 100`,
      `INSERT INTO ${DB}.customers (email, note) VALUES ('a@example.com', NULL), ('b@example.com', 'vip')`,
    ])
      await session.query(sql);
  });
  after(async () => {
    await session.query(`DROP DATABASE IF EXISTS ${DB}`);
    await session.close();
  });

  it('lists databases with system schemas marked', async () => {
    const dbs = await listDatabases(session);
    assert.ok(dbs.some((d) => d.name === DB && !d.system));
    assert.ok(dbs.some((d) => d.name === 'mysql' && d.system));
    assert.ok(dbs.some((d) => d.name === 'information_schema' && d.system));
  });
  it('lists tables and views with kinds', async () => {
    const tables = await listTables(session, DB);
    assert.deepEqual(
      tables.map((t) => [t.name, t.kind]),
      [
        ['big_orders', 'view'],
        ['customers', 'table'],
        ['orders', 'table'],
      ],
    );
    assert.equal(tables.find((t) => t.name === 'big_orders')!.rowEstimate, undefined);
    assert.equal(typeof tables.find((t) => t.name === 'customers')!.rowEstimate, 'number');
  });
  it('lists a level of more than INLINE_ESTIMATES_MAX_TABLES tables without row estimates; rowEstimate reads one', async () => {
    const wide = `${DB}_wide`;
    await session.query(`DROP DATABASE IF EXISTS ${wide}`);
    await session.query(`CREATE DATABASE ${wide}`);
    try {
      for (let i = 0; i <= INLINE_ESTIMATES_MAX_TABLES; i++) await session.query(`CREATE TABLE ${wide}.t${String(i).padStart(4, '0')} (id INT) ENGINE=MEMORY`);
      await session.query(`INSERT INTO ${wide}.t0000 VALUES (1), (2), (3)`);
      const tables = await listTables(session, wide);
      assert.equal(tables.length, INLINE_ESTIMATES_MAX_TABLES + 1);
      assert.ok(
        tables.every((t) => t.rowEstimate === undefined && t.kind === 'table' && t.engine === 'MEMORY'),
        'no estimates for a big level',
      );
      assert.equal(await rowEstimate(session, wide, 't0000'), 3);
      assert.equal(await rowEstimate(session, wide, 'no_such_table'), undefined);
      await session.query(`DROP TABLE ${wide}.t0000`);
      const fewer = await listTables(session, wide);
      assert.equal(fewer.length, INLINE_ESTIMATES_MAX_TABLES);
      assert.ok(
        fewer.every((t) => t.rowEstimate === 0),
        'a level of INLINE_ESTIMATES_MAX_TABLES tables has its estimates inline',
      );
    } finally {
      await session.query(`DROP DATABASE IF EXISTS ${wide}`);
    }
  });
  it('lists columns with type, nullability and key, in order', async () => {
    const cols = await listColumns(session, DB, 'customers');
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.nullable, c.key]),
      [
        ['id', 'int(11)', false, 'PRI'],
        ['email', 'varchar(200)', false, 'UNI'],
        ['note', 'text', true, 'MUL'],
      ],
    );
    assert.match(cols[0]!.extra, /auto_increment/);
  });
  it('lists indexes with their columns in order', async () => {
    const idx = await listIndexes(session, DB, 'customers');
    assert.deepEqual(
      idx.map((i) => [i.name, i.unique, i.columns]),
      [
        ['idx_note_email', false, ['note', 'email']],
        ['PRIMARY', true, ['id']],
        ['uq_email', true, ['email']],
      ],
    );
  });

  it('streams rows in batches, with column metadata and NULL kept distinct', async () => {
    const batches: number[] = [];
    let columns: string[] = [];
    const seen: unknown[][] = [];
    const res = await streamQuery(
      session,
      `SELECT id, email, note FROM ${DB}.customers ORDER BY id`,
      {
        onColumns: (c) => (columns = c.map((x) => `${x.name}:${x.typeName}:${x.nullable}`)),
        onRows: (rows) => {
          batches.push(rows.length);
          seen.push(...rows);
        },
      },
      { batchSize: 1 },
    );
    assert.deepEqual(columns, ['id:LONG:false', 'email:VAR_STRING:false', 'note:BLOB:true']);
    assert.deepEqual(batches, [1, 1]);
    assert.deepEqual(seen, [
      [1, 'a@example.com', null],
      [2, 'b@example.com', 'vip'],
    ]);
    assert.equal(res[0]!.rowCount, 2);
  });

  it('reports affected rows for writes', async () => {
    const res = await streamQuery(session, `UPDATE ${DB}.customers SET note = 'x' WHERE id = 1`);
    assert.equal(res[0]!.kind, 'ok');
    assert.equal(res[0]!.affectedRows, 1);
  });

  it('a server error carries the server message and errno', async () => {
    await assert.rejects(
      streamQuery(session, 'SELECT * FROM no_such_table_here'),
      (e: unknown) => (e instanceof QueryError && e.errno === 1046) || (e instanceof QueryError && e.errno === 1146),
    );
    // the session is still usable
    const { rows } = await session.query<{ one: number }[]>('SELECT 1 AS one');
    assert.equal(rows[0]!.one, 1);
  });

  it('cancels a running query with KILL QUERY over a second TLS session; the session stays usable', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(
      streamQuery(session, 'SELECT SLEEP(30)', {}, { signal: ac.signal }),
      (e: unknown) => e instanceof MysqlTlsError && e.code === 'cancelled',
    );
    assert.ok(Date.now() - started < 10_000);
    const { rows } = await session.query<{ v: string }[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
    assert.ok(rows.length === 1);
    await cancelRunningQuery(session); // harmless when nothing runs
  });

  it('streams 1,000,000 rows with backpressure in bounded memory', async (t) => {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let count = 0;
    const res = await streamQuery(
      session,
      `SELECT seq, CONCAT('row-', seq) FROM ${DB}.seq_1_to_1000000`,
      {
        onRows: async (rows) => {
          count += rows.length;
          peak = Math.max(peak, process.memoryUsage().rss);
          if (count % 100_000 < rows.length) await new Promise((r) => setImmediate(r)); // a consumer that yields
        },
      },
      { batchSize: 1000 },
    );
    assert.equal(count, 1_000_000);
    assert.equal(res[0]!.rowCount, 1_000_000);
    const growthMb = (peak - rssBefore) / 1048576;
    // Holding every row would take several hundred MB; streaming stays within a small bound.
    assert.ok(growthMb < 150, `RSS grew by ${growthMb.toFixed(1)} MB`);
    t.diagnostic(`1M-row stream: RSS growth ${growthMb.toFixed(1)} MB`);
  });
});
